//! Where the JSON of a result goes: compact text written straight into bytes, or a
//! `serde_json::Value` tree. Each result shape (`json.rs`, `evaluation.rs`, `approvals.rs`) is
//! written once against [`Sink`], so the two forms always agree; the text is byte for byte what
//! `serde_json::to_string` writes of the tree (property-tested below), without a call through
//! `serde` per key and value.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde_json::{Map, Value as Json};

use crate::num;

/// An object key fixed in the code, with its JSON text (comma first) made at compile time,
/// so a text sink copies it in one piece: `key!("total")`.
pub(crate) struct Key {
    pub name: &'static str,
    /// `,"name":`
    pub text: &'static str,
}

/// The [`Key`] of a name fixed in the code (a name needs no escapes).
macro_rules! key {
    ($name:literal) => {
        &crate::json::sink::Key {
            name: $name,
            text: concat!(",\"", $name, "\":"),
        }
    };
}
pub(crate) use key;

/// The JSON events a result is made of, in document order.
pub(crate) trait Sink {
    fn begin_object(&mut self);
    fn end_object(&mut self);
    fn begin_array(&mut self);
    fn end_array(&mut self);
    /// An object key that may need escapes.
    fn key(&mut self, key: &str);
    /// An object key that is a name (fixed keys, names the grammar allows): copied without an
    /// escape unless it needs one (only a forged artifact's names can).
    fn name_key(&mut self, key: &str);
    /// An object key fixed in the code (see [`key!`]).
    fn fixed_key(&mut self, key: &Key);
    /// A text that may need escapes.
    fn text(&mut self, text: &str);
    /// A text that is a name, a decimal or a date (escaped only if a forged artifact made it
    /// need escapes).
    fn plain(&mut self, text: &str);
    /// A decimal, as a text that keeps its scale (never `-0`).
    fn decimal(&mut self, d: Decimal);
    /// A date, as ISO 8601 text (`2026-03-01`).
    fn date(&mut self, date: NaiveDate);
    fn bool(&mut self, b: bool);
    fn null(&mut self);
    fn unsigned(&mut self, n: u64);
    /// A value whose compact JSON text is known ahead: `text` is what [`to_text`] writes for
    /// `view` (a ruleset's identity, an approval step's `depends_on`). Text is copied in one
    /// piece; a tree is built from the view.
    fn prewritten<V: WriteJson + ?Sized>(&mut self, text: &str, view: &V);
}

/// A view that writes itself as JSON.
pub(crate) trait WriteJson {
    fn write_json<S: Sink>(&self, sink: &mut S);
}

/// The view as a JSON tree.
pub(crate) fn to_tree(view: &(impl WriteJson + ?Sized)) -> Json {
    let mut tree = TreeSink::default();
    view.write_json(&mut tree);
    tree.root.unwrap_or(Json::Null)
}

/// The view as compact JSON text, what `serde_json::to_string(&to_tree(view))` writes.
pub(crate) fn to_text(view: &(impl WriteJson + ?Sized)) -> String {
    to_text_sized(view, 1024)
}

/// [`to_text`] into a buffer of `capacity` bytes to start with (a guess of the text's length:
/// the text is the same whatever it is, only the number of times the buffer grows changes).
pub(crate) fn to_text_sized(view: &(impl WriteJson + ?Sized), capacity: usize) -> String {
    let mut text = TextSink {
        out: Vec::with_capacity(capacity),
        first: true,
    };
    view.write_json(&mut text);
    // Every byte came from a `str` or is ASCII, so this never fails; one check of the whole
    // text costs less than one per decimal would.
    String::from_utf8(text.out)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Compact JSON text, as bytes. A comma goes before every value and key but the first of a
/// container; after a key the value takes no comma.
struct TextSink {
    out: Vec<u8>,
    /// Nothing written yet in the current container, or a key just written.
    first: bool,
}

impl TextSink {
    #[inline]
    fn separate(&mut self) {
        if self.first {
            self.first = false;
        } else {
            self.out.push(b',');
        }
    }
}

impl Sink for TextSink {
    fn begin_object(&mut self) {
        self.separate();
        self.out.push(b'{');
        self.first = true;
    }

    fn end_object(&mut self) {
        self.out.push(b'}');
        self.first = false;
    }

    fn begin_array(&mut self) {
        self.separate();
        self.out.push(b'[');
        self.first = true;
    }

    fn end_array(&mut self) {
        self.out.push(b']');
        self.first = false;
    }

    fn key(&mut self, key: &str) {
        self.separate();
        write_text(&mut self.out, key);
        self.out.push(b':');
        self.first = true;
    }

    #[inline]
    fn fixed_key(&mut self, key: &Key) {
        // Each branch copies a slice of a length known where the key is: no call to copy it.
        let text = key.text.as_bytes();
        if self.first {
            self.out
                .extend_from_slice(text.get(1..).unwrap_or_default());
        } else {
            self.out.extend_from_slice(text);
        }
        self.first = true;
    }

    // Inlined: names are short, whose copy then needs no call. A name the compiler made never
    // needs an escape, but one read from a forged artifact might: it is escaped, never copied
    // into the JSON as it is.
    #[inline]
    fn name_key(&mut self, key: &str) {
        if needs_escape(key.as_bytes()) {
            return self.key(key);
        }
        self.separate();
        self.out.reserve(key.len() + 3);
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.first = true;
    }

    fn text(&mut self, text: &str) {
        self.separate();
        write_text(&mut self.out, text);
    }

    #[inline]
    fn plain(&mut self, text: &str) {
        // As for `name_key`: plain unless read from a forged artifact.
        self.separate();
        write_text(&mut self.out, text);
    }

    #[inline]
    fn decimal(&mut self, d: Decimal) {
        self.separate();
        let mut buf = [0u8; num::DECIMAL_TEXT_LEN];
        quoted(&mut self.out, num::decimal_bytes(d, &mut buf));
    }

    #[inline]
    fn date(&mut self, date: NaiveDate) {
        self.separate();
        match iso_date_digits(date) {
            Some(digits) => quoted(&mut self.out, &digits),
            None => write_text(&mut self.out, &iso_date(date)),
        }
    }

    fn bool(&mut self, b: bool) {
        self.separate();
        self.out
            .extend_from_slice(if b { b"true".as_slice() } else { b"false" });
    }

    fn prewritten<V: WriteJson + ?Sized>(&mut self, text: &str, _view: &V) {
        self.separate();
        self.out.extend_from_slice(text.as_bytes());
    }

    fn null(&mut self) {
        self.separate();
        self.out.extend_from_slice(b"null");
    }

    fn unsigned(&mut self, n: u64) {
        use std::io::Write as _;
        self.separate();
        // Writing to a `Vec` cannot fail.
        let _ = write!(self.out, "{n}");
    }
}

/// A date as ISO 8601 text, as every host writes it (a year past 9999 or before 0 with its sign).
pub(crate) fn iso_date(date: NaiveDate) -> String {
    date.to_string()
}

/// [`iso_date`] as ASCII digits, made without the formatting machinery (or its check that the
/// text is UTF-8), for the four-digit years all business dates have; `None` for others.
fn iso_date_digits(date: NaiveDate) -> Option<[u8; 10]> {
    let year = date.year();
    if !(0..=9999).contains(&year) {
        return None;
    }
    let digit = |n: u32| b'0' + (n % 10) as u8;
    let (year, month, day) = (year.unsigned_abs(), date.month(), date.day());
    Some([
        digit(year / 1000),
        digit(year / 100),
        digit(year / 10),
        digit(year),
        b'-',
        digit(month / 10),
        digit(month),
        b'-',
        digit(day / 10),
        digit(day),
    ])
}

/// `text` between quotes, as it is.
#[inline]
fn quoted(out: &mut Vec<u8>, text: &[u8]) {
    out.reserve(text.len() + 2);
    out.push(b'"');
    out.extend_from_slice(text);
    out.push(b'"');
}

/// A JSON string: copied between quotes when nothing in it needs an escape, else escaped by
/// `serde_json`.
fn write_text(out: &mut Vec<u8>, s: &str) {
    if needs_escape(s.as_bytes()) {
        // Writing to a `Vec` cannot fail.
        let _ = serde_json::to_writer(&mut *out, s);
    } else {
        quoted(out, s.as_bytes());
    }
}

/// Whether a byte is a control character, `"` or `\\` (what JSON strings escape), a word at a
/// time ([`special_bytes`](crate::json::scan::special_bytes)). Short texts, most keys and
/// values, take two overlapping words; the tail of a long one, one last overlapping word.
#[inline]
fn needs_escape(bytes: &[u8]) -> bool {
    use crate::json::scan::{ends_plain_text, special_bytes};
    let word64 = |b: &[u8]| u64::from_le_bytes(b.try_into().unwrap_or([0; 8]));
    let word32 = |b: &[u8]| u32::from_le_bytes(b.try_into().unwrap_or([0; 4]));
    let len = bytes.len();
    if len >= 8 {
        let last = bytes.get(len - 8..).map_or(0, word64);
        bytes
            .chunks_exact(8)
            .fold(special_bytes!(u64, last), |found, chunk| {
                found | special_bytes!(u64, word64(chunk))
            })
            != 0
    } else if len >= 4 {
        let first = bytes.get(..4).map_or(0, word32);
        let last = bytes.get(len - 4..).map_or(0, word32);
        special_bytes!(u32, first) | special_bytes!(u32, last) != 0
    } else {
        bytes.iter().copied().any(ends_plain_text)
    }
}

/// A `serde_json::Value` tree: open containers on a stack, each with the key it goes under.
#[derive(Default)]
struct TreeSink {
    stack: Vec<(Json, Option<String>)>,
    key: Option<String>,
    root: Option<Json>,
}

impl TreeSink {
    fn put(&mut self, value: Json) {
        match self.stack.last_mut() {
            Some((Json::Object(map), _)) => {
                map.insert(self.key.take().unwrap_or_default(), value);
            }
            Some((Json::Array(items), _)) => items.push(value),
            _ => self.root = Some(value),
        }
    }

    fn open(&mut self, container: Json) {
        let key = self.key.take();
        self.stack.push((container, key));
    }

    fn close(&mut self) {
        if let Some((container, key)) = self.stack.pop() {
            self.key = key;
            self.put(container);
        }
    }
}

impl Sink for TreeSink {
    fn begin_object(&mut self) {
        self.open(Json::Object(Map::new()));
    }

    fn end_object(&mut self) {
        self.close();
    }

    fn begin_array(&mut self) {
        self.open(Json::Array(Vec::new()));
    }

    fn end_array(&mut self) {
        self.close();
    }

    fn key(&mut self, key: &str) {
        self.key = Some(key.to_string());
    }

    fn name_key(&mut self, key: &str) {
        self.key(key);
    }

    fn fixed_key(&mut self, key: &Key) {
        self.key(key.name);
    }

    fn text(&mut self, text: &str) {
        self.put(Json::String(text.to_string()));
    }

    fn plain(&mut self, text: &str) {
        self.text(text);
    }

    fn decimal(&mut self, d: Decimal) {
        self.put(Json::String(num::to_string(d)));
    }

    fn date(&mut self, date: NaiveDate) {
        self.put(Json::String(iso_date(date)));
    }

    fn bool(&mut self, b: bool) {
        self.put(Json::Bool(b));
    }

    fn null(&mut self) {
        self.put(Json::Null);
    }

    fn unsigned(&mut self, n: u64) {
        self.put(Json::from(n));
    }

    fn prewritten<V: WriteJson + ?Sized>(&mut self, _text: &str, view: &V) {
        view.write_json(self);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A JSON tree written as it is (numbers as unsigned integers), to hold the two sinks to
    /// `serde_json`.
    struct Tree<'a>(&'a Json);

    impl WriteJson for Tree<'_> {
        fn write_json<S: Sink>(&self, sink: &mut S) {
            match self.0 {
                Json::Null => sink.null(),
                Json::Bool(b) => sink.bool(*b),
                Json::Number(n) => sink.unsigned(n.as_u64().unwrap_or_default()),
                Json::String(s) => sink.text(s),
                Json::Array(items) => {
                    sink.begin_array();
                    for item in items {
                        Tree(item).write_json(sink);
                    }
                    sink.end_array();
                }
                Json::Object(map) => {
                    sink.begin_object();
                    for (key, value) in map {
                        sink.key(key);
                        Tree(value).write_json(sink);
                    }
                    sink.end_object();
                }
            }
        }
    }

    /// JSON trees with unsigned integers and texts that need every kind of escape.
    fn tree() -> impl Strategy<Value = Json> {
        let text = prop_oneof![
            "[a-z_]{0,12}",
            any::<String>(),
            proptest::collection::vec(0u32..0x80, 0..8).prop_map(|cs| cs
                .into_iter()
                .filter_map(char::from_u32)
                .collect::<String>()),
        ];
        let leaf = prop_oneof![
            Just(Json::Null),
            any::<bool>().prop_map(Json::Bool),
            any::<u64>().prop_map(Json::from),
            text.clone().prop_map(Json::String),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Json::Array),
                proptest::collection::vec((text.clone(), inner), 0..6)
                    .prop_map(|fields| Json::Object(fields.into_iter().collect())),
            ]
        })
    }

    /// Names, decimals and dates as plain texts and name keys, beside a text with escapes.
    struct Plain<'a> {
        name: &'a str,
        value: &'a str,
        amount: Decimal,
    }

    impl WriteJson for Plain<'_> {
        fn write_json<S: Sink>(&self, sink: &mut S) {
            sink.begin_object();
            sink.name_key(self.name);
            sink.begin_array();
            sink.plain(self.value);
            sink.decimal(self.amount);
            sink.text("tab\there \"quoted\" ünï");
            sink.end_array();
            sink.name_key("Empty");
            sink.begin_object();
            sink.end_object();
            sink.end_object();
        }
    }

    proptest! {
        #[test]
        fn escapes_are_found_wherever_they_are(
            prefix in "[a-zA-Z0-9 ~é]{0,20}",
            bad in prop_oneof![0u8..0x20, Just(b'"'), Just(b'\\')],
            suffix in "[a-zA-Z0-9 ~é]{0,20}",
        ) {
            let clean = format!("{prefix}{suffix}");
            prop_assert!(!needs_escape(clean.as_bytes()));
            let dirty = format!("{prefix}{}{suffix}", char::from(bad));
            prop_assert!(needs_escape(dirty.as_bytes()));
        }

        #[test]
        fn the_tree_is_the_value_and_the_text_is_serde_jsons(value in tree()) {
            prop_assert_eq!(&to_tree(&Tree(&value)), &value);
            prop_assert_eq!(to_text(&Tree(&value)), serde_json::to_string(&value).unwrap_or_default());
        }

        #[test]
        fn plain_texts_are_texts(
            name in "[a-z_][a-z0-9_.]{0,12}",
            value in "[a-zA-Z0-9_.:-]{0,20}",
            mantissa in any::<i64>(),
            scale in 0u32..=28,
        ) {
            let amount = Decimal::new(mantissa, scale);
            let view = Plain { name: &name, value: &value, amount };
            let tree = to_tree(&view);
            prop_assert_eq!(
                &tree,
                &serde_json::json!({
                    name.clone(): [value.clone(), num::to_string(amount), "tab\there \"quoted\" ünï"],
                    "Empty": {}
                })
            );
            prop_assert_eq!(to_text(&view), serde_json::to_string(&tree).unwrap_or_default());
        }
    }
}
