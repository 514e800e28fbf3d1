//! **NOCLIENTMFP** (SPOOF, LOW): a client associates without management frame protection.
//!
//! Trigger: an association request (0) from a tracked client to a tracked BSSID whose RSN
//! element is missing or does not set "MFP capable" (RSN capabilities bit 7). Without MFP the
//! client can be disconnected by spoofed deauthentications.
//!
//! Kismet 2025-09-R1 tests the RSN element before parsing it, so it fires for every
//! association request; Osprey parses the element first (docs/differences-from-kismet.md).

use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::ieee80211::{ie, FrameType};

use crate::{raise, Context, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "A client associated without support for management frame protection (MFP), which leaves it open to spoofed disassociation and deauthentication";

/// The detector.
pub struct NoClientMfp {
    r: Option<AlertRef>,
}

/// True when the association request's RSN element says "MFP capable".
fn mfp_capable(d: &osprey_dissect::Dot11<'_>) -> bool {
    d.elements()
        .and_then(|mut e| e.find(|x| x.id == ie::id::RSN))
        .and_then(|x| ie::Rsn::parse(x.data).ok())
        .is_some_and(|rsn| rsn.mfp_capable())
}

impl NoClientMfp {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        NoClientMfp { r }
    }

    pub(crate) fn inspect(
        &mut self,
        ctx: &Context<'_, '_>,
        alerts: &mut AlertTracker,
        f: &mut Findings,
    ) {
        let Some(r) = self.r else { return };
        let p = ctx.packet;
        let Some(d) = p.dot11() else { return };
        if d.frame_type() != FrameType::Management || d.subtype() != 0 || p.source == p.bssid {
            return;
        }
        if ctx.devices.get(p.phy, &p.bssid).is_none() || ctx.devices.get(p.phy, &p.source).is_none()
        {
            return;
        }
        if mfp_capable(d) {
            return;
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
    use super::super::testing::*;

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

    #[test]
    fn association_without_mfp_fires() {
        assert_eq!(
            run(&[(beacon(), 100, 0), (assoc(None), 101, 0)]),
            vec!["NOCLIENTMFP"]
        );
        assert_eq!(
            run(&[(beacon(), 100, 0), (assoc(Some(0)), 101, 0)]),
            vec!["NOCLIENTMFP"]
        );
    }

    #[test]
    fn near_miss_mfp_capable_client_does_not() {
        assert!(run(&[(beacon(), 100, 0), (assoc(Some(0x0080)), 101, 0)]).is_empty());
        // MFP required and capable.
        assert!(run(&[(beacon(), 100, 0), (assoc(Some(0x00c0)), 101, 0)]).is_empty());
    }
}
