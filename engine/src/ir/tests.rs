//! Tests of the compiled form's look-ups.

use std::sync::Arc;

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::{Expr, KeyIndex, KeyValue, SCANNED_ROWS, TableKey, TableVariant};
use crate::value::Value;

/// Scalar keys from a small domain, so that probes often meet a row: numbers at several
/// scales (`2`, `2.0` and `2.00` are one key), texts, enums.
fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0i64..4, 0u32..3).prop_map(|(m, s)| Value::Number(Decimal::new(m * 10i64.pow(s), s))),
        "[ab]{1,2}".prop_map(|s| Value::text(&s)),
        (0u32..2, 0u32..3).prop_map(|(e, v)| Value::Enum(e, v)),
    ]
}

/// A key: a scalar, or a composite key of two scalars.
fn key() -> impl Strategy<Value = Value> {
    prop_oneof![
        scalar(),
        (scalar(), scalar()).prop_map(|(a, b)| Value::Record(Arc::from(vec![a, b]))),
    ]
}

/// A table variant over `keys` as the compiler builds one: the index gives each key's first
/// row (a data file's rows valid in time repeat a key).
fn variant(keys: Vec<Value>) -> TableVariant {
    let mut index = KeyIndex::default();
    let mut rows = Vec::new();
    for (i, key) in keys.into_iter().enumerate() {
        if let Some(k) = KeyValue::of(&key) {
            index.entry(k).or_insert(i);
        }
        rows.push((key, Expr::Const(Value::Number(Decimal::from(i)))));
    }
    TableVariant {
        effective: None,
        rows,
        index,
        patterns: Vec::new(),
        default: None,
        validity: Vec::new(),
    }
}

proptest! {
    /// A small table's rows searched one by one give the row its index gives, for every key.
    #[test]
    fn scanning_a_small_table_finds_the_indexed_row(
        keys in prop::collection::vec(key(), 0..=SCANNED_ROWS),
        probes in prop::collection::vec(key(), 1..8),
    ) {
        let variant = variant(keys.clone());
        for probe in keys.iter().chain(&probes) {
            prop_assert_eq!(
                variant.scanned_row(probe.into()),
                variant.indexed_row(probe.into()),
                "{:?}",
                probe
            );
        }
    }

    /// A composite key's components, as a lookup evaluates them, find the row the record of
    /// them finds: row by row, through the index, and among rows valid in time.
    #[test]
    fn a_composite_key_finds_its_row_from_its_parts(
        keys in prop::collection::vec(key(), 0..=2 * SCANNED_ROWS),
        probes in prop::collection::vec(key(), 1..8),
    ) {
        let variant = variant(keys.clone());
        let mut timed = variant.clone();
        timed.validity = vec![(None, None); timed.rows.len()];
        let day = chrono::NaiveDate::from_ymd_opt(2026, 8, 3).unwrap_or_default();
        for probe in keys.iter().chain(&probes) {
            let Value::Record(parts) = probe else { continue };
            let (whole, split) = (TableKey::Value(probe), TableKey::Parts(parts));
            prop_assert_eq!(variant.scanned_row(whole), variant.scanned_row(split));
            prop_assert_eq!(variant.indexed_row(whole), variant.indexed_row(split));
            prop_assert_eq!(
                variant.row_of(whole).map(|(k, _)| k),
                variant.row_of(split).map(|(k, _)| k)
            );
            prop_assert_eq!(
                timed.row_on(whole, day).map(std::ptr::from_ref),
                timed.row_on(split, day).map(std::ptr::from_ref)
            );
        }
    }
}

#[test]
fn tables_past_the_scanned_size_use_their_index() {
    let keys: Vec<Value> = (0..=SCANNED_ROWS as i64)
        .map(|i| Value::Number(Decimal::from(i)))
        .collect();
    let table = variant(keys);
    // `16.0` is the key `16`: found by value, whichever way.
    let probe = Value::Number(Decimal::new(160, 1));
    assert_eq!(table.first_row_of(&probe), Some(SCANNED_ROWS));
    assert!(table.row_of(&Value::text("16")).is_none());
}
