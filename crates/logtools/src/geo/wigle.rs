//! `kismetdb_to_wiglecsv`, correct: WiGLE's CSV format 1.6 (<https://api.wigle.net/csvFormat.html>).
//!
//! ```text
//! WigleWifi-1.6,appRelease=...,model=...,release=...,device=...,display=...,board=...,brand=...,star=Sol,body=3,subBody=0
//! MAC,SSID,AuthMode,FirstSeen,Channel,Frequency,RSSI,CurrentLatitude,CurrentLongitude,AltitudeMeters,AccuracyMeters,RCOIs,MfgrId,Type
//! ```
//!
//! Rows are sightings: a row is written for a network (an access point, or an ad-hoc or other
//! Wi-Fi device that advertises an SSID) or a Bluetooth device the first time a packet or
//! data row of it has a position, and again each time it is seen at another position, at
//! most once every [`WigleOptions::rate_limit_s`] seconds per device (0: every change). Wi-Fi
//! clients are not written: WiGLE maps networks. `FirstSeen` is the time of the sighting, as
//! WiGLE's own app writes it; Kismet's tool wrote one row per packet, all with the device's
//! first time, SSIDs mangled to octal escapes, version 1.4, and a Bluetooth branch that read
//! a column its query did not select. Fields are RFC 4180: a field with a comma or a quote is
//! quoted, quotes doubled. RSSI 0 and AccuracyMeters 0 mean unknown, as in Kismet's files.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write;

use kismetdb::{MacAddr, Reader, Table};

use super::device::DeviceInfo;
use super::text::csv;
use super::{check_point, num, printable, time, Exclusion, Phys, Point, PointCounts, Result};

/// The column header of format 1.6.
pub const HEADER: &str = "MAC,SSID,AuthMode,FirstSeen,Channel,Frequency,RSSI,CurrentLatitude,\
CurrentLongitude,AltitudeMeters,AccuracyMeters,RCOIs,MfgrId,Type";

/// Number of columns of a row.
pub const COLUMNS: usize = 14;

/// How to write the CSV.
#[derive(Clone, Debug)]
pub struct WigleOptions {
    /// Sightings inside these zones are left out.
    pub exclusions: Vec<Exclusion>,
    /// At most one row per device per this many seconds (a device that has not moved gets
    /// no new row anyway).
    pub rate_limit_s: u64,
}

impl Default for WigleOptions {
    fn default() -> Self {
        WigleOptions {
            exclusions: Vec::new(),
            rate_limit_s: 1,
        }
    }
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WigleSummary {
    /// Wi-Fi rows.
    pub wifi_rows: u64,
    /// Bluetooth and Bluetooth LE rows.
    pub bt_rows: u64,
    /// Devices that can be written (networks and Bluetooth devices).
    pub exportable_devices: u64,
    /// Devices written at least once.
    pub devices_written: u64,
    /// Other devices (Wi-Fi clients and the like), never written.
    pub other_devices: u64,
    /// Located rows (of any device): usable, excluded by zones, invalid.
    pub points: PointCounts,
    /// Located rows not written because the device had not moved or the rate limit held.
    pub repeats: u64,
    /// Tables the log lacks, read as empty.
    pub missing_tables: Vec<&'static str>,
}

enum Kind {
    Wifi {
        ssid: String,
        auth: String,
        freq_khz: f64,
    },
    Bt {
        name: String,
        le: bool,
    },
}

struct Entry {
    kind: Kind,
    first_time: i64,
    last: Option<(i64, f64, f64)>,
}

/// Keeps letters, digits and `._+-` of a value of the pre-header (it comes from the log).
fn token(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._+-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(64)
        .collect();
    if t.is_empty() {
        "unknown".into()
    } else {
        t
    }
}

/// The pre-header line for a log written by `kismet_version` (`KISMET.kismet_version`).
pub fn pre_header(kismet_version: &str) -> String {
    let (model, release) = match kismet_version.strip_prefix("osprey ") {
        Some(v) => ("Osprey", v),
        None => ("Kismet", kismet_version),
    };
    format!(
        "WigleWifi-1.6,appRelease=osprey-{app},model={model},release={rel},device=osprey,\
         display=none,board=none,brand=Osprey,star=Sol,body=3,subBody=0",
        app = token(env!("CARGO_PKG_VERSION")),
        rel = token(release),
    )
}

/// Wi-Fi channel of a frequency in kHz (Linux's `ieee80211_freq_khz_to_channel`), 0 when
/// unknown.
pub fn wifi_channel(khz: f64) -> u32 {
    if !khz.is_finite() || khz <= 0.0 {
        return 0;
    }
    let mhz = (khz / 1000.0).round() as i64;
    let ch = match mhz {
        2484 => 14,
        2407..=2483 => (mhz - 2407) / 5,
        4910..=4980 => (mhz - 4000) / 5,
        5000..=5924 => (mhz - 5000) / 5,
        5935 => 2,
        5950..=45000 => (mhz - 5950) / 5,
        58320..=70200 => (mhz - 56160) / 2160,
        _ => 0,
    };
    u32::try_from(ch).unwrap_or(0)
}

/// Writes the WiGLE CSV for `reader` to `out`.
pub fn write_wigle_csv(
    reader: &Reader,
    opts: &WigleOptions,
    out: &mut dyn Write,
) -> Result<WigleSummary> {
    let mut summary = WigleSummary::default();
    let mut phys = Phys::default();
    let mut entries: HashMap<(u16, MacAddr), Entry> = HashMap::new();
    if reader.columns(Table::Devices).is_some() {
        reader.devices()?.for_each(|row| -> Result<()> {
            let d = DeviceInfo::from_row(&row);
            let kind = if d.is_wifi() && (d.is_ap() || d.advertises) {
                let ibss = d.kind == "Wi-Fi Ad-Hoc";
                Kind::Wifi {
                    ssid: printable(d.ssid.as_deref().unwrap_or_default()),
                    auth: d.crypto().wigle_auth(ibss),
                    freq_khz: d.frequency_khz,
                }
            } else if d.phy == "BTLE" || d.phy == "Bluetooth" {
                Kind::Bt {
                    name: d.name.as_deref().map(printable).unwrap_or_default(),
                    le: d.phy == "BTLE",
                }
            } else {
                summary.other_devices += 1;
                return Ok(());
            };
            summary.exportable_devices += 1;
            let id = phys.id(&d.phy);
            entries.insert(
                (id, d.mac),
                Entry {
                    kind,
                    first_time: d.first_time,
                    last: None,
                },
            );
            Ok(())
        })?;
    } else {
        summary.missing_tables.push("devices");
    }

    let mut head = pre_header(&reader.meta().kismet_version);
    head.push('\n');
    head.push_str(HEADER);
    head.push('\n');
    out.write_all(head.as_bytes())?;

    let mut line = String::with_capacity(256);
    let mut counts = PointCounts::default();
    let mut missing = Vec::new();
    let (mut wifi_rows, mut bt_rows, mut repeats, mut written) = (0u64, 0u64, 0u64, 0u64);
    let rate = i64::try_from(opts.rate_limit_s).unwrap_or(i64::MAX);
    let mut sighting = |phy: &str,
                        mac: MacAddr,
                        ts: i64,
                        g: kismetdb::GpsFix,
                        freq_khz: f64,
                        signal: i32,
                        out: &mut dyn Write|
     -> Result<()> {
        if !g.has_location() {
            return Ok(());
        }
        let Some(p) = check_point(g.lat, g.lon, g.alt, &opts.exclusions, &mut counts) else {
            return Ok(());
        };
        let Some(id) = phys.get(phy) else {
            return Ok(());
        };
        let Some(e) = entries.get_mut(&(id, mac)) else {
            return Ok(());
        };
        if let Some((t, lat, lon)) = e.last {
            if (lat == p.lat && lon == p.lon) || ts.abs_diff(t) < rate.unsigned_abs() {
                repeats += 1;
                return Ok(());
            }
        } else {
            written += 1;
        }
        e.last = Some((ts, p.lat, p.lon));
        line.clear();
        row(&mut line, mac, e, ts, p, freq_khz, signal);
        match e.kind {
            Kind::Wifi { .. } => wifi_rows += 1,
            Kind::Bt { .. } => bt_rows += 1,
        }
        out.write_all(line.as_bytes())?;
        Ok(())
    };
    if reader.columns(Table::Packets).is_some() {
        reader.packets()?.for_each(|r| -> Result<()> {
            sighting(
                &r.phyname,
                r.sourcemac,
                r.ts.sec,
                r.gps,
                r.frequency,
                r.signal,
                out,
            )
        })?;
    } else {
        missing.push("packets");
    }
    if reader.columns(Table::Data).is_some() {
        reader.data()?.for_each(|r| -> Result<()> {
            sighting(&r.phyname, r.devmac, r.ts.sec, r.gps, 0.0, 0, out)
        })?;
    } else {
        missing.push("data");
    }
    summary.points = counts;
    summary.missing_tables.extend(missing);
    summary.wifi_rows = wifi_rows;
    summary.bt_rows = bt_rows;
    summary.repeats = repeats;
    summary.devices_written = written;
    out.flush()?;
    Ok(summary)
}

fn row(line: &mut String, mac: MacAddr, e: &Entry, ts: i64, p: Point, freq_khz: f64, signal: i32) {
    let seen = time::sql(ts)
        .or_else(|| time::sql(e.first_time))
        .unwrap_or_default();
    let mac = mac.to_string().to_ascii_lowercase();
    let alt = if p.alt.is_finite() {
        (p.alt.round().clamp(-1e9, 1e9)) as i64
    } else {
        0
    };
    let (ssid, auth, channel, freq, ty): (&str, &str, u32, String, &str) = match &e.kind {
        Kind::Wifi {
            ssid,
            auth,
            freq_khz: dev_khz,
        } => {
            let khz = if freq_khz.is_finite() && freq_khz > 0.0 {
                freq_khz
            } else {
                *dev_khz
            };
            let mhz = if khz.is_finite() && khz > 0.0 && khz < 1e9 {
                (khz / 1000.0).round() as i64
            } else {
                0
            };
            (ssid, auth, wifi_channel(khz), mhz.to_string(), "WIFI")
        }
        Kind::Bt { name, le } => (
            name,
            if *le { "Misc [LE]" } else { "Misc [BT]" },
            0,
            String::new(),
            if *le { "BLE" } else { "BT" },
        ),
    };
    let _ = writeln!(
        line,
        "{mac},{},{},{seen},{channel},{freq},{signal},{},{},{alt},0,,,{ty}",
        csv(ssid),
        csv(auth),
        num(p.lat),
        num(p.lon),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_of_frequencies() {
        assert_eq!(wifi_channel(2_412_000.0), 1);
        assert_eq!(wifi_channel(2_484_000.0), 14);
        assert_eq!(wifi_channel(5_180_000.0), 36);
        assert_eq!(wifi_channel(5_805_000.0), 161);
        assert_eq!(wifi_channel(5_955_000.0), 1); // 6 GHz channel 1
        assert_eq!(wifi_channel(5_935_000.0), 2);
        assert_eq!(wifi_channel(60_480_000.0), 2);
        assert_eq!(wifi_channel(0.0), 0);
        assert_eq!(wifi_channel(f64::NAN), 0);
        assert_eq!(wifi_channel(915_000.0), 0);
        assert_eq!(wifi_channel(1e300), 0);
    }

    #[test]
    fn pre_header_values_cannot_break_the_line() {
        let h = pre_header("2025.09.0");
        assert!(h.starts_with("WigleWifi-1.6,appRelease=osprey-"));
        assert!(h.contains(",model=Kismet,release=2025.09.0,"));
        assert!(h.ends_with(",star=Sol,body=3,subBody=0"));
        let h = pre_header("osprey 1.2.3");
        assert!(h.contains(",model=Osprey,release=1.2.3,"));
        let h = pre_header("x,y\nz=\"");
        assert!(h.contains(",release=x_y_z__,"));
        assert_eq!(h.matches(',').count(), 10);
        assert!(pre_header("").contains("release=unknown"));
    }

    #[test]
    fn rows_have_fourteen_columns() {
        let e = Entry {
            kind: Kind::Wifi {
                ssid: "a,\"b\"".into(),
                auth: "[WPA2-PSK-CCMP][ESS]".into(),
                freq_khz: 2_437_000.0,
            },
            first_time: 1_600_000_000,
            last: None,
        };
        let mut line = String::new();
        let p = Point {
            lat: 38.5,
            lon: -77.25,
            alt: 12.6,
        };
        row(
            &mut line,
            "AA:BB:CC:DD:EE:FF".parse().unwrap(),
            &e,
            1_600_000_001,
            p,
            0.0,
            -41,
        );
        assert_eq!(
            line,
            "aa:bb:cc:dd:ee:ff,\"a,\"\"b\"\"\",[WPA2-PSK-CCMP][ESS],2020-09-13 12:26:41,6,2437,-41,38.5,-77.25,13,0,,,WIFI\n"
        );
        let e = Entry {
            kind: Kind::Bt {
                name: String::new(),
                le: true,
            },
            first_time: 0,
            last: None,
        };
        line.clear();
        row(
            &mut line,
            "AA:BB:CC:DD:EE:FF".parse().unwrap(),
            &e,
            0,
            p,
            0.0,
            0,
        );
        assert_eq!(
            line,
            "aa:bb:cc:dd:ee:ff,,Misc [LE],,0,,0,38.5,-77.25,13,0,,,BLE\n"
        );
    }
}
