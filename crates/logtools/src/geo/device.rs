//! What the geographic exports need from a `devices` row and its JSON record.

use crate::devices::escape_controls_in_strings;
use kismetdb::{DeviceRow, MacAddr};
use serde_json::Value;

use super::crypto::Crypto;
use super::Point;

/// First code point of the private-use range invalid bytes are parked in while parsing.
const PARK: u32 = 0x10_FF00;

/// Parses a Kismet JSON record. Kismet writes bytes ≥ 0x80 of strings raw (§4.7), so a record
/// may not be UTF-8: each invalid byte is parked as a private-use character (U+10FF00 + byte)
/// and recovered by [`json_bytes`]. Raw control characters inside strings are escaped. The
/// flag tells whether bytes were parked.
pub(crate) fn parse_json(bytes: &[u8]) -> Option<(Value, bool)> {
    if let Ok(v) = serde_json::from_slice::<Value>(bytes) {
        return Some((v, false));
    }
    let mut parked = false;
    let mut text = String::with_capacity(bytes.len() + 16);
    for chunk in bytes.utf8_chunks() {
        text.push_str(chunk.valid());
        for &b in chunk.invalid() {
            parked = true;
            text.push(char::from_u32(PARK + u32::from(b)).unwrap_or('\u{fffd}'));
        }
    }
    if let Ok(v) = serde_json::from_str::<Value>(&text) {
        return Some((v, parked));
    }
    let fixed = escape_controls_in_strings(&text)?;
    serde_json::from_str::<Value>(&fixed)
        .ok()
        .map(|v| (v, parked))
}

/// The bytes of a JSON string, parked bytes restored.
pub(crate) fn json_bytes(s: &str, parked: bool) -> Vec<u8> {
    if !parked {
        return s.as_bytes().to_vec();
    }
    let mut out = Vec::with_capacity(s.len());
    let mut buf = [0u8; 4];
    for c in s.chars() {
        let u = c as u32;
        if (PARK..=PARK + 0xff).contains(&u) {
            out.push((u - PARK) as u8);
        } else {
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    out
}

/// Follows a path of object keys.
fn at<'v>(v: &'v Value, path: &[&str]) -> Option<&'v Value> {
    path.iter().try_fold(v, |v, k| v.get(*k))
}

/// The records of a Kismet map, written as an array ("as vector") by Kismet and as an
/// object by Osprey.
fn records(v: Option<&Value>) -> Vec<&Value> {
    match v {
        Some(Value::Array(a)) => a.iter().collect(),
        Some(Value::Object(o)) => o.values().collect(),
        _ => Vec::new(),
    }
}

/// A location object (`kismet.common.location.geopoint` is `[lon, lat]`).
fn location(v: Option<&Value>) -> Option<Point> {
    let v = v?;
    let gp = v.get("kismet.common.location.geopoint")?.as_array()?;
    let lon = gp.first()?.as_f64()?;
    let lat = gp.get(1)?.as_f64()?;
    let alt = v
        .get("kismet.common.location.alt")
        .and_then(Value::as_f64)
        .unwrap_or(0.0);
    Some(Point { lat, lon, alt })
}

fn int(v: Option<&Value>) -> Option<i64> {
    let v = v?;
    v.as_i64()
        .or_else(|| v.as_u64().map(|u| i64::try_from(u).unwrap_or(i64::MAX)))
        .or_else(|| v.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
}

/// A device as the exports describe it.
#[derive(Clone, Debug, Default)]
pub(crate) struct DeviceInfo {
    pub(crate) phy: String,
    pub(crate) mac: MacAddr,
    /// `Wi-Fi AP`, `Wi-Fi Client`, `BTLE Device` ...
    pub(crate) kind: String,
    pub(crate) first_time: i64,
    pub(crate) last_time: i64,
    /// Strongest signal (dBm), 0 when unknown.
    pub(crate) strongest_signal: i32,
    /// The devices table's average location (may be 0/0).
    pub(crate) row_avg: Point,
    /// Where the strongest signal was received (Kismet's `signal.peak_loc`).
    pub(crate) peak: Option<Point>,
    /// The device's name when it has one of its own (not its MAC).
    pub(crate) name: Option<Vec<u8>>,
    /// The SSID it last advertised (access points), possibly empty (hidden).
    pub(crate) ssid: Option<Vec<u8>>,
    /// Whether it advertised any network (beacons or probe responses).
    pub(crate) advertises: bool,
    /// The crypt text of that SSID or of the device.
    pub(crate) crypt: String,
    pub(crate) manuf: Vec<u8>,
    pub(crate) channel: Vec<u8>,
    pub(crate) frequency_khz: f64,
    pub(crate) packets: Option<i64>,
    /// SSIDs it probed for (clients), at most [`MAX_PROBED`].
    pub(crate) probed: Vec<Vec<u8>>,
    /// False when the JSON record could not be read (only the row's columns are known).
    pub(crate) record_ok: bool,
}

/// Probed SSIDs kept per device.
pub(crate) const MAX_PROBED: usize = 16;

impl DeviceInfo {
    /// Reads a devices row.
    pub(crate) fn from_row(row: &DeviceRow<'_>) -> DeviceInfo {
        let mut d = DeviceInfo {
            phy: row.phyname.to_string(),
            mac: row.devmac,
            kind: row.device_type.to_string(),
            first_time: row.first_time,
            last_time: row.last_time,
            strongest_signal: row.strongest_signal,
            row_avg: Point {
                lat: row.avg_lat,
                lon: row.avg_lon,
                alt: 0.0,
            },
            ..DeviceInfo::default()
        };
        let Some((v, parked)) = parse_json(&row.device) else {
            return d;
        };
        d.record_ok = true;
        let text = |path: &[&str]| -> Option<Vec<u8>> {
            at(&v, path)
                .and_then(Value::as_str)
                .map(|s| json_bytes(s, parked))
        };
        if d.kind.is_empty() {
            if let Some(t) = text(&["kismet.device.base.type"]) {
                d.kind = String::from_utf8_lossy(&t).into_owned();
            }
        }
        let mac_text = d.mac.to_string();
        d.name = text(&["kismet.device.base.commonname"])
            .filter(|n| !n.is_empty())
            .or_else(|| text(&["kismet.device.base.name"]))
            .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case(mac_text.as_bytes()));
        d.manuf = text(&["kismet.device.base.manuf"]).unwrap_or_default();
        d.channel = text(&["kismet.device.base.channel"]).unwrap_or_default();
        d.frequency_khz = at(&v, &["kismet.device.base.frequency"])
            .and_then(Value::as_f64)
            .filter(|f| f.is_finite())
            .unwrap_or(0.0);
        d.packets = int(at(&v, &["kismet.device.base.packets.total"]));
        d.peak = location(at(
            &v,
            &["kismet.device.base.signal", "kismet.common.signal.peak_loc"],
        ));
        let base_crypt = text(&["kismet.device.base.crypt"]).unwrap_or_default();

        if let Some(dot11) = v.get("dot11.device") {
            let advertised = records(dot11.get("dot11.device.advertised_ssid_map"));
            let record = dot11
                .get("dot11.device.last_beaconed_ssid_record")
                .filter(|r| r.is_object());
            d.advertises = !advertised.is_empty() || record.is_some();
            let ssid_of = |r: &Value| {
                r.get("dot11.advertisedssid.ssid")
                    .and_then(Value::as_str)
                    .map(|s| json_bytes(s, parked))
            };
            let crypt_of = |r: &Value| {
                r.get("dot11.advertisedssid.crypt_string")
                    .and_then(Value::as_str)
                    .map(str::to_string)
            };
            // The last beaconed SSID: Kismet's record, else the SSID text (Osprey, older
            // Kismet) matched against the advertised records, else the newest record.
            let newest = advertised
                .iter()
                .copied()
                .max_by_key(|r| int(r.get("dot11.advertisedssid.last_time")).unwrap_or(0));
            if let Some(r) = record {
                d.ssid = ssid_of(r);
                d.crypt = crypt_of(r).unwrap_or_default();
            } else if let Some(s) = dot11
                .get("dot11.device.last_beaconed_ssid")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty() || newest.is_none())
            {
                let s = json_bytes(s, parked);
                d.crypt = advertised
                    .iter()
                    .find(|r| ssid_of(r).as_deref() == Some(&s[..]))
                    .and_then(|r| crypt_of(r))
                    .unwrap_or_default();
                d.ssid = Some(s);
            } else if let Some(r) = newest {
                d.ssid = ssid_of(r);
                d.crypt = crypt_of(r).unwrap_or_default();
            }
            for r in records(dot11.get("dot11.device.probed_ssid_map")) {
                if d.probed.len() >= MAX_PROBED {
                    break;
                }
                if let Some(s) = r.get("dot11.probedssid.ssid").and_then(Value::as_str) {
                    let s = json_bytes(s, parked);
                    if !s.is_empty() && !d.probed.contains(&s) {
                        d.probed.push(s);
                    }
                }
            }
        }
        if d.crypt.is_empty() {
            d.crypt = String::from_utf8_lossy(&base_crypt).into_owned();
        }
        d
    }

    /// Whether this is a Wi-Fi device.
    pub(crate) fn is_wifi(&self) -> bool {
        self.phy == "IEEE802.11"
    }

    /// Whether this is an access point (Kismet's and Osprey's AP types).
    pub(crate) fn is_ap(&self) -> bool {
        self.is_wifi() && (self.kind == "Wi-Fi AP" || self.kind == "Wi-Fi WDS AP")
    }

    /// The parsed encryption.
    pub(crate) fn crypto(&self) -> Crypto {
        Crypto::parse(&self.crypt)
    }

    /// The label a map shows: the SSID of an access point, else the device's own name, else
    /// its MAC; already [`super::printable`].
    pub(crate) fn label(&self) -> String {
        if let Some(s) = self.ssid.as_ref().filter(|s| !s.is_empty()) {
            if self.is_ap() || self.advertises {
                return super::printable(s);
            }
        }
        match &self.name {
            Some(n) => super::printable(n),
            None => self.mac.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::borrow::Cow;

    fn row(json: &[u8], kind: &str) -> DeviceRow<'static> {
        DeviceRow {
            first_time: 1_600_000_000,
            last_time: 1_600_000_100,
            devkey: None,
            phyname: Cow::Borrowed("IEEE802.11"),
            devmac: "AA:BB:CC:DD:EE:FF".parse().unwrap(),
            strongest_signal: -40,
            min_lat: 0.0,
            min_lon: 0.0,
            max_lat: 0.0,
            max_lon: 0.0,
            avg_lat: 0.0,
            avg_lon: 0.0,
            bytes_data: 0,
            device_type: Cow::Owned(kind.to_string()),
            device: Cow::Owned(json.to_vec()),
        }
    }

    #[test]
    fn raw_bytes_in_kismet_json_survive() {
        let mut j = br#"{"kismet.device.base.commonname":"x","dot11.device":{"dot11.device.last_beaconed_ssid_record":{"dot11.advertisedssid.ssid":""#.to_vec();
        j.extend_from_slice(b"\xb2\xe2\xca\xd4<&>");
        j.extend_from_slice(
            br#"","dot11.advertisedssid.crypt_string":"WPA2 WPA2-PSK AES-CCMP"}}}"#,
        );
        let d = DeviceInfo::from_row(&row(&j, "Wi-Fi AP"));
        assert!(d.record_ok);
        assert_eq!(d.ssid.as_deref(), Some(&b"\xb2\xe2\xca\xd4<&>"[..]));
        assert_eq!(d.crypt, "WPA2 WPA2-PSK AES-CCMP");
        assert!(d.advertises && d.is_ap());
        assert_eq!(d.label(), "\\xb2\\xe2\\xca\\xd4<&>");
    }

    #[test]
    fn raw_control_characters_in_strings_are_repaired() {
        let j = b"{\"kismet.device.base.commonname\":\"a\nb\"}";
        let d = DeviceInfo::from_row(&row(j, "Wi-Fi Client"));
        assert!(d.record_ok);
        assert_eq!(d.name.as_deref(), Some(&b"a\nb"[..]));
        assert_eq!(d.label(), "a\\x0ab");
    }

    #[test]
    fn osprey_records() {
        let j = br#"{"kismet.device.base.commonname":"home","kismet.device.base.crypt":"WPA2-PSK","kismet.device.base.manuf":"Acme","dot11.device":{"dot11.device.advertised_ssid_map":{"0":{"dot11.advertisedssid.ssid":"home","dot11.advertisedssid.crypt_string":"WPA2-PSK","dot11.advertisedssid.last_time":5}},"dot11.device.last_beaconed_ssid":"home","dot11.device.probed_ssid_map":{"0":{"dot11.probedssid.ssid":"cafe"},"1":{"dot11.probedssid.ssid":""}}}}"#;
        let d = DeviceInfo::from_row(&row(j, "Wi-Fi AP"));
        assert_eq!(d.ssid.as_deref(), Some(&b"home"[..]));
        assert_eq!(d.crypt, "WPA2-PSK");
        assert_eq!(d.manuf, b"Acme");
        assert_eq!(d.probed, vec![b"cafe".to_vec()]);
    }

    #[test]
    fn kismet_records_with_vectors_and_peak_location() {
        let j = br#"{"kismet.device.base.commonname":"AA:BB:CC:DD:EE:FF","kismet.device.base.signal":{"kismet.common.signal.peak_loc":{"kismet.common.location.geopoint":[-77.5,38.25],"kismet.common.location.alt":12.5}},"dot11.device":{"dot11.device.advertised_ssid_map":[{"dot11.advertisedssid.ssid":"old","dot11.advertisedssid.last_time":1,"dot11.advertisedssid.crypt_string":"WEP"},{"dot11.advertisedssid.ssid":"new","dot11.advertisedssid.last_time":9,"dot11.advertisedssid.crypt_string":"Open"}]}}"#;
        let d = DeviceInfo::from_row(&row(j, "Wi-Fi AP"));
        assert_eq!(d.name, None, "a name equal to the MAC is no name");
        assert_eq!(d.ssid.as_deref(), Some(&b"new"[..]));
        assert_eq!(d.crypt, "Open");
        assert_eq!(
            d.peak,
            Some(Point {
                lat: 38.25,
                lon: -77.5,
                alt: 12.5
            })
        );
    }

    #[test]
    fn unreadable_records_keep_the_row() {
        for j in [&b""[..], b"{", b"\xff\xfe", b"[1,2]", b"null"] {
            let d = DeviceInfo::from_row(&row(j, "Wi-Fi Client"));
            assert_eq!(d.kind, "Wi-Fi Client");
            assert_eq!(d.label(), "AA:BB:CC:DD:EE:FF");
        }
    }

    #[test]
    fn parked_bytes_round_trip() {
        let (v, parked) = parse_json(b"[\"\xff\xc3\xa9\"]").unwrap();
        assert!(parked);
        assert_eq!(json_bytes(v[0].as_str().unwrap(), parked), b"\xff\xc3\xa9");
        let (v, parked) = parse_json("[\"\u{10ff41}\"]".as_bytes()).unwrap();
        assert!(!parked, "valid UTF-8 is never unparked");
        assert_eq!(
            json_bytes(v[0].as_str().unwrap(), parked),
            "\u{10ff41}".as_bytes()
        );
    }
}
