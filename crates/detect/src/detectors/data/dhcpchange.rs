//! **DHCPNAMECHANGE** and **DHCPOSCHANGE** (both SPOOF, LOW): a client's DHCP host name
//! (option 12) or vendor class (option 60, which names the DHCP client software and often the
//! operating system) changed.
//!
//! Trigger: an unprotected data frame carrying a client's own DHCP DISCOVER or REQUEST (op
//! BOOTREQUEST, option 53 = 1 or 3, not forwarded by a relay agent). Per (client MAC = the
//! frame's source, BSSID) the last non-empty host name and vendor class are remembered
//! (trailing NULs dropped); a request carrying a different non-empty value raises
//! DHCPNAMECHANGE or DHCPOSCHANGE, and the new value is remembered. A request without the
//! option leaves the remembered value alone.
//!
//! Both DISCOVERs and REQUESTs are compared: a client that reconnects to a network it knows
//! usually skips the DISCOVER and asks for its previous address with a REQUEST, and renews its
//! lease with REQUESTs, so DISCOVERs alone would rarely be seen twice. A client sends the same
//! options in both messages.
//!
//! Kismet 2025-09-R1 compares DISCOVERs only, recognised by a broadcast destination and UDP
//! ports 68 to 67, and reads the options at a fixed offset that assumes a 20-byte IPv4 header
//! (options in the IPv4 header shift them). Osprey parses IPv4, UDP and the DHCP options.
//! Kismet's text lacks the space before "changed"; Osprey's has it.
//!
//! Not an attack: a dual-boot machine, a renamed host, an update of the DHCP client (dhcpcd and
//! Android put their version in the vendor class).
//!
//! Memory: at most `data_max_devices` clients; a full table drops its least recently seen
//! tenth (counted in `/system/status.json`; see `crate::bounded`).

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};

use super::{client_request, printable, trim_nul};
use crate::bounded::BoundedMap;
use crate::{raise, Context, Detector, Findings};

/// DHCPNAMECHANGE's description.
pub const NAME_DESCRIPTION: &str = "A client's DHCP requests carry a host name different from the one it sent before; unless the host was renamed, another device may be using its MAC address";

/// DHCPOSCHANGE's description.
pub const OS_DESCRIPTION: &str = "A client's DHCP requests carry a vendor class (DHCP client software and often operating system) different from the one it sent before; unless the system was updated or booted into another operating system, another device may be using its MAC address";

/// One remembered option value and the packet it came from.
struct Value {
    bytes: Box<[u8]>,
    packet: u64,
}

/// What a client sent before.
#[derive(Default)]
struct Client {
    host: Option<Value>,
    vendor: Option<Value>,
}

/// The detector's state: a record per (client, BSSID).
pub struct DhcpChange {
    name: Option<AlertRef>,
    os: Option<AlertRef>,
    clients: BoundedMap<(MacAddr, MacAddr), Client>,
}

impl DhcpChange {
    pub(crate) fn new(name: Option<AlertRef>, os: Option<AlertRef>, max: usize) -> Self {
        DhcpChange {
            name,
            os,
            clients: BoundedMap::new(max),
        }
    }

    /// The record of `key`, created if needed; a full table drops its least recently seen
    /// tenth.
    fn client(&mut self, key: (MacAddr, MacAddr)) -> &mut Client {
        self.clients.get_or_insert_with(key, Client::default).0
    }
}

/// Compares a new option value with the remembered one and remembers the new one. Returns
/// the previous value and its packet when they differ.
fn update(slot: &mut Option<Value>, new: &[u8], packet: u64) -> Option<(Box<[u8]>, u64)> {
    if slot.as_ref().is_some_and(|v| *v.bytes == *new) {
        return None;
    }
    slot.replace(Value {
        bytes: new.into(),
        packet,
    })
    .map(|old| (old.bytes, old.packet))
}

impl Detector for DhcpChange {
    fn interest(&self) -> crate::Interest {
        crate::Interest::DATA.when(self.name.is_some() || self.os.is_some())
    }

    fn evicted(&self) -> u64 {
        self.clients.evicted()
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        if self.name.is_none() && self.os.is_none() {
            return;
        }
        let Some((m, _)) = client_request(ctx) else {
            return;
        };
        let p = ctx.packet;
        if p.source.is_zero() || p.source.is_multicast() {
            return;
        }
        let s = m.summary();
        let host = s.hostname.map(trim_nul).filter(|h| !h.is_empty());
        let vendor = s.vendor_class.map(trim_nul).filter(|v| !v.is_empty());
        if host.is_none() && vendor.is_none() {
            return;
        }
        let (name_ref, os_ref) = (self.name, self.os);
        let c = self.client((p.source, p.bssid));
        let mut changes = Vec::new();
        if let Some(v) = vendor {
            if let (Some(old), Some(r)) = (update(&mut c.vendor, v, p.packet_no), os_ref) {
                changes.push((r, "DHCPOSCHANGE", "vendor", old, v));
            }
        }
        if let Some(h) = host {
            if let (Some(old), Some(r)) = (update(&mut c.host, h, p.packet_no), name_ref) {
                changes.push((r, "DHCPNAMECHANGE", "hostname", old, h));
            }
        }
        for (r, header, what, (old, old_packet), new) in changes {
            let text = format!(
                "IEEE80211 network BSSID {} client {} changed advertised DHCP {what} from '{}' to '{}' which may indicate client spoofing or impersonation",
                p.bssid,
                p.source,
                printable(&old),
                printable(new)
            );
            let addrs = [p.bssid, p.source, p.dest, MacAddr::ZERO];
            f.record_evidence(
                header,
                raise(alerts, r, ctx, addrs, &text),
                vec![old_packet, p.packet_no],
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::frames::*;
    use crate::detectors::testing::*;

    fn req(kind: u8, host: Option<&[u8]>, vendor: Option<&[u8]>, seq: u16) -> Vec<u8> {
        let mut o: Vec<(u8, &[u8])> = Vec::new();
        if let Some(h) = host {
            o.push((12, h));
        }
        if let Some(v) = vendor {
            o.push((60, v));
        }
        client_dhcp(STA, AP, kind, &o, seq)
    }

    #[test]
    fn changed_host_name_and_vendor_fire() {
        let frames = vec![
            (req(1, Some(b"laptop"), Some(b"MSFT 5.0"), 1), 100, 0),
            (req(3, Some(b"phone"), Some(b"android-dhcp-14"), 2), 200, 0),
        ];
        let a = run_alerts(&frames, "");
        let name: Vec<_> = a.iter().filter(|a| a.header == "DHCPNAMECHANGE").collect();
        let os: Vec<_> = a.iter().filter(|a| a.header == "DHCPOSCHANGE").collect();
        assert_eq!((name.len(), os.len()), (1, 1));
        assert_eq!(
            name[0].text,
            "IEEE80211 network BSSID 00:11:22:33:44:55 client 00:66:77:88:99:AA changed advertised DHCP hostname from 'laptop' to 'phone' which may indicate client spoofing or impersonation"
        );
        assert!(os[0]
            .text
            .contains("changed advertised DHCP vendor from 'MSFT 5.0' to 'android-dhcp-14'"));
        assert_eq!(os[0].evidence, vec![1, 3]);
    }

    #[test]
    fn near_misses_do_not_fire() {
        let frames = vec![
            // The same values (one with a trailing NUL), then a request without them.
            (req(1, Some(b"laptop"), Some(b"MSFT 5.0"), 1), 100, 0),
            (req(3, Some(b"laptop\0"), Some(b"MSFT 5.0"), 2), 101, 0),
            (req(3, None, None, 3), 102, 0),
            (req(3, Some(b""), Some(b""), 4), 103, 0),
            (req(3, Some(b"laptop"), Some(b"MSFT 5.0"), 5), 104, 0),
            // An INFORM with another name is not compared.
            (req(8, Some(b"other"), None, 6), 105, 0),
        ];
        let h = run(&frames);
        assert!(!h
            .iter()
            .any(|h| h == "DHCPNAMECHANGE" || h == "DHCPOSCHANGE"));
        // Another client, or the same client on another network.
        let other = [0x00, 0x66, 0x77, 0x88, 0x99, 0xbb];
        let other_ap = [0x00, 0x11, 0x22, 0x33, 0x44, 0x66];
        let frames = vec![
            (req(1, Some(b"laptop"), None, 1), 100, 0),
            (client_dhcp(other, AP, 1, &[(12, b"phone")], 2), 101, 0),
            (client_dhcp(STA, other_ap, 1, &[(12, b"phone")], 3), 102, 0),
        ];
        let h = run(&frames);
        assert!(!h.iter().any(|h| h == "DHCPNAMECHANGE"));
    }

    #[test]
    fn table_is_bounded() {
        use kismetdb::MacAddr;
        let mut d = super::DhcpChange::new(None, None, 2);
        let key = |i| (MacAddr::new([0, 0, 0, 0, 0, i]), MacAddr::ZERO);
        d.client(key(1));
        d.client(key(2));
        // Client 1 seen again: client 2 is the least recently seen when 3 comes.
        d.client(key(1));
        d.client(key(3));
        assert_eq!(d.clients.len(), 2);
        assert!(d.clients.contains_key(&key(1)) && !d.clients.contains_key(&key(2)));
        assert_eq!(crate::Detector::evicted(&d), 1);
    }
}
