//! The alert tracker: definitions, rate limits, raising, backlog.

use std::collections::{HashMap, VecDeque};

use kismetdb::{MacAddr, Timestamp};

use crate::record::{alert_hash, ts_double};
use crate::{Alert, AlertConfig, Severity, TimeUnit};

/// A registered alert, by registration order.
pub type AlertRef = usize;

/// Phy id "any phy" (Kismet's `KIS_PHY_ANY`).
pub const PHY_ANY: i64 = -1;
/// Phy id "unknown phy" (Kismet's `KIS_PHY_UNKNOWN`).
pub const PHY_UNKNOWN: i64 = -2;

/// An alert definition and its rate-limit state (`kismet.alert.definition.*`).
#[derive(Clone, Debug, PartialEq)]
pub struct Definition {
    /// Upper-cased name.
    pub header: String,
    /// Upper-cased class.
    pub class: String,
    /// Severity.
    pub severity: Severity,
    /// Description.
    pub description: String,
    /// Phy id (-1 any, -2 unknown).
    pub phy: i64,
    /// Unit of the overall rate.
    pub limit_unit: TimeUnit,
    /// Alerts per `limit_unit`; 0 disables.
    pub limit_rate: u64,
    /// Unit of the burst.
    pub burst_unit: TimeUnit,
    /// Alerts per `burst_unit`.
    pub limit_burst: u64,
    /// Burst counter.
    pub burst_sent: u64,
    /// Rate-window counter (reset after an idle rate period; not a lifetime total).
    pub total_sent: u64,
    /// Time of the last emitted alert, 0 for never.
    pub time_last: f64,
}

impl Definition {
    /// Kismet's `check_times`: may an alert be emitted at `now`? Resets the counters after idle
    /// periods as Kismet does (so this is not a pure query).
    ///
    /// Not a sliding or fixed window: the rate counter only resets after a whole `limit_unit`
    /// with no alert emitted, measured from the last emitted alert against whole seconds of
    /// `now`; the burst counter likewise with `burst_unit`. A rate of 0 disables the alert.
    pub fn check_times(&mut self, now: Timestamp) -> bool {
        if self.limit_rate == 0 {
            return false;
        }
        let now_s = now.sec as f64;
        if self.time_last < now_s - self.limit_unit.seconds() as f64 {
            self.total_sent = 0;
            self.burst_sent = 0;
            return true;
        }
        if self.time_last < now_s - self.burst_unit.seconds() as f64 {
            self.burst_sent = 0;
        }
        self.burst_sent < self.limit_burst && self.total_sent < self.limit_rate
    }

    /// The definition as Kismet's JSON.
    pub fn to_kismet_json(&self) -> serde_json::Value {
        serde_json::json!({
            "kismet.alert.definition.header": self.header,
            "kismet.alert.definition.class": self.class,
            "kismet.alert.definition.severity": self.severity.number(),
            "kismet.alert.definition.description": self.description,
            "kismet.alert.definition.phyid": self.phy,
            "kismet.alert.definition.limit_unit": self.limit_unit as u8,
            "kismet.alert.definition.limit_rate": self.limit_rate,
            "kismet.alert.definition.burst_unit": self.burst_unit as u8,
            "kismet.alert.definition.limit_burst": self.limit_burst,
            "kismet.alert.definition.burst_sent": self.burst_sent,
            "kismet.alert.definition.total_sent": self.total_sent,
            "kismet.alert.definition.time_last": self.time_last,
        })
    }
}

/// What happened to a raise.
// The alert is moved straight out of the outcome by the caller; boxing it would only add an
// allocation per emitted alert.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum RaiseOutcome {
    /// No such alert (or it failed to register): nothing happened.
    Unknown,
    /// Rate-limited: nothing is recorded, published or counted.
    Throttled,
    /// Emitted.
    Raised(Alert),
}

/// The alert tracker.
pub struct AlertTracker {
    defs: Vec<Definition>,
    by_name: HashMap<String, AlertRef>,
    conf: HashMap<String, AlertConfig>,
    backlog: VecDeque<Alert>,
    backlog_cap: usize,
    notes: Vec<(&'static str, String)>,
}

/// The number of alerts kept in the backlog by default (Kismet's `alertbacklog=50`).
pub const DEFAULT_BACKLOG: usize = 50;

impl Default for AlertTracker {
    fn default() -> Self {
        AlertTracker::new(DEFAULT_BACKLOG)
    }
}

impl AlertTracker {
    /// A tracker keeping `backlog` recent alerts, with Kismet's built-in `KISMET` definition
    /// (class SYSTEM, severity INFO, rate 0: it exists only as a definition).
    pub fn new(backlog: usize) -> AlertTracker {
        let mut t = AlertTracker {
            defs: Vec::new(),
            by_name: HashMap::new(),
            conf: HashMap::new(),
            backlog: VecDeque::new(),
            backlog_cap: backlog,
            notes: Vec::new(),
        };
        let _ = t.register(
            "KISMET",
            "SYSTEM",
            Severity::Info,
            "Server events",
            TimeUnit::Day,
            0,
            TimeUnit::Day,
            0,
            PHY_ANY,
        );
        t
    }

    /// Stores a rate configuration (`alert=` line) for an alert activated later. As in Kismet,
    /// the first configuration of a name wins; returns false for a later duplicate.
    pub fn configure(&mut self, c: AlertConfig) -> bool {
        if self.conf.contains_key(&c.header) {
            return false;
        }
        self.conf.insert(c.header.clone(), c);
        true
    }

    /// Activates an alert with its configured rates, or Kismet's default of 10/min, 1/sec
    /// (noting an INFO message). Returns its ref, or `None` if registration failed.
    pub fn activate(
        &mut self,
        header: &str,
        class: &str,
        severity: Severity,
        description: &str,
        phy: i64,
    ) -> Option<AlertRef> {
        let name = header.to_ascii_uppercase();
        let c = match self.conf.get(&name) {
            Some(c) => c.clone(),
            None => {
                self.notes.push((
                    "INFO",
                    format!("Using default rates of 10/min, 1/sec for alert '{name}'"),
                ));
                let c = AlertConfig {
                    header: name.clone(),
                    limit_unit: TimeUnit::Minute,
                    limit_rate: 10,
                    burst_unit: TimeUnit::Second,
                    limit_burst: 1,
                };
                self.conf.insert(name.clone(), c.clone());
                c
            }
        };
        self.register(
            &c.header,
            class,
            severity,
            description,
            c.limit_unit,
            c.limit_rate,
            c.burst_unit,
            c.limit_burst,
            phy,
        )
        .ok()
    }

    /// Registers a definition. Fails (noting an ERROR) for a duplicate header, or when the
    /// burst unit is longer than the rate unit.
    #[allow(clippy::too_many_arguments)]
    pub fn register(
        &mut self,
        header: &str,
        class: &str,
        severity: Severity,
        description: &str,
        limit_unit: TimeUnit,
        limit_rate: u64,
        burst_unit: TimeUnit,
        limit_burst: u64,
        phy: i64,
    ) -> Result<AlertRef, String> {
        if self.by_name.contains_key(header) {
            let e = format!("Tried to re-register duplicate alert {header}");
            self.notes.push(("ERROR", e.clone()));
            return Err(e);
        }
        if burst_unit > limit_unit {
            let e = format!(
                "Failed to register alert {header}, time unit for burst rate must be less than or equal to the time unit for the max rate"
            );
            self.notes.push(("ERROR", e.clone()));
            return Err(e);
        }
        let r = self.defs.len();
        self.defs.push(Definition {
            header: header.to_ascii_uppercase(),
            class: class.to_ascii_uppercase(),
            severity,
            description: description.to_string(),
            phy,
            limit_unit,
            limit_rate,
            burst_unit,
            limit_burst,
            burst_sent: 0,
            total_sent: 0,
            time_last: 0.0,
        });
        self.by_name.insert(header.to_string(), r);
        Ok(r)
    }

    /// The ref of a registered alert (exact, case-sensitive name, as Kismet looks it up).
    pub fn find(&self, header: &str) -> Option<AlertRef> {
        self.by_name.get(header).copied()
    }

    /// Every definition, in registration order.
    pub fn definitions(&self) -> &[Definition] {
        &self.defs
    }

    /// Would an alert be emitted now? (Kismet's `potential_alert`; like it, may reset
    /// counters.)
    pub fn potential(&mut self, r: AlertRef, now: Timestamp) -> bool {
        self.defs.get_mut(r).is_some_and(|d| d.check_times(now))
    }

    /// Raises an alert at capture time `now`.
    #[allow(clippy::too_many_arguments)]
    pub fn raise(
        &mut self,
        r: AlertRef,
        now: Timestamp,
        transmitter: MacAddr,
        source: MacAddr,
        dest: MacAddr,
        other: MacAddr,
        channel: &str,
        text: &str,
    ) -> RaiseOutcome {
        let Some(def) = self.defs.get_mut(r) else {
            return RaiseOutcome::Unknown;
        };
        if !def.check_times(now) {
            return RaiseOutcome::Throttled;
        }
        def.burst_sent += 1;
        def.total_sent += 1;
        def.time_last = ts_double(now);
        let alert = Alert {
            header: def.header.clone(),
            class: def.class.clone(),
            severity: def.severity,
            phy: def.phy,
            ts: now,
            transmitter,
            source,
            dest,
            other,
            channel: channel.to_string(),
            frequency: 0.0,
            text: text.to_string(),
            location: None,
            evidence: Vec::new(),
            hash: alert_hash(
                &def.header,
                def.severity.number(),
                def.phy,
                ts_double(now),
                transmitter,
                source,
                dest,
                other,
                channel,
            ),
        };
        self.push_backlog(alert.clone());
        RaiseOutcome::Raised(alert)
    }

    /// A one-shot alert: no definition, no rate limit; header and class as given, empty
    /// addresses and channel.
    pub fn one_shot(
        &mut self,
        header: &str,
        class: &str,
        severity: Severity,
        text: &str,
        phy: i64,
        now: Timestamp,
    ) -> Alert {
        let z = MacAddr::ZERO;
        let alert = Alert {
            header: header.to_string(),
            class: class.to_string(),
            severity,
            phy,
            ts: now,
            transmitter: z,
            source: z,
            dest: z,
            other: z,
            channel: String::new(),
            frequency: 0.0,
            text: text.to_string(),
            location: None,
            evidence: Vec::new(),
            hash: alert_hash(
                header,
                severity.number(),
                phy,
                ts_double(now),
                z,
                z,
                z,
                z,
                "",
            ),
        };
        self.push_backlog(alert.clone());
        alert
    }

    fn push_backlog(&mut self, a: Alert) {
        if self.backlog_cap == 0 {
            return;
        }
        self.backlog.push_back(a);
        while self.backlog.len() > self.backlog_cap {
            self.backlog.pop_front();
        }
    }

    /// The most recent alerts, oldest first.
    pub fn backlog(&self) -> impl Iterator<Item = &Alert> {
        self.backlog.iter()
    }

    /// Records the evidence (triggering packet numbers) of a recently emitted alert, found in
    /// the backlog by hash, newest first.
    pub fn set_evidence(&mut self, hash: u32, evidence: &[u64]) {
        if let Some(a) = self.backlog.iter_mut().rev().find(|a| a.hash == hash) {
            a.evidence = evidence.to_vec();
        }
    }

    /// Messages the tracker wants on the message bus (type, text), taken once.
    pub fn take_notes(&mut self) -> Vec<(&'static str, String)> {
        std::mem::take(&mut self.notes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(sec: i64, usec: i64) -> Timestamp {
        Timestamp::new(sec, usec)
    }

    fn tracker_with(conf: &str) -> (AlertTracker, AlertRef) {
        let mut tr = AlertTracker::new(50);
        tr.configure(crate::parse_alert_config(conf).unwrap());
        let r = tr
            .activate("DEAUTHFLOOD", "denial", Severity::Medium, "flood", 0)
            .unwrap();
        (tr, r)
    }

    fn raised_at(
        tr: &mut AlertTracker,
        r: AlertRef,
        times: impl Iterator<Item = Timestamp>,
    ) -> Vec<Timestamp> {
        let z = MacAddr::ZERO;
        times
            .filter(|&now| {
                matches!(
                    tr.raise(r, now, z, z, z, z, "0", "x"),
                    RaiseOutcome::Raised(_)
                )
            })
            .collect()
    }

    #[test]
    fn five_per_minute_one_per_second_under_a_constant_trigger() {
        // A trigger every half second from t = 1000 to 1080.
        let (mut tr, r) = tracker_with("DEAUTHFLOOD,5/min,1/sec");
        let times = (0..160).map(|i| t(1000 + i / 2, (i % 2) * 500_000));
        let got: Vec<i64> = raised_at(&mut tr, r, times).iter().map(|x| x.sec).collect();
        // Burst resets need time_last < floor(now) - 1; the rate counter resets only after a
        // full idle minute since the last emitted alert (1008 < 1069 - 60), then a new run of
        // five starts.
        assert_eq!(
            got,
            vec![1000, 1002, 1004, 1006, 1008, 1069, 1071, 1073, 1075, 1077]
        );
        let d = &tr.definitions()[r];
        // The throttled checks after 1077 reset the burst counter (1077 < 1079 - 1).
        assert_eq!(
            (d.class.as_str(), d.total_sent, d.burst_sent),
            ("DENIAL", 5, 0)
        );
    }

    #[test]
    fn zero_rate_disables_and_zero_burst_lets_one_through_per_idle_period() {
        let (mut tr, r) = tracker_with("DEAUTHFLOOD,0/min,0/sec");
        assert!(raised_at(&mut tr, r, (0..100).map(|i| t(1000 + i, 0))).is_empty());
        let (mut tr, r) = tracker_with("DEAUTHFLOOD,5/min,0/sec");
        let got: Vec<i64> = raised_at(&mut tr, r, (0..200).map(|i| t(1000 + i, 0)))
            .iter()
            .map(|x| x.sec)
            .collect();
        assert_eq!(got, vec![1000, 1061, 1122, 1183]);
    }

    #[test]
    fn defaults_registration_errors_and_notes() {
        let mut tr = AlertTracker::new(50);
        let r = tr
            .activate("bssts", "spoof", Severity::Medium, "d", 0)
            .unwrap();
        let d = &tr.definitions()[r];
        assert_eq!(
            (
                d.header.as_str(),
                d.limit_rate,
                d.limit_unit,
                d.limit_burst,
                d.burst_unit
            ),
            ("BSSTS", 10, TimeUnit::Minute, 1, TimeUnit::Second)
        );
        assert!(tr
            .take_notes()
            .iter()
            .any(|(k, m)| *k == "INFO" && m.contains("default rates")));
        // Duplicates and a burst unit longer than the rate unit are refused.
        assert!(tr
            .register(
                "BSSTS",
                "X",
                Severity::Low,
                "",
                TimeUnit::Minute,
                1,
                TimeUnit::Second,
                1,
                0
            )
            .is_err());
        tr.configure(crate::parse_alert_config("SLOW,5/sec,1/min").unwrap());
        assert!(tr.activate("SLOW", "OTHER", Severity::Low, "", 0).is_none());
        assert_eq!(tr.find("SLOW"), None);
        assert_eq!(
            tr.raise(
                99,
                t(1, 0),
                MacAddr::ZERO,
                MacAddr::ZERO,
                MacAddr::ZERO,
                MacAddr::ZERO,
                "",
                ""
            ),
            RaiseOutcome::Unknown
        );
        // The first configuration of a name wins.
        assert!(tr.configure(crate::parse_alert_config("X,1/min,1/sec").unwrap()));
        assert!(!tr.configure(crate::parse_alert_config("X,9/min,1/sec").unwrap()));
        // The built-in KISMET definition exists and never fires through a ref.
        let k = tr.find("KISMET").unwrap();
        assert!(!tr.potential(k, t(5, 0)));
    }

    #[test]
    fn backlog_keeps_the_newest_and_one_shots_bypass_limits() {
        let mut tr = AlertTracker::new(3);
        for i in 0..5 {
            tr.one_shot(
                "ROOTUSER",
                "SYSTEM",
                Severity::High,
                &format!("n{i}"),
                PHY_ANY,
                t(100 + i, 0),
            );
        }
        let texts: Vec<&str> = tr.backlog().map(|a| a.text.as_str()).collect();
        assert_eq!(texts, vec!["n2", "n3", "n4"]);
        let mut none = AlertTracker::new(0);
        none.one_shot("X", "SYSTEM", Severity::Info, "t", PHY_ANY, t(1, 0));
        assert_eq!(none.backlog().count(), 0);
    }
}
