//! `kismetdb_to_kml`, correct: one placemark per located device, in folders by device type
//! (access points further by encryption), as a KML 2.2 document.
//!
//! A placemark has the device's label as its name (SSID, own name or MAC), a description
//! (HTML, as Google Earth shows it) and the same facts as `ExtendedData` for programs, the
//! first/last-seen `TimeSpan` and a point at the device's average or strongest-signal
//! position. With [`KmlOptions::track`] the GPS track is added as lines.

use std::fmt::Write as _;
use std::io::Write;

use kismetdb::Reader;

use super::device::DeviceInfo;
use super::text::{html, xml, xml_into};
use super::{num, printable, scan, segments, time, Exclusion, PointCounts, PositionMode, Result};

/// KML 2.2's namespace.
pub const KML_NAMESPACE: &str = "http://www.opengis.net/kml/2.2";

/// How to write the KML.
#[derive(Clone, Debug, Default)]
pub struct KmlOptions {
    /// Which position a device gets.
    pub position: PositionMode,
    /// Points inside these zones are left out.
    pub exclusions: Vec<Exclusion>,
    /// Also draw the GPS track (split where fixes are more than `track_gap_s` apart).
    pub track: bool,
    /// Split the track where two fixes are more than this many seconds apart.
    pub track_gap_s: Option<u64>,
    /// Place devices only from what the devices table stores (its average, else Kismet's
    /// strongest-signal location in the record), without reading packets: fast on big logs.
    /// Kismet's `--basic-location`, which does not work there.
    pub basic_location: bool,
    /// The document's name (for example the input's file name).
    pub title: String,
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KmlSummary {
    /// Devices in the log.
    pub devices: u64,
    /// Placemarks written (devices with a position).
    pub placemarks: u64,
    /// Devices without any position.
    pub unlocated: u64,
    /// Devices placed from the devices table's columns or Kismet's peak location because no
    /// packet or data row of theirs had a position.
    pub from_device_record: u64,
    /// Located packet and data rows (and GPS snapshots when the track is drawn).
    pub points: PointCounts,
    /// Points of the track drawn.
    pub track_points: u64,
    /// Tables the log lacks, read as empty.
    pub missing_tables: Vec<&'static str>,
}

struct Placemark {
    folder: String,
    sub: Option<(super::crypto::CryptClass, &'static str)>,
    sort: String,
    xml: String,
}

const STYLES: [(&str, &str); 9] = [
    ("ap-open", "ff00ff00"),
    ("ap-wep", "ff00ffff"),
    ("ap-wpa", "ff0000ff"),
    ("ap-unknown", "ff7f7f7f"),
    ("wifi-client", "ffff0000"),
    ("wifi-other", "ffffff00"),
    ("btle", "ffff00ff"),
    ("bluetooth", "ffff007f"),
    ("other", "ffffffff"),
];

/// Points per `LineString` of the track.
const LINE_POINTS: usize = 10_000;

const ICON: &str = "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png";

fn style_of(d: &DeviceInfo) -> &'static str {
    use super::crypto::CryptClass as C;
    if d.is_ap() {
        return match d.crypto().class() {
            C::Open => "ap-open",
            C::Wep => "ap-wep",
            C::Wpa | C::Wpa2 | C::Wpa3 => "ap-wpa",
            C::Unknown => "ap-unknown",
        };
    }
    match d.phy.as_str() {
        "IEEE802.11" if d.kind == "Wi-Fi Client" => "wifi-client",
        "IEEE802.11" => "wifi-other",
        "BTLE" => "btle",
        "Bluetooth" => "bluetooth",
        _ => "other",
    }
}

/// Writes the KML document for `reader` to `out`.
pub fn write_kml(reader: &Reader, opts: &KmlOptions, out: &mut dyn Write) -> Result<KmlSummary> {
    let sc = scan(reader, &opts.exclusions, !opts.basic_location, opts.track)?;
    let mut summary = KmlSummary {
        points: sc.counts,
        missing_tables: sc.missing.clone(),
        ..KmlSummary::default()
    };
    let mut marks: Vec<Placemark> = Vec::new();
    if reader.columns(kismetdb::Table::Devices).is_some() {
        let mut counts = PointCounts::default();
        reader.devices()?.for_each(|row| -> Result<()> {
            summary.devices += 1;
            let d = DeviceInfo::from_row(&row);
            let fixes = sc.device(&d.phy, d.mac);
            let placed = super::place(&d, fixes, opts.position, &opts.exclusions, &mut counts);
            let Some(placed) = placed else {
                summary.unlocated += 1;
                return Ok(());
            };
            if placed.from_record {
                summary.from_device_record += 1;
            }
            marks.push(placemark(&d, &placed));
            Ok(())
        })?;
        summary.points.excluded += counts.excluded;
        summary.points.invalid += counts.invalid;
    } else {
        summary.missing_tables.push("devices");
    }
    summary.placemarks = marks.len() as u64;
    marks.sort_by(|a, b| {
        let top = |m: &Placemark| (m.folder != "Wi-Fi AP", m.folder.clone());
        top(a)
            .cmp(&top(b))
            .then(a.sub.cmp(&b.sub))
            .then(a.sort.cmp(&b.sort))
    });

    let mut head = String::new();
    head.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(head, "<kml xmlns=\"{KML_NAMESPACE}\">");
    head.push_str("<Document>\n<name>");
    xml_into(&mut head, &printable(opts.title.as_bytes()));
    head.push_str("</name>\n<description>");
    let how = match opts.position {
        PositionMode::Average => "the average of the positions it was seen at",
        PositionMode::Strongest => "where its strongest signal was received",
    };
    xml_into(
        &mut head,
        &format!(
            "Devices of a kismetdb log, written by Osprey {}. Each device is placed at {how}.",
            env!("CARGO_PKG_VERSION")
        ),
    );
    head.push_str("</description>\n");
    for (id, color) in STYLES {
        let _ = writeln!(
            head,
            "<Style id=\"{id}\"><IconStyle><color>{color}</color><scale>0.8</scale><Icon><href>{ICON}</href></Icon></IconStyle></Style>"
        );
    }
    head.push_str("<Style id=\"track\"><LineStyle><color>ff0000ff</color><width>3</width></LineStyle></Style>\n");
    out.write_all(head.as_bytes())?;

    let mut i = 0;
    while i < marks.len() {
        let folder = marks[i].folder.clone();
        let mut s = String::from("<Folder>\n<name>");
        xml_into(&mut s, &folder);
        s.push_str("</name>\n");
        out.write_all(s.as_bytes())?;
        let mut open_sub: Option<&'static str> = None;
        while i < marks.len() && marks[i].folder == folder {
            let sub = marks[i].sub.map(|(_, label)| label);
            if sub != open_sub {
                if open_sub.is_some() {
                    out.write_all(b"</Folder>\n")?;
                }
                if let Some(label) = sub {
                    write!(out, "<Folder>\n<name>{label}</name>\n")?;
                }
                open_sub = sub;
            }
            out.write_all(marks[i].xml.as_bytes())?;
            i += 1;
        }
        if open_sub.is_some() {
            out.write_all(b"</Folder>\n")?;
        }
        out.write_all(b"</Folder>\n")?;
    }

    if opts.track && !sc.track.is_empty() {
        let segs = segments(&sc.track, opts.track_gap_s);
        summary.track_points = sc.track.len() as u64;
        let mut s =
            String::from("<Folder>\n<name>GPS track</name>\n<Placemark>\n<name>GPS track</name>\n");
        if let (Some(a), Some(b)) = (sc.track.first(), sc.track.last()) {
            if let (Some(t0), Some(t1)) = (time::iso(a.sec, a.usec), time::iso(b.sec, b.usec)) {
                let _ = writeln!(s, "<TimeSpan><begin>{t0}</begin><end>{t1}</end></TimeSpan>");
            }
        }
        s.push_str("<styleUrl>#track</styleUrl>\n<MultiGeometry>\n");
        out.write_all(s.as_bytes())?;
        for seg in segs {
            if seg.len() == 1 {
                let p = seg[0].p;
                writeln!(
                    out,
                    "<Point><coordinates>{}</coordinates></Point>",
                    coords(p)
                )?;
                continue;
            }
            // Long tracks are cut into lines of at most LINE_POINTS points, each starting
            // where the one before ended: XML parsers cap the size of one text node (libxml2
            // at 10 MB by default).
            let mut start = 0;
            while start + 1 < seg.len() {
                let end = (start + LINE_POINTS).min(seg.len());
                out.write_all(b"<LineString><tessellate>1</tessellate><coordinates>\n")?;
                let mut line = String::new();
                for tp in &seg[start..end] {
                    line.clear();
                    line.push_str(&coords(tp.p));
                    line.push('\n');
                    out.write_all(line.as_bytes())?;
                }
                out.write_all(b"</coordinates></LineString>\n")?;
                start = end - 1;
            }
        }
        out.write_all(b"</MultiGeometry>\n</Placemark>\n</Folder>\n")?;
    }
    out.write_all(b"</Document>\n</kml>\n")?;
    out.flush()?;
    Ok(summary)
}

/// KML coordinates: `lon,lat[,alt]`.
fn coords(p: super::Point) -> String {
    if p.alt != 0.0 {
        format!("{},{},{}", num(p.lon), num(p.lat), num(p.alt))
    } else {
        format!("{},{}", num(p.lon), num(p.lat))
    }
}

fn placemark(d: &DeviceInfo, placed: &super::Placed) -> Placemark {
    let label = d.label();
    let mac = d.mac.to_string();
    let kind = if d.kind.is_empty() {
        "Unknown".to_string()
    } else {
        printable(d.kind.as_bytes())
    };
    let crypt = if d.is_wifi() && (d.is_ap() || d.advertises) && !d.crypt.is_empty() {
        Some(printable(d.crypt.as_bytes()))
    } else {
        None
    };
    let first = time::sql(d.first_time);
    let last = time::sql(d.last_time);
    let manuf = (!d.manuf.is_empty()).then(|| printable(&d.manuf));
    let ssid = d
        .ssid
        .as_ref()
        .filter(|_| d.advertises || d.is_ap())
        .map(|s| {
            if s.is_empty() {
                "(hidden)".to_string()
            } else {
                printable(s)
            }
        });
    let probed: Vec<String> = d.probed.iter().map(|s| printable(s)).collect();
    let channel = (!d.channel.is_empty()).then(|| printable(&d.channel));
    let position = placed.describe();

    // Facts, in display order: (ExtendedData name, display name, value).
    let mut facts: Vec<(&str, &str, String)> = vec![
        ("mac", "MAC", mac.clone()),
        ("phy", "Phy", printable(d.phy.as_bytes())),
        ("type", "Type", kind.clone()),
    ];
    if let Some(s) = &ssid {
        facts.push(("ssid", "SSID", s.clone()));
    }
    if let Some(c) = &crypt {
        facts.push(("crypt", "Encryption", c.clone()));
    }
    if let Some(n) = d.name.as_ref().map(|n| printable(n)) {
        if ssid.as_deref() != Some(n.as_str()) {
            facts.push(("name", "Name", n));
        }
    }
    if let Some(m) = manuf {
        facts.push(("manufacturer", "Manufacturer", m));
    }
    if let Some(c) = channel {
        facts.push(("channel", "Channel", c));
    }
    if let Some(f) = &first {
        facts.push(("first_seen", "First seen", format!("{f} UTC")));
    }
    if let Some(l) = &last {
        facts.push(("last_seen", "Last seen", format!("{l} UTC")));
    }
    if d.strongest_signal != 0 {
        facts.push((
            "strongest_signal",
            "Strongest signal",
            format!("{} dBm", d.strongest_signal),
        ));
    }
    if let Some(n) = d.packets {
        facts.push(("packets", "Packets", n.to_string()));
    }
    if !probed.is_empty() {
        facts.push(("probed_ssids", "Probed SSIDs", probed.join(", ")));
    }
    facts.push(("position", "Position", position));

    let mut desc = String::new();
    for (_, name, value) in &facts {
        let _ = write!(desc, "<b>{name}:</b> {}<br/>", html(value));
    }

    let mut s = String::with_capacity(1024);
    s.push_str("<Placemark>\n<name>");
    xml_into(&mut s, &label);
    s.push_str("</name>\n<description>");
    // The description is HTML: the values were escaped for HTML, and the whole is escaped
    // for XML, so a name like "<script>" shows as text.
    xml_into(&mut s, &desc);
    s.push_str("</description>\n");
    if let (Some(a), Some(b)) = (time::iso(d.first_time, 0), time::iso(d.last_time, 0)) {
        if d.first_time <= d.last_time {
            let _ = writeln!(s, "<TimeSpan><begin>{a}</begin><end>{b}</end></TimeSpan>");
        }
    }
    let _ = writeln!(s, "<styleUrl>#{}</styleUrl>", style_of(d));
    s.push_str("<ExtendedData>\n");
    for (key, _, value) in &facts {
        let _ = writeln!(
            s,
            "<Data name=\"{key}\"><value>{}</value></Data>",
            xml(value)
        );
    }
    s.push_str("</ExtendedData>\n");
    let _ = writeln!(
        s,
        "<Point><coordinates>{}</coordinates></Point>",
        coords(placed.point)
    );
    s.push_str("</Placemark>\n");

    let folder = kind;
    let sub = d.is_ap().then(|| {
        let c = d.crypto().class();
        (c, c.label())
    });
    Placemark {
        folder,
        sub,
        sort: format!("{label}\u{0}{mac}"),
        xml: s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kismetdb::{GpsFix, MacAddr, PacketRow, Timestamp, Uuid, Writer, WriterOptions};
    use std::borrow::Cow;

    /// A log of `n` packets from one source, each at its own position.
    fn track_log(path: &std::path::Path, n: u32) {
        let mut w = Writer::create(path, WriterOptions::default()).unwrap();
        for i in 0..n {
            w.insert_packet(&PacketRow {
                ts: Timestamp::new(1_700_000_000 + i64::from(i), 0),
                phyname: Cow::Borrowed("IEEE802.11"),
                sourcemac: MacAddr::new([2, 0, 0, 0, 0, 1]),
                destmac: MacAddr::BROADCAST,
                transmac: MacAddr::ZERO,
                frequency: 2_412_000.0,
                devkey: Cow::Borrowed("0"),
                gps: GpsFix {
                    lat: 10.0 + f64::from(i) * 1e-5,
                    lon: 20.0,
                    alt: 0.0,
                    speed: 0.0,
                    heading: 0.0,
                },
                packet_len: 0,
                signal: -50,
                datasource: Uuid::NIL,
                dlt: 105,
                packet: Cow::Borrowed(&[]),
                error: false,
                tags: Cow::Borrowed(""),
                datarate: 0.0,
                hash: 0,
                packetid: u64::from(i),
                packet_full_len: 0,
            })
            .unwrap();
        }
        w.close().unwrap();
    }

    #[test]
    fn long_tracks_are_cut_into_joined_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.kismet");
        let n = 2 * LINE_POINTS as u32 + 5;
        track_log(&path, n);
        let reader = Reader::open(&path).unwrap();
        let opts = KmlOptions {
            track: true,
            title: "t".into(),
            ..KmlOptions::default()
        };
        let mut out = Vec::new();
        let s = write_kml(&reader, &opts, &mut out).unwrap();
        assert_eq!(s.track_points, u64::from(n));
        // No devices table rows: no placemarks, but the track.
        assert_eq!(s.placemarks, 0);
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.split("<LineString>").skip(1).collect();
        assert_eq!(lines.len(), 3);
        let pts = |l: &str| -> Vec<String> {
            let a = l.find("<coordinates>").unwrap() + "<coordinates>".len();
            let b = l.find("</coordinates>").unwrap();
            l[a..b].split_whitespace().map(str::to_string).collect()
        };
        let (l0, l1) = (pts(lines[0]), pts(lines[1]));
        assert_eq!(l0.len(), LINE_POINTS);
        assert_eq!(l0.last(), l1.first(), "lines join");
        let total: usize = lines.iter().map(|l| pts(l).len()).sum();
        assert_eq!(total, n as usize + 2);
    }

    #[test]
    fn coordinates_are_lon_lat_alt() {
        let p = super::super::Point {
            lat: 38.5,
            lon: -77.25,
            alt: 0.0,
        };
        assert_eq!(coords(p), "-77.25,38.5");
        assert_eq!(
            coords(super::super::Point { alt: 12.5, ..p }),
            "-77.25,38.5,12.5"
        );
    }
}
