//! Arbitrary bytes as a kismetdb file: opening and reading every table must return rows or an
//! error, never panic or crash.
#![no_main]

use std::io::Write;

use kismetdb::{Reader, Table};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("osprey-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join("input.kismet");
    let _ = std::fs::remove_file(dir.join("input.kismet-journal"));
    {
        let Ok(mut f) = std::fs::File::create(&path) else { return };
        if f.write_all(data).is_err() {
            return;
        }
    }
    let Ok(r) = Reader::open(&path) else { return };
    for t in Table::ALL {
        let _ = r.count(t);
        let _ = r.time_range(t);
    }
    if let Ok(mut q) = r.devices() {
        q.rows().take(1000).for_each(drop);
    }
    if let Ok(mut q) = r.packets() {
        q.rows().take(1000).for_each(drop);
    }
    if let Ok(mut q) = r.data() {
        q.rows().take(1000).for_each(drop);
    }
    if let Ok(mut q) = r.datasources() {
        q.rows().take(1000).for_each(drop);
    }
    if let Ok(mut q) = r.alerts() {
        q.rows().take(1000).for_each(drop);
    }
    if let Ok(mut q) = r.messages() {
        q.rows().take(1000).for_each(drop);
    }
    if let Ok(mut q) = r.snapshots() {
        q.rows().take(1000).for_each(drop);
    }
    let _ = r.first_snapshot("SYSTEM");
});
