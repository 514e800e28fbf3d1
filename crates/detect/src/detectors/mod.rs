//! The built-in detectors and their registration with Kismet's default rates
//! (`conf/kismet_alerts.conf`).

pub mod bcastdiscon;
pub mod deauthcodeinvalid;
pub mod deauthflood;
pub mod disconcodeinvalid;
pub mod noclientmfp;

use osprey_alerts::{AlertTracker, Severity};

use crate::{Context, Findings};

/// Kismet's default `alert=` lines for the alerts implemented here.
pub const DEFAULT_RATES: &[&str] = &[
    "DEAUTHFLOOD,5/min,2/sec",
    "BCASTDISCON,5/min,2/sec",
    "DISCONCODEINVALID,5/min,1/sec",
    "DEAUTHCODEINVALID,0/min,0/sec",
    "NOCLIENTMFP,10/min,1/sec",
];

/// Every detector, with its alert registered.
pub struct Detectors {
    deauthflood: deauthflood::DeauthFlood,
    bcastdiscon: bcastdiscon::BcastDiscon,
    disconcode: InvalidReason,
    deauthcode: InvalidReason,
    noclientmfp: noclientmfp::NoClientMfp,
}

impl Detectors {
    /// Registers every alert with the tracker. Rates configured before (from `alert=` lines)
    /// win over Kismet's defaults, which are configured here otherwise.
    pub fn new(alerts: &mut AlertTracker) -> Detectors {
        for line in DEFAULT_RATES {
            if let Ok(c) = osprey_alerts::parse_alert_config(line) {
                alerts.configure(c);
            }
        }
        let mut reg = |h: &str, class: &str, sev: Severity, desc: &str| {
            alerts.activate(h, class, sev, desc, 0)
        };
        Detectors {
            deauthflood: deauthflood::DeauthFlood::new(reg(
                "DEAUTHFLOOD",
                "DENIAL",
                Severity::Medium,
                deauthflood::DESCRIPTION,
            )),
            bcastdiscon: bcastdiscon::BcastDiscon::new(reg(
                "BCASTDISCON",
                "DENIAL",
                Severity::Medium,
                bcastdiscon::DESCRIPTION,
            )),
            disconcode: disconcodeinvalid::new(reg(
                "DISCONCODEINVALID",
                "EXPLOIT",
                Severity::High,
                disconcodeinvalid::DESCRIPTION,
            )),
            deauthcode: deauthcodeinvalid::new(reg(
                "DEAUTHCODEINVALID",
                "EXPLOIT",
                Severity::High,
                deauthcodeinvalid::DESCRIPTION,
            )),
            noclientmfp: noclientmfp::NoClientMfp::new(reg(
                "NOCLIENTMFP",
                "SPOOF",
                Severity::Low,
                noclientmfp::DESCRIPTION,
            )),
        }
    }

    /// Runs every detector on one packet (after it was tracked). Duplicates and packets with
    /// errors are not inspected, as Kismet does not classify them.
    pub fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker) -> Findings {
        let mut f = Findings::default();
        if ctx.packet.duplicate || ctx.packet.error.is_some() {
            return f;
        }
        self.disconcode.inspect(ctx, alerts, &mut f);
        self.deauthcode.inspect(ctx, alerts, &mut f);
        self.deauthflood.inspect(ctx, alerts, &mut f);
        self.bcastdiscon.inspect(ctx, alerts, &mut f);
        self.noclientmfp.inspect(ctx, alerts, &mut f);
        f
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

/// Kismet's test for a reason code it does not know: 25 to 31, or above 45.
pub(crate) fn invalid_reason(code: u16) -> bool {
    (25..=31).contains(&code) || code > 45
}

/// DISCONCODEINVALID and DEAUTHCODEINVALID: a frame of one disconnect subtype whose reason code
/// the standard does not define ([`invalid_reason`]).
pub struct InvalidReason {
    r: Option<osprey_alerts::AlertRef>,
    subtype: u8,
    header: &'static str,
    noun: &'static str,
}

impl InvalidReason {
    fn new(
        r: Option<osprey_alerts::AlertRef>,
        subtype: u8,
        header: &'static str,
        noun: &'static str,
    ) -> Self {
        InvalidReason {
            r,
            subtype,
            header,
            noun,
        }
    }

    pub(crate) fn inspect(
        &mut self,
        ctx: &Context<'_, '_>,
        alerts: &mut AlertTracker,
        f: &mut Findings,
    ) {
        let (Some(r), Some((st, code))) = (self.r, disconnect(ctx)) else {
            return;
        };
        if st != self.subtype || !invalid_reason(code) {
            return;
        }
        let p = ctx.packet;
        let text = format!("Unknown {} code {code} from network {}", self.noun, p.bssid);
        let addrs = [p.bssid, p.source, p.dest, kismetdb::MacAddr::ZERO];
        f.record(self.header, crate::raise(alerts, r, ctx, addrs, &text));
    }
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
        Frame {
            ts: Timestamp::new(sec, usec),
            dlt: 105,
            data: bytes,
            orig_len: bytes.len() as u32,
            interface: 0,
            offset: 0,
            gps: None,
        }
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

    /// Runs frames through dissection, tracking and the detectors; returns the headers raised.
    pub fn run(frames: &[(Vec<u8>, i64, i64)]) -> Vec<String> {
        let mut alerts = osprey_alerts::AlertTracker::new(50);
        let mut det = super::Detectors::new(&mut alerts);
        let mut dis = osprey_dissect::Dissector::new();
        let mut tr = osprey_tracker::Tracker::new();
        let mut out = Vec::new();
        for (bytes, sec, usec) in frames {
            let p = dis.dissect(&frame(bytes, *sec, *usec));
            tr.observe(&p, kismetdb::Uuid::NIL);
            let f = det.inspect(
                &crate::Context {
                    packet: &p,
                    devices: &tr,
                },
                &mut alerts,
            );
            out.extend(f.alerts.into_iter().map(|a| a.header));
        }
        out
    }
}
