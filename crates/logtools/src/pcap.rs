//! `kismetdb_to_pcap`, correct: the packets of a kismetdb log as a pcapng (one interface per
//! datasource and link type, Kismet's per-packet GPS option) or a classic pcap of one link type,
//! filtered, streamed in constant memory.
//!
//! [`export`] runs `osprey log to-pcap`'s [`Filter`] over a fast row path that reads only the
//! columns it needs, straight from the packets table's b-tree pages when the log is an
//! ordinary SQLite file (`btree`), on two reading threads while the caller's thread writes;
//! [`export_matching`] takes any predicate over whole rows decoded by the kismetdb reader. Both write through the same output code with the same [`ExportOptions`]
//! (format, limit, GPS, comments, order, and Kismet's REST `kismetdb stored interface` names),
//! so the REST API's `/logging/kismetdb/pcap` export (LIKE-pattern filters) can run on it too.
//!
//! What Kismet's tool (2025-09-R1, spec §7.1 and §13.24) does, and what this module does instead:
//!
//! * Kismet `VACUUM`s the input first (rewriting the user's file, rolling back a hot journal);
//!   the log is read here through a read-only connection and never modified.
//! * Kismet writes the rows in file (rowid) order, which is not capture order (Kismet logs in
//!   processing order, and several sources interleave). Packets come out here in capture-time
//!   order (the instant `ts_sec` + `ts_usec`, then rowid): when the table is already in that
//!   order it is streamed as stored, otherwise SQLite sorts it (in bounded memory, spilling to
//!   temporary files).
//! * A zero-length `packet` blob makes Kismet's `fwrite` "fail" and abort the conversion; here
//!   it is an empty frame (§13.24).
//! * Kismet's classic pcap has snaplen 8192 whatever the frames' size; here the snaplen is
//!   [`SNAPLEN`] (libpcap's maximum) and longer frames are cut to it, keeping their original
//!   length (§13.24).
//! * A packet whose datasource is not in the `datasources` table gets interface 0 in Kismet's
//!   pcapng without any interface being declared for it (§13.24); here it gets its own interface,
//!   named after its UUID.
//! * Kismet's "one link type per pcap" check only runs when `--datasource` was given, and a
//!   classic pcap of a mixed log silently labels every frame with the first packet's link type;
//!   here a classic pcap of a selection holding several link types is refused
//!   ([`Error::MixedLinkTypes`]), naming them.
//! * Kismet writes the stored length as the original length; here it is `packet_full_len`
//!   (db_version 9), so frames Kismet cut short keep their length on the air.
//! * GPS of db_version ≤ 4 logs is stored as integer degrees × 100 000; Kismet's tool takes the
//!   integers for degrees; here they are converted.
//! * Kismet's tool writes `ts_usec` as stored; a row with `ts_usec` = 1 000 000 (there is one in
//!   the wifite2 reference log) is written here as the next second.
//! * Rows Kismet's tool would turn into broken blocks are left out and counted
//!   ([`ExportStats::skipped`]): times before 1970 (or, in a classic pcap, after 2106) and link
//!   types outside 0..=65535.
//!
//! Not done (Kismet's tool has them): the GPS track as custom blocks (`0xBAD`) from the `GPS`
//! snapshots, splitting the output (`--split-*`), tag filters and listings.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use kismetdb::{MacAddr, PacketRow, Reader, Table, Timestamp, Uuid};
use osprey_capture::pcapng_writer::{Gps, InterfaceDesc, PacketOptions, PcapngWriter};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

mod btree;

/// `shb_userappl` of the pcapng written by `osprey log to-pcap`.
pub const APPLICATION: &str = concat!("Osprey ", env!("CARGO_PKG_VERSION"), " log to-pcap");

/// Longest frame written; longer ones are cut to it (their original length is kept). This is
/// libpcap's `MAXIMUM_SNAPLEN`: readers built on libpcap or Wireshark refuse longer records.
pub const SNAPLEN: u32 = 262_144;

/// Size of the output buffer in front of the caller's writer.
const OUT_BUFFER: usize = 128 << 10;

/// Rows between two calls of the progress callback.
const PROGRESS_EVERY: u64 = 1 << 16;

/// The link-layer header of a classic pcap.
const PCAP_MAGIC: u32 = 0xA1B2_C3D4;

// ---------------------------------------------------------------------------------------------
// Filters

/// The packet filters of `osprey log to-pcap`. Every given filter must hold (AND); a list
/// filter holds when any of its values does. The default filter passes every packet.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Filter {
    /// Packets at or after this time.
    pub start: Option<Timestamp>,
    /// Packets at or before this time.
    pub end: Option<Timestamp>,
    /// Packets from any of these datasources (empty: any).
    pub datasources: Vec<Uuid>,
    /// Packets whose source, destination or transmitter address is any of these (empty: any).
    pub macs: Vec<MacAddr>,
    /// Packets of this link type.
    pub dlt: Option<u32>,
    /// Packets on exactly this frequency (kHz).
    pub frequency: Option<f64>,
    /// Packets on this frequency (kHz) or above.
    pub freq_min: Option<f64>,
    /// Packets on this frequency (kHz) or below.
    pub freq_max: Option<f64>,
    /// Packets received at this signal (dBm) or stronger.
    pub signal_min: Option<i32>,
    /// Packets received at this signal (dBm) or weaker.
    pub signal_max: Option<i32>,
}

impl Filter {
    /// True when no filter is set.
    pub fn is_empty(&self) -> bool {
        *self == Filter::default()
    }

    /// True when the row passes every filter.
    ///
    /// A frequency of 0 and a signal of 0 are how kismetdb says "unknown" (no radio
    /// information); such packets never pass a frequency or signal filter.
    pub fn matches(&self, p: &PacketRow<'_>) -> bool {
        let fields = Fields {
            ts: p.ts,
            dlt: i64::from(p.dlt),
            datasource: p.datasource,
            frequency: p.frequency,
            signal: p.signal,
        };
        let macs = &mut || Ok::<_, ()>([p.sourcemac, p.destmac, p.transmac]);
        self.passes(&fields, macs).unwrap_or(false)
    }
}

/// Microseconds since the epoch, wide enough for any stored pair.
fn ticks(ts: Timestamp) -> i128 {
    i128::from(ts.sec) * 1_000_000 + i128::from(ts.usec)
}

/// Parses a `--start`/`--end` time: Unix seconds (`1700000000`, optionally with up to six
/// decimals), or a UTC date `YYYY-MM-DD` optionally followed by `THH:MM:SS` (or a space instead
/// of `T`, optionally `.ffffff` and a final `Z`).
///
/// A bound includes everything at the precision it is given in: with `end` set, a date means
/// the last microsecond of that day and a whole second the last microsecond of that second;
/// without it, the first microsecond.
pub fn parse_time(text: &str, end: bool) -> Result<Timestamp, String> {
    use crate::calendar::{days_from_civil, days_in_month};
    let s = text.trim();
    let bad = |why: &str| {
        format!(
            "invalid time {text:?}: {why} (expected Unix seconds or a UTC date \
             YYYY-MM-DD[THH:MM:SS])"
        )
    };
    if s.is_empty() {
        return Err(bad("empty"));
    }
    // Unix seconds.
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        let (whole, frac) = match s.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (s, None),
        };
        if whole.is_empty() || frac.is_some_and(|f| f.is_empty() || f.contains('.')) {
            return Err(bad("not a number"));
        }
        let sec: i64 = whole.parse().map_err(|_| bad("out of range"))?;
        if sec > MAX_SECONDS {
            return Err(bad("out of range"));
        }
        return with_fraction(sec, frac, end).map_err(bad);
    }
    // A date, then maybe a time.
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return Err(bad("not a number or a date"));
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = s.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return Err(bad("the date is not YYYY-MM-DD"));
    };
    if !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return Err(bad("no such date"));
    }
    let day = days_from_civil(y, m, d) * 86_400;
    let rest = &s[10..];
    if rest.is_empty() || rest == "Z" {
        return Ok(if end {
            Timestamp::new(day + 86_399, 999_999)
        } else {
            Timestamp::new(day, 0)
        });
    }
    let rest = rest.strip_suffix('Z').unwrap_or(rest);
    let Some(time) = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' ')) else {
        return Err(bad("the time must follow the date after `T`"));
    };
    let (hms, frac) = match time.split_once('.') {
        Some((t, f)) => (t, Some(f)),
        None => (time, None),
    };
    let tb = hms.as_bytes();
    if tb.len() != 8 || tb[2] != b':' || tb[5] != b':' {
        return Err(bad("the time is not HH:MM:SS"));
    }
    let field = |r: std::ops::Range<usize>| -> Option<i64> {
        let part = hms.get(r)?;
        if part.bytes().all(|c| c.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (Some(h), Some(mi), Some(sec)) = (field(0..2), field(3..5), field(6..8)) else {
        return Err(bad("the time is not HH:MM:SS"));
    };
    if h > 23 || mi > 59 || sec > 59 {
        return Err(bad("no such time of day"));
    }
    with_fraction(day + h * 3600 + mi * 60 + sec, frac, end).map_err(bad)
}

/// Latest second a time may name (year 9999).
const MAX_SECONDS: i64 = 253_402_300_799;

fn with_fraction(sec: i64, frac: Option<&str>, end: bool) -> Result<Timestamp, &'static str> {
    match frac {
        None => Ok(Timestamp::new(sec, if end { 999_999 } else { 0 })),
        Some(f) => {
            if f.is_empty() || f.len() > 6 || !f.bytes().all(|c| c.is_ascii_digit()) {
                return Err("the fraction must be 1 to 6 digits");
            }
            let mut usec: i64 = f.parse().map_err(|_| "bad fraction")?;
            for _ in f.len()..6 {
                usec *= 10;
            }
            Ok(Timestamp::new(sec, usec))
        }
    }
}

/// Parses a MAC address given on the command line: six (or, EUI-64, eight) two-digit hex
/// groups separated by `:` or `-`, any case: `AA:BB:CC:DD:EE:FF`, `aa-bb-cc-dd-ee-ff`.
pub fn parse_mac(text: &str) -> Result<MacAddr, String> {
    let t = text.trim().replace('-', ":");
    let groups: Vec<&str> = t.split(':').collect();
    let well_formed = matches!(groups.len(), 6 | 8)
        && groups
            .iter()
            .all(|g| g.len() == 2 && g.bytes().all(|b| b.is_ascii_hexdigit()));
    match t.parse::<MacAddr>() {
        Ok(m) if well_formed => Ok(m),
        _ => Err(format!(
            "invalid MAC address {text:?} (expected AA:BB:CC:DD:EE:FF)"
        )),
    }
}

/// Parses a datasource UUID (`8-4-4-4-12` hex digits, any case).
pub fn parse_uuid(text: &str) -> Result<Uuid, String> {
    text.trim().parse::<Uuid>().map_err(|_| {
        format!("invalid datasource UUID {text:?} (expected XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)")
    })
}

// ---------------------------------------------------------------------------------------------
// Options, statistics, errors

/// The output format.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// pcapng: any number of interfaces, per-packet GPS and comments.
    #[default]
    Pcapng,
    /// Classic (libpcap) pcap: one link type for the whole file, no GPS, no comments.
    Pcap,
}

/// How interfaces are named in a pcapng.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InterfaceNaming {
    /// As `osprey log to-pcap` names them: `if_name` = the datasource's capture interface
    /// (else its name), `if_description` =
    /// `datasource {name} ({interface} - {definition}) {UUID}`; a datasource the log does not
    /// list is named after its UUID.
    #[default]
    Tool,
    /// As Kismet's REST export names them: `if_name` = the datasource's name,
    /// `if_description` = `kismetdb stored interface {name} {UUID}`; packets of datasources the
    /// log does not list share Kismet's placeholder (`lo`, `kismetdb stored interface lo 0`).
    Rest,
}

/// In which order packets are written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    /// Capture time (the instant `ts_sec` + `ts_usec`, then file order): streamed as stored
    /// when the table already is in that order, else sorted by SQLite.
    #[default]
    Time,
    /// File (rowid) order, as Kismet's tool writes them.
    File,
    /// Capture time, for a caller that can throw away what was written (a file under a
    /// temporary name): instead of checking the table's order before writing anything, the
    /// rows are streamed in file order while their order is checked, and the export stops with
    /// [`Error::NotInTimeOrder`] at the first batch that is out of capture-time order; the
    /// caller then starts over on a new output with [`Order::Time`]. The output, when complete,
    /// is the same as with [`Order::Time`]; a log stored in time order (the usual case) is
    /// read once instead of twice. Behaves as [`Order::Time`] with a limit, or when the table
    /// is read through SQLite.
    TimeOrRetry,
}

/// Options of an export.
#[derive(Clone, Debug)]
pub struct ExportOptions {
    /// Output format.
    pub format: Format,
    /// `shb_userappl` of a pcapng.
    pub application: String,
    /// Link type of a classic pcap; `None` takes the link type of the selected packets (an
    /// error when they have several).
    pub pcap_dlt: Option<u32>,
    /// Write Kismet's GPS option on packets that have a location (pcapng).
    pub gps: bool,
    /// Write the packets' tags as their comment (pcapng).
    pub tags: bool,
    /// How pcapng interfaces are named.
    pub naming: InterfaceNaming,
    /// Packet order.
    pub order: Order,
    /// At most this many packets.
    pub limit: Option<u64>,
}

impl Default for ExportOptions {
    fn default() -> Self {
        ExportOptions {
            format: Format::Pcapng,
            application: APPLICATION.to_string(),
            pcap_dlt: None,
            gps: true,
            tags: true,
            naming: InterfaceNaming::Tool,
            order: Order::Time,
            limit: None,
        }
    }
}

/// Counters of one export.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExportStats {
    /// Packet rows read.
    pub rows: u64,
    /// Rows that passed the filter.
    pub matched: u64,
    /// Packets written.
    pub packets: u64,
    /// Frame bytes written (captured lengths, without file framing).
    pub bytes: u64,
    /// Interfaces declared (pcapng; 1 for a classic pcap).
    pub interfaces: u32,
    /// Matching rows that the format cannot hold, left out: a time before 1970 (or after 2106
    /// in a classic pcap) or a link type outside 0..=65535.
    pub skipped: u64,
    /// Frames cut to [`SNAPLEN`] (their original length is kept).
    pub truncated: u64,
    /// Packets with Kismet's GPS option.
    pub with_gps: u64,
    /// Packets written per link type, in order of first appearance.
    pub link_types: Vec<(u32, u64)>,
    /// True when the rows had to be sorted by time (the table was not stored in time order).
    pub sorted: bool,
}

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading the log failed (busy, damaged file, undecodable row); the message names the
    /// file and, for a bad row, its table, rowid and column.
    #[error("{0}")]
    Read(#[from] kismetdb::Error),
    /// Writing the output failed.
    #[error("writing the output failed: {0}")]
    Write(#[source] io::Error),
    /// A classic pcap holds one link type and the selection has several.
    #[error(
        "a classic pcap holds one link type, but the selected packets have {}; choose one \
         with --dlt, or write a pcapng",
        describe_link_types(.0)
    )]
    MixedLinkTypes(
        /// Every link type of the selection with its packet count, in order of first
        /// appearance.
        Vec<(u32, u64)>,
    ),
    /// With [`Order::TimeOrRetry`]: the log is not stored in capture-time order. What was
    /// written must be thrown away and the export run again with [`Order::Time`].
    #[error("the log is not stored in capture-time order; export again with Order::Time")]
    NotInTimeOrder,
}

/// `105 (IEEE802_11, 10 packets) and 127 (IEEE802_11_RADIOTAP, 3 packets)`.
pub fn describe_link_types(dlts: &[(u32, u64)]) -> String {
    let parts: Vec<String> = dlts
        .iter()
        .map(|(d, n)| {
            let name = osprey_capture::dlt::name(*d);
            let unit = if *n == 1 { "packet" } else { "packets" };
            if name == "unknown" {
                format!("DLT {d} ({n} {unit})")
            } else {
                format!("DLT {d} {name} ({n} {unit})")
            }
        })
        .collect();
    match parts.len() {
        0 => "none".into(),
        1 => parts[0].clone(),
        n => format!("{} and {}", parts[..n - 1].join(", "), parts[n - 1]),
    }
}

fn count_dlt(list: &mut Vec<(u32, u64)>, dlt: u32) {
    match list.iter_mut().find(|(d, _)| *d == dlt) {
        Some((_, n)) => *n += 1,
        None => list.push((dlt, 1)),
    }
}

// ---------------------------------------------------------------------------------------------
// Export

/// What a datasource row tells about an interface.
struct Source {
    name: String,
    interface: String,
    definition: String,
}

/// The datasources the log lists, by UUID (empty when it has no `datasources` table).
fn datasources(reader: &Reader) -> Result<HashMap<Uuid, Source>, kismetdb::Error> {
    let mut out = HashMap::new();
    if reader.columns(Table::Datasources).is_none() {
        return Ok(out);
    }
    reader
        .datasources()?
        .for_each(|r| -> kismetdb::Result<()> {
            out.entry(r.uuid).or_insert_with(|| Source {
                name: r.name.into_owned(),
                interface: r.interface.into_owned(),
                definition: r.definition.into_owned(),
            });
            Ok(())
        })?;
    Ok(out)
}

/// One packet as the output needs it, borrowed from the row being read.
struct Packet<'a> {
    ts: Timestamp,
    dlt: i64,
    datasource: Uuid,
    data: &'a [u8],
    full_len: i64,
    lat: f64,
    lon: f64,
    alt: f64,
    tags: &'a str,
}

/// The interface a packet goes to.
type IfaceKey = (Option<Uuid>, u16);

/// The file being written.
enum Sink<W: Write> {
    Pcapng {
        w: PcapngWriter<W>,
        ifaces: HashMap<IfaceKey, u32>,
        /// The datasource and link type of the last packet and their interface, to skip the
        /// hash for runs of one interface.
        last: Option<((Uuid, u16), u32)>,
    },
    Pcap {
        out: W,
        /// Set once the header is written.
        linktype: Option<u16>,
        /// The link type asked for, if any.
        wanted: Option<u16>,
        /// The selection turned out to hold several link types: nothing more is written, the
        /// rest is only counted.
        mixed: bool,
        /// A record being assembled (reused).
        record: Vec<u8>,
    },
}

/// An export in progress: the output and its counters.
struct Output<'s, W: Write> {
    sink: Sink<W>,
    sources: &'s HashMap<Uuid, Source>,
    options: &'s ExportOptions,
    stats: ExportStats,
    /// Every selected packet's link type, written or not (for the mixed-link-type error).
    selected: Vec<(u32, u64)>,
}

fn pcap_header(linktype: u16) -> [u8; 24] {
    let mut h = [0u8; 24];
    h[0..4].copy_from_slice(&PCAP_MAGIC.to_le_bytes());
    h[4..6].copy_from_slice(&2u16.to_le_bytes());
    h[6..8].copy_from_slice(&4u16.to_le_bytes());
    // thiszone, sigfigs: 0.
    h[16..20].copy_from_slice(&SNAPLEN.to_le_bytes());
    h[20..24].copy_from_slice(&u32::from(linktype).to_le_bytes());
    h
}

/// Seconds and microseconds with the microseconds carried into the seconds, or `None` for a
/// time before 1970 or too far out for pcapng's 64-bit microseconds.
fn normalize(ts: Timestamp) -> Option<Timestamp> {
    let t = ticks(ts);
    if t < 0 || t > i128::from(u64::MAX) {
        return None;
    }
    Some(Timestamp::new(
        i64::try_from(t / 1_000_000).ok()?,
        (t % 1_000_000) as i64,
    ))
}

impl<'s, W: Write> Output<'s, W> {
    fn new(
        buffered: W,
        sources: &'s HashMap<Uuid, Source>,
        options: &'s ExportOptions,
    ) -> Result<Output<'s, W>, Error> {
        let sink = match options.format {
            Format::Pcapng => Sink::Pcapng {
                w: PcapngWriter::new(buffered, &options.application).map_err(Error::Write)?,
                ifaces: HashMap::new(),
                last: None,
            },
            Format::Pcap => Sink::Pcap {
                out: buffered,
                linktype: None,
                wanted: match options.pcap_dlt {
                    Some(d) => Some(u16::try_from(d).map_err(|_| {
                        Error::Write(io::Error::new(
                            io::ErrorKind::InvalidInput,
                            format!("link type {d} does not fit a pcap's 16 bits"),
                        ))
                    })?),
                    None => None,
                },
                mixed: false,
                record: Vec::with_capacity(16 + 4096),
            },
        };
        Ok(Output {
            sink,
            sources,
            options,
            stats: ExportStats::default(),
            selected: Vec::new(),
        })
    }

    /// Writes one selected packet (or counts it as skipped).
    fn packet(&mut self, p: &Packet<'_>) -> io::Result<()> {
        let stats = &mut self.stats;
        stats.matched += 1;
        let (Ok(dlt), Some(ts)) = (u16::try_from(p.dlt), normalize(p.ts)) else {
            stats.skipped += 1;
            return Ok(());
        };
        count_dlt(&mut self.selected, u32::from(dlt));
        let data = &p.data[..p.data.len().min(SNAPLEN as usize)];
        let orig_len = u32::try_from(p.full_len.max(p.data.len() as i64)).unwrap_or(u32::MAX);
        match &mut self.sink {
            Sink::Pcapng { w, ifaces, last } => {
                let raw = (p.datasource, dlt);
                let interface = match *last {
                    Some((k, id)) if k == raw => id,
                    _ => {
                        let known = self.sources.get_key_value(&p.datasource);
                        let key: IfaceKey = match self.options.naming {
                            InterfaceNaming::Tool => (Some(p.datasource), dlt),
                            InterfaceNaming::Rest => (known.map(|(u, _)| *u), dlt),
                        };
                        let id = match ifaces.get(&key) {
                            Some(&id) => id,
                            None => {
                                let desc =
                                    interface_desc(self.options.naming, p.datasource, known, dlt);
                                let id = w.add_interface(&desc)?;
                                ifaces.insert(key, id);
                                stats.interfaces += 1;
                                id
                            }
                        };
                        *last = Some((raw, id));
                        id
                    }
                };
                let gps = (self.options.gps && p.lat != 0.0 && p.lon != 0.0).then_some(Gps {
                    lat: p.lat,
                    lon: p.lon,
                    alt: p.alt,
                });
                let opts = PacketOptions {
                    comment: Some(p.tags).filter(|t| self.options.tags && !t.is_empty()),
                    gps,
                };
                w.write_packet(interface, ts, data, orig_len, &opts)?;
                if gps.is_some() {
                    stats.with_gps += 1;
                }
            }
            Sink::Pcap {
                out,
                linktype,
                wanted,
                mixed,
                record,
            } => {
                if *mixed {
                    return Ok(());
                }
                let Ok(sec) = u32::try_from(ts.sec) else {
                    stats.skipped += 1;
                    return Ok(());
                };
                let lt = match *linktype {
                    Some(lt) => lt,
                    None => {
                        let lt = wanted.unwrap_or(dlt);
                        out.write_all(&pcap_header(lt))?;
                        *linktype = Some(lt);
                        stats.interfaces = 1;
                        lt
                    }
                };
                if lt != dlt {
                    // A second link type in the selection. Stop writing; the export reports
                    // every link type once the whole selection has been counted.
                    *mixed = true;
                    return Ok(());
                }
                record.clear();
                record.extend_from_slice(&sec.to_le_bytes());
                record.extend_from_slice(&(ts.usec as u32).to_le_bytes());
                record.extend_from_slice(&(data.len() as u32).to_le_bytes());
                record.extend_from_slice(&orig_len.max(data.len() as u32).to_le_bytes());
                out.write_all(record)?;
                out.write_all(data)?;
            }
        }
        if data.len() < p.data.len() {
            stats.truncated += 1;
        }
        stats.packets += 1;
        stats.bytes += data.len() as u64;
        count_dlt(&mut stats.link_types, u32::from(dlt));
        Ok(())
    }

    /// Ends the file and flushes it.
    fn finish(self) -> Result<ExportStats, Error> {
        let mut stats = self.stats;
        match self.sink {
            Sink::Pcapng { w, .. } => {
                let mut b = w.finish().map_err(Error::Write)?;
                b.flush().map_err(Error::Write)?;
            }
            Sink::Pcap {
                mut out,
                linktype,
                wanted,
                mixed,
                ..
            } => {
                if mixed {
                    return Err(Error::MixedLinkTypes(self.selected));
                }
                if linktype.is_none() {
                    // Nothing written: a valid empty pcap of the link type asked for (else 0).
                    out.write_all(&pcap_header(wanted.unwrap_or(0)))
                        .map_err(Error::Write)?;
                    stats.interfaces = 1;
                }
                out.flush().map_err(Error::Write)?;
            }
        }
        Ok(stats)
    }
}

fn interface_desc(
    naming: InterfaceNaming,
    uuid: Uuid,
    known: Option<(&Uuid, &Source)>,
    dlt: u16,
) -> InterfaceDesc {
    let desc = InterfaceDesc {
        snaplen: SNAPLEN,
        ..InterfaceDesc::new(u32::from(dlt))
    };
    match (naming, known) {
        (InterfaceNaming::Tool, Some((u, s))) => {
            let name = [&s.interface, &s.name]
                .into_iter()
                .find(|n| !n.is_empty())
                .cloned()
                .unwrap_or_else(|| u.to_string());
            desc.name(name).description(format!(
                "datasource {} ({} - {}) {u}",
                s.name, s.interface, s.definition
            ))
        }
        (InterfaceNaming::Tool, None) => desc.name(uuid.to_string()).description(format!(
            "datasource {uuid} (not in the log's datasources table)"
        )),
        (InterfaceNaming::Rest, Some((u, s))) => desc
            .name(s.name.clone())
            .description(format!("kismetdb stored interface {} {u}", s.name)),
        (InterfaceNaming::Rest, None) => desc
            .name("lo")
            .description("kismetdb stored interface lo 0"),
    }
}

/// Why the row loop stopped early.
enum Halt {
    Db(kismetdb::Error),
    Io(io::Error),
    Limit,
}

impl From<kismetdb::Error> for Halt {
    fn from(e: kismetdb::Error) -> Self {
        Halt::Db(e)
    }
}

impl Halt {
    fn into_result(r: Result<(), Halt>) -> Result<(), Error> {
        match r {
            Ok(()) | Err(Halt::Limit) => Ok(()),
            Err(Halt::Db(e)) => Err(Error::Read(e)),
            Err(Halt::Io(e)) => Err(Error::Write(e)),
        }
    }
}

/// Counts a row read and calls the progress callback every [`PROGRESS_EVERY`] rows.
fn tick(rows: &mut u64, progress: &mut Option<&mut dyn FnMut(u64)>) {
    *rows += 1;
    if *rows % PROGRESS_EVERY == 0 {
        if let Some(f) = progress.as_mut() {
            f(*rows);
        }
    }
}

/// What the rows of [`export`] are read for: the filter and how to decode them.
struct RowCtx<'a> {
    path: &'a Path,
    filter: &'a Filter,
    needs: Needs,
    /// Divisor of stored GPS values (100 000 for db_version ≤ 4).
    gps_div: f64,
    limit: u64,
    /// Check that the rows are in capture-time order while reading them
    /// ([`Order::TimeOrRetry`]).
    check_order: bool,
}

/// Writes the packets of `reader`'s log that pass `filter` to `out`, and flushes it. This is
/// `osprey log to-pcap`.
///
/// The whole export runs inside one read transaction of a second read-only connection, so it
/// sees one state of the log even while a writer appends to it. When the log is an ordinary
/// rollback-journal SQLite file (as Kismet and Osprey write them), the packets table's b-tree
/// pages are read directly through SQLite's file handles (see `btree`) and only the columns
/// the export and the filter need are decoded; otherwise SQLite runs a query that selects just
/// those columns. Capture-time order is checked first (the two halves of the table at once, on
/// two threads), or while writing with [`Order::TimeOrRetry`]; a table not stored in that order
/// is sorted by SQLite (in bounded memory, spilling to temporary files). Then two threads read, decode and filter the rows, taking
/// turns at batches of pages, while the calling thread writes the packets in order to `out`;
/// a few batches are in flight at a time, so memory does not depend on the size of the log.
/// `progress`, when given, is called every 65 536 rows and at the end with the number of rows
/// read so far.
///
/// On an error the output holds whole blocks up to the failure and should be discarded (the
/// CLI writes through [`crate::output::AtomicOutput`], which does).
pub fn export(
    reader: &Reader,
    filter: &Filter,
    options: &ExportOptions,
    out: &mut dyn Write,
    mut progress: Option<&mut dyn FnMut(u64)>,
) -> Result<ExportStats, Error> {
    let sources = datasources(reader)?;
    let limit = options.limit.unwrap_or(u64::MAX);
    if limit == 0 {
        let buffered = io::BufWriter::with_capacity(OUT_BUFFER, out);
        return Output::new(buffered, &sources, options)?.finish();
    }
    let path = reader.path();
    let cols = reader
        .columns(Table::Packets)
        .ok_or_else(|| kismetdb::Error::Schema {
            path: path.to_path_buf(),
            table: "packets",
            detail: "the table is missing".into(),
        })?;
    let pcapng = options.format == Format::Pcapng;
    let needs = Needs {
        macs: !filter.macs.is_empty(),
        gps: pcapng && options.gps,
        tags: pcapng && options.tags,
        frequency: filter.frequency.is_some()
            || filter.freq_min.is_some()
            || filter.freq_max.is_some(),
        signal: filter.signal_min.is_some() || filter.signal_max.is_some(),
    };
    let mut ctx = RowCtx {
        path,
        filter,
        needs,
        gps_div: if reader.gps_is_normalized_int() {
            100_000.0
        } else {
            1.0
        },
        limit,
        check_order: false,
    };
    let slots = slots(cols, needs);

    // One read transaction for the whole export: while it holds the shared lock no writer can
    // change the file, so both connections and every pass see the same rows.
    let first = open_second(reader)?;
    first
        .execute_batch("BEGIN")
        .map_err(|e| sql_error(path, READING, e))?;
    let mut tree = direct_table(&first, path, cols)?;
    let mut second = open_second(reader)?;
    let mut by_time = false;
    let ts = (column_index(cols, "ts_sec"), column_index(cols, "ts_usec"));
    if options.order == Order::TimeOrRetry
        && limit == u64::MAX
        && tree.is_some()
        && matches!(ts, (Some(_), Some(_)))
    {
        // Checked while reading: see `Order::TimeOrRetry`.
        ctx.check_order = true;
    } else if options.order != Order::File {
        match (tree, ts) {
            (Some(t), (Some(sec), Some(usec))) => {
                let (conn, verdict) = time_ordered_direct(&first, second, t, sec, usec);
                second = match conn {
                    Some(c) => c,
                    None => open_second(reader)?,
                };
                match verdict {
                    Ok(in_order) => by_time = !in_order,
                    Err(_) => {
                        // Leave a table this reader finds odd to SQLite.
                        tree = None;
                        by_time = !stored_in_time_order_conn(&first, cols);
                    }
                }
            }
            _ => by_time = !stored_in_time_order_conn(&first, cols),
        }
    }
    let (rows, conns) = match tree {
        Some(t) if !by_time => (
            Rows::Tree(t, Box::new(direct_plan(&slots, cols))),
            vec![second, open_second(reader)?],
        ),
        _ => (Rows::Sql(packet_select(&slots, by_time)), vec![second]),
    };
    let result = pipeline(
        conns,
        &rows,
        &ctx,
        &sources,
        options,
        by_time,
        out,
        &mut progress,
    );
    drop(first);
    result
}

/// Where the rows of an export come from.
enum Rows {
    /// The packets table's pages, read directly in rowid order by two threads, each through
    /// its own connection, taking turns batch by batch.
    Tree(DirectTable, Box<DirectPlan>),
    /// SQLite, running this query over the result columns of [`slots`].
    Sql(String),
}

/// Rows a reading thread puts in one [`Batch`] when SQLite reads them (the direct reader
/// makes one batch of each 512 KiB of leaf pages).
const SQL_BATCH_ROWS: u64 = 2048;

/// Batches waiting for the writing thread, per reading thread (memory stays a few MiB).
const BATCHES_IN_FLIGHT: usize = 3;

/// A packet that passed the filter, waiting in a [`Batch`] to be written.
struct Pending {
    /// Rows of the batch before this packet's.
    row: u32,
    ts: Timestamp,
    dlt: i64,
    datasource: Uuid,
    full_len: i64,
    lat: f64,
    lon: f64,
    alt: f64,
    /// Where the frame is in [`Batch::data`].
    data: (usize, usize),
    /// Where the tags are in [`Batch::tags`].
    tags: (usize, usize),
}

/// Rows decoded and filtered by a reading thread, in order, for the writing thread.
#[derive(Default)]
struct Batch {
    packets: Vec<Pending>,
    data: Vec<u8>,
    tags: String,
    /// Rows read for this batch (each packet is one of them).
    rows: u64,
    /// The batch ends on this error, raised by row number `rows` (counted in `rows`).
    error: Option<kismetdb::Error>,
    /// With [`RowCtx::check_order`]: the capture times of the batch's first and last rows
    /// (microseconds), or `None` when the batch has no row.
    times: Option<(i128, i128)>,
    /// With [`RowCtx::check_order`]: a row is earlier than the one before it, its time is not
    /// a pair of integers, or a page is damaged.
    unordered: bool,
    /// The rowids of the first and last rows read directly (they must grow from batch to
    /// batch).
    rowids: Option<(i64, i64)>,
}

impl Batch {
    fn clear(&mut self) {
        self.packets.clear();
        self.data.clear();
        self.tags.clear();
        self.rows = 0;
        self.error = None;
        self.times = None;
        self.unordered = false;
        self.rowids = None;
    }

    /// Notes the capture time of the next row (its `ts_sec` and `ts_usec` values).
    fn note_time(&mut self, sec: ValueRef<'_>, usec: ValueRef<'_>) {
        let (ValueRef::Integer(s), ValueRef::Integer(u)) = (sec, usec) else {
            self.unordered = true;
            return;
        };
        let t = i128::from(s) * 1_000_000 + i128::from(u);
        match &mut self.times {
            None => self.times = Some((t, t)),
            Some((_, last)) => {
                if t < *last {
                    self.unordered = true;
                }
                *last = t;
            }
        }
    }

    fn packet(&self, p: &Pending) -> Packet<'_> {
        Packet {
            ts: p.ts,
            dlt: p.dlt,
            datasource: p.datasource,
            data: &self.data[p.data.0..p.data.1],
            full_len: p.full_len,
            lat: p.lat,
            lon: p.lon,
            alt: p.alt,
            tags: &self.tags[p.tags.0..p.tags.1],
        }
    }
}

/// One reading thread's side of the pipeline: batches it fills go out on `full`, written ones
/// come back on `empty`.
struct Feed {
    full: mpsc::SyncSender<Batch>,
    empty: mpsc::Receiver<Batch>,
    batch: Batch,
    uuids: UuidCache,
}

/// The reader of the pipeline stopped: the writing thread is gone (it failed or has enough).
struct Gone;

impl Feed {
    /// Hands the batch being filled to the writing thread (an empty one only when `always`:
    /// the writer takes the batches of several readers in turns, one per batch of pages).
    fn ship(&mut self, always: bool) -> Result<(), Gone> {
        if !always && self.batch.rows == 0 && self.batch.error.is_none() {
            return Ok(());
        }
        let mut next = self.empty.try_recv().unwrap_or_default();
        next.clear();
        let full = std::mem::replace(&mut self.batch, next);
        self.full.send(full).map_err(|_| Gone)
    }

    /// Ends the feed on an error (after the rows before it).
    fn fail(&mut self, e: kismetdb::Error) {
        self.batch.error = Some(e);
        let _ = self.ship(true);
    }
}

/// Runs an export on several threads: spawned ones read the rows (each through its own
/// connection), decode and filter them into batches; this one writes the packets of the
/// batches, in order, to `out`, calls `progress` and flushes `out`.
#[allow(clippy::too_many_arguments)]
fn pipeline(
    conns: Vec<Connection>,
    rows: &Rows,
    ctx: &RowCtx<'_>,
    sources: &HashMap<Uuid, Source>,
    options: &ExportOptions,
    sorted: bool,
    out: &mut dyn Write,
    progress: &mut Option<&mut dyn FnMut(u64)>,
) -> Result<ExportStats, Error> {
    let mut output = Output::new(
        io::BufWriter::with_capacity(OUT_BUFFER, out),
        sources,
        options,
    )?;
    output.stats.sorted = sorted;
    let readers = conns.len();
    std::thread::scope(|scope| {
        let mut feeds = Vec::with_capacity(readers);
        let mut threads = Vec::with_capacity(readers);
        for (k, conn) in conns.into_iter().enumerate() {
            let (full_tx, full_rx) = mpsc::sync_channel::<Batch>(BATCHES_IN_FLIGHT);
            let (empty_tx, empty_rx) = mpsc::channel::<Batch>();
            feeds.push((full_rx, empty_tx));
            let mut feed = Feed {
                full: full_tx,
                empty: empty_rx,
                batch: Batch::default(),
                uuids: UuidCache::default(),
            };
            threads.push(scope.spawn(move || {
                read_rows(&conn, rows, ctx, (k, readers), &mut feed);
                // Dropping the feed tells the writing thread this reader is done.
                drop(feed);
                conn
            }));
        }
        let mut next_tick = PROGRESS_EVERY;
        let mut rows_read = 0u64;
        let mut last_time = i128::MIN;
        let mut last_rowid = i64::MIN;
        let mut result: Result<(), Error> = Ok(());
        'batches: for turn in 0usize.. {
            let (full, empty) = &feeds[turn % readers];
            // A closed feed in its turn: every row has been read.
            let Ok(batch) = full.recv() else { break };
            if let Some((first, last)) = batch.rowids {
                // Batches read by different threads: a damaged b-tree could hand out a page
                // twice.
                if first <= last_rowid {
                    result = Err(if ctx.check_order {
                        Error::NotInTimeOrder
                    } else {
                        Error::Read(fault_error(
                            ctx.path,
                            btree::Fault::Corrupt(format!(
                                "rowid {first} follows rowid {last_rowid}"
                            )),
                        ))
                    });
                    break;
                }
                last_rowid = last;
            }
            if ctx.check_order {
                if batch.unordered || batch.times.is_some_and(|(first, _)| first < last_time) {
                    result = Err(Error::NotInTimeOrder);
                    break;
                }
                if let Some((_, last)) = batch.times {
                    last_time = last;
                }
            }
            for p in &batch.packets {
                if let Err(e) = output.packet(&batch.packet(p)) {
                    result = Err(Error::Write(e));
                    break 'batches;
                }
                if output.stats.matched >= ctx.limit {
                    rows_read += u64::from(p.row) + 1;
                    break 'batches;
                }
            }
            rows_read += batch.rows;
            if let Some(f) = progress.as_mut() {
                while next_tick <= rows_read {
                    f(next_tick);
                    next_tick += PROGRESS_EVERY;
                }
            }
            if let Some(e) = batch.error {
                result = Err(Error::Read(e));
                break;
            }
            // The reader may be gone already; then the batch is just dropped.
            let _ = empty.send(batch);
        }
        // Unblocks readers still waiting to hand over a batch.
        drop(feeds);
        let mut failed = false;
        for t in threads {
            failed |= t.join().is_err();
        }
        if let Some(f) = progress.as_mut() {
            while next_tick <= rows_read {
                f(next_tick);
                next_tick += PROGRESS_EVERY;
            }
            f(rows_read);
        }
        result?;
        if failed {
            return Err(Error::Write(io::Error::other(
                "internal error: a thread reading the log failed",
            )));
        }
        output.stats.rows = rows_read;
        output.finish()
    })
}

/// Stops the direct reader's walk: a damaged page, a bad row, or the writing thread is gone.
enum Stop {
    Fault(btree::Fault),
    Row(kismetdb::Error),
    Gone,
}

impl From<btree::Fault> for Stop {
    fn from(f: btree::Fault) -> Self {
        Stop::Fault(f)
    }
}

/// What reading [`READING`] a damaged page means for the caller.
fn fault_error(path: &Path, f: btree::Fault) -> kismetdb::Error {
    match f {
        btree::Fault::Corrupt(detail) => kismetdb::Error::Corrupt {
            path: path.to_path_buf(),
            context: READING.to_string(),
            detail,
        },
        btree::Fault::Io(detail) => kismetdb::Error::Io {
            path: path.to_path_buf(),
            context: READING,
            source: io::Error::other(detail),
        },
    }
}

/// A reading thread: reads its share of the rows through `conn`, decodes and filters them
/// into batches for the writing thread. Errors end the feed in order, after the rows before
/// them.
fn read_rows(
    conn: &Connection,
    rows: &Rows,
    ctx: &RowCtx<'_>,
    share: (usize, usize),
    feed: &mut Feed,
) {
    let path = ctx.path;
    match rows {
        Rows::Sql(sql) => {
            let r = (|| -> Result<(), Stop> {
                let err = |e| Stop::Row(sql_error(path, READING, e));
                let mut stmt = conn.prepare(sql).map_err(err)?;
                let mut rs = stmt.raw_query();
                while let Some(row) = rs.next().map_err(err)? {
                    feed.batch.rows += 1;
                    let mut v = [ValueRef::Null; SLOTS];
                    for (i, slot) in v.iter_mut().enumerate() {
                        *slot = row.get_ref(i).map_err(err)?;
                    }
                    let rowid = match v[0] {
                        ValueRef::Integer(r) => r,
                        _ => 0,
                    };
                    select(&Dec { path, rowid, v }, ctx, feed).map_err(Stop::Row)?;
                    if feed.batch.rows >= SQL_BATCH_ROWS {
                        feed.ship(false).map_err(|_| Stop::Gone)?;
                    }
                }
                feed.ship(false).map_err(|_| Stop::Gone)
            })();
            match r {
                Ok(()) | Err(Stop::Gone) => {}
                Err(Stop::Row(e)) => feed.fail(e),
                Err(Stop::Fault(f)) => feed.fail(fault_error(path, f)),
            }
        }
        Rows::Tree(table, plan) => {
            // A page the direct reader finds damaged: an error, or, when the caller can start
            // over, a reason to (its export with `Order::Time` then leaves the file to SQLite).
            let damaged = |feed: &mut Feed, f: btree::Fault| {
                if ctx.check_order {
                    feed.batch.unordered = true;
                    let _ = feed.ship(true);
                } else {
                    feed.fail(fault_error(path, f));
                }
            };
            let tree = match table.open(conn) {
                Ok(t) => t,
                Err(f) => return damaged(feed, f),
            };
            let mut each = |row: Option<(i64, &[u8])>| -> Result<(), Stop> {
                let Some((rowid, record)) = row else {
                    return feed.ship(true).map_err(|_| Stop::Gone);
                };
                feed.batch.rows += 1;
                let ids = feed.batch.rowids.get_or_insert((rowid, rowid));
                ids.1 = rowid;
                let mut v: [ValueRef<'_>; SLOTS] = plan.constants;
                v[0] = ValueRef::Integer(rowid);
                btree::decode(record, &plan.wanted, &mut v)?;
                if ctx.check_order {
                    feed.batch.note_time(v[1], v[2]);
                }
                select(&Dec { path, rowid, v }, ctx, feed).map_err(Stop::Row)
            };
            let walked = tree.rows(tree.all(), share, &mut each);
            match walked {
                Ok(()) | Err(Stop::Gone) => {}
                Err(Stop::Row(e)) => feed.fail(e),
                Err(Stop::Fault(f)) => damaged(feed, f),
            }
        }
    }
}

/// Decodes one row and, when it passes the filter, adds its packet to the feed's batch.
fn select(d: &Dec<'_>, ctx: &RowCtx<'_>, feed: &mut Feed) -> Result<(), kismetdb::Error> {
    let fields = Fields {
        ts: Timestamp::new(d.int(1, "ts_sec")?, d.int(2, "ts_usec")?),
        dlt: d.int(3, "dlt")?,
        datasource: feed.uuids.get(d, 4)?,
        frequency: d.real(11, "frequency")?,
        signal: d.i32(12, "signal")?,
    };
    let pass = ctx
        .filter
        .passes(&fields, &mut || -> Result<_, kismetdb::Error> {
            Ok([
                d.mac(13, "sourcemac")?,
                d.mac(14, "destmac")?,
                d.mac(15, "transmac")?,
            ])
        })?;
    if !pass {
        return Ok(());
    }
    let (lat, lon, alt) = if ctx.needs.gps {
        (
            d.real(6, "lat")? / ctx.gps_div,
            d.real(7, "lon")? / ctx.gps_div,
            d.real(8, "alt")?,
        )
    } else {
        (0.0, 0.0, 0.0)
    };
    let data = d.bytes(5, "packet")?;
    let full_len = d.int(10, "packet_full_len")?;
    let b = &mut feed.batch;
    let at = b.data.len();
    b.data.extend_from_slice(data);
    let tags_at = b.tags.len();
    if ctx.needs.tags {
        b.tags.push_str(&d.text(9));
    }
    b.packets.push(Pending {
        // A batch holds far fewer than 2^32 rows.
        row: (b.rows - 1) as u32,
        ts: fields.ts,
        dlt: fields.dlt,
        datasource: fields.datasource,
        full_len,
        lat,
        lon,
        alt,
        data: (at, b.data.len()),
        tags: (tags_at, b.tags.len()),
    });
    Ok(())
}

/// Like [`export`], but selects packets with any predicate over whole rows decoded by the
/// kismetdb [`Reader`] (for filters [`Filter`] cannot express, such as the REST API's `LIKE`
/// patterns). Slower than [`export`]: every column of every row is decoded. Its time order is
/// the reader's (`ORDER BY ts_sec, ts_usec`), which differs from [`export`]'s only for rows
/// whose `ts_usec` is outside 0..10^6.
pub fn export_matching(
    reader: &Reader,
    select: &dyn Fn(&PacketRow<'_>) -> bool,
    options: &ExportOptions,
    out: &mut dyn Write,
    mut progress: Option<&mut dyn FnMut(u64)>,
) -> Result<ExportStats, Error> {
    let sources = datasources(reader)?;
    let buffered = io::BufWriter::with_capacity(OUT_BUFFER, out);
    let mut output = Output::new(buffered, &sources, options)?;
    let limit = options.limit.unwrap_or(u64::MAX);
    if limit > 0 {
        let by_time = options.order != Order::File && !stored_in_time_order(reader);
        output.stats.sorted = by_time;
        let mut query = if by_time {
            reader.packets_by_time()?
        } else {
            reader.packets()?
        };
        let mut rows_read = 0u64;
        let run = query.for_each(|p| -> Result<(), Halt> {
            tick(&mut rows_read, &mut progress);
            if !select(&p) {
                return Ok(());
            }
            let packet = Packet {
                ts: p.ts,
                dlt: i64::from(p.dlt),
                datasource: p.datasource,
                data: &p.packet,
                full_len: p.packet_full_len,
                lat: p.gps.lat,
                lon: p.gps.lon,
                alt: p.gps.alt,
                tags: &p.tags,
            };
            output.packet(&packet).map_err(Halt::Io)?;
            if output.stats.matched >= limit {
                return Err(Halt::Limit);
            }
            Ok(())
        });
        output.stats.rows = rows_read;
        if let Some(f) = progress.as_mut() {
            f(rows_read);
        }
        Halt::into_result(run)?;
    }
    output.finish()
}

// ---------------------------------------------------------------------------------------------
// The fast row path

/// The filter's view of a row.
struct Fields {
    ts: Timestamp,
    dlt: i64,
    datasource: Uuid,
    frequency: f64,
    signal: i32,
}

impl Filter {
    /// The filter over decoded fields; the addresses are decoded only when a MAC filter needs
    /// them.
    fn passes<E>(
        &self,
        f: &Fields,
        macs: &mut dyn FnMut() -> Result<[MacAddr; 3], E>,
    ) -> Result<bool, E> {
        let ts = ticks(f.ts);
        if self.start.is_some_and(|s| ts < ticks(s)) || self.end.is_some_and(|e| ts > ticks(e)) {
            return Ok(false);
        }
        if self.dlt.is_some_and(|d| f.dlt != i64::from(d)) {
            return Ok(false);
        }
        if !self.datasources.is_empty() && !self.datasources.contains(&f.datasource) {
            return Ok(false);
        }
        if self.frequency.is_some() || self.freq_min.is_some() || self.freq_max.is_some() {
            let freq = f.frequency;
            if freq == 0.0
                || self.frequency.is_some_and(|x| freq != x)
                || self.freq_min.is_some_and(|x| freq < x)
                || self.freq_max.is_some_and(|x| freq > x)
            {
                return Ok(false);
            }
        }
        if self.signal_min.is_some() || self.signal_max.is_some() {
            let s = f.signal;
            if s == 0
                || self.signal_min.is_some_and(|m| s < m)
                || self.signal_max.is_some_and(|m| s > m)
            {
                return Ok(false);
            }
        }
        if !self.macs.is_empty() {
            let [a, b, c] = macs()?;
            if !self.macs.iter().any(|m| *m == a || *m == b || *m == c) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// Which optional columns the fast path reads.
#[derive(Clone, Copy)]
struct Needs {
    macs: bool,
    gps: bool,
    tags: bool,
    frequency: bool,
    signal: bool,
}

/// Result columns of the fast path, by index: rowid, ts_sec, ts_usec, dlt, datasource, packet,
/// lat, lon, alt, tags, original length, frequency, signal, sourcemac, destmac, transmac.
const SLOTS: usize = 16;

/// A constant standing in for a column: `NULL` for columns not needed, Kismet's zero values
/// for columns the log lacks (as the kismetdb reader reads them).
#[derive(Clone, Copy)]
enum Lit {
    Null,
    Zero,
    EmptyText,
    EmptyBlob,
    ZeroMac,
}

impl Lit {
    fn sql(self) -> &'static str {
        match self {
            Lit::Null => "NULL",
            Lit::Zero => "0",
            Lit::EmptyText => "''",
            Lit::EmptyBlob => "x''",
            Lit::ZeroMac => "'00:00:00:00:00:00'",
        }
    }

    /// The value SQLite gives the literal.
    fn value(self) -> ValueRef<'static> {
        match self {
            Lit::Null => ValueRef::Null,
            Lit::Zero => ValueRef::Integer(0),
            Lit::EmptyText => ValueRef::Text(b""),
            Lit::EmptyBlob => ValueRef::Blob(b""),
            Lit::ZeroMac => ValueRef::Text(b"00:00:00:00:00:00"),
        }
    }
}

/// What fills one result column of the fast path.
#[derive(Clone, Copy)]
enum Slot {
    Rowid,
    Column(&'static str),
    Literal(Lit),
}

/// The first of `names` the table has, else `default`.
fn pick(cols: &[String], names: &[&'static str], default: Lit) -> Slot {
    names
        .iter()
        .find(|n| cols.iter().any(|c| c == *n))
        .map_or(Slot::Literal(default), |n| Slot::Column(n))
}

/// The fast path's result columns ([`SLOTS`]) for a table of columns `cols`.
fn slots(cols: &[String], needs: Needs) -> [Slot; SLOTS] {
    let opt = |need: bool, names: &[&'static str], default: Lit| {
        if need {
            pick(cols, names, default)
        } else {
            Slot::Literal(Lit::Null)
        }
    };
    [
        Slot::Rowid,
        pick(cols, &["ts_sec"], Lit::Zero),
        pick(cols, &["ts_usec"], Lit::Zero),
        pick(cols, &["dlt"], Lit::Zero),
        pick(cols, &["datasource"], Lit::EmptyText),
        pick(cols, &["packet"], Lit::EmptyBlob),
        opt(needs.gps, &["lat"], Lit::Zero),
        opt(needs.gps, &["lon"], Lit::Zero),
        opt(needs.gps, &["alt"], Lit::Zero),
        opt(needs.tags, &["tags"], Lit::EmptyText),
        // db_version 9 stores the original length; a short-lived v9 called it
        // packet_caplen; before, the captured length stands in.
        pick(
            cols,
            &["packet_full_len", "packet_caplen", "packet_len"],
            Lit::Zero,
        ),
        opt(needs.frequency, &["frequency"], Lit::Zero),
        opt(needs.signal, &["signal"], Lit::Zero),
        opt(needs.macs, &["sourcemac", "devmac"], Lit::ZeroMac),
        opt(needs.macs, &["destmac"], Lit::ZeroMac),
        opt(needs.macs, &["transmac"], Lit::ZeroMac),
    ]
}

/// The fast path's query over SQLite: the result columns of [`slots`], in time order when
/// `by_time`.
fn packet_select(slots: &[Slot; SLOTS], by_time: bool) -> String {
    let sql = |s: &Slot| match *s {
        Slot::Rowid => "rowid",
        Slot::Column(c) => c,
        Slot::Literal(l) => l.sql(),
    };
    let fields: Vec<&str> = slots.iter().map(sql).collect();
    let mut query = format!("SELECT {} FROM packets", fields.join(", "));
    if by_time {
        // As one number, so that rows with ts_usec ≥ 10^6 (Kismet wrote 1000000 in the
        // wifite2 reference log) sort by the instant they mean.
        let (sec, usec) = (sql(&slots[1]), sql(&slots[2]));
        query.push_str(&format!(" ORDER BY {sec} * 1000000 + {usec}, rowid"));
    }
    query
}

/// What the fast path reads, in error messages.
const READING: &str = "reading table packets";

/// The packets table as the direct reader ([`btree`]) found it.
#[derive(Clone, Copy)]
struct DirectTable {
    layout: btree::Layout,
    root: u32,
}

impl DirectTable {
    /// The table, read through `conn`'s file handle.
    fn open<'c>(&self, conn: &'c Connection) -> Result<btree::Tree<'c>, btree::Fault> {
        let file = btree::DbFile::of(conn)
            .ok_or_else(|| btree::Fault::Io("SQLite has no open file for the log".into()))?;
        btree::Tree::open(file, self.layout, self.root)?.ok_or_else(|| {
            btree::Fault::Corrupt(format!("page {} is not the root of a table", self.root))
        })
    }
}

/// Where each result slot comes from on the direct path: `(column, slot)` pairs by column,
/// and the values of the slots that are constants.
struct DirectPlan {
    wanted: Vec<(usize, usize)>,
    constants: [ValueRef<'static>; SLOTS],
}

fn direct_plan(slots: &[Slot; SLOTS], cols: &[String]) -> DirectPlan {
    let mut wanted = Vec::new();
    let mut constants = [ValueRef::Null; SLOTS];
    for (i, s) in slots.iter().enumerate() {
        match *s {
            Slot::Rowid => {}
            Slot::Column(name) => {
                if let Some(c) = column_index(cols, name) {
                    wanted.push((c, i));
                }
            }
            Slot::Literal(l) => constants[i] = l.value(),
        }
    }
    wanted.sort_unstable();
    DirectPlan { wanted, constants }
}

fn column_index(cols: &[String], name: &str) -> Option<usize> {
    cols.iter().position(|c| c == name)
}

/// The packets table when the direct reader can read it (see [`btree`]): an ordinary rowid
/// table whose columns are exactly `cols`, none a rowid alias, generated or with a default, in a
/// rollback-journal UTF-8 database. Runs inside the caller's read transaction (the first query
/// takes the shared lock).
fn direct_table(
    conn: &Connection,
    path: &Path,
    cols: &[String],
) -> Result<Option<DirectTable>, kismetdb::Error> {
    let err = |e| sql_error(path, READING, e);
    let mut stmt = conn
        .prepare(
            "SELECT rootpage, sql FROM sqlite_master WHERE type = 'table' AND name = 'packets'",
        )
        .map_err(err)?;
    let mut rows = stmt.raw_query();
    let Some(row) = rows.next().map_err(err)? else {
        return Ok(None);
    };
    let root = match row.get_ref(0) {
        Ok(ValueRef::Integer(n)) => u32::try_from(n).ok(),
        _ => None,
    };
    let plain = match row.get_ref(1) {
        Ok(ValueRef::Text(t)) => {
            let sql = String::from_utf8_lossy(t).to_ascii_uppercase();
            sql.starts_with("CREATE TABLE") && !sql.contains("WITHOUT")
        }
        _ => false,
    };
    drop(rows);
    let Some(root) = root.filter(|_| plain) else {
        return Ok(None);
    };
    let mut stmt = conn
        .prepare(
            "SELECT lower(name), pk, dflt_value IS NULL, hidden \
             FROM pragma_table_xinfo('packets')",
        )
        .map_err(err)?;
    let mut rows = stmt.raw_query();
    let mut names = Vec::new();
    while let Some(r) = rows.next().map_err(err)? {
        let ordinary = matches!(
            (r.get_ref(1), r.get_ref(2), r.get_ref(3)),
            (
                Ok(ValueRef::Integer(0)),
                Ok(ValueRef::Integer(1)),
                Ok(ValueRef::Integer(0))
            )
        );
        match r.get_ref(0) {
            Ok(ValueRef::Text(t)) if ordinary => {
                names.push(String::from_utf8_lossy(t).into_owned())
            }
            _ => return Ok(None),
        }
    }
    if names != cols {
        return Ok(None);
    }
    let Some(file) = btree::DbFile::of(conn) else {
        return Ok(None);
    };
    let Ok(Some(layout)) = btree::Layout::of(&file) else {
        return Ok(None);
    };
    Ok(match btree::Tree::open(file, layout, root) {
        Ok(Some(_)) => Some(DirectTable { layout, root }),
        _ => None,
    })
}

/// The first and last rows of a part of the table.
#[derive(Clone, Copy)]
struct SpanEnds {
    first_rowid: i64,
    last_rowid: i64,
    first_ts: i128,
    last_ts: i128,
}

/// Why a time-order check stopped early.
enum Unordered {
    /// A row before the previous one, or a time that is not a pair of integers.
    Yes,
    Fault(btree::Fault),
}

impl From<btree::Fault> for Unordered {
    fn from(f: btree::Fault) -> Self {
        Unordered::Fault(f)
    }
}

/// Checks one half of the table (`first_half` or the other) for capture-time order, reading
/// through `conn`: `Ok(None)` when it is not in order, else its first and last rows (`None`
/// inside when the half is empty). Stops early when `stop` is set, and sets it when the
/// half is out of order.
fn time_span(
    conn: &Connection,
    table: DirectTable,
    (sec, usec): (usize, usize),
    first_half: bool,
    stop: &AtomicBool,
) -> Result<Option<Option<SpanEnds>>, btree::Fault> {
    let tree = table.open(conn)?;
    let (a, b) = tree.split();
    let mut wanted = [(sec, 0), (usec, 1)];
    wanted.sort_unstable();
    let mut ends: Option<SpanEnds> = None;
    let walked = tree.rows(
        if first_half { a } else { b },
        (0, 1),
        &mut |row| -> Result<(), Unordered> {
            let Some((rowid, record)) = row else {
                return Ok(());
            };
            let mut v = [ValueRef::Null; 2];
            btree::decode(record, &wanted, &mut v)?;
            let (ValueRef::Integer(s), ValueRef::Integer(u)) = (v[0], v[1]) else {
                return Err(Unordered::Yes);
            };
            let t = i128::from(s) * 1_000_000 + i128::from(u);
            match &mut ends {
                None => {
                    ends = Some(SpanEnds {
                        first_rowid: rowid,
                        last_rowid: rowid,
                        first_ts: t,
                        last_ts: t,
                    })
                }
                Some(e) => {
                    if t < e.last_ts || stop.load(Ordering::Relaxed) {
                        return Err(Unordered::Yes);
                    }
                    e.last_ts = t;
                    e.last_rowid = rowid;
                }
            }
            Ok(())
        },
    );
    match walked {
        Ok(()) => Ok(Some(ends)),
        Err(Unordered::Yes) => {
            stop.store(true, Ordering::Relaxed);
            Ok(None)
        }
        Err(Unordered::Fault(f)) => {
            stop.store(true, Ordering::Relaxed);
            Err(f)
        }
    }
}

/// True when the table's rowid order is capture-time order, read directly: each half of the
/// table on its own thread, `first` reading the first half here and `second` the other on a
/// spawned thread. Hands `second` back (`None` if its thread failed).
fn time_ordered_direct(
    first: &Connection,
    second: Connection,
    table: DirectTable,
    sec: usize,
    usec: usize,
) -> (Option<Connection>, Result<bool, btree::Fault>) {
    let stop = AtomicBool::new(false);
    let stop = &stop;
    std::thread::scope(|scope| {
        let other = scope.spawn(move || {
            let span = time_span(&second, table, (sec, usec), false, stop);
            (second, span)
        });
        let a = time_span(first, table, (sec, usec), true, stop);
        let (conn, b) = match other.join() {
            Ok((c, b)) => (Some(c), b),
            Err(_) => (
                None,
                Err(btree::Fault::Io(
                    "internal error: a time-order checking thread failed".into(),
                )),
            ),
        };
        let verdict = match (a, b) {
            (Err(f), _) | (_, Err(f)) => Err(f),
            (Ok(None), _) | (_, Ok(None)) => Ok(false),
            (Ok(Some(Some(x))), Ok(Some(Some(y)))) => {
                if x.last_rowid >= y.first_rowid {
                    Err(btree::Fault::Corrupt(format!(
                        "rowid {} follows rowid {}",
                        y.first_rowid, x.last_rowid
                    )))
                } else {
                    Ok(x.last_ts <= y.first_ts)
                }
            }
            (Ok(Some(_)), Ok(Some(_))) => Ok(true),
        };
        (conn, verdict)
    })
}

/// Opens a second read-only connection to the reader's log.
fn open_second(reader: &Reader) -> Result<Connection, kismetdb::Error> {
    let path = reader.path();
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| sql_error(path, "opening", e))?;
    conn.busy_timeout(Duration::from_secs(5))
        .map_err(|e| sql_error(path, "opening", e))?;
    Ok(conn)
}

/// Classifies an SQLite error as the kismetdb reader does.
fn sql_error(path: &Path, context: &str, e: rusqlite::Error) -> kismetdb::Error {
    use rusqlite::ffi::ErrorCode;
    let path = path.to_path_buf();
    if let rusqlite::Error::SqliteFailure(f, ref msg) = e {
        let detail = msg.clone().unwrap_or_else(|| f.to_string());
        match f.code {
            ErrorCode::NotADatabase => {
                return kismetdb::Error::NotADatabase {
                    path,
                    detail: format!("{detail} (while {context})"),
                }
            }
            ErrorCode::DatabaseCorrupt => {
                return kismetdb::Error::Corrupt {
                    path,
                    context: context.to_string(),
                    detail,
                }
            }
            ErrorCode::ReadOnly if f.extended_code == rusqlite::ffi::SQLITE_READONLY_ROLLBACK => {
                return kismetdb::Error::HotJournal { path }
            }
            _ => {}
        }
    }
    kismetdb::Error::Sqlite {
        path,
        context: context.to_string(),
        source: e,
    }
}

/// True when the packets table's file order is already capture-time order, so the export can
/// stream it without a sort. Reads only the two time columns, through a second read-only
/// connection; any doubt (a non-integer time, an error) answers false.
pub fn stored_in_time_order(reader: &Reader) -> bool {
    match (reader.columns(Table::Packets), open_second(reader)) {
        (Some(cols), Ok(conn)) => stored_in_time_order_conn(&conn, cols),
        _ => false,
    }
}

fn stored_in_time_order_conn(conn: &Connection, cols: &[String]) -> bool {
    if !cols.iter().any(|c| c == "ts_sec") || !cols.iter().any(|c| c == "ts_usec") {
        return false;
    }
    let Ok(mut stmt) = conn.prepare("SELECT ts_sec, ts_usec FROM packets") else {
        return false;
    };
    let mut rows = stmt.raw_query();
    let mut last = i128::MIN;
    loop {
        match rows.next() {
            Ok(Some(row)) => {
                let (Ok(ValueRef::Integer(s)), Ok(ValueRef::Integer(u))) =
                    (row.get_ref(0), row.get_ref(1))
                else {
                    return false;
                };
                let t = i128::from(s) * 1_000_000 + i128::from(u);
                if t < last {
                    return false;
                }
                last = t;
            }
            Ok(None) => return true,
            Err(_) => return false,
        }
    }
}

/// Decodes the values of one row of the fast path ([`SLOTS`]), with the kismetdb reader's rules
/// (NULL is Kismet's zero value, numbers stored as text are read, GPS of db_version ≤ 4 is
/// scaled by the caller) and errors that name the file, rowid and column.
struct Dec<'r> {
    path: &'r Path,
    rowid: i64,
    v: [ValueRef<'r>; SLOTS],
}

impl<'r> Dec<'r> {
    fn err(&self, column: &'static str, detail: String) -> kismetdb::Error {
        kismetdb::Error::Row {
            path: self.path.to_path_buf(),
            table: "packets",
            rowid: self.rowid,
            column,
            detail,
        }
    }

    fn value(&self, idx: usize) -> ValueRef<'r> {
        self.v[idx]
    }

    fn int(&self, idx: usize, column: &'static str) -> Result<i64, kismetdb::Error> {
        kismetdb::value::int(self.value(idx)).map_err(|e| self.err(column, e))
    }

    fn i32(&self, idx: usize, column: &'static str) -> Result<i32, kismetdb::Error> {
        kismetdb::value::i32(self.value(idx)).map_err(|e| self.err(column, e))
    }

    fn real(&self, idx: usize, column: &'static str) -> Result<f64, kismetdb::Error> {
        kismetdb::value::real(self.value(idx)).map_err(|e| self.err(column, e))
    }

    fn bytes(&self, idx: usize, column: &'static str) -> Result<&'r [u8], kismetdb::Error> {
        kismetdb::value::bytes(self.value(idx)).map_err(|e| self.err(column, e))
    }

    fn text(&self, idx: usize) -> Cow<'r, str> {
        kismetdb::value::text(self.value(idx))
    }

    fn mac(&self, idx: usize, column: &'static str) -> Result<MacAddr, kismetdb::Error> {
        kismetdb::value::mac(self.value(idx)).map_err(|e| self.err(column, e))
    }
}

/// The datasource column decoded once per run of equal values (a log has a handful of
/// datasources, and their UUID text is the same bytes on every row).
struct UuidCache {
    text: [u8; 40],
    len: usize,
    uuid: Uuid,
    valid: bool,
}

impl Default for UuidCache {
    fn default() -> Self {
        UuidCache {
            text: [0; 40],
            len: 0,
            uuid: Uuid::NIL,
            valid: false,
        }
    }
}

impl UuidCache {
    fn get(&mut self, d: &Dec<'_>, idx: usize) -> Result<Uuid, kismetdb::Error> {
        const COLUMN: &str = "datasource";
        let raw: &[u8] = match d.value(idx) {
            ValueRef::Text(b) | ValueRef::Blob(b) => b,
            ValueRef::Null => b"",
            ValueRef::Integer(0) => b"0",
            other => {
                return Err(d.err(
                    COLUMN,
                    format!(
                        "expected a UUID, found {}",
                        kismetdb::value::type_name(other)
                    ),
                ))
            }
        };
        if self.valid && raw == &self.text[..self.len] {
            return Ok(self.uuid);
        }
        let t = String::from_utf8_lossy(raw);
        let t = t.trim();
        // Kismet's REST pcap placeholder interface uses "0" for "no datasource".
        let uuid = if t.is_empty() || t == "0" {
            Uuid::NIL
        } else {
            t.parse()
                .map_err(|e: kismetdb::ParseError| d.err(COLUMN, e.to_string()))?
        };
        if raw.len() <= self.text.len() {
            self.text[..raw.len()].copy_from_slice(raw);
            self.len = raw.len();
            self.uuid = uuid;
            self.valid = true;
        }
        Ok(uuid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kismetdb::{DatasourceRow, GpsFix, Writer, WriterOptions};
    use osprey_capture::{Flow, Frame};
    use std::borrow::Cow;

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

    /// A new log holding datasource `SRC_A` ("wifi-a" on wlan0mon).
    fn writer_with_source_a(path: &Path) -> Writer {
        let mut w = Writer::create(path, WriterOptions::default()).unwrap();
        w.insert_datasource(&DatasourceRow {
            uuid: SRC_A.parse().unwrap(),
            typestring: Cow::Borrowed("linuxwifi"),
            definition: Cow::Borrowed("wlan0mon:type=linuxwifi"),
            name: Cow::Borrowed("wifi-a"),
            interface: Cow::Borrowed("wlan0mon"),
            json: Cow::Borrowed(b"{}"),
        })
        .unwrap();
        w
    }

    fn log_with(path: &Path, rows: &[PacketRow<'_>]) {
        let mut w = writer_with_source_a(path);
        for r in rows {
            w.insert_packet(r).unwrap();
        }
        w.close().unwrap();
    }

    type Frames = Vec<(u32, u32, Timestamp, Vec<u8>, u32)>;

    fn run(log: &Path, filter: &Filter, opts: &ExportOptions) -> (ExportStats, Vec<u8>) {
        let reader = Reader::open(log).unwrap();
        let mut out = Vec::new();
        let s = export(&reader, filter, opts, &mut out, None).unwrap();
        // The slow path over whole rows gives the same bytes.
        let mut slow = Vec::new();
        let s2 = export_matching(&reader, &|p| filter.matches(p), opts, &mut slow, None).unwrap();
        assert_eq!(s, s2);
        assert!(slow == out, "export and export_matching differ");
        (s, out)
    }

    fn frames(bytes: &[u8], dir: &Path) -> Frames {
        let path = dir.join("read-back.bin");
        std::fs::write(&path, bytes).unwrap();
        let mut got = Vec::new();
        osprey_capture::for_each_frame(&path, &mut |fr: &Frame<'_>| {
            got.push((fr.interface, fr.dlt, fr.ts, fr.data.to_vec(), fr.orig_len));
            Flow::Continue
        })
        .unwrap();
        got
    }

    fn has(bytes: &[u8], s: &[u8]) -> bool {
        bytes.windows(s.len()).any(|w| w == s)
    }

    #[test]
    fn times_parse_at_their_precision() {
        let t = |s: &str, end: bool| parse_time(s, end).unwrap();
        assert_eq!(t("1700000000", false), Timestamp::new(1_700_000_000, 0));
        assert_eq!(
            t("1700000000", true),
            Timestamp::new(1_700_000_000, 999_999)
        );
        assert_eq!(
            t("1700000000.25", true),
            Timestamp::new(1_700_000_000, 250_000)
        );
        assert_eq!(t("1970-01-01", false), Timestamp::new(0, 0));
        assert_eq!(
            t("2023-11-14", true),
            Timestamp::new(1_699_919_999 + 86_400, 999_999)
        );
        assert_eq!(
            t("2023-11-14T22:13:20", false),
            Timestamp::new(1_700_000_000, 0)
        );
        assert_eq!(
            t("2023-11-14 22:13:20Z", true),
            Timestamp::new(1_700_000_000, 999_999)
        );
        assert_eq!(
            t("2023-11-14T22:13:20.5", false),
            Timestamp::new(1_700_000_000, 500_000)
        );
        assert_eq!(t("2000-02-29", false), Timestamp::new(951_782_400, 0));
        for bad in [
            "",
            "x",
            "1.2.3",
            "1.",
            "-5",
            "2023-02-29",
            "2023-13-01",
            "2023-1-01",
            "2023-11-14T24:00:00",
            "2023-11-14T22:13",
            "2023-11-14X22:13:20",
            "99999999999999999999",
            "2023-11-14T22:13:20.1234567",
            "１２３",
        ] {
            assert!(parse_time(bad, false).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn macs_and_uuids_parse() {
        assert_eq!(
            parse_mac("aa-bb-cc-dd-ee-ff").unwrap(),
            "AA:BB:CC:DD:EE:FF".parse::<MacAddr>().unwrap()
        );
        for bad in [
            "nope",
            "00:11",
            "0:11:22:33:44:55",
            "00:11:22:33:44:55:66",
            "",
            "00:11:22:33:44:5g",
        ] {
            assert!(parse_mac(bad).is_err(), "{bad:?}");
        }
        assert!(parse_mac("00:11:22:33:44:55:66:77").is_ok());
        assert_eq!(
            parse_uuid(&SRC_A.to_lowercase()).unwrap(),
            SRC_A.parse::<Uuid>().unwrap()
        );
        assert!(parse_uuid("1234").is_err());
    }

    #[test]
    fn filters_match_as_documented() {
        let mut p = packet(100, SRC_A, 127, b"x");
        p.signal = -50;
        p.frequency = 2_412_000.0;
        let yes = |p: &PacketRow<'_>, f: Filter| assert!(f.matches(p), "{f:?}");
        let no = |p: &PacketRow<'_>, f: Filter| assert!(!f.matches(p), "{f:?}");
        yes(&p, Filter::default());
        yes(
            &p,
            Filter {
                start: Some(Timestamp::new(100, 250)),
                end: Some(Timestamp::new(100, 250)),
                ..Filter::default()
            },
        );
        no(
            &p,
            Filter {
                start: Some(Timestamp::new(100, 251)),
                ..Filter::default()
            },
        );
        no(
            &p,
            Filter {
                end: Some(Timestamp::new(100, 249)),
                ..Filter::default()
            },
        );
        yes(
            &p,
            Filter {
                macs: vec![MacAddr::ZERO],
                ..Filter::default()
            },
        );
        no(
            &p,
            Filter {
                macs: vec![MacAddr::new([2, 0, 0, 0, 0, 2])],
                ..Filter::default()
            },
        );
        yes(
            &p,
            Filter {
                datasources: vec![SRC_B.parse().unwrap(), SRC_A.parse().unwrap()],
                ..Filter::default()
            },
        );
        no(
            &p,
            Filter {
                dlt: Some(105),
                ..Filter::default()
            },
        );
        yes(
            &p,
            Filter {
                frequency: Some(2_412_000.0),
                freq_min: Some(2_400_000.0),
                freq_max: Some(2_500_000.0),
                ..Filter::default()
            },
        );
        no(
            &p,
            Filter {
                freq_min: Some(5_000_000.0),
                ..Filter::default()
            },
        );
        yes(
            &p,
            Filter {
                signal_min: Some(-50),
                signal_max: Some(-50),
                ..Filter::default()
            },
        );
        no(
            &p,
            Filter {
                signal_min: Some(-49),
                ..Filter::default()
            },
        );
        // Unknown frequency and signal never pass those filters.
        p.frequency = 0.0;
        p.signal = 0;
        no(
            &p,
            Filter {
                freq_max: Some(6_000_000.0),
                ..Filter::default()
            },
        );
        no(
            &p,
            Filter {
                signal_min: Some(-100),
                ..Filter::default()
            },
        );
    }

    #[test]
    fn pcapng_interfaces_gps_order_and_skips() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("a.kismet");
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
            packet(101, SRC_A, 127, b""),
            packet(102, SRC_B, 127, b"unknown-src"),
            packet(104, SRC_B, 127, b"unknown-2"),
            packet(106, SRC_A, -3, b"bad-dlt"),
            packet(107, SRC_A, 70_000, b"big-dlt"),
            packet(-5, SRC_A, 127, b"before-1970"),
        ];
        log_with(&log, &rows);
        assert!(!stored_in_time_order(&Reader::open(&log).unwrap()));
        let (s, bytes) = run(&log, &Filter::default(), &ExportOptions::default());
        assert_eq!((s.rows, s.matched, s.packets, s.skipped), (8, 8, 5, 3));
        assert_eq!((s.interfaces, s.with_gps, s.bytes), (3, 1, 5 + 7 + 11 + 9));
        assert!(s.sorted);
        assert_eq!(s.link_types, vec![(127, 4), (105, 1)]);
        let f = frames(&bytes, dir.path());
        let got: Vec<(u32, u32, i64, &[u8], u32)> = f
            .iter()
            .map(|f| (f.0, f.1, f.2.sec, f.3.as_slice(), f.4))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 127, 101, &b""[..], 0),
                (1, 127, 102, &b"unknown-src"[..], 11),
                (2, 105, 103, &b"raw-a"[..], 5),
                (1, 127, 104, &b"unknown-2"[..], 9),
                (0, 127, 105, &b"located"[..], 4000),
            ]
        );
        assert!(has(
            &bytes,
            b"datasource wifi-a (wlan0mon - wlan0mon:type=linuxwifi) 5FE308BD"
        ));
        assert!(has(&bytes, b"wlan0mon"));
        assert!(has(&bytes, SRC_B.as_bytes()));
        assert!(has(&bytes, b"DOT11_BEACON_SSID"));
        assert!(has(&bytes, APPLICATION.as_bytes()));
        // Kismet's GPS option (spec §7.1): code 2989, length 24, PEN 55922, magic 0x47,
        // version 1, field length 12, LON|LAT|ALT, then fixed3_7 lon, lat, fixed6_4 alt.
        let mut gps = Vec::new();
        gps.extend_from_slice(&2989u16.to_le_bytes());
        gps.extend_from_slice(&24u16.to_le_bytes());
        gps.extend_from_slice(&55922u32.to_le_bytes());
        gps.extend_from_slice(&[0x47, 1, 12, 0]);
        gps.extend_from_slice(&0xEu32.to_le_bytes());
        gps.extend_from_slice(&((2.2945f64 * 1e7) as i32 as u32 + 1_800_000_000).to_le_bytes());
        gps.extend_from_slice(&((48.8584f64 * 1e7) as i32 as u32 + 1_800_000_000).to_le_bytes());
        gps.extend_from_slice(&((35.0f64 * 1e4) as i32 as u32 + 1_800_000_000).to_le_bytes());
        assert_eq!(bytes.windows(gps.len()).filter(|w| *w == gps).count(), 1);

        // Without GPS or tags, and file order with a limit.
        let opts = ExportOptions {
            gps: false,
            tags: false,
            order: Order::File,
            limit: Some(2),
            ..ExportOptions::default()
        };
        let (s, bytes) = run(&log, &Filter::default(), &opts);
        assert_eq!((s.packets, s.with_gps, s.sorted), (2, 0, false));
        assert!(!has(&bytes, b"DOT11_BEACON_SSID"));
        let f = frames(&bytes, dir.path());
        assert_eq!(f[0].3, b"raw-a");
        assert_eq!(f[1].3, b"located");

        // Kismet's REST naming: unknown sources share the placeholder.
        let opts = ExportOptions {
            naming: InterfaceNaming::Rest,
            ..ExportOptions::default()
        };
        let (s, bytes) = run(&log, &Filter::default(), &opts);
        assert_eq!(s.interfaces, 3);
        assert!(has(&bytes, b"kismetdb stored interface wifi-a 5FE308BD"));
        assert!(has(&bytes, b"kismetdb stored interface lo 0"));
    }

    #[test]
    fn classic_pcap_one_link_type() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("b.kismet");
        let mut big = packet(104, SRC_A, 127, &vec![0xab; SNAPLEN as usize + 10]);
        big.packet_full_len = 0;
        let rows = [
            packet(101, SRC_A, 127, b"one"),
            packet(102, SRC_B, 105, b"two"),
            packet(103, SRC_A, 127, b""),
            big,
        ];
        log_with(&log, &rows);
        assert!(stored_in_time_order(&Reader::open(&log).unwrap()));
        let pcap = ExportOptions {
            format: Format::Pcap,
            ..ExportOptions::default()
        };
        // Mixed: refused, naming both link types with their counts.
        let reader = Reader::open(&log).unwrap();
        let mut out = Vec::new();
        let e = export(&reader, &Filter::default(), &pcap, &mut out, None).unwrap_err();
        match &e {
            Error::MixedLinkTypes(d) => assert_eq!(d, &vec![(127, 3), (105, 1)]),
            other => panic!("{other}"),
        }
        let msg = e.to_string();
        assert!(
            msg.contains("DLT 127 IEEE802_11_RADIOTAP (3 packets)"),
            "{msg}"
        );
        assert!(msg.contains("DLT 105 IEEE802_11 (1 packet)"), "{msg}");

        // One link type chosen.
        let f = Filter {
            dlt: Some(127),
            ..Filter::default()
        };
        let opts = ExportOptions {
            pcap_dlt: Some(127),
            ..pcap.clone()
        };
        let (s, bytes) = run(&log, &f, &opts);
        assert_eq!((s.packets, s.truncated, s.interfaces), (3, 1, 1));
        assert_eq!(&bytes[..4], &PCAP_MAGIC.to_le_bytes());
        assert_eq!(&bytes[16..24], &[0, 0, 4, 0, 127, 0, 0, 0]);
        let fr = frames(&bytes, dir.path());
        assert_eq!(fr.len(), 3);
        assert_eq!(fr[0].3, b"one");
        assert_eq!(fr[1].3, b"");
        assert_eq!(fr[2].3.len(), SNAPLEN as usize);
        assert_eq!(fr[2].4, SNAPLEN + 10, "original length kept");
        assert_eq!(fr[0].2, Timestamp::new(101, 250));

        // A selection of one link type needs no --dlt.
        let f = Filter {
            datasources: vec![SRC_B.parse().unwrap()],
            ..Filter::default()
        };
        let (s, bytes) = run(&log, &f, &pcap);
        assert_eq!(s.packets, 1);
        assert_eq!(&bytes[20..24], &105u32.to_le_bytes());

        // Nothing selected: an empty, valid pcap.
        let f = Filter {
            dlt: Some(1),
            ..Filter::default()
        };
        let (s, bytes) = run(&log, &f, &pcap);
        assert_eq!((s.packets, bytes.len()), (0, 24));
        assert!(frames(&bytes, dir.path()).is_empty());
    }

    #[test]
    fn describes_link_types() {
        assert_eq!(describe_link_types(&[]), "none");
        assert_eq!(
            describe_link_types(&[(127, 2), (4242, 1), (105, 5)]),
            "DLT 127 IEEE802_11_RADIOTAP (2 packets), DLT 4242 (1 packet) and DLT 105 \
             IEEE802_11 (5 packets)"
        );
    }

    /// A small deterministic generator for test data.
    struct Lcg(u64);

    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 33
        }
    }

    /// A log of `n` packets in time order: frames of many sizes (some spill to overflow pages,
    /// some are empty), tags, locations, two datasources, two link types, several addresses,
    /// with the packets' pages interleaved with those of the messages table.
    fn varied_log(path: &Path, n: usize) {
        let mut w = writer_with_source_a(path);
        let mut rng = Lcg(7);
        for i in 0..n {
            let len = match rng.next() % 10 {
                0 => 0,
                1 => 4_000 + (rng.next() % 9_000) as usize,
                _ => (rng.next() % 700) as usize,
            };
            let body: Vec<u8> = (0..len).map(|k| (k ^ i) as u8).collect();
            let source = if i % 5 == 0 { SRC_B } else { SRC_A };
            let dlt = if i % 7 == 0 { 105 } else { 127 };
            let mut p = packet(0, source, dlt, &body);
            p.ts = Timestamp::new(1_700_000_000 + (i / 3) as i64, (i % 3) as i64 * 1_000);
            p.sourcemac = MacAddr::new([2, 0, 0, 0, 0, (i % 4) as u8]);
            if i % 4 == 0 {
                p.tags = Cow::Owned(format!("TAG{i} É"));
            }
            if i % 6 == 0 {
                p.gps = GpsFix {
                    lat: 48.0 + i as f64 * 1e-4,
                    lon: 2.0,
                    alt: (i % 3) as f64,
                    speed: 0.0,
                    heading: 0.0,
                };
            }
            p.signal = -30 - (i % 60) as i32;
            p.frequency = if i % 2 == 0 { 2_412_000.0 } else { 5_180_000.0 };
            p.packet_full_len = (len + (i % 2) * 10) as i64;
            w.insert_packet(&p).unwrap();
            if i % 3 == 0 {
                w.insert_message(&kismetdb::MessageRow {
                    ts_sec: 1,
                    lat: 0.0,
                    lon: 0.0,
                    msgtype: Cow::Borrowed("INFO"),
                    message: Cow::Owned("m".repeat(700)),
                })
                .unwrap();
            }
        }
        w.close().unwrap();
    }

    /// The direct reader's view of the log: `None` when the export falls back to SQLite,
    /// else the depth of the packets b-tree.
    fn direct_depth(log: &Path) -> Option<usize> {
        let reader = Reader::open(log).unwrap();
        let conn = open_second(&reader).unwrap();
        conn.execute_batch("BEGIN").unwrap();
        let cols = reader.columns(Table::Packets).unwrap();
        let table = direct_table(&conn, log, cols).unwrap()?;
        let depth = table.open(&conn).unwrap().depth();
        Some(depth)
    }

    /// Exports `log` many ways and checks each against the export over whole rows decoded by
    /// SQLite ([`run`] compares the bytes and the counters).
    fn same_as_sqlite(log: &Path) -> ExportStats {
        let filters = [
            Filter::default(),
            Filter {
                macs: vec![MacAddr::new([2, 0, 0, 0, 0, 3])],
                ..Filter::default()
            },
            Filter {
                freq_min: Some(5_000_000.0),
                signal_max: Some(-50),
                ..Filter::default()
            },
            Filter {
                start: Some(Timestamp::new(1_700_000_100, 0)),
                end: Some(Timestamp::new(1_700_000_900, 0)),
                datasources: vec![SRC_A.parse().unwrap()],
                ..Filter::default()
            },
        ];
        let options = [
            ExportOptions::default(),
            ExportOptions {
                order: Order::File,
                ..ExportOptions::default()
            },
            ExportOptions {
                gps: false,
                tags: false,
                limit: Some(777),
                ..ExportOptions::default()
            },
            ExportOptions {
                naming: InterfaceNaming::Rest,
                ..ExportOptions::default()
            },
        ];
        let (all, _) = run(log, &Filter::default(), &ExportOptions::default());
        assert!(all.packets > 0);
        for f in &filters {
            for o in &options {
                run(log, f, o);
            }
            // A classic pcap of one link type.
            let one = Filter {
                dlt: Some(127),
                ..f.clone()
            };
            let pcap = ExportOptions {
                format: Format::Pcap,
                ..ExportOptions::default()
            };
            run(log, &one, &pcap);
        }
        all
    }

    #[test]
    fn direct_reader_matches_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("varied.kismet");
        varied_log(&log, 3_000);
        // Kismet's page size (SQLite's default; Osprey writes larger pages, tried below).
        let c = Connection::open(&log).unwrap();
        c.execute_batch("PRAGMA page_size = 4096; VACUUM;").unwrap();
        drop(c);
        // Deep enough for interior pages under the root, long enough for both reading
        // threads to get batches.
        assert!(direct_depth(&log).unwrap() >= 2);
        let s = same_as_sqlite(&log);
        assert!(!s.sorted);
        assert_eq!((s.rows, s.packets), (3_000, 3_000));
        assert!(s.with_gps > 0 && s.interfaces == 4);

        // The smallest and the largest page sizes (65 536 is stored as 1 in the header).
        for page_size in [512, kismetdb::writer::PAGE_SIZE as i64, 65_536] {
            let copy = dir.path().join(format!("p{page_size}.kismet"));
            std::fs::copy(&log, &copy).unwrap();
            let c = Connection::open(&copy).unwrap();
            c.execute_batch(&format!("PRAGMA page_size = {page_size}; VACUUM;"))
                .unwrap();
            let got: i64 = c.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
            assert_eq!(got, page_size);
            drop(c);
            assert!(direct_depth(&copy).is_some());
            assert_eq!(same_as_sqlite(&copy), s);
        }
    }

    #[test]
    fn rows_shorter_than_the_table_read_as_null() {
        // A column added by ALTER TABLE: rows written before it have shorter records.
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("altered.kismet");
        varied_log(&log, 600);
        let c = Connection::open(&log).unwrap();
        let cols: Vec<String> = {
            let mut st = c
                .prepare("SELECT name FROM pragma_table_info('packets')")
                .unwrap();
            let names = st.query_map([], |r| r.get(0)).unwrap();
            names.map(|n| n.unwrap()).collect()
        };
        let kept: Vec<&str> = cols
            .iter()
            .map(String::as_str)
            .filter(|c| *c != "packet_full_len")
            .collect();
        c.execute_batch(&format!(
            "CREATE TABLE p2 ({cols});
             INSERT INTO p2 SELECT {list} FROM packets;
             DROP TABLE packets;
             ALTER TABLE p2 RENAME TO packets;
             ALTER TABLE packets ADD COLUMN packet_full_len INT;
             UPDATE packets SET packet_full_len = packet_len + 5 WHERE rowid % 3 = 0;",
            cols = kept
                .iter()
                .map(|c| format!("{c} ANY"))
                .collect::<Vec<_>>()
                .join(", "),
            list = kept.join(", "),
        ))
        .unwrap();
        drop(c);
        assert!(direct_depth(&log).is_some());
        same_as_sqlite(&log);
    }

    #[test]
    fn unusual_tables_fall_back_to_sqlite() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("base.kismet");
        varied_log(&base, 300);
        for (name, sql) in [
            (
                "default",
                "ALTER TABLE packets ADD COLUMN extra INT DEFAULT 5",
            ),
            ("wal", "PRAGMA journal_mode = WAL"),
        ] {
            let log = dir.path().join(format!("{name}.kismet"));
            std::fs::copy(&base, &log).unwrap();
            let c = Connection::open(&log).unwrap();
            // (The journal-mode pragma answers with a row.)
            let mut st = c.prepare(sql).unwrap();
            st.raw_query().next().unwrap();
            drop(st);
            drop(c);
            assert_eq!(direct_depth(&log), None, "{name}");
            same_as_sqlite(&log);
        }
    }

    /// The rowid of the first row of the second half of the table (where the two checking
    /// threads meet), and of the row before it.
    fn halves_meet(log: &Path) -> (i64, i64) {
        let reader = Reader::open(log).unwrap();
        let conn = open_second(&reader).unwrap();
        conn.execute_batch("BEGIN").unwrap();
        let cols = reader.columns(Table::Packets).unwrap();
        let tree = direct_table(&conn, log, cols).unwrap().unwrap();
        let tree = tree.open(&conn).unwrap();
        let (a, b) = tree.split();
        let mut last_a = 0;
        tree.rows(a, (0, 1), &mut |row| -> Result<(), btree::Fault> {
            if let Some((rowid, _)) = row {
                last_a = rowid;
            }
            Ok(())
        })
        .unwrap();
        let mut first_b = None;
        tree.rows(b, (0, 1), &mut |row| -> Result<(), btree::Fault> {
            if let Some((rowid, _)) = row {
                first_b.get_or_insert(rowid);
            }
            Ok(())
        })
        .unwrap();
        (last_a, first_b.unwrap())
    }

    #[test]
    fn disorder_where_the_halves_meet_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("base.kismet");
        varied_log(&base, 4_000);
        let (last_a, first_b) = halves_meet(&base);
        assert!(last_a + 1 == first_b && last_a > 1);
        // The first row of the second half goes back in time; then the last row of the first
        // half jumps ahead (each half stays in order on its own).
        for (rowid, sec) in [(first_b, 1_600_000_000), (last_a, 1_800_000_000)] {
            let log = dir.path().join(format!("moved-{rowid}.kismet"));
            std::fs::copy(&base, &log).unwrap();
            let c = Connection::open(&log).unwrap();
            c.execute(
                "UPDATE packets SET ts_sec = ?1 WHERE rowid = ?2",
                (sec, rowid),
            )
            .unwrap();
            drop(c);
            assert!(!stored_in_time_order(&Reader::open(&log).unwrap()));
            let (s, bytes) = run(&log, &Filter::default(), &ExportOptions::default());
            assert!(s.sorted);
            let f = frames(&bytes, dir.path());
            assert!(f.windows(2).all(|w| w[0].2 <= w[1].2), "in time order");
        }
    }

    #[test]
    fn damaged_logs_never_panic() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("base.kismet");
        varied_log(&base, 1_500);
        let pristine = std::fs::read(&base).unwrap();
        let log = dir.path().join("damaged.kismet");
        let mut rng = Lcg(11);
        let mut failed = 0;
        for round in 0..60 {
            let mut bytes = pristine.clone();
            if round % 10 == 9 {
                // Cut short.
                bytes.truncate(100 + rng.next() as usize % (pristine.len() - 100));
            } else {
                // Garbage over a stretch of some page other than the first.
                let at = 4096 + rng.next() as usize % (bytes.len() - 4096 - 64);
                let n = 1 + rng.next() as usize % 64;
                for b in &mut bytes[at..at + n] {
                    *b = rng.next() as u8;
                }
            }
            std::fs::write(&log, &bytes).unwrap();
            let Ok(reader) = Reader::open(&log) else {
                continue;
            };
            for order in [Order::Time, Order::File, Order::TimeOrRetry] {
                let opts = ExportOptions {
                    order,
                    ..ExportOptions::default()
                };
                let mut out = Vec::new();
                match export(&reader, &Filter::default(), &opts, &mut out, None) {
                    Ok(_) | Err(Error::NotInTimeOrder) => {}
                    Err(_) => failed += 1,
                }
            }
        }
        // Some of the damage is seen (the rest hits bytes no export reads).
        assert!(failed > 0);
    }

    #[test]
    fn progress_counts_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("progress.kismet");
        varied_log(&log, 3_000);
        let reader = Reader::open(&log).unwrap();
        let mut seen = Vec::new();
        let mut note = |n: u64| seen.push(n);
        let mut out = Vec::new();
        let s = export(
            &reader,
            &Filter::default(),
            &ExportOptions::default(),
            &mut out,
            Some(&mut note),
        )
        .unwrap();
        assert_eq!(s.rows, 3_000);
        assert_eq!(seen, vec![3_000]);
        // With a limit, the rows read are those up to the last packet written.
        let opts = ExportOptions {
            limit: Some(10),
            ..ExportOptions::default()
        };
        let f = Filter {
            datasources: vec![SRC_B.parse().unwrap()],
            ..Filter::default()
        };
        let (s, _) = run(&log, &f, &opts);
        assert_eq!((s.packets, s.rows), (10, 46));
    }

    /// The rowids of the last row of the first batch of pages and of the first row of the
    /// second (where the reading threads hand over to each other).
    fn batches_meet(log: &Path) -> (i64, i64) {
        let reader = Reader::open(log).unwrap();
        let conn = open_second(&reader).unwrap();
        conn.execute_batch("BEGIN").unwrap();
        let cols = reader.columns(Table::Packets).unwrap();
        let tree = direct_table(&conn, log, cols).unwrap().unwrap();
        let tree = tree.open(&conn).unwrap();
        let mut ends = Vec::new();
        for share in [(0, 2), (1, 2)] {
            let mut rowids = Vec::new();
            tree.rows(tree.all(), share, &mut |row| -> Result<(), btree::Fault> {
                match row {
                    Some((rowid, _)) => rowids.push(rowid),
                    None => ends.push((share.0, rowids.clone())),
                }
                Ok(())
            })
            .unwrap();
        }
        let first_batch = &ends.iter().find(|(k, _)| *k == 0).unwrap().1;
        let second_batch = &ends.iter().find(|(k, _)| *k == 1).unwrap().1;
        (*first_batch.last().unwrap(), second_batch[0])
    }

    #[test]
    fn time_order_checked_while_streaming() {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("base.kismet");
        varied_log(&base, 3_000);
        let retry = ExportOptions {
            order: Order::TimeOrRetry,
            ..ExportOptions::default()
        };
        let export_with = |log: &Path, opts: &ExportOptions| {
            let reader = Reader::open(log).unwrap();
            let mut out = Vec::new();
            export(&reader, &Filter::default(), opts, &mut out, None).map(|s| (s, out))
        };
        // Stored in time order: the same file as with a check first.
        let (s, bytes) = export_with(&base, &retry).unwrap();
        let (s2, bytes2) = export_with(&base, &ExportOptions::default()).unwrap();
        assert_eq!((s.sorted, &s), (false, &s2));
        assert!(bytes == bytes2);

        // Out of order inside a batch, and where one reading thread hands over to the other
        // (each side in order on its own).
        let (last, first) = batches_meet(&base);
        assert_eq!(last + 1, first);
        for (rowid, sec) in [
            (1_000, 1_600_000_000),
            (first, 1_600_000_000),
            (last, 1_800_000_000),
        ] {
            let log = dir.path().join(format!("moved-{rowid}.kismet"));
            std::fs::copy(&base, &log).unwrap();
            let c = Connection::open(&log).unwrap();
            c.execute(
                "UPDATE packets SET ts_sec = ?1 WHERE rowid = ?2",
                (sec, rowid),
            )
            .unwrap();
            drop(c);
            assert!(matches!(
                export_with(&log, &retry),
                Err(Error::NotInTimeOrder)
            ));
            // With a limit, or asked for Order::Time, the order is checked first.
            let limited = ExportOptions {
                limit: Some(2_999),
                ..retry.clone()
            };
            let (s, _) = export_with(&log, &limited).unwrap();
            assert!(s.sorted && s.packets == 2_999);
            let (s, _) = export_with(&log, &ExportOptions::default()).unwrap();
            assert!(s.sorted);
        }
    }
}
