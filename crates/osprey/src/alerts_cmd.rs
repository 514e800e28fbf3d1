//! `osprey alerts FILE.kismet`: list a log's alerts (Kismet's logs and Osprey's) in time order,
//! filtered, as a table or as the stored JSON records; and, with `--evidence HASH -o FILE`,
//! export the packets that triggered an alert (Osprey's `osprey.alert.packet_ids`) to pcapng.
//!
//! The alerts table has the same columns in every db version (`ts_sec`, `ts_usec`, `phyname`,
//! `devmac`, `lat`, `lon`, `header`, `json`): the class, severity, hash and the other MACs exist
//! only in the JSON record. A row whose JSON is missing or unreadable is shown with what the
//! columns hold, and its JSON is rebuilt from them with Kismet's keys.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use kismetdb::{MacAddr, PacketRow, Reader, Table, Timestamp};
use osprey_alerts::{Severity, EVIDENCE_KEY};
use osprey_capture::pcapng_writer::{Gps, InterfaceDesc, PacketOptions, PcapngWriter};
use serde_json::{Map, Value};

use crate::timefmt::utc;

/// List a log's alerts in time order (table or JSON), filtered; or export an alert's evidence
/// packets to pcapng.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The kismetdb log (Kismet's or Osprey's, any db version).
    pub file: PathBuf,
    /// Print a JSON array of the alert records as stored (`kismet.alert.*` keys).
    #[arg(long)]
    pub json: bool,
    /// Only alerts at least this severe: INFO, LOW, MEDIUM, HIGH, CRITICAL or a number
    /// (0, 5, 10, 15, 20).
    #[arg(long, value_name = "MIN")]
    pub severity: Option<String>,
    /// Only alerts of this class (DENIAL, EXPLOIT, OTHER, PROBE, SPOOF, SYSTEM, ...);
    /// repeat for several.
    #[arg(long = "class", value_name = "CLASS")]
    pub classes: Vec<String>,
    /// Only alerts with this header (`DEAUTHFLOOD`, case-insensitive); repeat for several.
    #[arg(long = "header", value_name = "HEADER")]
    pub headers: Vec<String>,
    /// Only alerts at or after this time: Unix seconds (`1700000000.25`) or
    /// `YYYY-MM-DD[THH:MM:SS[.ffffff]]` in UTC.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,
    /// Only alerts at or before this time (same forms as `--since`; a date alone is its
    /// midnight).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
    /// Only alerts naming this MAC address as transmitter, source, destination or other.
    #[arg(long, value_name = "MAC")]
    pub mac: Option<String>,
    /// Export the packets that triggered the alert with this hash (`kismet.alert.hash`) to
    /// the pcapng file given with `-o`.
    #[arg(
        long,
        value_name = "HASH",
        requires = "output",
        conflicts_with_all = ["json", "severity", "classes", "headers", "since", "until", "mac"]
    )]
    pub evidence: Option<String>,
    /// The pcapng file `--evidence` writes (replaced if it exists).
    #[arg(
        short = 'o',
        long = "output",
        value_name = "FILE",
        requires = "evidence"
    )]
    pub output: Option<PathBuf>,
}

/// Runs `osprey alerts`.
pub fn run(args: &Args) -> Result<(), String> {
    if let (Some(hash), Some(out)) = (&args.evidence, &args.output) {
        let hash = parse_hash(hash)?;
        let reader = Reader::open(&args.file).map_err(|e| e.to_string())?;
        let alerts = load(&reader)?;
        let text = export_evidence(&reader, &alerts, hash, out)?;
        return crate::output::write_stdout(&text);
    }
    let filter = Filter::from_args(args)?;
    let reader = Reader::open(&args.file).map_err(|e| e.to_string())?;
    let alerts = load(&reader)?;
    let shown: Vec<&Alert> = alerts.iter().filter(|a| filter.matches(a)).collect();
    let text = if args.json {
        render_json(&shown)
    } else {
        render_table(&shown)
    };
    crate::output::write_stdout(&text)
}

/// One alert row, with the fields the listing and the filters use.
#[derive(Debug, Clone)]
struct Alert {
    /// `ts_sec`, `ts_usec`.
    ts: Timestamp,
    /// The JSON record to print: the stored text verbatim when it parses as an object,
    /// otherwise rebuilt.
    json: String,
    header: String,
    class: Option<String>,
    severity: Option<u64>,
    hash: Option<u64>,
    transmitter: Option<String>,
    source: Option<String>,
    dest: Option<String>,
    other: Option<String>,
    channel: Option<String>,
    text: Option<String>,
    /// The value of `osprey.alert.packet_ids`, if present.
    evidence: Option<Value>,
}

fn json_str(m: &Map<String, Value>, key: &str) -> Option<String> {
    match m.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn json_u64(m: &Map<String, Value>, key: &str) -> Option<u64> {
    match m.get(key)? {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The JSON of a row without a readable record, built from the columns with Kismet's keys.
fn json_from_columns(header: &str, ts: Timestamp, devmac: MacAddr, lat: f64, lon: f64) -> String {
    let mut m = Map::new();
    m.insert("kismet.alert.header".into(), Value::from(header));
    m.insert(
        "kismet.alert.timestamp".into(),
        serde_json::Number::from_f64(ts.as_secs_f64())
            .map(Value::Number)
            .unwrap_or(Value::from(ts.sec)),
    );
    m.insert(
        "kismet.alert.transmitter_mac".into(),
        Value::from(devmac.to_string()),
    );
    let coord = |v: f64| {
        serde_json::Number::from_f64(v)
            .map(Value::Number)
            .unwrap_or(Value::from(0))
    };
    let mut loc = Map::new();
    loc.insert(
        "kismet.common.location.geopoint".into(),
        Value::Array(vec![coord(lon), coord(lat)]),
    );
    m.insert("kismet.alert.location".into(), Value::Object(loc));
    Value::Object(m).to_string()
}

/// Reads every alert of the log, in time order (file order among equal times).
fn load(reader: &Reader) -> Result<Vec<Alert>, String> {
    let mut out = Vec::new();
    let mut q = reader.alerts().map_err(|e| e.to_string())?;
    q.for_each(|row| -> Result<(), kismetdb::Error> {
        let parsed: Option<(Map<String, Value>, Option<String>)> =
            match serde_json::from_slice::<Value>(&row.json) {
                Ok(Value::Object(m)) => {
                    let text = String::from_utf8_lossy(&row.json).trim().to_string();
                    Some((m, Some(text)))
                }
                // Not UTF-8: read it lossily, and print the re-serialised record.
                Err(_) if !row.json.is_empty() => {
                    match serde_json::from_str::<Value>(&String::from_utf8_lossy(&row.json)) {
                        Ok(Value::Object(m)) => Some((m, None)),
                        _ => None,
                    }
                }
                _ => None,
            };
        let devmac = (row.devmac != MacAddr::ZERO).then(|| row.devmac.to_string());
        let alert = match parsed {
            Some((m, text)) => Alert {
                ts: row.ts,
                json: text.unwrap_or_else(|| Value::Object(m.clone()).to_string()),
                header: json_str(&m, "kismet.alert.header")
                    .unwrap_or_else(|| row.header.to_string()),
                class: json_str(&m, "kismet.alert.class"),
                severity: json_u64(&m, "kismet.alert.severity"),
                hash: json_u64(&m, "kismet.alert.hash"),
                transmitter: json_str(&m, "kismet.alert.transmitter_mac").or(devmac),
                source: json_str(&m, "kismet.alert.source_mac"),
                dest: json_str(&m, "kismet.alert.dest_mac"),
                other: json_str(&m, "kismet.alert.other_mac"),
                channel: json_str(&m, "kismet.alert.channel"),
                text: json_str(&m, "kismet.alert.text"),
                evidence: m.get(EVIDENCE_KEY).cloned(),
            },
            None => Alert {
                ts: row.ts,
                json: json_from_columns(&row.header, row.ts, row.devmac, row.lat, row.lon),
                header: row.header.to_string(),
                class: None,
                severity: None,
                hash: None,
                transmitter: devmac,
                source: None,
                dest: None,
                other: None,
                channel: None,
                text: None,
                evidence: None,
            },
        };
        out.push(alert);
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    out.sort_by_key(|a| (a.ts.sec, a.ts.usec));
    Ok(out)
}

/// The filters of the listing; an alert must pass all that are given.
#[derive(Debug, Default)]
struct Filter {
    min_severity: Option<u64>,
    classes: Vec<String>,
    headers: Vec<String>,
    /// Microseconds since the epoch.
    since: Option<i128>,
    until: Option<i128>,
    mac: Option<MacAddr>,
}

impl Filter {
    fn from_args(args: &Args) -> Result<Filter, String> {
        Ok(Filter {
            min_severity: args.severity.as_deref().map(parse_severity).transpose()?,
            classes: args
                .classes
                .iter()
                .map(|c| c.trim().to_uppercase())
                .collect(),
            headers: args
                .headers
                .iter()
                .map(|h| h.trim().to_uppercase())
                .collect(),
            since: args
                .since
                .as_deref()
                .map(|t| parse_time(t).map_err(|e| format!("--since: {e}")))
                .transpose()?,
            until: args
                .until
                .as_deref()
                .map(|t| parse_time(t).map_err(|e| format!("--until: {e}")))
                .transpose()?,
            mac: args
                .mac
                .as_deref()
                .map(|m| {
                    m.trim()
                        .replace('-', ":")
                        .parse::<MacAddr>()
                        .map_err(|_| format!("--mac: {m:?} is not a MAC address"))
                })
                .transpose()?,
        })
    }

    fn matches(&self, a: &Alert) -> bool {
        if let Some(min) = self.min_severity {
            // An alert whose severity is unknown (no JSON record) is not known to reach it.
            if a.severity.is_none_or(|s| s < min) {
                return false;
            }
        }
        if !self.classes.is_empty()
            && !a
                .class
                .as_deref()
                .is_some_and(|c| self.classes.iter().any(|x| x.eq_ignore_ascii_case(c)))
        {
            return false;
        }
        if !self.headers.is_empty()
            && !self
                .headers
                .iter()
                .any(|h| h.eq_ignore_ascii_case(&a.header))
        {
            return false;
        }
        let t = i128::from(a.ts.sec) * 1_000_000 + i128::from(a.ts.usec);
        if self.since.is_some_and(|s| t < s) || self.until.is_some_and(|u| t > u) {
            return false;
        }
        if let Some(mac) = self.mac {
            let hit = [&a.transmitter, &a.source, &a.dest, &a.other]
                .into_iter()
                .flatten()
                .any(|m| match m.trim().parse::<MacAddr>() {
                    Ok(x) => x == mac,
                    Err(_) => m.trim().eq_ignore_ascii_case(&mac.to_string()),
                });
            if !hit {
                return false;
            }
        }
        true
    }
}

/// A severity name (any case) or number.
fn parse_severity(s: &str) -> Result<u64, String> {
    let t = s.trim();
    for sev in [
        Severity::Info,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ] {
        if t.eq_ignore_ascii_case(sev.name()) {
            return Ok(u64::from(sev.number()));
        }
    }
    t.parse::<u64>().map_err(|_| {
        format!("--severity: expected INFO, LOW, MEDIUM, HIGH, CRITICAL or a number, not {s:?}")
    })
}

/// The display name of a severity number: Kismet's name, or the number itself.
fn severity_name(n: u64) -> String {
    match Severity::from_number(n) {
        Some(s) => s.name().to_string(),
        None => n.to_string(),
    }
}

/// Microseconds of a fraction's digits (`"25"` → 250 000); more than six digits are cut.
fn fraction_usec(digits: &str) -> Option<i128> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut six: String = digits.chars().take(6).collect();
    while six.len() < 6 {
        six.push('0');
    }
    six.parse().ok()
}

/// A time as microseconds since the epoch: Unix seconds with an optional fraction, or
/// `YYYY-MM-DD[(T| )HH:MM[:SS[.ffffff]]][Z]` in UTC.
fn parse_time(s: &str) -> Result<i128, String> {
    let t = s.trim();
    let bad = || {
        format!(
            "{s:?} is not a time: give Unix seconds (1700000000.5) or YYYY-MM-DD[THH:MM:SS] (UTC)"
        )
    };
    // Unix seconds.
    if !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && t.contains(|c: char| c.is_ascii_digit())
    {
        let (whole, frac) = match t.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (t, None),
        };
        let secs: i128 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let usec = match frac {
            None => 0,
            Some("") => 0,
            Some(f) => fraction_usec(f).ok_or_else(bad)?,
        };
        return secs
            .checked_mul(1_000_000)
            .and_then(|v| v.checked_add(usec))
            .ok_or_else(bad);
    }
    let t = t.strip_suffix(['Z', 'z']).unwrap_or(t);
    let (date, time) = match t.split_once(['T', 't', ' ']) {
        Some((d, tm)) => (d, Some(tm)),
        None => (t, None),
    };
    let mut dp = date.split('-');
    let (Some(y), Some(m), Some(d), None) = (dp.next(), dp.next(), dp.next(), dp.next()) else {
        return Err(bad());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let digits = |x: &str| x.bytes().all(|b| b.is_ascii_digit());
    if !digits(y) || !digits(m) || !digits(d) {
        return Err(bad());
    }
    let (y, m, d): (i64, u32, u32) = (
        y.parse().map_err(|_| bad())?,
        m.parse().map_err(|_| bad())?,
        d.parse().map_err(|_| bad())?,
    );
    if !(1..=12).contains(&m)
        || d == 0
        || i64::from(d) > osprey_logtools::calendar::days_in_month(y, i64::from(m))
    {
        return Err(format!("{s:?}: there is no such date"));
    }
    let mut secs = i128::from(osprey_logtools::calendar::days_from_civil(
        y,
        i64::from(m),
        i64::from(d),
    )) * 86_400;
    let mut usec = 0;
    if let Some(tm) = time {
        let (hms, frac) = match tm.split_once('.') {
            Some((a, f)) => (a, Some(f)),
            None => (tm, None),
        };
        let parts: Vec<&str> = hms.split(':').collect();
        if !(2..=3).contains(&parts.len()) || parts.iter().any(|p| p.len() != 2 || !digits(p)) {
            return Err(bad());
        }
        if frac.is_some() && parts.len() != 3 {
            return Err(bad());
        }
        let n: Vec<i128> = parts.iter().map(|p| p.parse().unwrap_or(0)).collect();
        let (h, mi, se) = (n[0], n[1], n.get(2).copied().unwrap_or(0));
        if h > 23 || mi > 59 || se > 59 {
            return Err(format!("{s:?}: there is no such time of day"));
        }
        secs += h * 3600 + mi * 60 + se;
        if let Some(f) = frac {
            usec = fraction_usec(f).ok_or_else(bad)?;
        }
    }
    Ok(secs * 1_000_000 + usec)
}

/// `YYYY-MM-DD HH:MM:SS.ffffff` in UTC.
fn utc_usec(ts: Timestamp) -> String {
    format!("{}.{:06}", utc(ts.sec), ts.usec.clamp(0, 999_999))
}

fn cell(v: &Option<String>) -> String {
    match v.as_deref().map(str::trim) {
        None | Some("") | Some("00:00:00:00:00:00") => "-".to_string(),
        Some(s) => s.to_string(),
    }
}

/// The alerts as a table, one line each, with a header line.
fn render_table(alerts: &[&Alert]) -> String {
    const TITLES: [&str; 9] = [
        "TIME (UTC)",
        "SEVERITY",
        "CLASS",
        "HEADER",
        "TRANSMITTER",
        "SOURCE",
        "DEST",
        "CHANNEL",
        "TEXT",
    ];
    let rows: Vec<[String; 9]> = alerts
        .iter()
        .map(|a| {
            [
                utc_usec(a.ts),
                a.severity.map(severity_name).unwrap_or_else(|| "-".into()),
                cell(&a.class),
                if a.header.is_empty() {
                    "-".into()
                } else {
                    a.header.clone()
                },
                cell(&a.transmitter),
                cell(&a.source),
                cell(&a.dest),
                cell(&a.channel),
                // One line per alert, whatever the text holds.
                a.text
                    .as_deref()
                    .unwrap_or("")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            ]
        })
        .collect();
    let mut widths: [usize; 9] = TITLES.map(|t| t.chars().count());
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut s = String::new();
    let mut line = |cells: &[String]| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                l.push_str(c);
                let pad = widths[i] - c.chars().count() + 2;
                l.extend(std::iter::repeat_n(' ', pad));
            }
        }
        s.push_str(l.trim_end());
        s.push('\n');
    };
    line(&TITLES.map(String::from));
    for r in &rows {
        line(r);
    }
    s
}

/// The alerts' JSON records as a JSON array, one record a line.
fn render_json(alerts: &[&Alert]) -> String {
    if alerts.is_empty() {
        return "[]\n".into();
    }
    let mut s = String::from("[\n");
    for (i, a) in alerts.iter().enumerate() {
        s.push_str(&a.json);
        s.push_str(if i + 1 == alerts.len() { "\n" } else { ",\n" });
    }
    s.push_str("]\n");
    s
}

/// An alert hash as given to `--evidence`: decimal, as `kismet.alert.hash` holds it.
fn parse_hash(hash: &str) -> Result<u64, String> {
    hash.trim().parse().map_err(|_| {
        format!("--evidence: {hash:?} is not an alert hash (a decimal number, `kismet.alert.hash`)")
    })
}

/// Writes the evidence packets of the alert with hash `hash` to `out`; returns the summary.
fn export_evidence(
    reader: &Reader,
    alerts: &[Alert],
    h: u64,
    out: &Path,
) -> Result<String, String> {
    let file = reader.path().display();
    // Hashes are unique in practice; should two alerts share one, the one with evidence wins.
    let with_hash = || alerts.iter().filter(|a| a.hash == Some(h));
    let Some(alert) = with_hash()
        .find(|a| a.evidence.is_some())
        .or_else(|| with_hash().next())
    else {
        return Err(format!(
            "{file}: no alert has hash {h} (`osprey alerts {file} --json` shows each alert's \
             kismet.alert.hash)"
        ));
    };
    let what = format!("alert {h} ({} at {} UTC)", alert.header, utc_usec(alert.ts));
    let ids: Vec<u64> = match &alert.evidence {
        None => {
            let meta = reader.meta();
            return Err(if meta.kismet_version.starts_with("osprey") {
                format!("{file}: {what} has no evidence: no packet triggered it")
            } else {
                format!(
                    "{file}: {what} has no evidence: the log was written by Kismet {}, which \
                     does not record the packets behind an alert (Osprey's logs do, in {EVIDENCE_KEY})",
                    meta.kismet_version
                )
            });
        }
        Some(Value::Array(v)) => v
            .iter()
            .map(|x| x.as_u64())
            .collect::<Option<Vec<u64>>>()
            .ok_or_else(|| {
                format!("{file}: {what}: {EVIDENCE_KEY} holds something other than packet ids")
            })?,
        Some(_) => {
            return Err(format!(
                "{file}: {what}: {EVIDENCE_KEY} is not an array of packet ids"
            ))
        }
    };
    if ids.is_empty() {
        return Err(format!(
            "{file}: {what} has no evidence: its packet list is empty"
        ));
    }

    // The packets, by id.
    let not_logged = |detail: String| {
        format!("{file}: the evidence packets of {what} were not logged: {detail}")
    };
    let Some(cols) = reader.columns(Table::Packets) else {
        return Err(not_logged("the log has no packets table".into()));
    };
    if !cols.iter().any(|c| c == "packetid") {
        return Err(not_logged(format!(
            "its packets table (db_version {}) has no packetid column",
            reader.version()
        )));
    }
    let wanted: HashSet<u64> = ids.iter().copied().collect();
    let mut found: HashMap<u64, Vec<PacketRow<'static>>> = HashMap::new();
    let mut rows = 0u64;
    reader
        .packets()
        .map_err(|e| e.to_string())?
        .for_each(|row: PacketRow<'_>| -> Result<(), kismetdb::Error> {
            rows += 1;
            if wanted.contains(&row.packetid) {
                found
                    .entry(row.packetid)
                    .or_default()
                    .push(row.into_owned());
            }
            Ok(())
        })
        .map_err(|e| e.to_string())?;
    let missing: Vec<u64> = ids
        .iter()
        .copied()
        .filter(|i| !found.contains_key(i))
        .collect();
    if !missing.is_empty() {
        return Err(not_logged(if rows == 0 {
            "the packets table is empty (was the log written with --no-packets?)".to_string()
        } else {
            let shown: Vec<String> = missing.iter().take(10).map(u64::to_string).collect();
            format!(
                "{} of its {} packets are not in the packets table (packetid {}{}); was the log \
                 written with --no-packets, or were packets removed?",
                missing.len(),
                ids.len(),
                shown.join(", "),
                if missing.len() > 10 { ", ..." } else { "" }
            )
        }));
    }

    // Datasources, to name the interfaces.
    let mut sources: HashMap<String, (String, String)> = HashMap::new();
    if reader.columns(Table::Datasources).is_some() {
        reader
            .datasources()
            .map_err(|e| e.to_string())?
            .for_each(|d| -> Result<(), kismetdb::Error> {
                sources.insert(
                    d.uuid.to_string(),
                    (d.name.to_string(), d.interface.to_string()),
                );
                Ok(())
            })
            .map_err(|e| e.to_string())?;
    }

    let mut seen = HashSet::new();
    let mut packets: Vec<&PacketRow<'static>> = Vec::new();
    for id in &ids {
        if seen.insert(*id) {
            packets.extend(found[id].iter());
        }
    }
    let interfaces = write_pcapng(out, &packets, &sources, h)?;
    Ok(format!(
        "{}: {} packet(s) of {what}, {} interface(s)\n",
        out.display(),
        packets.len(),
        interfaces
    ))
}

/// Writes `packets` to a temporary file next to `out`, then renames it to `out`. Returns the
/// number of interfaces written.
fn write_pcapng(
    out: &Path,
    packets: &[&PacketRow<'static>],
    sources: &HashMap<String, (String, String)>,
    hash: u64,
) -> Result<usize, String> {
    let shown = out.display();
    if out.is_dir() {
        return Err(format!("{shown}: is a directory"));
    }
    let Some(name) = out.file_name() else {
        return Err(format!("{shown}: not a file name"));
    };
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> Result<usize, String> {
        let io = |e: std::io::Error| format!("{}: writing: {e}", tmp.display());
        let f = File::create(&tmp).map_err(|e| format!("{}: creating: {e}", tmp.display()))?;
        let app = format!(
            "Osprey {} alerts --evidence {hash}",
            env!("CARGO_PKG_VERSION")
        );
        let mut w = PcapngWriter::new(BufWriter::new(f), &app).map_err(io)?;
        let mut ifaces: HashMap<(String, i32), u32> = HashMap::new();
        for p in packets {
            let uuid = p.datasource.to_string();
            let key = (uuid.clone(), p.dlt);
            let ifc = match ifaces.get(&key) {
                Some(i) => *i,
                None => {
                    let dlt = u32::try_from(p.dlt).map_err(|_| {
                        format!("packet {}: link type {} is invalid", p.packetid, p.dlt)
                    })?;
                    let (name, interface) = sources.get(&uuid).cloned().unwrap_or_default();
                    let if_name = if interface.is_empty() {
                        uuid.clone()
                    } else {
                        interface.clone()
                    };
                    let desc = format!(
                        "kismetdb datasource {} {uuid} ({}, DLT {dlt})",
                        if name.is_empty() { "?" } else { &name },
                        osprey_capture::dlt::name(dlt)
                    );
                    let i = w
                        .add_interface(&InterfaceDesc::new(dlt).name(if_name).description(desc))
                        .map_err(io)?;
                    ifaces.insert(key, i);
                    i
                }
            };
            let comment = if p.tags.is_empty() {
                format!("packetid {}", p.packetid)
            } else {
                format!("packetid {}; {}", p.packetid, p.tags)
            };
            let caplen = p.packet.len() as u32;
            let orig = u32::try_from(p.packet_full_len)
                .ok()
                .filter(|l| *l >= caplen)
                .unwrap_or(caplen);
            let opts = PacketOptions {
                comment: Some(&comment),
                gps: Some(Gps {
                    lat: p.gps.lat,
                    lon: p.gps.lon,
                    alt: p.gps.alt,
                }),
            };
            w.write_packet(ifc, p.ts, &p.packet, orig, &opts)
                .map_err(|e| format!("{}: packet {}: {e}", tmp.display(), p.packetid))?;
        }
        let f = w.finish().map_err(io)?;
        let f = f.into_inner().map_err(|e| io(e.into_error()))?;
        f.sync_all().map_err(io)?;
        Ok(ifaces.len())
    })();
    match result {
        Ok(n) => {
            std::fs::rename(&tmp, out).map_err(|e| {
                let _ = std::fs::remove_file(&tmp);
                format!("{shown}: renaming {} into place: {e}", tmp.display())
            })?;
            Ok(n)
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("0").unwrap(), 0);
        assert_eq!(parse_time("1700000000.25").unwrap(), 1_700_000_000_250_000);
        assert_eq!(
            parse_time("1700000000.1234567").unwrap(),
            1_700_000_000_123_456
        );
        assert_eq!(parse_time("1970-01-02").unwrap(), 86_400_000_000);
        assert_eq!(
            parse_time("2026-11-22T10:11:12").unwrap(),
            i128::from(1_795_342_272i64) * 1_000_000
        );
        assert_eq!(
            parse_time("2026-11-22 10:11:12.5Z").unwrap(),
            i128::from(1_795_342_272i64) * 1_000_000 + 500_000
        );
        assert_eq!(parse_time("2000-02-29T00:00").unwrap(), 951_782_400_000_000);
        for bad in [
            "",
            "yesterday",
            "2001-02-29",
            "2026-13-01",
            "2026-1-01",
            "2026-01-01T25:00:00",
            "1.2.3",
            "-5",
        ] {
            assert!(parse_time(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn severities() {
        assert_eq!(parse_severity("high").unwrap(), 15);
        assert_eq!(parse_severity("INFO").unwrap(), 0);
        assert_eq!(parse_severity("7").unwrap(), 7);
        assert!(parse_severity("severe").is_err());
        assert_eq!(severity_name(20), "CRITICAL");
        assert_eq!(severity_name(7), "7");
    }

    #[test]
    fn dates_round_trip_with_timefmt() {
        for secs in [0i64, 951_782_400, 1_507_043_001, 4_102_444_800] {
            let text = utc(secs);
            let iso = text.replace(' ', "T");
            assert_eq!(
                parse_time(&iso).unwrap(),
                i128::from(secs) * 1_000_000,
                "{text}"
            );
        }
    }
}
