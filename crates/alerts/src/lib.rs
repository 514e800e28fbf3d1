//! # osprey-alerts
//!
//! Kismet's alert tracker, with the same definitions, severities (0 INFO, 5 LOW, 10 MEDIUM,
//! 15 HIGH, 20 CRITICAL), classes (DENIAL, EXPLOIT, OTHER, PROBE, SPOOF, SYSTEM, or any custom
//! class), rate limits (`alert=NAME,rate/unit,burst/unit`, Kismet's exact `check_times`
//! algorithm), backlog and one-shot alerts, and the same alert records and hash.
//!
//! One difference by design: the clock of the rate limits is the packets' capture time, handed
//! in with every raise, so results do not depend on replay speed.
//!
//! The tracker decides whether an alert is emitted and builds its record; delivering it (the
//! message bus, the event bus, the kismetdb log) is the caller's job.

#![warn(missing_docs)]

mod config;
mod record;
mod tracker;

pub use config::{parse_alert_config, AlertConfig, ConfigError};
pub use record::{alert_hash, Alert, EVIDENCE_KEY};
pub use tracker::{AlertRef, AlertTracker, Definition, RaiseOutcome, PHY_ANY, PHY_UNKNOWN};

/// Alert severity, the number Kismet puts on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// 0: informational.
    Info = 0,
    /// 5: low risk.
    Low = 5,
    /// 10: medium risk.
    Medium = 10,
    /// 15: high risk.
    High = 15,
    /// 20: critical.
    Critical = 20,
}

impl Severity {
    /// The severity of a number; only 0, 5, 10, 15 and 20 are severities.
    pub fn from_number(n: u64) -> Option<Severity> {
        Some(match n {
            0 => Severity::Info,
            5 => Severity::Low,
            10 => Severity::Medium,
            15 => Severity::High,
            20 => Severity::Critical,
            _ => return None,
        })
    }

    /// The name (`INFO`, `LOW`, `MEDIUM`, `HIGH`, `CRITICAL`).
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "INFO",
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }

    /// The number.
    pub fn number(self) -> u8 {
        self as u8
    }
}

/// A rate-limit time unit (Kismet's enum: 0 second, 1 minute, 2 hour, 3 day).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TimeUnit {
    /// A second.
    Second = 0,
    /// A minute.
    Minute = 1,
    /// An hour.
    Hour = 2,
    /// A day.
    Day = 3,
}

impl TimeUnit {
    /// Seconds in the unit.
    pub fn seconds(self) -> i64 {
        match self {
            TimeUnit::Second => 1,
            TimeUnit::Minute => 60,
            TimeUnit::Hour => 3600,
            TimeUnit::Day => 86400,
        }
    }

    /// The unit of an enum number, clamped to a day as Kismet does.
    pub fn from_number(n: u64) -> TimeUnit {
        match n {
            0 => TimeUnit::Second,
            1 => TimeUnit::Minute,
            2 => TimeUnit::Hour,
            _ => TimeUnit::Day,
        }
    }
}
