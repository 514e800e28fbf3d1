//! `osprey analyze` on real captures: counts, damaged inputs, and no panics.

mod common;

use common::{run, shared_data};

fn analyze_json(files: &[std::path::PathBuf]) -> serde_json::Value {
    let mut args = vec![
        "analyze".to_string(),
        "--json".to_string(),
        "-n".to_string(),
    ];
    args.extend(files.iter().map(|f| f.display().to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&refs);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn counts_of_a_clean_capture_match_wireshark() {
    // tshark 4.0.17 on this file (MANIFEST.md): beacon=398, data=285, ack=191, cts=165,
    // probe_resp=26, probe_req=13, auth=2, assoc_req=1, ... 1093 frames.
    let v = analyze_json(&[shared_data().join("radiotap/wireshark_wpa-Induction.pcap")]);
    assert_eq!(v["packets"], 1093);
    assert_eq!(v["link_types"]["127 IEEE802_11_RADIOTAP"], 1093);
    let ft = &v["frame_types"];
    // 13 frames have a bad FCS (as Kismet also finds) and are not dissected, so a few
    // counts are lower than tshark's, which does not check the FCS by default.
    assert!(ft["mgmt/beacon"].as_u64().unwrap() >= 390, "{ft}");
    assert!(ft["mgmt/probe-resp"].as_u64().unwrap() >= 25, "{ft}");
    assert_eq!(v["errors"]["bad FCS"], 13);
    assert_eq!(v["files"][0]["frame_errors"], 13);
}

#[test]
fn damaged_inputs_keep_what_is_valid_and_say_where() {
    let d = shared_data();
    let files = [
        d.join("radiotap/tcpdump_radiotap-heapoverflow.pcap"),
        d.join("raw80211/tcpdump_ieee802.11_tim_ie_oobr.pcap"),
        d.join("radiotap/scapy_bad_rsn_parsing_overrides_ssid.pcap"),
        d.join("raw80211/aircrack_pmkid-not-recognized.cap"),
        d.join("raw80211/wifite2_handshake_has_1234.cap"),
    ];
    let v = analyze_json(&files);
    let f = v["files"].as_array().unwrap();
    // Frames before the damage are all delivered.
    assert_eq!(f[3]["packets"], 20056);
    assert_eq!(f[4]["packets"], 2189);
    for i in [2, 3, 4] {
        let e = f[i]["error"].as_str().unwrap();
        assert!(
            e.contains("offset") && e.contains(files[i].file_name().unwrap().to_str().unwrap()),
            "{e}"
        );
    }
    assert!(
        f[3]["error"]
            .as_str()
            .unwrap()
            .contains("truncated at offset 1432"),
        "{}",
        f[3]["error"]
    );
    // Frame-level damage is described with the record's offset and the layer.
    let heap = f[0]["frame_error_examples"][0].as_str().unwrap();
    assert!(
        heap.contains("record at offset 24") && heap.contains("radiotap"),
        "{heap}"
    );
    let tim = f[1]["frame_error_examples"][0].as_str().unwrap();
    assert!(tim.contains("802.11 truncated"), "{tim}");
}

#[test]
fn unreadable_inputs_fail_with_the_file_named() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("junk.pcap");
    std::fs::write(&junk, b"definitely not a capture").unwrap();
    let out = run(&["analyze", "-n", junk.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("junk.pcap") && text.contains("not a pcap"),
        "{text}"
    );
}

#[test]
fn every_shared_capture_is_read_without_panicking() {
    let mut files = Vec::new();
    for dir in ["radiotap", "raw80211", "prism", "ppi", "ble", "pcapng"] {
        for e in std::fs::read_dir(shared_data().join(dir)).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    files.sort();
    let v = analyze_json(&files);
    assert_eq!(v["files"].as_array().unwrap().len(), 40);
    let total = v["packets"].as_u64().unwrap();
    assert!(total > 30_000, "{total}");
    // All eight link types present in the data are decoded.
    assert_eq!(v["not_decoded"], 0);
    assert!(v["phys"]["BTLE"].as_u64().unwrap() > 1500);
    assert!(v["duplicates"].as_u64().unwrap() > 0);
}
