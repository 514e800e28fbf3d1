//! `kismetdb_dump_devices`, correct: the `devices` table's JSON records as one JSON array or as
//! one JSON object per line.
//!
//! What Kismet's tool does (spec §7) and what this module does instead:
//!
//! * Kismet `VACUUM`s the input first (rewriting the user's file); this reads it read-only.
//! * Kismet's device JSON may hold raw bytes ≥ 0x80 that are not UTF-8 (binary SSIDs) and
//!   unescaped control characters (string vectors are not escaped); Kismet's tool then drops the
//!   device with an error message that has no newline. Here invalid UTF-8 becomes U+FFFD and raw
//!   control characters inside strings are escaped, so such devices are kept; only a record that
//!   is not JSON at all is skipped, and every skip is reported with the device's phy and MAC.
//! * With `--json-path`/`--ekjson` Kismet's key rewrite turns empty objects and arrays into
//!   `null` (it starts from a default, null, `json` value); here they stay `{}` and `[]`.
//! * Kismet's `--ekjson` output lacks the final newline; here every line ends with one.
//! * The array form puts one device per line (`[`, devices joined by `,\n`, `]`).
//!
//! As in Kismet's tool each record is parsed and re-serialised compactly, so keys come out in
//! alphabetical order and numbers in their shortest form. Rows are streamed one at a time:
//! memory does not grow with the number of devices.

use std::borrow::Cow;
use std::io::Write;

use kismetdb::{DeviceRow, Reader};
use serde_json::Value;

/// How the records are framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Framing {
    /// One JSON array: `[`, records joined by `,` + newline, `]` (Kismet's default).
    #[default]
    Array,
    /// One record per line (NDJSON / Kismet's `--ekjson` framing).
    Lines,
}

/// What to dump and how.
#[derive(Clone, Debug, Default)]
pub struct DumpOptions {
    /// Array or one object per line.
    pub framing: Framing,
    /// Rewrite `.` to `_` in every key (Kismet's `--json-path`; implied by `--ekjson`).
    pub underscore_keys: bool,
    /// Keep only devices of these phys (compared without regard to case); empty keeps all.
    pub phys: Vec<String>,
    /// Keep only devices of these printable types (`Wi-Fi AP`, ...; without regard to case);
    /// empty keeps all.
    pub types: Vec<String>,
    /// Keep only devices last seen at or after this time (seconds since the epoch).
    pub since: Option<i64>,
    /// Keep only devices first seen at or before this time (seconds since the epoch).
    pub until: Option<i64>,
}

/// A device whose record could not be written.
#[derive(Clone, Debug, PartialEq)]
pub struct Skipped {
    /// The device's phy.
    pub phyname: String,
    /// The device's MAC.
    pub devmac: String,
    /// Why.
    pub reason: String,
}

/// What a dump did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DumpSummary {
    /// Rows read from the devices table.
    pub rows: u64,
    /// Records written.
    pub written: u64,
    /// Rows left out by the filters.
    pub filtered: u64,
    /// Records whose text had invalid UTF-8 replaced or control characters escaped.
    pub repaired: u64,
    /// Records left out because they are not JSON.
    pub skipped: Vec<Skipped>,
}

/// Why a dump failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading the log failed (the message names the file).
    #[error(transparent)]
    Log(#[from] kismetdb::Error),
    /// Writing the output failed.
    #[error("writing the output: {0}")]
    Write(#[source] std::io::Error),
}

/// Streams the devices of `reader` to `out` as JSON, record by record.
pub fn dump_devices(
    reader: &Reader,
    opts: &DumpOptions,
    out: &mut dyn Write,
) -> Result<DumpSummary, Error> {
    let mut summary = DumpSummary::default();
    let mut line = Vec::with_capacity(16 * 1024);
    if opts.framing == Framing::Array {
        out.write_all(b"[\n").map_err(Error::Write)?;
    }
    let mut query = reader.devices()?;
    query.for_each(|row: DeviceRow<'_>| -> Result<(), Error> {
        summary.rows += 1;
        if !keep(&row, opts) {
            summary.filtered += 1;
            return Ok(());
        }
        line.clear();
        match render_record(&row.device, opts.underscore_keys, &mut line) {
            Ok(repaired) => {
                if repaired {
                    summary.repaired += 1;
                }
            }
            Err(reason) => {
                summary.skipped.push(Skipped {
                    phyname: row.phyname.to_string(),
                    devmac: row.devmac.to_string(),
                    reason,
                });
                return Ok(());
            }
        }
        let sep: &[u8] = match (opts.framing, summary.written) {
            (Framing::Array, 0) | (Framing::Lines, _) => b"",
            (Framing::Array, _) => b",\n",
        };
        out.write_all(sep).map_err(Error::Write)?;
        out.write_all(&line).map_err(Error::Write)?;
        if opts.framing == Framing::Lines {
            out.write_all(b"\n").map_err(Error::Write)?;
        }
        summary.written += 1;
        Ok(())
    })?;
    if opts.framing == Framing::Array {
        let tail: &[u8] = if summary.written > 0 {
            b"\n]\n"
        } else {
            b"]\n"
        };
        out.write_all(tail).map_err(Error::Write)?;
    }
    out.flush().map_err(Error::Write)?;
    Ok(summary)
}

fn keep(row: &DeviceRow<'_>, opts: &DumpOptions) -> bool {
    if !opts.phys.is_empty()
        && !opts
            .phys
            .iter()
            .any(|p| p.eq_ignore_ascii_case(&row.phyname))
    {
        return false;
    }
    if !opts.types.is_empty()
        && !opts
            .types
            .iter()
            .any(|t| t.eq_ignore_ascii_case(&row.device_type))
    {
        return false;
    }
    if opts.since.is_some_and(|s| row.last_time < s) {
        return false;
    }
    if opts.until.is_some_and(|u| row.first_time > u) {
        return false;
    }
    true
}

/// Parses one device record and writes it compactly into `out`. Returns whether the text had
/// to be repaired (invalid UTF-8 replaced, raw control characters escaped), or why the record
/// is not JSON.
pub fn render_record(
    bytes: &[u8],
    underscore_keys: bool,
    out: &mut Vec<u8>,
) -> Result<bool, String> {
    let (value, repaired) = parse_record(bytes)?;
    let value = if underscore_keys {
        underscore(value)
    } else {
        value
    };
    serde_json::to_writer(&mut *out, &value).map_err(|e| e.to_string())?;
    Ok(repaired)
}

/// Parses a Kismet JSON record, repairing what Kismet's serializer gets wrong (§4.7): raw
/// non-UTF-8 bytes (replaced by U+FFFD) and unescaped control characters inside strings.
/// Returns the value and whether a repair was needed.
pub fn parse_record(bytes: &[u8]) -> Result<(Value, bool), String> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err("the device record is empty".into());
    }
    let (text, lossy) = match std::str::from_utf8(bytes) {
        Ok(s) => (Cow::Borrowed(s), false),
        Err(_) => (String::from_utf8_lossy(bytes), true),
    };
    match serde_json::from_str::<Value>(&text) {
        Ok(v) => Ok((v, lossy)),
        Err(first) => {
            let Some(fixed) = escape_controls_in_strings(&text) else {
                return Err(format!("the device record is not JSON: {first}"));
            };
            serde_json::from_str::<Value>(&fixed)
                .map(|v| (v, true))
                .map_err(|_| format!("the device record is not JSON: {first}"))
        }
    }
}

/// Escapes raw control characters (< 0x20) that appear inside JSON strings; `None` if there
/// were none (so repair cannot help).
pub(crate) fn escape_controls_in_strings(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len() + 16);
    let mut in_string = false;
    let mut escaped = false;
    let mut changed = false;
    for c in text.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            } else if (c as u32) < 0x20 {
                out.push_str(&format!("\\u{:04x}", c as u32));
                changed = true;
                continue;
            }
        } else if c == '"' {
            in_string = true;
        }
        out.push(c);
    }
    changed.then_some(out)
}

/// Kismet's `--json-path` rewrite: `.` → `_` in every object key, recursively. Unlike Kismet's
/// empty objects and arrays stay empty objects and arrays. When two keys collide after the
/// rewrite, the one later in key order wins (as in Kismet's tool).
pub fn underscore(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .map(|(k, v)| (k.replace('.', "_"), underscore(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(underscore).collect()),
        other => other,
    }
}

/// Parses a time given on the command line, UTC: seconds since the epoch (`1700000000`), a date
/// (`2024-06-10`) or a date and time (`2024-06-10T12:30:00`, `2024-06-10 12:30`, optional `Z`).
pub fn parse_time(s: &str) -> Result<i64, String> {
    use crate::calendar::{days_from_civil, days_in_month};
    let t = s.trim();
    let bad = || {
        format!("{s:?} is not a time (use seconds since the epoch or YYYY-MM-DD[THH:MM[:SS]], UTC)")
    };
    if let Ok(n) = t.parse::<i64>() {
        return Ok(n);
    }
    let t = t.strip_suffix('Z').unwrap_or(t);
    let (date, time) = match t.split_once(['T', ' ']) {
        Some((d, tm)) => (d, Some(tm)),
        None => (t, None),
    };
    let num = |x: &str, lo: i64, hi: i64| -> Option<i64> {
        if x.is_empty() || !x.bytes().all(|b| b.is_ascii_digit()) || x.len() > 4 {
            return None;
        }
        x.parse::<i64>().ok().filter(|n| (lo..=hi).contains(n))
    };
    let d: Vec<&str> = date.split('-').collect();
    let [y, m, dd] = d.as_slice() else {
        return Err(bad());
    };
    let (Some(y), Some(m), Some(dd)) = (num(y, 1, 9999), num(m, 1, 12), num(dd, 1, 31)) else {
        return Err(bad());
    };
    if dd > days_in_month(y, m) {
        return Err(bad());
    }
    let mut secs = 0;
    if let Some(tm) = time {
        let parts: Vec<&str> = tm.split(':').collect();
        let (h, mi, se) = match parts.as_slice() {
            [h, mi] => (num(h, 0, 23), num(mi, 0, 59), Some(0)),
            [h, mi, se] => (num(h, 0, 23), num(mi, 0, 59), num(se, 0, 60)),
            _ => return Err(bad()),
        };
        let (Some(h), Some(mi), Some(se)) = (h, mi, se) else {
            return Err(bad());
        };
        secs = h * 3600 + mi * 60 + se;
    }
    Ok(days_from_civil(y, m, dd) * 86_400 + secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kismetdb::{MacAddr, Writer, WriterOptions};

    fn render(bytes: &[u8], underscore_keys: bool) -> Result<(String, bool), String> {
        let mut out = Vec::new();
        let r = render_record(bytes, underscore_keys, &mut out)?;
        Ok((String::from_utf8(out).unwrap(), r))
    }

    #[test]
    fn records_are_compact_sorted_and_keep_dotted_keys() {
        let (s, repaired) = render(
            br#"{ "kismet.device.base.name": "x",
                  "a.b": -9.500000, "kismet.device.base.frequency": 2412000 }"#,
            false,
        )
        .unwrap();
        assert!(!repaired);
        assert_eq!(
            s,
            r#"{"a.b":-9.5,"kismet.device.base.frequency":2412000,"kismet.device.base.name":"x"}"#
        );
    }

    #[test]
    fn underscore_rewrite_keeps_empty_containers() {
        let (s, _) = render(
            br#"{"a.b":{"c.d":[],"e.f":{}},"g":[{"h.i":1}],"j.k":"v.w"}"#,
            true,
        )
        .unwrap();
        assert_eq!(
            s,
            r#"{"a_b":{"c_d":[],"e_f":{}},"g":[{"h_i":1}],"j_k":"v.w"}"#
        );
    }

    #[test]
    fn kismet_encoding_faults_are_repaired() {
        // Raw GBK bytes in an SSID (not UTF-8).
        let (s, repaired) = render(b"{\"ssid\":\"\xc4\xe3\xba\xc3x\"}", false).unwrap();
        assert!(repaired);
        let v: Value = serde_json::from_str(&s).unwrap();
        assert!(v["ssid"].as_str().unwrap().ends_with('x'));
        // An unescaped newline and tab inside a string vector element.
        let (s, repaired) = render(b"{\"v\":[\"a\nb\",\"c\td\"]}", false).unwrap();
        assert!(repaired);
        assert_eq!(s, r#"{"v":["a\nb","c\td"]}"#);
    }

    #[test]
    fn non_json_records_are_refused_with_a_reason() {
        for bad in [&b""[..], b"  ", b"{", b"{\"a\":}", b"\x00\x01", b"nul"] {
            let e = render(bad, false).unwrap_err();
            assert!(e.contains("empty") || e.contains("not JSON"), "{e}");
        }
    }

    #[test]
    fn times_parse() {
        assert_eq!(parse_time("1700000000").unwrap(), 1_700_000_000);
        assert_eq!(parse_time("1970-01-01").unwrap(), 0);
        assert_eq!(parse_time("2017-10-03T15:03:21Z").unwrap(), 1_507_043_001);
        assert_eq!(parse_time("2017-10-03 15:03").unwrap(), 1_507_042_980);
        assert_eq!(parse_time("2000-02-29").unwrap(), 951_782_400);
        for bad in [
            "",
            "x",
            "2001-02-29",
            "2017-13-01",
            "2017-10-03T25:00",
            "1-2",
            "99999-1-1",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    fn device(phy: &str, mac: u8, first: i64, last: i64, json: &[u8]) -> DeviceRow<'static> {
        DeviceRow {
            first_time: first,
            last_time: last,
            devkey: None,
            phyname: phy.to_string().into(),
            devmac: MacAddr::new([2, 0, 0, 0, 0, mac]),
            strongest_signal: 0,
            min_lat: 0.0,
            min_lon: 0.0,
            max_lat: 0.0,
            max_lon: 0.0,
            avg_lat: 0.0,
            avg_lon: 0.0,
            bytes_data: 0,
            device_type: if phy == "BTLE" { "BTLE" } else { "Wi-Fi AP" }.into(),
            device: json.to_vec().into(),
        }
    }

    fn log() -> (tempfile::TempDir, std::path::PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("t.kismet");
        let mut w = Writer::create(&p, WriterOptions::default()).unwrap();
        w.insert_device(&device("IEEE802.11", 1, 100, 200, br#"{"k.a":1}"#))
            .unwrap();
        w.insert_device(&device("BTLE", 2, 300, 400, br#"{"k.b":{}}"#))
            .unwrap();
        w.insert_device(&device("IEEE802.11", 3, 500, 600, b"not json"))
            .unwrap();
        w.close().unwrap();
        (d, p)
    }

    #[test]
    fn dump_frames_filters_and_skips() {
        let (_d, p) = log();
        let r = Reader::open(&p).unwrap();
        let mut out = Vec::new();
        let s = dump_devices(&r, &DumpOptions::default(), &mut out).unwrap();
        assert_eq!((s.rows, s.written, s.filtered), (3, 2, 0));
        assert_eq!(s.skipped.len(), 1);
        assert_eq!(s.skipped[0].devmac, "02:00:00:00:00:03");
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "[\n{\"k.a\":1},\n{\"k.b\":{}}\n]\n"
        );
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v.as_array().unwrap().len(), 2);

        let mut out = Vec::new();
        let opts = DumpOptions {
            framing: Framing::Lines,
            underscore_keys: true,
            ..Default::default()
        };
        dump_devices(&r, &opts, &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"k_a\":1}\n{\"k_b\":{}}\n"
        );

        let mut out = Vec::new();
        let opts = DumpOptions {
            phys: vec!["btle".into()],
            ..Default::default()
        };
        let s = dump_devices(&r, &opts, &mut out).unwrap();
        assert_eq!((s.written, s.filtered), (1, 2));

        let mut out = Vec::new();
        let opts = DumpOptions {
            since: Some(250),
            until: Some(450),
            ..Default::default()
        };
        let s = dump_devices(&r, &opts, &mut out).unwrap();
        assert_eq!((s.written, s.filtered), (1, 2));
        let opts = DumpOptions {
            types: vec!["wi-fi ap".into()],
            framing: Framing::Lines,
            ..Default::default()
        };
        let mut out = Vec::new();
        let s = dump_devices(&r, &opts, &mut out).unwrap();
        assert_eq!((s.written, s.filtered, s.skipped.len()), (1, 1, 1));
    }

    #[test]
    fn empty_table_is_an_empty_array() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("e.kismet");
        Writer::create(&p, WriterOptions::default())
            .unwrap()
            .close()
            .unwrap();
        let r = Reader::open(&p).unwrap();
        let mut out = Vec::new();
        dump_devices(&r, &DumpOptions::default(), &mut out).unwrap();
        assert_eq!(out, b"[\n]\n");
        let mut out = Vec::new();
        let opts = DumpOptions {
            framing: Framing::Lines,
            ..Default::default()
        };
        dump_devices(&r, &opts, &mut out).unwrap();
        assert!(out.is_empty());
    }
}
