//! Kismet's duplicate rule: a packet is a duplicate when the CRC-32 of its decapsulated frame
//! is among the hashes of the last 1024 unique (non-duplicate) packets.

/// How many unique hashes are remembered.
pub const RING: usize = 1024;

use std::hash::{BuildHasherDefault, Hasher};

/// The keys are already CRC-32 values, so they are their own hash.
#[derive(Default)]
struct Identity(u64);

impl Hasher for Identity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u32(&mut self, n: u32) {
        // Spread the bits so the table's low-bit bucket index sees all of them.
        self.0 = u64::from(n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// The ring of recent unique hashes, with a set for constant-time lookups.
pub struct DuplicateFilter {
    ring: Box<[u32; RING]>,
    set: std::collections::HashMap<u32, u64, BuildHasherDefault<Identity>>,
    filled: usize,
    next: usize,
}

impl Default for DuplicateFilter {
    fn default() -> Self {
        DuplicateFilter {
            ring: Box::new([0; RING]),
            set: std::collections::HashMap::with_capacity_and_hasher(RING * 2, Default::default()),
            filled: 0,
            next: 0,
        }
    }
}

impl DuplicateFilter {
    /// Returns true if `hash` is a duplicate; otherwise remembers it (evicting the oldest).
    pub fn check(&mut self, hash: u32) -> bool {
        self.check_id(hash, 0).is_some()
    }

    /// Like [`check`](Self::check), remembering `id` with a new hash; for a duplicate returns
    /// the id the original was remembered with.
    pub fn check_id(&mut self, hash: u32, id: u64) -> Option<u64> {
        if let Some(&orig) = self.set.get(&hash) {
            return Some(orig);
        }
        if self.filled == RING {
            // Hashes in the ring are unique (a duplicate is never inserted), so removing the
            // evicted one from the set is exact.
            self.set.remove(&self.ring[self.next]);
        }
        self.ring[self.next] = hash;
        self.set.insert(hash, id);
        self.next = (self.next + 1) % RING;
        self.filled = (self.filled + 1).min(RING);
        None
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
}
