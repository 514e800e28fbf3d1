//! The advertised crypt set of a beacon or probe response, as a 64-bit field with the bit
//! layout Kismet uses for `dot11.advertisedssid.crypt_set`, derived only from the RSN element
//! (48), the WPA vendor element (00:50:F2 type 1) and the OWE transition vendor element
//! (50:6F:9A type 28). The Privacy capability bit is not used (Kismet ignores it as well).
//!
//! Differences from Kismet's derivation, all in the direction of correctness:
//! * An RSN element whose cipher or AKM lists are absent gets the standard's defaults
//!   (CCMP-128 and 802.1X), so an RSN element never reads as an empty (open) set.
//! * The OWE transition element gets a bit of its own ([`OWE_TRANSITION`]); Kismet ORs a
//!   constant of its legacy bit field into the new one, which lands on the group
//!   BIP-CMAC-256 bit.
//! * SAE-EXT-KEY AKMs (24, 25) count as SAE.

/// WEP.
pub const WEP: u64 = 1 << 0;
/// Some WPA/RSN security.
pub const WPA: u64 = 1 << 1;
/// WPA version 1 (the WPA vendor element).
pub const WPA1: u64 = 1 << 2;
/// WPA2 (an RSN pairwise cipher).
pub const WPA2: u64 = 1 << 3;
/// WPA3 (an RSN AKM or cipher of the WPA3 family).
pub const WPA3: u64 = 1 << 4;
/// An OWE transition element (a bit Kismet leaves reserved).
pub const OWE_TRANSITION: u64 = 1 << 5;

const G_WEP40: u64 = 1 << 7;
const G_WEP104: u64 = 1 << 8;
const G_TKIP: u64 = 1 << 9;
const G_CCMP128: u64 = 1 << 10;
const G_BIP_CMAC128: u64 = 1 << 11;
const G_GCMP128: u64 = 1 << 12;
const G_GCMP256: u64 = 1 << 13;
const G_CCMP256: u64 = 1 << 14;
const G_BIP_GMAC128: u64 = 1 << 15;
const G_BIP_GMAC256: u64 = 1 << 16;
const G_BIP_CMAC256: u64 = 1 << 17;
const G_OCB: u64 = 1 << 18;

const P_WEP40: u64 = 1 << 23;
const P_WEP104: u64 = 1 << 24;
const P_TKIP: u64 = 1 << 25;
const P_CCMP128: u64 = 1 << 26;
const P_BIP_CMAC128: u64 = 1 << 27;
const P_GCMP128: u64 = 1 << 28;
const P_GCMP256: u64 = 1 << 29;
const P_CCMP256: u64 = 1 << 30;
const P_BIP_GMAC128: u64 = 1 << 31;
const P_BIP_GMAC256: u64 = 1 << 32;
const P_BIP_CMAC256: u64 = 1 << 33;
const P_OCB: u64 = 1 << 34;

const AKM_1X: u64 = 1 << 37;
const AKM_PSK: u64 = 1 << 38;
const AKM_1X_FT: u64 = 1 << 39;
const AKM_PSK_FT: u64 = 1 << 40;
const AKM_1X_SHA256: u64 = 1 << 41;
const AKM_PSK_SHA256: u64 = 1 << 42;
const AKM_TDLS: u64 = 1 << 43;
const AKM_SAE: u64 = 1 << 44;
const AKM_SAE_FT: u64 = 1 << 45;
const AKM_AP_PEER: u64 = 1 << 46;
const AKM_1X_SUITEB_SHA256: u64 = 1 << 47;
const AKM_1X_SUITEB_SHA384: u64 = 1 << 48;
const AKM_1X_FT_SHA384: u64 = 1 << 49;
const AKM_FILS_SHA256: u64 = 1 << 50;
const AKM_FILS_SHA384: u64 = 1 << 51;
const AKM_FILS_SHA256_FT: u64 = 1 << 52;
const AKM_FILS_SHA384_FT: u64 = 1 << 53;
const AKM_OWE: u64 = 1 << 54;
const AKM_PSK_SHA384_FT: u64 = 1 << 55;
const AKM_PSK_SHA384: u64 = 1 << 56;

/// True when the set advertises some encryption (anything but an OWE transition pointer,
/// which an open network carries to name its OWE twin).
pub fn encrypted(set: u64) -> bool {
    set & !OWE_TRANSITION != 0
}

/// Bits of an RSN group cipher suite type.
fn rsn_group(kind: u8) -> u64 {
    match kind {
        1 => WEP | G_WEP40,
        2 => WPA | G_TKIP,
        3 => WPA | G_OCB,
        4 => WPA | G_CCMP128,
        5 => WEP | G_WEP104,
        6 => WPA | G_BIP_CMAC128,
        8 => WPA | G_GCMP128,
        9 => WPA | G_GCMP256,
        10 => WPA | G_CCMP256,
        11 => WPA | G_BIP_GMAC128,
        12 => WPA | G_BIP_GMAC256,
        13 => WPA | G_BIP_CMAC256,
        _ => 0,
    }
}

/// Bits of an RSN pairwise cipher suite type.
fn rsn_pairwise(kind: u8) -> u64 {
    match kind {
        1 => WEP | P_WEP40,
        2 => WPA | P_TKIP,
        3 => WPA2 | P_OCB,
        4 => WPA2 | P_CCMP128,
        5 => WEP | P_WEP104,
        6 => WPA3 | P_BIP_CMAC128,
        8 => WPA2 | P_GCMP128,
        9 => WPA2 | P_GCMP256,
        10 => WPA2 | P_CCMP256,
        11 => WPA3 | P_BIP_GMAC128,
        12 => WPA3 | P_BIP_GMAC256,
        13 => WPA3 | P_BIP_CMAC256,
        _ => 0,
    }
}

/// Bits of an RSN AKM suite type (every AKM also sets [`WPA`]).
fn rsn_akm(kind: u8) -> u64 {
    WPA | match kind {
        1 => AKM_1X,
        2 => AKM_PSK,
        3 => AKM_1X_FT,
        4 => AKM_PSK_FT,
        5 => AKM_1X_SHA256,
        6 => AKM_PSK_SHA256,
        7 => AKM_TDLS,
        8 | 24 => WPA3 | AKM_SAE,
        9 | 25 => WPA3 | AKM_SAE_FT,
        10 => WPA3 | AKM_AP_PEER,
        11 => WPA3 | AKM_1X_SUITEB_SHA256,
        12 => WPA3 | AKM_1X_SUITEB_SHA384,
        13 => WPA3 | AKM_1X_FT_SHA384,
        14 => WPA3 | AKM_FILS_SHA256,
        15 => WPA3 | AKM_FILS_SHA384,
        16 => WPA3 | AKM_FILS_SHA256_FT,
        17 => WPA3 | AKM_FILS_SHA384_FT,
        18 => WPA3 | AKM_OWE,
        19 => WPA3 | AKM_PSK_SHA384_FT,
        20 => WPA3 | AKM_PSK_SHA384,
        _ => 0,
    }
}

/// Bits of a WPA (vendor element) cipher suite type, group or pairwise.
fn wpa_cipher(kind: u8, group: bool) -> u64 {
    let (wep40, wep104, tkip, ocb, ccmp, bip) = if group {
        (G_WEP40, G_WEP104, G_TKIP, G_OCB, G_CCMP128, G_BIP_CMAC128)
    } else {
        (P_WEP40, P_WEP104, P_TKIP, P_OCB, P_CCMP128, P_BIP_CMAC128)
    };
    match kind {
        1 => WEP | wep40,
        2 => WPA | tkip,
        3 => WPA | ocb,
        4 => WPA | ccmp,
        5 => WEP | wep104,
        6 => WPA | bip,
        _ => 0,
    }
}

/// Bits of a WPA (vendor element) AKM suite type.
fn wpa_akm(kind: u8) -> u64 {
    WPA | match kind {
        1 => AKM_1X,
        2 => AKM_PSK,
        3 => AKM_1X_FT,
        4 => AKM_PSK_FT,
        5 => AKM_1X_SHA256,
        6 => AKM_PSK_SHA256,
        7 => AKM_TDLS,
        _ => 0,
    }
}

/// The bits of an RSN element's data; `None` when it does not parse.
pub fn rsn(data: &[u8]) -> Option<u64> {
    let r = osprey_wire::ieee80211::ie::Rsn::parse(data).ok()?;
    let mut set = rsn_group(r.group_cipher.map_or(4, |s| s.kind));
    if r.pairwise_ciphers.is_empty() {
        set |= rsn_pairwise(4);
    }
    for s in r.pairwise_ciphers.iter() {
        set |= rsn_pairwise(s.kind);
    }
    if r.akm_suites.is_empty() {
        set |= rsn_akm(1);
    }
    for s in r.akm_suites.iter() {
        set |= rsn_akm(s.kind);
    }
    Some(set)
}

/// The bits of a WPA vendor element's data (starting with 00:50:F2:01); `None` when it does
/// not parse.
pub fn wpa(data: &[u8]) -> Option<u64> {
    let w = osprey_wire::ieee80211::ie::Wpa::parse(data).ok()?;
    let mut set = WPA1;
    if let Some(g) = w.group_cipher {
        set |= wpa_cipher(g.kind, true);
    }
    for s in w.pairwise_ciphers.iter() {
        set |= wpa_cipher(s.kind, false);
    }
    for s in w.akm_suites.iter() {
        set |= wpa_akm(s.kind);
    }
    Some(set)
}

/// The set as text, in the form Kismet's alerts use (`Open`, `WEP104`,
/// `WPA2 WPA2-PSK AES-CCMP`, ...). Kismet renders the 802.1X AKMs with a broken format
/// string (`WPA2WPA2{}-EAP`) and OWE as SAE; here they read `WPA2-EAP` and `WPA3-OWE`, and
/// the AKMs Kismet leaves out (802.1X-SHA256, FT-802.1X-SHA384) and the OWE transition
/// element are named too.
pub fn text(set: u64) -> String {
    if set == 0 {
        return "Open".into();
    }
    if set & WEP != 0 {
        return if set & (P_WEP40 | G_WEP40) != 0 {
            "WEP40".into()
        } else if set & (P_WEP104 | G_WEP104) != 0 {
            "WEP104".into()
        } else {
            "WEP".into()
        };
    }
    let ver = if set & WPA3 != 0 {
        "WPA3"
    } else if set & WPA2 != 0 {
        "WPA2"
    } else if set & WPA1 != 0 {
        "WPA1"
    } else {
        "WPA"
    };
    let mut out = String::new();
    let mut push = |s: &str| {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(s);
    };
    if set & WPA != 0 {
        push(ver);
    }
    const AKMS: &[(u64, &str)] = &[
        (AKM_PSK, "PSK"),
        (AKM_PSK_FT, "PSK-FT"),
        (AKM_PSK_SHA256, "PSK-SHA256"),
        (AKM_PSK_SHA384, "PSK-SHA384"),
        (AKM_PSK_SHA384_FT, "PSK-SHA384-FT"),
        (AKM_SAE, "SAE"),
        (AKM_SAE_FT, "SAE-FT"),
        (AKM_TDLS, "TDLS"),
        (AKM_AP_PEER, "AP-PEER"),
        (AKM_FILS_SHA256, "FILS-SHA256"),
        (AKM_FILS_SHA256_FT, "FILS-SHA256-FT"),
        (AKM_FILS_SHA384, "FILS-SHA384"),
        (AKM_FILS_SHA384_FT, "FILS-SHA384-FT"),
        (AKM_1X, "EAP"),
        (AKM_1X_FT, "EAP-FT"),
        (AKM_1X_SHA256, "EAP-SHA256"),
        (AKM_1X_FT_SHA384, "EAP-FT-SHA384"),
        (AKM_1X_SUITEB_SHA256, "EAP-SUITEB-SHA256"),
        (AKM_1X_SUITEB_SHA384, "EAP-SUITEB-SHA384"),
        (AKM_OWE, "OWE"),
    ];
    for (bit, name) in AKMS {
        if set & bit != 0 {
            push(&format!("{ver}-{name}"));
        }
    }
    const CIPHERS: &[(u64, &str)] = &[
        (P_TKIP | G_TKIP, "TKIP"),
        (P_OCB | G_OCB, "AES-OCB"),
        (P_CCMP128 | G_CCMP128, "AES-CCMP"),
        (P_BIP_CMAC128 | G_BIP_CMAC128, "AES-BIP-CMAC128"),
        (P_GCMP128 | G_GCMP128, "AES-GCMP128"),
        (P_GCMP256 | G_GCMP256, "AES-GCMP256"),
        (P_CCMP256 | G_CCMP256, "AES-CCMP256"),
        (P_BIP_GMAC128 | G_BIP_GMAC128, "AES-BIP-GMAC128"),
        (P_BIP_GMAC256 | G_BIP_GMAC256, "AES-BIP-GMAC256"),
        (P_BIP_CMAC256 | G_BIP_CMAC256, "AES-BIP-CMAC256"),
        (OWE_TRANSITION, "OWE-TRANSITION"),
    ];
    for (bits, name) in CIPHERS {
        if set & bits != 0 {
            push(name);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RSN data: version 1, group CCMP, one pairwise CCMP, one AKM of `akm`.
    fn rsn_data(akm: u8) -> Vec<u8> {
        vec![
            1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, 4, 1, 0, 0, 0x0f, 0xac, akm, 0, 0,
        ]
    }

    #[test]
    fn texts_follow_kismets_form() {
        assert_eq!(text(0), "Open");
        assert_eq!(text(rsn(&rsn_data(2)).unwrap()), "WPA2 WPA2-PSK AES-CCMP");
        assert_eq!(text(rsn(&rsn_data(8)).unwrap()), "WPA3 WPA3-SAE AES-CCMP");
        assert_eq!(text(rsn(&rsn_data(1)).unwrap()), "WPA2 WPA2-EAP AES-CCMP");
        let wpa_ie = [
            0x00, 0x50, 0xf2, 1, 1, 0, 0x00, 0x50, 0xf2, 2, 1, 0, 0x00, 0x50, 0xf2, 2, 1, 0, 0x00,
            0x50, 0xf2, 2,
        ];
        assert_eq!(text(wpa(&wpa_ie).unwrap()), "WPA1 WPA1-PSK TKIP");
        assert_eq!(text(OWE_TRANSITION), "OWE-TRANSITION");
    }

    #[test]
    fn rsn_defaults_and_garbage() {
        // Version only: the defaults (CCMP, 802.1X) make it encrypted.
        assert!(encrypted(rsn(&[1, 0]).unwrap()));
        assert_eq!(rsn(&[2, 0]), None);
        assert_eq!(rsn(&[1]), None);
        assert_eq!(wpa(&[0x00, 0x50, 0xf2]), None);
        assert!(!encrypted(OWE_TRANSITION));
    }
}
