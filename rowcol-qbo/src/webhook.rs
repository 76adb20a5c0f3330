//! Intuit webhooks: verify `intuit-signature` over the raw body, then parse
//! the legacy `eventNotifications` or the CloudEvents payload into
//! rail-neutral [`ChangeNotice`]s, duplicates collapsed on their dedup key.
//!
//! A notice is a hint that something changed, never the state itself: the
//! engine reads the realm afterwards.

use std::collections::HashSet;

use base64::Engine;
use chrono::{DateTime, FixedOffset};
use hmac::{Hmac, Mac};
use rowcol_core::sync::{ChangeNotice, NoticeOperation, Tombstone};
use rowcol_core::{ExternalId, Rail, RealmId};
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::Sha256;

use crate::map::kind_from_qbo_name;

/// The header Intuit signs deliveries with.
pub const SIGNATURE_HEADER: &str = "intuit-signature";
/// Default largest body accepted (Intuit batches events; 1 MiB is ample).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// Why a delivery was refused. Never contains the verifier token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// The body is over the size limit (checked before anything else).
    #[error("webhook body of {size} bytes is over the {limit}-byte limit")]
    TooLarge {
        /// Bytes received.
        size: usize,
        /// The limit.
        limit: usize,
    },
    /// No `intuit-signature` header.
    #[error("webhook has no intuit-signature header")]
    MissingSignature,
    /// The signature does not match the body.
    #[error("webhook signature does not match the body")]
    BadSignature,
    /// The body is not a payload of either format.
    #[error("webhook body is malformed: {0}")]
    Malformed(String),
}

/// Checks and parses Intuit's deliveries for one app.
pub struct WebhookVerifier {
    verifier_token: SecretString,
    max_body: usize,
}

impl std::fmt::Debug for WebhookVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookVerifier")
            .field("verifier_token", &"[redacted]")
            .field("max_body", &self.max_body)
            .finish()
    }
}

impl WebhookVerifier {
    /// A verifier keyed with the app's verifier token, accepting bodies up to
    /// [`DEFAULT_MAX_BODY`].
    pub fn new(verifier_token: SecretString) -> Self {
        WebhookVerifier {
            verifier_token,
            max_body: DEFAULT_MAX_BODY,
        }
    }

    /// The same verifier with another body size limit.
    pub fn with_max_body(mut self, max_body: usize) -> Self {
        self.max_body = max_body;
        self
    }

    /// Checks size and signature: base64 of HMAC-SHA256 over the raw body,
    /// compared in constant time.
    pub fn verify(&self, body: &[u8], signature: Option<&str>) -> Result<(), WebhookError> {
        if body.len() > self.max_body {
            return Err(WebhookError::TooLarge {
                size: body.len(),
                limit: self.max_body,
            });
        }
        let signature = signature.ok_or(WebhookError::MissingSignature)?;
        let expected = base64::engine::general_purpose::STANDARD
            .decode(signature.trim())
            .map_err(|_| WebhookError::BadSignature)?;
        let mut mac = Hmac::<Sha256>::new_from_slice(self.verifier_token.expose_secret().as_bytes())
            .map_err(|_| WebhookError::BadSignature)?;
        mac.update(body);
        mac.verify_slice(&expected).map_err(|_| WebhookError::BadSignature)
    }

    /// Verifies, then parses the delivery into notices (duplicates collapsed).
    pub fn verify_and_parse(&self, body: &[u8], signature: Option<&str>) -> Result<Vec<ChangeNotice>, WebhookError> {
        self.verify(body, signature)?;
        parse_notices(body)
    }
}

/// Parses a delivery of either format; duplicates (same dedup key) collapse
/// to the first. Call only on a verified body.
pub fn parse_notices(body: &[u8]) -> Result<Vec<ChangeNotice>, WebhookError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| WebhookError::Malformed(format!("not JSON (line {}, column {})", e.line(), e.column())))?;
    let notices = match &value {
        Value::Array(events) => events.iter().map(cloud_event).collect::<Result<Vec<_>, _>>()?,
        Value::Object(map) if map.contains_key("eventNotifications") => legacy(&value)?,
        Value::Object(map) if map.contains_key("specversion") => vec![cloud_event(&value)?],
        _ => {
            return Err(WebhookError::Malformed(
                "neither eventNotifications nor CloudEvents".to_owned(),
            ));
        }
    };
    let mut seen = HashSet::new();
    Ok(notices
        .into_iter()
        .filter(|n| seen.insert(n.dedup_key.clone()))
        .collect())
}

/// For a merge notice, the tombstone of the record merged away, pointing at
/// the survivor.
pub fn merge_tombstone(notice: &ChangeNotice) -> Option<Tombstone> {
    match (notice.operation, notice.kind, &notice.merged_from) {
        (NoticeOperation::Merge, Some(kind), Some(loser)) => Some(Tombstone {
            kind,
            external_id: loser.clone(),
            deleted_at: notice.occurred_at,
            merged_into: Some(notice.id.clone()),
        }),
        _ => None,
    }
}

fn malformed(what: &str) -> WebhookError {
    WebhookError::Malformed(what.to_owned())
}

fn text<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn realm(text_value: Option<&str>) -> Result<RealmId, WebhookError> {
    text_value
        .and_then(|r| r.parse().ok())
        .ok_or_else(|| malformed("realm id missing or invalid"))
}

fn external_id(text_value: Option<&str>, what: &str) -> Result<ExternalId, WebhookError> {
    text_value
        .and_then(|r| r.parse().ok())
        .ok_or_else(|| malformed(&format!("{what} missing or invalid")))
}

fn instant(text_value: Option<&str>) -> Result<DateTime<FixedOffset>, WebhookError> {
    text_value
        .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
        .ok_or_else(|| malformed("event time missing or invalid"))
}

fn operation(word: &str) -> NoticeOperation {
    match word.to_ascii_lowercase().as_str() {
        "create" | "created" => NoticeOperation::Create,
        "update" | "updated" => NoticeOperation::Update,
        "delete" | "deleted" => NoticeOperation::Delete,
        "merge" | "merged" => NoticeOperation::Merge,
        "void" | "voided" => NoticeOperation::Void,
        _ => NoticeOperation::Other,
    }
}

/// `{"specversion": "1.0", "id", "type": "qbo.bill.updated.v1", "time",
/// "intuitentityid", "intuitaccountid", "data"}`.
fn cloud_event(event: &Value) -> Result<ChangeNotice, WebhookError> {
    let id = text(event, "id").ok_or_else(|| malformed("CloudEvent without id"))?;
    let event_type = text(event, "type").ok_or_else(|| malformed("CloudEvent without type"))?;
    let mut parts = event_type.split('.');
    let (Some("qbo"), Some(entity), Some(op)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(malformed("CloudEvent type is not qbo.<entity>.<operation>.v1"));
    };
    // Where a merge names the record merged away (not fixed by Intuit's notes).
    let merged_from = event
        .get("data")
        .and_then(|d| text(d, "deletedId"))
        .or_else(|| text(event, "intuitdeletedentityid"))
        .map(|d| external_id(Some(d), "deletedId"))
        .transpose()?;
    Ok(ChangeNotice {
        rail: Rail::Qbo,
        realm: realm(text(event, "intuitaccountid"))?,
        kind: kind_from_qbo_name(entity),
        id: external_id(text(event, "intuitentityid"), "intuitentityid")?,
        operation: operation(op),
        merged_from,
        occurred_at: instant(text(event, "time"))?,
        dedup_key: format!("qbo:ce:{id}"),
    })
}

/// `{"eventNotifications": [{"realmId", "dataChangeEvent": {"entities": [{"name",
/// "id", "operation", "lastUpdated", "deletedId"}]}}]}`.
fn legacy(value: &Value) -> Result<Vec<ChangeNotice>, WebhookError> {
    let notifications = value
        .get("eventNotifications")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("eventNotifications is not a list"))?;
    let mut out = Vec::new();
    for notification in notifications {
        let realm_text = text(notification, "realmId");
        let realm_id = realm(realm_text)?;
        let entities = notification
            .get("dataChangeEvent")
            .and_then(|d| d.get("entities"))
            .and_then(Value::as_array)
            .ok_or_else(|| malformed("dataChangeEvent.entities is not a list"))?;
        for entity in entities {
            let name = text(entity, "name").ok_or_else(|| malformed("entity without name"))?;
            let id_text = text(entity, "id");
            let op = text(entity, "operation").unwrap_or("Other");
            let last_updated = text(entity, "lastUpdated");
            out.push(ChangeNotice {
                rail: Rail::Qbo,
                realm: realm_id.clone(),
                kind: kind_from_qbo_name(name),
                id: external_id(id_text, "entity id")?,
                operation: operation(op),
                merged_from: text(entity, "deletedId")
                    .map(|d| external_id(Some(d), "deletedId"))
                    .transpose()?,
                occurred_at: instant(last_updated)?,
                dedup_key: format!(
                    "qbo:legacy:{realm_id}:{name}:{}:{op}:{}",
                    id_text.unwrap_or_default(),
                    last_updated.unwrap_or_default()
                ),
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rowcol_core::EntityKind;

    fn sign(body: &[u8], key: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(body);
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    const LEGACY: &str = r#"{"eventNotifications":[{"realmId":"9130","dataChangeEvent":{"entities":[
        {"name":"Bill","id":"95","operation":"Update","lastUpdated":"2025-09-08T20:52:31.657Z"},
        {"name":"Bill","id":"95","operation":"Update","lastUpdated":"2025-09-08T20:52:31.657Z"},
        {"name":"Vendor","id":"7","operation":"Merge","lastUpdated":"2025-09-08T20:53:00.000Z","deletedId":"8"},
        {"name":"Estimate","id":"3","operation":"Create","lastUpdated":"2025-09-08T20:53:00.000Z"}]}}]}"#;

    const CLOUD: &str = r#"[
        {"specversion":"1.0","id":"a-1","source":"intuit.x","type":"qbo.bill.updated.v1","time":"2026-05-31T21:31:25.179Z","intuitentityid":"95","intuitaccountid":"9130","data":{}},
        {"specversion":"1.0","id":"a-1","source":"intuit.x","type":"qbo.bill.updated.v1","time":"2026-05-31T21:31:25.179Z","intuitentityid":"95","intuitaccountid":"9130","data":{}},
        {"specversion":"1.0","id":"a-2","source":"intuit.x","type":"qbo.invoice.deleted.v1","time":"2026-05-31T21:31:26.000Z","intuitentityid":"12","intuitaccountid":"4455","data":{}}]"#;

    #[test]
    fn accepts_good_signatures_and_refuses_the_rest() {
        let verifier = WebhookVerifier::new(SecretString::from("verifier-abc"));
        let body = LEGACY.as_bytes();
        assert!(verifier.verify(body, Some(&sign(body, "verifier-abc"))).is_ok());
        assert_eq!(
            verifier.verify(body, Some(&sign(body, "other"))),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verifier.verify(body, Some("not base64 !!")),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(verifier.verify(body, None), Err(WebhookError::MissingSignature));
        let mut tampered = body.to_vec();
        tampered[10] ^= 1;
        assert_eq!(
            verifier.verify(&tampered, Some(&sign(body, "verifier-abc"))),
            Err(WebhookError::BadSignature)
        );
        let small = WebhookVerifier::new(SecretString::from("verifier-abc")).with_max_body(10);
        assert!(matches!(
            small.verify(body, Some(&sign(body, "verifier-abc"))),
            Err(WebhookError::TooLarge { .. })
        ));
        assert!(!format!("{verifier:?}").contains("verifier-abc"));
    }

    #[test]
    fn parses_legacy_with_merges_and_collapses_duplicates() {
        let notices = parse_notices(LEGACY.as_bytes()).unwrap();
        assert_eq!(notices.len(), 3);
        assert_eq!(notices[0].kind, Some(EntityKind::Bill));
        assert_eq!(notices[0].operation, NoticeOperation::Update);
        let merge = &notices[1];
        assert_eq!(merge.merged_from.as_ref().map(|i| i.as_str()), Some("8"));
        let tomb = merge_tombstone(merge).unwrap();
        assert_eq!(tomb.external_id.as_str(), "8");
        assert_eq!(tomb.merged_into.as_ref().map(|i| i.as_str()), Some("7"));
        assert_eq!(notices[2].kind, None, "kinds not mirrored still say the realm changed");
    }

    #[test]
    fn parses_cloudevents_of_several_realms() {
        let notices = parse_notices(CLOUD.as_bytes()).unwrap();
        assert_eq!(notices.len(), 2);
        assert_eq!(notices[0].dedup_key, "qbo:ce:a-1");
        assert_eq!(notices[1].realm.as_str(), "4455");
        assert_eq!(notices[1].operation, NoticeOperation::Delete);
        assert_eq!(notices[1].kind, Some(EntityKind::Invoice));
    }

    #[test]
    fn malformed_bodies_are_typed_errors() {
        for body in [
            "{not json",
            "{\"x\": 1}",
            "[{\"id\": \"1\"}]",
            "{\"eventNotifications\": 3}",
        ] {
            assert!(
                matches!(parse_notices(body.as_bytes()), Err(WebhookError::Malformed(_))),
                "{body}"
            );
        }
    }
}
