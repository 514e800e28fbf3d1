//! **NOCLIENTMFP** (SPOOF, LOW): a client associates without management frame protection.
//!
//! Trigger: an association request (0) from a tracked client to a tracked BSSID where MFP was
//! possible but the client does not offer it: either the request's RSN element does not set
//! "MFP capable" (RSN capabilities bit 7), or the request has no RSN element while the access
//! point advertises an RSN (WPA2/WPA3) network. Without MFP the client can be disconnected by
//! spoofed deauthentications.
//!
//! Kismet 2025-09-R1 tests the RSN element before parsing it, so it fires for every
//! association request, including those to open and WEP networks, where MFP does not exist;
//! Osprey parses the element first and stays quiet where MFP was never possible
//! (docs/differences-from-kismet.md).

use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::ieee80211::{ie, FrameType};

use crate::{raise, Context, Detector, Findings, Interest};

/// The definition's description.
pub const DESCRIPTION: &str = "A client associated without support for management frame protection (MFP), which leaves it open to spoofed disassociation and deauthentication";

/// The detector.
pub struct NoClientMfp {
    r: Option<AlertRef>,
}

/// The association request's RSN element: `None` when it has none, else whether it says
/// "MFP capable" (an element that does not parse offers no MFP).
fn rsn_mfp(d: &osprey_dissect::Dot11<'_>) -> Option<bool> {
    let e = d
        .elements()
        .and_then(|mut e| e.find(|x| x.id == ie::id::RSN))?;
    Some(ie::Rsn::parse(e.data).is_ok_and(|rsn| rsn.mfp_capable()))
}

impl NoClientMfp {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        NoClientMfp { r }
    }
}

impl Detector for NoClientMfp {
    fn interest(&self) -> Interest {
        Interest::mgmt(1 << 0).when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let Some(r) = self.r else { return };
        let p = ctx.packet;
        let Some(d) = p.dot11() else { return };
        if d.frame_type() != FrameType::Management || d.subtype() != 0 || p.source == p.bssid {
            return;
        }
        let Some(ap) = ctx.devices.get(p.phy, &p.bssid) else {
            return;
        };
        if ctx.devices.get(p.phy, &p.source).is_none() {
            return;
        }
        match rsn_mfp(d) {
            Some(true) => return,
            Some(false) => {}
            None => {
                let rsn_network = ap
                    .advertised
                    .iter()
                    .any(|a| a.crypt.starts_with("WPA2") || a.crypt.starts_with("WPA3"));
                if !rsn_network {
                    return;
                }
            }
        }
        let text = format!(
            "IEEE80211 network BSSID {} client {} does not support management frame protection (MFP) which may ease client disassocation or deauthentication",
            p.bssid, p.source
        );
        f.record(
            "NOCLIENTMFP",
            raise(
                alerts,
                r,
                ctx,
                [p.bssid, p.source, p.dest, kismetdb::MacAddr::ZERO],
                &text,
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::detectors::testing::*;

    /// An association request from STA to AP, with an RSN element whose capabilities are `caps`.
    fn assoc(caps: Option<u16>) -> Vec<u8> {
        let mut body = vec![0x31, 0x04, 10, 0];
        body.extend([0, 3, b'n', b'e', b't', 1, 1, 0x82]);
        if let Some(c) = caps {
            body.extend([
                48, 20, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 2,
            ]);
            body.extend(c.to_le_bytes());
        }
        mgmt(0, AP, STA, AP, &body)
    }

    /// A beacon from AP advertising a WPA2-PSK network.
    fn rsn_beacon() -> Vec<u8> {
        let mut body = vec![0u8; 8];
        body.extend(100u16.to_le_bytes());
        body.extend(0x0011u16.to_le_bytes());
        body.extend([0, 3, b'n', b'e', b't', 3, 1, 6]);
        body.extend([
            48, 20, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 2, 0, 0,
        ]);
        mgmt(8, [0xff; 6], AP, AP, &body)
    }

    #[test]
    fn association_without_mfp_fires() {
        // An RSN element without MFP capable, to any network.
        assert_eq!(
            run(&[(beacon(), 100, 0), (assoc(Some(0)), 101, 0)]),
            vec!["NOCLIENTMFP"]
        );
        // No RSN element at all, to a WPA2 network.
        assert_eq!(
            run(&[(rsn_beacon(), 100, 0), (assoc(None), 101, 0)]),
            vec!["NOCLIENTMFP"]
        );
    }

    #[test]
    fn near_miss_open_network_where_mfp_does_not_exist() {
        assert!(run(&[(beacon(), 100, 0), (assoc(None), 101, 0)]).is_empty());
    }

    #[test]
    fn near_miss_mfp_capable_client_does_not() {
        assert!(run(&[(beacon(), 100, 0), (assoc(Some(0x0080)), 101, 0)]).is_empty());
        // MFP required and capable.
        assert!(run(&[(beacon(), 100, 0), (assoc(Some(0x00c0)), 101, 0)]).is_empty());
    }
}
