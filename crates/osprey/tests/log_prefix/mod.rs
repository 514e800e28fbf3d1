//! Checks shared by the crash-safety and disk-full tests: a log left by a killed or failed
//! `osprey` opens (with Kismet-style plain SQLite and with the kismetdb reader), passes
//! `PRAGMA integrity_check`, and holds a prefix of what an uninterrupted run over the same input
//! wrote.
//!
//! * Append-only tables (`packets`, `alerts`, `messages`, `data`, `snapshots`): the rows are
//!   rowids 1..n, and each equals the reference row of the same rowid column by column (value
//!   and storage class), so they are exactly the reference's first n rows. What legitimately
//!   differs between two runs is normalised: the log's own path in the "Opened kismetdb log
//!   file" message, and the SYSTEM snapshot's time and server UUID.
//! * Rewritten tables (`devices`, `datasources`, upserted as they change): each row is valid
//!   (its JSON parses and names the row's key) and its key fields match a row of the reference.
//!
//! The comparison runs inside SQLite (the reference is attached), so it costs milliseconds
//! even for tens of thousands of rows.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kismetdb::{OpenOptions, Reader, Table};
use rusqlite::{Connection, OpenFlags};

/// Tables whose rows never change once written.
pub const APPEND_ONLY: [&str; 5] = ["packets", "alerts", "messages", "data", "snapshots"];
/// Tables whose rows are upserted.
pub const REWRITTEN: [&str; 2] = ["devices", "datasources"];
/// Every log table.
pub const ALL: [&str; 7] = [
    "devices",
    "packets",
    "data",
    "datasources",
    "alerts",
    "messages",
    "snapshots",
];

/// Rows per table.
pub type Counts = BTreeMap<&'static str, i64>;

/// A finished reference log and the path it was written under.
pub struct Reference {
    /// The log.
    pub path: PathBuf,
    /// The path the run was told to write (it appears in the "Opened kismetdb log file"
    /// message).
    pub written_as: PathBuf,
    /// Its rows per table.
    pub counts: Counts,
}

impl Reference {
    /// Loads a reference log: it must pass both integrity checks and decode row by row, and
    /// its append-only tables must have rowids 1..n (what makes "the first n rows" the same as
    /// "rowids 1 to n").
    pub fn load(path: &Path) -> Reference {
        let c = plain_read_only(path).unwrap();
        plain_integrity(&c).unwrap();
        let counts = counts(&c).unwrap();
        assert_eq!(reader_check(path, false, true).unwrap(), counts);
        for t in APPEND_ONLY {
            let (n, max): (i64, i64) = c
                .query_row(
                    &format!("SELECT count(*), coalesce(max(rowid), 0) FROM {t}"),
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert_eq!(
                n,
                max,
                "reference {}: {t} rowids are not 1..n",
                path.display()
            );
        }
        Reference {
            path: path.to_path_buf(),
            written_as: path.to_path_buf(),
            counts,
        }
    }
}

/// What may differ between the checked log and the reference besides the normalised values.
#[derive(Clone, Copy, Debug, Default)]
pub struct Leniency {
    /// A message logged before the first packet carries the capture time when the packet path
    /// delivers it, or 0 when `osprey serve`'s idle ticker does (it runs on another thread):
    /// accept a time of 0 on either side.
    pub zero_message_time: bool,
}

/// A read-only plain SQLite connection (no hot journal may be present).
pub fn plain_read_only(path: &Path) -> rusqlite::Result<Connection> {
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI,
    )?;
    c.busy_timeout(Duration::from_secs(5))?;
    Ok(c)
}

/// Rows per log table, in one read transaction.
pub fn counts(c: &Connection) -> rusqlite::Result<Counts> {
    c.execute_batch("BEGIN")?;
    let mut out = Counts::new();
    for t in ALL {
        let n: i64 = c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))?;
        out.insert(t, n);
    }
    c.execute_batch("COMMIT")?;
    Ok(out)
}

/// What a concurrent reader sees committed in a log being written: rows per table, or `None`
/// if the log does not exist yet or cannot be read at this moment.
pub fn observe(log: &Path) -> Option<Counts> {
    if !log.exists() {
        return None;
    }
    let c = plain_read_only(log).ok()?;
    counts(&c).ok()
}

/// `PRAGMA integrity_check` through plain SQLite.
fn plain_integrity(c: &Connection) -> Result<(), String> {
    let mut s = c
        .prepare("PRAGMA integrity_check")
        .map_err(|e| e.to_string())?;
    let rows: Vec<String> = s
        .query_map([], |r| r.get(0))
        .map_err(|e| e.to_string())?
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    if rows == ["ok"] {
        Ok(())
    } else {
        Err(format!("plain SQLite integrity_check: {rows:?}"))
    }
}

/// Opens `log` with plain SQLite read-write, as Kismet's tools and the `sqlite3` shell do
/// (which rolls back a hot journal), and checks its integrity.
fn plain_recover(log: &Path) -> Result<(), String> {
    let c = Connection::open_with_flags(log, OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(|e| format!("plain SQLite open: {e}"))?;
    plain_integrity(&c)
}

/// Opens `log` with the kismetdb reader, checks its integrity and reads every row of every
/// table as typed rows (packets only with `decode_packets`: a checked log's packet rows are
/// proved equal, value and storage class, to the reference's, which are decoded once, so
/// decoding them again would prove nothing more and cost seconds in a debug build). Returns
/// the reader's row counts.
fn reader_check(log: &Path, recover: bool, decode_packets: bool) -> Result<Counts, String> {
    let r = Reader::open_with(log, OpenOptions { recover }).map_err(|e| e.to_string())?;
    let ic = r.integrity_check().map_err(|e| e.to_string())?;
    if ic != ["ok"] {
        return Err(format!("reader integrity_check: {ic:?}"));
    }
    let mut out = Counts::new();
    for t in Table::ALL {
        let n = r.count(t).map_err(|e| e.to_string())? as i64;
        out.insert(t.name(), n);
    }
    // Every row decodes into its typed form (a torn value would not).
    let mut seen = Counts::new();
    let mut add = |t: &'static str| *seen.entry(t).or_default() += 1;
    let e = |e: kismetdb::Error| e.to_string();
    r.devices()
        .map_err(e)?
        .for_each(|_| -> kismetdb::Result<()> {
            add("devices");
            Ok(())
        })
        .map_err(e)?;
    if decode_packets {
        r.packets()
            .map_err(e)?
            .for_each(|_| -> kismetdb::Result<()> {
                add("packets");
                Ok(())
            })
            .map_err(e)?;
    }
    r.data()
        .map_err(e)?
        .for_each(|_| -> kismetdb::Result<()> {
            add("data");
            Ok(())
        })
        .map_err(e)?;
    r.datasources()
        .map_err(e)?
        .for_each(|_| -> kismetdb::Result<()> {
            add("datasources");
            Ok(())
        })
        .map_err(e)?;
    r.alerts()
        .map_err(e)?
        .for_each(|_| -> kismetdb::Result<()> {
            add("alerts");
            Ok(())
        })
        .map_err(e)?;
    r.messages()
        .map_err(e)?
        .for_each(|_| -> kismetdb::Result<()> {
            add("messages");
            Ok(())
        })
        .map_err(e)?;
    r.snapshots()
        .map_err(e)?
        .for_each(|_| -> kismetdb::Result<()> {
            add("snapshots");
            Ok(())
        })
        .map_err(e)?;
    for t in ALL
        .into_iter()
        .filter(|&t| decode_packets || t != "packets")
    {
        let decoded = seen.get(t).copied().unwrap_or(0);
        if decoded != out[t] {
            return Err(format!("{t}: {} rows counted, {decoded} decoded", out[t]));
        }
    }
    Ok(out)
}

/// An SQL string literal.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The expression compared for column `col` of `table` on side `side` (`k` or `r`), with the
/// run-specific parts normalised; `None` for columns that legitimately differ between runs.
fn column_expr(table: &str, col: &str, side: &str, log_path: &str) -> Option<String> {
    match (table, col) {
        ("messages", "message") => Some(format!(
            "replace({side}.message, {}, '<log>')",
            lit(log_path)
        )),
        // The SYSTEM snapshot records when the run started and a random server UUID.
        ("snapshots", "ts_sec") | ("snapshots", "ts_usec") => None,
        ("snapshots", "json") => Some(format!(
            "json_remove(CAST({side}.json AS TEXT), '$.\"kismet.system.timestamp.sec\"', \
             '$.\"kismet.system.timestamp.usec\"', '$.\"kismet.system.timestamp.start_sec\"', \
             '$.\"kismet.system.server_uuid\"')"
        )),
        _ => Some(format!("{side}.\"{col}\"")),
    }
}

fn columns(c: &Connection, table: &str) -> Result<Vec<String>, String> {
    let mut s = c
        .prepare(&format!(
            "SELECT name FROM pragma_table_info('{table}', 'ref')"
        ))
        .map_err(|e| e.to_string())?;
    let cols = s
        .query_map([], |r| r.get(0))
        .map_err(|e| e.to_string())?
        .collect::<Result<Vec<String>, _>>()
        .map_err(|e| e.to_string())?;
    Ok(cols)
}

/// Checks the append-only table `t`: rowids 1..n, each row equal to the reference's.
fn check_append_only(
    c: &Connection,
    t: &str,
    log: &Path,
    reference: &Reference,
    lenient: Leniency,
) -> Result<(), String> {
    let (n, max): (i64, i64) = c
        .query_row(
            &format!("SELECT count(*), coalesce(max(rowid), 0) FROM main.{t}"),
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .map_err(|e| e.to_string())?;
    if n != max {
        return Err(format!(
            "{t}: {n} rows but rowids up to {max}: not a prefix"
        ));
    }
    let mut diffs = Vec::new();
    for col in columns(c, t)? {
        let (Some(k), Some(r)) = (
            column_expr(t, &col, "k", &log.display().to_string()),
            column_expr(t, &col, "r", &reference.written_as.display().to_string()),
        ) else {
            continue;
        };
        let mut d = format!("({k} IS NOT {r} OR typeof({k}) IS NOT typeof({r}))");
        if lenient.zero_message_time && t == "messages" && col == "ts_sec" {
            d = format!("({d} AND {k} != 0 AND {r} != 0)");
        }
        diffs.push((col, d));
    }
    let cases: Vec<String> = diffs
        .iter()
        .map(|(col, d)| format!("WHEN {d} THEN {}", lit(col)))
        .collect();
    let any: Vec<&str> = diffs.iter().map(|(_, d)| d.as_str()).collect();
    let sql = format!(
        "SELECT k.rowid, CASE WHEN r.rowid IS NULL THEN '(no such row in the reference)' {} END \
         FROM main.{t} k LEFT JOIN ref.{t} r ON r.rowid = k.rowid \
         WHERE r.rowid IS NULL OR {} ORDER BY k.rowid LIMIT 1",
        cases.join(" "),
        any.join(" OR ")
    );
    let bad: Option<(i64, String)> = c
        .query_row(&sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
        .map(Some)
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok(None),
            e => Err(e.to_string()),
        })?;
    match bad {
        Some((rowid, col)) => Err(format!(
            "{t}: rowid {rowid} differs from the uninterrupted run's in column {col}"
        )),
        None => Ok(()),
    }
}

/// Checks the rewritten tables: every row valid and matching a reference row's key fields.
fn check_rewritten(c: &Connection) -> Result<(), String> {
    let problem = |sql: &str| -> Result<Option<(String, String)>, String> {
        c.query_row(sql, [], |r| Ok((r.get(0)?, r.get(1)?)))
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                e => Err(e.to_string()),
            })
    };
    let devices = "SELECT k.devkey, CASE \
        WHEN r.devkey IS NULL THEN 'no device with this key in the uninterrupted run' \
        WHEN k.phyname IS NOT r.phyname OR k.devmac IS NOT r.devmac THEN 'phyname or devmac differ' \
        WHEN NOT json_valid(CAST(k.device AS TEXT)) THEN 'the device JSON does not parse' \
        WHEN json_extract(CAST(k.device AS TEXT), '$.\"kismet.device.base.key\"') IS NOT k.devkey \
            THEN 'the JSON names another key' \
        WHEN json_extract(CAST(k.device AS TEXT), '$.\"kismet.device.base.macaddr\"') IS NOT k.devmac \
            THEN 'the JSON names another MAC' \
        END AS why FROM main.devices k LEFT JOIN ref.devices r ON r.devkey = k.devkey \
        WHERE why IS NOT NULL LIMIT 1";
    if let Some((key, why)) = problem(devices)? {
        return Err(format!("devices: {key}: {why}"));
    }
    let sources = "SELECT k.uuid, CASE \
        WHEN r.uuid IS NULL THEN 'no datasource with this UUID in the uninterrupted run' \
        WHEN k.typestring IS NOT r.typestring OR k.definition IS NOT r.definition \
            OR k.name IS NOT r.name OR k.interface IS NOT r.interface THEN 'key fields differ' \
        WHEN NOT json_valid(CAST(k.json AS TEXT)) THEN 'the JSON does not parse' \
        WHEN json_extract(CAST(k.json AS TEXT), '$.\"kismet.datasource.uuid\"') IS NOT k.uuid \
            THEN 'the JSON names another UUID' \
        END AS why FROM main.datasources k LEFT JOIN ref.datasources r ON r.uuid = k.uuid \
        WHERE why IS NOT NULL LIMIT 1";
    if let Some((uuid, why)) = problem(sources)? {
        return Err(format!("datasources: {uuid}: {why}"));
    }
    // And each record parses as JSON outside SQLite too.
    for (t, col) in [("devices", "device"), ("datasources", "json")] {
        let mut s = c
            .prepare(&format!("SELECT {col} FROM main.{t}"))
            .map_err(|e| e.to_string())?;
        let mut rows = s.query([]).map_err(|e| e.to_string())?;
        while let Some(row) = rows.next().map_err(|e| e.to_string())? {
            let bytes: Vec<u8> = row.get(0).map_err(|e| e.to_string())?;
            serde_json::from_slice::<serde_json::Value>(&bytes)
                .map_err(|e| format!("{t}: a record does not parse: {e}"))?;
        }
    }
    Ok(())
}

/// Checks a log left by an interrupted run of the same command as `reference`: it opens with
/// plain SQLite and with the kismetdb reader (`plain_first` chooses which one meets the hot
/// journal, if any, and rolls it back), passes `PRAGMA integrity_check` in both, every row
/// decodes, and its rows are a prefix of the reference's (see the module documentation).
/// Returns its rows per table.
pub fn check_prefix(
    log: &Path,
    reference: &Reference,
    lenient: Leniency,
    plain_first: bool,
) -> Result<Counts, String> {
    let from_reader = if plain_first {
        plain_recover(log)?;
        reader_check(log, false, false)?
    } else {
        let n = reader_check(log, true, false)?;
        plain_recover(log)?;
        n
    };
    let c = plain_read_only(log).map_err(|e| format!("plain SQLite open: {e}"))?;
    plain_integrity(&c)?;
    let counts = counts(&c).map_err(|e| e.to_string())?;
    if counts != from_reader {
        return Err(format!(
            "plain SQLite counts {counts:?}, the reader {from_reader:?}"
        ));
    }
    c.execute(
        "ATTACH DATABASE ?1 AS ref",
        [format!(
            "file:{}?mode=ro",
            reference.path.display().to_string().replace('?', "%3f")
        )],
    )
    .map_err(|e| format!("attaching the reference: {e}"))?;
    let meta = "SELECT count(*) FROM (SELECT * FROM main.KISMET EXCEPT SELECT * FROM ref.KISMET)";
    let odd: i64 = c
        .query_row(meta, [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    let n: i64 = c
        .query_row("SELECT count(*) FROM main.KISMET", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if odd != 0 || n != 1 {
        return Err("the KISMET row differs from the uninterrupted run's".into());
    }
    for t in APPEND_ONLY {
        check_append_only(&c, t, log, reference, lenient)?;
    }
    check_rewritten(&c)?;
    Ok(counts)
}

/// Checks that a log is complete: the same rows per table as the reference.
pub fn check_complete(log: &Path, reference: &Reference) -> Result<(), String> {
    let c = plain_read_only(log).map_err(|e| e.to_string())?;
    let counts = counts(&c).map_err(|e| e.to_string())?;
    if counts != reference.counts {
        return Err(format!(
            "finished run: {counts:?}, uninterrupted run {:?}",
            reference.counts
        ));
    }
    Ok(())
}
