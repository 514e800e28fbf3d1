//! Text from the air made safe to print, and escaping for XML and CSV.

use std::borrow::Cow;

/// Renders bytes heard over the air (an SSID, a device name) as text that can be printed and
/// embedded anywhere: valid UTF-8 is kept; each byte that is not part of valid UTF-8 becomes
/// `\xNN`; control characters become `\xNN` (C0, DEL) or `\u{NN}` (C1); the bidirectional
/// overrides and isolates (U+202A–U+202E, U+2066–U+2069), which can make a name display as
/// another, and the non-characters U+FFFE/U+FFFF become `\u{NNNN}`; a backslash becomes `\\`,
/// so that the original bytes can always be recovered.
///
/// The result contains no character that XML 1.0 forbids, no line break and no tab; it still
/// needs the output format's own escaping (`<`, `&`, `"`, `,` ...).
///
/// ```
/// use osprey_logtools::geo::printable;
/// assert_eq!(printable(b"caf\xc3\xa9"), "café");
/// assert_eq!(printable(b"a\nb\\c\xb2"), "a\\x0ab\\\\c\\xb2");
/// ```
pub fn printable(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                    out.push_str(&format!("\\x{:02x}", c as u32));
                }
                c if c.is_control()
                    || ('\u{202a}'..='\u{202e}').contains(&c)
                    || ('\u{2066}'..='\u{2069}').contains(&c)
                    || c == '\u{fffe}'
                    || c == '\u{ffff}' =>
                {
                    out.push_str(&format!("\\u{{{:x}}}", c as u32));
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Appends `s` escaped for XML text and attribute values.
pub(crate) fn xml_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Defence in depth: callers pass printable() text, which has none of these.
            c if ((c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r')
                || c == '\u{fffe}'
                || c == '\u{ffff}' =>
            {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
}

/// `s` escaped for XML.
pub(crate) fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    xml_into(&mut out, s);
    out
}

/// `s` escaped for HTML (the same entities as XML: the result is also valid XML text).
pub(crate) fn html(s: &str) -> String {
    xml(s)
}

/// A CSV field (RFC 4180): quoted when it holds a comma, a quote, a line break or leading or
/// trailing spaces, with quotes doubled.
pub(crate) fn csv(s: &str) -> Cow<'_, str> {
    let needs = s.contains([',', '"', '\n', '\r'])
        || s.starts_with(' ')
        || s.ends_with(' ')
        || s.starts_with('\t')
        || s.ends_with('\t');
    if needs {
        Cow::Owned(format!("\"{}\"", s.replace('"', "\"\"")))
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printable_escapes_what_is_not_text() {
        assert_eq!(printable(b""), "");
        assert_eq!(printable(b"plain SSID"), "plain SSID");
        assert_eq!(printable("日本語".as_bytes()), "日本語");
        // GBK bytes (aircrack's Chinese-SSID-Name capture) are not UTF-8.
        assert_eq!(printable(b"\xb2\xe2\xca\xd4"), "\\xb2\\xe2\\xca\\xd4");
        assert_eq!(printable(b"a\x00b\x1b\x7f"), "a\\x00b\\x1b\\x7f");
        assert_eq!(printable("x\u{85}y".as_bytes()), "x\\u{85}y");
        assert_eq!(
            printable("evil\u{202e}gpj.exe".as_bytes()),
            "evil\\u{202e}gpj.exe"
        );
        assert_eq!(printable(b"back\\slash"), "back\\\\slash");
        assert_eq!(printable("\u{fffe}".as_bytes()), "\\u{fffe}");
        // A truncated multi-byte sequence at the end.
        assert_eq!(printable(b"ok\xe6\x97"), "ok\\xe6\\x97");
        // Markup characters are left to the format's escaping.
        assert_eq!(printable(b"<&>\",'"), "<&>\",'");
    }

    #[test]
    fn xml_escapes_markup() {
        assert_eq!(
            xml("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&lt;/a&gt;"
        );
        assert_eq!(xml("]]>"), "]]&gt;");
        assert_eq!(xml("a\u{1}b"), "a\\x01b");
        assert_eq!(xml("tab\tok"), "tab\tok");
    }

    #[test]
    fn csv_quotes_only_when_needed() {
        assert_eq!(csv("plain"), "plain");
        assert_eq!(csv(""), "");
        assert_eq!(csv("a,b"), "\"a,b\"");
        assert_eq!(csv("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv(" lead"), "\" lead\"");
        assert_eq!(csv("line\nbreak"), "\"line\nbreak\"");
        assert_eq!(csv("[WPA2-PSK-CCMP][ESS]"), "[WPA2-PSK-CCMP][ESS]");
    }
}
