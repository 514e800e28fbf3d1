//! **ROOTUSER** (SYSTEM, HIGH, phy unknown): the program runs as root.
//!
//! Not raised by packets. As in Kismet, the alert exists only when the program runs as root:
//! [`raise_root_user`] (which the program calls once at start when its user id is 0) defines
//! its rates (1/sec with a burst of 1/sec, unless an `alert=ROOTUSER` line says otherwise),
//! activates it, and raises it with empty addresses and channel. Text: Kismet's.

use kismetdb::{MacAddr, Timestamp};
use osprey_alerts::{
    Alert, AlertConfig, AlertTracker, RaiseOutcome, Severity, TimeUnit, PHY_UNKNOWN,
};

/// The definition's description.
pub const DESCRIPTION: &str = "The program is running as root, which is less secure than running it as an unprivileged user with only the capture privileges it needs";

/// The text. Kismet's says "Kismet is running as root" and points at `kismet.service`; Osprey
/// names itself and gives advice that applies to it.
const TEXT: &str = "Osprey is running as root; this is less secure.  Reading capture files and logs needs no privileges; run Osprey as an unprivileged user (capture from interfaces needs only CAP_NET_RAW and CAP_NET_ADMIN).";

/// Defines and activates ROOTUSER (if not yet registered) and raises it at `now`. Returns the
/// alert, or `None` when the configuration rate-limits or disables it (or it could not be
/// registered). Call it once, only when running as root.
pub fn raise_root_user(alerts: &mut AlertTracker, now: Timestamp) -> Option<Alert> {
    let r = match alerts.find("ROOTUSER") {
        Some(r) => r,
        None => {
            // Kismet's define_alert: an earlier configuration (alert= line) wins.
            alerts.configure(AlertConfig {
                header: "ROOTUSER".into(),
                limit_unit: TimeUnit::Second,
                limit_rate: 1,
                burst_unit: TimeUnit::Second,
                limit_burst: 1,
            });
            alerts.activate(
                "ROOTUSER",
                "SYSTEM",
                Severity::High,
                DESCRIPTION,
                PHY_UNKNOWN,
            )?
        }
    };
    let z = MacAddr::ZERO;
    match alerts.raise(r, now, z, z, z, z, "", TEXT) {
        RaiseOutcome::Raised(a) => Some(a),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_user_is_defined_on_first_raise() {
        let mut alerts = AlertTracker::new(10);
        crate::Detectors::with_defaults(&mut alerts);
        assert!(alerts.find("ROOTUSER").is_none());
        let a = raise_root_user(&mut alerts, Timestamp::new(100, 5)).unwrap();
        assert_eq!(
            (a.header.as_str(), a.class.as_str(), a.phy),
            ("ROOTUSER", "SYSTEM", -2)
        );
        assert_eq!((a.severity, a.channel.as_str()), (Severity::High, ""));
        assert!(a
            .text
            .starts_with("Osprey is running as root; this is less secure."));
        let d = &alerts.definitions()[alerts.find("ROOTUSER").unwrap()];
        assert_eq!(
            (d.limit_rate, d.limit_unit, d.limit_burst),
            (1, TimeUnit::Second, 1)
        );
        // Once per second at most.
        assert!(raise_root_user(&mut alerts, Timestamp::new(100, 6)).is_none());
        // A configuration line wins over the defined rates.
        let o = osprey_config::Options::parse("t", "alert=ROOTUSER,0/min,0/sec").unwrap();
        let mut alerts = AlertTracker::new(10);
        crate::Detectors::new(&mut alerts, &o).unwrap();
        assert!(raise_root_user(&mut alerts, Timestamp::new(100, 5)).is_none());
    }
}
