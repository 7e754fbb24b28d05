//! A map whose entries expire a fixed time after insertion, with expiry in
//! time proportional to the number of expired entries.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::TimestampMs;

/// Entries by key with their expiry time. Callers insert with expiry times
/// that never decrease (a clock that never runs backwards plus a fixed
/// window), so the oldest entries are always at the front of `order`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ExpiringMap<K: Ord + Clone, V> {
    entries: BTreeMap<K, (TimestampMs, V)>,
    order: VecDeque<(TimestampMs, K)>,
}

impl<K: Ord + Clone, V> Default for ExpiringMap<K, V> {
    fn default() -> Self {
        ExpiringMap { entries: BTreeMap::new(), order: VecDeque::new() }
    }
}

impl<K: Ord + Clone, V> ExpiringMap<K, V> {
    pub fn get(&self, key: &K) -> Option<&V> {
        self.entries.get(key).map(|(_, value)| value)
    }

    pub fn insert(&mut self, key: K, value: V, expires_ms: TimestampMs) {
        self.order.push_back((expires_ms, key.clone()));
        self.entries.insert(key, (expires_ms, value));
    }

    /// Removes every entry that expired at or before `now_ms`.
    pub fn expire(&mut self, now_ms: TimestampMs) {
        while let Some((expires_ms, _)) = self.order.front() {
            if *expires_ms > now_ms {
                break;
            }
            let (expires_ms, key) = self.order.pop_front().expect("front exists");
            // A key inserted again later has a later expiry; keep that entry.
            if self.entries.get(&key).is_some_and(|(current, _)| *current == expires_ms) {
                self.entries.remove(&key);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_in_order() {
        let mut map = ExpiringMap::default();
        map.insert("a", 1, 100);
        map.insert("b", 2, 200);
        map.expire(99);
        assert_eq!(map.get(&"a"), Some(&1), "not expired before its time");
        map.expire(100);
        assert_eq!(map.get(&"a"), None, "expired at its time");
        assert_eq!(map.get(&"b"), Some(&2));
        assert_eq!(map.len(), 1);
    }

    #[test]
    fn reinserted_key_keeps_later_expiry() {
        let mut map = ExpiringMap::default();
        map.insert("a", 1, 100);
        map.insert("a", 2, 300);
        map.expire(150);
        assert_eq!(map.get(&"a"), Some(&2), "the second insertion is still live");
        map.expire(300);
        assert_eq!(map.len(), 0);
    }
}
