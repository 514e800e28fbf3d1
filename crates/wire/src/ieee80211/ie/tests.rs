//! Unit tests for the element iterator and the typed element parsers.

extern crate std;

use super::*;
use crate::ErrorKind;
use std::vec::Vec;

fn elem(id: u8, data: &[u8]) -> Vec<u8> {
    let mut v = std::vec![id, data.len() as u8];
    v.extend_from_slice(data);
    v
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.iter().flat_map(|p| p.iter().copied()).collect()
}

#[test]
fn iterate_and_find() {
    let buf = cat(&[
        &elem(id::SSID, b"home"),
        &elem(id::SUPPORTED_RATES, &[0x82, 0x84, 0x0b, 0x16]),
        &elem(id::DS_PARAMS, &[6]),
        &elem(id::EXTENSION, &[ext_id::HE_OPERATION, 1, 2]),
        &elem(id::VENDOR, &[0x00, 0x50, 0xf2, 0x02, 0x00, 0x01, 0x00]),
    ]);
    let mut it = Elements::new(&buf);
    let v: Vec<Element> = it.by_ref().collect();
    assert_eq!(it.error(), None);
    assert_eq!(v.len(), 5);
    assert_eq!(v[0].id, id::SSID);
    assert_eq!(v[0].data, b"home");
    assert_eq!(v[0].offset, 0);
    assert_eq!(v[1].offset, 6);
    assert_eq!(v[3].id, id::EXTENSION);
    assert_eq!(v[3].ext_id, Some(ext_id::HE_OPERATION));
    assert_eq!(v[3].data, &[1, 2]);
    assert!(v[3].is_ext(ext_id::HE_OPERATION));
    assert!(!v[3].is(id::EXTENSION));
    let e = Elements::new(&buf);
    assert!(e.check().is_ok());
    assert_eq!(e.ssid(), Some(&b"home"[..]));
    assert_eq!(e.get(id::DS_PARAMS).unwrap().data, &[6]);
    assert!(e.get(id::RSN).is_none());
    assert!(e.get_ext(ext_id::HE_OPERATION).is_some());
    assert!(e.get_ext(ext_id::HE_CAPABILITIES).is_none());
    assert!(e.get_vendor(oui::MICROSOFT, Some(2)).is_some());
    assert!(e.get_vendor(oui::MICROSOFT, None).is_some());
    assert!(e.get_vendor(oui::MICROSOFT, Some(4)).is_none());
    assert_eq!(e.remaining().len(), buf.len());
    assert_eq!(id::ext::HE_CAPABILITIES, 35);
}

#[test]
fn truncation_recorded() {
    // Second element claims 10 bytes, has 2.
    let buf = [0, 1, b'a', 48, 10, 1, 0];
    let mut it = Elements::new(&buf);
    assert_eq!(it.next().unwrap().data, b"a");
    assert!(it.next().is_none());
    let e = it.error().unwrap();
    assert_eq!(
        (e.kind, e.offset, e.layer),
        (ErrorKind::Truncated, 3, "802.11 IE")
    );
    assert!(it.next().is_none()); // fused
    assert_eq!(Elements::new(&buf).check().unwrap_err().offset, 3);
    // A lone id byte.
    let mut it = Elements::new(&[0, 0, 7]);
    assert_eq!(it.next().unwrap().data, b"");
    assert!(it.next().is_none());
    assert_eq!(it.error().unwrap().offset, 2);
    // Empty buffer: nothing, no error.
    let mut it = Elements::new(&[]);
    assert!(it.next().is_none());
    assert!(it.error().is_none());
}

#[test]
fn empty_extension_element_skipped() {
    let buf = [255, 0, 0, 1, b'x'];
    let mut it = Elements::new(&buf);
    let e = it.next().unwrap();
    assert_eq!((e.id, e.data, e.offset), (0, &b"x"[..], 2));
    assert!(it.next().is_none());
    assert_eq!(it.error().unwrap().kind, ErrorKind::Malformed);
}

#[test]
fn ssid_parser() {
    let s = ssid(b"caf\xc3\xa9").unwrap();
    assert_eq!(s.as_str(), Some("café"));
    assert!(!s.is_hidden());
    let gbk = ssid(&[0xb2, 0xe2, 0xca, 0xd4]).unwrap();
    assert_eq!(gbk.as_bytes(), &[0xb2, 0xe2, 0xca, 0xd4]);
    assert_eq!(gbk.as_str(), None);
    assert!(ssid(b"").unwrap().is_hidden());
    assert!(ssid(&[0; 8]).unwrap().is_hidden());
    assert!(ssid(&[b'a'; 32]).is_ok());
    let e = ssid(&[b'a'; 33]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Malformed);
}

#[test]
fn rates_parser() {
    let r = Rates::parse(&[0x82, 0x84, 0x8b, 0x96, 0x0c, 0x12, 0x18, 0x24, 0xff]).unwrap();
    let v: Vec<Rate> = r.iter().collect();
    assert_eq!(v.len(), 9);
    assert!(v[0].basic());
    assert_eq!(v[0].value(), 2);
    assert_eq!(v[0].kbps(), 1000);
    assert_eq!(v[2].kbps(), 5500);
    assert!(!v[4].basic());
    assert_eq!(v[4].kbps(), 6000);
    assert_eq!(v[8].selector(), Some(127));
    assert_eq!(v[7].selector(), None);
    assert_eq!(r.max_kbps(), Some(18000));
    assert_eq!(r.len(), 9);
    assert_eq!(r.into_iter().count(), 9);
    assert_eq!(Rates::parse(&[]).unwrap_err().kind, ErrorKind::Malformed);
}

#[test]
fn ds_and_ibss() {
    assert_eq!(ds_channel(&[11]).unwrap(), 11);
    assert_eq!(ds_channel(&[]).unwrap_err().kind, ErrorKind::Truncated);
    assert_eq!(ibss_atim_window(&[2, 1]).unwrap(), 0x0102);
    assert!(ibss_atim_window(&[2]).is_err());
}

#[test]
fn tim_parser() {
    let t = Tim::parse(&[0, 3, 0x01, 0x00, 0x10]).unwrap();
    assert_eq!((t.dtim_count, t.dtim_period), (0, 3));
    assert!(t.is_dtim() && t.multicast());
    assert_eq!(t.bitmap_offset(), 0);
    assert!(t.aid_buffered(12));
    assert!(!t.aid_buffered(11));
    assert!(!t.aid_buffered(2007));
    // Bitmap offset 2 (N1 = 4 octets): the bitmap starts at AID 32.
    let t = Tim::parse(&[1, 2, 0x04, 0x02]).unwrap();
    assert_eq!(t.bitmap_offset(), 4);
    assert!(t.aid_buffered(33));
    assert!(!t.aid_buffered(1));
    assert!(!t.multicast() && !t.is_dtim());
    // Errors.
    assert_eq!(
        Tim::parse(&[0, 1, 0]).unwrap_err().kind,
        ErrorKind::Truncated
    );
    assert_eq!(
        Tim::parse(&[0, 0, 0, 0]).unwrap_err().kind,
        ErrorKind::Malformed
    );
    assert_eq!(
        Tim::parse(&[5, 3, 0, 0]).unwrap_err().kind,
        ErrorKind::Malformed
    );
    let mut long = std::vec![0u8, 1, 0];
    long.extend_from_slice(&[0; 252]);
    assert_eq!(Tim::parse(&long).unwrap_err().kind, ErrorKind::Malformed);
    let mut max = std::vec![0u8, 1, 0];
    max.extend_from_slice(&[0; 251]);
    assert!(Tim::parse(&max).is_ok());
    // Offset + length past AID 2007.
    let mut far = std::vec![0u8, 1, 0xfe];
    far.extend_from_slice(&[0; 10]);
    assert_eq!(Tim::parse(&far).unwrap_err().kind, ErrorKind::Malformed);
    // The malformed TIM of tcpdump's tim_ie_oobr capture: count = period = 0x30.
    assert!(Tim::parse(&[0x30; 48]).is_err());
}

#[test]
fn country_parser() {
    let c = Country::parse(&[b'U', b'S', b' ', 1, 11, 30, 36, 4, 23, 201, 12, 0, 0]).unwrap();
    assert_eq!(c.code_str(), Some("US"));
    assert_eq!(c.environment, b' ');
    let t: Vec<CountryTriplet> = c.triplets().collect();
    assert_eq!(
        t,
        [
            CountryTriplet::Subband {
                first_channel: 1,
                num_channels: 11,
                max_power_dbm: 30
            },
            CountryTriplet::Subband {
                first_channel: 36,
                num_channels: 4,
                max_power_dbm: 23
            },
            CountryTriplet::Operating {
                extension_id: 201,
                operating_class: 12,
                coverage_class: 0
            },
        ]
    );
    let neg = Country::parse(&[b'D', b'E', b'I', 1, 13, 0xf6]).unwrap();
    assert!(matches!(
        neg.triplets().next(),
        Some(CountryTriplet::Subband {
            max_power_dbm: -10,
            ..
        })
    ));
    assert_eq!(
        Country::parse(b"DE").unwrap_err().kind,
        ErrorKind::Truncated
    );
    assert_eq!(Country::parse(&[0xff, 0xfe, 0]).unwrap().code_str(), None);
    assert_eq!(Country::parse(b"JP\x04").unwrap().triplets().count(), 0);
}

fn rsn_bytes() -> Vec<u8> {
    cat(&[
        &[1, 0],
        &[0x00, 0x0f, 0xac, 4],
        &[2, 0, 0x00, 0x0f, 0xac, 4, 0x00, 0x0f, 0xac, 2],
        &[2, 0, 0x00, 0x0f, 0xac, 2, 0x00, 0x0f, 0xac, 8],
        &[0xcc, 0x00],
        &[1, 0],
        &[0xab; 16],
        &[0x00, 0x0f, 0xac, 6],
    ])
}

#[test]
fn rsn_full() {
    let b = rsn_bytes();
    let r = Rsn::parse(&b).unwrap();
    assert_eq!(r.version, 1);
    assert_eq!(r.group_cipher, Some(Suite::CCMP_128));
    assert_eq!(r.group_cipher.unwrap().cipher(), Some(Cipher::Ccmp128));
    let pw: Vec<Suite> = r.pairwise_ciphers.iter().collect();
    assert_eq!(pw, [Suite::CCMP_128, Suite::TKIP]);
    assert_eq!(r.pairwise_ciphers.len(), 2);
    assert_eq!(r.pairwise_ciphers.get(1), Some(Suite::TKIP));
    assert_eq!(r.pairwise_ciphers.get(2), None);
    let akm: Vec<Akm> = r.akm_suites.iter().filter_map(Suite::akm).collect();
    assert_eq!(akm, [Akm::Psk, Akm::Sae]);
    assert!(r.akm_suites.contains(Suite::AKM_SAE));
    let caps = r.capabilities.unwrap();
    assert!(caps.mfp_capable() && caps.mfp_required());
    assert!(r.mfp_capable() && r.mfp_required());
    assert_eq!(caps.ptksa_replay_counter(), 3);
    assert_eq!(r.pmkids.len(), 1);
    assert_eq!(r.pmkids.iter().next(), Some([0xab; 16]));
    assert_eq!(r.group_mgmt_cipher, Some(Suite::BIP_CMAC_128));
    assert_eq!(
        r.group_mgmt_cipher.unwrap().cipher(),
        Some(Cipher::BipCmac128)
    );
}

#[test]
fn rsn_optional_tails() {
    let b = rsn_bytes();
    // Every prefix that ends on a field boundary parses; every other prefix is truncated.
    let boundaries = [2usize, 6, 16, 26, 28, 46, 50];
    for len in 0..=b.len() {
        let r = Rsn::parse(&b[..len]);
        if boundaries.contains(&len) {
            assert!(r.is_ok(), "len {len}: {r:?}");
        } else {
            let e = r.unwrap_err();
            assert_eq!(e.kind, ErrorKind::Truncated, "len {len}");
            assert_eq!(e.layer, "RSN IE");
        }
    }
    let v = Rsn::parse(&b[..2]).unwrap();
    assert_eq!(v.group_cipher, None);
    assert!(v.pairwise_ciphers.is_empty() && v.akm_suites.is_empty());
    assert_eq!(v.capabilities, None);
    assert!(!v.mfp_capable());
    // Count promising more suites than present.
    let e = Rsn::parse(&[1, 0, 0, 0x0f, 0xac, 4, 5, 0, 0, 0x0f, 0xac, 4]).unwrap_err();
    assert_eq!((e.kind, e.offset), (ErrorKind::Truncated, 8));
    // Version other than 1.
    assert_eq!(
        Rsn::parse(&[2, 0]).unwrap_err().kind,
        ErrorKind::Unsupported
    );
    // Trailing bytes after the group management cipher are ignored.
    let mut t = b.clone();
    t.push(0x99);
    assert!(Rsn::parse(&t).is_ok());
}

#[test]
fn suites_and_akms() {
    assert_eq!(Suite::from_bytes([0, 0x0f, 0xac, 4]), Suite::CCMP_128);
    assert_eq!(Suite::CCMP_128.as_u32(), 0x000fac04);
    assert_eq!(Suite::CCMP_128.to_bytes(), [0, 0x0f, 0xac, 4]);
    assert_eq!(Suite::WPA_TKIP.cipher(), Some(Cipher::Tkip));
    assert_eq!(Suite::WPA_AKM_PSK.akm(), Some(Akm::Psk));
    assert_eq!(Suite::new([1, 2, 3], 4).cipher(), None);
    let ciphers = [
        (Suite::WEP40, Cipher::Wep40),
        (Suite::TKIP, Cipher::Tkip),
        (Suite::CCMP_128, Cipher::Ccmp128),
        (Suite::WEP104, Cipher::Wep104),
        (Suite::BIP_CMAC_128, Cipher::BipCmac128),
        (Suite::GCMP_128, Cipher::Gcmp128),
        (Suite::GCMP_256, Cipher::Gcmp256),
        (Suite::CCMP_256, Cipher::Ccmp256),
        (Suite::BIP_GMAC_128, Cipher::BipGmac128),
        (Suite::BIP_GMAC_256, Cipher::BipGmac256),
        (Suite::BIP_CMAC_256, Cipher::BipCmac256),
    ];
    for (s, c) in ciphers {
        assert_eq!(s.cipher(), Some(c));
        assert!(!c.name().is_empty());
    }
    assert!(Cipher::Wep104.is_wep());
    let akms = [
        (Suite::AKM_8021X, Akm::Ieee8021x, Some(16)),
        (Suite::AKM_PSK, Akm::Psk, Some(16)),
        (Suite::AKM_FT_8021X, Akm::Ft8021x, Some(16)),
        (Suite::AKM_FT_PSK, Akm::FtPsk, Some(16)),
        (Suite::AKM_8021X_SHA256, Akm::Ieee8021xSha256, Some(16)),
        (Suite::AKM_PSK_SHA256, Akm::PskSha256, Some(16)),
        (Suite::AKM_SAE, Akm::Sae, Some(16)),
        (Suite::AKM_FT_SAE, Akm::FtSae, Some(16)),
        (Suite::AKM_SUITE_B, Akm::SuiteB, Some(16)),
        (Suite::AKM_SUITE_B_192, Akm::SuiteB192, Some(24)),
        (Suite::AKM_FT_8021X_SHA384, Akm::Ft8021xSha384, Some(24)),
        (Suite::AKM_FILS_SHA256, Akm::FilsSha256, Some(0)),
        (Suite::AKM_FT_FILS_SHA384, Akm::FtFilsSha384, Some(0)),
        (Suite::AKM_OWE, Akm::Owe, None),
        (Suite::AKM_PSK_SHA384, Akm::PskSha384, Some(24)),
        (Suite::AKM_SAE_EXT_KEY, Akm::SaeExtKey, None),
        (Suite::AKM_FT_SAE_EXT_KEY, Akm::FtSaeExtKey, None),
        (Suite::AKM_DPP, Akm::Dpp, None),
    ];
    for (s, a, mic) in akms {
        assert_eq!(s.akm(), Some(a), "{s:?}");
        assert_eq!(a.mic_len(), mic, "{a:?}");
        assert!(!a.name().is_empty());
    }
    assert!(Akm::FtSae.is_ft() && Akm::FtSae.is_sae() && !Akm::FtSae.is_psk());
    assert!(Akm::PskSha256.is_psk() && Akm::SuiteB192.is_8021x());
    for k in 0..=255u8 {
        if let Some(a) = Suite::ieee(k).akm() {
            let _ = (a.name(), a.mic_len());
        }
        if let Some(c) = Suite::ieee(k).cipher() {
            let _ = c.name();
        }
    }
}

#[test]
fn wpa_parser() {
    let b = [
        0x00, 0x50, 0xf2, 0x01, 1, 0, 0x00, 0x50, 0xf2, 2, 1, 0, 0x00, 0x50, 0xf2, 2, 1, 0, 0x00,
        0x50, 0xf2, 2,
    ];
    let w = Wpa::parse(&b).unwrap();
    assert_eq!(w.version, 1);
    assert_eq!(w.group_cipher, Some(Suite::WPA_TKIP));
    assert_eq!(w.pairwise_ciphers.iter().next(), Some(Suite::WPA_TKIP));
    assert_eq!(w.akm_suites.iter().next().unwrap().akm(), Some(Akm::Psk));
    assert_eq!(w.capabilities, None);
    assert_eq!(
        Wpa::parse(&b[..b.len() - 1]).unwrap_err().kind,
        ErrorKind::Truncated
    );
    assert_eq!(
        Wpa::parse(&[0, 0x50, 0xf2, 2, 1, 0]).unwrap_err().kind,
        ErrorKind::Malformed
    );
    assert_eq!(
        Wpa::parse(&[0, 0x50]).unwrap_err().kind,
        ErrorKind::Truncated
    );
    assert_eq!(
        Wpa::parse(&[0, 0x50, 0xf2, 1, 2, 0]).unwrap_err().kind,
        ErrorKind::Unsupported
    );
}

#[test]
fn rsnx_parser() {
    let r = Rsnx::parse(&[0x20]).unwrap();
    assert!(r.sae_h2e() && !r.sae_pk() && !r.protected_twt());
    assert!(!r.bit(100));
    assert!(Rsnx::parse(&[]).is_err());
}

#[test]
fn ht_parsers() {
    let mut cap = [0u8; 26];
    cap[0] = 0x6e; // SGI20, SGI40, 40 MHz, SM PS disabled (3)
    cap[1] = 0x01; // rx STBC 1
    cap[2] = 0x17; // max A-MPDU exp 3, spacing 5
    cap[3] = 0xff;
    cap[4] = 0xff;
    cap[13] = 0x2c;
    cap[14] = 0x01; // rx highest 300
    let h = HtCapabilities::parse(&cap).unwrap();
    assert!(h.short_gi_20() && h.short_gi_40() && h.channel_width_40() && !h.ldpc());
    assert_eq!(h.sm_power_save(), 3);
    assert_eq!(h.rx_stbc(), 1);
    assert_eq!((h.max_ampdu_len_exp(), h.min_mpdu_spacing()), (3, 5));
    assert_eq!(h.rx_spatial_streams(), 2);
    assert!(h.supports_mcs(15) && !h.supports_mcs(16) && !h.supports_mcs(200));
    assert_eq!(h.rx_highest_rate(), 300);
    assert!(HtCapabilities::parse(&cap[..25]).is_err());

    let mut op = [0u8; 22];
    op[0] = 36;
    op[1] = 0x05; // secondary above, any width
    op[2] = 0x15; // protection 1, non-greenfield present, OBSS non-HT present
    let o = HtOperation::parse(&op).unwrap();
    assert_eq!(o.primary_channel, 36);
    assert_eq!(o.secondary_channel_offset(), SecondaryChannelOffset::Above);
    assert_eq!(o.secondary_channel(), Some(40));
    assert!(o.sta_channel_width_any() && !o.rifs());
    assert_eq!(o.ht_protection(), 1);
    assert!(o.non_greenfield_present() && o.obss_non_ht_present());
    op[1] = 0x03;
    let o = HtOperation::parse(&op).unwrap();
    assert_eq!(o.secondary_channel_offset(), SecondaryChannelOffset::Below);
    assert_eq!(o.secondary_channel(), Some(32));
    assert!(!o.sta_channel_width_any());
    // CCFS2 = 42 (bits 13..21).
    op[2] = 0x41; // bits 8..16: protection 1, CCFS2 low 3 bits (42 = 0b101010 → 010)
    op[3] = 0x05; // CCFS2 high 5 bits
    assert_eq!(HtOperation::parse(&op).unwrap().ccfs2(), 42);
    assert!(HtOperation::parse(&op[..21]).is_err());
}

#[test]
fn vht_parsers() {
    let mut cap = [0u8; 12];
    cap[0] = 0x60 | 0x04; // SGI80, SGI160, 160 MHz
    cap[1] = 0x08; // SU beamformer
    cap[4] = 0xfa; // rx map: 1ss 0-9, 2ss 0-9, 3-4 unsupported
    cap[5] = 0xff;
    cap[8] = 0xfe;
    cap[9] = 0xff;
    let v = VhtCapabilities::parse(&cap).unwrap();
    assert_eq!(v.supported_channel_width_set(), 1);
    assert!(v.short_gi_80() && v.short_gi_160() && v.su_beamformer() && !v.su_beamformee());
    assert_eq!(v.rx_spatial_streams(), 2);
    assert_eq!(v.tx_spatial_streams(), 1);
    assert_eq!(v.rx_mcs(1), Some(2));
    assert_eq!(v.rx_mcs(3), None);
    assert_eq!(v.rx_mcs(0), None);
    assert_eq!(v.rx_mcs(9), None);
    assert!(VhtCapabilities::parse(&cap[..11]).is_err());

    let w = |b: [u8; 5]| VhtOperation::parse(&b).unwrap().width();
    assert_eq!(w([0, 0, 0, 0, 0]), ChannelWidth::Mhz20Or40);
    assert_eq!(w([1, 42, 0, 0, 0]), ChannelWidth::Mhz80);
    assert_eq!(w([1, 42, 50, 0, 0]), ChannelWidth::Mhz160);
    assert_eq!(w([1, 42, 155, 0, 0]), ChannelWidth::Mhz80Plus80);
    assert_eq!(w([2, 50, 0, 0, 0]), ChannelWidth::Mhz160);
    assert_eq!(w([3, 42, 155, 0, 0]), ChannelWidth::Mhz80Plus80);
    assert_eq!(w([9, 0, 0, 0, 0]), ChannelWidth::Reserved(9));
    assert!(VhtOperation::parse(&[1, 2, 3, 4]).is_err());
}

#[test]
fn he_capabilities() {
    let mut b = std::vec![0u8; 6 + 11 + 4];
    b[0] = 0x06; // TWT requester + responder
    b[6] = 0x04 | 0x08; // 80 MHz + 160 MHz
                        // 160 MHz → 8 bytes of MCS maps: missing 4.
    let e = HeCapabilities::parse(&b).unwrap_err();
    assert_eq!((e.kind, e.offset), (ErrorKind::Truncated, 17));
    b.extend_from_slice(&[0xfa, 0xff, 0xfa, 0xff]);
    b[17] = 0xfa;
    b[18] = 0xff;
    let h = HeCapabilities::parse(&b).unwrap();
    assert!(h.twt_requester() && h.twt_responder());
    assert!(h.supports_80mhz() && h.supports_160mhz() && !h.supports_80p80mhz());
    assert!(!h.supports_40mhz_2ghz());
    assert_eq!(h.mcs_nss.len(), 8);
    assert_eq!(h.rx_spatial_streams(), 2);
    assert_eq!(h.rx_mcs_map_160(), Some(0xfffa));
    assert!(h.ppe_thresholds.is_empty());
    // PPE thresholds present: NSTS 1 (field 0), RU mask 0b0011 → 7 + 1*2*6 = 19 bits → 3 bytes.
    b[6 + 6] |= 0x80;
    let e = HeCapabilities::parse(&b).unwrap_err();
    assert_eq!(e.offset, 25);
    b.extend_from_slice(&[0x18, 0, 0]);
    let h = HeCapabilities::parse(&b).unwrap();
    assert_eq!(h.ppe_thresholds.len(), 3);
    b.truncate(b.len() - 1);
    assert!(HeCapabilities::parse(&b).is_err());
    assert!(HeCapabilities::parse(&[0; 16]).is_err());
}

#[test]
fn he_operation() {
    let base = [0x04, 0x00, 0x00, 0x2a, 0xfc, 0xff];
    let h = HeOperation::parse(&base).unwrap();
    assert_eq!(h.default_pe_duration(), 4);
    assert_eq!(h.bss_color(), 42);
    assert!(!h.bss_color_disabled() && !h.partial_bss_color());
    assert_eq!(h.vht_info, None);
    assert_eq!(h.six_ghz, None);
    assert!(HeOperation::parse(&base[..5]).is_err());
    // VHT info + co-hosted + 6 GHz info.
    let full = [
        0x08, 0xc0, 0x02, 0x81, 0xfc, 0xff, 1, 42, 0, 3, 37, 0x02, 39, 0, 6,
    ];
    let h = HeOperation::parse(&full).unwrap();
    assert!(h.twt_required() && h.cohosted_bss() && h.bss_color_disabled());
    assert_eq!(h.bss_color(), 1);
    assert_eq!(h.vht_info.unwrap().width(), ChannelWidth::Mhz80);
    assert_eq!(h.max_cohosted_bssid, Some(3));
    let s = h.six_ghz.unwrap();
    assert_eq!(
        (s.primary_channel, s.width(), s.min_rate),
        (37, ChannelWidth::Mhz80, 6)
    );
    assert!(!s.duplicate_beacon());
    assert_eq!(s.regulatory_info(), 0);
    for len in 6..full.len() {
        assert_eq!(
            HeOperation::parse(&full[..len]).unwrap_err().kind,
            ErrorKind::Truncated
        );
    }
}

#[test]
fn wmm_parser() {
    let param = [
        0x00, 0x50, 0xf2, 0x02, 0x01, 0x01, 0x81, 0x00, // header, QoS info (U-APSD, count 1)
        0x03, 0xa4, 0x00, 0x00, // BE: AIFSN 3, ECWmin 4, ECWmax 10
        0x27, 0xa4, 0x00, 0x00, // BK
        0x42, 0x43, 0x5e, 0x00, // VI: TXOP 94
        0x62, 0x32, 0x2f, 0x00, // VO: TXOP 47
    ];
    let w = Wmm::parse(&param).unwrap();
    assert_eq!((w.subtype, w.version), (Wmm::PARAMETER, 1));
    let q = w.qos_info.unwrap();
    assert!(q.uapsd());
    assert_eq!(q.parameter_set_count(), 1);
    let ac = w.ac_params.unwrap();
    assert_eq!(
        (ac[0].aci(), ac[0].aifsn(), ac[0].cw_min(), ac[0].cw_max()),
        (0, 3, 15, 1023)
    );
    assert_eq!(ac[1].aci(), 1);
    assert_eq!((ac[2].aci(), ac[2].txop_limit_us()), (2, 94 * 32));
    assert_eq!((ac[3].aci(), ac[3].cw_min(), ac[3].cw_max()), (3, 3, 7));
    assert!(!ac[0].acm());
    for len in 6..param.len() {
        assert!(Wmm::parse(&param[..len]).is_err(), "len {len}");
    }
    let info = Wmm::parse(&[0x00, 0x50, 0xf2, 0x02, 0x00, 0x01, 0x0f]).unwrap();
    assert_eq!(info.qos_info.unwrap().ac_uapsd_flags(), 0x0f);
    assert_eq!(info.ac_params, None);
    let tspec = Wmm::parse(&[0x00, 0x50, 0xf2, 0x02, 0x02, 0x01, 1, 2, 3]).unwrap();
    assert_eq!((tspec.qos_info, tspec.rest), (None, &[1u8, 2, 3][..]));
    assert_eq!(
        Wmm::parse(&[0x00, 0x50, 0xf2, 0x01, 0, 1, 0])
            .unwrap_err()
            .kind,
        ErrorKind::Malformed
    );
}

#[test]
fn vendor_and_wps_dispatch() {
    let v = Vendor::parse(&[0x00, 0x10, 0x18, 0x02, 0xaa]).unwrap();
    assert_eq!(v.oui, oui::BROADCOM);
    assert_eq!(v.vendor_type, Some(2));
    assert_eq!(v.data, &[0xaa]);
    assert_eq!(v.payload, &[0x02, 0xaa]);
    assert_eq!(v.kind(), VendorKind::Other);
    let bare = Vendor::parse(&[1, 2, 3]).unwrap();
    assert_eq!((bare.vendor_type, bare.data.len()), (None, 0));
    assert!(Vendor::parse(&[1, 2]).is_err());

    let wps_ie = elem(
        id::VENDOR,
        &[
            0x00, 0x50, 0xf2, 0x04, 0x10, 0x4a, 0x00, 0x01, 0x10, 0x10, 0x44, 0x00, 0x01, 0x02,
        ],
    );
    let e = Elements::new(&wps_ie).next().unwrap();
    assert_eq!(e.vendor().unwrap().unwrap().kind(), VendorKind::Wps);
    assert_eq!(e.wps_data().unwrap().len(), 10);
    let s = e.wps().unwrap().unwrap();
    assert_eq!((s.version, s.state), (Some(0x10), Some(2)));
    match e.decode().unwrap() {
        Decoded::Wps(s) => assert!(s.configured()),
        other => panic!("{other:?}"),
    }
    let not_wps = elem(id::VENDOR, &[0x00, 0x50, 0xf2, 0x02, 0, 1, 0]);
    let e = Elements::new(&not_wps).next().unwrap();
    assert!(e.wps().is_none());
    assert!(matches!(e.decode().unwrap(), Decoded::Wmm(_)));
    let ssid_e = elem(id::SSID, b"x");
    let e = Elements::new(&ssid_e).next().unwrap();
    assert!(e.wps_data().is_none() && e.vendor().is_none());
}

#[test]
fn small_elements() {
    let b = BssLoad::parse(&[3, 0, 128, 0x10, 0x00]).unwrap();
    assert_eq!(
        (
            b.station_count,
            b.channel_utilization,
            b.available_admission_capacity
        ),
        (3, 128, 16)
    );
    assert!(BssLoad::parse(&[3, 0, 128, 0x10]).is_err());
    let c = ChannelSwitch::parse(&[1, 11, 5]).unwrap();
    assert_eq!((c.mode, c.new_channel, c.count), (1, 11, 5));
    assert!(ChannelSwitch::parse(&[1, 11]).is_err());
    let e = Erp::parse(&[0x03]).unwrap();
    assert!(e.non_erp_present() && e.use_protection() && !e.barker_preamble());
    assert!(Erp::parse(&[]).is_err());
    let m = MobilityDomain::parse(&[0x34, 0x12, 0x01]).unwrap();
    assert_eq!(m.mdid, 0x1234);
    assert!(m.ft_over_ds());
    assert!(MobilityDomain::parse(&[0x34, 0x12]).is_err());
    let x = ExtCapabilities::parse(&[0x01, 0, 0x08, 0x80, 0, 0, 0, 0x40]).unwrap();
    assert!(x.bss_coexistence_mgmt() && x.bss_transition() && x.interworking());
    assert!(x.operating_mode_notification() && !x.utf8_ssid() && !x.twt_responder());
    assert!(!x.beacon_protection() && !x.ftm_responder() && !x.twt_requester());
    assert_eq!(mesh_id(b"mesh").unwrap(), b"mesh");
    assert!(mesh_id(&[0; 33]).is_err());
    let mc = MeshConfig::parse(&[1, 1, 0, 1, 0, 0x05, 0x01]).unwrap();
    assert_eq!(mc.peerings(), 2);
    assert!(mc.connected_to_gate() && mc.accepting_peerings());
    assert!(MeshConfig::parse(&[1, 1, 0, 1, 0, 0x05]).is_err());
}

#[test]
fn decode_every_id_never_panics() {
    let payloads: [&[u8]; 6] = [
        &[],
        &[0],
        &[1, 0],
        &[0x00, 0x50, 0xf2, 0x01, 1, 0, 0x00],
        &[0x00, 0x50, 0xf2, 0x04, 0x10],
        &[0xff; 64],
    ];
    for id in 0..=255u8 {
        for p in payloads {
            let mut buf = std::vec![id, p.len() as u8];
            buf.extend_from_slice(p);
            for e in Elements::new(&buf) {
                let _ = e.decode();
                let _ = e.wps();
            }
        }
    }
}
