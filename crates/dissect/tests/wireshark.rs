//! Every 802.11 frame of every shared capture, compared with Wireshark: frame type and
//! subtype, the four address roles, the SSID, frequency, signal and the FCS verdict, against
//! `tshark -T fields`. Any difference must be listed in `KNOWN` with its reason.
//!
//! tshark must be installed (`.ci/run` installs it with apt-get); the test fails without it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use osprey_capture::Flow;
use osprey_dissect::{Dissector, Link, PacketError};
use osprey_wire::ieee80211::FrameType;

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

const FIELDS: &[&str] = &[
    "frame.number",
    "wlan.fc.type",
    "wlan.fc.subtype",
    "wlan.ra",
    "wlan.ta",
    "wlan.sa",
    "wlan.da",
    "wlan.bssid",
    "wlan.ssid",
    "wlan_radio.frequency",
    "wlan_radio.signal_dbm",
    "wlan.fcs.status",
    "radiotap.dbm_antsignal",
    "_ws.malformed",
    "wlan.qos.amsdupresent",
];

/// tshark's view of each frame: field name → first value ("" when absent).
fn tshark(path: &Path) -> Vec<BTreeMap<&'static str, String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r").arg(path).args([
        "-o",
        "wlan.check_checksum:TRUE",
        "-T",
        "fields",
        "-E",
        "separator=\t",
        "-E",
        "occurrence=f",
    ]);
    for f in FIELDS {
        cmd.args(["-e", f]);
    }
    let out = cmd
        .output()
        .expect("tshark must be installed (see .ci/run)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| {
            let cols: Vec<&str> = l.split('\t').collect();
            FIELDS
                .iter()
                .enumerate()
                .map(|(i, f)| (*f, cols.get(i).unwrap_or(&"").to_string()))
                .collect()
        })
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn mac(m: Option<[u8; 6]>) -> String {
    m.map(|b| {
        b.iter()
            .map(|x| format!("{x:02x}"))
            .collect::<Vec<_>>()
            .join(":")
    })
    .unwrap_or_default()
}

/// Differences we accept, by (capture, field, frame number or every frame): the reason is
/// the documentation.
const KNOWN: &[(&str, &str, Option<usize>, &str)] = &[
    (
        "aircrack_wpa.cap",
        "wlan_radio.signal_dbm",
        None,
        "PRISM header from madwifi (ath0): its signal/rssi items are driver units (signal 57, \
         rssi 0), not dBm; tshark reports the rssi item as dBm 0, we report no dBm signal",
    ),
    (
        "aircrack_pmkid-not-recognized.cap",
        "wlan.ssid",
        Some(18854),
        "frame 18854 is an Action frame whose body tshark parses as tagged parameters \
         (SSID \"WML\"); action frames carry no SSID element, so we read none",
    ),
];

#[test]
fn every_80211_frame_matches_wireshark() {
    let mut files = Vec::new();
    for dir in ["radiotap", "raw80211", "prism", "ppi", "pcapng"] {
        for e in std::fs::read_dir(shared().join(dir)).unwrap() {
            files.push(e.unwrap().path());
        }
    }
    files.sort();
    let mut compared = 0usize;
    let mut mismatches: Vec<String> = Vec::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let theirs = tshark(path);
        let mut i = 0usize;
        let mut d = Dissector::new();
        let _ = osprey_capture::for_each_frame(path, &mut |frame| {
            let p = d.dissect(frame);
            let t = match theirs.get(i) {
                Some(t) => t,
                None => {
                    mismatches.push(format!("{name} #{}: tshark has no such frame", i + 1));
                    i += 1;
                    return Flow::Continue;
                }
            };
            i += 1;
            let mut check = |field: &str, ours: String, theirs: &str| {
                let known = KNOWN
                    .iter()
                    .any(|(f, fld, n, _)| *f == name && *fld == field && n.is_none_or(|n| n == i));
                if ours != theirs && !known {
                    mismatches.push(format!(
                        "{name} #{i} {field}: ours {ours:?} tshark {theirs:?}"
                    ));
                }
            };
            if t["wlan.fcs.status"] == "0" {
                check(
                    "fcs",
                    format!("{:?}", p.error),
                    &format!("{:?}", Some(PacketError::BadFcs)),
                );
            }
            let Link::Dot11(d11) = &p.link else {
                // Both sides agree the frame is damaged when tshark marks it malformed and we
                // flag it truncated or malformed.
                // A frame captured shorter than it was sent is truncated for us; tshark decodes
                // what was captured without calling it malformed.
                let cut_short = frame.orig_len as usize > frame.data.len();
                let both_damaged = (!t["_ws.malformed"].is_empty() || cut_short)
                    && matches!(
                        p.error,
                        Some(PacketError::Truncated | PacketError::Malformed)
                    );
                if !t["wlan.fc.type"].is_empty() && t["wlan.fcs.status"] != "0" && !both_damaged {
                    check("decoded", format!("not decoded: {:?}", p.error), "decoded");
                }
                return Flow::Continue;
            };
            compared += 1;
            let ty = match d11.frame_type() {
                FrameType::Management => 0,
                FrameType::Control => 1,
                FrameType::Data => 2,
                FrameType::Extension => 3,
            };
            check("wlan.fc.type", ty.to_string(), &t["wlan.fc.type"]);
            check(
                "wlan.fc.subtype",
                d11.subtype().to_string(),
                &t["wlan.fc.subtype"],
            );
            let v = d11.view();
            check("wlan.ra", mac(v.addr1()), &t["wlan.ra"]);
            if !t["wlan.ta"].is_empty() {
                check("wlan.ta", mac(v.addr2()), &t["wlan.ta"]);
            }
            // In an A-MSDU, tshark's first wlan.sa/wlan.da are the first subframe's; ours (and
            // Kismet's) come from the MAC header.
            let amsdu = t["wlan.qos.amsdupresent"] == "1" || t["wlan.qos.amsdupresent"] == "True";
            if ty == 0 || (ty == 2 && !amsdu) {
                let m = |a: kismetdb::MacAddr| a.to_string().to_lowercase();
                if !t["wlan.sa"].is_empty() {
                    check("wlan.sa", m(p.source), &t["wlan.sa"]);
                }
                if !t["wlan.da"].is_empty() {
                    check("wlan.da", m(p.dest), &t["wlan.da"]);
                }
                if !t["wlan.bssid"].is_empty() {
                    check("wlan.bssid", m(p.bssid), &t["wlan.bssid"]);
                }
            }
            if !t["wlan.ssid"].is_empty() {
                // tshark shows a zero-length SSID element (a wildcard probe) as "<MISSING>".
                let theirs = if t["wlan.ssid"] == "<MISSING>" {
                    ""
                } else {
                    t["wlan.ssid"].as_str()
                };
                check("wlan.ssid", d11.ssid().map(hex).unwrap_or_default(), theirs);
            }
            if !t["wlan_radio.frequency"].is_empty() {
                check(
                    "wlan_radio.frequency",
                    (p.freq_khz / 1000).to_string(),
                    &t["wlan_radio.frequency"],
                );
            }
            // Radiotap may carry several antenna signals: the first (default namespace) is the
            // combined signal, which Kismet and we report; tshark's wlan_radio.signal_dbm takes
            // the last, so compare with the first radiotap field itself where there is one.
            let signal = if t["radiotap.dbm_antsignal"].is_empty() {
                &t["wlan_radio.signal_dbm"]
            } else {
                &t["radiotap.dbm_antsignal"]
            };
            if !signal.is_empty() {
                check(
                    "wlan_radio.signal_dbm",
                    p.signal_dbm.map(|s| s.to_string()).unwrap_or_default(),
                    signal,
                );
            }
            Flow::Continue
        });
        if i != theirs.len() {
            mismatches.push(format!(
                "{name}: we read {i} frames, tshark {}",
                theirs.len()
            ));
        }
    }
    assert!(compared > 25_000, "compared {compared} frames");
    // Report a few examples of each kind (file and field), not thousands of lines.
    let mut by_kind: BTreeMap<String, Vec<&String>> = BTreeMap::new();
    for m in &mismatches {
        let mut parts = m.split_whitespace();
        let file = parts.next().unwrap_or("");
        let _frame = parts.next();
        let field = parts.next().unwrap_or("");
        by_kind
            .entry(format!("{file} {field}"))
            .or_default()
            .push(m);
    }
    let mut report = String::new();
    for (kind, list) in &by_kind {
        report.push_str(&format!("{kind}: {} mismatches, e.g.\n", list.len()));
        for m in list.iter().take(3) {
            report.push_str(&format!("    {m}\n"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches with tshark:\n{report}",
        mismatches.len()
    );
}
