//! Geographic exports of a kismetdb: device placemarks as KML 2.2 ([`kml`], Kismet's
//! `kismetdb_to_kml`), sightings as WiGLE CSV 1.6 ([`wigle`], `kismetdb_to_wiglecsv`) and the
//! GPS track as GPX 1.1 ([`gpx`], `kismetdb_to_gpx`).
//!
//! Where these differ from Kismet's tools (kismetdb spec §7, §13):
//!
//! * The input is read through [`kismetdb::Reader`], read-only: it is never vacuumed or
//!   otherwise modified, and logs of db versions 1 to 10 are read (v4 and older store GPS as
//!   integers × 100 000; the reader converts them).
//! * Positions come from one pass over `packets` and `data` (Kismet runs one full scan of
//!   `packets` per device), are checked (finite, within ±90/±180, not 0/0) and averaged without
//!   the antimeridian error of a plain mean; `--position strongest` uses the fix of the
//!   strongest packet instead.
//! * Exclusion zones are applied to every point, with the Earth's radius 6 371 km (Kismet's
//!   WiGLE tool checks only the first sighting of a device, and uses 6 731 km).
//! * Every text that comes from the air (SSIDs, names, manufacturers) passes through
//!   [`printable`] and is then escaped for the output format; KML descriptions are escaped
//!   twice because viewers render them as HTML.
//! * A log without GPS gives a valid, empty document rather than an error and no file.

pub mod gpx;
pub mod kml;
pub mod wigle;

mod crypto;
mod device;
mod text;
mod time;

use std::collections::HashMap;
use std::str::FromStr;

use kismetdb::{MacAddr, Reader, Table};

pub use text::printable;

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading the log failed (the message names the file).
    #[error(transparent)]
    Log(#[from] kismetdb::Error),
    /// Writing the output failed.
    #[error("writing the output: {0}")]
    Write(#[source] std::io::Error),
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Write(e)
    }
}

/// Result of the geographic exports.
pub type Result<T> = std::result::Result<T, Error>;

/// Mean radius of the Earth, metres.
pub const EARTH_RADIUS_M: f64 = 6_371_000.0;

/// Great-circle distance in metres (haversine).
pub fn distance_m(lat0: f64, lon0: f64, lat1: f64, lon1: f64) -> f64 {
    let (p0, p1) = (lat0.to_radians(), lat1.to_radians());
    let dp = p1 - p0;
    let dl = (lon1 - lon0).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p0.cos() * p1.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// A circle whose points are left out of every export (Kismet's `--exclude lat,lon,meters`),
/// for example around one's home.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Exclusion {
    /// Centre latitude, degrees.
    pub lat: f64,
    /// Centre longitude, degrees.
    pub lon: f64,
    /// Radius, metres.
    pub radius_m: f64,
}

impl Exclusion {
    /// True when the point lies within the zone (on the edge counts as inside).
    pub fn contains(&self, lat: f64, lon: f64) -> bool {
        distance_m(self.lat, self.lon, lat, lon) <= self.radius_m
    }
}

impl FromStr for Exclusion {
    type Err = String;

    /// Parses `LAT,LON,METERS`.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let parts: Vec<&str> = s.split(',').map(str::trim).collect();
        let [lat, lon, r] = parts[..] else {
            return Err(format!(
                "{s:?}: expected LAT,LON,METERS (for example 38.8977,-77.0365,500)"
            ));
        };
        let num = |what: &str, v: &str| -> std::result::Result<f64, String> {
            v.parse::<f64>()
                .ok()
                .filter(|x| x.is_finite())
                .ok_or_else(|| format!("{s:?}: {what} {v:?} is not a number"))
        };
        let (lat, lon, radius_m) = (
            num("latitude", lat)?,
            num("longitude", lon)?,
            num("radius", r)?,
        );
        if !(-90.0..=90.0).contains(&lat) {
            return Err(format!("{s:?}: latitude {lat} is outside -90..90"));
        }
        if !(-180.0..=180.0).contains(&lon) {
            return Err(format!("{s:?}: longitude {lon} is outside -180..180"));
        }
        if radius_m < 0.0 {
            return Err(format!("{s:?}: the radius must not be negative"));
        }
        Ok(Exclusion { lat, lon, radius_m })
    }
}

/// Which position a device gets.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PositionMode {
    /// The mean of every fix the device was seen at (Kismet's choice).
    #[default]
    Average,
    /// The fix of the packet received with the strongest signal; the mean when no packet
    /// carried a signal level.
    Strongest,
}

impl FromStr for PositionMode {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "average" | "avg" | "mean" => Ok(PositionMode::Average),
            "strongest" | "peak" => Ok(PositionMode::Strongest),
            _ => Err(format!("{s:?}: expected average or strongest")),
        }
    }
}

/// A position: degrees and metres (altitude 0 means unknown, as in Kismet's logs).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Point {
    /// Latitude, degrees.
    pub lat: f64,
    /// Longitude, degrees.
    pub lon: f64,
    /// Altitude, metres; 0 when unknown.
    pub alt: f64,
}

/// How the points of a log were sorted out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PointCounts {
    /// Rows with a usable position that were used.
    pub used: u64,
    /// Rows dropped because their position lies in an exclusion zone.
    pub excluded: u64,
    /// Rows whose position is not a position (non-finite, out of range): damaged rows.
    pub invalid: u64,
}

/// Sorts a raw position: `None` when there is none (0/0, Kismet's "no fix"), `Some(Err)` when
/// it is unusable or excluded (the count says which), `Some(Ok)` when usable.
pub(crate) fn check_point(
    lat: f64,
    lon: f64,
    alt: f64,
    zones: &[Exclusion],
    counts: &mut PointCounts,
) -> Option<Point> {
    if lat == 0.0 && lon == 0.0 {
        return None;
    }
    // Kismet's rule: a position needs both coordinates non-zero.
    if lat == 0.0 || lon == 0.0 {
        return None;
    }
    if !lat.is_finite()
        || !lon.is_finite()
        || !(-90.0..=90.0).contains(&lat)
        || !(-180.0..=180.0).contains(&lon)
    {
        counts.invalid += 1;
        return None;
    }
    if zones.iter().any(|z| z.contains(lat, lon)) {
        counts.excluded += 1;
        return None;
    }
    counts.used += 1;
    Some(Point {
        lat,
        lon,
        // Altitudes beyond ±100 km come from damaged rows; 0 is "unknown".
        alt: if alt.is_finite() && alt.abs() <= 100_000.0 {
            alt
        } else {
            0.0
        },
    })
}

/// Longitude shifted by whole turns to lie within 180° of `reference`.
fn unwrap_lon(lon: f64, reference: f64) -> f64 {
    let mut l = lon;
    while l - reference > 180.0 {
        l -= 360.0;
    }
    while reference - l > 180.0 {
        l += 360.0;
    }
    l
}

/// Longitude brought back into -180..180.
pub(crate) fn wrap_lon(lon: f64) -> f64 {
    if (-180.0..=180.0).contains(&lon) {
        lon
    } else {
        (lon + 180.0).rem_euclid(360.0) - 180.0
    }
}

/// The fixes of one device: running mean (relative to the first fix, so that precision is
/// kept and a device seen on both sides of the antimeridian is not averaged to longitude 0)
/// and the fix of the strongest packet.
#[derive(Clone, Debug)]
pub(crate) struct Fixes {
    first: Point,
    n: u64,
    sum_dlat: f64,
    sum_dlon: f64,
    n_alt: u64,
    sum_alt: f64,
    best_signal: i32,
    best: Option<Point>,
}

impl Fixes {
    fn new(p: Point) -> Fixes {
        Fixes {
            first: p,
            n: 0,
            sum_dlat: 0.0,
            sum_dlon: 0.0,
            n_alt: 0,
            sum_alt: 0.0,
            best_signal: i32::MIN,
            best: None,
        }
    }

    fn add(&mut self, p: Point, signal: i32) {
        self.n += 1;
        self.sum_dlat += p.lat - self.first.lat;
        self.sum_dlon += unwrap_lon(p.lon, self.first.lon) - self.first.lon;
        if p.alt != 0.0 {
            self.n_alt += 1;
            self.sum_alt += p.alt;
        }
        if signal != 0 && signal > self.best_signal {
            self.best_signal = signal;
            self.best = Some(p);
        }
    }

    /// Number of fixes.
    pub(crate) fn count(&self) -> u64 {
        self.n
    }

    /// The mean position.
    pub(crate) fn average(&self) -> Point {
        let n = self.n.max(1) as f64;
        Point {
            lat: (self.first.lat + self.sum_dlat / n).clamp(-90.0, 90.0),
            lon: wrap_lon(self.first.lon + self.sum_dlon / n),
            alt: if self.n_alt == 0 {
                0.0
            } else {
                self.sum_alt / self.n_alt as f64
            },
        }
    }

    /// The fix of the strongest packet and its signal, if any packet had a signal level.
    pub(crate) fn strongest(&self) -> Option<(Point, i32)> {
        self.best.map(|p| (p, self.best_signal))
    }
}

/// Phy names interned to small numbers, so that per-row lookups do not allocate.
#[derive(Default)]
pub(crate) struct Phys {
    ids: HashMap<String, u16>,
}

impl Phys {
    pub(crate) fn id(&mut self, name: &str) -> u16 {
        if let Some(&i) = self.ids.get(name) {
            return i;
        }
        let i = u16::try_from(self.ids.len()).unwrap_or(u16::MAX);
        self.ids.insert(name.to_string(), i);
        i
    }

    pub(crate) fn get(&self, name: &str) -> Option<u16> {
        self.ids.get(name).copied()
    }
}

/// One point of the GPS track.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct TrackPoint {
    /// Seconds since the epoch.
    pub(crate) sec: i64,
    /// Microseconds.
    pub(crate) usec: i64,
    /// The position.
    pub(crate) p: Point,
}

impl TrackPoint {
    fn micros(&self) -> i64 {
        self.sec
            .saturating_mul(1_000_000)
            .saturating_add(self.usec.clamp(0, 999_999))
    }
}

/// Collects track points, dropping a point equal to the one before it (Kismet stamps the
/// same fix on every packet until the GPS reports again), so that memory grows with the
/// number of fixes, not of packets.
#[derive(Default)]
pub(crate) struct Track {
    points: Vec<TrackPoint>,
}

impl Track {
    fn push(&mut self, sec: i64, usec: i64, p: Point) {
        if let Some(last) = self.points.last() {
            if last.p == p {
                return;
            }
        }
        self.points.push(TrackPoint { sec, usec, p });
    }

    /// The points in time order, a point equal to its predecessor removed.
    pub(crate) fn finish(mut self) -> Vec<TrackPoint> {
        self.points.sort_by_key(TrackPoint::micros);
        self.points
            .dedup_by(|b, a| a.p.lat == b.p.lat && a.p.lon == b.p.lon);
        self.points
    }
}

/// Splits a time-ordered track where two consecutive points are more than `gap_s` seconds
/// apart (`None`: never).
pub(crate) fn segments(points: &[TrackPoint], gap_s: Option<u64>) -> Vec<&[TrackPoint]> {
    let mut out = Vec::new();
    let mut start = 0;
    if let Some(gap) = gap_s {
        let gap = i64::try_from(gap)
            .unwrap_or(i64::MAX)
            .saturating_mul(1_000_000);
        for i in 1..points.len() {
            if points[i].micros().saturating_sub(points[i - 1].micros()) > gap {
                out.push(&points[start..i]);
                start = i;
            }
        }
    }
    if start < points.len() {
        out.push(&points[start..]);
    }
    out
}

/// What one pass over the located rows of a log found: every device's fixes, and optionally
/// the GPS track.
pub(crate) struct Scan {
    pub(crate) phys: Phys,
    pub(crate) fixes: HashMap<(u16, MacAddr), Fixes>,
    pub(crate) track: Vec<TrackPoint>,
    pub(crate) counts: PointCounts,
    /// Tables the log lacks (a damaged or truncated log), which were read as empty.
    pub(crate) missing: Vec<&'static str>,
}

impl Scan {
    /// The fixes of a device.
    pub(crate) fn device(&self, phy: &str, mac: MacAddr) -> Option<&Fixes> {
        let id = self.phys.get(phy)?;
        self.fixes.get(&(id, mac))
    }
}

/// Reads the positions of `packets` (by source MAC) and `data` (by device MAC) for the
/// devices' fixes, and for the track also GPS `snapshots`. With neither wanted nothing is
/// read.
pub(crate) fn scan(
    reader: &Reader,
    zones: &[Exclusion],
    want_devices: bool,
    want_track: bool,
) -> Result<Scan> {
    let mut phys = Phys::default();
    let mut fixes: HashMap<(u16, MacAddr), Fixes> = HashMap::new();
    let mut track = Track::default();
    let mut counts = PointCounts::default();
    let mut missing = Vec::new();
    let mut add = |phys: &mut Phys, phy: &str, mac: MacAddr, p: Point, signal: i32| {
        if !want_devices || mac.is_zero() {
            return;
        }
        let id = phys.id(phy);
        fixes
            .entry((id, mac))
            .or_insert_with(|| Fixes::new(p))
            .add(p, signal);
    };
    if !want_devices && !want_track {
        return Ok(Scan {
            phys,
            fixes,
            track: Vec::new(),
            counts,
            missing,
        });
    }
    if reader.columns(Table::Packets).is_some() {
        reader.packets()?.for_each(|r| -> Result<()> {
            let g = r.gps;
            if let Some(p) = check_point(g.lat, g.lon, g.alt, zones, &mut counts) {
                add(&mut phys, &r.phyname, r.sourcemac, p, r.signal);
                if want_track {
                    track.push(r.ts.sec, r.ts.usec, p);
                }
            }
            Ok(())
        })?;
    } else {
        missing.push("packets");
    }
    if reader.columns(Table::Data).is_some() {
        reader.data()?.for_each(|r| -> Result<()> {
            let g = r.gps;
            if let Some(p) = check_point(g.lat, g.lon, g.alt, zones, &mut counts) {
                add(&mut phys, &r.phyname, r.devmac, p, 0);
                if want_track {
                    track.push(r.ts.sec, r.ts.usec, p);
                }
            }
            Ok(())
        })?;
    } else {
        missing.push("data");
    }
    if want_track {
        if reader.columns(Table::Snapshots).is_some() {
            reader.snapshots()?.for_each(|r| -> Result<()> {
                if r.snaptype != "GPS" {
                    return Ok(());
                }
                let (fix, alt) = gps_snapshot_fix(&r.json);
                if fix.is_some_and(|f| f < 2) {
                    // Kismet logs a GPS's location even without a fix: a stale position.
                    return Ok(());
                }
                if let Some(p) = check_point(r.lat, r.lon, alt, zones, &mut counts) {
                    track.push(r.ts.sec, r.ts.usec, p);
                }
                Ok(())
            })?;
        } else {
            missing.push("snapshots");
        }
    }
    Ok(Scan {
        phys,
        fixes,
        track: track.finish(),
        counts,
        missing,
    })
}

/// Fix quality and altitude of a Kismet GPS snapshot (`kismet.gps.location`).
fn gps_snapshot_fix(json: &[u8]) -> (Option<i64>, f64) {
    let Some((v, _)) = device::parse_json(json) else {
        return (None, 0.0);
    };
    let loc = &v["kismet.gps.location"];
    let fix = loc["kismet.common.location.fix"].as_i64();
    let alt = loc["kismet.common.location.alt"].as_f64().unwrap_or(0.0);
    (fix, alt)
}

/// How a device's position was found.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum How {
    /// Mean of this many fixes of its packets and data rows.
    Average(u64),
    /// Fix of its strongest packet, of this signal (dBm).
    Strongest(i32),
    /// The devices table's `avg_lat`/`avg_lon` (no row of its own had a position).
    RecordAverage,
    /// Kismet's `signal.peak_loc` in the device record (no row of its own had a position).
    RecordPeak,
}

/// A device's position.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Placed {
    pub(crate) point: Point,
    pub(crate) how: How,
    /// True when the position comes from the device record, not from rows.
    pub(crate) from_record: bool,
}

impl Placed {
    /// `lat, lon (how)`.
    pub(crate) fn describe(&self) -> String {
        let how = match self.how {
            How::Average(1) => "one fix".to_string(),
            How::Average(n) => format!("average of {n} fixes"),
            How::Strongest(s) => format!("strongest signal, {s} dBm"),
            How::RecordAverage => "average stored in the devices table".to_string(),
            How::RecordPeak => "strongest-signal location stored in the device record".to_string(),
        };
        format!("{}, {} ({how})", num(self.point.lat), num(self.point.lon))
    }
}

/// Chooses a device's position: from the fixes of its rows when it has any, else from what
/// its device record stores (Kismet keeps a device's location even when its packets were not
/// logged or were deleted by retention). Positions from the record are checked and excluded
/// like the others.
pub(crate) fn place(
    d: &device::DeviceInfo,
    fixes: Option<&Fixes>,
    mode: PositionMode,
    zones: &[Exclusion],
    counts: &mut PointCounts,
) -> Option<Placed> {
    if let Some(f) = fixes.filter(|f| f.count() > 0) {
        if mode == PositionMode::Strongest {
            if let Some((p, s)) = f.strongest() {
                return Some(Placed {
                    point: p,
                    how: How::Strongest(s),
                    from_record: false,
                });
            }
        }
        return Some(Placed {
            point: f.average(),
            how: How::Average(f.count()),
            from_record: false,
        });
    }
    let candidates = match mode {
        PositionMode::Strongest => [
            (d.peak, How::RecordPeak),
            (Some(d.row_avg), How::RecordAverage),
        ],
        PositionMode::Average => [
            (Some(d.row_avg), How::RecordAverage),
            (d.peak, How::RecordPeak),
        ],
    };
    candidates.into_iter().find_map(|(p, how)| {
        let p = p?;
        check_point(p.lat, p.lon, p.alt, zones, counts).map(|point| Placed {
            point,
            how,
            from_record: true,
        })
    })
}

/// Formats a coordinate or altitude for text outputs: at most 8 decimals (1.1 mm of
/// latitude, far below GPS precision, and without the noise of binary fractions such as
/// `38.901399999999995`), trailing zeros removed, never in exponent form.
pub(crate) fn num(x: f64) -> String {
    let mut s = format!("{x:.8}");
    if s.contains('.') {
        let t = s.trim_end_matches('0').trim_end_matches('.').len();
        s.truncate(t);
    }
    if s == "-0" {
        s = "0".into();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusion_zones_parse_and_contain() {
        let z: Exclusion = "38.8977,-77.0365,500".parse().unwrap();
        assert!(z.contains(38.8977, -77.0365));
        assert!(z.contains(38.9010, -77.0365)); // ~367 m north
        assert!(!z.contains(38.9030, -77.0365)); // ~590 m north
        for bad in [
            "", "1,2", "1,2,3,4", "x,2,3", "91,0,1", "0,181,1", "1,2,-5", "1,2,inf",
        ] {
            assert!(bad.parse::<Exclusion>().is_err(), "{bad}");
        }
    }

    #[test]
    fn distance_uses_the_earths_mean_radius() {
        // One degree of latitude is 111.19 km on a sphere of radius 6371 km.
        let d = distance_m(0.0, 10.0, 1.0, 10.0);
        assert!((d - 111_194.9).abs() < 1.0, "{d}");
        assert_eq!(distance_m(10.0, 10.0, 10.0, 10.0), 0.0);
    }

    #[test]
    fn points_are_checked() {
        let mut c = PointCounts::default();
        assert!(check_point(0.0, 0.0, 0.0, &[], &mut c).is_none());
        assert!(check_point(10.0, 0.0, 0.0, &[], &mut c).is_none());
        assert_eq!(c, PointCounts::default());
        assert!(check_point(f64::INFINITY, 1.0, 0.0, &[], &mut c).is_none());
        assert!(check_point(91.0, 1.0, 0.0, &[], &mut c).is_none());
        assert!(check_point(1.0, -180.5, 0.0, &[], &mut c).is_none());
        assert_eq!(c.invalid, 3);
        let z = [Exclusion {
            lat: 1.0,
            lon: 1.0,
            radius_m: 10.0,
        }];
        assert!(check_point(1.0, 1.0, 0.0, &z, &mut c).is_none());
        assert_eq!(c.excluded, 1);
        let p = check_point(1.5, 1.0, f64::NAN, &z, &mut c).unwrap();
        assert_eq!((p.lat, p.lon, p.alt), (1.5, 1.0, 0.0));
        assert_eq!(c.used, 1);
    }

    #[test]
    fn averages_cross_the_antimeridian() {
        let p = |lat, lon| Point { lat, lon, alt: 0.0 };
        let mut f = Fixes::new(p(10.0, 179.9));
        f.add(p(10.0, 179.9), -50);
        f.add(p(12.0, -179.9), -40);
        let a = f.average();
        assert!((a.lat - 11.0).abs() < 1e-9);
        assert!((a.lon.abs() - 180.0).abs() < 1e-9, "{}", a.lon);
        assert_eq!(f.strongest(), Some((p(12.0, -179.9), -40)));
        assert_eq!(f.count(), 2);
        // Altitude 0 is "unknown" and not averaged in.
        let mut g = Fixes::new(p(1.0, 1.0));
        g.add(
            Point {
                alt: 10.0,
                ..p(1.0, 1.0)
            },
            0,
        );
        g.add(p(1.0, 1.0), 0);
        assert_eq!(g.average().alt, 10.0);
        assert_eq!(g.strongest(), None);
    }

    #[test]
    fn tracks_sort_and_collapse() {
        let p = |lat| Point {
            lat,
            lon: 5.0,
            alt: 0.0,
        };
        let mut t = Track::default();
        t.push(10, 0, p(1.0));
        t.push(11, 0, p(1.0));
        t.push(12, 0, p(2.0));
        t.push(5, 0, p(3.0));
        t.push(13, 0, p(2.0));
        let pts = t.finish();
        let lats: Vec<f64> = pts.iter().map(|t| t.p.lat).collect();
        assert_eq!(lats, [3.0, 1.0, 2.0]);
        let segs = segments(&pts, Some(4));
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[0].len(), 1);
        assert_eq!(segments(&pts, None).len(), 1);
        assert!(segments(&[], Some(1)).is_empty());
    }

    #[test]
    fn numbers_print_without_exponents() {
        assert_eq!(num(38.1), "38.1");
        assert_eq!(num(-0.000001), "-0.000001");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(1e-7), "0.0000001");
        assert_eq!(num(1e-9), "0");
        assert_eq!(num(38.901399999999995), "38.9014");
        assert_eq!(num(-77.00104999999999), "-77.00105");
        assert_eq!(num(120.0), "120");
        assert_eq!(num(-12.5), "-12.5");
    }

    #[test]
    fn position_modes_parse() {
        assert_eq!("Strongest".parse(), Ok(PositionMode::Strongest));
        assert_eq!("average".parse(), Ok(PositionMode::Average));
        assert!("best".parse::<PositionMode>().is_err());
    }
}
