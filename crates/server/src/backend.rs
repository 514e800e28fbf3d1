//! Where the server's data comes from: a running engine (live), or a kismetdb log served
//! read-only. Handlers see only this trait.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use osprey_bus::EventBus;

pub use crate::device_cache::{DeviceSnapshot, Freshness};
pub use crate::shared::{EngineGuard, SharedEngine};
pub use osprey_engine::DeviceCounts;

/// One alert as the API serves it.
#[derive(Clone, Debug)]
pub struct AlertItem {
    /// `kismet.alert.timestamp`.
    pub ts: f64,
    /// `kismet.alert.hash`.
    pub hash: u32,
    /// The record, Kismet's JSON text.
    pub json: String,
}

/// One message as the API serves it.
#[derive(Clone, Debug)]
pub struct MessageItem {
    /// `kismet.messagebus.message_time`.
    pub sec: i64,
    /// The record, Kismet's JSON text.
    pub json: String,
}

/// An error a backend operation answers with: HTTP status and text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendError {
    /// HTTP status.
    pub status: u16,
    /// Text body.
    pub message: String,
}

impl BackendError {
    fn new(status: u16, message: impl Into<String>) -> Self {
        BackendError {
            status,
            message: message.into(),
        }
    }
}

/// What the REST handlers read and do.
pub trait Backend: Send + Sync {
    /// Alert definitions, Kismet's JSON, in Kismet's registration order.
    fn definitions(&self) -> Vec<serde_json::Value>;
    /// Recent alerts, oldest first (the backlog, or the log's alerts).
    fn alerts(&self) -> Vec<AlertItem>;
    /// The alerts of [`Backend::alerts`] with a timestamp after `ts` (strictly), oldest first.
    fn alerts_after(&self, ts: f64) -> Vec<AlertItem> {
        self.alerts().into_iter().filter(|a| a.ts > ts).collect()
    }
    /// [`Backend::alerts_after`] if it can be answered without blocking (no I/O, no waiting
    /// for the engine), else `None`.
    fn try_alerts_after(&self, _ts: f64) -> Option<Vec<AlertItem>> {
        None
    }
    /// Recent messages, oldest first.
    fn messages(&self) -> Vec<MessageItem>;
    /// Datasource records.
    fn datasources(&self) -> Vec<String>;
    /// Device records (key, mac, phy, last time, JSON).
    fn devices(&self) -> Vec<DeviceItem>;
    /// The devices, in [`Backend::devices`]'s order, shared rather than copied, as fresh as
    /// asked (see [`crate::device_cache`]).
    fn device_snapshot(&self, _freshness: Freshness) -> DeviceSnapshot {
        DeviceSnapshot::from_items(self.devices())
    }
    /// [`Backend::device_snapshot`] if it can be answered without blocking, else `None`.
    fn try_device_snapshot(&self, _freshness: Freshness) -> Option<DeviceSnapshot> {
        None
    }
    /// The clock alerts and messages are stamped with (capture time), as a double.
    fn clock(&self) -> f64;
    /// [`Backend::clock`] if it can be answered without blocking, else `None`.
    fn try_clock(&self) -> Option<f64> {
        None
    }
    /// The kismetdb log, if one is being written or served.
    fn log_path(&self) -> Option<PathBuf>;
    /// The event bus, when live.
    fn events(&self) -> Option<EventBus>;
    /// Raises an alert (live only): by default refused with 405, as a log served read-only
    /// does.
    #[allow(clippy::too_many_arguments)]
    fn raise_alert(
        &self,
        name: &str,
        text: &str,
        macs: [kismetdb::MacAddr; 4],
        channel: &str,
    ) -> Result<(), BackendError> {
        let _ = (name, text, macs, channel);
        Err(read_only())
    }
    /// Defines a custom alert (live only): by default refused with 405, as a log served
    /// read-only does.
    fn define_alert(
        &self,
        config: osprey_alerts::AlertConfig,
        class: &str,
        severity: osprey_alerts::Severity,
        description: &str,
        phy: i64,
    ) -> Result<(), BackendError> {
        let _ = (config, class, severity, description, phy);
        Err(read_only())
    }
    /// Packets seen, devices, alerts: for `/system/status.json`.
    fn counters(&self) -> Counters;
    /// Devices made and removed by the tracker's limits, and the detectors' state evictions,
    /// for `/system/status.json` (live only: a log does not record them).
    fn device_counts(&self) -> Option<DeviceCounts> {
        None
    }
    /// Sends a message on the message bus (and to the log) with Kismet's `flags`, stamped
    /// with the capture clock (live only; a log served read-only ignores it).
    fn post_message(&self, _flags: u32, _text: &str) {}
}

/// One device.
#[derive(Clone, Debug)]
pub struct DeviceItem {
    /// Device key text.
    pub key: String,
    /// MAC text.
    pub mac: String,
    /// Phy name.
    pub phy: String,
    /// Last seen (seconds).
    pub last_time: i64,
    /// Kismet's device JSON.
    pub json: Arc<str>,
}

/// Counters for the status endpoint.
#[derive(Clone, Copy, Debug, Default)]
pub struct Counters {
    /// Devices tracked.
    pub devices: u64,
    /// Packets processed (live) or logged.
    pub packets: u64,
    /// Event bus events dropped for slow subscribers since the start (subscribers that have
    /// left included).
    pub events_dropped: u64,
}

/// A running engine, shared with the ingest thread.
pub struct Live {
    engine: Arc<SharedEngine>,
    devices: Arc<crate::device_cache::LiveDevices>,
}

impl Live {
    /// Serves `engine` (which ingest feeds through [`SharedEngine::process`]).
    pub fn new(engine: Arc<SharedEngine>) -> Live {
        let devices = crate::device_cache::LiveDevices::new(engine.clone());
        Live { engine, devices }
    }

    fn lock(&self) -> EngineGuard<'_> {
        self.engine.lock()
    }
}

fn ts_double(ts: kismetdb::Timestamp) -> f64 {
    ts.sec as f64 + ts.usec as f64 / 1e6
}

impl Backend for Live {
    fn definitions(&self) -> Vec<serde_json::Value> {
        let e = self.lock();
        osprey_detect::detectors::kismet_order(e.alerts())
            .into_iter()
            .map(|d| d.to_kismet_json())
            .collect()
    }

    fn alerts(&self) -> Vec<AlertItem> {
        self.alerts_after(f64::NEG_INFINITY)
    }

    fn alerts_after(&self, ts: f64) -> Vec<AlertItem> {
        // The published backlog: no waiting for the engine.
        self.engine
            .alerts()
            .iter()
            .filter(|a| ts_double(a.ts) > ts)
            .map(|a| AlertItem {
                ts: ts_double(a.ts),
                hash: a.hash,
                json: a.to_kismet_json(),
            })
            .collect()
    }

    fn messages(&self) -> Vec<MessageItem> {
        let e = self.lock();
        e.messages()
            .recent()
            .into_iter()
            .map(|m| MessageItem {
                sec: m.ts.sec,
                json: m.to_kismet_json(),
            })
            .collect()
    }

    fn datasources(&self) -> Vec<String> {
        self.lock().datasources()
    }

    fn devices(&self) -> Vec<DeviceItem> {
        self.device_snapshot(Freshness::Exact).items()
    }

    fn device_snapshot(&self, freshness: Freshness) -> DeviceSnapshot {
        self.devices.snapshot(freshness)
    }

    fn try_device_snapshot(&self, freshness: Freshness) -> Option<DeviceSnapshot> {
        self.devices.try_snapshot(freshness)
    }

    fn try_alerts_after(&self, ts: f64) -> Option<Vec<AlertItem>> {
        Some(self.alerts_after(ts))
    }

    fn try_clock(&self) -> Option<f64> {
        Some(self.clock())
    }

    fn clock(&self) -> f64 {
        ts_double(self.engine.now())
    }

    fn log_path(&self) -> Option<PathBuf> {
        self.lock().log_path().map(Path::to_path_buf)
    }

    fn events(&self) -> Option<EventBus> {
        Some(self.engine.events().clone())
    }

    fn raise_alert(
        &self,
        name: &str,
        text: &str,
        macs: [kismetdb::MacAddr; 4],
        channel: &str,
    ) -> Result<(), BackendError> {
        use osprey_engine::ExternalAlertError as E;
        self.lock()
            .raise_external(name, text, macs[0], macs[1], macs[2], macs[3], channel)
            .map(|_| ())
            .map_err(|e| match e {
                E::Unknown(n) => BackendError::new(
                    400,
                    format!("Invalid request:  Unknown alert type '{}'", html_escape(&n)),
                ),
                E::Throttled => BackendError::new(
                    400,
                    "Invalid request: alert throttle reached, alert not raised.",
                ),
                other => BackendError::new(500, other.to_string()),
            })
    }

    fn define_alert(
        &self,
        config: osprey_alerts::AlertConfig,
        class: &str,
        severity: osprey_alerts::Severity,
        description: &str,
        phy: i64,
    ) -> Result<(), BackendError> {
        use osprey_engine::ExternalAlertError as E;
        self.lock()
            .define_external(config, class, severity, description, phy)
            .map_err(|e| match e {
                E::Exists(_) => BackendError::new(503, "Could not define alert"),
                E::NotActivated(_) => {
                    BackendError::new(504, "Could not activate alert after definition")
                }
                other => BackendError::new(500, other.to_string()),
            })
    }

    fn counters(&self) -> Counters {
        let e = self.lock();
        Counters {
            devices: e.tracker().devices().len() as u64,
            packets: self.engine.frames(),
            events_dropped: e.events().stats().dropped_total,
        }
    }

    fn device_counts(&self) -> Option<DeviceCounts> {
        Some(self.lock().device_counts())
    }

    fn post_message(&self, flags: u32, text: &str) {
        // The message goes to the log as well; a log error is the logger's to report.
        let _ = self.lock().message(flags, text);
    }
}

/// Escapes `<`, `>`, `&`, `"` and `'` for text echoed in a response.
pub fn html_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// A kismetdb log served read-only: every request reads the log (it may be Kismet's).
pub struct LogFile {
    path: PathBuf,
}

impl LogFile {
    /// Checks that `path` opens as a kismetdb log.
    pub fn open(path: &Path) -> Result<LogFile, String> {
        kismetdb::Reader::open(path).map_err(|e| e.to_string())?;
        Ok(LogFile {
            path: path.to_path_buf(),
        })
    }

    fn reader(&self) -> Option<kismetdb::Reader> {
        kismetdb::Reader::open(&self.path).ok()
    }
}

fn read_only() -> BackendError {
    BackendError::new(
        405,
        "Invalid request: this server serves a kismetdb log read-only",
    )
}

impl Backend for LogFile {
    fn definitions(&self) -> Vec<serde_json::Value> {
        // A log does not record definitions: list Osprey's built-in ones.
        let mut alerts = osprey_alerts::AlertTracker::new(0);
        let _ = osprey_detect::Detectors::with_defaults(&mut alerts);
        osprey_detect::detectors::kismet_order(&alerts)
            .into_iter()
            .map(|d| d.to_kismet_json())
            .collect()
    }

    fn alerts(&self) -> Vec<AlertItem> {
        let mut out = Vec::new();
        if let Some(r) = self.reader() {
            if let Ok(mut q) = r.alerts() {
                let _ = q.for_each(|a| -> kismetdb::Result<()> {
                    let json = String::from_utf8_lossy(&a.json).into_owned();
                    let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_default();
                    out.push(AlertItem {
                        ts: v["kismet.alert.timestamp"]
                            .as_f64()
                            .unwrap_or(ts_double(a.ts)),
                        hash: v["kismet.alert.hash"].as_u64().unwrap_or(0) as u32,
                        json,
                    });
                    Ok(())
                });
            }
        }
        out.sort_by(|a, b| a.ts.total_cmp(&b.ts));
        out
    }

    fn messages(&self) -> Vec<MessageItem> {
        let mut out = Vec::new();
        if let Some(r) = self.reader() {
            if let Ok(mut q) = r.messages() {
                let _ = q.for_each(|m| -> kismetdb::Result<()> {
                    let msg = osprey_bus::Message {
                        ts: kismetdb::Timestamp::new(m.ts_sec, 0),
                        flags: osprey_bus::Message::flags_of(&m.msgtype),
                        text: m.message.to_string(),
                    };
                    out.push(MessageItem {
                        sec: m.ts_sec,
                        json: msg.to_kismet_json(),
                    });
                    Ok(())
                });
            }
        }
        out
    }

    fn datasources(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(r) = self.reader() {
            if let Ok(mut q) = r.datasources() {
                let _ = q.for_each(|d| -> kismetdb::Result<()> {
                    out.push(String::from_utf8_lossy(&d.json).into_owned());
                    Ok(())
                });
            }
        }
        out
    }

    fn devices(&self) -> Vec<DeviceItem> {
        let mut out = Vec::new();
        if let Some(r) = self.reader() {
            if let Ok(mut q) = r.devices() {
                let _ = q.for_each(|d| -> kismetdb::Result<()> {
                    out.push(DeviceItem {
                        key: d.devkey.map(|k| k.to_string()).unwrap_or_default(),
                        mac: d.devmac.to_string(),
                        phy: d.phyname.to_string(),
                        last_time: d.last_time,
                        json: Arc::from(String::from_utf8_lossy(&d.device).as_ref()),
                    });
                    Ok(())
                });
            }
        }
        out
    }

    fn clock(&self) -> f64 {
        self.alerts().last().map(|a| a.ts).unwrap_or(0.0)
    }

    fn log_path(&self) -> Option<PathBuf> {
        Some(self.path.clone())
    }

    fn events(&self) -> Option<EventBus> {
        None
    }

    fn counters(&self) -> Counters {
        let r = self.reader();
        let count = |t| r.as_ref().and_then(|r| r.count(t).ok()).unwrap_or(0);
        Counters {
            devices: count(kismetdb::Table::Devices),
            packets: count(kismetdb::Table::Packets),
            events_dropped: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{handle, Body, State};
    use crate::test_support::shared_capture;

    /// `/system/status.json` as the handler answers it.
    fn status(backend: Arc<dyn Backend>) -> serde_json::Value {
        let state = State {
            backend,
            auth: Arc::new(crate::auth::Auth::in_memory("admin", "status-test").unwrap()),
            limiter: Arc::new(crate::http::RateLimiter::default()),
        };
        let m = crate::routes::find("GET", "/system/status.json").unwrap();
        let cmd = crate::format::Command {
            json: None,
            vars: Vec::new(),
        };
        let r = handle(&state, &m, &cmd, &crate::auth::Login::default());
        assert_eq!(r.status, 200);
        let Body::Bytes(b) = r.body else {
            panic!("a JSON body")
        };
        serde_json::from_slice(&b).unwrap()
    }

    #[test]
    fn status_counts_the_devices_the_limits_removed() {
        let path = shared_capture("radiotap/wifi-arsenal_radioparse_sample.pcap");
        let options = osprey_config::Options::parse(
            "test",
            "tracker_max_devices=16\ntracker_device_timeout=3600\ndetector_max_macs=2\n",
        )
        .unwrap();
        let shared = Arc::new(SharedEngine::new(
            osprey_engine::Engine::new(osprey_engine::EngineOptions {
                options,
                ..Default::default()
            })
            .unwrap(),
        ));
        let live: Arc<dyn Backend> = Arc::new(Live::new(shared.clone()));
        let v = status(live.clone());
        assert_eq!(v["kismet.system.devices.count"], 0);
        assert_eq!(v["osprey.system.devices.limit"], 16);
        assert_eq!(v["osprey.system.devices.timeout"], 3600);
        assert_eq!(v["osprey.system.devices.created"], 0);
        assert_eq!(v["osprey.system.devices.evicted"], 0);
        shared.lock().begin_source(&path, "pcapfile");
        let _ = osprey_capture::for_each_frame(&path, &mut |frame| {
            let mut g = shared.lock_ingest();
            shared.process(&mut g, frame).unwrap();
            osprey_capture::Flow::Continue
        });
        let v = status(live);
        let n = |k: &str| {
            v[k].as_u64()
                .unwrap_or_else(|| panic!("{k} missing in {v}"))
        };
        let count = n("kismet.system.devices.count");
        let (created, evicted) = (
            n("osprey.system.devices.created"),
            n("osprey.system.devices.evicted"),
        );
        assert!((1..=16).contains(&count), "{v}");
        assert!(evicted > 0, "{v}");
        assert_eq!(created - evicted, count, "{v}");
        assert_eq!(
            evicted,
            n("osprey.system.devices.evicted_limit") + n("osprey.system.devices.evicted_idle")
        );
        // The engine's own counts, and the detectors' bounded state (2 networks at most).
        let c = shared.lock().device_counts();
        assert_eq!((c.created, c.tracked), (created, count));
        assert!(n("osprey.system.detectors.state_evicted") > 0, "{v}");
        assert_eq!(
            n("osprey.system.detectors.state_evicted"),
            c.detector_state_evicted
        );
    }

    #[test]
    fn a_served_log_has_no_eviction_counts() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("a.kismet");
        kismetdb::Writer::create(&log, kismetdb::WriterOptions::default())
            .unwrap()
            .close()
            .unwrap();
        let v = status(Arc::new(LogFile::open(&log).unwrap()));
        assert_eq!(v["kismet.system.devices.count"], 0);
        assert!(v["osprey.system.devices.evicted"].is_null(), "{v}");
        assert!(v["osprey.system.devices.limit"].is_null(), "{v}");
    }
}
