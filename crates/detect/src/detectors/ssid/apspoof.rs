//! **APSPOOF** (SPOOF, HIGH): a protected network name is advertised by a device that is not
//! on its list of authorised access points.
//!
//! Rules: `apspoof=NAME:ssid="REGEX",validmacs="MAC1,MAC2,..."` lines (none by default). Both
//! keys are required; each MAC may carry a mask (`00:11:22:00:00:00/FF:FF:FF:00:00:00` allows a
//! whole OUI; the mask must be contiguous leading ones). The regular expression is searched,
//! unanchored, in the SSID's printable form ([`super::printable_ssid`]).
//!
//! Trigger: a beacon or probe response that creates a new SSID record for its access point
//! (`Observed::new_ssid`), with a non-empty, non-hidden SSID, for which a rule's expression
//! matches and the frame's source address equals none of the rule's `validmacs` (mask-aware:
//! only the bits of the mask are compared). Rules are tried in configuration order and the
//! first that matches raises the alert (once per frame). Throttle-checked.
//!
//! Text (Kismet's): `IEEE80211 Unauthorized device (<source>) advertising for SSID '<ssid>',
//! matching APSPOOF rule <name> which may indicate spoofing or impersonation.`, with
//! `responding for` instead of `advertising` for a probe response (hence Kismet's doubled
//! "responding for for").
//!
//! Differences from Kismet: the `regex` crate's syntax instead of PCRE (look-around and
//! backreferences are refused at startup); unknown keys, a mask that is not contiguous (Kismet
//! reads `/24` as the byte 0x24, a mask of zero bits that allows every address) and a MAC
//! longer than 6 bytes are configuration errors; Kismet's shipped configuration enables the
//! example rules `Foo1` and `Foo2`, Osprey enables none.

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};
use osprey_config::{Error, Options};
use osprey_wire::ieee80211::subtype::mgmt;
use regex::Regex;

use super::{addresses, compile, new_ssid_record, printable_ssid, trim_nul, MacRule};
use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "The operator can name the access points allowed to use a network name (apspoof= rules); this alert reports a beacon or probe response for a protected name from any other address, a likely impersonation or evil twin";

/// One `apspoof=` rule.
#[derive(Debug)]
pub struct SpoofRule {
    /// The rule's name.
    pub name: String,
    /// The expression as written.
    pub pattern: String,
    re: Regex,
    /// The authorised addresses.
    pub valid: Vec<MacRule>,
}

impl SpoofRule {
    /// True when the rule's expression matches `ssid` (printable form) and `source` is not
    /// authorised.
    pub fn violated_by(&self, ssid: &str, source: &MacAddr) -> bool {
        self.re.is_match(ssid) && !self.valid.iter().any(|m| m.matches(source))
    }
}

/// Reads every `apspoof=` line, refusing a malformed one with an error naming its line.
pub fn rules(options: &Options) -> Result<Vec<SpoofRule>, Error> {
    let mut out = Vec::new();
    for e in options.all("apspoof") {
        let (name, opts) = osprey_config::named_options(&e.value).map_err(|m| {
            options.error(
                e,
                format!("{m} (expected NAME:ssid=\"REGEX\",validmacs=\"MAC,...\")"),
            )
        })?;
        let (mut pattern, mut macs) = (None, None);
        for (k, v) in opts {
            match k.as_str() {
                "ssid" => pattern = Some(v),
                "validmacs" => macs = Some(v),
                _ => {
                    return Err(options.error(
                        e,
                        format!("unknown key {k:?} (expected ssid and validmacs)"),
                    ))
                }
            }
        }
        let pattern = pattern
            .filter(|p| !p.is_empty())
            .ok_or_else(|| options.error(e, format!("rule {name}: ssid=\"REGEX\" is required")))?;
        let macs = macs.unwrap_or_default();
        let mut valid = Vec::new();
        for m in macs.split(',').map(str::trim).filter(|m| !m.is_empty()) {
            let rule = MacRule::parse(m).map_err(|why| options.error(e, why))?;
            valid.push(rule);
        }
        if valid.is_empty() {
            return Err(options.error(
                e,
                format!("rule {name}: validmacs=\"MAC,...\" with at least one address is required"),
            ));
        }
        let re = compile(&pattern).map_err(|m| options.error(e, m))?;
        out.push(SpoofRule {
            name,
            pattern,
            re,
            valid,
        });
    }
    Ok(out)
}

/// The detector.
pub struct ApSpoof {
    r: Option<AlertRef>,
    rules: Vec<SpoofRule>,
}

impl ApSpoof {
    pub(crate) fn new(r: Option<AlertRef>, rules: Vec<SpoofRule>) -> Self {
        ApSpoof { r, rules }
    }
}

impl Detector for ApSpoof {
    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let (Some(r), Some((st, ssid))) = (self.r, new_ssid_record(ctx)) else {
            return;
        };
        let ssid = trim_nul(ssid);
        if ssid.is_empty() {
            return;
        }
        let p = ctx.packet;
        let text = printable_ssid(ssid);
        let Some(rule) = self.rules.iter().find(|x| x.violated_by(&text, &p.source)) else {
            return;
        };
        if !alerts.potential(r, ctx.now()) {
            return;
        }
        let verb = if st == mgmt::BEACON {
            "advertising"
        } else {
            "responding for"
        };
        let msg = format!(
            "IEEE80211 Unauthorized device ({}) {verb} for SSID '{text}', matching APSPOOF rule {} which may indicate spoofing or impersonation.",
            p.source, rule.name
        );
        f.record("APSPOOF", raise(alerts, r, ctx, addresses(ctx), &msg));
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ap_frame, refused, AP2};
    use crate::detectors::testing::*;

    const RULES: &str = "apspoof=Corp:ssid=\"^Corp\",validmacs=\"00:11:22:33:44:55, 00:ab:cd:00:00:00/FF:FF:FF:00:00:00\"\n\
                         apspoof=Foo2:ssid=\"(?i:foobar)\",validmacs=\"00:11:22:33:44:55\"\n";

    fn texts(frames: &[(Vec<u8>, i64, i64)]) -> Vec<String> {
        run_alerts(frames, RULES)
            .into_iter()
            .map(|a| format!("{} {}", a.header, a.text))
            .collect()
    }

    #[test]
    fn unauthorised_source_fires() {
        let rogue = [0x00, 0xab, 0xce, 0x01, 0x02, 0x03];
        let t = texts(&[
            (ap_frame(8, rogue, b"CorpNet"), 100, 0),
            (ap_frame(8, STA, b"xFOOBARx"), 102, 0),
            (ap_frame(5, STA, b"xFOOBARx"), 104, 0),
        ]);
        assert_eq!(
            t,
            vec![
                "APSPOOF IEEE80211 Unauthorized device (00:AB:CE:01:02:03) advertising for SSID 'CorpNet', matching APSPOOF rule Corp which may indicate spoofing or impersonation.",
                "APSPOOF IEEE80211 Unauthorized device (00:66:77:88:99:AA) advertising for SSID 'xFOOBARx', matching APSPOOF rule Foo2 which may indicate spoofing or impersonation.",
                "APSPOOF IEEE80211 Unauthorized device (00:66:77:88:99:AA) responding for for SSID 'xFOOBARx', matching APSPOOF rule Foo2 which may indicate spoofing or impersonation.",
            ]
        );
    }

    #[test]
    fn authorised_and_masked_sources_do_not_fire() {
        let t = texts(&[
            // Listed exactly.
            (ap_frame(8, AP, b"CorpNet"), 100, 0),
            // Inside the allowed OUI 00:AB:CD.
            (ap_frame(8, AP2, b"Corp-5G"), 101, 0),
            // No rule matches (anchored at the start).
            (ap_frame(8, STA, b"MyCorp"), 102, 0),
        ]);
        assert!(t.is_empty(), "{t:?}");
    }

    #[test]
    fn bad_rules_are_refused() {
        for (line, why) in [
            ("apspoof=Foo1:ssid=\"Foobar\"", "validmacs"),
            ("apspoof=Foo1:ssid=\"Foobar\",validmacs=\"\"", "validmacs"),
            (
                "apspoof=Foo1:ssid=\"Foobar\",validmacs=\"00:11:22:33:44:5g\"",
                "invalid MAC",
            ),
            (
                "apspoof=Foo1:ssid=\"Foobar\",validmacs=\"00:11:22:33:44:55/24\"",
                "mask",
            ),
            ("apspoof=Foo1:validmacs=\"00:11:22:33:44:55\"", "required"),
            (
                "apspoof=Foo1:ssid=\"a(?!b)\",validmacs=\"00:11:22:33:44:55\"",
                "look-around",
            ),
            (
                "apspoof=Foo1:ssid=\"Foobar\",validmac=\"00:11:22:33:44:55\"",
                "unknown key",
            ),
            ("apspoof=ssid=\"Foobar\"", "expected NAME"),
        ] {
            refused(&format!("# c\n{line}\n"), 2, why);
        }
        // A trailing comma in the list is tolerated.
        let ok = "apspoof=Foo1:ssid=\"Foobar\",validmacs=\"00:11:22:33:44:55,\"";
        assert!(run_alerts(&[], ok).is_empty());
    }
}
