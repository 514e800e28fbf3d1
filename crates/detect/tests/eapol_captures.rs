//! The WPA handshake alerts (NONCEDEGRADE, NONCEREUSE, RTL8195VD1406, VDOO202027301,
//! VDOO202027302) on real captures: NONCEREUSE fires on the KRACK example of the
//! krackattacks scripts when enabled, and none of them fires on the shared captures of
//! ordinary handshakes (Kismet's reference logs hold none of them either).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use osprey_capture::Flow;

const HEADERS: [&str; 5] = [
    "NONCEDEGRADE",
    "NONCEREUSE",
    "RTL8195VD1406",
    "VDOO202027301",
    "VDOO202027302",
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shared() -> PathBuf {
    let p = match std::env::var_os("OSPREY_SHARED_DATA") {
        Some(p) => PathBuf::from(p),
        None => repo().join("../shared/data"),
    };
    assert!(
        p.join("MANIFEST.md").is_file(),
        "no shared data at {}",
        p.display()
    );
    p
}

/// Runs a capture through dissection, tracking and every detector; the alerts emitted.
fn run(path: &Path, config: &str) -> Vec<osprey_alerts::Alert> {
    let options = osprey_config::Options::parse("test", config).expect("config");
    let mut alerts = osprey_alerts::AlertTracker::new(50);
    let mut det = osprey_detect::Detectors::new(&mut alerts, &options).expect("config");
    let mut dis = osprey_dissect::Dissector::new();
    let mut tr = osprey_tracker::Tracker::new();
    let mut out = Vec::new();
    let _ = osprey_capture::for_each_frame(path, &mut |f| {
        let p = dis.dissect(f);
        let observed = tr.observe(&p, kismetdb::Uuid::NIL);
        let found = det.inspect(
            &osprey_detect::Context::new(&p, &tr, &observed),
            &mut alerts,
        );
        out.extend(found.alerts);
        Flow::Continue
    });
    out
}

fn handshake_alerts(alerts: &[osprey_alerts::Alert]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for a in alerts {
        if HEADERS.contains(&a.header.as_str()) {
            *m.entry(a.header.clone()).or_default() += 1;
        }
    }
    m
}

/// Every handshake alert enabled with room for all of them.
fn all_enabled() -> String {
    HEADERS
        .iter()
        .map(|h| format!("alert={h},1000/sec,1000/sec\n"))
        .collect()
}

#[test]
fn noncereuse_fires_on_the_krack_example() {
    let path = repo().join("samples/krack_example-tptk-attack.pcapng");
    let alerts = run(&path, "alert=NONCEREUSE,10/min,1/sec");
    let reuse: Vec<_> = alerts.iter().filter(|a| a.header == "NONCEREUSE").collect();
    assert_eq!(reuse.len(), 1, "{alerts:#?}");
    let a = reuse[0];
    // The forged message 1 (capture frame 99): the AP's ANonce of message 3 again, with a
    // higher replay counter.
    assert_eq!(
        a.text,
        "WPA EAPOL RSN frame seen with a previously used anonce; this may indicate a KRACK-style WPA attack (anonce: CD674591D5BC4CBF61512E10CE2C95A9719355D819A552E801F0A2B3A6FF2B57)"
    );
    assert_eq!(a.source.to_string(), "02:00:00:00:00:00");
    assert_eq!(a.dest.to_string(), "02:00:00:00:01:00");
    assert_eq!(
        a.evidence.len(),
        2,
        "the message 3 and the forged message 1"
    );
    // Nothing else of the group, even with everything enabled.
    let all = handshake_alerts(&run(&path, &all_enabled()));
    assert_eq!(all, BTreeMap::from([("NONCEREUSE".to_string(), 1)]));
    // Disabled by default, as Kismet ships it; off with the handshake analysis.
    assert!(handshake_alerts(&run(&path, "")).is_empty());
    let off = "alert=NONCEREUSE,10/min,1/sec\ndot11_keep_eapol=false";
    assert!(handshake_alerts(&run(&path, off)).is_empty());
}

#[test]
fn ordinary_handshake_captures_raise_none() {
    // Every shared capture with EAPOL-Key frames: WPA/WPA2 handshakes (with message 1 and 3
    // retransmissions, double transmissions and MAC retries), WPA3-SAE, OWE, Suite-B-192
    // (24-byte MIC), WDS, TDLS, PMKID harvesting, and the FragAttacks captures.
    let captures = [
        "raw80211/aircrack_wpa2-psk-linksys.cap",
        "raw80211/aircrack_n-02.cap",
        "raw80211/wifite2_handshake_has_1234.cap",
        "raw80211/wifite2_handshake_not_exists.cap",
        "raw80211/pyrit_wpa2psk-2WIRE972.pcap",
        "raw80211/aircrack_capture_wds-01.cap",
        "raw80211/aircrack_pmkid-not-recognized.cap",
        "radiotap/wireshark_wpa-Induction.pcap",
        "radiotap/aircrack_wpa3-psk.pcap",
        "radiotap/aircrack_test1.pcap",
        "prism/aircrack_wpa.cap",
        "pcapng/wireshark_owe.pcapng",
        "pcapng/wireshark_wpa3-suiteb-192.pcapng",
        "pcapng/wireshark_wpa3-sae.pcapng",
        "pcapng/wireshark_wpa-test-decode-tdls.pcapng",
        "pcapng/fragattacks_amsdu-inject-fromap.pcapng",
        "pcapng/fragattacks_eapol-amsdu_BP-fromap.pcapng",
    ];
    let config = all_enabled();
    let mut fired = BTreeMap::new();
    for c in captures {
        let path = shared().join(c);
        assert!(path.is_file(), "{}", path.display());
        let found = handshake_alerts(&run(&path, &config));
        if !found.is_empty() {
            fired.insert(c, found);
        }
    }
    assert!(fired.is_empty(), "{fired:#?}");
}

#[test]
fn kismets_reference_logs_hold_none_of_them() {
    for name in [
        "krack_example-tptk-attack",
        "aircrack_wpa2-psk-linksys",
        "aircrack_test1",
    ] {
        let log = shared().join("reference").join(format!("{name}.kismet"));
        let r = kismetdb::Reader::open(&log).expect("reference log");
        let mut n = 0;
        r.alerts()
            .expect("alerts")
            .for_each(|a| -> kismetdb::Result<()> {
                if HEADERS.iter().any(|h| a.header == *h) {
                    n += 1;
                }
                Ok(())
            })
            .expect("rows");
        assert_eq!(n, 0, "{name}");
    }
}
