//! PHY capability and operation elements: HT (802.11n), VHT (802.11ac), HE (802.11ax).

use super::super::read;
use crate::{Error, Result};

/// HT Capabilities element (26 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HtCapabilities {
    /// HT Capability Information.
    pub info: u16,
    /// A-MPDU Parameters.
    pub ampdu_params: u8,
    /// Supported MCS Set.
    pub mcs_set: [u8; 16],
    /// HT Extended Capabilities.
    pub ext_capabilities: u16,
    /// Transmit Beamforming Capabilities.
    pub txbf_capabilities: u32,
    /// ASEL Capabilities.
    pub asel_capabilities: u8,
}

impl HtCapabilities {
    /// Length of the element data.
    pub const LEN: usize = 26;

    /// Parse HT Capabilities data: `Truncated` below 26 bytes (extra bytes are ignored).
    pub fn parse(data: &[u8]) -> Result<HtCapabilities> {
        let (Some(info), Some(ampdu), Some(mcs), Some(ext), Some(txbf), Some(asel)) = (
            read::le16(data, 0),
            read::u8_at(data, 2),
            read::array::<16>(data, 3),
            read::le16(data, 19),
            read::le32(data, 21),
            read::u8_at(data, 25),
        ) else {
            return Err(Error::truncated("HT capabilities IE", data.len()));
        };
        Ok(HtCapabilities {
            info,
            ampdu_params: ampdu,
            mcs_set: mcs,
            ext_capabilities: ext,
            txbf_capabilities: txbf,
            asel_capabilities: asel,
        })
    }
    /// LDPC coding (bit 0).
    pub const fn ldpc(&self) -> bool {
        self.info & 0x0001 != 0
    }
    /// 20/40 MHz operation supported (bit 1).
    pub const fn channel_width_40(&self) -> bool {
        self.info & 0x0002 != 0
    }
    /// SM power save mode (bits 2..4): 0 static, 1 dynamic, 3 disabled.
    pub const fn sm_power_save(&self) -> u8 {
        ((self.info >> 2) & 3) as u8
    }
    /// HT-greenfield (bit 4).
    pub const fn greenfield(&self) -> bool {
        self.info & 0x0010 != 0
    }
    /// Short GI for 20 MHz (bit 5).
    pub const fn short_gi_20(&self) -> bool {
        self.info & 0x0020 != 0
    }
    /// Short GI for 40 MHz (bit 6).
    pub const fn short_gi_40(&self) -> bool {
        self.info & 0x0040 != 0
    }
    /// Tx STBC (bit 7).
    pub const fn tx_stbc(&self) -> bool {
        self.info & 0x0080 != 0
    }
    /// Rx STBC streams (bits 8..10).
    pub const fn rx_stbc(&self) -> u8 {
        ((self.info >> 8) & 3) as u8
    }
    /// Maximum A-MSDU length is 7935 rather than 3839 (bit 11).
    pub const fn max_amsdu_7935(&self) -> bool {
        self.info & 0x0800 != 0
    }
    /// DSSS/CCK in 40 MHz (bit 12).
    pub const fn dsss_cck_40(&self) -> bool {
        self.info & 0x1000 != 0
    }
    /// 40 MHz intolerant (bit 14).
    pub const fn forty_mhz_intolerant(&self) -> bool {
        self.info & 0x4000 != 0
    }
    /// L-SIG TXOP protection (bit 15).
    pub const fn lsig_txop_protection(&self) -> bool {
        self.info & 0x8000 != 0
    }
    /// Maximum A-MPDU length exponent (A-MPDU parameters bits 0..2).
    pub const fn max_ampdu_len_exp(&self) -> u8 {
        self.ampdu_params & 3
    }
    /// Minimum MPDU start spacing (A-MPDU parameters bits 2..5).
    pub const fn min_mpdu_spacing(&self) -> u8 {
        (self.ampdu_params >> 2) & 7
    }
    /// Receive MCS index `mcs` (0..=76) is supported.
    pub fn supports_mcs(&self, mcs: u8) -> bool {
        mcs <= 76
            && read::u8_at(&self.mcs_set, usize::from(mcs / 8))
                .is_some_and(|b| b & (1 << (mcs % 8)) != 0)
    }
    /// Number of receive spatial streams: the highest of MCS octets 0..4 with any bit set.
    pub fn rx_spatial_streams(&self) -> u8 {
        let mut n = 0;
        for (i, b) in self.mcs_set.iter().take(4).enumerate() {
            if *b != 0 {
                n = i as u8 + 1;
            }
        }
        n
    }
    /// Rx highest supported data rate, Mbit/s (0 = not given).
    pub fn rx_highest_rate(&self) -> u16 {
        read::le16(&self.mcs_set, 10).unwrap_or(0) & 0x03ff
    }
}

/// Secondary channel offset of an HT BSS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SecondaryChannelOffset {
    /// No secondary channel (20 MHz).
    None,
    /// Secondary channel above the primary (HT40+).
    Above,
    /// Secondary channel below the primary (HT40-).
    Below,
    /// Reserved value 2.
    Reserved,
}

/// HT Operation element (22 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HtOperation {
    /// Primary channel.
    pub primary_channel: u8,
    /// HT Operation Information (5 bytes).
    pub info: [u8; 5],
    /// Basic HT-MCS Set.
    pub basic_mcs_set: [u8; 16],
}

impl HtOperation {
    /// Length of the element data.
    pub const LEN: usize = 22;

    /// Parse HT Operation data: `Truncated` below 22 bytes.
    pub fn parse(data: &[u8]) -> Result<HtOperation> {
        let (Some(primary_channel), Some(info), Some(basic_mcs_set)) = (
            read::u8_at(data, 0),
            read::array::<5>(data, 1),
            read::array::<16>(data, 6),
        ) else {
            return Err(Error::truncated("HT operation IE", data.len()));
        };
        Ok(HtOperation {
            primary_channel,
            info,
            basic_mcs_set,
        })
    }
    /// Secondary channel offset (info bits 0..2).
    pub const fn secondary_channel_offset(&self) -> SecondaryChannelOffset {
        match self.info[0] & 3 {
            0 => SecondaryChannelOffset::None,
            1 => SecondaryChannelOffset::Above,
            3 => SecondaryChannelOffset::Below,
            _ => SecondaryChannelOffset::Reserved,
        }
    }
    /// STA channel width (info bit 2): true = any width in the supported set (40 MHz allowed),
    /// false = 20 MHz only.
    pub const fn sta_channel_width_any(&self) -> bool {
        self.info[0] & 0x04 != 0
    }
    /// RIFS mode (info bit 3).
    pub const fn rifs(&self) -> bool {
        self.info[0] & 0x08 != 0
    }
    /// HT protection (info bits 8..10): 0 none, 1 non-member, 2 20 MHz, 3 non-HT mixed.
    pub const fn ht_protection(&self) -> u8 {
        self.info[1] & 3
    }
    /// Non-greenfield HT stations present (info bit 10).
    pub const fn non_greenfield_present(&self) -> bool {
        self.info[1] & 0x04 != 0
    }
    /// OBSS non-HT stations present (info bit 12).
    pub const fn obss_non_ht_present(&self) -> bool {
        self.info[1] & 0x10 != 0
    }
    /// Channel center frequency segment 2 (info bits 13..21), used by VHT 160/80+80.
    pub const fn ccfs2(&self) -> u8 {
        let v = (self.info[1] as u16) | ((self.info[2] as u16) << 8);
        ((v >> 5) & 0xff) as u8
    }
    /// Dual beacon (info bit 30).
    pub const fn dual_beacon(&self) -> bool {
        self.info[3] & 0x40 != 0
    }
    /// Dual CTS protection (info bit 31).
    pub const fn dual_cts_protection(&self) -> bool {
        self.info[3] & 0x80 != 0
    }
    /// STBC beacon (info bit 32).
    pub const fn stbc_beacon(&self) -> bool {
        self.info[4] & 0x01 != 0
    }
    /// The secondary 20 MHz channel number, when there is one (primary ± 4).
    pub const fn secondary_channel(&self) -> Option<u8> {
        match self.secondary_channel_offset() {
            SecondaryChannelOffset::Above => self.primary_channel.checked_add(4),
            SecondaryChannelOffset::Below => self.primary_channel.checked_sub(4),
            _ => None,
        }
    }
}

/// Highest MCS supported for spatial stream `nss` (1..=8) in a VHT or HE MCS map (2 bits per
/// stream: 0 → MCS 0-7, 1 → 0-8, 2 → 0-9; HE: 0 → 0-7, 1 → 0-9, 2 → 0-11). Returns the 2-bit
/// code, `None` for "not supported" (3) or out-of-range `nss`.
pub(crate) fn mcs_map_code(map: u16, nss: u8) -> Option<u8> {
    if !(1..=8).contains(&nss) {
        return None;
    }
    let code = ((map >> ((nss - 1) * 2)) & 3) as u8;
    if code == 3 {
        None
    } else {
        Some(code)
    }
}

/// Number of spatial streams with a supported entry in an MCS map (the highest `nss` whose
/// code is not 3).
pub(crate) fn mcs_map_streams(map: u16) -> u8 {
    (1..=8u8)
        .filter(|&n| mcs_map_code(map, n).is_some())
        .max()
        .unwrap_or(0)
}

/// VHT Capabilities element (12 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VhtCapabilities {
    /// VHT Capabilities Information.
    pub info: u32,
    /// Rx VHT-MCS map.
    pub rx_mcs_map: u16,
    /// Rx highest supported long-GI data rate (bits 0..13) and max NSTS total (bits 13..16).
    pub rx_highest: u16,
    /// Tx VHT-MCS map.
    pub tx_mcs_map: u16,
    /// Tx highest supported long-GI data rate (bits 0..13) and extended NSS BW capable (bit 13).
    pub tx_highest: u16,
}

impl VhtCapabilities {
    /// Length of the element data.
    pub const LEN: usize = 12;

    /// Parse VHT Capabilities data: `Truncated` below 12 bytes.
    pub fn parse(data: &[u8]) -> Result<VhtCapabilities> {
        let (Some(info), Some(rx_mcs_map), Some(rx_highest), Some(tx_mcs_map), Some(tx_highest)) = (
            read::le32(data, 0),
            read::le16(data, 4),
            read::le16(data, 6),
            read::le16(data, 8),
            read::le16(data, 10),
        ) else {
            return Err(Error::truncated("VHT capabilities IE", data.len()));
        };
        Ok(VhtCapabilities {
            info,
            rx_mcs_map,
            rx_highest,
            tx_mcs_map,
            tx_highest,
        })
    }
    /// Maximum MPDU length code (bits 0..2): 0 → 3895, 1 → 7991, 2 → 11454.
    pub const fn max_mpdu_len(&self) -> u8 {
        (self.info & 3) as u8
    }
    /// Supported channel width set (bits 2..4): 0 → 80 MHz, 1 → 160, 2 → 160 and 80+80.
    pub const fn supported_channel_width_set(&self) -> u8 {
        ((self.info >> 2) & 3) as u8
    }
    /// Rx LDPC (bit 4).
    pub const fn rx_ldpc(&self) -> bool {
        self.info & (1 << 4) != 0
    }
    /// Short GI for 80 MHz (bit 5).
    pub const fn short_gi_80(&self) -> bool {
        self.info & (1 << 5) != 0
    }
    /// Short GI for 160 and 80+80 MHz (bit 6).
    pub const fn short_gi_160(&self) -> bool {
        self.info & (1 << 6) != 0
    }
    /// Tx STBC (bit 7).
    pub const fn tx_stbc(&self) -> bool {
        self.info & (1 << 7) != 0
    }
    /// Rx STBC (bits 8..11).
    pub const fn rx_stbc(&self) -> u8 {
        ((self.info >> 8) & 7) as u8
    }
    /// SU beamformer capable (bit 11).
    pub const fn su_beamformer(&self) -> bool {
        self.info & (1 << 11) != 0
    }
    /// SU beamformee capable (bit 12).
    pub const fn su_beamformee(&self) -> bool {
        self.info & (1 << 12) != 0
    }
    /// Beamformee STS capability (bits 13..16).
    pub const fn beamformee_sts(&self) -> u8 {
        ((self.info >> 13) & 7) as u8
    }
    /// Number of sounding dimensions (bits 16..19).
    pub const fn sounding_dimensions(&self) -> u8 {
        ((self.info >> 16) & 7) as u8
    }
    /// MU beamformer capable (bit 19).
    pub const fn mu_beamformer(&self) -> bool {
        self.info & (1 << 19) != 0
    }
    /// MU beamformee capable (bit 20).
    pub const fn mu_beamformee(&self) -> bool {
        self.info & (1 << 20) != 0
    }
    /// Maximum A-MPDU length exponent (bits 23..26).
    pub const fn max_ampdu_len_exp(&self) -> u8 {
        ((self.info >> 23) & 7) as u8
    }
    /// Extended NSS BW support (bits 30..32).
    pub const fn ext_nss_bw(&self) -> u8 {
        ((self.info >> 30) & 3) as u8
    }
    /// Receive MCS map code for `nss` (1..=8): 0 → MCS 0-7, 1 → 0-8, 2 → 0-9; `None` when the
    /// stream is not supported.
    pub fn rx_mcs(&self, nss: u8) -> Option<u8> {
        mcs_map_code(self.rx_mcs_map, nss)
    }
    /// Number of receive spatial streams.
    pub fn rx_spatial_streams(&self) -> u8 {
        mcs_map_streams(self.rx_mcs_map)
    }
    /// Number of transmit spatial streams.
    pub fn tx_spatial_streams(&self) -> u8 {
        mcs_map_streams(self.tx_mcs_map)
    }
}

/// A BSS operating channel width.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChannelWidth {
    /// 20 or 40 MHz: see the HT operation element.
    Mhz20Or40,
    /// 20 MHz.
    Mhz20,
    /// 40 MHz.
    Mhz40,
    /// 80 MHz.
    Mhz80,
    /// 160 MHz.
    Mhz160,
    /// 80+80 MHz.
    Mhz80Plus80,
    /// A reserved value.
    Reserved(u8),
}

fn vht_width(width: u8, ccfs0: u8, ccfs1: u8) -> ChannelWidth {
    match width {
        0 => ChannelWidth::Mhz20Or40,
        1 => {
            if ccfs1 == 0 {
                ChannelWidth::Mhz80
            } else {
                let diff = ccfs1.abs_diff(ccfs0);
                if diff == 8 {
                    ChannelWidth::Mhz160
                } else if diff > 16 {
                    ChannelWidth::Mhz80Plus80
                } else {
                    ChannelWidth::Mhz80
                }
            }
        }
        2 => ChannelWidth::Mhz160,
        3 => ChannelWidth::Mhz80Plus80,
        n => ChannelWidth::Reserved(n),
    }
}

/// VHT Operation element (5 bytes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VhtOperation {
    /// Channel width field: 0 → 20/40, 1 → 80/160/80+80, 2 → 160 (deprecated), 3 → 80+80
    /// (deprecated).
    pub channel_width: u8,
    /// Channel center frequency segment 0.
    pub ccfs0: u8,
    /// Channel center frequency segment 1.
    pub ccfs1: u8,
    /// Basic VHT-MCS and NSS set.
    pub basic_mcs_map: u16,
}

impl VhtOperation {
    /// Length of the element data.
    pub const LEN: usize = 5;

    /// Parse VHT Operation data: `Truncated` below 5 bytes.
    pub fn parse(data: &[u8]) -> Result<VhtOperation> {
        match (read::array::<3>(data, 0), read::le16(data, 3)) {
            (Some([w, c0, c1]), Some(m)) => Ok(VhtOperation {
                channel_width: w,
                ccfs0: c0,
                ccfs1: c1,
                basic_mcs_map: m,
            }),
            _ => Err(Error::truncated("VHT operation IE", data.len())),
        }
    }
    /// The operating width: width 1 with a second segment 8 channels away is 160 MHz, more
    /// than 16 away 80+80 MHz.
    pub fn width(&self) -> ChannelWidth {
        vht_width(self.channel_width, self.ccfs0, self.ccfs1)
    }
}

/// HE Capabilities element (extension id 35).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeCapabilities<'a> {
    /// HE MAC Capabilities Information.
    pub mac: [u8; 6],
    /// HE PHY Capabilities Information.
    pub phy: [u8; 11],
    /// Supported HE-MCS and NSS Set: 4, 8 or 12 bytes (Rx/Tx maps for ≤80 MHz, then 160 MHz
    /// and 80+80 MHz when the PHY capabilities announce those widths).
    pub mcs_nss: &'a [u8],
    /// PPE Thresholds, when the PHY capabilities say they are present.
    pub ppe_thresholds: &'a [u8],
}

impl<'a> HeCapabilities<'a> {
    /// Parse HE Capabilities data (after the extension id). `Truncated` when the fixed
    /// fields, the MCS maps implied by the channel width set, or the PPE thresholds implied by
    /// their header do not fit.
    pub fn parse(data: &'a [u8]) -> Result<HeCapabilities<'a>> {
        const L: &str = "HE capabilities IE";
        let (Some(mac), Some(phy)) = (read::array::<6>(data, 0), read::array::<11>(data, 6)) else {
            return Err(Error::truncated(L, data.len()));
        };
        let mut mcs_len = 4;
        if phy[0] & (1 << 3) != 0 {
            mcs_len += 4;
        }
        if phy[0] & (1 << 4) != 0 {
            mcs_len += 4;
        }
        let mcs_nss = read::slice(data, 17, mcs_len).ok_or(Error::truncated(L, 17))?;
        let ppe_off = 17 + mcs_len;
        let ppe_thresholds = if phy[6] & 0x80 != 0 {
            let hdr = read::u8_at(data, ppe_off).ok_or(Error::truncated(L, ppe_off))?;
            let nsts = usize::from(hdr & 7) + 1;
            let ru = (hdr >> 3) & 0x0f;
            let bits = 7 + nsts * ru.count_ones() as usize * 6;
            let len = bits.div_ceil(8);
            read::slice(data, ppe_off, len).ok_or(Error::truncated(L, ppe_off))?
        } else {
            &[]
        };
        Ok(HeCapabilities {
            mac,
            phy,
            mcs_nss,
            ppe_thresholds,
        })
    }
    /// Channel width set (PHY bits 1..8).
    pub const fn channel_width_set(&self) -> u8 {
        self.phy[0] >> 1
    }
    /// 40 MHz in 2.4 GHz supported.
    pub const fn supports_40mhz_2ghz(&self) -> bool {
        self.phy[0] & (1 << 1) != 0
    }
    /// 40 and 80 MHz in 5/6 GHz supported.
    pub const fn supports_80mhz(&self) -> bool {
        self.phy[0] & (1 << 2) != 0
    }
    /// 160 MHz in 5/6 GHz supported.
    pub const fn supports_160mhz(&self) -> bool {
        self.phy[0] & (1 << 3) != 0
    }
    /// 160/80+80 MHz in 5/6 GHz supported.
    pub const fn supports_80p80mhz(&self) -> bool {
        self.phy[0] & (1 << 4) != 0
    }
    /// TWT requester support (MAC bit 1).
    pub const fn twt_requester(&self) -> bool {
        self.mac[0] & (1 << 1) != 0
    }
    /// TWT responder support (MAC bit 2).
    pub const fn twt_responder(&self) -> bool {
        self.mac[0] & (1 << 2) != 0
    }
    /// SU beamformer (PHY bit 31).
    pub const fn su_beamformer(&self) -> bool {
        self.phy[3] & 0x80 != 0
    }
    /// SU beamformee (PHY bit 32).
    pub const fn su_beamformee(&self) -> bool {
        self.phy[4] & 0x01 != 0
    }
    /// MU beamformer (PHY bit 33).
    pub const fn mu_beamformer(&self) -> bool {
        self.phy[4] & 0x02 != 0
    }
    /// Rx HE-MCS map for ≤ 80 MHz.
    pub fn rx_mcs_map_80(&self) -> u16 {
        read::le16(self.mcs_nss, 0).unwrap_or(0xffff)
    }
    /// Tx HE-MCS map for ≤ 80 MHz.
    pub fn tx_mcs_map_80(&self) -> u16 {
        read::le16(self.mcs_nss, 2).unwrap_or(0xffff)
    }
    /// Rx HE-MCS map for 160 MHz, when present.
    pub fn rx_mcs_map_160(&self) -> Option<u16> {
        if self.supports_160mhz() {
            read::le16(self.mcs_nss, 4)
        } else {
            None
        }
    }
    /// Number of receive spatial streams (≤ 80 MHz map).
    pub fn rx_spatial_streams(&self) -> u8 {
        mcs_map_streams(self.rx_mcs_map_80())
    }
}

/// VHT operation information carried in an HE Operation element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VhtOperationInfo {
    /// Channel width field (as in [`VhtOperation::channel_width`]).
    pub channel_width: u8,
    /// Channel center frequency segment 0.
    pub ccfs0: u8,
    /// Channel center frequency segment 1.
    pub ccfs1: u8,
}

impl VhtOperationInfo {
    /// The operating width, as [`VhtOperation::width`].
    pub fn width(&self) -> ChannelWidth {
        vht_width(self.channel_width, self.ccfs0, self.ccfs1)
    }
}

/// 6 GHz Operation Information carried in an HE Operation element.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SixGhzOperation {
    /// Primary channel (6 GHz channel numbering).
    pub primary_channel: u8,
    /// Control: bits 0..2 channel width, bit 2 duplicate beacon, bits 3..6 regulatory info.
    pub control: u8,
    /// Channel center frequency segment 0.
    pub ccfs0: u8,
    /// Channel center frequency segment 1.
    pub ccfs1: u8,
    /// Minimum rate, Mbit/s.
    pub min_rate: u8,
}

impl SixGhzOperation {
    /// The operating width (control bits 0..2: 20, 40, 80, 160/80+80 MHz).
    pub fn width(&self) -> ChannelWidth {
        match self.control & 3 {
            0 => ChannelWidth::Mhz20,
            1 => ChannelWidth::Mhz40,
            2 => ChannelWidth::Mhz80,
            _ => {
                if self.ccfs1.abs_diff(self.ccfs0) > 16 {
                    ChannelWidth::Mhz80Plus80
                } else {
                    ChannelWidth::Mhz160
                }
            }
        }
    }
    /// Duplicate beacon (control bit 2).
    pub fn duplicate_beacon(&self) -> bool {
        self.control & 0x04 != 0
    }
    /// Regulatory info (control bits 3..6): 0 indoor AP, 1 standard power AP, …
    pub fn regulatory_info(&self) -> u8 {
        (self.control >> 3) & 7
    }
}

/// HE Operation element (extension id 36).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeOperation {
    /// HE Operation Parameters (24 bits).
    pub params: u32,
    /// BSS Color Information.
    pub bss_color_info: u8,
    /// Basic HE-MCS and NSS set.
    pub basic_mcs_map: u16,
    /// VHT Operation Information, when params bit 14 is set.
    pub vht_info: Option<VhtOperationInfo>,
    /// Max Co-Hosted BSSID Indicator, when params bit 15 is set.
    pub max_cohosted_bssid: Option<u8>,
    /// 6 GHz Operation Information, when params bit 17 is set.
    pub six_ghz: Option<SixGhzOperation>,
}

impl HeOperation {
    /// Parse HE Operation data (after the extension id): `Truncated` below 6 bytes or when an
    /// optional part announced by the parameters does not fit.
    pub fn parse(data: &[u8]) -> Result<HeOperation> {
        const L: &str = "HE operation IE";
        let (Some([p0, p1, p2]), Some(color), Some(mcs)) = (
            read::array::<3>(data, 0),
            read::u8_at(data, 3),
            read::le16(data, 4),
        ) else {
            return Err(Error::truncated(L, data.len()));
        };
        let params = u32::from(p0) | (u32::from(p1) << 8) | (u32::from(p2) << 16);
        let mut off = 6;
        let vht_info = if params & (1 << 14) != 0 {
            let [w, c0, c1] = read::array::<3>(data, off).ok_or(Error::truncated(L, off))?;
            off += 3;
            Some(VhtOperationInfo {
                channel_width: w,
                ccfs0: c0,
                ccfs1: c1,
            })
        } else {
            None
        };
        let max_cohosted_bssid = if params & (1 << 15) != 0 {
            let v = read::u8_at(data, off).ok_or(Error::truncated(L, off))?;
            off += 1;
            Some(v)
        } else {
            None
        };
        let six_ghz = if params & (1 << 17) != 0 {
            let [a, b, c, d, e] = read::array::<5>(data, off).ok_or(Error::truncated(L, off))?;
            Some(SixGhzOperation {
                primary_channel: a,
                control: b,
                ccfs0: c,
                ccfs1: d,
                min_rate: e,
            })
        } else {
            None
        };
        Ok(HeOperation {
            params,
            bss_color_info: color,
            basic_mcs_map: mcs,
            vht_info,
            max_cohosted_bssid,
            six_ghz,
        })
    }
    /// Default PE duration (bits 0..3).
    pub const fn default_pe_duration(&self) -> u8 {
        (self.params & 7) as u8
    }
    /// TWT required (bit 3).
    pub const fn twt_required(&self) -> bool {
        self.params & (1 << 3) != 0
    }
    /// TXOP duration RTS threshold (bits 4..14).
    pub const fn txop_rts_threshold(&self) -> u16 {
        ((self.params >> 4) & 0x3ff) as u16
    }
    /// Co-hosted BSS (bit 15).
    pub const fn cohosted_bss(&self) -> bool {
        self.params & (1 << 15) != 0
    }
    /// ER SU disable (bit 16).
    pub const fn er_su_disable(&self) -> bool {
        self.params & (1 << 16) != 0
    }
    /// BSS color (bits 0..6 of the BSS color information).
    pub const fn bss_color(&self) -> u8 {
        self.bss_color_info & 0x3f
    }
    /// Partial BSS color (bit 6).
    pub const fn partial_bss_color(&self) -> bool {
        self.bss_color_info & 0x40 != 0
    }
    /// BSS color disabled (bit 7).
    pub const fn bss_color_disabled(&self) -> bool {
        self.bss_color_info & 0x80 != 0
    }
}
