//! The built-in detectors, in groups that follow Kismet's stages, and their registration with
//! Kismet's default rates (`conf/kismet_alerts.conf` of 2025-09-R1).
//!
//! Each group (`disconnect`, `dissector`, `ssid`, `data`, `system`) has a `register` function
//! that activates its alerts through the [`Registry`], reads its options, and adds its
//! detectors; and an `OPTIONS` list documenting those options.

pub mod data;
pub mod disconnect;
pub mod dissector;
pub mod eapol;
pub mod evil_twin;
pub mod legacy;
pub mod ssid;
pub mod system;

use kismetdb::Timestamp;
use osprey_alerts::{AlertRef, AlertTracker, Severity};
use osprey_config::{OptionDoc, Options};
use osprey_tracker::Tracker;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::{Context, Detector, Findings};

/// Kismet's default `alert=` lines (`conf/kismet_alerts.conf`, release 2025-09-R1), used for
/// every alert the configuration does not rate. An alert with no line here gets Kismet's
/// fallback of 10/min, 1/sec.
pub const DEFAULT_RATES: &[&str] = &[
    "ADHOCCONFLICT,5/min,1/sec",
    "ADVCRYPTCHANGE,5/min,1/sec",
    "AIRJACKSSID,5/min,1/sec",
    "APSPOOF,10/min,1/sec",
    "BCASTDISCON,5/min,2/sec",
    "BCOM11KCHAN,10/min,1/sec",
    "BEACONRATE,5/min,1/sec",
    "BLEEDINGTOOTH,5/min,1/sec",
    "BSSTIMESTAMP,5/min,1/sec",
    "CHANCHANGE,5/min,1/sec",
    "CRYPTODROP,5/min,1/sec",
    "DEAUTHFLOOD,5/min,2/sec",
    "DEAUTHCODEINVALID,0/min,0/sec",
    "DHCPNAMECHANGE,5/min,1/sec",
    "DHCPOSCHANGE,5/min,1/sec",
    "DHCPCLIENTID,5/min,1/sec",
    "DHCPCONFLICT,10/min,1/sec",
    "DISASSOCTRAFFIC,10/min,1/sec",
    "DISCONCODEINVALID,5/min,1/sec",
    "DOT11D,5/min,1/sec",
    "FLIPPERZERO,5/min,1/sec",
    "FORMATSTRING,5/min,1/sec",
    "KARMAOUI,5/min,1/sec",
    "LUCENTTEST,0/min,0/sec",
    "LONGSSID,5/min,1/sec",
    "MSFBCOMSSID,5/min,1/sec",
    "MSFDLINKRATE,5/min,1/sec",
    "MSFNETGEARBEACON,5/min,1/sec",
    "MALFORMMGMT,5/min,1/sec",
    "NETSTUMBLER,0/min,0/sec",
    "NOCLIENTMFP,10/min,1/sec",
    "NONCEDEGRADE,0/min,0/sec",
    "NONCEREUSE,0/min,0/sec",
    "NULLPROBERESP,5/min,1/sec",
    "OVERPOWERED,0/min,0/sec",
    "PROBECHAN,5/min,1/sec",
    "QCOMEXTENDED,0/min,0/sec",
    "RSNLOOP,5/min,1/sec",
    "RTL8195VD1406,5/min,1/sec",
    "RTLWIFIP2P,5/min,1/sec",
    "SSIDCANARY,5/min,1/sec",
    "VDOO202027301,5/min,1/sec",
    "VDOO202027302,5/min,1/sec",
    "WPSBRUTE,5/min,1/sec",
    "WMMOVERFLOW,10/min,1/sec",
    "WMMTSPEC,10/min,1/sec",
];

/// The order in which Kismet 2025-09-R1 registers its alerts (and lists them in
/// `/alerts/definitions.json`). Osprey's groups register in another order; [`kismet_order`]
/// sorts definitions back into this one. DISASSOCTRAFFIC, which Kismet never registers, goes
/// after its 802.11 alerts.
pub const KISMET_ORDER: &[&str] = &[
    "KISMET",
    "DEVICEFOUND",
    "DEVICELOST",
    "DHCPCLIENTID",
    "NETSTUMBLER",
    "NULLPROBERESP",
    "LUCENTTEST",
    "MSFBCOMSSID",
    "MSFDLINKRATE",
    "MSFNETGEARBEACON",
    "LONGSSID",
    "DISCONCODEINVALID",
    "DEAUTHCODEINVALID",
    "WMMOVERFLOW",
    "CHANCHANGE",
    "DHCPCONFLICT",
    "BCASTDISCON",
    "AIRJACKSSID",
    "CRYPTODROP",
    "DHCPNAMECHANGE",
    "DHCPOSCHANGE",
    "ADHOCCONFLICT",
    "SSIDCANARY",
    "APSPOOF",
    "DOT11D",
    "BEACONRATE",
    "ADVCRYPTCHANGE",
    "MALFORMMGMT",
    "WPSBRUTE",
    "KARMAOUI",
    "OVERPOWERED",
    "NONCEDEGRADE",
    "NONCEREUSE",
    "WMMTSPEC",
    "RSNLOOP",
    "BCOM11KCHAN",
    "BSSTIMESTAMP",
    "PROBECHAN",
    "QCOMEXTENDED",
    "BADFIXLENIE",
    "RTLWIFIP2P",
    "DEAUTHFLOOD",
    "NOCLIENTMFP",
    "RTL8195VD1406",
    "VDOO202027301",
    "VDOO202027302",
    "FORMATSTRING",
    "DISASSOCTRAFFIC",
    "FLIPPERZERO",
    "BLEEDINGTOOTH",
    "SOURCEERROR",
    "ROOTUSER",
];

/// The tracker's definitions in Kismet's registration order ([`KISMET_ORDER`]); definitions
/// Kismet does not know (custom alerts) follow in their own order.
pub fn kismet_order(alerts: &AlertTracker) -> Vec<&osprey_alerts::Definition> {
    let mut v: Vec<(usize, usize, &osprey_alerts::Definition)> = alerts
        .definitions()
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let k = KISMET_ORDER
                .iter()
                .position(|h| *h == d.header)
                .unwrap_or(KISMET_ORDER.len());
            (k, i, d)
        })
        .collect();
    v.sort_by_key(|(k, i, _)| (*k, *i));
    v.into_iter().map(|(_, _, d)| d).collect()
}

/// The alert tracker's own options.
pub const TRACKER_OPTIONS: &[OptionDoc] = &[
    OptionDoc {
        key: "alert",
        defaults: DEFAULT_RATES,
        example: "",
        help: "alert=NAME,RATE[/UNIT],BURST[/UNIT]: how often an alert may be emitted (units sec,
min, hr, day; no unit is per minute; a rate of 0 disables the alert). The first line for
a name wins. These are Kismet's kismet_alerts.conf defaults; an alert without a line gets
10/min,1/sec.",
    },
    OptionDoc {
        key: "alertbacklog",
        defaults: &["50"],
        example: "",
        help: "How many recent alerts the tracker keeps (REST all_alerts, last-time).",
    },
];

/// Osprey's default `detector_max_macs`.
pub const DEFAULT_MAX_MACS: usize = 16_384;

/// The bound on the per-address state of the detectors outside the data group.
pub const STATE_OPTIONS: &[OptionDoc] = &[OptionDoc {
    key: "detector_max_macs",
    defaults: &["16384"],
    example: "",
    help: "How many addresses (or address pairs) each detector outside the data group keeps
state for: DEAUTHFLOOD's networks, BSSTIMESTAMP's clocks, ADHOCCONFLICT's modes, the SSID
records of CRYPTODROP, ADVCRYPTCHANGE, CHANCHANGE, PROBECHAN, DOT11D and BEACONRATE, the
devices DEVICEFOUND and DEVICELOST watch, what the element checks found in the last beacon
and probe response of each network (a repeat of one they found nothing in is not checked
again). When a table is full, its least recently used
tenth is dropped (counted in /system/status.json); a network or device dropped is met
again as new. The data group has data_max_devices.",
}];

/// Reads `detector_max_macs` (1 to 10 000 000).
pub(crate) fn max_macs(options: &Options) -> Result<usize, osprey_config::Error> {
    let v: u64 = options.get("detector_max_macs", DEFAULT_MAX_MACS as u64)?;
    if !(1..=10_000_000).contains(&v) {
        if let Some(e) = options.last("detector_max_macs") {
            return Err(options.error(e, format!("must be between 1 and 10000000, found {v}")));
        }
    }
    Ok(v as usize)
}

/// Every group's options, with a title, in the order `osprey config --defaults` prints them.
pub fn option_sections() -> Vec<(&'static str, &'static [OptionDoc])> {
    vec![
        ("device tracker", osprey_tracker::OPTIONS),
        ("detector state", STATE_OPTIONS),
        ("alert tracker", TRACKER_OPTIONS),
        ("disconnects and association", disconnect::OPTIONS),
        ("frames and information elements", dissector::OPTIONS),
        ("legacy tools, malformed frames, radio", legacy::OPTIONS),
        ("SSID content", ssid::OPTIONS),
        (
            "changes in what access points advertise",
            evil_twin::OPTIONS,
        ),
        (
            "data frames: DHCP, WPS, traffic after disconnects",
            data::OPTIONS,
        ),
        ("WPA handshakes", eapol::OPTIONS),
        ("devices, Bluetooth, system", system::OPTIONS),
    ]
}

/// What a group's `register` works with: the alert tracker (to activate definitions), the
/// configuration (to read its options), and the list of detectors being built.
pub struct Registry<'a> {
    /// The alert tracker.
    pub alerts: &'a mut AlertTracker,
    /// The configuration.
    pub options: &'a Options,
    detectors: Vec<Box<dyn Detector>>,
}

impl Registry<'_> {
    /// Activates an 802.11 alert (phy 0) with its rates from the configuration or Kismet's
    /// defaults. `None` when the tracker refuses it (a duplicate name).
    pub fn activate(
        &mut self,
        header: &str,
        class: &str,
        severity: Severity,
        description: &str,
    ) -> Option<AlertRef> {
        self.alerts
            .activate(header, class, severity, description, 0)
    }

    /// Activates an alert of another phy (`osprey_alerts::PHY_ANY`, `PHY_UNKNOWN`, or a phy
    /// id).
    pub fn activate_phy(
        &mut self,
        header: &str,
        class: &str,
        severity: Severity,
        description: &str,
        phy: i64,
    ) -> Option<AlertRef> {
        self.alerts
            .activate(header, class, severity, description, phy)
    }

    /// Adds a detector.
    pub fn add(&mut self, d: impl Detector + 'static) {
        self.detectors.push(Box::new(d));
    }
}

/// Every detector, with its alert registered.
pub struct Detectors {
    all: Vec<Box<dyn Detector>>,
    /// For each packet class (bit number of [`crate::Interest::class_of`]), the detectors
    /// interested in it, in registration order. Built once, so a packet costs nothing for a
    /// detector that does not look at its class.
    lists: Lists,
    /// Used by [`StatelessCheck`]: per (BSSID, subtype), the last clean beacon or probe
    /// response's packet number and whether the stateless detectors found nothing in it, so
    /// that a repeat of it is not shown to them again.
    verdicts: crate::bounded::BoundedMap<(kismetdb::MacAddr, u8), (u64, bool)>,
    last_tick: i64,
}

/// The stateless detectors on their own, for the thread that dissects: they depend on nothing
/// but the packet, so they can run before it is tracked, beside the thread that tracks and
/// detects, which then skips them on the packets they find nothing in (nearly all):
/// `Dissector::set_check(Box::new(move |p| check.clean(p)))`.
///
/// They run with the same configuration as the engine's detectors, on an alert tracker of
/// their own that nobody reads: what counts is only whether they would raise or tag anything,
/// which does not depend on rate limits (a throttled raise still tags the packet). When they
/// would, the engine's detectors run them again on the packet and raise as usual; the tests in
/// `crate::repeat` hold the results to those of running them on every packet.
pub struct StatelessCheck {
    detectors: Detectors,
    alerts: AlertTracker,
    tracker: osprey_tracker::Tracker,
    observed: osprey_tracker::Observed,
    /// Verdicts dropped to stay within `detector_max_macs`, for the thread that reports them.
    evicted: Arc<AtomicU64>,
}

impl StatelessCheck {
    /// The stateless detectors as `options` configure them.
    pub fn new(options: &Options) -> Result<StatelessCheck, osprey_config::Error> {
        let mut alerts = AlertTracker::new(1);
        let detectors = Detectors::new(&mut alerts, options)?;
        Ok(StatelessCheck {
            detectors,
            alerts,
            tracker: osprey_tracker::Tracker::new(),
            observed: osprey_tracker::Observed::default(),
            evicted: Arc::default(),
        })
    }

    /// How many of the check's verdicts on last beacons were dropped to stay within
    /// `detector_max_macs` (part of the detectors' evicted state), readable while the check
    /// runs on another thread.
    pub fn evicted(&self) -> Arc<AtomicU64> {
        Arc::clone(&self.evicted)
    }

    /// True when `p` is clean, not a duplicate, and no stateless detector finds anything in
    /// it (for `Packet::stateless_clean`).
    pub fn clean(&mut self, p: &osprey_dissect::Packet<'_>) -> bool {
        let ctx = Context::new(p, &self.tracker, &self.observed);
        let clean = self.detectors.stateless_clean(&ctx, &mut self.alerts);
        let evicted = self.detectors.verdicts.evicted();
        if self.evicted.load(Ordering::Relaxed) != evicted {
            self.evicted.store(evicted, Ordering::Relaxed);
        }
        clean
    }
}

/// Packet classes: the bits of an [`crate::Interest`].
const CLASSES: usize = 64;

/// Per packet class, the detectors to run: indices into `Detectors::all`, with
/// [`STATELESS`] set for a stateless detector ([`Detector::stateless`]).
type Dispatch = Vec<Box<[u16]>>;

/// The bit of a [`Dispatch`] entry that marks a stateless detector.
const STATELESS: u16 = 0x8000;

/// The dispatch lists of [`Detectors`], built once.
#[derive(Default)]
struct Lists {
    /// Clean packets.
    clean: Dispatch,
    /// Clean packets the stateless detectors' check found nothing in
    /// ([`osprey_dissect::Packet::stateless_clean`]): the others only.
    checked: Dispatch,
    /// Packets flagged with an error: the detectors that ask for them.
    damaged: Dispatch,
}

/// The dispatch lists of [`Detectors`]: (clean, damaged).
fn dispatch(all: &[Box<dyn Detector>]) -> Lists {
    let mut clean = vec![Vec::new(); CLASSES];
    let mut checked = vec![Vec::new(); CLASSES];
    let mut damaged = vec![Vec::new(); CLASSES];
    for (n, d) in all.iter().enumerate() {
        let Ok(n) = u16::try_from(n) else { break };
        if n & STATELESS != 0 {
            break;
        }
        let interest = d.interest().0;
        let errors = d.sees_errors();
        let stateless = d.stateless();
        let entry = if stateless { n | STATELESS } else { n };
        for c in 0..CLASSES {
            if interest & (1 << c) != 0 {
                clean[c].push(entry);
                if !stateless {
                    checked[c].push(entry);
                }
                if errors {
                    damaged[c].push(entry);
                }
            }
        }
    }
    let boxed =
        |v: Vec<Vec<u16>>| -> Dispatch { v.into_iter().map(Vec::into_boxed_slice).collect() };
    Lists {
        clean: boxed(clean),
        checked: boxed(checked),
        damaged: boxed(damaged),
    }
}

impl Detectors {
    /// Registers every alert with the tracker and builds every detector, reading their options
    /// from `options`. `alert=` lines in `options` are applied first, so they win over
    /// Kismet's defaults (the first line for a name wins, as in Kismet). A bad option is an
    /// error naming its line.
    pub fn new(
        alerts: &mut AlertTracker,
        options: &Options,
    ) -> Result<Detectors, osprey_config::Error> {
        for e in options.all("alert") {
            let c = osprey_alerts::parse_alert_config(&e.value)
                .map_err(|err| options.error(e, err.to_string()))?;
            alerts.configure(c);
        }
        for line in DEFAULT_RATES {
            if let Ok(c) = osprey_alerts::parse_alert_config(line) {
                alerts.configure(c);
            }
        }
        // The device tracker's options are listed with the detectors' (`option_sections`):
        // checked here too, so that a configuration check refuses a bad one.
        osprey_tracker::Limits::from_options(options)?;
        let mut reg = Registry {
            alerts,
            options,
            detectors: Vec::new(),
        };
        system::register_devices(&mut reg)?;
        data::register(&mut reg)?;
        legacy::register(&mut reg)?;
        dissector::register(&mut reg)?;
        disconnect::register(&mut reg)?;
        ssid::register(&mut reg)?;
        evil_twin::register(&mut reg)?;
        eapol::register(&mut reg)?;
        system::register_late(&mut reg)?;
        let lists = dispatch(&reg.detectors);
        Ok(Detectors {
            all: reg.detectors,
            lists,
            verdicts: crate::bounded::BoundedMap::new(max_macs(options)?),
            last_tick: i64::MIN,
        })
    }

    /// [`Detectors::new`] with the default configuration.
    pub fn with_defaults(alerts: &mut AlertTracker) -> Detectors {
        // The defaults are known to be valid; an empty configuration cannot be refused.
        match Detectors::new(alerts, &Options::new()) {
            Ok(d) => d,
            Err(_) => Detectors {
                all: Vec::new(),
                lists: Lists::default(),
                verdicts: crate::bounded::BoundedMap::new(DEFAULT_MAX_MACS),
                last_tick: i64::MIN,
            },
        }
    }

    /// Runs every detector on one packet (after it was tracked), then the timers when the
    /// capture clock moved to a new second. Duplicates are not inspected (Kismet does not
    /// classify them), and packets with errors only by detectors that ask for them. Every
    /// emitted alert without evidence gets the packet's number.
    ///
    /// A packet the stateless detectors already found nothing in where it was dissected
    /// ([`StatelessCheck`], [`osprey_dissect::Packet::stateless_clean`]) is not shown to them
    /// again.
    pub fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker) -> Findings {
        let mut f = Findings::default();
        if !ctx.packet.duplicate {
            let lists = if ctx.packet.error.is_some() {
                &self.lists.damaged
            } else if ctx.packet.stateless_clean {
                &self.lists.checked
            } else {
                &self.lists.clean
            };
            let class = crate::Interest::class_of(ctx.packet).trailing_zeros() as usize;
            for &entry in lists.get(class).map_or(&[][..], |l| &l[..]) {
                if let Some(d) = self.all.get_mut(usize::from(entry & !STATELESS)) {
                    d.inspect(ctx, alerts, &mut f);
                }
            }
            for a in &mut f.alerts {
                if a.evidence.is_empty() {
                    a.evidence.push(ctx.packet.packet_no);
                }
                alerts.set_evidence(a.hash, &a.evidence);
            }
        }
        self.tick(ctx.now(), ctx.devices, alerts, &mut f);
        f
    }

    /// Whether the stateless detectors ([`Detector::stateless`]) find nothing in a clean,
    /// non-duplicate packet (false for any other): what [`StatelessCheck`] answers. A
    /// beacon or probe response that repeats the last one of its BSSID
    /// ([`osprey_dissect::Packet::repeat_of`]) is not shown to them when they found nothing
    /// in that one: the answer would be the same.
    fn stateless_clean(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker) -> bool {
        let p = ctx.packet;
        if p.duplicate || p.error.is_some() {
            return false;
        }
        let mut verdict = osprey_dissect::repeat::key(p)
            .map(|k| self.verdicts.get_or_insert_with(k, || (0, false)).0);
        if let (Some(v), Some(of)) = (verdict.as_mut(), p.repeat_of) {
            if v.1 && v.0 == of {
                **v = (p.packet_no, true);
                return true;
            }
        }
        let mut f = Findings::default();
        let class = crate::Interest::class_of(p).trailing_zeros() as usize;
        for &entry in self.lists.clean.get(class).map_or(&[][..], |l| &l[..]) {
            if entry & STATELESS == 0 {
                continue;
            }
            if let Some(d) = self.all.get_mut(usize::from(entry & !STATELESS)) {
                d.inspect(ctx, alerts, &mut f);
            }
        }
        let clean = f.alerts.is_empty() && f.tagged.is_empty();
        if let Some(v) = verdict {
            *v = (p.packet_no, clean);
        }
        clean
    }

    /// Shows every packet to every detector, whatever its declared interest (for tests that
    /// hold the interests to what the detectors look at).
    #[cfg(test)]
    pub(crate) fn without_interests(mut self) -> Detectors {
        let entry = |n: usize| {
            let e = u16::try_from(n).unwrap_or(0);
            if self.all[n].stateless() {
                e | STATELESS
            } else {
                e
            }
        };
        let all: Box<[u16]> = (0..self.all.len()).map(entry).collect();
        let checked: Box<[u16]> = all.iter().copied().filter(|e| e & STATELESS == 0).collect();
        let errors: Box<[u16]> = (0..self.all.len())
            .filter(|&n| self.all[n].sees_errors())
            .map(entry)
            .collect();
        self.lists = Lists {
            clean: vec![all; CLASSES],
            checked: vec![checked; CLASSES],
            damaged: vec![errors; CLASSES],
        };
        self
    }

    /// Entries of per-address detector state dropped to stay within the detectors' bounds
    /// (`data_max_devices`, `detector_max_macs` and the fixed ones), since they were made.
    pub fn state_evicted(&self) -> u64 {
        self.all.iter().map(|d| d.evicted()).sum::<u64>() + self.verdicts.evicted()
    }

    /// Runs the timers if `now` is in a later second than the last run.
    pub fn tick(
        &mut self,
        now: Timestamp,
        devices: &Tracker,
        alerts: &mut AlertTracker,
        f: &mut Findings,
    ) {
        if now.sec <= self.last_tick {
            return;
        }
        self.last_tick = now.sec;
        for d in &mut self.all {
            d.tick(now, devices, alerts, f);
        }
    }
}

/// The reason code of a deauthentication (12) or disassociation (10) frame, with its subtype.
pub(crate) fn disconnect(ctx: &Context<'_, '_>) -> Option<(u8, u16)> {
    let d = ctx.packet.dot11()?;
    if d.frame_type() != osprey_wire::ieee80211::FrameType::Management {
        return None;
    }
    let st = d.subtype();
    if st != 10 && st != 12 {
        return None;
    }
    let b = d.body();
    let code = u16::from_le_bytes([*b.first()?, *b.get(1)?]);
    Some((st, code))
}

/// The BSSID device of the packet, if tracked.
pub(crate) fn bssid_device<'t>(ctx: &Context<'t, '_>) -> Option<&'t osprey_tracker::Device> {
    ctx.devices.get(ctx.packet.phy, &ctx.packet.bssid)
}

#[cfg(test)]
pub(crate) mod testing {
    //! Frames built by hand for the detector tests.
    use kismetdb::Timestamp;
    use osprey_capture::Frame;

    /// A management frame with the given subtype, addresses and body.
    pub fn mgmt(subtype: u8, a1: [u8; 6], a2: [u8; 6], a3: [u8; 6], body: &[u8]) -> Vec<u8> {
        let mut f = vec![subtype << 4, 0, 0, 0];
        f.extend(a1);
        f.extend(a2);
        f.extend(a3);
        f.extend([0, 0]);
        f.extend(body);
        f
    }

    /// A raw 802.11 capture frame at `sec`.`usec`.
    pub fn frame(bytes: &[u8], sec: i64, usec: i64) -> Frame<'_> {
        Frame::whole(Timestamp::new(sec, usec), 105, bytes)
    }

    /// An AP and a client.
    pub const AP: [u8; 6] = [0x00, 0x11, 0x22, 0x33, 0x44, 0x55];
    /// A client.
    pub const STA: [u8; 6] = [0x00, 0x66, 0x77, 0x88, 0x99, 0xaa];

    /// A beacon from `AP` (so the BSSID device exists).
    pub fn beacon() -> Vec<u8> {
        let mut body = vec![0u8; 8];
        body.extend(100u16.to_le_bytes());
        body.extend(1u16.to_le_bytes());
        body.extend([0, 3, b'n', b'e', b't', 3, 1, 6]);
        mgmt(8, [0xff; 6], AP, AP, &body)
    }

    /// Runs frames through dissection, tracking and the detectors with the default
    /// configuration; returns the headers emitted.
    pub fn run(frames: &[(Vec<u8>, i64, i64)]) -> Vec<String> {
        run_alerts(frames, "")
            .into_iter()
            .map(|a| a.header)
            .collect()
    }

    /// Runs frames like [`run`] with `config` (Osprey's config syntax, e.g.
    /// `"alert=NONCEREUSE,10/min,1/sec"`); returns the alerts emitted.
    pub fn run_alerts(frames: &[(Vec<u8>, i64, i64)], config: &str) -> Vec<osprey_alerts::Alert> {
        run_dlt(105, frames, config)
    }

    /// Runs frames of link type `dlt` through dissection, tracking and the detectors with
    /// `config`; returns the alerts emitted.
    pub fn run_dlt(
        dlt: u32,
        frames: &[(Vec<u8>, i64, i64)],
        config: &str,
    ) -> Vec<osprey_alerts::Alert> {
        run_counted(dlt, frames, config).0
    }

    /// [`run_dlt`], with the detectors' state evictions at the end.
    pub fn run_counted(
        dlt: u32,
        frames: &[(Vec<u8>, i64, i64)],
        config: &str,
    ) -> (Vec<osprey_alerts::Alert>, u64) {
        let options = osprey_config::Options::parse("test", config).expect("test config");
        let mut alerts = osprey_alerts::AlertTracker::new(50);
        let mut det = super::Detectors::new(&mut alerts, &options).expect("test config");
        // As the engine runs them: the stateless detectors checked on the dissector.
        let mut dis = osprey_dissect::Dissector::new();
        let mut check = super::StatelessCheck::new(&options).expect("test config");
        let check_evicted = check.evicted();
        dis.set_check(Box::new(move |p| check.clean(p)));
        let limits = osprey_tracker::Limits::from_options(&options).expect("test config");
        let mut tr = osprey_tracker::Tracker::with_limits(limits);
        let mut out = Vec::new();
        for (bytes, sec, usec) in frames {
            let mut fr = frame(bytes, *sec, *usec);
            fr.dlt = dlt;
            let p = dis.dissect(&fr);
            let observed = tr.observe(&p, kismetdb::Uuid::NIL);
            let f = det.inspect(&crate::Context::new(&p, &tr, &observed), &mut alerts);
            out.extend(f.alerts);
        }
        let evicted = check_evicted.load(std::sync::atomic::Ordering::Relaxed);
        (out, det.state_evicted() + evicted)
    }
}

#[cfg(test)]
mod bounds {
    use super::testing::*;

    /// A beacon from `mac` (ESS, a non-zero TSF) and a deauthentication in its name.
    fn network(mac: [u8; 6], seq: u16) -> [Vec<u8>; 2] {
        let mut b = beacon();
        b[10..16].copy_from_slice(&mac);
        b[16..22].copy_from_slice(&mac);
        b[22..24].copy_from_slice(&(seq << 4).to_le_bytes());
        b[24] = 1;
        let mut d = mgmt(12, STA, mac, mac, &[7, 0]);
        d[22..24].copy_from_slice(&((seq + 1) << 4).to_le_bytes());
        [b, d]
    }

    #[test]
    fn per_network_state_is_bounded_and_counted() {
        let mut frames = Vec::new();
        for i in 0..100u16 {
            let b = i.to_be_bytes();
            for f in network([0x02, 0, 0, 0, b[0], b[1]], 2 * i) {
                frames.push((f, 100 + i64::from(i), 0));
            }
        }
        // The SSID records, BSSTIMESTAMP's clocks, ADHOCCONFLICT's modes, DEAUTHFLOOD's runs and
        // the element checks' verdicts on the last beacons keep 8 networks each: every network
        // beyond the eighth drops one.
        let (_, evicted) = run_counted(105, &frames, "detector_max_macs=8");
        assert_eq!(evicted, 5 * 92);
        let (_, evicted) = run_counted(105, &frames, "");
        assert_eq!(evicted, 0);
        // A flood of networks does not hide the last one's deauthentication flood.
        let last = [0x02, 0, 0, 0, 0, 99];
        for i in 0..11u16 {
            let mut d = mgmt(12, STA, last, last, &[7, 0]);
            d[22..24].copy_from_slice(&((1000 + i) << 4).to_le_bytes());
            frames.push((d, 200, i64::from(i) * 1000));
        }
        let (a, _) = run_counted(105, &frames, "detector_max_macs=8");
        assert!(a.iter().any(|a| a.header == "DEAUTHFLOOD"));
    }

    #[test]
    fn a_bad_bound_names_its_line() {
        let options = osprey_config::Options::parse("c", "\ndetector_max_macs=0\n").unwrap();
        let mut alerts = osprey_alerts::AlertTracker::new(10);
        let e = crate::Detectors::new(&mut alerts, &options).err().unwrap();
        assert_eq!((e.line, e.key.as_str()), (2, "detector_max_macs"));
        let options = osprey_config::Options::parse("c", "tracker_max_devices=3\n").unwrap();
        let e = crate::Detectors::new(&mut alerts, &options).err().unwrap();
        assert_eq!(e.key, "tracker_max_devices");
    }
}
