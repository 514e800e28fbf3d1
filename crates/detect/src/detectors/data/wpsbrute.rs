//! **WPSBRUTE** (EXPLOIT, CRITICAL): a WPS PIN brute force (Reaver, Bully) against an access
//! point.
//!
//! How the attack looks: the attacker acts as an external registrar and the AP as the
//! enrollee. The AP is the EAP authenticator, so its messages are EAP Requests and the
//! attacker's are Responses. Each PIN attempt is one registration run: the AP sends M1, the
//! attacker M2, the AP **M3**, the attacker M4 (proving the first half of the PIN), and the AP
//! answers WSC_NACK when that half is wrong (or M5, then M7 or a NACK after M6, for the
//! second half). Every attempt that gets as far as testing a PIN therefore carries exactly
//! one M3, sent by the AP, while a legitimate enrollment carries one M3 in total. (When a
//! client enrolls with the AP as registrar, the roles swap and the client sends M3; such M3s
//! are counted the same way.)
//!
//! Trigger: an unprotected data frame carrying EAPOL type EAP-Packet, EAP code Request or
//! Response, expanded type WFA (vendor 00:37:2A, type 1 "SimpleConfig"), op-code WSC_MSG, whose
//! WPS Message Type attribute is M3 (0x07). M3s are counted per (BSSID, peer), the peer being
//! the address of the frame that is not the BSSID. A count restarts at 1 when more than
//! `wpsbrute_window` seconds (300) passed since the pair's previous M3; an M3 repeating the
//! previous one's EAP identifier is a retransmission and is not counted. On the
//! `wpsbrute_count`-th M3 (6) the alert is raised (subject to its rate limit), with those M3s
//! as evidence, and the count restarts at 1.
//!
//! Kismet 2025-09-R1 counts only M3s in EAP Requests (sent by the AP) and only from a source
//! address that is not the BSSID, which the AP's own frames never have: the attack it was
//! written for does not raise it. It also counts retransmissions.
//!
//! Limits: an attacker changing its MAC address for every attempt makes a new peer each
//! time; `wpsbrute_count` M3s are still needed per address.
//!
//! Memory: at most `data_max_devices` pairs; a full table drops its least recently active
//! tenth (counted in `/system/status.json`, see `crate::bounded`).

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::eapol::packet_type;
use osprey_wire::ieee80211::FrameType;
use osprey_wire::wps;

use super::micros;
use crate::bounded::BoundedMap;
use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "Many WPS registration attempts between an access point and one peer: each WPS M3 message marks one attempt at the AP's PIN, so repeated M3s indicate a PIN brute force such as Reaver's (or a badly misbehaving client)";

/// EAP code of a Request.
const EAP_REQUEST: u8 = 1;
/// EAP code of a Response.
const EAP_RESPONSE: u8 = 2;
/// EAP type "expanded".
const EAP_EXPANDED: u8 = 254;
/// WFA vendor id and vendor type "SimpleConfig" of the expanded EAP type.
const WFA_SIMPLECONFIG: [u8; 7] = [0x00, 0x37, 0x2a, 0x00, 0x00, 0x00, 0x01];
/// WSC op-code of a registration message (M1..M8).
const WSC_MSG: u8 = 0x04;
/// WSC flag: a 2-byte message length follows the flags.
const WSC_LENGTH_FIELD: u8 = 0x02;
/// WPS Message Type of M3.
pub const M3: u8 = 0x07;

/// The EAP identifier and WPS message type of an EAP-WSC message (the EAPOL body), when it is
/// a registration message whose first attribute block carries a message type.
pub(crate) fn wsc_message(eap: &[u8]) -> Option<(u8, u8)> {
    let (&code, rest) = eap.split_first()?;
    if code != EAP_REQUEST && code != EAP_RESPONSE {
        return None;
    }
    let id = *rest.first()?;
    let len = usize::from(u16::from_be_bytes([*eap.get(2)?, *eap.get(3)?]));
    let eap = eap.get(..len).unwrap_or(eap);
    if *eap.get(4)? != EAP_EXPANDED || eap.get(5..12)? != WFA_SIMPLECONFIG {
        return None;
    }
    if *eap.get(12)? != WSC_MSG {
        return None;
    }
    let flags = *eap.get(13)?;
    let start = if flags & WSC_LENGTH_FIELD != 0 {
        16
    } else {
        14
    };
    let attrs = eap.get(start..)?;
    let kind = wps::Attributes::new(attrs).find(|a| a.kind == wps::attr::MESSAGE_TYPE)?;
    match kind.data {
        [t] => Some((id, *t)),
        _ => None,
    }
}

/// One pair's current run of M3s.
struct Run {
    /// Capture time of the last M3, microseconds.
    last: i64,
    /// EAP identifier of the last M3.
    eap_id: u8,
    /// Packet numbers of the run's M3s.
    frames: Vec<u64>,
}

/// The detector's state: a run per (BSSID, peer).
pub struct WpsBrute {
    r: Option<AlertRef>,
    count: usize,
    window: i64,
    runs: BoundedMap<(MacAddr, MacAddr), Run>,
}

impl WpsBrute {
    pub(crate) fn new(r: Option<AlertRef>, count: usize, window_us: i64, max: usize) -> Self {
        WpsBrute {
            r,
            count,
            window: window_us,
            runs: BoundedMap::new(max),
        }
    }
}

impl Detector for WpsBrute {
    fn evicted(&self) -> u64 {
        self.runs.evicted()
    }

    fn interest(&self) -> crate::Interest {
        crate::Interest::DATA.when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let Some(r) = self.r else { return };
        let p = ctx.packet;
        let Some(d) = p.dot11() else { return };
        if d.frame_type() != FrameType::Data {
            return;
        }
        let Some(e) = d.eapol() else { return };
        if e.packet_type_raw() != packet_type::EAP_PACKET {
            return;
        }
        let Some((eap_id, M3)) = wsc_message(e.body()) else {
            return;
        };
        let peer = if p.source == p.bssid {
            p.dest
        } else {
            p.source
        };
        let key = (p.bssid, peer);
        let now = micros(ctx.now());
        let (run, _) = self.runs.get_or_insert_with(key, || Run {
            last: i64::MIN,
            eap_id,
            frames: Vec::new(),
        });
        if now.saturating_sub(run.last) > self.window {
            run.frames.clear();
        } else if run.eap_id == eap_id {
            // A retransmission of the previous M3.
            return;
        }
        run.last = now;
        run.eap_id = eap_id;
        run.frames.push(p.packet_no);
        if run.frames.len() < self.count {
            return;
        }
        let evidence = std::mem::take(&mut run.frames);
        run.frames.push(p.packet_no);
        let text = format!(
            "IEEE80211 AP {} sending excessive number of WPS messages which may indicate a WPS brute force attack such as Reaver",
            p.bssid
        );
        let addrs = [p.bssid, p.source, p.dest, MacAddr::ZERO];
        f.record_evidence("WPSBRUTE", raise(alerts, r, ctx, addrs, &text), evidence);
    }
}

#[cfg(test)]
mod tests {
    use super::super::frames::*;
    use crate::detectors::testing::*;

    /// An EAP-WSC message of `msg_type` with EAP code `code` and identifier `id`, in an EAPOL
    /// frame from the AP to STA (from-DS) when `from_ap`, else from STA to the AP.
    fn wsc(code: u8, id: u8, msg_type: u8, from_ap: bool, seq: u16) -> Vec<u8> {
        let mut attrs = vec![0x10, 0x4a, 0, 1, 0x10]; // Version 1.0
        attrs.extend([0x10, 0x22, 0, 1, msg_type]); // Message Type
        attrs.extend([0x10, 0x39, 0, 16]); // Registrar Nonce
        attrs.extend([0x5a; 16]);
        let mut eap = vec![
            code, id, 0, 0, 254, 0x00, 0x37, 0x2a, 0, 0, 0, 1, 0x04, 0x00,
        ];
        eap.extend(attrs);
        let n = eap.len() as u16;
        eap[2..4].copy_from_slice(&n.to_be_bytes());
        let mut eapol = vec![1, 0];
        eapol.extend(n.to_be_bytes());
        eapol.extend(eap);
        if from_ap {
            data(false, true, [STA, AP, AP], seq, 0x888e, &eapol)
        } else {
            data(true, false, [AP, STA, AP], seq, 0x888e, &eapol)
        }
    }

    fn count(frames: &[(Vec<u8>, i64, i64)]) -> usize {
        run(frames).iter().filter(|h| *h == "WPSBRUTE").count()
    }

    #[test]
    fn six_m3_from_the_ap_fire() {
        // Reaver: per attempt M1 (AP), M2 (attacker), M3 (AP), M4 (attacker), NACK (AP).
        let mut frames = Vec::new();
        for i in 0..6u16 {
            let t = 100 + i64::from(i) * 10;
            let id = (i * 5) as u8;
            frames.push((wsc(1, id, 0x04, true, i * 10), t, 0));
            frames.push((wsc(2, id, 0x05, false, i * 10 + 1), t, 1));
            frames.push((wsc(1, id + 1, super::M3, true, i * 10 + 2), t, 2));
            frames.push((wsc(2, id + 1, 0x08, false, i * 10 + 3), t, 3));
        }
        let a = run_alerts(&frames, "");
        let a: Vec<_> = a.iter().filter(|a| a.header == "WPSBRUTE").collect();
        assert_eq!(a.len(), 1);
        assert!(a[0]
            .text
            .starts_with("IEEE80211 AP 00:11:22:33:44:55 sending excessive"));
        // The six M3s: frames 3, 7, 11, ... (packet numbers 5, 13, 21, ...).
        let want: Vec<u64> = (0..6).map(|i| 5 + 8 * i).collect();
        assert_eq!(a[0].evidence, want);
        // M3s sent by a client (AP as registrar) count too.
        let frames: Vec<_> = (0..6u16)
            .map(|i| (wsc(2, i as u8, super::M3, false, i), 100 + i64::from(i), 0))
            .collect();
        assert_eq!(count(&frames), 1);
    }

    #[test]
    fn near_misses_do_not_fire() {
        // Five attempts.
        let frames: Vec<_> = (0..5u16)
            .map(|i| (wsc(1, i as u8, super::M3, true, i), 100 + i64::from(i), 0))
            .collect();
        assert_eq!(count(&frames), 0);
        // Six, but 301 s apart.
        let frames: Vec<_> = (0..6u16)
            .map(|i| {
                (
                    wsc(1, i as u8, super::M3, true, i),
                    100 + 301 * i64::from(i),
                    0,
                )
            })
            .collect();
        assert_eq!(count(&frames), 0);
        // Six copies of one M3 (EAP retransmissions, same identifier).
        let frames: Vec<_> = (0..6u16)
            .map(|i| (wsc(1, 7, super::M3, true, i), 100 + i64::from(i), 0))
            .collect();
        assert_eq!(count(&frames), 0);
        // Six other registration messages (M1).
        let frames: Vec<_> = (0..6u16)
            .map(|i| (wsc(1, i as u8, 0x04, true, i), 100 + i64::from(i), 0))
            .collect();
        assert_eq!(count(&frames), 0);
        // A smaller count is configurable.
        let frames: Vec<_> = (0..3u16)
            .map(|i| (wsc(1, i as u8, super::M3, true, i), 100 + i64::from(i), 0))
            .collect();
        let a = run_alerts(&frames, "wpsbrute_count=3\nwpsbrute_window=5");
        assert_eq!(a.iter().filter(|a| a.header == "WPSBRUTE").count(), 1);
    }

    #[test]
    fn wsc_parsing_is_checked() {
        assert_eq!(super::wsc_message(&[]), None);
        assert_eq!(super::wsc_message(&[1, 2, 0, 5, 1]), None); // Identity request
                                                                // Length field present (flags 0x02).
        let mut eap = vec![
            1, 9, 0, 0, 254, 0x00, 0x37, 0x2a, 0, 0, 0, 1, 0x04, 0x02, 0, 10,
        ];
        eap.extend([0x10, 0x4a, 0, 1, 0x10, 0x10, 0x22, 0, 1, 0x07]);
        let n = eap.len() as u16;
        eap[2..4].copy_from_slice(&n.to_be_bytes());
        assert_eq!(super::wsc_message(&eap), Some((9, 0x07)));
        // Truncated inside the attributes: no message type.
        assert_eq!(super::wsc_message(&eap[..eap.len() - 3]), None);
    }
}
