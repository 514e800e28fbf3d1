//! **ADHOCCONFLICT** (SPOOF, HIGH): one BSSID is seen both as an access point and as an
//! ad-hoc network.
//!
//! Trigger: a frame that shows its BSSID's mode differs from the mode last seen for that
//! BSSID. The modes: *access point*, a beacon or probe response with the ESS capability bit
//! set and the IBSS bit clear; *ad-hoc*, a beacon or probe response with the IBSS bit set and
//! the ESS bit clear, and, with `adhocconflict_data=true`, a data frame with neither DS bit
//! (an IBSS data frame) naming the BSSID. Frames with both or neither bit (mesh) say nothing.
//! A device reconfigured once alerts once; two devices using the same BSSID in different
//! modes alert at each switch (within the rate limit). The text names the direction.
//!
//! Ad-hoc data frames are off by default because TDLS direct links between two clients of an
//! access point are data frames with neither DS bit that carry the access point's BSSID; IBSS
//! stations send beacons, which are enough.
//!
//! Kismet's check can never fire: it sets the access point type bit on the BSSID device just
//! before testing that the bit is clear.

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::ieee80211::FrameType;

use crate::bounded::BoundedMap;
use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "The same network address is seen both as an access point and as an ad-hoc network. This may be a misconfigured or misbehaving device, or another device impersonating the network (an 'evil twin')";

const AP: u8 = 1;
const ADHOC: u8 = 2;

/// The detector: the last mode and its packet, per BSSID. Growth: one small entry per BSSID
/// seen in a mode, for at most `detector_max_macs` BSSIDs (the least recently seen tenth is
/// dropped when full, see `crate::bounded`).
pub struct AdhocConflict {
    r: Option<AlertRef>,
    data: bool,
    modes: BoundedMap<MacAddr, (u8, u64)>,
}

impl AdhocConflict {
    pub(crate) fn new(r: Option<AlertRef>, data: bool, max: usize) -> Self {
        AdhocConflict {
            r,
            data,
            modes: BoundedMap::new(max),
        }
    }
}

impl Detector for AdhocConflict {
    fn interest(&self) -> crate::Interest {
        let data = crate::Interest::DATA.when(self.data);
        crate::Interest::mgmt(1 << 5 | 1 << 8)
            .or(data)
            .when(self.r.is_some())
    }

    fn evicted(&self) -> u64 {
        self.modes.evicted()
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let Some(r) = self.r else { return };
        let p = ctx.packet;
        let Some(d) = p.dot11() else { return };
        let mode = match d.frame_type() {
            FrameType::Management if d.subtype() == 5 || d.subtype() == 8 => {
                match d.capability().map(|c| c & 0x0003) {
                    Some(1) => AP,
                    Some(2) => ADHOC,
                    _ => return,
                }
            }
            FrameType::Data if self.data => {
                let fc = d.frame_control();
                if fc.to_ds() || fc.from_ds() {
                    return;
                }
                ADHOC
            }
            _ => return,
        };
        if !osprey_tracker::is_device_mac(&p.bssid) {
            return;
        }
        let (last, before) = match self.modes.get_mut(&p.bssid) {
            Some(e) => std::mem::replace(e, (mode, p.packet_no)),
            None => {
                self.modes.insert(p.bssid, (mode, p.packet_no));
                return;
            }
        };
        if last == mode {
            return;
        }
        let text = if mode == ADHOC {
            format!(
                "IEEE80211 Network BSSID {} previously advertised as AP network, now advertising as Ad-Hoc/WDS which may indicate AP spoofing/impersonation",
                p.bssid
            )
        } else {
            format!(
                "IEEE80211 Network BSSID {} previously advertised as Ad-Hoc network, now advertising as AP which may indicate AP spoofing/impersonation",
                p.bssid
            )
        };
        let outcome = raise(
            alerts,
            r,
            ctx,
            [p.bssid, p.source, p.dest, p.transmitter],
            &text,
        );
        f.record_evidence("ADHOCCONFLICT", outcome, vec![before, p.packet_no]);
    }
}

#[cfg(test)]
mod tests {
    use super::super::record::testing::*;
    use crate::detectors::testing::{mgmt, run_alerts, AP, STA};

    fn ibss() -> Ad {
        Ad {
            capability: 0x0012,
            ..Ad::default()
        }
    }

    /// An IBSS data frame from STA naming AP as the BSSID.
    fn adhoc_data(seq: u16) -> Vec<u8> {
        let mut f = mgmt(0, [0xff; 6], STA, AP, &[0xaa, 0xaa, 3, 0, 0, 0, 0x08, 0x00]);
        f[0] = 0x08; // data, no DS bits
        f[22..24].copy_from_slice(&(seq << 4).to_le_bytes());
        f
    }

    #[test]
    fn ap_then_ibss_fires_each_way() {
        let fired = run_alerts(&frames(&[Ad::default(), ibss(), Ad::default()]), "");
        let adhoc: Vec<_> = fired
            .iter()
            .filter(|a| a.header == "ADHOCCONFLICT")
            .collect();
        assert_eq!(adhoc.len(), 2, "{fired:?}");
        assert_eq!(
            adhoc[0].text,
            "IEEE80211 Network BSSID 00:11:22:33:44:55 previously advertised as AP network, now advertising as Ad-Hoc/WDS which may indicate AP spoofing/impersonation"
        );
        assert!(adhoc[1]
            .text
            .contains("previously advertised as Ad-Hoc network"));
        assert_eq!(adhoc[0].evidence, vec![1, 3]);
        // Ad-hoc data, when enabled.
        let mut fr = frames(&[Ad::default()]);
        fr.push((adhoc_data(7), 200, 0));
        let fired = run_alerts(&fr, "adhocconflict_data=true");
        assert!(
            fired.iter().any(|a| a.header == "ADHOCCONFLICT"),
            "{fired:?}"
        );
    }

    #[test]
    fn near_miss_one_mode_mesh_or_data_by_default() {
        let h = |ads: &[Ad]| {
            run_alerts(&frames(ads), "")
                .into_iter()
                .filter(|a| a.header == "ADHOCCONFLICT")
                .count()
        };
        assert_eq!(h(&[Ad::default(), Ad::default()]), 0);
        assert_eq!(h(&[ibss(), ibss()]), 0);
        let mesh = Ad {
            capability: 0x0010,
            ..Ad::default()
        };
        assert_eq!(h(&[Ad::default(), mesh]), 0);
        let mut fr = frames(&[Ad::default()]);
        fr.push((adhoc_data(7), 200, 0));
        assert!(!run_alerts(&fr, "")
            .iter()
            .any(|a| a.header == "ADHOCCONFLICT"));
    }
}
