//! Frame- and element-level exploit checks (Kismet's dissector stages): frames and information
//! elements shaped like known driver and firmware exploits.
//!
//! Alerts, in registration order: MSFBCOMSSID, MSFDLINKRATE, MSFNETGEARBEACON, LONGSSID,
//! WMMOVERFLOW, WMMTSPEC, RSNLOOP, BCOM11KCHAN, QCOMEXTENDED, BADFIXLENIE, RTLWIFIP2P.
//!
//! Every check is stateless and looks at one frame; all but MSFNETGEARBEACON, which reads a
//! fixed offset that a TIM element may cover, declare it ([`crate::Detector::stateless`]). Kismet
//! runs its element checks on beacons and probe responses only when a checksum of the element
//! bytes differs from the last one seen for that device, so a frame crafted to match the
//! checksum passes unchecked, and only the first copy of an exploit frame is tagged. Osprey
//! checks every frame, except a beacon or probe response that repeats the last one of its
//! BSSID byte for byte (but for the duration, receiver, sequence number, timestamp and TIM
//! contents) when
//! none of these checks found anything in that one: the answer would be the same (see
//! `crate::repeat`). Every copy of an exploit frame gets the alert tag.
//!
//! Frames flagged with an error are looked at too ([`crate::Detector::sees_errors`]), except
//! those with a bad FCS, whose bytes cannot be trusted: a frame an exploit makes malformed must
//! not hide the exploit. (Today the dissector only flags frames whose header it cannot read,
//! which then carry no 802.11 view.)

pub mod badfixlenie;
pub mod bcom11kchan;
pub mod longssid;
pub mod msfbcomssid;
pub mod msfdlinkrate;
pub mod msfnetgearbeacon;
pub mod qcomextended;
pub mod rsnloop;
pub mod rtlwifip2p;
pub mod wmmoverflow;
pub mod wmmtspec;

use osprey_alerts::Severity;
use osprey_config::OptionDoc;
use osprey_dissect::{Dot11, PacketError};
use osprey_wire::ieee80211::FrameType;

use super::Registry;
use crate::Context;

/// This group's options.
pub const OPTIONS: &[OptionDoc] = &[OptionDoc {
    key: qcomextended::OPTION,
    defaults: &["15"],
    example: "",
    help: "QCOMEXTENDED: the longest Extended Capabilities element (IE 127, in bytes) that is
not reported (0 to 255). Kismet 2025-09-R1 reports above 13; later Kismet above 15,
because current access points legitimately send up to 15 bytes.",
}];

/// Registers the group's alerts and detectors.
pub fn register(reg: &mut Registry<'_>) -> Result<(), osprey_config::Error> {
    let extcap_max = match reg.options.last(qcomextended::OPTION) {
        None => qcomextended::DEFAULT_MAX,
        Some(e) => e.value.parse::<u8>().map_err(|_| {
            reg.options.error(
                e,
                format!(
                    "expected an element length from 0 to 255, found {:?}",
                    e.value
                ),
            )
        })?,
    };

    let r = reg.activate(
        "MSFBCOMSSID",
        "EXPLOIT",
        Severity::Medium,
        msfbcomssid::DESCRIPTION,
    );
    reg.add(msfbcomssid::MsfBcomSsid::new(r));
    let r = reg.activate(
        "MSFDLINKRATE",
        "EXPLOIT",
        Severity::Medium,
        msfdlinkrate::DESCRIPTION,
    );
    reg.add(msfdlinkrate::MsfDlinkRate::new(r));
    let r = reg.activate(
        "MSFNETGEARBEACON",
        "EXPLOIT",
        Severity::Medium,
        msfnetgearbeacon::DESCRIPTION,
    );
    reg.add(msfnetgearbeacon::MsfNetgearBeacon::new(r));
    let r = reg.activate(
        "LONGSSID",
        "EXPLOIT",
        Severity::Critical,
        longssid::DESCRIPTION,
    );
    reg.add(longssid::LongSsid::new(r));
    let r = reg.activate(
        "WMMOVERFLOW",
        "EXPLOIT",
        Severity::High,
        wmmoverflow::DESCRIPTION,
    );
    reg.add(wmmoverflow::WmmOverflow::new(r));
    let r = reg.activate("WMMTSPEC", "EXPLOIT", Severity::High, wmmtspec::DESCRIPTION);
    reg.add(wmmtspec::WmmTspec::new(r));
    let r = reg.activate("RSNLOOP", "EXPLOIT", Severity::High, rsnloop::DESCRIPTION);
    reg.add(rsnloop::RsnLoop::new(r));
    let r = reg.activate(
        "BCOM11KCHAN",
        "EXPLOIT",
        Severity::High,
        bcom11kchan::DESCRIPTION,
    );
    reg.add(bcom11kchan::Bcom11kChan::new(r));
    let r = reg.activate(
        "QCOMEXTENDED",
        "EXPLOIT",
        Severity::High,
        qcomextended::DESCRIPTION,
    );
    reg.add(qcomextended::QcomExtended::new(r, extcap_max));
    let r = reg.activate(
        "BADFIXLENIE",
        "EXPLOIT",
        Severity::High,
        badfixlenie::DESCRIPTION,
    );
    reg.add(badfixlenie::BadFixLenIe::new(r));
    let r = reg.activate(
        "RTLWIFIP2P",
        "EXPLOIT",
        Severity::High,
        rtlwifip2p::DESCRIPTION,
    );
    reg.add(rtlwifip2p::RtlWifiP2p::new(r));
    Ok(())
}

/// The mask bit of a management subtype, for the subtype sets below.
pub(crate) const fn bit(subtype: u8) -> u16 {
    1 << subtype
}

/// Management subtypes made of fixed fields and an element list that receivers parse:
/// association request (0) and response (1), reassociation request (2) and response (3),
/// probe request (4) and response (5), and beacon (8).
pub(crate) const ELEMENT_FRAMES: u16 = bit(0) | bit(1) | bit(2) | bit(3) | bit(4) | bit(5) | bit(8);

/// Frames an access point sends that describe its network: association (1) and reassociation
/// (3) responses, probe responses (5) and beacons (8).
pub(crate) const AP_FRAMES: u16 = bit(1) | bit(3) | bit(5) | bit(8);

/// The 802.11 view of the packet when it is a management frame of one of `subtypes` whose
/// bytes can be trusted (no bad FCS). Cheap: no allocation, checked before anything else.
pub(crate) fn mgmt<'p>(ctx: &Context<'p, '_>, subtypes: u16) -> Option<&'p Dot11<'p>> {
    let p: &'p osprey_dissect::Packet<'_> = ctx.packet;
    let d = p.dot11()?;
    if d.frame_type() != FrameType::Management
        || subtypes & bit(d.subtype() & 0x0f) == 0
        || p.error == Some(PacketError::BadFcs)
    {
        return None;
    }
    Some(d)
}

/// The subtype and element list of a management frame of one of `subtypes` (walked once per
/// packet, shared by the detectors that ask).
pub(crate) fn elements<'c, 'p>(
    ctx: &'c Context<'p, '_>,
    subtypes: u16,
) -> Option<(u8, crate::ElementIter<'c, 'p>)> {
    let d = mgmt(ctx, subtypes)?;
    Some((d.subtype(), ctx.element_iter(d.elements()?)))
}

/// How the alert texts name a frame of a management subtype.
pub(crate) fn frame_noun(subtype: u8) -> &'static str {
    match subtype {
        0 => "association request",
        1 => "association response",
        2 => "reassociation request",
        3 => "reassociation response",
        4 => "probe request",
        5 => "probe response",
        8 => "beacon",
        13 => "action frame",
        _ => "management frame",
    }
}

/// Whether frames of this subtype are sent by the access point.
pub(crate) fn from_ap(subtype: u8) -> bool {
    AP_FRAMES & bit(subtype & 0x0f) != 0
}

#[cfg(test)]
pub(crate) mod test_frames {
    //! Frame bodies for this group's tests.

    /// A beacon body (timestamp, interval, capability) followed by `elements`.
    pub fn beacon_body(elements: &[u8]) -> Vec<u8> {
        let mut body = vec![0u8; 8];
        body.extend(100u16.to_le_bytes());
        body.extend(1u16.to_le_bytes());
        body.extend(elements);
        body
    }

    /// An association response body (capability, status 0, AID) followed by `elements`.
    pub fn assoc_resp_body(elements: &[u8]) -> Vec<u8> {
        let mut body = vec![0x01, 0x00, 0x00, 0x00, 0x01, 0xc0];
        body.extend(elements);
        body
    }

    /// One element.
    pub fn element(id: u8, data: &[u8]) -> Vec<u8> {
        let mut e = vec![id, data.len() as u8];
        e.extend(data);
        e
    }

    /// The SSID "net", rates and DS channel 6: the usual start of a beacon's elements.
    pub fn usual() -> Vec<u8> {
        let mut e = element(0, b"net");
        e.extend(element(1, &[0x82, 0x84, 0x8b, 0x96]));
        e.extend(element(3, &[6]));
        e
    }
}

#[cfg(test)]
mod tests {
    use crate::detectors::testing::*;

    #[test]
    fn a_bad_extcap_length_option_is_refused() {
        for bad in ["sixteen", "256", "-1"] {
            let options = osprey_config::Options::parse(
                "t.conf",
                &format!("\n{}={bad}\n", super::qcomextended::OPTION),
            )
            .unwrap();
            let mut alerts = osprey_alerts::AlertTracker::new(50);
            let err = crate::Detectors::new(&mut alerts, &options)
                .err()
                .expect("refused");
            assert_eq!(err.line, 2, "{err}");
            assert!(err.to_string().starts_with("t.conf:2: "), "{err}");
        }
        // A valid value is taken.
        let _ = run_alerts(&[(beacon(), 1, 0)], "qcomextended_max_len=13");
    }

    /// The headers raised for a frame whose packet is flagged with `error` after dissection.
    fn flagged(bytes: &[u8], error: osprey_dissect::PacketError) -> Vec<String> {
        let mut alerts = osprey_alerts::AlertTracker::new(50);
        let mut det = crate::Detectors::with_defaults(&mut alerts);
        let mut p = osprey_dissect::Dissector::new().dissect(&frame(bytes, 100, 0));
        p.error = Some(error);
        let mut tr = osprey_tracker::Tracker::new();
        let observed = tr.observe(&p, kismetdb::Uuid::NIL);
        let ctx = crate::Context::new(&p, &tr, &observed);
        det.inspect(&ctx, &mut alerts)
            .alerts
            .into_iter()
            .map(|a| a.header)
            .collect()
    }

    #[test]
    fn malformed_packets_are_checked_bad_fcs_ones_are_not() {
        use osprey_dissect::PacketError;
        let mut e = super::test_frames::element(0, &[b'a'; 40]);
        e.extend(super::test_frames::element(3, &[6]));
        let b = mgmt(8, [0xff; 6], AP, AP, &super::test_frames::beacon_body(&e));
        assert!(flagged(&b, PacketError::Malformed).contains(&"LONGSSID".to_string()));
        assert!(flagged(&b, PacketError::Truncated).contains(&"LONGSSID".to_string()));
        assert!(!flagged(&b, PacketError::BadFcs).contains(&"LONGSSID".to_string()));
    }
}
