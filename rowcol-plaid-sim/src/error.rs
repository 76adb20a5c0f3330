//! Plaid's error object: `error_type`, `error_code`, `error_message`,
//! `display_message`, `request_id`, `causes`, `status`, `documentation_url`,
//! `suggested_action`, with the HTTP status Plaid answers it with.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The error codes the look-alike answers (each belongs to one `error_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The Item needs its user to log in again (Link update mode).
    ItemLoginRequired,
    /// The product's data is not ready yet.
    ProductNotReady,
    /// The username of a sandbox link is not a known test user.
    InvalidCredentials,
    /// The institution is down.
    InstitutionDown,
    /// The institution does not answer in time.
    InstitutionNotResponding,
    /// Plaid could not process the request.
    InternalServerError,
    /// Plaid is under planned maintenance.
    PlannedMaintenance,
    /// The access token is unknown or malformed.
    InvalidAccessToken,
    /// `client_id` / `secret` do not match.
    InvalidApiKeys,
    /// The public token is unknown, spent or older than 30 minutes.
    InvalidPublicToken,
    /// `/webhook_verification_key/get` was asked for an unknown `key_id`.
    InvalidWebhookVerificationKeyId,
    /// A field has a value the endpoint refuses (a cursor of another Item...).
    InvalidField,
    /// A required field is absent.
    MissingFields,
    /// The body is not a JSON object.
    InvalidBody,
    /// `/transactions/sync` data changed between pages of one update.
    TransactionsSyncMutationDuringPagination,
    /// `/accounts/balance/get` called too often for one Item.
    AccountsBalanceGetLimit,
    /// `/accounts/get` called too often for one Item.
    AccountsLimit,
    /// `/transactions/sync` called too often for one Item.
    TransactionsSyncLimit,
    /// `/sandbox/item/fire_webhook` on an Item without a webhook URL.
    SandboxWebhookInvalid,
}

impl ErrorCode {
    /// Plaid's `error_type` for the code.
    pub fn error_type(self) -> &'static str {
        use ErrorCode::*;
        match self {
            ItemLoginRequired | ProductNotReady | InvalidCredentials => "ITEM_ERROR",
            InstitutionDown | InstitutionNotResponding => "INSTITUTION_ERROR",
            InternalServerError | PlannedMaintenance => "API_ERROR",
            InvalidAccessToken | InvalidApiKeys | InvalidPublicToken | InvalidWebhookVerificationKeyId => {
                "INVALID_INPUT"
            }
            InvalidField | MissingFields | InvalidBody => "INVALID_REQUEST",
            TransactionsSyncMutationDuringPagination => "TRANSACTIONS_ERROR",
            AccountsBalanceGetLimit | AccountsLimit | TransactionsSyncLimit => "RATE_LIMIT_EXCEEDED",
            SandboxWebhookInvalid => "SANDBOX_ERROR",
        }
    }

    /// The HTTP status Plaid sends the code with.
    pub fn status(self) -> StatusCode {
        use ErrorCode::*;
        match self {
            InternalServerError => StatusCode::INTERNAL_SERVER_ERROR,
            PlannedMaintenance => StatusCode::SERVICE_UNAVAILABLE,
            AccountsBalanceGetLimit | AccountsLimit | TransactionsSyncLimit => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::BAD_REQUEST,
        }
    }

    /// The code as written on the wire.
    pub fn as_str(self) -> String {
        serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Reads a code from its wire name.
    pub fn parse(name: &str) -> Option<Self> {
        serde_json::from_value(Value::String(name.to_string())).ok()
    }

    fn default_message(self) -> &'static str {
        use ErrorCode::*;
        match self {
            ItemLoginRequired => {
                "the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information. use Link's update mode to restore the item to a good state"
            }
            ProductNotReady => {
                "the requested product is not yet ready. please provide a webhook or try the request again later"
            }
            InvalidCredentials => "the provided credentials were not correct",
            InstitutionDown => "this institution is not currently responding to this request. please try again soon",
            InstitutionNotResponding => {
                "this institution is not currently responding to this request. please try again soon"
            }
            InternalServerError => "an unexpected error occurred",
            PlannedMaintenance => {
                "the Plaid API is temporarily unavailable due to planned maintenance. visit https://status.plaid.com/ for more information"
            }
            InvalidAccessToken => {
                "provided access token is in an invalid format. expected format: access-<environment>-<identifier>"
            }
            InvalidApiKeys => "invalid client_id or secret provided",
            InvalidPublicToken => {
                "provided public token is in an invalid format. expected format: public-<environment>-<identifier>"
            }
            InvalidWebhookVerificationKeyId => "invalid key_id provided",
            InvalidField => "a field has an invalid value",
            MissingFields => "the following required fields are missing",
            InvalidBody => "body could not be parsed as JSON",
            TransactionsSyncMutationDuringPagination => {
                "Underlying transaction data changed since last page was fetched. Please restart pagination from last update."
            }
            AccountsBalanceGetLimit | AccountsLimit | TransactionsSyncLimit => {
                "rate limit exceeded for attempts to access this item. please try again later"
            }
            SandboxWebhookInvalid => "the Item has no webhook URL to fire at",
        }
    }

    fn display_message(self) -> Option<&'static str> {
        use ErrorCode::*;
        match self {
            InstitutionDown | InstitutionNotResponding => Some(
                "This financial institution is not currently responding to requests. We apologize for the inconvenience.",
            ),
            InvalidCredentials => Some("The provided credentials were not correct. Please try again."),
            _ => None,
        }
    }

    fn documentation_url(self) -> String {
        let page = match self.error_type() {
            "ITEM_ERROR" => "item",
            "INSTITUTION_ERROR" => "institution",
            "API_ERROR" => "api",
            "INVALID_INPUT" => "invalid-input",
            "INVALID_REQUEST" => "invalid-request",
            "TRANSACTIONS_ERROR" => "transactions",
            "RATE_LIMIT_EXCEEDED" => "rate-limit-exceeded",
            _ => "sandbox",
        };
        format!(
            "https://plaid.com/docs/errors/{page}/#{}",
            self.as_str().to_lowercase().replace('_', "-")
        )
    }
}

/// One failed call: the code and, where it says more than the default, a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct PlaidError {
    /// The code.
    pub code: ErrorCode,
    /// `error_message`.
    pub message: String,
}

impl PlaidError {
    /// An error with the code's usual message.
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            message: code.default_message().to_string(),
        }
    }

    /// An error with its own message.
    pub fn with_message(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    /// `INVALID_FIELD` naming what is wrong.
    pub fn invalid_field(message: impl Into<String>) -> Self {
        Self::with_message(ErrorCode::InvalidField, message)
    }

    /// `MISSING_FIELDS` naming the field.
    pub fn missing(field: &str) -> Self {
        Self::with_message(
            ErrorCode::MissingFields,
            format!("the following required fields are missing: {field}"),
        )
    }

    /// The error object as Plaid writes it (also the `error` of item webhooks).
    pub fn body(&self, request_id: Option<&str>) -> Value {
        json!({
            "error_type": self.code.error_type(),
            "error_code": self.code.as_str(),
            "error_code_reason": null,
            "error_message": self.message,
            "display_message": self.code.display_message(),
            "request_id": request_id,
            "causes": [],
            "status": self.code.status().as_u16(),
            "documentation_url": self.code.documentation_url(),
            "suggested_action": null,
        })
    }

    /// The HTTP answer, with the request's id.
    pub fn response(&self, request_id: &str) -> Response {
        (self.code.status(), Json(self.body(Some(request_id)))).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_plaids_types_and_statuses() {
        let cases = [
            (ErrorCode::ItemLoginRequired, "ITEM_ERROR", 400),
            (ErrorCode::ProductNotReady, "ITEM_ERROR", 400),
            (ErrorCode::InstitutionDown, "INSTITUTION_ERROR", 400),
            (ErrorCode::InternalServerError, "API_ERROR", 500),
            (ErrorCode::InvalidAccessToken, "INVALID_INPUT", 400),
            (ErrorCode::InvalidField, "INVALID_REQUEST", 400),
            (ErrorCode::AccountsBalanceGetLimit, "RATE_LIMIT_EXCEEDED", 429),
            (
                ErrorCode::TransactionsSyncMutationDuringPagination,
                "TRANSACTIONS_ERROR",
                400,
            ),
        ];
        for (code, error_type, status) in cases {
            let body = PlaidError::new(code).body(Some("req"));
            assert_eq!(body["error_type"], error_type, "{code:?}");
            assert_eq!(body["status"], status, "{code:?}");
            assert_eq!(code.status().as_u16(), status);
            assert_eq!(ErrorCode::parse(body["error_code"].as_str().unwrap()), Some(code));
        }
        assert_eq!(
            ErrorCode::TransactionsSyncMutationDuringPagination.as_str(),
            "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION"
        );
    }
}
