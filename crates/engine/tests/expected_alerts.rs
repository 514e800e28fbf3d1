//! The alerts Osprey raises on every shared capture, held in a table, next to what Kismet
//! 2025-09-R1 raised on the same capture (its reference log). Every difference from Kismet
//! has its reason in the table (and in docs/differences-from-kismet.md).
//!
//! Two runs per capture: with the default configuration (Kismet's default rates), and with
//! every alert enabled (the alerts Kismet ships disabled: DEAUTHCODEINVALID, NONCEREUSE,
//! NONCEDEGRADE, QCOMEXTENDED, OVERPOWERED, NETSTUMBLER, LUCENTTEST) at 100/sec so rate
//! limits do not hide what fired.
//!
//! Run with `OSPREY_PRINT_ALERTS=1` to print the measured table.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use osprey_capture::Flow;
use osprey_engine::{Engine, EngineOptions};

fn shared() -> PathBuf {
    let p = match std::env::var_os("OSPREY_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    };
    assert!(
        p.join("MANIFEST.md").is_file(),
        "no shared data at {}",
        p.display()
    );
    p
}

fn captures() -> Vec<PathBuf> {
    let mut v = Vec::new();
    for dir in ["radiotap", "raw80211", "prism", "ppi", "ble", "pcapng"] {
        for e in std::fs::read_dir(shared().join(dir)).unwrap() {
            v.push(e.unwrap().path());
        }
    }
    v.sort();
    assert_eq!(v.len(), 40);
    v
}

type Counts = BTreeMap<String, u64>;

fn run(capture: &Path, config: &str) -> Counts {
    let options = osprey_config::Options::parse("test", config).unwrap();
    let mut engine = Engine::new(EngineOptions {
        options,
        ..Default::default()
    })
    .unwrap();
    engine.begin_source(capture, "pcapfile");
    let mut counts = Counts::new();
    let read = osprey_capture::for_each_frame(capture, &mut |f| {
        if let Ok(done) = engine.process(f) {
            for a in done.alerts {
                *counts.entry(a.header).or_default() += 1;
            }
        }
        Flow::Continue
    });
    for a in engine.end_source(capture, read.err().as_ref()).unwrap() {
        *counts.entry(a.header).or_default() += 1;
    }
    counts
}

/// Kismet's alerts in its reference log, without ROOTUSER (Kismet ran as root).
fn kismet(capture: &Path) -> Counts {
    let name = capture.file_stem().unwrap().to_string_lossy().to_string();
    let log = shared().join("reference").join(format!("{name}.kismet"));
    let r = kismetdb::Reader::open(&log).unwrap();
    let mut counts = Counts::new();
    r.alerts()
        .unwrap()
        .for_each(|a| -> kismetdb::Result<()> {
            if a.header != "ROOTUSER" {
                *counts.entry(a.header.to_string()).or_default() += 1;
            }
            Ok(())
        })
        .unwrap();
    counts
}

/// Every alert enabled, with rates high enough not to hide anything.
fn all_enabled() -> String {
    osprey_detect::detectors::DEFAULT_RATES
        .iter()
        .map(|l| {
            let name = l.split(',').next().unwrap();
            format!("alert={name},100/sec,100/sec\n")
        })
        .collect()
}

fn fmt(c: &Counts) -> String {
    let v: Vec<String> = c.iter().map(|(k, n)| format!("{k}={n}")).collect();
    v.join(" ")
}

/// (capture stem, Osprey with defaults, Osprey with everything enabled, why it differs from
/// Kismet's reference — empty when it does not).
const EXPECTED: &[(&str, &str, &str, &str)] = &include!("expected_alerts.table");

#[test]
fn alerts_on_every_shared_capture_are_the_expected_ones() {
    let print = std::env::var_os("OSPREY_PRINT_ALERTS").is_some();
    let everything = all_enabled();
    let mut failures = Vec::new();
    let table: BTreeMap<&str, (&str, &str, &str)> = EXPECTED
        .iter()
        .map(|(n, d, a, w)| (*n, (*d, *a, *w)))
        .collect();
    for capture in captures() {
        let name = capture.file_stem().unwrap().to_string_lossy().to_string();
        let defaults = fmt(&run(&capture, ""));
        let enabled = fmt(&run(&capture, &everything));
        let theirs = fmt(&kismet(&capture));
        if print {
            println!("    (\"{name}\", \"{defaults}\", \"{enabled}\", \"\"), // kismet: {theirs}");
        }
        match table.get(name.as_str()) {
            None => failures.push(format!("{name}: not in the table")),
            Some((d, a, why)) => {
                if *d != defaults {
                    failures.push(format!("{name}: defaults {defaults:?}, expected {d:?}"));
                }
                if *a != enabled {
                    failures.push(format!("{name}: all enabled {enabled:?}, expected {a:?}"));
                }
                if defaults != theirs && why.is_empty() {
                    failures.push(format!(
                        "{name}: differs from Kismet ({theirs:?}) without a reason"
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
