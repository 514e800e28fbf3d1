//! The encryption of a Wi-Fi network, read from the crypt text a log stores.
//!
//! Kismet 2025 writes `dot11.advertisedssid.crypt_string` as space-separated words such as
//! `WPA2 WPA2-PSK AES-CCMP`, `WPA1 WPA1-PSK TKIP`, `WPA3 WPA3-PSK WPA3-SAE AES-CCMP`,
//! `WPA3 WPA3-EAP-SUITEB-SHA384 AES-GCMP256`, `WEP` or `Open` (the numeric `crypt_set` /
//! `crypt_bitfield` changed meaning between Kismet versions, so the words are the stable
//! source); Osprey writes `WPA2-PSK`, `WPA2-EAP`, `WPA3-SAE`, `WPA3-OWE`, `WPA2-EAP-SUITE-B`,
//! `WPA2`, `WPA`, `WEP` or `Open`.

/// Key management schemes, in display order.
const AKMS: [&str; 5] = ["PSK", "SAE", "OWE", "EAP", "EAP_SUITE_B_192"];

/// Parsed encryption of a network.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Crypto {
    open: bool,
    wep: bool,
    wps: bool,
    /// For WPA versions 1, 2, 3: whether present, and which AKMS (bit i = AKMS[i]).
    versions: [(bool, u8); 3],
    ccmp: bool,
    tkip: bool,
    gcmp256: bool,
    gcmp: bool,
}

/// Encryption classes, as Kismet's KML tool and WiGLE group networks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum CryptClass {
    Open,
    Wep,
    Wpa,
    Wpa2,
    Wpa3,
    Unknown,
}

impl CryptClass {
    pub(crate) fn label(self) -> &'static str {
        match self {
            CryptClass::Open => "Open",
            CryptClass::Wep => "WEP",
            CryptClass::Wpa => "WPA",
            CryptClass::Wpa2 => "WPA2",
            CryptClass::Wpa3 => "WPA3",
            CryptClass::Unknown => "Unknown encryption",
        }
    }
}

fn akm_bits(word: &str) -> u8 {
    let mut bits = 0u8;
    if word.contains("SUITEB") || word.contains("SUITE-B") || word.contains("SUITE_B") {
        bits |= 1 << 4;
    } else if word.contains("EAP") || word.contains("8021X") {
        bits |= 1 << 3;
    }
    if word.contains("PSK") {
        bits |= 1;
    }
    if word.contains("SAE") {
        bits |= 1 << 1;
    }
    if word.contains("OWE") {
        bits |= 1 << 2;
    }
    bits
}

impl Crypto {
    /// Parses a crypt text (any case).
    pub(crate) fn parse(text: &str) -> Crypto {
        let mut c = Crypto::default();
        for word in text
            .split(|ch: char| {
                ch.is_whitespace() || ch == ',' || ch == '/' || ch == '[' || ch == ']'
            })
            .filter(|w| !w.is_empty())
        {
            let w = word.to_ascii_uppercase();
            let version = if w.starts_with("WPA3") {
                Some(2)
            } else if w.starts_with("WPA2") || w.starts_with("RSN") {
                Some(1)
            } else if w.starts_with("WPA1") || w == "WPA" || w.starts_with("WPA-") {
                Some(0)
            } else {
                None
            };
            if let Some(v) = version {
                c.versions[v].0 = true;
                c.versions[v].1 |= akm_bits(&w);
                continue;
            }
            match w.as_str() {
                "OPEN" | "NONE" => {
                    c.open = true;
                }
                "WEP" | "WEP40" | "WEP104" | "WEP128" => {
                    c.wep = true;
                }
                "WPS" => c.wps = true,
                "TKIP" => c.tkip = true,
                _ if w.contains("GCMP256") || w.contains("GCMP-256") => c.gcmp256 = true,
                _ if w.contains("GCMP") => c.gcmp = true,
                _ if w.contains("CCMP") || w == "AES" => c.ccmp = true,
                _ => {}
            }
        }
        c
    }

    /// The class a network of this encryption belongs to.
    pub(crate) fn class(&self) -> CryptClass {
        if self.versions[2].0 {
            CryptClass::Wpa3
        } else if self.versions[1].0 {
            CryptClass::Wpa2
        } else if self.versions[0].0 {
            CryptClass::Wpa
        } else if self.wep {
            CryptClass::Wep
        } else if self.open {
            CryptClass::Open
        } else {
            CryptClass::Unknown
        }
    }

    fn ciphers(&self) -> String {
        let mut v = Vec::new();
        if self.gcmp256 {
            v.push("GCMP-256");
        }
        if self.gcmp {
            v.push("GCMP");
        }
        if self.ccmp {
            v.push("CCMP");
        }
        if self.tkip {
            v.push("TKIP");
        }
        v.join("+")
    }

    /// WiGLE's AuthMode: the Android capability list (`[WPA2-PSK-CCMP][ESS]`,
    /// `[WPA-PSK-TKIP][WPA2-PSK-CCMP+TKIP][ESS][WPS]`, `[WEP][ESS]`, `[ESS]` for an open
    /// network), with `[IBSS]` instead of `[ESS]` for an ad-hoc network. WPA3 is written
    /// `[WPA3-SAE-CCMP]`: WiGLE's app classes a network as WPA3 on `[WPA3`, `SAE` or
    /// `EAP_SUITE_B_192`.
    pub(crate) fn wigle_auth(&self, ibss: bool) -> String {
        let mut s = String::new();
        let ciphers = self.ciphers();
        for (i, (present, akms)) in self.versions.iter().enumerate() {
            if !present {
                continue;
            }
            s.push_str(["[WPA", "[WPA2", "[WPA3"][i]);
            let names: Vec<&str> = AKMS
                .iter()
                .enumerate()
                .filter(|(b, _)| akms & (1 << b) != 0)
                .map(|(_, n)| *n)
                .collect();
            if !names.is_empty() {
                s.push('-');
                s.push_str(&names.join("+"));
                if !ciphers.is_empty() {
                    s.push('-');
                    s.push_str(&ciphers);
                }
            }
            s.push(']');
        }
        if self.wep && s.is_empty() {
            s.push_str("[WEP]");
        }
        s.push_str(if ibss { "[IBSS]" } else { "[ESS]" });
        if self.wps {
            s.push_str("[WPS]");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn auth(s: &str) -> String {
        Crypto::parse(s).wigle_auth(false)
    }

    #[test]
    fn kismet_crypt_strings() {
        assert_eq!(auth("WPA2 WPA2-PSK AES-CCMP"), "[WPA2-PSK-CCMP][ESS]");
        assert_eq!(
            auth("WPA2 WPA2-PSK TKIP AES-CCMP"),
            "[WPA2-PSK-CCMP+TKIP][ESS]"
        );
        assert_eq!(auth("WPA1 WPA1-PSK TKIP"), "[WPA-PSK-TKIP][ESS]");
        assert_eq!(auth("WPA2 WPA2-EAP AES-CCMP"), "[WPA2-EAP-CCMP][ESS]");
        assert_eq!(auth("WPA3 WPA3-SAE AES-CCMP"), "[WPA3-SAE-CCMP][ESS]");
        assert_eq!(
            auth("WPA3 WPA3-PSK WPA3-SAE AES-CCMP"),
            "[WPA3-PSK+SAE-CCMP][ESS]"
        );
        assert_eq!(
            auth("WPA3 WPA3-EAP-SUITEB-SHA384 AES-GCMP256"),
            "[WPA3-EAP_SUITE_B_192-GCMP-256][ESS]"
        );
        assert_eq!(auth("Open"), "[ESS]");
        assert_eq!(auth("WEP"), "[WEP][ESS]");
        assert_eq!(Crypto::parse("WEP").wigle_auth(true), "[WEP][IBSS]");
        assert_eq!(auth(""), "[ESS]");
        assert_eq!(
            auth("WPA1 WPA2 WPA1-PSK WPA2-PSK TKIP AES-CCMP WPS"),
            "[WPA-PSK-CCMP+TKIP][WPA2-PSK-CCMP+TKIP][ESS][WPS]"
        );
    }

    #[test]
    fn osprey_crypt_strings() {
        assert_eq!(auth("WPA2-PSK"), "[WPA2-PSK][ESS]");
        assert_eq!(auth("WPA3-OWE"), "[WPA3-OWE][ESS]");
        assert_eq!(auth("WPA2-EAP-SUITE-B"), "[WPA2-EAP_SUITE_B_192][ESS]");
        assert_eq!(auth("WPA"), "[WPA][ESS]");
        assert_eq!(auth("WPA2"), "[WPA2][ESS]");
    }

    #[test]
    fn classes() {
        let c = |s: &str| Crypto::parse(s).class();
        assert_eq!(c("Open"), CryptClass::Open);
        assert_eq!(c("WEP"), CryptClass::Wep);
        assert_eq!(c("WPA1 WPA1-PSK TKIP"), CryptClass::Wpa);
        assert_eq!(c("WPA2-PSK"), CryptClass::Wpa2);
        assert_eq!(c("WPA3 WPA3-SAE AES-CCMP"), CryptClass::Wpa3);
        assert_eq!(c(""), CryptClass::Unknown);
        assert_eq!(c("garbage"), CryptClass::Unknown);
    }
}
