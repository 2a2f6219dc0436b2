//! Reading JSON text straight into input values, guided by the schema, without building a JSON
//! tree first: the path every well-formed input takes through `evaluate_str`.
//!
//! This reader only accepts: anything unusual (a syntax error, an unknown or repeated field, a
//! wrong type, a missing input) makes it give up, and the caller reads the text again through
//! [`crate::input::read_input`], which reports every problem with its path. Both readers share
//! the conversions of scalars and absent fields ([`scalar`], [`absent_value`]), so a value they
//! both accept is the same value (a property test holds them to it).

use std::fmt;
use std::sync::Arc;

use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;
use serde_json::value::RawValue;

use crate::input::{
    FieldSpec, RecordFields, absent_value, number, record_fields, scalar, text_scalar,
};
use crate::ir::Program;
use crate::types::Type;
use crate::value::Value;

/// The values of a complete input written as JSON text, or `None` when the text is not a
/// valid input (then read it with [`crate::input::read_input`] for the errors).
pub fn read_input_text(program: &Program, text: &str) -> Option<Arc<[Value]>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let values = RecordSeed {
        program,
        fields: &program.input.fields,
    }
    .deserialize(&mut de)
    .ok()?;
    de.end().ok()?;
    Some(values)
}

/// Gives up: the error text is never shown (the other reader explains).
fn give_up<E: serde::de::Error>() -> E {
    E::custom("not a valid input")
}

/// A JSON object read as the fields of a record, in declaration order.
struct RecordSeed<'a, F> {
    program: &'a Program,
    fields: &'a [F],
}

impl<'de, F: FieldSpec> DeserializeSeed<'de> for RecordSeed<'_, F> {
    type Value = Arc<[Value]>;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Arc<[Value]>, D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de, F: FieldSpec> Visitor<'de> for RecordSeed<'_, F> {
    type Value = Arc<[Value]>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Arc<[Value]>, A::Error> {
        // The record is filled in place, in its one allocation (an iterator of known length
        // lets `Arc` allocate once; it is unique until returned, so it can be written).
        // `Unknown` marks a field not read yet: JSON text never reads as `Unknown`.
        let mut record: Arc<[Value]> = self.fields.iter().map(|_| Value::Unknown).collect();
        let Some(values) = Arc::get_mut(&mut record) else {
            return Err(give_up());
        };
        while let Some(index) = map.next_key_seed(FieldIndex(self.fields))? {
            let (Some(field), Some(slot)) = (self.fields.get(index), values.get_mut(index)) else {
                return Err(give_up());
            };
            if !slot.is_unknown() {
                // A repeated key: the tree reader keeps the last one; let it.
                return Err(give_up());
            }
            let value = map.next_value_seed(FieldSeed {
                program: self.program,
                field,
            })?;
            *slot = match value {
                Some(value) => value,
                // `null` for a field reads as an absent field.
                None => absent_value(field).ok_or_else(give_up)?,
            };
        }
        for (slot, field) in values.iter_mut().zip(self.fields) {
            if slot.is_unknown() {
                *slot = absent_value(field).ok_or_else(give_up)?;
            }
        }
        Ok(record)
    }
}

/// A key: the index of the field it names; an unknown field gives up.
struct FieldIndex<'a, F>(&'a [F]);

impl<'de, F: FieldSpec> DeserializeSeed<'de> for FieldIndex<'_, F> {
    type Value = usize;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<usize, D::Error> {
        de.deserialize_str(self)
    }
}

impl<F: FieldSpec> Visitor<'_> for FieldIndex<'_, F> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<usize, E> {
        self.0
            .iter()
            .position(|f| f.name() == key)
            .ok_or_else(give_up)
    }
}

/// A field's value: `None` for `null` (which reads as an absent field).
struct FieldSeed<'a, F> {
    program: &'a Program,
    field: &'a F,
}

impl<'de, F: FieldSpec> DeserializeSeed<'de> for FieldSeed<'_, F> {
    type Value = Option<Value>;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Option<Value>, D::Error> {
        de.deserialize_option(self)
    }
}

impl<'de, F: FieldSpec> Visitor<'de> for FieldSeed<'_, F> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Option<Value>, E> {
        Ok(None)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Option<Value>, E> {
        Ok(None)
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, de: D) -> Result<Option<Value>, D::Error> {
        ValueSeed {
            program: self.program,
            field: self.field,
            ty: self.field.ty(),
        }
        .deserialize(de)
        .map(Some)
    }
}

/// A value of type `ty` that is not `null`, read for `field` (whose nested fields a record
/// input uses).
struct ValueSeed<'a, F> {
    program: &'a Program,
    field: &'a F,
    ty: &'a Type,
}

impl<'de, F: FieldSpec> DeserializeSeed<'de> for ValueSeed<'_, F> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        let program = self.program;
        match self.ty {
            Type::Optional(inner) => ValueSeed {
                program,
                field: self.field,
                ty: inner,
            }
            .deserialize(de),
            Type::Record(record) => {
                let values = match record_fields(self.field, self.ty, record) {
                    RecordFields::Declared(fields) => {
                        RecordSeed { program, fields }.deserialize(de)?
                    }
                    RecordFields::Plain(fields) => {
                        RecordSeed { program, fields }.deserialize(de)?
                    }
                };
                Ok(Value::Record(values))
            }
            Type::List(elem) => de.deserialize_seq(ListSeed {
                program,
                field: self.field,
                elem,
            }),
            Type::Set(id) => de.deserialize_seq(SetSeed { program, id: *id }),
            Type::Int | Type::Decimal | Type::Percent => {
                // The number exactly as written (a JSON number, or a string holding one),
                // read in place: no float, no copy.
                let raw = <&RawValue as serde::Deserialize>::deserialize(de)?;
                let text = raw.get();
                let text = match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
                    // A string with escapes is left to the tree reader.
                    Some(inner) if inner.contains('\\') => return Err(give_up()),
                    Some(inner) => inner,
                    None => text,
                };
                number(self.ty, text).ok_or_else(give_up)
            }
            Type::Bool => {
                let json = <Json as serde::Deserialize>::deserialize(de)?;
                scalar(program, self.ty, &json).ok_or_else(give_up)
            }
            ty => de.deserialize_str(TextScalar { program, ty }),
        }
    }
}

/// A text read as a text, date, date-time, duration or enum value.
struct TextScalar<'a> {
    program: &'a Program,
    ty: &'a Type,
}

impl Visitor<'_> for TextScalar<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a text")
    }

    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Value, E> {
        text_scalar(self.program, self.ty, s).ok_or_else(give_up)
    }
}

/// A list; `null` items only where the element type is optional.
struct ListSeed<'a, F> {
    program: &'a Program,
    field: &'a F,
    elem: &'a Type,
}

impl<'de, F: FieldSpec> Visitor<'de> for ListSeed<'_, F> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        // JSON text gives no length: room for a typical list from the start.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(8));
        while let Some(item) = seq.next_element_seed(ItemSeed {
            program: self.program,
            field: self.field,
            elem: self.elem,
        })? {
            items.push(item);
        }
        Ok(Value::List(Arc::from(items)))
    }
}

struct ItemSeed<'a, F> {
    program: &'a Program,
    field: &'a F,
    elem: &'a Type,
}

impl<'de, F: FieldSpec> DeserializeSeed<'de> for ItemSeed<'_, F> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        de.deserialize_option(self)
    }
}

impl<'de, F: FieldSpec> Visitor<'de> for ItemSeed<'_, F> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list item")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Value, E> {
        if self.elem.is_optional() {
            Ok(Value::None)
        } else {
            Err(give_up())
        }
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        self.visit_none()
    }

    fn visit_some<D: serde::Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        ValueSeed {
            program: self.program,
            field: self.field,
            ty: self.elem,
        }
        .deserialize(de)
    }
}

/// A set of enum values, written as a list of their names.
struct SetSeed<'a> {
    program: &'a Program,
    id: u32,
}

impl<'de> Visitor<'de> for SetSeed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of enum values")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let ty = Type::Enum(self.id);
        let mut members = smallvec::SmallVec::<[u32; 16]>::new();
        while let Some(member) = seq.next_element_seed(TextSeed {
            program: self.program,
            ty: &ty,
        })? {
            match member {
                Value::Enum(_, index) => members.push(index),
                _ => return Err(A::Error::custom("not an enum value")),
            }
        }
        Ok(Value::set_of(self.id, &mut members))
    }
}

struct TextSeed<'a> {
    program: &'a Program,
    ty: &'a Type,
}

impl<'de> DeserializeSeed<'de> for TextSeed<'_> {
    type Value = Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        de.deserialize_str(TextScalar {
            program: self.program,
            ty: self.ty,
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;
    use crate::api::Ruleset;
    use crate::input::{Absent, read_input};

    const SCHEMA: &str = r#"ruleset readers version "1.0.0"

enum Color { red, green, blue }

input {
  flag: Bool = false
  count: Int
  amount: Decimal
  rate: Percent = 5%
  name: Text?
  day: Date?
  at: DateTime?
  wait: Duration?
  color: Color = red
  colors: Set<Color> = {}
  lines: List<{ sku: Text, qty: Int, note: Text? }> = []
  maybe: List<Int?> = []
  ship: {
    country: Text = "DE"
    express: Bool = false
  }
}

output n = count
"#;

    fn program() -> Ruleset {
        Ruleset::compile(SCHEMA).unwrap()
    }

    /// The tree reader's values or rendered errors (`None`: not JSON at all).
    type TreeRead = Option<Result<Vec<Value>, String>>;

    /// Both readers on one text: the tree reader's values (or errors), and the text reader's
    /// values when it accepts the text.
    fn both(ruleset: &Ruleset, text: &str) -> (TreeRead, Option<Vec<Value>>) {
        let program = ruleset.program();
        let tree = serde_json::from_str::<Json>(text)
            .ok()
            .map(|json| read_input(program, &json, Absent::Complete).map_err(|e| e.render()));
        (
            tree,
            read_input_text(program, text).map(|values| values.to_vec()),
        )
    }

    #[test]
    fn valid_inputs_are_read_from_text_alike() {
        let ruleset = program();
        let text = r#"{"count": 3, "amount": "12.50", "rate": "12%", "name": "a\"b",
            "day": "2026-02-01", "at": "2026-03-01T09:00:00Z", "wait": "P2DT3H",
            "colors": ["blue", "red", "blue"], "lines": [{"sku": "X", "qty": 2}],
            "maybe": [1, null], "ship": {"express": true}, "flag": null}"#;
        let (tree, text_values) = both(&ruleset, text);
        let text_values = text_values.expect("the text reader accepts a valid input");
        assert_eq!(tree, Some(Ok(text_values)));
    }

    #[test]
    fn the_text_reader_gives_up_on_every_problem() {
        let ruleset = program();
        for bad in [
            r#"{"amount": 1}"#,                           // missing count
            r#"{"count": 1.5, "amount": 1}"#,             // not a whole number
            r#"{"count": 1, "amount": 1, "extra": 1}"#,   // unknown field
            r#"{"count": 1, "count": 2, "amount": 1}"#,   // repeated key
            r#"{"count": 1, "amount": 1, "color": "x"}"#, // unknown enum value
            r#"{"count": 1, "amount": 1, "lines": [null]}"#,
            r#"{"count": 1, "amount": 1} trailing"#,
            r#"[1, 2]"#,
        ] {
            assert_eq!(read_input_text(ruleset.program(), bad), None, "{bad}");
        }
    }

    /// A JSON value for one field: mostly well typed, sometimes not.
    fn field_value(name: &'static str) -> BoxedStrategy<Json> {
        let good: BoxedStrategy<Json> = match name {
            "flag" => any::<bool>().prop_map(Json::Bool).boxed(),
            "count" => (-5i64..500).prop_map(|n| json!(n)).boxed(),
            "amount" | "rate" => prop_oneof![
                (-1000i64..100_000, 0u32..4).prop_map(|(m, s)| {
                    Json::String(rust_decimal::Decimal::new(m, s).to_string())
                }),
                (0i64..1000).prop_map(|n| json!(n)),
                Just(json!("12%")),
                Just(json!("1e3")),
            ]
            .boxed(),
            "name" => "[a-z\"é ]{0,6}".prop_map(Json::String).boxed(),
            "day" => prop_oneof![9 => Just(json!("2026-02-28")), 1 => Just(json!("2026-02-30"))].boxed(),
            "at" => prop_oneof![9 => Just(json!("2026-03-01T09:00:00+02:00")), 1 => Just(json!("soon"))]
                .boxed(),
            "wait" => prop_oneof![5 => Just(json!("PT90M")), 5 => Just(json!("P1W")), 1 => Just(json!("P"))]
                .boxed(),
            "color" => prop_oneof![5 => Just(json!("green")), 5 => Just(json!("blue")), 1 => Just(json!("pink"))]
                .boxed(),
            "colors" => proptest::collection::vec(
                prop_oneof![5 => Just(json!("red")), 5 => Just(json!("blue")), 1 => Just(json!(7))],
                0..4,
            )
            .prop_map(Json::Array)
            .boxed(),
            "lines" => proptest::collection::vec(
                (any::<bool>(), 0i64..9, proptest::option::of("[a-z]{0,3}")).prop_map(
                    |(with_sku, qty, note)| {
                        let mut line = serde_json::Map::new();
                        if with_sku {
                            line.insert("sku".into(), json!("S"));
                        }
                        line.insert("qty".into(), json!(qty));
                        if let Some(note) = note {
                            line.insert("note".into(), json!(note));
                        }
                        Json::Object(line)
                    },
                ),
                0..3,
            )
            .prop_map(Json::Array)
            .boxed(),
            "maybe" => proptest::collection::vec(proptest::option::of(0i64..5), 0..3)
                .prop_map(|v| json!(v))
                .boxed(),
            _ => prop_oneof![
                5 => Just(json!({})),
                5 => Just(json!({"country": "FR"})),
                1 => Just(json!({"express": "yes"})),
            ]
            .boxed(),
        };
        prop_oneof![
            40 => good,
            1 => Just(Json::Null),
            1 => prop_oneof![Just(json!("text")), Just(json!(1.5)), Just(json!([])), Just(json!({}))],
        ]
        .boxed()
    }

    const FIELDS: [&str; 13] = [
        "flag", "count", "amount", "rate", "name", "day", "at", "wait", "color", "colors", "lines",
        "maybe", "ship",
    ];

    fn input() -> impl Strategy<Value = Json> {
        let fields: Vec<_> = FIELDS
            .iter()
            .map(|name| {
                proptest::option::weighted(0.8, field_value(name)).prop_map(move |v| (*name, v))
            })
            .collect();
        (fields, proptest::bool::weighted(0.05)).prop_map(|(fields, unknown)| {
            let mut map = serde_json::Map::new();
            for (name, value) in fields {
                if let Some(value) = value {
                    map.insert(name.into(), value);
                }
            }
            if unknown {
                map.insert("colour".into(), json!("red"));
            }
            Json::Object(map)
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Whatever the text reader accepts, the tree reader reads to the same values; and it
        /// accepts every input the tree reader accepts without a problem.
        #[test]
        fn both_readers_agree(json in input()) {
            let ruleset = program();
            let text = json.to_string();
            let (tree, from_text) = both(&ruleset, &text);
            match (tree, from_text) {
                (Some(Ok(values)), Some(read)) => prop_assert_eq!(values, read),
                (Some(Ok(values)), None) => {
                    prop_assert!(false, "the text reader refused a valid input {text}: {values:?}")
                }
                (_, Some(read)) => {
                    prop_assert!(false, "the text reader accepted an invalid input {text}: {read:?}")
                }
                (_, None) => {}
            }
        }
    }
}
