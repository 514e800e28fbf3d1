//! Devices compared with Kismet's: for every shared capture, the set of device keys and the
//! type of each device, against the devices table of the reference log Kismet 2025-09-R1 wrote.

use std::collections::BTreeMap;
use std::path::PathBuf;

use osprey_capture::Flow;
use osprey_dissect::Dissector;
use osprey_tracker::Tracker;

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

/// (device key → type) of one capture, ours.
fn ours(path: &std::path::Path) -> BTreeMap<String, String> {
    let mut d = Dissector::new();
    let mut t = Tracker::new();
    let _ = osprey_capture::for_each_frame(path, &mut |f| {
        let p = d.dissect(f);
        t.observe(&p, kismetdb::Uuid::NIL);
        Flow::Continue
    });
    t.devices()
        .iter()
        .map(|d| (d.key.to_string(), d.type_string().to_string()))
        .collect()
}

fn theirs(stem: &str) -> BTreeMap<String, String> {
    let log = shared().join("reference").join(format!("{stem}.kismet"));
    let c = rusqlite::Connection::open_with_flags(&log, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap();
    let mut s = c.prepare("SELECT devkey, type FROM devices").unwrap();
    let rows = s
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

const CAPABILITY_BUG: &str = "Kismet reads the IBSS bit at byte 34 for association and \
    reassociation frames too, where that byte is an SSID or rate byte, and types the device \
    Ad-Hoc; we read each subtype's capability field";
const BLE_DATA_BUG: &str = "Kismet takes bytes 6..12 of data-channel BLE packets as a device \
    address; those PDUs carry no address";
const NOT_DECODED: &str = "Kismet does not decode PRISM or Nordic BLE captures, so it has no \
    devices for them";

/// Every difference from Kismet's devices: (capture, device key, ours, Kismet's, reason).
/// `""` as a type means the device is absent on that side.
const DIFFERENCES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "wireshark_wpa-Induction",
        "4202770D00000000_3A3682930D00",
        "Wi-Fi Client",
        "Wi-Fi Ad-Hoc",
        CAPABILITY_BUG,
    ),
    (
        "aircrack_test1",
        "4202770D00000000_2A5657E5CD1C",
        "Wi-Fi Client",
        "Wi-Fi Ad-Hoc",
        CAPABILITY_BUG,
    ),
    (
        "aircrack_test1",
        "4202770D00000000_6D8374D0FF98",
        "Wi-Fi Client",
        "Wi-Fi Ad-Hoc",
        CAPABILITY_BUG,
    ),
    (
        "aircrack_test1",
        "4202770D00000000_EA2FA638ECF4",
        "Wi-Fi AP",
        "Wi-Fi Ad-Hoc",
        CAPABILITY_BUG,
    ),
    (
        "aircrack_n-02",
        "4202770D00000000_D0BCDDA2F02C",
        "Wi-Fi Client",
        "Wi-Fi Ad-Hoc",
        CAPABILITY_BUG,
    ),
    (
        "wifite2_handshake_has_1234",
        "4202770D00000000_B13577F8AD6C",
        "Wi-Fi Client",
        "Wi-Fi Ad-Hoc",
        CAPABILITY_BUG,
    ),
    (
        "aircrack_wpa2-psk-linksys",
        "4202770D00000000_EF9855CE1300",
        "Wi-Fi Client",
        "Wi-Fi Ad-Hoc",
        CAPABILITY_BUG,
    ),
    (
        "fragattacks_eapol-amsdu_BP-fromap",
        "4202770D00000000_5EED2B19F75A",
        "Wi-Fi Client",
        "Wi-Fi Ad-Hoc",
        CAPABILITY_BUG,
    ),
    (
        "fragattacks_amsdu-inject-fromap",
        "4202770D00000000_5EED2B19F75A",
        "Wi-Fi Client",
        "Wi-Fi Ad-Hoc",
        CAPABILITY_BUG,
    ),
    (
        "wireshark_wep",
        "4202770D00000000_100000002",
        "Wi-Fi Client",
        "Wi-Fi Ad-Hoc",
        CAPABILITY_BUG,
    ),
    (
        "wireshark_wpa3-sae",
        "4202770D00000000_68BBE743D69C",
        "Wi-Fi Client",
        "Wi-Fi Ad-Hoc",
        CAPABILITY_BUG,
    ),
    (
        "aircrack_wpa",
        "4202770D00000000_8CB0EB930D00",
        "Wi-Fi AP",
        "",
        NOT_DECODED,
    ),
    (
        "bsniffhub_encrypted-packet-501-missing",
        "2701E10200000000_506D473C77F6",
        "BTLE Device",
        "",
        NOT_DECODED,
    ),
    (
        "bsniffhub_connection-update",
        "2701E10200000000_170004000907",
        "",
        "BTLE Device",
        BLE_DATA_BUG,
    ),
    (
        "bsniffhub_sc-justworks",
        "2701E10200000000_34AC9296F300",
        "",
        "BTLE Device",
        BLE_DATA_BUG,
    ),
    (
        "bsniffhub_sc-justworks",
        "2701E10200000000_4165444C3E00",
        "",
        "BTLE Device",
        BLE_DATA_BUG,
    ),
    (
        "bsniffhub_sc-justworks",
        "2701E10200000000_4466233BE861",
        "",
        "BTLE Device",
        BLE_DATA_BUG,
    ),
];

#[test]
fn device_keys_and_types_match_kismet() {
    let mut report = Vec::new();
    let (mut matched, mut total) = (0, 0);
    for sub in ["radiotap", "raw80211", "prism", "ppi", "ble", "pcapng"] {
        for e in std::fs::read_dir(shared().join(sub)).unwrap() {
            let cap = e.unwrap().path();
            let stem = cap.file_stem().unwrap().to_string_lossy().to_string();
            let mut a = ours(&cap);
            let mut b = theirs(&stem);
            // Apply the documented differences: each must be present exactly as listed.
            for (file, key, our_type, their_type, _) in DIFFERENCES.iter().filter(|d| d.0 == stem) {
                let got = (
                    a.get(*key).map(String::as_str).unwrap_or(""),
                    b.get(*key).map(String::as_str).unwrap_or(""),
                );
                assert_eq!(
                    got,
                    (*our_type, *their_type),
                    "{file} {key}: the listed difference no longer holds"
                );
                a.remove(*key);
                b.remove(*key);
            }
            total += b.len();
            let missing: Vec<_> = b.keys().filter(|k| !a.contains_key(*k)).collect();
            let extra: Vec<_> = a.keys().filter(|k| !b.contains_key(*k)).collect();
            let wrong: Vec<_> = a
                .iter()
                .filter_map(|(k, ty)| {
                    b.get(k)
                        .filter(|t2| *t2 != ty)
                        .map(|t2| format!("{k} ours {ty} kismet {t2}"))
                })
                .collect();
            matched += a.iter().filter(|(k, ty)| b.get(*k) == Some(ty)).count();
            if !missing.is_empty() || !extra.is_empty() || !wrong.is_empty() {
                report.push(format!(
                    "{stem}: missing {missing:?} extra {extra:?} wrong {wrong:?}"
                ));
            }
        }
    }
    assert!(
        report.is_empty(),
        "{matched}/{total} devices match\n{}",
        report.join("\n")
    );
}
