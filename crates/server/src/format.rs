//! Kismet's request parameters, serialisation formats and field simplification, as plain
//! functions over bytes, strings and [`serde_json::Value`] (no HTTP framework types).
//!
//! * [`parse_command`]: the HTTP variables and the JSON command of a request (spec §6.2).
//! * [`Format`], [`render_array`], [`render_value`], [`render_text`]: the serialisers picked by
//!   the URL extension (spec §6.3).
//! * [`parse_fields`], [`simplify`], [`simplify_map_values`]: the `fields` parameter (spec §6.5).
//! * [`parse_regex`], [`regex_matches`]: the `regex` filter parameter (Kismet's
//!   `command_param.md`).
//!
//! Key order matters to Kismet clients, and serde_json's `Value` (without its `preserve_order`
//! feature, which this workspace does not enable) sorts object keys. So everything that reads or
//! rewrites a record works on its JSON text instead: a small order-preserving scanner rewrites
//! keys or indentation and copies everything else byte for byte, and a small borrowing parser
//! locates sub-values so they can be copied verbatim.
//!
//! Choices where this differs from Kismet (all on hostile or malformed input):
//!
//! * A malformed JSON command is an error (400); Kismet silently treats it as no command.
//! * JSON nested deeper than [`MAX_DEPTH`] levels is refused (400).
//! * A `%` not followed by two hex digits is kept as is (as Kismet does); a decoded name or
//!   value that is not UTF-8 is an error (400) rather than being mangled, so two different byte
//!   strings can never compare equal after lossy replacement (this matters for passwords).
//! * Form bodies and query strings are split at `&` and `=` *before* percent-decoding (Kismet
//!   decodes the whole body first, so an encoded `&` in a value splits it), and `+` means a space
//!   in both (Kismet only decodes `+` in form bodies).

use std::borrow::Cow;

use regex::{Regex, RegexBuilder};
use serde_json::Value;

/// The deepest nesting of arrays and objects accepted in a JSON command, a `fields` or `regex`
/// parameter, and in records being simplified or filtered.
pub const MAX_DEPTH: usize = 64;

/// The most `[field, regex]` pairs one `regex` parameter may hold.
pub const MAX_REGEX_FILTERS: usize = 64;

/// The compiled-size limit of one regex filter, in bytes ([`RegexBuilder::size_limit`]).
pub const REGEX_SIZE_LIMIT: usize = 256 * 1024;

/// The lazy-DFA cache limit of one regex filter, in bytes ([`RegexBuilder::dfa_size_limit`]).
pub const REGEX_DFA_SIZE_LIMIT: usize = 1024 * 1024;

/// A request that cannot be served as sent, or a record that cannot be processed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    /// The JSON command (body or `json` form variable) is not valid JSON.
    #[error("invalid JSON command: {0}")]
    BadJson(String),
    /// JSON nested deeper than [`MAX_DEPTH`] levels.
    #[error("JSON nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
    /// The body, or a decoded variable name or value, is not UTF-8.
    #[error("{0} is not valid UTF-8")]
    BadUtf8(String),
    /// The request declares a character set other than UTF-8 (or its ASCII subset).
    #[error("unsupported charset {0:?}: only UTF-8 is accepted")]
    UnsupportedCharset(String),
    /// The `fields` parameter is malformed.
    #[error("invalid fields: {0}")]
    BadFields(String),
    /// The `regex` parameter is malformed, or one of its regexes does not compile.
    #[error("invalid regex filter: {0}")]
    BadRegex(String),
    /// A record handed to [`simplify`] is not valid JSON (a server-side fault).
    #[error("invalid record JSON: {0}")]
    BadRecord(String),
}

impl RequestError {
    /// The HTTP status to answer with: 415 for an unsupported charset, 500 for a bad record
    /// (the server's own data), 400 for everything else.
    pub fn status(&self) -> u16 {
        match self {
            RequestError::UnsupportedCharset(_) => 415,
            RequestError::BadRecord(_) => 500,
            _ => 400,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Request parameters (§6.2)
// ---------------------------------------------------------------------------------------------

/// The parameters of one request: the JSON command and the HTTP variables.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Command {
    /// The JSON command: the `json` form variable of a form POST, or the body of a JSON POST.
    /// `None` for other requests, and for an empty body or an empty `json` variable.
    pub json: Option<Value>,
    /// The HTTP variables, decoded: the query string's first, then the form body's, each in
    /// the order sent (duplicates kept; see [`Command::var`]).
    pub vars: Vec<(String, String)>,
}

impl Command {
    /// The value of the HTTP variable `name`. When it was sent more than once, the last one
    /// wins (as in Kismet, where later variables overwrite earlier ones, and form variables
    /// overwrite query variables).
    pub fn var(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The member `key` of the JSON command, when there is a command and it is an object
    /// holding that key (a JSON `null` member counts as absent).
    pub fn json_get(&self, key: &str) -> Option<&Value> {
        self.json
            .as_ref()
            .and_then(|j| j.get(key))
            .filter(|v| !v.is_null())
    }
}

/// The body encodings [`parse_command`] understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BodyKind {
    Form,
    Json,
    Other,
}

/// Classifies a `Content-Type` header value, checking its charset parameter.
fn body_kind(content_type: Option<&str>) -> Result<BodyKind, RequestError> {
    let Some(ct) = content_type else {
        return Ok(BodyKind::Other);
    };
    let mut parts = ct.split(';');
    let media = parts.next().unwrap_or("").trim();
    let kind = if media.eq_ignore_ascii_case("application/x-www-form-urlencoded") {
        BodyKind::Form
    } else if media.eq_ignore_ascii_case("application/json") {
        BodyKind::Json
    } else {
        return Ok(BodyKind::Other);
    };
    for param in parts {
        let Some((name, value)) = param.split_once('=') else {
            continue;
        };
        if name.trim().eq_ignore_ascii_case("charset") {
            let value = value.trim().trim_matches('"');
            let ok = ["utf-8", "utf8", "us-ascii"]
                .iter()
                .any(|c| value.eq_ignore_ascii_case(c));
            if !ok {
                return Err(RequestError::UnsupportedCharset(value.to_string()));
            }
        }
    }
    Ok(kind)
}

/// Parses a request's parameters.
///
/// * `query` (the part of the URI after `?`, without it; may be empty) is always decoded into
///   [`Command::vars`].
/// * With `content_type` `application/x-www-form-urlencoded`, the body's variables are appended
///   to the vars, and the variable `json` (if present and not empty) is parsed as the command.
/// * With `application/json`, the body (unless empty or blank) is the command.
/// * Any other or no content type: the body is ignored, as Kismet does.
///
/// A charset parameter, if present, must name UTF-8 (or US-ASCII). For a GET request pass
/// `None` and an empty body; limiting the body size is the caller's job.
///
/// Errors: malformed JSON, JSON nested deeper than [`MAX_DEPTH`], numbers out of the range of
/// an `f64` (such as `1e400`), non-UTF-8 JSON or decoded variables, and other charsets.
pub fn parse_command(
    content_type: Option<&str>,
    body: &[u8],
    query: &str,
) -> Result<Command, RequestError> {
    let kind = body_kind(content_type)?;
    let mut cmd = Command {
        json: None,
        vars: decode_vars(query.as_bytes())?,
    };
    match kind {
        BodyKind::Form => {
            let form = decode_vars(body)?;
            let json_text = form
                .iter()
                .rev()
                .find(|(k, _)| k == "json")
                .map(|(_, v)| v.clone());
            cmd.vars.extend(form);
            if let Some(text) = json_text {
                cmd.json = parse_json_command(&text)?;
            }
        }
        BodyKind::Json => {
            let text = std::str::from_utf8(body)
                .map_err(|_| RequestError::BadUtf8("the request body".into()))?;
            cmd.json = parse_json_command(text)?;
        }
        BodyKind::Other => {}
    }
    Ok(cmd)
}

/// Parses a JSON command; blank text means no command.
fn parse_json_command(text: &str) -> Result<Option<Value>, RequestError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    check_depth(text)?;
    serde_json::from_str(text)
        .map(Some)
        .map_err(|e| RequestError::BadJson(e.to_string()))
}

/// Refuses JSON text whose arrays and objects nest deeper than [`MAX_DEPTH`] (brackets inside
/// strings do not count). Does not otherwise validate the text.
fn check_depth(text: &str) -> Result<(), RequestError> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                i = string_end(bytes, i);
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(RequestError::TooDeep);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    Ok(())
}

/// Splits `a=1&b=2` at `&` and the first `=` of each part, then percent-decodes each name and
/// value (`+` is a space). Empty parts are skipped; a part without `=` has the value `""`.
fn decode_vars(raw: &[u8]) -> Result<Vec<(String, String)>, RequestError> {
    let mut out = Vec::new();
    for part in raw.split(|&b| b == b'&') {
        if part.is_empty() {
            continue;
        }
        let (name, value) = match part.iter().position(|&b| b == b'=') {
            Some(eq) => (&part[..eq], &part[eq + 1..]),
            None => (part, &[][..]),
        };
        let name = String::from_utf8(percent_decode(name))
            .map_err(|_| RequestError::BadUtf8("a variable name".into()))?;
        let value = String::from_utf8(percent_decode(value))
            .map_err(|_| RequestError::BadUtf8(format!("the value of variable {name:?}")))?;
        out.push((name, value));
    }
    Ok(out)
}

/// Percent-decodes bytes: `%XX` (two hex digits) becomes that byte and `+` a space; a `%` not
/// followed by two hex digits is kept as is.
fn percent_decode(input: &[u8]) -> Vec<u8> {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'%' => {
                let hi = input.get(i + 1).copied().and_then(hex);
                let lo = input.get(i + 2).copied().and_then(hex);
                if let (Some(hi), Some(lo)) = (hi, lo) {
                    out.push(hi * 16 + lo);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Serialisation formats (§6.3)
// ---------------------------------------------------------------------------------------------

/// A serialiser, chosen by the URL extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `json` (also `cmd` and `jcmd`): standard JSON, records passed through unchanged.
    Json,
    /// `prettyjson`: indented JSON.
    PrettyJson,
    /// `ekjson`: dots in keys become underscores, and a top-level array is written as one
    /// element per line with no enclosing brackets (every line ends with `\n`).
    EkJson,
    /// `itjson`: like [`Format::EkJson`] but the keys keep their dots.
    ItJson,
    /// `tjson`: dots in keys (at every level) become underscores.
    TJson,
}

impl Format {
    /// The format of a URL extension (without the dot): `json`, `cmd`, `jcmd`, `prettyjson`,
    /// `ekjson`, `itjson` or `tjson` (case-sensitive, as in Kismet). `None` for anything else.
    pub fn from_ext(ext: &str) -> Option<Format> {
        Some(match ext {
            "json" | "cmd" | "jcmd" => Format::Json,
            "prettyjson" => Format::PrettyJson,
            "ekjson" => Format::EkJson,
            "itjson" => Format::ItJson,
            "tjson" => Format::TJson,
            _ => return None,
        })
    }

    /// The `Content-Type` of a response in this format (Kismet sends `application/json` for
    /// all of them).
    pub fn content_type(self) -> &'static str {
        "application/json"
    }

    /// Whether keys have their dots turned into underscores.
    fn renames_keys(self) -> bool {
        matches!(self, Format::TJson | Format::EkJson)
    }

    /// Whether a top-level array is written one element per line.
    fn line_per_item(self) -> bool {
        matches!(self, Format::EkJson | Format::ItJson)
    }
}

/// Renders an array whose elements are given as JSON texts (records as produced by their
/// `to_kismet_json`-style serialisers, or by [`simplify`]).
///
/// [`Format::Json`] writes `[a,b,...]` with the element texts byte for byte; the other formats
/// rewrite keys or layout while keeping key order and scalar texts (numbers such as `1.500000`
/// stay as written). Never fails: element texts are trusted, and malformed ones are copied
/// through as well as the scanner can.
pub fn render_array(items: &[String], fmt: Format) -> String {
    match fmt {
        Format::Json => join_array(items.iter().map(String::as_str)),
        Format::TJson => join_array(items.iter().map(|i| rename_keys(i))),
        Format::PrettyJson => pretty(&join_array(items.iter().map(String::as_str))),
        Format::EkJson | Format::ItJson => {
            let mut out = String::new();
            for item in items {
                out.push_str(&render_line(item, fmt));
                out.push('\n');
            }
            out
        }
    }
}

/// Renders a [`Value`] (built by the server, e.g. a wrapper object or a status map) in a
/// format. The text is serde_json's (so object keys are in the `Value`'s order), transformed
/// as by [`render_text`].
pub fn render_value(v: &Value, fmt: Format) -> String {
    match (v, fmt.line_per_item()) {
        (Value::Array(items), true) => {
            let mut out = String::new();
            for item in items {
                out.push_str(&render_line(&item.to_string(), fmt));
                out.push('\n');
            }
            out
        }
        _ => render_text(&v.to_string(), fmt),
    }
}

/// Renders a complete JSON document given as text (e.g. a wrapper object assembled from
/// record texts to keep their key order) in a format: unchanged for [`Format::Json`];
/// otherwise transformed as described on [`Format`]. For the line-per-element formats, a
/// top-level array is split into its elements; any other document is written on one line
/// followed by `\n` (as Kismet does). Never fails; malformed text is copied through as well
/// as the scanner can.
pub fn render_text(text: &str, fmt: Format) -> String {
    match fmt {
        Format::Json => text.to_string(),
        Format::TJson => rename_keys(text).into_owned(),
        Format::PrettyJson => pretty(text),
        Format::EkJson | Format::ItJson => {
            let elements = match parse_document(text) {
                Ok(Node {
                    kind: Kind::Array(items),
                    ..
                }) => Some(items.iter().map(|n| n.raw).collect::<Vec<_>>()),
                _ => None,
            };
            let mut out = String::new();
            match elements {
                Some(elements) => {
                    for e in elements {
                        out.push_str(&render_line(e, fmt));
                        out.push('\n');
                    }
                }
                None => {
                    out.push_str(&render_line(text.trim(), fmt));
                    out.push('\n');
                }
            }
            out
        }
    }
}

/// One element of an ekjson/itjson output (without its newline).
fn render_line(text: &str, fmt: Format) -> String {
    let text = if fmt.renames_keys() {
        rename_keys(text)
    } else {
        Cow::Borrowed(text)
    };
    // A line must not contain a line break (inside strings they are always escaped in valid
    // JSON, so only whitespace between tokens can hold one).
    if text.contains(['\n', '\r']) {
        strip_line_breaks(&text)
    } else {
        text.into_owned()
    }
}

/// `[a,b,...]`, Kismet's array layout.
fn join_array<S: AsRef<str>>(items: impl Iterator<Item = S>) -> String {
    let mut out = String::from("[");
    for (n, item) in items.enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(item.as_ref());
    }
    out.push(']');
    out
}

/// The index just past the string starting with the `"` at `start` (or the end of the input
/// for an unterminated string). Escapes are skipped, not validated.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return i + 1,
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// A token of the order-preserving scanner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    /// `{`, `}`, `[`, `]`, `,` or `:`.
    Punct(u8),
    /// A string (with its quotes, as written); `is_key` when in key position of an object.
    Str { raw: &'a str, is_key: bool },
    /// Whitespace between tokens.
    Space(&'a str),
    /// Anything else (a number, `true`, `false`, `null`, or stray bytes), as written.
    Other(&'a str),
}

/// Splits JSON text into tokens, tracking whether each string is an object key. Works on any
/// text (malformed input yields best-effort tokens; concatenating them gives the input back).
fn tokens(text: &str) -> impl Iterator<Item = Token<'_>> {
    // Per open container: Some(expecting_key) for an object, None for an array.
    let mut stack: Vec<Option<bool>> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        let start = i;
        let b = *bytes.get(i)?;
        let token = match b {
            b'{' | b'[' | b'}' | b']' | b',' | b':' => {
                i += 1;
                match b {
                    b'{' => stack.push(Some(true)),
                    b'[' => stack.push(None),
                    b'}' | b']' => {
                        stack.pop();
                    }
                    b',' => {
                        if let Some(Some(expect)) = stack.last_mut() {
                            *expect = true;
                        }
                    }
                    _ => {
                        if let Some(Some(expect)) = stack.last_mut() {
                            *expect = false;
                        }
                    }
                }
                Token::Punct(b)
            }
            b'"' => {
                i = string_end(bytes, i);
                let is_key = matches!(stack.last(), Some(Some(true)));
                if let Some(Some(expect)) = stack.last_mut() {
                    *expect = false;
                }
                Token::Str {
                    raw: slice(text, start, i),
                    is_key,
                }
            }
            b' ' | b'\t' | b'\n' | b'\r' => {
                while matches!(bytes.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
                    i += 1;
                }
                Token::Space(slice(text, start, i))
            }
            _ => {
                while let Some(&c) = bytes.get(i) {
                    if matches!(
                        c,
                        b'{' | b'['
                            | b'}'
                            | b']'
                            | b','
                            | b':'
                            | b'"'
                            | b' '
                            | b'\t'
                            | b'\n'
                            | b'\r'
                    ) {
                        break;
                    }
                    i += 1;
                }
                Token::Other(slice(text, start, i))
            }
        };
        Some(token)
    })
}

/// `text[start..end]`, or the rest from `start` if `end` falls inside a character (possible
/// only for an escape that swallows a multi-byte character in malformed input).
fn slice(text: &str, start: usize, end: usize) -> &str {
    let end = end.min(text.len());
    let mut e = end;
    while !text.is_char_boundary(e) {
        e += 1;
    }
    text.get(start..e).unwrap_or("")
}

/// The text with every `.` in object keys (at any depth) turned into `_`, everything else
/// unchanged. Keys with escapes are decoded first so that `\u002e` counts as a dot.
fn rename_keys(text: &str) -> Cow<'_, str> {
    if !text.contains('.') && !text.contains("\\u") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    for token in tokens(text) {
        match token {
            Token::Str { raw, is_key: true } => out.push_str(&rename_key(raw)),
            Token::Str { raw, .. } | Token::Space(raw) | Token::Other(raw) => out.push_str(raw),
            Token::Punct(b) => out.push(char::from(b)),
        }
    }
    Cow::Owned(out)
}

/// One key (with quotes, as written) with its dots turned into underscores.
fn rename_key(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return if raw.contains('.') {
            Cow::Owned(raw.replace('.', "_"))
        } else {
            Cow::Borrowed(raw)
        };
    }
    match serde_json::from_str::<String>(raw) {
        Ok(decoded) if decoded.contains('.') => {
            Cow::Owned(Value::String(decoded.replace('.', "_")).to_string())
        }
        Ok(_) => Cow::Borrowed(raw),
        // Malformed: a dot never belongs to an escape, so replacing in the raw text is safe.
        Err(_) => Cow::Owned(raw.replace('.', "_")),
    }
}

/// The text indented with four spaces per level, keys and scalars as written.
fn pretty(text: &str) -> String {
    const INDENT: &str = "    ";
    fn newline(out: &mut String, level: usize) {
        out.push('\n');
        // Capped so that malformed, very deep input cannot blow up quadratically.
        for _ in 0..level.min(MAX_DEPTH) {
            out.push_str(INDENT);
        }
    }
    let toks: Vec<Token<'_>> = tokens(text)
        .filter(|t| !matches!(t, Token::Space(_)))
        .collect();
    let mut out = String::with_capacity(text.len() * 2);
    let mut level = 0usize;
    let mut i = 0;
    while i < toks.len() {
        match toks[i] {
            Token::Punct(open @ (b'{' | b'[')) => {
                let close = if open == b'{' { b'}' } else { b']' };
                out.push(char::from(open));
                if toks.get(i + 1) == Some(&Token::Punct(close)) {
                    out.push(char::from(close));
                    i += 1;
                } else {
                    level += 1;
                    newline(&mut out, level);
                }
            }
            Token::Punct(close @ (b'}' | b']')) => {
                level = level.saturating_sub(1);
                newline(&mut out, level);
                out.push(char::from(close));
            }
            Token::Punct(b',') => {
                out.push(',');
                newline(&mut out, level);
            }
            Token::Punct(b':') => out.push_str(": "),
            Token::Punct(b) => out.push(char::from(b)),
            Token::Str { raw, .. } | Token::Other(raw) | Token::Space(raw) => out.push_str(raw),
        }
        i += 1;
    }
    out
}

/// The text with every run of whitespace between tokens that holds a line break removed
/// (other whitespace is kept, so Kismet's `"key": value` spacing survives).
fn strip_line_breaks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for token in tokens(text) {
        match token {
            Token::Space(raw) if raw.contains(['\n', '\r']) => {}
            Token::Str { raw, .. } | Token::Space(raw) | Token::Other(raw) => out.push_str(raw),
            Token::Punct(b) => out.push(char::from(b)),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// A borrowing JSON parser: locates sub-values in a record's text
// ---------------------------------------------------------------------------------------------

/// A parsed JSON value that borrows its text.
#[derive(Debug)]
struct Node<'a> {
    /// The value's text, as written.
    raw: &'a str,
    kind: Kind<'a>,
}

#[derive(Debug)]
enum Kind<'a> {
    /// A number, `true`, `false` or `null`.
    Scalar,
    /// A string; `escaped` when its text contains a backslash.
    Str {
        escaped: bool,
    },
    Array(Vec<Node<'a>>),
    /// Members in document order, keys decoded.
    Object(Vec<(Cow<'a, str>, Node<'a>)>),
}

impl<'a> Node<'a> {
    /// The decoded value of a string node.
    fn as_str(&self) -> Option<Cow<'a, str>> {
        match self.kind {
            Kind::Str { escaped: false } => Some(Cow::Borrowed(&self.raw[1..self.raw.len() - 1])),
            Kind::Str { escaped: true } => serde_json::from_str::<String>(self.raw)
                .ok()
                .map(Cow::Owned),
            _ => None,
        }
    }

    /// The first member named `key` of an object node.
    fn member(&self, key: &str) -> Option<&Node<'a>> {
        match &self.kind {
            Kind::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value at `path` (object members only), if it resolves.
    fn resolve(&self, path: &[String]) -> Option<&Node<'a>> {
        path.iter().try_fold(self, |node, key| node.member(key))
    }

    /// Every value at `path`, descending into each element of an array met before the last
    /// component (Kismet's multi-path resolution over vectors).
    fn resolve_multi<'n>(&'n self, path: &[String], out: &mut Vec<&'n Node<'a>>) {
        let Some((first, rest)) = path.split_first() else {
            out.push(self);
            return;
        };
        match &self.kind {
            Kind::Object(_) => {
                if let Some(next) = self.member(first) {
                    next.resolve_multi(rest, out);
                }
            }
            Kind::Array(items) => {
                for item in items {
                    item.resolve_multi(path, out);
                }
            }
            _ => {}
        }
    }
}

/// Why a text is not JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
struct JsonError {
    msg: &'static str,
    at: usize,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.msg, self.at)
    }
}

/// Parses a whole JSON document (nesting at most [`MAX_DEPTH`]).
fn parse_document(text: &str) -> Result<Node<'_>, JsonError> {
    let mut p = Parser { text, pos: 0 };
    p.skip_ws();
    let node = p.value(0)?;
    p.skip_ws();
    if p.pos != text.len() {
        return Err(p.err("trailing characters"));
    }
    Ok(node)
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn err(&self, msg: &'static str) -> JsonError {
        JsonError { msg, at: self.pos }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, b: u8, msg: &'static str) -> Result<(), JsonError> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.err(msg))
        }
    }

    /// `depth` is the number of containers enclosing this value.
    fn value(&mut self, depth: usize) -> Result<Node<'a>, JsonError> {
        let start = self.pos;
        let kind = match self.peek() {
            None => return Err(self.err("unexpected end of input")),
            Some(b'{') => self.object(depth + 1)?,
            Some(b'[') => self.array(depth + 1)?,
            Some(b'"') => self.string()?,
            Some(b't') => self.literal("true")?,
            Some(b'f') => self.literal("false")?,
            Some(b'n') => self.literal("null")?,
            Some(b'-' | b'0'..=b'9') => self.number()?,
            Some(_) => return Err(self.err("expected a value")),
        };
        Ok(Node {
            raw: &self.text[start..self.pos],
            kind,
        })
    }

    fn object(&mut self, depth: usize) -> Result<Kind<'a>, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Kind::Object(members));
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a key"));
            }
            let key_start = self.pos;
            let key_kind = self.string()?;
            let key_node = Node {
                raw: &self.text[key_start..self.pos],
                kind: key_kind,
            };
            let key = key_node
                .as_str()
                .ok_or_else(|| self.err("invalid escape in key"))?;
            self.skip_ws();
            self.expect(b':', "expected ':'")?;
            self.skip_ws();
            let value = self.value(depth)?;
            members.push((key, value));
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Kind::Object(members));
                }
                _ => return Err(self.err("expected ',' or '}'")),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Kind<'a>, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Kind::Array(items));
        }
        loop {
            self.skip_ws();
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Kind::Array(items));
                }
                _ => return Err(self.err("expected ',' or ']'")),
            }
        }
    }

    /// A string's syntax (escape sequences checked for shape; surrogates are checked when the
    /// string is decoded).
    fn string(&mut self) -> Result<Kind<'a>, JsonError> {
        self.pos += 1;
        let mut escaped = false;
        loop {
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Kind::Str { escaped });
                }
                Some(b'\\') => {
                    escaped = true;
                    self.pos += 1;
                    match self.peek() {
                        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                            self.pos += 1
                        }
                        Some(b'u') => {
                            self.pos += 1;
                            for _ in 0..4 {
                                if !self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                                    return Err(self.err("invalid \\u escape"));
                                }
                                self.pos += 1;
                            }
                        }
                        _ => return Err(self.err("invalid escape")),
                    }
                }
                Some(c) if c < 0x20 => return Err(self.err("control character in string")),
                Some(_) => self.pos += 1,
            }
        }
    }

    fn literal(&mut self, word: &'static str) -> Result<Kind<'a>, JsonError> {
        if self.text.as_bytes()[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(Kind::Scalar)
        } else {
            Err(self.err("invalid literal"))
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Kind<'a>, JsonError> {
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.err("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.err("invalid number"));
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.err("invalid number"));
            }
        }
        Ok(Kind::Scalar)
    }
}

// ---------------------------------------------------------------------------------------------
// Field simplification (§6.5)
// ---------------------------------------------------------------------------------------------

/// One entry of a `fields` parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldSpec {
    /// `"a/b/c"`: the path's components (empty components dropped); the output key is the
    /// last component.
    Path(Vec<String>),
    /// `["a/b/c", "name"]`: the path's components and the output key.
    Renamed(Vec<String>, String),
}

impl FieldSpec {
    /// The path's components.
    pub fn path(&self) -> &[String] {
        match self {
            FieldSpec::Path(p) | FieldSpec::Renamed(p, _) => p,
        }
    }

    /// The key the field gets in a simplified record (`""` for an empty path).
    pub fn key(&self) -> &str {
        match self {
            FieldSpec::Path(p) => p.last().map(String::as_str).unwrap_or(""),
            FieldSpec::Renamed(_, name) => name,
        }
    }
}

/// Splits `a/b/c` into its non-empty components.
fn split_path(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// Parses a `fields` parameter: an array whose items are `"path"` or `["path", "rename"]`.
/// `null` means no simplification (an empty list). An empty rename means no rename (as in
/// Kismet).
///
/// Errors (400): not an array; an item that is neither a string nor an array of exactly two
/// strings; a path with no component (`""`, `"/"`).
pub fn parse_fields(v: &Value) -> Result<Vec<FieldSpec>, RequestError> {
    let items = match v {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => {
            return Err(RequestError::BadFields(
                "expected an array of field paths or [path, rename] pairs".into(),
            ))
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for (n, item) in items.iter().enumerate() {
        let (path, rename) = match item {
            Value::String(p) => (p.as_str(), ""),
            Value::Array(pair) => match pair.as_slice() {
                [Value::String(p), Value::String(r)] => (p.as_str(), r.as_str()),
                _ => {
                    return Err(RequestError::BadFields(format!(
                        "item {n}: expected a [path, rename] pair of two strings"
                    )))
                }
            },
            _ => {
                return Err(RequestError::BadFields(format!(
                    "item {n}: expected a path string or a [path, rename] pair"
                )))
            }
        };
        let components = split_path(path);
        if components.is_empty() {
            return Err(RequestError::BadFields(format!(
                "item {n}: empty field path"
            )));
        }
        out.push(if rename.is_empty() {
            FieldSpec::Path(components)
        } else {
            FieldSpec::Renamed(components, rename.to_string())
        });
    }
    Ok(out)
}

/// Simplifies one record (given as JSON text) to the listed fields.
///
/// The result is an object with one member per field, in the order of `fields` (a field listed
/// twice appears twice, as in Kismet): the key is the rename or the path's last component, the
/// value is the text of the resolved sub-value exactly as written in the record (so nested
/// objects keep their key order), or `0` when the path does not resolve. Paths go through
/// object members only. Layout is Kismet's: `{"a": 1,"b": 2}`.
///
/// With no fields, the record is returned unchanged. A record that is an array is simplified
/// element by element (giving an array); a scalar record gives all zeros.
///
/// Errors: the record is not valid JSON, or nests deeper than [`MAX_DEPTH`]
/// ([`RequestError::BadRecord`], status 500).
pub fn simplify(item_json: &str, fields: &[FieldSpec]) -> Result<String, RequestError> {
    if fields.is_empty() {
        return Ok(item_json.to_string());
    }
    let root = parse_document(item_json).map_err(|e| RequestError::BadRecord(e.to_string()))?;
    let mut out = String::new();
    match &root.kind {
        Kind::Array(items) => {
            out.push('[');
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                simplify_node(item, fields, &mut out);
            }
            out.push(']');
        }
        _ => simplify_node(&root, fields, &mut out),
    }
    Ok(out)
}

/// Simplifies every value of a JSON object (such as an event bus message keyed by topic),
/// keeping the keys and their order: `{"k": simplify(v),...}`. A document that is not an
/// object is simplified as by [`simplify`]. Same errors as [`simplify`].
pub fn simplify_map_values(map_json: &str, fields: &[FieldSpec]) -> Result<String, RequestError> {
    if fields.is_empty() {
        return Ok(map_json.to_string());
    }
    let root = parse_document(map_json).map_err(|e| RequestError::BadRecord(e.to_string()))?;
    let Kind::Object(members) = &root.kind else {
        return simplify(map_json, fields);
    };
    let mut out = String::from("{");
    for (n, (key, value)) in members.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push_str(&Value::String(key.to_string()).to_string());
        out.push_str(": ");
        simplify_node(value, fields, &mut out);
    }
    out.push('}');
    Ok(out)
}

/// Appends the simplified object of one record.
fn simplify_node(node: &Node<'_>, fields: &[FieldSpec], out: &mut String) {
    out.push('{');
    let mut first = true;
    for field in fields {
        if field.path().is_empty() {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(&Value::String(field.key().to_string()).to_string());
        out.push_str(": ");
        match node.resolve(field.path()) {
            Some(v) => out.push_str(v.raw),
            None => out.push('0'),
        }
    }
    out.push('}');
}

// ---------------------------------------------------------------------------------------------
// Regex filters
// ---------------------------------------------------------------------------------------------

/// One compiled `regex` filter: the field's path components and the regex.
pub type RegexFilter = (Vec<String>, Regex);

/// Parses a `regex` parameter: an array of `[field path, regex]` pairs of strings. `null`
/// means no filter (an empty list).
///
/// Regexes use the `regex` crate's syntax (close to PCRE's for common patterns; no
/// look-around or backreferences), unanchored. Each is limited to [`REGEX_SIZE_LIMIT`]
/// compiled bytes and there may be at most [`MAX_REGEX_FILTERS`] pairs, so hostile patterns
/// are refused rather than exhausting memory; matching is linear-time.
///
/// Errors (400): not an array, an item that is not a pair of strings, an empty path, too many
/// pairs, or a regex that does not compile (the message names it).
pub fn parse_regex(v: &Value) -> Result<Vec<RegexFilter>, RequestError> {
    let items = match v {
        Value::Null => return Ok(Vec::new()),
        Value::Array(items) => items,
        _ => {
            return Err(RequestError::BadRegex(
                "expected an array of [field, regex] pairs".into(),
            ))
        }
    };
    if items.len() > MAX_REGEX_FILTERS {
        return Err(RequestError::BadRegex(format!(
            "{} pairs given, at most {MAX_REGEX_FILTERS} allowed",
            items.len()
        )));
    }
    let mut out = Vec::with_capacity(items.len());
    for (n, item) in items.iter().enumerate() {
        let Some([Value::String(path), Value::String(pattern)]) =
            item.as_array().map(Vec::as_slice)
        else {
            return Err(RequestError::BadRegex(format!(
                "item {n}: expected a [field, regex] pair of two strings"
            )));
        };
        let components = split_path(path);
        if components.is_empty() {
            return Err(RequestError::BadRegex(format!(
                "item {n}: empty field path"
            )));
        }
        let re = RegexBuilder::new(pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
            .nest_limit(MAX_DEPTH as u32)
            .build()
            .map_err(|e| {
                RequestError::BadRegex(format!("item {n}: regex {pattern:?} does not compile: {e}"))
            })?;
        out.push((components, re));
    }
    Ok(out)
}

/// Whether a record (JSON text) passes the filters: true when there are no filters, or when
/// any filter's regex matches any string value at its path. A path descends through object
/// members and into every element of an array met on the way (Kismet's multi-path lookup);
/// only string values are matched (numbers, booleans, objects and arrays never match). A
/// record that is not valid JSON matches nothing.
pub fn regex_matches(item_json: &str, filters: &[RegexFilter]) -> bool {
    if filters.is_empty() {
        return true;
    }
    let Ok(root) = parse_document(item_json) else {
        return false;
    };
    let mut found = Vec::new();
    filters.iter().any(|(path, re)| {
        found.clear();
        root.resolve_multi(path, &mut found);
        found
            .iter()
            .any(|node| node.as_str().is_some_and(|s| re.is_match(&s)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kismetdb::{MacAddr, Timestamp};
    use osprey_alerts::{Alert, Severity};
    use serde_json::json;

    fn alert() -> Alert {
        Alert {
            header: "DEAUTHFLOOD".into(),
            class: "DENIAL".into(),
            severity: Severity::High,
            phy: 1,
            ts: Timestamp::new(1_725_468_000, 500_000),
            transmitter: MacAddr::new([0x00, 0x11, 0x22, 0x33, 0x44, 0x55]),
            source: MacAddr::new([0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb]),
            dest: MacAddr::new([0xff; 6]),
            other: MacAddr::new([0; 6]),
            channel: "6".into(),
            frequency: 0.0,
            text: "Deauth \"flood\" on a.b.c\\n".into(),
            location: Some((51.5, -0.25)),
            hash: 123_456,
            evidence: vec![7, 9],
        }
    }

    // ----- parse_command -------------------------------------------------------------------

    #[test]
    fn query_vars_always_decoded() {
        let c = parse_command(None, b"ignored", "a=1&b=x%20y&c&&d=").unwrap();
        assert_eq!(c.json, None);
        assert_eq!(
            c.vars,
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y".into()),
                ("c".into(), "".into()),
                ("d".into(), "".into()),
            ]
        );
        assert_eq!(c.var("b"), Some("x y"));
        assert_eq!(c.var("zz"), None);
    }

    #[test]
    fn form_body_with_json_var() {
        let body = b"json=%7B%22fields%22%3A%5B%22a%2Fb%22%5D%7D&page=2";
        let c = parse_command(
            Some("application/x-www-form-urlencoded; charset=UTF-8"),
            body,
            "page=1&x=y",
        )
        .unwrap();
        assert_eq!(c.json, Some(json!({"fields": ["a/b"]})));
        assert_eq!(c.var("page"), Some("2"), "form vars override query vars");
        assert_eq!(c.var("x"), Some("y"));
        assert!(c.var("json").is_some());
        assert_eq!(c.json_get("fields"), Some(&json!(["a/b"])));
        assert_eq!(c.json_get("nope"), None);
    }

    #[test]
    fn form_body_plus_and_encoded_separators() {
        let c = parse_command(
            Some("Application/X-WWW-Form-Urlencoded"),
            b"search=a+b%26c%3Dd&json=",
            "",
        )
        .unwrap();
        assert_eq!(c.var("search"), Some("a b&c=d"));
        assert_eq!(c.json, None, "an empty json var is no command");
    }

    #[test]
    fn json_body() {
        let body = br#"{"name":"MYALERT","severity":15}"#;
        let c = parse_command(Some("application/json"), body, "").unwrap();
        assert_eq!(c.json, Some(json!({"name": "MYALERT", "severity": 15})));
        let c = parse_command(Some("application/json; charset=utf-8"), body, "").unwrap();
        assert!(c.json.is_some());
        let c = parse_command(Some("application/json"), b"  \n", "").unwrap();
        assert_eq!(c.json, None);
    }

    #[test]
    fn other_content_types_ignore_body() {
        for ct in [
            None,
            Some("text/plain"),
            Some("multipart/form-data; boundary=x"),
        ] {
            let c = parse_command(ct, b"{not json", "a=1").unwrap();
            assert_eq!(c.json, None);
            assert_eq!(c.vars.len(), 1);
        }
    }

    #[test]
    fn malformed_json_is_400() {
        for body in [
            &b"{"[..],
            b"{\"a\":}",
            b"[1,2",
            b"nul",
            b"{\"a\":1}x",
            b"\"\\x\"",
        ] {
            let e = parse_command(Some("application/json"), body, "").unwrap_err();
            assert!(matches!(e, RequestError::BadJson(_)), "{body:?}: {e:?}");
            assert_eq!(e.status(), 400);
        }
        let e = parse_command(
            Some("application/x-www-form-urlencoded"),
            b"json=%7Bbroken",
            "",
        )
        .unwrap_err();
        assert_eq!(e.status(), 400);
        assert!(e.to_string().starts_with("invalid JSON command"));
    }

    #[test]
    fn unsupported_charset() {
        let e = parse_command(Some("application/json; charset=ISO-8859-1"), b"{}", "").unwrap_err();
        assert_eq!(e, RequestError::UnsupportedCharset("ISO-8859-1".into()));
        assert_eq!(e.status(), 415);
        // Unknown content types are ignored whatever their charset.
        assert!(parse_command(Some("text/plain; charset=latin1"), b"x", "").is_ok());
    }

    #[test]
    fn deep_nesting_refused() {
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse_command(Some("application/json"), ok.as_bytes(), "").is_ok());
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        let e = parse_command(Some("application/json"), deep.as_bytes(), "").unwrap_err();
        assert_eq!(e, RequestError::TooDeep);
        assert_eq!(e.status(), 400);
        // Very deep and unbalanced: no stack overflow.
        let huge = "[{\"a\":".repeat(100_000);
        let e = parse_command(Some("application/json"), huge.as_bytes(), "").unwrap_err();
        assert_eq!(e, RequestError::TooDeep);
        // Brackets inside strings do not count.
        let s = format!("{{\"a\":\"{}\"}}", "[".repeat(1000));
        assert!(parse_command(Some("application/json"), s.as_bytes(), "").is_ok());
    }

    #[test]
    fn huge_numbers() {
        let c = parse_command(
            Some("application/json"),
            b"{\"a\":123456789012345678901234567890,\"b\":-1e300}",
            "",
        )
        .unwrap();
        assert!(c.json.unwrap()["a"].is_f64());
        let e = parse_command(Some("application/json"), b"{\"a\":1e400}", "").unwrap_err();
        assert_eq!(e.status(), 400);
        let long = format!("[{}]", "9".repeat(50_000));
        let e = parse_command(Some("application/json"), long.as_bytes(), "").unwrap_err();
        assert_eq!(e.status(), 400);
        let long = format!("[0.{}]", "9".repeat(50_000));
        assert!(parse_command(Some("application/json"), long.as_bytes(), "").is_ok());
    }

    #[test]
    fn invalid_utf8() {
        let e = parse_command(Some("application/json"), b"{\"a\":\"\xff\"}", "").unwrap_err();
        assert!(matches!(e, RequestError::BadUtf8(_)));
        assert_eq!(e.status(), 400);
        let e =
            parse_command(Some("application/x-www-form-urlencoded"), b"a=\xc3", "").unwrap_err();
        assert!(matches!(e, RequestError::BadUtf8(_)));
        let e = parse_command(None, b"", "a=%FF").unwrap_err();
        assert!(e.to_string().contains("\"a\""), "{e}");
        let e = parse_command(None, b"", "%C3=1").unwrap_err();
        assert!(matches!(e, RequestError::BadUtf8(_)));
        // Encoded UTF-8 is fine.
        let c = parse_command(None, b"", "ssid=caf%C3%A9").unwrap();
        assert_eq!(c.var("ssid"), Some("café"));
        // A lone surrogate escape in JSON is refused.
        let e = parse_command(Some("application/json"), br#"["\ud800"]"#, "").unwrap_err();
        assert_eq!(e.status(), 400);
    }

    #[test]
    fn bad_percent_escapes_kept_raw() {
        let c = parse_command(None, b"", "a=%&b=%4&c=%zz1&d=100%25&e=%4g&f=%41%4").unwrap();
        assert_eq!(c.var("a"), Some("%"));
        assert_eq!(c.var("b"), Some("%4"));
        assert_eq!(c.var("c"), Some("%zz1"));
        assert_eq!(c.var("d"), Some("100%"));
        assert_eq!(c.var("e"), Some("%4g"));
        assert_eq!(c.var("f"), Some("A%4"));
    }

    #[test]
    fn duplicate_vars_last_wins() {
        let c = parse_command(None, b"", "a=1&a=2").unwrap();
        assert_eq!(c.var("a"), Some("2"));
        assert_eq!(c.vars.len(), 2);
    }

    // ----- formats ---------------------------------------------------------------------------

    #[test]
    fn format_extensions() {
        assert_eq!(Format::from_ext("json"), Some(Format::Json));
        assert_eq!(Format::from_ext("cmd"), Some(Format::Json));
        assert_eq!(Format::from_ext("jcmd"), Some(Format::Json));
        assert_eq!(Format::from_ext("prettyjson"), Some(Format::PrettyJson));
        assert_eq!(Format::from_ext("ekjson"), Some(Format::EkJson));
        assert_eq!(Format::from_ext("itjson"), Some(Format::ItJson));
        assert_eq!(Format::from_ext("tjson"), Some(Format::TJson));
        assert_eq!(Format::from_ext("JSON"), None);
        assert_eq!(Format::from_ext("html"), None);
        assert_eq!(Format::from_ext(""), None);
        assert_eq!(Format::TJson.content_type(), "application/json");
    }

    #[test]
    fn json_passes_items_through() {
        let a = alert().to_kismet_json();
        let items = vec![a.clone(), "{\"x\": 1}".to_string()];
        assert_eq!(
            render_array(&items, Format::Json),
            format!("[{a},{{\"x\": 1}}]")
        );
        assert_eq!(render_array(&[], Format::Json), "[]");
    }

    /// The keys of an object's text, in order (via the borrowing parser).
    fn keys(text: &str) -> Vec<String> {
        match parse_document(text).unwrap().kind {
            Kind::Object(m) => m.into_iter().map(|(k, _)| k.into_owned()).collect(),
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn tjson_renames_keys_keeps_order_and_values() {
        let a = alert().to_kismet_json();
        let out = render_array(std::slice::from_ref(&a), Format::TJson);
        let v: Value = serde_json::from_str(&out).unwrap();
        let rec = &v[0];
        assert_eq!(rec["kismet_alert_header"], "DEAUTHFLOOD");
        assert_eq!(rec["kismet_alert_text"], "Deauth \"flood\" on a.b.c\\n");
        assert_eq!(
            rec["kismet_alert_location"]["kismet_common_location_geopoint"],
            json!([-0.25, 51.5])
        );
        assert_eq!(rec["osprey_alert_packet_ids"], json!([7, 9]));
        let inner = &out[1..out.len() - 1];
        // Exactly the keys change, in place; everything else is byte-identical.
        let mut expected = a.clone();
        for k in keys(&a)
            .iter()
            .chain(["kismet.common.location.geopoint".to_string()].iter())
        {
            expected = expected.replace(
                &format!("\"{k}\":"),
                &format!("\"{}\":", k.replace('.', "_")),
            );
        }
        assert_eq!(inner, expected);
        assert!(inner.contains("\"Deauth \\\"flood\\\" on a.b.c\\\\n\""));
        assert!(inner.contains("\"kismet_alert_timestamp\": 1725468000.500000"));
    }

    #[test]
    fn tjson_nested_and_tricky_strings() {
        let text = r#"{"a.b": {"c.d": ["x.y", {"e.f": "g.h"}], "k\"e.y": 1, "\u002e.": "v"}, "s": "{\"q.r\": 1}"}"#;
        let out = render_text(text, Format::TJson);
        assert_eq!(
            out,
            r#"{"a_b": {"c_d": ["x.y", {"e_f": "g.h"}], "k\"e_y": 1, "__": "v"}, "s": "{\"q.r\": 1}"}"#
        );
        // A value string that looks like a key after a comma inside an array is not a key.
        let out = render_text(r#"[["a.b", "c.d"], {"x.y": ["p.q"]}]"#, Format::TJson);
        assert_eq!(out, r#"[["a.b", "c.d"], {"x_y": ["p.q"]}]"#);
        // An escaped backslash before u002e is not an escaped dot.
        let out = render_text(r#"{"a\\u002e": 1}"#, Format::TJson);
        assert_eq!(out, r#"{"a\\u002e": 1}"#);
    }

    #[test]
    fn ekjson_and_itjson() {
        let a = alert().to_kismet_json();
        let items = vec![a.clone(), "{\"p.q\": {\"r.s\": [1, 2]}}".to_string()];
        let it = render_array(&items, Format::ItJson);
        assert_eq!(it, format!("{a}\n{{\"p.q\": {{\"r.s\": [1, 2]}}}}\n"));
        let ek = render_array(&items, Format::EkJson);
        let lines: Vec<&str> = ek.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(ek.ends_with('\n'));
        assert!(!ek.starts_with('['));
        assert_eq!(lines[0], rename_keys(&a));
        assert_eq!(lines[1], "{\"p_q\": {\"r_s\": [1, 2]}}");
        assert_eq!(render_array(&[], Format::EkJson), "");

        // A whole document: a top-level array is split, anything else is one line.
        let doc = "[{\"a.b\": 1},\n {\"c.d\": [\n2]}]";
        assert_eq!(
            render_text(doc, Format::EkJson),
            "{\"a_b\": 1}\n{\"c_d\": [2]}\n"
        );
        assert_eq!(
            render_text(doc, Format::ItJson),
            "{\"a.b\": 1}\n{\"c.d\": [2]}\n"
        );
        assert_eq!(
            render_text("{\"a.b\": 1}", Format::EkJson),
            "{\"a_b\": 1}\n"
        );
        let v = json!([{"a.b": 1}, {"c.d": "e.f"}]);
        assert_eq!(
            render_value(&v, Format::EkJson),
            "{\"a_b\":1}\n{\"c_d\":\"e.f\"}\n"
        );
        assert_eq!(
            render_value(&v, Format::ItJson),
            "{\"a.b\":1}\n{\"c.d\":\"e.f\"}\n"
        );
        assert_eq!(
            render_value(&json!({"a.b": 1}), Format::EkJson),
            "{\"a_b\":1}\n"
        );
    }

    #[test]
    fn prettyjson() {
        let out = render_text(
            r#"{"a.b":[1,{"c":"x,y:{"},[],{}],"d":1.500000}"#,
            Format::PrettyJson,
        );
        let expected = "{\n    \"a.b\": [\n        1,\n        {\n            \"c\": \"x,y:{\"\n        },\n        [],\n        {}\n    ],\n    \"d\": 1.500000\n}";
        assert_eq!(out, expected);
        let a = alert().to_kismet_json();
        let out = render_array(std::slice::from_ref(&a), Format::PrettyJson);
        assert!(out.starts_with("[\n    {\n        \"kismet.alert.device_key\": \"00_0\","));
        let back: Value = serde_json::from_str(&out).unwrap();
        let orig: Value = serde_json::from_str(&a).unwrap();
        assert_eq!(back, json!([orig]));
        assert_eq!(keys(&out[1..out.len() - 1]), keys(&a));
        assert_eq!(render_value(&json!([]), Format::PrettyJson), "[]");
    }

    #[test]
    fn render_value_json_and_tjson() {
        let v = json!({"kismet.alert.list": [], "kismet.alert.timestamp": 1.5});
        assert_eq!(render_value(&v, Format::Json), v.to_string());
        assert_eq!(
            render_value(&v, Format::TJson),
            "{\"kismet_alert_list\":[],\"kismet_alert_timestamp\":1.5}"
        );
    }

    #[test]
    fn renderers_never_panic_on_garbage() {
        let garbage = [
            "",
            "\"",
            "\"\\",
            "{\"a.b",
            "}}]]",
            "{\"a\\u00e9\\",
            "[\"é\\",
            "{\"é.\":é}",
            "{,,::}",
            "\u{0}\u{1}",
            "\"\\uZZZZ\"",
            "{\"a\\\u{e9}\":1}",
        ];
        for g in garbage {
            for fmt in [
                Format::Json,
                Format::PrettyJson,
                Format::EkJson,
                Format::ItJson,
                Format::TJson,
            ] {
                let _ = render_text(g, fmt);
                let _ = render_array(&[g.to_string(), g.to_string()], fmt);
            }
            // The scanner loses no bytes.
            let mut joined = String::new();
            for t in tokens(g) {
                match t {
                    Token::Punct(b) => joined.push(char::from(b)),
                    Token::Str { raw, .. } | Token::Space(raw) | Token::Other(raw) => {
                        joined.push_str(raw)
                    }
                }
            }
            assert_eq!(joined, g);
        }
        let deep = "[".repeat(20_000);
        let _ = render_text(&deep, Format::EkJson);
        let _ = render_text(&deep, Format::PrettyJson);
    }

    // ----- fields ------------------------------------------------------------------------------

    #[test]
    fn parse_fields_forms() {
        let f = parse_fields(&json!([
            "kismet.alert.header",
            "/kismet.alert.location//kismet.common.location.geopoint/",
            ["kismet.alert.text", "text"],
            ["kismet.alert.class", ""],
        ]))
        .unwrap();
        assert_eq!(
            f,
            vec![
                FieldSpec::Path(vec!["kismet.alert.header".into()]),
                FieldSpec::Path(vec![
                    "kismet.alert.location".into(),
                    "kismet.common.location.geopoint".into()
                ]),
                FieldSpec::Renamed(vec!["kismet.alert.text".into()], "text".into()),
                FieldSpec::Path(vec!["kismet.alert.class".into()]),
            ]
        );
        assert_eq!(parse_fields(&Value::Null).unwrap(), vec![]);
        for bad in [
            json!("a"),
            json!({"a": 1}),
            json!(5),
            json!([1]),
            json!([["a"]]),
            json!([["a", "b", "c"]]),
            json!([["a", 1]]),
            json!([null]),
            json!([""]),
            json!(["//"]),
        ] {
            let e = parse_fields(&bad).unwrap_err();
            assert_eq!(e.status(), 400, "{bad}");
            assert!(matches!(e, RequestError::BadFields(_)));
        }
    }

    #[test]
    fn simplify_alert() {
        let a = alert().to_kismet_json();
        let fields = parse_fields(&json!([
            "kismet.alert.timestamp",
            ["kismet.alert.location", "loc"],
            "kismet.alert.location/kismet.common.location.geopoint",
            "kismet.alert.nonexistent",
            ["kismet.alert.header/deeper", "hdr"],
            "kismet.alert.text",
            "kismet.alert.timestamp",
        ]))
        .unwrap();
        let out = simplify(&a, &fields).unwrap();
        assert_eq!(
            out,
            "{\"kismet.alert.timestamp\": 1725468000.500000,\
             \"loc\": {\"kismet.common.location.geopoint\": [-0.250000, 51.500000]},\
             \"kismet.common.location.geopoint\": [-0.250000, 51.500000],\
             \"kismet.alert.nonexistent\": 0,\
             \"hdr\": 0,\
             \"kismet.alert.text\": \"Deauth \\\"flood\\\" on a.b.c\\\\n\",\
             \"kismet.alert.timestamp\": 1725468000.500000}"
        );
        assert_eq!(simplify(&a, &[]).unwrap(), a);
    }

    #[test]
    fn simplify_keeps_nested_order_and_handles_shapes() {
        let rec = r#"{"z": {"y": 1, "b": [3, {"q": 2, "a": 1}]}, "a": "x"}"#;
        let f = parse_fields(&json!(["z", ["a", "re\"n"]])).unwrap();
        assert_eq!(
            simplify(rec, &f).unwrap(),
            r#"{"z": {"y": 1, "b": [3, {"q": 2, "a": 1}]},"re\"n": "x"}"#
        );
        // Arrays: per element; scalars: zeros; maps: per value.
        let f = parse_fields(&json!(["a"])).unwrap();
        assert_eq!(
            simplify(r#"[{"a": 1}, {"b": 2}]"#, &f).unwrap(),
            r#"[{"a": 1},{"a": 0}]"#
        );
        assert_eq!(simplify("5", &f).unwrap(), r#"{"a": 0}"#);
        assert_eq!(
            simplify_map_values(r#"{"ALERT": {"a": [1]}, "X.Y": {"b": 1}}"#, &f).unwrap(),
            r#"{"ALERT": {"a": [1]},"X.Y": {"a": 0}}"#
        );
        // Escaped keys in records resolve by their decoded name.
        assert_eq!(
            simplify(r#"{"\u0061": true}"#, &f).unwrap(),
            r#"{"a": true}"#
        );
        // Public constructors with empty paths are skipped.
        assert_eq!(simplify("{}", &[FieldSpec::Path(vec![])]).unwrap(), "{}");
    }

    #[test]
    fn simplify_bad_records() {
        let f = parse_fields(&json!(["a"])).unwrap();
        for bad in [
            "",
            "{",
            "{\"a\":1,}",
            "[1 2]",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":\"\u{1}\"}",
        ] {
            let e = simplify(bad, &f).unwrap_err();
            assert_eq!(e.status(), 500, "{bad:?}");
        }
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(simplify(&deep, &f).is_err());
        let deep = "{\"a\":".repeat(1_000_000);
        assert!(simplify(&deep, &f).is_err());
        let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(simplify(&ok, &f).is_ok());
        // Huge numbers are copied verbatim.
        let big = format!("{{\"a\": 1{}e99999}}", "0".repeat(1000));
        assert_eq!(simplify(&big, &f).unwrap(), big);
    }

    // ----- regex -------------------------------------------------------------------------------

    #[test]
    fn regex_filters() {
        let a = alert().to_kismet_json();
        let f = parse_regex(&json!([["kismet.alert.header", "^DEAUTH"]])).unwrap();
        assert!(regex_matches(&a, &f));
        let f = parse_regex(&json!([["kismet.alert.header", "^BEACON"]])).unwrap();
        assert!(!regex_matches(&a, &f));
        // Any pair may match.
        let f = parse_regex(&json!([
            ["kismet.alert.header", "^BEACON"],
            ["kismet.alert.text", "\"flood\""]
        ]))
        .unwrap();
        assert!(regex_matches(&a, &f));
        // Numbers never match; missing fields never match.
        let f = parse_regex(&json!([["kismet.alert.severity", "15"], ["nope", ".*"]])).unwrap();
        assert!(!regex_matches(&a, &f));
        // Arrays on the way are searched element by element.
        let rec = r#"{"d": {"ssids": [{"s": "home"}, {"s": "caf\u00e9"}]}}"#;
        let f = parse_regex(&json!([["d/ssids/s", "^café$"]])).unwrap();
        assert!(regex_matches(rec, &f));
        let f = parse_regex(&json!([["d/ssids/s", "^work$"]])).unwrap();
        assert!(!regex_matches(rec, &f));
        // No filters: everything passes; bad record: nothing.
        assert!(regex_matches(&a, &[]));
        let f = parse_regex(&json!([["a", "."]])).unwrap();
        assert!(!regex_matches("{\"a\":", &f));
        assert_eq!(parse_regex(&Value::Null).unwrap().len(), 0);
    }

    #[test]
    fn regex_parse_errors() {
        for bad in [
            json!("x"),
            json!({"a": "b"}),
            json!([["a"]]),
            json!([["a", "b", "c"]]),
            json!([["a", 1]]),
            json!(["a"]),
            json!([["", "x"]]),
        ] {
            let e = parse_regex(&bad).unwrap_err();
            assert_eq!(e.status(), 400, "{bad}");
        }
        let e = parse_regex(&json!([["a", "(unclosed"]])).unwrap_err();
        assert_eq!(e.status(), 400);
        assert!(e.to_string().contains("(unclosed"), "{e}");
        // Hostile patterns: compiled size and nesting limits.
        let e = parse_regex(&json!([["a", "((a{1000}){1000}){1000}"]])).unwrap_err();
        assert_eq!(e.status(), 400);
        let e = parse_regex(&json!([[
            "a",
            format!("{}a{}", "(".repeat(500), ")".repeat(500))
        ]]))
        .unwrap_err();
        assert_eq!(e.status(), 400);
        let many: Vec<Value> = (0..=MAX_REGEX_FILTERS).map(|_| json!(["a", "b"])).collect();
        assert!(parse_regex(&Value::Array(many)).is_err());
    }
}
