//! Bounded resources under a flood of new MAC addresses (issue 9.5): `osprey analyze` with a
//! device limit keeps its memory bounded while every frame brings a new client, the tracker
//! never holds more devices than the limit, every device (evicted ones too) is in the log's
//! devices table, and the evictions are counted and reported in the log's messages.
//!
//! The capture is `osprey bench gen --mac-flood`: 20 access points beaconing in one frame of
//! 50, and a new client address in every other frame. The test uses 100 000 frames (98 000
//! clients) so that a debug build runs it in well under a minute; the same flood of 1 000 000
//! frames was measured by hand in release (`docs/kismet-device-model.md` §11.2).

mod common;

use std::path::Path;

use common::{osprey, run, run_measured};

/// Frames in the flood.
const FRAMES: u64 = 100_000;
/// Access points beaconing in it.
const APS: u64 = 20;
/// One frame in this many is a beacon (`osprey bench gen`'s `FLOOD_BEACON_EVERY`).
const BEACON_EVERY: u64 = 50;
/// The device limit of the run.
const LIMIT: u64 = 10_000;
/// Peak RSS allowed with the limit. Measured in a debug build (100 000 frames, no packets
/// logged): about 55 MiB with `tracker_max_devices=10000`, about 130 MiB without a limit (98 020
/// devices, some 800 bytes each). The bound lies between, with a margin on both sides.
const PEAK_RSS_KIB: i64 = 90 * 1024;

/// Every message of a log: (time, type, text).
fn messages(log: &Path) -> Vec<(i64, String, String)> {
    let r = kismetdb::Reader::open(log).unwrap();
    let mut out = Vec::new();
    r.messages()
        .unwrap()
        .for_each(|m| -> kismetdb::Result<()> {
            out.push((m.ts_sec, m.msgtype.to_string(), m.message.to_string()));
            Ok(())
        })
        .unwrap();
    out
}

/// The number before "least recently seen" in an eviction message.
fn evicted_in(text: &str) -> u64 {
    let w: Vec<&str> = text.split_whitespace().collect();
    let at = w.iter().position(|x| *x == "least").unwrap();
    w[at - 1].parse().unwrap()
}

/// Replays the capture through an engine (no log) with the limit, checking the tracker after
/// every frame; returns (devices tracked at the end, created, evicted).
fn replay_in_process(capture: &Path) -> (u64, u64, u64) {
    let options =
        osprey_config::Options::parse("test", &format!("tracker_max_devices={LIMIT}\n")).unwrap();
    let mut engine = osprey_engine::Engine::new(osprey_engine::EngineOptions {
        options,
        ..Default::default()
    })
    .unwrap();
    engine.begin_source(capture, "pcapfile");
    let mut most = 0;
    let mut frames = 0u64;
    osprey_capture::for_each_frame(capture, &mut |frame| {
        engine.process(frame).unwrap();
        most = most.max(engine.tracker().devices().len() as u64);
        frames += 1;
        osprey_capture::Flow::Continue
    })
    .unwrap();
    assert_eq!(frames, FRAMES);
    assert!(most <= LIMIT, "{most} devices tracked at once");
    // The limit was reached: close to it at the end, not far below.
    assert!(most > LIMIT * 8 / 10, "{most}");
    let c = engine.device_counts();
    assert_eq!(c.limit, LIMIT);
    assert_eq!(c.evicted_idle, 0);
    (c.tracked, c.created, c.evicted_limit)
}

#[test]
fn a_flood_of_new_addresses_stays_within_the_device_limit() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("flood.pcap");
    let out = run(&[
        "bench",
        "gen",
        "--mac-flood",
        "--frames",
        &FRAMES.to_string(),
        "--aps",
        &APS.to_string(),
        "-o",
        capture.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let clients = FRAMES - FRAMES.div_ceil(BEACON_EVERY);
    let devices = clients + APS;

    let config = dir.path().join("limit.conf");
    std::fs::write(&config, format!("tracker_max_devices={LIMIT}\n")).unwrap();
    let log = dir.path().join("flood.kismet");
    let report = dir.path().join("report.json");
    let (status, peak_kib) = run_measured(
        osprey()
            .args([
                "analyze",
                "--no-progress",
                "--no-packets",
                "--json",
                "--config",
            ])
            .arg(&config)
            .arg("-o")
            .arg(&log)
            .arg(&capture)
            .stdout(std::fs::File::create(&report).unwrap()),
    );
    assert!(status.success());
    eprintln!(
        "{FRAMES} frames, {devices} devices, limit {LIMIT}: peak RSS {} MiB",
        peak_kib / 1024
    );
    assert!(
        peak_kib < PEAK_RSS_KIB,
        "peak RSS {peak_kib} KiB with a limit of {LIMIT} devices"
    );

    // What was tracked at the end: the report's devices per type.
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let remaining: u64 = report["devices"]
        .as_object()
        .unwrap()
        .values()
        .map(|n| n.as_u64().unwrap())
        .sum();
    assert!(remaining <= LIMIT, "{report}");
    assert_eq!(report["devices"]["Wi-Fi AP"], APS, "the beaconing APs stay");

    // Every device is in the log, evicted ones too.
    let r = kismetdb::Reader::open(&log).unwrap();
    assert_eq!(r.count(kismetdb::Table::Devices).unwrap(), devices);
    let evicted = devices - remaining;

    // Reported: the limit at the start (INFO), once when first reached (ERROR), then
    // summaries (INFO) at most every 10 s of capture time, the last one with the total.
    let msgs = messages(&log);
    assert!(msgs.iter().any(|(_, t, m)| t == "INFO"
        && m.starts_with(&format!("Limiting the device tracker to {LIMIT} devices"))));
    let full: Vec<_> = msgs
        .iter()
        .filter(|(_, _, m)| m.starts_with("Device tracker full"))
        .collect();
    assert_eq!(full.len(), 1, "{full:?}");
    assert_eq!(full[0].1, "ERROR");
    let summaries: Vec<_> = msgs
        .iter()
        .filter(|(_, _, m)| m.starts_with("Evicted "))
        .collect();
    assert!(summaries.len() >= 2, "{summaries:?}");
    assert!(summaries.iter().all(|(_, t, _)| t == "INFO"));
    for w in summaries.windows(2).take(summaries.len() - 2) {
        assert!(w[1].0 - w[0].0 >= 10, "{w:?}");
    }
    let last = &summaries.last().unwrap().2;
    assert!(
        last.ends_with(&format!("total evicted {evicted}")),
        "{last}"
    );
    let reported: u64 = full
        .iter()
        .chain(summaries.iter())
        .map(|(_, _, m)| evicted_in(m))
        .sum();
    assert_eq!(reported, evicted);

    // In process, frame by frame: never more than the limit; evicted = created - remaining.
    let (tracked, created, evicted_in_process) = replay_in_process(&capture);
    assert_eq!(created, devices);
    assert_eq!(tracked, remaining);
    assert_eq!(evicted_in_process, created - tracked);
    assert_eq!(evicted_in_process, evicted);
}
