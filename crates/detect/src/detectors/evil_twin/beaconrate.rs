//! **BEACONRATE** (SPOOF, HIGH): a network's beacon interval changed.
//!
//! Trigger: a beacon of a known (BSSID, SSID) beacon record whose beacon interval (the fixed
//! field, in time units) is not 0 and differs from the record's known interval. Every beacon
//! is compared (two integers); the record then takes the new interval. The text gives the
//! rates as Kismet does, in beacons per second rounded up (100 TU is 10); when two intervals
//! round to the same rate, it gives the intervals in TU instead.
//!
//! Kismet compares the rounded rates (so 100 and 102 TU look the same), and only looks when
//! the frame's elements changed, so a change of the interval alone goes unnoticed until some
//! element changes too.

use super::record::{ssid_text, Advert, Out, Record, Refs};

/// The definition's description.
pub const DESCRIPTION: &str = "The beacon interval of a network changed. This may follow a configuration change, but may also be another device copying the network with its own timing (an 'evil twin')";

/// Kismet's beacons per second for an interval: 1 / (interval × 1.024 ms), rounded up.
fn per_second(interval: u16) -> u64 {
    // ceil(1_000_000 / (interval * 1024)) in integers.
    let us = u64::from(interval) * 1024;
    if us == 0 {
        return 0;
    }
    1_000_000u64.div_ceil(us)
}

/// Compares the beacon interval with the record's; raises on a change and stores it.
pub(crate) fn check(rec: &mut Record, adv: &Advert<'_>, refs: &Refs, out: &mut Out<'_, '_, '_>) {
    if adv.interval == 0 || rec.interval == adv.interval {
        return;
    }
    let old = std::mem::replace(&mut rec.interval, adv.interval);
    if old == 0 {
        return;
    }
    let (a, b) = (per_second(old), per_second(adv.interval));
    let rates = if a != b {
        format!("{a} to {b}")
    } else {
        format!("{old} TU to {} TU", adv.interval)
    };
    let text = format!(
        "IEEE80211 Access Point BSSID {} SSID \"{}\" changed beacon rate from {rates} which may indicate AP spoofing/impersonation",
        out.ctx.packet.bssid,
        ssid_text(adv.ssid)
    );
    out.raise("BEACONRATE", refs.beaconrate, rec.packet, &text);
}

#[cfg(test)]
mod tests {
    use super::super::record::testing::*;
    use super::per_second;
    use crate::detectors::testing::run_alerts;

    fn interval(i: u16) -> Ad {
        Ad {
            interval: i,
            ..Ad::default()
        }
    }

    #[test]
    fn kismets_rate() {
        assert_eq!(per_second(100), 10);
        assert_eq!(per_second(102), 10);
        assert_eq!(per_second(200), 5);
        assert_eq!(per_second(1024), 1);
    }

    #[test]
    fn changed_interval_fires_on_the_next_beacon() {
        let fired = run_alerts(&frames(&[interval(100), interval(200)]), "");
        assert_eq!(fired.len(), 1, "{fired:?}");
        assert_eq!(fired[0].header, "BEACONRATE");
        assert_eq!(
            fired[0].text,
            "IEEE80211 Access Point BSSID 00:11:22:33:44:55 SSID \"net\" changed beacon rate from 10 to 5 which may indicate AP spoofing/impersonation"
        );
        let fired = run_alerts(&frames(&[interval(100), interval(102)]), "");
        assert_eq!(fired.len(), 1);
        assert!(
            fired[0].text.contains("from 100 TU to 102 TU"),
            "{}",
            fired[0].text
        );
    }

    #[test]
    fn near_miss_same_interval_or_zero() {
        assert!(headers(&[interval(100), interval(100), interval(100)], "").is_empty());
        assert!(headers(&[interval(100), interval(0), interval(100)], "").is_empty());
        // Probe responses carry the field but are not checked.
        let r = |i| Ad {
            subtype: 5,
            ..interval(i)
        };
        assert!(headers(&[r(100), r(200)], "").is_empty());
    }
}
