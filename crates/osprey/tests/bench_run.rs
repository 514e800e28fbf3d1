//! `osprey bench run` on a small capture: every mode is measured, the packets are what
//! `osprey analyze` counts, the ceiling inserts one row per frame, the temporary logs are
//! removed, and the text report lists the targets. Nothing here asserts a speed.

mod common;

use common::{osprey, repo, run};

fn sample() -> String {
    repo()
        .join("samples/krack_example-tptk-attack.pcapng")
        .display()
        .to_string()
}

fn analyze_packets(capture: &str) -> u64 {
    let out = run(&["analyze", "--no-progress", "--json", "-n", capture]);
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["packets"].as_u64().unwrap()
}

#[test]
fn every_mode_is_measured_with_the_packets_analyze_counts() {
    let capture = sample();
    let want = analyze_packets(&capture);
    assert!(want > 100, "the sample has a few hundred frames");
    let tmp = tempfile::tempdir().unwrap();
    let out = run(&[
        "bench",
        "run",
        "--runs",
        "1",
        "--json",
        "--to-pcap",
        "--tmp-dir",
        tmp.path().to_str().unwrap(),
        &capture,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["runs"], 1);
    let caps = v["captures"].as_array().unwrap();
    assert_eq!(caps.len(), 1);
    let c = &caps[0];
    assert_eq!(c["frames"].as_u64(), Some(want));
    assert_eq!(
        c["bytes"].as_u64(),
        Some(std::fs::metadata(&capture).unwrap().len())
    );

    // The ceiling: one row per frame, at a positive rate.
    let ceiling = &c["ceiling"];
    assert_eq!(ceiling["rows"].as_u64(), Some(want));
    assert!(ceiling["rows_per_sec"].as_f64().unwrap() > 0.0);
    assert!(ceiling["peak_rss_mib"].as_f64().unwrap() > 0.0);

    let modes = c["modes"].as_array().unwrap();
    let names: Vec<&str> = modes.iter().map(|m| m["mode"].as_str().unwrap()).collect();
    assert_eq!(names, ["log", "no-packets", "no-log"]);
    for m in modes {
        let name = m["mode"].as_str().unwrap();
        assert_eq!(m["packets"].as_u64(), Some(want), "{name}");
        assert!(m["seconds"].as_f64().unwrap() > 0.0, "{name}");
        assert_eq!(m["seconds_all"].as_array().unwrap().len(), 1, "{name}");
        assert!(m["packets_per_sec"].as_f64().unwrap() > 0.0, "{name}");
        assert!(m["mb_per_sec"].as_f64().unwrap() > 0.0, "{name}");
        let rss = m["peak_rss_mib"].as_f64().unwrap();
        // The child's own peak: a process of this binary, far from the parent's numbers.
        assert!(rss > 1.0 && rss < 1024.0, "{name}: {rss}");
        if name == "log" {
            let ratio = m["ratio_to_ceiling"].as_f64().unwrap();
            let pps = m["packets_per_sec"].as_f64().unwrap();
            let rows = ceiling["rows_per_sec"].as_f64().unwrap();
            assert!((ratio - pps / rows).abs() < 1e-9 * ratio.max(1.0));
        } else {
            assert!(m["ratio_to_ceiling"].is_null(), "{name}");
        }
    }

    // log to-pcap of the log mode's kismetdb: every packet the log holds.
    let tp = &c["to_pcap"];
    assert_eq!(tp["packets"].as_u64(), Some(want));
    assert!(tp["packets_per_sec"].as_f64().unwrap() > 0.0);
    assert!(tp["peak_rss_mib"].as_f64().unwrap() > 0.0);

    // Targets: the four kinds, each with its measurement and a verdict.
    let targets = v["targets"].as_array().unwrap();
    let names: Vec<&str> = targets
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    for n in [
        "log packets/s",
        "no-packets packets/s",
        "to-pcap packets/s",
        "log peak RSS MiB",
        "no-packets peak RSS MiB",
        "no-log peak RSS MiB",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    for t in targets {
        assert!(t["pass"].is_boolean());
        assert!(t["measured"].as_f64().is_some());
    }
    let rss_bound = targets
        .iter()
        .find(|t| t["name"] == "log peak RSS MiB")
        .unwrap()["target"]
        .as_f64();
    assert_eq!(
        rss_bound,
        Some(64.0),
        "a small capture gets the 64 MiB bound"
    );
    assert_eq!(
        v["all_pass"].as_bool(),
        Some(targets.iter().all(|t| t["pass"] == true))
    );

    // Temporary logs, pcapng and ceiling databases are gone.
    let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn the_text_report_shows_the_table_and_the_verdicts() {
    let capture = sample();
    let out = run(&["bench", "run", "--runs", "1", "--modes", "no-log", &capture]);
    // A missed target is a measurement, not a failure.
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "capture",
        "packets/s",
        "RSS MiB",
        "krack_example-tptk-attack.pcapng",
        "no-log",
        "ceiling",
        "targets:",
        "no-log peak RSS MiB",
    ] {
        assert!(text.contains(want), "{want} not in:\n{text}");
    }
    assert!(
        !text.contains("no-packets"),
        "only the mode asked for:\n{text}"
    );
    assert!(
        text.contains("every target met") || text.contains("MISSED"),
        "{text}"
    );
}

#[test]
fn bad_arguments_are_refused() {
    let capture = sample();
    let out = run(&["bench", "run", "--to-pcap", "--modes", "no-log", &capture]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--to-pcap"));
    let out = run(&["bench", "run", "--modes", "fast", &capture]);
    assert!(!out.status.success());
    let missing = osprey()
        .args(["bench", "run", "--runs", "1", "/nonexistent/x.pcap"])
        .output()
        .unwrap();
    assert!(!missing.status.success());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/x.pcap"));
}
