//! **DEAUTHCODEINVALID** (EXPLOIT, HIGH): a deauthentication with a reason code the standard
//! does not define.
//!
//! Trigger: a deauthentication frame (12) whose reason code is 25 to 31 or above 45. Disabled
//! by default (`alert=DEAUTHCODEINVALID,0/min,0/sec`: many access points use vendor codes); the
//! packet is still tagged `ALERT_DEAUTHCODEINVALID`, as Kismet does.

use osprey_alerts::AlertRef;

use super::InvalidReason;

/// The definition's description.
pub const DESCRIPTION: &str = "A deauthentication frame carried a reason code the 802.11 standard does not define; unexpected codes have been used to exploit client drivers, though some access points use vendor codes";

/// The detector.
pub type DeauthCodeInvalid = InvalidReason;

/// The detector for its alert ref.
pub(crate) fn new(r: Option<AlertRef>) -> DeauthCodeInvalid {
    InvalidReason::new(r, 12, "DEAUTHCODEINVALID", "deauthentication")
}

#[cfg(test)]
mod tests {
    use crate::detectors::testing::*;

    #[test]
    fn disabled_by_default_so_nothing_is_emitted() {
        assert!(run(&[(mgmt(12, STA, AP, AP, &25u16.to_le_bytes()), 101, 0)]).is_empty());
    }

    #[test]
    fn fires_when_enabled_and_not_for_defined_codes() {
        for (code, want) in [(46u16, true), (7, false)] {
            let bytes = mgmt(12, STA, AP, AP, &code.to_le_bytes());
            let fired = run_alerts(&[(bytes, 200, 0)], "alert=DEAUTHCODEINVALID,10/min,1/sec");
            assert_eq!(
                fired.iter().any(|a| a.header == "DEAUTHCODEINVALID"),
                want,
                "code {code}"
            );
        }
    }
}
