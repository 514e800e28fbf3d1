//! Information elements: the `id, length, data` records that follow the fixed fields of
//! management frame bodies.
//!
//! [`Elements`] iterates over a buffer of elements and yields [`Element`]s. It stops at the end
//! of the buffer or at the first element that does not fit (an element header cut short, or a
//! length pointing past the end); that truncation is recorded and available from
//! [`Elements::error`] once iteration has stopped (or at once from [`Elements::check`]). An
//! extension element (id 255) with length 0 has no extension id: it is skipped, the problem is
//! recorded, and iteration goes on with the next element.
//!
//! Typed parsers take [`Element::data`] (for extension elements: the bytes after the
//! extension id; for vendor-specific elements: the whole data, starting with the OUI) and
//! return a `Copy` view or an [`crate::Error`] whose offset is relative to that data.
//! [`Element::decode`] dispatches on the id to the right parser.

mod phy;
mod rsn;
mod vendor;

pub use phy::{
    ChannelWidth, HeCapabilities, HeOperation, HtCapabilities, HtOperation, SecondaryChannelOffset,
    SixGhzOperation, VhtCapabilities, VhtOperation, VhtOperationInfo,
};
pub use rsn::{
    Akm, Cipher, Pmkids, PmkidsIter, Rsn, RsnCapabilities, Rsnx, Suite, Suites, SuitesIter, Wpa,
};
pub use vendor::{oui, AcParameters, QosInfo, Vendor, VendorKind, Wmm};

use super::read;
use crate::{wps, Error, Result};
use core::iter::FusedIterator;

/// Element IDs.
pub mod id {
    /// SSID.
    pub const SSID: u8 = 0;
    /// Supported Rates and BSS Membership Selectors.
    pub const SUPPORTED_RATES: u8 = 1;
    /// FH Parameter Set (obsolete).
    pub const FH_PARAMS: u8 = 2;
    /// DSSS Parameter Set (current channel).
    pub const DS_PARAMS: u8 = 3;
    /// CF Parameter Set.
    pub const CF_PARAMS: u8 = 4;
    /// Traffic Indication Map.
    pub const TIM: u8 = 5;
    /// IBSS Parameter Set.
    pub const IBSS: u8 = 6;
    /// Country.
    pub const COUNTRY: u8 = 7;
    /// Request.
    pub const REQUEST: u8 = 10;
    /// BSS Load.
    pub const BSS_LOAD: u8 = 11;
    /// EDCA Parameter Set.
    pub const EDCA_PARAMS: u8 = 12;
    /// TSPEC.
    pub const TSPEC: u8 = 13;
    /// TCLAS.
    pub const TCLAS: u8 = 14;
    /// Schedule.
    pub const SCHEDULE: u8 = 15;
    /// Challenge Text (shared-key authentication).
    pub const CHALLENGE_TEXT: u8 = 16;
    /// Power Constraint.
    pub const POWER_CONSTRAINT: u8 = 32;
    /// Power Capability.
    pub const POWER_CAPABILITY: u8 = 33;
    /// TPC Request.
    pub const TPC_REQUEST: u8 = 34;
    /// TPC Report.
    pub const TPC_REPORT: u8 = 35;
    /// Supported Channels.
    pub const SUPPORTED_CHANNELS: u8 = 36;
    /// Channel Switch Announcement.
    pub const CHANNEL_SWITCH: u8 = 37;
    /// Measurement Request.
    pub const MEASUREMENT_REQUEST: u8 = 38;
    /// Measurement Report.
    pub const MEASUREMENT_REPORT: u8 = 39;
    /// Quiet.
    pub const QUIET: u8 = 40;
    /// IBSS DFS.
    pub const IBSS_DFS: u8 = 41;
    /// ERP Information.
    pub const ERP: u8 = 42;
    /// TS Delay.
    pub const TS_DELAY: u8 = 43;
    /// TCLAS Processing.
    pub const TCLAS_PROCESSING: u8 = 44;
    /// HT Capabilities.
    pub const HT_CAPABILITIES: u8 = 45;
    /// QoS Capability.
    pub const QOS_CAPABILITY: u8 = 46;
    /// RSN.
    pub const RSN: u8 = 48;
    /// Extended Supported Rates and BSS Membership Selectors.
    pub const EXTENDED_RATES: u8 = 50;
    /// AP Channel Report.
    pub const AP_CHANNEL_REPORT: u8 = 51;
    /// Neighbor Report.
    pub const NEIGHBOR_REPORT: u8 = 52;
    /// RCPI.
    pub const RCPI: u8 = 53;
    /// Mobility Domain (802.11r).
    pub const MOBILITY_DOMAIN: u8 = 54;
    /// Fast BSS Transition (FTE).
    pub const FAST_BSS_TRANSITION: u8 = 55;
    /// Timeout Interval.
    pub const TIMEOUT_INTERVAL: u8 = 56;
    /// RIC Data.
    pub const RIC_DATA: u8 = 57;
    /// DSE Registered Location.
    pub const DSE_REGISTERED_LOCATION: u8 = 58;
    /// Supported Operating Classes.
    pub const SUPPORTED_OPERATING_CLASSES: u8 = 59;
    /// Extended Channel Switch Announcement.
    pub const EXT_CHANNEL_SWITCH: u8 = 60;
    /// HT Operation.
    pub const HT_OPERATION: u8 = 61;
    /// Secondary Channel Offset.
    pub const SECONDARY_CHANNEL_OFFSET: u8 = 62;
    /// BSS Average Access Delay.
    pub const BSS_AVG_ACCESS_DELAY: u8 = 63;
    /// Antenna.
    pub const ANTENNA: u8 = 64;
    /// RSNI.
    pub const RSNI: u8 = 65;
    /// Measurement Pilot Transmission.
    pub const MEASUREMENT_PILOT: u8 = 66;
    /// BSS Available Admission Capacity.
    pub const BSS_AVAILABLE_CAPACITY: u8 = 67;
    /// BSS AC Access Delay.
    pub const BSS_AC_ACCESS_DELAY: u8 = 68;
    /// Time Advertisement.
    pub const TIME_ADVERTISEMENT: u8 = 69;
    /// RM Enabled Capabilities.
    pub const RM_ENABLED_CAPABILITIES: u8 = 70;
    /// Multiple BSSID.
    pub const MULTIPLE_BSSID: u8 = 71;
    /// 20/40 BSS Coexistence.
    pub const BSS_COEXISTENCE: u8 = 72;
    /// 20/40 BSS Intolerant Channel Report.
    pub const INTOLERANT_CHANNEL_REPORT: u8 = 73;
    /// Overlapping BSS Scan Parameters.
    pub const OVERLAPPING_BSS_SCAN_PARAMS: u8 = 74;
    /// RIC Descriptor.
    pub const RIC_DESCRIPTOR: u8 = 75;
    /// Management MIC (MME).
    pub const MANAGEMENT_MIC: u8 = 76;
    /// Event Request.
    pub const EVENT_REQUEST: u8 = 78;
    /// Event Report.
    pub const EVENT_REPORT: u8 = 79;
    /// Nontransmitted BSSID Capability.
    pub const NONTRANSMITTED_BSSID_CAPABILITY: u8 = 83;
    /// SSID List.
    pub const SSID_LIST: u8 = 84;
    /// Multiple BSSID-Index.
    pub const MULTIPLE_BSSID_INDEX: u8 = 85;
    /// BSS Max Idle Period.
    pub const BSS_MAX_IDLE_PERIOD: u8 = 90;
    /// Time Zone.
    pub const TIME_ZONE: u8 = 98;
    /// Link Identifier (TDLS).
    pub const LINK_ID: u8 = 101;
    /// Interworking (Hotspot 2.0).
    pub const INTERWORKING: u8 = 107;
    /// Advertisement Protocol.
    pub const ADVERTISEMENT_PROTOCOL: u8 = 108;
    /// QoS Map.
    pub const QOS_MAP: u8 = 110;
    /// Roaming Consortium.
    pub const ROAMING_CONSORTIUM: u8 = 111;
    /// Mesh Configuration.
    pub const MESH_CONFIG: u8 = 113;
    /// Mesh ID.
    pub const MESH_ID: u8 = 114;
    /// Mesh Link Metric Report.
    pub const MESH_LINK_METRIC_REPORT: u8 = 115;
    /// Congestion Notification.
    pub const CONGESTION_NOTIFICATION: u8 = 116;
    /// Mesh Peering Management.
    pub const MESH_PEERING_MGMT: u8 = 117;
    /// Mesh Channel Switch Parameters.
    pub const MESH_CHANNEL_SWITCH_PARAMS: u8 = 118;
    /// Mesh Awake Window.
    pub const MESH_AWAKE_WINDOW: u8 = 119;
    /// Beacon Timing.
    pub const BEACON_TIMING: u8 = 120;
    /// Gate Announcement.
    pub const GANN: u8 = 125;
    /// Root Announcement.
    pub const RANN: u8 = 126;
    /// Extended Capabilities.
    pub const EXT_CAPABILITIES: u8 = 127;
    /// HWMP Path Request.
    pub const PREQ: u8 = 130;
    /// HWMP Path Reply.
    pub const PREP: u8 = 131;
    /// HWMP Path Error.
    pub const PERR: u8 = 132;
    /// Cisco Aironet (CCX) element, carries the AP name.
    pub const CISCO_CCX1: u8 = 133;
    /// VHT Capabilities.
    pub const VHT_CAPABILITIES: u8 = 191;
    /// VHT Operation.
    pub const VHT_OPERATION: u8 = 192;
    /// Extended BSS Load.
    pub const EXTENDED_BSS_LOAD: u8 = 193;
    /// Wide Bandwidth Channel Switch.
    pub const WIDE_BANDWIDTH_CHANNEL_SWITCH: u8 = 194;
    /// Transmit Power Envelope.
    pub const TRANSMIT_POWER_ENVELOPE: u8 = 195;
    /// Channel Switch Wrapper.
    pub const CHANNEL_SWITCH_WRAPPER: u8 = 196;
    /// Operating Mode Notification.
    pub const OPERATING_MODE_NOTIFICATION: u8 = 199;
    /// Reduced Neighbor Report.
    pub const REDUCED_NEIGHBOR_REPORT: u8 = 201;
    /// Vendor Specific.
    pub const VENDOR: u8 = 221;
    /// FILS Indication.
    pub const FILS_INDICATION: u8 = 240;
    /// Fragment (continuation of the previous element).
    pub const FRAGMENT: u8 = 242;
    /// RSN Extension (RSNXE).
    pub const RSNX: u8 = 244;
    /// Element ID Extension: the first data byte is the extension id, see [`ext`].
    pub const EXTENSION: u8 = 255;

    /// Element ID Extension values (the byte after the length of an element with id 255).
    pub mod ext {
        /// Association Delay Info.
        pub const ASSOC_DELAY_INFO: u8 = 1;
        /// FILS Request Parameters.
        pub const FILS_REQUEST_PARAMS: u8 = 2;
        /// FILS Key Confirmation.
        pub const FILS_KEY_CONFIRM: u8 = 3;
        /// FILS Session.
        pub const FILS_SESSION: u8 = 4;
        /// FILS HLP Container.
        pub const FILS_HLP_CONTAINER: u8 = 5;
        /// FILS IP Address Assignment.
        pub const FILS_IP_ADDR_ASSIGN: u8 = 6;
        /// Key Delivery.
        pub const KEY_DELIVERY: u8 = 7;
        /// FILS Wrapped Data.
        pub const FILS_WRAPPED_DATA: u8 = 8;
        /// FILS Public Key.
        pub const FILS_PUBLIC_KEY: u8 = 12;
        /// FILS Nonce.
        pub const FILS_NONCE: u8 = 13;
        /// Future Channel Guidance.
        pub const FUTURE_CHANNEL_GUIDANCE: u8 = 14;
        /// OWE Diffie-Hellman Parameter.
        pub const OWE_DH_PARAM: u8 = 32;
        /// Password Identifier (SAE).
        pub const PASSWORD_IDENTIFIER: u8 = 33;
        /// HE Capabilities.
        pub const HE_CAPABILITIES: u8 = 35;
        /// HE Operation.
        pub const HE_OPERATION: u8 = 36;
        /// UORA Parameter Set.
        pub const UORA: u8 = 37;
        /// MU EDCA Parameter Set.
        pub const MU_EDCA: u8 = 38;
        /// Spatial Reuse Parameter Set.
        pub const SPATIAL_REUSE: u8 = 39;
        /// NDP Feedback Report Parameter Set.
        pub const NDP_FEEDBACK_REPORT: u8 = 41;
        /// BSS Color Change Announcement.
        pub const BSS_COLOR_CHANGE: u8 = 42;
        /// Quiet Time Period Setup.
        pub const QUIET_TIME_PERIOD: u8 = 43;
        /// ESS Report.
        pub const ESS_REPORT: u8 = 45;
        /// OPS.
        pub const OPS: u8 = 46;
        /// HE BSS Load.
        pub const HE_BSS_LOAD: u8 = 47;
        /// Max Channel Switch Time.
        pub const MAX_CHANNEL_SWITCH_TIME: u8 = 52;
        /// Multiple BSSID Configuration.
        pub const MULTIPLE_BSSID_CONFIG: u8 = 55;
        /// Non-Inheritance.
        pub const NON_INHERITANCE: u8 = 56;
        /// Known BSSID.
        pub const KNOWN_BSSID: u8 = 57;
        /// Short SSID List.
        pub const SHORT_SSID_LIST: u8 = 58;
        /// HE 6 GHz Band Capabilities.
        pub const HE_6GHZ_CAPABILITIES: u8 = 59;
        /// UL MU Power Capabilities.
        pub const UL_MU_POWER: u8 = 60;
        /// Rejected Groups (SAE).
        pub const REJECTED_GROUPS: u8 = 92;
        /// Anti-Clogging Token Container (SAE).
        pub const ANTI_CLOGGING_TOKEN: u8 = 93;
        /// EHT Operation.
        pub const EHT_OPERATION: u8 = 106;
        /// Multi-Link.
        pub const MULTI_LINK: u8 = 107;
        /// EHT Capabilities.
        pub const EHT_CAPABILITIES: u8 = 108;
        /// TID-To-Link Mapping.
        pub const TID_TO_LINK_MAPPING: u8 = 109;
    }
}

pub use id::ext as ext_id;

const LAYER: &str = "802.11 IE";

/// One information element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Element<'a> {
    /// Element ID, see [`id`].
    pub id: u8,
    /// For id 255 ([`id::EXTENSION`]): the Element ID Extension, see [`ext_id`].
    pub ext_id: Option<u8>,
    /// The element's data: the bytes after the length byte, or after the extension id for
    /// extension elements.
    pub data: &'a [u8],
    /// Offset of the element's id byte within the buffer the [`Elements`] iterator walks.
    pub offset: usize,
}

impl<'a> Element<'a> {
    /// True when this is the element `id` (not an extension element).
    pub fn is(&self, id: u8) -> bool {
        self.id == id && self.ext_id.is_none()
    }
    /// True when this is the extension element `ext_id`.
    pub fn is_ext(&self, ext_id: u8) -> bool {
        self.id == id::EXTENSION && self.ext_id == Some(ext_id)
    }
    /// The element as a vendor-specific element (`None` for other ids).
    pub fn vendor(&self) -> Option<Result<Vendor<'a>>> {
        if self.id == id::VENDOR {
            Some(Vendor::parse(self.data))
        } else {
            None
        }
    }
    /// The WPS attribute stream when this is a WPS vendor element (00:50:F2 type 4).
    pub fn wps_data(&self) -> Option<&'a [u8]> {
        if self.id != id::VENDOR {
            return None;
        }
        match self.data {
            [0x00, 0x50, 0xf2, 0x04, rest @ ..] => Some(rest),
            _ => None,
        }
    }
    /// The WPS summary when this is a WPS vendor element.
    pub fn wps(&self) -> Option<Result<wps::Summary<'a>>> {
        self.wps_data().map(wps::Summary::parse)
    }
    /// Decode the element with the parser for its id.
    pub fn decode(&self) -> Result<Decoded<'a>> {
        let d = self.data;
        Ok(match (self.id, self.ext_id) {
            (id::SSID, _) => Decoded::Ssid(Ssid::parse(d)?),
            (id::SUPPORTED_RATES, _) => Decoded::SupportedRates(Rates::parse(d)?),
            (id::EXTENDED_RATES, _) => Decoded::ExtendedRates(Rates::parse(d)?),
            (id::DS_PARAMS, _) => Decoded::DsChannel(ds_channel(d)?),
            (id::TIM, _) => Decoded::Tim(Tim::parse(d)?),
            (id::IBSS, _) => Decoded::IbssAtimWindow(ibss_atim_window(d)?),
            (id::COUNTRY, _) => Decoded::Country(Country::parse(d)?),
            (id::BSS_LOAD, _) => Decoded::BssLoad(BssLoad::parse(d)?),
            (id::CHANNEL_SWITCH, _) => Decoded::ChannelSwitch(ChannelSwitch::parse(d)?),
            (id::ERP, _) => Decoded::Erp(Erp::parse(d)?),
            (id::HT_CAPABILITIES, _) => Decoded::HtCapabilities(HtCapabilities::parse(d)?),
            (id::HT_OPERATION, _) => Decoded::HtOperation(HtOperation::parse(d)?),
            (id::RSN, _) => Decoded::Rsn(Rsn::parse(d)?),
            (id::MOBILITY_DOMAIN, _) => Decoded::MobilityDomain(MobilityDomain::parse(d)?),
            (id::EXT_CAPABILITIES, _) => Decoded::ExtCapabilities(ExtCapabilities::parse(d)?),
            (id::MESH_ID, _) => Decoded::MeshId(mesh_id(d)?),
            (id::MESH_CONFIG, _) => Decoded::MeshConfig(MeshConfig::parse(d)?),
            (id::VHT_CAPABILITIES, _) => Decoded::VhtCapabilities(VhtCapabilities::parse(d)?),
            (id::VHT_OPERATION, _) => Decoded::VhtOperation(VhtOperation::parse(d)?),
            (id::RSNX, _) => Decoded::Rsnx(Rsnx::parse(d)?),
            (id::EXTENSION, Some(ext_id::HE_CAPABILITIES)) => {
                Decoded::HeCapabilities(HeCapabilities::parse(d)?)
            }
            (id::EXTENSION, Some(ext_id::HE_OPERATION)) => {
                Decoded::HeOperation(HeOperation::parse(d)?)
            }
            (id::VENDOR, _) => {
                let v = Vendor::parse(d)?;
                match v.kind() {
                    VendorKind::Wpa => Decoded::Wpa(Wpa::parse(d)?),
                    VendorKind::Wmm => Decoded::Wmm(Wmm::parse(d)?),
                    VendorKind::Wps => Decoded::Wps(wps::Summary::parse(v.data)?),
                    _ => Decoded::Vendor(v),
                }
            }
            _ => Decoded::Other(*self),
        })
    }
}

/// An element decoded by [`Element::decode`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decoded<'a> {
    /// SSID.
    Ssid(Ssid<'a>),
    /// Supported rates.
    SupportedRates(Rates<'a>),
    /// Extended supported rates.
    ExtendedRates(Rates<'a>),
    /// DS parameter set: the current channel.
    DsChannel(u8),
    /// Traffic indication map.
    Tim(Tim<'a>),
    /// IBSS parameter set: the ATIM window in TU.
    IbssAtimWindow(u16),
    /// Country.
    Country(Country<'a>),
    /// BSS load.
    BssLoad(BssLoad),
    /// Channel switch announcement.
    ChannelSwitch(ChannelSwitch),
    /// ERP information.
    Erp(Erp),
    /// HT capabilities.
    HtCapabilities(HtCapabilities),
    /// HT operation.
    HtOperation(HtOperation),
    /// RSN.
    Rsn(Rsn<'a>),
    /// Mobility domain.
    MobilityDomain(MobilityDomain),
    /// Extended capabilities.
    ExtCapabilities(ExtCapabilities<'a>),
    /// Mesh ID.
    MeshId(&'a [u8]),
    /// Mesh configuration.
    MeshConfig(MeshConfig),
    /// VHT capabilities.
    VhtCapabilities(VhtCapabilities),
    /// VHT operation.
    VhtOperation(VhtOperation),
    /// RSN extension.
    Rsnx(Rsnx<'a>),
    /// HE capabilities (extension element).
    HeCapabilities(HeCapabilities<'a>),
    /// HE operation (extension element).
    HeOperation(HeOperation),
    /// WPA (vendor 00:50:F2 type 1).
    Wpa(Wpa<'a>),
    /// WMM (vendor 00:50:F2 type 2).
    Wmm(Wmm<'a>),
    /// WPS (vendor 00:50:F2 type 4).
    Wps(wps::Summary<'a>),
    /// Another vendor-specific element.
    Vendor(Vendor<'a>),
    /// An element without a typed parser here.
    Other(Element<'a>),
}

/// Iterator over the elements in a buffer; see the [module documentation](self) for how it
/// handles malformed input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Elements<'a> {
    buf: &'a [u8],
    pos: usize,
    error: Option<Error>,
}

impl<'a> Elements<'a> {
    /// Iterate over the elements in `buf`.
    pub const fn new(buf: &'a [u8]) -> Elements<'a> {
        Elements {
            buf,
            pos: 0,
            error: None,
        }
    }

    /// The first problem met so far: a truncated element (iteration has stopped there) or a
    /// malformed extension element (skipped). `None` after a clean walk.
    pub fn error(&self) -> Option<Error> {
        self.error
    }

    /// Walk a copy of the remaining elements and return the first problem.
    pub fn check(&self) -> Result<()> {
        let mut it = self.clone();
        for _ in it.by_ref() {}
        match it.error {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// The whole buffer being walked: every [`Element::offset`] is relative to it.
    pub fn buffer(&self) -> &'a [u8] {
        self.buf
    }

    /// The bytes not yet walked.
    pub fn remaining(&self) -> &'a [u8] {
        read::tail(self.buf, self.pos)
    }

    /// The first remaining element with id `id` (not an extension element).
    pub fn get(&self, id: u8) -> Option<Element<'a>> {
        self.clone().find(|e| e.is(id))
    }

    /// The first remaining extension element with extension id `ext_id`.
    pub fn get_ext(&self, ext_id: u8) -> Option<Element<'a>> {
        self.clone().find(|e| e.is_ext(ext_id))
    }

    /// The first remaining vendor-specific element with this OUI and (when given) vendor type.
    pub fn get_vendor(&self, oui: [u8; 3], vendor_type: Option<u8>) -> Option<Element<'a>> {
        self.clone().find(|e| match e.vendor() {
            Some(Ok(v)) => v.oui == oui && (vendor_type.is_none() || v.vendor_type == vendor_type),
            _ => false,
        })
    }

    /// The SSID element's raw bytes (first SSID element), without validation.
    pub fn ssid(&self) -> Option<&'a [u8]> {
        self.get(id::SSID).map(|e| e.data)
    }
}

impl<'a> Iterator for Elements<'a> {
    type Item = Element<'a>;

    fn next(&mut self) -> Option<Element<'a>> {
        loop {
            let start = self.pos;
            if start >= self.buf.len() {
                return None;
            }
            let (Some(id), Some(len)) = (
                read::u8_at(self.buf, start),
                read::u8_at(self.buf, start + 1),
            ) else {
                self.fail(Error::truncated(LAYER, start));
                return None;
            };
            let Some(data) = read::slice(self.buf, start + 2, usize::from(len)) else {
                self.fail(Error::truncated(LAYER, start));
                return None;
            };
            self.pos = start + 2 + usize::from(len);
            if id == id::EXTENSION {
                match data.split_first() {
                    Some((&ext, rest)) => {
                        return Some(Element {
                            id,
                            ext_id: Some(ext),
                            data: rest,
                            offset: start,
                        })
                    }
                    None => {
                        if self.error.is_none() {
                            self.error = Some(Error::malformed(LAYER, start));
                        }
                        continue;
                    }
                }
            }
            return Some(Element {
                id,
                ext_id: None,
                data,
                offset: start,
            });
        }
    }
}

impl FusedIterator for Elements<'_> {}

impl Elements<'_> {
    fn fail(&mut self, e: Error) {
        if self.error.is_none() {
            self.error = Some(e);
        }
        self.pos = self.buf.len();
    }
}

fn need(layer: &'static str, data: &[u8], len: usize) -> Result<()> {
    if data.len() < len {
        Err(Error::truncated(layer, data.len()))
    } else {
        Ok(())
    }
}

/// SSID element contents: 0 to 32 arbitrary bytes (not necessarily UTF-8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Ssid<'a>(pub &'a [u8]);

impl<'a> Ssid<'a> {
    /// Maximum SSID length.
    pub const MAX_LEN: usize = 32;

    /// Parse SSID element data: `Malformed` when longer than 32 bytes (the raw bytes are still
    /// in [`Element::data`]).
    pub fn parse(data: &'a [u8]) -> Result<Ssid<'a>> {
        if data.len() > Self::MAX_LEN {
            return Err(Error::malformed("SSID IE", Self::MAX_LEN));
        }
        Ok(Ssid(data))
    }
    /// The raw bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }
    /// The SSID is hidden: empty or all zero bytes (an AP that blanks its name but keeps the
    /// length).
    pub fn is_hidden(&self) -> bool {
        self.0.iter().all(|&b| b == 0)
    }
    /// The SSID as UTF-8, when it is valid UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.0).ok()
    }
}

/// Parse SSID element data, see [`Ssid::parse`].
pub fn ssid(data: &[u8]) -> Result<Ssid<'_>> {
    Ssid::parse(data)
}

/// One entry of a (extended) supported rates element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rate(pub u8);

impl Rate {
    /// The basic-rate bit (bit 7): the rate is part of the BSS basic rate set (or, for values
    /// 120..=127, the entry is a BSS membership selector).
    pub const fn basic(self) -> bool {
        self.0 & 0x80 != 0
    }
    /// The rate in units of 500 kbit/s (bits 0..7).
    pub const fn value(self) -> u8 {
        self.0 & 0x7f
    }
    /// The rate in kbit/s.
    pub const fn kbps(self) -> u32 {
        self.value() as u32 * 500
    }
    /// When the entry is a BSS membership selector rather than a rate: its value (127 HT PHY,
    /// 126 VHT PHY, 125 GLK, 124 EPD, 123 SAE hash-to-element only, 122 HE PHY, 121 EHT PHY).
    pub const fn selector(self) -> Option<u8> {
        if self.basic() && self.value() >= 120 {
            Some(self.value())
        } else {
            None
        }
    }
}

/// Supported Rates / Extended Supported Rates element contents.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rates<'a> {
    data: &'a [u8],
}

impl<'a> Rates<'a> {
    /// Parse: `Malformed` when empty (the element carries at least one rate).
    pub fn parse(data: &'a [u8]) -> Result<Rates<'a>> {
        if data.is_empty() {
            return Err(Error::malformed("rates IE", 0));
        }
        Ok(Rates { data })
    }
    /// The raw bytes.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.data
    }
    /// Number of entries (rates and selectors).
    pub fn len(&self) -> usize {
        self.data.len()
    }
    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
    /// Iterate over the entries.
    pub fn iter(&self) -> RatesIter<'a> {
        RatesIter {
            inner: self.data.iter(),
        }
    }
    /// Highest rate (ignoring membership selectors), kbit/s.
    pub fn max_kbps(&self) -> Option<u32> {
        self.iter()
            .filter(|r| r.selector().is_none())
            .map(Rate::kbps)
            .max()
    }
}

impl<'a> IntoIterator for Rates<'a> {
    type Item = Rate;
    type IntoIter = RatesIter<'a>;
    fn into_iter(self) -> RatesIter<'a> {
        self.iter()
    }
}

/// Iterator over the entries of a rates element.
#[derive(Clone, Debug)]
pub struct RatesIter<'a> {
    inner: core::slice::Iter<'a, u8>,
}

impl Iterator for RatesIter<'_> {
    type Item = Rate;
    fn next(&mut self) -> Option<Rate> {
        self.inner.next().map(|&b| Rate(b))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl ExactSizeIterator for RatesIter<'_> {}

/// DS Parameter Set: the current channel. `Truncated` when empty.
pub fn ds_channel(data: &[u8]) -> Result<u8> {
    read::u8_at(data, 0).ok_or(Error::truncated("DS params IE", 0))
}

/// IBSS Parameter Set: the ATIM window in TU. `Truncated` when shorter than 2 bytes.
pub fn ibss_atim_window(data: &[u8]) -> Result<u16> {
    read::le16(data, 0).ok_or(Error::truncated("IBSS params IE", data.len()))
}

/// Traffic Indication Map.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tim<'a> {
    /// Beacons (including this one) until the next DTIM; 0 means this beacon is a DTIM.
    pub dtim_count: u8,
    /// Number of beacon intervals between DTIMs.
    pub dtim_period: u8,
    /// Bitmap Control: bit 0 group-addressed traffic buffered, bits 1..8 bitmap offset.
    pub bitmap_control: u8,
    /// Partial Virtual Bitmap (1 to 251 bytes).
    pub partial_virtual_bitmap: &'a [u8],
}

impl<'a> Tim<'a> {
    /// Parse TIM data. Errors: `Truncated` below 4 bytes (count, period, control and at least
    /// one bitmap byte); `Malformed` when longer than 254 bytes, when the DTIM period is 0,
    /// when the DTIM count is not below the period, or when the bitmap offset plus bitmap
    /// length reaches past AID 2007 (251 bytes).
    pub fn parse(data: &'a [u8]) -> Result<Tim<'a>> {
        const L: &str = "TIM IE";
        need(L, data, 4)?;
        if data.len() > 254 {
            return Err(Error::malformed(L, 254));
        }
        let (Some(count), Some(period), Some(ctrl)) = (
            read::u8_at(data, 0),
            read::u8_at(data, 1),
            read::u8_at(data, 2),
        ) else {
            return Err(Error::truncated(L, data.len()));
        };
        let pvb = read::tail(data, 3);
        if period == 0 {
            return Err(Error::malformed(L, 1));
        }
        if count >= period {
            return Err(Error::malformed(L, 0));
        }
        let first_octet = usize::from(ctrl >> 1) * 2;
        if first_octet + pvb.len() > 251 {
            return Err(Error::malformed(L, 2));
        }
        Ok(Tim {
            dtim_count: count,
            dtim_period: period,
            bitmap_control: ctrl,
            partial_virtual_bitmap: pvb,
        })
    }
    /// Group-addressed frames are buffered at the AP (bitmap control bit 0, meaningful in
    /// DTIM beacons).
    pub fn multicast(&self) -> bool {
        self.bitmap_control & 1 != 0
    }
    /// Index of the first virtual-bitmap octet held in the partial bitmap (always even).
    pub fn bitmap_offset(&self) -> usize {
        usize::from(self.bitmap_control >> 1) * 2
    }
    /// This beacon is a DTIM.
    pub fn is_dtim(&self) -> bool {
        self.dtim_count == 0
    }
    /// Traffic is buffered for association ID `aid` (1..=2007).
    pub fn aid_buffered(&self, aid: u16) -> bool {
        let octet = usize::from(aid / 8);
        let Some(i) = octet.checked_sub(self.bitmap_offset()) else {
            return false;
        };
        read::u8_at(self.partial_virtual_bitmap, i).is_some_and(|b| b & (1 << (aid % 8)) != 0)
    }
}

/// One triplet of a Country element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountryTriplet {
    /// A subband: channels `first_channel ..` (`num_channels` of them) with a power limit.
    Subband {
        /// First channel number.
        first_channel: u8,
        /// Number of channels.
        num_channels: u8,
        /// Maximum transmit power, dBm.
        max_power_dbm: i8,
    },
    /// An operating triplet (first byte ≥ 201): the channels that follow use this
    /// operating class.
    Operating {
        /// Operating extension identifier (≥ 201).
        extension_id: u8,
        /// Operating class.
        operating_class: u8,
        /// Coverage class.
        coverage_class: u8,
    },
}

/// Country element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Country<'a> {
    /// The two-letter country code (ISO 3166-1), as sent.
    pub code: [u8; 2],
    /// The third byte of the country string: b' ' any environment, b'O' outdoor, b'I'
    /// indoor, b'X' non-country entity, or an operating-class table number (1..=4).
    pub environment: u8,
    triplets: &'a [u8],
}

impl<'a> Country<'a> {
    /// Parse Country data: `Truncated` below 3 bytes. The triplets are not checked: a
    /// trailing group of fewer than 3 bytes (the pad byte the element carries to make its
    /// length even) is ignored.
    pub fn parse(data: &'a [u8]) -> Result<Country<'a>> {
        let (Some(code), Some(env)) = (read::array::<2>(data, 0), read::u8_at(data, 2)) else {
            return Err(Error::truncated("Country IE", data.len()));
        };
        Ok(Country {
            code,
            environment: env,
            triplets: read::tail(data, 3),
        })
    }
    /// The country code as text, when it is ASCII.
    pub fn code_str(&self) -> Option<&str> {
        if self.code.is_ascii() {
            core::str::from_utf8(&self.code).ok()
        } else {
            None
        }
    }
    /// Iterate over the triplets.
    pub fn triplets(&self) -> CountryTriplets<'a> {
        CountryTriplets {
            chunks: self.triplets.chunks_exact(3),
        }
    }
}

/// Iterator over the triplets of a Country element.
#[derive(Clone, Debug)]
pub struct CountryTriplets<'a> {
    chunks: core::slice::ChunksExact<'a, u8>,
}

impl Iterator for CountryTriplets<'_> {
    type Item = CountryTriplet;
    fn next(&mut self) -> Option<CountryTriplet> {
        let c = self.chunks.next()?;
        let (&a, &b, &c) = match c {
            [a, b, c] => (a, b, c),
            _ => return None,
        };
        Some(if a >= 201 {
            CountryTriplet::Operating {
                extension_id: a,
                operating_class: b,
                coverage_class: c,
            }
        } else {
            CountryTriplet::Subband {
                first_channel: a,
                num_channels: b,
                max_power_dbm: c as i8,
            }
        })
    }
}

/// BSS Load element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BssLoad {
    /// Associated stations.
    pub station_count: u16,
    /// Channel busy fraction, 0..=255 for 0..100 %.
    pub channel_utilization: u8,
    /// Available admission capacity, units of 32 µs/s.
    pub available_admission_capacity: u16,
}

impl BssLoad {
    /// Parse BSS Load data (5 bytes).
    pub fn parse(data: &[u8]) -> Result<BssLoad> {
        let (Some(sc), Some(cu), Some(aac)) = (
            read::le16(data, 0),
            read::u8_at(data, 2),
            read::le16(data, 3),
        ) else {
            return Err(Error::truncated("BSS load IE", data.len()));
        };
        Ok(BssLoad {
            station_count: sc,
            channel_utilization: cu,
            available_admission_capacity: aac,
        })
    }
}

/// Channel Switch Announcement element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelSwitch {
    /// 1: stations stop transmitting until the switch.
    pub mode: u8,
    /// The channel the BSS moves to.
    pub new_channel: u8,
    /// Beacon intervals until the switch (0: at any time).
    pub count: u8,
}

impl ChannelSwitch {
    /// Parse Channel Switch Announcement data (3 bytes).
    pub fn parse(data: &[u8]) -> Result<ChannelSwitch> {
        match read::array::<3>(data, 0) {
            Some([mode, new_channel, count]) => Ok(ChannelSwitch {
                mode,
                new_channel,
                count,
            }),
            None => Err(Error::truncated("channel switch IE", data.len())),
        }
    }
}

/// ERP Information element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Erp(pub u8);

impl Erp {
    /// Parse ERP data (1 byte).
    pub fn parse(data: &[u8]) -> Result<Erp> {
        read::u8_at(data, 0)
            .map(Erp)
            .ok_or(Error::truncated("ERP IE", 0))
    }
    /// Non-ERP (802.11b) stations are present.
    pub fn non_erp_present(self) -> bool {
        self.0 & 1 != 0
    }
    /// ERP stations must use protection.
    pub fn use_protection(self) -> bool {
        self.0 & 2 != 0
    }
    /// Barker (long) preamble mode.
    pub fn barker_preamble(self) -> bool {
        self.0 & 4 != 0
    }
}

/// Mobility Domain element (802.11r).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MobilityDomain {
    /// Mobility domain identifier.
    pub mdid: u16,
    /// FT capability and policy: bit 0 FT over DS, bit 1 resource request protocol.
    pub ft_capability: u8,
}

impl MobilityDomain {
    /// Parse Mobility Domain data (3 bytes).
    pub fn parse(data: &[u8]) -> Result<MobilityDomain> {
        match (read::le16(data, 0), read::u8_at(data, 2)) {
            (Some(mdid), Some(ft_capability)) => Ok(MobilityDomain {
                mdid,
                ft_capability,
            }),
            _ => Err(Error::truncated("mobility domain IE", data.len())),
        }
    }
    /// Fast BSS transition over the DS is supported.
    pub fn ft_over_ds(&self) -> bool {
        self.ft_capability & 1 != 0
    }
}

/// Extended Capabilities element: a little-endian bit field of any length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExtCapabilities<'a>(pub &'a [u8]);

impl<'a> ExtCapabilities<'a> {
    /// Parse (any length, including 0).
    pub fn parse(data: &'a [u8]) -> Result<ExtCapabilities<'a>> {
        Ok(ExtCapabilities(data))
    }
    /// Capability bit `n` (false beyond the end).
    pub fn bit(&self, n: usize) -> bool {
        read::u8_at(self.0, n / 8).is_some_and(|b| b & (1 << (n % 8)) != 0)
    }
    /// 20/40 BSS coexistence management support (bit 0).
    pub fn bss_coexistence_mgmt(&self) -> bool {
        self.bit(0)
    }
    /// BSS transition (802.11v, bit 19).
    pub fn bss_transition(&self) -> bool {
        self.bit(19)
    }
    /// Interworking (Hotspot 2.0, bit 31).
    pub fn interworking(&self) -> bool {
        self.bit(31)
    }
    /// SSID is UTF-8 (bit 48).
    pub fn utf8_ssid(&self) -> bool {
        self.bit(48)
    }
    /// Operating mode notification (bit 62).
    pub fn operating_mode_notification(&self) -> bool {
        self.bit(62)
    }
    /// FTM responder (bit 70).
    pub fn ftm_responder(&self) -> bool {
        self.bit(70)
    }
    /// TWT requester support (bit 77).
    pub fn twt_requester(&self) -> bool {
        self.bit(77)
    }
    /// TWT responder support (bit 78).
    pub fn twt_responder(&self) -> bool {
        self.bit(78)
    }
    /// Beacon protection enabled (bit 84).
    pub fn beacon_protection(&self) -> bool {
        self.bit(84)
    }
}

/// Mesh ID: 0 to 32 bytes. `Malformed` when longer.
pub fn mesh_id(data: &[u8]) -> Result<&[u8]> {
    if data.len() > 32 {
        return Err(Error::malformed("mesh ID IE", 32));
    }
    Ok(data)
}

/// Mesh Configuration element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MeshConfig {
    /// Active path selection protocol (1 = HWMP).
    pub path_selection_protocol: u8,
    /// Active path selection metric (1 = airtime).
    pub path_selection_metric: u8,
    /// Congestion control mode.
    pub congestion_control: u8,
    /// Synchronization method (1 = neighbor offset).
    pub sync_method: u8,
    /// Authentication protocol (0 none, 1 SAE, 2 IEEE 802.1X).
    pub auth_protocol: u8,
    /// Mesh formation info: bit 0 connected to a gate, bits 1..7 number of peerings.
    pub formation_info: u8,
    /// Mesh capability: bit 0 accepting additional peerings, …
    pub capability: u8,
}

impl MeshConfig {
    /// Parse Mesh Configuration data (7 bytes).
    pub fn parse(data: &[u8]) -> Result<MeshConfig> {
        match read::array::<7>(data, 0) {
            Some([a, b, c, d, e, f, g]) => Ok(MeshConfig {
                path_selection_protocol: a,
                path_selection_metric: b,
                congestion_control: c,
                sync_method: d,
                auth_protocol: e,
                formation_info: f,
                capability: g,
            }),
            None => Err(Error::truncated("mesh config IE", data.len())),
        }
    }
    /// Number of mesh peerings.
    pub fn peerings(&self) -> u8 {
        (self.formation_info >> 1) & 0x3f
    }
    /// Connected to a mesh gate.
    pub fn connected_to_gate(&self) -> bool {
        self.formation_info & 1 != 0
    }
    /// Accepting additional mesh peerings.
    pub fn accepting_peerings(&self) -> bool {
        self.capability & 1 != 0
    }
}

#[cfg(test)]
mod tests;
