//! **MALFORMMGMT** (EXPLOIT, MEDIUM): a management frame whose structure is broken: its header,
//! its fixed fields or its element list do not fit in the frame as sent.
//!
//! Kismet 2025-09-R1 registers this alert but never raises it (no Kismet version did); this
//! is Osprey's trigger for what its description says it detects.
//!
//! The frame must be an 802.11 management frame (protocol version 0) that was **sent this
//! way**, not damaged on the way into the capture:
//!
//! * not flagged with a bad FCS (a frame whose checksum fails was corrupted in the air or by
//!   the receiver, and is not trusted at all), and
//! * captured whole: its length on the wire (`orig_len`) is not larger than the captured
//!   bytes, so a snap length that cut the frame is not mistaken for a malformed frame.
//!
//! It is malformed when any of these holds (checked in this order; one alert per frame):
//!
//! 1. **header**: the frame ends inside its MAC header (24 bytes, 28 with the +HTC/Order
//!    flag). The dissector flags these frames as truncated; this detector sees flagged frames
//!    ([`Detector::sees_errors`]) and re-reads the radio header to find the 802.11 bytes.
//! 2. **fixed fields** (unprotected frames only): the body is shorter than the fixed fields
//!    of its subtype: beacon and probe response 12 bytes, timing advertisement 10,
//!    association request 4, reassociation request 10, (re)association response 6,
//!    authentication 6, deauthentication and disassociation 2, action 1 (the category).
//! 3. **elements** (unprotected frames of the subtypes with an element list): an element's
//!    header or data runs past the end of the frame, or an extension element (255) has length
//!    0 and so no extension ID. Authentication frames are checked only for algorithms whose
//!    body continues with elements (open, shared key, FT, FILS, PASN; not SAE, whose commit
//!    and confirm fields are not elements). When the capture did not say whether the frame
//!    carries its FCS and the last 4 bytes are a valid CRC-32 of the rest, the elements are
//!    checked without them (some drivers keep the FCS without flagging it).
//!
//! Without an FCS in the capture, a driver that passes corrupted frames up can still cause
//! this alert (as the description says); with a valid FCS the frame was sent malformed.
//! Content checks of single elements (an SSID over 32 bytes, a DS element of the wrong size,
//! a bad RSN element) belong to LONGSSID, BADFIXLENIE, RSNLOOP and the like, not here.
//! Addresses: BSSID (addr3), source (addr2), destination (addr1), each zero when the frame
//! ends before it.

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};
use osprey_dissect::{Link, PacketError};
use osprey_wire::ieee80211::{elements_offset, ie::Elements, Frame, FrameControl};
use osprey_wire::ErrorKind;

use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "Malformed management frames can come from a capture driver that does not discard corrupted frames, but also from attacks on drivers that do not handle malformed frames safely";

/// The detector.
pub struct MalformMgmt {
    r: Option<AlertRef>,
}

impl MalformMgmt {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        MalformMgmt { r }
    }
}

/// The 802.11 bytes (without a flagged FCS) of a frame whose header the dissector found
/// truncated; `None` for every other error.
fn truncated_80211<'a>(p: &osprey_dissect::Packet<'a>) -> Option<&'a [u8]> {
    if p.decode_error.map(|e| e.layer) != Some("802.11") {
        return None;
    }
    let d = match p.dlt {
        105 => {
            return Some(p.raw);
        }
        127 => osprey_wire::radiotap::decap(p.raw),
        192 => osprey_wire::ppi::decap(p.raw),
        119 => osprey_wire::prism::decap(p.raw),
        163 => osprey_wire::avs::decap(p.raw),
        _ => return None,
    }
    .ok()?;
    if d.radio.fcs_present {
        d.frame.get(..d.frame.len().checked_sub(4)?)
    } else {
        Some(d.frame)
    }
}

/// The fixed-field length of a management subtype's body, where it has fixed fields.
fn fixed_len(subtype: u8) -> Option<usize> {
    match subtype {
        13 | 14 => Some(1),
        s => elements_offset(s),
    }
}

/// Whether the body of this subtype continues with elements after the fixed fields.
fn has_elements(subtype: u8, body: &[u8]) -> bool {
    match subtype {
        // Authentication: the algorithm decides (open, shared key, FT, FILS, PASN).
        11 => {
            let alg = body.get(..2).map(|a| u16::from_le_bytes([a[0], a[1]]));
            matches!(alg, Some(0 | 1 | 2 | 4 | 5 | 6 | 7))
        }
        s => elements_offset(s).is_some(),
    }
}

/// What is wrong with an element list: (offset within the list, kind).
fn element_problem(list: &[u8]) -> Option<(usize, ErrorKind)> {
    Elements::new(list)
        .check()
        .err()
        .map(|e| (e.offset, e.kind))
}

/// The problem of a management frame, in words, or `None` when it is well formed.
fn problem(frame: &[u8], fcs_flagged: bool) -> Option<String> {
    let fc = FrameControl::new(u16::from_le_bytes([*frame.first()?, *frame.get(1)?]));
    let hl = fc.header_len()?;
    if frame.len() < hl {
        return Some(format!(
            "the frame is {} bytes long, shorter than its {hl}-byte header",
            frame.len()
        ));
    }
    if fc.protected() {
        return None;
    }
    let st = fc.subtype();
    let body = frame.get(hl..).unwrap_or(&[]);
    let fixed = fixed_len(st)?;
    if body.len() < fixed {
        return Some(format!(
            "its {}-byte body is shorter than the {fixed} bytes of fixed fields of its subtype",
            body.len()
        ));
    }
    if !has_elements(st, body) {
        return None;
    }
    let list = body.get(fixed..).unwrap_or(&[]);
    let (off, kind) = element_problem(list)?;
    // A trailing FCS the capture did not flag: a valid CRC over the rest, and the elements
    // well formed without it.
    if !fcs_flagged && frame.len() >= hl + fixed + 4 {
        let (rest, fcs) = frame.split_at(frame.len() - 4);
        let want = u32::from_le_bytes([fcs[0], fcs[1], fcs[2], fcs[3]]);
        if osprey_dissect::crc32::crc32(rest) == want
            && element_problem(list.get(..list.len() - 4).unwrap_or(&[])).is_none()
        {
            return None;
        }
    }
    let at = hl + fixed + off;
    Some(match kind {
        ErrorKind::Malformed => format!("the extension element at offset {at} has no extension ID"),
        _ => format!("the information element at offset {at} runs past the end of the frame"),
    })
}

impl Detector for MalformMgmt {
    fn interest(&self) -> crate::Interest {
        crate::Interest::MGMT
            .or(crate::Interest::UNDECODED)
            .when(self.r.is_some())
    }

    fn sees_errors(&self) -> bool {
        true
    }

    /// Its verdict on a clean frame depends on the frame's bytes (a repeat's element list has
    /// the same structure: only a TIM's contents may differ), on whether it was captured whole
    /// and on whether an FCS followed it, which a repeat shares.
    fn stateless(&self) -> bool {
        true
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let Some(r) = self.r else {
            return;
        };
        let p = ctx.packet;
        let frame = match (&p.link, p.error) {
            (Link::Dot11(d), None) => d.bytes(),
            (Link::None, Some(PacketError::Truncated)) => match truncated_80211(p) {
                Some(b) => b,
                None => return,
            },
            _ => return,
        };
        // Management frames of protocol version 0 only (the first byte's low four bits).
        if frame.first().is_none_or(|b| b & 0x0f != 0) {
            return;
        }
        if p.orig_len as usize > p.raw.len() {
            return;
        }
        // The radio header said an FCS is present when the dissector stripped bytes after
        // the frame.
        let fcs_flagged = frame.as_ptr_range().end != p.raw.as_ptr_range().end;
        let Some(what) = problem(frame, fcs_flagged) else {
            return;
        };
        let v = Frame::new_unchecked(frame);
        let mac = |m: Option<[u8; 6]>| m.map(MacAddr::new).unwrap_or(MacAddr::ZERO);
        let (a1, a2, a3) = (mac(v.addr1()), mac(v.addr2()), mac(v.addr3()));
        let text = format!(
            "Saw a malformed management frame ({}) from {a2}: {what}. Malformed frames may come from a capture driver that does not discard corrupted packets, or from an attack on drivers that do not handle malformed frames.",
            v.frame_control().name()
        );
        f.record(
            "MALFORMMGMT",
            raise(alerts, r, ctx, [a3, a2, a1, MacAddr::ZERO], &text),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{radiotap_fcs, run_dlt};
    use crate::detectors::testing::*;

    fn beacon_with(elements: &[u8]) -> Vec<u8> {
        let mut body = vec![0u8; 8];
        body.extend(100u16.to_le_bytes());
        body.extend(1u16.to_le_bytes());
        body.extend(elements);
        mgmt(8, [0xff; 6], AP, AP, &body)
    }

    fn fired(frames: &[(Vec<u8>, i64, i64)]) -> Vec<String> {
        run_alerts(frames, "alert=MALFORMMGMT,10/min,10/sec")
            .into_iter()
            .filter(|a| a.header == "MALFORMMGMT")
            .map(|a| a.text)
            .collect()
    }

    #[test]
    fn overrunning_element_fires() {
        // The SSID element claims 9 bytes, 3 follow.
        let got = fired(&[(beacon_with(&[0, 9, b'n', b'e', b't']), 100, 0)]);
        assert_eq!(got.len(), 1);
        assert!(
            got[0].contains("(beacon) from 00:11:22:33:44:55"),
            "{}",
            got[0]
        );
        assert!(
            got[0].contains("element at offset 36 runs past"),
            "{}",
            got[0]
        );
        // The same with a valid FCS flagged by radiotap: sent that way.
        let f = radiotap_fcs(&beacon_with(&[0, 9, b'n', b'e', b't']), true);
        let got = run_dlt(127, &[(f, 100, 0)], "alert=MALFORMMGMT,10/min,10/sec");
        assert_eq!(got.len(), 1);
        // An extension element without an extension ID.
        assert_eq!(fired(&[(beacon_with(&[0, 0, 255, 0]), 100, 0)]).len(), 1);
    }

    #[test]
    fn short_header_and_fixed_fields_fire() {
        // A deauthentication without its reason code.
        let got = fired(&[(mgmt(12, STA, AP, AP, &[]), 100, 0)]);
        assert_eq!(got.len(), 1);
        assert!(
            got[0].contains("0-byte body is shorter than the 2 bytes"),
            "{}",
            got[0]
        );
        // A beacon cut inside its header, captured whole (the dissector flags it truncated).
        let short = beacon()[..20].to_vec();
        let got = fired(&[(short, 100, 0)]);
        assert_eq!(got.len(), 1);
        assert!(got[0].contains("20 bytes long, shorter than its 24-byte header"));
    }

    #[test]
    fn near_misses() {
        // Well-formed frames, an SAE authentication, a protected deauthentication.
        assert!(fired(&[(beacon(), 100, 0)]).is_empty());
        let sae = mgmt(
            11,
            AP,
            STA,
            AP,
            &[3, 0, 1, 0, 0, 0, 19, 0, 0xff, 0xff, 0x40],
        );
        assert!(fired(&[(sae, 100, 0)]).is_empty());
        let mut prot = mgmt(12, STA, AP, AP, &[]);
        prot[1] |= 0x40;
        assert!(fired(&[(prot, 100, 0)]).is_empty());
        // A snap length that cut the frame is not a malformed frame.
        let bytes = beacon_with(&[0, 9, b'n', b'e', b't']);
        let options =
            osprey_config::Options::parse("t", "alert=MALFORMMGMT,10/min,10/sec").unwrap();
        let mut alerts = osprey_alerts::AlertTracker::new(10);
        let mut det = crate::Detectors::new(&mut alerts, &options).unwrap();
        let mut fr = frame(&bytes, 100, 0);
        fr.orig_len += 40;
        let p = osprey_dissect::Dissector::new().dissect(&fr);
        let tr = osprey_tracker::Tracker::new();
        let obs = osprey_tracker::Observed::default();
        let ctx = crate::Context::new(&p, &tr, &obs);
        assert!(det.inspect(&ctx, &mut alerts).alerts.is_empty());
        // A bad FCS: damaged on the way, not sent malformed.
        let f = radiotap_fcs(&beacon_with(&[0, 9, b'n', b'e', b't']), false);
        assert!(run_dlt(127, &[(f, 100, 0)], "alert=MALFORMMGMT,10/min,10/sec").is_empty());
        // An FCS the capture did not flag, after well-formed elements.
        let mut b = beacon();
        let fcs = osprey_dissect::crc32::crc32(&b);
        b.extend(fcs.to_le_bytes());
        assert!(fired(&[(b, 100, 0)]).is_empty());
    }
}
