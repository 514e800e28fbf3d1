//! `kismetdb_strip_packets` and `kismetdb_clean`, correct: a copy of a log without packet bytes,
//! and the recovery of a log whose writer was killed — both into a new file, never touching the
//! input.
//!
//! What Kismet's tools do (spec §7) and what this module does instead:
//!
//! * `kismetdb_strip_packets` `VACUUM`s its input (rewriting the user's file and rolling back a
//!   hot journal in it), copies the file byte for byte, runs `UPDATE packets SET packet = ''`
//!   and `VACUUM`s the copy. Every other column and table (`data` included) is kept. Here the
//!   input is attached read-only and the output is built by SQLite itself, table by table
//!   (`INSERT INTO … SELECT` with the payload replaced), so memory stays flat and the payload
//!   pages are never written at all. The schema text, the `KISMET` row and every rowid are
//!   kept. The payload becomes a zero-length **BLOB** (`X''`) where Kismet stores an empty TEXT
//!   value (`''`); every reader sees zero bytes either way, but the column keeps its declared
//!   type. `packet_len` and `packet_full_len` keep the original frame's lengths, as in Kismet.
//!   A log with a hot journal is refused (clean it first), never rolled back in place.
//! * `kismetdb_clean` runs `VACUUM` on the input in place. Here the log (and its hot journal,
//!   when the writer was killed) is copied into a private directory, the copy is opened
//!   read-write so that SQLite rolls the unfinished transaction back, checked with
//!   `PRAGMA integrity_check` and written to the output with `VACUUM INTO`. A copy that cannot
//!   be rolled back or fails the check is salvaged table by table instead: every row that can
//!   still be read is copied (rows behind a damaged page are skipped by seeking past it), and
//!   the report lists what was lost.
//!
//! While the log is copied a read lock is held on it, so a writer that is still running cannot
//! commit half-way through the copy; such a writer's own journal is not copied (the file under
//! the lock holds exactly its last committed state).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags};
use serde_json::{json, Value};

use crate::output::AtomicOutput;

/// What went wrong. Every variant names the file concerned.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input is not a usable kismetdb (from the kismetdb reader); or
    /// [`kismetdb::Error::DiskFull`], naming the output under its final name, when the disk, a
    /// file-size limit (`RLIMIT_FSIZE`) or a quota is full while the output is written. Nothing
    /// is then left under the output's name (an existing file replaced with `--force` is kept
    /// as it was) nor beside it.
    #[error(transparent)]
    Log(#[from] kismetdb::Error),
    /// The input has a hot journal: its writer was killed in mid-transaction.
    #[error(
        "{}: the log was not closed cleanly (hot journal {}-journal); recover it into a new file \
         with `osprey log clean` first (the input is never modified)",
        path.display(),
        path.display()
    )]
    HotJournal {
        /// The input.
        path: PathBuf,
    },
    /// The output exists and replacing it was not asked for.
    #[error("{}: already exists (use --force to replace it)", path.display())]
    Exists {
        /// The output.
        path: PathBuf,
    },
    /// The output would overwrite the input.
    #[error("{}: the output is the input itself; write to another file", path.display())]
    SameFile {
        /// The output.
        path: PathBuf,
    },
    /// Another process holds the log locked for writing longer than we waited.
    #[error("{}: the log is locked by a process that is committing to it; try again", path.display())]
    Busy {
        /// The input.
        path: PathBuf,
    },
    /// A file operation failed.
    #[error("{}: {context}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        context: String,
        /// The underlying error.
        source: std::io::Error,
    },
    /// SQLite failed.
    #[error("{}: {context}: {source}", path.display())]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// What was being done.
        context: String,
        /// The underlying error.
        source: rusqlite::Error,
    },
    /// Nothing usable could be recovered.
    #[error("{}: cannot be recovered: {detail}", path.display())]
    Unrecoverable {
        /// The input.
        path: PathBuf,
        /// Why.
        detail: String,
    },
}

/// Result alias of this module.
pub type Result<T, E = Error> = std::result::Result<T, E>;

fn io_err(path: &Path, context: impl Into<String>) -> impl FnOnce(std::io::Error) -> Error {
    let path = path.to_path_buf();
    let context = context.into();
    move |source| Error::Io {
        path,
        context,
        source,
    }
}

fn sql_err(path: &Path, context: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> Error {
    let path = path.to_path_buf();
    let context = context.into();
    move |source| Error::Sqlite {
        path,
        context,
        source,
    }
}

/// The error for a lack of room (`cause`) while `context`, naming `path` (the output under its
/// final name).
fn disk_full(path: PathBuf, context: String, cause: String) -> Error {
    Error::Log(kismetdb::Error::DiskFull {
        path,
        context,
        cause,
    })
}

/// Why an SQLite write failed for lack of room, if it did: `SQLITE_FULL`, or an I/O error whose
/// operating-system error, as SQLite recorded it on `conn`, is `ENOSPC`, `EFBIG` (a file-size
/// limit) or `EDQUOT` (SQLite reports `EFBIG` as a plain `disk I/O error`). Call it before any
/// other statement runs on `conn`.
fn sqlite_no_room(conn: &Connection, e: &rusqlite::Error) -> Option<String> {
    use rusqlite::ffi;
    let rusqlite::Error::SqliteFailure(f, _) = e else {
        return None;
    };
    let primary = f.extended_code & 0xff;
    if primary != ffi::SQLITE_IOERR && primary != ffi::SQLITE_FULL {
        return None;
    }
    // SAFETY: `conn` is open; sqlite3_system_errno only reads the connection's last OS error.
    let errno = unsafe { ffi::sqlite3_system_errno(conn.handle()) };
    kismetdb::writer::no_room(errno)
        .or_else(|| (primary == ffi::SQLITE_FULL).then(|| "SQLITE_FULL".to_string()))
}

/// Why a file operation failed for lack of room, if it did (`ENOSPC`, `EFBIG`, `EDQUOT`).
fn io_no_room(e: &std::io::Error) -> Option<String> {
    e.raw_os_error().and_then(kismetdb::writer::no_room)
}

/// An SQLite error while writing the output through `conn`: [`kismetdb::Error::DiskFull`] when there was
/// no room, else [`Error::Sqlite`]; both name `output`, the final name (the temporary file the
/// output is built in is removed on error).
fn out_sql<'c>(
    conn: &'c Connection,
    output: &Path,
    context: impl Into<String>,
) -> impl FnOnce(rusqlite::Error) -> Error + 'c {
    let path = output.to_path_buf();
    let context = context.into();
    move |source| match sqlite_no_room(conn, &source) {
        Some(cause) => disk_full(path, context, cause),
        None => Error::Sqlite {
            path,
            context,
            source,
        },
    }
}

/// An I/O error on `path` while producing `output`: [`kismetdb::Error::DiskFull`] naming `output` when
/// there was no room, else [`Error::Io`] naming `path`.
fn out_io(
    output: &Path,
    path: &Path,
    context: impl Into<String>,
) -> impl FnOnce(std::io::Error) -> Error {
    let output = output.to_path_buf();
    let path = path.to_path_buf();
    let context = context.into();
    move |source| match io_no_room(&source) {
        Some(cause) => disk_full(output, context, cause),
        None => Error::Io {
            path,
            context,
            source,
        },
    }
}

/// Rows of one table written to an output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableCount {
    /// Table name.
    pub name: String,
    /// Rows.
    pub rows: u64,
}

// ---------------------------------------------------------------------------------------------
// Shared SQLite helpers.

/// `"name"` with embedded quotes doubled.
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A value as text, lossily (names in a damaged schema may not be UTF-8).
fn text_of(v: ValueRef<'_>) -> String {
    match v {
        ValueRef::Null => String::new(),
        ValueRef::Integer(n) => n.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(b) | ValueRef::Blob(b) => String::from_utf8_lossy(b).into_owned(),
    }
}

/// A `file:` URI for a path, for `ATTACH … ?mode=ro`.
fn file_uri(path: &Path) -> String {
    #[cfg(unix)]
    let bytes: Vec<u8> = {
        use std::os::unix::ffi::OsStrExt;
        path.as_os_str().as_bytes().to_vec()
    };
    #[cfg(not(unix))]
    let bytes: Vec<u8> = path.to_string_lossy().replace('\\', "/").into_bytes();
    let mut s = String::from("file:");
    for b in bytes {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s.push_str("?mode=ro");
    s
}

/// `PATH-journal`, `PATH-wal`.
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// One row of `sqlite_master`.
#[derive(Clone, Debug)]
struct Object {
    kind: String,
    name: String,
    sql: Option<String>,
}

impl Object {
    /// SQLite's own objects (`sqlite_sequence`, `sqlite_stat1`, autoindexes) cannot be created
    /// by statement.
    fn internal(&self) -> bool {
        self.name.to_ascii_lowercase().starts_with("sqlite_")
    }
}

fn read_schema(conn: &Connection, schema: &str) -> rusqlite::Result<Vec<Object>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT type, name, sql FROM {schema}.sqlite_master ORDER BY rowid"
    ))?;
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let sql = match r.get_ref(2)? {
            ValueRef::Null => None,
            v => Some(text_of(v)),
        };
        out.push(Object {
            kind: text_of(r.get_ref(0)?),
            name: text_of(r.get_ref(1)?),
            sql,
        });
    }
    Ok(out)
}

/// A table's columns: (name, declared type, primary-key position).
fn table_columns(
    conn: &Connection,
    schema: &str,
    table: &str,
) -> rusqlite::Result<Vec<(String, String, i64)>> {
    let mut stmt = conn.prepare(&format!("PRAGMA {schema}.table_info({})", quote(table)))?;
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let pk = match r.get_ref(5)? {
            ValueRef::Integer(n) => n,
            _ => 0,
        };
        out.push((text_of(r.get_ref(1)?), text_of(r.get_ref(2)?), pk));
    }
    Ok(out)
}

/// Whether rows must be copied with an explicit `rowid` to keep it: false for `WITHOUT ROWID`
/// tables and for tables whose `INTEGER PRIMARY KEY` column already is the rowid.
fn copy_rowid(
    conn: &Connection,
    schema: &str,
    table: &str,
    cols: &[(String, String, i64)],
) -> bool {
    let pks: Vec<_> = cols.iter().filter(|c| c.2 > 0).collect();
    if pks.len() == 1 && pks[0].1.eq_ignore_ascii_case("INTEGER") {
        return false;
    }
    if cols.iter().any(|c| {
        let n = c.0.to_ascii_lowercase();
        n == "rowid" || n == "oid" || n == "_rowid_"
    }) {
        return false;
    }
    conn.prepare(&format!(
        "SELECT rowid FROM {schema}.{} LIMIT 0",
        quote(table)
    ))
    .is_ok()
}

/// File-level settings carried from the input to the output.
#[derive(Clone, Debug)]
struct Settings {
    page_size: i64,
    encoding: &'static str,
    auto_vacuum: i64,
    user_version: i64,
    application_id: i64,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            page_size: 4096,
            encoding: "UTF-8",
            auto_vacuum: 0,
            user_version: 0,
            application_id: 0,
        }
    }
}

fn read_settings(conn: &Connection) -> rusqlite::Result<Settings> {
    let int = |p: &str| conn.query_row(&format!("PRAGMA main.{p}"), [], |r| r.get::<_, i64>(0));
    let enc: String = conn.query_row("PRAGMA encoding", [], |r| r.get(0))?;
    Ok(Settings {
        page_size: int("page_size")?,
        encoding: match enc.to_ascii_lowercase().as_str() {
            "utf-16le" => "UTF-16le",
            "utf-16be" => "UTF-16be",
            _ => "UTF-8",
        },
        auto_vacuum: int("auto_vacuum")?,
        user_version: int("user_version")?,
        application_id: int("application_id")?,
    })
}

/// Prepares a new, empty output file for bulk loading: the input's page size, encoding and
/// auto-vacuum mode, and no journal (a failed output is deleted, never repaired).
fn prepare_output(conn: &Connection, s: &Settings) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "PRAGMA page_size = {}; PRAGMA auto_vacuum = {}; PRAGMA encoding = '{}'; \
         PRAGMA synchronous = OFF;",
        s.page_size.clamp(512, 65536),
        s.auto_vacuum.clamp(0, 2),
        s.encoding
    ))?;
    let _mode: String = conn.query_row("PRAGMA journal_mode = OFF", [], |r| r.get(0))?;
    Ok(())
}

fn finish_settings(conn: &Connection, s: &Settings) -> rusqlite::Result<()> {
    conn.execute_batch(&format!(
        "PRAGMA user_version = {}; PRAGMA application_id = {};",
        s.user_version, s.application_id
    ))
}

fn count_rows(conn: &Connection, table: &str) -> rusqlite::Result<u64> {
    conn.query_row(&format!("SELECT count(*) FROM {}", quote(table)), [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| n.max(0) as u64)
}

/// Row counts of every table of an output, in schema order.
fn output_counts(conn: &Connection, path: &Path) -> Result<Vec<TableCount>> {
    let objects = read_schema(conn, "main").map_err(sql_err(path, "reading the schema"))?;
    let mut out = Vec::new();
    for o in objects.iter().filter(|o| o.kind == "table") {
        let rows = count_rows(conn, &o.name)
            .map_err(sql_err(path, format!("counting the rows of {}", o.name)))?;
        out.push(TableCount {
            name: o.name.clone(),
            rows,
        });
    }
    Ok(out)
}

fn integrity(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let mut rows = stmt.raw_query();
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push(text_of(r.get_ref(0)?));
    }
    Ok(out)
}

fn is_ok(lines: &[String]) -> bool {
    lines.len() == 1 && lines[0] == "ok"
}

/// True when `a` and `b` are the same file (or `b` does not exist and names `a`'s path).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (fs::metadata(a), fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    match (fs::canonicalize(a), absolute_parent(b)) {
        (Ok(x), Some(y)) => x == y,
        _ => false,
    }
}

fn absolute_parent(p: &Path) -> Option<PathBuf> {
    let dir = p
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    Some(fs::canonicalize(dir).ok()?.join(p.file_name()?))
}

fn check_output(input: &Path, output: &Path, force: bool) -> Result<()> {
    if same_file(input, output)
        || same_file(&sidecar(input, "-journal"), output)
        || same_file(&sidecar(input, "-wal"), output)
    {
        return Err(Error::SameFile {
            path: output.to_path_buf(),
        });
    }
    match fs::symlink_metadata(output) {
        Ok(md) if md.is_dir() => Err(Error::Io {
            path: output.to_path_buf(),
            context: "the output".into(),
            source: std::io::Error::other("is a directory"),
        }),
        Ok(_) if !force => Err(Error::Exists {
            path: output.to_path_buf(),
        }),
        _ => Ok(()),
    }
}

fn file_len(path: &Path) -> u64 {
    fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn is_hot_journal_error(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_READONLY_ROLLBACK)
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// The output's temporary file as an absolute path: SQLite must not read a relative name that
/// happens to start with `file:` as a URI.
fn absolute(path: &Path) -> Result<PathBuf> {
    fs::canonicalize(path).map_err(io_err(path, "resolving the temporary output"))
}

// ---------------------------------------------------------------------------------------------
// strip-packets

/// Options of [`strip_packets`].
#[derive(Clone, Debug, Default)]
pub struct StripOptions {
    /// Replace an existing output.
    pub force: bool,
}

/// What [`strip_packets`] did.
#[derive(Clone, Debug, PartialEq)]
pub struct StripReport {
    /// The input.
    pub input: PathBuf,
    /// The output (the input itself for an in-place strip).
    pub output: PathBuf,
    /// True when the input was replaced.
    pub in_place: bool,
    /// The log's `KISMET.db_version`.
    pub db_version: u32,
    /// Rows copied per table, in the file's schema order.
    pub tables: Vec<TableCount>,
    /// Packet rows whose payload was emptied.
    pub packets_stripped: u64,
    /// Payload bytes removed.
    pub payload_bytes: u64,
    /// Size of the input.
    pub input_bytes: u64,
    /// Size of the output.
    pub output_bytes: u64,
    /// SQLite internal tables not carried over (`sqlite_stat1`, ...).
    pub skipped: Vec<String>,
}

impl StripReport {
    /// The report as JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "input": self.input.display().to_string(),
            "output": self.output.display().to_string(),
            "in_place": self.in_place,
            "db_version": self.db_version,
            "tables": self.tables.iter().map(|t| json!({"name": t.name, "rows": t.rows})).collect::<Vec<_>>(),
            "packets_stripped": self.packets_stripped,
            "payload_bytes_removed": self.payload_bytes,
            "input_bytes": self.input_bytes,
            "output_bytes": self.output_bytes,
            "skipped": self.skipped,
        })
    }

    /// The report as text.
    pub fn render_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "input:    {} (db_version {}, {} bytes)",
            self.input.display(),
            self.db_version,
            self.input_bytes
        );
        let _ = writeln!(
            s,
            "output:   {} ({} bytes){}",
            self.output.display(),
            self.output_bytes,
            if self.in_place {
                ", replaced the input"
            } else {
                ""
            }
        );
        let _ = writeln!(
            s,
            "stripped: {} packet payloads, {} bytes",
            self.packets_stripped, self.payload_bytes
        );
        let _ = writeln!(s, "tables:");
        for t in &self.tables {
            let _ = writeln!(s, "  {:<12} {:>10}", t.name, t.rows);
        }
        for k in &self.skipped {
            let _ = writeln!(s, "not copied: {k} (SQLite statistics; rebuilt by ANALYZE)");
        }
        s
    }
}

/// Writes a copy of `input` to `output` with every packet payload emptied; the input is
/// opened read-only and never modified. The output appears only when complete.
pub fn strip_packets(input: &Path, output: &Path, options: &StripOptions) -> Result<StripReport> {
    check_output(input, output, options.force)?;
    strip_to(input, output, false)
}

/// Strips the packet payloads of `input` itself: the stripped copy is written beside it and
/// renamed over it when complete, so an interruption leaves the original intact.
pub fn strip_packets_in_place(input: &Path) -> Result<StripReport> {
    strip_to(input, input, true)
}

fn open_checked(input: &Path) -> Result<kismetdb::Reader> {
    kismetdb::Reader::open(input).map_err(|e| match e {
        kismetdb::Error::HotJournal { path } => Error::HotJournal { path },
        e => Error::Log(e),
    })
}

fn strip_to(input: &Path, dest: &Path, in_place: bool) -> Result<StripReport> {
    let reader = open_checked(input)?;
    let db_version = reader.version();
    drop(reader);
    let input_bytes = file_len(input);
    let settings = {
        let c = Connection::open_with_flags(
            input,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql_err(input, "opening"))?;
        read_settings(&c).map_err(sql_err(input, "reading the file settings"))?
    };

    let out = AtomicOutput::create(dest).map_err(out_io(dest, dest, "creating the output"))?;
    let tmp = absolute(out.temp_path())?;
    let (tables, skipped, packets_stripped, payload_bytes) =
        strip_into(input, &tmp, dest, &settings).inspect_err(|_| {
            let _ = fs::remove_file(sidecar(&tmp, "-journal"));
        })?;

    // The result must read as a kismetdb holding what was copied.
    {
        let r = kismetdb::Reader::open(&tmp)?;
        for t in kismetdb::Table::ALL {
            if r.columns(t).is_none() {
                continue;
            }
            let n = r.count(t)?;
            let want = tables.iter().find(|c| c.name == t.name()).map(|c| c.rows);
            if want != Some(n) {
                return Err(Error::Unrecoverable {
                    path: input.to_path_buf(),
                    detail: format!(
                        "the copy of table {t} holds {n} rows, {} expected",
                        want.unwrap_or(0)
                    ),
                });
            }
        }
    }
    if in_place {
        if let Ok(md) = fs::metadata(input) {
            let _ = fs::set_permissions(&tmp, md.permissions());
        }
    }
    let output_bytes = file_len(&tmp);
    out.commit()
        .map_err(out_io(dest, dest, "finishing the output"))?;
    Ok(StripReport {
        input: input.to_path_buf(),
        output: dest.to_path_buf(),
        in_place,
        db_version,
        tables,
        packets_stripped,
        payload_bytes,
        input_bytes,
        output_bytes,
        skipped,
    })
}

type StripCounts = (Vec<TableCount>, Vec<String>, u64, u64);

/// Copies `input` into `tmp`, the temporary file of the output `dest` (which errors name).
fn strip_into(input: &Path, tmp: &Path, dest: &Path, settings: &Settings) -> Result<StripCounts> {
    let conn = Connection::open_with_flags(
        tmp,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql_err(dest, "creating the output"))?;
    prepare_output(&conn, settings).map_err(out_sql(&conn, dest, "preparing the output"))?;
    let src = fs::canonicalize(input).map_err(io_err(input, "resolving the path"))?;
    conn.execute("ATTACH DATABASE ?1 AS src", [file_uri(&src)])
        .map_err(sql_err(input, "opening read-only"))?;
    // A statement that reads the input may also write the output (`INSERT … SELECT`): an error
    // for lack of room is the output's.
    let in_err = |ctx: String| {
        let input = input.to_path_buf();
        let conn = &conn;
        move |e: rusqlite::Error| {
            if let Some(cause) = sqlite_no_room(conn, &e) {
                disk_full(dest.to_path_buf(), ctx, cause)
            } else if is_hot_journal_error(&e) {
                Error::HotJournal { path: input }
            } else {
                Error::Sqlite {
                    path: input,
                    context: ctx,
                    source: e,
                }
            }
        }
    };
    let objects = read_schema(&conn, "src").map_err(in_err("reading the schema".into()))?;
    conn.execute_batch("BEGIN")
        .map_err(out_sql(&conn, dest, "starting the copy"))?;

    let mut skipped = Vec::new();
    for o in objects.iter().filter(|o| o.kind == "table") {
        match &o.sql {
            Some(sql) if !o.internal() => conn.execute_batch(sql).map_err(out_sql(
                &conn,
                dest,
                format!("creating table {}", o.name),
            ))?,
            _ => {}
        }
    }
    let mut tables = Vec::new();
    let mut packets_stripped = 0;
    let mut payload_bytes = 0;
    for o in objects.iter().filter(|o| o.kind == "table") {
        let lname = o.name.to_ascii_lowercase();
        if o.internal() && lname != "sqlite_sequence" {
            skipped.push(o.name.clone());
            continue;
        }
        let cols = table_columns(&conn, "src", &o.name)
            .map_err(in_err(format!("reading the columns of {}", o.name)))?;
        let strip = lname == "packets";
        let mut names = Vec::new();
        let mut exprs = Vec::new();
        if !o.internal() && copy_rowid(&conn, "src", &o.name, &cols) {
            names.push("rowid".to_string());
            exprs.push("rowid".to_string());
        }
        for (c, _, _) in &cols {
            names.push(quote(c));
            if strip && c.eq_ignore_ascii_case("packet") {
                exprs.push("X''".to_string());
            } else {
                exprs.push(quote(c));
            }
        }
        if strip && cols.iter().any(|c| c.0.eq_ignore_ascii_case("packet")) {
            let (n, bytes): (i64, f64) = conn
                .query_row(
                    "SELECT count(*), total(length(packet)) FROM src.packets",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(in_err("measuring the packet payloads".into()))?;
            packets_stripped = n.max(0) as u64;
            payload_bytes = bytes.max(0.0) as u64;
        }
        if lname == "sqlite_sequence" {
            // Filled by the inserts above; carry the input's counters over them.
            conn.execute_batch("DELETE FROM main.sqlite_sequence")
                .map_err(out_sql(&conn, dest, "copying sqlite_sequence"))?;
        }
        let sql = format!(
            "INSERT INTO main.{t} ({}) SELECT {} FROM src.{t}",
            names.join(", "),
            exprs.join(", "),
            t = quote(&o.name)
        );
        let n = conn
            .execute(&sql, [])
            .map_err(in_err(format!("copying table {}", o.name)))?;
        if !o.internal() {
            tables.push(TableCount {
                name: o.name.clone(),
                rows: n as u64,
            });
        }
    }
    // Indexes after the rows (one sort instead of per-row upkeep), triggers last so that they
    // do not fire on the copy.
    for kind in ["index", "view", "trigger"] {
        for o in objects.iter().filter(|o| o.kind == kind && !o.internal()) {
            if let Some(sql) = &o.sql {
                conn.execute_batch(sql).map_err(out_sql(
                    &conn,
                    dest,
                    format!("creating {kind} {}", o.name),
                ))?;
            }
        }
    }
    finish_settings(&conn, settings).map_err(out_sql(&conn, dest, "writing the file settings"))?;
    conn.execute_batch("COMMIT")
        .map_err(out_sql(&conn, dest, "finishing the copy"))?;
    conn.execute_batch("DETACH DATABASE src")
        .map_err(sql_err(input, "closing"))?;
    conn.close()
        .map_err(|(c, e)| out_sql(&c, dest, "closing the output")(e))?;
    Ok((tables, skipped, packets_stripped, payload_bytes))
}

// ---------------------------------------------------------------------------------------------
// clean

/// Options of [`clean`].
#[derive(Clone, Debug, Default)]
pub struct CleanOptions {
    /// Replace an existing output.
    pub force: bool,
}

/// The journal found beside the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JournalState {
    /// No `-journal` file.
    None,
    /// A journal that holds no transaction (Kismet's `PERSIST` mode leaves one after every
    /// commit); ignored.
    Stale {
        /// Its size.
        bytes: u64,
    },
    /// A hot journal: the writer was stopped in mid-transaction. It was applied to the copy.
    Hot {
        /// Its size.
        bytes: u64,
    },
    /// The journal of a writer that is still running; the copy holds its last commit.
    InUse {
        /// Its size.
        bytes: u64,
    },
}

/// What salvage recovered of one table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableSalvage {
    /// Table name.
    pub name: String,
    /// Rows copied.
    pub rows: u64,
    /// Rowid ranges that could not be read, inclusive. A start of `i64::MIN` means from the
    /// table's first row; an end of `None`, to its end (extent unknown).
    pub lost: Vec<(i64, Option<i64>)>,
    /// The read errors met.
    pub errors: Vec<String>,
    /// Rows that were read but could not be written back (a damaged table can yield the same
    /// rowid twice, or values that break a constraint).
    pub dropped: u64,
}

impl TableSalvage {
    /// True when the whole table was read.
    pub fn complete(&self) -> bool {
        self.errors.is_empty() && self.dropped == 0
    }

    /// Rows lost, counted from the rowid ranges (Kismet's tables number rows densely); `None`
    /// when a range runs to an unknown end.
    pub fn lost_rows(&self) -> Option<u64> {
        let mut n: u64 = 0;
        for (a, b) in &self.lost {
            let b = (*b)?;
            // From the first row: rowids start at 1.
            let a = if *a == i64::MIN { 1 } else { *a };
            n = n.saturating_add(b.saturating_sub(a).saturating_add(1).max(0) as u64);
        }
        Some(n)
    }
}

/// What [`clean`] did.
#[derive(Clone, Debug, PartialEq)]
pub struct CleanReport {
    /// The input.
    pub input: PathBuf,
    /// The output.
    pub output: PathBuf,
    /// Size of the input.
    pub input_bytes: u64,
    /// The journal beside the input.
    pub journal: JournalState,
    /// True when an unfinished transaction was rolled back (on the copy).
    pub rolled_back: bool,
    /// `PRAGMA integrity_check` of the copy after the rollback, or the error that stopped it.
    pub integrity: Vec<String>,
    /// Why the copy was salvaged table by table instead of vacuumed, if it was.
    pub salvage_reason: Option<String>,
    /// Per-table results of the salvage.
    pub salvaged: Vec<TableSalvage>,
    /// Tables, indexes, views or triggers that could not be recreated, with the reason.
    pub lost_objects: Vec<String>,
    /// `PRAGMA integrity_check` of the output.
    pub output_integrity: Vec<String>,
    /// Rows per table of the output.
    pub tables: Vec<TableCount>,
    /// The output's `KISMET.db_version`.
    pub db_version: u32,
    /// Size of the output.
    pub output_bytes: u64,
}

impl CleanReport {
    /// True when the output holds everything the input had committed (no salvage losses).
    pub fn lossless(&self) -> bool {
        self.salvaged.iter().all(TableSalvage::complete)
            && !self.lost_objects.iter().any(|o| o.starts_with("table "))
    }

    /// The report as JSON.
    pub fn to_json(&self) -> Value {
        let journal = match &self.journal {
            JournalState::None => json!({"state": "none"}),
            JournalState::Stale { bytes } => json!({"state": "stale", "bytes": bytes}),
            JournalState::Hot { bytes } => json!({"state": "hot", "bytes": bytes}),
            JournalState::InUse { bytes } => json!({"state": "in-use", "bytes": bytes}),
        };
        json!({
            "input": self.input.display().to_string(),
            "output": self.output.display().to_string(),
            "input_bytes": self.input_bytes,
            "output_bytes": self.output_bytes,
            "db_version": self.db_version,
            "journal": journal,
            "rolled_back": self.rolled_back,
            "integrity": self.integrity,
            "salvage_reason": self.salvage_reason,
            "salvaged": self.salvaged.iter().map(|t| json!({
                "name": t.name,
                "rows": t.rows,
                "complete": t.complete(),
                // [first, last] inclusive; null: from the table's start / to its end.
                "lost_rowids": t.lost.iter().map(|(a, b)| json!([(*a != i64::MIN).then_some(*a), b])).collect::<Vec<_>>(),
                "lost_rows": t.lost_rows(),
                "dropped": t.dropped,
                "errors": t.errors,
            })).collect::<Vec<_>>(),
            "lost_objects": self.lost_objects,
            "output_integrity": self.output_integrity,
            "tables": self.tables.iter().map(|t| json!({"name": t.name, "rows": t.rows})).collect::<Vec<_>>(),
            "lossless": self.lossless(),
        })
    }

    /// The report as text.
    pub fn render_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "input:      {} ({} bytes; not modified)",
            self.input.display(),
            self.input_bytes
        );
        let j = match &self.journal {
            JournalState::None => "none".to_string(),
            JournalState::Stale { bytes } => {
                format!("{bytes} bytes, no unfinished transaction (ignored)")
            }
            JournalState::Hot { bytes } if self.rolled_back => format!(
                "hot ({bytes} bytes): the writer was interrupted; its unfinished transaction \
                 was rolled back on a copy"
            ),
            JournalState::Hot { bytes } => format!(
                "hot ({bytes} bytes): the writer was interrupted; the journal held nothing to \
                 roll back"
            ),
            JournalState::InUse { bytes } => format!(
                "in use ({bytes} bytes): a writer is still running; copied its last committed \
                 state"
            ),
        };
        let _ = writeln!(s, "journal:    {j}");
        let shown: Vec<&str> = self.integrity.iter().take(5).map(String::as_str).collect();
        let more = self.integrity.len().saturating_sub(5);
        let _ = writeln!(
            s,
            "integrity:  {}{}",
            shown.join("; "),
            if more > 0 {
                format!(" (and {more} more)")
            } else {
                String::new()
            }
        );
        if let Some(why) = &self.salvage_reason {
            let _ = writeln!(s, "salvage:    {why}; copied table by table:");
            for t in &self.salvaged {
                if t.complete() {
                    let _ = writeln!(s, "  {:<12} {:>10} rows, complete", t.name, t.rows);
                    continue;
                }
                let ranges: Vec<String> = t
                    .lost
                    .iter()
                    .map(|(a, b)| {
                        let a = if *a == i64::MIN {
                            "first".to_string()
                        } else {
                            a.to_string()
                        };
                        match b {
                            Some(b) if a == b.to_string() => a,
                            Some(b) => format!("{a}..{b}"),
                            None => format!("{a}..end"),
                        }
                    })
                    .collect();
                let mut n = match t.lost_rows() {
                    Some(n) => format!("about {n} rows"),
                    None => "an unknown number of rows".to_string(),
                };
                if t.dropped > 0 {
                    n.push_str(&format!(" + {} unwritable", t.dropped));
                }
                let _ = writeln!(
                    s,
                    "  {:<12} {:>10} rows, LOST {n} (rowids {}): {}",
                    t.name,
                    t.rows,
                    if ranges.is_empty() {
                        "unknown".to_string()
                    } else {
                        ranges.join(", ")
                    },
                    t.errors.first().map(String::as_str).unwrap_or("")
                );
            }
            for o in &self.lost_objects {
                let _ = writeln!(s, "  not recreated: {o}");
            }
        }
        let _ = writeln!(
            s,
            "output:     {} ({} bytes, db_version {}, integrity {})",
            self.output.display(),
            self.output_bytes,
            self.db_version,
            self.output_integrity.join("; ")
        );
        let _ = writeln!(s, "tables:");
        for t in &self.tables {
            let _ = writeln!(s, "  {:<12} {:>10}", t.name, t.rows);
        }
        s
    }
}

/// A private working directory, removed with everything in it when dropped.
struct WorkDir(PathBuf);

impl WorkDir {
    fn create(beside: &Path) -> Result<WorkDir> {
        let name = beside
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        let dir = beside
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let path = dir.join(format!(".{name}.{}.clean", std::process::id()));
        fs::create_dir(&path).map_err(out_io(beside, &path, "creating a working directory"))?;
        Ok(WorkDir(path))
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// What a journal file looks like from its header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum JournalHeader {
    Absent,
    /// Empty or zeroed header: no transaction.
    Empty(u64),
    /// A valid journal header: possibly a transaction to roll back.
    Valid(u64),
}

const JOURNAL_MAGIC: [u8; 8] = [0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];

fn journal_header(path: &Path) -> JournalHeader {
    use std::io::Read;
    let Ok(mut f) = fs::File::open(path) else {
        return JournalHeader::Absent;
    };
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    let mut head = [0u8; 8];
    match f.read_exact(&mut head) {
        Ok(()) if head == JOURNAL_MAGIC => JournalHeader::Valid(len),
        _ => JournalHeader::Empty(len),
    }
}

/// Copies the log (and, when its writer is gone, its journal) to `work_db`, holding a read
/// lock on the input meanwhile so that a running writer cannot commit during the copy. A
/// copy that fails for lack of room is reported against `output`, what the copy is for.
fn snapshot(input: &Path, work_db: &Path, output: &Path) -> Result<JournalState> {
    let journal = sidecar(input, "-journal");
    let header = journal_header(&journal);
    let conn = Connection::open_with_flags(
        input,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql_err(input, "opening read-only"))?;
    let _ = conn.busy_timeout(Duration::from_secs(10));
    let probe = conn.execute_batch("BEGIN").and_then(|()| {
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })
    });
    // locked: SQLite read the file under a shared lock (no dead writer's journal).
    let locked = match &probe {
        Ok(_) => true,
        Err(e) if is_hot_journal_error(e) => false,
        Err(e) if is_busy(e) => {
            return Err(Error::Busy {
                path: input.to_path_buf(),
            })
        }
        // Damaged: copy as it is and let the recovery find out what is readable.
        Err(_) => false,
    };
    fs::copy(input, work_db).map_err(out_io(output, input, "copying the log"))?;
    let state = match header {
        JournalHeader::Absent => JournalState::None,
        JournalHeader::Empty(bytes) => JournalState::Stale { bytes },
        JournalHeader::Valid(bytes) if locked => JournalState::InUse { bytes },
        JournalHeader::Valid(bytes) => JournalState::Hot { bytes },
    };
    if !locked && matches!(header, JournalHeader::Valid(_)) {
        fs::copy(&journal, sidecar(work_db, "-journal")).map_err(out_io(
            output,
            &journal,
            "copying the journal",
        ))?;
    }
    let wal = sidecar(input, "-wal");
    if wal.is_file() {
        fs::copy(&wal, sidecar(work_db, "-wal")).map_err(out_io(
            output,
            &wal,
            "copying the WAL",
        ))?;
    }
    let _ = conn.execute_batch("ROLLBACK");
    drop(conn);
    Ok(state)
}

fn check_sqlite_file(input: &Path) -> Result<()> {
    use std::io::Read;
    let md = fs::metadata(input).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::Log(kismetdb::Error::NotFound {
                path: input.to_path_buf(),
            })
        } else {
            io_err(input, "reading file metadata")(e)
        }
    })?;
    if !md.is_file() {
        return Err(Error::Log(kismetdb::Error::NotAFile {
            path: input.to_path_buf(),
        }));
    }
    let mut head = [0u8; 16];
    let n = fs::File::open(input)
        .and_then(|mut f| {
            let mut n = 0;
            while n < head.len() {
                match f.read(&mut head[n..])? {
                    0 => break,
                    k => n += k,
                }
            }
            Ok(n)
        })
        .map_err(io_err(input, "reading the file header"))?;
    if n < 16 || &head != b"SQLite format 3\0" {
        return Err(Error::Unrecoverable {
            path: input.to_path_buf(),
            detail: if md.len() == 0 {
                "the file is empty".into()
            } else {
                "not an SQLite database (no SQLite header at offset 0)".into()
            },
        });
    }
    Ok(())
}

/// Recovers `input` into `output`: rolls back an unfinished transaction on a private copy,
/// checks it and writes it compacted; a damaged log is salvaged table by table. The input and
/// its journal are never modified. See the module documentation.
pub fn clean(input: &Path, output: &Path, options: &CleanOptions) -> Result<CleanReport> {
    check_sqlite_file(input)?;
    check_output(input, output, options.force)?;
    let out =
        AtomicOutput::create(output).map_err(out_io(output, output, "creating the output"))?;
    let tmp = absolute(out.temp_path())?;
    let work = WorkDir::create(output)?;
    let work_db = work.0.join("log.kismet");
    let journal = snapshot(input, &work_db, output)?;

    let mut report = CleanReport {
        input: input.to_path_buf(),
        output: output.to_path_buf(),
        input_bytes: file_len(input),
        journal,
        rolled_back: false,
        integrity: Vec::new(),
        salvage_reason: None,
        salvaged: Vec::new(),
        lost_objects: Vec::new(),
        output_integrity: Vec::new(),
        tables: Vec::new(),
        db_version: 0,
        output_bytes: 0,
    };

    let files = CleanFiles {
        input,
        work_db: &work_db,
        tmp: &tmp,
        output,
    };
    let result = recover_into(files, &mut report);
    let _ = fs::remove_file(sidecar(&tmp, "-journal"));
    result?;

    // Check what was written: SQLite's own check, row counts, and a kismetdb reader.
    {
        let c = Connection::open_with_flags(
            &tmp,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(sql_err(&tmp, "opening the output"))?;
        report.output_integrity = integrity(&c).map_err(sql_err(&tmp, "checking the output"))?;
        report.tables = output_counts(&c, &tmp)?;
    }
    match kismetdb::Reader::open(&tmp) {
        Ok(r) => report.db_version = r.version(),
        Err(e) => {
            return Err(Error::Unrecoverable {
                path: input.to_path_buf(),
                detail: format!("what could be read is not a kismetdb log: {e}"),
            })
        }
    }
    if !is_ok(&report.output_integrity) {
        return Err(Error::Unrecoverable {
            path: input.to_path_buf(),
            detail: format!(
                "the recovered copy fails the integrity check: {}",
                report.output_integrity.join("; ")
            ),
        });
    }
    report.output_bytes = file_len(&tmp);
    out.commit()
        .map_err(out_io(output, output, "finishing the output"))?;
    drop(work);
    Ok(report)
}

/// Opens the working copy read-write so that SQLite rolls a hot journal back; returns the
/// connection once the schema has been read. An error comes with the reason when it was for
/// lack of room (rolling back writes to the copy).
fn open_rollback(work_db: &Path) -> Result<Connection, (rusqlite::Error, Option<String>)> {
    let c = Connection::open_with_flags(
        work_db,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| (e, None))?;
    let read = || -> rusqlite::Result<()> {
        c.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        })?;
        // A WAL-mode file is checkpointed into a plain rollback-journal file.
        let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        if mode.eq_ignore_ascii_case("wal") {
            let _: String = c.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        }
        Ok(())
    };
    match read() {
        Ok(()) => Ok(c),
        Err(e) => {
            let room = sqlite_no_room(&c, &e);
            Err((e, room))
        }
    }
}

/// The files a recovery works on.
#[derive(Clone, Copy)]
struct CleanFiles<'a> {
    /// The log to recover (never modified).
    input: &'a Path,
    /// The private copy of the log (and its journal) that SQLite rolls back.
    work_db: &'a Path,
    /// The temporary file the output is built in.
    tmp: &'a Path,
    /// The output, under its final name.
    output: &'a Path,
}

fn recover_into(files: CleanFiles<'_>, report: &mut CleanReport) -> Result<()> {
    let CleanFiles {
        work_db,
        tmp,
        output,
        ..
    } = files;
    let hot = matches!(report.journal, JournalState::Hot { .. });
    let work_journal = sidecar(work_db, "-journal");
    let had_journal = work_journal.exists();
    let conn = match open_rollback(work_db) {
        Ok(c) => {
            report.rolled_back = hot && had_journal && !work_journal.exists();
            c
        }
        Err((_, Some(cause))) => {
            return Err(disk_full(
                output.to_path_buf(),
                "rolling the journal back on a copy of the log".into(),
                cause,
            ))
        }
        Err((e, None)) => {
            report.integrity = vec![format!("cannot open: {e}")];
            report.salvage_reason = Some(format!("the log cannot be opened ({e})"));
            return salvage(files, report);
        }
    };
    match integrity(&conn) {
        Ok(lines) if is_ok(&lines) => report.integrity = lines,
        Ok(lines) => {
            report.salvage_reason = Some("the integrity check failed".into());
            report.integrity = lines;
            drop(conn);
            return salvage(files, report);
        }
        Err(e) => {
            report.salvage_reason = Some(format!("the integrity check stopped: {e}"));
            report.integrity = vec![e.to_string()];
            drop(conn);
            return salvage(files, report);
        }
    }
    // VACUUM INTO needs a missing or empty target; the temporary output is empty.
    conn.execute("VACUUM INTO ?1", [tmp.to_string_lossy()])
        .map_err(out_sql(&conn, output, "writing the output (VACUUM INTO)"))?;
    Ok(())
}

/// Most read errors tolerated in one table before giving up on the rest of it.
const MAX_ERRORS_PER_TABLE: usize = 1000;

fn salvage(files: CleanFiles<'_>, report: &mut CleanReport) -> Result<()> {
    let CleanFiles {
        input,
        work_db,
        tmp,
        output,
    } = files;
    // writable_schema makes SQLite read a file shorter than its header says (a truncated log)
    // up to its real end, instead of refusing it whole; nothing is written to the copy.
    let open = |flags| {
        Connection::open_with_flags(work_db, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX).and_then(
            |c| {
                c.execute_batch("PRAGMA writable_schema = ON")?;
                read_schema(&c, "main").map(|s| (c, s))
            },
        )
    };
    let (src, objects) = match open(OpenFlags::SQLITE_OPEN_READ_WRITE) {
        Ok(x) => x,
        Err(first) => {
            // The journal itself may be what fails: read the file as it was left.
            let journal = sidecar(work_db, "-journal");
            if journal.exists() {
                let _ = fs::remove_file(&journal);
                report.lost_objects.push(format!(
                    "journal: could not be applied ({first}); the file was read as the writer \
                     left it, possibly with part of its unfinished transaction"
                ));
            }
            open(OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| Error::Unrecoverable {
                path: input.to_path_buf(),
                detail: format!("its schema (the first page) cannot be read: {e}"),
            })?
        }
    };
    let settings = read_settings(&src).unwrap_or_default();
    let dst = Connection::open_with_flags(
        tmp,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql_err(output, "creating the output"))?;
    prepare_output(&dst, &settings).map_err(out_sql(&dst, output, "preparing the output"))?;
    dst.execute_batch("BEGIN")
        .map_err(out_sql(&dst, output, "starting the copy"))?;
    for o in objects.iter().filter(|o| o.kind == "table") {
        let lname = o.name.to_ascii_lowercase();
        if o.internal() && lname != "sqlite_sequence" {
            continue;
        }
        if !o.internal() {
            let Some(sql) = &o.sql else { continue };
            if let Err(e) = dst.execute_batch(sql) {
                if sqlite_no_room(&dst, &e).is_some() {
                    return Err(out_sql(&dst, output, format!("creating table {}", o.name))(
                        e,
                    ));
                }
                report
                    .lost_objects
                    .push(format!("table {}: cannot be recreated: {e}", o.name));
                continue;
            }
        }
        let t = salvage_table(&src, &dst, output, &o.name)?;
        report.salvaged.push(t);
    }
    for kind in ["index", "view", "trigger"] {
        for o in objects.iter().filter(|o| o.kind == kind && !o.internal()) {
            if let Some(sql) = &o.sql {
                if let Err(e) = dst.execute_batch(sql) {
                    if sqlite_no_room(&dst, &e).is_some() {
                        return Err(
                            out_sql(&dst, output, format!("creating {kind} {}", o.name))(e),
                        );
                    }
                    report.lost_objects.push(format!("{kind} {}: {e}", o.name));
                }
            }
        }
    }
    finish_settings(&dst, &settings).map_err(out_sql(&dst, output, "writing the file settings"))?;
    dst.execute_batch("COMMIT")
        .map_err(out_sql(&dst, output, "finishing the output"))?;
    dst.close()
        .map_err(|(c, e)| out_sql(&c, output, "closing the output")(e))?;
    Ok(())
}

/// Copies every readable row of `table` from `src` to `dst` (which has the table already),
/// skipping past rows that cannot be read. Errors of `dst` name `output`.
fn salvage_table(
    src: &Connection,
    dst: &Connection,
    output: &Path,
    table: &str,
) -> Result<TableSalvage> {
    let mut t = TableSalvage {
        name: table.to_string(),
        rows: 0,
        lost: Vec::new(),
        errors: Vec::new(),
        dropped: 0,
    };
    let cols = match table_columns(src, "main", table) {
        Ok(c) if !c.is_empty() => c,
        Ok(_) => {
            t.errors.push("its columns cannot be read".into());
            return Ok(t);
        }
        Err(e) => {
            t.errors.push(format!("its columns cannot be read: {e}"));
            return Ok(t);
        }
    };
    let with_rowid = copy_rowid(src, "main", table, &cols);
    let has_rowid = with_rowid
        || src
            .prepare(&format!("SELECT rowid FROM main.{} LIMIT 0", quote(table)))
            .is_ok();
    let names: Vec<String> = cols.iter().map(|c| quote(&c.0)).collect();
    let q = quote(table);
    let insert_sql = format!(
        "INSERT INTO main.{q} ({}{}) VALUES ({})",
        if with_rowid { "rowid, " } else { "" },
        names.join(", "),
        vec!["?"; names.len() + usize::from(with_rowid)].join(", ")
    );
    let mut insert = dst.prepare(&insert_sql).map_err(out_sql(
        dst,
        output,
        format!("preparing the copy of {table}"),
    ))?;

    if !has_rowid {
        // WITHOUT ROWID: one pass, no way to seek past damage.
        let sql = format!("SELECT {} FROM main.{q}", names.join(", "));
        match src.prepare(&sql) {
            Ok(mut stmt) => {
                let mut rows = stmt.raw_query();
                loop {
                    match rows.next() {
                        Ok(Some(r)) => {
                            copy_row(r, &mut insert, 0, names.len(), dst, output, &mut t)?;
                        }
                        Ok(None) => break,
                        Err(e) => {
                            t.errors.push(e.to_string());
                            t.lost.push((0, None));
                            break;
                        }
                    }
                }
            }
            Err(e) => {
                t.errors.push(e.to_string());
                t.lost.push((0, None));
            }
        }
        return Ok(t);
    }

    let select = format!(
        "SELECT rowid, {} FROM main.{q} WHERE rowid >= ?1 ORDER BY rowid",
        names.join(", ")
    );
    // Rows from `next` on are still to be read.
    let mut next = i64::MIN;
    let mut stalled_at: Option<i64> = None;
    loop {
        let failure = {
            match src.prepare(&select) {
                Ok(mut stmt) => {
                    let mut failure = None;
                    if let Err(e) = stmt.raw_bind_parameter(1, next) {
                        failure = Some(e.to_string());
                    } else {
                        let mut rows = stmt.raw_query();
                        loop {
                            match rows.next() {
                                Ok(Some(r)) => {
                                    let rid = match r.get_ref(0) {
                                        Ok(ValueRef::Integer(n)) => n,
                                        _ => next,
                                    };
                                    let first = usize::from(!with_rowid);
                                    copy_row(
                                        r,
                                        &mut insert,
                                        first,
                                        names.len() + 1,
                                        dst,
                                        output,
                                        &mut t,
                                    )?;
                                    stalled_at = None;
                                    match rid.checked_add(1) {
                                        Some(n) => next = n,
                                        None => return Ok(t),
                                    }
                                }
                                Ok(None) => break,
                                Err(e) => {
                                    failure = Some(e.to_string());
                                    break;
                                }
                            }
                        }
                    }
                    failure
                }
                Err(e) => Some(e.to_string()),
            }
        };
        let Some(err) = failure else { return Ok(t) };
        if t.errors.len() >= MAX_ERRORS_PER_TABLE {
            t.errors
                .push(format!("gave up after {MAX_ERRORS_PER_TABLE} errors"));
            t.lost.push((next, None));
            return Ok(t);
        }
        t.errors.push(err);
        // A second failure at the same place without progress: that row itself is unreadable.
        let lost_from = next;
        let probe_from = if stalled_at == Some(next) {
            match next.checked_add(1) {
                Some(n) => n,
                None => {
                    t.lost.push((next, Some(next)));
                    return Ok(t);
                }
            }
        } else {
            next
        };
        match resume_point(src, &q, probe_from) {
            // (A damaged tree could answer with an earlier rowid; never go back.)
            Some(r) if r >= probe_from => {
                if r > lost_from {
                    t.lost.push((lost_from, Some(r - 1)));
                }
                next = r;
                stalled_at = Some(r);
            }
            _ => {
                let end = src
                    .query_row(&format!("SELECT max(rowid) FROM main.{q}"), [], |r| {
                        r.get::<_, Option<i64>>(0)
                    })
                    .ok()
                    .flatten();
                match end {
                    Some(e) if e >= lost_from => t.lost.push((lost_from, Some(e))),
                    Some(_) => {}
                    None => t.lost.push((lost_from, None)),
                }
                return Ok(t);
            }
        }
    }
}

/// Inserts columns `first..end` of `r` with `insert`, a statement of `dst` (the output, named
/// `output` in errors).
fn copy_row(
    r: &rusqlite::Row<'_>,
    insert: &mut rusqlite::Statement<'_>,
    first: usize,
    end: usize,
    dst: &Connection,
    output: &Path,
    t: &mut TableSalvage,
) -> Result<()> {
    let ctx = || format!("copying a row of {}", t.name);
    for (k, i) in (first..end).enumerate() {
        // An unreadable value (it should not happen once the row stepped) becomes NULL.
        let v = r.get_ref(i).unwrap_or(ValueRef::Null);
        insert
            .raw_bind_parameter(k + 1, ToSqlOutput::Borrowed(v))
            .map_err(out_sql(dst, output, ctx()))?;
    }
    match insert.raw_execute() {
        Ok(_) => t.rows += 1,
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::ConstraintViolation) => {
            if t.dropped < 10 {
                t.errors.push(format!("a row was dropped: {e}"));
            }
            t.dropped += 1;
        }
        // Anything else is the output's problem (disk full, ...): stop.
        Err(e) => return Err(out_sql(dst, output, ctx())(e)),
    }
    Ok(())
}

/// The first rowid at or after `from` that can be reached past damaged pages, or `None` when
/// nothing after `from` can be read (or nothing is there).
fn resume_point(src: &Connection, q: &str, from: i64) -> Option<i64> {
    let Ok(mut stmt) = src.prepare(&format!(
        "SELECT rowid FROM main.{q} WHERE rowid >= ?1 ORDER BY rowid LIMIT 1"
    )) else {
        return None;
    };
    let mut seek = |p: i64| -> Result<Option<i64>, ()> {
        stmt.query_row([p], |r| r.get::<_, i64>(0))
            .map(Some)
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                _ => Err(()),
            })
    };
    // Gallop forward until a seek succeeds, then bisect back to the earliest one that does.
    let mut failed = from;
    if let Ok(r) = seek(from) {
        return r;
    }
    let mut step: i64 = 1;
    loop {
        let p = failed.checked_add(step)?;
        match seek(p) {
            Ok(None) => return None,
            Ok(Some(_)) => {
                let (mut lo, mut hi) = (failed, p);
                while hi - lo > 1 {
                    let mid = lo + (hi - lo) / 2;
                    match seek(mid) {
                        Ok(Some(_)) => hi = mid,
                        _ => lo = mid,
                    }
                }
                return seek(hi).ok().flatten();
            }
            Err(()) => {
                failed = p;
                step = step.checked_mul(2)?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kismetdb::{Reader, Table, Writer, WriterOptions};

    fn packet(i: u64) -> kismetdb::PacketRow<'static> {
        use kismetdb::{GpsFix, MacAddr, Timestamp, Uuid};
        kismetdb::PacketRow {
            ts: Timestamp::new(1_700_000_000 + i as i64, 0),
            phyname: "IEEE802.11".into(),
            sourcemac: MacAddr::new([2, 0, 0, 0, (i >> 8) as u8, i as u8]),
            destmac: MacAddr::BROADCAST,
            transmac: MacAddr::ZERO,
            frequency: 2_412_000.0,
            devkey: "0".into(),
            gps: GpsFix::default(),
            packet_len: 300,
            signal: -40,
            datasource: Uuid::NIL,
            dlt: 127,
            packet: vec![i as u8; 300].into(),
            error: false,
            tags: "".into(),
            datarate: 6.0,
            hash: i as u32,
            packetid: i,
            packet_full_len: 300,
        }
    }

    fn log(path: &Path, n: u64) {
        let mut w = Writer::create(path, WriterOptions::default()).unwrap();
        for i in 0..n {
            w.insert_packet(&packet(i)).unwrap();
        }
        w.close().unwrap();
    }

    #[test]
    fn uri_and_quoting() {
        assert_eq!(
            file_uri(Path::new("/a b/c?d#e%.kismet")),
            "file:/a%20b/c%3Fd%23e%25.kismet?mode=ro"
        );
        assert_eq!(quote("we\"ird"), "\"we\"\"ird\"");
    }

    #[test]
    fn strip_keeps_rows_and_empties_payloads() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("in.kismet");
        log(&src, 500);
        let out = d.path().join("out.kismet");
        let rep = strip_packets(&src, &out, &StripOptions::default()).unwrap();
        assert_eq!(rep.packets_stripped, 500);
        assert_eq!(rep.payload_bytes, 500 * 300);
        let r = Reader::open(&out).unwrap();
        assert_eq!(r.count(Table::Packets).unwrap(), 500);
        let mut i = 0;
        r.packets()
            .unwrap()
            .for_each(|p| -> kismetdb::Result<()> {
                assert!(p.packet.is_empty());
                assert_eq!(p.packet_len, 300);
                assert_eq!(p.packetid, i);
                i += 1;
                Ok(())
            })
            .unwrap();
        // The payloads' room is given back (the schema's pages stay).
        assert!(
            rep.output_bytes < rep.input_bytes - rep.payload_bytes / 2,
            "{} -> {}",
            rep.input_bytes,
            rep.output_bytes
        );
        // No leftovers beside the output; an existing output is refused without force.
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 2);
        assert!(matches!(
            strip_packets(&src, &out, &StripOptions::default()),
            Err(Error::Exists { .. })
        ));
        assert!(matches!(
            strip_packets(&src, &src, &StripOptions { force: true }),
            Err(Error::SameFile { .. })
        ));
        strip_packets(&src, &out, &StripOptions { force: true }).unwrap();
    }

    #[test]
    fn strip_in_place_replaces_the_input() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("in.kismet");
        log(&src, 50);
        let rep = strip_packets_in_place(&src).unwrap();
        assert!(rep.in_place);
        let r = Reader::open(&src).unwrap();
        assert_eq!(r.count(Table::Packets).unwrap(), 50);
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    /// A crash image: the database file and hot journal as they are mid-transaction, with
    /// uncommitted pages spilled into the database file.
    fn crash_image(dir: &Path, committed: u64, uncommitted: u64) -> PathBuf {
        let live = dir.join("live.kismet");
        log(&live, committed);
        let c = Connection::open(&live).unwrap();
        let _: String = c
            .query_row("PRAGMA journal_mode=PERSIST", [], |r| r.get(0))
            .unwrap();
        c.execute_batch("PRAGMA cache_size=5; BEGIN").unwrap();
        for i in 0..uncommitted {
            c.execute(
                "INSERT INTO packets (ts_sec, packet) VALUES (?1, zeroblob(500))",
                [i as i64],
            )
            .unwrap();
        }
        c.execute("DELETE FROM packets WHERE rowid % 3 = 0", [])
            .unwrap();
        let img = dir.join("crashed.kismet");
        fs::copy(&live, &img).unwrap();
        fs::copy(sidecar(&live, "-journal"), sidecar(&img, "-journal")).unwrap();
        c.execute_batch("ROLLBACK").unwrap();
        img
    }

    #[test]
    fn clean_rolls_back_on_a_copy() {
        let d = tempfile::tempdir().unwrap();
        let img = crash_image(d.path(), 200, 2000);
        let before = fs::read(&img).unwrap();
        let jbefore = fs::read(sidecar(&img, "-journal")).unwrap();
        // Read-only readers refuse it.
        assert!(matches!(
            Reader::open(&img),
            Err(kismetdb::Error::HotJournal { .. })
        ));
        let out = d.path().join("clean.kismet");
        let rep = clean(&img, &out, &CleanOptions::default()).unwrap();
        assert!(matches!(rep.journal, JournalState::Hot { .. }), "{rep:?}");
        assert!(rep.rolled_back);
        assert!(rep.lossless());
        assert_eq!(rep.integrity, vec!["ok"]);
        assert_eq!(fs::read(&img).unwrap(), before);
        assert_eq!(fs::read(sidecar(&img, "-journal")).unwrap(), jbefore);
        let r = Reader::open(&out).unwrap();
        assert_eq!(r.count(Table::Packets).unwrap(), 200);
        // Only the output was added to the directory.
        let names: Vec<_> = fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 5, "{names:?}");
    }

    #[test]
    fn clean_of_a_clean_log_is_a_copy() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("in.kismet");
        log(&src, 100);
        let out = d.path().join("out.kismet");
        let rep = clean(&src, &out, &CleanOptions::default()).unwrap();
        assert_eq!(rep.journal, JournalState::None);
        assert!(!rep.rolled_back && rep.salvage_reason.is_none());
        let pk = rep.tables.iter().find(|t| t.name == "packets").unwrap();
        assert_eq!(pk.rows, 100);
        assert!(rep.render_text().contains("integrity:  ok"));
    }

    #[test]
    fn clean_salvages_around_a_damaged_page() {
        let d = tempfile::tempdir().unwrap();
        let src = d.path().join("in.kismet");
        log(&src, 3000);
        // Overwrite one page in the middle of the packets table with garbage.
        let mut bytes = fs::read(&src).unwrap();
        let page = 4096;
        let victim = bytes.len() / page / 2;
        for b in &mut bytes[victim * page..(victim + 1) * page] {
            *b = 0x5a;
        }
        let bad = d.path().join("bad.kismet");
        fs::write(&bad, &bytes).unwrap();
        let out = d.path().join("out.kismet");
        let rep = clean(&bad, &out, &CleanOptions::default()).unwrap();
        assert!(rep.salvage_reason.is_some(), "{rep:?}");
        assert!(!rep.lossless());
        let pk = rep.salvaged.iter().find(|t| t.name == "packets").unwrap();
        assert!(pk.rows > 2500 && pk.rows < 3000, "{pk:?}");
        assert_eq!(pk.rows + pk.lost_rows().unwrap(), 3000, "{pk:?}");
        let r = Reader::open(&out).unwrap();
        assert_eq!(r.count(Table::Packets).unwrap(), pk.rows);
        assert_eq!(r.integrity_check().unwrap(), vec!["ok"]);
        assert!(rep.render_text().contains("LOST"));
    }

    #[test]
    fn clean_refuses_what_is_not_a_database() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("x.kismet");
        fs::write(&p, b"not sqlite at all, not at all").unwrap();
        let e = clean(&p, &d.path().join("o.kismet"), &CleanOptions::default()).unwrap_err();
        assert!(e.to_string().contains("x.kismet"), "{e}");
        assert_eq!(fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn no_room_is_a_disk_full_error_naming_the_output() {
        let d = tempfile::tempdir().unwrap();
        let out = d.path().join("final.kismet");
        let tmp = d.path().join(".final.kismet.1.tmp");
        // A file-size limit (EFBIG) and a full disk (ENOSPC) on a plain file.
        for errno in [27, 28] {
            let e = out_io(&out, &tmp, "copying the log")(std::io::Error::from_raw_os_error(errno));
            assert!(
                matches!(e, Error::Log(kismetdb::Error::DiskFull { .. })),
                "{e}"
            );
            let text = e.to_string();
            assert!(
                text.starts_with(&format!(
                    "{}: disk full or file size limit reached while copying the log (",
                    out.display()
                )),
                "{text}"
            );
            assert!(!text.contains(".final.kismet.1.tmp"), "{text}");
        }
        // Any other I/O error keeps naming the file it happened to.
        let e = out_io(&out, &tmp, "copying the log")(std::io::Error::from_raw_os_error(5));
        assert!(matches!(e, Error::Io { .. }), "{e}");
        assert!(e.to_string().contains(".final.kismet.1.tmp"), "{e}");
        // SQLite's page limit stands in for the disk: growing past it is SQLITE_FULL.
        let c = Connection::open(&tmp).unwrap();
        c.execute_batch("CREATE TABLE t (b BLOB)").unwrap();
        let _: i64 = c
            .query_row("PRAGMA max_page_count = 4", [], |r| r.get(0))
            .unwrap();
        let full = c
            .execute("INSERT INTO t VALUES (zeroblob(100000))", [])
            .unwrap_err();
        let e = out_sql(&c, &out, "copying")(full);
        assert!(
            matches!(e, Error::Log(kismetdb::Error::DiskFull { .. })),
            "{e}"
        );
        assert_eq!(
            e.to_string(),
            format!(
                "{}: disk full or file size limit reached while copying (SQLITE_FULL)",
                out.display()
            )
        );
        // Other SQLite errors are not.
        let other = c.execute("INSERT INTO nowhere VALUES (1)", []).unwrap_err();
        let e = out_sql(&c, &out, "copying")(other);
        assert!(matches!(e, Error::Sqlite { .. }), "{e}");
    }
}
