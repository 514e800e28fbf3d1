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

/// A PPI frame with a GPS tag around a beacon from `bssid` advertising `ssid`.
fn ppi_gps_beacon(bssid: [u8; 6], ssid: &[u8], lat: f64, lon: f64, alt: f64) -> Vec<u8> {
    let fixed3_7 = |v: f64| (((v + 180.0) * 1e7) as u32).to_le_bytes();
    let mut gps = vec![2u8, 0, 0, 0];
    gps.extend((0x2u32 | 0x4 | 0x8).to_le_bytes());
    gps.extend(fixed3_7(lat));
    gps.extend(fixed3_7(lon));
    gps.extend((((alt + 180_000.0) * 1e4) as u32).to_le_bytes());
    let glen = gps.len() as u16;
    gps[2..4].copy_from_slice(&glen.to_le_bytes());
    let mut f = vec![0u8, 0, 0, 0];
    f.extend(105u32.to_le_bytes());
    f.extend(30002u16.to_le_bytes());
    f.extend(glen.to_le_bytes());
    f.extend(&gps);
    let plen = f.len() as u16;
    f[2..4].copy_from_slice(&plen.to_le_bytes());
    // Beacon: header, timestamp, interval 100, capability ESS, SSID and DS elements.
    f.extend([0x80, 0, 0, 0]);
    f.extend([0xff; 6]);
    f.extend(bssid);
    f.extend(bssid);
    f.extend([0, 0]);
    f.extend([0; 8]);
    f.extend(100u16.to_le_bytes());
    f.extend(1u16.to_le_bytes());
    f.push(0);
    f.push(ssid.len() as u8);
    f.extend(ssid);
    f.extend([3, 1, 6]);
    f
}

fn pcap(linktype: u32, frames: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend(0xa1b2_c3d4u32.to_le_bytes());
    out.extend(2u16.to_le_bytes());
    out.extend(4u16.to_le_bytes());
    out.extend([0; 8]);
    out.extend(65535u32.to_le_bytes());
    out.extend(linktype.to_le_bytes());
    for (sec, f) in frames {
        out.extend(sec.to_le_bytes());
        out.extend(0u32.to_le_bytes());
        out.extend((f.len() as u32).to_le_bytes());
        out.extend((f.len() as u32).to_le_bytes());
        out.extend(f);
    }
    out
}

#[test]
fn packet_gps_gives_devices_a_bounding_box_and_average() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("gps.pcap");
    let bssid = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55];
    let frames = vec![
        (
            1_600_000_000,
            ppi_gps_beacon(bssid, b"gpsnet", 38.0, -77.0, 10.0),
        ),
        (
            1_600_000_001,
            ppi_gps_beacon(bssid, b"gpsnet", 38.2, -77.4, 20.0),
        ),
        (
            1_600_000_002,
            ppi_gps_beacon(bssid, b"gpsnet", 38.1, -77.2, 30.0),
        ),
    ];
    std::fs::write(&cap, pcap(192, &frames)).unwrap();
    let log = dir.path().join("gps.kismet");
    let o = run(&[
        "analyze",
        "-o",
        log.to_str().unwrap(),
        cap.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c = rusqlite::Connection::open(&log).unwrap();
    let (min_lat, min_lon, max_lat, max_lon, avg_lat, avg_lon, ty): (f64, f64, f64, f64, f64, f64, String) = c
        .query_row(
            "SELECT min_lat, min_lon, max_lat, max_lon, avg_lat, avg_lon, type FROM devices WHERE devmac = '00:11:22:33:44:55'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?)),
        )
        .unwrap();
    assert_eq!(ty, "Wi-Fi AP");
    let near = |a: f64, b: f64| (a - b).abs() < 1e-6;
    assert!(
        near(min_lat, 38.0) && near(max_lat, 38.2) && near(min_lon, -77.4) && near(max_lon, -77.0)
    );
    assert!(
        near(avg_lat, 38.1) && near(avg_lon, -77.2),
        "{avg_lat} {avg_lon}"
    );
    // The packets rows carry the GPS too.
    let n: i64 = c
        .query_row(
            "SELECT count(*) FROM packets WHERE lat > 37.9 AND alt > 5",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 3);
}

#[test]
fn no_packets_leaves_the_packets_table_empty() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("small.kismet");
    let cap = shared_data().join("radiotap/wireshark_wpa-Induction.pcap");
    let o = run(&[
        "analyze",
        "--no-packets",
        "-o",
        log.to_str().unwrap(),
        cap.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let c = rusqlite::Connection::open(&log).unwrap();
    let count = |t: &str| -> i64 {
        c.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count("packets"), 0);
    assert_eq!(count("devices"), 4);
    assert_eq!(count("datasources"), 1);
    assert!(count("messages") > 3 && count("snapshots") == 1);
}

#[test]
fn the_default_log_is_named_like_kismets_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let cap = shared_data().join("radiotap/tcpdump_deauth_reason_code-7.pcap");
    for _ in 0..2 {
        let o = common::osprey()
            .current_dir(dir.path())
            .args(["analyze"])
            .arg(&cap)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    for n in &names {
        // Osprey-YYYYMMDD-HH-MM-SS-N.kismet
        let parts: Vec<&str> = n.trim_end_matches(".kismet").split('-').collect();
        assert_eq!(parts.len(), 6, "{n}");
        assert_eq!(parts[0], "Osprey");
        assert_eq!(parts[1].len(), 8);
        assert!(
            parts[1..5]
                .iter()
                .all(|p| p.chars().all(|c| c.is_ascii_digit())),
            "{n}"
        );
        assert!(n.ends_with(".kismet"));
    }
}
