//! **DISASSOCTRAFFIC** (SPOOF, MEDIUM): a client keeps sending data to a network right after
//! it was disconnected from it, so the disconnect was most likely forged.
//!
//! A client that really disassociates, or that really receives a deauthentication or
//! disassociation, sends no more data to that network until it has authenticated and
//! associated again. A disconnect frame forged by an attacker (in the AP's name towards the
//! client, or in the client's name towards the AP) is not what the client did or, when the
//! client did not receive it or ignored it (management frame protection), not what it acted
//! on: its data keeps flowing. (Bellardo and Savage, "802.11 Denial-of-Service Attacks: Real
//! Vulnerabilities and Practical Solutions", USENIX Security 2003, proposed exactly this test.)
//!
//! Trigger:
//!
//! * A disassociation (10) or deauthentication (12) between a BSSID and a client (one of
//!   source and destination is the BSSID, the other is the client) marks the pair
//!   disconnected at that time. One sent by the BSSID to a group address marks every client
//!   of the BSSID.
//! * An authentication (11), a (re)association request or response (0 to 3), or an
//!   unprotected EAPOL frame (4-way handshake, 802.1X) between the pair clears the mark: the
//!   client is joining again. (EAPOL counts so that a capture that missed the authentication
//!   and association frames still sees the join.)
//! * A data frame carrying data (not a null frame), sent by the client to the BSSID (to-DS,
//!   not a retransmission: the retry bit marks a frame first sent earlier, possibly before the
//!   disconnect), less than `disassoctraffic_window` seconds (10) after the mark raises the
//!   alert, once per mark (per client for a group-addressed disconnect), with the disconnect
//!   and the data frame as evidence. Protected (encrypted) data frames count: only the
//!   header is needed.
//!
//! Kismet 2025-09-R1 has a rate line for DISASSOCTRAFFIC in `kismet_alerts.conf` but no code.
//! Kismet 2004-2005 (`finitestate.cc`, `DisassocTrafficAutomata`) alerted on any data frame
//! from the *source* of a disassociation or deauthentication within 10 seconds of it, on the
//! wall clock. That reports the AP itself whenever it disconnects one client and goes on
//! serving the others, and misses a client that is told to leave by a forged frame in the AP's
//! name; it also reported a client that reconnected at once. Osprey keys the mark on the
//! (BSSID, client) pair, looks only at the client's own data, clears the mark on a new join,
//! and uses capture time. The old code had no class or severity ("Trend"); Osprey files it as
//! SPOOF (what it detects is a forged management frame) with the MEDIUM severity of the other
//! disconnect-attack alerts (DEAUTHFLOOD, BCASTDISCON).
//!
//! Not an attack: when the capture misses the client's new authentication and association
//! (channel hopping, a weak signal) its first data after a real disconnect looks the same; a
//! client the AP dropped for inactivity (reason 4) while it slept does not know it yet.
//!
//! Memory: at most `data_max_devices` marked pairs (and group marks, and clients per group
//! mark); when the pairs or group marks are full, the least recently made tenth is dropped for
//! new ones (counted in `/system/status.json`, see `crate::bounded`), so a flood of forged
//! disconnects cannot blind the detector to the newest ones. Expired marks are dropped every
//! capture second.

use osprey_tracker::FastHashSet as HashSet;

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::ieee80211::FrameType;
use osprey_wire::llc;

use super::micros;
use crate::bounded::BoundedMap;
use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "A client sent data to a network within seconds of being disassociated or deauthenticated from it, without joining again; a client that really left, or really was disconnected, does not do that, so the disconnect frame was probably forged (a denial-of-service or handshake-capture attempt)";

/// A disconnect of one pair.
struct Mark {
    /// Capture time, microseconds.
    at: i64,
    /// The disconnect's packet number.
    packet: u64,
}

/// A group-addressed disconnect from a BSSID.
struct GroupMark {
    at: i64,
    packet: u64,
    /// Clients that joined again, or were already reported, since.
    done: HashSet<MacAddr>,
}

/// The detector's state: the marks.
pub struct DisassocTraffic {
    r: Option<AlertRef>,
    window_s: u64,
    window: i64,
    max: usize,
    pairs: BoundedMap<(MacAddr, MacAddr), Mark>,
    groups: BoundedMap<MacAddr, GroupMark>,
}

impl DisassocTraffic {
    pub(crate) fn new(r: Option<AlertRef>, window_s: u64, max: usize) -> Self {
        DisassocTraffic {
            r,
            window_s,
            window: (window_s as i64).saturating_mul(1_000_000),
            max,
            pairs: BoundedMap::new(max),
            groups: BoundedMap::new(max),
        }
    }

    fn live(&self, at: i64, now: i64) -> bool {
        let age = now.saturating_sub(at);
        (0..self.window).contains(&age)
    }

    /// Drops expired marks.
    fn expire(&mut self, now: i64) {
        let window = self.window;
        self.pairs.retain(|_, m| now.saturating_sub(m.at) < window);
        self.groups.retain(|_, m| now.saturating_sub(m.at) < window);
    }

    /// A management frame: disconnects mark, joins clear.
    fn management(&mut self, ctx: &Context<'_, '_>, subtype: u8) {
        let p = ctx.packet;
        let other = if p.source == p.bssid {
            p.dest
        } else if p.dest == p.bssid {
            p.source
        } else {
            return;
        };
        if p.bssid.is_zero() || other.is_zero() {
            return;
        }
        let now = micros(ctx.now());
        match subtype {
            10 | 12 => {
                if other.is_multicast() {
                    if p.source != p.bssid {
                        return;
                    }
                    self.groups.insert(
                        p.bssid,
                        GroupMark {
                            at: now,
                            packet: p.packet_no,
                            done: HashSet::default(),
                        },
                    );
                    return;
                }
                let key = (p.bssid, other);
                self.pairs.insert(
                    key,
                    Mark {
                        at: now,
                        packet: p.packet_no,
                    },
                );
            }
            0..=3 | 11 => self.rejoined(p.bssid, other),
            _ => {}
        }
    }

    /// The client is joining the network again: its marks are cleared.
    fn rejoined(&mut self, bssid: MacAddr, client: MacAddr) {
        if client.is_multicast() {
            return;
        }
        self.pairs.remove(&(bssid, client));
        let max = self.max;
        if let Some(g) = self.groups.get_mut(&bssid) {
            if g.done.len() < max {
                g.done.insert(client);
            }
        }
    }
}

impl Detector for DisassocTraffic {
    fn interest(&self) -> crate::Interest {
        crate::Interest::MGMT
            .or(crate::Interest::DATA)
            .when(self.r.is_some())
    }

    fn evicted(&self) -> u64 {
        self.pairs.evicted() + self.groups.evicted()
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let Some(r) = self.r else { return };
        let p = ctx.packet;
        let Some(d) = p.dot11() else { return };
        match d.frame_type() {
            FrameType::Management => {
                self.management(ctx, d.subtype());
                return;
            }
            FrameType::Data => {}
            _ => return,
        }
        if self.pairs.is_empty() && self.groups.is_empty() {
            return;
        }
        let fc = d.frame_control();
        // An EAPOL frame (a 4-way handshake, 802.1X) is part of joining again.
        if d.llc().is_some_and(|(t, _)| t == llc::ethertype::EAPOL) {
            match (fc.to_ds(), fc.from_ds()) {
                (true, false) => self.rejoined(p.bssid, p.source),
                (false, true) => self.rejoined(p.bssid, p.dest),
                _ => {}
            }
            return;
        }
        // From the client to the AP, carrying data, sent for the first time.
        if !fc.to_ds() || fc.from_ds() || fc.retry() || d.subtype() & 0x4 != 0 {
            return;
        }
        let now = micros(ctx.now());
        let key = (p.bssid, p.source);
        let mut evidence = None;
        if let Some(m) = self.pairs.get(&key) {
            if self.live(m.at, now) {
                evidence = Some(m.packet);
            }
            self.pairs.remove(&key);
        }
        if evidence.is_none() {
            let live = self
                .groups
                .get(&p.bssid)
                .map(|g| (self.live(g.at, now), g.packet));
            if let (Some((true, packet)), Some(g)) = (live, self.groups.get_mut(&p.bssid)) {
                if !g.done.contains(&p.source) && g.done.len() < self.max {
                    g.done.insert(p.source);
                    evidence = Some(packet);
                }
            }
        }
        let Some(disconnect) = evidence else {
            return;
        };
        let text = format!(
            "Suspicious traffic on {}.  Data traffic within {} seconds of disassociate.",
            p.source, self.window_s
        );
        let addrs = [p.bssid, p.source, p.dest, MacAddr::ZERO];
        f.record_evidence(
            "DISASSOCTRAFFIC",
            raise(alerts, r, ctx, addrs, &text),
            vec![disconnect, p.packet_no],
        );
    }

    fn tick(
        &mut self,
        now: kismetdb::Timestamp,
        _devices: &osprey_tracker::Tracker,
        _alerts: &mut AlertTracker,
        _f: &mut Findings,
    ) {
        if !self.pairs.is_empty() || !self.groups.is_empty() {
            self.expire(micros(now));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::frames::*;
    use crate::detectors::testing::*;

    /// A disconnect (`subtype` 10 or 12) from `a2` to `a1` in network AP, sequence `seq`.
    fn disconnect(subtype: u8, a1: [u8; 6], a2: [u8; 6], seq: u16) -> Vec<u8> {
        let mut f = mgmt(subtype, a1, a2, AP, &[7, 0]);
        f[22..24].copy_from_slice(&(seq << 4).to_le_bytes());
        f
    }

    /// Data from STA to the AP (to-DS).
    fn client_data(seq: u16) -> Vec<u8> {
        data(true, false, [AP, STA, [0xff; 6]], seq, 0x0800, &[0x45, 0])
    }

    fn count(frames: &[(Vec<u8>, i64, i64)]) -> usize {
        run(frames)
            .iter()
            .filter(|h| *h == "DISASSOCTRAFFIC")
            .count()
    }

    #[test]
    fn data_after_a_forged_disconnect_fires() {
        // Deauthentication in the AP's name, then the client's data 2 s later.
        let frames = vec![
            (client_data(1), 100, 0),
            (disconnect(12, STA, AP, 2), 101, 0),
            (client_data(3), 103, 0),
            (client_data(4), 103, 1),
        ];
        let a = run_alerts(&frames, "");
        let a: Vec<_> = a.iter().filter(|a| a.header == "DISASSOCTRAFFIC").collect();
        assert_eq!(a.len(), 1);
        assert_eq!(
            a[0].text,
            "Suspicious traffic on 00:66:77:88:99:AA.  Data traffic within 10 seconds of disassociate."
        );
        assert_eq!(a[0].evidence, vec![3, 5]);
        // Disassociation in the client's name.
        let frames = vec![
            (disconnect(10, AP, STA, 1), 100, 0),
            (client_data(2), 100, 500),
        ];
        assert_eq!(count(&frames), 1);
        // A broadcast deauthentication: once per client.
        let frames = vec![
            (disconnect(12, [0xff; 6], AP, 1), 100, 0),
            (client_data(2), 101, 0),
            (client_data(3), 102, 0),
        ];
        assert_eq!(count(&frames), 1);
    }

    #[test]
    fn near_misses_do_not_fire() {
        // The client joins again first.
        let frames = vec![
            (disconnect(12, STA, AP, 1), 100, 0),
            (mgmt(11, AP, STA, AP, &[0, 0, 1, 0, 0, 0]), 100, 10),
            (mgmt(0, AP, STA, AP, &[0x31, 0x04, 10, 0]), 100, 20),
            (client_data(2), 101, 0),
        ];
        assert_eq!(count(&frames), 0);
        // The capture missed the join, but saw the client's handshake message.
        let frames = vec![
            (disconnect(12, STA, AP, 1), 100, 0),
            (
                data(true, false, [AP, STA, AP], 2, 0x888e, &[2, 3, 0, 0]),
                101,
                0,
            ),
            (client_data(3), 101, 10),
        ];
        assert_eq!(count(&frames), 0);
        // Data after the window.
        let frames = vec![
            (disconnect(12, STA, AP, 1), 100, 0),
            (client_data(2), 110, 0),
        ];
        assert_eq!(count(&frames), 0);
        // The AP's own data to other clients after disconnecting one (Kismet 2005 alerted).
        let other = [0x00, 0x66, 0x77, 0x88, 0x99, 0xbb];
        let frames = vec![
            (disconnect(12, STA, AP, 1), 100, 0),
            (
                data(false, true, [other, AP, AP], 2, 0x0800, &[0x45, 0]),
                101,
                0,
            ),
            (
                data(true, false, [AP, other, AP], 3, 0x0800, &[0x45, 0]),
                101,
                1,
            ),
        ];
        assert_eq!(count(&frames), 0);
        // A retransmission, and a null frame.
        let mut retry = client_data(2);
        retry[1] |= 0x08;
        let mut null = client_data(3);
        null[0] = 0x48;
        let frames = vec![
            (disconnect(12, STA, AP, 1), 100, 0),
            (retry, 100, 10),
            (null, 100, 20),
        ];
        assert_eq!(count(&frames), 0);
        // A shorter window is configurable.
        let frames = vec![
            (disconnect(12, STA, AP, 1), 100, 0),
            (client_data(2), 103, 0),
        ];
        let a = run_alerts(&frames, "disassoctraffic_window=2");
        assert!(a.iter().all(|a| a.header != "DISASSOCTRAFFIC"));
    }

    #[test]
    fn marks_are_bounded_and_expire() {
        let mut d = super::DisassocTraffic::new(None, 10, 2);
        d.pairs.insert(
            (kismetdb::MacAddr::ZERO, kismetdb::MacAddr::BROADCAST),
            super::Mark { at: 0, packet: 1 },
        );
        d.expire(9_999_999);
        assert_eq!(d.pairs.len(), 1);
        d.expire(10_000_000);
        assert!(d.pairs.is_empty());
        // With room for one mark, a second client's disconnect replaces the first.
        let other = [0x00, 0x66, 0x77, 0x88, 0x99, 0xbb];
        let frames = vec![
            (disconnect(12, STA, AP, 1), 100, 0),
            (disconnect(12, other, AP, 2), 100, 1),
            (
                data(true, false, [AP, other, AP], 3, 0x0800, &[0x45, 0]),
                101,
                0,
            ),
            (client_data(4), 101, 1),
        ];
        let a = run_alerts(&frames, "data_max_devices=1");
        let a: Vec<_> = a.iter().filter(|a| a.header == "DISASSOCTRAFFIC").collect();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].evidence, vec![3, 5]);
    }
}
