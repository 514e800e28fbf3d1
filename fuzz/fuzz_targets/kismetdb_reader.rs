//! Arbitrary bytes as a kismetdb file: opening and reading every table (owned rows and
//! borrowed rows), the packets in time order, the integrity check, and the replay as a capture
//! source (`osprey_capture::kismetdb_source`) must return rows or an error, never panic or
//! crash. The file is written to tmpfs (`/dev/shm` when it exists).
//!
//! Random bytes seldom pass SQLite's header checks: `kismetdb_pages` mutates valid logs page by
//! page; this target keeps the whole-file view (and finds what a bad header does).
#![no_main]

mod kismetdb_common;
mod sqlite_asan;

use kismetdb::{Reader, Table};
use libfuzzer_sys::fuzz_target;
use osprey_capture::Flow;

fn borrowed(r: &Reader) {
    let ok = |_| -> kismetdb::Result<()> { Ok(()) };
    if let Ok(mut q) = r.devices() {
        let _ = q.for_each(|d| ok(d.device.len()));
    }
    if let Ok(mut q) = r.packets_by_time() {
        let _ = q.for_each(|p| ok(p.packet.len()));
    }
    if let Ok(mut q) = r.data() {
        let _ = q.for_each(|d| ok(d.json.len()));
    }
    if let Ok(mut q) = r.alerts() {
        let _ = q.for_each(|a| ok(a.json.len()));
    }
    if let Ok(mut q) = r.snapshots() {
        let _ = q.for_each(|s| ok(s.json.len()));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(path) = kismetdb_common::write_log("osprey-fuzz", data) else {
        return;
    };
    let Ok(r) = Reader::open(&path) else { return };
    let _ = (r.meta(), r.version(), r.gps_is_normalized_int(), r.path());
    for t in Table::ALL {
        let _ = r.columns(t);
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
    borrowed(&r);
    let _ = r.integrity_check();
    drop(r);
    // The log replayed as a capture source, as `osprey analyze` reads it.
    if let Ok(mut src) = osprey_capture::kismetdb_source::KismetdbSource::open(&path) {
        let mut frames = 0u64;
        let r = src.for_each_frame(&mut |f| {
            let _ = (f.dlt, f.data.len(), f.gps);
            frames += 1;
            if frames >= 10_000 {
                Flow::Stop
            } else {
                Flow::Continue
            }
        });
        if let Err(e) = r {
            let _ = e.to_string();
        }
    }
});
