//! QBO's error answers: the `Fault` envelope with its type, code, message and HTTP status.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The `type` of a QBO Fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultType {
    /// Bad request: query syntax, unknown property, bad parameter, not found.
    Validation,
    /// Missing, expired or invalid access token.
    Authentication,
    /// Token valid but not allowed here (another realm).
    Authorization,
    /// Server-side trouble (500/503).
    System,
    /// Too many requests.
    Throttle,
}

impl FaultType {
    /// The name QBO writes in the envelope's `type`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Validation => "ValidationFault",
            Self::Authentication => "AuthenticationFault",
            Self::Authorization => "AuthorizationFault",
            Self::System => "SystemFault",
            Self::Throttle => "ThrottleExceeded",
        }
    }
}

/// One QBO error answer, rendered as `{"Fault": {...}, "time": ...}`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{} {} ({}): {}", .fault_type.as_str(), .code, .status, .message)]
pub struct QboFault {
    /// HTTP status of the answer.
    pub status: StatusCode,
    /// Fault type.
    pub fault_type: FaultType,
    /// QBO error code, as a string (`"4000"`).
    pub code: String,
    /// Short message.
    pub message: String,
    /// Longer detail.
    pub detail: String,
    /// The element concerned, often empty.
    pub element: String,
}

impl QboFault {
    fn new(status: StatusCode, fault_type: FaultType, code: &str, message: &str, detail: String) -> Self {
        Self {
            status,
            fault_type,
            code: code.to_string(),
            message: message.to_string(),
            detail,
            element: String::new(),
        }
    }

    /// 400 `QueryParserError`, code 4000.
    pub fn query_parser(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            FaultType::Validation,
            "4000",
            "Error parsing query",
            format!("QueryParserError: {}", detail.into()),
        )
    }

    /// 400 ValidationFault, code 2010 (invalid or unsupported request parameter).
    pub fn invalid_request(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            FaultType::Validation,
            "2010",
            "Request has invalid or unsupported property",
            detail.into(),
        )
    }

    /// 400 ValidationFault, code 610: object not found (or deleted).
    pub fn not_found(kind: &str, id: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            FaultType::Validation,
            "610",
            "Object Not Found",
            format!(
                "Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees. {kind} {id}"
            ),
        )
    }

    /// 401 AuthenticationFault, code 3200.
    pub fn authentication_failed() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            FaultType::Authentication,
            "3200",
            "message=AuthenticationFailed; errorCode=003200; statusCode=401",
            String::new(),
        )
    }

    /// 403 AuthorizationFault, code 3100 (token not valid for this company).
    pub fn authorization_failed() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            FaultType::Authorization,
            "3100",
            "message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403",
            String::new(),
        )
    }

    /// 429 ThrottleExceeded, code 003001.
    pub fn throttled(detail: &str) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            FaultType::Throttle,
            "003001",
            "ThrottleExceeded",
            detail.to_string(),
        )
    }

    /// 500 or 503 SystemFault.
    pub fn system(status: StatusCode) -> Self {
        Self::new(
            status,
            FaultType::System,
            "10000",
            "An application error has occurred while processing your request",
            "System Failure Error: An unexpected error occurred".to_string(),
        )
    }

    /// The JSON body: `{"Fault": {"Error": [...], "type": ...}, "time": ...}`.
    pub fn body(&self, time: &str) -> Value {
        json!({
            "Fault": {
                "Error": [self.error_item()],
                "type": self.fault_type.as_str(),
            },
            "time": time,
        })
    }

    /// The Fault as it appears inside a batch item (no `time`).
    pub fn batch_item(&self) -> Value {
        json!({ "Error": [self.error_item()], "type": self.fault_type.as_str() })
    }

    fn error_item(&self) -> Value {
        json!({
            "Message": self.message,
            "Detail": self.detail,
            "code": self.code,
            "element": self.element,
        })
    }

    /// The XML body QBO sometimes sends (on throttling) even when JSON was asked for.
    pub fn xml_body(&self, time: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<IntuitResponse xmlns=\"http://schema.intuit.com/finance/v3\" time=\"{time}\"><Fault type=\"{}\"><Error code=\"{}\"><Message>{}</Message><Detail>{}</Detail></Error></Fault></IntuitResponse>",
            self.fault_type.as_str(),
            self.code,
            xml_escape(&self.message),
            xml_escape(&self.detail)
        )
    }

    /// Renders the answer as JSON with the envelope `time`.
    pub fn into_response_at(self, time: &str) -> Response {
        json_response(self.status, &self.body(time))
    }

    /// Renders the answer as XML (for the "XML despite Accept: json" fault).
    pub fn into_xml_response_at(self, time: &str) -> Response {
        let mut response = (self.status, self.xml_body(time)).into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml"));
        response
    }
}

fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A JSON answer with QBO's content type.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_string());
    let mut response = (status, text).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    response
}
