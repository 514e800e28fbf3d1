//! # osprey-detect
//!
//! The detectors: each looks at dissected packets (and the device tracker) and raises alerts
//! through the alert tracker. A detector never writes anywhere; what it raises goes back to the
//! caller, which delivers it (message bus, event bus, kismetdb).
//!
//! Each detector is one module whose documentation states its trigger.

#![warn(missing_docs)]

pub(crate) mod bounded;
pub mod detectors;
pub(crate) mod repeat;

use kismetdb::Timestamp;
use osprey_alerts::{Alert, AlertTracker, RaiseOutcome};
use osprey_dissect::Packet;
use osprey_tracker::{Observed, Tracker};
use osprey_wire::ieee80211::ie::Element;

pub use detectors::{Detectors, Registry, StatelessCheck};

/// What a detector needs for one packet.
pub struct Context<'p, 'a> {
    /// The packet.
    pub packet: &'p Packet<'a>,
    /// The device tracker, after this packet was tracked.
    pub devices: &'p Tracker,
    /// What tracking this packet changed (devices created, a new advertised SSID).
    pub observed: &'p Observed,
    /// The management frame's elements, walked once for every detector that asks.
    elements: std::cell::OnceCell<ElementTable<'p>>,
}

/// Most elements kept in an [`ElementTable`]; a frame with more is walked by each asker.
const MAX_ELEMENTS: usize = 40;

/// The elements of a frame, in order, as the walk over its bytes gives them.
///
/// Kept compact (8 bytes an element, no `Element` copies) because it is built for most
/// management frames: its construction is on the hot path.
pub(crate) struct ElementTable<'p> {
    /// The buffer the elements were walked over.
    buf: &'p [u8],
    slots: [Slot; MAX_ELEMENTS],
    len: usize,
    /// More than `MAX_ELEMENTS`: the table is not used.
    overflow: bool,
    /// The walk met a problem (see `Elements::error`).
    damaged: bool,
}

impl<'p> ElementTable<'p> {
    /// Walks `elements` once.
    fn build(elements: osprey_wire::ieee80211::ie::Elements<'p>) -> ElementTable<'p> {
        let buf = elements.buffer();
        let mut t = ElementTable {
            buf,
            slots: [Slot::default(); MAX_ELEMENTS],
            len: 0,
            overflow: false,
            damaged: false,
        };
        let mut walk = elements;
        for e in walk.by_ref() {
            let (Ok(offset), Ok(len)) = (u32::try_from(e.offset), u8::try_from(e.data.len()))
            else {
                // Not representable (an element's data is at most 255 bytes): walk each time.
                t.overflow = true;
                continue;
            };
            if t.len == MAX_ELEMENTS {
                t.overflow = true;
            } else {
                t.slots[t.len] = Slot {
                    offset,
                    len,
                    id: e.id,
                    ext: e.ext_id.unwrap_or(0),
                    has_ext: e.ext_id.is_some(),
                };
                t.len += 1;
            }
        }
        t.damaged = walk.error().is_some();
        t
    }

    /// The elements from the table, or from `elements` itself when the table overflowed, and
    /// whether the walk met a problem.
    fn iter<'t>(
        &'t self,
        elements: osprey_wire::ieee80211::ie::Elements<'p>,
    ) -> (ElementIter<'t, 'p>, bool) {
        let it = if self.overflow {
            ElementIter::Walk(elements)
        } else {
            ElementIter::Table(self.buf, self.slots[..self.len].iter())
        };
        (it, self.damaged)
    }
}

/// One element of an [`ElementTable`]: where it starts, its id, extension id and data length.
#[derive(Clone, Copy, Default)]
struct Slot {
    offset: u32,
    len: u8,
    id: u8,
    /// The extension id, for id 255.
    ext: u8,
    has_ext: bool,
}

impl Slot {
    fn element<'p>(&self, buf: &'p [u8]) -> Element<'p> {
        let offset = self.offset as usize;
        // id, length and (for extension elements) the extension id come before the data.
        let start = offset + 2 + usize::from(self.has_ext);
        Element {
            id: self.id,
            ext_id: self.has_ext.then_some(self.ext),
            data: buf.get(start..start + usize::from(self.len)).unwrap_or(&[]),
            offset,
        }
    }
}

/// The elements of a frame: from the shared table, or walked when the table overflowed.
pub(crate) enum ElementIter<'t, 'p> {
    /// From the table: its buffer and the slots left.
    Table(&'p [u8], std::slice::Iter<'t, Slot>),
    /// A fresh walk.
    Walk(osprey_wire::ieee80211::ie::Elements<'p>),
}

impl<'p> Iterator for ElementIter<'_, 'p> {
    type Item = Element<'p>;

    fn next(&mut self) -> Option<Element<'p>> {
        match self {
            ElementIter::Table(buf, it) => it.next().map(|s| s.element(buf)),
            ElementIter::Walk(w) => w.next(),
        }
    }
}

/// One detector: it looks at packets (and, for timers, the clock) and raises alerts through
/// the tracker. It keeps whatever state its trigger needs and never writes anywhere else.
pub trait Detector: Send {
    /// Looks at one packet. Duplicates are never shown; packets with an error flag only when
    /// [`Detector::sees_errors`] says so.
    fn inspect(&mut self, ctx: &Context<'_, '_>, alerts: &mut AlertTracker, f: &mut Findings);

    /// Whether packets flagged with an error (bad FCS, truncated, malformed) are shown too.
    fn sees_errors(&self) -> bool {
        false
    }

    /// Which packets [`Detector::inspect`] is shown (asked once, when the detectors are
    /// built). Every packet by default; a detector that only looks at some frames says which,
    /// so the others skip it without a call.
    fn interest(&self) -> Interest {
        Interest::ALL
    }

    /// Entries of per-address state this detector dropped to stay within its bounds (the
    /// least recently used when a table was full, see `bounded`), since it was made.
    fn evicted(&self) -> u64 {
        0
    }

    /// True for a detector that keeps no state and whose verdict on a clean beacon or probe
    /// response depends only on what `osprey_dissect::repeat` holds equal in a repeat: the
    /// bytes (not the duration, receiver, sequence number, timestamp or the contents of the
    /// first TIM element) and how the frame was captured (whole, with or without an FCS).
    /// Having found nothing in a frame, it would find nothing in a repeat of it, which it is
    /// then not shown.
    fn stateless(&self) -> bool {
        false
    }

    /// Called as capture time passes (at most once per capture second, with the time of the
    /// newest packet), for alerts raised by timers rather than packets (DEVICELOST).
    fn tick(
        &mut self,
        _now: Timestamp,
        _devices: &Tracker,
        _alerts: &mut AlertTracker,
        _f: &mut Findings,
    ) {
    }
}

/// A set of packet classes: 802.11 management, control and data frames by subtype, 802.11
/// extension frames, Bluetooth LE, and everything else (undecoded links, frames whose 802.11
/// header did not parse).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interest(u64);

impl Interest {
    /// Every packet.
    pub const ALL: Interest = Interest(u64::MAX);
    /// No packet (a detector whose alert is disabled).
    pub const NONE: Interest = Interest(0);

    /// Management frames of the subtypes whose bits (`1 << subtype`) are set.
    pub const fn mgmt(subtypes: u16) -> Interest {
        Interest(subtypes as u64)
    }

    /// Data frames of every subtype.
    pub const DATA: Interest = Interest(0xffff << 32);

    /// Management frames of every subtype.
    pub const MGMT: Interest = Interest(0xffff);

    /// Every 802.11 frame whose header was read: management, control, data, extension.
    pub const DOT11: Interest = Interest((1 << 49) - 1);

    /// Bluetooth LE packets.
    pub const BTLE: Interest = Interest(1 << 49);

    /// Packets with no decoded link: undecoded link types, and frames whose 802.11 header
    /// did not parse.
    pub const UNDECODED: Interest = Interest(1 << 50);

    /// Both sets.
    pub const fn or(self, other: Interest) -> Interest {
        Interest(self.0 | other.0)
    }

    /// This set, or none when `enabled` is false.
    pub const fn when(self, enabled: bool) -> Interest {
        if enabled {
            self
        } else {
            Interest::NONE
        }
    }

    /// The class bit of a packet.
    pub fn class_of(p: &Packet<'_>) -> u64 {
        use osprey_wire::ieee80211::FrameType;
        match &p.link {
            osprey_dissect::Link::Dot11(d) => {
                let st = u32::from(d.subtype() & 0x0f);
                match d.frame_type() {
                    FrameType::Management => 1 << st,
                    FrameType::Control => 1 << (16 + st),
                    FrameType::Data => 1 << (32 + st),
                    FrameType::Extension => 1 << 48,
                }
            }
            osprey_dissect::Link::Btle(_) => 1 << 49,
            osprey_dissect::Link::None => 1 << 50,
        }
    }

    /// Whether a packet of class `class` (from [`Interest::class_of`]) is in the set.
    pub fn has(self, class: u64) -> bool {
        self.0 & class != 0
    }
}

impl<'p, 'a> Context<'p, 'a> {
    /// The context of one packet.
    pub fn new(packet: &'p Packet<'a>, devices: &'p Tracker, observed: &'p Observed) -> Self {
        Context {
            packet,
            devices,
            observed,
            elements: std::cell::OnceCell::new(),
        }
    }

    /// When this packet is a beacon or probe response whose bytes repeat the last one of its
    /// BSSID and subtype (see `osprey_dissect::repeat`), that frame's packet number.
    pub(crate) fn repeat_of(&self) -> Option<u64> {
        self.packet.repeat_of
    }

    /// The elements of `elements`' frame (the packet's own management frame), from the table
    /// shared by every detector of this packet.
    pub(crate) fn element_iter(
        &self,
        elements: osprey_wire::ieee80211::ie::Elements<'p>,
    ) -> ElementIter<'_, 'p> {
        self.element_walk(elements).0
    }

    /// Like [`Context::element_iter`], with whether the walk met a problem (a truncated
    /// element, a malformed extension element), as `Elements::error` tells after a full walk.
    pub(crate) fn element_walk(
        &self,
        elements: osprey_wire::ieee80211::ie::Elements<'p>,
    ) -> (ElementIter<'_, 'p>, bool) {
        let t = self
            .elements
            .get_or_init(|| ElementTable::build(elements.clone()));
        t.iter(elements)
    }
}

impl Context<'_, '_> {
    /// The packet's capture time, the clock of every rate limit and window.
    pub fn now(&self) -> Timestamp {
        self.packet.ts
    }

    /// The packet's channel text as Kismet puts it in 802.11 alerts: the DS parameter set's
    /// channel when the frame carries one, else `"0"`.
    pub fn channel(&self) -> String {
        self.packet
            .dot11()
            .and_then(|d| d.elements())
            .and_then(|mut e| e.find(|x| x.id == osprey_wire::ieee80211::ie::id::DS_PARAMS))
            .and_then(|x| x.data.first().map(|c| c.to_string()))
            .unwrap_or_else(|| "0".to_string())
    }
}

/// Raised alerts of one packet, with the packet tags they add (`ALERT`, `ALERT_<HEADER>`,
/// added even when the alert is throttled, as Kismet does).
#[derive(Default, Debug)]
pub struct Findings {
    /// Alerts emitted. Each carries its evidence: the packet numbers (`packets.packetid`)
    /// that triggered it; the current packet unless the detector named others.
    pub alerts: Vec<Alert>,
    /// Headers of alerts raised (emitted or throttled), for the packet tags.
    pub tagged: Vec<String>,
}

impl Findings {
    /// Records the outcome of a raise whose evidence is the packet being inspected (filled in
    /// by [`Detectors::inspect`]).
    pub fn record(&mut self, header: &str, outcome: RaiseOutcome) {
        self.record_evidence(header, outcome, Vec::new());
    }

    /// Records the outcome of a raise triggered by several packets: `evidence` holds their
    /// packet numbers (`Packet::packet_no`), in capture order.
    pub fn record_evidence(&mut self, header: &str, outcome: RaiseOutcome, evidence: Vec<u64>) {
        if !matches!(outcome, RaiseOutcome::Unknown) {
            self.tagged.push(header.to_string());
        }
        if let RaiseOutcome::Raised(mut a) = outcome {
            a.evidence = evidence;
            self.alerts.push(a);
        }
    }

    /// The packet tags to add: `ALERT ALERT_<H1> ALERT_<H2> ...`, or empty.
    pub fn tags(&self) -> String {
        if self.tagged.is_empty() {
            return String::new();
        }
        let mut t = String::from("ALERT");
        for h in &self.tagged {
            t.push_str(" ALERT_");
            t.push_str(h);
        }
        t
    }
}

/// Shortcut used by detectors: raise `r` for the packet with the given addresses and text.
pub(crate) fn raise(
    alerts: &mut AlertTracker,
    r: osprey_alerts::AlertRef,
    ctx: &Context<'_, '_>,
    addrs: [kismetdb::MacAddr; 4],
    text: &str,
) -> RaiseOutcome {
    alerts.raise(
        r,
        ctx.now(),
        addrs[0],
        addrs[1],
        addrs[2],
        addrs[3],
        &ctx.channel(),
        text,
    )
}

#[cfg(test)]
mod element_table_tests {
    use super::*;
    use osprey_wire::ieee80211::ie::Elements;

    fn same_as_walk(buf: &[u8]) {
        let t = ElementTable::build(Elements::new(buf));
        let (it, damaged) = t.iter(Elements::new(buf));
        let from_table: Vec<Element<'_>> = it.collect();
        let mut walk = Elements::new(buf);
        let walked: Vec<Element<'_>> = walk.by_ref().collect();
        assert_eq!(from_table, walked, "{buf:02x?}");
        assert_eq!(damaged, walk.error().is_some(), "{buf:02x?}");
    }

    #[test]
    fn the_table_gives_what_a_walk_gives() {
        let mut many = Vec::new();
        for i in 0..45u8 {
            many.extend([221, 1, i]);
        }
        let long = [&[0u8, 255][..], &[0x41; 255]].concat();
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![0, 3, b'n', b'e', b't', 1, 2, 0x82, 0x84, 3, 1, 6],
            // Extension elements, one empty (malformed, skipped), then a truncated one.
            vec![255, 2, 35, 9, 255, 0, 255, 1, 36, 5, 4, 1],
            vec![0, 5, 1],
            many,
            long,
        ];
        for c in &cases {
            same_as_walk(c);
        }
        // Every prefix of a frame's elements (truncation at each byte).
        let full = [&cases[1][..], &cases[2][..9]].concat();
        for n in 0..=full.len() {
            same_as_walk(&full[..n]);
        }
    }
}
