//! **NONCEREUSE** (EXPLOIT, HIGH): the authenticator's nonce of a 4-way handshake is used
//! again where it must not be, the mark of the KRACK key-reinstallation attacks.
//!
//! Trigger (with `dot11_keep_eapol`; disabled by default, `alert=NONCEREUSE,0/min,0/sec`, as in
//! Kismet): an unprotected data frame carrying message 1 or message 3 of a 4-way handshake
//! (pairwise key, Ack set; MIC and Install clear for message 1, both set for message 3; RSN or
//! WPA descriptor) with a non-zero Key Nonce (the ANonce) sent to a unicast address, when one
//! of these holds. The authenticator is the frame's source, the supplicant its destination;
//! "within a second" compares capture times.
//!
//! 1. *Replay.* The pair (authenticator, supplicant) already sent the same ANonce in the same
//!    message (1 or 3) with a replay counter greater than or equal to this frame's, more than
//!    a second earlier. An authenticator raises the counter with every message it sends, so a
//!    message that does not is an old one sent again. The same counter within a second is a
//!    retransmission (a MAC-level retry repeats the frame within milliseconds) and is not
//!    reported.
//! 2. *Restart with a used ANonce.* A message 1 carries an ANonce the pair already sent in a
//!    message 3, with a greater replay counter than that message 3 (or the same or a lower
//!    counter, more than a second away from it). The authenticator state machine draws a new
//!    ANonce whenever a handshake starts over; a message 1 that reuses one after message 3
//!    went out is a forged restart (the TPTK variant of KRACK).
//! 3. *Return to an abandoned ANonce.* A message 3 repeats an ANonce of an earlier message 3
//!    while the pair's latest message 1, sent after that earlier message 3 and with a greater
//!    replay counter, carried a different ANonce: a new handshake had begun, so the old
//!    message 3 is being replayed into it (the TPTK variant with a random forged ANonce).
//! 4. *ANonce shared between supplicants.* The authenticator sent the same ANonce to another
//!    supplicant before. ANonces are random or counter-derived and never repeat across
//!    handshakes, so this is a nonce generator that repeats, or a replay aimed at another
//!    station.
//!
//! Text (message 3): `WPA EAPOL RSN frame seen with a previously used nonce; this may
//! indicate a KRACK-style WPA attack (nonce: HEX)`; (message 1): `WPA EAPOL RSN frame seen
//! with a previously used anonce; this may indicate a KRACK-style WPA attack (anonce: HEX)`,
//! with the 32 nonce bytes as upper-case hex. The alert's evidence is the earlier frame that
//! used the nonce and this one. A frame byte-identical to one of the dissector's recent
//! distinct frames is a duplicate that no detector sees (as in Kismet), so a verbatim replay
//! with the same sequence number inside that window is not judged.
//!
//! State: for each (authenticator, supplicant) pair, the last 128 ANonces of messages 1 and
//! the last 128 of messages 3 (each with its replay counter and time) and the latest message
//! 1, at most [`MAX_PAIRS`] pairs (when full, the least recently active tenth is dropped for
//! new ones, see `crate::bounded`); for each authenticator, the last 128 ANonces with their
//! supplicant, at most [`MAX_AUTHENTICATORS`] authenticators, dropped the same way. A full
//! pair holds about 16 KB; a pair normally holds a few entries. Drops are counted
//! (`/system/status.json`).
//!
//! Kismet differences:
//!
//! * Kismet keeps the histories per client device only, so it misses rule 4, and it has no
//!   rules 2 and 3: the KRACK example capture of the krackattacks scripts (a forged message 1
//!   with the same ANonce and a higher counter, then message 3 again) raises nothing there.
//! * Kismet never updates the time of a stored nonce when a retransmission raises its counter,
//!   so a later copy of the last retransmission counts as a replay when more than a second has
//!   passed since the *first* message; Osprey measures from the frame that set the counter.
//! * Kismet ignores every frame with the Retry bit; Osprey judges such frames like the others
//!   (a real retry is within the one-second window anyway), so setting the bit does not hide a
//!   replay. For message 1 Kismet calls any same-counter copy without the Retry bit a reuse
//!   at once; Osprey applies the one-second window to both messages, so an authenticator that
//!   transmits a message twice is not reported.
//! * Kismet classifies messages from the Ack and MIC bits alone (a group-key message 1 with a
//!   GNonce counts as a message 3) and reads only the RSN descriptor; Osprey takes pairwise
//!   messages 1 and 3 of both the RSN and the WPA descriptor.
//! * Kismet needs the BSSID and client devices to be tracked; Osprey does not.

use std::collections::VecDeque;

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};

use crate::bounded::BoundedMap;
use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "An access point's nonce (ANonce) of the WPA 4-way handshake was used again: a handshake message replayed with an old replay counter, a handshake restarted with a nonce already used, or one nonce sent to two stations. Key-reinstallation (KRACK) attacks replay handshake messages this way to make a station reuse its encryption nonces";

/// How many nonces each history keeps (Kismet's limit).
pub const HISTORY: usize = 128;
/// How many (authenticator, supplicant) pairs are remembered.
pub const MAX_PAIRS: usize = 1024;
/// How many authenticators' cross-station histories are remembered.
pub const MAX_AUTHENTICATORS: usize = 1024;
/// The retransmission window, in microseconds of capture time.
pub const WINDOW_US: i64 = 1_000_000;

/// One use of a nonce.
#[derive(Clone, Copy, Debug)]
struct Use {
    nonce: [u8; 32],
    replay: u64,
    /// Capture time in microseconds of the frame that set `replay`.
    at: i64,
    /// Capture time of the first frame with this nonce.
    first: i64,
    /// Packet number of the frame that set `replay`.
    packet: u64,
}

/// What a history says about a nonce.
enum Seen {
    /// Not in the history; now stored.
    New,
    /// Stored with a lower replay counter, now raised: a retransmission.
    Forward(Use),
    /// Same or lower counter within the window: a retransmission.
    Repeat,
    /// Same or lower counter outside the window: a replay of `Use`.
    Replayed(Use),
}

fn judge(history: &mut VecDeque<Use>, u: Use) -> Seen {
    let Some(e) = history.iter_mut().find(|e| e.nonce == u.nonce) else {
        if history.len() >= HISTORY {
            history.pop_front();
        }
        history.push_back(u);
        return Seen::New;
    };
    let before = *e;
    if u.replay > e.replay {
        e.replay = u.replay;
        e.at = u.at;
        e.packet = u.packet;
        return Seen::Forward(before);
    }
    if u.at.saturating_sub(e.at).saturating_abs() > WINDOW_US {
        // Copies of this replay within the window are its retransmissions.
        e.at = u.at;
        e.packet = u.packet;
        return Seen::Replayed(before);
    }
    Seen::Repeat
}

#[derive(Default)]
struct Pair {
    msg1: VecDeque<Use>,
    msg3: VecDeque<Use>,
    last_msg1: Option<Use>,
}

#[derive(Default)]
struct Authenticator {
    /// ANonce, supplicant, packet number.
    sent: VecDeque<([u8; 32], MacAddr, u64)>,
}

/// The detector.
pub struct NonceReuse {
    r: Option<AlertRef>,
    pairs: BoundedMap<(MacAddr, MacAddr), Pair>,
    authenticators: BoundedMap<MacAddr, Authenticator>,
}

impl NonceReuse {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        NonceReuse {
            r,
            pairs: BoundedMap::new(MAX_PAIRS),
            authenticators: BoundedMap::new(MAX_AUTHENTICATORS),
        }
    }

    /// Judges one message 1 or 3; the earlier use it repeats, if it is a reuse.
    fn judge(&mut self, msg: u8, auth: MacAddr, supp: MacAddr, u: Use) -> Option<Use> {
        let (pair, _) = self.pairs.get_or_insert_with((auth, supp), Pair::default);
        let mut reused = None;
        if msg == 1 {
            match judge(&mut pair.msg1, u) {
                Seen::Replayed(e) => reused = Some(e),
                Seen::Repeat => {}
                Seen::New | Seen::Forward(_) => {
                    // Rule 2: restarting with an ANonce a message 3 already carried.
                    if let Some(m3) = pair.msg3.iter().find(|e| e.nonce == u.nonce) {
                        if u.replay > m3.replay
                            || u.at.saturating_sub(m3.at).saturating_abs() > WINDOW_US
                        {
                            reused = Some(*m3);
                        }
                    }
                }
            }
            pair.last_msg1 = Some(u);
        } else {
            match judge(&mut pair.msg3, u) {
                Seen::Replayed(e) => reused = Some(e),
                Seen::Forward(e) => {
                    // Rule 3: a newer handshake with another ANonce began after this one.
                    if let Some(m1) = pair.last_msg1 {
                        if m1.nonce != u.nonce && m1.replay > e.replay && m1.at > e.first {
                            reused = Some(e);
                        }
                    }
                }
                Seen::New | Seen::Repeat => {}
            }
        }
        // Rule 4: the same ANonce sent to another supplicant.
        let (a, _) = self
            .authenticators
            .get_or_insert_with(auth, Authenticator::default);
        match a.sent.iter_mut().find(|(n, _, _)| *n == u.nonce) {
            Some((_, s, packet)) if *s != supp => {
                if reused.is_none() {
                    reused = Some(Use {
                        packet: *packet,
                        ..u
                    });
                }
                *s = supp;
                *packet = u.packet;
            }
            Some(_) => {}
            None => {
                if a.sent.len() >= HISTORY {
                    a.sent.pop_front();
                }
                a.sent.push_back((u.nonce, supp, u.packet));
            }
        }
        reused
    }
}

fn micros(ts: kismetdb::Timestamp) -> i64 {
    ts.sec.saturating_mul(1_000_000).saturating_add(ts.usec)
}

fn upper_hex(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    s
}

impl Detector for NonceReuse {
    fn evicted(&self) -> u64 {
        self.pairs.evicted() + self.authenticators.evicted()
    }

    fn interest(&self) -> crate::Interest {
        crate::Interest::DATA.when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let Some(r) = self.r else { return };
        let Some(d) = ctx.packet.dot11() else { return };
        let Some(e) = d.eapol() else { return };
        let Ok(k) = e.key_fitted() else { return };
        let msg = match k.message_number() {
            Some(m @ (1 | 3)) => m,
            _ => return,
        };
        let p = ctx.packet;
        if k.nonce_is_zero() || p.dest.is_multicast() || p.source.is_multicast() {
            return;
        }
        let u = Use {
            nonce: k.nonce(),
            replay: k.replay_counter(),
            at: micros(ctx.now()),
            first: micros(ctx.now()),
            packet: p.packet_no,
        };
        let Some(earlier) = self.judge(msg, p.source, p.dest, u) else {
            return;
        };
        let (what, hex) = if msg == 1 {
            ("anonce", upper_hex(&u.nonce))
        } else {
            ("nonce", upper_hex(&u.nonce))
        };
        let text = format!(
            "WPA EAPOL RSN frame seen with a previously used {what}; this may indicate a KRACK-style WPA attack ({what}: {hex})"
        );
        let outcome = raise(
            alerts,
            r,
            ctx,
            [p.bssid, p.source, p.dest, MacAddr::ZERO],
            &text,
        );
        let evidence = if earlier.packet != 0 && earlier.packet != p.packet_no {
            vec![earlier.packet, p.packet_no]
        } else {
            vec![p.packet_no]
        };
        f.record_evidence("NONCEREUSE", outcome, evidence);
    }
}

#[cfg(test)]
mod tests {
    use super::super::frames::*;
    use crate::detectors::testing::*;

    const ON: &str = "alert=NONCEREUSE,10/min,1/sec";
    const A: [u8; 32] = [0xa1; 32];
    const B: [u8; 32] = [0xb2; 32];
    const M1: u16 = 0x008a;
    const M2: u16 = 0x010a;
    const M3: u16 = 0x13ca;
    const M4: u16 = 0x030a;

    fn m(ki: u16, replay: u64, nonce: [u8; 32]) -> Vec<u8> {
        let kd: &[u8] = if ki == M3 { &[0x5a; 56] } else { &[] };
        eapol_key(2, ki, replay, nonce, kd)
    }

    fn ap(ki: u16, replay: u64, nonce: [u8; 32], sec: i64, usec: i64) -> (Vec<u8>, i64, i64) {
        (from_ap(&m(ki, replay, nonce), false), sec, usec)
    }

    fn sta(ki: u16, replay: u64, sec: i64, usec: i64) -> (Vec<u8>, i64, i64) {
        let nonce = if ki == M4 { [0; 32] } else { [0x5c; 32] };
        let kd: &[u8] = if ki == M2 { &[0x30; 22] } else { &[] };
        (
            from_sta(&eapol_key(2, ki, replay, nonce, kd), false),
            sec,
            usec,
        )
    }

    fn handshake(nonce: [u8; 32], first: u64, sec: i64) -> Vec<(Vec<u8>, i64, i64)> {
        vec![
            ap(M1, first, nonce, sec, 0),
            sta(M2, first, sec, 1000),
            ap(M3, first + 1, nonce, sec, 2000),
            sta(M4, first + 1, sec, 3000),
        ]
    }

    fn headers(frames: &[(Vec<u8>, i64, i64)]) -> Vec<String> {
        run_alerts(frames, ON)
            .into_iter()
            .map(|a| a.header)
            .collect()
    }

    #[test]
    fn replayed_message_3_fires_with_kismets_text() {
        let mut frames = handshake(A, 1, 100);
        frames.push(ap(M3, 2, A, 102, 0));
        let alerts = run_alerts(&frames, ON);
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].header, "NONCEREUSE");
        assert_eq!(
            alerts[0].text,
            format!(
                "WPA EAPOL RSN frame seen with a previously used nonce; this may indicate a KRACK-style WPA attack (nonce: {})",
                "A1".repeat(32)
            )
        );
        // Evidence: the first message 3 (packet 5) and the replay (packet 9).
        assert_eq!(alerts[0].evidence, vec![5, 9]);
        // Disabled by default, as in Kismet.
        assert!(run(&frames).is_empty());
    }

    #[test]
    fn replayed_message_1_fires() {
        let frames = vec![ap(M1, 5, A, 100, 0), ap(M1, 5, A, 101, 500_000)];
        let alerts = run_alerts(&frames, ON);
        assert_eq!(alerts.len(), 1);
        assert!(alerts[0].text.contains("previously used anonce"));
        assert!(alerts[0]
            .text
            .ends_with(&format!("(anonce: {})", "A1".repeat(32))));
    }

    #[test]
    fn retransmissions_do_not_fire() {
        // Message 1 and 3 sent again with raised counters (the AP's timeouts), copies of the
        // same frame within a second with and without the Retry bit, then a later copy of the
        // last retransmission within a second of it (more than a second after the first).
        let frames = vec![
            ap(M1, 1, A, 100, 0),
            ap(M1, 2, A, 100, 900_000),
            (from_ap(&m(M1, 2, A), true), 100, 901_000),
            sta(M2, 2, 101, 0),
            ap(M3, 3, A, 101, 10_000),
            ap(M3, 3, A, 101, 10_500),
            ap(M3, 4, A, 102, 10_000),
            ap(M3, 5, A, 103, 10_000),
            (from_ap(&m(M3, 5, A), true), 103, 20_000),
            ap(M3, 5, A, 103, 900_000),
            sta(M4, 5, 104, 0),
        ];
        assert!(headers(&frames).is_empty());
    }

    #[test]
    fn separate_handshakes_and_stations_do_not_fire() {
        let mut frames = handshake(A, 1, 100);
        frames.extend(handshake(B, 3, 200));
        // Another station gets its own ANonce, with the same replay counters.
        let other = [0x02, 0, 0, 0, 0, 9];
        frames.push((to_station(&m(M1, 1, [0xc3; 32]), other), 300, 0));
        frames.push((to_station(&m(M3, 2, [0xc3; 32]), other), 300, 1000));
        // A zero nonce is never compared.
        frames.push(ap(M1, 9, [0; 32], 400, 0));
        frames.push(ap(M1, 9, [0; 32], 402, 0));
        assert!(headers(&frames).is_empty());
    }

    #[test]
    fn message_1_reusing_a_message_3_anonce_fires() {
        // The TPTK shape of the KRACK example: msg1, msg2, msg3, then msg1 again with the same
        // ANonce and a higher counter, all within a millisecond.
        let frames = vec![
            ap(M1, 1, A, 100, 0),
            sta(M2, 1, 100, 100),
            ap(M3, 2, A, 100, 200),
            ap(M1, 3, A, 100, 300),
            ap(M3, 3, A, 100, 400),
        ];
        let alerts = run_alerts(&frames, ON);
        assert_eq!(alerts.len(), 1);
        assert!(alerts[0].text.contains("previously used anonce"));
        assert_eq!(alerts[0].evidence, vec![5, 7]);
        // Near miss: the same messages without the restart.
        let mut ok = frames.clone();
        ok.remove(3);
        assert!(headers(&ok).is_empty());
    }

    #[test]
    fn message_3_returning_to_an_abandoned_anonce_fires() {
        // A forged message 1 with another ANonce and a higher counter after message 3, then
        // the access point's message 3 retransmission with the first ANonce.
        let frames = vec![
            ap(M1, 1, A, 100, 0),
            sta(M2, 1, 100, 100),
            ap(M3, 2, A, 100, 200),
            ap(M1, 3, B, 100, 300),
            ap(M3, 3, A, 100, 400),
        ];
        let alerts = run_alerts(&frames, ON);
        assert_eq!(alerts.len(), 1);
        assert!(alerts[0].text.contains("previously used nonce"));
        // Near miss: a message 1 with another ANonce *before* the handshake's message 3 (a
        // stray message 1, then the real handshake goes on) does not count.
        let ok = vec![
            ap(M1, 7, B, 100, 0),
            ap(M3, 2, A, 100, 200),
            ap(M3, 3, A, 101, 200),
        ];
        assert!(headers(&ok).is_empty());
    }

    #[test]
    fn anonce_sent_to_two_stations_fires() {
        let other = [0x02, 0, 0, 0, 0, 9];
        let frames = vec![
            ap(M1, 1, A, 100, 0),
            (to_station(&m(M1, 1, A), other), 105, 0),
        ];
        let alerts = run_alerts(&frames, ON);
        assert_eq!(alerts.len(), 1);
        assert_eq!(alerts[0].dest, kismetdb::MacAddr::new(other));
    }

    #[test]
    fn handshake_analysis_off_and_history_limits() {
        let mut frames = handshake(A, 1, 100);
        frames.push(ap(M3, 2, A, 102, 0));
        let off = format!("{ON}\ndot11_keep_eapol=false");
        assert!(run_alerts(&frames, &off).is_empty());

        // 128 newer ANonces push the first one out of the history: no alert for it.
        let mut frames = vec![ap(M1, 1, A, 100, 0)];
        for i in 0..super::HISTORY as u8 {
            let mut n = [0x40; 32];
            n[0] = i;
            frames.push(ap(M1, 2 + u64::from(i), n, 101, i64::from(i)));
        }
        frames.push(ap(M1, 1, A, 300, 0));
        assert!(headers(&frames).is_empty());
    }

    #[test]
    fn pair_table_is_bounded() {
        let mut det = super::NonceReuse::new(None);
        for i in 0..(super::MAX_PAIRS + 10) {
            let b = (i as u32).to_be_bytes();
            let supp = kismetdb::MacAddr::new([0x02, 0, b[0], b[1], b[2], b[3]]);
            let u = super::Use {
                nonce: [0x11; 32],
                replay: 1,
                at: i as i64,
                first: i as i64,
                packet: 1,
            };
            let _ = det.judge(1, kismetdb::MacAddr::new(AP), supp, u);
        }
        // Full at MAX_PAIRS; the eleventh pair beyond made room for a tenth.
        let max = super::MAX_PAIRS;
        let kept = max - (max / 10 + 1);
        assert_eq!(det.pairs.len(), kept + 10);
        assert_eq!(det.pairs.evicted(), (max - kept) as u64);
        assert_eq!(crate::Detector::evicted(&det), (max - kept) as u64);
        // The most recent pairs are the ones kept.
        let b = ((max + 9) as u32).to_be_bytes();
        let last = kismetdb::MacAddr::new([0x02, 0, b[0], b[1], b[2], b[3]]);
        assert!(det.pairs.contains_key(&(kismetdb::MacAddr::new(AP), last)));
        assert_eq!(det.authenticators.len(), 1);
        let a = det.authenticators.get(&kismetdb::MacAddr::new(AP)).unwrap();
        assert!(a.sent.len() <= super::HISTORY);
    }
}
