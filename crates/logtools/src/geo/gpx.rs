//! `kismetdb_to_gpx`, correct: the GPS track of a log as GPX 1.1, time ordered, with the
//! located devices as waypoints.
//!
//! Track points come from every row with a position: packets, data rows and Kismet's GPS
//! snapshots (those logged without a fix are skipped: Kismet logs a GPS's last position even
//! when it has lost its fix). Kismet stamps the current fix on every packet, so a point equal
//! to the one before it is dropped. The track is split into segments where two fixes are
//! further apart in time than [`GpxOptions::segment_gap_s`]. Kismet's tool wrote GPX 1.0 with
//! the snapshots alone, in row order, and nothing at all with `--basic-location`.

use std::fmt::Write as _;
use std::io::Write;

use kismetdb::Reader;

use super::device::DeviceInfo;
use super::text::xml_into;
use super::{
    num, printable, scan, segments, time, Exclusion, Point, PointCounts, PositionMode, Result,
};

/// GPX 1.1's namespace.
pub const GPX_NAMESPACE: &str = "http://www.topografix.com/GPX/1/1";

/// How to write the GPX.
#[derive(Clone, Debug, Default)]
pub struct GpxOptions {
    /// Which position a device's waypoint gets.
    pub position: PositionMode,
    /// Points inside these zones are left out.
    pub exclusions: Vec<Exclusion>,
    /// Write a waypoint per located device (Kismet's tool does).
    pub waypoints: bool,
    /// Start a new track segment where two fixes are more than this many seconds apart.
    pub segment_gap_s: Option<u64>,
    /// Place waypoints only from what the devices table stores (see
    /// [`super::kml::KmlOptions::basic_location`]); the track still reads every row.
    pub basic_location: bool,
    /// The document's name (for example the input's file name).
    pub title: String,
}

/// What was written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GpxSummary {
    /// Track points written.
    pub track_points: u64,
    /// Track segments written.
    pub segments: u64,
    /// Waypoints written.
    pub waypoints: u64,
    /// Devices without a position (no waypoint).
    pub unlocated: u64,
    /// Located rows.
    pub points: PointCounts,
    /// Tables the log lacks, read as empty.
    pub missing_tables: Vec<&'static str>,
}

/// GPX longitudes are -180 ≤ lon < 180.
fn gpx_lon(lon: f64) -> f64 {
    if lon >= 180.0 {
        lon - 360.0
    } else {
        lon
    }
}

fn latlon(p: Point) -> String {
    format!("lat=\"{}\" lon=\"{}\"", num(p.lat), num(gpx_lon(p.lon)))
}

/// Writes the GPX document for `reader` to `out`.
pub fn write_gpx(reader: &Reader, opts: &GpxOptions, out: &mut dyn Write) -> Result<GpxSummary> {
    let sc = scan(
        reader,
        &opts.exclusions,
        opts.waypoints && !opts.basic_location,
        true,
    )?;
    let mut summary = GpxSummary {
        points: sc.counts,
        missing_tables: sc.missing.clone(),
        ..GpxSummary::default()
    };

    // Waypoints: (sort key, point, xml).
    let mut wpts: Vec<(String, Point, String)> = Vec::new();
    if opts.waypoints {
        if reader.columns(kismetdb::Table::Devices).is_some() {
            let mut counts = PointCounts::default();
            reader.devices()?.for_each(|row| -> Result<()> {
                let d = DeviceInfo::from_row(&row);
                let fixes = sc.device(&d.phy, d.mac);
                match super::place(&d, fixes, opts.position, &opts.exclusions, &mut counts) {
                    Some(placed) => wpts.push(waypoint(&d, &placed)),
                    None => summary.unlocated += 1,
                }
                Ok(())
            })?;
            summary.points.excluded += counts.excluded;
            summary.points.invalid += counts.invalid;
        } else {
            summary.missing_tables.push("devices");
        }
        wpts.sort_by(|a, b| a.0.cmp(&b.0));
    }
    summary.waypoints = wpts.len() as u64;

    let mut head = String::new();
    head.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        head,
        "<gpx version=\"1.1\" creator=\"Osprey {}\" xmlns=\"{GPX_NAMESPACE}\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"{GPX_NAMESPACE} http://www.topografix.com/GPX/1/1/gpx.xsd\">",
        env!("CARGO_PKG_VERSION")
    );
    head.push_str("<metadata>\n<name>");
    xml_into(&mut head, &printable(opts.title.as_bytes()));
    head.push_str("</name>\n<desc>GPS track and device positions of a kismetdb log</desc>\n");
    let all = wpts.iter().map(|w| w.1).chain(sc.track.iter().map(|t| t.p));
    if let Some((a, b, c, d)) = bounds(all) {
        let _ = writeln!(
            head,
            "<bounds minlat=\"{}\" minlon=\"{}\" maxlat=\"{}\" maxlon=\"{}\"/>",
            num(a),
            num(b),
            num(c),
            num(d)
        );
    }
    head.push_str("</metadata>\n");
    out.write_all(head.as_bytes())?;
    for (_, _, x) in &wpts {
        out.write_all(x.as_bytes())?;
    }

    if !sc.track.is_empty() {
        let segs = segments(&sc.track, opts.segment_gap_s);
        summary.segments = segs.len() as u64;
        summary.track_points = sc.track.len() as u64;
        out.write_all(b"<trk>\n<name>GPS track</name>\n")?;
        let mut s = String::with_capacity(256);
        for seg in segs {
            out.write_all(b"<trkseg>\n")?;
            for tp in seg {
                s.clear();
                let _ = write!(s, "<trkpt {}>", latlon(tp.p));
                if tp.p.alt != 0.0 {
                    let _ = write!(s, "<ele>{}</ele>", num(tp.p.alt));
                }
                if let Some(t) = time::iso(tp.sec, tp.usec) {
                    let _ = write!(s, "<time>{t}</time>");
                }
                s.push_str("</trkpt>\n");
                out.write_all(s.as_bytes())?;
            }
            out.write_all(b"</trkseg>\n")?;
        }
        out.write_all(b"</trk>\n")?;
    }
    out.write_all(b"</gpx>\n")?;
    out.flush()?;
    Ok(summary)
}

/// Bounding box (minlat, minlon, maxlat, maxlon) of some points.
fn bounds(points: impl Iterator<Item = Point>) -> Option<(f64, f64, f64, f64)> {
    points.fold(None, |acc, p| {
        let lon = gpx_lon(p.lon);
        Some(match acc {
            None => (p.lat, lon, p.lat, lon),
            Some((a, b, c, d)) => (a.min(p.lat), b.min(lon), c.max(p.lat), d.max(lon)),
        })
    })
}

fn waypoint(d: &DeviceInfo, placed: &super::Placed) -> (String, Point, String) {
    let label = d.label();
    let mut s = String::with_capacity(512);
    let _ = write!(s, "<wpt {}>", latlon(placed.point));
    if placed.point.alt != 0.0 {
        let _ = write!(s, "<ele>{}</ele>", num(placed.point.alt));
    }
    if let Some(t) = time::iso(d.first_time, 0) {
        let _ = write!(s, "<time>{t}</time>");
    }
    s.push_str("<name>");
    xml_into(&mut s, &label);
    s.push_str("</name><desc>");
    let mut desc = format!("{} {}", d.mac, printable(d.kind.as_bytes()));
    if (d.is_ap() || d.advertises) && !d.crypt.is_empty() {
        let _ = write!(desc, ", {}", printable(d.crypt.as_bytes()));
    }
    if !d.manuf.is_empty() {
        let _ = write!(desc, ", {}", printable(&d.manuf));
    }
    if let (Some(a), Some(b)) = (time::sql(d.first_time), time::sql(d.last_time)) {
        let _ = write!(desc, ", seen {a} to {b} UTC");
    }
    let _ = write!(desc, "; position {}", placed.describe());
    xml_into(&mut s, &desc);
    s.push_str("</desc><type>");
    xml_into(&mut s, &printable(d.kind.as_bytes()));
    s.push_str("</type></wpt>\n");
    (format!("{label}\u{0}{}", d.mac), placed.point, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longitudes_are_in_gpx_range() {
        assert_eq!(gpx_lon(180.0), -180.0);
        assert_eq!(gpx_lon(-180.0), -180.0);
        assert_eq!(gpx_lon(12.5), 12.5);
    }

    #[test]
    fn bounds_of_points() {
        let p = |lat, lon| Point { lat, lon, alt: 0.0 };
        assert_eq!(bounds([].into_iter()), None);
        assert_eq!(
            bounds([p(1.0, 2.0), p(-1.0, 5.0)].into_iter()),
            Some((-1.0, 2.0, 1.0, 5.0))
        );
    }
}
