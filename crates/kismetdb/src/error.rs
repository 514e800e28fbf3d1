//! Errors. Every variant names the file, and where it applies the table, row and column.

use std::path::PathBuf;

/// Result alias for this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong reading or writing a kismetdb.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The path does not exist.
    #[error("{}: no such file", path.display())]
    NotFound {
        /// The file.
        path: PathBuf,
    },
    /// The path exists but is not a regular file (a directory, a device, ...).
    #[error("{}: not a regular file", path.display())]
    NotAFile {
        /// The file.
        path: PathBuf,
    },
    /// An I/O error outside SQLite.
    #[error("{}: {context}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What was being done.
        context: &'static str,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The file is not an SQLite database at all.
    #[error("{}: not a kismetdb log: {detail}", path.display())]
    NotADatabase {
        /// The file.
        path: PathBuf,
        /// Why we think so.
        detail: String,
    },
    /// The file is an SQLite database, but not a kismetdb (no or empty `KISMET` table, version 0).
    #[error("{}: not a kismetdb log: {detail}", path.display())]
    NotKismetdb {
        /// The file.
        path: PathBuf,
        /// Why we think so.
        detail: String,
    },
    /// A kismetdb of a version this crate does not know.
    #[error(
        "{}: unsupported kismetdb version {version} (this reader knows versions {min} to {max})",
        path.display()
    )]
    UnsupportedVersion {
        /// The file.
        path: PathBuf,
        /// The `KISMET.db_version` found.
        version: i64,
        /// Oldest supported version.
        min: u32,
        /// Newest supported version.
        max: u32,
    },
    /// The database is damaged: truncated, or pages overwritten.
    #[error("{}: the file is damaged (truncated or corrupt) while {context}: {detail}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What was being done.
        context: String,
        /// SQLite's message.
        detail: String,
    },
    /// A writer was interrupted and left a hot journal that a read-only open cannot roll back.
    #[error(
        "{}: the log was not closed cleanly (hot journal {}-journal); open it with recovery \
         (for example `osprey log info --recover`) to roll back the unfinished transaction",
        path.display(),
        path.display()
    )]
    HotJournal {
        /// The file.
        path: PathBuf,
    },
    /// A table the operation needs is missing, or lacks a required column.
    #[error("{}: table {table}: {detail}", path.display())]
    Schema {
        /// The file.
        path: PathBuf,
        /// The table.
        table: &'static str,
        /// What is missing.
        detail: String,
    },
    /// A value in a row could not be decoded into its typed field.
    #[error("{}: table {table}, rowid {rowid}, column {column}: {detail}", path.display())]
    Row {
        /// The file.
        path: PathBuf,
        /// The table.
        table: &'static str,
        /// SQLite rowid of the row.
        rowid: i64,
        /// The column.
        column: &'static str,
        /// What is wrong with the value.
        detail: String,
    },
    /// The output file of a writer already exists.
    #[error("{}: already exists; a kismetdb log is always written to a new file", path.display())]
    Exists {
        /// The file.
        path: PathBuf,
    },
    /// The disk, a file-size limit or a quota is full. A [`crate::Writer`] that hits it rolls
    /// back the open transaction: the file keeps what was committed before.
    #[error(
        "{}: disk full or file size limit reached while {context} ({cause})",
        path.display()
    )]
    DiskFull {
        /// The file.
        path: PathBuf,
        /// What was being done.
        context: String,
        /// The reason as the operating system gave it (`No space left on device`, `File too
        /// large`), or `SQLITE_FULL`.
        cause: String,
    },
    /// Any other SQLite error.
    #[error("{}: {context}: {source}", path.display())]
    Sqlite {
        /// The file.
        path: PathBuf,
        /// What was being done.
        context: String,
        /// The underlying error.
        source: rusqlite::Error,
    },
    /// The writer was used after a failed commit left it unusable.
    #[error("{}: the writer is closed after an earlier error", path.display())]
    WriterClosed {
        /// The file.
        path: PathBuf,
    },
}

impl Error {
    /// Classifies an SQLite error into the variants above.
    pub(crate) fn sqlite(
        path: &std::path::Path,
        context: impl Into<String>,
        e: rusqlite::Error,
    ) -> Error {
        use rusqlite::ffi::ErrorCode;
        let path = path.to_path_buf();
        let context = context.into();
        if let rusqlite::Error::SqliteFailure(f, ref msg) = e {
            let detail = msg.clone().unwrap_or_else(|| f.to_string());
            match f.code {
                ErrorCode::NotADatabase => {
                    return Error::NotADatabase {
                        path,
                        detail: format!("{detail} (while {context})"),
                    }
                }
                ErrorCode::DatabaseCorrupt => {
                    return Error::Corrupt {
                        path,
                        context,
                        detail,
                    }
                }
                ErrorCode::DiskFull => {
                    return Error::DiskFull {
                        path,
                        context,
                        cause: "SQLITE_FULL".into(),
                    }
                }
                ErrorCode::ReadOnly
                    if f.extended_code == rusqlite::ffi::SQLITE_READONLY_ROLLBACK =>
                {
                    return Error::HotJournal { path }
                }
                _ => {}
            }
        }
        Error::Sqlite {
            path,
            context,
            source: e,
        }
    }
}
