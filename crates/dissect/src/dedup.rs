//! Kismet's duplicate rule: a packet is a duplicate when the CRC-32 of its decapsulated frame
//! is among the hashes of the last 1024 unique (non-duplicate) packets.
//!
//! Every packet looks its hash up, and every unique one inserts it and evicts the oldest: three
//! table operations a packet. A general hash map (removals leave tombstones, which the map
//! clears by rehashing now and then) made this a twentieth of the dissection thread's time. The
//! table here is made for the job: four times as many slots as entries, linear probing, and a
//! removal that shifts the following entries back instead of leaving a tombstone, so a lookup
//! is usually one or two slots.

/// How many unique hashes are remembered.
pub const RING: usize = 1024;

/// Slots of the table: a power of two, four per remembered hash.
const SLOTS: usize = RING * 4;

/// The ring of recent unique hashes, with an open-addressing table for lookups.
pub struct DuplicateFilter {
    ring: Box<[u32; RING]>,
    /// Per slot: the hash with bit 32 set (so that 0 means empty), and its id.
    slots: Box<[(u64, u64); SLOTS]>,
    filled: usize,
    next: usize,
}

impl Default for DuplicateFilter {
    fn default() -> Self {
        DuplicateFilter {
            ring: Box::new([0; RING]),
            slots: Box::new([(0, 0); SLOTS]),
            filled: 0,
            next: 0,
        }
    }
}

/// A hash as stored in a slot: never 0, which marks an empty slot.
fn tag(hash: u32) -> u64 {
    u64::from(hash) | 1 << 32
}

/// The slot a hash belongs in (its probe sequence starts there). CRC-32 values are spread
/// well, but the multiply mixes all their bits into the index anyway.
fn home(hash: u32) -> usize {
    (hash.wrapping_mul(0x9E37_79B1) >> (32 - SLOTS.trailing_zeros())) as usize
}

impl DuplicateFilter {
    /// Returns true if `hash` is a duplicate; otherwise remembers it (evicting the oldest).
    pub fn check(&mut self, hash: u32) -> bool {
        self.check_id(hash, 0).is_some()
    }

    /// Like [`check`](Self::check), remembering `id` with a new hash; for a duplicate returns
    /// the id the original was remembered with.
    pub fn check_id(&mut self, hash: u32, id: u64) -> Option<u64> {
        let (found, free) = self.find(hash);
        if let Some(at) = found {
            return Some(self.slots[at].1);
        }
        self.slots[free] = (tag(hash), id);
        if self.filled == RING {
            // Hashes in the ring are unique (a duplicate is never inserted), so removing the
            // evicted one is exact.
            self.remove(self.ring[self.next]);
        }
        self.ring[self.next] = hash;
        self.next = (self.next + 1) % RING;
        self.filled = (self.filled + 1).min(RING);
        None
    }

    /// The slot holding `hash`, or else the empty slot that ends its probe sequence (where it
    /// would go). The table is never more than a quarter full, so there is always one.
    fn find(&self, hash: u32) -> (Option<usize>, usize) {
        let t = tag(hash);
        let mut at = home(hash);
        loop {
            match self.slots[at].0 {
                0 => return (None, at),
                k if k == t => return (Some(at), at),
                _ => at = (at + 1) % SLOTS,
            }
        }
    }

    /// Removes `hash`, shifting back the entries after it that would otherwise be cut off from
    /// their home slot (no tombstones).
    fn remove(&mut self, hash: u32) {
        let (Some(mut hole), _) = self.find(hash) else {
            return;
        };
        let mut at = hole;
        loop {
            at = (at + 1) % SLOTS;
            let k = self.slots[at].0;
            if k == 0 {
                break;
            }
            // The entry at `at` may move into the hole unless its home lies (cyclically)
            // after the hole and at or before `at`.
            let h = home(k as u32);
            let stays = if hole <= at {
                hole < h && h <= at
            } else {
                hole < h || h <= at
            };
            if !stays {
                self.slots[hole] = self.slots[at];
                hole = at;
            }
        }
        self.slots[hole] = (0, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_the_last_1024_unique_hashes() {
        let mut f = DuplicateFilter::default();
        assert!(!f.check(7));
        assert!(f.check(7));
        for h in 1000..1000 + RING as u32 - 1 {
            assert!(!f.check(h));
        }
        assert!(f.check(7), "7 is still among the last 1024 unique");
        assert!(!f.check(5000));
        assert!(!f.check(7), "7 was evicted by the 1025th unique hash");
    }

    /// Against the rule written plainly (a queue of the last 1 024 unique hashes and their
    /// ids), on hashes from small ranges (many duplicates, with 1 024 live entries in 4 096
    /// slots: shared home slots, probe runs, wrap-arounds at the table's end) and from the full
    /// range.
    #[test]
    fn agrees_with_the_plain_rule() {
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for range in [1500u64, 3000, 6000, 1 << 32] {
            let mut f = DuplicateFilter::default();
            let mut plain = std::collections::VecDeque::<(u32, u64)>::new();
            for id in 0..60_000u64 {
                let hash = ((next() >> 8) % range) as u32;
                let want = plain.iter().find(|(h, _)| *h == hash).map(|&(_, i)| i);
                if want.is_none() {
                    if plain.len() == RING {
                        plain.pop_front();
                    }
                    plain.push_back((hash, id));
                }
                assert_eq!(f.check_id(hash, id), want, "range {range}, packet {id}");
            }
            let used = f.slots.iter().filter(|s| s.0 != 0).count();
            assert_eq!(used, RING, "range {range}");
        }
    }
}
