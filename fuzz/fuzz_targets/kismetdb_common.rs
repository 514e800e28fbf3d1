//! Shared by the targets that read a kismetdb log from a file (`kismetdb_reader`,
//! `kismetdb_pages`): the input written where SQLite can open it.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `data` to `input.kismet` in a directory of this process named after `target`, on
/// tmpfs (`/dev/shm` when it exists), removing a journal an earlier input left beside it.
/// `None` when the file cannot be written.
pub fn write_log(target: &str, data: &[u8]) -> Option<PathBuf> {
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let dir = base.join(format!("{target}-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("input.kismet");
    let _ = std::fs::remove_file(dir.join("input.kismet-journal"));
    let mut f = std::fs::File::create(&path).ok()?;
    f.write_all(data).ok()?;
    Some(path)
}
