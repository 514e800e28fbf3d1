//! How a kismetdb column value is read, whatever SQLite stored: the rules every reader of a
//! log shares (`Reader` and the direct page reader of `osprey log to-pcap`). NULL is Kismet's
//! zero value, numbers stored as text are parsed, bytes may be TEXT or BLOB. Errors are a
//! detail text; the caller adds the file, table, row and column.

use std::borrow::Cow;

use rusqlite::types::ValueRef;

use crate::types::MacAddr;

/// How an error names a value's storage class.
pub fn type_name(v: ValueRef<'_>) -> &'static str {
    match v {
        ValueRef::Null => "NULL",
        ValueRef::Integer(_) => "an integer",
        ValueRef::Real(_) => "a real",
        ValueRef::Text(_) => "text",
        ValueRef::Blob(_) => "a blob",
    }
}

/// An integer column (a finite real or numeric text is truncated).
pub fn int(v: ValueRef<'_>) -> Result<i64, String> {
    match v {
        ValueRef::Null => Ok(0),
        ValueRef::Integer(n) => Ok(n),
        ValueRef::Real(f) if f.is_finite() => Ok(f as i64),
        ValueRef::Text(b) => {
            let s = String::from_utf8_lossy(b);
            let s = s.trim();
            s.parse::<i64>()
                .ok()
                .or_else(|| {
                    s.parse::<f64>()
                        .ok()
                        .filter(|f| f.is_finite())
                        .map(|f| f as i64)
                })
                .ok_or_else(|| format!("expected an integer, found text {s:?}"))
        }
        other => Err(format!("expected an integer, found {}", type_name(other))),
    }
}

/// An integer column that must fit in 32 bits.
pub fn i32(v: ValueRef<'_>) -> Result<i32, String> {
    let n = int(v)?;
    i32::try_from(n).map_err(|_| format!("{n} does not fit in 32 bits"))
}

/// A real column (empty text is 0).
pub fn real(v: ValueRef<'_>) -> Result<f64, String> {
    match v {
        ValueRef::Null => Ok(0.0),
        ValueRef::Integer(n) => Ok(n as f64),
        ValueRef::Real(f) => Ok(f),
        ValueRef::Text(b) => {
            let s = String::from_utf8_lossy(b);
            let s = s.trim();
            if s.is_empty() {
                return Ok(0.0);
            }
            s.parse::<f64>()
                .map_err(|_| format!("expected a number, found text {s:?}"))
        }
        other => Err(format!("expected a number, found {}", type_name(other))),
    }
}

/// A text column (numbers are rendered; invalid UTF-8 is replaced).
pub fn text(v: ValueRef<'_>) -> Cow<'_, str> {
    match v {
        ValueRef::Null => Cow::Borrowed(""),
        ValueRef::Integer(n) => Cow::Owned(n.to_string()),
        ValueRef::Real(f) => Cow::Owned(f.to_string()),
        ValueRef::Text(b) | ValueRef::Blob(b) => String::from_utf8_lossy(b),
    }
}

/// A bytes column (BLOB or TEXT).
pub fn bytes(v: ValueRef<'_>) -> Result<&[u8], String> {
    match v {
        ValueRef::Null => Ok(&[]),
        ValueRef::Text(b) | ValueRef::Blob(b) => Ok(b),
        other => Err(format!("expected bytes, found {}", type_name(other))),
    }
}

/// A MAC address column (empty is all zero).
pub fn mac(v: ValueRef<'_>) -> Result<MacAddr, String> {
    let t = text(v);
    let t = t.trim();
    if t.is_empty() {
        return Ok(MacAddr::ZERO);
    }
    t.parse().map_err(|e: crate::ParseError| e.to_string())
}
