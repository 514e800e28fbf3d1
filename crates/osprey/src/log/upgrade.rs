//! `osprey log upgrade`: copy any kismetdb into a new db_version 9 log.
//!
//! Rows stream from the reader to the writer one at a time (borrowed, not copied), so memory
//! stays flat whatever the size of the input.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kismetdb::{CommitPolicy, OpenOptions, Reader, Writer, WriterOptions};

/// Arguments of `osprey log upgrade`.
pub struct Args {
    /// Input log.
    pub input: PathBuf,
    /// Output log.
    pub output: PathBuf,
    /// Commit interval.
    pub commit_interval_ms: u64,
    /// Rows per commit, at most.
    pub commit_rows: usize,
    /// Report each commit on stderr.
    pub progress: bool,
    /// Roll back a hot journal in the input.
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
    let mut w = Writer::create(&partial, options).map_err(|e| e.to_string())?;
    let mut p = Progress {
        enabled: args.progress,
        last_commits: 0,
    };
    let result = copy_all(&reader, &mut w, &mut p);
    match result {
        Ok(()) => {
            let stats = w.close().map_err(|e| e.to_string())?;
            std::fs::rename(&partial, &args.output)
                .map_err(|e| format!("{}: cannot rename: {e}", partial.display()))?;
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
            let _ = std::fs::remove_file(&partial);
            Err(e.to_string())
        }
    }
}

fn copy_all(r: &Reader, w: &mut Writer, p: &mut Progress) -> kismetdb::Result<()> {
    use kismetdb::Table;
    // Tables missing from a damaged or very old file are skipped, not invented.
    let has = |t: Table| r.columns(t).is_some();
    if has(Table::Devices) {
        r.devices()?.for_each(|row| -> kismetdb::Result<()> {
            w.insert_device(&row)?;
            p.report(w);
            Ok(())
        })?;
    }
    if has(Table::Packets) {
        r.packets()?.for_each(|row| -> kismetdb::Result<()> {
            w.insert_packet(&row)?;
            p.report(w);
            Ok(())
        })?;
    }
    if has(Table::Data) {
        r.data()?.for_each(|row| -> kismetdb::Result<()> {
            w.insert_data(&row)?;
            p.report(w);
            Ok(())
        })?;
    }
    if has(Table::Datasources) {
        r.datasources()?.for_each(|row| -> kismetdb::Result<()> {
            w.insert_datasource(&row)?;
            p.report(w);
            Ok(())
        })?;
    }
    if has(Table::Alerts) {
        r.alerts()?.for_each(|row| -> kismetdb::Result<()> {
            w.insert_alert(&row)?;
            p.report(w);
            Ok(())
        })?;
    }
    if has(Table::Messages) {
        r.messages()?.for_each(|row| -> kismetdb::Result<()> {
            w.insert_message(&row)?;
            p.report(w);
            Ok(())
        })?;
    }
    if has(Table::Snapshots) {
        r.snapshots()?.for_each(|row| -> kismetdb::Result<()> {
            w.insert_snapshot(&row)?;
            p.report(w);
            Ok(())
        })?;
    }
    Ok(())
}
