//! Results as compact JSON text, written straight into a `String` by a small `serde`
//! serializer: the same text `serde_json::to_string` writes, faster for what results are made
//! of (short keys and values that need no escape are copied as they are, no UTF-8 check of
//! the whole text at the end).
//!
//! `serde_json` stays the reference: a string that needs escapes and every float are written by
//! it, and anything this writer does not know (bytes, keys that are not texts or integers,
//! `serde_json`'s own number and raw-value tokens) makes it give up, and the whole value is
//! written by `serde_json` instead. Property tests hold the two to the same bytes.

use std::fmt::{self, Write as _};

use serde::Serialize;
use serde::ser::{self, Impossible};

/// The ten integer methods of a serializer, each handing its value to `self.$write`.
macro_rules! integers {
    ($write:ident) => {
        integers!(@each $write:
            serialize_i8 i8, serialize_i16 i16, serialize_i32 i32, serialize_i64 i64,
            serialize_i128 i128, serialize_u8 u8, serialize_u16 u16, serialize_u32 u32,
            serialize_u64 u64, serialize_u128 u128);
    };
    (@each $write:ident: $($method:ident $int:ty),*) => {
        $(
            fn $method(self, v: $int) -> Result<(), GiveUp> {
                self.$write(v)
            }
        )*
    };
}

/// A `Compound` as an array of one of serde's kinds: each item an element.
macro_rules! elements {
    ($kind:ident, $method:ident) => {
        impl ser::$kind for Compound<'_> {
            type Ok = ();
            type Error = GiveUp;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), GiveUp> {
                self.element(value)
            }

            fn end(self) -> Result<(), GiveUp> {
                Compound::end(self)
            }
        }
    };
}

/// A `Compound` as an object of one of serde's struct kinds: each field a key and a value.
macro_rules! fields {
    ($kind:ident) => {
        impl ser::$kind for Compound<'_> {
            type Ok = ();
            type Error = GiveUp;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), GiveUp> {
                self.field(key, value)
            }

            fn end(self) -> Result<(), GiveUp> {
                Compound::end(self)
            }
        }
    };
}

/// The value as compact JSON text, byte for byte what `serde_json::to_string` writes.
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = String::with_capacity(1024);
    match value.serialize(Writer {
        out: &mut out,
        plain: false,
    }) {
        Ok(()) => out,
        // The views have text keys only, so this cannot fail; `null` stands for the
        // impossible failure rather than a panic.
        Err(GiveUp) => serde_json::to_string(value).unwrap_or_else(|_| "null".to_string()),
    }
}

/// The name of the newtype [`Plain`] serialises as, which this writer recognises.
const PLAIN: &str = "$ordo::plain";

/// A text known to need no escape in JSON: a name the grammar allows, a decimal, a fixed key.
/// This writer copies it between quotes without looking at it; to every other serializer it
/// is the text itself (serde's newtypes are transparent).
#[derive(Clone, Copy)]
pub(crate) struct Plain<'a>(pub &'a str);

impl Serialize for Plain<'_> {
    fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(PLAIN, self.0)
    }
}

/// Object fields whose keys are fixed names: `map.field("id", &value)`.
pub(crate) trait Fields: ser::SerializeMap {
    fn field<V: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &V,
    ) -> Result<(), Self::Error> {
        self.serialize_entry(&Plain(key), value)
    }
}

impl<M: ser::SerializeMap> Fields for M {}

/// Something this writer leaves to `serde_json`.
#[derive(Debug)]
pub(crate) struct GiveUp;

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("left to serde_json")
    }
}

impl std::error::Error for GiveUp {}

impl ser::Error for GiveUp {
    fn custom<M: fmt::Display>(_: M) -> Self {
        GiveUp
    }
}

/// A JSON string: copied between quotes when nothing in it needs an escape, else escaped by
/// `serde_json`.
#[inline]
fn write_str(out: &mut String, s: &str) {
    if needs_escape(s.as_bytes()) {
        out.push_str(&serde_json::to_string(s).unwrap_or_default());
    } else {
        out.reserve(s.len() + 2);
        out.push('"');
        out.push_str(s);
        out.push('"');
    }
}

/// A [`Plain`] text between quotes.
#[inline]
fn write_plain(out: &mut String, s: &str) {
    debug_assert!(!needs_escape(s.as_bytes()), "{s:?} is not plain");
    out.reserve(s.len() + 2);
    out.push('"');
    out.push_str(s);
    out.push('"');
}

/// Whether a byte is a control character, `"` or `\\` (what JSON strings escape), a word at a
/// time: the classic "has a byte less than n" word test (exact as a yes/no answer), for `0x20`,
/// and for zero after `"` and `\\` are xor-ed away. Short texts, most keys and values, take two
/// overlapping words; the tail of a long one, one last overlapping word.
#[inline]
fn needs_escape(bytes: &[u8]) -> bool {
    macro_rules! special {
        ($t:ty, $w:expr) => {{
            const ONES: $t = <$t>::MAX / 0xff;
            const HIGH: $t = ONES * 0x80;
            let w: $t = $w;
            let below = |v: $t, n: $t| v.wrapping_sub(ONES * n) & !v;
            (below(w, 0x20) | below(w ^ (ONES * 0x22), 1) | below(w ^ (ONES * 0x5c), 1)) & HIGH != 0
        }};
    }
    let word64 = |b: &[u8]| u64::from_ne_bytes(b.try_into().unwrap_or([0; 8]));
    let word32 = |b: &[u8]| u32::from_ne_bytes(b.try_into().unwrap_or([0; 4]));
    let len = bytes.len();
    if len >= 8 {
        let last = bytes.get(len - 8..).map_or(0, word64);
        bytes
            .chunks_exact(8)
            .fold(special!(u64, last), |found, chunk| {
                found | special!(u64, word64(chunk))
            })
    } else if len >= 4 {
        let first = bytes.get(..4).map_or(0, word32);
        let last = bytes.get(len - 4..).map_or(0, word32);
        special!(u32, first) | special!(u32, last)
    } else {
        bytes.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\')
    }
}

/// Anything `serde_json` writes as a plain scalar, written by it.
fn write_by_serde_json<T: Serialize>(out: &mut String, value: T) -> Result<(), GiveUp> {
    out.push_str(&serde_json::to_string(&value).map_err(|_| GiveUp)?);
    Ok(())
}

fn write_display(out: &mut String, value: impl fmt::Display) -> Result<(), GiveUp> {
    write!(out, "{value}").map_err(|_| GiveUp)
}

struct Writer<'a> {
    out: &'a mut String,
    /// The text this writer is given is [`Plain`]: no escape check.
    plain: bool,
}

/// An array or object being written: a comma before every item but the first, `close` at
/// the end (`]`, `}`, or `]}` / `}}` for enum variants wrapped in an object).
struct Compound<'a> {
    out: &'a mut String,
    first: bool,
    close: &'static str,
}

impl Compound<'_> {
    fn comma(&mut self) {
        if self.first {
            self.first = false;
        } else {
            self.out.push(',');
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), GiveUp> {
        self.comma();
        value.serialize(Writer {
            out: self.out,
            plain: false,
        })
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), GiveUp> {
        self.comma();
        write_str(self.out, key);
        self.out.push(':');
        value.serialize(Writer {
            out: self.out,
            plain: false,
        })
    }

    fn end(self) -> Result<(), GiveUp> {
        self.out.push_str(self.close);
        Ok(())
    }
}

impl<'a> Writer<'a> {
    fn integer(self, value: impl fmt::Display) -> Result<(), GiveUp> {
        write_display(self.out, value)
    }

    fn open(self, open: &str, close: &'static str) -> Compound<'a> {
        self.out.push_str(open);
        Compound {
            out: self.out,
            first: true,
            close,
        }
    }

    /// `{"variant":` before a variant's content.
    fn open_variant(self, variant: &str, open: &str, close: &'static str) -> Compound<'a> {
        self.out.push('{');
        write_str(self.out, variant);
        self.out.push(':');
        self.open(open, close)
    }
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = GiveUp;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), GiveUp> {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }

    integers!(integer);

    fn serialize_f32(self, v: f32) -> Result<(), GiveUp> {
        write_by_serde_json(self.out, v)
    }

    fn serialize_f64(self, v: f64) -> Result<(), GiveUp> {
        write_by_serde_json(self.out, v)
    }

    fn serialize_char(self, v: char) -> Result<(), GiveUp> {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_str(self, v: &str) -> Result<(), GiveUp> {
        if self.plain {
            write_plain(self.out, v);
        } else {
            write_str(self.out, v);
        }
        Ok(())
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_none(self) -> Result<(), GiveUp> {
        self.serialize_unit()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), GiveUp> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), GiveUp> {
        self.out.push_str("null");
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), GiveUp> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), GiveUp> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), GiveUp> {
        value.serialize(Self {
            plain: name == PLAIN,
            ..self
        })
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), GiveUp> {
        let out = self.out;
        out.push('{');
        write_str(out, variant);
        out.push(':');
        value.serialize(Writer {
            out: &mut *out,
            plain: false,
        })?;
        out.push('}');
        Ok(())
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>, GiveUp> {
        Ok(self.open("[", "]"))
    }

    fn serialize_tuple(self, _: usize) -> Result<Compound<'a>, GiveUp> {
        Ok(self.open("[", "]"))
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, GiveUp> {
        Ok(self.open("[", "]"))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, GiveUp> {
        Ok(self.open_variant(variant, "[", "]}"))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>, GiveUp> {
        Ok(self.open("{", "}"))
    }

    fn serialize_struct(self, name: &'static str, _: usize) -> Result<Compound<'a>, GiveUp> {
        // serde_json's numbers and raw values travel as structs with private names.
        if name.starts_with("$serde_json::") {
            return Err(GiveUp);
        }
        Ok(self.open("{", "}"))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, GiveUp> {
        Ok(self.open_variant(variant, "{", "}}"))
    }
}

elements!(SerializeSeq, serialize_element);
elements!(SerializeTuple, serialize_element);
elements!(SerializeTupleStruct, serialize_field);
elements!(SerializeTupleVariant, serialize_field);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = GiveUp;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), GiveUp> {
        self.comma();
        key.serialize(KeyWriter {
            out: self.out,
            plain: false,
        })
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), GiveUp> {
        self.out.push(':');
        value.serialize(Writer {
            out: self.out,
            plain: false,
        })
    }

    fn end(self) -> Result<(), GiveUp> {
        Compound::end(self)
    }
}

fields!(SerializeStruct);
fields!(SerializeStructVariant);

/// An object key: texts as they are, integers quoted (as `serde_json` writes them); any other
/// key is left to `serde_json`.
struct KeyWriter<'a> {
    out: &'a mut String,
    /// The key this writer is given is [`Plain`]: no escape check.
    plain: bool,
}

impl KeyWriter<'_> {
    fn quoted(self, value: impl fmt::Display) -> Result<(), GiveUp> {
        write!(self.out, "\"{value}\"").map_err(|_| GiveUp)
    }
}

impl ser::Serializer for KeyWriter<'_> {
    type Ok = ();
    type Error = GiveUp;
    type SerializeSeq = Impossible<(), GiveUp>;
    type SerializeTuple = Impossible<(), GiveUp>;
    type SerializeTupleStruct = Impossible<(), GiveUp>;
    type SerializeTupleVariant = Impossible<(), GiveUp>;
    type SerializeMap = Impossible<(), GiveUp>;
    type SerializeStruct = Impossible<(), GiveUp>;
    type SerializeStructVariant = Impossible<(), GiveUp>;

    fn serialize_str(self, v: &str) -> Result<(), GiveUp> {
        if self.plain {
            write_plain(self.out, v);
        } else {
            write_str(self.out, v);
        }
        Ok(())
    }

    fn serialize_char(self, v: char) -> Result<(), GiveUp> {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), GiveUp> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<(), GiveUp> {
        value.serialize(Self {
            plain: name == PLAIN,
            ..self
        })
    }

    integers!(quoted);

    fn serialize_bool(self, _: bool) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_f32(self, _: f32) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_f64(self, _: f64) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_none(self) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_unit(self) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), GiveUp> {
        Err(GiveUp)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, GiveUp> {
        Err(GiveUp)
    }

    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, GiveUp> {
        Err(GiveUp)
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, GiveUp> {
        Err(GiveUp)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, GiveUp> {
        Err(GiveUp)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, GiveUp> {
        Err(GiveUp)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, GiveUp> {
        Err(GiveUp)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, GiveUp> {
        Err(GiveUp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::json::{Map, Seq};
    use proptest::prelude::*;
    use serde_json::{Value as Json, json};

    /// JSON trees without numbers (serde_json's arbitrary-precision numbers are its own
    /// tokens, which this writer leaves to it), with texts that need every kind of escape.
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
        fn writes_what_serde_json_writes(value in tree()) {
            prop_assert_eq!(to_string(&value), serde_json::to_string(&value).unwrap_or_default());
        }

        #[test]
        fn plain_texts_are_texts_to_every_serializer(
            key in "[a-z_][a-z0-9_.]{0,12}",
            value in "[a-zA-Z0-9_.:-]{0,20}",
        ) {
            let map = Map(std::iter::once((Plain(&key), Seq([Plain(&value)].into_iter()))));
            let expected = json!({ key.clone(): [value.clone()] });
            prop_assert_eq!(to_string(&map), serde_json::to_string(&expected).unwrap_or_default());
            prop_assert_eq!(serde_json::to_string(&map).ok(), serde_json::to_string(&expected).ok());
            prop_assert_eq!(serde_json::to_value(&map).ok(), Some(expected));
        }

        #[test]
        fn integers_and_floats_are_serde_jsons(i in any::<i64>(), u in any::<u64>(), f in any::<f64>()) {
            let value = (i, u, f, i as i128, u as u128);
            prop_assert_eq!(to_string(&value), serde_json::to_string(&value).unwrap_or_default());
        }
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(u8),
        Tuple(u8, bool),
        Struct { side: u8 },
    }

    #[derive(Serialize)]
    struct Mixed {
        name: &'static str,
        shapes: Vec<Shape>,
        keyed: std::collections::BTreeMap<u32, char>,
        missing: Option<u8>,
    }

    #[test]
    fn structs_enums_and_integer_keys_are_serde_jsons() {
        let value = Mixed {
            name: "tab\there \"quoted\" \u{7f} ünï",
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(3),
                Shape::Tuple(1, false),
                Shape::Struct { side: 9 },
            ],
            keyed: [(1, 'a'), (20, '"')].into_iter().collect(),
            missing: None,
        };
        assert_eq!(
            to_string(&value),
            serde_json::to_string(&value).unwrap_or_default()
        );
    }

    #[test]
    fn serde_jsons_own_tokens_are_left_to_it() {
        let value = json!({"n": 12.50, "big": 123456789012345678901234567890u128});
        assert_eq!(
            to_string(&value),
            serde_json::to_string(&value).unwrap_or_default()
        );
        let raw = serde_json::value::to_raw_value(&json!([1, "x"])).unwrap();
        assert_eq!(to_string(&raw), r#"[1,"x"]"#);
    }
}
