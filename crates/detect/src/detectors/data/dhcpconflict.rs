//! **DHCPCONFLICT** (SPOOF, LOW): a client sends IPv4 traffic from an address other than the
//! one DHCP just assigned to it.
//!
//! Trigger, per (BSSID, client MAC):
//!
//! * A DHCP ACK (op BOOTREPLY, option 53 = 5) with a non-zero yiaddr binds that address to
//!   the client named by its chaddr (or, without a 6-byte Ethernet chaddr, the frame's
//!   destination) for the lease time (option 51), at most `dhcpconflict_maxlease` seconds.
//!   An ACK answering an INFORM assigns nothing (yiaddr 0.0.0.0) and is ignored.
//! * The binding is forgotten when the client starts a new exchange (its own DISCOVER,
//!   REQUEST, DECLINE or RELEASE) or the server refuses it (NAK); the next ACK binds again.
//!   A lost ACK therefore means no alert rather than a false one.
//! * An unprotected IPv4 data frame from the client (its MAC as source, same BSSID) whose
//!   source address is not the bound one raises the alert, once per binding and offending
//!   address. Not compared: DHCP messages, 0.0.0.0, broadcast and multicast addresses, and
//!   IPv4 link-local addresses (169.254.0.0/16, which some systems keep alongside a lease).
//!
//! Kismet 2025-09-R1 registers this alert but never raises it. Osprey implements what its
//! description says.
//!
//! Not an attack: a client that routes for others without NAT (a router or bridge in client
//! mode, a VPN endpoint forwarding packets) sends other hosts' addresses; a MAC-translating
//! bridge collects several leases under one MAC, so all but the latest look wrong.
//!
//! Memory: at most `data_max_devices` bindings; a full table drops its least recently used
//! tenth (a binding is used by its ACK and by the client's traffic; counted in
//! `/system/status.json`, see `crate::bounded`).

use std::net::Ipv4Addr;

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};
use osprey_wire::ieee80211::FrameType;
use osprey_wire::{dhcp, ipv4, llc};

use super::{micros, relayed};
use crate::bounded::BoundedMap;
use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "A client was given an address by DHCP but sends traffic from another address; it may be misconfigured, or another device may be using its MAC address";

/// One address assigned by an ACK.
struct Binding {
    addr: [u8; 4],
    /// End of the binding, capture time in microseconds.
    expires: i64,
    /// The ACK's packet number.
    ack: u64,
    /// The last address reported for this binding.
    reported: Option<[u8; 4]>,
}

/// The detector's state: the bindings.
pub struct DhcpConflict {
    r: Option<AlertRef>,
    max_lease: i64,
    bindings: BoundedMap<(MacAddr, MacAddr), Binding>,
}

impl DhcpConflict {
    pub(crate) fn new(r: Option<AlertRef>, max_lease_us: i64, max: usize) -> Self {
        DhcpConflict {
            r,
            max_lease: max_lease_us,
            bindings: BoundedMap::new(max),
        }
    }

    /// Stores a binding; a full table drops its least recently used tenth.
    fn bind(&mut self, key: (MacAddr, MacAddr), b: Binding) {
        self.bindings.insert(key, b);
    }

    /// Updates the bindings from a DHCP message.
    fn dhcp(&mut self, ctx: &Context<'_, '_>, m: &dhcp::Packet<&[u8]>) {
        let p = ctx.packet;
        let Some(kind) = m.message_type() else {
            return;
        };
        let chaddr = m.client_mac().map(MacAddr::new);
        match (m.op(), kind) {
            (dhcp::BOOTREPLY, dhcp::MessageType::Ack) => {
                let yiaddr = m.yiaddr();
                let client = chaddr.unwrap_or(p.dest);
                if yiaddr == [0; 4] || client.is_zero() || client.is_multicast() {
                    return;
                }
                let now = micros(ctx.now());
                let lease = m.summary().lease_time.map_or(self.max_lease, |s| {
                    (i64::from(s) * 1_000_000).min(self.max_lease)
                });
                self.bind(
                    (p.bssid, client),
                    Binding {
                        addr: yiaddr,
                        expires: now.saturating_add(lease),
                        ack: p.packet_no,
                        reported: None,
                    },
                );
            }
            (dhcp::BOOTREPLY, dhcp::MessageType::Nak) => {
                if let Some(c) = chaddr {
                    self.bindings.remove(&(p.bssid, c));
                }
            }
            (
                dhcp::BOOTREQUEST,
                dhcp::MessageType::Discover
                | dhcp::MessageType::Request
                | dhcp::MessageType::Decline
                | dhcp::MessageType::Release,
            ) if !relayed(m) => {
                self.bindings.remove(&(p.bssid, p.source));
                if let Some(c) = chaddr {
                    self.bindings.remove(&(p.bssid, c));
                }
            }
            _ => {}
        }
    }
}

/// Source addresses never compared with a binding.
fn ignored(a: [u8; 4]) -> bool {
    let ip = Ipv4Addr::from(a);
    ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() || ip.is_link_local()
}

impl Detector for DhcpConflict {
    fn evicted(&self) -> u64 {
        self.bindings.evicted()
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
        let Some((ethertype, l3)) = d.llc() else {
            return;
        };
        if ethertype != llc::ethertype::IPV4 {
            return;
        }
        if let Some(m) = d.dhcp() {
            self.dhcp(ctx, &m);
            return;
        }
        if self.bindings.is_empty() {
            return;
        }
        // Only the source address is needed: a datagram cut short by the capture still has it.
        let ip = ipv4::Packet::new_unchecked(l3);
        if l3.len() < ipv4::HEADER_LEN || ip.version() != 4 {
            return;
        }
        let src = ip.src_addr();
        if ignored(src) {
            return;
        }
        let key = (p.bssid, p.source);
        let Some(b) = self.bindings.get_mut(&key) else {
            return;
        };
        if micros(ctx.now()) > b.expires {
            self.bindings.remove(&key);
            return;
        }
        if src == b.addr || b.reported == Some(src) {
            return;
        }
        b.reported = Some(src);
        let evidence = vec![b.ack, p.packet_no];
        let text = format!(
            "IEEE80211 network BSSID {} client {} is using IP {} instead of the IP {} assigned to it by DHCP, which may indicate a misconfigured client or client spoofing",
            p.bssid,
            p.source,
            Ipv4Addr::from(src),
            Ipv4Addr::from(b.addr)
        );
        let addrs = [p.bssid, p.source, p.dest, MacAddr::ZERO];
        f.record_evidence(
            "DHCPCONFLICT",
            raise(alerts, r, ctx, addrs, &text),
            evidence,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::frames::*;
    use crate::detectors::testing::*;

    const SERVER: [u8; 6] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x01];
    const GIVEN: [u8; 4] = [192, 168, 1, 50];

    /// The server's ACK giving `addr` to STA, sent by the AP to the client (from-DS).
    fn ack(addr: [u8; 4], lease: Option<u32>, seq: u16) -> Vec<u8> {
        let l = lease.map(u32::to_be_bytes);
        let mut opts: Vec<(u8, &[u8])> = vec![(53, &[5])];
        if let Some(l) = &l {
            opts.push((51, l));
        }
        let m = dhcp(2, STA, addr, &opts);
        let ip = udp([192, 168, 1, 1], addr, 67, 68, &m);
        data(false, true, [STA, AP, SERVER], seq, 0x0800, &ip)
    }

    /// An ICMP packet from STA with source address `src` (to-DS).
    fn traffic(src: [u8; 4], seq: u16) -> Vec<u8> {
        let ip = ipv4(src, [8, 8, 8, 8], 1, &[8, 0, 0, 0, 0, 0, 0, 0]);
        data(true, false, [AP, STA, SERVER], seq, 0x0800, &ip)
    }

    fn count(frames: &[(Vec<u8>, i64, i64)]) -> usize {
        run(frames).iter().filter(|h| *h == "DHCPCONFLICT").count()
    }

    #[test]
    fn traffic_from_another_address_after_an_ack_fires_once() {
        let frames = vec![
            (ack(GIVEN, Some(3600), 1), 100, 0),
            (traffic(GIVEN, 2), 101, 0),
            (traffic([192, 168, 1, 77], 3), 102, 0),
            (traffic([192, 168, 1, 77], 4), 103, 0),
        ];
        let a = run_alerts(&frames, "");
        let a: Vec<_> = a.iter().filter(|a| a.header == "DHCPCONFLICT").collect();
        assert_eq!(a.len(), 1);
        assert!(a[0]
            .text
            .contains("is using IP 192.168.1.77 instead of the IP 192.168.1.50"));
        // Evidence: the ACK (packet 1) and the offending frame (packet 5).
        assert_eq!(a[0].evidence, vec![1, 5]);
    }

    #[test]
    fn near_misses_do_not_fire() {
        // The assigned address, 0.0.0.0 and link-local.
        let frames = vec![
            (ack(GIVEN, None, 1), 100, 0),
            (traffic(GIVEN, 2), 101, 0),
            (traffic([0, 0, 0, 0], 3), 101, 1),
            (traffic([169, 254, 3, 4], 4), 101, 2),
        ];
        assert_eq!(count(&frames), 0);
        // No ACK seen.
        assert_eq!(count(&[(traffic([10, 0, 0, 9], 1), 100, 0)]), 0);
        // A new exchange (DISCOVER) forgets the binding; the lost ACK means no alert.
        let frames = vec![
            (ack(GIVEN, None, 1), 100, 0),
            (client_dhcp(STA, AP, 1, &[], 2), 200, 0),
            (traffic([192, 168, 1, 99], 3), 201, 0),
        ];
        assert_eq!(count(&frames), 0);
        // A new ACK moves the binding.
        let frames = vec![
            (ack(GIVEN, None, 1), 100, 0),
            (ack([192, 168, 1, 99], None, 2), 150, 0),
            (traffic([192, 168, 1, 99], 3), 201, 0),
        ];
        assert_eq!(count(&frames), 0);
        // The lease ran out.
        let frames = vec![
            (ack(GIVEN, Some(60), 1), 100, 0),
            (traffic([192, 168, 1, 99], 2), 161, 0),
        ];
        assert_eq!(count(&frames), 0);
        // Another network (BSSID).
        let other_ap = [0x00, 0x11, 0x22, 0x33, 0x44, 0x66];
        let ip = ipv4([192, 168, 1, 99], [8, 8, 8, 8], 1, &[8, 0, 0, 0]);
        let frames = vec![
            (ack(GIVEN, None, 1), 100, 0),
            (
                data(true, false, [other_ap, STA, SERVER], 2, 0x0800, &ip),
                101,
                0,
            ),
        ];
        assert_eq!(count(&frames), 0);
    }

    #[test]
    fn table_is_bounded() {
        use kismetdb::MacAddr;
        let mut d = super::DhcpConflict::new(None, 1_000_000, 2);
        let b = |expires| super::Binding {
            addr: [10, 0, 0, 1],
            expires,
            ack: 1,
            reported: None,
        };
        let key = |i| (MacAddr::ZERO, MacAddr::new([0, 0, 0, 0, 0, i]));
        d.bind(key(1), b(50));
        d.bind(key(2), b(40));
        // The client of binding 1 sends traffic: 2 is the least recently used.
        assert!(d.bindings.get_mut(&key(1)).is_some());
        d.bind(key(3), b(60));
        assert_eq!(d.bindings.len(), 2);
        assert!(d.bindings.contains_key(&key(1)) && !d.bindings.contains_key(&key(2)));
        d.bind(key(4), b(100));
        assert!(d.bindings.contains_key(&key(3)) && d.bindings.contains_key(&key(4)));
        // Replacing an existing key evicts nothing.
        d.bind(key(4), b(120));
        assert_eq!(d.bindings.len(), 2);
        assert_eq!(crate::Detector::evicted(&d), 2);
    }
}
