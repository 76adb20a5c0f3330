//! Escaping text for HTML element content and quoted attribute values.

/// Escapes `&`, `<`, `>`, `"` and `'` so that `s` is safe both as element
/// content and inside a quoted attribute value.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert(1)</script> & "Co" 'x'"#),
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot; &#39;x&#39;"
        );
    }

    #[test]
    fn leaves_plain_text_and_unicode_alone() {
        assert_eq!(escape("Café Ø 12,000.00"), "Café Ø 12,000.00");
    }

    #[test]
    fn escapes_an_existing_entity_again() {
        // Text is text: "&amp;" typed by a user must show as "&amp;".
        assert_eq!(escape("&amp;"), "&amp;amp;");
    }
}
