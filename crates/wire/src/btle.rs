//! Bluetooth Low Energy link-layer captures.
//!
//! Three capture encapsulations are understood:
//!
//! * [`LINKTYPE_BLUETOOTH_LE_LL`] (251): the bare link-layer packet, see [`LlPacket`].
//! * [`LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR`] (256): a 10-byte pseudo-header (RF channel,
//!   signal and noise power, access-address offenses, reference access address, flags)
//!   before the link-layer packet, see [`PhdrHeader`] and [`decap_phdr`].
//! * [`LINKTYPE_NORDIC_BLE`] (272): the nRF Sniffer for Bluetooth LE header (board id, UART
//!   packet header, "event packet" header with flags, channel, RSSI, event counter and time)
//!   before the link-layer packet, see [`decap_nordic`] for the header versions handled.
//!
//! [`decap`] handles all three and returns a [`BtleDecap`].
//!
//! The link-layer packet (without preamble) is:
//!
//! ```text
//! access address (4, LE) | [CI (1), LE Coded PHY only] | header (2, or 3 with CTEInfo)
//!   | payload (header length field bytes) | CRC (3)
//! ```
//!
//! Packets with the advertising access address [`ADVERTISING_ACCESS_ADDRESS`] carry an
//! advertising-channel PDU (header: PDU type, ChSel, TxAdd, RxAdd, length); any other access
//! address is taken to be a data-channel PDU (header: LLID, NESN, SN, MD, CP, length).
//! Periodic-advertising packets (AUX_SYNC_IND, AUX_CHAIN_IND of a periodic train) use their
//! own access address and will therefore look like data-channel PDUs.
//!
//! **Addresses.** Bluetooth device addresses are transmitted least-significant byte first.
//! Every address this module returns ([`LlPacket::adv_address`] and friends, [`ConnectInd`],
//! [`ExtHeader`]) is in *display order*, most-significant byte first, the way Wireshark and
//! Kismet print them: the wire bytes `38 8b 4a 03 ee 04` are returned as
//! `[0x04, 0xee, 0x03, 0x4a, 0x8b, 0x38]` (04:EE:03:4A:8B:38).

use crate::radio::RadioInfo;
use crate::{Error, MacBytes, Result};

const LAYER_LL: &str = "BTLE LL";
const LAYER_PHDR: &str = "BTLE PHDR";
const LAYER_NORDIC: &str = "Nordic BLE";
const LAYER_AD: &str = "BTLE AD";
const LAYER_EXT: &str = "BTLE extended header";

/// DLT/LINKTYPE of bare Bluetooth LE link-layer packets.
pub const LINKTYPE_BLUETOOTH_LE_LL: u32 = 251;
/// DLT/LINKTYPE of Bluetooth LE link-layer packets with the 10-byte pseudo-header.
pub const LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR: u32 = 256;
/// DLT/LINKTYPE of the Nordic nRF Sniffer for Bluetooth LE.
pub const LINKTYPE_NORDIC_BLE: u32 = 272;

/// The access address of advertising-channel packets.
pub const ADVERTISING_ACCESS_ADDRESS: u32 = 0x8E89_BED6;
/// The CRC initial value of advertising-channel packets.
pub const ADVERTISING_CRC_INIT: u32 = 0x55_5555;

/// Length of the access address.
pub const ACCESS_ADDRESS_LEN: usize = 4;
/// Length of the CRC.
pub const CRC_LEN: usize = 3;
/// Length of the [`LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR`] pseudo-header.
pub const PHDR_LEN: usize = 10;

// ---------------------------------------------------------------------------------------------
// Small readers that never panic.

fn byte(buf: &[u8], at: usize) -> u8 {
    buf.get(at).copied().unwrap_or(0)
}

fn le16(buf: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([byte(buf, at), byte(buf, at.wrapping_add(1))])
}

fn le24(buf: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([
        byte(buf, at),
        byte(buf, at.wrapping_add(1)),
        byte(buf, at.wrapping_add(2)),
        0,
    ])
}

fn le32(buf: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([
        byte(buf, at),
        byte(buf, at.wrapping_add(1)),
        byte(buf, at.wrapping_add(2)),
        byte(buf, at.wrapping_add(3)),
    ])
}

/// Converts a device address as transmitted (least-significant byte first) into display
/// order (most-significant byte first). Returns `None` unless `wire` is at least 6 bytes;
/// only the first 6 are used.
pub fn address_from_wire(wire: &[u8]) -> Option<MacBytes> {
    match wire {
        [a, b, c, d, e, f, ..] => Some([*f, *e, *d, *c, *b, *a]),
        _ => None,
    }
}

/// The device address Kismet (2025-09) attributes to a link-layer packet, or `None` when
/// Kismet's BTLE parser would reject the packet. For Kismet-compatible device lists only:
/// use [`LlPacket::adv_address`] for the real advertiser.
///
/// Kismet does not look at the access address or the PDU type: it takes bytes 6..12 of every
/// packet (reversed) as the advertising address, then reads AD structures (length byte, type
/// byte, `length - 1` bytes) from byte 12 while fewer than 3 bytes (the CRC) remain, and drops
/// the packet if a structure has length 0 or runs past the end of the buffer. So it finds the
/// AdvA of ADV_IND-like PDUs, but also invents "devices" from data-channel packets whose
/// bytes happen to parse, and misses CONNECT_IND and SCAN_REQ. Kismet only does this for
/// frames whose CRC is good (the pseudo-header's CRC-valid flag, or its own check with the
/// advertising CRC init), and not at all for [`LINKTYPE_NORDIC_BLE`].
pub fn kismet_advertising_address(ll: &[u8]) -> Option<MacBytes> {
    let address = address_from_wire(ll.get(6..)?)?;
    let size = ll.len();
    let end = size.checked_sub(CRC_LEN)?;
    let mut pos = 12usize;
    while pos < end {
        let len = *ll.get(pos)?;
        ll.get(pos + 1)?;
        let data_len = usize::from(len).checked_sub(1)?;
        pos += 2 + data_len;
        if pos > size {
            return None;
        }
    }
    Some(address)
}

// ---------------------------------------------------------------------------------------------
// Channels and PHYs.

/// Frequency in MHz of an RF channel (0..=39, as in the pseudo-header): 2402 + 2k.
pub fn rf_channel_to_mhz(rf_channel: u8) -> Option<u32> {
    (rf_channel <= 39).then(|| 2402 + 2 * u32::from(rf_channel))
}

/// The RF channel (0..=39) of a link-layer channel index (0..=36 data, 37..=39 advertising).
pub fn channel_index_to_rf_channel(index: u8) -> Option<u8> {
    match index {
        0..=10 => Some(index + 1),
        11..=36 => Some(index + 2),
        37 => Some(0),
        38 => Some(12),
        39 => Some(39),
        _ => None,
    }
}

/// The link-layer channel index of an RF channel (0..=39).
pub fn rf_channel_to_channel_index(rf_channel: u8) -> Option<u8> {
    match rf_channel {
        0 => Some(37),
        12 => Some(38),
        39 => Some(39),
        1..=11 => Some(rf_channel - 1),
        13..=38 => Some(rf_channel - 2),
        _ => None,
    }
}

/// Frequency in MHz of a link-layer channel index (as reported by the Nordic sniffer).
pub fn channel_index_to_mhz(index: u8) -> Option<u32> {
    channel_index_to_rf_channel(index).and_then(rf_channel_to_mhz)
}

/// A Bluetooth LE physical layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Phy {
    /// LE 1M (the default, and the only PHY before Bluetooth 5).
    #[default]
    Le1M,
    /// LE 2M.
    Le2M,
    /// LE Coded (S=2 or S=8): the link-layer packet has a coding-indicator byte after the
    /// access address.
    LeCoded,
    /// A reserved value.
    Reserved(u8),
}

impl Phy {
    /// Maps the 0 = 1M, 1 = 2M, 2 = Coded encoding used by both pseudo-headers.
    pub const fn from_bits(v: u8) -> Phy {
        match v {
            0 => Phy::Le1M,
            1 => Phy::Le2M,
            2 => Phy::LeCoded,
            v => Phy::Reserved(v),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Link-layer packet.

/// Advertising-channel PDU types (low 4 bits of the first header byte).
///
/// On the secondary advertising channels the same values name the AUX_ PDUs: 3 is
/// AUX_SCAN_REQ, 5 AUX_CONNECT_REQ, 7 AUX_ADV_IND / AUX_SCAN_RSP / AUX_SYNC_IND /
/// AUX_CHAIN_IND, 8 AUX_CONNECT_RSP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdvPduType {
    /// 0: connectable scannable undirected advertising.
    AdvInd,
    /// 1: connectable directed advertising.
    AdvDirectInd,
    /// 2: non-connectable non-scannable undirected advertising.
    AdvNonconnInd,
    /// 3: scan request.
    ScanReq,
    /// 4: scan response.
    ScanRsp,
    /// 5: connection request (CONNECT_REQ before Bluetooth 5).
    ConnectInd,
    /// 6: scannable undirected advertising.
    AdvScanInd,
    /// 7: extended advertising (and the AUX_ PDUs on secondary channels).
    AdvExtInd,
    /// 8: AUX_CONNECT_RSP.
    AuxConnectRsp,
    /// 9..=15: reserved.
    Reserved(u8),
}

impl AdvPduType {
    /// Maps the 4-bit PDU type.
    pub const fn from_u8(v: u8) -> AdvPduType {
        match v & 0x0F {
            0 => AdvPduType::AdvInd,
            1 => AdvPduType::AdvDirectInd,
            2 => AdvPduType::AdvNonconnInd,
            3 => AdvPduType::ScanReq,
            4 => AdvPduType::ScanRsp,
            5 => AdvPduType::ConnectInd,
            6 => AdvPduType::AdvScanInd,
            7 => AdvPduType::AdvExtInd,
            8 => AdvPduType::AuxConnectRsp,
            v => AdvPduType::Reserved(v),
        }
    }

    /// The 4-bit PDU type value.
    pub const fn to_u8(self) -> u8 {
        match self {
            AdvPduType::AdvInd => 0,
            AdvPduType::AdvDirectInd => 1,
            AdvPduType::AdvNonconnInd => 2,
            AdvPduType::ScanReq => 3,
            AdvPduType::ScanRsp => 4,
            AdvPduType::ConnectInd => 5,
            AdvPduType::AdvScanInd => 6,
            AdvPduType::AdvExtInd => 7,
            AdvPduType::AuxConnectRsp => 8,
            AdvPduType::Reserved(v) => v,
        }
    }

    /// The specification's name ("ADV_IND", ...).
    pub const fn name(self) -> &'static str {
        match self {
            AdvPduType::AdvInd => "ADV_IND",
            AdvPduType::AdvDirectInd => "ADV_DIRECT_IND",
            AdvPduType::AdvNonconnInd => "ADV_NONCONN_IND",
            AdvPduType::ScanReq => "SCAN_REQ",
            AdvPduType::ScanRsp => "SCAN_RSP",
            AdvPduType::ConnectInd => "CONNECT_IND",
            AdvPduType::AdvScanInd => "ADV_SCAN_IND",
            AdvPduType::AdvExtInd => "ADV_EXT_IND",
            AdvPduType::AuxConnectRsp => "AUX_CONNECT_RSP",
            AdvPduType::Reserved(_) => "RESERVED",
        }
    }
}

/// Data-channel LLID values.
pub mod llid {
    /// Reserved.
    pub const RESERVED: u8 = 0;
    /// Continuation fragment of an L2CAP message, or an empty PDU.
    pub const CONTINUATION: u8 = 1;
    /// Start of an L2CAP message, or a complete unfragmented message.
    pub const START: u8 = 2;
    /// LL control PDU.
    pub const CONTROL: u8 = 3;
}

/// LL control PDU opcodes (first payload byte when the LLID is [`llid::CONTROL`]).
pub mod ll_control {
    /// LL_CONNECTION_UPDATE_IND.
    pub const CONNECTION_UPDATE_IND: u8 = 0x00;
    /// LL_CHANNEL_MAP_IND.
    pub const CHANNEL_MAP_IND: u8 = 0x01;
    /// LL_TERMINATE_IND.
    pub const TERMINATE_IND: u8 = 0x02;
    /// LL_ENC_REQ.
    pub const ENC_REQ: u8 = 0x03;
    /// LL_ENC_RSP.
    pub const ENC_RSP: u8 = 0x04;
    /// LL_START_ENC_REQ.
    pub const START_ENC_REQ: u8 = 0x05;
    /// LL_START_ENC_RSP.
    pub const START_ENC_RSP: u8 = 0x06;
    /// LL_UNKNOWN_RSP.
    pub const UNKNOWN_RSP: u8 = 0x07;
    /// LL_FEATURE_REQ.
    pub const FEATURE_REQ: u8 = 0x08;
    /// LL_FEATURE_RSP.
    pub const FEATURE_RSP: u8 = 0x09;
    /// LL_PAUSE_ENC_REQ.
    pub const PAUSE_ENC_REQ: u8 = 0x0A;
    /// LL_PAUSE_ENC_RSP.
    pub const PAUSE_ENC_RSP: u8 = 0x0B;
    /// LL_VERSION_IND.
    pub const VERSION_IND: u8 = 0x0C;
    /// LL_REJECT_IND.
    pub const REJECT_IND: u8 = 0x0D;
    /// LL_PERIPHERAL_FEATURE_REQ.
    pub const PERIPHERAL_FEATURE_REQ: u8 = 0x0E;
    /// LL_CONNECTION_PARAM_REQ.
    pub const CONNECTION_PARAM_REQ: u8 = 0x0F;
    /// LL_CONNECTION_PARAM_RSP.
    pub const CONNECTION_PARAM_RSP: u8 = 0x10;
    /// LL_REJECT_EXT_IND.
    pub const REJECT_EXT_IND: u8 = 0x11;
    /// LL_PING_REQ.
    pub const PING_REQ: u8 = 0x12;
    /// LL_PING_RSP.
    pub const PING_RSP: u8 = 0x13;
    /// LL_LENGTH_REQ.
    pub const LENGTH_REQ: u8 = 0x14;
    /// LL_LENGTH_RSP.
    pub const LENGTH_RSP: u8 = 0x15;
    /// LL_PHY_REQ.
    pub const PHY_REQ: u8 = 0x16;
    /// LL_PHY_RSP.
    pub const PHY_RSP: u8 = 0x17;
    /// LL_PHY_UPDATE_IND.
    pub const PHY_UPDATE_IND: u8 = 0x18;
    /// LL_MIN_USED_CHANNELS_IND.
    pub const MIN_USED_CHANNELS_IND: u8 = 0x19;
}

/// Computes the link-layer CRC of `pdu` (header and payload) with the given initial value
/// (0x555555 for advertising packets, the CONNECT_IND `CRCInit` for a connection). The
/// result is in the same representation as [`LlPacket::crc`]: the three CRC bytes of the
/// capture read as a little-endian 24-bit number.
pub fn compute_crc(crc_init: u32, pdu: &[u8]) -> u32 {
    // Shift register with position 0 in bit 0; the bit shifted out of position 23 feeds
    // back into positions 0, 1, 3, 4, 6, 9 and 10 (x^24 + x^10 + x^9 + x^6 + x^4 + x^3 + x + 1).
    let mut state = crc_init & 0x00FF_FFFF;
    for &b in pdu {
        for i in 0..8 {
            let input = u32::from((b >> i) & 1);
            let feedback = ((state >> 23) & 1) ^ input;
            state = (state << 1) & 0x00FF_FFFF;
            if feedback != 0 {
                state ^= 0x0000_065B;
            }
        }
    }
    // Position 23 is transmitted first, and captures store the first bit in bit 0.
    state.reverse_bits() >> 8
}

/// A read-only view over a Bluetooth LE link-layer packet: access address, (coding
/// indicator,) PDU header, payload and CRC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LlPacket<T: AsRef<[u8]>> {
    buffer: T,
    coded: bool,
}

impl<T: AsRef<[u8]>> LlPacket<T> {
    /// Wraps an uncoded-PHY (1M or 2M) packet without checking it. Accessors never panic: on
    /// a buffer that is too short, missing bytes read as zero, slices are clamped to the
    /// buffer and address accessors return `None`.
    pub const fn new_unchecked(buffer: T) -> LlPacket<T> {
        LlPacket {
            buffer,
            coded: false,
        }
    }

    /// Wraps a packet received on the given PHY without checking it. On [`Phy::LeCoded`] the
    /// byte after the access address is the coding indicator.
    pub fn new_unchecked_phy(buffer: T, phy: Phy) -> LlPacket<T> {
        LlPacket {
            buffer,
            coded: phy == Phy::LeCoded,
        }
    }

    /// Wraps an uncoded-PHY packet and validates it with [`LlPacket::check_len`].
    pub fn new_checked(buffer: T) -> Result<LlPacket<T>> {
        let p = LlPacket::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Wraps a packet received on the given PHY and validates it.
    pub fn new_checked_phy(buffer: T, phy: Phy) -> Result<LlPacket<T>> {
        let p = LlPacket::new_unchecked_phy(buffer, phy);
        p.check_len()?;
        Ok(p)
    }

    /// Checks that the access address, header, the payload announced by the length field
    /// and the CRC are all in the buffer. Bytes after the CRC are ignored.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        let min = self.pdu_offset() + 2 + CRC_LEN;
        if len < min {
            return Err(Error::truncated(LAYER_LL, len));
        }
        if len < self.crc_offset() + CRC_LEN {
            return Err(Error::truncated(LAYER_LL, len));
        }
        Ok(())
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// Whether the packet was received on LE Coded PHY (has a coding indicator).
    pub fn is_coded(&self) -> bool {
        self.coded
    }

    /// The access address.
    pub fn access_address(&self) -> u32 {
        le32(self.buffer.as_ref(), 0)
    }

    /// Whether this is an advertising-channel packet (access address 0x8E89BED6).
    pub fn is_advertising(&self) -> bool {
        self.access_address() == ADVERTISING_ACCESS_ADDRESS
    }

    /// The coding indicator (0 = S=8, 1 = S=2) of an LE Coded packet.
    pub fn coding_indicator(&self) -> Option<u8> {
        self.coded.then(|| byte(self.buffer.as_ref(), 4) & 0x03)
    }

    /// Offset of the PDU header in the buffer (4, or 5 on LE Coded PHY).
    pub fn pdu_offset(&self) -> usize {
        ACCESS_ADDRESS_LEN + usize::from(self.coded)
    }

    /// The first header byte.
    pub fn header_byte(&self) -> u8 {
        byte(self.buffer.as_ref(), self.pdu_offset())
    }

    /// The 16-bit PDU header (first byte in the low 8 bits).
    pub fn header(&self) -> u16 {
        le16(self.buffer.as_ref(), self.pdu_offset())
    }

    /// The length field: the payload length in bytes (including a MIC when encrypted).
    pub fn length(&self) -> u8 {
        byte(self.buffer.as_ref(), self.pdu_offset() + 1)
    }

    /// Length of the PDU header: 2, or 3 for a data-channel PDU with the CP bit (CTEInfo).
    pub fn header_len(&self) -> usize {
        if !self.is_advertising() && self.cp() {
            3
        } else {
            2
        }
    }

    fn payload_offset(&self) -> usize {
        self.pdu_offset() + self.header_len()
    }

    fn crc_offset(&self) -> usize {
        self.payload_offset() + usize::from(self.length())
    }

    // --- advertising header ---

    /// Advertising PDU type (meaningful for advertising packets only).
    pub fn pdu_type(&self) -> AdvPduType {
        AdvPduType::from_u8(self.header_byte())
    }

    /// ChSel: the advertiser supports channel selection algorithm #2 (advertising only).
    pub fn chsel(&self) -> bool {
        self.header_byte() & 0x20 != 0
    }

    /// TxAdd: the transmitter's address (AdvA, ScanA or InitA) is random (advertising only).
    pub fn tx_add(&self) -> bool {
        self.header_byte() & 0x40 != 0
    }

    /// RxAdd: the receiver's address (TargetA or AdvA) is random (advertising only).
    pub fn rx_add(&self) -> bool {
        self.header_byte() & 0x80 != 0
    }

    // --- data header ---

    /// LLID of a data-channel PDU ([`llid`]).
    pub fn llid(&self) -> u8 {
        self.header_byte() & 0x03
    }

    /// Next expected sequence number (data channel).
    pub fn nesn(&self) -> bool {
        self.header_byte() & 0x04 != 0
    }

    /// Sequence number (data channel).
    pub fn sn(&self) -> bool {
        self.header_byte() & 0x08 != 0
    }

    /// More data (data channel).
    pub fn md(&self) -> bool {
        self.header_byte() & 0x10 != 0
    }

    /// CTEInfo present (data channel).
    pub fn cp(&self) -> bool {
        self.header_byte() & 0x20 != 0
    }

    /// The CTEInfo byte of a data-channel PDU with the CP bit set.
    pub fn cte_info(&self) -> Option<u8> {
        (!self.is_advertising() && self.cp())
            .then(|| byte(self.buffer.as_ref(), self.pdu_offset() + 2))
    }

    /// The LL control opcode ([`ll_control`]) of a data-channel control PDU (LLID 3) with a
    /// non-empty payload. Meaningless when the connection is encrypted and the packet was
    /// not decrypted.
    pub fn ll_control_opcode(&self) -> Option<u8> {
        if self.is_advertising() || self.llid() != llid::CONTROL {
            return None;
        }
        self.payload().first().copied()
    }

    // --- payload and CRC ---

    /// The payload (`length` bytes after the header), clamped to the buffer.
    pub fn payload(&self) -> &[u8] {
        let buf = self.buffer.as_ref();
        let end = self.crc_offset().min(buf.len());
        buf.get(self.payload_offset()..end).unwrap_or(&[])
    }

    /// The bytes the CRC covers: header and payload, clamped to the buffer.
    pub fn pdu(&self) -> &[u8] {
        let buf = self.buffer.as_ref();
        let end = self.crc_offset().min(buf.len());
        buf.get(self.pdu_offset()..end).unwrap_or(&[])
    }

    /// The CRC bytes as captured (zero where missing).
    pub fn crc_bytes(&self) -> [u8; 3] {
        let b = self.buffer.as_ref();
        let at = self.crc_offset();
        [byte(b, at), byte(b, at + 1), byte(b, at + 2)]
    }

    /// The CRC: the three CRC bytes read as a little-endian 24-bit number (the form
    /// [`compute_crc`] returns and Wireshark displays).
    pub fn crc(&self) -> u32 {
        le24(self.buffer.as_ref(), self.crc_offset())
    }

    /// Whether the CRC matches the PDU for the given CRC initial value. Some sniffers store a
    /// zero CRC after checking it themselves; use the capture header's CRC flags for those.
    pub fn verify_crc(&self, crc_init: u32) -> bool {
        let buf = self.buffer.as_ref();
        if buf.len() < self.crc_offset() + CRC_LEN {
            return false;
        }
        compute_crc(crc_init, self.pdu()) == self.crc()
    }

    // --- advertising payload ---

    fn payload_address(&self, at: usize) -> Option<MacBytes> {
        address_from_wire(self.payload().get(at..)?)
    }

    /// The extended header of an ADV_EXT_IND / AUX_* / AUX_CONNECT_RSP PDU (types 7 and 8),
    /// `None` for other packets.
    pub fn ext_header(&self) -> Option<Result<ExtHeader<'_>>> {
        if !self.is_advertising() {
            return None;
        }
        match self.pdu_type() {
            AdvPduType::AdvExtInd | AdvPduType::AuxConnectRsp => {
                Some(ExtHeader::parse(self.payload(), self.payload_offset()))
            }
            _ => None,
        }
    }

    /// The advertiser's address (AdvA) in display order, for the advertising PDU types that
    /// carry one: ADV_IND, ADV_DIRECT_IND, ADV_NONCONN_IND, ADV_SCAN_IND, SCAN_RSP (first 6
    /// payload bytes), SCAN_REQ and CONNECT_IND (payload bytes 6..12), and extended PDUs whose
    /// extended header has an AdvA field. `None` for data-channel packets.
    pub fn adv_address(&self) -> Option<MacBytes> {
        if !self.is_advertising() {
            return None;
        }
        match self.pdu_type() {
            AdvPduType::AdvInd
            | AdvPduType::AdvDirectInd
            | AdvPduType::AdvNonconnInd
            | AdvPduType::AdvScanInd
            | AdvPduType::ScanRsp => self.payload_address(0),
            AdvPduType::ScanReq | AdvPduType::ConnectInd => self.payload_address(6),
            AdvPduType::AdvExtInd | AdvPduType::AuxConnectRsp => {
                self.ext_header()?.ok()?.adv_address
            }
            AdvPduType::Reserved(_) => None,
        }
    }

    /// The target address (TargetA) of ADV_DIRECT_IND, and of extended PDUs that carry one,
    /// in display order.
    pub fn target_address(&self) -> Option<MacBytes> {
        if !self.is_advertising() {
            return None;
        }
        match self.pdu_type() {
            AdvPduType::AdvDirectInd => self.payload_address(6),
            AdvPduType::AdvExtInd | AdvPduType::AuxConnectRsp => {
                self.ext_header()?.ok()?.target_address
            }
            _ => None,
        }
    }

    /// The scanner's address (ScanA) of SCAN_REQ, in display order.
    pub fn scan_address(&self) -> Option<MacBytes> {
        if self.is_advertising() && self.pdu_type() == AdvPduType::ScanReq {
            self.payload_address(0)
        } else {
            None
        }
    }

    /// The initiator's address (InitA) of CONNECT_IND, in display order.
    pub fn init_address(&self) -> Option<MacBytes> {
        if self.is_advertising() && self.pdu_type() == AdvPduType::ConnectInd {
            self.payload_address(0)
        } else {
            None
        }
    }

    /// The advertising data (AdvData, or ScanRspData of SCAN_RSP): the payload after AdvA for
    /// ADV_IND, ADV_NONCONN_IND, ADV_SCAN_IND and SCAN_RSP, the bytes after the extended
    /// header for extended PDUs. `None` for other PDU types and data-channel packets.
    pub fn adv_data(&self) -> Option<&[u8]> {
        if !self.is_advertising() {
            return None;
        }
        match self.pdu_type() {
            AdvPduType::AdvInd
            | AdvPduType::AdvNonconnInd
            | AdvPduType::AdvScanInd
            | AdvPduType::ScanRsp => self.payload().get(6..),
            AdvPduType::AdvExtInd => Some(self.ext_header()?.ok()?.adv_data),
            _ => None,
        }
    }

    fn adv_data_offset(&self) -> usize {
        let data = self.adv_data().unwrap_or(&[]);
        let pdu_end = self.payload_offset() + self.payload().len();
        pdu_end.saturating_sub(data.len())
    }

    /// Iterates over the AD structures of [`LlPacket::adv_data`] (empty when there is none).
    /// Error offsets are relative to the start of this packet's buffer.
    pub fn ad_structures(&self) -> AdStructures<'_> {
        AdStructures::with_base(self.adv_data().unwrap_or(&[]), self.adv_data_offset())
    }

    /// A summary of the advertising data.
    pub fn ad_summary(&self) -> AdSummary<'_> {
        AdSummary::from_ad_data(self.adv_data().unwrap_or(&[]))
    }

    /// The fields of a CONNECT_IND (or AUX_CONNECT_REQ) PDU, when the payload is complete.
    pub fn connect_ind(&self) -> Option<ConnectInd> {
        if !self.is_advertising() || self.pdu_type() != AdvPduType::ConnectInd {
            return None;
        }
        ConnectInd::parse(self.payload())
    }
}

// ---------------------------------------------------------------------------------------------
// CONNECT_IND.

/// The contents of a CONNECT_IND: the two addresses and the connection parameters (LLData).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectInd {
    /// The initiator (central), display order.
    pub init_address: MacBytes,
    /// The advertiser (peripheral), display order.
    pub adv_address: MacBytes,
    /// The connection's access address.
    pub access_address: u32,
    /// The connection's CRC initial value (for [`LlPacket::verify_crc`]).
    pub crc_init: u32,
    /// Transmit window size, 1.25 ms units.
    pub win_size: u8,
    /// Transmit window offset, 1.25 ms units.
    pub win_offset: u16,
    /// Connection interval, 1.25 ms units.
    pub interval: u16,
    /// Peripheral latency, connection events.
    pub latency: u16,
    /// Supervision timeout, 10 ms units.
    pub timeout: u16,
    /// Channel map: bit n set = data channel index n used (37 bits).
    pub channel_map: [u8; 5],
    /// Hop increment (5..=16 for channel selection algorithm #1).
    pub hop: u8,
    /// Sleep clock accuracy (0..=7).
    pub sca: u8,
}

impl ConnectInd {
    /// Length of a CONNECT_IND payload.
    pub const LEN: usize = 34;

    /// Parses a CONNECT_IND payload (InitA, AdvA, LLData).
    pub fn parse(payload: &[u8]) -> Option<ConnectInd> {
        if payload.len() < Self::LEN {
            return None;
        }
        let ll = payload.get(12..)?;
        let hop_sca = byte(ll, 21);
        Some(ConnectInd {
            init_address: address_from_wire(payload)?,
            adv_address: address_from_wire(payload.get(6..)?)?,
            access_address: le32(ll, 0),
            crc_init: le24(ll, 4),
            win_size: byte(ll, 7),
            win_offset: le16(ll, 8),
            interval: le16(ll, 10),
            latency: le16(ll, 12),
            timeout: le16(ll, 14),
            channel_map: [
                byte(ll, 16),
                byte(ll, 17),
                byte(ll, 18),
                byte(ll, 19),
                byte(ll, 20),
            ],
            hop: hop_sca & 0x1F,
            sca: hop_sca >> 5,
        })
    }

    /// Connection interval in microseconds.
    pub fn interval_us(&self) -> u32 {
        u32::from(self.interval) * 1250
    }

    /// Number of data channels the channel map enables.
    pub fn used_channels(&self) -> u32 {
        let m = u64::from_le_bytes([
            self.channel_map[0],
            self.channel_map[1],
            self.channel_map[2],
            self.channel_map[3],
            self.channel_map[4],
            0,
            0,
            0,
        ]);
        (m & 0x1F_FFFF_FFFF).count_ones()
    }
}

// ---------------------------------------------------------------------------------------------
// Extended advertising header.

/// The AuxPtr field of an extended header: where the auxiliary packet will be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuxPtr {
    /// Channel index of the auxiliary packet.
    pub channel_index: u8,
    /// Clock accuracy: false = 51..500 ppm, true = 0..50 ppm.
    pub ca: bool,
    /// Offset units: false = 30 µs, true = 300 µs.
    pub offset_units_300us: bool,
    /// Offset in offset units (13 bits).
    pub aux_offset: u16,
    /// PHY of the auxiliary packet.
    pub aux_phy: Phy,
}

/// The Common Extended Advertising Payload header (ADV_EXT_IND and the AUX_ PDUs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtHeader<'a> {
    /// AdvMode: bit 0 connectable, bit 1 scannable.
    pub adv_mode: u8,
    /// The extended header flags byte (0 when the extended header is empty).
    pub flags: u8,
    /// AdvA, display order.
    pub adv_address: Option<MacBytes>,
    /// TargetA, display order.
    pub target_address: Option<MacBytes>,
    /// CTEInfo.
    pub cte_info: Option<u8>,
    /// AdvDataInfo (ADI): DID in bits 0-11, SID in bits 12-15.
    pub adi: Option<u16>,
    /// AuxPtr.
    pub aux_ptr: Option<AuxPtr>,
    /// SyncInfo (18 bytes, raw).
    pub sync_info: Option<&'a [u8]>,
    /// TxPower, dBm.
    pub tx_power: Option<i8>,
    /// Additional controller advertising data (rest of the extended header).
    pub acad: &'a [u8],
    /// The AdvData after the extended header.
    pub adv_data: &'a [u8],
}

impl<'a> ExtHeader<'a> {
    /// Parses the extended header at the start of `payload`; `base` is added to error offsets.
    pub fn parse(payload: &'a [u8], base: usize) -> Result<ExtHeader<'a>> {
        let Some(&first) = payload.first() else {
            return Err(Error::truncated(LAYER_EXT, base));
        };
        let ext_len = usize::from(first & 0x3F);
        let adv_mode = first >> 6;
        let Some(ext) = payload.get(1..1 + ext_len) else {
            return Err(Error::truncated(LAYER_EXT, base + payload.len()));
        };
        let adv_data = payload.get(1 + ext_len..).unwrap_or(&[]);
        let mut h = ExtHeader {
            adv_mode,
            flags: 0,
            adv_address: None,
            target_address: None,
            cte_info: None,
            adi: None,
            aux_ptr: None,
            sync_info: None,
            tx_power: None,
            acad: &[],
            adv_data,
        };
        let Some((&flags, mut rest)) = ext.split_first() else {
            return Ok(h);
        };
        h.flags = flags;
        let mut pos = base + 2;
        let mut take = |n: usize| -> Result<&'a [u8]> {
            if rest.len() < n {
                return Err(Error::malformed(LAYER_EXT, pos));
            }
            let (field, tail) = rest.split_at(n);
            rest = tail;
            pos += n;
            Ok(field)
        };
        if flags & 0x01 != 0 {
            h.adv_address = address_from_wire(take(6)?);
        }
        if flags & 0x02 != 0 {
            h.target_address = address_from_wire(take(6)?);
        }
        if flags & 0x04 != 0 {
            h.cte_info = take(1)?.first().copied();
        }
        if flags & 0x08 != 0 {
            h.adi = Some(le16(take(2)?, 0));
        }
        if flags & 0x10 != 0 {
            let p = take(3)?;
            let b0 = byte(p, 0);
            let off = le16(p, 1);
            h.aux_ptr = Some(AuxPtr {
                channel_index: b0 & 0x3F,
                ca: b0 & 0x40 != 0,
                offset_units_300us: b0 & 0x80 != 0,
                aux_offset: off & 0x1FFF,
                aux_phy: Phy::from_bits((off >> 13) as u8),
            });
        }
        if flags & 0x20 != 0 {
            h.sync_info = Some(take(18)?);
        }
        if flags & 0x40 != 0 {
            h.tx_power = take(1)?.first().map(|&b| b as i8);
        }
        h.acad = rest;
        Ok(h)
    }
}

// ---------------------------------------------------------------------------------------------
// AD structures.

/// AD types (Bluetooth Assigned Numbers, "Common Data Types").
pub mod ad_type {
    /// Flags.
    pub const FLAGS: u8 = 0x01;
    /// Incomplete list of 16-bit service UUIDs.
    pub const INCOMPLETE_UUID16: u8 = 0x02;
    /// Complete list of 16-bit service UUIDs.
    pub const COMPLETE_UUID16: u8 = 0x03;
    /// Incomplete list of 32-bit service UUIDs.
    pub const INCOMPLETE_UUID32: u8 = 0x04;
    /// Complete list of 32-bit service UUIDs.
    pub const COMPLETE_UUID32: u8 = 0x05;
    /// Incomplete list of 128-bit service UUIDs.
    pub const INCOMPLETE_UUID128: u8 = 0x06;
    /// Complete list of 128-bit service UUIDs.
    pub const COMPLETE_UUID128: u8 = 0x07;
    /// Shortened local name.
    pub const SHORT_NAME: u8 = 0x08;
    /// Complete local name.
    pub const COMPLETE_NAME: u8 = 0x09;
    /// TX power level (i8, dBm).
    pub const TX_POWER: u8 = 0x0A;
    /// Class of device.
    pub const CLASS_OF_DEVICE: u8 = 0x0D;
    /// List of 16-bit service solicitation UUIDs.
    pub const SOLICIT_UUID16: u8 = 0x14;
    /// List of 128-bit service solicitation UUIDs.
    pub const SOLICIT_UUID128: u8 = 0x15;
    /// Service data with a 16-bit UUID.
    pub const SERVICE_DATA_UUID16: u8 = 0x16;
    /// Public target address.
    pub const PUBLIC_TARGET_ADDRESS: u8 = 0x17;
    /// Random target address.
    pub const RANDOM_TARGET_ADDRESS: u8 = 0x18;
    /// Appearance (u16).
    pub const APPEARANCE: u8 = 0x19;
    /// Advertising interval.
    pub const ADVERTISING_INTERVAL: u8 = 0x1A;
    /// LE Bluetooth device address.
    pub const LE_DEVICE_ADDRESS: u8 = 0x1B;
    /// LE role.
    pub const LE_ROLE: u8 = 0x1C;
    /// List of 32-bit service solicitation UUIDs.
    pub const SOLICIT_UUID32: u8 = 0x1F;
    /// Service data with a 32-bit UUID.
    pub const SERVICE_DATA_UUID32: u8 = 0x20;
    /// Service data with a 128-bit UUID.
    pub const SERVICE_DATA_UUID128: u8 = 0x21;
    /// URI.
    pub const URI: u8 = 0x24;
    /// Manufacturer specific data (16-bit company identifier first).
    pub const MANUFACTURER_SPECIFIC: u8 = 0xFF;
}

/// Flag bits of the Flags AD type.
pub mod ad_flags {
    /// LE Limited Discoverable Mode.
    pub const LE_LIMITED_DISCOVERABLE: u8 = 0x01;
    /// LE General Discoverable Mode.
    pub const LE_GENERAL_DISCOVERABLE: u8 = 0x02;
    /// BR/EDR Not Supported.
    pub const BR_EDR_NOT_SUPPORTED: u8 = 0x04;
    /// Simultaneous LE and BR/EDR to same device capable (controller).
    pub const SIMULTANEOUS_CONTROLLER: u8 = 0x08;
    /// Simultaneous LE and BR/EDR to same device capable (host).
    pub const SIMULTANEOUS_HOST: u8 = 0x10;
}

/// One AD structure: a length byte, the AD type, and `length - 1` bytes of data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdStructure<'a> {
    /// The AD type ([`ad_type`]).
    pub ad_type: u8,
    /// The data after the AD type byte.
    pub data: &'a [u8],
}

impl<'a> AdStructure<'a> {
    /// The length byte's value (AD type + data).
    pub fn len(&self) -> usize {
        self.data.len() + 1
    }

    /// Always false: an AD structure has at least its type byte.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The flags byte ([`ad_flags`]) of a Flags structure.
    pub fn flags(&self) -> Option<u8> {
        if self.ad_type == ad_type::FLAGS {
            self.data.first().copied()
        } else {
            None
        }
    }

    /// The name bytes of a complete or shortened local name.
    pub fn local_name(&self) -> Option<&'a [u8]> {
        matches!(self.ad_type, ad_type::SHORT_NAME | ad_type::COMPLETE_NAME).then_some(self.data)
    }

    /// The TX power level in dBm.
    pub fn tx_power(&self) -> Option<i8> {
        if self.ad_type == ad_type::TX_POWER {
            self.data.first().map(|&b| b as i8)
        } else {
            None
        }
    }

    /// The 16-bit company identifier and the rest of a manufacturer-specific structure.
    pub fn manufacturer_data(&self) -> Option<(u16, &'a [u8])> {
        if self.ad_type != ad_type::MANUFACTURER_SPECIFIC {
            return None;
        }
        match self.data {
            [lo, hi, rest @ ..] => Some((u16::from_le_bytes([*lo, *hi]), rest)),
            _ => None,
        }
    }

    /// The appearance value.
    pub fn appearance(&self) -> Option<u16> {
        match (self.ad_type, self.data) {
            (ad_type::APPEARANCE, [lo, hi, ..]) => Some(u16::from_le_bytes([*lo, *hi])),
            _ => None,
        }
    }

    /// The 16-bit UUIDs of a 16-bit service UUID list or solicitation list.
    pub fn uuid16s(&self) -> Option<Uuid16s<'a>> {
        matches!(
            self.ad_type,
            ad_type::INCOMPLETE_UUID16 | ad_type::COMPLETE_UUID16 | ad_type::SOLICIT_UUID16
        )
        .then(|| Uuid16s::new(self.data))
    }

    /// The 32-bit UUIDs of a 32-bit service UUID list or solicitation list.
    pub fn uuid32s(&self) -> Option<Uuid32s<'a>> {
        matches!(
            self.ad_type,
            ad_type::INCOMPLETE_UUID32 | ad_type::COMPLETE_UUID32 | ad_type::SOLICIT_UUID32
        )
        .then(|| Uuid32s {
            chunks: self.data.chunks_exact(4),
        })
    }

    /// The 128-bit UUIDs (as numbers, so `{:032x}` prints them in the usual order) of a
    /// 128-bit service UUID list or solicitation list.
    pub fn uuid128s(&self) -> Option<Uuid128s<'a>> {
        matches!(
            self.ad_type,
            ad_type::INCOMPLETE_UUID128 | ad_type::COMPLETE_UUID128 | ad_type::SOLICIT_UUID128
        )
        .then(|| Uuid128s {
            chunks: self.data.chunks_exact(16),
        })
    }

    /// The 16-bit UUID and the data of a 16-bit service data structure.
    pub fn service_data_uuid16(&self) -> Option<(u16, &'a [u8])> {
        match (self.ad_type, self.data) {
            (ad_type::SERVICE_DATA_UUID16, [lo, hi, rest @ ..]) => {
                Some((u16::from_le_bytes([*lo, *hi]), rest))
            }
            _ => None,
        }
    }
}

/// Iterator over little-endian 16-bit UUIDs (a trailing odd byte is ignored).
#[derive(Debug, Clone)]
pub struct Uuid16s<'a> {
    chunks: core::slice::ChunksExact<'a, u8>,
}

impl<'a> Uuid16s<'a> {
    /// Iterates over the UUIDs in a raw list.
    pub fn new(data: &'a [u8]) -> Uuid16s<'a> {
        Uuid16s {
            chunks: data.chunks_exact(2),
        }
    }
}

impl Iterator for Uuid16s<'_> {
    type Item = u16;
    fn next(&mut self) -> Option<u16> {
        let c = self.chunks.next()?;
        Some(le16(c, 0))
    }
}

/// Iterator over little-endian 32-bit UUIDs.
#[derive(Debug, Clone)]
pub struct Uuid32s<'a> {
    chunks: core::slice::ChunksExact<'a, u8>,
}

impl Iterator for Uuid32s<'_> {
    type Item = u32;
    fn next(&mut self) -> Option<u32> {
        let c = self.chunks.next()?;
        Some(le32(c, 0))
    }
}

/// Iterator over little-endian 128-bit UUIDs.
#[derive(Debug, Clone)]
pub struct Uuid128s<'a> {
    chunks: core::slice::ChunksExact<'a, u8>,
}

impl Iterator for Uuid128s<'_> {
    type Item = u128;
    fn next(&mut self) -> Option<u128> {
        let c = self.chunks.next()?;
        let a: [u8; 16] = c.try_into().ok()?;
        Some(u128::from_le_bytes(a))
    }
}

/// Iterator over the AD structures of advertising (or scan response) data.
///
/// A zero length byte ends the significant part of the data (the rest is padding) and ends
/// the walk; a structure whose length runs past the data yields one `Err(Truncated)` and
/// ends the walk.
#[derive(Debug, Clone)]
pub struct AdStructures<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
    done: bool,
}

impl<'a> AdStructures<'a> {
    /// Iterates over raw advertising data; error offsets are relative to `data`.
    pub fn new(data: &'a [u8]) -> AdStructures<'a> {
        AdStructures::with_base(data, 0)
    }

    /// Iterates over raw advertising data found at offset `base` of some larger buffer.
    pub fn with_base(data: &'a [u8], base: usize) -> AdStructures<'a> {
        AdStructures {
            data,
            pos: 0,
            base,
            done: false,
        }
    }
}

impl<'a> Iterator for AdStructures<'a> {
    type Item = Result<AdStructure<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let len = match self.data.get(self.pos) {
            None | Some(0) => {
                self.done = true;
                return None;
            }
            Some(&l) => usize::from(l),
        };
        let start = self.pos + 1;
        let Some(body) = self.data.get(start..start + len) else {
            self.done = true;
            return Some(Err(Error::truncated(LAYER_AD, self.base + self.data.len())));
        };
        self.pos = start + len;
        let (&ad_type, data) = body.split_first()?;
        Some(Ok(AdStructure { ad_type, data }))
    }
}

/// What the advertising data of one packet says about its device (first instance of each
/// AD type), borrowing from the packet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AdSummary<'a> {
    /// Flags ([`ad_flags`]).
    pub flags: Option<u8>,
    /// Local name: the complete name if present, else the shortened one.
    pub name: Option<&'a [u8]>,
    /// Whether `name` is the complete local name.
    pub name_complete: bool,
    /// TX power level, dBm.
    pub tx_power: Option<i8>,
    /// Company identifier and data of the first manufacturer-specific structure.
    pub manufacturer: Option<(u16, &'a [u8])>,
    /// Appearance.
    pub appearance: Option<u16>,
    /// Raw data of the first 16-bit service UUID list (iterate with [`Uuid16s::new`]).
    pub uuid16: Option<&'a [u8]>,
    /// Number of AD structures walked.
    pub count: usize,
    /// The largest length byte seen, including one that runs past the data (Kismet's
    /// BLEEDINGTOOTH check looks for AD lengths over 31).
    pub max_ad_len: u8,
    /// The walk stopped at a truncated structure.
    pub truncated: Option<Error>,
}

impl<'a> AdSummary<'a> {
    /// Summarises raw advertising data.
    pub fn from_ad_data(data: &'a [u8]) -> AdSummary<'a> {
        let mut s = AdSummary::default();
        let mut pos = 0usize;
        while let Some(&l) = data.get(pos) {
            if l == 0 {
                break;
            }
            s.max_ad_len = s.max_ad_len.max(l);
            pos += 1 + usize::from(l);
        }
        for item in AdStructures::new(data) {
            let ad = match item {
                Ok(ad) => ad,
                Err(e) => {
                    s.truncated = Some(e);
                    break;
                }
            };
            s.count += 1;
            match ad.ad_type {
                ad_type::FLAGS if s.flags.is_none() => s.flags = ad.flags(),
                ad_type::COMPLETE_NAME if !s.name_complete => {
                    s.name = Some(ad.data);
                    s.name_complete = true;
                }
                ad_type::SHORT_NAME if s.name.is_none() => s.name = Some(ad.data),
                ad_type::TX_POWER if s.tx_power.is_none() => s.tx_power = ad.tx_power(),
                ad_type::MANUFACTURER_SPECIFIC if s.manufacturer.is_none() => {
                    s.manufacturer = ad.manufacturer_data()
                }
                ad_type::APPEARANCE if s.appearance.is_none() => s.appearance = ad.appearance(),
                ad_type::INCOMPLETE_UUID16 | ad_type::COMPLETE_UUID16 if s.uuid16.is_none() => {
                    s.uuid16 = Some(ad.data)
                }
                _ => {}
            }
        }
        s
    }
}

// ---------------------------------------------------------------------------------------------
// LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR.

/// Flag bits of the [`LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR`] pseudo-header.
pub mod phdr_flags {
    /// The packet was de-whitened.
    pub const DEWHITENED: u16 = 0x0001;
    /// The signal power field is valid.
    pub const SIGNAL_POWER_VALID: u16 = 0x0002;
    /// The noise power field is valid.
    pub const NOISE_POWER_VALID: u16 = 0x0004;
    /// The packet was decrypted.
    pub const DECRYPTED: u16 = 0x0008;
    /// The reference access address is valid and led to the capture.
    pub const REFERENCE_ACCESS_ADDRESS_VALID: u16 = 0x0010;
    /// The access address offenses field is valid.
    pub const ACCESS_ADDRESS_OFFENSES_VALID: u16 = 0x0020;
    /// The RF channel field may be aliased (the true channel is uncertain).
    pub const CHANNEL_ALIASED: u16 = 0x0040;
    /// Mask of the PDU type field (bits 7-9).
    pub const PDU_TYPE_MASK: u16 = 0x0380;
    /// Shift of the PDU type field.
    pub const PDU_TYPE_SHIFT: u16 = 7;
    /// The CRC was checked.
    pub const CRC_CHECKED: u16 = 0x0400;
    /// The CRC is valid (meaningful when checked).
    pub const CRC_VALID: u16 = 0x0800;
    /// The MIC was checked.
    pub const MIC_CHECKED: u16 = 0x1000;
    /// The MIC is valid (meaningful when checked).
    pub const MIC_VALID: u16 = 0x2000;
    /// Mask of the PHY field (bits 14-15).
    pub const PHY_MASK: u16 = 0xC000;
    /// Shift of the PHY field.
    pub const PHY_SHIFT: u16 = 14;
}

/// The PDU type bits of the pseudo-header flags: what kind of physical channel PDU follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhdrPduType {
    /// 0: advertising or data, direction unspecified (older sniffers always say this).
    AdvertisingOrData,
    /// 1: auxiliary advertising (secondary channel).
    AuxAdvertising,
    /// 2: data, central to peripheral.
    DataCentralToPeripheral,
    /// 3: data, peripheral to central.
    DataPeripheralToCentral,
    /// 4: connected isochronous.
    ConnectedIsochronous,
    /// 5: broadcast isochronous.
    BroadcastIsochronous,
    /// 6, 7: reserved.
    Reserved(u8),
}

impl PhdrPduType {
    /// Maps the 3-bit field.
    pub const fn from_bits(v: u8) -> PhdrPduType {
        match v {
            0 => PhdrPduType::AdvertisingOrData,
            1 => PhdrPduType::AuxAdvertising,
            2 => PhdrPduType::DataCentralToPeripheral,
            3 => PhdrPduType::DataPeripheralToCentral,
            4 => PhdrPduType::ConnectedIsochronous,
            5 => PhdrPduType::BroadcastIsochronous,
            v => PhdrPduType::Reserved(v),
        }
    }
}

/// A read-only view over the [`LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR`] pseudo-header and the
/// link-layer packet after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhdrHeader<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> PhdrHeader<T> {
    /// Wraps a buffer without checking it (missing bytes read as zero).
    pub const fn new_unchecked(buffer: T) -> PhdrHeader<T> {
        PhdrHeader { buffer }
    }

    /// Wraps a buffer and checks that the 10-byte pseudo-header is present.
    pub fn new_checked(buffer: T) -> Result<PhdrHeader<T>> {
        let p = PhdrHeader::new_unchecked(buffer);
        p.check_len()?;
        Ok(p)
    }

    /// Checks that the 10-byte pseudo-header is present.
    pub fn check_len(&self) -> Result<()> {
        let len = self.buffer.as_ref().len();
        if len < PHDR_LEN {
            return Err(Error::truncated(LAYER_PHDR, len));
        }
        Ok(())
    }

    /// Returns the underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// RF channel, 0..=39 (2402 + 2k MHz; 0, 12 and 39 are the primary advertising channels).
    pub fn rf_channel(&self) -> u8 {
        byte(self.buffer.as_ref(), 0)
    }

    /// Signal power, dBm (valid when [`PhdrHeader::signal_power_valid`]).
    pub fn signal_power(&self) -> i8 {
        byte(self.buffer.as_ref(), 1) as i8
    }

    /// Noise power, dBm (valid when [`PhdrHeader::noise_power_valid`]).
    pub fn noise_power(&self) -> i8 {
        byte(self.buffer.as_ref(), 2) as i8
    }

    /// Access address offenses (valid when flagged).
    pub fn access_address_offenses(&self) -> u8 {
        byte(self.buffer.as_ref(), 3)
    }

    /// Reference access address (valid when flagged).
    pub fn reference_access_address(&self) -> u32 {
        le32(self.buffer.as_ref(), 4)
    }

    /// The flags ([`phdr_flags`]).
    pub fn flags(&self) -> u16 {
        le16(self.buffer.as_ref(), 8)
    }

    fn flag(&self, f: u16) -> bool {
        self.flags() & f != 0
    }

    /// The packet was de-whitened.
    pub fn dewhitened(&self) -> bool {
        self.flag(phdr_flags::DEWHITENED)
    }

    /// The signal power field is valid.
    pub fn signal_power_valid(&self) -> bool {
        self.flag(phdr_flags::SIGNAL_POWER_VALID)
    }

    /// The noise power field is valid.
    pub fn noise_power_valid(&self) -> bool {
        self.flag(phdr_flags::NOISE_POWER_VALID)
    }

    /// The packet was decrypted.
    pub fn decrypted(&self) -> bool {
        self.flag(phdr_flags::DECRYPTED)
    }

    /// The reference access address is valid.
    pub fn reference_access_address_valid(&self) -> bool {
        self.flag(phdr_flags::REFERENCE_ACCESS_ADDRESS_VALID)
    }

    /// The access address offenses field is valid.
    pub fn access_address_offenses_valid(&self) -> bool {
        self.flag(phdr_flags::ACCESS_ADDRESS_OFFENSES_VALID)
    }

    /// The channel may be aliased.
    pub fn channel_aliased(&self) -> bool {
        self.flag(phdr_flags::CHANNEL_ALIASED)
    }

    /// The PDU type bits.
    pub fn pdu_type(&self) -> PhdrPduType {
        PhdrPduType::from_bits(
            ((self.flags() & phdr_flags::PDU_TYPE_MASK) >> phdr_flags::PDU_TYPE_SHIFT) as u8,
        )
    }

    /// The CRC was checked by the sniffer.
    pub fn crc_checked(&self) -> bool {
        self.flag(phdr_flags::CRC_CHECKED)
    }

    /// The CRC is valid (meaningful when checked).
    pub fn crc_valid(&self) -> bool {
        self.flag(phdr_flags::CRC_VALID)
    }

    /// The MIC was checked.
    pub fn mic_checked(&self) -> bool {
        self.flag(phdr_flags::MIC_CHECKED)
    }

    /// The MIC is valid (meaningful when checked).
    pub fn mic_valid(&self) -> bool {
        self.flag(phdr_flags::MIC_VALID)
    }

    /// The PHY bits.
    pub fn phy(&self) -> Phy {
        Phy::from_bits(((self.flags() & phdr_flags::PHY_MASK) >> phdr_flags::PHY_SHIFT) as u8)
    }

    /// The link-layer packet after the pseudo-header.
    pub fn payload(&self) -> &[u8] {
        self.buffer.as_ref().get(PHDR_LEN..).unwrap_or(&[])
    }

    /// The pseudo-header's fields, with the validity flags applied.
    pub fn info(&self) -> PhdrInfo {
        let rf_channel = self.rf_channel();
        PhdrInfo {
            rf_channel,
            freq_mhz: rf_channel_to_mhz(rf_channel),
            signal_dbm: self.signal_power_valid().then(|| self.signal_power()),
            noise_dbm: self.noise_power_valid().then(|| self.noise_power()),
            access_address_offenses: self
                .access_address_offenses_valid()
                .then(|| self.access_address_offenses()),
            reference_access_address: self
                .reference_access_address_valid()
                .then(|| self.reference_access_address()),
            flags: self.flags(),
            dewhitened: self.dewhitened(),
            decrypted: self.decrypted(),
            channel_aliased: self.channel_aliased(),
            pdu_type: self.pdu_type(),
            phy: self.phy(),
            crc_checked: self.crc_checked(),
            crc_valid: self.crc_checked() && self.crc_valid(),
            mic_checked: self.mic_checked(),
            mic_valid: self.mic_checked() && self.mic_valid(),
        }
    }
}

/// The fields of a [`LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR`] pseudo-header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhdrInfo {
    /// RF channel (0..=39).
    pub rf_channel: u8,
    /// Frequency in MHz (2402 + 2 × RF channel), `None` for an RF channel above 39.
    pub freq_mhz: Option<u32>,
    /// Signal power, dBm, when the signal-valid flag is set.
    pub signal_dbm: Option<i8>,
    /// Noise power, dBm, when the noise-valid flag is set.
    pub noise_dbm: Option<i8>,
    /// Access address offenses, when flagged valid.
    pub access_address_offenses: Option<u8>,
    /// Reference access address, when flagged valid.
    pub reference_access_address: Option<u32>,
    /// The raw flags.
    pub flags: u16,
    /// The packet was de-whitened.
    pub dewhitened: bool,
    /// The packet was decrypted.
    pub decrypted: bool,
    /// The channel may be aliased.
    pub channel_aliased: bool,
    /// The PDU type bits.
    pub pdu_type: PhdrPduType,
    /// The PHY.
    pub phy: Phy,
    /// The sniffer checked the CRC.
    pub crc_checked: bool,
    /// The sniffer checked the CRC and it was valid.
    pub crc_valid: bool,
    /// The sniffer checked the MIC.
    pub mic_checked: bool,
    /// The sniffer checked the MIC and it was valid.
    pub mic_valid: bool,
}

/// Splits a [`LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR`] frame into the pseudo-header's fields and
/// the link-layer packet (which on LE Coded PHY starts with the access address and the coding
/// indicator: use [`LlPacket::new_checked_phy`] with `info.phy`).
pub fn decap_phdr(buf: &[u8]) -> Result<(PhdrInfo, &[u8])> {
    let h = PhdrHeader::new_checked(buf)?;
    Ok((h.info(), buf.get(PHDR_LEN..).unwrap_or(&[])))
}

// ---------------------------------------------------------------------------------------------
// LINKTYPE_NORDIC_BLE.

/// Nordic sniffer packet ids.
pub mod nordic_packet_id {
    /// A received packet (header versions 0-2), or a data-channel packet (version 3).
    pub const EVENT_PACKET: u8 = 0x06;
    /// Version 3 name of 0x06.
    pub const EVENT_PACKET_DATA_PDU: u8 = 0x06;
    /// A received advertising-channel packet (header version 3).
    pub const EVENT_PACKET_ADV_PDU: u8 = 0x02;
    /// The sniffer entered the follow state.
    pub const EVENT_FOLLOW: u8 = 0x01;
    /// A connection to the followed device was seen.
    pub const EVENT_CONNECT: u8 = 0x05;
    /// The followed connection ended.
    pub const EVENT_DISCONNECT: u8 = 0x09;
    /// Ping response.
    pub const PING_RESP: u8 = 0x0E;
}

/// Flag bits of the Nordic event-packet header.
pub mod nordic_flags {
    /// The CRC was correct.
    pub const CRC_OK: u8 = 0x01;
    /// Direction: set = central to peripheral ("master -> slave").
    pub const DIRECTION: u8 = 0x02;
    /// The packet was encrypted.
    pub const ENCRYPTED: u8 = 0x04;
    /// The MIC was correct (meaningful when encrypted).
    pub const MIC_OK: u8 = 0x08;
    /// Mask of the PHY field (bits 4-6).
    pub const PHY_MASK: u8 = 0x70;
}

/// The fields of a [`LINKTYPE_NORDIC_BLE`] header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NordicInfo {
    /// The header version (0 = legacy 0xBEEF format, 1, 2 or 3).
    pub version: u8,
    /// Board id (0 for the legacy format, which has none).
    pub board_id: u8,
    /// Packet counter of the sniffer's UART protocol.
    pub packet_counter: u16,
    /// Packet id ([`nordic_packet_id`]).
    pub packet_id: u8,
    /// The raw event-packet flags ([`nordic_flags`]).
    pub flags: u8,
    /// The CRC was correct.
    pub crc_ok: bool,
    /// Central to peripheral (otherwise peripheral to central; meaningful for data packets).
    pub central_to_peripheral: bool,
    /// The packet was encrypted.
    pub encrypted: bool,
    /// The MIC was correct (meaningful when encrypted).
    pub mic_ok: bool,
    /// The PHY.
    pub phy: Phy,
    /// Channel index (0..=36 data, 37..=39 advertising).
    pub channel: u8,
    /// Frequency in MHz of the channel index.
    pub freq_mhz: Option<u32>,
    /// RSSI in dBm (the negated sample byte).
    pub rssi_dbm: i16,
    /// Connection event counter.
    pub event_counter: u16,
    /// Time field, µs: the delta from the end of the previous packet (versions 0-2) or a
    /// timestamp (version 3).
    pub time_us: u32,
    /// Length of the Nordic header (offset of the access address).
    pub header_len: usize,
}

impl NordicInfo {
    /// Whether `time_us` is a delta (versions 0-2) rather than a timestamp (version 3).
    pub fn time_is_delta(&self) -> bool {
        self.version < 3
    }
}

/// Splits a [`LINKTYPE_NORDIC_BLE`] frame into the header's fields and the link-layer
/// packet (access address onwards, CRC included; on LE Coded PHY it has a coding indicator
/// after the access address: use [`LlPacket::new_checked_phy`] with `info.phy`).
///
/// Header versions handled (the version is the protocol-version byte, or the 0xBEEF marker):
///
/// * 0 (legacy, firmware 0.9.7): `BE EF`, id, counter (2), 2 unused, payload length, then
///   flags, channel, RSSI, event counter (2), delta time (4); the packet is at offset 17.
/// * 1: board id, header length, payload length, version, counter (2), id, then the event
///   header: its length (10), flags, channel, RSSI, event counter (2), delta time (4).
/// * 2: board id, payload length (2, LE), version, counter (2), id, then the same event
///   header as version 1. This is the version in the test capture
///   (`bsniffhub_encrypted-packet-501-missing.pcap`: every frame is version 2, id 6).
/// * 3: as version 2, with ids 0x02 (advertising) and 0x06 (data) and an absolute timestamp.
///
/// Only event packets are decapsulated; other packet ids (follow/connect/disconnect events,
/// pings, ...) and versions above 3 give `Unsupported`. The payload length is checked
/// against the buffer (`Truncated` when the buffer is shorter, extra bytes are ignored).
pub fn decap_nordic(buf: &[u8]) -> Result<(NordicInfo, &[u8])> {
    let len = buf.len();
    // Offsets of the event-packet fields, the packet id, and the end of the frame.
    let (version, board_id, counter, id, ev, ll_start, end) = if buf.starts_with(&[0xBE, 0xEF]) {
        if len < 17 {
            return Err(Error::truncated(LAYER_NORDIC, len));
        }
        let plen = usize::from(byte(buf, 7));
        (
            0u8,
            0u8,
            le16(buf, 3),
            byte(buf, 2),
            8usize,
            17usize,
            8 + plen,
        )
    } else {
        if len < 7 {
            return Err(Error::truncated(LAYER_NORDIC, len));
        }
        let board = byte(buf, 0);
        let version = byte(buf, 3);
        match version {
            1 => {
                let hlen = usize::from(byte(buf, 1));
                let plen = usize::from(byte(buf, 2));
                if hlen < 6 {
                    return Err(Error::malformed(LAYER_NORDIC, 1));
                }
                let ev = 1 + hlen;
                (1, board, le16(buf, 4), byte(buf, 6), ev, 0, ev + plen)
            }
            2 | 3 => {
                let plen = usize::from(le16(buf, 1));
                (version, board, le16(buf, 4), byte(buf, 6), 7, 0, 7 + plen)
            }
            _ => return Err(Error::unsupported(LAYER_NORDIC, 3)),
        }
    };
    let is_event = match version {
        3 => id == nordic_packet_id::EVENT_PACKET_ADV_PDU || id == nordic_packet_id::EVENT_PACKET,
        _ => id == nordic_packet_id::EVENT_PACKET,
    };
    if !is_event {
        let at = if version == 0 { 2 } else { 6 };
        return Err(Error::unsupported(LAYER_NORDIC, at));
    }
    // Versions 1-3 start the event header with its own length.
    let (fields, ll_start) = if version == 0 {
        (ev, ll_start)
    } else {
        let Some(&ev_len) = buf.get(ev) else {
            return Err(Error::truncated(LAYER_NORDIC, len));
        };
        let ev_len = usize::from(ev_len);
        if ev_len < 10 {
            return Err(Error::malformed(LAYER_NORDIC, ev));
        }
        (ev + 1, ev + ev_len)
    };
    if end > len {
        return Err(Error::truncated(LAYER_NORDIC, len));
    }
    if ll_start > end {
        return Err(Error::malformed(LAYER_NORDIC, ev));
    }
    let flags = byte(buf, fields);
    let channel = byte(buf, fields + 1);
    let info = NordicInfo {
        version,
        board_id,
        packet_counter: counter,
        packet_id: id,
        flags,
        crc_ok: flags & nordic_flags::CRC_OK != 0,
        central_to_peripheral: flags & nordic_flags::DIRECTION != 0,
        encrypted: flags & nordic_flags::ENCRYPTED != 0,
        mic_ok: flags & nordic_flags::MIC_OK != 0,
        phy: Phy::from_bits((flags & nordic_flags::PHY_MASK) >> 4),
        channel,
        freq_mhz: channel_index_to_mhz(channel),
        rssi_dbm: -i16::from(byte(buf, fields + 2)),
        event_counter: le16(buf, fields + 3),
        time_us: le32(buf, fields + 5),
        header_len: ll_start,
    };
    let ll = buf.get(ll_start..end).unwrap_or(&[]);
    Ok((info, ll))
}

// ---------------------------------------------------------------------------------------------
// All three.

/// A Bluetooth LE capture frame with its capture header removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BtleDecap<'a> {
    /// The linktype it came from.
    pub linktype: u32,
    /// RF channel (0..=39), when the header gives the channel.
    pub rf_channel: Option<u8>,
    /// Link-layer channel index (37..=39 advertising), when the header gives the channel.
    pub channel_index: Option<u8>,
    /// Frequency, MHz.
    pub freq_mhz: Option<u32>,
    /// Signal, dBm.
    pub signal_dbm: Option<i16>,
    /// Noise, dBm.
    pub noise_dbm: Option<i16>,
    /// The sniffer checked the CRC (always true for Nordic).
    pub crc_checked: bool,
    /// The sniffer checked the CRC and it was valid.
    pub crc_valid: bool,
    /// The PHY.
    pub phy: Phy,
    /// The link-layer packet.
    pub ll: &'a [u8],
}

impl<'a> BtleDecap<'a> {
    /// A checked view over the link-layer packet, honouring the PHY.
    pub fn packet(&self) -> Result<LlPacket<&'a [u8]>> {
        LlPacket::new_checked_phy(self.ll, self.phy)
    }

    /// The radio information in the form the 802.11 radio headers use. `bad_fcs` means the
    /// sniffer checked the CRC and it failed; `fcs_present` is false (the BLE CRC is not an
    /// 802.11 FCS).
    pub fn radio_info(&self) -> RadioInfo {
        RadioInfo {
            freq_mhz: self.freq_mhz,
            signal_dbm: self.signal_dbm.map(i32::from),
            noise_dbm: self.noise_dbm.map(i32::from),
            bad_fcs: self.crc_checked && !self.crc_valid,
            ..RadioInfo::default()
        }
    }
}

/// Removes the capture header of a frame of linktype 251, 256 or 272; other linktypes give
/// `Unsupported`.
pub fn decap(linktype: u32, buf: &[u8]) -> Result<BtleDecap<'_>> {
    match linktype {
        LINKTYPE_BLUETOOTH_LE_LL => Ok(BtleDecap {
            linktype,
            rf_channel: None,
            channel_index: None,
            freq_mhz: None,
            signal_dbm: None,
            noise_dbm: None,
            crc_checked: false,
            crc_valid: false,
            phy: Phy::Le1M,
            ll: buf,
        }),
        LINKTYPE_BLUETOOTH_LE_LL_WITH_PHDR => {
            let (i, ll) = decap_phdr(buf)?;
            Ok(BtleDecap {
                linktype,
                rf_channel: Some(i.rf_channel),
                channel_index: rf_channel_to_channel_index(i.rf_channel),
                freq_mhz: i.freq_mhz,
                signal_dbm: i.signal_dbm.map(i16::from),
                noise_dbm: i.noise_dbm.map(i16::from),
                crc_checked: i.crc_checked,
                crc_valid: i.crc_valid,
                phy: i.phy,
                ll,
            })
        }
        LINKTYPE_NORDIC_BLE => {
            let (i, ll) = decap_nordic(buf)?;
            Ok(BtleDecap {
                linktype,
                rf_channel: channel_index_to_rf_channel(i.channel),
                channel_index: Some(i.channel),
                freq_mhz: i.freq_mhz,
                signal_dbm: Some(i.rssi_dbm),
                noise_dbm: None,
                crc_checked: true,
                crc_valid: i.crc_ok,
                phy: i.phy,
                ll,
            })
        }
        _ => Err(Error::unsupported("BTLE", 0)),
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;

    // First frame of bsniffhub_connection-update.pcap: ADV_IND from 04:EE:03:4A:8B:38.
    const PHDR_ADV_IND: [u8; 41] = [
        0x00, 0xcd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x0c, 0xd6, 0xbe, 0x89, 0x8e, 0x00,
        0x16, 0x38, 0x8b, 0x4a, 0x03, 0xee, 0x04, 0x0c, 0x09, b'P', b'a', b'i', b'r', b'i', b'n',
        b'g', b'T', b'e', b's', b't', 0x02, 0x01, 0x06, 0x35, 0x27, 0x46,
    ];

    #[test]
    fn phdr_adv_ind() {
        let (info, ll) = decap_phdr(&PHDR_ADV_IND).unwrap();
        assert_eq!(info.rf_channel, 0);
        assert_eq!(info.freq_mhz, Some(2402));
        assert_eq!(info.signal_dbm, Some(-51));
        assert_eq!(info.noise_dbm, None);
        assert!(info.crc_checked && info.crc_valid);
        let p = LlPacket::new_checked(ll).unwrap();
        assert!(p.is_advertising());
        assert_eq!(p.pdu_type(), AdvPduType::AdvInd);
        assert_eq!(p.length(), 22);
        assert_eq!(p.adv_address(), Some([0x04, 0xee, 0x03, 0x4a, 0x8b, 0x38]));
        assert_eq!(p.crc(), 0x462735);
        assert!(p.verify_crc(ADVERTISING_CRC_INIT));
        let s = p.ad_summary();
        assert_eq!(s.name, Some(&b"PairingTest"[..]));
        assert!(s.name_complete);
        assert_eq!(s.flags, Some(0x06));
        assert_eq!(s.count, 2);
        assert!(s.truncated.is_none());
    }

    /// Builds a link-layer packet with a correct CRC: access address, header, payload.
    fn ll(aa: u32, header: [u8; 2], payload: &[u8], init: u32) -> std::vec::Vec<u8> {
        let mut v = std::vec::Vec::new();
        v.extend_from_slice(&aa.to_le_bytes());
        v.extend_from_slice(&header);
        v.extend_from_slice(payload);
        let crc = compute_crc(init, &v[4..]);
        v.extend_from_slice(&crc.to_le_bytes()[..3]);
        v
    }

    const A: [u8; 6] = [1, 2, 3, 4, 5, 6]; // wire order
    const A_DISPLAY: MacBytes = [6, 5, 4, 3, 2, 1];
    const B: [u8; 6] = [0xa, 0xb, 0xc, 0xd, 0xe, 0xf];
    const B_DISPLAY: MacBytes = [0xf, 0xe, 0xd, 0xc, 0xb, 0xa];

    #[test]
    fn scan_req_direct_ind_connect_ind() {
        let aa = ADVERTISING_ACCESS_ADDRESS;
        let init = ADVERTISING_CRC_INIT;
        let scan = ll(aa, [0x43, 12], &[A, B].concat(), init);
        let p = LlPacket::new_checked(&scan[..]).unwrap();
        assert_eq!(p.pdu_type(), AdvPduType::ScanReq);
        assert!(p.tx_add() && !p.rx_add());
        assert_eq!(p.scan_address(), Some(A_DISPLAY));
        assert_eq!(p.adv_address(), Some(B_DISPLAY));
        assert_eq!(p.adv_data(), None);
        assert!(p.verify_crc(init));
        // Kismet takes ScanA for the address, then fails to read AdvA as AD structures.
        assert_eq!(kismet_advertising_address(&scan), None);

        let direct = ll(aa, [0x81, 12], &[A, B].concat(), init);
        let p = LlPacket::new_checked(&direct[..]).unwrap();
        assert_eq!(p.pdu_type(), AdvPduType::AdvDirectInd);
        assert_eq!(p.adv_address(), Some(A_DISPLAY));
        assert_eq!(p.target_address(), Some(B_DISPLAY));
        assert_eq!(p.init_address(), None);

        let mut c = [A, B].concat();
        c.extend_from_slice(&[
            0x99, 0x66, 0x9e, 0xbd, 0x8e, 0x40, 0xe1, 0x01, 0x4d, 0x00, 0x50, 0x00, 0x00, 0x00,
            0xd0, 0x07, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xaf,
        ]);
        let connect = ll(aa, [0x05, 34], &c, init);
        let p = LlPacket::new_checked(&connect[..]).unwrap();
        assert_eq!(p.init_address(), Some(A_DISPLAY));
        assert_eq!(p.adv_address(), Some(B_DISPLAY));
        let ci = p.connect_ind().unwrap();
        assert_eq!(ci.access_address, 0xBD9E_6699);
        assert_eq!(ci.crc_init, 0xE1408E);
        assert_eq!(ci.win_offset, 0x4d);
        assert_eq!(ci.hop, 15);
        assert_eq!(ci.sca, 5);
        // Kismet cannot parse LLData as AD structures.
        assert_eq!(kismet_advertising_address(&connect), None);
        // A truncated CONNECT_IND has no parameters.
        assert_eq!(ConnectInd::parse(&c[..33]), None);
    }

    #[test]
    fn extended_header() {
        // ADV_EXT_IND: AdvMode 1, flags AdvA | ADI | AuxPtr | TxPower, then AdvData.
        let mut pl = std::vec::Vec::new();
        pl.push(0x40 | 13);
        pl.push(0x01 | 0x08 | 0x10 | 0x40);
        pl.extend_from_slice(&A);
        pl.extend_from_slice(&[0x34, 0x12]);
        pl.extend_from_slice(&[0x05 | 0x80, 0x10, 0x20]);
        pl.push(0xF6);
        pl.extend_from_slice(&[2, 1, 6]);
        let pkt = ll(ADVERTISING_ACCESS_ADDRESS, [0x07, pl.len() as u8], &pl, 0);
        let p = LlPacket::new_checked(&pkt[..]).unwrap();
        let h = p.ext_header().unwrap().unwrap();
        assert_eq!(h.adv_mode, 1);
        assert_eq!(h.adv_address, Some(A_DISPLAY));
        assert_eq!(h.adi, Some(0x1234));
        let aux = h.aux_ptr.unwrap();
        assert_eq!(aux.channel_index, 5);
        assert!(aux.offset_units_300us);
        assert_eq!(aux.aux_offset, 0x0010);
        assert_eq!(aux.aux_phy, Phy::Le2M);
        assert_eq!(h.tx_power, Some(-10));
        assert!(h.acad.is_empty());
        assert_eq!(p.adv_address(), Some(A_DISPLAY));
        assert_eq!(p.adv_data(), Some(&[2, 1, 6][..]));
        assert_eq!(p.ad_summary().flags, Some(6));
        // Fields that overrun the extended header length are malformed.
        let bad = [0x02, 0x01, 0xAA, 0xBB];
        assert_eq!(
            ExtHeader::parse(&bad, 0).unwrap_err().kind,
            crate::ErrorKind::Malformed
        );
        // An extended header length past the payload is truncated.
        assert_eq!(
            ExtHeader::parse(&[0x3F, 0], 0).unwrap_err().kind,
            crate::ErrorKind::Truncated
        );
    }

    #[test]
    fn ad_structures_and_summary() {
        let data = [
            2, 0x01, 0x1A, // flags
            5, 0x03, 0x0F, 0x18, 0x0A, 0x18, // uuid16 0x180F, 0x180A
            4, 0x08, b'a', b'b', b'c', // short name
            5, 0xFF, 0x4C, 0x00, 0x02, 0x15, // Apple
            2, 0x0A, 0xF4, // tx power -12
            3, 0x19, 0xC1, 0x03, // appearance
            17, 0x07, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0,
            0xEE, // zero length ends the walk
        ];
        let v: std::vec::Vec<_> = AdStructures::new(&data).map(|a| a.unwrap()).collect();
        assert_eq!(v.len(), 7);
        let u: std::vec::Vec<u16> = v[1].uuid16s().unwrap().collect();
        assert_eq!(u, [0x180F, 0x180A]);
        assert_eq!(v[3].manufacturer_data(), Some((0x004C, &[0x02, 0x15][..])));
        let u128s: std::vec::Vec<u128> = v[6].uuid128s().unwrap().collect();
        assert_eq!(u128s, [0x0f0e0d0c_0b0a0908_07060504_03020100]);
        let s = AdSummary::from_ad_data(&data);
        assert_eq!(s.name, Some(&b"abc"[..]));
        assert!(!s.name_complete);
        assert_eq!(s.tx_power, Some(-12));
        assert_eq!(s.appearance, Some(0x03C1));
        assert_eq!(s.manufacturer.map(|m| m.0), Some(0x004C));
        assert_eq!(s.count, 7);
        assert_eq!(s.max_ad_len, 17);
        // An oversized structure is reported, with its declared length.
        let over = [2, 1, 6, 40, 0xFF, 1, 2];
        let s = AdSummary::from_ad_data(&over);
        assert_eq!(s.count, 1);
        assert_eq!(s.max_ad_len, 40);
        assert_eq!(s.truncated.map(|e| e.offset), Some(7));
    }

    #[test]
    fn data_header_and_coded() {
        // Coded PHY: CI byte after the access address; data PDU with CP set (CTEInfo).
        let mut v = std::vec::Vec::from(0x1234_5678u32.to_le_bytes());
        v.push(0x01); // CI = S=2
        v.extend_from_slice(&[
            0x20 | 0x10 | 0x08 | 0x04 | 0x03,
            2,
            0x55,
            0x02,
            0x13,
            0,
            0,
            0,
        ]);
        let p = LlPacket::new_checked_phy(&v[..], Phy::LeCoded).unwrap();
        assert!(!p.is_advertising());
        assert_eq!(p.coding_indicator(), Some(1));
        assert_eq!(p.llid(), llid::CONTROL);
        assert!(p.nesn() && p.sn() && p.md() && p.cp());
        assert_eq!(p.cte_info(), Some(0x55));
        assert_eq!(p.header_len(), 3);
        assert_eq!(p.payload(), &[0x02, 0x13]);
        assert_eq!(p.ll_control_opcode(), Some(ll_control::TERMINATE_IND));
        assert_eq!(p.adv_address(), None);
        // Read as uncoded the same bytes are one short.
        assert!(LlPacket::new_checked(&v[..v.len() - 1]).is_err());
    }

    #[test]
    fn nordic_versions() {
        let pkt = ll(
            ADVERTISING_ACCESS_ADDRESS,
            [0x02, 6],
            &A,
            ADVERTISING_CRC_INIT,
        );
        let event = |len: u8| [len, 0x01 | 0x10, 38, 70, 0x34, 0x12, 1, 0, 0, 0];
        // Version 1.
        let mut v1 = std::vec![3u8, 6, 10 + pkt.len() as u8, 1, 7, 0, 6];
        v1.extend_from_slice(&event(10));
        v1.extend_from_slice(&pkt);
        let (i, ll1) = decap_nordic(&v1).unwrap();
        assert_eq!((i.version, i.board_id, i.packet_counter), (1, 3, 7));
        assert_eq!(i.phy, Phy::Le2M);
        assert_eq!((i.channel, i.freq_mhz, i.rssi_dbm), (38, Some(2426), -70));
        assert_eq!(i.event_counter, 0x1234);
        assert_eq!(ll1, &pkt[..]);
        // Version 3, advertising id, a longer event header, absolute time.
        let mut v3 = std::vec![0u8];
        v3.extend_from_slice(&(11 + pkt.len() as u16).to_le_bytes());
        v3.extend_from_slice(&[3, 9, 0, nordic_packet_id::EVENT_PACKET_ADV_PDU]);
        v3.extend_from_slice(&event(11));
        v3.push(0xEE);
        v3.extend_from_slice(&pkt);
        let (i, ll3) = decap_nordic(&v3).unwrap();
        assert_eq!(i.version, 3);
        assert!(!i.time_is_delta());
        assert_eq!(i.header_len, 18);
        assert_eq!(ll3, &pkt[..]);
        // Legacy 0xBEEF.
        let mut v0 = std::vec![0xBE, 0xEF, 6, 5, 0, 0, 0, 9 + pkt.len() as u8];
        v0.extend_from_slice(&event(0)[1..]);
        v0.extend_from_slice(&pkt);
        let (i, ll0) = decap_nordic(&v0).unwrap();
        assert_eq!((i.version, i.packet_counter, i.channel), (0, 5, 38));
        assert_eq!(ll0, &pkt[..]);
        // Not an event packet; unknown version; truncated; short event header.
        let mut other = v3.clone();
        other[6] = nordic_packet_id::EVENT_CONNECT;
        assert_eq!(
            decap_nordic(&other).unwrap_err().kind,
            crate::ErrorKind::Unsupported
        );
        let mut v4 = v3.clone();
        v4[3] = 4;
        assert_eq!(
            decap_nordic(&v4).unwrap_err().kind,
            crate::ErrorKind::Unsupported
        );
        assert_eq!(
            decap_nordic(&v3[..v3.len() - 1]).unwrap_err().kind,
            crate::ErrorKind::Truncated
        );
        let mut short = v3.clone();
        short[7] = 9;
        assert_eq!(
            decap_nordic(&short).unwrap_err().kind,
            crate::ErrorKind::Malformed
        );
        // The unified decap.
        let d = decap(LINKTYPE_NORDIC_BLE, &v1).unwrap();
        assert_eq!(d.rf_channel, Some(12));
        assert!(d.crc_valid);
        assert_eq!(d.radio_info().signal_dbm, Some(-70));
        assert_eq!(d.packet().unwrap().adv_address(), Some(A_DISPLAY));
        assert!(decap(1, &v1).is_err());
    }

    #[test]
    fn channels() {
        for idx in 0..40u8 {
            let rf = channel_index_to_rf_channel(idx).unwrap();
            assert_eq!(rf_channel_to_channel_index(rf), Some(idx));
        }
        assert_eq!(channel_index_to_mhz(37), Some(2402));
        assert_eq!(channel_index_to_mhz(38), Some(2426));
        assert_eq!(channel_index_to_mhz(39), Some(2480));
        assert_eq!(channel_index_to_mhz(0), Some(2404));
        assert_eq!(channel_index_to_mhz(40), None);
        assert_eq!(rf_channel_to_mhz(40), None);
    }

    #[test]
    fn short_buffers_never_panic() {
        for n in 0..PHDR_ADV_IND.len() {
            let b = &PHDR_ADV_IND[10..10 + n.min(31)];
            let p = LlPacket::new_unchecked(b);
            let _ = (
                p.adv_address(),
                p.crc(),
                p.payload(),
                p.adv_data(),
                p.verify_crc(0),
            );
            for _ in p.ad_structures() {}
            let _ = decap(256, &PHDR_ADV_IND[..n]);
            let _ = decap(272, &PHDR_ADV_IND[..n]);
        }
    }
}
