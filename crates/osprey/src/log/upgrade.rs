//! `osprey log upgrade`: copy any kismetdb into a new db_version 9 log.
//!
//! Rows stream from the reader to the writer one at a time (borrowed, not copied), so memory
//! stays flat whatever the size of the input.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kismetdb::{CommitPolicy, OpenOptions, Query, Reader, TableKind, Writer, WriterOptions};

/// Copy a log of any db version (1 to 10) into a new db_version 9 log.
///
/// GPS columns of version 4 and older logs are converted from integers × 100 000 to degrees;
/// columns an old version lacks are written as Kismet's zero values. The output is written to
/// OUTPUT.partial and renamed to OUTPUT when complete; on any error (a full disk included) the
/// partial file is removed.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The kismetdb to read.
    pub input: PathBuf,
    /// The new log to write (must not exist).
    pub output: PathBuf,
    /// Commit at least this often, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub commit_interval_ms: u64,
    /// Commit at least every this many rows.
    #[arg(long, default_value_t = 100_000)]
    pub commit_rows: usize,
    /// Print a line on stderr after each commit.
    #[arg(long)]
    pub progress: bool,
    /// Roll back a hot journal left in INPUT by a killed writer (modifies INPUT).
    #[arg(long)]
    pub recover: bool,
}

/// The name the output has while it is being written.
pub fn partial_path(output: &Path) -> PathBuf {
    let mut s = output.as_os_str().to_owned();
    s.push(".partial");
    PathBuf::from(s)
}

struct Progress {
    enabled: bool,
    last_commits: u64,
}

impl Progress {
    fn report(&mut self, w: &Writer) {
        let st = w.stats();
        if self.enabled && st.commits != self.last_commits {
            self.last_commits = st.commits;
            crate::output::note(&format!("committed {} rows", st.rows_committed));
        }
    }
}

/// Runs the copy.
pub fn run(args: &Args) -> Result<(), String> {
    if args.output.exists() {
        return Err(format!("{}: already exists", args.output.display()));
    }
    let reader = Reader::open_with(
        &args.input,
        OpenOptions {
            recover: args.recover,
        },
    )
    .map_err(|e| e.to_string())?;
    let partial = partial_path(&args.output);
    let options = WriterOptions {
        commit: CommitPolicy {
            max_interval: Duration::from_millis(args.commit_interval_ms),
            max_rows: args.commit_rows.max(1),
        },
        ..WriterOptions::default()
    };
    let out_err = |e| output_error(e, &partial, &args.output);
    let mut w = Writer::create(&partial, options).map_err(out_err)?;
    let mut p = Progress {
        enabled: args.progress,
        last_commits: 0,
    };
    let result = copy_all(&reader, &mut w, &mut p);
    match result {
        Ok(()) => {
            // A copy that fits in one transaction meets a full disk only here, at the commit.
            let stats = w.close().map_err(|e| {
                remove_partial(&partial);
                out_err(e)
            })?;
            std::fs::rename(&partial, &args.output).map_err(|e| {
                remove_partial(&partial);
                format!(
                    "{}: cannot rename {} to it: {e}; nothing was written",
                    args.output.display(),
                    partial.display()
                )
            })?;
            if args.progress {
                crate::output::note(&format!("committed {} rows", stats.rows_committed));
            }
            crate::output::note(&format!(
                "{}: {} rows copied from db_version {} into db_version {}",
                args.output.display(),
                stats.rows_committed,
                reader.version(),
                kismetdb::WRITE_VERSION
            ));
            Ok(())
        }
        Err(e) => {
            drop(w);
            remove_partial(&partial);
            Err(out_err(e))
        }
    }
}

/// Removes the partial output and its journal, if any (best effort: the error being reported
/// matters more).
fn remove_partial(partial: &Path) {
    let mut journal = partial.as_os_str().to_owned();
    journal.push("-journal");
    let _ = std::fs::remove_file(PathBuf::from(journal));
    let _ = std::fs::remove_file(partial);
}

/// The message of an error. A full disk or file-size limit met while writing `partial` is
/// reported against `output`, the file the user asked for (nothing is left under either
/// name); other errors name the file they concern, as they are.
fn output_error(e: kismetdb::Error, partial: &Path, output: &Path) -> String {
    match e {
        kismetdb::Error::DiskFull {
            path,
            context,
            cause,
        } if path == partial => format!(
            "{}; nothing was written",
            kismetdb::Error::DiskFull {
                path: output.to_path_buf(),
                context,
                cause,
            }
        ),
        e => e.to_string(),
    }
}

fn copy_all(r: &Reader, w: &mut Writer, p: &mut Progress) -> kismetdb::Result<()> {
    use kismetdb::Table;
    // Tables missing from a damaged or very old file are skipped, not invented.
    let has = |t: Table| r.columns(t).is_some();
    if has(Table::Devices) {
        copy(r.devices()?, w, p, Writer::insert_device)?;
    }
    if has(Table::Packets) {
        copy(r.packets()?, w, p, Writer::insert_packet)?;
    }
    if has(Table::Data) {
        copy(r.data()?, w, p, Writer::insert_data)?;
    }
    if has(Table::Datasources) {
        copy(r.datasources()?, w, p, Writer::insert_datasource)?;
    }
    if has(Table::Alerts) {
        copy(r.alerts()?, w, p, Writer::insert_alert)?;
    }
    if has(Table::Messages) {
        copy(r.messages()?, w, p, Writer::insert_message)?;
    }
    if has(Table::Snapshots) {
        copy(r.snapshots()?, w, p, Writer::insert_snapshot)?;
    }
    Ok(())
}

/// Streams one table's rows into the writer.
fn copy<T: TableKind>(
    mut query: Query<'_, T>,
    w: &mut Writer,
    p: &mut Progress,
    insert: impl for<'a> Fn(&mut Writer, &T::Row<'a>) -> kismetdb::Result<()>,
) -> kismetdb::Result<()> {
    query.for_each(|row| -> kismetdb::Result<()> {
        insert(w, &row)?;
        p.report(w);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_reported_against_the_output() {
        let out = Path::new("/data/up.kismet");
        let partial = partial_path(out);
        let e = kismetdb::Error::DiskFull {
            path: partial.clone(),
            context: "committing".into(),
            cause: "File too large (os error 27)".into(),
        };
        assert_eq!(
            output_error(e, &partial, out),
            "/data/up.kismet: disk full or file size limit reached while committing (File too \
             large (os error 27)); nothing was written"
        );
        // Errors of other files (the input) are left as they are.
        let e = kismetdb::Error::NotFound {
            path: "/data/in.kismet".into(),
        };
        assert_eq!(
            output_error(e, &partial, out),
            "/data/in.kismet: no such file"
        );
    }
}
