//! The decoded link layers of a [`Packet`](crate::Packet): an 802.11 frame or a Bluetooth LE
//! link-layer packet, kept as borrowed bytes plus the few fields every consumer needs, with the
//! rest parsed on demand through `osprey-wire` views.

use kismetdb::MacAddr;
use osprey_wire::ieee80211::{self, ie, Frame, FrameControl, FrameType};
use osprey_wire::radio::RadioInfo;

use crate::Packet;

/// An 802.11 frame (without its FCS).
#[derive(Clone, Copy, Debug)]
pub struct Dot11<'a> {
    frame: &'a [u8],
    fc: FrameControl,
    header_len: usize,
}

fn mac(m: Option<[u8; 6]>) -> MacAddr {
    m.map(MacAddr::new).unwrap_or(MacAddr::ZERO)
}

impl<'a> Dot11<'a> {
    /// Checks and wraps an 802.11 frame (FCS already removed).
    pub fn parse(buf: &'a [u8]) -> Result<Dot11<'a>, osprey_wire::Error> {
        let f = Frame::new_checked(buf)?;
        Ok(Dot11 {
            frame: buf,
            fc: f.frame_control(),
            header_len: f.header_len(),
        })
    }

    /// The frame bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.frame
    }

    /// The same frame over `frame`, a copy of its bytes (for [`crate::pipeline`]).
    pub(crate) fn with_bytes<'b>(&self, frame: &'b [u8]) -> Dot11<'b> {
        Dot11 {
            frame,
            fc: self.fc,
            header_len: self.header_len,
        }
    }

    /// A typed view of the frame.
    pub fn view(&self) -> Frame<&'a [u8]> {
        Frame::new_unchecked(self.frame)
    }

    /// Frame control.
    pub fn frame_control(&self) -> FrameControl {
        self.fc
    }

    /// Frame type.
    pub fn frame_type(&self) -> FrameType {
        self.fc.frame_type()
    }

    /// Frame subtype.
    pub fn subtype(&self) -> u8 {
        self.fc.subtype()
    }

    /// The bytes after the MAC header.
    pub fn body(&self) -> &'a [u8] {
        self.frame.get(self.header_len..).unwrap_or(&[])
    }

    /// The information elements of a management frame that has them (not protected).
    pub fn elements(&self) -> Option<ie::Elements<'a>> {
        if self.frame_type() != FrameType::Management || self.fc.protected() {
            return None;
        }
        let off = ieee80211::elements_offset(self.subtype())?;
        self.body().get(off..).map(ie::Elements::new)
    }

    /// The first SSID element's bytes (any bytes; empty or zeros for a hidden network).
    pub fn ssid(&self) -> Option<&'a [u8]> {
        self.elements()?
            .find(|e| e.id == ie::id::SSID)
            .map(|e| e.data)
    }

    /// Appends Kismet's frame-level packet tags (space separated): `DOT11_PROBE_REQ` on probe,
    /// association and reassociation requests, `DOT11_DISASSOCIATION`,
    /// `DOT11_DEAUTHENTICATION`, and `DOT11_WPAHANDSHAKE` on EAPOL-Key frames, followed by
    /// `DOT11_RSNPMKID` when the key data carries a PMKID.
    pub fn kismet_tags(&self, out: &mut String) {
        let mut push = |t: &str| {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(t);
        };
        match (self.frame_type(), self.subtype()) {
            (FrameType::Management, 0 | 2 | 4) => push("DOT11_PROBE_REQ"),
            (FrameType::Management, 10) => push("DOT11_DISASSOCIATION"),
            (FrameType::Management, 12) => push("DOT11_DEAUTHENTICATION"),
            (FrameType::Data, _) => {
                if let Some(e) = self.eapol() {
                    if let Ok(k) = e.key() {
                        push("DOT11_WPAHANDSHAKE");
                        // A PMKID KDE: type 0xdd, OUI 00-0f-ac, data type 4.
                        let kd = k.key_data();
                        if kd
                            .windows(6)
                            .any(|w| w[0] == 0xdd && w[2..6] == [0x00, 0x0f, 0xac, 0x04])
                        {
                            push("DOT11_RSNPMKID");
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// The capability field of management frames that carry one (association, reassociation,
    /// probe response, beacon), read at its position for the subtype.
    pub fn capability(&self) -> Option<u16> {
        if self.frame_type() != FrameType::Management {
            return None;
        }
        let at = match self.subtype() {
            0..=3 => 0,
            5 | 8 => 10,
            _ => return None,
        };
        self.body()
            .get(at..at + 2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
    }

    /// The IBSS (ad-hoc) bit of the capability field, where the frame has one.
    pub fn ibss_capability(&self) -> bool {
        self.capability().is_some_and(|c| c & 0x0002 != 0)
    }

    /// The LLC/SNAP payload of an unprotected data frame that carries data, as (EtherType,
    /// payload). `None` for protected, null and A-MSDU frames.
    pub fn llc(&self) -> Option<(u16, &'a [u8])> {
        if self.frame_type() != FrameType::Data || self.fc.protected() {
            return None;
        }
        // Subtypes with bit 2 set (null, CF-Ack, CF-Poll, QoS null, ...) carry no data.
        if self.subtype() & 0x4 != 0 || self.view().amsdu_present() {
            return None;
        }
        osprey_wire::llc::ethertype_and_payload(self.body())
    }

    /// The EAPOL frame in an unprotected data frame (EtherType 0x888E).
    pub fn eapol(&self) -> Option<osprey_wire::eapol::Eapol<&'a [u8]>> {
        match self.llc()? {
            (osprey_wire::llc::ethertype::EAPOL, payload) => {
                osprey_wire::eapol::Eapol::new_checked(payload).ok()
            }
            _ => None,
        }
    }

    /// The DHCP message in an unprotected IPv4/UDP data frame (ports 67 and 68).
    pub fn dhcp(&self) -> Option<osprey_wire::dhcp::Packet<&'a [u8]>> {
        use osprey_wire::{dhcp, ipv4, udp};
        let (ethertype, l3) = self.llc()?;
        if ethertype != osprey_wire::llc::ethertype::IPV4 {
            return None;
        }
        let ip = ipv4::Packet::new_checked(l3).ok()?;
        if ip.protocol() != ipv4::protocol::UDP || ip.is_fragment() {
            return None;
        }
        let l4 = l3.get(ip.header_len()..usize::from(ip.total_len()))?;
        let u = udp::Packet::new_checked(l4).ok()?;
        let ports = [u.src_port(), u.dst_port()];
        if !ports.contains(&dhcp::SERVER_PORT) && !ports.contains(&dhcp::CLIENT_PORT) {
            return None;
        }
        dhcp::Packet::new_checked(l4.get(8..usize::from(u.len()))?).ok()
    }

    /// Sets source, destination, transmitter and BSSID with the meaning Kismet gives them.
    ///
    /// * Management frames: destination addr1, source addr2, BSSID addr3.
    /// * Data frames by the DS bits: none — destination addr1, source addr2, BSSID addr3;
    ///   to-DS — BSSID addr1, source addr2, destination addr3; from-DS — destination addr1,
    ///   BSSID addr2, source addr3; both (WDS) — BSSID (receiver) addr1, transmitter addr2,
    ///   destination addr3, source addr4. Only WDS frames have a transmitter.
    /// * Control frames as Kismet 2025-09-R1 records them: RTS, BlockAckReq and most others
    ///   source addr2 / destination addr1; BlockAck source addr1 / destination addr2 (swapped);
    ///   CTS and ACK, which only have a receiver, addr1 as both; PS-Poll addr1 (the BSSID) as
    ///   source; CF-End none.
    pub(crate) fn fill_addresses(&self, p: &mut Packet<'_>) {
        let v = self.view();
        let (a1, a2, a3, a4) = (
            mac(v.addr1()),
            mac(v.addr2()),
            mac(v.addr3()),
            mac(v.addr4()),
        );
        match self.frame_type() {
            FrameType::Management => {
                p.dest = a1;
                p.source = a2;
                p.bssid = a3;
            }
            FrameType::Data => match (self.fc.to_ds(), self.fc.from_ds()) {
                (false, false) => {
                    p.dest = a1;
                    p.source = a2;
                    p.bssid = a3;
                }
                (true, false) => {
                    p.bssid = a1;
                    p.source = a2;
                    p.dest = a3;
                }
                (false, true) => {
                    p.dest = a1;
                    p.bssid = a2;
                    p.source = a3;
                }
                (true, true) => {
                    p.bssid = a1;
                    p.transmitter = a2;
                    p.dest = a3;
                    p.source = a4;
                }
            },
            FrameType::Control => match self.subtype() {
                9 => {
                    p.source = a1;
                    p.dest = a2;
                }
                10 => {
                    p.source = a1;
                    p.bssid = a1;
                }
                12 | 13 => {
                    p.source = a1;
                    p.dest = a1;
                }
                14 | 15 => {}
                _ => {
                    p.source = a2;
                    p.dest = a1;
                }
            },
            FrameType::Extension => {}
        }
    }
}

/// A Bluetooth LE link-layer packet (access address, PDU, CRC).
#[derive(Clone, Copy, Debug)]
pub struct Btle<'a> {
    /// The link-layer packet bytes.
    pub ll: &'a [u8],
    /// The capture says the CRC check failed.
    pub crc_bad: bool,
    /// RF channel (0–39), when the capture says.
    pub rf_channel: Option<u8>,
}

impl<'a> Btle<'a> {
    /// Removes the capture header of a BLE link type (251, 256 or 272).
    pub fn decap(dlt: u32, data: &'a [u8]) -> Result<(Btle<'a>, RadioInfo), osprey_wire::Error> {
        use osprey_wire::btle;
        let mut radio = RadioInfo::default();
        match dlt {
            osprey_capture::dlt::BTLE_LL_PHDR => {
                let (info, ll) = btle::decap_phdr(data)?;
                radio.signal_dbm = info.signal_dbm.map(i32::from);
                radio.noise_dbm = info.noise_dbm.map(i32::from);
                radio.freq_mhz = info.freq_mhz;
                Ok((
                    Btle {
                        ll,
                        crc_bad: info.crc_checked && !info.crc_valid,
                        rf_channel: Some(info.rf_channel),
                    },
                    radio,
                ))
            }
            osprey_capture::dlt::NORDIC_BLE => {
                let (info, ll) = btle::decap_nordic(data)?;
                radio.signal_dbm = Some(i32::from(info.rssi_dbm));
                radio.freq_mhz = info.freq_mhz;
                Ok((
                    Btle {
                        ll,
                        crc_bad: !info.crc_ok,
                        rf_channel: Some(info.channel),
                    },
                    radio,
                ))
            }
            _ => Ok((
                Btle {
                    ll: data,
                    crc_bad: false,
                    rf_channel: None,
                },
                radio,
            )),
        }
    }

    /// A typed view of the link-layer packet, if it is long enough.
    pub fn packet(&self) -> Option<osprey_wire::btle::LlPacket<&'a [u8]>> {
        osprey_wire::btle::LlPacket::new_checked(self.ll).ok()
    }

    /// Sets source and transmitter to the advertiser address of advertising PDUs that carry
    /// one (Kismet records the advertiser as both).
    pub(crate) fn fill_addresses(&self, p: &mut Packet<'_>) {
        if let Some(pkt) = self.packet() {
            if pkt.is_advertising() {
                if let Some(a) = pkt.adv_address() {
                    p.source = MacAddr::new(a);
                    p.transmitter = MacAddr::new(a);
                }
            }
        }
    }
}
