//! Kismet's `/logging/kismetdb/pcap/{title}.pcapng` export: the packets of a kismetdb log,
//! filtered by the request variables Kismet accepts, streamed as a pcapng.
//!
//! This module knows nothing of HTTP. The handler
//!
//! 1. takes the `{title}` path segment ([`split_title`], [`validate_title`]; the title is only
//!    the download name, see [`content_disposition`]),
//! 2. parses the request variables (query string and form body, in order) with
//!    [`parse_filter`] — a bad value is a [`FilterError`], status 400 —
//! 3. calls [`export`] (or [`export_spooled`]) with the log path and a writer that feeds the
//!    response body. Both block: run them on a blocking thread.
//!
//! The pcapng itself is written by `osprey log to-pcap`'s exporter
//! (`osprey_logtools::pcap::export_matching`), with Kismet's REST interface naming; this
//! module adds the request filters, the title rules and the spooling.
//!
//! Filters follow Kismet 2025-09-R1 (`kis_database_logfile::pcapng_endp_handler`), with these
//! deliberate differences:
//!
//! * Packets come out in capture-time order (`ORDER BY ts_sec, ts_usec`); Kismet has no
//!   `ORDER BY`, so its `limit` takes the first rows in file order, ours the earliest ones.
//! * One interface (IDB) per (datasource, link type). Kismet's database stream keys its
//!   interfaces by datasource only and labels every packet with the first packet's link type.
//! * Each packet carries Kismet's GPS custom option when its row has a location and its tags as
//!   `opt_comment`, as `kismetdb_to_pcap` writes them; the original length is
//!   `packet_full_len` (v9) rather than the stored length.
//! * GPS bounds of db_version ≤ 4 logs are compared in degrees (the reader converts the
//!   integer ×100 000 columns); Kismet compares the raw column.
//! * Values Kismet's `string_to_n` would half-parse (`12abc` → 12) or wrap (`-1` as unsigned)
//!   are refused with 400 instead of answered with a 500 or a wrapped number. The documented
//!   `seconds.microseconds` form of the timestamps is accepted; as in Kismet only the whole
//!   seconds are compared.

use std::fs::{File, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use kismetdb::{PacketRow, Reader, Uuid};

/// `shb_userappl` of the exported pcapng (Kismet writes `Kismet`).
pub const APPLICATION: &str = "Osprey";

/// Longest title accepted, in bytes.
pub const MAX_TITLE_LEN: usize = 128;

/// Longest `LIKE` pattern accepted, in bytes: SQLite's default
/// `SQLITE_MAX_LIKE_PATTERN_LENGTH`, past which Kismet's query fails.
pub const MAX_PATTERN_LEN: usize = 50_000;

/// Longest piece of a refused value quoted back in an error message.
const QUOTE_MAX: usize = 64;

/// The filters of one export request. Every field is one of Kismet's request variables; `None`
/// means the variable was not given. All given filters must hold (AND).
///
/// Text filters are SQL `LIKE` patterns as in Kismet: `%` matches any run of characters, `_`
/// one character, ASCII letters match either case, nothing is implied (`address_source=AA:BB`
/// matches only that exact text, `AA:BB%` any address starting so).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PcapFilter {
    /// `timestamp_start`: `ts_sec >= value` (whole seconds).
    pub timestamp_start: Option<u64>,
    /// `timestamp_end`: `ts_sec <= value` (whole seconds).
    pub timestamp_end: Option<u64>,
    /// `datasource`: the datasource UUID `LIKE` this pattern.
    pub datasource: Option<String>,
    /// `device_id`: the `packets.devkey` column `LIKE` this pattern. Kismet writes `"0"` in
    /// that column for every packet, so a real device key never matches (Kismet's behaviour).
    pub device_id: Option<String>,
    /// `dlt`: link type equal to the value.
    pub dlt: Option<u32>,
    /// `frequency`: frequency (kHz) equal to the value.
    pub frequency: Option<u32>,
    /// `frequency_min`: frequency (kHz) at least the value.
    pub frequency_min: Option<u32>,
    /// `frequency_max`: frequency (kHz) at most the value.
    pub frequency_max: Option<u32>,
    /// `signal_min`: signal (dBm) at least the value.
    pub signal_min: Option<i32>,
    /// `signal_max`: signal (dBm) at most the value.
    pub signal_max: Option<i32>,
    /// `address_source`: source MAC text `LIKE` this pattern.
    pub address_source: Option<String>,
    /// `address_dest`: destination MAC text `LIKE` this pattern.
    pub address_dest: Option<String>,
    /// `address_trans`: transmitter MAC text `LIKE` this pattern.
    pub address_trans: Option<String>,
    /// `location_lat_min`: latitude (degrees) at least the value.
    pub location_lat_min: Option<f64>,
    /// `location_lat_max`: latitude (degrees) at most the value.
    pub location_lat_max: Option<f64>,
    /// `location_lon_min`: longitude (degrees) at least the value.
    pub location_lon_min: Option<f64>,
    /// `location_lon_max`: longitude (degrees) at most the value.
    pub location_lon_max: Option<f64>,
    /// `size_min`: `packet_len` at least the value.
    pub size_min: Option<u64>,
    /// `size_max`: `packet_len` at most the value.
    pub size_max: Option<u64>,
    /// `tag`: the space-separated tags `LIKE` this pattern (use `%TAG%` to find one tag).
    pub tag: Option<String>,
    /// `limit`: at most this many packets (`0` exports none, as SQL `LIMIT 0`).
    pub limit: Option<u64>,
}

/// A request variable or title that cannot be used. Every variant answers HTTP 400.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// A value does not parse as the variable's type.
    #[error("invalid value for `{variable}`: {value:?} is not {expected}")]
    InvalidValue {
        /// The request variable.
        variable: &'static str,
        /// The value (its first 64 characters).
        value: String,
        /// What the variable takes.
        expected: &'static str,
    },
    /// A `LIKE` pattern longer than SQLite allows.
    #[error("`{variable}` is {len} bytes long; a pattern may be at most {max} bytes")]
    PatternTooLong {
        /// The request variable.
        variable: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The `{title}` of the URL cannot be a download name.
    #[error("invalid title: {reason}")]
    InvalidTitle {
        /// Why.
        reason: &'static str,
    },
}

impl FilterError {
    /// HTTP status of the error: always 400 (Bad Request).
    pub fn status(&self) -> u16 {
        400
    }

    /// The request variable at fault (`title` for the URL's title).
    pub fn variable(&self) -> &'static str {
        match self {
            FilterError::InvalidValue { variable, .. }
            | FilterError::PatternTooLong { variable, .. } => variable,
            FilterError::InvalidTitle { .. } => "title",
        }
    }
}

/// Why an export failed.
///
/// Once [`export`] has written the first bytes the response status is sent; a later
/// [`ExportError::Read`] can only end the body early (the output then holds whole blocks up to
/// the failure), and an [`ExportError::Write`] means the client went away.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The log could not be opened (missing, not a kismetdb, busy, not closed cleanly).
    #[error("cannot open the log: {0}")]
    Open(#[source] kismetdb::Error),
    /// Reading packets failed part way (busy, damaged file, undecodable row).
    #[error("reading the log failed: {0}")]
    Read(#[source] kismetdb::Error),
    /// Writing the pcapng failed (the output or spool file).
    #[error("writing the pcapng failed: {0}")]
    Write(#[source] io::Error),
}

impl ExportError {
    /// HTTP status for the error when nothing has been sent yet: 404 when the log does not
    /// exist, 503 when it is locked by a writer or holds a hot journal (try again later), 500
    /// otherwise.
    pub fn status(&self) -> u16 {
        match self {
            ExportError::Open(kismetdb::Error::NotFound { .. })
            | ExportError::Open(kismetdb::Error::NotAFile { .. }) => 404,
            ExportError::Open(e) | ExportError::Read(e) if is_unavailable(e) => 503,
            _ => 500,
        }
    }
}

/// True for errors that go away once the writer is done: a lock held past the reader's busy
/// timeout, or the hot journal of an unfinished transaction.
fn is_unavailable(e: &kismetdb::Error) -> bool {
    match e {
        kismetdb::Error::HotJournal { .. } => true,
        // The kismetdb crate keeps SQLite's error as its source; SQLITE_BUSY / SQLITE_LOCKED
        // read "database is locked" / "database table is locked".
        kismetdb::Error::Sqlite { source, .. } => source.to_string().contains("is locked"),
        _ => false,
    }
}

/// Counters of one export.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExportStats {
    /// Packet rows read from the log.
    pub rows: u64,
    /// Packets written.
    pub packets: u64,
    /// Captured bytes written (frame data, without pcapng framing).
    pub bytes: u64,
    /// Interfaces (IDBs) written.
    pub interfaces: u32,
    /// Matching rows left out because pcapng cannot hold them (negative time, or a link type
    /// outside 0..=65535).
    pub skipped: u64,
    /// Frames cut to `osprey_logtools::pcap::SNAPLEN` (what libpcap readers accept); their
    /// original length is kept.
    pub truncated: u64,
}

// ---------------------------------------------------------------------------------------------
// Parsing

/// Parses request variables (name, value; already URL-decoded) into a filter.
///
/// As in Kismet, unknown variables are ignored and when a variable is given twice the last
/// value wins. A value that does not parse, or a pattern longer than [`MAX_PATTERN_LEN`], is
/// an error naming the variable.
pub fn parse_filter(vars: &[(String, String)]) -> Result<PcapFilter, FilterError> {
    let mut f = PcapFilter::default();
    for (name, value) in vars {
        match name.as_str() {
            "timestamp_start" => f.timestamp_start = Some(timestamp("timestamp_start", value)?),
            "timestamp_end" => f.timestamp_end = Some(timestamp("timestamp_end", value)?),
            "datasource" => f.datasource = Some(pattern("datasource", value)?),
            "device_id" => f.device_id = Some(pattern("device_id", value)?),
            "dlt" => f.dlt = Some(number("dlt", value, U32)?),
            "frequency" => f.frequency = Some(number("frequency", value, U32)?),
            "frequency_min" => f.frequency_min = Some(number("frequency_min", value, U32)?),
            "frequency_max" => f.frequency_max = Some(number("frequency_max", value, U32)?),
            "signal_min" => f.signal_min = Some(number("signal_min", value, I32)?),
            "signal_max" => f.signal_max = Some(number("signal_max", value, I32)?),
            "address_source" => f.address_source = Some(pattern("address_source", value)?),
            "address_dest" => f.address_dest = Some(pattern("address_dest", value)?),
            "address_trans" => f.address_trans = Some(pattern("address_trans", value)?),
            "location_lat_min" => f.location_lat_min = Some(degrees("location_lat_min", value)?),
            "location_lat_max" => f.location_lat_max = Some(degrees("location_lat_max", value)?),
            "location_lon_min" => f.location_lon_min = Some(degrees("location_lon_min", value)?),
            "location_lon_max" => f.location_lon_max = Some(degrees("location_lon_max", value)?),
            "size_min" => f.size_min = Some(number("size_min", value, U64)?),
            "size_max" => f.size_max = Some(number("size_max", value, U64)?),
            "tag" => f.tag = Some(pattern("tag", value)?),
            "limit" => f.limit = Some(number("limit", value, U64)?),
            _ => {}
        }
    }
    Ok(f)
}

const U32: &str = "an unsigned 32-bit integer";
const I32: &str = "a 32-bit integer";
const U64: &str = "an unsigned 64-bit integer";

fn invalid(variable: &'static str, value: &str, expected: &'static str) -> FilterError {
    FilterError::InvalidValue {
        variable,
        value: value.chars().take(QUOTE_MAX).collect(),
        expected,
    }
}

fn number<T: std::str::FromStr>(
    variable: &'static str,
    value: &str,
    expected: &'static str,
) -> Result<T, FilterError> {
    value
        .trim()
        .parse::<T>()
        .map_err(|_| invalid(variable, value, expected))
}

/// Whole seconds, optionally followed by a fraction (`1700000000.250000`), which is dropped.
fn timestamp(variable: &'static str, value: &str) -> Result<u64, FilterError> {
    const EXPECTED: &str = "a time in seconds since the epoch (an unsigned integer, \
                            optionally with a decimal fraction)";
    let v = value.trim();
    let (whole, frac) = v.split_once('.').unwrap_or((v, ""));
    if !frac.bytes().all(|b| b.is_ascii_digit()) || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid(variable, value, EXPECTED));
    }
    whole
        .parse::<u64>()
        .map_err(|_| invalid(variable, value, EXPECTED))
}

fn degrees(variable: &'static str, value: &str) -> Result<f64, FilterError> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|d| d.is_finite())
        .ok_or_else(|| invalid(variable, value, "a finite number of degrees"))
}

fn pattern(variable: &'static str, value: &str) -> Result<String, FilterError> {
    if value.len() > MAX_PATTERN_LEN {
        return Err(FilterError::PatternTooLong {
            variable,
            len: value.len(),
            max: MAX_PATTERN_LEN,
        });
    }
    Ok(value.to_string())
}

// ---------------------------------------------------------------------------------------------
// Title

/// Checks the `{title}` of `/logging/kismetdb/pcap/{title}.pcapng` (already URL-decoded).
///
/// The title only names the download; it must never reach a file path. Refused: an empty
/// title, more than [`MAX_TITLE_LEN`] bytes, `/` or `\`, `..`, control characters, `"` (it
/// would end the quoted `filename` of the `Content-Disposition` header) and the invisible
/// Unicode formatting characters used to disguise file names (bidirectional overrides,
/// zero-width characters, BOM).
pub fn validate_title(title: &str) -> Result<(), FilterError> {
    let bad = |reason| Err(FilterError::InvalidTitle { reason });
    if title.is_empty() {
        return bad("the title is empty");
    }
    if title.len() > MAX_TITLE_LEN {
        return bad("the title is longer than 128 bytes");
    }
    if title.contains(['/', '\\']) {
        return bad("the title contains a path separator");
    }
    if title.contains("..") {
        return bad("the title contains `..`");
    }
    if title.chars().any(char::is_control) {
        return bad("the title contains a control character");
    }
    if title.contains('"') {
        return bad("the title contains a double quote");
    }
    if title.chars().any(is_invisible_format) {
        return bad("the title contains an invisible formatting character");
    }
    Ok(())
}

fn is_invisible_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The title of a `{title}.pcapng` path segment, or `None` when the segment does not end in
/// `.pcapng` (Kismet's route only matches that extension).
pub fn split_title(segment: &str) -> Option<&str> {
    segment.strip_suffix(".pcapng")
}

/// The download name Kismet gives the export: `{title}.pcapng`.
pub fn download_name(title: &str) -> String {
    format!("{title}.pcapng")
}

/// A `Content-Disposition` header value naming the download `{title}.pcapng`, for a title
/// that passed [`validate_title`]. The value is plain ASCII: non-ASCII titles get an ASCII
/// `filename` (other characters as `_`) plus the exact name as RFC 5987 `filename*`.
pub fn content_disposition(title: &str) -> String {
    let name = download_name(title);
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                if c == '"' || c == '\\' {
                    '_'
                } else {
                    c
                }
            } else {
                '_'
            }
        })
        .collect();
    if ascii == name {
        return format!("attachment; filename=\"{name}\"");
    }
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(char::from(b));
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

// ---------------------------------------------------------------------------------------------
// Matching

/// SQLite's `LIKE` without `ESCAPE`: `%` any run of characters (also none), `_` exactly one
/// character, ASCII letters case-insensitive, everything else compared exactly.
fn like(pattern: &str, text: &str) -> bool {
    let (mut p, mut t) = (pattern, text);
    // Where to resume after the last `%`: (pattern after it, text it has absorbed up to).
    let mut star: Option<(&str, &str)> = None;
    loop {
        let mut pc = p.chars();
        match pc.next() {
            Some('%') => {
                p = pc.as_str();
                star = Some((p, t));
                continue;
            }
            Some(c) => {
                let mut tc = t.chars();
                if let Some(x) = tc.next() {
                    if c == '_' || c.eq_ignore_ascii_case(&x) {
                        p = pc.as_str();
                        t = tc.as_str();
                        continue;
                    }
                }
            }
            None if t.is_empty() => return true,
            None => {}
        }
        // Mismatch: let the last `%` absorb one more character, or fail.
        let Some((sp, st)) = star else {
            return false;
        };
        let mut tc = st.chars();
        if tc.next().is_none() {
            return false;
        }
        t = tc.as_str();
        p = sp;
        star = Some((sp, t));
    }
}

fn like_opt(pattern: &Option<String>, text: &str) -> bool {
    pattern.as_deref().is_none_or(|p| like(p, text))
}

fn like_mac(pattern: &Option<String>, mac: &kismetdb::MacAddr) -> bool {
    match pattern {
        None => true,
        Some(p) => {
            let mut buf = [0u8; kismetdb::MacAddr::MAX_TEXT_LEN];
            like(p, mac.write_text(&mut buf))
        }
    }
}

impl PcapFilter {
    /// True when no variable was given (every packet matches and there is no limit).
    pub fn is_empty(&self) -> bool {
        *self == PcapFilter::default()
    }

    /// True when a packet row passes every given filter (`limit` is not a row filter).
    pub fn matches(&self, p: &PacketRow<'_>) -> bool {
        fn ge<T: PartialOrd>(bound: Option<T>, v: T) -> bool {
            bound.is_none_or(|b| v >= b)
        }
        fn le<T: PartialOrd>(bound: Option<T>, v: T) -> bool {
            bound.is_none_or(|b| v <= b)
        }
        let sec = i128::from(p.ts.sec);
        let freq = p.frequency;
        ge(self.timestamp_start.map(i128::from), sec)
            && le(self.timestamp_end.map(i128::from), sec)
            && self.dlt.is_none_or(|d| i64::from(p.dlt) == i64::from(d))
            && self.frequency.is_none_or(|f| freq == f64::from(f))
            && ge(self.frequency_min.map(f64::from), freq)
            && le(self.frequency_max.map(f64::from), freq)
            && ge(self.signal_min, p.signal)
            && le(self.signal_max, p.signal)
            && ge(self.location_lat_min, p.gps.lat)
            && le(self.location_lat_max, p.gps.lat)
            && ge(self.location_lon_min, p.gps.lon)
            && le(self.location_lon_max, p.gps.lon)
            && ge(self.size_min.map(i128::from), i128::from(p.packet_len))
            && le(self.size_max.map(i128::from), i128::from(p.packet_len))
            && like_mac(&self.address_source, &p.sourcemac)
            && like_mac(&self.address_dest, &p.destmac)
            && like_mac(&self.address_trans, &p.transmac)
            && like_opt(&self.device_id, &p.devkey)
            && like_opt(&self.tag, &p.tags)
            && match &self.datasource {
                None => true,
                Some(pat) => {
                    let mut buf = [0u8; Uuid::TEXT_LEN];
                    like(pat, p.datasource.write_text(&mut buf))
                }
            }
    }
}

// ---------------------------------------------------------------------------------------------
// Export

/// Writes the packets of the kismetdb log at `log` that pass `filter` to `out` as a pcapng, in
/// capture-time order, and flushes `out`.
///
/// The log is opened read-only, so it may be written by another connection at the same time:
/// the export sees what was committed when its query started. A lock held by a writer longer
/// than the reader's busy timeout (5 s) is an error ([`ExportError::status`] 503) rather than
/// a wait. Memory use does not depend on the size of the log: rows are streamed one at a time
/// (SQLite sorts them in its own bounded cache and temporary files).
///
/// The pcapng has one section (`shb_userappl` = [`APPLICATION`]) and one interface per
/// (datasource, link type), declared before its first packet, named as Kismet's database
/// export names them: `if_name` = the datasource's name, `if_description` =
/// `kismetdb stored interface {name} {uuid}`; packets of a datasource the log does not list
/// go to Kismet's placeholder (`lo`, `kismetdb stored interface lo 0`). Packets carry the
/// tags as a comment and Kismet's GPS option when the row has a location.
///
/// While the query runs the log stays read-locked; a writer needs that lock released to
/// commit. When `out` may be slow (a remote client), prefer [`export_spooled`].
pub fn export(
    log: &Path,
    filter: &PcapFilter,
    out: &mut dyn Write,
) -> Result<ExportStats, ExportError> {
    use osprey_logtools::pcap as lt;
    let reader = Reader::open(log).map_err(ExportError::Open)?;
    let options = lt::ExportOptions {
        application: APPLICATION.to_string(),
        naming: lt::InterfaceNaming::Rest,
        order: lt::Order::Time,
        limit: filter.limit,
        ..lt::ExportOptions::default()
    };
    let s =
        lt::export_matching(&reader, &|p| filter.matches(p), &options, out, None).map_err(|e| {
            match e {
                lt::Error::Read(e) => ExportError::Read(e),
                lt::Error::Write(e) => ExportError::Write(e),
                other => ExportError::Write(io::Error::other(other.to_string())),
            }
        })?;
    Ok(ExportStats {
        rows: s.rows,
        packets: s.packets,
        bytes: s.bytes,
        interfaces: s.interfaces,
        skipped: s.skipped,
        truncated: s.truncated,
    })
}

/// Like [`export`], but writes the pcapng to a temporary file in `spool_dir` first and copies
/// it to `out` after the log is closed, so the log is read-locked only for as long as the
/// local pass takes, however slowly `out` drains. The temporary file is removed afterwards
/// (also on errors); it needs as much disk as the export's output.
pub fn export_spooled(
    log: &Path,
    filter: &PcapFilter,
    spool_dir: &Path,
    out: &mut dyn Write,
) -> Result<ExportStats, ExportError> {
    let spool = Spool::create(spool_dir).map_err(ExportError::Write)?;
    let mut file = &spool.file;
    let stats = export(log, filter, &mut file)?;
    file.seek(SeekFrom::Start(0)).map_err(ExportError::Write)?;
    io::copy(&mut file, out).map_err(ExportError::Write)?;
    out.flush().map_err(ExportError::Write)?;
    Ok(stats)
}

/// A temporary file removed when dropped.
struct Spool {
    file: File,
    path: PathBuf,
}

impl Spool {
    fn create(dir: &Path) -> io::Result<Spool> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        for _ in 0..16 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!(
                ".osprey-pcap-export-{}-{nanos}-{n}.pcapng",
                std::process::id()
            ));
            match OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => return Ok(Spool { file, path }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("no free spool file name in {}", dir.display()),
        ))
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kismetdb::{DatasourceRow, GpsFix, MacAddr, Table, Timestamp, Writer, WriterOptions};
    use osprey_capture::{Flow, Frame};
    use std::borrow::Cow;

    fn vars(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    fn reference(name: &str) -> PathBuf {
        let dir = match std::env::var_os("OSPREY_SHARED_DATA") {
            Some(d) => PathBuf::from(d),
            None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
        };
        let p = dir.join("reference").join(name);
        assert!(
            p.is_file(),
            "reference log missing: {} (set OSPREY_SHARED_DATA)",
            p.display()
        );
        p
    }

    /// (interface, dlt, ts, data, orig_len) of every frame of a capture file.
    type Frames = Vec<(u32, u32, Timestamp, Vec<u8>, u32)>;

    fn read_frames(path: &Path) -> Frames {
        let mut got = Vec::new();
        osprey_capture::for_each_frame(path, &mut |fr: &Frame<'_>| {
            got.push((fr.interface, fr.dlt, fr.ts, fr.data.to_vec(), fr.orig_len));
            Flow::Continue
        })
        .unwrap();
        got
    }

    /// Exports to a file in `dir`, returning the stats, the frames read back and the bytes.
    fn export_to(dir: &Path, log: &Path, filter: &PcapFilter) -> (ExportStats, Frames, Vec<u8>) {
        let out = dir.join("out.pcapng");
        let mut f = File::create(&out).unwrap();
        let stats = export(log, filter, &mut f).unwrap();
        drop(f);
        let frames = read_frames(&out);
        assert_eq!(frames.len() as u64, stats.packets);
        let bytes = std::fs::read(&out).unwrap();
        (stats, frames, bytes)
    }

    /// Every packet row of a log, owned, in time order.
    fn rows(log: &Path) -> Vec<PacketRow<'static>> {
        let r = Reader::open(log).unwrap();
        let mut q = r.packets_by_time().unwrap();
        let v: Vec<_> = q.rows().map(|r| r.unwrap()).collect();
        v
    }

    fn tshark_check(path: &Path, expect: u64) {
        let run = std::process::Command::new("tshark")
            .arg("-r")
            .arg(path)
            .args(["-T", "fields", "-e", "frame.number"])
            .output();
        match run {
            Ok(o) => {
                assert!(
                    o.status.success(),
                    "tshark -r failed: {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                let n = String::from_utf8_lossy(&o.stdout).lines().count() as u64;
                assert_eq!(n, expect, "tshark counts the frames");
            }
            Err(e) => println!("note: tshark not runnable ({e}); skipping the tshark check"),
        }
    }

    // -- LIKE ---------------------------------------------------------------------------------

    #[test]
    fn like_follows_sqlite() {
        assert!(like("", ""));
        assert!(!like("", "a"));
        assert!(like("%", ""));
        assert!(like("%", "anything"));
        assert!(like("abc", "ABC"));
        assert!(like("aa:bb%", "AA:BB:CC:DD:EE:FF"));
        assert!(like("%:FF", "AA:BB:CC:DD:EE:FF"));
        assert!(!like("AA:BB", "AA:BB:CC:DD:EE:FF"));
        assert!(like("a_c", "abc"));
        assert!(!like("a_c", "ac"));
        assert!(like("%a%b%c%", "xxaxxbxxcxx"));
        assert!(!like("%a%b%c%", "xxaxxcxxbxx"));
        assert!(like("%DOT11_WPAHANDSHAKE%", "ALERT DOT11_WPAHANDSHAKE"));
        assert!(like("a%%b", "ab"));
        // `_` is one character, not one byte; only ASCII folds case.
        assert!(like("_", "é"));
        assert!(!like("É", "é"));
        assert!(like("%é_", "xéz"));
        // Pathological backtracking stays polynomial.
        let text = "a".repeat(2000);
        let pat = format!("{}b", "%a".repeat(200));
        assert!(!like(&pat, &text));
    }

    // -- parsing ------------------------------------------------------------------------------

    #[test]
    fn every_kismet_variable_parses() {
        let f = parse_filter(&vars(&[
            ("timestamp_start", "1700000000"),
            ("timestamp_end", "1700000100.750000"),
            ("datasource", "5FE308BD-%"),
            ("device_id", "0"),
            ("dlt", "127"),
            ("frequency", "2437000"),
            ("frequency_min", "2400000"),
            ("frequency_max", "2500000"),
            ("signal_min", "-80"),
            ("signal_max", "-10"),
            ("address_source", "AA:BB:CC:DD:EE:FF"),
            ("address_dest", "FF:FF:FF:FF:FF:FF"),
            ("address_trans", "%"),
            ("location_lat_min", "-33.9"),
            ("location_lat_max", "51.5"),
            ("location_lon_min", "-0.2"),
            ("location_lon_max", "151.2e0"),
            ("size_min", " 10 "),
            ("size_max", "1500"),
            ("tag", "%DOT11_BEACON_SSID%"),
            ("limit", "25"),
            ("channel", "6"),
            ("json", "{}"),
        ]))
        .unwrap();
        let want = PcapFilter {
            timestamp_start: Some(1_700_000_000),
            timestamp_end: Some(1_700_000_100),
            datasource: Some("5FE308BD-%".into()),
            device_id: Some("0".into()),
            dlt: Some(127),
            frequency: Some(2_437_000),
            frequency_min: Some(2_400_000),
            frequency_max: Some(2_500_000),
            signal_min: Some(-80),
            signal_max: Some(-10),
            address_source: Some("AA:BB:CC:DD:EE:FF".into()),
            address_dest: Some("FF:FF:FF:FF:FF:FF".into()),
            address_trans: Some("%".into()),
            location_lat_min: Some(-33.9),
            location_lat_max: Some(51.5),
            location_lon_min: Some(-0.2),
            location_lon_max: Some(151.2),
            size_min: Some(10),
            size_max: Some(1500),
            tag: Some("%DOT11_BEACON_SSID%".into()),
            limit: Some(25),
        };
        assert_eq!(f, want);
        assert!(!f.is_empty());
        assert!(parse_filter(&[]).unwrap().is_empty());
        // Unknown variables alone leave the filter empty; the last of a repeated one wins.
        assert!(parse_filter(&vars(&[("user", "x")])).unwrap().is_empty());
        let f = parse_filter(&vars(&[("dlt", "105"), ("dlt", "127")])).unwrap();
        assert_eq!(f.dlt, Some(127));
    }

    #[test]
    fn bad_values_are_400_naming_the_variable() {
        let cases: &[(&str, &str)] = &[
            ("timestamp_start", "yesterday"),
            ("timestamp_start", "-5"),
            ("timestamp_start", ""),
            ("timestamp_end", "1.5e9"),
            ("timestamp_end", "18446744073709551616"),
            ("timestamp_end", "12.3x"),
            ("dlt", "abc"),
            ("dlt", "-1"),
            ("dlt", "4294967296"),
            ("dlt", "12abc"),
            ("frequency", "2437.5"),
            ("frequency_min", ""),
            ("frequency_max", "0x10"),
            ("signal_min", "-2147483649"),
            ("signal_max", "strong"),
            ("location_lat_min", "nan"),
            ("location_lat_max", "inf"),
            ("location_lon_min", "north"),
            ("location_lon_max", "1,5"),
            ("size_min", "-1"),
            ("size_max", "big"),
            ("limit", "-10"),
            ("limit", "ten"),
        ];
        for (var, value) in cases {
            let e = parse_filter(&vars(&[("dlt", "127"), (var, value)])).unwrap_err();
            assert_eq!(e.status(), 400, "{var}={value}");
            assert_eq!(e.variable(), *var);
            let msg = e.to_string();
            assert!(msg.contains(var), "{msg}");
        }
        // Hostile values are quoted short and escaped.
        let long = format!("\u{1b}[31m{}", "9".repeat(10_000));
        let e = parse_filter(&vars(&[("limit", &long)])).unwrap_err();
        let msg = e.to_string();
        assert!(msg.len() < 300 && !msg.contains('\u{1b}'), "{msg}");
        // Over-long patterns.
        let e = parse_filter(&vars(&[("tag", &"%".repeat(MAX_PATTERN_LEN + 1))])).unwrap_err();
        assert_eq!((e.status(), e.variable()), (400, "tag"));
        assert!(parse_filter(&vars(&[("tag", &"%".repeat(MAX_PATTERN_LEN))])).is_ok());
    }

    // -- titles -------------------------------------------------------------------------------

    #[test]
    fn titles_cannot_traverse_paths() {
        for ok in [
            "Kismet-20250915-12-34-56-1",
            "capture 1",
            "a.b",
            "日本語",
            "x",
        ] {
            assert_eq!(validate_title(ok), Ok(()), "{ok}");
        }
        let long = "a".repeat(MAX_TITLE_LEN + 1);
        let bad = [
            "",
            "..",
            "../../etc/passwd",
            "..\\..\\boot.ini",
            "a/b",
            "/abs",
            "a\\b",
            "x..y",
            "a\nb",
            "a\rContent-Type: text/html",
            "nul\0byte",
            "tab\t",
            "del\u{7f}",
            "c1\u{85}",
            "q\"uote",
            "gpj.\u{202E}exe",
            "zero\u{200B}width",
            long.as_str(),
        ];
        for b in bad {
            let e = validate_title(b).unwrap_err();
            assert_eq!((e.status(), e.variable()), (400, "title"), "{b:?}");
        }
        assert_eq!(validate_title(&"a".repeat(MAX_TITLE_LEN)), Ok(()));
        // 43 three-byte characters = 129 bytes.
        assert!(validate_title(&"語".repeat(43)).is_err());
    }

    #[test]
    fn title_helpers() {
        assert_eq!(split_title("log.pcapng"), Some("log"));
        assert_eq!(split_title("a.b.pcapng"), Some("a.b"));
        assert_eq!(split_title("log.pcap"), None);
        assert_eq!(download_name("log"), "log.pcapng");
        assert_eq!(
            content_disposition("my log"),
            "attachment; filename=\"my log.pcapng\""
        );
        let cd = content_disposition("café");
        assert_eq!(
            cd,
            "attachment; filename=\"caf_.pcapng\"; filename*=UTF-8''caf%C3%A9.pcapng"
        );
        assert!(cd.is_ascii());
    }

    // -- export of Kismet's reference logs ----------------------------------------------------

    #[test]
    fn reference_log_exports_every_packet_in_time_order() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "aircrack_capture_wds-01.kismet",
            "aircrack_test1.kismet",
            "packetnet_80211_ppi_multiplefields.kismet",
        ] {
            let log = reference(name);
            let want = rows(&log);
            let reader = Reader::open(&log).unwrap();
            assert_eq!(reader.count(Table::Packets).unwrap(), want.len() as u64);
            let (stats, frames, _) = export_to(dir.path(), &log, &PcapFilter::default());
            assert_eq!(stats.rows, want.len() as u64, "{name}");
            assert_eq!(stats.packets, want.len() as u64, "{name}");
            assert_eq!((stats.skipped, stats.truncated), (0, 0));
            assert_eq!(stats.interfaces, 1, "{name}: one source, one link type");
            let want_bytes: u64 = want.iter().map(|p| p.packet.len() as u64).sum();
            assert_eq!(stats.bytes, want_bytes);
            let got_bytes: u64 = frames.iter().map(|f| f.3.len() as u64).sum();
            assert_eq!(got_bytes, want_bytes);
            assert!(frames.windows(2).all(|w| w[0].2 <= w[1].2), "time order");
            for (f, p) in frames.iter().zip(&want) {
                assert_eq!(f.1, p.dlt as u32);
                assert_eq!(f.2, p.ts);
                assert_eq!(f.3, p.packet.as_ref());
                assert_eq!(i64::from(f.4), p.packet_full_len.max(p.packet.len() as i64));
            }
            tshark_check(&dir.path().join("out.pcapng"), stats.packets);
        }
    }

    #[test]
    fn interface_is_named_after_the_datasource() {
        let dir = tempfile::tempdir().unwrap();
        let log = reference("aircrack_wpa.kismet");
        let (_, _, bytes) = export_to(dir.path(), &log, &PcapFilter::default());
        let r = Reader::open(&log).unwrap();
        let ds = r.datasources().unwrap().rows().next().unwrap().unwrap();
        let desc = format!("kismetdb stored interface {} {}", ds.name, ds.uuid);
        let has = |s: &str| bytes.windows(s.len()).any(|w| w == s.as_bytes());
        assert!(has(&desc), "{desc}");
        assert!(has(APPLICATION));
    }

    /// Exports with `vars` and checks the packets are exactly the rows `keep` selects.
    fn check_filter(
        dir: &Path,
        log: &Path,
        all: &[PacketRow<'static>],
        v: &[(&str, &str)],
        keep: impl Fn(&PacketRow<'_>) -> bool,
    ) -> u64 {
        let filter = parse_filter(&vars(v)).unwrap();
        let (stats, frames, _) = export_to(dir, log, &filter);
        let want: Vec<_> = all.iter().filter(|p| keep(p)).collect();
        assert_eq!(stats.packets, want.len() as u64, "{v:?}");
        for (f, p) in frames.iter().zip(&want) {
            assert_eq!((f.2, f.3.as_slice()), (p.ts, p.packet.as_ref()), "{v:?}");
        }
        stats.packets
    }

    #[test]
    fn filters_narrow_a_reference_log() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        let log = reference("aircrack_test1.kismet");
        let all = rows(&log);
        let n = all.len() as u64;
        assert!(n > 100);

        // Timestamps: whole seconds, inclusive at both ends.
        let mid = all[all.len() / 2].ts.sec;
        let late = check_filter(
            dir,
            &log,
            &all,
            &[("timestamp_start", &mid.to_string())],
            |p| p.ts.sec >= mid,
        );
        let early = check_filter(
            dir,
            &log,
            &all,
            &[("timestamp_end", &format!("{mid}.999999"))],
            |p| p.ts.sec <= mid,
        );
        assert!(late > 0 && late < n && early > 0 && early < n);
        let same = all.iter().filter(|p| p.ts.sec == mid).count() as u64;
        assert_eq!(late + early, n + same);
        let s = mid.to_string();
        check_filter(
            dir,
            &log,
            &all,
            &[("timestamp_start", &s), ("timestamp_end", &s)],
            |p| p.ts.sec == mid,
        );

        // Link type.
        assert_eq!(
            check_filter(dir, &log, &all, &[("dlt", "127")], |p| p.dlt == 127),
            n
        );
        assert_eq!(
            check_filter(dir, &log, &all, &[("dlt", "105")], |_| false),
            0
        );

        // Source MAC: exact (any case), prefix, single-character wildcard.
        let mac = all
            .iter()
            .map(|p| p.sourcemac)
            .find(|m| !m.is_zero())
            .unwrap();
        let text = mac.to_string();
        let k = check_filter(dir, &log, &all, &[("address_source", &text)], |p| {
            p.sourcemac == mac
        });
        assert!(k > 0 && k < n);
        let lower = text.to_ascii_lowercase();
        check_filter(dir, &log, &all, &[("address_source", &lower)], |p| {
            p.sourcemac == mac
        });
        let prefix = format!("{}%", &text[..8]);
        check_filter(dir, &log, &all, &[("address_source", &prefix)], |p| {
            p.sourcemac.to_string().starts_with(&text[..8])
        });
        let one = format!("_{}", &text[1..]);
        check_filter(dir, &log, &all, &[("address_source", &one)], |p| {
            p.sourcemac.to_string()[1..] == text[1..]
        });
        check_filter(
            dir,
            &log,
            &all,
            &[("address_dest", "FF:FF:FF:FF:FF:FF")],
            |p| p.destmac == MacAddr::BROADCAST,
        );
        check_filter(
            dir,
            &log,
            &all,
            &[("address_trans", "00:00:00:00:00:00")],
            |p| p.transmac.is_zero(),
        );

        // Sizes, frequency, signal.
        let k = check_filter(
            dir,
            &log,
            &all,
            &[("size_min", "100"), ("size_max", "300")],
            |p| (100..=300).contains(&p.packet_len),
        );
        assert!(k > 0 && k < n);
        let f = all[0].frequency;
        check_filter(
            dir,
            &log,
            &all,
            &[("frequency", &(f as u64).to_string())],
            |p| p.frequency == f,
        );
        check_filter(dir, &log, &all, &[("frequency_min", "5000000")], |p| {
            p.frequency >= 5_000_000.0
        });
        check_filter(dir, &log, &all, &[("frequency_max", "3000000")], |p| {
            p.frequency <= 3_000_000.0
        });
        check_filter(dir, &log, &all, &[("signal_min", "-60")], |p| {
            p.signal >= -60
        });
        check_filter(dir, &log, &all, &[("signal_max", "-60")], |p| {
            p.signal <= -60
        });

        // Tags: no implicit wildcard.
        let k = check_filter(dir, &log, &all, &[("tag", "%DOT11_%")], |p| {
            p.tags.contains("DOT11_")
        });
        assert!(k > 0 && k < n);
        check_filter(dir, &log, &all, &[("tag", "DOT11")], |p| p.tags == "DOT11");

        // Datasource (case-insensitive LIKE on the UUID text), device_id ("0" everywhere).
        let uuid = all[0].datasource.to_string();
        check_filter(
            dir,
            &log,
            &all,
            &[("datasource", &uuid.to_lowercase())],
            |_| true,
        );
        check_filter(dir, &log, &all, &[("datasource", "nope%")], |_| false);
        check_filter(dir, &log, &all, &[("device_id", "0")], |p| p.devkey == "0");
        check_filter(dir, &log, &all, &[("device_id", "4202770D%")], |_| false);

        // Location: reference logs have none (lat = lon = 0).
        check_filter(dir, &log, &all, &[("location_lat_min", "1")], |_| false);
        check_filter(dir, &log, &all, &[("location_lat_max", "0")], |_| true);

        // Limit: the earliest packets; 0 exports nothing.
        let got = check_filter(dir, &log, &all, &[("limit", "5")], {
            let cut = all[4].ts;
            move |p| p.ts <= cut
        });
        assert_eq!(got, 5);
        check_filter(dir, &log, &all, &[("limit", "0")], |_| false);
        check_filter(dir, &log, &all, &[("limit", "100000")], |_| true);
        check_filter(
            dir,
            &log,
            &all,
            &[("address_source", &text), ("limit", "2")],
            {
                let firsts: Vec<Timestamp> = all
                    .iter()
                    .filter(|p| p.sourcemac == mac)
                    .take(2)
                    .map(|p| p.ts)
                    .collect();
                move |p| p.sourcemac == mac && firsts.contains(&p.ts)
            },
        );
    }

    // -- Osprey-written logs ------------------------------------------------------------------

    const SRC_A: &str = "5FE308BD-0000-0000-0000-00C0CA112233";
    const SRC_B: &str = "4E1D07C3-0000-0000-0000-0000AABBCCDD";

    fn packet(sec: i64, source: &str, dlt: i32, body: &[u8]) -> PacketRow<'static> {
        PacketRow {
            ts: Timestamp::new(sec, 250),
            phyname: Cow::Borrowed("IEEE802.11"),
            sourcemac: "02:00:00:00:00:01".parse().unwrap(),
            destmac: MacAddr::BROADCAST,
            transmac: MacAddr::ZERO,
            frequency: 2_437_000.0,
            devkey: Cow::Borrowed("0"),
            gps: GpsFix::default(),
            packet_len: body.len() as i64,
            signal: -40,
            datasource: source.parse().unwrap(),
            dlt,
            packet: Cow::Owned(body.to_vec()),
            error: false,
            tags: Cow::Borrowed(""),
            datarate: 1.0,
            hash: 0,
            packetid: 0,
            packet_full_len: body.len() as i64,
        }
    }

    fn osprey_log(path: &Path) -> Writer {
        let mut w = Writer::create(path, WriterOptions::default()).unwrap();
        w.insert_datasource(&DatasourceRow {
            uuid: SRC_A.parse().unwrap(),
            typestring: Cow::Borrowed("linuxwifi"),
            definition: Cow::Borrowed("wlan0mon"),
            name: Cow::Borrowed("wifi-a"),
            interface: Cow::Borrowed("wlan0mon"),
            json: Cow::Borrowed(b"{}"),
        })
        .unwrap();
        w
    }

    #[test]
    fn osprey_log_interfaces_gps_and_order() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("osprey.kismet");
        let mut w = osprey_log(&log);
        // Inserted out of time order; SRC_B is not in the datasources table.
        let mut located = packet(105, SRC_A, 127, b"located");
        located.gps = GpsFix {
            lat: 48.8584,
            lon: 2.2945,
            alt: 35.0,
            speed: 0.0,
            heading: 0.0,
        };
        located.tags = Cow::Borrowed("DOT11_BEACON_SSID");
        located.packet_full_len = 4000;
        let rows = [
            packet(103, SRC_A, 105, b"raw-a"),
            located,
            packet(101, SRC_A, 127, b"first"),
            packet(102, SRC_B, 127, b"unknown-src"),
            packet(104, SRC_B, 127, b"unknown-2"),
            packet(106, SRC_A, -3, b"bad-dlt"),
            packet(107, SRC_A, 70_000, b"big-dlt"),
            packet(-5, SRC_A, 127, b"before-1970"),
        ];
        for r in &rows {
            w.insert_packet(r).unwrap();
        }
        w.close().unwrap();

        let (stats, frames, bytes) = export_to(dir.path(), &log, &PcapFilter::default());
        assert_eq!(stats.rows, 8);
        assert_eq!((stats.packets, stats.skipped, stats.interfaces), (5, 3, 3));
        let got: Vec<(u32, u32, i64, &[u8])> = frames
            .iter()
            .map(|f| (f.0, f.1, f.2.sec, f.3.as_slice()))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 127, 101, &b"first"[..]),
                (1, 127, 102, &b"unknown-src"[..]),
                (2, 105, 103, &b"raw-a"[..]),
                (1, 127, 104, &b"unknown-2"[..]),
                (0, 127, 105, &b"located"[..]),
            ]
        );
        assert_eq!(frames[4].4, 4000, "original length from packet_full_len");
        let has = |s: &[u8]| bytes.windows(s.len()).any(|w| w == s);
        assert!(has(
            b"kismetdb stored interface wifi-a 5FE308BD-0000-0000-0000-00C0CA112233"
        ));
        assert!(has(b"kismetdb stored interface lo 0"));
        assert!(has(b"DOT11_BEACON_SSID"), "tags as comment");
        // Kismet's GPS option: code 2989, PEN 55922, magic 0x47 version 1, lon+lat+alt.
        let mut gps = Vec::new();
        gps.extend_from_slice(&2989u16.to_le_bytes());
        gps.extend_from_slice(&24u16.to_le_bytes());
        gps.extend_from_slice(&55922u32.to_le_bytes());
        gps.extend_from_slice(&[0x47, 1, 12, 0]);
        gps.extend_from_slice(&(0x2u32 | 0x4 | 0x8).to_le_bytes());
        assert!(has(&gps), "GPS option");
        // Only the located packet carries it.
        assert_eq!(bytes.windows(gps.len()).filter(|w| *w == gps).count(), 1);
        tshark_check(&dir.path().join("out.pcapng"), 5);

        // Bounding box, datasource pattern, size.
        let bbox = parse_filter(&vars(&[
            ("location_lat_min", "48"),
            ("location_lat_max", "49"),
            ("location_lon_min", "2"),
            ("location_lon_max", "3"),
        ]))
        .unwrap();
        let (s, f, _) = export_to(dir.path(), &log, &bbox);
        assert_eq!((s.packets, f[0].3.as_slice()), (1, &b"located"[..]));
        let by_src = parse_filter(&vars(&[("datasource", "4e1d07c3-%")])).unwrap();
        let (s, f, _) = export_to(dir.path(), &log, &by_src);
        assert_eq!(s.packets, 2);
        assert!(f.iter().all(|f| f.3.starts_with(b"unknown")));
        let small = parse_filter(&vars(&[("size_max", "5")])).unwrap();
        let (s, f, _) = export_to(dir.path(), &log, &small);
        assert_eq!((s.packets, f[0].3.as_slice()), (2, &b"first"[..]));

        // The spooled variant gives the same bytes and leaves no file behind.
        let spool = tempfile::tempdir().unwrap();
        let mut out = Vec::new();
        let s2 = export_spooled(&log, &PcapFilter::default(), spool.path(), &mut out).unwrap();
        assert_eq!(s2, stats);
        assert_eq!(out, bytes);
        assert_eq!(std::fs::read_dir(spool.path()).unwrap().count(), 0);
    }

    #[test]
    fn log_being_written_exports_what_is_committed() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("live.kismet");
        let mut w = osprey_log(&log);
        for i in 0..10 {
            w.insert_packet(&packet(100 + i, SRC_A, 127, b"committed"))
                .unwrap();
        }
        w.commit().unwrap();
        // An open transaction with more rows: the export must neither wait nor see them.
        for i in 0..5 {
            w.insert_packet(&packet(200 + i, SRC_A, 127, b"pending"))
                .unwrap();
        }
        let t = std::time::Instant::now();
        let (stats, frames, _) = export_to(dir.path(), &log, &PcapFilter::default());
        assert!(t.elapsed() < std::time::Duration::from_secs(3));
        assert_eq!(stats.packets, 10);
        assert!(frames.iter().all(|f| f.3 == b"committed"));
        w.commit().unwrap();
        let (stats, _, _) = export_to(dir.path(), &log, &PcapFilter::default());
        assert_eq!(stats.packets, 15);
        w.close().unwrap();
    }

    #[test]
    fn locked_log_fails_instead_of_hanging() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("locked.kismet");
        let mut w = osprey_log(&log);
        w.commit().unwrap();
        // More than SQLite's page cache holds (the writer sets 16 MiB while logging; 40 MiB
        // here): the writer spills to the file mid-transaction and keeps an exclusive lock
        // until it commits.
        let big = vec![0x5a; 256 * 1024];
        let rows: u64 = 160;
        for i in 0..rows as i64 {
            w.insert_packet(&packet(100 + i, SRC_A, 127, &big)).unwrap();
        }
        let t = std::time::Instant::now();
        let mut out = Vec::new();
        let e = export(&log, &PcapFilter::default(), &mut out).unwrap_err();
        assert!(
            t.elapsed() < std::time::Duration::from_secs(30),
            "bounded wait"
        );
        assert_eq!(e.status(), 503, "{e}");
        w.close().unwrap();
        let mut out = Vec::new();
        let s = export(&log, &PcapFilter::default(), &mut out).unwrap();
        assert_eq!(s.packets, rows);
    }

    #[test]
    fn unusable_logs_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let mut out = Vec::new();
        let e = export(
            &dir.path().join("missing.kismet"),
            &PcapFilter::default(),
            &mut out,
        )
        .unwrap_err();
        assert_eq!(e.status(), 404, "{e}");
        assert!(out.is_empty());
        let e = export(dir.path(), &PcapFilter::default(), &mut out).unwrap_err();
        assert_eq!(e.status(), 404, "a directory: {e}");
        let junk = dir.path().join("junk.kismet");
        std::fs::write(&junk, b"not a database at all, just text").unwrap();
        let e = export(&junk, &PcapFilter::default(), &mut out).unwrap_err();
        assert_eq!(e.status(), 500, "{e}");
        assert!(out.is_empty(), "nothing written before the log opened");
    }

    /// A writer that fails after `n` bytes, like a client that went away.
    struct Failing(usize);

    impl Write for Failing {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::new(io::ErrorKind::BrokenPipe, "client gone"));
            }
            let n = b.len().min(self.0);
            self.0 -= n;
            Ok(n)
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn broken_output_stops_the_export() {
        let log = reference("aircrack_pmkid-not-recognized.kismet");
        let mut out = Failing(100_000);
        let e = export(&log, &PcapFilter::default(), &mut out).unwrap_err();
        assert!(matches!(e, ExportError::Write(_)), "{e}");
    }

    /// An output that drains slowly, like a remote client; says when its first write starts.
    struct Slow {
        started: Option<std::sync::mpsc::Sender<()>>,
    }

    impl Write for Slow {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            if let Some(tx) = self.started.take() {
                let _ = tx.send(());
            }
            std::thread::sleep(std::time::Duration::from_millis(30));
            Ok(b.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn spooled_export_lets_the_writer_commit_while_the_client_drains() {
        use std::sync::atomic::AtomicBool;
        use std::sync::Arc;
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("live.kismet");
        let mut w = osprey_log(&log);
        let body = vec![7u8; 10_000];
        for i in 0..20 {
            w.insert_packet(&packet(100 + i, SRC_A, 127, &body))
                .unwrap();
        }
        w.commit().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let done = Arc::new(AtomicBool::new(false));
        let (log2, done2) = (log.clone(), done.clone());
        let spool = dir.path().to_path_buf();
        let t = std::thread::spawn(move || {
            let mut out = Slow { started: Some(tx) };
            let r = export_spooled(&log2, &PcapFilter::default(), &spool, &mut out);
            done2.store(true, Ordering::SeqCst);
            r
        });
        rx.recv().unwrap();
        w.insert_packet(&packet(500, SRC_A, 127, b"late")).unwrap();
        w.commit().unwrap();
        assert!(
            !done.load(Ordering::SeqCst),
            "committed while the output was draining"
        );
        assert_eq!(t.join().unwrap().unwrap().packets, 20);
        w.close().unwrap();
        assert_eq!(
            Reader::open(&log).unwrap().count(Table::Packets).unwrap(),
            21
        );
    }
}
