//! # osprey-bus
//!
//! Kismet's two buses, as a library:
//!
//! * the **event bus** ([`EventBus`]): events with a topic (`ALERT`, `MESSAGE`, `NEW_DEVICE`,
//!   `DATASOURCE_OPENED`, ...) go, in publication order, to every subscriber of that topic and
//!   to the subscribers of `*`. Delivery never blocks the publisher: a subscriber has a bounded
//!   queue, and when it is full the event is counted as dropped for that subscriber (it can
//!   see the count and decide to resynchronise); in-process consumers that must see everything
//!   (the kismetdb log) take an unbounded [`Lossless`] subscription and drain it themselves.
//! * the **message bus** ([`MessageBus`]): text messages with Kismet's flags (INFO, ERROR,
//!   ALERT, FATAL, ...), kept (the last 50, as Kismet's REST client keeps them) and published
//!   on the event bus as `MESSAGE`; DEBUG messages are never published, as in Kismet.
//!
//! Event content is a list of `(key, JSON text)` pairs, so the publisher serialises a record
//! once, in Kismet's key order, and a websocket can frame it as `{"KEY": <json>, ...}` without
//! touching it.

#![warn(missing_docs)]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use kismetdb::Timestamp;

/// Kismet's event ids used by Osprey.
pub mod topic {
    /// An emitted alert: content `ALERT` = the alert record.
    pub const ALERT: &str = "ALERT";
    /// A message: content `MESSAGE` = the message record.
    pub const MESSAGE: &str = "MESSAGE";
    /// A new device: content `NEW_DEVICE` = the device record.
    pub const NEW_DEVICE: &str = "NEW_DEVICE";
    /// A new phy: content `NEW_PHY` = its name.
    pub const NEW_PHY: &str = "NEW_PHY";
    /// A new datasource: content `NEW_DATASOURCE` = the datasource record.
    pub const NEW_DATASOURCE: &str = "NEW_DATASOURCE";
    /// A datasource opened: content = its UUID.
    pub const DATASOURCE_OPENED: &str = "DATASOURCE_OPENED";
    /// A datasource closed: content = its UUID.
    pub const DATASOURCE_CLOSED: &str = "DATASOURCE_CLOSED";
    /// A datasource failed: content = its UUID.
    pub const DATASOURCE_ERROR: &str = "DATASOURCE_ERROR";
    /// A datasource paused: content = its UUID.
    pub const DATASOURCE_PAUSED: &str = "DATASOURCE_PAUSED";
    /// A datasource resumed: content = its UUID.
    pub const DATASOURCE_RESUMED: &str = "DATASOURCE_RESUMED";
    /// The kismetdb log was opened: empty content.
    pub const KISMETDB_LOG_OPEN: &str = "KISMETDB_LOG_OPEN";
    /// The clock, once a second: content `TIMESTAMP` = `{"kismet.system.timestamp.sec": ..,
    /// "kismet.system.timestamp.usec": ..}`.
    pub const TIMESTAMP: &str = "TIMESTAMP";
    /// A new advertised SSID.
    pub const DOT11_ADVERTISED_SSID: &str = "DOT11_ADVERTISED_SSID";
    /// A new probe-response SSID.
    pub const DOT11_RESPONSE_SSID: &str = "DOT11_RESPONSE_SSID";
    /// A new probed SSID.
    pub const DOT11_PROBED_SSID: &str = "DOT11_PROBED_SSID";
    /// A WPA handshake packet.
    pub const DOT11_WPA_HANDSHAKE: &str = "DOT11_WPA_HANDSHAKE";
    /// Packet-chain statistics, once a second.
    pub const PACKETCHAIN_STATS: &str = "PACKETCHAIN_STATS";
    /// Every topic (subscribe only).
    pub const ALL: &str = "*";
}

/// One event.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// The event id (topic).
    pub topic: String,
    /// Capture time of the event (the clock of the data that caused it).
    pub ts: Timestamp,
    /// The content map: keys and their values as JSON text, in order.
    pub content: Vec<(String, String)>,
}

impl Event {
    /// An event whose content is the single key `topic` with the JSON `value`, the common
    /// shape (`{"ALERT": {...}}`).
    pub fn single(topic: &str, ts: Timestamp, value_json: String) -> Event {
        Event {
            topic: topic.to_string(),
            ts,
            content: vec![(topic.to_string(), value_json)],
        }
    }

    /// The content as one JSON object, as Kismet frames it on the websocket.
    pub fn content_json(&self) -> String {
        let mut s = String::from("{");
        for (i, (k, v)) in self.content.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str(&serde_json::Value::String(k.clone()).to_string());
            s.push_str(": ");
            s.push_str(v);
        }
        s.push('}');
        s
    }
}

/// What a subscriber's delivery function reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Taken.
    Delivered,
    /// The subscriber is full: counted as dropped.
    Full,
    /// The subscriber is gone: it is removed.
    Gone,
}

type Deliver = Box<dyn FnMut(&Arc<Event>) -> Delivery + Send>;

struct Subscriber {
    id: u64,
    topics: Vec<String>,
    deliver: Deliver,
    dropped: Arc<AtomicU64>,
}

impl Subscriber {
    fn wants(&self, topic: &str) -> bool {
        self.topics.iter().any(|t| t == topic || t == topic::ALL)
    }
}

#[derive(Default)]
struct Inner {
    subscribers: Vec<Subscriber>,
    next_id: u64,
    published: u64,
    /// Drops since the bus was created, including those of subscribers that have left.
    dropped_total: u64,
    /// Subscribers removed with [`EventBus::evict`].
    evicted: u64,
}

/// Counters of the event bus.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EventBusStats {
    /// Events published.
    pub published: u64,
    /// Current subscribers.
    pub subscribers: usize,
    /// Events dropped, summed over current subscribers.
    pub dropped: u64,
    /// Events dropped since the bus was created, summed over every subscriber it has had
    /// (those that have left included): the number that only grows.
    pub dropped_total: u64,
    /// Subscribers removed for not keeping up ([`EventBus::evict`]).
    pub evicted: u64,
}

/// One current subscriber, for status reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriberStats {
    /// The subscription id.
    pub id: u64,
    /// Its topics.
    pub topics: Vec<String>,
    /// Events dropped for it because its queue was full.
    pub dropped: u64,
}

/// The event bus. Cloning gives another handle to the same bus.
#[derive(Clone, Default)]
pub struct EventBus {
    inner: Arc<Mutex<Inner>>,
    /// Subscribers, readable without the lock: the per-packet [`EventBus::wants`] checks of a
    /// bus nobody listens to (`osprey analyze`) cost one atomic load.
    count: Arc<std::sync::atomic::AtomicUsize>,
}

impl EventBus {
    /// A bus with no subscribers.
    pub fn new() -> EventBus {
        EventBus::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A subscriber that panicked inside its delivery function leaves the lock poisoned;
        // the bus state itself is still consistent, so carry on.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Subscribes a delivery function to `topics` (`"*"` for all). It is called on the
    /// publisher's thread and must not block. Returns the subscription id and the counter of
    /// events it dropped.
    pub fn subscribe_with(
        &self,
        topics: &[&str],
        deliver: impl FnMut(&Arc<Event>) -> Delivery + Send + 'static,
    ) -> (u64, Arc<AtomicU64>) {
        let mut g = self.lock();
        g.next_id += 1;
        let id = g.next_id;
        let dropped = Arc::new(AtomicU64::new(0));
        g.subscribers.push(Subscriber {
            id,
            topics: topics.iter().map(|t| t.to_string()).collect(),
            deliver: Box::new(deliver),
            dropped: dropped.clone(),
        });
        self.count.store(g.subscribers.len(), Ordering::Relaxed);
        (id, dropped)
    }

    /// Subscribes with a bounded queue of `capacity` events. When the subscriber does not keep
    /// up, further events are dropped for it (and counted) until it catches up; the
    /// publisher never waits.
    pub fn subscribe(&self, topics: &[&str], capacity: usize) -> Subscription {
        let (tx, rx): (SyncSender<Arc<Event>>, Receiver<Arc<Event>>) =
            mpsc::sync_channel(capacity.max(1));
        let (id, dropped) = self.subscribe_with(topics, move |e| match tx.try_send(e.clone()) {
            Ok(()) => Delivery::Delivered,
            Err(TrySendError::Full(_)) => Delivery::Full,
            Err(TrySendError::Disconnected(_)) => Delivery::Gone,
        });
        Subscription {
            id,
            rx,
            dropped,
            bus: self.clone(),
        }
    }

    /// Subscribes with an unbounded queue, for in-process consumers that drain it after every
    /// step of the publisher (the kismetdb log): nothing is ever dropped.
    pub fn subscribe_lossless(&self, topics: &[&str]) -> Lossless {
        let (tx, rx) = mpsc::channel::<Arc<Event>>();
        let (id, _) = self.subscribe_with(topics, move |e| match tx.send(e.clone()) {
            Ok(()) => Delivery::Delivered,
            Err(_) => Delivery::Gone,
        });
        Lossless {
            id,
            rx,
            bus: self.clone(),
        }
    }

    /// Removes a subscription.
    pub fn unsubscribe(&self, id: u64) {
        let mut g = self.lock();
        g.subscribers.retain(|s| s.id != id);
        self.count.store(g.subscribers.len(), Ordering::Relaxed);
    }

    /// Removes a subscription because it did not keep up, and counts it in
    /// [`EventBusStats::evicted`]. Returns false when it was already gone.
    pub fn evict(&self, id: u64) -> bool {
        let mut g = self.lock();
        let before = g.subscribers.len();
        g.subscribers.retain(|s| s.id != id);
        let removed = g.subscribers.len() != before;
        if removed {
            g.evicted += 1;
        }
        self.count.store(g.subscribers.len(), Ordering::Relaxed);
        removed
    }

    /// Changes the topics of a subscription.
    pub fn set_topics(&self, id: u64, topics: &[&str]) {
        if let Some(s) = self.lock().subscribers.iter_mut().find(|s| s.id == id) {
            s.topics = topics.iter().map(|t| t.to_string()).collect();
        }
    }

    /// True when some subscriber wants `topic`: publishers of costly events (device records)
    /// build them only then.
    pub fn wants(&self, topic: &str) -> bool {
        if self.count.load(Ordering::Relaxed) == 0 {
            return false;
        }
        self.lock().subscribers.iter().any(|s| s.wants(topic))
    }

    /// Publishes an event to the subscribers of its topic and of `*`, in subscription order.
    pub fn publish(&self, event: Event) {
        let event = Arc::new(event);
        let mut g = self.lock();
        g.published += 1;
        let mut gone = Vec::new();
        let mut dropped = 0;
        for s in g.subscribers.iter_mut().filter(|s| s.wants(&event.topic)) {
            match (s.deliver)(&event) {
                Delivery::Delivered => {}
                Delivery::Full => {
                    s.dropped.fetch_add(1, Ordering::Relaxed);
                    dropped += 1;
                }
                Delivery::Gone => gone.push(s.id),
            }
        }
        g.dropped_total += dropped;
        if !gone.is_empty() {
            g.subscribers.retain(|s| !gone.contains(&s.id));
            self.count.store(g.subscribers.len(), Ordering::Relaxed);
        }
    }

    /// The bus's counters.
    pub fn stats(&self) -> EventBusStats {
        let g = self.lock();
        EventBusStats {
            published: g.published,
            subscribers: g.subscribers.len(),
            dropped: g
                .subscribers
                .iter()
                .map(|s| s.dropped.load(Ordering::Relaxed))
                .sum(),
            dropped_total: g.dropped_total,
            evicted: g.evicted,
        }
    }

    /// Each current subscriber: id, topics and drops, in subscription order.
    pub fn subscriber_stats(&self) -> Vec<SubscriberStats> {
        self.lock()
            .subscribers
            .iter()
            .map(|s| SubscriberStats {
                id: s.id,
                topics: s.topics.clone(),
                dropped: s.dropped.load(Ordering::Relaxed),
            })
            .collect()
    }
}

/// A bounded subscription; unsubscribed when dropped.
pub struct Subscription {
    id: u64,
    rx: Receiver<Arc<Event>>,
    dropped: Arc<AtomicU64>,
    bus: EventBus,
}

impl Subscription {
    /// The subscription id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The next event, if one is queued.
    pub fn try_recv(&self) -> Option<Arc<Event>> {
        self.rx.try_recv().ok()
    }

    /// The next event, waiting up to `timeout`.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Arc<Event>> {
        self.rx.recv_timeout(timeout).ok()
    }

    /// Events dropped because this subscriber's queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Changes the topics.
    pub fn set_topics(&self, topics: &[&str]) {
        self.bus.set_topics(self.id, topics);
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.bus.unsubscribe(self.id);
    }
}

/// An unbounded subscription (see [`EventBus::subscribe_lossless`]); unsubscribed when
/// dropped.
pub struct Lossless {
    id: u64,
    rx: Receiver<Arc<Event>>,
    bus: EventBus,
}

impl Lossless {
    /// Every queued event, oldest first.
    pub fn drain(&self) -> impl Iterator<Item = Arc<Event>> + '_ {
        self.rx.try_iter()
    }
}

impl Drop for Lossless {
    fn drop(&mut self) {
        self.bus.unsubscribe(self.id);
    }
}

/// Kismet's message flags (a bitfield).
pub mod flags {
    /// Debugging: never published.
    pub const DEBUG: u32 = 1;
    /// Information.
    pub const INFO: u32 = 2;
    /// An error.
    pub const ERROR: u32 = 4;
    /// An alert (`"<HEADER> <text>"`).
    pub const ALERT: u32 = 8;
    /// A fatal error.
    pub const FATAL: u32 = 16;
    /// For local display only (still published, as in Kismet).
    pub const LOCAL: u32 = 32;
    /// Printed at shutdown.
    pub const PRINT: u32 = 64;
}

/// One message (`kismet.messagebus.message`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// When (capture clock).
    pub ts: Timestamp,
    /// Flags ([`flags`]).
    pub flags: u32,
    /// The text.
    pub text: String,
}

impl Message {
    /// The kismetdb `messages.msgtype`: INFO, ERROR, DEBUG, FATAL, and `""` for alerts, as
    /// Kismet writes them (its logger maps only those four).
    pub fn msgtype(&self) -> &'static str {
        let f = self.flags;
        if f & flags::FATAL != 0 {
            "FATAL"
        } else if f & flags::ERROR != 0 {
            "ERROR"
        } else if f & flags::ALERT != 0 {
            ""
        } else if f & flags::DEBUG != 0 {
            "DEBUG"
        } else {
            "INFO"
        }
    }

    /// The flags of a kismetdb `msgtype`.
    pub fn flags_of(msgtype: &str) -> u32 {
        match msgtype {
            "FATAL" => flags::FATAL,
            "ERROR" => flags::ERROR,
            "ALERT" | "" => flags::ALERT,
            "DEBUG" => flags::DEBUG,
            _ => flags::INFO,
        }
    }

    /// The record as Kismet's JSON.
    pub fn to_kismet_json(&self) -> String {
        format!(
            "{{\"kismet.messagebus.message_string\": {}, \"kismet.messagebus.message_flags\": {}, \"kismet.messagebus.message_time\": {}}}",
            serde_json::Value::String(self.text.clone()),
            self.flags,
            self.ts.sec.max(0)
        )
    }
}

/// How many messages the bus keeps, as Kismet's REST client does.
pub const MESSAGE_BACKLOG: usize = 50;

/// The message bus: keeps the last [`MESSAGE_BACKLOG`] messages and publishes each (except
/// DEBUG) on the event bus as `MESSAGE`.
#[derive(Clone)]
pub struct MessageBus {
    events: EventBus,
    kept: Arc<Mutex<VecDeque<Message>>>,
}

impl MessageBus {
    /// A message bus publishing on `events`.
    pub fn new(events: EventBus) -> MessageBus {
        MessageBus {
            events,
            kept: Arc::new(Mutex::new(VecDeque::with_capacity(MESSAGE_BACKLOG))),
        }
    }

    /// The event bus it publishes on.
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    /// Sends a message.
    pub fn inject(&self, ts: Timestamp, flags: u32, text: impl Into<String>) {
        let m = Message {
            ts,
            flags,
            text: text.into(),
        };
        if flags & flags::DEBUG != 0 && flags & !flags::DEBUG == 0 {
            return;
        }
        let json = m.to_kismet_json();
        {
            let mut k = self.kept.lock().unwrap_or_else(|e| e.into_inner());
            if k.len() == MESSAGE_BACKLOG {
                k.pop_front();
            }
            k.push_back(m);
        }
        self.events.publish(Event::single(topic::MESSAGE, ts, json));
    }

    /// The kept messages, oldest first.
    pub fn recent(&self) -> Vec<Message> {
        self.kept
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(topic: &str, n: i64) -> Event {
        Event::single(topic, Timestamp::new(n, 0), n.to_string())
    }

    #[test]
    fn topics_and_wildcard_in_order() {
        let bus = EventBus::new();
        let alerts = bus.subscribe(&[topic::ALERT], 16);
        let all = bus.subscribe(&[topic::ALL], 16);
        bus.publish(ev(topic::ALERT, 1));
        bus.publish(ev(topic::MESSAGE, 2));
        bus.publish(ev(topic::ALERT, 3));
        let got: Vec<i64> = std::iter::from_fn(|| alerts.try_recv())
            .map(|e| e.ts.sec)
            .collect();
        assert_eq!(got, vec![1, 3]);
        let got: Vec<i64> = std::iter::from_fn(|| all.try_recv())
            .map(|e| e.ts.sec)
            .collect();
        assert_eq!(got, vec![1, 2, 3]);
        assert!(
            bus.wants(topic::NEW_DEVICE),
            "the wildcard wants everything"
        );
        drop(all);
        assert!(!bus.wants(topic::NEW_DEVICE));
        assert_eq!(bus.stats().subscribers, 1);
    }

    #[test]
    fn a_slow_subscriber_drops_and_counts_but_never_blocks() {
        let bus = EventBus::new();
        let slow = bus.subscribe(&[topic::ALERT], 2);
        let lossless = bus.subscribe_lossless(&[topic::ALERT]);
        for i in 0..10 {
            bus.publish(ev(topic::ALERT, i));
        }
        assert_eq!(slow.dropped(), 8);
        assert_eq!(bus.stats().dropped, 8);
        let got: Vec<i64> = std::iter::from_fn(|| slow.try_recv())
            .map(|e| e.ts.sec)
            .collect();
        assert_eq!(got, vec![0, 1]);
        assert_eq!(lossless.drain().count(), 10);
        // Caught up: delivery resumes.
        bus.publish(ev(topic::ALERT, 10));
        assert_eq!(slow.try_recv().map(|e| e.ts.sec), Some(10));
    }

    #[test]
    fn drops_stay_counted_after_the_subscriber_is_evicted() {
        let bus = EventBus::new();
        let slow = bus.subscribe(&[topic::ALL], 1);
        for i in 0..5 {
            bus.publish(ev(topic::ALERT, i));
        }
        assert_eq!(bus.stats().dropped, 4);
        let info = bus.subscriber_stats();
        assert_eq!(info.len(), 1);
        assert_eq!((info[0].id, info[0].dropped), (slow.id(), 4));
        assert_eq!(info[0].topics, vec!["*".to_string()]);
        assert!(bus.evict(slow.id()));
        assert!(!bus.evict(slow.id()), "already gone");
        let st = bus.stats();
        assert_eq!((st.dropped, st.dropped_total, st.evicted), (0, 4, 1));
        assert_eq!(st.subscribers, 0);
        drop(slow);
        assert_eq!(
            bus.stats().evicted,
            1,
            "dropping the handle is not an eviction"
        );
    }

    #[test]
    fn gone_subscribers_are_removed() {
        let bus = EventBus::new();
        bus.subscribe_with(&["X"], |_| Delivery::Gone);
        bus.publish(ev("X", 1));
        assert_eq!(bus.stats().subscribers, 0);
    }

    #[test]
    fn messages_are_kept_published_and_framed_like_kismet() {
        let bus = EventBus::new();
        let sub = bus.subscribe(&[topic::MESSAGE], 100);
        let mb = MessageBus::new(bus.clone());
        mb.inject(Timestamp::new(5, 0), flags::DEBUG, "not published");
        mb.inject(
            Timestamp::new(1725468012, 0),
            flags::ALERT,
            "DEAUTHFLOOD Deauth/Disassociate flood on AA:BB:CC:DD:EE:FF",
        );
        let e = sub.try_recv().unwrap();
        assert_eq!(
            e.content_json(),
            "{\"MESSAGE\": {\"kismet.messagebus.message_string\": \"DEAUTHFLOOD Deauth/Disassociate flood on AA:BB:CC:DD:EE:FF\", \"kismet.messagebus.message_flags\": 8, \"kismet.messagebus.message_time\": 1725468012}}"
        );
        assert!(sub.try_recv().is_none());
        for i in 0..60 {
            mb.inject(Timestamp::new(i, 0), flags::INFO, format!("m{i}"));
        }
        let kept = mb.recent();
        assert_eq!(kept.len(), MESSAGE_BACKLOG);
        assert_eq!(kept[0].text, "m10");
        assert_eq!(kept[0].msgtype(), "INFO");
        assert_eq!(Message::flags_of("ERROR"), flags::ERROR);
    }
}
