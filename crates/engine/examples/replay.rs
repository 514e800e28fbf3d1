//! The packet path alone, for profiling: replays capture files through the engine (dissect,
//! track, detect) with no log and no report, and prints packets/s.
//!
//! ```text
//! cargo run --release -p osprey-engine --example replay -- CAPTURE...
//! ```
//!
//! `osprey bench run` measures the whole command; this isolates the engine, so that an
//! instruction-counting profiler (callgrind) sees only the hot path.

use std::path::Path;
use std::time::Instant;

use osprey_capture::Flow;
use osprey_engine::{Engine, EngineOptions};

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: replay CAPTURE...");
        std::process::exit(2);
    }
    let mut engine = match Engine::new(EngineOptions::default()) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("replay: {e}");
            std::process::exit(1);
        }
    };
    let start = Instant::now();
    let mut packets = 0u64;
    let mut alerts = 0usize;
    for f in &files {
        let path = Path::new(f);
        engine.begin_source(path, "pcapfile");
        let r = osprey_capture::for_each_frame(path, &mut |frame| {
            packets += 1;
            match engine.process(frame) {
                Ok(p) => {
                    alerts += p.alerts.len();
                    Flow::Continue
                }
                Err(_) => Flow::Stop,
            }
        });
        if let Err(e) = engine.end_source(path, r.as_ref().err()) {
            eprintln!("replay: {e}");
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{packets} packets, {alerts} alerts, {secs:.3} s, {:.0} packets/s",
        packets as f64 / secs.max(1e-9)
    );
}
