//! **SSIDCANARY** (SPOOF, HIGH): a network name from the operator's watch list is advertised,
//! answered for, or probed for.
//!
//! Rules: `ssidcanary=NAME:ssid="REGEX"` lines (none by default). The regular expression is
//! searched, unanchored, in the SSID's printable form ([`super::printable_ssid`]), so a plain
//! word matches anywhere in the name; anchor it with `^...$` for an exact match.
//!
//! Triggers (throttle-checked; one alert per matching rule, in configuration order):
//! * a beacon or probe response that creates a new SSID record for its access point
//!   (`Observed::new_ssid`). Text: `IEEE80211 Access Point <bssid> advertising canary SSID
//!   <name> (<regex>)`, or `responding for` for a probe response.
//! * a probe, association or reassociation request (subtypes 4, 0, 2) from a client (a unicast
//!   source other than the BSSID) for an SSID that client has not asked for before. Text:
//!   `IEEE80211 Access Point <client> probing for canary SSID <name> (<regex>)` (Kismet's
//!   wording, "Access Point" included, though the device is a client).
//!
//! An empty or all-zero (hidden) SSID never matches.
//!
//! State: the detector remembers the (client, SSID) pairs that matched a rule, so a client
//! probing for a canary network is reported once, as Kismet reports a new probed-SSID record
//! once. Only matching pairs are kept (non-matching SSIDs can never alert), at most
//! [`SEEN_LIMIT`]; when full the memory is cleared (the pairs dropped are counted in
//! `/system/status.json`), so in the worst case a pair is reported again (within the rate
//! limit).
//!
//! Differences from Kismet: the `regex` crate's syntax instead of PCRE (a pattern using
//! look-around or backreferences is refused at startup instead of being accepted); a
//! duplicate rule name and an unknown key are configuration errors (Kismet silently keeps the
//! first rule of a name and ignores unknown keys); an all-zero SSID does not match (Kismet
//! tests the empty string against the rule); Kismet's shipped configuration enables two
//! example rules, Osprey enables none.

use osprey_tracker::FastHashMap as HashMap;

use kismetdb::MacAddr;
use osprey_alerts::{AlertRef, AlertTracker};
use osprey_config::{Error, Options};
use osprey_tracker::is_device_mac;
use osprey_wire::ieee80211::{subtype::mgmt, FrameType};
use regex::Regex;

use super::{addresses, compile, new_ssid_record, printable_ssid, trim_nul};
use crate::{raise, Context, Detector, Findings};

/// The definition's description.
pub const DESCRIPTION: &str = "The operator can list network names to watch for (ssidcanary= rules); this alert reports an access point advertising or answering for one of them, or a device probing for one";

/// At most this many (client, SSID) pairs are remembered.
pub const SEEN_LIMIT: usize = 65_536;

/// One `ssidcanary=` rule.
#[derive(Debug)]
pub struct CanaryRule {
    /// The rule's name.
    pub name: String,
    /// The expression as written.
    pub pattern: String,
    re: Regex,
}

/// Reads every `ssidcanary=` line, refusing a malformed one with an error naming its line.
pub fn rules(options: &Options) -> Result<Vec<CanaryRule>, Error> {
    let mut out: Vec<CanaryRule> = Vec::new();
    for e in options.all("ssidcanary") {
        let (name, opts) = osprey_config::named_options(&e.value)
            .map_err(|m| options.error(e, format!("{m} (expected NAME:ssid=\"REGEX\")")))?;
        let mut pattern = None;
        for (k, v) in opts {
            match k.as_str() {
                "ssid" => pattern = Some(v),
                _ => return Err(options.error(e, format!("unknown key {k:?} (expected ssid)"))),
            }
        }
        let pattern = pattern
            .filter(|p| !p.is_empty())
            .ok_or_else(|| options.error(e, format!("rule {name}: ssid=\"REGEX\" is required")))?;
        if out.iter().any(|r| r.name == name) {
            return Err(options.error(e, format!("duplicate ssidcanary rule name {name:?}")));
        }
        let re = compile(&pattern).map_err(|m| options.error(e, m))?;
        out.push(CanaryRule { name, pattern, re });
    }
    Ok(out)
}

/// The detector.
pub struct SsidCanary {
    r: Option<AlertRef>,
    rules: Vec<CanaryRule>,
    seen: Seen,
}

impl SsidCanary {
    pub(crate) fn new(r: Option<AlertRef>, rules: Vec<CanaryRule>) -> Self {
        SsidCanary {
            r,
            rules,
            seen: Seen::default(),
        }
    }
}

/// The SSIDs (raw bytes) per client that matched a rule.
#[derive(Default)]
struct Seen {
    map: HashMap<MacAddr, Vec<Box<[u8]>>>,
    count: usize,
    /// Pairs dropped when the memory was cleared.
    dropped: u64,
}

impl Seen {
    /// Remembers that `client` asked for `ssid`; false if it had already.
    fn first_time(&mut self, client: MacAddr, ssid: &[u8]) -> bool {
        if self
            .map
            .get(&client)
            .is_some_and(|v| v.iter().any(|s| &**s == ssid))
        {
            return false;
        }
        if self.count >= SEEN_LIMIT {
            self.map.clear();
            self.dropped += self.count as u64;
            self.count = 0;
        }
        self.map.entry(client).or_default().push(ssid.into());
        self.count += 1;
        true
    }
}

/// The SSID of a probe, association or reassociation request sent by a client.
fn requested_ssid<'p>(ctx: &Context<'p, '_>) -> Option<&'p [u8]> {
    let p = ctx.packet;
    let d = p.dot11()?;
    if d.frame_type() != FrameType::Management
        || !matches!(
            d.subtype(),
            mgmt::PROBE_REQ | mgmt::ASSOC_REQ | mgmt::REASSOC_REQ
        )
        || !is_device_mac(&p.source)
        || p.source == p.bssid
    {
        return None;
    }
    d.ssid()
}

impl Detector for SsidCanary {
    fn evicted(&self) -> u64 {
        self.seen.dropped
    }

    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings) {
        let Some(r) = self.r else {
            return;
        };
        let p = ctx.packet;
        let (raw, verb, mac, client) = if let Some((st, ssid)) = new_ssid_record(ctx) {
            let verb = if st == mgmt::BEACON {
                "advertising"
            } else {
                "responding for"
            };
            (ssid, verb, p.bssid, false)
        } else if let Some(ssid) = requested_ssid(ctx) {
            (ssid, "probing for", p.source, true)
        } else {
            return;
        };
        let ssid = trim_nul(raw);
        if ssid.is_empty() {
            return;
        }
        let text = printable_ssid(ssid);
        let mut checked = false;
        for rule in &self.rules {
            if !rule.re.is_match(&text) {
                continue;
            }
            if !checked {
                checked = true;
                if client && !self.seen.first_time(mac, raw) {
                    return;
                }
                if !alerts.potential(r, ctx.now()) {
                    return;
                }
            }
            let msg = format!(
                "IEEE80211 Access Point {mac} {verb} canary SSID {} ({})",
                rule.name, rule.pattern
            );
            f.record("SSIDCANARY", raise(alerts, r, ctx, addresses(ctx), &msg));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{ap_frame, refused, request, with_seq, AP2};
    use crate::detectors::testing::*;

    const RULES: &str = "alert=SSIDCANARY,100/min,10/sec\nssidcanary=Corp:ssid=\"^CorpNet$\"\nssidcanary=Any:ssid=\"(?i)corp\"\n";

    #[test]
    fn the_reported_pairs_are_bounded_and_drops_counted() {
        let mut seen = super::Seen::default();
        for i in 0..(super::SEEN_LIMIT as u32 + 5) {
            let b = i.to_be_bytes();
            let mac = kismetdb::MacAddr::new([0x02, 0, b[0], b[1], b[2], b[3]]);
            assert!(seen.first_time(mac, b"CorpNet"));
            assert!(!seen.first_time(mac, b"CorpNet"));
        }
        assert_eq!(seen.count, 5);
        assert_eq!(seen.dropped, super::SEEN_LIMIT as u64);
    }

    fn texts(frames: &[(Vec<u8>, i64, i64)], config: &str) -> Vec<String> {
        run_alerts(frames, config)
            .into_iter()
            .filter(|a| a.header == "SSIDCANARY")
            .map(|a| format!("{} {}", a.header, a.text))
            .collect()
    }

    #[test]
    fn advertised_and_answered_canaries_fire_per_rule() {
        let t = texts(
            &[
                (ap_frame(8, AP, b"CorpNet"), 100, 0),
                (ap_frame(8, AP2, b"my-CORP-guest"), 102, 0),
                (ap_frame(5, AP2, b"my-CORP-guest"), 104, 0),
            ],
            RULES,
        );
        assert_eq!(
            t,
            vec![
                "SSIDCANARY IEEE80211 Access Point 00:11:22:33:44:55 advertising canary SSID Corp (^CorpNet$)",
                "SSIDCANARY IEEE80211 Access Point 00:11:22:33:44:55 advertising canary SSID Any ((?i)corp)",
                "SSIDCANARY IEEE80211 Access Point 00:AB:CD:EF:01:23 advertising canary SSID Any ((?i)corp)",
                "SSIDCANARY IEEE80211 Access Point 00:AB:CD:EF:01:23 responding for canary SSID Any ((?i)corp)",
            ]
        );
    }

    #[test]
    fn probe_request_fires_once_per_client_and_ssid() {
        let t = texts(
            &[
                (request(4, STA, b"CorpNet"), 100, 0),
                (with_seq(request(4, STA, b"CorpNet"), 1), 110, 0),
                (request(0, AP2, b"corp lab"), 120, 0),
            ],
            RULES,
        );
        assert_eq!(
            t,
            vec![
                "SSIDCANARY IEEE80211 Access Point 00:66:77:88:99:AA probing for canary SSID Corp (^CorpNet$)",
                "SSIDCANARY IEEE80211 Access Point 00:66:77:88:99:AA probing for canary SSID Any ((?i)corp)",
                "SSIDCANARY IEEE80211 Access Point 00:AB:CD:EF:01:23 probing for canary SSID Any ((?i)corp)",
            ]
        );
    }

    #[test]
    fn near_misses_do_not_fire() {
        // Other names, a hidden SSID, and no rules at all (the default).
        let t = texts(
            &[
                (ap_frame(8, AP, b"Cor pNet"), 100, 0),
                (request(4, STA, b"HomeNet"), 101, 0),
                (request(4, AP2, b"\0\0\0\0"), 102, 0),
            ],
            RULES,
        );
        assert!(t.is_empty(), "{t:?}");
        assert!(run(&[(ap_frame(8, AP, b"FoobarCanary"), 100, 0)]).is_empty());
    }

    #[test]
    fn bad_rules_are_refused() {
        for (line, why) in [
            ("ssidcanary=NoColon", "expected NAME"),
            ("ssidcanary=A:ssid=\"\"", "required"),
            ("ssidcanary=A:regex=\"x\"", "unknown key"),
            ("ssidcanary=A:ssid=\"(?=x)y\"", "look-around"),
            ("ssidcanary=A:ssid=\"(a)\\1\"", "backreference"),
            ("ssidcanary=A:ssid=\"(\"", "invalid regular expression"),
        ] {
            refused(&format!("# c\n{line}\n"), 2, why);
        }
        refused("ssidcanary=A:ssid=x\nssidcanary=A:ssid=y\n", 2, "duplicate");
    }
}
