//! **DHCPCLIENTID** (SPOOF, LOW; registered for phy "unknown", as Kismet does): a DHCP
//! client names, in its client identifier, a MAC address other than the one it sends from.
//!
//! Trigger: an unprotected data frame carrying a DHCP DISCOVER or REQUEST (op BOOTREQUEST,
//! option 53 = 1 or 3) that no relay agent forwarded (giaddr 0.0.0.0 and hops 0), whose first
//! client identifier (option 61) has hardware type 1 (Ethernet) and a 6-byte address that
//! differs from the frame's source address. A tool exhausting the DHCP pool sends many such
//! requests, each claiming another client, from one radio.
//!
//! Kismet 2025-09-R1 looks only at DISCOVERs, and tests the number of option-61 *occurrences*
//! (it must be exactly 7) instead of the option's length, so it practically never fires; it
//! also reads the options from a fixed offset. Osprey walks the options and tests the
//! identifier itself.
//!
//! Not an attack: a client-mode bridge or repeater that translates MAC addresses forwards its
//! wired clients' requests under its own address, and so raises this alert for each of them.
//! Frames in 4-address (WDS) form carry the original sender as source and do not.

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};

use super::client_request;
use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "A DHCP client's identifier (option 61) names a hardware address other than the one its request was sent from; a client doing so may be exhausting the DHCP address pool with requests made in other clients' names";

/// The detector (stateless).
pub struct DhcpClientId {
    r: Option<AlertRef>,
}

impl DhcpClientId {
    pub(crate) fn new(r: Option<AlertRef>) -> Self {
        DhcpClientId { r }
    }
}

impl Detector for DhcpClientId {
    fn interest(&self) -> crate::Interest {
        crate::Interest::DATA.when(self.r.is_some())
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let Some(r) = self.r else { return };
        let Some((m, kind)) = client_request(ctx) else {
            return;
        };
        let p = ctx.packet;
        let Some(id) = m.summary().client_id.and_then(|c| c.mac()) else {
            return;
        };
        let id = MacAddr::new(id);
        if id == p.source || p.source.is_zero() {
            return;
        }
        let text = format!(
            "DHCP request from {} doesn't match DHCP {kind} client id {id} which can indicate a DHCP spoofing attack",
            p.source
        );
        let addrs = [p.bssid, p.source, p.dest, MacAddr::ZERO];
        f.record("DHCPCLIENTID", raise(alerts, r, ctx, addrs, &text));
    }
}

#[cfg(test)]
mod tests {
    use super::super::frames::*;
    use crate::detectors::testing::*;

    const OTHER: [u8; 6] = [0x02, 0xde, 0xad, 0xbe, 0xef, 0x01];

    /// A server's ACK to STA carrying client id `cid` (from-DS).
    fn server_ack(cid: &[u8]) -> Vec<u8> {
        let m = dhcp(2, STA, [10, 0, 0, 5], &[(53, &[5]), (61, cid)]);
        let ip = udp([10, 0, 0, 1], [10, 0, 0, 5], 67, 68, &m);
        data(false, true, [STA, AP, AP], 9, 0x0800, &ip)
    }

    fn fired(frames: &[(Vec<u8>, i64, i64)]) -> usize {
        run(frames).iter().filter(|h| *h == "DHCPCLIENTID").count()
    }

    #[test]
    fn client_id_naming_another_mac_fires() {
        let mut cid = vec![1];
        cid.extend(OTHER);
        let frames = vec![
            (client_dhcp(STA, AP, 1, &[(61, &cid)], 1), 100, 0),
            (client_dhcp(STA, AP, 3, &[(61, &cid)], 2), 102, 0),
        ];
        let a = run_alerts(&frames, "");
        let a: Vec<_> = a.iter().filter(|a| a.header == "DHCPCLIENTID").collect();
        assert_eq!(a.len(), 2);
        assert!(a[0]
            .text
            .contains("DHCP DISCOVER client id 02:DE:AD:BE:EF:01"));
        assert!(a[1].text.contains("DHCP REQUEST client id"));
        assert!(a[0]
            .text
            .starts_with("DHCP request from 00:66:77:88:99:AA "));
    }

    #[test]
    fn near_misses_do_not_fire() {
        // The client's own MAC.
        let mut own = vec![1];
        own.extend(STA);
        // Not an Ethernet identifier (RFC 4361 IAID/DUID), or the wrong length.
        let mut duid = vec![255];
        duid.extend(OTHER);
        let mut long = vec![1];
        long.extend(OTHER);
        long.push(0);
        let mut other = vec![1];
        other.extend(OTHER);
        let frames = vec![
            (client_dhcp(STA, AP, 1, &[(61, &own)], 1), 100, 0),
            (client_dhcp(STA, AP, 1, &[(61, &duid)], 2), 100, 1),
            (client_dhcp(STA, AP, 1, &[(61, &long)], 3), 100, 2),
            // An INFORM, and a server's reply, are not requests for an address.
            (client_dhcp(STA, AP, 8, &[(61, &other)], 4), 100, 3),
            (server_ack(&other), 100, 4),
        ];
        assert_eq!(fired(&frames), 0);
        // A relayed request (hops 1) comes from the relay.
        let mut f = client_dhcp(STA, AP, 1, &[(61, &other)], 5);
        // 802.11 header 24 + LLC 8 + IPv4 20 + UDP 8, then byte 3 of the DHCP message.
        f[24 + 8 + 20 + 8 + 3] = 1;
        assert_eq!(fired(&[(f, 100, 0)]), 0);
    }
}
