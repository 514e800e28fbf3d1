//! The engine shared by the thread that feeds it frames (ingest) and the request handlers.
//!
//! Two things keep requests from waiting on ingest:
//!
//! * **Handing the lock over.** Ingest holds the engine from frame to frame and checks, between
//!   two frames, whether someone waits for it ([`SharedEngine::wanted`]); if so it lets them in
//!   first ([`SharedEngine::yield_to_waiters`]). A plain mutex taken and released once a frame
//!   starves the others: ingest takes it again within a microsecond of releasing it, long
//!   before a woken thread runs.
//! * **Publishing what requests read most.** Processing a frame can hold the engine for
//!   milliseconds (when the log writer falls behind, the packet path waits for it). So the
//!   alert backlog and the capture clock are published after each frame and whenever an
//!   [`EngineGuard`] is released, and `/alerts/last-time` reads them without the engine.
//!   [`SharedEngine::frames`] counts the frames processed, so that cached device records can
//!   tell whether the engine may have changed since they were taken.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, TryLockError};
use std::time::{Duration, Instant};

use kismetdb::Timestamp;
use osprey_alerts::Alert;
use osprey_bus::EventBus;
use osprey_engine::{Engine, Processed};

/// How long ingest waits, at most, for the threads it let in to take the lock before it
/// competes for it again.
const HANDOFF: Duration = Duration::from_millis(2);

/// The alert backlog as last published.
#[derive(Default)]
struct PublishedAlerts {
    list: Arc<Vec<Alert>>,
    /// Whether `list` was published (an empty backlog too).
    published: bool,
}

/// What can change in a backlog: alerts come and go, and an alert's evidence is added just
/// after it is raised.
fn same_backlog(published: &[Alert], e: &Engine) -> bool {
    let mut current = e.alerts().backlog();
    for p in published {
        match current.next() {
            Some(c) if c.hash == p.hash && c.ts == p.ts && c.evidence == p.evidence => {}
            _ => return false,
        }
    }
    current.next().is_none()
}

/// The engine and what is published of it. See the module documentation.
pub struct SharedEngine {
    engine: Mutex<Engine>,
    /// Threads blocked in [`SharedEngine::lock`].
    waiting: AtomicUsize,
    frames: AtomicU64,
    clock: Mutex<Timestamp>,
    alerts: Mutex<PublishedAlerts>,
    events: EventBus,
}

/// The engine, locked; what it publishes is updated when the guard is released.
pub struct EngineGuard<'e> {
    shared: &'e SharedEngine,
    guard: MutexGuard<'e, Engine>,
}

impl Deref for EngineGuard<'_> {
    type Target = Engine;

    fn deref(&self) -> &Engine {
        &self.guard
    }
}

impl DerefMut for EngineGuard<'_> {
    fn deref_mut(&mut self) -> &mut Engine {
        &mut self.guard
    }
}

impl Drop for EngineGuard<'_> {
    fn drop(&mut self) {
        self.shared.publish_clock(&self.guard);
        self.shared.publish_alerts(&self.guard);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl SharedEngine {
    /// Shares `engine`.
    pub fn new(engine: Engine) -> SharedEngine {
        let shared = SharedEngine {
            events: engine.events().clone(),
            clock: Mutex::new(engine.clock()),
            engine: Mutex::new(engine),
            waiting: AtomicUsize::new(0),
            frames: AtomicU64::new(0),
            alerts: Mutex::default(),
        };
        drop(shared.lock_ingest());
        shared
    }

    /// Locks the engine for a request or an occasional task (ingest lets it in between two
    /// frames). A poisoned lock is taken anyway: the engine stays usable.
    pub fn lock(&self) -> EngineGuard<'_> {
        let guard = match self.engine.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
            Err(TryLockError::WouldBlock) => {
                self.waiting.fetch_add(1, Ordering::SeqCst);
                let g = lock(&self.engine);
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                g
            }
        };
        EngineGuard {
            shared: self,
            guard,
        }
    }

    /// Locks the engine for the ingest thread, which then holds it from frame to frame,
    /// checking [`SharedEngine::wanted`] between two frames.
    pub fn lock_ingest(&self) -> EngineGuard<'_> {
        EngineGuard {
            shared: self,
            guard: lock(&self.engine),
        }
    }

    /// Whether someone waits in [`SharedEngine::lock`].
    pub fn wanted(&self) -> bool {
        self.waiting.load(Ordering::SeqCst) > 0
    }

    /// Releases the ingest thread's `guard`, waits (up to a couple of milliseconds) until
    /// the waiting threads have had the engine, and locks it again.
    pub fn yield_to_waiters<'e>(&'e self, guard: EngineGuard<'e>) -> EngineGuard<'e> {
        drop(guard);
        let start = Instant::now();
        while self.wanted() && start.elapsed() < HANDOFF {
            std::thread::yield_now();
        }
        self.lock_ingest()
    }

    /// Processes a frame with the engine `e` holds: counts it (first), processes it, and
    /// publishes the clock, and the alert backlog if the frame raised alerts.
    pub fn process<'f>(
        &self,
        e: &mut EngineGuard<'_>,
        frame: &osprey_capture::Frame<'f>,
    ) -> Result<Processed<'f>, String> {
        self.frames.fetch_add(1, Ordering::SeqCst);
        let r = e.guard.process(frame);
        self.publish_clock(&e.guard);
        if r.as_ref().map_or(true, |p| !p.alerts.is_empty()) {
            self.publish_alerts(&e.guard);
        }
        r
    }

    /// Frames given to [`SharedEngine::process`], each counted under the engine lock before
    /// it is processed: while the count is unchanged, so are the devices.
    pub fn frames(&self) -> u64 {
        self.frames.load(Ordering::SeqCst)
    }

    /// The engine's time for things raised outside the packet path ([`Engine::now`]): the
    /// published capture clock, or the wall clock before any packet.
    pub fn now(&self) -> Timestamp {
        let c = *lock(&self.clock);
        if c.sec != 0 {
            return c;
        }
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp::new(d.as_secs() as i64, i64::from(d.subsec_micros()))
    }

    /// The alert backlog as last published, oldest first.
    pub fn alerts(&self) -> Arc<Vec<Alert>> {
        lock(&self.alerts).list.clone()
    }

    /// The engine's event bus.
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    fn publish_clock(&self, e: &Engine) {
        *lock(&self.clock) = e.clock();
    }

    fn publish_alerts(&self, e: &Engine) {
        let mut p = lock(&self.alerts);
        if !p.published || !same_backlog(&p.list, e) {
            p.list = Arc::new(e.alerts().backlog().cloned().collect());
            p.published = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicBool;

    use crate::test_support::shared_capture;

    fn engine() -> SharedEngine {
        SharedEngine::new(
            osprey_engine::Engine::new(osprey_engine::EngineOptions::default()).unwrap(),
        )
    }

    fn hashes(alerts: &[Alert]) -> Vec<(u32, usize)> {
        alerts.iter().map(|a| (a.hash, a.evidence.len())).collect()
    }

    #[test]
    fn the_published_backlog_and_clock_follow_the_engine() {
        let path = shared_capture("raw80211/wifite2_handshake_has_1234.cap");
        let shared = engine();
        assert!(shared.alerts().is_empty());
        assert_eq!(shared.frames(), 0);
        shared.lock().begin_source(&path, "pcapfile");
        let mut raised = 0;
        let mut g = Some(shared.lock_ingest());
        let _ = osprey_capture::for_each_frame(&path, &mut |frame| {
            let mut e = g.take().unwrap();
            let p = shared.process(&mut e, frame).unwrap();
            raised += p.alerts.len();
            // Published while the engine is still held.
            let backlog: Vec<Alert> = e.alerts().backlog().cloned().collect();
            assert_eq!(hashes(&shared.alerts()), hashes(&backlog));
            assert_eq!(shared.now(), e.now());
            g = Some(e);
            osprey_capture::Flow::Continue
        });
        drop(g);
        assert!(raised > 0, "the capture raises alerts");
        assert_eq!(shared.frames(), 2189);
        // Raised outside the packet path: published when the guard is released.
        let before = shared.alerts().len();
        let config = osprey_alerts::parse_alert_config("OSPREYTEST,10/min,5/sec").unwrap();
        let severity = osprey_alerts::Severity::from_number(5).unwrap();
        shared
            .lock()
            .define_external(config, "SYSTEM", severity, "test", osprey_alerts::PHY_ANY)
            .unwrap();
        let a = shared
            .lock()
            .raise_external(
                "OSPREYTEST",
                "external",
                kismetdb::MacAddr::ZERO,
                kismetdb::MacAddr::ZERO,
                kismetdb::MacAddr::ZERO,
                kismetdb::MacAddr::ZERO,
                "",
            )
            .unwrap();
        let after = shared.alerts();
        assert_eq!(after.last().map(|x| x.hash), Some(a.hash));
        assert!(after.len() >= before.min(49));
        assert_eq!(shared.events().stats(), shared.lock().events().stats());
    }

    #[test]
    fn the_clock_is_the_wall_clock_before_any_packet() {
        let shared = engine();
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!((shared.now().sec - wall).abs() <= 2);
    }

    #[test]
    fn a_waiting_thread_gets_the_engine_between_two_frames() {
        let shared = Arc::new(engine());
        let got = Arc::new(AtomicBool::new(false));
        let mut g = shared.lock_ingest();
        assert!(!shared.wanted());
        let waiter = {
            let (shared, got) = (shared.clone(), got.clone());
            std::thread::spawn(move || {
                let _e = shared.lock();
                got.store(true, Ordering::SeqCst);
            })
        };
        // The ingest side sees the waiter, lets it in, and carries on after it.
        let deadline = Instant::now() + Duration::from_secs(20);
        while !got.load(Ordering::SeqCst) {
            assert!(Instant::now() < deadline, "the waiter never got the engine");
            if shared.wanted() {
                g = shared.yield_to_waiters(g);
            } else {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        drop(g);
        waiter.join().unwrap();
        assert!(!shared.wanted());
        // Uncontended, a lock does not count as waiting.
        drop(shared.lock());
        assert!(!shared.wanted());
    }
}
