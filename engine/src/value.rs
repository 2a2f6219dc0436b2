//! Run-time values. Every number is a `rust_decimal::Decimal`; `Unknown` is the third truth
//! value used by partial evaluation (the configurator): a value the user has not chosen yet.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::num;
use crate::types::EnumId;

/// A run-time value.
///
/// The tag is a whole `u32`, so every payload starts on a four-byte boundary: with a one-byte
/// tag, a copied value's first payload bytes are moved in two overlapping words, and reading
/// them back stalls the processor's store forwarding (seen as a hot spot in the evaluator).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum Value {
    /// `true` or `false`.
    Bool(bool),
    /// Int, Decimal and Percent values alike.
    Number(Decimal),
    /// A text: an input text, a literal or an interpolated string.
    Text(#[serde(deserialize_with = "shared::arc_str")] Arc<str>),
    /// A calendar date (`2026-03-01`), without a time zone.
    Date(#[serde(deserialize_with = "shared::date")] NaiveDate),
    /// An instant in UTC (`2026-03-01T09:00:00Z`).
    DateTime(#[serde(deserialize_with = "shared::instant")] DateTime<Utc>),
    /// A duration in whole seconds.
    Duration(i64),
    /// An enum value: the enum and the index of the value in declaration order.
    Enum(EnumId, u32),
    /// Field values in the record type's declaration order.
    Record(#[serde(deserialize_with = "shared::arc_slice")] Arc<[Value]>),
    /// `List<T>` elements, in order.
    List(#[serde(deserialize_with = "shared::arc_slice")] Arc<[Value]>),
    /// A set of enum values, as sorted, distinct value indexes (so sets iterate in declaration order).
    Set(
        EnumId,
        #[serde(deserialize_with = "shared::arc_slice")] Arc<[u32]>,
    ),
    /// A set of which only some members are known (partial evaluation): these are in, whether
    /// any other value is in is unknown.
    PartialSet(
        EnumId,
        #[serde(deserialize_with = "shared::arc_slice")] Arc<[u32]>,
    ),
    /// `none`: an optional that has no value.
    None,
    /// Not known yet (partial evaluation only).
    Unknown,
}

impl Value {
    /// A [`Value::Text`] from a string slice.
    pub fn text(s: &str) -> Value {
        Value::Text(Arc::from(s))
    }

    /// Whether this is [`Value::Unknown`] itself (not whether it contains one).
    pub fn is_unknown(&self) -> bool {
        matches!(self, Value::Unknown)
    }

    /// The boolean, or `None` when this is not a `Bool`.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The exact decimal, or `None` when this is not a `Number`.
    pub fn as_number(&self) -> Option<Decimal> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// Builds a set from value indexes in any order, with duplicates removed.
    pub fn set(enum_id: EnumId, mut members: Vec<u32>) -> Value {
        members.sort_unstable();
        members.dedup();
        Value::Set(enum_id, Arc::from(members))
    }

    /// [`Value::set`] of members gathered in place (an input's set): allocated once when the
    /// members are distinct, as they mostly are.
    pub fn set_of(enum_id: EnumId, members: &mut [u32]) -> Value {
        members.sort_unstable();
        if members.windows(2).any(|pair| pair.first() == pair.last()) {
            return Value::set(enum_id, members.to_vec());
        }
        Value::Set(enum_id, Arc::from(&*members))
    }

    /// Whether this value or anything inside it is unknown.
    pub fn contains_unknown(&self) -> bool {
        match self {
            Value::Unknown | Value::PartialSet(..) => true,
            Value::Record(items) | Value::List(items) => items.iter().any(Value::contains_unknown),
            _ => false,
        }
    }
}

/// Equality as `==` sees it: numbers by value, `none` equal only to `none`.
pub fn values_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => num::cmp(*x, *y).is_eq(),
        // The kinds rules compare most, without the general comparison's dispatch.
        (Value::Enum(e, x), Value::Enum(f, y)) => x == y && e == f,
        (Value::Text(x), Value::Text(y)) => x == y,
        _ => a == b,
    }
}

/// The order of two values of one ordered kind: numbers by value, dates, instants and durations
/// in time, texts by Unicode scalar values; `None` for values that have no order between them.
pub fn order(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    Some(match (a, b) {
        (Value::Number(x), Value::Number(y)) => num::cmp(*x, *y),
        (Value::Date(x), Value::Date(y)) => x.cmp(y),
        (Value::DateTime(x), Value::DateTime(y)) => x.cmp(y),
        (Value::Duration(x), Value::Duration(y)) => x.cmp(y),
        (Value::Text(x), Value::Text(y)) => x.cmp(y),
        _ => return None,
    })
}

/// Deserialisers of shared texts and slices that allocate once: serde's own read an
/// `Arc<str>` into a `String` and an `Arc<[T]>` into a `Vec` first, then copy it into the
/// `Arc`'s allocation, an allocation, a copy and a free more per text and per record of a
/// loaded artifact (a large decision table has several per row).
pub(crate) mod shared {
    use std::fmt;
    use std::marker::PhantomData;
    use std::sync::Arc;

    use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};
    use smallvec::SmallVec;

    /// An `Arc<str>`, built straight from the text the deserialiser lends.
    pub fn arc_str<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
        struct Text;
        impl Visitor<'_> for Text {
            type Value = Arc<str>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Arc<str>, E> {
                Ok(Arc::from(s))
            }
        }
        d.deserialize_str(Text)
    }

    /// An `Arc<[T]>`, its elements gathered on the stack (records and most lists are short)
    /// and then cloned into the one allocation (a clone of a value is a copy or a count).
    pub fn arc_slice<'de, D, T>(d: D) -> Result<Arc<[T]>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de> + Clone,
    {
        struct Elements<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de> + Clone> Visitor<'de> for Elements<T> {
            type Value = Arc<[T]>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Arc<[T]>, A::Error> {
                let mut elements: SmallVec<[T; 8]> = SmallVec::new();
                while let Some(element) = seq.next_element()? {
                    elements.push(element);
                }
                Ok(Arc::from(elements.as_slice()))
            }
        }
        d.deserialize_seq(Elements(PhantomData))
    }

    /// A `Vec<T>` of exactly its length when short: serde's own grows from four elements,
    /// which for the one value of most decision cells (`OneOf`) is three unused expressions
    /// each, tens of megabytes for a table of 100k rows, all of it paged in on load.
    pub fn exact_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        struct Elements<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Elements<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                let mut elements: SmallVec<[T; 4]> = SmallVec::new();
                while let Some(element) = seq.next_element()? {
                    elements.push(element);
                }
                // Moved into a vector of their number (`collect` would still round up to four).
                let mut exact = Vec::with_capacity(elements.len());
                exact.extend(elements);
                Ok(exact)
            }
        }
        d.deserialize_seq(Elements(PhantomData))
    }

    /// A date as the engine writes it, read by [`crate::date_text::read`] rather than chrono's
    /// text parser (which the engine needs nowhere else, and which WebAssembly would carry).
    pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<chrono::NaiveDate, D::Error> {
        DateText::deserialize(d).map(|DateText(date)| date)
    }

    /// An optional [`date`].
    pub fn optional_date<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<chrono::NaiveDate>, D::Error> {
        Ok(Option::<DateText>::deserialize(d)?.map(|DateText(date)| date))
    }

    /// A list of [`date`]s.
    pub fn dates<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<chrono::NaiveDate>, D::Error> {
        Ok(Vec::<DateText>::deserialize(d)?
            .into_iter()
            .map(|DateText(date)| date)
            .collect())
    }

    /// Periods of validity: from one optional date to another.
    type Periods = Vec<(Option<chrono::NaiveDate>, Option<chrono::NaiveDate>)>;

    /// A list of periods: pairs of optional [`date`]s.
    pub fn periods<'de, D: Deserializer<'de>>(d: D) -> Result<Periods, D::Error> {
        Ok(Vec::<(Option<DateText>, Option<DateText>)>::deserialize(d)?
            .into_iter()
            .map(|(from, to)| (from.map(|DateText(d)| d), to.map(|DateText(d)| d)))
            .collect())
    }

    /// An instant as the engine writes it (RFC 3339 in UTC, `2026-03-01T09:00:00Z`), and one
    /// of a year beyond 9999 as chrono writes it (`+10000-01-01T00:00:00Z`), which RFC 3339
    /// has no room for.
    pub fn instant<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<chrono::DateTime<chrono::Utc>, D::Error> {
        struct Instant;
        impl Visitor<'_> for Instant {
            type Value = chrono::DateTime<chrono::Utc>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 instant")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
                instant_text(s).ok_or_else(|| E::custom(format!("\"{s}\" is not an instant")))
            }
        }
        d.deserialize_str(Instant)
    }

    fn instant_text(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
        if let Some(t) = crate::date_text::read_instant(s) {
            return Some(t);
        }
        // A signed year: the date by the engine's reader, the time of day and offset by RFC
        // 3339's on a stand-in date.
        let (day, time) = s.split_at(s.find('T')?);
        let day = crate::date_text::read(day)?;
        let clock = crate::date_text::read_instant(&format!("2000-01-01{time}"))?;
        let stand_in = chrono::NaiveDate::from_ymd_opt(2000, 1, 1)?;
        let shift = day.signed_duration_since(stand_in);
        clock.checked_add_signed(shift)
    }

    /// A date read by [`crate::date_text::read`], for the containers above.
    struct DateText(chrono::NaiveDate);

    impl<'de> Deserialize<'de> for DateText {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<DateText, D::Error> {
            struct Text;
            impl Visitor<'_> for Text {
                type Value = DateText;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a date YYYY-MM-DD")
                }
                fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<DateText, E> {
                    crate::date_text::read(s)
                        .map(DateText)
                        .ok_or_else(|| E::custom(format!("\"{s}\" is not a date (YYYY-MM-DD)")))
                }
            }
            d.deserialize_str(Text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Dates and instants in an artifact are read back by the engine's own readers as chrono
    /// wrote them, years outside 0–9999 included; other spellings are refused.
    #[test]
    fn dates_and_instants_round_trip_through_serde() {
        let instant = |text: &str| {
            DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default()
        };
        let far = NaiveDate::from_ymd_opt(10_000, 1, 2)
            .and_then(|d| d.and_hms_nano_opt(3, 4, 5, 6_000_000))
            .map(|t| t.and_utc())
            .unwrap_or_default();
        let values = [
            Value::Date(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap_or_default()),
            Value::Date(NaiveDate::from_ymd_opt(-1, 12, 31).unwrap_or_default()),
            Value::Date(NaiveDate::from_ymd_opt(10_000, 1, 1).unwrap_or_default()),
            Value::DateTime(instant("2026-03-01T09:00:00Z")),
            Value::DateTime(instant("2026-03-01T09:00:00.123456789Z")),
            Value::DateTime(far),
        ];
        for value in values {
            let text = serde_json::to_string(&value).unwrap_or_default();
            let back: Result<Value, _> = serde_json::from_str(&text);
            assert_eq!(back.ok(), Some(value), "{text}");
        }
        for text in [r#"{"Date":"2026-3-1"}"#, r#"{"DateTime":"2026-03-01"}"#] {
            assert!(serde_json::from_str::<Value>(text).is_err(), "{text}");
        }
    }

    /// Values are moved and copied everywhere in the evaluator: keep them three words, and
    /// `Option<Value>` (the memo) no larger.
    #[test]
    fn values_stay_three_words() {
        assert_eq!(std::mem::size_of::<Value>(), 24);
        assert_eq!(std::mem::size_of::<Option<Value>>(), 24);
    }

    #[test]
    fn sets_gathered_in_place_are_sets() {
        for members in [vec![], vec![3], vec![4, 1, 2], vec![2, 2, 1, 2], vec![0, 0]] {
            let mut gathered = members.clone();
            assert_eq!(Value::set_of(7, &mut gathered), Value::set(7, members));
        }
    }

    /// Values read back through the shared deserialisers are the values written, escapes
    /// and nesting included.
    #[test]
    fn shared_values_read_back_as_written() {
        let text = Value::text("a \"quoted\" \\ line\n");
        let values = vec![
            text.clone(),
            Value::Record(Arc::from(vec![
                Value::Number(Decimal::new(15, 1)),
                text.clone(),
            ])),
            Value::List(Arc::from((0..20).map(Value::Duration).collect::<Vec<_>>())),
            Value::List(Arc::from([])),
            Value::Record(Arc::from([Value::List(Arc::from([text, Value::None]))])),
            Value::set(2, vec![3, 1]),
            Value::PartialSet(1, Arc::from([0, 4])),
        ];
        for value in values {
            let json = serde_json::to_string(&value).unwrap_or_default();
            let back: Value = serde_json::from_str(&json).unwrap_or(Value::Unknown);
            assert_eq!(back, value, "{json}");
        }
    }
}
