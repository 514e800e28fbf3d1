//! RSN (id 48), WPA (vendor 00:50:F2 type 1) and RSN Extension (id 244) elements, and the
//! cipher/AKM suite selectors they carry.

use super::super::read;
use crate::{Error, Result};
use core::fmt;

const OUI_IEEE: [u8; 3] = [0x00, 0x0f, 0xac];
const OUI_MS: [u8; 3] = [0x00, 0x50, 0xf2];
const OUI_WFA: [u8; 3] = [0x50, 0x6f, 0x9a];

/// A cipher or AKM suite selector: an OUI and a suite type.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Suite {
    /// Organization identifier (00:0F:AC for IEEE suites, 00:50:F2 for WPA).
    pub oui: [u8; 3],
    /// Suite type.
    pub kind: u8,
}

macro_rules! ieee_suites {
    ($($(#[$m:meta])* $name:ident = $v:expr;)*) => {
        $( $(#[$m])* pub const $name: Suite = Suite::ieee($v); )*
    };
}

impl Suite {
    /// A suite from its parts.
    pub const fn new(oui: [u8; 3], kind: u8) -> Suite {
        Suite { oui, kind }
    }
    /// An IEEE (00:0F:AC) suite.
    pub const fn ieee(kind: u8) -> Suite {
        Suite::new(OUI_IEEE, kind)
    }
    /// A WPA (00:50:F2) suite.
    pub const fn wpa(kind: u8) -> Suite {
        Suite::new(OUI_MS, kind)
    }
    /// A suite from its 4 bytes on the wire.
    pub const fn from_bytes(b: [u8; 4]) -> Suite {
        Suite::new([b[0], b[1], b[2]], b[3])
    }
    /// The 4 bytes on the wire.
    pub const fn to_bytes(self) -> [u8; 4] {
        [self.oui[0], self.oui[1], self.oui[2], self.kind]
    }
    /// As a u32 `oui << 8 | kind` (00-0F-AC:4 = 0x000FAC04), the form Linux/hostapd use.
    pub const fn as_u32(self) -> u32 {
        u32::from_be_bytes(self.to_bytes())
    }

    ieee_suites! {
        /// Cipher: use the group cipher suite.
        USE_GROUP = 0;
        /// Cipher: WEP-40.
        WEP40 = 1;
        /// Cipher: TKIP.
        TKIP = 2;
        /// Cipher: CCMP-128.
        CCMP_128 = 4;
        /// Cipher: WEP-104.
        WEP104 = 5;
        /// Cipher: BIP-CMAC-128.
        BIP_CMAC_128 = 6;
        /// Cipher: group addressed traffic not allowed.
        GROUP_NOT_ALLOWED = 7;
        /// Cipher: GCMP-128.
        GCMP_128 = 8;
        /// Cipher: GCMP-256.
        GCMP_256 = 9;
        /// Cipher: CCMP-256.
        CCMP_256 = 10;
        /// Cipher: BIP-GMAC-128.
        BIP_GMAC_128 = 11;
        /// Cipher: BIP-GMAC-256.
        BIP_GMAC_256 = 12;
        /// Cipher: BIP-CMAC-256.
        BIP_CMAC_256 = 13;
        /// AKM: IEEE 802.1X (WPA2-Enterprise).
        AKM_8021X = 1;
        /// AKM: PSK (WPA2-Personal).
        AKM_PSK = 2;
        /// AKM: FT over IEEE 802.1X.
        AKM_FT_8021X = 3;
        /// AKM: FT using PSK.
        AKM_FT_PSK = 4;
        /// AKM: IEEE 802.1X with SHA-256.
        AKM_8021X_SHA256 = 5;
        /// AKM: PSK with SHA-256.
        AKM_PSK_SHA256 = 6;
        /// AKM: TDLS.
        AKM_TDLS = 7;
        /// AKM: SAE (WPA3-Personal).
        AKM_SAE = 8;
        /// AKM: FT over SAE.
        AKM_FT_SAE = 9;
        /// AKM: AP PeerKey.
        AKM_AP_PEERKEY = 10;
        /// AKM: IEEE 802.1X Suite B (SHA-256).
        AKM_SUITE_B = 11;
        /// AKM: IEEE 802.1X Suite B 192-bit (SHA-384, WPA3-Enterprise 192).
        AKM_SUITE_B_192 = 12;
        /// AKM: FT over IEEE 802.1X with SHA-384.
        AKM_FT_8021X_SHA384 = 13;
        /// AKM: FILS with SHA-256.
        AKM_FILS_SHA256 = 14;
        /// AKM: FILS with SHA-384.
        AKM_FILS_SHA384 = 15;
        /// AKM: FT over FILS with SHA-256.
        AKM_FT_FILS_SHA256 = 16;
        /// AKM: FT over FILS with SHA-384.
        AKM_FT_FILS_SHA384 = 17;
        /// AKM: OWE (Enhanced Open).
        AKM_OWE = 18;
        /// AKM: FT using PSK with SHA-384.
        AKM_FT_PSK_SHA384 = 19;
        /// AKM: PSK with SHA-384.
        AKM_PSK_SHA384 = 20;
        /// AKM: PASN.
        AKM_PASN = 21;
        /// AKM: FT over IEEE 802.1X with SHA-384 (unrestricted).
        AKM_FT_8021X_SHA384_UNRESTRICTED = 22;
        /// AKM: IEEE 802.1X with SHA-384.
        AKM_8021X_SHA384 = 23;
        /// AKM: SAE with group-dependent hash (SAE-EXT-KEY).
        AKM_SAE_EXT_KEY = 24;
        /// AKM: FT over SAE-EXT-KEY.
        AKM_FT_SAE_EXT_KEY = 25;
    }

    /// WPA cipher: TKIP (00:50:F2:2).
    pub const WPA_TKIP: Suite = Suite::wpa(2);
    /// WPA cipher: CCMP (00:50:F2:4).
    pub const WPA_CCMP: Suite = Suite::wpa(4);
    /// WPA AKM: IEEE 802.1X (00:50:F2:1).
    pub const WPA_AKM_8021X: Suite = Suite::wpa(1);
    /// WPA AKM: PSK (00:50:F2:2).
    pub const WPA_AKM_PSK: Suite = Suite::wpa(2);
    /// WFA AKM: OSEN (50:6F:9A:1).
    pub const AKM_OSEN: Suite = Suite::new(OUI_WFA, 1);
    /// WFA AKM: DPP (50:6F:9A:2).
    pub const AKM_DPP: Suite = Suite::new(OUI_WFA, 2);

    /// The cipher this selector names, read as a cipher suite (IEEE or WPA OUI).
    pub const fn cipher(self) -> Option<Cipher> {
        match (self.oui, self.kind) {
            (OUI_IEEE, k) => match k {
                0 => Some(Cipher::UseGroup),
                1 => Some(Cipher::Wep40),
                2 => Some(Cipher::Tkip),
                4 => Some(Cipher::Ccmp128),
                5 => Some(Cipher::Wep104),
                6 => Some(Cipher::BipCmac128),
                7 => Some(Cipher::GroupNotAllowed),
                8 => Some(Cipher::Gcmp128),
                9 => Some(Cipher::Gcmp256),
                10 => Some(Cipher::Ccmp256),
                11 => Some(Cipher::BipGmac128),
                12 => Some(Cipher::BipGmac256),
                13 => Some(Cipher::BipCmac256),
                _ => None,
            },
            (OUI_MS, k) => match k {
                0 => Some(Cipher::UseGroup),
                1 => Some(Cipher::Wep40),
                2 => Some(Cipher::Tkip),
                4 => Some(Cipher::Ccmp128),
                5 => Some(Cipher::Wep104),
                _ => None,
            },
            _ => None,
        }
    }

    /// The AKM this selector names, read as an AKM suite (IEEE, WPA or WFA OUI).
    pub const fn akm(self) -> Option<Akm> {
        match (self.oui, self.kind) {
            (OUI_IEEE, k) => match k {
                1 => Some(Akm::Ieee8021x),
                2 => Some(Akm::Psk),
                3 => Some(Akm::Ft8021x),
                4 => Some(Akm::FtPsk),
                5 => Some(Akm::Ieee8021xSha256),
                6 => Some(Akm::PskSha256),
                7 => Some(Akm::Tdls),
                8 => Some(Akm::Sae),
                9 => Some(Akm::FtSae),
                10 => Some(Akm::ApPeerKey),
                11 => Some(Akm::SuiteB),
                12 => Some(Akm::SuiteB192),
                13 => Some(Akm::Ft8021xSha384),
                14 => Some(Akm::FilsSha256),
                15 => Some(Akm::FilsSha384),
                16 => Some(Akm::FtFilsSha256),
                17 => Some(Akm::FtFilsSha384),
                18 => Some(Akm::Owe),
                19 => Some(Akm::FtPskSha384),
                20 => Some(Akm::PskSha384),
                21 => Some(Akm::Pasn),
                22 => Some(Akm::Ft8021xSha384Unrestricted),
                23 => Some(Akm::Ieee8021xSha384),
                24 => Some(Akm::SaeExtKey),
                25 => Some(Akm::FtSaeExtKey),
                _ => None,
            },
            (OUI_MS, 1) => Some(Akm::Ieee8021x),
            (OUI_MS, 2) => Some(Akm::Psk),
            (OUI_WFA, 1) => Some(Akm::Osen),
            (OUI_WFA, 2) => Some(Akm::Dpp),
            _ => None,
        }
    }
}

impl fmt::Debug for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Suite({:02x}-{:02x}-{:02x}:{})",
            self.oui[0], self.oui[1], self.oui[2], self.kind
        )
    }
}

/// Cipher suites.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Cipher {
    /// Use the group cipher suite (pairwise only).
    UseGroup,
    /// WEP-40.
    Wep40,
    /// TKIP.
    Tkip,
    /// CCMP-128 (AES).
    Ccmp128,
    /// WEP-104.
    Wep104,
    /// BIP-CMAC-128 (management frame protection).
    BipCmac128,
    /// Group addressed traffic not allowed.
    GroupNotAllowed,
    /// GCMP-128.
    Gcmp128,
    /// GCMP-256.
    Gcmp256,
    /// CCMP-256.
    Ccmp256,
    /// BIP-GMAC-128.
    BipGmac128,
    /// BIP-GMAC-256.
    BipGmac256,
    /// BIP-CMAC-256.
    BipCmac256,
}

impl Cipher {
    /// A short name ("CCMP-128", "TKIP", …).
    pub const fn name(self) -> &'static str {
        match self {
            Cipher::UseGroup => "group",
            Cipher::Wep40 => "WEP-40",
            Cipher::Tkip => "TKIP",
            Cipher::Ccmp128 => "CCMP-128",
            Cipher::Wep104 => "WEP-104",
            Cipher::BipCmac128 => "BIP-CMAC-128",
            Cipher::GroupNotAllowed => "no-group",
            Cipher::Gcmp128 => "GCMP-128",
            Cipher::Gcmp256 => "GCMP-256",
            Cipher::Ccmp256 => "CCMP-256",
            Cipher::BipGmac128 => "BIP-GMAC-128",
            Cipher::BipGmac256 => "BIP-GMAC-256",
            Cipher::BipCmac256 => "BIP-CMAC-256",
        }
    }
    /// WEP-40 or WEP-104.
    pub const fn is_wep(self) -> bool {
        matches!(self, Cipher::Wep40 | Cipher::Wep104)
    }
}

/// Authentication and key management suites.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Akm {
    /// IEEE 802.1X.
    Ieee8021x,
    /// PSK.
    Psk,
    /// FT over IEEE 802.1X.
    Ft8021x,
    /// FT using PSK.
    FtPsk,
    /// IEEE 802.1X with SHA-256.
    Ieee8021xSha256,
    /// PSK with SHA-256.
    PskSha256,
    /// TDLS.
    Tdls,
    /// SAE.
    Sae,
    /// FT over SAE.
    FtSae,
    /// AP PeerKey.
    ApPeerKey,
    /// Suite B (802.1X, SHA-256).
    SuiteB,
    /// Suite B 192-bit (802.1X, SHA-384).
    SuiteB192,
    /// FT over 802.1X with SHA-384.
    Ft8021xSha384,
    /// FILS SHA-256.
    FilsSha256,
    /// FILS SHA-384.
    FilsSha384,
    /// FT over FILS SHA-256.
    FtFilsSha256,
    /// FT over FILS SHA-384.
    FtFilsSha384,
    /// OWE.
    Owe,
    /// FT using PSK with SHA-384.
    FtPskSha384,
    /// PSK with SHA-384.
    PskSha384,
    /// PASN.
    Pasn,
    /// FT over 802.1X with SHA-384 (unrestricted).
    Ft8021xSha384Unrestricted,
    /// 802.1X with SHA-384.
    Ieee8021xSha384,
    /// SAE-EXT-KEY (SAE with group-dependent hash).
    SaeExtKey,
    /// FT over SAE-EXT-KEY.
    FtSaeExtKey,
    /// WFA OSEN (Hotspot 2.0 OSU).
    Osen,
    /// WFA DPP.
    Dpp,
}

impl Akm {
    /// A short name ("PSK", "SAE", …).
    pub const fn name(self) -> &'static str {
        match self {
            Akm::Ieee8021x => "802.1X",
            Akm::Psk => "PSK",
            Akm::Ft8021x => "FT-802.1X",
            Akm::FtPsk => "FT-PSK",
            Akm::Ieee8021xSha256 => "802.1X-SHA256",
            Akm::PskSha256 => "PSK-SHA256",
            Akm::Tdls => "TDLS",
            Akm::Sae => "SAE",
            Akm::FtSae => "FT-SAE",
            Akm::ApPeerKey => "AP-PeerKey",
            Akm::SuiteB => "Suite-B",
            Akm::SuiteB192 => "Suite-B-192",
            Akm::Ft8021xSha384 => "FT-802.1X-SHA384",
            Akm::FilsSha256 => "FILS-SHA256",
            Akm::FilsSha384 => "FILS-SHA384",
            Akm::FtFilsSha256 => "FT-FILS-SHA256",
            Akm::FtFilsSha384 => "FT-FILS-SHA384",
            Akm::Owe => "OWE",
            Akm::FtPskSha384 => "FT-PSK-SHA384",
            Akm::PskSha384 => "PSK-SHA384",
            Akm::Pasn => "PASN",
            Akm::Ft8021xSha384Unrestricted => "FT-802.1X-SHA384-unrestricted",
            Akm::Ieee8021xSha384 => "802.1X-SHA384",
            Akm::SaeExtKey => "SAE-EXT-KEY",
            Akm::FtSaeExtKey => "FT-SAE-EXT-KEY",
            Akm::Osen => "OSEN",
            Akm::Dpp => "DPP",
        }
    }

    /// Length of the Key MIC field of EAPOL-Key frames negotiated with this AKM: 16 for the
    /// classic AKMs, 24 for the SHA-384 ones (Suite-B-192, FT-802.1X-SHA384, (FT-)PSK-SHA384,
    /// 802.1X-SHA384), 0 for FILS (the key data is AEAD-protected instead). `None` where it
    /// depends on the negotiated group (OWE, DPP, SAE-EXT-KEY: 16/24/32 for groups
    /// 19/20/21) or where no EAPOL-Key is used (PASN).
    pub const fn mic_len(self) -> Option<usize> {
        match self {
            Akm::SuiteB192
            | Akm::Ft8021xSha384
            | Akm::FtPskSha384
            | Akm::PskSha384
            | Akm::Ft8021xSha384Unrestricted
            | Akm::Ieee8021xSha384 => Some(24),
            Akm::FilsSha256 | Akm::FilsSha384 | Akm::FtFilsSha256 | Akm::FtFilsSha384 => Some(0),
            Akm::Owe | Akm::Dpp | Akm::SaeExtKey | Akm::FtSaeExtKey | Akm::Pasn => None,
            _ => Some(16),
        }
    }
    /// A fast BSS transition (802.11r) AKM.
    pub const fn is_ft(self) -> bool {
        matches!(
            self,
            Akm::Ft8021x
                | Akm::FtPsk
                | Akm::FtSae
                | Akm::Ft8021xSha384
                | Akm::FtFilsSha256
                | Akm::FtFilsSha384
                | Akm::FtPskSha384
                | Akm::Ft8021xSha384Unrestricted
                | Akm::FtSaeExtKey
        )
    }
    /// A pre-shared-key AKM (WPA/WPA2-Personal style).
    pub const fn is_psk(self) -> bool {
        matches!(
            self,
            Akm::Psk | Akm::FtPsk | Akm::PskSha256 | Akm::FtPskSha384 | Akm::PskSha384
        )
    }
    /// An SAE AKM (WPA3-Personal).
    pub const fn is_sae(self) -> bool {
        matches!(
            self,
            Akm::Sae | Akm::FtSae | Akm::SaeExtKey | Akm::FtSaeExtKey
        )
    }
    /// An IEEE 802.1X AKM (Enterprise).
    pub const fn is_8021x(self) -> bool {
        matches!(
            self,
            Akm::Ieee8021x
                | Akm::Ft8021x
                | Akm::Ieee8021xSha256
                | Akm::SuiteB
                | Akm::SuiteB192
                | Akm::Ft8021xSha384
                | Akm::Ft8021xSha384Unrestricted
                | Akm::Ieee8021xSha384
        )
    }
}

/// A list of suite selectors (4 bytes each) inside an RSN or WPA element.
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Suites<'a> {
    data: &'a [u8],
}

impl<'a> Suites<'a> {
    /// Number of suites.
    pub fn len(&self) -> usize {
        self.data.len() / 4
    }
    /// No suites (or the list was absent).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Suite `i`.
    pub fn get(&self, i: usize) -> Option<Suite> {
        read::array::<4>(self.data, i.checked_mul(4)?).map(Suite::from_bytes)
    }
    /// The list contains `s`.
    pub fn contains(&self, s: Suite) -> bool {
        self.iter().any(|x| x == s)
    }
    /// Iterate over the suites.
    pub fn iter(&self) -> SuitesIter<'a> {
        SuitesIter {
            chunks: self.data.chunks_exact(4),
        }
    }
    /// The raw bytes of the list.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.data
    }
}

impl fmt::Debug for Suites<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for Suites<'a> {
    type Item = Suite;
    type IntoIter = SuitesIter<'a>;
    fn into_iter(self) -> SuitesIter<'a> {
        self.iter()
    }
}

/// Iterator over a [`Suites`] list.
#[derive(Clone, Debug)]
pub struct SuitesIter<'a> {
    chunks: core::slice::ChunksExact<'a, u8>,
}

impl Iterator for SuitesIter<'_> {
    type Item = Suite;
    fn next(&mut self) -> Option<Suite> {
        let c = self.chunks.next()?;
        read::array::<4>(c, 0).map(Suite::from_bytes)
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.chunks.size_hint()
    }
}

/// The PMKID list of an RSN element (16 bytes each).
#[derive(Clone, Copy, PartialEq, Eq, Default)]
pub struct Pmkids<'a> {
    data: &'a [u8],
}

impl<'a> Pmkids<'a> {
    /// Number of PMKIDs.
    pub fn len(&self) -> usize {
        self.data.len() / 16
    }
    /// No PMKIDs.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Iterate over the PMKIDs.
    pub fn iter(&self) -> PmkidsIter<'a> {
        PmkidsIter {
            chunks: self.data.chunks_exact(16),
        }
    }
}

impl fmt::Debug for Pmkids<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'a> IntoIterator for Pmkids<'a> {
    type Item = [u8; 16];
    type IntoIter = PmkidsIter<'a>;
    fn into_iter(self) -> PmkidsIter<'a> {
        self.iter()
    }
}

/// Iterator over [`Pmkids`].
#[derive(Clone, Debug)]
pub struct PmkidsIter<'a> {
    chunks: core::slice::ChunksExact<'a, u8>,
}

impl Iterator for PmkidsIter<'_> {
    type Item = [u8; 16];
    fn next(&mut self) -> Option<[u8; 16]> {
        let c = self.chunks.next()?;
        read::array::<16>(c, 0)
    }
}

/// RSN Capabilities field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct RsnCapabilities(pub u16);

impl RsnCapabilities {
    /// Pre-authentication (bit 0).
    pub const fn preauth(self) -> bool {
        self.0 & 0x0001 != 0
    }
    /// No pairwise (bit 1).
    pub const fn no_pairwise(self) -> bool {
        self.0 & 0x0002 != 0
    }
    /// PTKSA replay counter field (bits 2..4): 2^n replay counters.
    pub const fn ptksa_replay_counter(self) -> u8 {
        ((self.0 >> 2) & 3) as u8
    }
    /// GTKSA replay counter field (bits 4..6).
    pub const fn gtksa_replay_counter(self) -> u8 {
        ((self.0 >> 4) & 3) as u8
    }
    /// Management frame protection required (MFPR, bit 6).
    pub const fn mfp_required(self) -> bool {
        self.0 & 0x0040 != 0
    }
    /// Management frame protection capable (MFPC, bit 7).
    pub const fn mfp_capable(self) -> bool {
        self.0 & 0x0080 != 0
    }
    /// Joint multi-band RSNA (bit 8).
    pub const fn joint_multiband(self) -> bool {
        self.0 & 0x0100 != 0
    }
    /// PeerKey enabled (bit 9).
    pub const fn peerkey(self) -> bool {
        self.0 & 0x0200 != 0
    }
    /// SPP A-MSDU capable (bit 10).
    pub const fn spp_amsdu_capable(self) -> bool {
        self.0 & 0x0400 != 0
    }
    /// SPP A-MSDU required (bit 11).
    pub const fn spp_amsdu_required(self) -> bool {
        self.0 & 0x0800 != 0
    }
    /// PBAC (bit 12).
    pub const fn pbac(self) -> bool {
        self.0 & 0x1000 != 0
    }
    /// Extended key ID for individually addressed frames (bit 13).
    pub const fn extended_key_id(self) -> bool {
        self.0 & 0x2000 != 0
    }
    /// Operating channel validation capable (OCVC, bit 14).
    pub const fn ocvc(self) -> bool {
        self.0 & 0x4000 != 0
    }
}

/// A cursor over element data that reports errors with the element's layer name.
struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    layer: &'static str,
}

impl<'a> Cursor<'a> {
    fn at_end(&self) -> bool {
        self.pos >= self.buf.len()
    }
    fn u16(&mut self) -> Result<u16> {
        let v = read::le16(self.buf, self.pos).ok_or(Error::truncated(self.layer, self.pos))?;
        self.pos += 2;
        Ok(v)
    }
    fn suite(&mut self) -> Result<Suite> {
        let v =
            read::array::<4>(self.buf, self.pos).ok_or(Error::truncated(self.layer, self.pos))?;
        self.pos += 4;
        Ok(Suite::from_bytes(v))
    }
    fn take(&mut self, len: usize) -> Result<&'a [u8]> {
        let v =
            read::slice(self.buf, self.pos, len).ok_or(Error::truncated(self.layer, self.pos))?;
        self.pos += len;
        Ok(v)
    }
    /// An optional suite: absent at the end of the data.
    fn opt_suite(&mut self) -> Result<Option<Suite>> {
        if self.at_end() {
            Ok(None)
        } else {
            self.suite().map(Some)
        }
    }
    /// An optional counted list of `size`-byte items: empty at the end of the data.
    fn opt_list(&mut self, size: usize) -> Result<&'a [u8]> {
        if self.at_end() {
            return Ok(&[]);
        }
        let count = usize::from(self.u16()?);
        self.take(count * size)
    }
}

/// RSN element. Every field after the version is optional, but only from the end: a field
/// cut short, or a count that promises more suites than the element holds, is an error.
/// Absent lists are returned empty (the defaults the standard then implies — CCMP-128 group
/// and pairwise cipher, 802.1X AKM — are for the caller to apply).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rsn<'a> {
    /// Version (1).
    pub version: u16,
    /// Group data cipher suite.
    pub group_cipher: Option<Suite>,
    /// Pairwise cipher suites.
    pub pairwise_ciphers: Suites<'a>,
    /// AKM suites.
    pub akm_suites: Suites<'a>,
    /// RSN capabilities.
    pub capabilities: Option<RsnCapabilities>,
    /// PMKIDs.
    pub pmkids: Pmkids<'a>,
    /// Group management cipher suite (with MFP).
    pub group_mgmt_cipher: Option<Suite>,
}

impl<'a> Rsn<'a> {
    /// Parse RSN element data. `Unsupported` for a version other than 1; `Truncated` (at the
    /// offset of the field that does not fit) for a cut-short field or list. Bytes after the
    /// group management cipher are ignored.
    pub fn parse(data: &'a [u8]) -> Result<Rsn<'a>> {
        let mut c = Cursor {
            buf: data,
            pos: 0,
            layer: "RSN IE",
        };
        let version = c.u16()?;
        if version != 1 {
            return Err(Error::unsupported("RSN IE", 0));
        }
        let group_cipher = c.opt_suite()?;
        let pairwise = c.opt_list(4)?;
        let akm = c.opt_list(4)?;
        let capabilities = if c.at_end() {
            None
        } else {
            Some(RsnCapabilities(c.u16()?))
        };
        let pmkids = c.opt_list(16)?;
        let group_mgmt_cipher = c.opt_suite()?;
        Ok(Rsn {
            version,
            group_cipher,
            pairwise_ciphers: Suites { data: pairwise },
            akm_suites: Suites { data: akm },
            capabilities,
            pmkids: Pmkids { data: pmkids },
            group_mgmt_cipher,
        })
    }
    /// MFP required (false when the capabilities field is absent).
    pub fn mfp_required(&self) -> bool {
        self.capabilities.is_some_and(|c| c.mfp_required())
    }
    /// MFP capable (false when the capabilities field is absent).
    pub fn mfp_capable(&self) -> bool {
        self.capabilities.is_some_and(|c| c.mfp_capable())
    }
}

/// WPA element (vendor-specific 00:50:F2 type 1, the pre-802.11i layout of RSN).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Wpa<'a> {
    /// Version (1).
    pub version: u16,
    /// Group cipher suite.
    pub group_cipher: Option<Suite>,
    /// Pairwise (unicast) cipher suites.
    pub pairwise_ciphers: Suites<'a>,
    /// AKM suites.
    pub akm_suites: Suites<'a>,
    /// Capabilities field, when present (rarely sent).
    pub capabilities: Option<u16>,
}

impl<'a> Wpa<'a> {
    /// The 4 bytes that start a WPA element's data.
    pub const PREFIX: [u8; 4] = [0x00, 0x50, 0xf2, 0x01];

    /// Parse WPA vendor element data, starting with the OUI and type (00:50:F2:01).
    /// `Malformed` when the prefix is not that; otherwise as [`Rsn::parse`].
    pub fn parse(data: &'a [u8]) -> Result<Wpa<'a>> {
        const L: &str = "WPA IE";
        match data {
            [0x00, 0x50, 0xf2, 0x01, ..] => {}
            _ if data.len() < 4 => return Err(Error::truncated(L, data.len())),
            _ => return Err(Error::malformed(L, 0)),
        }
        let mut c = Cursor {
            buf: data,
            pos: 4,
            layer: L,
        };
        let version = c.u16()?;
        if version != 1 {
            return Err(Error::unsupported(L, 4));
        }
        let group_cipher = c.opt_suite()?;
        let pairwise = c.opt_list(4)?;
        let akm = c.opt_list(4)?;
        let capabilities = if c.at_end() { None } else { Some(c.u16()?) };
        Ok(Wpa {
            version,
            group_cipher,
            pairwise_ciphers: Suites { data: pairwise },
            akm_suites: Suites { data: akm },
            capabilities,
        })
    }
}

/// RSN Extension element (RSNXE): a bit field whose first 4 bits give its length − 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rsnx<'a>(pub &'a [u8]);

impl<'a> Rsnx<'a> {
    /// Parse (at least 1 byte).
    pub fn parse(data: &'a [u8]) -> Result<Rsnx<'a>> {
        if data.is_empty() {
            return Err(Error::truncated("RSNX IE", 0));
        }
        Ok(Rsnx(data))
    }
    /// Capability bit `n` (false beyond the end).
    pub fn bit(&self, n: usize) -> bool {
        read::u8_at(self.0, n / 8).is_some_and(|b| b & (1 << (n % 8)) != 0)
    }
    /// Protected TWT operations support (bit 4).
    pub fn protected_twt(&self) -> bool {
        self.bit(4)
    }
    /// SAE hash-to-element (bit 5).
    pub fn sae_h2e(&self) -> bool {
        self.bit(5)
    }
    /// SAE-PK (bit 6).
    pub fn sae_pk(&self) -> bool {
        self.bit(6)
    }
}
