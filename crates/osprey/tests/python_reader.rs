//! Kismet's official Python reader (`kismetdb` 2021.6.1 from PyPI, installed by
//! `scripts/install-test-tools.sh`) reads devices, alerts, datasources and messages from a log
//! Osprey wrote.
//!
//! What the reader cannot do, by its own limits: its `Packets` class knows columns up to
//! db_version 8 and compares them positionally, so on any v9 log (Kismet's own included) it
//! raises "Schema mismatch"; its `Kismet` class wants `kismet.system.server_uuid`, which
//! Kismet 2025-09-R1 no longer writes; and 2021.6.1 has no `Messages` class (it came later),
//! so messages are read through its `BaseInterface` with the messages column list.

mod common;

use std::process::Command;

use common::{run, shared_data};

const SCRIPT: &str = r#"
import json, sys, kismetdb
from kismetdb.base_interface import BaseInterface

class Messages(BaseInterface):
    table_name = "messages"
    bulk_data_field = ""
    field_defaults = {8: {}}
    converters_reference = {8: {}}
    column_reference = {8: ["ts_sec", "lat", "lon", "msgtype", "message"]}
    valid_kwargs = {}

f = sys.argv[1]
out = {}
out["devices"] = [[d["devmac"], d["type"], json.loads(d["device"])["kismet.device.base.key"]] for d in kismetdb.Devices(f).get_all()]
out["alerts"] = [[a["header"], json.loads(a["json"])["kismet.alert.header"]] for a in kismetdb.Alerts(f).get_all()]
out["datasources"] = [d["uuid"] for d in kismetdb.DataSources(f).get_all()]
try:
    out["server"] = kismetdb.Kismet(f).kismet_name
except Exception as e:
    out["server"] = type(e).__name__
out["messages"] = [m["message"] for m in Messages(f).get_all()]
try:
    kismetdb.Packets(f).get_meta()
    out["packets"] = "read"
except ValueError as e:
    out["packets"] = str(e)[:40]
print(json.dumps(out))
"#;

fn read_with_python(log: &std::path::Path) -> serde_json::Value {
    let out = Command::new("python3")
        .args(["-c", SCRIPT])
        .arg(log)
        .output()
        .expect("python3 is part of the machine image");
    assert!(
        out.status.success(),
        "the kismetdb Python package must be installed (scripts/install-test-tools.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_official_python_reader_reads_the_log_osprey_analyze_writes() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("analyze.kismet");
    let cap = shared_data().join("radiotap/wireshark_wpa-Induction.pcap");
    let o = run(&[
        "analyze",
        "-o",
        log.to_str().unwrap(),
        cap.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let v = read_with_python(&log);
    let devices = v["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 4);
    assert!(devices.iter().any(|d| d[0] == "00:0C:41:82:B2:55"
        && d[1] == "Wi-Fi AP"
        && d[2] == "4202770D00000000_55B282410C00"));
    assert_eq!(v["datasources"].as_array().unwrap().len(), 1);
    assert!(v["messages"].as_array().unwrap().iter().any(|m| m
        .as_str()
        .unwrap()
        .starts_with("Detected new 802.11 Wi-Fi device")));
    // The client associates without MFP: NOCLIENTMFP, read back through the reader's Alerts.
    let alerts = v["alerts"].as_array().unwrap();
    assert!(
        alerts
            .iter()
            .any(|a| a[0] == "NOCLIENTMFP" && a[1] == "NOCLIENTMFP"),
        "{alerts:?}"
    );
    // Osprey's SYSTEM snapshot carries the server UUID the reader's Kismet class needs.
    assert_eq!(v["server"], "Osprey");
    assert_eq!(v["packets"], "Schema mismatch in packets table, in fil");
}

#[test]
fn the_official_python_reader_reads_an_osprey_log() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("osprey.kismet");
    // A log written by Osprey's writer, holding devices, alerts, datasources and messages.
    let src = shared_data().join("reference/wireshark_wpa-Induction.kismet");
    let o = run(&[
        "log",
        "upgrade",
        src.to_str().unwrap(),
        log.to_str().unwrap(),
    ]);
    assert!(o.status.success());
    let v = read_with_python(&log);
    let devices = v["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 4);
    assert!(devices.iter().any(|d| d[0] == "00:0C:41:82:B2:55"
        && d[1] == "Wi-Fi AP"
        && d[2] == "4202770D00000000_55B282410C00"));
    assert_eq!(v["alerts"].as_array().unwrap().len(), 2);
    assert_eq!(v["datasources"].as_array().unwrap().len(), 1);
    assert!(v["messages"].as_array().unwrap().len() >= 10);
    assert_eq!(
        v["packets"], "Schema mismatch in packets table, in fil",
        "the v8-only packets reader"
    );
}
