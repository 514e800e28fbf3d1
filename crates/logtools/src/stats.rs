//! `kismetdb_statistics`, correct: what a log holds — version, packet and data counts and
//! time spans, devices by phy and type, datasources with the packets each logged, packet tags,
//! the devices' GPS bounding box and the GPS track length.
//!
//! Where this differs from Kismet's tool (spec §7, §13), on purpose:
//!
//! 1. Kismet `VACUUM`s the input (rewriting it) unless `-s`; this only reads it.
//! 2. Kismet's haversine uses an earth radius of 6 731 000 m (a typo of 6 371 km), so every
//!    distance is 5.7 % too long; this uses 6 371 000 m.
//! 3. Kismet's bounding box (and the "has location" test of packets and data) drops any row
//!    with a latitude *or* longitude of exactly 0 (the equator, the prime meridian) and then
//!    reports no location at all if any corner is 0; here a position is "none" only when both
//!    are 0, out-of-range coordinates are ignored, and a box touching 0 is still a box.
//! 4. Kismet reads GPS columns of db_version ≤ 4 (degrees × 100 000 as integers) as degrees;
//!    here they are converted.
//! 5. A log with no datasource rows makes Kismet stop with "Unable to fetch datasource count"
//!    (exit 1); a datasource record lacking `hardware`, `num_packets`, `hopping`, `channel`
//!    or holding non-UTF-8 makes it abort the whole report — and then it exits 0. A missing
//!    `data` or `snapshots` table (old logs) aborts it too. Here missing pieces are reported
//!    as missing and the rest of the report stands.
//! 6. Kismet's per-datasource `packets` is the source's own counter from the last time its
//!    row was written (every 30 s), which can disagree with the log (164 vs 192 rows in a
//!    reference log); here `packets` counts the source's rows in the packets table and the
//!    source's counter is `source_packets`.
//! 7. Kismet's text report prints a hop rate below 1/s as `rate / 60` "per minute" (it should
//!    be `rate × 60`), and its "seconds" branch can never be reached; fixed.
//! 8. Kismet's tag list gains an empty tag when a tags string ends in a space or has two spaces
//!    in a row; here tags are split on whitespace, and each tag's packet count is given.
//! 9. With no devices Kismet prints the device time span as 1970-01-01; here it is absent.
//!
//! The JSON keeps Kismet's key names (`file`, `kismetdb_version`, `packets`, `data_packets`,
//! `devices`, `device_min_time`, `device_max_time`, `datasources`, `packettags`, `min_lat`,
//! `min_lon`, `max_lat`, `max_lon`, `diag_distance_km`, `breadcrumb_dist_meters`) and adds
//! more. All counts come from SQL aggregates, so memory does not depend on the log's size.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use kismetdb::{Error, Reader, Result, Table};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};
use serde_json::{json, Map, Value};

use crate::geo::distance_m;

/// Everything `log stats` reports.
#[derive(Clone, Debug, PartialEq)]
pub struct Stats {
    /// The file.
    pub file: String,
    /// `KISMET.db_version`.
    pub kismetdb_version: u32,
    /// `KISMET.kismet_version` (the program that wrote the log).
    pub kismet_version: String,
    /// Tables the file lacks (counted as empty).
    pub missing_tables: Vec<&'static str>,
    /// Rows of `packets`.
    pub packets: u64,
    /// Packets with a position.
    pub packets_with_location: u64,
    /// Earliest and latest packet time (seconds; zero times ignored).
    pub packet_time: Option<(i64, i64)>,
    /// Rows of `data` (non-packet records).
    pub data_packets: u64,
    /// Data rows with a position.
    pub data_with_location: u64,
    /// Earliest and latest data time.
    pub data_time: Option<(i64, i64)>,
    /// Rows of `devices`.
    pub devices: u64,
    /// Earliest `first_time` and latest `last_time` of the devices.
    pub device_time: Option<(i64, i64)>,
    /// Devices per phy name.
    pub devices_by_phy: BTreeMap<String, u64>,
    /// Devices per printable type.
    pub devices_by_type: BTreeMap<String, u64>,
    /// Devices with a position.
    pub devices_with_location: u64,
    /// Rows of `alerts`.
    pub alerts: u64,
    /// Rows of `messages`.
    pub messages: u64,
    /// Rows of `snapshots`.
    pub snapshots: u64,
    /// The datasources, in table order.
    pub datasources: Vec<DatasourceStats>,
    /// Packets whose datasource UUID is not in the datasources table.
    pub packets_unknown_datasource: u64,
    /// Packet tags and the number of packets carrying each, by tag.
    pub packet_tags: BTreeMap<String, u64>,
    /// Bounding box of the devices' locations.
    pub bounds: Option<Bounds>,
    /// GPS snapshots with a position (the GPS track).
    pub gps_fixes: u64,
    /// Length of the GPS track, metres.
    pub breadcrumb_dist_meters: f64,
}

/// One datasource.
#[derive(Clone, Debug, PartialEq)]
pub struct DatasourceStats {
    /// UUID.
    pub uuid: String,
    /// Driver type (`typestring`).
    pub source_type: String,
    /// Source definition.
    pub definition: String,
    /// Source name.
    pub name: String,
    /// Capture interface.
    pub interface: String,
    /// `kismet.datasource.hardware`, if recorded.
    pub hardware: Option<String>,
    /// Rows of `packets` from this source.
    pub packets: u64,
    /// Rows of `data` from this source.
    pub data_packets: u64,
    /// `kismet.datasource.num_packets`: the source's own counter when its row was last written.
    pub source_packets: Option<u64>,
    /// Whether the source was hopping, if recorded.
    pub hopping: Option<bool>,
    /// Hops per second, when hopping.
    pub hop_rate: Option<f64>,
    /// Channels hopped, when hopping.
    pub hop_channels: Vec<String>,
    /// Fixed channel, when not hopping and set.
    pub channel: Option<String>,
    /// Why the JSON record could not be read, if it could not.
    pub json_error: Option<String>,
}

/// A latitude/longitude bounding box, degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    /// South edge.
    pub min_lat: f64,
    /// West edge.
    pub min_lon: f64,
    /// North edge.
    pub max_lat: f64,
    /// East edge.
    pub max_lon: f64,
}

impl Bounds {
    /// Length of the diagonal, kilometres.
    pub fn diagonal_km(&self) -> f64 {
        distance_m(self.min_lat, self.min_lon, self.max_lat, self.max_lon) / 1000.0
    }
}

fn valid_position(lat: f64, lon: f64) -> bool {
    lat.is_finite()
        && lon.is_finite()
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon)
        && !(lat == 0.0 && lon == 0.0)
}

/// A read-only SQL connection beside the [`Reader`], for aggregates the reader has no call for.
struct Sql<'r> {
    conn: Connection,
    reader: &'r Reader,
    /// Divisor of GPS columns (100 000 for db_version ≤ 4).
    gps_div: f64,
}

impl<'r> Sql<'r> {
    fn open(reader: &'r Reader) -> Result<Sql<'r>> {
        let path = reader.path();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| sql_error(path, "opening", e))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| sql_error(path, "opening", e))?;
        Ok(Sql {
            conn,
            reader,
            gps_div: if reader.gps_is_normalized_int() {
                100_000.0
            } else {
                1.0
            },
        })
    }

    fn has(&self, table: Table, col: &str) -> bool {
        self.reader
            .columns(table)
            .is_some_and(|c| c.iter().any(|n| n == col))
    }

    /// Runs `sql` and calls `f` with each row.
    fn each(
        &self,
        sql: &str,
        ctx: &str,
        mut f: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<()>,
    ) -> Result<()> {
        let path = self.reader.path();
        let mut stmt = self
            .conn
            .prepare(sql)
            .map_err(|e| sql_error(path, ctx, e))?;
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next().map_err(|e| sql_error(path, ctx, e))? {
            f(row).map_err(|e| sql_error(path, ctx, e))?;
        }
        Ok(())
    }

    /// `count(*)` and the number of rows with a position, of a table with `lat`/`lon`.
    fn located(&self, table: Table) -> Result<u64> {
        if !self.has(table, "lat") || !self.has(table, "lon") {
            return Ok(0);
        }
        let (lat, lon) = (self.coord("lat"), self.coord("lon"));
        let sql = format!(
            "SELECT count(*) FROM {} WHERE ({lat}) != 0 OR ({lon}) != 0",
            table.name()
        );
        let mut n = 0;
        self.each(&sql, &format!("counting located rows of {table}"), |r| {
            n = int(r.get_ref(0)?).max(0) as u64;
            Ok(())
        })?;
        Ok(n)
    }

    /// SQL for a GPS column as REAL degrees.
    fn coord(&self, col: &str) -> String {
        if self.gps_div == 1.0 {
            format!("CAST({col} AS REAL)")
        } else {
            format!("CAST({col} AS REAL) / {:.1}", self.gps_div)
        }
    }
}

fn sql_error(path: &Path, ctx: &str, e: rusqlite::Error) -> Error {
    use rusqlite::ffi::ErrorCode;
    let path = path.to_path_buf();
    if let rusqlite::Error::SqliteFailure(f, ref msg) = e {
        let detail = msg.clone().unwrap_or_else(|| f.to_string());
        match f.code {
            ErrorCode::NotADatabase => {
                return Error::NotADatabase {
                    path,
                    detail: format!("{detail} (while {ctx})"),
                }
            }
            ErrorCode::DatabaseCorrupt => {
                return Error::Corrupt {
                    path,
                    context: ctx.to_string(),
                    detail,
                }
            }
            ErrorCode::ReadOnly if f.extended_code == rusqlite::ffi::SQLITE_READONLY_ROLLBACK => {
                return Error::HotJournal { path }
            }
            _ => {}
        }
    }
    Error::Sqlite {
        path,
        context: ctx.to_string(),
        source: e,
    }
}

fn int(v: ValueRef<'_>) -> i64 {
    match v {
        ValueRef::Integer(n) => n,
        ValueRef::Real(f) if f.is_finite() => f as i64,
        ValueRef::Text(b) => std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0),
        _ => 0,
    }
}

fn real(v: ValueRef<'_>) -> Option<f64> {
    match v {
        ValueRef::Integer(n) => Some(n as f64),
        ValueRef::Real(f) => Some(f),
        ValueRef::Text(b) => std::str::from_utf8(b).ok()?.trim().parse().ok(),
        _ => None,
    }
}

fn text(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => String::new(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(b) | ValueRef::Blob(b) => String::from_utf8_lossy(b).into_owned(),
    }
}

/// Gathers the statistics of an open log.
pub fn gather(reader: &Reader) -> Result<Stats> {
    let sql = Sql::open(reader)?;
    let meta = reader.meta();
    let present = |t: Table| reader.columns(t).is_some();
    let count = |t: Table| -> Result<u64> {
        if present(t) {
            reader.count(t)
        } else {
            Ok(0)
        }
    };
    let span = |t: Table| -> Result<Option<(i64, i64)>> {
        if present(t) {
            reader.time_range(t)
        } else {
            Ok(None)
        }
    };
    let mut st = Stats {
        file: reader.path().display().to_string(),
        kismetdb_version: meta.db_version,
        kismet_version: meta.kismet_version.clone(),
        missing_tables: Table::ALL
            .into_iter()
            .filter(|t| !present(*t))
            .map(Table::name)
            .collect(),
        packets: count(Table::Packets)?,
        packets_with_location: 0,
        packet_time: span(Table::Packets)?,
        data_packets: count(Table::Data)?,
        data_with_location: 0,
        data_time: span(Table::Data)?,
        devices: count(Table::Devices)?,
        device_time: span(Table::Devices)?,
        devices_by_phy: BTreeMap::new(),
        devices_by_type: BTreeMap::new(),
        devices_with_location: 0,
        alerts: count(Table::Alerts)?,
        messages: count(Table::Messages)?,
        snapshots: count(Table::Snapshots)?,
        datasources: Vec::new(),
        packets_unknown_datasource: 0,
        packet_tags: BTreeMap::new(),
        bounds: None,
        gps_fixes: 0,
        breadcrumb_dist_meters: 0.0,
    };
    st.packets_with_location = sql.located(Table::Packets)?;
    st.data_with_location = sql.located(Table::Data)?;
    devices_by(&sql, &mut st)?;
    datasources(reader, &sql, &mut st)?;
    tags(&sql, &mut st)?;
    bounds(&sql, &mut st)?;
    track(&sql, &mut st)?;
    Ok(st)
}

fn devices_by(sql: &Sql<'_>, st: &mut Stats) -> Result<()> {
    if sql.reader.columns(Table::Devices).is_none() {
        return Ok(());
    }
    let phy = if sql.has(Table::Devices, "phyname") {
        "phyname"
    } else {
        "''"
    };
    let ty = if sql.has(Table::Devices, "type") {
        "type"
    } else {
        "''"
    };
    let q = format!("SELECT {phy}, {ty}, count(*) FROM devices GROUP BY 1, 2");
    sql.each(&q, "counting devices by phy and type", |r| {
        let n = int(r.get_ref(2)?).max(0) as u64;
        *st.devices_by_phy.entry(text(r.get_ref(0)?)).or_default() += n;
        *st.devices_by_type.entry(text(r.get_ref(1)?)).or_default() += n;
        Ok(())
    })
}

fn datasources(reader: &Reader, sql: &Sql<'_>, st: &mut Stats) -> Result<()> {
    // Rows per datasource UUID in packets and data (UUIDs compared without regard to case).
    let per_source = |table: Table| -> Result<BTreeMap<String, u64>> {
        let mut m: BTreeMap<String, u64> = BTreeMap::new();
        if !sql.has(table, "datasource") {
            return Ok(m);
        }
        let q = format!(
            "SELECT datasource, count(*) FROM {} GROUP BY datasource",
            table.name()
        );
        sql.each(&q, &format!("counting {table} by datasource"), |r| {
            let uuid = text(r.get_ref(0)?).trim().to_ascii_uppercase();
            *m.entry(uuid).or_default() += int(r.get_ref(1)?).max(0) as u64;
            Ok(())
        })?;
        Ok(m)
    };
    let mut packets = per_source(Table::Packets)?;
    let mut data = per_source(Table::Data)?;
    if reader.columns(Table::Datasources).is_some() {
        let mut q = reader.datasources()?;
        q.for_each(|row| -> Result<()> {
            let uuid = row.uuid.to_string();
            let key = uuid.to_ascii_uppercase();
            let mut ds = DatasourceStats {
                packets: packets.remove(&key).unwrap_or(0),
                data_packets: data.remove(&key).unwrap_or(0),
                uuid,
                source_type: row.typestring.to_string(),
                definition: row.definition.to_string(),
                name: row.name.to_string(),
                interface: row.interface.to_string(),
                hardware: None,
                source_packets: None,
                hopping: None,
                hop_rate: None,
                hop_channels: Vec::new(),
                channel: None,
                json_error: None,
            };
            read_source_json(&row.json, &mut ds);
            st.datasources.push(ds);
            Ok(())
        })?;
    }
    st.packets_unknown_datasource = packets.values().sum();
    Ok(())
}

fn read_source_json(bytes: &[u8], ds: &mut DatasourceStats) {
    let v: Value = match serde_json::from_slice(bytes)
        .or_else(|_| serde_json::from_str(&String::from_utf8_lossy(bytes)))
    {
        Ok(Value::Object(m)) => Value::Object(m),
        Ok(_) => {
            ds.json_error = Some("the datasource record is not a JSON object".into());
            return;
        }
        Err(e) => {
            ds.json_error = Some(if bytes.is_empty() {
                "the datasource record is empty".into()
            } else {
                format!("the datasource record is not JSON: {e}")
            });
            return;
        }
    };
    let get = |k: &str| v.get(format!("kismet.datasource.{k}"));
    ds.hardware = get("hardware").and_then(Value::as_str).map(str::to_string);
    ds.source_packets = get("num_packets").and_then(|n| {
        n.as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64))
    });
    ds.hopping = get("hopping").and_then(|h| {
        h.as_i64()
            .map(|n| n != 0)
            .or_else(|| h.as_bool())
            .or_else(|| h.as_f64().map(|f| f != 0.0))
    });
    if ds.hopping == Some(true) {
        ds.hop_rate = get("hop_rate").and_then(Value::as_f64);
        ds.hop_channels = get("hop_channels")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|c| match c {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
    } else {
        ds.channel = get("channel")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_string);
    }
}

fn tags(sql: &Sql<'_>, st: &mut Stats) -> Result<()> {
    if !sql.has(Table::Packets, "tags") {
        return Ok(());
    }
    let q =
        "SELECT tags, count(*) FROM packets WHERE tags IS NOT NULL AND tags != '' GROUP BY tags";
    sql.each(q, "reading packet tags", |r| {
        let n = int(r.get_ref(1)?).max(0) as u64;
        let t = text(r.get_ref(0)?);
        let mut seen: Vec<&str> = Vec::new();
        for tag in t.split_whitespace() {
            // A tag repeated within one packet counts that packet once.
            if !seen.contains(&tag) {
                seen.push(tag);
                *st.packet_tags.entry(tag.to_string()).or_default() += n;
            }
        }
        Ok(())
    })
}

fn bounds(sql: &Sql<'_>, st: &mut Stats) -> Result<()> {
    let cols = ["min_lat", "min_lon", "max_lat", "max_lon"];
    if !cols.iter().all(|c| sql.has(Table::Devices, c)) {
        return Ok(());
    }
    let [a, b, c, d] = cols.map(|c| sql.coord(c));
    // A device without location has all four at 0; one with location may have any one at 0.
    let q = format!(
        "SELECT count(*), min(a), min(b), max(c), max(d) FROM (SELECT {a} AS a, {b} AS b, {c} AS c, {d} AS d FROM devices) \
         WHERE NOT (a = 0 AND b = 0 AND c = 0 AND d = 0) \
         AND a BETWEEN -90 AND 90 AND c BETWEEN -90 AND 90 AND b BETWEEN -180 AND 180 AND d BETWEEN -180 AND 180 \
         AND a <= c AND b <= d"
    );
    sql.each(&q, "reading the devices' location bounds", |r| {
        let n = int(r.get_ref(0)?).max(0) as u64;
        st.devices_with_location = n;
        if n > 0 {
            if let (Some(min_lat), Some(min_lon), Some(max_lat), Some(max_lon)) = (
                real(r.get_ref(1)?),
                real(r.get_ref(2)?),
                real(r.get_ref(3)?),
                real(r.get_ref(4)?),
            ) {
                st.bounds = Some(Bounds {
                    min_lat,
                    min_lon,
                    max_lat,
                    max_lon,
                });
            }
        }
        Ok(())
    })
}

fn track(sql: &Sql<'_>, st: &mut Stats) -> Result<()> {
    let t = Table::Snapshots;
    if !["lat", "lon", "snaptype"].iter().all(|c| sql.has(t, c)) {
        return Ok(());
    }
    let order = if sql.has(t, "ts_sec") && sql.has(t, "ts_usec") {
        " ORDER BY ts_sec, ts_usec, rowid"
    } else {
        " ORDER BY rowid"
    };
    let q = format!(
        "SELECT {}, {} FROM snapshots WHERE snaptype = 'GPS'{order}",
        sql.coord("lat"),
        sql.coord("lon")
    );
    let mut last: Option<(f64, f64)> = None;
    sql.each(&q, "reading the GPS track", |r| {
        let (Some(lat), Some(lon)) = (real(r.get_ref(0)?), real(r.get_ref(1)?)) else {
            return Ok(());
        };
        if !valid_position(lat, lon) {
            return Ok(());
        }
        st.gps_fixes += 1;
        if let Some((plat, plon)) = last {
            st.breadcrumb_dist_meters += distance_m(plat, plon, lat, lon);
        }
        last = Some((lat, lon));
        Ok(())
    })
}

fn opt_span(s: Option<(i64, i64)>, i: usize) -> Value {
    match s {
        Some((a, b)) => json!(if i == 0 { a } else { b }),
        None => Value::Null,
    }
}

impl Stats {
    /// The report as one JSON object (Kismet's keys plus more).
    pub fn to_json(&self) -> Value {
        let mut m = Map::new();
        let mut put = |k: &str, v: Value| {
            m.insert(k.to_string(), v);
        };
        put("file", json!(self.file));
        put("kismetdb_version", json!(self.kismetdb_version));
        put("kismet_version", json!(self.kismet_version));
        put("missing_tables", json!(self.missing_tables));
        put("packets", json!(self.packets));
        put("packets_with_location", json!(self.packets_with_location));
        put("packet_min_time", opt_span(self.packet_time, 0));
        put("packet_max_time", opt_span(self.packet_time, 1));
        put("data_packets", json!(self.data_packets));
        put("data_with_location", json!(self.data_with_location));
        put("data_min_time", opt_span(self.data_time, 0));
        put("data_max_time", opt_span(self.data_time, 1));
        put("devices", json!(self.devices));
        put("device_min_time", opt_span(self.device_time, 0));
        put("device_max_time", opt_span(self.device_time, 1));
        put("devices_by_phy", json!(self.devices_by_phy));
        put("devices_by_type", json!(self.devices_by_type));
        put("devices_with_location", json!(self.devices_with_location));
        put("alerts", json!(self.alerts));
        put("messages", json!(self.messages));
        put("snapshots", json!(self.snapshots));
        let sources: Vec<Value> = self
            .datasources
            .iter()
            .map(|d| {
                let mut o = Map::new();
                o.insert("uuid".into(), json!(d.uuid));
                o.insert("type".into(), json!(d.source_type));
                o.insert("definition".into(), json!(d.definition));
                o.insert("name".into(), json!(d.name));
                o.insert("interface".into(), json!(d.interface));
                o.insert("hardware".into(), json!(d.hardware));
                o.insert("packets".into(), json!(d.packets));
                o.insert("data_packets".into(), json!(d.data_packets));
                o.insert("source_packets".into(), json!(d.source_packets));
                o.insert("hopping".into(), json!(d.hopping));
                if d.hopping == Some(true) {
                    o.insert("hop_rate".into(), json!(d.hop_rate));
                    o.insert("hop_channels".into(), json!(d.hop_channels));
                } else if let Some(c) = &d.channel {
                    o.insert("channel".into(), json!(c));
                }
                if let Some(e) = &d.json_error {
                    o.insert("json_error".into(), json!(e));
                }
                Value::Object(o)
            })
            .collect();
        put("datasources", Value::Array(sources));
        put(
            "packets_unknown_datasource",
            json!(self.packets_unknown_datasource),
        );
        put(
            "packettags",
            json!(self.packet_tags.keys().collect::<Vec<_>>()),
        );
        put("packettag_counts", json!(self.packet_tags));
        if let Some(b) = &self.bounds {
            put("min_lat", json!(b.min_lat));
            put("min_lon", json!(b.min_lon));
            put("max_lat", json!(b.max_lat));
            put("max_lon", json!(b.max_lon));
            put("diag_distance_km", json!(b.diagonal_km()));
        }
        put("gps_fixes", json!(self.gps_fixes));
        put("breadcrumb_dist_meters", json!(self.breadcrumb_dist_meters));
        Value::Object(m)
    }

    /// The report as text.
    pub fn render_text(&self) -> String {
        let mut s = String::new();
        let span = |sp: Option<(i64, i64)>| match sp {
            Some((a, b)) => format!(
                "{} .. {} UTC ({a} .. {b}, {} s)",
                utc(a),
                utc(b),
                b.saturating_sub(a)
            ),
            None => "-".into(),
        };
        let _ = writeln!(s, "File:                {}", self.file);
        let writer = if self.kismet_version.starts_with("osprey") {
            self.kismet_version.replacen("osprey", "Osprey", 1)
        } else {
            format!("Kismet {}", self.kismet_version)
        };
        let _ = writeln!(
            s,
            "KismetDB version:    {} (written by {writer})",
            self.kismetdb_version
        );
        if !self.missing_tables.is_empty() {
            let _ = writeln!(s, "Missing tables:      {}", self.missing_tables.join(", "));
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "Packets:             {} ({} with location)",
            self.packets, self.packets_with_location
        );
        if self.packet_time.is_some() {
            let _ = writeln!(s, "  Time span:         {}", span(self.packet_time));
        }
        let _ = writeln!(
            s,
            "Non-packet data:     {} ({} with location)",
            self.data_packets, self.data_with_location
        );
        if self.data_time.is_some() {
            let _ = writeln!(s, "  Time span:         {}", span(self.data_time));
        }
        let _ = writeln!(
            s,
            "Alerts: {}   Messages: {}   Snapshots: {}",
            self.alerts, self.messages, self.snapshots
        );
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "Devices:             {} ({} with location)",
            self.devices, self.devices_with_location
        );
        if self.device_time.is_some() {
            let _ = writeln!(s, "  Seen between:      {}", span(self.device_time));
        }
        let list = |m: &BTreeMap<String, u64>| {
            m.iter()
                .map(|(k, n)| {
                    if k.is_empty() {
                        format!("(none) {n}")
                    } else {
                        format!("{k} {n}")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        if !self.devices_by_phy.is_empty() {
            let _ = writeln!(s, "  By phy:            {}", list(&self.devices_by_phy));
            let _ = writeln!(s, "  By type:           {}", list(&self.devices_by_type));
        }
        let _ = writeln!(s);
        let _ = writeln!(s, "Datasources:         {}", self.datasources.len());
        for d in &self.datasources {
            let _ = writeln!(
                s,
                "  {:<16} {:<16} {} {}",
                d.name, d.interface, d.uuid, d.source_type
            );
            let _ = writeln!(s, "    Definition:      {}", d.definition);
            if let Some(h) = d.hardware.as_deref().filter(|h| !h.is_empty()) {
                let _ = writeln!(s, "    Hardware:        {h}");
            }
            let mut p = format!("{} logged", d.packets);
            if let Some(n) = d.source_packets {
                let _ = write!(p, " (the source counted {n})");
            }
            let _ = writeln!(s, "    Packets:         {p}");
            if d.data_packets > 0 {
                let _ = writeln!(s, "    Non-packet data: {}", d.data_packets);
            }
            if d.hopping == Some(true) {
                if let Some(rate) = d.hop_rate {
                    let _ = writeln!(s, "    Hop rate:        {}", hop_rate_text(rate));
                }
                if !d.hop_channels.is_empty() {
                    let _ = writeln!(s, "    Hop channels:    {}", d.hop_channels.join(", "));
                }
            } else if let Some(c) = &d.channel {
                let _ = writeln!(s, "    Channel:         {c}");
            }
            if let Some(e) = &d.json_error {
                let _ = writeln!(s, "    Record:          {e}");
            }
        }
        if self.packets_unknown_datasource > 0 {
            let _ = writeln!(
                s,
                "  Packets from sources missing from the datasources table: {}",
                self.packets_unknown_datasource
            );
        }
        let _ = writeln!(s);
        if self.packet_tags.is_empty() {
            let _ = writeln!(s, "Packet tags:         none");
        } else {
            let _ = writeln!(s, "Packet tags:");
            for (t, n) in &self.packet_tags {
                let _ = writeln!(s, "  {t:<32} {n}");
            }
        }
        let _ = writeln!(s);
        match &self.bounds {
            Some(b) => {
                let _ = writeln!(
                    s,
                    "Bounding location:   {:.10},{:.10} {:.10},{:.10} (~{:.3} km diagonal)",
                    b.min_lat,
                    b.min_lon,
                    b.max_lat,
                    b.max_lon,
                    b.diagonal_km()
                );
            }
            None => {
                let _ = writeln!(s, "Bounding location:   none");
            }
        }
        let _ = writeln!(
            s,
            "GPS track:           {} fixes, {:.3} km travelled",
            self.gps_fixes,
            self.breadcrumb_dist_meters / 1000.0
        );
        s
    }
}

/// A hop rate (hops per second) in words.
fn hop_rate_text(rate: f64) -> String {
    if !rate.is_finite() || rate <= 0.0 {
        format!("{rate}")
    } else if rate >= 1.0 {
        format!("{rate:.2}/second")
    } else if rate * 60.0 >= 1.0 {
        format!("{:.2}/minute", rate * 60.0)
    } else {
        format!("one every {:.1} seconds", 1.0 / rate)
    }
}

/// `YYYY-MM-DD HH:MM:SS` UTC of seconds since the epoch.
pub fn utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let z = days.saturating_add(719_468);
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe.saturating_add(era.saturating_mul(400)) + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geo::EARTH_RADIUS_M;
    use kismetdb::{
        DatasourceRow, DeviceRow, GpsFix, MacAddr, PacketRow, SnapshotRow, Timestamp, Uuid, Writer,
        WriterOptions,
    };

    #[test]
    fn haversine_uses_the_real_earth_radius() {
        // One degree of latitude is 111.19 km on a 6371 km sphere (Kismet: 117.5 km).
        let d = distance_m(0.0, 10.0, 1.0, 10.0);
        assert!((d - 111_194.9).abs() < 1.0, "{d}");
        assert_eq!(distance_m(38.9, -77.0, 38.9, -77.0), 0.0);
        // Antipodes: half the circumference, no NaN.
        let d = distance_m(0.0, 0.0, 0.0, 180.0);
        assert!((d - std::f64::consts::PI * EARTH_RADIUS_M).abs() < 1.0);
    }

    #[test]
    fn hop_rates_read_right() {
        assert_eq!(hop_rate_text(5.0), "5.00/second");
        assert_eq!(hop_rate_text(0.5), "30.00/minute");
        assert_eq!(hop_rate_text(0.01), "one every 100.0 seconds");
    }

    #[test]
    fn utc_text() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(1_507_043_001), "2017-10-03 15:03:21");
        let _ = utc(i64::MAX);
        let _ = utc(i64::MIN);
    }

    fn dev(mac: u8, phy: &str, ty: &str, bbox: [f64; 4]) -> DeviceRow<'static> {
        DeviceRow {
            first_time: 1000 + i64::from(mac),
            last_time: 2000 + i64::from(mac),
            devkey: None,
            phyname: phy.to_string().into(),
            devmac: MacAddr::new([2, 0, 0, 0, 0, mac]),
            strongest_signal: -50,
            min_lat: bbox[0],
            min_lon: bbox[1],
            max_lat: bbox[2],
            max_lon: bbox[3],
            avg_lat: (bbox[0] + bbox[2]) / 2.0,
            avg_lon: (bbox[1] + bbox[3]) / 2.0,
            bytes_data: 0,
            device_type: ty.to_string().into(),
            device: b"{}".to_vec().into(),
        }
    }

    fn pkt(i: i64, src: Uuid, tags: &str, lat: f64) -> PacketRow<'static> {
        PacketRow {
            ts: Timestamp::new(1500 + i, 0),
            phyname: "IEEE802.11".into(),
            sourcemac: MacAddr::new([2, 0, 0, 0, 0, 1]),
            destmac: MacAddr::BROADCAST,
            transmac: MacAddr::ZERO,
            frequency: 2_412_000.0,
            devkey: "0".into(),
            gps: GpsFix {
                lat,
                lon: if lat == 0.0 { 0.0 } else { -77.0 },
                ..Default::default()
            },
            packet_len: 1,
            signal: -40,
            datasource: src,
            dlt: 105,
            packet: vec![0u8].into(),
            error: false,
            tags: tags.to_string().into(),
            datarate: 0.0,
            hash: 0,
            packetid: i as u64,
            packet_full_len: 1,
        }
    }

    #[test]
    fn a_synthetic_log_adds_up() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s.kismet");
        let a = Uuid::kismet_source("kismet_cap_linux_wifi", "wlan0");
        let b = Uuid::kismet_source("kismet_cap_linux_wifi", "wlan1");
        let stray = Uuid::kismet_source("kismet_cap_pcapfile", "x");
        let mut w = Writer::create(&p, WriterOptions::default()).unwrap();
        w.insert_device(&dev(
            1,
            "IEEE802.11",
            "Wi-Fi AP",
            [38.0, -77.5, 38.5, -77.0],
        ))
        .unwrap();
        // On the equator: Kismet's "!= 0" test drops this one.
        w.insert_device(&dev(
            2,
            "IEEE802.11",
            "Wi-Fi Client",
            [0.0, -78.0, 0.5, -77.2],
        ))
        .unwrap();
        w.insert_device(&dev(3, "BTLE", "BTLE", [0.0; 4])).unwrap();
        for (i, (src, tags, lat)) in [
            (a, "DOT11_BEACON_SSID", 38.1),
            (a, "DOT11_BEACON_SSID  DOT11_WPAHANDSHAKE ", 0.0),
            (b, "", 0.0),
            (stray, "ALERT ALERT", 0.0),
        ]
        .into_iter()
        .enumerate()
        {
            w.insert_packet(&pkt(i as i64, src, tags, lat)).unwrap();
        }
        w.insert_datasource(&DatasourceRow {
            uuid: a,
            typestring: "linuxwifi".into(),
            definition: "wlan0".into(),
            name: "wlan0".into(),
            interface: "wlan0".into(),
            json: br#"{"kismet.datasource.hardware":"ath9k","kismet.datasource.num_packets":7,"kismet.datasource.hopping":1,"kismet.datasource.hop_rate":5,"kismet.datasource.hop_channels":["1","6","11"]}"#.to_vec().into(),
        })
        .unwrap();
        w.insert_datasource(&DatasourceRow {
            uuid: b,
            typestring: "linuxwifi".into(),
            definition: "wlan1".into(),
            name: "wlan1".into(),
            interface: "wlan1".into(),
            json: b"{\"kismet.datasource.channel\":\"6\",\"x\":\"\xff\"}"
                .to_vec()
                .into(),
        })
        .unwrap();
        for (i, (lat, lon)) in [(38.0, -77.0), (38.0, -77.0), (0.0, 0.0), (38.01, -77.0)]
            .into_iter()
            .enumerate()
        {
            w.insert_snapshot(&SnapshotRow {
                ts: Timestamp::new(1600 + i as i64, 0),
                lat,
                lon,
                snaptype: "GPS".into(),
                json: b"{}".to_vec().into(),
            })
            .unwrap();
        }
        w.close().unwrap();

        let r = Reader::open(&p).unwrap();
        let s = gather(&r).unwrap();
        assert_eq!(s.kismetdb_version, 9);
        assert!(s.missing_tables.is_empty());
        assert_eq!((s.packets, s.packets_with_location), (4, 1));
        assert_eq!(s.packet_time, Some((1500, 1503)));
        assert_eq!((s.devices, s.devices_with_location), (3, 2));
        assert_eq!(s.device_time, Some((1001, 2003)));
        assert_eq!(s.devices_by_phy["IEEE802.11"], 2);
        assert_eq!(s.devices_by_type["BTLE"], 1);
        let bb = s.bounds.unwrap();
        assert_eq!(
            (bb.min_lat, bb.min_lon, bb.max_lat, bb.max_lon),
            (0.0, -78.0, 38.5, -77.0)
        );
        assert_eq!(s.datasources.len(), 2);
        let da = &s.datasources[0];
        assert_eq!((da.packets, da.source_packets), (2, Some(7)));
        assert_eq!(da.hardware.as_deref(), Some("ath9k"));
        assert_eq!((da.hopping, da.hop_rate), (Some(true), Some(5.0)));
        assert_eq!(da.hop_channels, ["1", "6", "11"]);
        let db = &s.datasources[1];
        assert_eq!((db.packets, db.channel.as_deref()), (1, Some("6")));
        assert_eq!(db.json_error, None, "non-UTF-8 is read lossily");
        assert_eq!(s.packets_unknown_datasource, 1);
        let tags: Vec<(&str, u64)> = s
            .packet_tags
            .iter()
            .map(|(k, v)| (k.as_str(), *v))
            .collect();
        assert_eq!(
            tags,
            [
                ("ALERT", 1),
                ("DOT11_BEACON_SSID", 2),
                ("DOT11_WPAHANDSHAKE", 1)
            ]
        );
        assert_eq!(s.gps_fixes, 3);
        let want = distance_m(38.0, -77.0, 38.01, -77.0);
        assert!((s.breadcrumb_dist_meters - want).abs() < 1e-6);
        assert!((s.breadcrumb_dist_meters - 1111.95).abs() < 0.1);

        let j = s.to_json();
        assert_eq!(j["packets"], 4);
        assert_eq!(j["datasources"][0]["hop_channels"][2], "11");
        assert_eq!(j["packettags"].as_array().unwrap().len(), 3);
        assert!(j["diag_distance_km"].as_f64().unwrap() > 4000.0);
        let t = s.render_text();
        assert!(
            t.contains("Packets:             4 (1 with location)"),
            "{t}"
        );
        assert!(t.contains("Hop rate:        5.00/second"), "{t}");
    }

    #[test]
    fn empty_and_partial_logs_report_without_failing() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("e.kismet");
        Writer::create(&p, WriterOptions::default())
            .unwrap()
            .close()
            .unwrap();
        let s = gather(&Reader::open(&p).unwrap()).unwrap();
        assert_eq!((s.packets, s.devices, s.datasources.len()), (0, 0, 0));
        assert_eq!((s.device_time, s.bounds), (None, None));
        assert_eq!(s.to_json()["device_min_time"], Value::Null);
        assert!(s.render_text().contains("Bounding location:   none"));

        // A v4 log with only a devices table: GPS are integers × 100 000.
        let p = d.path().join("v4.kismet");
        let c = Connection::open(&p).unwrap();
        c.execute_batch(
            "CREATE TABLE KISMET (kismet_version TEXT, db_version INT, db_module TEXT);
             INSERT INTO KISMET VALUES ('2018.0.0', 4, 'kismetlog');
             CREATE TABLE devices (first_time INT, last_time INT, devkey TEXT, phyname TEXT, devmac TEXT, strongest_signal INT, min_lat INT, min_lon INT, max_lat INT, max_lon INT, avg_lat INT, avg_lon INT, bytes_data INT, type TEXT, device BLOB);
             INSERT INTO devices VALUES (1, 2, '', 'IEEE802.11', 'AA:BB:CC:DD:EE:FF', 0, 3889000, -7704000, 3890000, -7703000, 3889500, -7703500, 0, 'Wi-Fi AP', x'7b7d');",
        )
        .unwrap();
        drop(c);
        let s = gather(&Reader::open(&p).unwrap()).unwrap();
        assert_eq!(s.missing_tables.len(), 6);
        let b = s.bounds.unwrap();
        assert!((b.min_lat - 38.89).abs() < 1e-9 && (b.max_lon + 77.03).abs() < 1e-9);
    }
}
