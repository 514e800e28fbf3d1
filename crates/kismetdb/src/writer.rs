//! Writing a kismetdb log at db_version 9.
//!
//! # Durability
//!
//! Rows are inserted inside a transaction that is committed when it holds
//! [`CommitPolicy::max_rows`] rows or has been open for [`CommitPolicy::max_interval`],
//! whichever comes first. Kill the process at any moment and the file holds every committed
//! row; at most the rows of the open transaction are lost.
//!
//! The schema is built in a staging file beside the log (`NAME.creating-PID`) and linked to
//! the log's name only once committed, so the log never exists without its complete schema: a
//! process killed at any moment leaves no log or a kismetdb that opens.
//!
//! A write that fails (disk full, a file-size limit, an I/O error) rolls the open transaction
//! back and leaves the writer closed: the file keeps every row committed before the error and
//! passes `PRAGMA integrity_check`; the error says which file, what was being done and, when
//! the disk or a file-size limit was full, says so ([`Error::DiskFull`]).
//!
//! The journal is a rollback journal in `PERSIST` mode while logging, as Kismet does, and
//! `DELETE` mode after a clean close, which removes the `-journal` file and leaves one
//! self-contained database in the legacy (non-WAL) file format that any SQLite 3 reader opens.
//! See `docs/kismetdb.md` for why not WAL.
//!
//! # Time
//!
//! The writer checks the interval on every insert. A caller that may go quiet (a live source
//! with no traffic) calls [`Writer::tick`] periodically so that the last rows are committed on
//! time even when no new row arrives.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, OpenFlags, ToSql};

use crate::error::{Error, Result};
use crate::records::{
    AlertRow, DataRow, DatasourceRow, DeviceRow, MessageRow, PacketRow, SnapshotRow,
};
use crate::schema::{insert, CREATE_KISMET, CREATE_TABLES, DB_MODULE, WRITE_VERSION};
use crate::types::{DeviceKey, MacAddr, Uuid};

/// SQLite's page cache while logging, in KiB. The default (2 MiB) is smaller than one
/// transaction of packets, so SQLite would spill dirty pages to the file mid-transaction;
/// 16 MiB keeps most of a transaction in memory and bounds the process's footprint.
const CACHE_KIB: u32 = 16 * 1024;

/// The page size of a new log, bytes. Kismet leaves SQLite's default (4 KiB). Every SQLite
/// reads any page size, so this changes nothing for Kismet's tools or its Python reader, and
/// with 16 KiB pages a packet row (about 300 bytes) costs a quarter of the page splits,
/// b-tree rebalancing and page writes: logging every packet runs about 1.35× faster.
pub const PAGE_SIZE: u32 = 16 * 1024;

/// When the writer commits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommitPolicy {
    /// Longest time a row may wait in an open transaction (checked on each insert and on
    /// [`Writer::tick`]).
    pub max_interval: Duration,
    /// Most rows in one transaction. Bounds the journal and the work lost by a crash.
    pub max_rows: usize,
}

impl Default for CommitPolicy {
    /// One second or 100 000 rows. Kismet commits every 10 s; a shorter window loses less on a
    /// crash and costs little, since each commit is one journal sync.
    fn default() -> Self {
        CommitPolicy {
            max_interval: Duration::from_secs(1),
            max_rows: 100_000,
        }
    }
}

/// How a log is created.
#[derive(Clone, Debug)]
pub struct WriterOptions {
    /// The `KISMET.kismet_version` text: which program wrote the log.
    pub program_version: String,
    /// Commit policy.
    pub commit: CommitPolicy,
    /// `PRAGMA synchronous` while logging: `true` for FULL (the default: a commit survives a
    /// power cut), `false` for NORMAL (a commit survives a process kill but not a power cut).
    pub sync_full: bool,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions {
            program_version: format!("osprey {}", env!("CARGO_PKG_VERSION")),
            commit: CommitPolicy::default(),
            sync_full: true,
        }
    }
}

/// Counters of a writer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriterStats {
    /// Rows inserted so far (committed or not).
    pub rows_inserted: u64,
    /// Rows durably committed.
    pub rows_committed: u64,
    /// Transactions committed.
    pub commits: u64,
}

/// A kismetdb log being written.
///
/// Create it with [`Writer::create`], insert typed rows, and finish with [`Writer::close`].
/// Dropping an unclosed writer commits what it holds and closes the log as well, best effort.
pub struct Writer {
    conn: Option<Connection>,
    path: PathBuf,
    policy: CommitPolicy,
    txn_started: Option<Instant>,
    pending: usize,
    stats: WriterStats,
    /// A write failed: the open transaction was rolled back and the writer accepts no more.
    failed: bool,
}

/// Binds bytes as SQLite TEXT without requiring UTF-8 (Kismet stores raw bytes in TEXT JSON).
struct TextBytes<'a>(&'a [u8]);

impl ToSql for TextBytes<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(self.0)))
    }
}

/// Binds bytes as a BLOB.
struct Blob<'a>(&'a [u8]);

impl ToSql for Blob<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Blob(self.0)))
    }
}

/// Binds a packet row to the `packets` insert statement.
fn bind_packet(s: &mut rusqlite::Statement<'_>, row: &PacketRow<'_>) -> rusqlite::Result<()> {
    let mut sb = [0u8; MacAddr::MAX_TEXT_LEN];
    let mut db = [0u8; MacAddr::MAX_TEXT_LEN];
    let mut tb = [0u8; MacAddr::MAX_TEXT_LEN];
    let mut ub = [0u8; Uuid::TEXT_LEN];
    s.raw_bind_parameter(1, row.ts.sec)?;
    s.raw_bind_parameter(2, row.ts.usec)?;
    s.raw_bind_parameter(3, &*row.phyname)?;
    s.raw_bind_parameter(4, row.sourcemac.write_text(&mut sb))?;
    s.raw_bind_parameter(5, row.destmac.write_text(&mut db))?;
    s.raw_bind_parameter(6, row.transmac.write_text(&mut tb))?;
    s.raw_bind_parameter(7, row.frequency)?;
    s.raw_bind_parameter(8, &*row.devkey)?;
    s.raw_bind_parameter(9, row.gps.lat)?;
    s.raw_bind_parameter(10, row.gps.lon)?;
    s.raw_bind_parameter(11, row.gps.alt)?;
    s.raw_bind_parameter(12, row.gps.speed)?;
    s.raw_bind_parameter(13, row.gps.heading)?;
    s.raw_bind_parameter(14, row.packet_len)?;
    s.raw_bind_parameter(15, row.signal)?;
    s.raw_bind_parameter(16, row.datasource.write_text(&mut ub))?;
    s.raw_bind_parameter(17, row.dlt)?;
    s.raw_bind_parameter(18, Blob(&row.packet))?;
    s.raw_bind_parameter(19, i32::from(row.error))?;
    s.raw_bind_parameter(20, &*row.tags)?;
    s.raw_bind_parameter(21, row.datarate)?;
    // Kismet binds the u32 CRC with sqlite3_bind_int: values >= 2^31 come out negative.
    s.raw_bind_parameter(22, row.hash as i32)?;
    s.raw_bind_parameter(23, row.packetid as i64)?;
    s.raw_bind_parameter(24, row.packet_full_len)
}

/// The staging file the schema is built in: `NAME.creating-PID` beside the log.
fn staging_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".creating-{}", std::process::id()));
    PathBuf::from(s)
}

/// `path` and its `-journal`, best effort (a staging file, or an earlier one left by a killed
/// process of the same id).
fn remove_with_journal(path: &Path) {
    let mut j = path.as_os_str().to_owned();
    j.push("-journal");
    let _ = std::fs::remove_file(PathBuf::from(j));
    let _ = std::fs::remove_file(path);
}

/// Writes the `KISMET` table, its row and the log tables to a new file at `staging`, in one
/// transaction, and closes it. Errors name `log`, the file the caller asked for.
fn create_schema(staging: &Path, log: &Path, options: &WriterOptions) -> Result<()> {
    remove_with_journal(staging);
    let conn = Connection::open_with_flags(
        staging,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| Error::sqlite(log, "creating the log", e))?;
    let sq = |ctx: &str, e| sqlite_error(&conn, log, ctx.to_string(), e);
    // The statements run in Kismet's order, so sqlite_master (names, root pages, SQL text) is
    // identical to a log Kismet writes.
    // Before anything is written: the page size is fixed when the file gets its first page.
    conn.execute_batch(&format!("PRAGMA page_size={PAGE_SIZE}"))
        .map_err(|e| sq("setting the page size", e))?;
    conn.execute_batch("BEGIN")
        .map_err(|e| sq("creating the schema", e))?;
    conn.execute(CREATE_KISMET, [])
        .map_err(|e| sq("creating table KISMET", e))?;
    conn.execute(
        insert::KISMET,
        rusqlite::params![options.program_version, WRITE_VERSION, DB_MODULE],
    )
    .map_err(|e| sq("writing the KISMET row", e))?;
    for ddl in CREATE_TABLES {
        conn.execute(ddl, [])
            .map_err(|e| sq("creating the log tables", e))?;
    }
    conn.execute_batch("COMMIT")
        .map_err(|e| sq("creating the schema", e))?;
    conn.close()
        .map_err(|(c, e)| sqlite_error(&c, log, "creating the schema".into(), e))
}

/// Gives the finished staging file the log's name, never replacing a file that appeared
/// there meanwhile: a hard link fails if the name exists (a rename is the fallback on file
/// systems without hard links). The directory is synced so the name survives a power cut.
fn publish(staging: &Path, log: &Path) -> Result<()> {
    let io = |context: &'static str| {
        move |source| Error::Io {
            path: log.to_path_buf(),
            context,
            source,
        }
    };
    match std::fs::hard_link(staging, log) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::Exists {
                path: log.to_path_buf(),
            })
        }
        Err(_) if log.exists() => {
            return Err(Error::Exists {
                path: log.to_path_buf(),
            })
        }
        Err(_) => std::fs::rename(staging, log).map_err(io("naming the new log"))?,
    }
    let dir = log
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Classifies an SQLite error of `conn` (call it before any other statement runs on `conn`):
/// a write that failed because the disk or a file-size limit is full becomes
/// [`Error::DiskFull`], with the operating system's reason when SQLite recorded one.
fn sqlite_error(conn: &Connection, path: &Path, context: String, e: rusqlite::Error) -> Error {
    use rusqlite::ffi;
    let code = match &e {
        rusqlite::Error::SqliteFailure(f, _) => Some(f.extended_code),
        _ => None,
    };
    // SAFETY: `conn` is open; sqlite3_system_errno only reads the connection's last OS error.
    let errno = unsafe { ffi::sqlite3_system_errno(conn.handle()) };
    match code.map(|c| c & 0xff) {
        Some(ffi::SQLITE_IOERR) | Some(ffi::SQLITE_FULL) => {
            if let Some(cause) = no_room(errno) {
                return Error::DiskFull {
                    path: path.to_path_buf(),
                    context,
                    cause,
                };
            }
            if code.map(|c| c & 0xff) == Some(ffi::SQLITE_FULL) {
                return Error::DiskFull {
                    path: path.to_path_buf(),
                    context,
                    cause: "SQLITE_FULL".into(),
                };
            }
        }
        _ => {}
    }
    Error::sqlite(path, context, e)
}

/// The reason a write failed for lack of room, if the OS error says so: no space left, the
/// file-size limit (`RLIMIT_FSIZE`, `EFBIG`), or a disk quota. Public so that other writers of
/// SQLite files and plain files (the log tools) classify a full disk the same way.
pub fn no_room(errno: std::ffi::c_int) -> Option<String> {
    use std::io::ErrorKind;
    if errno <= 0 {
        return None;
    }
    let e = std::io::Error::from_raw_os_error(errno);
    match e.kind() {
        ErrorKind::StorageFull | ErrorKind::FileTooLarge | ErrorKind::QuotaExceeded => {
            Some(e.to_string())
        }
        _ => None,
    }
}

impl Writer {
    /// Creates a new log at `path`. The file must not exist: like Kismet, a log is always new.
    ///
    /// The schema is written to a staging file beside `path` and linked to `path` once
    /// committed: `path` appears with its complete schema or not at all.
    pub fn create(path: impl AsRef<Path>, options: WriterOptions) -> Result<Writer> {
        let path = path.as_ref().to_path_buf();
        if path.exists() {
            return Err(Error::Exists { path });
        }
        let staging = staging_path(&path);
        let made = create_schema(&staging, &path, &options).and_then(|()| publish(&staging, &path));
        remove_with_journal(&staging);
        made?;
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| Error::sqlite(&path, "opening the new log", e))?;
        conn.set_prepared_statement_cache_capacity(16);
        let sq = |ctx: &str, e| sqlite_error(&conn, &path, ctx.to_string(), e);
        let sync = if options.sync_full { "FULL" } else { "NORMAL" };
        // journal_mode returns a row, so it is queried rather than executed.
        let mode: String = conn
            .query_row("PRAGMA journal_mode=PERSIST", [], |r| r.get(0))
            .map_err(|e| sq("setting the journal mode", e))?;
        if !mode.eq_ignore_ascii_case("persist") {
            return Err(Error::Schema {
                path,
                table: "KISMET",
                detail: format!("SQLite refused journal_mode=PERSIST (got {mode})"),
            });
        }
        conn.execute_batch(&format!(
            "PRAGMA synchronous={sync}; PRAGMA cache_size=-{CACHE_KIB}"
        ))
        .map_err(|e| sq("setting synchronous", e))?;
        Ok(Writer {
            conn: Some(conn),
            path,
            policy: options.commit,
            txn_started: None,
            pending: 0,
            stats: WriterStats::default(),
            failed: false,
        })
    }

    /// The log's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Counters: rows inserted and committed, commits.
    pub fn stats(&self) -> WriterStats {
        self.stats
    }

    /// The commit policy in force.
    pub fn policy(&self) -> CommitPolicy {
        self.policy
    }

    fn conn(&self) -> Result<&Connection> {
        match &self.conn {
            Some(c) if !self.failed => Ok(c),
            _ => Err(Error::WriterClosed {
                path: self.path.clone(),
            }),
        }
    }

    /// After a failed write: rolls the open transaction back (the file returns to the last
    /// commit) and closes the writer to further rows. Returns `e`.
    fn fail(&mut self, e: Error) -> Error {
        if let Some(c) = &self.conn {
            // SQLite may have rolled back already; then this fails harmlessly.
            let _ = c.execute_batch("ROLLBACK");
        }
        self.failed = true;
        self.txn_started = None;
        self.pending = 0;
        e
    }

    fn begin_if_needed(&mut self) -> Result<()> {
        if self.txn_started.is_none() {
            let conn = self.conn()?;
            if let Err(e) = conn.execute_batch("BEGIN") {
                let e = sqlite_error(conn, &self.path, "starting a transaction".into(), e);
                return Err(self.fail(e));
            }
            self.txn_started = Some(Instant::now());
        }
        Ok(())
    }

    fn after_insert(&mut self) -> Result<()> {
        self.pending += 1;
        self.stats.rows_inserted += 1;
        if self.pending >= self.policy.max_rows {
            self.commit()?;
        } else {
            self.tick()?;
        }
        Ok(())
    }

    /// Commits the open transaction if it has been open for the commit interval or longer.
    /// Returns true if it committed.
    pub fn tick(&mut self) -> Result<bool> {
        match self.txn_started {
            Some(t) if t.elapsed() >= self.policy.max_interval => {
                self.commit()?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Commits now. A no-op when nothing is pending.
    pub fn commit(&mut self) -> Result<()> {
        if self.txn_started.is_none() {
            return Ok(());
        }
        let conn = self.conn()?;
        if let Err(e) = conn.execute_batch("COMMIT") {
            // A failed COMMIT (disk full, I/O error) leaves the transaction open or rolled back;
            // roll back explicitly so the file stays at the last good commit.
            let e = sqlite_error(conn, &self.path, "committing".into(), e);
            return Err(self.fail(e));
        }
        self.txn_started = None;
        self.stats.rows_committed += self.pending as u64;
        self.stats.commits += 1;
        self.pending = 0;
        Ok(())
    }

    fn insert(
        &mut self,
        table: &'static str,
        sql: &'static str,
        bind: impl FnOnce(&mut rusqlite::Statement<'_>) -> rusqlite::Result<()>,
    ) -> Result<()> {
        self.begin_if_needed()?;
        let conn = self.conn()?;
        let run = || -> rusqlite::Result<()> {
            let mut stmt = conn.prepare_cached(sql)?;
            bind(&mut stmt)?;
            stmt.raw_execute()?;
            Ok(())
        };
        if let Err(e) = run() {
            let e = sqlite_error(conn, &self.path, format!("inserting into {table}"), e);
            return Err(self.fail(e));
        }
        self.after_insert()
    }

    /// Inserts (upserts, by phy and MAC) a device row.
    pub fn insert_device(&mut self, row: &DeviceRow<'_>) -> Result<()> {
        self.insert("devices", insert::DEVICE, |s| {
            let mut kb = [0u8; DeviceKey::MAX_TEXT_LEN];
            let mut mb = [0u8; MacAddr::MAX_TEXT_LEN];
            let key = row.devkey.map(|k| k.write_text(&mut kb)).unwrap_or("");
            s.raw_bind_parameter(1, row.first_time)?;
            s.raw_bind_parameter(2, row.last_time)?;
            s.raw_bind_parameter(3, key)?;
            s.raw_bind_parameter(4, &*row.phyname)?;
            s.raw_bind_parameter(5, row.devmac.write_text(&mut mb))?;
            s.raw_bind_parameter(6, row.strongest_signal)?;
            s.raw_bind_parameter(7, row.min_lat)?;
            s.raw_bind_parameter(8, row.min_lon)?;
            s.raw_bind_parameter(9, row.max_lat)?;
            s.raw_bind_parameter(10, row.max_lon)?;
            s.raw_bind_parameter(11, row.avg_lat)?;
            s.raw_bind_parameter(12, row.avg_lon)?;
            s.raw_bind_parameter(13, row.bytes_data)?;
            s.raw_bind_parameter(14, &*row.device_type)?;
            s.raw_bind_parameter(15, Blob(&row.device))
        })
    }

    /// Inserts a packet row.
    pub fn insert_packet(&mut self, row: &PacketRow<'_>) -> Result<()> {
        self.insert("packets", insert::PACKET, |s| bind_packet(s, row))
    }

    /// Inserts packet rows in order, with one prepared statement for the whole run; the way to
    /// log packets in bulk. The commit policy applies as for single inserts (a full
    /// transaction is committed in the middle of the run).
    pub fn insert_packets<'r, I>(&mut self, rows: I) -> Result<()>
    where
        I: IntoIterator<Item = PacketRow<'r>>,
    {
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            self.begin_if_needed()?;
            let room = self.policy.max_rows.saturating_sub(self.pending).max(1);
            let mut n = 0;
            let conn = self.conn()?;
            let mut run = |n: &mut usize| -> rusqlite::Result<()> {
                let mut stmt = conn.prepare_cached(insert::PACKET)?;
                while *n < room {
                    let Some(row) = rows.next() else {
                        break;
                    };
                    bind_packet(&mut stmt, &row)?;
                    stmt.raw_execute()?;
                    *n += 1;
                }
                Ok(())
            };
            if let Err(e) = run(&mut n) {
                let e = sqlite_error(conn, &self.path, "inserting into packets".into(), e);
                return Err(self.fail(e));
            }
            self.pending += n;
            self.stats.rows_inserted += n as u64;
            if self.pending >= self.policy.max_rows {
                self.commit()?;
            } else {
                self.tick()?;
            }
        }
        Ok(())
    }

    /// Inserts a data row.
    pub fn insert_data(&mut self, row: &DataRow<'_>) -> Result<()> {
        self.insert("data", insert::DATA, |s| {
            let mut mb = [0u8; MacAddr::MAX_TEXT_LEN];
            let mut ub = [0u8; Uuid::TEXT_LEN];
            s.raw_bind_parameter(1, row.ts.sec)?;
            s.raw_bind_parameter(2, row.ts.usec)?;
            s.raw_bind_parameter(3, &*row.phyname)?;
            s.raw_bind_parameter(4, row.devmac.write_text(&mut mb))?;
            s.raw_bind_parameter(5, row.gps.lat)?;
            s.raw_bind_parameter(6, row.gps.lon)?;
            s.raw_bind_parameter(7, row.gps.alt)?;
            s.raw_bind_parameter(8, row.gps.speed)?;
            s.raw_bind_parameter(9, row.gps.heading)?;
            s.raw_bind_parameter(10, row.datasource.write_text(&mut ub))?;
            s.raw_bind_parameter(11, &*row.data_type)?;
            s.raw_bind_parameter(12, TextBytes(&row.json))
        })
    }

    /// Inserts (upserts, by UUID) a datasource row.
    pub fn insert_datasource(&mut self, row: &DatasourceRow<'_>) -> Result<()> {
        self.insert("datasources", insert::DATASOURCE, |s| {
            let mut ub = [0u8; Uuid::TEXT_LEN];
            s.raw_bind_parameter(1, row.uuid.write_text(&mut ub))?;
            s.raw_bind_parameter(2, &*row.typestring)?;
            s.raw_bind_parameter(3, &*row.definition)?;
            s.raw_bind_parameter(4, &*row.name)?;
            s.raw_bind_parameter(5, &*row.interface)?;
            s.raw_bind_parameter(6, Blob(&row.json))
        })
    }

    /// Inserts an alert row.
    pub fn insert_alert(&mut self, row: &AlertRow<'_>) -> Result<()> {
        self.insert("alerts", insert::ALERT, |s| {
            let mut mb = [0u8; MacAddr::MAX_TEXT_LEN];
            s.raw_bind_parameter(1, row.ts.sec)?;
            s.raw_bind_parameter(2, row.ts.usec)?;
            s.raw_bind_parameter(3, &*row.phyname)?;
            s.raw_bind_parameter(4, row.devmac.write_text(&mut mb))?;
            s.raw_bind_parameter(5, row.lat)?;
            s.raw_bind_parameter(6, row.lon)?;
            s.raw_bind_parameter(7, &*row.header)?;
            s.raw_bind_parameter(8, Blob(&row.json))
        })
    }

    /// Inserts a message row.
    pub fn insert_message(&mut self, row: &MessageRow<'_>) -> Result<()> {
        self.insert("messages", insert::MESSAGE, |s| {
            s.raw_bind_parameter(1, row.ts_sec)?;
            s.raw_bind_parameter(2, row.lat)?;
            s.raw_bind_parameter(3, row.lon)?;
            s.raw_bind_parameter(4, &*row.msgtype)?;
            s.raw_bind_parameter(5, &*row.message)
        })
    }

    /// Inserts a snapshot row.
    pub fn insert_snapshot(&mut self, row: &SnapshotRow<'_>) -> Result<()> {
        self.insert("snapshots", insert::SNAPSHOT, |s| {
            s.raw_bind_parameter(1, row.ts.sec)?;
            s.raw_bind_parameter(2, row.ts.usec)?;
            s.raw_bind_parameter(3, row.lat)?;
            s.raw_bind_parameter(4, row.lon)?;
            s.raw_bind_parameter(5, &*row.snaptype)?;
            s.raw_bind_parameter(6, TextBytes(&row.json))
        })
    }

    fn finish(&mut self) -> Result<()> {
        if self.failed {
            // The failed transaction is rolled back; switching to DELETE mode removes the
            // journal (SQLite keeps it if it is still needed to roll back).
            if let Some(conn) = self.conn.take() {
                let _ = conn.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get::<_, String>(0));
                let _ = conn.close();
            }
            return Err(Error::WriterClosed {
                path: self.path.clone(),
            });
        }
        let commit = self.commit();
        if commit.is_err() {
            // The failed commit was rolled back; close without further writes.
            let _ = self.finish();
            return commit;
        }
        if let Some(conn) = self.conn.take() {
            let path = self.path.clone();
            // DELETE mode removes the -journal file: the log is one self-contained file.
            let mode = conn.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get::<_, String>(0));
            if let Err(e) = mode {
                let e = sqlite_error(&conn, &path, "switching to journal_mode=DELETE".into(), e);
                let _ = conn.close();
                return Err(e);
            }
            conn.close()
                .map_err(|(c, e)| sqlite_error(&c, &path, "closing the log".into(), e))?;
        }
        Ok(())
    }

    /// Commits, removes the journal and closes the file.
    pub fn close(mut self) -> Result<WriterStats> {
        self.finish()?;
        Ok(self.stats)
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{OpenOptions, Reader, Table};
    use std::borrow::Cow;

    fn message(i: i64, len: usize) -> MessageRow<'static> {
        MessageRow {
            ts_sec: i,
            lat: 0.0,
            lon: 0.0,
            msgtype: Cow::Borrowed("INFO"),
            message: Cow::Owned("x".repeat(len)),
        }
    }

    fn options(max_rows: usize) -> WriterOptions {
        WriterOptions {
            commit: CommitPolicy {
                max_interval: Duration::from_secs(3600),
                max_rows,
            },
            ..WriterOptions::default()
        }
    }

    #[test]
    fn the_log_appears_with_its_schema_and_no_staging_file_remains() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.kismet");
        // A staging file left by a killed process that had the same id is replaced.
        std::fs::write(staging_path(&path), b"stale").unwrap();
        let w = Writer::create(&path, WriterOptions::default()).unwrap();
        let names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| !n.ends_with("-journal"))
            .collect();
        assert_eq!(names, vec!["a.kismet"]);
        // Before any row, a reader already sees a complete kismetdb.
        let r = Reader::open(&path).unwrap();
        assert_eq!(r.version(), WRITE_VERSION);
        assert_eq!(r.count(Table::Packets).unwrap(), 0);
        drop(r);
        w.close().unwrap();
    }

    #[test]
    fn a_name_taken_while_the_schema_is_built_is_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.kismet");
        let staging = staging_path(&path);
        create_schema(&staging, &path, &WriterOptions::default()).unwrap();
        std::fs::write(&path, b"precious").unwrap();
        let e = publish(&staging, &path).unwrap_err();
        assert!(matches!(e, Error::Exists { .. }), "{e}");
        assert_eq!(std::fs::read(&path).unwrap(), b"precious");
    }

    #[test]
    fn errors_that_mean_no_room_are_recognised() {
        use std::io::Error as E;
        let efbig = E::from_raw_os_error(27);
        assert_eq!(efbig.kind(), std::io::ErrorKind::FileTooLarge);
        assert!(
            no_room(27).unwrap().contains("too large"),
            "{:?}",
            no_room(27)
        );
        assert_eq!(
            E::from_raw_os_error(28).kind(),
            std::io::ErrorKind::StorageFull
        );
        assert!(no_room(28).is_some());
        #[cfg(target_os = "linux")]
        assert!(no_room(122).is_some()); // EDQUOT
        assert_eq!(no_room(5), None); // EIO: an I/O error, not a full disk
        assert_eq!(no_room(0), None);
    }

    #[test]
    fn a_full_database_rolls_back_to_the_last_commit_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.kismet");
        let mut w = Writer::create(&path, options(10)).unwrap();
        for i in 0..10 {
            w.insert_message(&message(i, 100)).unwrap();
        }
        assert_eq!(w.stats().rows_committed, 10);
        // SQLite's page limit stands in for the disk: growing past it fails with SQLITE_FULL.
        let pages: i64 = w
            .conn
            .as_ref()
            .unwrap()
            .query_row("PRAGMA page_count", [], |r| r.get(0))
            .unwrap();
        w.conn
            .as_ref()
            .unwrap()
            .query_row(&format!("PRAGMA max_page_count={}", pages + 2), [], |r| {
                r.get::<_, i64>(0)
            })
            .unwrap();
        let mut failed = None;
        for i in 10..1000 {
            // Rows of half a page: the next commit needs more than the two pages allowed.
            if let Err(e) = w.insert_message(&message(i, PAGE_SIZE as usize / 2)) {
                failed = Some(e);
                break;
            }
        }
        let e = failed.expect("the page limit is hit");
        assert!(matches!(e, Error::DiskFull { .. }), "{e}");
        let text = e.to_string();
        assert!(text.contains("a.kismet"), "{text}");
        assert!(
            text.contains("disk full or file size limit reached"),
            "{text}"
        );
        // The writer takes no more rows, and says why.
        let again = w.insert_message(&message(0, 10)).unwrap_err();
        assert!(matches!(again, Error::WriterClosed { .. }), "{again}");
        assert!(w.close().is_err());
        // The file is back at the last commit, with no journal left to roll back.
        assert!(!dir.path().join("a.kismet-journal").exists());
        let r = Reader::open_with(&path, OpenOptions::default()).unwrap();
        assert_eq!(r.integrity_check().unwrap(), vec!["ok"]);
        assert_eq!(r.count(Table::Messages).unwrap(), 10);
    }
}
