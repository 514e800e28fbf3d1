//! # osprey-detect
//!
//! The detectors: each looks at dissected packets (and the device tracker) and raises alerts
//! through the alert tracker. A detector never writes anywhere; what it raises goes back to the
//! caller, which delivers it (message bus, event bus, kismetdb).
//!
//! Each detector is one module whose documentation states its trigger.

#![warn(missing_docs)]

pub mod detectors;

use kismetdb::Timestamp;
use osprey_alerts::{Alert, AlertTracker, RaiseOutcome};
use osprey_dissect::Packet;
use osprey_tracker::{Observed, Tracker};

pub use detectors::{Detectors, Registry};

/// What a detector needs for one packet.
pub struct Context<'p, 'a> {
    /// The packet.
    pub packet: &'p Packet<'a>,
    /// The device tracker, after this packet was tracked.
    pub devices: &'p Tracker,
    /// What tracking this packet changed (devices created, a new advertised SSID).
    pub observed: &'p Observed,
}

/// One detector: it looks at packets (and, for timers, the clock) and raises alerts through
/// the tracker. It keeps whatever state its trigger needs and never writes anywhere else.
pub trait Detector: Send {
    /// Looks at one packet. Duplicates are never shown; packets with an error flag only when
    /// [`Detector::sees_errors`] says so.
    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings);

    /// Whether packets flagged with an error (bad FCS, truncated, malformed) are shown too.
    fn sees_errors(&self) -> bool {
        false
    }

    /// Called as capture time passes (at most once per capture second, with the time of the
    /// newest packet), for alerts raised by timers rather than packets (DEVICELOST).
    fn tick(
        &mut self,
        _now: Timestamp,
        _devices: &Tracker,
        _alerts: &mut AlertTracker,
        _f: &mut Findings,
    ) {
    }
}

impl Context<'_, '_> {
    /// The packet's capture time, the clock of every rate limit and window.
    pub fn now(&self) -> Timestamp {
        self.packet.ts
    }

    /// The packet's channel text as Kismet puts it in 802.11 alerts: the DS parameter set's
    /// channel when the frame carries one, else `"0"`.
    pub fn channel(&self) -> String {
        self.packet
            .dot11()
            .and_then(|d| d.elements())
            .and_then(|mut e| e.find(|x| x.id == osprey_wire::ieee80211::ie::id::DS_PARAMS))
            .and_then(|x| x.data.first().map(|c| c.to_string()))
            .unwrap_or_else(|| "0".to_string())
    }
}

/// Raised alerts of one packet, with the packet tags they add (`ALERT`, `ALERT_<HEADER>`,
/// added even when the alert is throttled, as Kismet does).
#[derive(Default, Debug)]
pub struct Findings {
    /// Alerts emitted. Each carries its evidence: the packet numbers (`packets.packetid`)
    /// that triggered it; the current packet unless the detector named others.
    pub alerts: Vec<Alert>,
    /// Headers of alerts raised (emitted or throttled), for the packet tags.
    pub tagged: Vec<String>,
}

impl Findings {
    /// Records the outcome of a raise whose evidence is the packet being inspected (filled in
    /// by [`Detectors::inspect`]).
    pub fn record(&mut self, header: &str, outcome: RaiseOutcome) {
        self.record_evidence(header, outcome, Vec::new());
    }

    /// Records the outcome of a raise triggered by several packets: `evidence` holds their
    /// packet numbers (`Packet::packet_no`), in capture order.
    pub fn record_evidence(&mut self, header: &str, outcome: RaiseOutcome, evidence: Vec<u64>) {
        if !matches!(outcome, RaiseOutcome::Unknown) {
            self.tagged.push(header.to_string());
        }
        if let RaiseOutcome::Raised(mut a) = outcome {
            a.evidence = evidence;
            self.alerts.push(a);
        }
    }

    /// The packet tags to add: `ALERT ALERT_<H1> ALERT_<H2> ...`, or empty.
    pub fn tags(&self) -> String {
        if self.tagged.is_empty() {
            return String::new();
        }
        let mut t = String::from("ALERT");
        for h in &self.tagged {
            t.push_str(" ALERT_");
            t.push_str(h);
        }
        t
    }
}

/// Shortcut used by detectors: raise `r` for the packet with the given addresses and text.
pub(crate) fn raise(
    alerts: &mut AlertTracker,
    r: osprey_alerts::AlertRef,
    ctx: &Context<'_, '_>,
    addrs: [kismetdb::MacAddr; 4],
    text: &str,
) -> RaiseOutcome {
    alerts.raise(
        r,
        ctx.now(),
        addrs[0],
        addrs[1],
        addrs[2],
        addrs[3],
        &ctx.channel(),
        text,
    )
}
