//! EAPOL (IEEE 802.1X) frames and the EAPOL-Key frames of the WPA/RSN 4-way and group-key
//! handshakes.
//!
//! The views start at the EAPOL header, i.e. after the LLC/SNAP header with EtherType 0x888E
//! that precedes it in 802.11 data frames (see [`crate::llc`]).
//!
//! ```text
//! EAPOL:      version(1) type(1) body length(2, BE) body
//! EAPOL-Key:  descriptor type(1) key info(2, BE) key length(2, BE) replay counter(8, BE)
//!             nonce(32) IV(16) RSC(8) reserved(8) MIC(n) key data length(2, BE) key data
//! ```
//!
//! The MIC is 16 bytes for the classic AKMs (PSK, 802.1X, SAE, their SHA-256 and FT
//! variants); 24 bytes for the SHA-384 AKMs such as Suite-B-192; 0 for FILS; 16/24/32 for OWE,
//! DPP and SAE-EXT-KEY depending on the group (see [`Akm::mic_len`]). [`EapolKey::new_checked`]
//! assumes 16; use [`EapolKey::new_checked_with_mic_len`] once the AKM is known.
//!
//! [`Akm::mic_len`]: crate::ieee80211::ie::Akm::mic_len

use crate::ieee80211::read;
use crate::{Error, Result};

const LAYER: &str = "EAPOL";
const KEY_LAYER: &str = "EAPOL-Key";

/// EAPOL packet types.
pub mod packet_type {
    /// EAP-Packet.
    pub const EAP_PACKET: u8 = 0;
    /// EAPOL-Start.
    pub const START: u8 = 1;
    /// EAPOL-Logoff.
    pub const LOGOFF: u8 = 2;
    /// EAPOL-Key.
    pub const KEY: u8 = 3;
    /// EAPOL-Encapsulated-ASF-Alert.
    pub const ASF_ALERT: u8 = 4;
    /// EAPOL-MKA (MACsec key agreement).
    pub const MKA: u8 = 5;
    /// EAPOL-Announcement (generic).
    pub const ANNOUNCEMENT_GENERIC: u8 = 6;
    /// EAPOL-Announcement (specific).
    pub const ANNOUNCEMENT_SPECIFIC: u8 = 7;
    /// EAPOL-Announcement-Req.
    pub const ANNOUNCEMENT_REQ: u8 = 8;
}

/// EAPOL packet type as an enum.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PacketType {
    /// EAP-Packet (0).
    EapPacket,
    /// EAPOL-Start (1).
    Start,
    /// EAPOL-Logoff (2).
    Logoff,
    /// EAPOL-Key (3).
    Key,
    /// EAPOL-Encapsulated-ASF-Alert (4).
    AsfAlert,
    /// EAPOL-MKA (5).
    Mka,
    /// EAPOL-Announcement, generic (6), specific (7) or request (8).
    Announcement(u8),
    /// Any other value.
    Unknown(u8),
}

impl From<u8> for PacketType {
    fn from(v: u8) -> PacketType {
        match v {
            0 => PacketType::EapPacket,
            1 => PacketType::Start,
            2 => PacketType::Logoff,
            3 => PacketType::Key,
            4 => PacketType::AsfAlert,
            5 => PacketType::Mka,
            6..=8 => PacketType::Announcement(v),
            _ => PacketType::Unknown(v),
        }
    }
}

/// A view over an EAPOL frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Eapol<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Eapol<T> {
    /// Header length.
    pub const HEADER_LEN: usize = 4;

    /// Wrap a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Eapol<T> {
        Eapol { buffer }
    }
    /// Wrap a buffer, checking that the header and the body its length announces are present
    /// (bytes after the body, such as Ethernet padding, are allowed and ignored).
    pub fn new_checked(buffer: T) -> Result<Eapol<T>> {
        let e = Eapol::new_unchecked(buffer);
        e.check_len()?;
        Ok(e)
    }
    /// The check [`Eapol::new_checked`] makes.
    pub fn check_len(&self) -> Result<()> {
        let buf = self.buffer.as_ref();
        let Some(len) = read::be16(buf, 2) else {
            return Err(Error::truncated(LAYER, buf.len()));
        };
        if buf.len() < Self::HEADER_LEN + usize::from(len) {
            return Err(Error::truncated(LAYER, buf.len()));
        }
        Ok(())
    }
    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
    /// Protocol version (1: 802.1X-2001, 2: 802.1X-2004, 3: 802.1X-2010).
    pub fn version(&self) -> u8 {
        read::u8_at(self.buffer.as_ref(), 0).unwrap_or(0)
    }
    /// Packet type byte, see [`packet_type`].
    pub fn packet_type_raw(&self) -> u8 {
        read::u8_at(self.buffer.as_ref(), 1).unwrap_or(0)
    }
    /// Packet type.
    pub fn packet_type(&self) -> PacketType {
        PacketType::from(self.packet_type_raw())
    }
    /// Body length field.
    pub fn body_len(&self) -> u16 {
        read::be16(self.buffer.as_ref(), 2).unwrap_or(0)
    }
    /// The body, bounded by the body length field (and by the buffer).
    pub fn body(&self) -> &[u8] {
        let b = read::tail(self.buffer.as_ref(), Self::HEADER_LEN);
        b.get(..usize::from(self.body_len())).unwrap_or(b)
    }
    /// The body as an EAPOL-Key frame with a 16-byte MIC (`Unsupported` when this is not a
    /// Key packet).
    pub fn key(&self) -> Result<EapolKey<&[u8]>> {
        if self.packet_type_raw() != packet_type::KEY {
            return Err(Error::unsupported(LAYER, 1));
        }
        EapolKey::new_checked(self.body())
    }
    /// The body as an EAPOL-Key frame, with the MIC length taken from the frame itself: the
    /// first of 16, 24 and 32 bytes for which the key data ends exactly where the EAPOL body
    /// ends (the AKM, which fixes the MIC length, is not in the frame; a 24-byte MIC read as
    /// 16 bytes would put the key data length inside the MIC). When no length fits exactly
    /// (bytes after the key data), the 16-byte reading of [`Eapol::key`].
    pub fn key_fitted(&self) -> Result<EapolKey<&[u8]>> {
        if self.packet_type_raw() != packet_type::KEY {
            return Err(Error::unsupported(LAYER, 1));
        }
        let body = self.body();
        for mic_len in [16, 24, 32] {
            if let Ok(k) = EapolKey::new_checked_with_mic_len(body, mic_len) {
                if k.key_data_len_offset() + 2 + usize::from(k.key_data_len()) == body.len() {
                    return Ok(k);
                }
            }
        }
        EapolKey::new_checked(body)
    }
}

/// EAPOL-Key descriptor types.
pub mod descriptor {
    /// RC4 descriptor (legacy 802.1X dynamic WEP; different layout, not decoded here).
    pub const RC4: u8 = 1;
    /// IEEE 802.11 / RSN key descriptor (WPA2/WPA3).
    pub const RSN: u8 = 2;
    /// WPA key descriptor (pre-802.11i WPA).
    pub const WPA: u8 = 254;
}

/// Key Information field of an EAPOL-Key frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct KeyInfo(pub u16);

impl KeyInfo {
    /// Key descriptor version (bits 0..3): 1 HMAC-MD5/RC4 (TKIP), 2 HMAC-SHA1/AES (CCMP),
    /// 3 AES-CMAC, 0 defined by the AKM.
    pub const fn descriptor_version(self) -> u8 {
        (self.0 & 0x7) as u8
    }
    /// Key Type (bit 3): pairwise (PTK) rather than group.
    pub const fn pairwise(self) -> bool {
        self.0 & 0x0008 != 0
    }
    /// Key Index (bits 4..6, WPA only).
    pub const fn key_index(self) -> u8 {
        ((self.0 >> 4) & 3) as u8
    }
    /// Install (bit 6).
    pub const fn install(self) -> bool {
        self.0 & 0x0040 != 0
    }
    /// Key Ack (bit 7): sent by the authenticator and expecting a reply.
    pub const fn ack(self) -> bool {
        self.0 & 0x0080 != 0
    }
    /// Key MIC (bit 8): the frame carries a MIC.
    pub const fn mic(self) -> bool {
        self.0 & 0x0100 != 0
    }
    /// Secure (bit 9).
    pub const fn secure(self) -> bool {
        self.0 & 0x0200 != 0
    }
    /// Error (bit 10): MIC failure report.
    pub const fn error(self) -> bool {
        self.0 & 0x0400 != 0
    }
    /// Request (bit 11): the supplicant asks for a handshake.
    pub const fn request(self) -> bool {
        self.0 & 0x0800 != 0
    }
    /// Encrypted Key Data (bit 12).
    pub const fn encrypted_key_data(self) -> bool {
        self.0 & 0x1000 != 0
    }
    /// SMK Message (bit 13, PeerKey).
    pub const fn smk_message(self) -> bool {
        self.0 & 0x2000 != 0
    }
}

/// A view over the body of an EAPOL-Key frame (RSN or WPA descriptor).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EapolKey<T: AsRef<[u8]>> {
    buffer: T,
    mic_len: usize,
}

mod field {
    pub const DESCRIPTOR: usize = 0;
    pub const KEY_INFO: usize = 1;
    pub const KEY_LEN: usize = 3;
    pub const REPLAY: usize = 5;
    pub const NONCE: usize = 13;
    pub const IV: usize = 45;
    pub const RSC: usize = 61;
    pub const KEY_ID: usize = 69;
    pub const MIC: usize = 77;
}

impl<T: AsRef<[u8]>> EapolKey<T> {
    /// The usual MIC length.
    pub const DEFAULT_MIC_LEN: usize = 16;

    /// Wrap a buffer without checking it, assuming a 16-byte MIC.
    pub const fn new_unchecked(buffer: T) -> EapolKey<T> {
        EapolKey {
            buffer,
            mic_len: Self::DEFAULT_MIC_LEN,
        }
    }
    /// Wrap a buffer, assuming a 16-byte MIC, and check it (see
    /// [`EapolKey::new_checked_with_mic_len`]).
    pub fn new_checked(buffer: T) -> Result<EapolKey<T>> {
        Self::new_checked_with_mic_len(buffer, Self::DEFAULT_MIC_LEN)
    }
    /// Wrap a buffer with a Key MIC field of `mic_len` bytes (0, 16, 24 or 32, see
    /// [`Akm::mic_len`](crate::ieee80211::ie::Akm::mic_len)) and check it: `Unsupported` for
    /// another MIC length or a descriptor type other than RSN (2) or WPA (254); `Truncated`
    /// when the fixed fields or the key data its length announces do not fit.
    pub fn new_checked_with_mic_len(buffer: T, mic_len: usize) -> Result<EapolKey<T>> {
        if !matches!(mic_len, 0 | 16 | 24 | 32) {
            return Err(Error::unsupported(KEY_LAYER, field::MIC));
        }
        let k = EapolKey { buffer, mic_len };
        k.check_len()?;
        Ok(k)
    }
    /// The check the constructors make.
    pub fn check_len(&self) -> Result<()> {
        let buf = self.buffer.as_ref();
        let Some(desc) = read::u8_at(buf, field::DESCRIPTOR) else {
            return Err(Error::truncated(KEY_LAYER, 0));
        };
        if desc != descriptor::RSN && desc != descriptor::WPA {
            return Err(Error::unsupported(KEY_LAYER, field::DESCRIPTOR));
        }
        let kdl_off = self.key_data_len_offset();
        let Some(kdl) = read::be16(buf, kdl_off) else {
            return Err(Error::truncated(KEY_LAYER, buf.len()));
        };
        if buf.len() < kdl_off + 2 + usize::from(kdl) {
            return Err(Error::truncated(KEY_LAYER, buf.len()));
        }
        Ok(())
    }
    fn key_data_len_offset(&self) -> usize {
        field::MIC + self.mic_len
    }
    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
    /// The MIC length this view assumes.
    pub fn mic_len(&self) -> usize {
        self.mic_len
    }
    /// Descriptor type, see [`descriptor`].
    pub fn descriptor_type(&self) -> u8 {
        read::u8_at(self.buffer.as_ref(), field::DESCRIPTOR).unwrap_or(0)
    }
    /// Key Information.
    pub fn key_info(&self) -> KeyInfo {
        KeyInfo(read::be16(self.buffer.as_ref(), field::KEY_INFO).unwrap_or(0))
    }
    /// Key Length (length of the pairwise temporal key: 16 CCMP, 32 TKIP).
    pub fn key_length(&self) -> u16 {
        read::be16(self.buffer.as_ref(), field::KEY_LEN).unwrap_or(0)
    }
    /// Key Replay Counter.
    pub fn replay_counter(&self) -> u64 {
        read::be64(self.buffer.as_ref(), field::REPLAY).unwrap_or(0)
    }
    /// Key Nonce (ANonce in messages 1 and 3, SNonce in message 2).
    pub fn nonce(&self) -> [u8; 32] {
        read::array::<32>(self.buffer.as_ref(), field::NONCE).unwrap_or([0; 32])
    }
    /// The nonce is all zeros.
    pub fn nonce_is_zero(&self) -> bool {
        self.nonce().iter().all(|&b| b == 0)
    }
    /// EAPOL-Key IV.
    pub fn iv(&self) -> [u8; 16] {
        read::array::<16>(self.buffer.as_ref(), field::IV).unwrap_or([0; 16])
    }
    /// Key RSC (receive sequence counter of the GTK), as sent.
    pub fn rsc(&self) -> [u8; 8] {
        read::array::<8>(self.buffer.as_ref(), field::RSC).unwrap_or([0; 8])
    }
    /// Key RSC as a number (the field is little-endian: its first byte is the lowest
    /// packet-number byte).
    pub fn rsc_u64(&self) -> u64 {
        read::le64(self.buffer.as_ref(), field::RSC).unwrap_or(0)
    }
    /// The reserved (formerly Key ID) field.
    pub fn key_id(&self) -> [u8; 8] {
        read::array::<8>(self.buffer.as_ref(), field::KEY_ID).unwrap_or([0; 8])
    }
    /// Key MIC (`mic_len` bytes; empty when the buffer is too short).
    pub fn mic(&self) -> &[u8] {
        read::slice(self.buffer.as_ref(), field::MIC, self.mic_len).unwrap_or(&[])
    }
    /// Key Data Length.
    pub fn key_data_len(&self) -> u16 {
        read::be16(self.buffer.as_ref(), self.key_data_len_offset()).unwrap_or(0)
    }
    /// Key Data, bounded by the key data length (and by the buffer).
    pub fn key_data(&self) -> &[u8] {
        let b = read::tail(self.buffer.as_ref(), self.key_data_len_offset() + 2);
        b.get(..usize::from(self.key_data_len())).unwrap_or(b)
    }

    /// Which message of the 4-way handshake this is, from the Key Information bits; `None`
    /// for group-key messages (Key Type = group), requests, and combinations that fit no
    /// message. The rule:
    ///
    /// * message 1: Ack set, MIC clear;
    /// * message 3: Ack, MIC and Install set;
    /// * message 2 or 4: MIC set, Ack clear, Install clear. It is message 4 when the key data
    ///   is empty and either Secure is set or the nonce is all zeros (WPA1 supplicants leave
    ///   Secure clear in message 4); otherwise message 2 (which carries the SNonce and the
    ///   station's RSN/WPA element — note that a message 2 sent during a PTK rekey has Secure
    ///   set, so Secure alone does not tell 2 from 4).
    pub fn message_number(&self) -> Option<u8> {
        let ki = self.key_info();
        if !ki.pairwise() || ki.request() || ki.error() {
            return None;
        }
        match (ki.ack(), ki.mic(), ki.install()) {
            (true, false, false) => Some(1),
            (true, true, true) => Some(3),
            (false, true, false) => {
                if self.key_data_len() == 0 && (ki.secure() || self.nonce_is_zero()) {
                    Some(4)
                } else {
                    Some(2)
                }
            }
            _ => None,
        }
    }

    /// Which message of the group-key handshake this is: 1 (Ack, MIC and Secure set, group
    /// key type) or 2 (MIC and Secure set, Ack clear, group key type); `None` otherwise.
    pub fn group_message_number(&self) -> Option<u8> {
        let ki = self.key_info();
        if ki.pairwise() || ki.request() || !ki.mic() || !ki.secure() {
            return None;
        }
        Some(if ki.ack() { 1 } else { 2 })
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::ErrorKind;
    use std::vec::Vec;

    /// Build an EAPOL-Key frame (with the EAPOL header) with a 16-byte MIC.
    fn key_frame(desc: u8, ki: u16, replay: u64, nonce: u8, key_data: &[u8]) -> Vec<u8> {
        let mut body = Vec::new();
        body.push(desc);
        body.extend_from_slice(&ki.to_be_bytes());
        body.extend_from_slice(&16u16.to_be_bytes());
        body.extend_from_slice(&replay.to_be_bytes());
        body.extend_from_slice(&[nonce; 32]);
        body.extend_from_slice(&[0xa5; 16]); // IV
        body.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0]); // RSC
        body.extend_from_slice(&[0; 8]);
        body.extend_from_slice(&[if ki & 0x100 != 0 { 0x11 } else { 0 }; 16]);
        body.extend_from_slice(&(key_data.len() as u16).to_be_bytes());
        body.extend_from_slice(key_data);
        let mut f = std::vec![2, 3];
        f.extend_from_slice(&(body.len() as u16).to_be_bytes());
        f.extend_from_slice(&body);
        f
    }

    #[test]
    fn header() {
        let f = key_frame(2, 0x008a, 1, 0x42, &[]);
        let e = Eapol::new_checked(&f[..]).unwrap();
        assert_eq!(e.version(), 2);
        assert_eq!(e.packet_type(), PacketType::Key);
        assert_eq!(usize::from(e.body_len()), f.len() - 4);
        // Trailing padding is outside the body.
        let mut padded = f.clone();
        padded.extend_from_slice(&[0; 10]);
        let p = Eapol::new_checked(&padded[..]).unwrap();
        assert_eq!(p.body().len(), f.len() - 4);
        // Body cut short.
        let e = Eapol::new_checked(&f[..f.len() - 1]).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Truncated);
        assert!(Eapol::new_checked(&[1u8, 1, 0][..]).is_err());
        let start = Eapol::new_checked(&[1u8, 1, 0, 0][..]).unwrap();
        assert_eq!(start.packet_type(), PacketType::Start);
        assert_eq!(start.body(), &[] as &[u8]);
        assert_eq!(start.key().unwrap_err().kind, ErrorKind::Unsupported);
        assert_eq!(PacketType::from(7), PacketType::Announcement(7));
        assert_eq!(PacketType::from(99), PacketType::Unknown(99));
        // Unchecked on a short buffer: no panic.
        let u = Eapol::new_unchecked(&[1u8, 0, 0xff, 0xff][..]);
        assert_eq!(u.body(), &[] as &[u8]);
    }

    #[test]
    fn key_fields() {
        let f = key_frame(2, 0x010a, 0x0102030405060708, 0x42, &[0xdd, 0x00, 1, 2]);
        let e = Eapol::new_checked(&f[..]).unwrap();
        let k = e.key().unwrap();
        assert_eq!(k.descriptor_type(), descriptor::RSN);
        let ki = k.key_info();
        assert_eq!(ki.descriptor_version(), 2);
        assert!(ki.pairwise() && ki.mic() && !ki.ack() && !ki.install() && !ki.secure());
        assert!(!ki.error() && !ki.request() && !ki.encrypted_key_data() && !ki.smk_message());
        assert_eq!(k.key_length(), 16);
        assert_eq!(k.replay_counter(), 0x0102030405060708);
        assert_eq!(k.nonce(), [0x42; 32]);
        assert_eq!(k.iv(), [0xa5; 16]);
        assert_eq!(k.rsc_u64(), 1);
        assert_eq!(k.rsc(), [1, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(k.key_id(), [0; 8]);
        assert_eq!(k.mic(), &[0x11; 16]);
        assert_eq!(k.key_data_len(), 4);
        assert_eq!(k.key_data(), &[0xdd, 0x00, 1, 2]);
        assert_eq!(k.message_number(), Some(2));
        assert_eq!(k.group_message_number(), None);
    }

    #[test]
    fn handshake_messages() {
        let rsne = [0x30, 0x14, 1, 0];
        let cases: [(u16, u8, &[u8], Option<u8>); 9] = [
            (0x008a, 0x11, &[], Some(1)),      // M1
            (0x010a, 0x22, &rsne, Some(2)),    // M2
            (0x13ca, 0x11, &[1; 56], Some(3)), // M3 (RSN)
            (0x030a, 0x00, &[], Some(4)),      // M4 (RSN)
            (0x0109, 0x00, &[], Some(4)),      // M4 (WPA1: Secure clear, zero nonce)
            (0x030a, 0x22, &rsne, Some(2)),    // M2 during a PTK rekey (Secure set)
            (0x01c9, 0x11, &[1; 22], Some(3)), // M3 (WPA1)
            (0x0b0a, 0x00, &[], None),         // request
            (0x004a, 0x00, &[], None),         // install without ack/mic
        ];
        for (ki, nonce, kd, want) in cases {
            let f = key_frame(2, ki, 1, nonce, kd);
            let k = EapolKey::new_checked(&f[4..]).unwrap();
            assert_eq!(k.message_number(), want, "key info {ki:#06x}");
        }
        // Group key handshake.
        let g1 = key_frame(2, 0x1382, 5, 0, &[1; 40]);
        let k = EapolKey::new_checked(&g1[4..]).unwrap();
        assert_eq!(
            (k.message_number(), k.group_message_number()),
            (None, Some(1))
        );
        let g2 = key_frame(2, 0x0302, 5, 0, &[]);
        let k = EapolKey::new_checked(&g2[4..]).unwrap();
        assert_eq!(
            (k.message_number(), k.group_message_number()),
            (None, Some(2))
        );
    }

    #[test]
    fn key_errors_and_mic_lengths() {
        let f = key_frame(2, 0x008a, 1, 0x11, &[9; 4]);
        let body = &f[4..];
        assert_eq!(
            EapolKey::new_checked(&body[..body.len() - 1])
                .unwrap_err()
                .kind,
            ErrorKind::Truncated
        );
        assert!(EapolKey::new_checked(&body[..50]).is_err());
        assert!(EapolKey::new_checked(&[][..]).is_err());
        let mut rc4 = body.to_vec();
        rc4[0] = 1;
        assert_eq!(
            EapolKey::new_checked(&rc4[..]).unwrap_err().kind,
            ErrorKind::Unsupported
        );
        assert!(EapolKey::new_checked_with_mic_len(body, 20).is_err());
        // Same bytes read with a 24-byte MIC: the key data length field moves.
        let mut b24 = body[..77].to_vec();
        b24.extend_from_slice(&[0x33; 24]);
        b24.extend_from_slice(&3u16.to_be_bytes());
        b24.extend_from_slice(&[7, 8, 9]);
        let k = EapolKey::new_checked_with_mic_len(&b24[..], 24).unwrap();
        assert_eq!(k.mic(), &[0x33; 24]);
        assert_eq!(k.key_data(), &[7, 8, 9]);
        assert_eq!(k.mic_len(), 24);
        let k0 = EapolKey::new_checked_with_mic_len(&body[..79], 0);
        assert!(k0.is_ok());
        // WPA descriptor.
        let w = key_frame(254, 0x0089, 1, 0x11, &[]);
        let k = EapolKey::new_checked(&w[4..]).unwrap();
        assert_eq!(k.descriptor_type(), descriptor::WPA);
        assert_eq!(k.key_info().descriptor_version(), 1);
        assert_eq!(k.message_number(), Some(1));
        // Unchecked views over garbage never panic.
        let u = EapolKey::new_unchecked(&[2u8, 0xff][..]);
        assert_eq!(u.replay_counter(), 0);
        assert_eq!(u.mic(), &[] as &[u8]);
        assert_eq!(u.key_data(), &[] as &[u8]);
        let _ = u.message_number();
    }

    #[test]
    fn key_fitted_finds_the_mic_length() {
        // A 16-byte MIC frame is read as such.
        let f = key_frame(2, 0x13ca, 2, 0x11, &[7; 56]);
        let e = Eapol::new_checked(&f[..]).unwrap();
        let k = e.key_fitted().unwrap();
        assert_eq!((k.mic_len(), k.key_data_len()), (16, 56));
        // A 24-byte MIC (SHA-384 AKMs): the 16-byte reading takes MIC bytes as the length.
        let mut body = f[4..81].to_vec();
        body.extend_from_slice(&[0x12, 0x34, 0x56, 0x78, 0, 0, 0, 0, 0, 0, 0, 0]);
        body.extend_from_slice(&[0; 4]);
        body.extend_from_slice(&[0xab; 8]); // MIC bytes 16..24
        body.extend_from_slice(&22u16.to_be_bytes());
        body.extend_from_slice(&[0xdd; 22]);
        let mut f24 = std::vec![2, 3];
        f24.extend_from_slice(&(body.len() as u16).to_be_bytes());
        f24.extend_from_slice(&body);
        let e = Eapol::new_checked(&f24[..]).unwrap();
        let k = e.key_fitted().unwrap();
        assert_eq!((k.mic_len(), k.key_data_len()), (24, 22));
        assert_eq!(k.key_data(), &[0xdd; 22]);
        // Trailing bytes after the key data: no exact fit, the 16-byte reading.
        let mut padded = f.clone();
        padded.extend_from_slice(&[0; 3]);
        let len = (padded.len() - 4) as u16;
        padded[2..4].copy_from_slice(&len.to_be_bytes());
        let e = Eapol::new_checked(&padded[..]).unwrap();
        assert_eq!(e.key_fitted().unwrap().mic_len(), 16);
        // Not a key frame.
        let start = Eapol::new_checked(&[1u8, 1, 0, 0][..]).unwrap();
        assert_eq!(start.key_fitted().unwrap_err().kind, ErrorKind::Unsupported);
    }
}
