//! **DISCONCODEINVALID** (EXPLOIT, HIGH): a disassociation with a reason code the standard
//! does not define.
//!
//! Trigger: a disassociation frame (10) whose reason code is 25 to 31 or above 45 (Kismet's
//! rule). Drivers have been crashed by unexpected codes.

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};

use super::{disconnect, invalid_reason};
use crate::{raise, Context, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "A disassociation frame carried a reason code the 802.11 standard does not define; unexpected codes have been used to exploit client drivers";

/// The detector.
pub struct DisconCodeInvalid {
    r: Option<AlertRef>,
}

impl DisconCodeInvalid {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        DisconCodeInvalid { r }
    }

    pub(crate) fn inspect(
        &mut self,
        ctx: &Context<'_, '_>,
        alerts: &mut AlertTracker,
        f: &mut Findings,
    ) {
        let (Some(r), Some((10, code))) = (self.r, disconnect(ctx)) else {
            return;
        };
        if !invalid_reason(code) {
            return;
        }
        let p = ctx.packet;
        let text = format!(
            "Unknown disassociation code {code} from network {}",
            p.bssid
        );
        f.record(
            "DISCONCODEINVALID",
            raise(
                alerts,
                r,
                ctx,
                [p.bssid, p.source, p.dest, MacAddr::ZERO],
                &text,
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn reserved_codes_fire_defined_ones_do_not() {
        for code in [25u16, 31, 46, 200] {
            let fired = run(&[(mgmt(10, STA, AP, AP, &code.to_le_bytes()), 101, 0)]);
            assert_eq!(fired, vec!["DISCONCODEINVALID"], "code {code}");
        }
        for code in [1u16, 7, 24, 32, 45] {
            assert!(
                run(&[(mgmt(10, STA, AP, AP, &code.to_le_bytes()), 101, 0)]).is_empty(),
                "code {code}"
            );
        }
    }
}
