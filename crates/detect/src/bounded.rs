//! Per-address detector state with a bound on its size.
//!
//! A flood of frames from random addresses must not grow a detector's memory without limit,
//! nor make each frame scan the whole table. [`BoundedMap`] is a hash map that, when a new key
//! would take it past its bound, drops the least recently used tenth of its entries in one
//! pass (an O(n) selection and a `retain`); a pass frees room for a tenth of the bound, so
//! each insertion costs O(1) amortized. Every drop is counted ([`BoundedMap::evicted`]), for
//! `/system/status.json`.

use std::hash::Hash;

use osprey_tracker::FastHashMap;

/// A hash map that keeps at most `max` entries, dropping the least recently used ones (see
/// the module documentation). "Used" means inserted or reached through
/// [`BoundedMap::get_mut`] or [`BoundedMap::get_or_insert_with`].
pub struct BoundedMap<K, V> {
    map: FastHashMap<K, (V, u64)>,
    max: usize,
    /// Counts uses: each use stamps its entry with the next value.
    stamp: u64,
    evicted: u64,
}

impl<K: Hash + Eq + Copy, V> BoundedMap<K, V> {
    /// An empty map of at most `max` entries (at least 1).
    pub fn new(max: usize) -> Self {
        BoundedMap {
            map: FastHashMap::default(),
            max: max.max(1),
            stamp: 0,
            evicted: 0,
        }
    }

    fn next_stamp(&mut self) -> u64 {
        self.stamp += 1;
        self.stamp
    }

    /// Entries dropped to stay within the bound, since the map was made.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// How many entries.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Whether `key` has an entry.
    #[cfg(test)]
    pub fn contains_key(&self, key: &K) -> bool {
        self.map.contains_key(key)
    }

    /// The entry of `key`, without counting as a use.
    pub fn get(&self, key: &K) -> Option<&V> {
        self.map.get(key).map(|(v, _)| v)
    }

    /// The entry of `key`, as a use.
    pub fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        let s = self.next_stamp();
        self.map.get_mut(key).map(|(v, t)| {
            *t = s;
            v
        })
    }

    /// The entry of `key`, made by `make` (after making room) if absent; and whether it is
    /// new.
    pub fn get_or_insert_with(&mut self, key: K, make: impl FnOnce() -> V) -> (&mut V, bool) {
        use std::collections::hash_map::Entry;
        let s = self.next_stamp();
        // Only a full map needs the second lookup (room is made before the entry is taken).
        if self.map.len() >= self.max && !self.map.contains_key(&key) {
            self.make_room();
        }
        match self.map.entry(key) {
            Entry::Occupied(e) => {
                let (v, t) = e.into_mut();
                *t = s;
                (v, false)
            }
            Entry::Vacant(e) => (&mut e.insert((make(), s)).0, true),
        }
    }

    /// Sets the entry of `key` (making room first if it is new); returns the one replaced.
    pub fn insert(&mut self, key: K, value: V) -> Option<V> {
        let s = self.next_stamp();
        if !self.map.contains_key(&key) {
            self.make_room();
        }
        self.map.insert(key, (value, s)).map(|(v, _)| v)
    }

    /// Removes the entry of `key`.
    pub fn remove(&mut self, key: &K) -> Option<V> {
        self.map.remove(key).map(|(v, _)| v)
    }

    /// Keeps the entries `keep` accepts (not counted as evictions: the detector's own expiry).
    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.map.retain(|k, (v, _)| keep(k, v));
    }

    /// The entries, mutable, in no order, without counting as uses.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.map.iter_mut().map(|(k, (v, _))| (k, v))
    }

    /// When full, drops the least recently used entries so that a tenth of the bound (at
    /// least one entry) fits again.
    fn make_room(&mut self) {
        if self.map.len() < self.max {
            return;
        }
        let keep = self.max.saturating_sub(self.max / 10 + 1);
        let n = self.map.len() - keep;
        let mut stamps: Vec<u64> = self.map.values().map(|(_, t)| *t).collect();
        // Stamps are unique: exactly the n oldest are below the n-th smallest.
        let cut = match stamps.get(n) {
            Some(_) => *stamps.select_nth_unstable(n).1,
            None => u64::MAX,
        };
        drop(stamps);
        let before = self.map.len();
        self.map.retain(|_, (_, t)| *t >= cut);
        self.evicted += (before - self.map.len()) as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_tenth_goes_when_full() {
        let mut m: BoundedMap<u32, u32> = BoundedMap::new(100);
        for k in 0..100 {
            m.insert(k, k);
        }
        assert_eq!((m.len(), m.evicted()), (100, 0));
        // Keys 0..10 used again: they are now the most recent.
        for k in 0..10 {
            *m.get_mut(&k).unwrap() += 1;
        }
        // A read without use does not count.
        assert_eq!(m.get(&10), Some(&10));
        let (v, new) = m.get_or_insert_with(1000, || 7);
        assert_eq!((*v, new), (7, true));
        // 100 - 11 kept, then the new key: the 11 least recently used (10..21) went.
        assert_eq!((m.len(), m.evicted()), (90, 11));
        for k in 10..21 {
            assert!(!m.contains_key(&k), "{k}");
        }
        for k in (0..10).chain(21..100).chain([1000]) {
            assert!(m.contains_key(&k), "{k}");
        }
        assert_eq!(m.get(&0), Some(&1));
        // Room for ten more before the next pass.
        for k in 2000..2010 {
            m.insert(k, 0);
        }
        assert_eq!((m.len(), m.evicted()), (100, 11));
        m.insert(3000, 0);
        assert_eq!((m.len(), m.evicted()), (90, 22));
        // A flood never takes it past the bound; the count adds up.
        for k in 10_000..20_000 {
            m.get_or_insert_with(k, || 0);
            assert!(m.len() <= 100);
        }
        assert_eq!(m.evicted() + m.len() as u64, 100 + 1 + 10 + 1 + 10_000);
        // Expiry by the detector is not eviction.
        let before = m.evicted();
        m.retain(|k, _| k % 2 == 0);
        assert_eq!(m.evicted(), before);
        assert!(m.len() < 100);
    }

    #[test]
    fn a_bound_of_one_keeps_the_newest() {
        let mut m: BoundedMap<u8, ()> = BoundedMap::new(0);
        m.insert(1, ());
        m.insert(2, ());
        assert!(m.contains_key(&2) && !m.contains_key(&1));
        assert_eq!(m.evicted(), 1);
        assert!(m.insert(2, ()).is_some());
        assert_eq!(m.evicted(), 1);
    }
}
