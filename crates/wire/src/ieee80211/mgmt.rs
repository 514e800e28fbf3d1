//! Management frame bodies: views over [`Frame::body`](super::Frame::body) of a management
//! frame, one per subtype, giving the fixed fields and the information elements that follow.
//!
//! Each view borrows the body slice (`&'a [u8]`), so the [`Elements`] it hands out live as long
//! as the capture buffer. `new_checked` verifies that the fixed fields are present; the
//! elements are checked lazily by the iterator. A body with the Protected flag set (a protected
//! deauthentication, a robust action frame) is ciphertext: check
//! [`FrameControl::protected`](super::FrameControl::protected) before using these views.

use super::ie::Elements;
use super::read;
use super::subtype::mgmt as st;
use crate::{Error, MacBytes, Result};

const LAYER: &str = "802.11 mgmt";

/// Length of the fixed fields that precede the information elements in the body of a
/// management frame of `subtype`; `None` for subtypes whose body is not fixed fields followed
/// by elements (ATIM has no body, Action frames have per-category layouts, reserved subtypes).
///
/// Beacon/probe response 12, timing advertisement 10, association request 4, reassociation
/// request 10, (re)association response 6, authentication 6, deauthentication and
/// disassociation 2, probe request 0.
pub const fn elements_offset(subtype: u8) -> Option<usize> {
    match subtype {
        st::ASSOC_REQ => Some(4),
        st::ASSOC_RESP | st::REASSOC_RESP => Some(6),
        st::REASSOC_REQ => Some(10),
        st::PROBE_REQ => Some(0),
        st::PROBE_RESP | st::BEACON => Some(12),
        st::TIMING_ADV => Some(10),
        st::DISASSOC | st::DEAUTH => Some(2),
        st::AUTH => Some(6),
        _ => None,
    }
}

fn need(body: &[u8], len: usize) -> Result<()> {
    if body.len() < len {
        Err(Error::truncated(LAYER, body.len()))
    } else {
        Ok(())
    }
}

/// The Capability Information field of beacons, probe responses and (re)association frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Capability(pub u16);

impl Capability {
    /// ESS: the sender is an AP.
    pub const fn ess(self) -> bool {
        self.0 & 0x0001 != 0
    }
    /// IBSS: the sender is in an ad-hoc network.
    pub const fn ibss(self) -> bool {
        self.0 & 0x0002 != 0
    }
    /// CF-Pollable (bit 2).
    pub const fn cf_pollable(self) -> bool {
        self.0 & 0x0004 != 0
    }
    /// CF-Poll Request (bit 3).
    pub const fn cf_poll_request(self) -> bool {
        self.0 & 0x0008 != 0
    }
    /// Privacy: WEP/WPA/RSN is required.
    pub const fn privacy(self) -> bool {
        self.0 & 0x0010 != 0
    }
    /// Short Preamble (bit 5).
    pub const fn short_preamble(self) -> bool {
        self.0 & 0x0020 != 0
    }
    /// PBCC (bit 6, obsolete) / critical update flag in later amendments.
    pub const fn pbcc(self) -> bool {
        self.0 & 0x0040 != 0
    }
    /// Channel Agility (bit 7, obsolete).
    pub const fn channel_agility(self) -> bool {
        self.0 & 0x0080 != 0
    }
    /// Spectrum Management (bit 8).
    pub const fn spectrum_mgmt(self) -> bool {
        self.0 & 0x0100 != 0
    }
    /// QoS (bit 9).
    pub const fn qos(self) -> bool {
        self.0 & 0x0200 != 0
    }
    /// Short Slot Time (bit 10).
    pub const fn short_slot_time(self) -> bool {
        self.0 & 0x0400 != 0
    }
    /// APSD (bit 11).
    pub const fn apsd(self) -> bool {
        self.0 & 0x0800 != 0
    }
    /// Radio Measurement (bit 12).
    pub const fn radio_measurement(self) -> bool {
        self.0 & 0x1000 != 0
    }
    /// DSSS-OFDM (bit 13, obsolete) / EPD.
    pub const fn dsss_ofdm(self) -> bool {
        self.0 & 0x2000 != 0
    }
    /// Delayed Block Ack (bit 14).
    pub const fn delayed_block_ack(self) -> bool {
        self.0 & 0x4000 != 0
    }
    /// Immediate Block Ack (bit 15).
    pub const fn immediate_block_ack(self) -> bool {
        self.0 & 0x8000 != 0
    }
}

/// Body of a Beacon or Probe Response: timestamp, beacon interval, capability, elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Beacon<'a> {
    body: &'a [u8],
}

/// A probe response has the same body layout as a beacon.
pub type ProbeResponse<'a> = Beacon<'a>;

impl<'a> Beacon<'a> {
    /// Length of the fixed fields.
    pub const FIXED_LEN: usize = 12;

    /// Wrap a body without checking it.
    pub const fn new_unchecked(body: &'a [u8]) -> Beacon<'a> {
        Beacon { body }
    }
    /// Wrap a body, checking the 12 bytes of fixed fields are present.
    pub fn new_checked(body: &'a [u8]) -> Result<Beacon<'a>> {
        need(body, Self::FIXED_LEN)?;
        Ok(Beacon { body })
    }
    /// The TSF timestamp in microseconds.
    pub fn timestamp(&self) -> u64 {
        read::le64(self.body, 0).unwrap_or(0)
    }
    /// Beacon interval in time units (1 TU = 1024 µs).
    pub fn beacon_interval(&self) -> u16 {
        read::le16(self.body, 8).unwrap_or(0)
    }
    /// Capability Information.
    pub fn capability(&self) -> Capability {
        Capability(read::le16(self.body, 10).unwrap_or(0))
    }
    /// The information elements.
    pub fn elements(&self) -> Elements<'a> {
        Elements::new(read::tail(self.body, Self::FIXED_LEN))
    }
}

/// Body of a Probe Request: elements only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProbeRequest<'a> {
    body: &'a [u8],
}

impl<'a> ProbeRequest<'a> {
    /// Wrap a body (there are no fixed fields to check).
    pub const fn new(body: &'a [u8]) -> ProbeRequest<'a> {
        ProbeRequest { body }
    }
    /// Same as [`ProbeRequest::new`], for symmetry with the other views.
    pub fn new_checked(body: &'a [u8]) -> Result<ProbeRequest<'a>> {
        Ok(ProbeRequest { body })
    }
    /// The information elements.
    pub fn elements(&self) -> Elements<'a> {
        Elements::new(self.body)
    }
}

/// Authentication algorithm numbers.
pub mod auth_algorithm {
    /// Open System.
    pub const OPEN: u16 = 0;
    /// Shared Key (WEP).
    pub const SHARED_KEY: u16 = 1;
    /// Fast BSS Transition.
    pub const FAST_BSS_TRANSITION: u16 = 2;
    /// SAE (WPA3-Personal).
    pub const SAE: u16 = 3;
    /// FILS shared key.
    pub const FILS_SK: u16 = 4;
    /// FILS shared key with PFS.
    pub const FILS_SK_PFS: u16 = 5;
    /// FILS public key.
    pub const FILS_PK: u16 = 6;
    /// PASN.
    pub const PASN: u16 = 7;
    /// Network EAP (Cisco LEAP).
    pub const NETWORK_EAP: u16 = 0x80;
}

/// Body of an Authentication frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Authentication<'a> {
    body: &'a [u8],
}

impl<'a> Authentication<'a> {
    /// Length of the fixed fields.
    pub const FIXED_LEN: usize = 6;

    /// Wrap a body without checking it.
    pub const fn new_unchecked(body: &'a [u8]) -> Authentication<'a> {
        Authentication { body }
    }
    /// Wrap a body, checking the 6 bytes of fixed fields are present.
    pub fn new_checked(body: &'a [u8]) -> Result<Authentication<'a>> {
        need(body, Self::FIXED_LEN)?;
        Ok(Authentication { body })
    }
    /// Authentication algorithm number, see [`auth_algorithm`].
    pub fn algorithm(&self) -> u16 {
        read::le16(self.body, 0).unwrap_or(0)
    }
    /// Authentication transaction sequence number (1, 2, … within one exchange).
    pub fn transaction_seq(&self) -> u16 {
        read::le16(self.body, 2).unwrap_or(0)
    }
    /// Status code.
    pub fn status(&self) -> u16 {
        read::le16(self.body, 4).unwrap_or(0)
    }
    /// Bytes after the fixed fields, whatever they are (challenge text element, SAE fields,
    /// FILS elements, …).
    pub fn rest(&self) -> &'a [u8] {
        read::tail(self.body, Self::FIXED_LEN)
    }
    /// The elements after the fixed fields. For SAE (algorithm 3) the bytes after the fixed
    /// fields are SAE commit/confirm fields, not elements, and this returns an empty
    /// iterator: use [`Authentication::rest`].
    pub fn elements(&self) -> Elements<'a> {
        if self.algorithm() == auth_algorithm::SAE {
            Elements::new(&[])
        } else {
            Elements::new(self.rest())
        }
    }
}

/// Body of an Association Request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssocRequest<'a> {
    body: &'a [u8],
}

impl<'a> AssocRequest<'a> {
    /// Length of the fixed fields.
    pub const FIXED_LEN: usize = 4;

    /// Wrap a body without checking it.
    pub const fn new_unchecked(body: &'a [u8]) -> AssocRequest<'a> {
        AssocRequest { body }
    }
    /// Wrap a body, checking the 4 bytes of fixed fields are present.
    pub fn new_checked(body: &'a [u8]) -> Result<AssocRequest<'a>> {
        need(body, Self::FIXED_LEN)?;
        Ok(AssocRequest { body })
    }
    /// Capability Information.
    pub fn capability(&self) -> Capability {
        Capability(read::le16(self.body, 0).unwrap_or(0))
    }
    /// Listen interval in beacon intervals.
    pub fn listen_interval(&self) -> u16 {
        read::le16(self.body, 2).unwrap_or(0)
    }
    /// The information elements.
    pub fn elements(&self) -> Elements<'a> {
        Elements::new(read::tail(self.body, Self::FIXED_LEN))
    }
}

/// Body of a Reassociation Request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReassocRequest<'a> {
    body: &'a [u8],
}

impl<'a> ReassocRequest<'a> {
    /// Length of the fixed fields.
    pub const FIXED_LEN: usize = 10;

    /// Wrap a body without checking it.
    pub const fn new_unchecked(body: &'a [u8]) -> ReassocRequest<'a> {
        ReassocRequest { body }
    }
    /// Wrap a body, checking the 10 bytes of fixed fields are present.
    pub fn new_checked(body: &'a [u8]) -> Result<ReassocRequest<'a>> {
        need(body, Self::FIXED_LEN)?;
        Ok(ReassocRequest { body })
    }
    /// Capability Information.
    pub fn capability(&self) -> Capability {
        Capability(read::le16(self.body, 0).unwrap_or(0))
    }
    /// Listen interval in beacon intervals.
    pub fn listen_interval(&self) -> u16 {
        read::le16(self.body, 2).unwrap_or(0)
    }
    /// The BSSID of the AP the station is currently associated with.
    pub fn current_ap(&self) -> MacBytes {
        read::array::<6>(self.body, 4).unwrap_or([0; 6])
    }
    /// The information elements.
    pub fn elements(&self) -> Elements<'a> {
        Elements::new(read::tail(self.body, Self::FIXED_LEN))
    }
}

/// Body of an Association Response or a Reassociation Response (same layout).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AssocResponse<'a> {
    body: &'a [u8],
}

/// A reassociation response has the same body layout as an association response.
pub type ReassocResponse<'a> = AssocResponse<'a>;

impl<'a> AssocResponse<'a> {
    /// Length of the fixed fields.
    pub const FIXED_LEN: usize = 6;

    /// Wrap a body without checking it.
    pub const fn new_unchecked(body: &'a [u8]) -> AssocResponse<'a> {
        AssocResponse { body }
    }
    /// Wrap a body, checking the 6 bytes of fixed fields are present.
    pub fn new_checked(body: &'a [u8]) -> Result<AssocResponse<'a>> {
        need(body, Self::FIXED_LEN)?;
        Ok(AssocResponse { body })
    }
    /// Capability Information.
    pub fn capability(&self) -> Capability {
        Capability(read::le16(self.body, 0).unwrap_or(0))
    }
    /// Status code (0 = success).
    pub fn status(&self) -> u16 {
        read::le16(self.body, 2).unwrap_or(0)
    }
    /// The Association ID field as sent (the two top bits are set on the wire).
    pub fn aid_raw(&self) -> u16 {
        read::le16(self.body, 4).unwrap_or(0)
    }
    /// The association ID (low 14 bits of the AID field).
    pub fn aid(&self) -> u16 {
        self.aid_raw() & 0x3fff
    }
    /// The information elements.
    pub fn elements(&self) -> Elements<'a> {
        Elements::new(read::tail(self.body, Self::FIXED_LEN))
    }
}

/// Body of a Deauthentication frame: a reason code, possibly followed by vendor elements and
/// a Management MIC element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deauthentication<'a> {
    body: &'a [u8],
}

/// A disassociation has the same body layout as a deauthentication.
pub type Disassociation<'a> = Deauthentication<'a>;

impl<'a> Deauthentication<'a> {
    /// Length of the fixed fields.
    pub const FIXED_LEN: usize = 2;

    /// Wrap a body without checking it.
    pub const fn new_unchecked(body: &'a [u8]) -> Deauthentication<'a> {
        Deauthentication { body }
    }
    /// Wrap a body, checking the reason code is present.
    pub fn new_checked(body: &'a [u8]) -> Result<Deauthentication<'a>> {
        need(body, Self::FIXED_LEN)?;
        Ok(Deauthentication { body })
    }
    /// Reason code.
    pub fn reason(&self) -> u16 {
        read::le16(self.body, 0).unwrap_or(0)
    }
    /// Elements after the reason code (vendor elements, MME).
    pub fn elements(&self) -> Elements<'a> {
        Elements::new(read::tail(self.body, Self::FIXED_LEN))
    }
}

/// Action frame categories.
pub mod category {
    /// Spectrum management.
    pub const SPECTRUM_MGMT: u8 = 0;
    /// QoS.
    pub const QOS: u8 = 1;
    /// DLS.
    pub const DLS: u8 = 2;
    /// Block Ack.
    pub const BLOCK_ACK: u8 = 3;
    /// Public.
    pub const PUBLIC: u8 = 4;
    /// Radio measurement.
    pub const RADIO_MEASUREMENT: u8 = 5;
    /// Fast BSS transition.
    pub const FAST_BSS_TRANSITION: u8 = 6;
    /// HT.
    pub const HT: u8 = 7;
    /// SA Query.
    pub const SA_QUERY: u8 = 8;
    /// Protected dual of public action.
    pub const PROTECTED_DUAL: u8 = 9;
    /// WNM.
    pub const WNM: u8 = 10;
    /// Unprotected WNM.
    pub const UNPROTECTED_WNM: u8 = 11;
    /// TDLS.
    pub const TDLS: u8 = 12;
    /// Mesh.
    pub const MESH: u8 = 13;
    /// Multihop.
    pub const MULTIHOP: u8 = 14;
    /// Self-protected (mesh peering).
    pub const SELF_PROTECTED: u8 = 15;
    /// DMG.
    pub const DMG: u8 = 16;
    /// WMM (Wi-Fi Alliance).
    pub const WMM: u8 = 17;
    /// Fast session transfer.
    pub const FST: u8 = 18;
    /// Unprotected DMG.
    pub const UNPROTECTED_DMG: u8 = 20;
    /// VHT.
    pub const VHT: u8 = 21;
    /// S1G.
    pub const S1G: u8 = 22;
    /// Vendor-specific protected.
    pub const VENDOR_SPECIFIC_PROTECTED: u8 = 126;
    /// Vendor-specific.
    pub const VENDOR_SPECIFIC: u8 = 127;
}

/// Body of an Action or Action No Ack frame: category, action code, then category-specific
/// contents. Category values ≥ 128 mark an error return of a frame with category − 128.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Action<'a> {
    body: &'a [u8],
}

impl<'a> Action<'a> {
    /// Wrap a body without checking it.
    pub const fn new_unchecked(body: &'a [u8]) -> Action<'a> {
        Action { body }
    }
    /// Wrap a body, checking the category is present (vendor-specific categories have no
    /// action code byte, so only one byte is required).
    pub fn new_checked(body: &'a [u8]) -> Result<Action<'a>> {
        need(body, 1)?;
        Ok(Action { body })
    }
    /// Category, see [`category`].
    pub fn category(&self) -> u8 {
        read::u8_at(self.body, 0).unwrap_or(0)
    }
    /// Action code (the second byte; for vendor-specific categories this is the first OUI
    /// byte instead). `None` when the body has only the category.
    pub fn action(&self) -> Option<u8> {
        read::u8_at(self.body, 1)
    }
    /// Bytes after category and action code.
    pub fn body(&self) -> &'a [u8] {
        read::tail(self.body, 2)
    }
    /// For vendor-specific categories (126, 127): the OUI that follows the category.
    pub fn vendor_oui(&self) -> Option<[u8; 3]> {
        match self.category() & 0x7f {
            category::VENDOR_SPECIFIC | category::VENDOR_SPECIFIC_PROTECTED => {
                read::array::<3>(self.body, 1)
            }
            _ => None,
        }
    }
}

/// A management body decoded according to the frame subtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MgmtBody<'a> {
    /// Beacon.
    Beacon(Beacon<'a>),
    /// Probe response.
    ProbeResponse(Beacon<'a>),
    /// Probe request.
    ProbeRequest(ProbeRequest<'a>),
    /// Authentication.
    Authentication(Authentication<'a>),
    /// Association request.
    AssocRequest(AssocRequest<'a>),
    /// Reassociation request.
    ReassocRequest(ReassocRequest<'a>),
    /// Association response.
    AssocResponse(AssocResponse<'a>),
    /// Reassociation response.
    ReassocResponse(AssocResponse<'a>),
    /// Deauthentication.
    Deauthentication(Deauthentication<'a>),
    /// Disassociation.
    Disassociation(Deauthentication<'a>),
    /// Action or Action No Ack.
    Action(Action<'a>),
    /// A subtype with no decoded body (ATIM, timing advertisement, reserved).
    Other(&'a [u8]),
}

impl<'a> MgmtBody<'a> {
    /// Decode `body` as the body of a management frame of `subtype`, checking its fixed
    /// fields.
    pub fn parse(subtype: u8, body: &'a [u8]) -> Result<MgmtBody<'a>> {
        Ok(match subtype {
            st::BEACON => MgmtBody::Beacon(Beacon::new_checked(body)?),
            st::PROBE_RESP => MgmtBody::ProbeResponse(Beacon::new_checked(body)?),
            st::PROBE_REQ => MgmtBody::ProbeRequest(ProbeRequest::new(body)),
            st::AUTH => MgmtBody::Authentication(Authentication::new_checked(body)?),
            st::ASSOC_REQ => MgmtBody::AssocRequest(AssocRequest::new_checked(body)?),
            st::REASSOC_REQ => MgmtBody::ReassocRequest(ReassocRequest::new_checked(body)?),
            st::ASSOC_RESP => MgmtBody::AssocResponse(AssocResponse::new_checked(body)?),
            st::REASSOC_RESP => MgmtBody::ReassocResponse(AssocResponse::new_checked(body)?),
            st::DEAUTH => MgmtBody::Deauthentication(Deauthentication::new_checked(body)?),
            st::DISASSOC => MgmtBody::Disassociation(Deauthentication::new_checked(body)?),
            st::ACTION | st::ACTION_NOACK => MgmtBody::Action(Action::new_checked(body)?),
            _ => MgmtBody::Other(body),
        })
    }

    /// The elements of this body (empty for action frames and other subtypes).
    pub fn elements(&self) -> Elements<'a> {
        match self {
            MgmtBody::Beacon(b) | MgmtBody::ProbeResponse(b) => b.elements(),
            MgmtBody::ProbeRequest(b) => b.elements(),
            MgmtBody::Authentication(b) => b.elements(),
            MgmtBody::AssocRequest(b) => b.elements(),
            MgmtBody::ReassocRequest(b) => b.elements(),
            MgmtBody::AssocResponse(b) | MgmtBody::ReassocResponse(b) => b.elements(),
            MgmtBody::Deauthentication(b) | MgmtBody::Disassociation(b) => b.elements(),
            MgmtBody::Action(_) | MgmtBody::Other(_) => Elements::new(&[]),
        }
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::ErrorKind;

    #[test]
    fn offsets() {
        assert_eq!(elements_offset(st::BEACON), Some(12));
        assert_eq!(elements_offset(st::PROBE_RESP), Some(12));
        assert_eq!(elements_offset(st::PROBE_REQ), Some(0));
        assert_eq!(elements_offset(st::ASSOC_REQ), Some(4));
        assert_eq!(elements_offset(st::REASSOC_REQ), Some(10));
        assert_eq!(elements_offset(st::ASSOC_RESP), Some(6));
        assert_eq!(elements_offset(st::REASSOC_RESP), Some(6));
        assert_eq!(elements_offset(st::AUTH), Some(6));
        assert_eq!(elements_offset(st::DEAUTH), Some(2));
        assert_eq!(elements_offset(st::DISASSOC), Some(2));
        assert_eq!(elements_offset(st::TIMING_ADV), Some(10));
        assert_eq!(elements_offset(st::ACTION), None);
        assert_eq!(elements_offset(st::ATIM), None);
        assert_eq!(elements_offset(7), None);
        assert_eq!(elements_offset(15), None);
    }

    #[test]
    fn beacon_fixed_fields() {
        let body = [
            0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, // timestamp
            0x64, 0x00, // interval 100
            0x31, 0x04, // capability: ESS, privacy, short preamble, short slot
            0x00, 0x03, b'a', b'b', b'c',
        ];
        let b = Beacon::new_checked(&body).unwrap();
        assert_eq!(b.timestamp(), 0x0807060504030201);
        assert_eq!(b.beacon_interval(), 100);
        let c = b.capability();
        assert!(c.ess() && !c.ibss() && c.privacy() && c.short_preamble());
        assert!(c.short_slot_time() && !c.qos() && !c.spectrum_mgmt());
        let e: std::vec::Vec<_> = b.elements().collect();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].data, b"abc");
        assert_eq!(
            Beacon::new_checked(&body[..11]).unwrap_err().kind,
            ErrorKind::Truncated
        );
        // Unchecked views on short buffers never panic.
        let u = Beacon::new_unchecked(&body[..3]);
        assert_eq!(u.timestamp(), 0);
        assert_eq!(u.elements().count(), 0);
    }

    #[test]
    fn auth_and_sae() {
        let open = [0, 0, 1, 0, 0, 0, 16, 2, 0xaa, 0xbb];
        let a = Authentication::new_checked(&open).unwrap();
        assert_eq!((a.algorithm(), a.transaction_seq(), a.status()), (0, 1, 0));
        assert_eq!(a.elements().next().unwrap().data, &[0xaa, 0xbb]);
        let sae = [3, 0, 1, 0, 0, 0, 19, 0, 1, 2, 3];
        let s = Authentication::new_checked(&sae).unwrap();
        assert_eq!(s.algorithm(), auth_algorithm::SAE);
        assert_eq!(s.elements().count(), 0);
        assert_eq!(s.rest(), &[19, 0, 1, 2, 3]);
        assert!(Authentication::new_checked(&sae[..5]).is_err());
    }

    #[test]
    fn assoc_family() {
        let req = [0x11, 0x04, 0x0a, 0x00, 0, 1, b'x'];
        let r = AssocRequest::new_checked(&req).unwrap();
        assert!(r.capability().ess());
        assert_eq!(r.listen_interval(), 10);
        assert_eq!(r.elements().next().unwrap().data, b"x");

        let rreq = [0x11, 0x04, 0x0a, 0x00, 1, 2, 3, 4, 5, 6, 0, 0];
        let rr = ReassocRequest::new_checked(&rreq).unwrap();
        assert_eq!(rr.current_ap(), [1, 2, 3, 4, 5, 6]);
        assert_eq!(rr.elements().next().unwrap().data, b"");
        assert!(ReassocRequest::new_checked(&rreq[..9]).is_err());

        let resp = [0x01, 0x00, 0x00, 0x00, 0x05, 0xc0];
        let a = AssocResponse::new_checked(&resp).unwrap();
        assert_eq!(a.status(), 0);
        assert_eq!(a.aid(), 5);
        assert_eq!(a.aid_raw(), 0xc005);
        assert_eq!(a.elements().count(), 0);
    }

    #[test]
    fn deauth_action() {
        let d = Deauthentication::new_checked(&[7, 0]).unwrap();
        assert_eq!(d.reason(), 7);
        assert!(Deauthentication::new_checked(&[7]).is_err());

        let a = Action::new_checked(&[4, 10, 1, 2]).unwrap();
        assert_eq!(a.category(), category::PUBLIC);
        assert_eq!(a.action(), Some(10));
        assert_eq!(a.body(), &[1, 2]);
        assert_eq!(a.vendor_oui(), None);
        let v = Action::new_checked(&[127, 0x00, 0x10, 0x18, 9]).unwrap();
        assert_eq!(v.vendor_oui(), Some([0x00, 0x10, 0x18]));
        let one = Action::new_checked(&[3]).unwrap();
        assert_eq!(one.action(), None);
        assert_eq!(one.body(), &[] as &[u8]);
        assert!(Action::new_checked(&[]).is_err());
    }

    #[test]
    fn dispatch() {
        let body = [7u8, 0];
        match MgmtBody::parse(st::DEAUTH, &body).unwrap() {
            MgmtBody::Deauthentication(d) => assert_eq!(d.reason(), 7),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            MgmtBody::parse(st::ATIM, &[]).unwrap(),
            MgmtBody::Other(_)
        ));
        assert!(MgmtBody::parse(st::BEACON, &body).is_err());
        for s in 0..16 {
            let _ = MgmtBody::parse(s, &[]).map(|b| b.elements().count());
        }
    }
}
