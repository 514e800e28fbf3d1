//! Disconnect and association alerts: DEAUTHFLOOD, BCASTDISCON, DISCONCODEINVALID,
//! DEAUTHCODEINVALID and NOCLIENTMFP.

pub mod bcastdiscon;
pub mod deauthcodeinvalid;
pub mod deauthflood;
pub mod disconcodeinvalid;
pub mod noclientmfp;

use osprey_alerts::{AlertRef, AlertTracker, Severity};
use osprey_config::OptionDoc;

use super::{disconnect, Registry};
use crate::{Context, Detector, Findings};

/// This group's options (none: its alerts are tuned by their `alert=` rates only).
pub const OPTIONS: &[OptionDoc] = &[];

/// Registers the group's alerts and detectors.
pub fn register(reg: &mut Registry<'_>) -> Result<(), osprey_config::Error> {
    let r = reg.activate(
        "DISCONCODEINVALID",
        "EXPLOIT",
        Severity::High,
        disconcodeinvalid::DESCRIPTION,
    );
    reg.add(disconcodeinvalid::new(r));
    let r = reg.activate(
        "DEAUTHCODEINVALID",
        "EXPLOIT",
        Severity::High,
        deauthcodeinvalid::DESCRIPTION,
    );
    reg.add(deauthcodeinvalid::new(r));
    let r = reg.activate(
        "BCASTDISCON",
        "DENIAL",
        Severity::Medium,
        bcastdiscon::DESCRIPTION,
    );
    reg.add(bcastdiscon::BcastDiscon::new(r));
    let r = reg.activate(
        "DEAUTHFLOOD",
        "DENIAL",
        Severity::Medium,
        deauthflood::DESCRIPTION,
    );
    let max = super::max_macs(reg.options)?;
    reg.add(deauthflood::DeauthFlood::new(r, max));
    let r = reg.activate(
        "NOCLIENTMFP",
        "SPOOF",
        Severity::Low,
        noclientmfp::DESCRIPTION,
    );
    reg.add(noclientmfp::NoClientMfp::new(r));
    Ok(())
}

/// Kismet's test for a reason code it does not know: 25 to 31, or above 45.
pub(crate) fn invalid_reason(code: u16) -> bool {
    (25..=31).contains(&code) || code > 45
}

/// DISCONCODEINVALID and DEAUTHCODEINVALID: a frame of one disconnect subtype whose reason code
/// the standard does not define ([`invalid_reason`]).
pub struct InvalidReason {
    r: Option<AlertRef>,
    subtype: u8,
    header: &'static str,
    noun: &'static str,
}

impl InvalidReason {
    fn new(r: Option<AlertRef>, subtype: u8, header: &'static str, noun: &'static str) -> Self {
        InvalidReason {
            r,
            subtype,
            header,
            noun,
        }
    }
}

impl Detector for InvalidReason {
    fn interest(&self) -> crate::Interest {
        crate::Interest::mgmt(1 << 10 | 1 << 12).when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some((st, code))) = (self.r, disconnect(ctx)) else {
            return;
        };
        if st != self.subtype || !invalid_reason(code) {
            return;
        }
        let p = ctx.packet;
        let text = format!("Unknown {} code {code} from network {}", self.noun, p.bssid);
        let addrs = [p.bssid, p.source, p.dest, kismetdb::MacAddr::ZERO];
        f.record(self.header, crate::raise(alerts, r, ctx, addrs, &text));
    }
}
