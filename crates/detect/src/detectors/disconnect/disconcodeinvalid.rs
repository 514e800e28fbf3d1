//! **DISCONCODEINVALID** (EXPLOIT, HIGH): a disassociation with a reason code the standard
//! does not define.
//!
//! Trigger: a disassociation frame (10) whose reason code is 25 to 31 or above 45 (Kismet's
//! rule). Drivers have been crashed by unexpected codes.

use osprey_alerts::AlertRef;

use super::InvalidReason;

/// The definition's description.
pub const DESCRIPTION: &str = "A disassociation frame carried a reason code the 802.11 standard does not define; unexpected codes have been used to exploit client drivers";

/// The detector.
pub type DisconCodeInvalid = InvalidReason;

/// The detector for its alert ref.
pub(crate) fn new(r: Option<AlertRef>) -> DisconCodeInvalid {
    InvalidReason::new(r, 10, "DISCONCODEINVALID", "disassociation")
}

#[cfg(test)]
mod tests {
    use crate::detectors::testing::*;

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
