//! **DOT11D** (SPOOF, HIGH): a network's beacons advertise conflicting 802.11d country
//! information.
//!
//! Trigger: a beacon of a known (BSSID, SSID) beacon record whose country code (the first two
//! bytes of the Country element, 7) differs from the record's, where an element appearing or
//! disappearing counts as a difference. With `dot11_11d_country_full=true`, a change in the
//! rest of the element (environment byte and the channel-range triplets) counts too. The
//! record then takes the new values. Spoofed country information can also be used to
//! restrict the channels or power clients use.
//!
//! Kismet does not alert when a country element appears on a record that had none, and its
//! channel-range comparison never runs (the list is only stored when one is already stored).

use super::record::{ssid_text, Advert, Out, Record, Refs};

/// The definition's description.
pub const DESCRIPTION: &str = "A network's beacons advertise conflicting 802.11d (country) information. A real access point rarely changes this; it may be another device copying the network (an 'evil twin'), or an attempt to restrict the channels clients may use. 802.11d is being phased out but many devices still honour it";

/// Compares the country element with the record's; raises on a change and stores it.
pub(crate) fn check(
    rec: &mut Record,
    adv: &Advert<'_>,
    full: bool,
    refs: &Refs,
    out: &mut Out<'_, '_, '_>,
) {
    let changed = rec.country != adv.country || (full && rec.ranges != adv.ranges);
    rec.country = adv.country;
    rec.ranges = adv.ranges;
    if !changed {
        return;
    }
    let text = format!(
        "IEEE80211 Access Point BSSID {} SSID \"{}\" advertised conflicting 802.11d information which may indicate AP spoofing/impersonation",
        out.ctx.packet.bssid,
        ssid_text(adv.ssid)
    );
    out.raise("DOT11D", refs.dot11d, rec.packet, &text);
}

#[cfg(test)]
mod tests {
    use super::super::record::testing::*;
    use crate::detectors::testing::run_alerts;

    fn country(c: &'static [u8]) -> Ad {
        Ad {
            country: Some(c),
            ..Ad::default()
        }
    }

    const US: &[u8] = b"US \x01\x0b\x1e";
    const US_LOW: &[u8] = b"US \x01\x0b\x0a";
    const DE: &[u8] = b"DE \x01\x0d\x14";

    #[test]
    fn changed_or_added_country_fires() {
        let fired = run_alerts(&frames(&[country(US), country(DE)]), "");
        assert_eq!(fired.len(), 1, "{fired:?}");
        assert_eq!(fired[0].header, "DOT11D");
        assert_eq!(
            fired[0].text,
            "IEEE80211 Access Point BSSID 00:11:22:33:44:55 SSID \"net\" advertised conflicting 802.11d information which may indicate AP spoofing/impersonation"
        );
        assert_eq!(headers(&[Ad::default(), country(US)], ""), vec!["DOT11D"]);
        assert_eq!(headers(&[country(US), Ad::default()], ""), vec!["DOT11D"]);
        // The range list, with the full comparison on.
        assert_eq!(
            headers(
                &[country(US), country(US_LOW)],
                "dot11_11d_country_full=true"
            ),
            vec!["DOT11D"]
        );
    }

    #[test]
    fn near_miss_same_country_or_ranges_without_full() {
        assert!(headers(&[country(US), country(US), country(US)], "").is_empty());
        assert!(headers(&[country(US), country(US_LOW)], "").is_empty());
        assert!(headers(&[country(US), country(US)], "dot11_11d_country_full=true").is_empty());
        // Probe responses are not checked.
        let r = |c| Ad {
            subtype: 5,
            ..country(c)
        };
        assert!(headers(&[r(US), r(DE)], "").is_empty());
    }

    #[test]
    fn bad_option_value_is_refused() {
        let options = osprey_config::Options::parse("t.conf", "dot11_11d_country_full=maybe")
            .expect("parses");
        let mut alerts = osprey_alerts::AlertTracker::new(10);
        let err = crate::Detectors::new(&mut alerts, &options)
            .err()
            .expect("refused");
        assert_eq!(err.line, 1);
        assert_eq!(err.key, "dot11_11d_country_full");
    }
}
