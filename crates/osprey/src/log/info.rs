//! `osprey log info`: what a kismetdb holds, at a glance.

use std::path::PathBuf;

use kismetdb::{OpenOptions, Reader, Table};
use serde::Serialize;

use crate::timefmt::utc;

/// Everything `log info` reports; serialised as-is for `--json`.
#[derive(Serialize, Debug)]
pub struct Info {
    /// The file.
    pub file: String,
    /// `KISMET.db_version`.
    pub db_version: u32,
    /// `KISMET.db_module`.
    pub db_module: String,
    /// `KISMET.kismet_version` as stored.
    pub kismet_version: String,
    /// The program that wrote the log: `Kismet` or `Osprey`.
    pub program: String,
    /// Its version, as precise as the log tells (the SYSTEM snapshot carries Kismet's git hash).
    pub program_version: String,
    /// Details from the first SYSTEM snapshot, when there is one.
    pub system: Option<SystemInfo>,
    /// Earliest and latest time over all tables.
    pub time_span: Option<Span>,
    /// Per-table row counts and spans, in Kismet's table order.
    pub tables: Vec<TableInfo>,
    /// Lines of `PRAGMA integrity_check`, with `--check`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub integrity: Option<Vec<String>>,
}

/// Fields of Kismet's SYSTEM snapshot.
#[derive(Serialize, Debug, Default)]
pub struct SystemInfo {
    /// `kismet.system.version`.
    pub version: Option<String>,
    /// `kismet.system.git`.
    pub git: Option<String>,
    /// `kismet.system.server_name`.
    pub server_name: Option<String>,
    /// `kismet.system.user`.
    pub user: Option<String>,
}

/// A time span in seconds since the epoch, with UTC renderings.
#[derive(Serialize, Debug, Clone)]
pub struct Span {
    /// Earliest time.
    pub first: i64,
    /// Latest time.
    pub last: i64,
    /// Earliest time, UTC text.
    pub first_utc: String,
    /// Latest time, UTC text.
    pub last_utc: String,
}

impl Span {
    fn new(first: i64, last: i64) -> Span {
        Span {
            first,
            last,
            first_utc: utc(first),
            last_utc: utc(last),
        }
    }
}

/// One table's figures.
#[derive(Serialize, Debug)]
pub struct TableInfo {
    /// Table name.
    pub name: &'static str,
    /// False when the file lacks the table.
    pub present: bool,
    /// Row count.
    pub rows: u64,
    /// Time span of the rows (devices: first_time to last_time).
    pub span: Option<Span>,
}

/// Gathers [`Info`] from an open reader.
pub fn gather(reader: &Reader, check: bool) -> kismetdb::Result<Info> {
    let meta = reader.meta();
    let mut tables = Vec::new();
    let mut overall: Option<(i64, i64)> = None;
    for t in Table::ALL {
        if reader.columns(t).is_none() {
            tables.push(TableInfo {
                name: t.name(),
                present: false,
                rows: 0,
                span: None,
            });
            continue;
        }
        let rows = reader.count(t)?;
        let range = reader.time_range(t)?;
        if let Some((a, b)) = range {
            overall = Some(match overall {
                None => (a, b),
                Some((x, y)) => (x.min(a), y.max(b)),
            });
        }
        tables.push(TableInfo {
            name: t.name(),
            present: true,
            rows,
            span: range.map(|(a, b)| Span::new(a, b)),
        });
    }
    let system = if reader.columns(Table::Snapshots).is_some() {
        reader
            .first_snapshot("SYSTEM")?
            .and_then(|s| system_info(&s.json))
    } else {
        None
    };
    let (program, mut program_version) = match meta.kismet_version.strip_prefix("osprey ") {
        Some(v) => ("Osprey".to_string(), v.to_string()),
        None => ("Kismet".to_string(), meta.kismet_version.clone()),
    };
    if let Some(v) = system.as_ref().and_then(|s| s.version.clone()) {
        if program == "Kismet" && v.starts_with(&program_version) {
            program_version = v;
        }
    }
    let integrity = if check {
        Some(reader.integrity_check()?)
    } else {
        None
    };
    Ok(Info {
        file: reader.path().display().to_string(),
        db_version: meta.db_version,
        db_module: meta.db_module.clone(),
        kismet_version: meta.kismet_version.clone(),
        program,
        program_version,
        system,
        time_span: overall.map(|(a, b)| Span::new(a, b)),
        tables,
        integrity,
    })
}

fn system_info(json: &[u8]) -> Option<SystemInfo> {
    let v: serde_json::Value = serde_json::from_slice(json).ok()?;
    let get = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
    Some(SystemInfo {
        version: get("kismet.system.version"),
        git: get("kismet.system.git"),
        server_name: get("kismet.system.server_name"),
        user: get("kismet.system.user"),
    })
}

/// Renders [`Info`] as text.
pub fn render_text(info: &Info) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "file:         {}", info.file);
    let _ = writeln!(s, "db_version:   {} ({})", info.db_version, info.db_module);
    let _ = writeln!(s, "written by:   {} {}", info.program, info.program_version);
    if let Some(sys) = &info.system {
        let mut parts = Vec::new();
        if let Some(n) = sys.server_name.as_deref().filter(|n| !n.is_empty()) {
            parts.push(format!("server {n:?}"));
        }
        if let Some(u) = sys.user.as_deref().filter(|n| !n.is_empty()) {
            parts.push(format!("user {u}"));
        }
        if !parts.is_empty() {
            let _ = writeln!(s, "system:       {}", parts.join(", "));
        }
    }
    match &info.time_span {
        Some(sp) => {
            let _ = writeln!(
                s,
                "time span:    {} .. {} UTC ({} s)",
                sp.first_utc,
                sp.last_utc,
                sp.last.saturating_sub(sp.first)
            );
        }
        None => {
            let _ = writeln!(s, "time span:    (no timed rows)");
        }
    }
    let _ = writeln!(s, "tables:");
    for t in &info.tables {
        if !t.present {
            let _ = writeln!(s, "  {:<12} (missing)", t.name);
            continue;
        }
        match &t.span {
            Some(sp) => {
                let _ = writeln!(
                    s,
                    "  {:<12} {:>10}   {} .. {}",
                    t.name, t.rows, sp.first_utc, sp.last_utc
                );
            }
            None => {
                let _ = writeln!(s, "  {:<12} {:>10}", t.name, t.rows);
            }
        }
    }
    if let Some(lines) = &info.integrity {
        let _ = writeln!(s, "integrity:    {}", lines.join("; "));
    }
    s
}

/// Show a log's db version, the program that wrote it, its time span and row counts.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The kismetdb file.
    pub file: PathBuf,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Roll back the unfinished transaction of a log whose writer was killed (this modifies
    /// the file; without it such a log is refused).
    #[arg(long)]
    pub recover: bool,
    /// Also run SQLite's integrity check over the whole file.
    #[arg(long)]
    pub check: bool,
}

/// Runs `osprey log info`.
pub fn run(args: &Args) -> Result<(), String> {
    let file = args.file.as_path();
    let reader = Reader::open_with(
        file,
        OpenOptions {
            recover: args.recover,
        },
    )
    .map_err(|e| e.to_string())?;
    let info = gather(&reader, args.check).map_err(|e| e.to_string())?;
    let text = if args.json {
        let mut t = serde_json::to_string_pretty(&info).map_err(|e| e.to_string())?;
        t.push('\n');
        t
    } else {
        render_text(&info)
    };
    crate::output::write_stdout(&text)?;
    if let Some(lines) = &info.integrity {
        if lines.len() != 1 || lines[0] != "ok" {
            return Err(format!("{}: integrity check failed", file.display()));
        }
    }
    Ok(())
}
