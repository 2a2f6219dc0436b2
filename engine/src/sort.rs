//! Sorting through one instantiation of the standard library's stable sort.
//!
//! `slice::sort_by` is generic over the element and the comparator, so every call site with its
//! own element type or closure gets its own copy of the sort (about 4 KB of WebAssembly each).
//! Here the sort runs once, over positions, with the elements compared through a `dyn`
//! comparator; only moving the elements into their sorted places is generic, and it is small.
//! Sorting positions stably gives exactly the order `slice::sort_by` gives: the sorted order of a
//! consistent comparator with ties in their original order.

use std::cmp::Ordering;

/// Sorts `items` stably by `compare`: the same order as `items.sort_by(compare)`.
pub fn sort_by<T>(items: &mut Vec<T>, compare: impl Fn(&T, &T) -> Ordering) {
    let order = {
        let items = &*items;
        sorted_positions(items.len(), &|a, b| match (items.get(a), items.get(b)) {
            (Some(a), Some(b)) => compare(a, b),
            _ => Ordering::Equal,
        })
    };
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    // INVARIANT: `order` is a permutation of the positions, so every slot is taken once.
    items.extend(
        order
            .iter()
            .filter_map(|&position| slots.get_mut(position).and_then(Option::take)),
    );
}

/// Sorts `items` stably by a key: the same order as `items.sort_by_key(key)`.
pub fn sort_by_key<T, K: Ord>(items: &mut Vec<T>, key: impl Fn(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `items` by their order: the same order as `items.sort()` (and, as no two equal items
/// of the types sorted this way can be told apart, as `items.sort_unstable()`).
pub fn sort<T: Ord>(items: &mut Vec<T>) {
    sort_by(items, T::cmp);
}

/// The positions `0..len` sorted stably by `compare`: the one instantiation of the sort.
fn sorted_positions(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut positions: Vec<usize> = (0..len).collect();
    positions.sort_by(|&a, &b| compare(a, b));
    positions
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the elements and however many of them tie, the order is the standard
        /// library's stable sort's, ties in their original order.
        #[test]
        fn the_order_is_the_standard_stable_sorts(
            keys in proptest::collection::vec(0u8..8, 0..200),
        ) {
            let items: Vec<(u8, usize)> = keys.into_iter().zip(0..).collect();
            let mut ours = items.clone();
            sort_by(&mut ours, |a, b| a.0.cmp(&b.0));
            let mut std = items;
            std.sort_by_key(|a| a.0);
            prop_assert_eq!(ours, std);
        }
    }

    #[test]
    fn sorts_as_the_standard_library_does_keeping_ties_in_order() {
        let pairs = vec![(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e'), (3, 'f')];
        let mut ours = pairs.clone();
        sort_by_key(&mut ours, |p| p.0);
        let mut std = pairs;
        std.sort_by_key(|p| p.0);
        assert_eq!(ours, std);
        assert_eq!(
            ours,
            vec![(1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c'), (3, 'f')]
        );
    }

    #[test]
    fn sorts_long_and_empty_lists() {
        let mut long: Vec<u32> = (0..500).map(|i| (i * 7919) % 263).collect();
        let mut expected = long.clone();
        expected.sort();
        sort(&mut long);
        assert_eq!(long, expected);
        let mut empty: Vec<u32> = Vec::new();
        sort(&mut empty);
        assert!(empty.is_empty());
    }
}
