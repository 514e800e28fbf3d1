//! Checks the crate against what Kismet 2025-09-R1 really printed: every device of every
//! reference log in `shared/data/reference/*.kismet` (the `kismet.device.base.manuf` and
//! `kismet.device.base.macaddr` fields of `devices.device`).
//!
//! A device's manufacturer comes from its MAC address ([`osprey_oui::kismet_manuf`]) or, for an
//! 802.11 device whose address does not resolve, from the vendor IEs of its beacons and probe
//! responses ([`osprey_oui::kismet_vendor_ie_manuf`]); the test reads those frames from the log's
//! packets table.
//!
//! The data folder is `$OSPREY_SHARED_DATA` or `<crate>/../../../shared/data`; if it or the logs
//! are missing the test fails.

use std::path::{Path, PathBuf};

use osprey_oui::{kismet_manuf, kismet_vendor_ie_manuf, UNKNOWN};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags};

fn shared_data() -> PathBuf {
    match std::env::var_os("OSPREY_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"),
    }
}

fn reference_logs() -> Vec<PathBuf> {
    let dir = shared_data().join("reference");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "reference logs missing: cannot read {} ({e}); set OSPREY_SHARED_DATA",
            dir.display()
        )
    });
    let mut logs: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "kismet"))
        .collect();
    logs.sort();
    assert!(
        !logs.is_empty(),
        "no *.kismet reference logs in {}",
        dir.display()
    );
    logs
}

fn open(log: &Path) -> Connection {
    Connection::open_with_flags(log, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .unwrap_or_else(|e| panic!("open {}: {e}", log.display()))
}

/// One device as Kismet logged it.
struct Device {
    phy: String,
    mac_text: String,
    manuf: String,
}

fn devices(db: &Connection, log: &Path) -> Vec<Device> {
    let mut stmt = db
        .prepare("SELECT phyname, device FROM devices")
        .unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    let rows = stmt
        .query_map([], |row| {
            let phy: String = row.get(0)?;
            let json = match row.get_ref(1)? {
                ValueRef::Text(t) | ValueRef::Blob(t) => t.to_vec(),
                _ => Vec::new(),
            };
            Ok((phy, json))
        })
        .unwrap_or_else(|e| panic!("{}: {e}", log.display()));
    rows.map(|r| {
        let (phy, json) = r.unwrap_or_else(|e| panic!("{}: {e}", log.display()));
        let dev: serde_json::Value = serde_json::from_slice(&json)
            .unwrap_or_else(|e| panic!("{}: device JSON: {e}", log.display()));
        let field = |name: &str| {
            dev.get(name)
                .and_then(|v| v.as_str())
                .unwrap_or_else(|| panic!("{}: device without {name}", log.display()))
                .to_string()
        };
        Device {
            phy,
            mac_text: field("kismet.device.base.macaddr"),
            manuf: field("kismet.device.base.manuf"),
        }
    })
    .collect()
}

fn parse_mac(text: &str) -> Option<Vec<u8>> {
    text.split(':')
        .map(|b| {
            (b.len() == 2)
                .then(|| u8::from_str_radix(b, 16).ok())
                .flatten()
        })
        .collect()
}

/// The 802.11 frame inside a captured packet of link type `dlt`.
fn dot11_frame(dlt: i64, data: &[u8]) -> Option<&[u8]> {
    let le16 = |at: usize| {
        Some(usize::from(u16::from_le_bytes(
            data.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    let header = match dlt {
        105 => 0,
        119 => u32::from_le_bytes(data.get(4..8)?.try_into().ok()?) as usize, // Prism
        127 | 192 => le16(2)?,                                                // radiotap, PPI
        _ => return None,
    };
    data.get(header..)
}

/// The OUIs of the vendor-specific IEs of a beacon or probe response, in frame order; `None`
/// for any other frame.
fn vendor_ie_ouis(frame: &[u8]) -> Option<Vec<u32>> {
    let fc = *frame.first()?;
    let (ftype, subtype) = ((fc >> 2) & 3, fc >> 4);
    if ftype != 0 || !(subtype == 5 || subtype == 8) {
        return None;
    }
    let mut ies = frame.get(24 + 12..)?; // header, then timestamp, interval, capabilities
    let mut ouis = Vec::new();
    while let [num, len, rest @ ..] = ies {
        let Some(body) = rest.get(..usize::from(*len)) else {
            break;
        };
        if *num == 221 && body.len() >= 3 {
            ouis.push(u32::from_be_bytes([0, body[0], body[1], body[2]]));
        }
        ies = &rest[usize::from(*len)..];
    }
    Some(ouis)
}

/// For each beacon and probe response sent by `mac`: what Kismet's vendor-IE fallback makes of it.
fn vendor_ie_outcomes(db: &Connection, mac_text: &str) -> Vec<Option<&'static str>> {
    let mut stmt = db
        .prepare("SELECT dlt, packet FROM packets WHERE sourcemac = ?1 ORDER BY ts_sec, ts_usec")
        .expect("packets query");
    let rows = stmt
        .query_map([mac_text], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
        })
        .expect("packets rows");
    rows.filter_map(Result::ok)
        .filter_map(|(dlt, data)| {
            let ouis = vendor_ie_ouis(dot11_frame(dlt, &data)?)?;
            Some(kismet_vendor_ie_manuf(&ouis))
        })
        .collect()
}

#[test]
fn every_reference_device_gets_kismets_manufacturer() {
    let mut total = 0;
    let mut by_mac = 0;
    let mut by_vendor_ie = 0;
    let mut failures = Vec::new();

    for log in reference_logs() {
        let db = open(&log);
        let name = log
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for dev in devices(&db, &log) {
            total += 1;
            let Some(mac) = parse_mac(&dev.mac_text) else {
                failures.push(format!("{name}: unparsable MAC {:?}", dev.mac_text));
                continue;
            };
            let from_mac = kismet_manuf(&mac);
            let wifi = dev.phy == "IEEE802.11";
            let outcomes = if wifi && from_mac == UNKNOWN {
                vendor_ie_outcomes(&db, &dev.mac_text)
            } else {
                Vec::new()
            };
            if from_mac == dev.manuf {
                // Kismet would have replaced "Unknown" with a name from a vendor IE.
                if let Some(Some(ie)) = outcomes.iter().find(|o| o.is_some()) {
                    failures.push(format!(
                        "{name}: {} ({}) Kismet printed {:?}, but its vendor IEs give {ie:?}",
                        dev.mac_text, dev.phy, dev.manuf
                    ));
                } else {
                    by_mac += 1;
                }
            } else if outcomes.contains(&Some(dev.manuf.as_str())) {
                by_vendor_ie += 1;
            } else {
                failures.push(format!(
                    "{name}: {} ({}) Kismet printed {:?}, the address gives {from_mac:?}, vendor IEs {outcomes:?}",
                    dev.mac_text, dev.phy, dev.manuf
                ));
            }
        }
    }

    println!(
        "{total} reference devices: {by_mac} match by address, {by_vendor_ie} by vendor IE, {} fail",
        failures.len()
    );
    assert!(total > 0, "the reference logs hold no devices");
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
}
