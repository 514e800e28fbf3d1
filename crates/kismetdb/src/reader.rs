//! Reading kismetdb logs of db versions 1 to 10.
//!
//! The reader looks at which columns each table really has (`PRAGMA table_info`) rather than
//! trusting the version number alone: Kismet added columns without bumping the version more than
//! once (the v2 `devices.devkey`, the short-lived v9 `packet_caplen`). Columns a version lacks
//! read as Kismet's zero values. GPS columns of db_version ≤ 4 hold degrees × 100 000 as
//! integers and are converted to degrees; from version 5 on they are REAL degrees.
//!
//! Iteration is streaming: SQLite steps one row at a time and a row's bytes are only borrowed
//! (`Query::for_each`) or copied one row at a time (`Query::rows`), so memory stays constant
//! whatever the size of the log.

use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

use crate::error::{Error, Result};
use crate::records::{
    AlertRow, DataRow, DatasourceRow, DeviceRow, KismetMeta, MessageRow, PacketRow, SnapshotRow,
};
use crate::schema::{Table, MAX_READ_VERSION, MIN_READ_VERSION};
use crate::types::{DeviceKey, GpsFix, MacAddr, Timestamp, Uuid};

/// How to open a log for reading.
#[derive(Clone, Copy, Debug, Default)]
pub struct OpenOptions {
    /// Open read-write so that SQLite rolls back the hot journal an interrupted writer left.
    /// This modifies the file (it removes the unfinished transaction); without it such a log
    /// is refused with [`Error::HotJournal`].
    pub recover: bool,
}

/// An open kismetdb log.
pub struct Reader {
    conn: Connection,
    path: PathBuf,
    meta: KismetMeta,
    columns: [Option<Vec<String>>; 7],
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

impl Reader {
    /// Opens a log read-only.
    pub fn open(path: impl AsRef<Path>) -> Result<Reader> {
        Reader::open_with(path, OpenOptions::default())
    }

    /// Opens a log with options.
    pub fn open_with(path: impl AsRef<Path>, options: OpenOptions) -> Result<Reader> {
        let path = path.as_ref().to_path_buf();
        check_file(&path)?;
        let flags = if options.recover {
            OpenFlags::SQLITE_OPEN_READ_WRITE
        } else {
            OpenFlags::SQLITE_OPEN_READ_ONLY
        } | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&path, flags)
            .map_err(|e| Error::sqlite(&path, "opening", e))?;
        conn.busy_timeout(Duration::from_secs(5))
            .map_err(|e| Error::sqlite(&path, "opening", e))?;

        let tables = list_tables(&conn, &path)?;
        if !tables.iter().any(|t| t == "KISMET") {
            let detail = if tables.is_empty() {
                "an SQLite database with no tables (no KISMET table)".to_string()
            } else {
                format!("no KISMET table (tables: {})", tables.join(", "))
            };
            return Err(Error::NotKismetdb { path, detail });
        }
        let meta = read_meta(&conn, &path)?;
        let mut columns: [Option<Vec<String>>; 7] = Default::default();
        for t in Table::ALL {
            if tables.iter().any(|n| n == t.name()) {
                columns[t as usize] = Some(table_columns(&conn, &path, t.name())?);
            }
        }
        Ok(Reader {
            conn,
            path,
            meta,
            columns,
        })
    }

    /// The file this reader reads.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The `KISMET` row.
    pub fn meta(&self) -> &KismetMeta {
        &self.meta
    }

    /// The log's db_version.
    pub fn version(&self) -> u32 {
        self.meta.db_version
    }

    /// True when GPS columns hold integer degrees × 100 000 (db_version ≤ 4).
    pub fn gps_is_normalized_int(&self) -> bool {
        self.meta.db_version <= 4
    }

    /// The table's column names as found in the file, or `None` if the table is missing.
    pub fn columns(&self, table: Table) -> Option<&[String]> {
        self.columns[table as usize].as_deref()
    }

    fn need(&self, table: Table) -> Result<&[String]> {
        self.columns(table).ok_or_else(|| Error::Schema {
            path: self.path.clone(),
            table: table.name(),
            detail: "the table is missing".into(),
        })
    }

    /// Number of rows in a table.
    pub fn count(&self, table: Table) -> Result<u64> {
        self.need(table)?;
        let sql = format!("SELECT count(*) FROM {}", table.name());
        self.conn
            .query_row(&sql, [], |r| r.get::<_, i64>(0))
            .map(|n| n.max(0) as u64)
            .map_err(|e| Error::sqlite(&self.path, format!("counting rows of {table}"), e))
    }

    /// Earliest and latest time (seconds) in a table, `None` when the table is empty or has no
    /// time column. Devices use `first_time` and `last_time`.
    pub fn time_range(&self, table: Table) -> Result<Option<(i64, i64)>> {
        let cols = self.need(table)?;
        let Some((lo, hi)) = table.time_columns() else {
            return Ok(None);
        };
        if !cols.iter().any(|c| c == lo) || !cols.iter().any(|c| c == hi) {
            return Ok(None);
        }
        // Zero times are Kismet's "unset" and would make every span start in 1970.
        let sql = format!(
            "SELECT min({lo}), max({hi}) FROM {} WHERE {lo} > 0",
            table.name()
        );
        self.conn
            .query_row(&sql, [], |r| {
                Ok(match (r.get_ref(0)?, r.get_ref(1)?) {
                    (ValueRef::Integer(a), ValueRef::Integer(b)) => Some((a, b)),
                    (a, b) => match (number(a), number(b)) {
                        (Some(a), Some(b)) => Some((a as i64, b as i64)),
                        _ => None,
                    },
                })
            })
            .map_err(|e| Error::sqlite(&self.path, format!("reading the time span of {table}"), e))
    }

    /// Runs `PRAGMA integrity_check` and returns its lines (`["ok"]` for a sound file).
    pub fn integrity_check(&self) -> Result<Vec<String>> {
        names(
            &self.conn,
            &self.path,
            "PRAGMA integrity_check",
            None,
            "checking integrity",
        )
    }

    fn query<T: TableKind>(&self, order: &str) -> Result<Query<'_, T>> {
        let cols = self.need(T::TABLE)?;
        let mut select = String::from("SELECT rowid");
        for spec in T::COLUMNS {
            select.push_str(", ");
            match std::iter::once(&spec.name)
                .chain(spec.alternates.iter())
                .find(|n| cols.iter().any(|c| c == *n))
            {
                Some(n) => select.push_str(n),
                None => select.push_str(spec.default_sql),
            }
        }
        select.push_str(" FROM ");
        select.push_str(T::TABLE.name());
        select.push_str(order);
        let stmt = self
            .conn
            .prepare(&select)
            .map_err(|e| Error::sqlite(&self.path, format!("querying {}", T::TABLE), e))?;
        Ok(Query {
            stmt,
            decoder: Decoder {
                path: &self.path,
                table: T::TABLE.name(),
                gps_div: if self.gps_is_normalized_int() {
                    100_000.0
                } else {
                    1.0
                },
                rowid: 0,
            },
            _kind: PhantomData,
        })
    }

    /// All device rows, in file order.
    pub fn devices(&self) -> Result<Query<'_, Devices>> {
        self.query("")
    }
    /// All packet rows, in file order (Kismet writes them in processing order).
    pub fn packets(&self) -> Result<Query<'_, Packets>> {
        self.query("")
    }
    /// All packet rows in capture-time order (`ORDER BY ts_sec, ts_usec`), for replay. SQLite
    /// sorts with a temporary b-tree, so this costs a pass over the table before the first row.
    pub fn packets_by_time(&self) -> Result<Query<'_, Packets>> {
        self.query(" ORDER BY ts_sec, ts_usec")
    }
    /// All data rows, in file order.
    pub fn data(&self) -> Result<Query<'_, Data>> {
        self.query("")
    }
    /// All datasource rows.
    pub fn datasources(&self) -> Result<Query<'_, Datasources>> {
        self.query("")
    }
    /// All alert rows, in file order.
    pub fn alerts(&self) -> Result<Query<'_, Alerts>> {
        self.query("")
    }
    /// All message rows, in file order.
    pub fn messages(&self) -> Result<Query<'_, Messages>> {
        self.query("")
    }
    /// All snapshot rows, in file order.
    pub fn snapshots(&self) -> Result<Query<'_, Snapshots>> {
        self.query("")
    }

    /// The first snapshot of a type (for example Kismet's `SYSTEM` snapshot written at open),
    /// or `None`.
    pub fn first_snapshot(&self, snaptype: &str) -> Result<Option<SnapshotRow<'static>>> {
        let mut q = self.query::<Snapshots>(" WHERE snaptype = ?1 ORDER BY rowid LIMIT 1")?;
        q.stmt
            .raw_bind_parameter(1, snaptype)
            .map_err(|e| Error::sqlite(&self.path, "querying snapshots", e))?;
        let first = q.rows().next().transpose();
        first
    }
}

fn check_file(path: &Path) -> Result<()> {
    let md = match std::fs::metadata(path) {
        Ok(md) => md,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::NotFound {
                path: path.to_path_buf(),
            })
        }
        Err(e) => {
            return Err(Error::Io {
                path: path.to_path_buf(),
                context: "reading file metadata",
                source: e,
            })
        }
    };
    if !md.is_file() {
        return Err(Error::NotAFile {
            path: path.to_path_buf(),
        });
    }
    let not_db = |detail: String| Error::NotADatabase {
        path: path.to_path_buf(),
        detail,
    };
    if md.len() == 0 {
        return Err(not_db("the file is empty".into()));
    }
    let mut head = [0u8; 100];
    let mut f = File::open(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        context: "opening",
        source: e,
    })?;
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(Error::Io {
                    path: path.to_path_buf(),
                    context: "reading the file header",
                    source: e,
                })
            }
        }
    }
    if n < 16 || &head[..16] != SQLITE_MAGIC {
        return Err(not_db(format!(
            "no SQLite header at offset 0 (the file starts with {})",
            hex_preview(&head[..n.min(16)])
        )));
    }
    if n < 100 {
        return Err(not_db(format!(
            "the SQLite header is truncated: the file is {n} bytes long, the header alone is 100"
        )));
    }
    Ok(())
}

fn hex_preview(b: &[u8]) -> String {
    if b.is_empty() {
        return "nothing".into();
    }
    let hex: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    hex.join(" ")
}

fn list_tables(conn: &Connection, path: &Path) -> Result<Vec<String>> {
    names(
        conn,
        path,
        "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid",
        None,
        "reading the schema",
    )
}

fn table_columns(conn: &Connection, path: &Path, table: &str) -> Result<Vec<String>> {
    let cols = names(
        conn,
        path,
        "SELECT name FROM pragma_table_info(?1)",
        Some(table),
        &format!("reading the columns of {table}"),
    )?;
    Ok(cols.into_iter().map(|c| c.to_ascii_lowercase()).collect())
}

/// The first column of a query as text. Names in a damaged schema may not be UTF-8; they are
/// read lossily (rusqlite's `column_names` would panic on them).
fn names(
    conn: &Connection,
    path: &Path,
    sql: &str,
    param: Option<&str>,
    ctx: &str,
) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(sql).map_err(|e| Error::sqlite(path, ctx, e))?;
    if let Some(p) = param {
        stmt.raw_bind_parameter(1, p)
            .map_err(|e| Error::sqlite(path, ctx, e))?;
    }
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(|e| Error::sqlite(path, ctx, e))? {
        let v = row.get_ref(0).map_err(|e| Error::sqlite(path, ctx, e))?;
        out.push(match v {
            ValueRef::Text(b) | ValueRef::Blob(b) => String::from_utf8_lossy(b).into_owned(),
            ValueRef::Integer(n) => n.to_string(),
            ValueRef::Real(f) => f.to_string(),
            ValueRef::Null => String::new(),
        });
    }
    Ok(out)
}

fn read_meta(conn: &Connection, path: &Path) -> Result<KismetMeta> {
    let ctx = "reading the KISMET table";
    let names = table_columns(conn, path, "KISMET")?;
    let has = |n: &str| names.iter().any(|c| c == n);
    if !has("kismet_version") || !has("db_version") {
        return Err(Error::NotKismetdb {
            path: path.to_path_buf(),
            detail: format!(
                "the KISMET table lacks kismet_version or db_version (columns: {})",
                names.join(", ")
            ),
        });
    }
    let module = if has("db_module") { "db_module" } else { "''" };
    let sql = format!("SELECT kismet_version, db_version, {module} FROM KISMET LIMIT 1");
    let mut stmt = conn
        .prepare(&sql)
        .map_err(|e| Error::sqlite(path, ctx, e))?;
    let mut rows = stmt.raw_query();
    let Some(row) = rows.next().map_err(|e| Error::sqlite(path, ctx, e))? else {
        return Err(Error::NotKismetdb {
            path: path.to_path_buf(),
            detail: "the KISMET table is empty".into(),
        });
    };
    let text = |i: usize| -> rusqlite::Result<String> {
        Ok(match row.get_ref(i)? {
            ValueRef::Null => String::new(),
            ValueRef::Integer(n) => n.to_string(),
            ValueRef::Real(f) => f.to_string(),
            ValueRef::Text(b) | ValueRef::Blob(b) => String::from_utf8_lossy(b).into_owned(),
        })
    };
    let kismet_version = text(0).map_err(|e| Error::sqlite(path, ctx, e))?;
    let db_module = text(2).map_err(|e| Error::sqlite(path, ctx, e))?;
    // Kismet reads the version with sscanf("%u"): leading digits of whatever is stored.
    let raw = row.get_ref(1).map_err(|e| Error::sqlite(path, ctx, e))?;
    let version: Option<i64> = match raw {
        ValueRef::Integer(n) => Some(n),
        ValueRef::Real(f) if f.is_finite() => Some(f as i64),
        ValueRef::Text(b) => {
            let s = String::from_utf8_lossy(b);
            let digits: String = s
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            digits.parse::<i64>().ok()
        }
        _ => None,
    };
    let Some(version) = version.filter(|v| *v > 0) else {
        return Err(Error::NotKismetdb {
            path: path.to_path_buf(),
            detail: "KISMET.db_version is 0 or not a number".into(),
        });
    };
    if version < i64::from(MIN_READ_VERSION) || version > i64::from(MAX_READ_VERSION) {
        return Err(Error::UnsupportedVersion {
            path: path.to_path_buf(),
            version,
            min: MIN_READ_VERSION,
            max: MAX_READ_VERSION,
        });
    }
    Ok(KismetMeta {
        kismet_version,
        db_version: version as u32,
        db_module,
    })
}

/// One column a row type reads: its name, older names it had, and the value used when the
/// file has none of them.
#[doc(hidden)]
pub struct ColumnSpec {
    name: &'static str,
    alternates: &'static [&'static str],
    default_sql: &'static str,
}

const fn col(name: &'static str, default_sql: &'static str) -> ColumnSpec {
    ColumnSpec {
        name,
        alternates: &[],
        default_sql,
    }
}

const fn col_or(
    name: &'static str,
    alternates: &'static [&'static str],
    default_sql: &'static str,
) -> ColumnSpec {
    ColumnSpec {
        name,
        alternates,
        default_sql,
    }
}

/// A table and the typed row it decodes into. Implemented by the marker types [`Devices`],
/// [`Packets`], [`Data`], [`Datasources`], [`Alerts`], [`Messages`] and [`Snapshots`].
pub trait TableKind {
    /// The table.
    const TABLE: Table;
    /// The row type, borrowing from SQLite's row memory for `'a`.
    type Row<'a>;
    #[doc(hidden)]
    const COLUMNS: &'static [ColumnSpec];
    #[doc(hidden)]
    fn decode<'a>(row: &'a rusqlite::Row<'_>, d: &Decoder<'_>) -> Result<Self::Row<'a>>;
    #[doc(hidden)]
    fn into_owned(row: Self::Row<'_>) -> Self::Row<'static>;
}

/// Converts SQLite values of one row into typed fields, with errors that name the file, table,
/// rowid and column.
#[doc(hidden)]
#[derive(Clone)]
pub struct Decoder<'p> {
    path: &'p Path,
    table: &'static str,
    gps_div: f64,
    rowid: i64,
}

impl Decoder<'_> {
    fn err(&self, column: &'static str, detail: impl Into<String>) -> Error {
        Error::Row {
            path: self.path.to_path_buf(),
            table: self.table,
            rowid: self.rowid,
            column,
            detail: detail.into(),
        }
    }

    fn value<'a>(
        &self,
        row: &'a rusqlite::Row<'_>,
        idx: usize,
        column: &'static str,
    ) -> Result<ValueRef<'a>> {
        row.get_ref(idx)
            .map_err(|e| self.err(column, e.to_string()))
    }

    fn int(&self, row: &rusqlite::Row<'_>, idx: usize, column: &'static str) -> Result<i64> {
        crate::value::int(self.value(row, idx, column)?).map_err(|e| self.err(column, e))
    }

    fn i32(&self, row: &rusqlite::Row<'_>, idx: usize, column: &'static str) -> Result<i32> {
        crate::value::i32(self.value(row, idx, column)?).map_err(|e| self.err(column, e))
    }

    fn real(&self, row: &rusqlite::Row<'_>, idx: usize, column: &'static str) -> Result<f64> {
        crate::value::real(self.value(row, idx, column)?).map_err(|e| self.err(column, e))
    }

    fn gps(&self, row: &rusqlite::Row<'_>, idx: usize, column: &'static str) -> Result<f64> {
        Ok(self.real(row, idx, column)? / self.gps_div)
    }

    fn text<'a>(
        &self,
        row: &'a rusqlite::Row<'_>,
        idx: usize,
        column: &'static str,
    ) -> Result<Cow<'a, str>> {
        Ok(crate::value::text(self.value(row, idx, column)?))
    }

    fn bytes<'a>(
        &self,
        row: &'a rusqlite::Row<'_>,
        idx: usize,
        column: &'static str,
    ) -> Result<Cow<'a, [u8]>> {
        crate::value::bytes(self.value(row, idx, column)?)
            .map(Cow::Borrowed)
            .map_err(|e| self.err(column, e))
    }

    fn mac(&self, row: &rusqlite::Row<'_>, idx: usize, column: &'static str) -> Result<MacAddr> {
        crate::value::mac(self.value(row, idx, column)?).map_err(|e| self.err(column, e))
    }

    fn uuid(&self, row: &rusqlite::Row<'_>, idx: usize, column: &'static str) -> Result<Uuid> {
        let t = self.text(row, idx, column)?;
        let t = t.trim();
        // Kismet's REST pcap placeholder interface uses "0" for "no datasource".
        if t.is_empty() || t == "0" {
            return Ok(Uuid::NIL);
        }
        t.parse()
            .map_err(|e: crate::ParseError| self.err(column, e.to_string()))
    }

    fn devkey(
        &self,
        row: &rusqlite::Row<'_>,
        idx: usize,
        column: &'static str,
    ) -> Result<Option<DeviceKey>> {
        let t = self.text(row, idx, column)?;
        let t = t.trim();
        if t.is_empty() {
            return Ok(None);
        }
        t.parse()
            .map(Some)
            .map_err(|e: crate::ParseError| self.err(column, e.to_string()))
    }

    fn ts(&self, row: &rusqlite::Row<'_>, sec: usize, usec: usize) -> Result<Timestamp> {
        Ok(Timestamp {
            sec: self.int(row, sec, "ts_sec")?,
            usec: self.int(row, usec, "ts_usec")?,
        })
    }
}

fn number(v: ValueRef<'_>) -> Option<f64> {
    match v {
        ValueRef::Integer(n) => Some(n as f64),
        ValueRef::Real(f) if f.is_finite() => Some(f),
        ValueRef::Text(b) => std::str::from_utf8(b).ok()?.trim().parse().ok(),
        _ => None,
    }
}

/// A prepared query over one table. Get rows with [`Query::for_each`] (borrowed, no copies) or
/// [`Query::rows`] (an iterator of owned rows).
pub struct Query<'r, T: TableKind> {
    stmt: rusqlite::Statement<'r>,
    decoder: Decoder<'r>,
    _kind: PhantomData<T>,
}

impl<'r, T: TableKind> Query<'r, T> {
    /// Calls `f` with every row, borrowing its bytes from SQLite; stops at the first error
    /// (from decoding, from SQLite, or returned by `f`).
    pub fn for_each<E, F>(&mut self, mut f: F) -> std::result::Result<(), E>
    where
        E: From<Error>,
        F: for<'a> FnMut(T::Row<'a>) -> std::result::Result<(), E>,
    {
        let decoder = &mut self.decoder;
        let step_err =
            |d: &Decoder<'_>, e| Error::sqlite(d.path, format!("reading table {}", d.table), e);
        let mut rows = self.stmt.raw_query();
        loop {
            let row = match rows.next() {
                Ok(Some(r)) => r,
                Ok(None) => return Ok(()),
                Err(e) => return Err(step_err(decoder, e).into()),
            };
            decoder.rowid = match row.get_ref(0) {
                Ok(ValueRef::Integer(n)) => n,
                _ => 0,
            };
            let typed = T::decode(row, decoder)?;
            f(typed)?;
        }
    }

    /// An iterator of owned rows. Each item is a `Result`: a bad row is reported and iteration
    /// can go on past it.
    pub fn rows(&mut self) -> Rows<'_, T> {
        Rows {
            rows: self.stmt.raw_query(),
            decoder: self.decoder.clone(),
            done: false,
            _kind: PhantomData,
        }
    }
}

/// Iterator of owned rows from [`Query::rows`].
pub struct Rows<'q, T: TableKind> {
    rows: rusqlite::Rows<'q>,
    decoder: Decoder<'q>,
    done: bool,
    _kind: PhantomData<T>,
}

impl<T: TableKind> Iterator for Rows<'_, T> {
    type Item = Result<T::Row<'static>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.rows.next() {
            Ok(Some(row)) => {
                self.decoder.rowid = match row.get_ref(0) {
                    Ok(ValueRef::Integer(n)) => n,
                    _ => 0,
                };
                Some(T::decode(row, &self.decoder).map(T::into_owned))
            }
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                // A stepping error (corruption, I/O) ends the iteration.
                self.done = true;
                Some(Err(Error::sqlite(
                    self.decoder.path,
                    format!("reading table {}", self.decoder.table),
                    e,
                )))
            }
        }
    }
}

const ZERO_MAC: &str = "'00:00:00:00:00:00'";
const NIL_UUID: &str = "'00000000-0000-0000-0000-000000000000'";

/// Marker for the `devices` table.
pub struct Devices;
/// Marker for the `packets` table.
pub struct Packets;
/// Marker for the `data` table.
pub struct Data;
/// Marker for the `datasources` table.
pub struct Datasources;
/// Marker for the `alerts` table.
pub struct Alerts;
/// Marker for the `messages` table.
pub struct Messages;
/// Marker for the `snapshots` table.
pub struct Snapshots;

impl TableKind for Devices {
    const TABLE: Table = Table::Devices;
    type Row<'a> = DeviceRow<'a>;
    const COLUMNS: &'static [ColumnSpec] = &[
        col("first_time", "0"),
        col("last_time", "0"),
        col("devkey", "''"),
        col("phyname", "''"),
        col("devmac", ZERO_MAC),
        col("strongest_signal", "0"),
        col("min_lat", "0"),
        col("min_lon", "0"),
        col("max_lat", "0"),
        col("max_lon", "0"),
        col("avg_lat", "0"),
        col("avg_lon", "0"),
        col("bytes_data", "0"),
        col("type", "''"),
        col("device", "x''"),
    ];
    fn decode<'a>(r: &'a rusqlite::Row<'_>, d: &Decoder<'_>) -> Result<DeviceRow<'a>> {
        Ok(DeviceRow {
            first_time: d.int(r, 1, "first_time")?,
            last_time: d.int(r, 2, "last_time")?,
            devkey: d.devkey(r, 3, "devkey")?,
            phyname: d.text(r, 4, "phyname")?,
            devmac: d.mac(r, 5, "devmac")?,
            strongest_signal: d.i32(r, 6, "strongest_signal")?,
            min_lat: d.gps(r, 7, "min_lat")?,
            min_lon: d.gps(r, 8, "min_lon")?,
            max_lat: d.gps(r, 9, "max_lat")?,
            max_lon: d.gps(r, 10, "max_lon")?,
            avg_lat: d.gps(r, 11, "avg_lat")?,
            avg_lon: d.gps(r, 12, "avg_lon")?,
            bytes_data: d.int(r, 13, "bytes_data")?,
            device_type: d.text(r, 14, "type")?,
            device: d.bytes(r, 15, "device")?,
        })
    }
    fn into_owned(row: DeviceRow<'_>) -> DeviceRow<'static> {
        row.into_owned()
    }
}

impl TableKind for Packets {
    const TABLE: Table = Table::Packets;
    type Row<'a> = PacketRow<'a>;
    const COLUMNS: &'static [ColumnSpec] = &[
        col("ts_sec", "0"),
        col("ts_usec", "0"),
        col("phyname", "''"),
        // v1 logs had a single devmac column where later ones have sourcemac.
        col_or("sourcemac", &["devmac"], ZERO_MAC),
        col("destmac", ZERO_MAC),
        col("transmac", ZERO_MAC),
        col("frequency", "0"),
        col("devkey", "'0'"),
        col("lat", "0"),
        col("lon", "0"),
        col("alt", "0"),
        col("speed", "0"),
        col("heading", "0"),
        col("packet_len", "0"),
        col("signal", "0"),
        col("datasource", NIL_UUID),
        col("dlt", "0"),
        col("packet", "x''"),
        col("error", "0"),
        col("tags", "''"),
        col("datarate", "0"),
        col("hash", "0"),
        col("packetid", "0"),
        // The v9 column was called packet_caplen for 22 minutes of Kismet's history; before v9
        // the original length was not stored, so the captured length stands in.
        col_or("packet_full_len", &["packet_caplen", "packet_len"], "0"),
    ];
    fn decode<'a>(r: &'a rusqlite::Row<'_>, d: &Decoder<'_>) -> Result<PacketRow<'a>> {
        Ok(PacketRow {
            ts: d.ts(r, 1, 2)?,
            phyname: d.text(r, 3, "phyname")?,
            sourcemac: d.mac(r, 4, "sourcemac")?,
            destmac: d.mac(r, 5, "destmac")?,
            transmac: d.mac(r, 6, "transmac")?,
            frequency: d.real(r, 7, "frequency")?,
            devkey: d.text(r, 8, "devkey")?,
            gps: GpsFix {
                lat: d.gps(r, 9, "lat")?,
                lon: d.gps(r, 10, "lon")?,
                alt: d.real(r, 11, "alt")?,
                speed: d.real(r, 12, "speed")?,
                heading: d.real(r, 13, "heading")?,
            },
            packet_len: d.int(r, 14, "packet_len")?,
            signal: d.i32(r, 15, "signal")?,
            datasource: d.uuid(r, 16, "datasource")?,
            dlt: d.i32(r, 17, "dlt")?,
            packet: d.bytes(r, 18, "packet")?,
            error: d.int(r, 19, "error")? != 0,
            tags: d.text(r, 20, "tags")?,
            datarate: d.real(r, 21, "datarate")?,
            // Stored as a signed 32-bit value; the bit pattern is the CRC.
            hash: d.int(r, 22, "hash")? as u32,
            packetid: d.int(r, 23, "packetid")? as u64,
            packet_full_len: d.int(r, 24, "packet_full_len")?,
        })
    }
    fn into_owned(row: PacketRow<'_>) -> PacketRow<'static> {
        row.into_owned()
    }
}

impl TableKind for Data {
    const TABLE: Table = Table::Data;
    type Row<'a> = DataRow<'a>;
    const COLUMNS: &'static [ColumnSpec] = &[
        col("ts_sec", "0"),
        col("ts_usec", "0"),
        col("phyname", "''"),
        col("devmac", ZERO_MAC),
        col("lat", "0"),
        col("lon", "0"),
        col("alt", "0"),
        col("speed", "0"),
        col("heading", "0"),
        col("datasource", NIL_UUID),
        col("type", "''"),
        col("json", "''"),
    ];
    fn decode<'a>(r: &'a rusqlite::Row<'_>, d: &Decoder<'_>) -> Result<DataRow<'a>> {
        Ok(DataRow {
            ts: d.ts(r, 1, 2)?,
            phyname: d.text(r, 3, "phyname")?,
            devmac: d.mac(r, 4, "devmac")?,
            gps: GpsFix {
                lat: d.gps(r, 5, "lat")?,
                lon: d.gps(r, 6, "lon")?,
                alt: d.real(r, 7, "alt")?,
                speed: d.real(r, 8, "speed")?,
                heading: d.real(r, 9, "heading")?,
            },
            datasource: d.uuid(r, 10, "datasource")?,
            data_type: d.text(r, 11, "type")?,
            json: d.bytes(r, 12, "json")?,
        })
    }
    fn into_owned(row: DataRow<'_>) -> DataRow<'static> {
        row.into_owned()
    }
}

impl TableKind for Datasources {
    const TABLE: Table = Table::Datasources;
    type Row<'a> = DatasourceRow<'a>;
    const COLUMNS: &'static [ColumnSpec] = &[
        col("uuid", NIL_UUID),
        col("typestring", "''"),
        col("definition", "''"),
        col("name", "''"),
        col("interface", "''"),
        col("json", "x''"),
    ];
    fn decode<'a>(r: &'a rusqlite::Row<'_>, d: &Decoder<'_>) -> Result<DatasourceRow<'a>> {
        Ok(DatasourceRow {
            uuid: d.uuid(r, 1, "uuid")?,
            typestring: d.text(r, 2, "typestring")?,
            definition: d.text(r, 3, "definition")?,
            name: d.text(r, 4, "name")?,
            interface: d.text(r, 5, "interface")?,
            json: d.bytes(r, 6, "json")?,
        })
    }
    fn into_owned(row: DatasourceRow<'_>) -> DatasourceRow<'static> {
        row.into_owned()
    }
}

impl TableKind for Alerts {
    const TABLE: Table = Table::Alerts;
    type Row<'a> = AlertRow<'a>;
    const COLUMNS: &'static [ColumnSpec] = &[
        col("ts_sec", "0"),
        col("ts_usec", "0"),
        col("phyname", "''"),
        col("devmac", ZERO_MAC),
        col("lat", "0"),
        col("lon", "0"),
        col("header", "''"),
        col("json", "x''"),
    ];
    fn decode<'a>(r: &'a rusqlite::Row<'_>, d: &Decoder<'_>) -> Result<AlertRow<'a>> {
        Ok(AlertRow {
            ts: d.ts(r, 1, 2)?,
            phyname: d.text(r, 3, "phyname")?,
            devmac: d.mac(r, 4, "devmac")?,
            lat: d.gps(r, 5, "lat")?,
            lon: d.gps(r, 6, "lon")?,
            header: d.text(r, 7, "header")?,
            json: d.bytes(r, 8, "json")?,
        })
    }
    fn into_owned(row: AlertRow<'_>) -> AlertRow<'static> {
        row.into_owned()
    }
}

impl TableKind for Messages {
    const TABLE: Table = Table::Messages;
    type Row<'a> = MessageRow<'a>;
    const COLUMNS: &'static [ColumnSpec] = &[
        col("ts_sec", "0"),
        col("lat", "0"),
        col("lon", "0"),
        col("msgtype", "''"),
        col("message", "''"),
    ];
    fn decode<'a>(r: &'a rusqlite::Row<'_>, d: &Decoder<'_>) -> Result<MessageRow<'a>> {
        Ok(MessageRow {
            ts_sec: d.int(r, 1, "ts_sec")?,
            lat: d.gps(r, 2, "lat")?,
            lon: d.gps(r, 3, "lon")?,
            msgtype: d.text(r, 4, "msgtype")?,
            message: d.text(r, 5, "message")?,
        })
    }
    fn into_owned(row: MessageRow<'_>) -> MessageRow<'static> {
        row.into_owned()
    }
}

impl TableKind for Snapshots {
    const TABLE: Table = Table::Snapshots;
    type Row<'a> = SnapshotRow<'a>;
    const COLUMNS: &'static [ColumnSpec] = &[
        col("ts_sec", "0"),
        col("ts_usec", "0"),
        col("lat", "0"),
        col("lon", "0"),
        col("snaptype", "''"),
        col("json", "''"),
    ];
    fn decode<'a>(r: &'a rusqlite::Row<'_>, d: &Decoder<'_>) -> Result<SnapshotRow<'a>> {
        Ok(SnapshotRow {
            ts: d.ts(r, 1, 2)?,
            lat: d.gps(r, 3, "lat")?,
            lon: d.gps(r, 4, "lon")?,
            snaptype: d.text(r, 5, "snaptype")?,
            json: d.bytes(r, 6, "json")?,
        })
    }
    fn into_owned(row: SnapshotRow<'_>) -> SnapshotRow<'static> {
        row.into_owned()
    }
}
