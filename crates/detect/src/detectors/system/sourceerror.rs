//! **SOURCEERROR** (SYSTEM, HIGH definition; CRITICAL one-shot): a data source failed.
//!
//! Not raised by packets. As in Kismet, the definition is registered (phy unknown, rates
//! 1/sec with a burst of 10/sec unless an `alert=SOURCEERROR` line says otherwise) but never
//! raised through; what is raised is a one-shot alert (no rate limit, no definition needed):
//! header SOURCEERROR, class SYSTEM, severity CRITICAL (20), any phy, empty addresses and
//! channel. [`raise_source_error`] is what the program calls when a source fails; its text is
//! Kismet's for a source that is not re-opened (Osprey's sources are files, read once).

use kismetdb::{Timestamp, Uuid};
use osprey_alerts::{Alert, AlertTracker, Severity, PHY_ANY};

/// The definition's description.
pub const DESCRIPTION: &str = "A data source reported an error; depending on its configuration it may be opened again automatically";

/// Raises the SOURCEERROR one-shot alert for the source `source_name` (with its UUID) that
/// failed with `error_text`, at capture time `now`. A one-shot is never rate limited, so the
/// alert is always returned (and kept in the tracker's backlog); delivering it is the
/// caller's job.
pub fn raise_source_error(
    alerts: &mut AlertTracker,
    now: Timestamp,
    source_name: &str,
    source_uuid: Uuid,
    error_text: &str,
) -> Alert {
    let text = format!(
        "Source {source_name} ({source_uuid}) has encountered an error ({error_text}) but is not configured to automatically re-try opening; it will remain closed."
    );
    alerts.one_shot(
        "SOURCEERROR",
        "SYSTEM",
        Severity::Critical,
        &text,
        PHY_ANY,
        now,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_shot_is_critical_any_phy_and_never_throttled() {
        let o = osprey_config::Options::parse("t", "alert=SOURCEERROR,0/min,0/sec").unwrap();
        let mut alerts = AlertTracker::new(10);
        crate::Detectors::new(&mut alerts, &o).unwrap();
        let uuid = Uuid([0x11; 16]);
        for i in 0..3 {
            let a = raise_source_error(&mut alerts, Timestamp::new(100, i), "cap", uuid, "boom");
            assert_eq!(
                (a.header.as_str(), a.class.as_str()),
                ("SOURCEERROR", "SYSTEM")
            );
            assert_eq!(
                (a.severity, a.phy, a.channel.as_str()),
                (Severity::Critical, -1, "")
            );
            assert!(a.text.starts_with("Source cap (11111111-1111-1111-1111-111111111111) has encountered an error (boom)"), "{}", a.text);
        }
        // The definition exists (phy unknown) with Kismet's code rates unless configured.
        let mut alerts = AlertTracker::new(10);
        crate::Detectors::with_defaults(&mut alerts);
        let d = &alerts.definitions()[alerts.find("SOURCEERROR").unwrap()];
        assert_eq!(
            (d.phy, d.severity, d.limit_rate, d.limit_burst),
            (-2, Severity::High, 1, 10)
        );
    }
}
