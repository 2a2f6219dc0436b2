//! The maps from key values that decision and table indexes are (a decision column's rows by
//! key, a table's first row by key): looked up by hash, a key's hash and one comparison,
//! however many keys there are; written to artifacts as a list of `[key, value]` pairs in the
//! keys' order, so the bytes do not depend on the map.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use foldhash::fast::FixedState;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ir::KeyValue;

/// A map from key values to `V`. Its hasher has a fixed seed: nothing about an evaluation
/// depends on the order of the map (it is only looked up, and written sorted), and a fixed
/// seed keeps a run's memory layout the same from one run to the next.
#[derive(Debug, Clone)]
pub struct KeyIndex<V>(HashMap<KeyValue, V, FixedState>);

impl<V> Default for KeyIndex<V> {
    fn default() -> Self {
        KeyIndex(HashMap::with_hasher(FixedState::default()))
    }
}

impl<V> KeyIndex<V> {
    pub fn get(&self, key: &KeyValue) -> Option<&V> {
        self.0.get(key)
    }

    pub fn contains_key(&self, key: &KeyValue) -> bool {
        self.0.contains_key(key)
    }

    pub fn entry(&mut self, key: KeyValue) -> Entry<'_, KeyValue, V> {
        self.0.entry(key)
    }

    pub fn insert(&mut self, key: KeyValue, value: V) -> Option<V> {
        self.0.insert(key, value)
    }

    /// The keys and their values, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&KeyValue, &V)> {
        self.0.iter()
    }

    /// The entries in the keys' order.
    pub fn sorted(&self) -> Vec<(&KeyValue, &V)> {
        let mut entries: Vec<(&KeyValue, &V)> = self.0.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        entries
    }
}

impl<V> FromIterator<(KeyValue, V)> for KeyIndex<V> {
    /// A key given twice keeps its last value.
    fn from_iter<I: IntoIterator<Item = (KeyValue, V)>>(entries: I) -> Self {
        let mut index = KeyIndex::default();
        index.0.extend(entries);
        index
    }
}

impl<V: Serialize> Serialize for KeyIndex<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.sorted())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for KeyIndex<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Vec::<(KeyValue, V)>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::collections::BTreeMap;
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::*;

    fn key() -> impl Strategy<Value = KeyValue> {
        prop_oneof![
            any::<bool>().prop_map(KeyValue::Bool),
            (0u32..4, 0u32..6).prop_map(|(e, v)| KeyValue::Enum(e, v)),
            "[a-c]{0,3}".prop_map(|t| KeyValue::Text(Arc::from(t.as_str()))),
            Just(KeyValue::None),
        ]
    }

    proptest! {
        /// Written and read back as a `BTreeMap` of the same entries is: the same pairs in
        /// the same order (artifacts keep their bytes), the last value of a repeated key.
        #[test]
        fn reads_and_writes_as_a_sorted_map(entries in prop::collection::vec((key(), 0u32..9), 0..24)) {
            let index: KeyIndex<u32> = entries.iter().cloned().collect();
            let tree: BTreeMap<KeyValue, u32> = entries.iter().cloned().collect();
            let pairs: Vec<(&KeyValue, &u32)> = tree.iter().collect();
            prop_assert_eq!(
                serde_json::to_string(&index).unwrap(),
                serde_json::to_string(&pairs).unwrap()
            );
            let text = serde_json::to_string(&entries).unwrap();
            let read: KeyIndex<u32> = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(read.sorted().len(), tree.len());
            for (k, v) in &tree {
                prop_assert_eq!(read.get(k), Some(v));
            }
        }
    }
}
