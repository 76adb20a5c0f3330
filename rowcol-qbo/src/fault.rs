//! QBO's error answers: the `Fault` envelope parsed whether it comes as JSON
//! (upper- or lower-case keys) or as XML, and the one function that maps an
//! HTTP status and Fault to the core error kind.

use std::time::Duration;

use rowcol_core::{RailErrorKind, RailFailure};
use serde_json::Value;

/// The parts of a QBO Fault that matter for deciding what to do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct QboFault {
    /// `ValidationFault`, `AuthenticationFault`, `ThrottleExceeded`, ...
    pub fault_type: Option<String>,
    /// The first error's code (`"610"`, `"003001"`).
    pub code: Option<String>,
    /// The first error's message.
    pub message: Option<String>,
    /// The first error's detail.
    pub detail: Option<String>,
}

/// Longest fault text kept in an error (the rest is noise for a log line).
const MAX_TEXT: usize = 300;

/// A value of `object` under `key`, matching the key case-insensitively.
pub(crate) fn get_ci<'a>(object: &'a Value, key: &str) -> Option<&'a Value> {
    let map = object.as_object()?;
    map.get(key)
        .or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

fn text_ci(object: &Value, key: &str) -> Option<String> {
    match get_ci(object, key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl QboFault {
    /// Parses a body as a Fault: JSON envelope (`{"Fault": ...}` or
    /// `{"fault": ...}`), a bare Fault object (as inside batch items), or XML.
    pub(crate) fn parse(body: &[u8]) -> Option<QboFault> {
        match serde_json::from_slice::<Value>(body) {
            Ok(value) => Self::from_json(&value),
            Err(_) => Self::from_xml(&String::from_utf8_lossy(body)),
        }
    }

    /// Reads a Fault from a JSON envelope or a bare Fault object.
    pub(crate) fn from_json(value: &Value) -> Option<QboFault> {
        let fault = get_ci(value, "Fault").unwrap_or(value);
        let error = get_ci(fault, "Error").map(|e| match e {
            Value::Array(items) => items.first().cloned().unwrap_or(Value::Null),
            other => other.clone(),
        });
        let parsed = QboFault {
            fault_type: text_ci(fault, "type"),
            code: error.as_ref().and_then(|e| text_ci(e, "code")),
            message: error.as_ref().and_then(|e| text_ci(e, "Message")),
            detail: error.as_ref().and_then(|e| text_ci(e, "Detail")),
        };
        (parsed != QboFault::default()).then_some(parsed)
    }

    /// Reads a Fault from QBO's XML (`<Fault type=".."><Error code=".."><Message>..`).
    fn from_xml(text: &str) -> Option<QboFault> {
        let fault_tag = xml_open_tag(text, "Fault")?;
        let error_tag = xml_open_tag(text, "Error");
        Some(QboFault {
            fault_type: xml_attribute(fault_tag, "type"),
            code: error_tag.and_then(|t| xml_attribute(t, "code")),
            message: xml_element_text(text, "Message"),
            detail: xml_element_text(text, "Detail"),
        })
    }

    /// A short description for logs: type, message and detail, bounded.
    pub(crate) fn describe(&self) -> String {
        let parts: Vec<&str> = [&self.fault_type, &self.message, &self.detail]
            .into_iter()
            .filter_map(|p| p.as_deref())
            .filter(|p| !p.is_empty())
            .collect();
        truncate(&parts.join(": "))
    }

    fn code_is(&self, codes: &[u32]) -> bool {
        self.code
            .as_deref()
            .and_then(|c| c.trim().parse::<u32>().ok())
            .is_some_and(|c| codes.contains(&c))
    }

    fn type_is(&self, name: &str) -> bool {
        self.fault_type.as_deref().is_some_and(|t| t.eq_ignore_ascii_case(name))
    }
}

/// Cuts text to [`MAX_TEXT`] characters.
pub(crate) fn truncate(text: &str) -> String {
    if text.chars().count() <= MAX_TEXT {
        text.to_owned()
    } else {
        let cut: String = text.chars().take(MAX_TEXT).collect();
        format!("{cut}…")
    }
}

fn xml_open_tag<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!("<{name}");
    let mut from = 0;
    while let Some(at) = text[from..].find(&needle) {
        let start = from + at;
        let after = text[start + needle.len()..].chars().next();
        if matches!(after, Some(' ' | '>' | '/' | '\n' | '\t' | '\r')) {
            let end = text[start..].find('>')?;
            return Some(&text[start..start + end]);
        }
        from = start + needle.len();
    }
    None
}

fn xml_attribute(tag: &str, name: &str) -> Option<String> {
    let needle = format!("{name}=\"");
    let start = tag.find(&needle)? + needle.len();
    let end = tag[start..].find('"')?;
    Some(xml_unescape(&tag[start..start + end]))
}

fn xml_element_text(text: &str, name: &str) -> Option<String> {
    let open = xml_open_tag(text, name)?;
    let start = text.find(open)? + open.len() + 1;
    let end = text[start..].find(&format!("</{name}>"))?;
    Some(xml_unescape(&text[start..start + end]))
}

fn xml_unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The `Retry-After` header as a duration (seconds form only; QBO promises none).
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// The one mapping from an HTTP status and a QBO Fault to the core error kind.
///
/// - throttling (429, or a `ThrottleExceeded` fault / code 3001 on any status,
///   as older QBO sends it on 403) -> `Throttled` with the server's hint;
/// - 401 or code 3200 -> `Unauthorized` (refresh once, then retry);
/// - 403 -> `Forbidden`; 404 or code 610 -> `NotFound`;
/// - 408 -> `Timeout`; 5xx -> `Transient`; any other 4xx -> `Invalid`.
pub(crate) fn classify(status: u16, fault: Option<&QboFault>, hint: Option<Duration>) -> RailErrorKind {
    let fault_says = |check: &dyn Fn(&QboFault) -> bool| fault.is_some_and(check);
    if status == 429 || fault_says(&|f| f.type_is("ThrottleExceeded") || f.code_is(&[3001])) {
        return RailErrorKind::Throttled { retry_after: hint };
    }
    if status == 401 || fault_says(&|f| f.code_is(&[3200])) {
        return RailErrorKind::Unauthorized;
    }
    match status {
        403 => RailErrorKind::Forbidden,
        404 => RailErrorKind::NotFound,
        408 => RailErrorKind::Timeout,
        500..=599 => RailErrorKind::Transient,
        _ if fault_says(&|f| f.code_is(&[610])) => RailErrorKind::NotFound,
        _ => RailErrorKind::Invalid,
    }
}

/// What the rail said, for the error: status, code, trace id and a short text.
pub(crate) fn failure(
    status: Option<u16>,
    fault: Option<&QboFault>,
    trace_id: Option<String>,
    fallback: &str,
) -> RailFailure {
    RailFailure {
        http_status: status,
        code: fault.and_then(|f| f.code.clone()),
        trace_id,
        message: fault
            .map(QboFault::describe)
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| truncate(fallback)),
        api_calls: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const JSON_UPPER: &str = r#"{"Fault":{"Error":[{"Message":"Object Not Found","Detail":"Bill 9","code":"610","element":""}],"type":"ValidationFault"},"time":"2026-11-22T08:00:00.000-08:00"}"#;
    const JSON_LOWER: &str = r#"{"fault":{"error":[{"message":"message=AuthenticationFailed","detail":"Token expired","code":"3200"}],"type":"AUTHENTICATION"}}"#;
    const XML: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<IntuitResponse xmlns=\"http://schema.intuit.com/finance/v3\" time=\"2026\"><Fault type=\"ThrottleExceeded\"><Error code=\"003001\"><Message>ThrottleExceeded</Message><Detail>Too many &amp; more</Detail></Error></Fault></IntuitResponse>";

    #[test]
    fn parses_json_with_either_case_and_xml() {
        let upper = QboFault::parse(JSON_UPPER.as_bytes()).unwrap();
        assert_eq!(upper.code.as_deref(), Some("610"));
        assert_eq!(upper.fault_type.as_deref(), Some("ValidationFault"));
        assert_eq!(upper.detail.as_deref(), Some("Bill 9"));
        let lower = QboFault::parse(JSON_LOWER.as_bytes()).unwrap();
        assert_eq!(lower.code.as_deref(), Some("3200"));
        assert_eq!(lower.detail.as_deref(), Some("Token expired"));
        let xml = QboFault::parse(XML.as_bytes()).unwrap();
        assert_eq!(xml.fault_type.as_deref(), Some("ThrottleExceeded"));
        assert_eq!(xml.code.as_deref(), Some("003001"));
        assert_eq!(xml.message.as_deref(), Some("ThrottleExceeded"));
        assert_eq!(xml.detail.as_deref(), Some("Too many & more"));
        assert_eq!(QboFault::parse(b"<html>gateway</html>"), None);
        assert_eq!(QboFault::parse(br#"{"QueryResponse":{}}"#), None);
    }

    #[test]
    fn status_and_code_map_to_the_core_kind() {
        let fault = |code: &str, t: &str| QboFault {
            code: Some(code.into()),
            fault_type: Some(t.into()),
            ..QboFault::default()
        };
        let hint = Some(Duration::from_secs(7));
        let table: Vec<(u16, Option<QboFault>, RailErrorKind)> = vec![
            (429, None, RailErrorKind::Throttled { retry_after: hint }),
            (
                403,
                Some(fault("003001", "ThrottleExceeded")),
                RailErrorKind::Throttled { retry_after: hint },
            ),
            (
                401,
                Some(fault("3200", "AuthenticationFault")),
                RailErrorKind::Unauthorized,
            ),
            (403, Some(fault("3100", "AuthorizationFault")), RailErrorKind::Forbidden),
            (400, Some(fault("610", "ValidationFault")), RailErrorKind::NotFound),
            (404, None, RailErrorKind::NotFound),
            (400, Some(fault("4000", "ValidationFault")), RailErrorKind::Invalid),
            (500, Some(fault("10000", "SystemFault")), RailErrorKind::Transient),
            (503, None, RailErrorKind::Transient),
            (408, None, RailErrorKind::Timeout),
        ];
        for (status, f, want) in table {
            assert_eq!(classify(status, f.as_ref(), hint), want, "{status} {f:?}");
        }
    }

    #[test]
    fn failures_keep_code_and_trace_and_bound_the_text() {
        let fault = QboFault::parse(JSON_UPPER.as_bytes()).unwrap();
        let f = failure(Some(400), Some(&fault), Some("1-abc".into()), "unused");
        assert_eq!(f.code.as_deref(), Some("610"));
        assert_eq!(f.trace_id.as_deref(), Some("1-abc"));
        assert_eq!(f.message, "ValidationFault: Object Not Found: Bill 9");
        let long = failure(Some(502), None, None, &"x".repeat(1000));
        assert!(long.message.chars().count() <= MAX_TEXT + 1);
    }
}
