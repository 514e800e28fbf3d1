//! Device records for the REST API without rebuilding them per request.
//!
//! Writing a device's Kismet JSON record takes microseconds, and simplifying it to a `fields`
//! list (parsing it again) a few more; a server with thousands of devices polled by dozens of
//! clients cannot do that for every device of every request, and not while holding the
//! engine that ingest needs. So the records are kept in a [`DeviceSnapshot`]:
//!
//! * a device's record is rebuilt only when the device changed: each record remembers the
//!   device's serial (its identity: a MAC removed from tracking and seen again is another
//!   device), packet count, last time and the sizes of its client lists; the tracker changes a
//!   device only while observing a packet that names it, which always counts in its packets,
//!   or when it removes a related device, which shrinks a client list (the tests compare every
//!   cached record with one written from scratch, replaying shared captures, with and without
//!   a device limit);
//! * when the tracker has removed devices (its device limit, its idle timeout), the others
//!   moved down in its list: their records are found again by serial, not rebuilt;
//! * the engine is locked only to find the changed devices and copy them; their records (and
//!   the `fields` renderings recent requests asked for, [`CachedDevice::row`]) are written
//!   after the lock is released;
//! * a snapshot records how many frames the engine had processed when it was taken: while no
//!   frame has been processed since, it is exact and is served without locking anything;
//! * the clients that saw the same snapshot ask the same question next (their `last-time`
//!   is the newest time they received), so a response body is made once per snapshot and
//!   question and shared ([`DeviceSnapshot::body`]).
//!
//! Two freshness levels ([`Freshness`]): [`Freshness::Exact`] gives the devices as of a
//! moment after the request arrived (refreshing the snapshot first if the engine moved on;
//! requests that arrive during a refresh share the next one). [`Freshness::Recent`], for
//! `/devices/last-time` polls, accepts a snapshot up to [`MAX_STALE`] old while frames are
//! being processed and has a background thread refresh it: during a full-speed replay every
//! access point changes between any two requests, and rebuilding hundreds of records per
//! request would take more time than ingest itself. The background refresh spends about a
//! fifth of its time refreshing ([`REFRESH_DUTY`], [`MIN_GAP`], [`MAX_GAP`]); its thread is
//! started with the devices, so it runs at the priority of the thread that makes them. When
//! ingest is idle, the snapshot is exact at both levels.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use std::time::{Duration, Instant};

use crate::backend::{DeviceItem, SharedEngine};
use crate::devices::DeviceRecord;
use crate::format::{self, FieldSpec};

/// How old a snapshot [`Freshness::Recent`] accepts while the engine is processing frames
/// (a bound for when the background refresh cannot keep up; it normally refreshes every few
/// tens of milliseconds).
pub const MAX_STALE: Duration = Duration::from_secs(2);

/// The background refresh waits at least this long after a refresh before the next one...
pub const MIN_GAP: Duration = Duration::from_millis(20);

/// ... and this many times as long as the last refresh took...
pub const REFRESH_DUTY: u32 = 4;

/// ... but no longer than this.
pub const MAX_GAP: Duration = Duration::from_millis(250);

/// Renderings kept per device (the first field lists asked for in the device's state).
pub const ROWS_PER_DEVICE: usize = 4;

/// Field lists remembered by [`fields_id`] (a list forgotten gets a new id when it comes
/// back).
const FIELD_LISTS_KEPT: usize = 32;

/// A field list is rendered ahead, at each refresh, while it was asked for this recently.
const FIELD_LIST_ACTIVE: Duration = Duration::from_secs(10);

/// How fresh a [`DeviceSnapshot`] must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// The devices as of a moment after the request arrived.
    Exact,
    /// Possibly up to [`MAX_STALE`] older while frames are being processed; exact otherwise.
    Recent,
}

/// What a cached record was built from: the record is rebuilt when any of it changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    serial: u64,
    packets: u64,
    last_time: i64,
    /// Sizes of the client lists, which shrink when related devices are removed.
    clients: usize,
    client_of: usize,
}

impl Stamp {
    fn of(d: &osprey_tracker::Device) -> Stamp {
        Stamp {
            serial: d.serial,
            packets: d.packets,
            last_time: d.last_time,
            clients: d.clients.len(),
            client_of: d.client_of.len(),
        }
    }
}

/// One device of a [`DeviceSnapshot`]: its record, and renderings of it (such as a `fields`
/// simplification) made once per state of the device and shared by every request.
///
/// The renderings are set once and then only read (an atomic load each, no lock and no
/// reference count to update, so concurrent requests do not contend on them).
#[derive(Debug)]
pub struct CachedDevice {
    /// The record.
    pub record: DeviceRecord,
    /// (rendering id, text).
    rows: [OnceLock<(u64, Box<str>)>; ROWS_PER_DEVICE],
}

/// What [`CachedDevice::row`] gives: a kept rendering, or one made for this call only (when
/// every slot holds another rendering).
pub enum Row<'d> {
    /// Kept with the record.
    Kept(&'d str),
    /// Made for this call.
    Made(String),
}

impl std::ops::Deref for Row<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        match self {
            Row::Kept(s) => s,
            Row::Made(s) => s,
        }
    }
}

impl CachedDevice {
    fn new(record: DeviceRecord) -> CachedDevice {
        CachedDevice {
            record,
            rows: Default::default(),
        }
    }

    /// The record as `render` writes it, for a rendering identified by `id` (the same id must
    /// always mean the same rendering): made on first use and kept with the record while it
    /// has room ([`ROWS_PER_DEVICE`] renderings).
    pub fn row(&self, id: u64, render: impl FnOnce(&DeviceRecord) -> String) -> Row<'_> {
        let mut render = Some(render);
        let mut made: Option<Box<str>> = None;
        for slot in &self.rows {
            if slot.get().is_none() {
                let text = match (made.take(), render.take()) {
                    (Some(t), _) => t,
                    (None, Some(f)) => f(&self.record).into_boxed_str(),
                    (None, None) => break,
                };
                // Another thread may fill the slot first (then this one is tried next).
                if let Err((_, t)) = slot.set((id, text)) {
                    made = Some(t);
                }
            }
            match slot.get() {
                Some((i, r)) if *i == id => return Row::Kept(r),
                _ => {}
            }
        }
        match (made, render) {
            (Some(t), _) => Row::Made(t.into_string()),
            (None, Some(f)) => Row::Made(f(&self.record)),
            (None, None) => Row::Made(String::new()),
        }
    }

    /// The record simplified to `fields` as the device endpoints write it (the record itself
    /// for an empty list), kept with the record under the list's [`fields_id`].
    pub fn fields_row(&self, fields: &[FieldSpec], id: u64) -> Row<'_> {
        self.row(id, |r| render_fields(r, fields))
    }
}

/// A record simplified to `fields` (`{}` if the record does not parse; the record itself for
/// an empty list), as the device endpoints write it.
pub fn render_fields(rec: &DeviceRecord, fields: &[FieldSpec]) -> String {
    format::simplify(&rec.json, fields).unwrap_or_else(|_| "{}".to_string())
}

/// What a response body made from a snapshot depends on, besides the snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyKey {
    /// The last-time cutoff.
    pub cutoff: i64,
    /// The field list's id ([`fields_id`]), if any.
    pub fields: Option<u64>,
    /// The output format.
    pub format: format::Format,
}

/// Response bodies made from one snapshot, most recent last.
type Bodies = Mutex<Vec<(BodyKey, Arc<OnceLock<axum::body::Bytes>>)>>;

/// Bodies kept per snapshot.
const BODIES_PER_SNAPSHOT: usize = 8;

/// The devices as of one moment: cheap to clone (records are shared, not copied), in
/// creation order.
#[derive(Clone, Debug, Default)]
pub struct DeviceSnapshot {
    /// Response bodies made from this snapshot (live snapshots only).
    bodies: Option<Arc<Bodies>>,
    devices: Arc<Vec<Arc<CachedDevice>>>,
    /// The devices' last times, by index (scanned without touching the records).
    last_times: Arc<Vec<i64>>,
    /// Frames the engine had processed when it was taken (live snapshots).
    frames: Option<u64>,
    /// When it was taken (live snapshots).
    taken: Option<Instant>,
}

impl DeviceSnapshot {
    /// A snapshot of `items`, in order.
    pub fn from_items(items: Vec<DeviceItem>) -> DeviceSnapshot {
        let last_times = items.iter().map(|d| d.last_time).collect();
        let devices = items
            .into_iter()
            .map(|d| {
                Arc::new(CachedDevice::new(DeviceRecord {
                    key: d.key,
                    mac: d.mac,
                    phy: d.phy,
                    last_time: d.last_time,
                    json: d.json,
                }))
            })
            .collect();
        DeviceSnapshot {
            devices: Arc::new(devices),
            last_times: Arc::new(last_times),
            frames: None,
            taken: None,
            bodies: None,
        }
    }

    /// The response body for `key` made from this snapshot: made by `make` once and shared
    /// by the requests that ask for it (the clients that saw the same snapshot ask the same
    /// question at about the same time). Only the last few bodies are kept.
    pub fn body(
        &self,
        key: BodyKey,
        make: impl FnOnce() -> axum::body::Bytes,
    ) -> axum::body::Bytes {
        let Some(bodies) = &self.bodies else {
            return make();
        };
        let cell = {
            let mut b = lock(bodies);
            match b.iter().find(|(k, _)| *k == key) {
                Some((_, c)) => c.clone(),
                None => {
                    if b.len() >= BODIES_PER_SNAPSHOT {
                        b.remove(0);
                    }
                    let c = Arc::new(OnceLock::new());
                    b.push((key, c.clone()));
                    c
                }
            }
        };
        // Requests for a body being made wait for it (a fraction of a millisecond).
        cell.get_or_init(make).clone()
    }

    /// The devices, in order.
    pub fn iter(&self) -> impl Iterator<Item = &CachedDevice> {
        self.devices.iter().map(|d| d.as_ref())
    }

    /// The devices last seen after `t` (strictly), in order.
    pub fn seen_after(&self, t: i64) -> impl Iterator<Item = &CachedDevice> {
        self.last_times
            .iter()
            .zip(self.devices.iter())
            .filter(move |(l, _)| **l > t)
            .map(|(_, d)| d.as_ref())
    }

    /// How many devices.
    pub fn len(&self) -> usize {
        self.devices.len()
    }

    /// True when there is no device.
    pub fn is_empty(&self) -> bool {
        self.devices.is_empty()
    }

    /// Copies of the records, in order.
    pub fn records(&self) -> Vec<DeviceRecord> {
        self.iter().map(|d| d.record.clone()).collect()
    }

    /// The records as [`DeviceItem`]s, in order.
    pub fn items(&self) -> Vec<DeviceItem> {
        self.iter()
            .map(|d| DeviceItem {
                key: d.record.key.clone(),
                mac: d.record.mac.clone(),
                phy: d.record.phy.clone(),
                last_time: d.record.last_time,
                json: d.record.json.clone(),
            })
            .collect()
    }
}

/// Field lists seen recently: the next id, and (list, id, last use), oldest first.
type FieldLists = (u64, Vec<(Vec<FieldSpec>, u64, Instant)>);

static FIELD_LISTS: Mutex<FieldLists> = Mutex::new((0, Vec::new()));

fn field_lists() -> MutexGuard<'static, FieldLists> {
    FIELD_LISTS.lock().unwrap_or_else(|e| e.into_inner())
}

/// The id of a field list, for [`CachedDevice::fields_row`]: the same while the list is
/// remembered, never reused; and whether the list was in use already (a new one has no
/// renderings yet). Lists used recently are rendered ahead by the background refresh.
pub fn fields_id(fields: &[FieldSpec]) -> (u64, bool) {
    let now = Instant::now();
    let mut g = field_lists();
    if let Some(e) = g.1.iter_mut().find(|(f, _, _)| f == fields) {
        let active = now.saturating_duration_since(e.2) < FIELD_LIST_ACTIVE;
        e.2 = now;
        return (e.1, active);
    }
    g.0 += 1;
    let id = g.0;
    if g.1.len() >= FIELD_LISTS_KEPT {
        g.1.remove(0);
    }
    g.1.push((fields.to_vec(), id, now));
    (id, false)
}

/// The field lists used within [`FIELD_LIST_ACTIVE`], with their ids.
fn active_field_lists() -> Vec<(Vec<FieldSpec>, u64)> {
    let now = Instant::now();
    field_lists()
        .1
        .iter()
        .filter(|(_, _, used)| now.saturating_duration_since(*used) < FIELD_LIST_ACTIVE)
        .map(|(f, id, _)| (f.clone(), *id))
        .collect()
}

/// A device's record, written with `buf`: what `osprey_engine::device_json` gives.
fn live_record(d: &osprey_tracker::Device, buf: &mut Vec<u8>) -> DeviceRecord {
    buf.clear();
    d.write_kismet_json(osprey_engine::device_manuf(d), buf);
    // The writer writes only valid UTF-8 (`device_json` would give "" otherwise too).
    let json: Arc<str> = Arc::from(std::str::from_utf8(buf).unwrap_or_default());
    DeviceRecord {
        key: d.key.to_string(),
        mac: d.mac.to_string(),
        phy: d.phy.name().to_string(),
        last_time: d.last_time,
        json,
    }
}

/// The refresher's state.
#[derive(Default)]
struct Refresh {
    /// The stamps of the current snapshot's devices, by index.
    stamps: Vec<Stamp>,
    /// Devices the tracker had removed when the current snapshot was taken.
    removed: u64,
    buf: Vec<u8>,
    /// When the last refresh ended and how long it took.
    last: Option<(Instant, Duration)>,
}

/// The background refresh's signal: asked for, or the devices are gone.
#[derive(Default)]
struct Signal {
    state: Mutex<(bool, bool)>,
    changed: Condvar,
}

/// The device snapshots of a running engine.
pub struct LiveDevices {
    engine: Arc<SharedEngine>,
    current: Mutex<DeviceSnapshot>,
    refresh: Mutex<Refresh>,
    signal: Arc<Signal>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl LiveDevices {
    /// Snapshots of `engine`'s devices, with their background refresh thread (which ends
    /// when the devices are dropped). Without the thread (if it could not be started),
    /// [`Freshness::Recent`] snapshots are refreshed by requests once [`MAX_STALE`] old.
    pub fn new(engine: Arc<SharedEngine>) -> Arc<LiveDevices> {
        let d = Arc::new(LiveDevices {
            engine,
            current: Mutex::default(),
            refresh: Mutex::default(),
            signal: Arc::default(),
        });
        let weak = Arc::downgrade(&d);
        let signal = d.signal.clone();
        let _ = std::thread::Builder::new()
            .name("device-refresh".into())
            .spawn(move || refresher(weak, signal));
        d
    }

    fn current(&self) -> DeviceSnapshot {
        lock(&self.current).clone()
    }

    /// A snapshot as fresh as asked.
    pub fn snapshot(&self, freshness: Freshness) -> DeviceSnapshot {
        let arrived = Instant::now();
        match self.ready(freshness, arrived) {
            Some(s) => s,
            None => self.refresh_after(arrived),
        }
    }

    /// A snapshot as fresh as asked if one is at hand (no refresh needed), else `None`.
    pub fn try_snapshot(&self, freshness: Freshness) -> Option<DeviceSnapshot> {
        self.ready(freshness, Instant::now())
    }

    /// The current snapshot if it is fresh enough for a request that arrived at `arrived`
    /// (kicking the background refresh when it is behind).
    fn ready(&self, freshness: Freshness, arrived: Instant) -> Option<DeviceSnapshot> {
        let cur = self.current();
        if cur.frames == Some(self.engine.frames()) {
            // No frame since: exact.
            return Some(cur);
        }
        if freshness == Freshness::Recent
            && cur
                .taken
                .is_some_and(|t| arrived.saturating_duration_since(t) < MAX_STALE)
        {
            self.kick();
            return Some(cur);
        }
        None
    }

    /// A snapshot taken after `arrived`: one taken meanwhile by someone else, or a new one.
    fn refresh_after(&self, arrived: Instant) -> DeviceSnapshot {
        let mut r = lock(&self.refresh);
        let cur = self.current();
        if cur.taken.is_some_and(|t| t >= arrived) {
            return cur;
        }
        self.refresh_locked(&mut r, cur)
    }

    /// Takes a new snapshot from `base` (the current one) and makes it current.
    fn refresh_locked(&self, r: &mut Refresh, base: DeviceSnapshot) -> DeviceSnapshot {
        let started = Instant::now();
        // Pointers only, copied before the engine is locked.
        let mut entries: Vec<Arc<CachedDevice>> = base.devices.as_ref().clone();
        let mut changed: Vec<(usize, osprey_tracker::Device)> = Vec::new();
        // After removals: for each device, the index of its unchanged record in `entries`.
        let mut moved: Option<Vec<Option<usize>>> = None;
        let (frames, taken) = {
            let e = self.engine.lock();
            let frames = self.engine.frames();
            let taken = Instant::now();
            let tracker = e.tracker();
            let devices = tracker.devices();
            let removed = tracker.stats().evicted();
            if removed == r.removed {
                r.stamps.truncate(devices.len());
                entries.truncate(devices.len());
                for (i, d) in devices.iter().enumerate() {
                    let stamp = Stamp::of(d);
                    match r.stamps.get_mut(i) {
                        Some(s) if *s == stamp => continue,
                        Some(s) => *s = stamp,
                        None => r.stamps.push(stamp),
                    }
                    changed.push((i, d.clone()));
                }
            } else {
                // Devices were removed and the others moved: find their records by serial.
                r.removed = removed;
                let before: osprey_tracker::FastHashMap<u64, (usize, Stamp)> = r
                    .stamps
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.serial, (i, *s)))
                    .collect();
                r.stamps.clear();
                let mut plan = Vec::with_capacity(devices.len());
                for (i, d) in devices.iter().enumerate() {
                    let stamp = Stamp::of(d);
                    r.stamps.push(stamp);
                    match before.get(&stamp.serial) {
                        Some((j, s)) if *s == stamp => plan.push(Some(*j)),
                        _ => {
                            plan.push(None);
                            changed.push((i, d.clone()));
                        }
                    }
                }
                moved = Some(plan);
            }
            (frames, taken)
        };
        if let Some(plan) = moved {
            // Records kept in their new places; the changed ones are written below.
            let blank = Arc::new(CachedDevice::new(DeviceRecord {
                key: String::new(),
                mac: String::new(),
                phy: String::new(),
                last_time: 0,
                json: Arc::from(""),
            }));
            entries = plan
                .iter()
                .map(|j| j.and_then(|j| entries.get(j)).unwrap_or(&blank).clone())
                .collect();
        }
        // Written with the engine released.
        let lists = active_field_lists();
        for (i, d) in changed {
            let c = Arc::new(CachedDevice::new(live_record(&d, &mut r.buf)));
            for (fields, id) in &lists {
                c.fields_row(fields, *id);
            }
            match entries.get_mut(i) {
                Some(slot) => *slot = c,
                None => entries.push(c),
            }
        }
        let snap = DeviceSnapshot {
            devices: Arc::new(entries),
            last_times: Arc::new(r.stamps.iter().map(|s| s.last_time).collect()),
            frames: Some(frames),
            taken: Some(taken),
            bodies: Some(Arc::default()),
        };
        // The snapshot replaced is dropped (perhaps with thousands of records) unlocked.
        let replaced = std::mem::replace(&mut *lock(&self.current), snap.clone());
        drop(replaced);
        let now = Instant::now();
        r.last = Some((now, now.saturating_duration_since(started)));
        snap
    }

    /// Asks the background thread for a refresh.
    fn kick(&self) {
        let mut s = lock(&self.signal.state);
        if !s.0 {
            s.0 = true;
            self.signal.changed.notify_one();
        }
    }
}

impl Drop for LiveDevices {
    fn drop(&mut self) {
        lock(&self.signal.state).1 = true;
        self.signal.changed.notify_one();
    }
}

/// The background refresh: waits for a kick, keeps its duty cycle, and refreshes if the
/// engine moved on. Ends when the devices are dropped.
fn refresher(weak: Weak<LiveDevices>, signal: Arc<Signal>) {
    loop {
        {
            let s = lock(&signal.state);
            let mut s = signal
                .changed
                .wait_while(s, |s| !s.0 && !s.1)
                .unwrap_or_else(|e| e.into_inner());
            if s.1 {
                return;
            }
            s.0 = false;
        }
        let Some(last) = weak.upgrade().map(|d| lock(&d.refresh).last) else {
            return;
        };
        if let Some((end, took)) = last {
            let due = end + (took * REFRESH_DUTY).clamp(MIN_GAP, MAX_GAP);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
        let Some(d) = weak.upgrade() else { return };
        let mut r = lock(&d.refresh);
        let cur = d.current();
        if cur.frames != Some(d.engine.frames()) {
            d.refresh_locked(&mut r, cur);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_support::shared_capture;

    fn engine() -> Arc<SharedEngine> {
        engine_with("")
    }

    /// An engine with the configuration `config`.
    fn engine_with(config: &str) -> Arc<SharedEngine> {
        let options = osprey_config::Options::parse("test", config).unwrap();
        Arc::new(SharedEngine::new(
            osprey_engine::Engine::new(osprey_engine::EngineOptions {
                options,
                ..Default::default()
            })
            .unwrap(),
        ))
    }

    /// The field lists the tests render: a device list row, and one with a rename, a nested
    /// path, a missing path and a field listed twice.
    fn lists() -> Vec<Vec<FieldSpec>> {
        let v: serde_json::Value = serde_json::from_str(
            r#"[["kismet.device.base.key", "kismet.device.base.macaddr", "kismet.device.base.name",
                 "kismet.device.base.type", "kismet.device.base.channel",
                 "kismet.device.base.packets.total",
                 "kismet.device.base.signal/kismet.common.signal.last_signal",
                 "kismet.device.base.last_time"],
                [["kismet.device.base.macaddr", "mac"], "dot11.device/dot11.device.num_client_aps",
                 "no.such/field", "kismet.device.base.packets.total",
                 "kismet.device.base.packets.total"]]"#,
        )
        .unwrap();
        v.as_array()
            .unwrap()
            .iter()
            .map(|f| format::parse_fields(f).unwrap())
            .collect()
    }

    /// Checks a snapshot against the engine's devices, record by record and rendering by
    /// rendering.
    fn check(shared: &SharedEngine, snap: &DeviceSnapshot, lists: &[(Vec<FieldSpec>, u64)]) {
        let e = shared.lock();
        let devices = e.tracker().devices();
        assert_eq!(snap.len(), devices.len());
        for (c, d) in snap.iter().zip(devices) {
            let fresh = osprey_engine::device_json(d);
            assert_eq!(&*c.record.json, fresh.as_str());
            assert_eq!(c.record.key, d.key.to_string());
            assert_eq!(c.record.mac, d.mac.to_string());
            assert_eq!(c.record.phy, d.phy.name());
            assert_eq!(c.record.last_time, d.last_time);
            for (f, id) in lists {
                let want = format::simplify(&fresh, f).unwrap();
                assert_eq!(&*c.fields_row(f, *id), want.as_str());
            }
        }
        let t = devices.iter().map(|d| d.last_time).max().unwrap_or(0) - 1;
        let after: Vec<&str> = snap.seen_after(t).map(|c| c.record.key.as_str()).collect();
        let want: Vec<String> = devices
            .iter()
            .filter(|d| d.last_time > t)
            .map(|d| d.key.to_string())
            .collect();
        assert_eq!(after, want);
    }

    /// Replays a capture, taking snapshots every few frames: every snapshot matches records
    /// written from scratch, although each refresh rewrites only the devices that changed.
    fn replay_checked(rel: &str, every: u64) -> u64 {
        replay_checked_with(rel, every, "")
    }

    /// [`replay_checked`] with the configuration `config`.
    fn replay_checked_with(rel: &str, every: u64, config: &str) -> u64 {
        let path = shared_capture(rel);
        let shared = engine_with(config);
        let devices = LiveDevices::new(shared.clone());
        let lists: Vec<(Vec<FieldSpec>, u64)> = lists()
            .into_iter()
            .map(|f| (f.clone(), fields_id(&f).0))
            .collect();
        shared.lock().begin_source(&path, "pcapfile");
        let mut n = 0u64;
        let mut checks = 0;
        let _ = osprey_capture::for_each_frame(&path, &mut |frame| {
            let mut g = shared.lock_ingest();
            shared.process(&mut g, frame).unwrap();
            drop(g);
            n += 1;
            if n % every == 0 {
                let snap = devices.snapshot(Freshness::Exact);
                check(&shared, &snap, &lists);
                // Nothing happened since: the snapshot is current at both levels.
                let again = devices.snapshot(Freshness::Recent);
                assert!(Arc::ptr_eq(&snap.devices, &again.devices));
                checks += 1;
            }
            osprey_capture::Flow::Continue
        });
        let snap = devices.snapshot(Freshness::Exact);
        check(&shared, &snap, &lists);
        assert!(checks > 3, "{rel}: {checks} checks");
        snap.len() as u64
    }

    #[test]
    fn incremental_snapshots_match_records_written_from_scratch() {
        for (capture, every) in [
            ("raw80211/aircrack_capture_wds-01.cap", 7),
            ("radiotap/wireshark_wpa-Induction.pcap", 13),
            ("radiotap/wifi-arsenal_radioparse_sample.pcap", 11),
            ("raw80211/wifite2_handshake_has_1234.cap", 97),
            ("raw80211/aircrack_pmkid-not-recognized.cap", 1009),
        ] {
            let n = replay_checked(capture, every);
            assert!(n > 1, "{capture}: {n} devices");
        }
    }

    #[test]
    fn snapshots_follow_a_tracker_that_removes_devices() {
        for (capture, every, config) in [
            (
                "radiotap/wifi-arsenal_radioparse_sample.pcap",
                5,
                "tracker_max_devices=16",
            ),
            (
                "raw80211/aircrack_pmkid-not-recognized.cap",
                97,
                "tracker_max_devices=16",
            ),
            (
                "raw80211/aircrack_pmkid-not-recognized.cap",
                97,
                "tracker_device_timeout=30",
            ),
        ] {
            let path = shared_capture(capture);
            // The capture does make the tracker remove devices.
            let shared = engine_with(config);
            shared.lock().begin_source(&path, "pcapfile");
            let _ = osprey_capture::for_each_frame(&path, &mut |frame| {
                let mut g = shared.lock_ingest();
                shared.process(&mut g, frame).unwrap();
                osprey_capture::Flow::Continue
            });
            let evicted = shared.lock().device_counts();
            assert!(
                evicted.evicted_limit + evicted.evicted_idle > 0,
                "{capture} {config}: nothing removed"
            );
            let n = replay_checked_with(capture, every, config);
            assert!(n > 1, "{capture}: {n} devices");
        }
    }

    #[test]
    fn recent_snapshots_lag_at_most_until_the_background_refresh() {
        let path = shared_capture("raw80211/wifite2_handshake_has_1234.cap");
        let shared = engine();
        let devices = LiveDevices::new(shared.clone());
        shared.lock().begin_source(&path, "pcapfile");
        let mut total = 0usize;
        let _ = osprey_capture::for_each_frame(&path, &mut |_| {
            total += 1;
            osprey_capture::Flow::Continue
        });
        let half = total / 2;
        // Gives the engine the capture's frames `range` (by index).
        let feed = |range: std::ops::Range<usize>| {
            let mut i = 0;
            let _ = osprey_capture::for_each_frame(&path, &mut |frame| {
                if range.contains(&i) {
                    let mut g = shared.lock_ingest();
                    shared.process(&mut g, frame).unwrap();
                }
                i += 1;
                osprey_capture::Flow::Continue
            });
        };
        let (first, rest) = (0..half, half..total);
        feed(first.clone());
        let early = devices.snapshot(Freshness::Recent);
        assert_eq!(early.len(), shared.lock().tracker().devices().len());
        feed(rest);
        // The engine moved on: a recent snapshot may be the earlier one, an exact one is not.
        let exact = devices.snapshot(Freshness::Exact);
        check(&shared, &exact, &[]);
        // Then a recent one is current again, without waiting.
        let recent = devices.snapshot(Freshness::Recent);
        assert!(Arc::ptr_eq(&recent.devices, &exact.devices));
        // After more frames, the background refresh catches up with recent requests.
        feed(first);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = devices.snapshot(Freshness::Recent);
            if s.frames == Some(shared.frames()) {
                check(&shared, &s, &[]);
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the background refresh never ran"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn a_snapshot_too_old_is_refreshed_by_the_request() {
        let path = shared_capture("raw80211/aircrack_capture_wds-01.cap");
        let shared = engine();
        let devices = LiveDevices::new(shared.clone());
        // A snapshot taken long ago (older than MAX_STALE), then frames.
        {
            let mut r = lock(&devices.refresh);
            let base = devices.current();
            let mut s = devices.refresh_locked(&mut r, base);
            s.taken = Instant::now().checked_sub(MAX_STALE * 2);
            *lock(&devices.current) = s;
        }
        shared.lock().begin_source(&path, "pcapfile");
        let _ = osprey_capture::for_each_frame(&path, &mut |frame| {
            let mut g = shared.lock_ingest();
            shared.process(&mut g, frame).unwrap();
            osprey_capture::Flow::Continue
        });
        assert!(devices.try_snapshot(Freshness::Recent).is_none());
        let s = devices.snapshot(Freshness::Recent);
        assert_eq!(s.frames, Some(shared.frames()));
        check(&shared, &s, &[]);
    }

    #[test]
    fn rows_are_kept_per_field_list_and_made_once() {
        let rec = DeviceRecord::from_json(
            r#"{"kismet.device.base.key": "K", "kismet.device.base.last_time": 5, "a": {"b": 1}}"#,
        )
        .unwrap();
        let c = CachedDevice::new(rec);
        let mut made = 0;
        for round in 0..2 {
            for id in 0..ROWS_PER_DEVICE as u64 {
                let r = c.row(id, |_| {
                    made += 1;
                    format!("row {id}")
                });
                assert!(matches!(r, Row::Kept(_)), "round {round}");
                assert_eq!(&*r, format!("row {id}"));
            }
        }
        assert_eq!(made, ROWS_PER_DEVICE);
        // No room left: made for the call, every time.
        for _ in 0..2 {
            let r = c.row(99, |_| "extra".to_string());
            assert!(matches!(r, Row::Made(_)));
            assert_eq!(&*r, "extra");
        }
        let f = format::parse_fields(&serde_json::json!(["a/b", ["kismet.device.base.key", "k"]]))
            .unwrap();
        let c = CachedDevice::new(c.record.clone());
        assert_eq!(&*c.fields_row(&f, 1000), r#"{"b": 1,"k": "K"}"#);
        assert_eq!(&*c.fields_row(&[], 1001), &*c.record.json);
        let bad = CachedDevice::new(DeviceRecord {
            json: Arc::from("{not json"),
            ..c.record.clone()
        });
        assert_eq!(&*bad.fields_row(&f, 1000), "{}");
    }

    #[test]
    fn field_lists_get_stable_distinct_ids() {
        let all = lists();
        let (a, _) = fields_id(&all[0]);
        let (b, _) = fields_id(&all[1]);
        assert_ne!(a, b);
        assert_eq!(fields_id(&all[0]), (a, true));
        assert_eq!(fields_id(&all[1]), (b, true));
        assert!(active_field_lists()
            .iter()
            .any(|(f, id)| *id == a && f == &all[0]));
    }

    #[test]
    fn dropping_the_devices_ends_the_refresh_thread() {
        let shared = engine();
        let devices = LiveDevices::new(shared.clone());
        let weak = Arc::downgrade(&devices);
        let signal = devices.signal.clone();
        devices.kick();
        drop(devices);
        // The thread holds the devices only while refreshing: they go, and so does it (it
        // drops its handle on the signal when it ends).
        let deadline = Instant::now() + Duration::from_secs(10);
        while weak.upgrade().is_some() || Arc::strong_count(&shared) > 1 {
            assert!(
                Instant::now() < deadline,
                "the refresh thread kept the devices"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        while Arc::strong_count(&signal) > 1 {
            assert!(Instant::now() < deadline, "the refresh thread did not end");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}
