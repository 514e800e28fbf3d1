//! # osprey-engine
//!
//! The pipeline every Osprey front end runs: a capture frame is dissected, its devices are
//! tracked, the detectors inspect it, and what comes out goes one way, to the sinks:
//!
//! * every emitted alert goes to the alert tracker's backlog (done by the tracker when it
//!   emits), to the message bus as an ALERT message `"<HEADER> <text>"`, to the event bus as
//!   an `ALERT` event, and to the kismetdb `alerts` table;
//! * messages (INFO, ERROR, ALERT, ...) go to the message bus (which publishes `MESSAGE`
//!   events) and to the kismetdb `messages` table;
//! * new devices are published as `NEW_DEVICE` (when someone listens) and logged in device
//!   passes every 30 s (wall clock, as Kismet) and at the end; datasources as `NEW_DATASOURCE`,
//!   `DATASOURCE_OPENED`/`_CLOSED`/`_ERROR`, and in the `datasources` table;
//! * devices the tracker removes to stay within its limits (`tracker_max_devices`,
//!   `tracker_device_timeout`) are logged one last time as they are removed, so the log holds
//!   every device ever tracked; the removals are counted ([`Engine::device_counts`]) and
//!   reported on the message bus: an ERROR message the first time the device limit is reached,
//!   then INFO summaries at most every [`EVICTION_REPORT_SECS`] of capture time, and a last one
//!   when the log closes.
//!
//! The clock of everything is the capture's: messages and alerts carry the time of the
//! packets around them, so a replay gives the same log at any speed.

#![warn(missing_docs)]

pub mod kismetdb_sink;

use std::path::{Path, PathBuf};

use kismetdb::Timestamp;
use osprey_alerts::{Alert, AlertTracker};
use osprey_bus::{flags, topic, Event, EventBus, MessageBus};
use osprey_capture::{CaptureError, Flow, Frame, SourceStats};
use osprey_config::Options;
use osprey_detect::Detectors;
use osprey_dissect::{Dissector, Packet};
use osprey_tracker::{Observed, Tracker};

pub use kismetdb_sink::{Datasource, KismetdbSink};

/// How often devices changed since the last pass are written, in seconds of wall-clock time
/// (Kismet's `kis_log_device_rate`, a wall-clock timer in Kismet too). Every device is written
/// once more when the log closes. On the wall clock, a fast replay of a long capture does a
/// handful of passes instead of one per 30 s of capture: each pass rewrites every changed
/// device's JSON record (kilobytes each), which on capture time cost more than logging every
/// packet. The final rows are the same either way.
pub const DEVICE_PASS_SECS: i64 = 30;

/// Device removals are summarised on the message bus at most this often, in seconds of capture
/// time (so a replay logs the same messages at any speed).
pub const EVICTION_REPORT_SECS: i64 = 10;

/// Devices tracked, made and removed, and the limits, for `/system/status.json`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DeviceCounts {
    /// Devices tracked now (`kismet.system.devices.count`).
    pub tracked: u64,
    /// Devices created since the start (a device removed and seen again counts twice).
    pub created: u64,
    /// Devices removed because the tracker was full.
    pub evicted_limit: u64,
    /// Devices removed because they were idle.
    pub evicted_idle: u64,
    /// `tracker_max_devices` (0: no limit).
    pub limit: u64,
    /// `tracker_device_timeout` in seconds (0: never).
    pub idle_timeout: u64,
    /// Entries of per-address detector state dropped to stay within the detectors' bounds,
    /// and of the dissector's repeat filter (`osprey_dissect::repeat`), which serves them.
    pub detector_state_evicted: u64,
}

/// Removals not yet reported on the message bus.
#[derive(Default)]
struct EvictionReport {
    limit: u64,
    idle: u64,
    /// Capture second of the last report.
    last: Option<i64>,
    /// The first time the device limit was reached has been reported.
    limit_reached: bool,
}

/// What an engine is built from.
#[derive(Clone, Debug, Default)]
pub struct EngineOptions {
    /// The configuration (alert rates, detector options, `alertbacklog`).
    pub options: Options,
    /// The kismetdb log to create (it must not exist), or none.
    pub log: Option<PathBuf>,
    /// Log packets (`false` leaves the packets table empty).
    pub log_packets: bool,
    /// Raise Kismet's ROOTUSER alert (at the first packet) when running as root, as Kismet
    /// does at startup.
    pub root_check: bool,
}

/// Why an alert raised or defined from outside the packet path was refused.
#[derive(Debug, thiserror::Error)]
pub enum ExternalAlertError {
    /// No alert has this name.
    #[error("Unknown alert type '{0}'")]
    Unknown(String),
    /// The alert's rate limit refused it.
    #[error("alert throttle reached, alert not raised.")]
    Throttled,
    /// A definition or rate configuration already exists for the name.
    #[error("Could not define alert {0}: it already exists")]
    Exists(String),
    /// The definition could not be activated.
    #[error("Could not activate alert {0} after definition")]
    NotActivated(String),
    /// Delivering it to the log failed.
    #[error("{0}")]
    Log(String),
}

impl From<String> for ExternalAlertError {
    fn from(e: String) -> Self {
        ExternalAlertError::Log(e)
    }
}

/// One processed frame.
pub struct Processed<'f> {
    /// The dissected packet.
    pub packet: Packet<'f>,
    /// Alerts it caused to be emitted (already delivered).
    pub alerts: Vec<Alert>,
    /// What tracking it changed.
    pub observed: Observed,
}

/// The pipeline.
pub struct Engine {
    dissector: Dissector,
    /// The evicted-state counter of the stateless detectors' check on the dissector.
    check_evicted: std::sync::Arc<std::sync::atomic::AtomicU64>,
    tracker: Tracker,
    alerts: AlertTracker,
    detectors: Detectors,
    events: EventBus,
    messages: MessageBus,
    log: Option<KismetdbSink>,
    log_path: Option<PathBuf>,
    clock: Timestamp,
    /// Messages raised before the first packet, stamped with its time when it comes.
    pending: Vec<(u32, String)>,
    source: Option<Datasource>,
    /// Sources that ended, for the REST datasource list.
    sources_seen: Vec<Datasource>,
    source_announced: bool,
    /// The last device pass: wall-clock instant and capture second.
    last_pass: Option<(std::time::Instant, i64)>,
    tags: String,
    /// ROOTUSER is still to be raised (at the first packet).
    root_pending: bool,
    /// Phys that have devices (NEW_PHY is published for each new one).
    phys_seen: Vec<&'static str>,
    /// The wall-clock second of the last TIMESTAMP event.
    last_timer: i64,
    /// Packets processed.
    processed: u64,
    evictions: EvictionReport,
}

/// True when the process runs with user id 0 (the owner of `/proc/self` is the effective
/// user; false where there is no `/proc`).
fn running_as_root() -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// The alert tracker the configuration asks for (`alertbacklog`, default 50).
pub fn alert_tracker(options: &Options) -> Result<AlertTracker, String> {
    let backlog: usize = options.get("alertbacklog", 50).map_err(|e| e.to_string())?;
    Ok(AlertTracker::new(backlog))
}

/// A server UUID for the SYSTEM snapshot: random enough to tell runs apart.
fn server_uuid() -> kismetdb::Uuid {
    use std::hash::{BuildHasher, Hasher};
    let mut b = [0u8; 16];
    for chunk in b.chunks_mut(8) {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        h.write_u32(std::process::id());
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    kismetdb::Uuid(b)
}

/// A device's manufacturer as Kismet names it: from its address, else from the vendor
/// elements it advertised.
pub fn device_manuf(d: &osprey_tracker::Device) -> &'static str {
    let manuf = osprey_oui::kismet_manuf(d.mac.as_bytes());
    if manuf == osprey_oui::UNKNOWN {
        osprey_oui::kismet_vendor_ie_manuf(&d.vendor_ouis).unwrap_or(manuf)
    } else {
        manuf
    }
}

/// A device's Kismet JSON record, with its manufacturer.
pub fn device_json(d: &osprey_tracker::Device) -> String {
    d.to_kismet_json(device_manuf(d))
}

/// Devices whose records a device pass writes at a time (see [`device_jsons`]).
const DEVICE_JSON_CHUNK: usize = 1024;

/// The records of `devices`, in order. Writing a record is most of a device pass's cost
/// (about 20 000 instructions each), and a pass at the end of a run writes every device, so a
/// long list is split in two and the second half written on a helper thread. The records
/// are the same either way.
fn device_jsons(devices: &[&osprey_tracker::Device]) -> Vec<String> {
    let one = |part: &[&osprey_tracker::Device]| -> Vec<String> {
        part.iter().map(|d| device_json(d)).collect()
    };
    if devices.len() < 64 {
        return one(devices);
    }
    let (first, second) = devices.split_at(devices.len() / 2);
    std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name("device-records".into())
            .spawn_scoped(scope, || one(second));
        let mut out = one(first);
        match helper.map(|h| h.join()) {
            Ok(Ok(rest)) => out.extend(rest),
            // No helper thread (or it failed): write the second half here.
            _ => out.extend(one(second)),
        }
        out
    })
}

fn json_str(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

fn wall_clock() -> Timestamp {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    Timestamp::new(d.as_secs() as i64, i64::from(d.subsec_micros()))
}

impl Engine {
    /// Builds the pipeline: registers every alert with the configured rates, builds the
    /// detectors, and creates the log (with its SYSTEM snapshot). A bad option is an error
    /// naming its line.
    pub fn new(opts: EngineOptions) -> Result<Engine, String> {
        // Device records name manufacturers: the table is parsed beside ingest.
        osprey_oui::prepare();
        let mut alerts = alert_tracker(&opts.options)?;
        let detectors = Detectors::new(&mut alerts, &opts.options).map_err(|e| e.to_string())?;
        // The stateless detectors also run where packets are dissected (on the dissection
        // thread, for a file), so that the detectors here skip them on clean packets.
        let mut check =
            osprey_detect::StatelessCheck::new(&opts.options).map_err(|e| e.to_string())?;
        let mut dissector = Dissector::new();
        let check_evicted = check.evicted();
        dissector.set_check(Box::new(move |p| check.clean(p)));
        let limits =
            osprey_tracker::Limits::from_options(&opts.options).map_err(|e| e.to_string())?;
        let events = EventBus::new();
        let messages = MessageBus::new(events.clone());
        let mut pending = Vec::new();
        let log = match &opts.log {
            Some(path) => {
                let mut s = KismetdbSink::create(path, opts.log_packets)?;
                s.system_snapshot(0, server_uuid())?;
                pending.push((
                    flags::INFO,
                    format!("Opened kismetdb log file '{}'", path.display()),
                ));
                Some(s)
            }
            None => None,
        };
        // What the alert tracker noted while the detectors registered (default rates, refused
        // definitions), like Kismet's startup messages.
        for (kind, text) in alerts.take_notes() {
            pending.push((osprey_bus::Message::flags_of(kind), text));
        }
        if limits.max_devices > 0 {
            pending.push((
                flags::INFO,
                format!(
                    "Limiting the device tracker to {} devices (tracker_max_devices): when it \
                     is full, the least recently seen devices are logged and removed",
                    limits.max_devices
                ),
            ));
        }
        if limits.idle_timeout > 0 {
            let fewer = match limits.idle_max_packets {
                0 => String::new(),
                n => format!(" with fewer than {n} packets"),
            };
            pending.push((
                flags::INFO,
                format!(
                    "Removing devices idle for more than {} seconds of capture time{fewer} \
                     (tracker_device_timeout), after logging them",
                    limits.idle_timeout
                ),
            ));
        }
        if log.is_some() {
            // Kismet publishes it when its log opens; nobody can listen this early here, but
            // the event is counted and kept in order for in-process subscribers added later.
            events.publish(Event {
                topic: topic::KISMETDB_LOG_OPEN.to_string(),
                ts: Timestamp::default(),
                content: Vec::new(),
            });
        }
        Ok(Engine {
            dissector,
            check_evicted,
            tracker: Tracker::with_limits(limits),
            alerts,
            detectors,
            events,
            messages,
            log,
            log_path: opts.log,
            clock: Timestamp::default(),
            pending,
            source: None,
            sources_seen: Vec::new(),
            source_announced: false,
            last_pass: None,
            tags: String::new(),
            root_pending: opts.root_check && running_as_root(),
            phys_seen: Vec::new(),
            last_timer: 0,
            processed: 0,
            evictions: EvictionReport::default(),
        })
    }

    /// The event bus (subscribe before processing to see everything).
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    /// The message bus.
    pub fn messages(&self) -> &MessageBus {
        &self.messages
    }

    /// The alert tracker (definitions, backlog).
    pub fn alerts(&self) -> &AlertTracker {
        &self.alerts
    }

    /// The device tracker.
    pub fn tracker(&self) -> &Tracker {
        &self.tracker
    }

    /// The dissector (its counters).
    pub fn dissector(&self) -> &Dissector {
        &self.dissector
    }

    /// Devices tracked, made and removed, the limits, and the detectors' state evictions.
    pub fn device_counts(&self) -> DeviceCounts {
        let s = self.tracker.stats();
        let l = self.tracker.limits();
        DeviceCounts {
            tracked: self.tracker.devices().len() as u64,
            created: s.created,
            evicted_limit: s.evicted_limit,
            evicted_idle: s.evicted_idle,
            limit: l.max_devices as u64,
            idle_timeout: l.idle_timeout.max(0) as u64,
            // The repeat filter and the stateless check's verdicts serve the detectors (the
            // filter the tracker too): counted with them.
            detector_state_evicted: self.detectors.state_evicted()
                + self
                    .check_evicted
                    .load(std::sync::atomic::Ordering::Relaxed)
                + self.dissector.stats().repeats_dropped,
        }
    }

    /// The log being written, if any.
    pub fn log_path(&self) -> Option<&Path> {
        self.log_path.as_deref()
    }

    /// The capture clock: the time of the newest packet.
    pub fn clock(&self) -> Timestamp {
        self.clock
    }

    /// Sends a message: to the message bus and the log, stamped with the capture clock (or
    /// the first packet's time, before any packet).
    pub fn message(&mut self, flags: u32, text: impl Into<String>) -> Result<(), String> {
        let text = text.into();
        if self.clock.sec == 0 {
            self.pending.push((flags, text));
            return Ok(());
        }
        self.deliver_message(flags, text)
    }

    fn deliver_message(&mut self, fl: u32, text: String) -> Result<(), String> {
        let m = osprey_bus::Message {
            ts: self.clock,
            flags: fl,
            text,
        };
        if let Some(s) = self.log.as_mut() {
            s.message(m.ts, m.msgtype(), &m.text)?;
        }
        self.messages.inject(m.ts, m.flags, m.text);
        Ok(())
    }

    fn flush_pending(&mut self) -> Result<(), String> {
        for (fl, text) in std::mem::take(&mut self.pending) {
            self.deliver_message(fl, text)?;
        }
        Ok(())
    }

    /// Delivers an emitted alert: event bus, message bus (ALERT), log.
    fn deliver_alert(&mut self, a: &Alert, phyname: &str) -> Result<(), String> {
        if let Some(s) = self.log.as_mut() {
            s.alert(a, phyname)?;
        }
        self.events
            .publish(Event::single(topic::ALERT, a.ts, a.to_kismet_json()));
        self.messages.inject(a.ts, flags::ALERT, a.message_text());
        Ok(())
    }

    /// Starts reading a capture file (`typestring` `pcapfile` or `kismetdb`): its datasource.
    pub fn begin_source(&mut self, path: &Path, typestring: &'static str) {
        let d = Datasource::for_capture(path, typestring);
        if self.events.wants(topic::NEW_DATASOURCE) {
            self.events
                .publish(Event::single(topic::NEW_DATASOURCE, self.clock, d.json()));
        }
        self.source = Some(d);
        self.source_announced = false;
    }

    fn announce_source(&mut self) -> Result<(), String> {
        if self.source_announced {
            return Ok(());
        }
        self.source_announced = true;
        let Some(d) = self.source.clone() else {
            return Ok(());
        };
        if let Some(s) = self.log.as_mut() {
            s.datasource(&d)?;
        }
        let uuid = serde_json::Value::String(d.uuid.to_string()).to_string();
        self.events
            .publish(Event::single(topic::DATASOURCE_OPENED, self.clock, uuid));
        self.message(
            flags::INFO,
            format!("Data source '{}' launched successfully", d.definition),
        )
    }

    /// Processes one frame of the current source.
    pub fn process<'f>(&mut self, frame: &Frame<'f>) -> Result<Processed<'f>, String> {
        let p = self.dissector.dissect(frame);
        let (alerts, observed) = self.process_dissected(&p)?;
        Ok(Processed {
            packet: p,
            alerts,
            observed,
        })
    }

    /// Processes every frame of a capture file as the current source, reading and dissecting
    /// on a helper thread (`osprey_dissect::pipeline`) while this one tracks, detects and
    /// logs. `f` sees each packet with the alerts it caused (already delivered) and its
    /// frame's byte offset in the file, in order, and may stop the run; an engine error stops
    /// it too, and is returned in place of what reading gave. The same as calling
    /// [`Engine::process`] on each frame of `osprey_capture::for_each_frame`, on two threads.
    pub fn process_file(
        &mut self,
        path: &Path,
        f: &mut dyn FnMut(&Packet<'_>, &[Alert], u64) -> Flow,
    ) -> Result<Result<SourceStats, CaptureError>, String> {
        let dissector = std::mem::take(&mut self.dissector);
        let mut failed = None;
        let (read, dissector) =
            osprey_dissect::pipeline::dissect_file(path, dissector, &mut |p, offset| match self
                .process_dissected(&p)
            {
                Ok((alerts, _)) => f(&p, &alerts, offset),
                Err(e) => {
                    failed = Some(e);
                    Flow::Stop
                }
            });
        self.dissector = dissector;
        match failed {
            Some(e) => Err(e),
            None => Ok(read),
        }
    }

    /// Tracks and detects one packet dissected from a frame of the current source: the alerts
    /// it caused (delivered) and what tracking it changed. The packet is borrowed, not moved
    /// into the answer: it is a few hundred bytes, and copying it was a measurable share of
    /// the main thread's time.
    fn process_dissected(&mut self, p: &Packet<'_>) -> Result<(Vec<Alert>, Observed), String> {
        self.processed += 1;
        let uuid = self.source.as_ref().map(|s| s.uuid).unwrap_or_default();
        let mut observed = self.tracker.observe(p, uuid);
        self.clock = p.ts;
        if !self.pending.is_empty() {
            self.flush_pending()?;
        }
        if !observed.evicted.is_empty() {
            let evicted = std::mem::take(&mut observed.evicted);
            self.retire(evicted)?;
        }
        if self.evictions.limit + self.evictions.idle > 0 {
            self.report_evictions(false)?;
        }
        let mut emitted = Vec::new();
        if self.root_pending {
            self.root_pending = false;
            if let Some(a) =
                osprey_detect::detectors::system::rootuser::raise_root_user(&mut self.alerts, p.ts)
            {
                self.deliver_alert(&a, "UNKNOWN")?;
                emitted.push(a);
            }
        }
        self.announce_source()?;
        if let Some(s) = self.source.as_mut() {
            s.packets += 1;
            if p.error.is_some() {
                s.errors += 1;
            }
        }
        let findings = self.detectors.inspect(
            &osprey_detect::Context::new(p, &self.tracker, &observed),
            &mut self.alerts,
        );
        for &i in &observed.created {
            let d = &self.tracker.devices()[i];
            let what = match d.phy {
                osprey_dissect::Phy::Btle => "BTLE device",
                _ => "802.11 Wi-Fi device",
            };
            let text = format!("Detected new {what} {}", d.mac);
            let phy = d.phy.name();
            if !self.phys_seen.contains(&phy) {
                self.phys_seen.push(phy);
                self.events
                    .publish(Event::single(topic::NEW_PHY, self.clock, json_str(phy)));
            }
            if self.events.wants(topic::NEW_DEVICE) {
                self.events
                    .publish(Event::single(topic::NEW_DEVICE, self.clock, device_json(d)));
            }
            self.message(flags::INFO, text)?;
        }
        self.publish_dot11_events(p, &observed);
        // The tags are only for the packets table.
        if let Some(s) = self.log.as_mut().filter(|s| s.logs_packets()) {
            self.tags.clear();
            // Like Kismet, a duplicate is not dissected again and gets no tags.
            if let Some(d) = p.dot11().filter(|_| !p.duplicate) {
                d.kismet_tags(&mut self.tags);
            }
            let extra = match observed.new_ssid {
                Some(8) => "DOT11_BEACON_SSID",
                Some(5) => "DOT11_RESPONSE_SSID",
                _ => "",
            };
            for t in std::iter::once(extra)
                .filter(|t| !t.is_empty())
                .chain(std::iter::once(findings.tags().as_str()).filter(|t| !t.is_empty()))
            {
                if !self.tags.is_empty() {
                    self.tags.push(' ');
                }
                self.tags.push_str(t);
            }
            if let Some(src) = self.source.as_ref() {
                s.packet(p, src, &self.tags)?;
            }
        }
        for a in &findings.alerts {
            self.deliver_alert(a, p.phy.name())?;
        }
        // Reading the clock every 256 packets: a pass may start up to 256 packets late.
        self.device_pass(false, self.processed % 256 == 0)?;
        emitted.extend(findings.alerts);
        Ok((emitted, observed))
    }

    /// Kismet's 802.11 events: a new advertised, responded or probed SSID, and WPA handshake
    /// packets. Built only when someone listens.
    fn publish_dot11_events(&mut self, p: &Packet<'_>, observed: &Observed) {
        let Some(d) = p.dot11() else { return };
        let ssid_topic = match observed.new_ssid {
            Some(8) => Some((topic::DOT11_ADVERTISED_SSID, p.bssid, "advertisedssid")),
            Some(5) => Some((topic::DOT11_RESPONSE_SSID, p.bssid, "advertisedssid")),
            _ if observed.new_probed => Some((topic::DOT11_PROBED_SSID, p.source, "probedssid")),
            _ => None,
        };
        if let Some((t, mac, kind)) = ssid_topic {
            if self.events.wants(t) {
                if let Some(dev) = self.tracker.get(p.phy, &mac) {
                    let ssid = d.ssid().unwrap_or(&[]);
                    let rec = format!(
                        "{{\"dot11.{kind}.ssid\": {}, \"dot11.{kind}.ssidlen\": {}, \"dot11.{kind}.first_time\": {}}}",
                        json_str(&String::from_utf8_lossy(ssid)),
                        ssid.len(),
                        p.ts.sec
                    );
                    self.events.publish(Event {
                        topic: t.to_string(),
                        ts: p.ts,
                        content: vec![
                            ("DOT11_NEW_SSID_BASEDEV".to_string(), device_json(dev)),
                            (t.to_string(), rec),
                        ],
                    });
                }
            }
        }
        if self.events.wants(topic::DOT11_WPA_HANDSHAKE) {
            let eapol = d.eapol();
            let key = eapol.as_ref().and_then(|e| e.key().ok());
            if let Some(key) = key {
                if let Some(dev) = self.tracker.get(p.phy, &p.bssid) {
                    let rec = format!(
                        "{{\"dot11.eapol.timestamp\": {}.{:06}, \"dot11.eapol.src_addr\": \"{}\", \"dot11.eapol.dest_addr\": \"{}\", \"dot11.eapol.message_num\": {}, \"dot11.eapol.replay_counter\": {}}}",
                        p.ts.sec,
                        p.ts.usec,
                        p.source,
                        p.dest,
                        key.message_number().unwrap_or(0),
                        key.replay_counter()
                    );
                    self.events.publish(Event {
                        topic: topic::DOT11_WPA_HANDSHAKE.to_string(),
                        ts: p.ts,
                        content: vec![
                            ("DOT11_WPA_HANDSHAKE_BASEDEV".to_string(), device_json(dev)),
                            ("DOT11_WPA_HANDSHAKE_DOT11".to_string(), rec),
                        ],
                    });
                }
            }
        }
    }

    /// Logs devices the tracker removed, as they were when removed (the log then holds every
    /// device ever tracked), and counts them for the next report.
    fn retire(&mut self, evicted: Vec<osprey_tracker::Evicted>) -> Result<(), String> {
        for e in &evicted {
            if let Some(s) = self.log.as_mut() {
                s.device(&e.device)?;
            }
            match e.reason {
                osprey_tracker::Removal::Limit => self.evictions.limit += 1,
                osprey_tracker::Removal::Idle => self.evictions.idle += 1,
            }
        }
        Ok(())
    }

    /// Reports removals not yet reported: at once the first time the device limit is reached
    /// (ERROR), then in INFO summaries at most every [`EVICTION_REPORT_SECS`] of capture time
    /// (or now, with `force`).
    fn report_evictions(&mut self, force: bool) -> Result<(), String> {
        let r = &mut self.evictions;
        if r.limit + r.idle == 0 {
            return Ok(());
        }
        let now = self.clock.sec;
        let limits = self.tracker.limits();
        let total = self.tracker.stats().evicted();
        if !r.limit_reached && r.limit > 0 {
            r.limit_reached = true;
            let text = format!(
                "Device tracker full: reached its limit of {} devices (tracker_max_devices); \
                 evicted the {} least recently seen devices after logging them. Evicted devices \
                 seen again are tracked as new; further evictions are summarised at most every \
                 {EVICTION_REPORT_SECS} s",
                limits.max_devices, r.limit
            );
            r.limit = 0;
            r.last = Some(now);
            self.message(flags::ERROR, text)?;
            if !force || self.evictions.idle == 0 {
                return Ok(());
            }
        }
        let r = &mut self.evictions;
        let due = force
            || r.last
                .is_none_or(|t| now.abs_diff(t) >= EVICTION_REPORT_SECS as u64);
        if !due {
            return Ok(());
        }
        let mut parts = Vec::new();
        if r.limit > 0 {
            parts.push(format!(
                "{} least recently seen devices (limit {})",
                r.limit, limits.max_devices
            ));
        }
        if r.idle > 0 {
            parts.push(format!(
                "{} devices idle for more than {} s",
                r.idle, limits.idle_timeout
            ));
        }
        r.limit = 0;
        r.idle = 0;
        r.last = Some(now);
        let text = format!(
            "Evicted {} from the device tracker after logging them; total evicted {total}",
            parts.join(" and ")
        );
        self.message(flags::INFO, text)
    }

    /// Writes the devices changed since the last pass, if a pass is due (or `force`).
    /// `read_clock`: whether to look at the wall clock (the packet path does every 256
    /// packets).
    fn device_pass(&mut self, force: bool, read_clock: bool) -> Result<(), String> {
        let Some(s) = self.log.as_mut() else {
            return Ok(());
        };
        let due = force
            || self.last_pass.is_none()
            || (read_clock
                && self.last_pass.is_some_and(|(t, _)| {
                    t.elapsed() >= std::time::Duration::from_secs(DEVICE_PASS_SECS as u64)
                }));
        if due {
            let since = match (force, self.last_pass) {
                (false, Some((_, sec))) => sec,
                _ => i64::MIN,
            };
            let due: Vec<&osprey_tracker::Device> = self
                .tracker
                .devices()
                .iter()
                .filter(|d| d.last_time >= since)
                .collect();
            for chunk in due.chunks(DEVICE_JSON_CHUNK) {
                for (d, json) in chunk.iter().zip(device_jsons(chunk)) {
                    s.device_with_json(d, json)?;
                }
            }
            self.last_pass = Some((std::time::Instant::now(), self.clock.sec));
        }
        Ok(())
    }

    /// Ends the current source: its final datasource row and a closing message (`error`: what
    /// ended it early). A source that could not be read at all raises Kismet's SOURCEERROR
    /// one-shot alert, returned (already delivered); damage after valid frames (a truncated
    /// last record, as a capture cut short leaves) is an ERROR message only, as Kismet raises
    /// no alert for it either.
    pub fn end_source(
        &mut self,
        path: &Path,
        error: Option<&osprey_capture::CaptureError>,
    ) -> Result<Vec<Alert>, String> {
        let mut emitted = Vec::new();
        self.flush_pending()?;
        self.announce_source()?;
        if let (Some(s), Some(d)) = (self.log.as_mut(), self.source.as_ref()) {
            s.datasource(d)?;
        }
        let uuid = self
            .source
            .as_ref()
            .map(|d| serde_json::Value::String(d.uuid.to_string()).to_string())
            .unwrap_or_else(|| "\"\"".into());
        match error {
            None => {
                self.events
                    .publish(Event::single(topic::DATASOURCE_CLOSED, self.clock, uuid));
                self.message(
                    flags::INFO,
                    format!(
                        "Pcapfile '{}' closed: end of pcapfile reached",
                        path.display()
                    ),
                )?;
            }
            Some(e) if e.is_partial() => {
                self.events
                    .publish(Event::single(topic::DATASOURCE_CLOSED, self.clock, uuid));
                self.message(flags::ERROR, e.to_string())?;
            }
            Some(e) => {
                self.events
                    .publish(Event::single(topic::DATASOURCE_ERROR, self.clock, uuid));
                self.message(flags::ERROR, e.to_string())?;
                let (name, uuid) = self
                    .source
                    .as_ref()
                    .map(|d| (d.name.clone(), d.uuid))
                    .unwrap_or_default();
                let a = osprey_detect::detectors::system::sourceerror::raise_source_error(
                    &mut self.alerts,
                    self.clock,
                    &name,
                    uuid,
                    &e.to_string(),
                );
                self.deliver_alert(&a, "UNKNOWN")?;
                emitted.push(a);
            }
        }
        if let Some(d) = self.source.take() {
            self.sources_seen.retain(|s| s.uuid != d.uuid);
            self.sources_seen.push(d);
        }
        Ok(emitted)
    }

    /// Raises an alert from outside the packet path (Kismet's `/alerts/raise_alerts.cmd`):
    /// `name` must be a registered header; the alert is throttle-checked first and delivered
    /// like any other. MACs default to zero; the time is the capture clock.
    #[allow(clippy::too_many_arguments)]
    pub fn raise_external(
        &mut self,
        name: &str,
        text: &str,
        bssid: kismetdb::MacAddr,
        source: kismetdb::MacAddr,
        dest: kismetdb::MacAddr,
        other: kismetdb::MacAddr,
        channel: &str,
    ) -> Result<Alert, ExternalAlertError> {
        let r = self
            .alerts
            .find(name)
            .ok_or_else(|| ExternalAlertError::Unknown(name.to_string()))?;
        let now = self.now();
        if !self.alerts.potential(r, now) {
            return Err(ExternalAlertError::Throttled);
        }
        match self
            .alerts
            .raise(r, now, bssid, source, dest, other, channel, text)
        {
            osprey_alerts::RaiseOutcome::Raised(a) => {
                self.deliver_alert(&a, "UNKNOWN")?;
                Ok(a)
            }
            _ => Err(ExternalAlertError::Throttled),
        }
    }

    /// Defines and activates a custom alert (Kismet's `define_alert.cmd`): its rates, then the
    /// definition. Fails if the name already has rates or a definition.
    pub fn define_external(
        &mut self,
        config: osprey_alerts::AlertConfig,
        class: &str,
        severity: osprey_alerts::Severity,
        description: &str,
        phy: i64,
    ) -> Result<(), ExternalAlertError> {
        let header = config.header.clone();
        if self.alerts.find(&header).is_some() || !self.alerts.configure(config) {
            return Err(ExternalAlertError::Exists(header));
        }
        self.alerts
            .activate(&header, class, severity, description, phy)
            .map(|_| ())
            .ok_or(ExternalAlertError::NotActivated(header))
    }

    /// The time used for alerts raised from outside the packet path: the capture clock, or
    /// the wall clock before any packet.
    pub fn now(&self) -> Timestamp {
        if self.clock.sec != 0 {
            return self.clock;
        }
        wall_clock()
    }

    /// The datasources seen so far (the current one included), as Kismet's JSON records.
    pub fn datasources(&self) -> Vec<String> {
        let mut v: Vec<String> = self.sources_seen.iter().map(|d| d.json()).collect();
        if let Some(d) = &self.source {
            if !self.sources_seen.iter().any(|s| s.uuid == d.uuid) {
                v.push(d.json());
            }
        }
        v
    }

    /// Idle work, called about once a second by a server: commits rows older than the commit
    /// interval, so a log being served is current even when no packet arrives.
    pub fn tick(&mut self) -> Result<(), String> {
        let now = wall_clock();
        if now.sec != self.last_timer {
            self.last_timer = now.sec;
            self.events.publish(Event::single(
                topic::TIMESTAMP,
                now,
                format!(
                    "{{\"kismet.system.timestamp.sec\": {}, \"kismet.system.timestamp.usec\": {}}}",
                    now.sec, now.usec
                ),
            ));
            let stats = self.dissector.stats();
            self.events.publish(Event::single(
                topic::PACKETCHAIN_STATS,
                now,
                format!(
                    "{{\"kismet.packetchain.processed_packets\": {}, \"kismet.packetchain.error_packets\": {}, \"kismet.packetchain.dupe_packets\": {}}}",
                    self.processed, stats.errors, stats.duplicates
                ),
            ));
        }
        self.flush_pending()?;
        // A live source may go quiet: the device timer runs on the wall clock regardless.
        if self.processed > 0 {
            self.device_pass(false, true)?;
        }
        match self.log.as_mut() {
            Some(s) => s.tick(),
            None => Ok(()),
        }
    }

    /// Finishes: writes every device and closes the log.
    pub fn finish(mut self) -> Result<(), String> {
        self.close()
    }

    /// Writes every device and closes the log, leaving the engine usable without a log (for
    /// a server shutting down while other threads still hold it).
    pub fn close(&mut self) -> Result<(), String> {
        self.flush_pending()?;
        self.report_evictions(true)?;
        self.device_pass(true, true)?;
        if let Some(s) = self.log.take() {
            s.close()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A probe request (raw 802.11) from a locally administered address numbered `i`.
    fn probe(i: u32) -> Vec<u8> {
        let b = i.to_be_bytes();
        let mut f = vec![0x40, 0, 0, 0];
        f.extend([0xff; 6]);
        f.extend([0x02, 0x00, b[0], b[1], b[2], b[3]]);
        f.extend([0xff; 6]);
        f.extend([0, 0]);
        f.extend([0, 0, 1, 1, 0x82]);
        f
    }

    fn feed(e: &mut Engine, bytes: &[u8], sec: i64) {
        let frame = Frame::whole(Timestamp::new(sec, 0), 105, bytes);
        e.process(&frame).unwrap();
    }

    #[test]
    fn evicted_devices_are_logged_counted_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("flood.kismet");
        let options = Options::parse("test", "tracker_max_devices=16\n").unwrap();
        let mut e = Engine::new(EngineOptions {
            options,
            log: Some(log.clone()),
            log_packets: true,
            root_check: false,
        })
        .unwrap();
        let source = dir.path().join("flood.pcap");
        e.begin_source(&source, "pcapfile");
        let mut most = 0;
        // 300 new devices over 30 s of capture time.
        for i in 0..300u32 {
            feed(&mut e, &probe(i), 1_000 + i64::from(i / 10));
            most = most.max(e.tracker().devices().len());
        }
        let c = e.device_counts();
        assert!(most <= 16, "{most}");
        assert_eq!(c.created, 300);
        assert_eq!((c.limit, c.idle_timeout, c.evicted_idle), (16, 0, 0));
        assert_eq!(c.evicted_limit, c.created - c.tracked);
        e.end_source(&source, None).unwrap();
        e.finish().unwrap();

        let r = kismetdb::Reader::open(&log).unwrap();
        // Every device ever tracked is in the log.
        assert_eq!(r.count(kismetdb::Table::Devices).unwrap(), 300);
        let mut messages = Vec::new();
        r.messages()
            .unwrap()
            .for_each(|m| -> kismetdb::Result<()> {
                messages.push((m.ts_sec, m.msgtype.to_string(), m.message.to_string()));
                Ok(())
            })
            .unwrap();
        assert!(messages
            .iter()
            .any(|(_, t, m)| t == "INFO" && m.starts_with("Limiting the device tracker to 16")));
        let errors: Vec<_> = messages
            .iter()
            .filter(|(_, _, m)| m.starts_with("Device tracker full"))
            .collect();
        assert_eq!(errors.len(), 1, "{messages:?}");
        assert_eq!(errors[0].1, "ERROR");
        let summaries: Vec<_> = messages
            .iter()
            .filter(|(_, _, m)| m.starts_with("Evicted "))
            .collect();
        // At most one per 10 s of capture time (30 s here), plus the last one at the end.
        assert!((2..=5).contains(&summaries.len()), "{summaries:?}");
        for w in summaries.windows(2).take(summaries.len().saturating_sub(2)) {
            assert!(w[1].0 - w[0].0 >= EVICTION_REPORT_SECS, "{summaries:?}");
        }
        assert!(summaries.iter().all(|(_, t, _)| t == "INFO"));
        let last = &summaries.last().unwrap().2;
        assert!(
            last.ends_with(&format!("total evicted {}", c.evicted_limit)),
            "{last}"
        );
        // The counts in the messages add up to the total.
        let reported: u64 = errors
            .iter()
            .chain(summaries.iter())
            .map(|(_, _, m)| {
                let w: Vec<&str> = m.split_whitespace().collect();
                let at = w.iter().position(|x| *x == "least").unwrap();
                w[at - 1].parse::<u64>().unwrap()
            })
            .sum();
        assert_eq!(reported, c.evicted_limit);
    }
}
