//! IEEE 802.11 MAC frames: the frame header ([`Frame`], [`FrameControl`]), management frame
//! bodies ([`mgmt`]) and information elements ([`ie`]).
//!
//! [`Frame`] is a zero-copy view over the bytes of one MPDU *without* its FCS (strip the 4-byte
//! FCS before constructing the view when the capture header says it is present). Its header
//! length depends on the type, subtype and flags in the Frame Control field:
//!
//! | frame | header |
//! |---|---|
//! | management | 24 bytes, +4 (HT Control) when the Order (+HTC) flag is set |
//! | data | 24, +6 with ToDS and FromDS both set (4th address), +2 for QoS subtypes, +4 for QoS subtypes with the Order flag (HT Control) |
//! | CTS, ACK | 10 (Frame Control, Duration, RA) |
//! | RTS, PS-Poll, CF-End, CF-End+CF-Ack, BlockAckReq, BlockAck, Trigger, TACK, Beamforming Report Poll, VHT/HE NDP Announcement, Control Frame Extension | 16 (…, RA, TA); the rest (BAR/BA control, trigger common info, sounding dialog token, …) is [`Frame::body`] |
//! | Control Wrapper | 16 (…, Address 1, Carried Frame Control, HT Control); the carried frame is the body |
//! | extension (DMG Beacon, S1G Beacon) | 10 (Frame Control, Duration, one address) |
//!
//! Only protocol version 0 is decoded; [`Frame::new_checked`] refuses version 1 (S1G PV1 short
//! headers) and reserved control/extension subtypes with [`ErrorKind::Unsupported`](crate::ErrorKind).
//!
//! ```
//! use osprey_wire::ieee80211::{ie, mgmt::MgmtBody, Frame, FrameType};
//!
//! // A beacon: header, then timestamp, interval, capability, then SSID and DS elements.
//! let bytes = [
//!     0x80, 0x00, 0x00, 0x00, // frame control (beacon), duration
//!     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // DA
//!     0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // SA
//!     0x02, 0x00, 0x00, 0x00, 0x00, 0x01, // BSSID
//!     0x10, 0x00, // sequence control
//!     0, 0, 0, 0, 0, 0, 0, 0, 0x64, 0x00, 0x11, 0x00, // timestamp, interval, capability
//!     0x00, 0x04, b'h', b'o', b'm', b'e', // SSID
//!     0x03, 0x01, 0x06, // DS parameter set: channel 6
//! ];
//! let frame = Frame::new_checked(&bytes[..])?;
//! assert_eq!(frame.frame_control().frame_type(), FrameType::Management);
//! assert_eq!(frame.bssid(), Some([0x02, 0, 0, 0, 0, 0x01]));
//! let Some(Ok(MgmtBody::Beacon(beacon))) = frame.management_body() else { panic!() };
//! assert!(beacon.capability().privacy());
//! let elements = beacon.elements();
//! let ssid = ie::ssid(elements.get(ie::id::SSID).unwrap().data)?;
//! assert_eq!(ssid.as_bytes(), b"home");
//! assert_eq!(ie::ds_channel(elements.get(ie::id::DS_PARAMS).unwrap().data)?, 6);
//! assert!(elements.check().is_ok());
//! # Ok::<(), osprey_wire::Error>(())
//! ```

pub mod ie;
pub mod mgmt;
pub(crate) mod read;

pub use mgmt::{
    elements_offset, Action, AssocRequest, AssocResponse, Authentication, Beacon, Capability,
    Deauthentication, Disassociation, MgmtBody, ProbeRequest, ProbeResponse, ReassocRequest,
    ReassocResponse,
};

use crate::{Error, MacBytes, Result};
use core::fmt;

/// Subtype numbers (bits 4..8 of the Frame Control field) for each frame type.
pub mod subtype {
    /// Management subtypes.
    pub mod mgmt {
        /// Association Request.
        pub const ASSOC_REQ: u8 = 0;
        /// Association Response.
        pub const ASSOC_RESP: u8 = 1;
        /// Reassociation Request.
        pub const REASSOC_REQ: u8 = 2;
        /// Reassociation Response.
        pub const REASSOC_RESP: u8 = 3;
        /// Probe Request.
        pub const PROBE_REQ: u8 = 4;
        /// Probe Response.
        pub const PROBE_RESP: u8 = 5;
        /// Timing Advertisement.
        pub const TIMING_ADV: u8 = 6;
        /// Beacon.
        pub const BEACON: u8 = 8;
        /// ATIM (announcement traffic indication message).
        pub const ATIM: u8 = 9;
        /// Disassociation.
        pub const DISASSOC: u8 = 10;
        /// Authentication.
        pub const AUTH: u8 = 11;
        /// Deauthentication.
        pub const DEAUTH: u8 = 12;
        /// Action.
        pub const ACTION: u8 = 13;
        /// Action No Ack.
        pub const ACTION_NOACK: u8 = 14;
    }

    /// Control subtypes.
    pub mod ctrl {
        /// Trigger (HE).
        pub const TRIGGER: u8 = 2;
        /// TACK (S1G).
        pub const TACK: u8 = 3;
        /// Beamforming Report Poll.
        pub const BEAMFORMING_REPORT_POLL: u8 = 4;
        /// VHT/HE NDP Announcement.
        pub const NDP_ANNOUNCEMENT: u8 = 5;
        /// Control Frame Extension (DMG; the extension subtype is in Frame Control bits 8..12).
        pub const CONTROL_FRAME_EXTENSION: u8 = 6;
        /// Control Wrapper.
        pub const CONTROL_WRAPPER: u8 = 7;
        /// Block Ack Request.
        pub const BLOCK_ACK_REQ: u8 = 8;
        /// Block Ack.
        pub const BLOCK_ACK: u8 = 9;
        /// PS-Poll.
        pub const PS_POLL: u8 = 10;
        /// RTS.
        pub const RTS: u8 = 11;
        /// CTS.
        pub const CTS: u8 = 12;
        /// ACK.
        pub const ACK: u8 = 13;
        /// CF-End.
        pub const CF_END: u8 = 14;
        /// CF-End + CF-Ack.
        pub const CF_END_ACK: u8 = 15;
    }

    /// Data subtypes. Bit 3 (value 8) marks the QoS subtypes, bit 2 (value 4) the subtypes
    /// without a frame body (Null, CF-Ack, CF-Poll, …).
    pub mod data {
        /// Data.
        pub const DATA: u8 = 0;
        /// Data + CF-Ack.
        pub const DATA_CF_ACK: u8 = 1;
        /// Data + CF-Poll.
        pub const DATA_CF_POLL: u8 = 2;
        /// Data + CF-Ack + CF-Poll.
        pub const DATA_CF_ACK_POLL: u8 = 3;
        /// Null (no data).
        pub const NULL: u8 = 4;
        /// CF-Ack (no data).
        pub const CF_ACK: u8 = 5;
        /// CF-Poll (no data).
        pub const CF_POLL: u8 = 6;
        /// CF-Ack + CF-Poll (no data).
        pub const CF_ACK_POLL: u8 = 7;
        /// QoS Data.
        pub const QOS_DATA: u8 = 8;
        /// QoS Data + CF-Ack.
        pub const QOS_DATA_CF_ACK: u8 = 9;
        /// QoS Data + CF-Poll.
        pub const QOS_DATA_CF_POLL: u8 = 10;
        /// QoS Data + CF-Ack + CF-Poll.
        pub const QOS_DATA_CF_ACK_POLL: u8 = 11;
        /// QoS Null (no data).
        pub const QOS_NULL: u8 = 12;
        /// QoS CF-Poll (no data).
        pub const QOS_CF_POLL: u8 = 14;
        /// QoS CF-Ack + CF-Poll (no data).
        pub const QOS_CF_ACK_POLL: u8 = 15;
    }

    /// Extension-type subtypes.
    pub mod ext {
        /// DMG Beacon (802.11ad).
        pub const DMG_BEACON: u8 = 0;
        /// S1G Beacon (802.11ah).
        pub const S1G_BEACON: u8 = 1;
    }
}

/// The frame type (bits 2..4 of the Frame Control field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameType {
    /// Management frame (type 0).
    Management,
    /// Control frame (type 1).
    Control,
    /// Data frame (type 2).
    Data,
    /// Extension frame (type 3: DMG Beacon, S1G Beacon).
    Extension,
}

impl FrameType {
    /// The two-bit type value.
    pub const fn value(self) -> u8 {
        match self {
            FrameType::Management => 0,
            FrameType::Control => 1,
            FrameType::Data => 2,
            FrameType::Extension => 3,
        }
    }
}

/// The Frame Control field, as the host-order `u16` read little-endian from the first two
/// bytes of the frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct FrameControl(pub u16);

impl FrameControl {
    /// Wrap a raw Frame Control value.
    pub const fn new(raw: u16) -> FrameControl {
        FrameControl(raw)
    }
    /// The raw value.
    pub const fn raw(self) -> u16 {
        self.0
    }
    /// Protocol version (bits 0..2); 0 for everything but S1G PV1 frames.
    pub const fn protocol_version(self) -> u8 {
        (self.0 & 0x3) as u8
    }
    /// Frame type.
    pub const fn frame_type(self) -> FrameType {
        match (self.0 >> 2) & 0x3 {
            0 => FrameType::Management,
            1 => FrameType::Control,
            2 => FrameType::Data,
            _ => FrameType::Extension,
        }
    }
    /// Subtype (bits 4..8), see [`subtype`].
    pub const fn subtype(self) -> u8 {
        ((self.0 >> 4) & 0xf) as u8
    }
    /// Type and subtype combined as `type << 4 | subtype`, the value Wireshark shows as
    /// `wlan.fc.type_subtype` (beacon = 0x08, QoS data = 0x28, ACK = 0x1d).
    pub const fn type_subtype(self) -> u8 {
        (self.frame_type().value() << 4) | self.subtype()
    }
    /// The flags byte (bits 8..16).
    pub const fn flags(self) -> u8 {
        (self.0 >> 8) as u8
    }
    /// To DS.
    pub const fn to_ds(self) -> bool {
        self.0 & 0x0100 != 0
    }
    /// From DS.
    pub const fn from_ds(self) -> bool {
        self.0 & 0x0200 != 0
    }
    /// More Fragments.
    pub const fn more_fragments(self) -> bool {
        self.0 & 0x0400 != 0
    }
    /// Retry.
    pub const fn retry(self) -> bool {
        self.0 & 0x0800 != 0
    }
    /// Power Management.
    pub const fn power_mgmt(self) -> bool {
        self.0 & 0x1000 != 0
    }
    /// More Data.
    pub const fn more_data(self) -> bool {
        self.0 & 0x2000 != 0
    }
    /// Protected Frame (the body is encrypted).
    pub const fn protected(self) -> bool {
        self.0 & 0x4000 != 0
    }
    /// Order / +HTC: on QoS data and management frames it means an HT Control field follows
    /// the header.
    pub const fn order(self) -> bool {
        self.0 & 0x8000 != 0
    }
    /// A management frame.
    pub const fn is_management(self) -> bool {
        matches!(self.frame_type(), FrameType::Management)
    }
    /// A control frame.
    pub const fn is_control(self) -> bool {
        matches!(self.frame_type(), FrameType::Control)
    }
    /// A data frame.
    pub const fn is_data(self) -> bool {
        matches!(self.frame_type(), FrameType::Data)
    }
    /// A QoS data subtype (QoS Data, QoS Null, …).
    pub const fn is_qos_data(self) -> bool {
        self.is_data() && self.subtype() & 0x8 != 0
    }
    /// A data subtype that carries no frame body (Null, CF-Ack, CF-Poll, QoS Null, …).
    pub const fn is_null_data(self) -> bool {
        self.is_data() && self.subtype() & 0x4 != 0
    }
    /// The frame carries four addresses (data frame with ToDS and FromDS: WDS / mesh).
    pub const fn has_addr4(self) -> bool {
        self.is_data() && self.to_ds() && self.from_ds()
    }
    /// The frame carries an HT Control field after the header: the Order flag on a QoS data
    /// or a management frame (and always for the Control Wrapper).
    pub const fn has_ht_control(self) -> bool {
        match self.frame_type() {
            FrameType::Management => self.order(),
            FrameType::Data => self.order() && self.subtype() & 0x8 != 0,
            FrameType::Control => self.subtype() == subtype::ctrl::CONTROL_WRAPPER,
            FrameType::Extension => false,
        }
    }

    /// Header length for this Frame Control, or `None` when this parser does not know the
    /// layout (protocol version ≠ 0, reserved control subtypes 0/1, reserved extension
    /// subtypes).
    pub const fn header_len(self) -> Option<usize> {
        if self.protocol_version() != 0 {
            return None;
        }
        match self.frame_type() {
            FrameType::Management => Some(if self.order() { 28 } else { 24 }),
            FrameType::Data => {
                let mut len = 24;
                if self.to_ds() && self.from_ds() {
                    len += 6;
                }
                if self.subtype() & 0x8 != 0 {
                    len += 2;
                    if self.order() {
                        len += 4;
                    }
                }
                Some(len)
            }
            FrameType::Control => match self.subtype() {
                subtype::ctrl::CTS | subtype::ctrl::ACK => Some(10),
                2..=11 | 14 | 15 => Some(16),
                _ => None,
            },
            FrameType::Extension => match self.subtype() {
                subtype::ext::DMG_BEACON | subtype::ext::S1G_BEACON => Some(10),
                _ => None,
            },
        }
    }

    /// A short name for the type/subtype ("beacon", "qos-data", "ack", …).
    pub const fn name(self) -> &'static str {
        use subtype::{ctrl, data, ext, mgmt};
        match (self.frame_type(), self.subtype()) {
            (FrameType::Management, mgmt::ASSOC_REQ) => "assoc-req",
            (FrameType::Management, mgmt::ASSOC_RESP) => "assoc-resp",
            (FrameType::Management, mgmt::REASSOC_REQ) => "reassoc-req",
            (FrameType::Management, mgmt::REASSOC_RESP) => "reassoc-resp",
            (FrameType::Management, mgmt::PROBE_REQ) => "probe-req",
            (FrameType::Management, mgmt::PROBE_RESP) => "probe-resp",
            (FrameType::Management, mgmt::TIMING_ADV) => "timing-adv",
            (FrameType::Management, mgmt::BEACON) => "beacon",
            (FrameType::Management, mgmt::ATIM) => "atim",
            (FrameType::Management, mgmt::DISASSOC) => "disassoc",
            (FrameType::Management, mgmt::AUTH) => "auth",
            (FrameType::Management, mgmt::DEAUTH) => "deauth",
            (FrameType::Management, mgmt::ACTION) => "action",
            (FrameType::Management, mgmt::ACTION_NOACK) => "action-noack",
            (FrameType::Management, _) => "mgmt-reserved",
            (FrameType::Control, ctrl::TRIGGER) => "trigger",
            (FrameType::Control, ctrl::TACK) => "tack",
            (FrameType::Control, ctrl::BEAMFORMING_REPORT_POLL) => "bf-report-poll",
            (FrameType::Control, ctrl::NDP_ANNOUNCEMENT) => "ndp-announcement",
            (FrameType::Control, ctrl::CONTROL_FRAME_EXTENSION) => "ctrl-ext",
            (FrameType::Control, ctrl::CONTROL_WRAPPER) => "ctrl-wrapper",
            (FrameType::Control, ctrl::BLOCK_ACK_REQ) => "block-ack-req",
            (FrameType::Control, ctrl::BLOCK_ACK) => "block-ack",
            (FrameType::Control, ctrl::PS_POLL) => "ps-poll",
            (FrameType::Control, ctrl::RTS) => "rts",
            (FrameType::Control, ctrl::CTS) => "cts",
            (FrameType::Control, ctrl::ACK) => "ack",
            (FrameType::Control, ctrl::CF_END) => "cf-end",
            (FrameType::Control, ctrl::CF_END_ACK) => "cf-end-ack",
            (FrameType::Control, _) => "ctrl-reserved",
            (FrameType::Data, data::DATA) => "data",
            (FrameType::Data, data::DATA_CF_ACK) => "data-cf-ack",
            (FrameType::Data, data::DATA_CF_POLL) => "data-cf-poll",
            (FrameType::Data, data::DATA_CF_ACK_POLL) => "data-cf-ack-poll",
            (FrameType::Data, data::NULL) => "null",
            (FrameType::Data, data::CF_ACK) => "cf-ack",
            (FrameType::Data, data::CF_POLL) => "cf-poll",
            (FrameType::Data, data::CF_ACK_POLL) => "cf-ack-poll",
            (FrameType::Data, data::QOS_DATA) => "qos-data",
            (FrameType::Data, data::QOS_DATA_CF_ACK) => "qos-data-cf-ack",
            (FrameType::Data, data::QOS_DATA_CF_POLL) => "qos-data-cf-poll",
            (FrameType::Data, data::QOS_DATA_CF_ACK_POLL) => "qos-data-cf-ack-poll",
            (FrameType::Data, data::QOS_NULL) => "qos-null",
            (FrameType::Data, data::QOS_CF_POLL) => "qos-cf-poll",
            (FrameType::Data, data::QOS_CF_ACK_POLL) => "qos-cf-ack-poll",
            (FrameType::Data, _) => "data-reserved",
            (FrameType::Extension, ext::DMG_BEACON) => "dmg-beacon",
            (FrameType::Extension, ext::S1G_BEACON) => "s1g-beacon",
            (FrameType::Extension, _) => "ext-reserved",
        }
    }
}

impl fmt::Display for FrameControl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Layer name used in this module's errors.
const LAYER: &str = "802.11";

/// A zero-copy view over one 802.11 frame (header + body, no FCS).
///
/// Accessors read in place. On a view made with [`Frame::new_unchecked`] over a buffer that is
/// too short, accessors return `None`/0/an empty slice rather than panicking; after
/// [`Frame::new_checked`] every field of the header is inside the buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Frame<T> {
    /// Wrap a buffer without checking it.
    pub const fn new_unchecked(buffer: T) -> Frame<T> {
        Frame { buffer }
    }

    /// Wrap a buffer and check that it holds the whole header for its type/subtype.
    pub fn new_checked(buffer: T) -> Result<Frame<T>> {
        let frame = Frame::new_unchecked(buffer);
        frame.check_len()?;
        Ok(frame)
    }

    /// Check that the buffer holds the full header: `Truncated` if it is shorter than the
    /// header, `Unsupported` for protocol versions ≠ 0 and reserved control/extension subtypes.
    pub fn check_len(&self) -> Result<()> {
        let buf = self.buffer.as_ref();
        let Some(fc) = read::le16(buf, 0) else {
            return Err(Error::truncated(LAYER, buf.len()));
        };
        let fc = FrameControl(fc);
        let Some(need) = fc.header_len() else {
            return Err(Error::unsupported(LAYER, 0));
        };
        if buf.len() < need {
            return Err(Error::truncated(LAYER, buf.len()));
        }
        Ok(())
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The whole frame as bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// The Frame Control field (0 when the buffer is shorter than 2 bytes).
    pub fn frame_control(&self) -> FrameControl {
        FrameControl(read::le16(self.buffer.as_ref(), 0).unwrap_or(0))
    }

    /// The Duration/ID field (the AID with the two top bits set in a PS-Poll).
    pub fn duration(&self) -> u16 {
        read::le16(self.buffer.as_ref(), 2).unwrap_or(0)
    }

    /// Header length implied by the Frame Control field (for a frame type this parser does
    /// not know, the 4 bytes of Frame Control and Duration).
    pub fn header_len(&self) -> usize {
        self.frame_control().header_len().unwrap_or(4)
    }

    fn mac_at(&self, off: usize) -> Option<MacBytes> {
        read::array::<6>(self.buffer.as_ref(), off)
    }

    /// Address 1 (receiver). Present in every known frame type.
    pub fn addr1(&self) -> Option<MacBytes> {
        self.frame_control().header_len()?;
        self.mac_at(4)
    }

    /// Address 2 (transmitter): absent in CTS, ACK, Control Wrapper and extension frames.
    pub fn addr2(&self) -> Option<MacBytes> {
        let fc = self.frame_control();
        let present = match fc.frame_type() {
            FrameType::Management | FrameType::Data => true,
            FrameType::Control => fc.header_len() == Some(16) && fc.subtype() != 7,
            FrameType::Extension => false,
        };
        if present && fc.header_len().is_some() {
            self.mac_at(10)
        } else {
            None
        }
    }

    /// Address 3: management and data frames only.
    pub fn addr3(&self) -> Option<MacBytes> {
        let fc = self.frame_control();
        if fc.protocol_version() == 0 && (fc.is_management() || fc.is_data()) {
            self.mac_at(16)
        } else {
            None
        }
    }

    /// Address 4: data frames with ToDS and FromDS both set.
    pub fn addr4(&self) -> Option<MacBytes> {
        let fc = self.frame_control();
        if fc.protocol_version() == 0 && fc.has_addr4() {
            self.mac_at(24)
        } else {
            None
        }
    }

    /// Sequence Control (fragment number in bits 0..4, sequence number in bits 4..16):
    /// management and data frames only.
    pub fn sequence_control(&self) -> Option<u16> {
        let fc = self.frame_control();
        if fc.protocol_version() == 0 && (fc.is_management() || fc.is_data()) {
            read::le16(self.buffer.as_ref(), 22)
        } else {
            None
        }
    }

    /// Sequence number (Sequence Control bits 4..16).
    pub fn sequence_number(&self) -> Option<u16> {
        self.sequence_control().map(|s| s >> 4)
    }

    /// Fragment number (Sequence Control bits 0..4).
    pub fn fragment_number(&self) -> Option<u8> {
        self.sequence_control().map(|s| (s & 0xf) as u8)
    }

    fn qos_offset(&self) -> Option<usize> {
        let fc = self.frame_control();
        if fc.protocol_version() == 0 && fc.is_qos_data() {
            Some(if fc.has_addr4() { 30 } else { 24 })
        } else {
            None
        }
    }

    /// QoS Control: QoS data subtypes only.
    pub fn qos_control(&self) -> Option<u16> {
        let off = self.qos_offset()?;
        read::le16(self.buffer.as_ref(), off)
    }

    /// Traffic identifier (QoS Control bits 0..4).
    pub fn tid(&self) -> Option<u8> {
        self.qos_control().map(|q| (q & 0xf) as u8)
    }

    /// The body is an A-MSDU (QoS Control bit 7).
    pub fn amsdu_present(&self) -> bool {
        self.qos_control().is_some_and(|q| q & 0x80 != 0)
    }

    /// HT Control (+HTC): present with the Order flag on QoS data and management frames, and
    /// always in a Control Wrapper.
    pub fn ht_control(&self) -> Option<u32> {
        let fc = self.frame_control();
        if fc.protocol_version() != 0 || !fc.has_ht_control() {
            return None;
        }
        let off = match fc.frame_type() {
            FrameType::Management => 24,
            FrameType::Control => 12,
            _ => self.qos_offset()? + 2,
        };
        read::le32(self.buffer.as_ref(), off)
    }

    /// The Carried Frame Control of a Control Wrapper frame.
    pub fn carried_frame_control(&self) -> Option<FrameControl> {
        let fc = self.frame_control();
        if fc.protocol_version() == 0
            && fc.is_control()
            && fc.subtype() == subtype::ctrl::CONTROL_WRAPPER
        {
            read::le16(self.buffer.as_ref(), 10).map(FrameControl)
        } else {
            None
        }
    }

    /// The frame body: every byte after the header (empty when the buffer ends inside the
    /// header). The caller strips any FCS before constructing the view.
    pub fn body(&self) -> &[u8] {
        read::tail(self.buffer.as_ref(), self.header_len())
    }

    /// Receiver address (Address 1).
    pub fn receiver(&self) -> Option<MacBytes> {
        self.addr1()
    }

    /// Transmitter address (Address 2 where present).
    pub fn transmitter(&self) -> Option<MacBytes> {
        self.addr2()
    }

    /// The BSSID implied by the DS bits: Address 3 of management frames and of data frames
    /// with neither DS bit, Address 1 with ToDS only, Address 2 with FromDS only; `None` for
    /// four-address frames (WDS/mesh have no single BSSID). For PS-Poll it is Address 1, for
    /// CF-End Address 2; for a DMG beacon the single address.
    pub fn bssid(&self) -> Option<MacBytes> {
        let fc = self.frame_control();
        match fc.frame_type() {
            FrameType::Management => self.addr3(),
            FrameType::Data => match (fc.to_ds(), fc.from_ds()) {
                (false, false) => self.addr3(),
                (true, false) => self.addr1(),
                (false, true) => self.addr2(),
                (true, true) => None,
            },
            FrameType::Control => match fc.subtype() {
                subtype::ctrl::PS_POLL => self.addr1(),
                subtype::ctrl::CF_END | subtype::ctrl::CF_END_ACK => self.addr2(),
                _ => None,
            },
            FrameType::Extension => {
                if fc.subtype() == subtype::ext::DMG_BEACON {
                    self.addr1()
                } else {
                    None
                }
            }
        }
    }

    /// The source address implied by the DS bits (management and data frames): Address 2,
    /// or Address 3 with FromDS only, or Address 4 with both DS bits. For A-MSDU frames the
    /// real source is inside each subframe.
    pub fn source(&self) -> Option<MacBytes> {
        let fc = self.frame_control();
        match fc.frame_type() {
            FrameType::Management => self.addr2(),
            FrameType::Data => match (fc.to_ds(), fc.from_ds()) {
                (_, false) => self.addr2(),
                (false, true) => self.addr3(),
                (true, true) => self.addr4(),
            },
            _ => None,
        }
    }

    /// The destination address implied by the DS bits (management and data frames):
    /// Address 1, or Address 3 with ToDS.
    pub fn destination(&self) -> Option<MacBytes> {
        let fc = self.frame_control();
        match fc.frame_type() {
            FrameType::Management => self.addr1(),
            FrameType::Data => {
                if fc.to_ds() {
                    self.addr3()
                } else {
                    self.addr1()
                }
            }
            _ => None,
        }
    }
}

impl<'a, T: AsRef<[u8]> + ?Sized> Frame<&'a T> {
    /// The frame body with the lifetime of the underlying buffer (same bytes as
    /// [`Frame::body`]), so that element views built on it can outlive the `Frame`.
    pub fn into_body(self) -> &'a [u8] {
        let hl = self.header_len();
        read::tail(self.buffer.as_ref(), hl)
    }

    /// The body of a management frame decoded by subtype (see [`MgmtBody::parse`]); `None`
    /// for other frame types and for protected (encrypted) management frames.
    pub fn management_body(&self) -> Option<Result<MgmtBody<'a>>> {
        let fc = self.frame_control();
        if fc.is_management() && !fc.protected() && fc.protocol_version() == 0 {
            Some(MgmtBody::parse(fc.subtype(), self.into_body()))
        } else {
            None
        }
    }
}

/// Formats a MAC address as `aa:bb:cc:dd:ee:ff`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct MacDisplay(pub MacBytes);

impl fmt::Display for MacDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            m[0], m[1], m[2], m[3], m[4], m[5]
        )
    }
}

impl fmt::Debug for MacDisplay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// True for group (multicast/broadcast) addresses: the I/G bit of the first octet.
pub const fn is_group_addr(mac: &MacBytes) -> bool {
    mac[0] & 1 != 0
}

/// True for ff:ff:ff:ff:ff:ff.
pub const fn is_broadcast(mac: &MacBytes) -> bool {
    matches!(mac, [0xff, 0xff, 0xff, 0xff, 0xff, 0xff])
}

#[cfg(test)]
mod tests;
