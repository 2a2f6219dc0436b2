//! Reading JSON text straight into input values, guided by the schema, without building a JSON
//! tree first: the path every well-formed input takes through `evaluate_str`.
//!
//! The text is pulled token by token ([`Scanner`]) and each token is read as the schema
//! expects at that point. This reader only accepts: anything unusual (a syntax error, an
//! unknown or repeated field, a wrong type, a missing input) makes it give up, and the caller
//! reads the text again through [`crate::json::input::read_input`], which reports every problem
//! with its path. Both readers share the conversions of scalars and absent fields
//! ([`number`], [`text_scalar`], [`absent_value`]), so a value they both accept is the same
//! value (property tests hold them to it).

use std::sync::Arc;

use crate::ir::Program;
use crate::json::input::{
    FieldSpec, RecordFields, absent_value, number, record_fields, text_scalar,
};
use crate::json::scan::{Next, Scanner};
use crate::types::Type;
use crate::value::Value;

/// The values of a complete input written as JSON text, or `None` when the text is not a
/// valid input (then read it with [`crate::json::input::read_input`] for the errors).
pub fn read_input_text(program: &Program, text: &str) -> Option<Arc<[Value]>> {
    let mut reader = Reader {
        program,
        json: Scanner::new(text),
    };
    let values = reader.record(&program.input.fields)?;
    reader.json.at_end().then_some(values)
}

/// The text being read and the program whose schema says what comes next.
struct Reader<'p, 't> {
    program: &'p Program,
    json: Scanner<'t>,
}

impl Reader<'_, '_> {
    /// A JSON object read as the fields of a record, in declaration order.
    fn record<F: FieldSpec>(&mut self, fields: &[F]) -> Option<Arc<[Value]>> {
        // The record is filled in place, in its one allocation (an iterator of known length
        // lets `Arc` allocate once; it is unique until returned, so it can be written).
        // `Unknown` marks a field not read yet: JSON text never reads as `Unknown`.
        let mut record: Arc<[Value]> = fields.iter().map(|_| Value::Unknown).collect();
        let values = Arc::get_mut(&mut record)?;
        // Keys usually come in declaration order: each is looked for from the field after
        // the last one read, so an ordered input compares one name per key.
        let mut next = 0;
        let mut key = self.json.object_first()?;
        while let Some(name) = key {
            let index = field_index(fields, &name, next)?;
            next = index + 1;
            let (field, slot) = (fields.get(index)?, values.get_mut(index)?);
            if !slot.is_unknown() {
                // A repeated key: the tree reader keeps the last one; let it.
                return None;
            }
            let peek = self.json.peek()?;
            *slot = if peek == Next::Null {
                // `null` for a field reads as an absent field.
                self.json.literal(peek)?;
                absent_value(field)?
            } else {
                let value = self.value(field, field.ty(), peek)?;
                // A value that breaks a refinement (spec §20) is the tree reader's to report.
                if field
                    .declared()
                    .is_some_and(|f| f.refinements.iter().any(|r| !r.holds(&value)))
                {
                    return None;
                }
                value
            };
            key = self.json.object_next()?;
        }
        for (slot, field) in values.iter_mut().zip(fields) {
            if slot.is_unknown() {
                *slot = absent_value(field)?;
            }
        }
        Some(record)
    }

    /// A value of type `ty` that is not `null` (its first token is `peek`), read for `field`
    /// (whose nested fields a record input uses).
    fn value<F: FieldSpec>(&mut self, field: &F, ty: &Type, peek: Next) -> Option<Value> {
        let program = self.program;
        match ty {
            Type::Optional(inner) => self.value(field, inner, peek),
            Type::Record(record) => Some(Value::Record(match record_fields(field, ty, record) {
                RecordFields::Declared(fields) => self.record(fields)?,
                RecordFields::Plain(fields) => self.record(fields)?,
            })),
            Type::List(elem) => self.list(field, elem, peek),
            Type::Set(id) => {
                let keeps_order = field.declared().is_some_and(|f| f.keeps_order);
                self.set(*id, peek, keeps_order)
            }
            Type::Int | Type::Decimal | Type::Percent => {
                // The number exactly as written (a JSON number, or a string holding one),
                // read in place: no float, no copy.
                match peek {
                    Next::String => number(ty, &self.json.string()?),
                    Next::Number => number(ty, self.json.number()?),
                    _ => None,
                }
            }
            Type::Bool => {
                self.json.literal(peek)?;
                match peek {
                    Next::True => Some(Value::Bool(true)),
                    Next::False => Some(Value::Bool(false)),
                    _ => None,
                }
            }
            _ if peek == Next::String => text_scalar(program, ty, &self.json.string()?),
            _ => None,
        }
    }

    /// A list; `null` items only where the element type is optional.
    fn list<F: FieldSpec>(&mut self, field: &F, elem: &Type, peek: Next) -> Option<Value> {
        if peek != Next::Array {
            return None;
        }
        // JSON text gives no length: room for a typical list from the start.
        let mut items = Vec::with_capacity(8);
        let mut item = self.json.array_first()?;
        while let Some(peek) = item {
            items.push(if peek == Next::Null {
                self.json.literal(peek)?;
                elem.is_optional().then_some(Value::None)?
            } else {
                self.value(field, elem, peek)?
            });
            item = self.json.array_next()?;
        }
        Some(Value::List(Arc::from(items)))
    }

    /// A set of enum values, written as a list of their names.
    fn set(&mut self, id: u32, peek: Next, keeps_order: bool) -> Option<Value> {
        if peek != Next::Array {
            return None;
        }
        let ty = Type::Enum(id);
        let mut members = smallvec::SmallVec::<[u32; 16]>::new();
        let mut item = self.json.array_first()?;
        while let Some(peek) = item {
            if peek != Next::String {
                return None;
            }
            match text_scalar(self.program, &ty, &self.json.string()?)? {
                Value::Enum(_, index) => members.push(index),
                _ => return None,
            }
            item = self.json.array_next()?;
        }
        if keeps_order && !members.windows(2).all(|w| w.first() < w.last()) {
            // Not in declaration order, for a constraint over its elements: the tree reader
            // keeps the order received, which a violation's `at` names (spec §19).
            return None;
        }
        Some(Value::set_of(id, &mut members))
    }
}

/// The index of the field a key names, looked for from `from` on and then from the start;
/// `None` for a key no field has.
fn field_index<F: FieldSpec>(fields: &[F], key: &str, from: usize) -> Option<usize> {
    let named = |f: &F| f.name() == key;
    let later = fields.get(from..).unwrap_or_default();
    match later.iter().position(named) {
        Some(i) => Some(from + i),
        None => fields
            .get(..from)
            .unwrap_or_default()
            .iter()
            .position(named),
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::Value as Json;
    use serde_json::json;

    use super::*;
    use crate::json::input::{Absent, read_input};
    use crate::ruleset::Ruleset;

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
    fn refined_fields_are_read_from_text_until_one_breaks_its_refinement() {
        let ruleset = Ruleset::compile(
            "ruleset r version \"1.0.0\"\ninput {\n  qty: Int in 1..10\n  rate: Percent in 0%..100% = 0%\n}\n",
        )
        .expect("compiles");
        let valid = r#"{"qty": 3, "rate": "12%"}"#;
        assert!(read_input_text(ruleset.program(), valid).is_some());
        // Broken: left to the tree reader, which names the problem.
        let broken = r#"{"qty": 30}"#;
        assert_eq!(read_input_text(ruleset.program(), broken), None);
        let error = ruleset.read_input_str(broken).expect_err("out of range");
        assert_eq!(error.path.as_deref(), Some("qty"));
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

    /// Text that is not JSON is refused by both readers, however close it comes: the text
    /// reader never reads values from what the tree reader reports as a syntax error.
    #[test]
    fn text_that_is_not_json_is_refused_by_both() {
        let ruleset = program();
        for bad in [
            r#"{"count": 01, "amount": 1}"#,
            r#"{"count": 1., "amount": 1}"#,
            r#"{"count": .5, "amount": 1}"#,
            r#"{"count": +1, "amount": 1}"#,
            r#"{"count": -, "amount": 1}"#,
            r#"{"count": 1, "amount": NaN}"#,
            r#"{"count": 1, "amount": Infinity}"#,
            r#"{"count": 1, "amount": -Infinity}"#,
            r#"{"count": 1, "amount": 1e}"#,
            r#"{"count": 1, "amount": 1,}"#,
            r#"{"count": 1,, "amount": 1}"#,
            r#"{"count": 1 "amount": 1}"#,
            r#"{count: 1, "amount": 1}"#,
            r#"{'count': 1, "amount": 1}"#,
            r#"{"count": 1, "amount": 1, "name": "a\qb"}"#,
            r#"{"count": 1, "amount": 1, "name": "\ud800"}"#,
            r#"{"count": 1, "amount": 1, "name": "\u12"}"#,
            "{\"count\": 1, \"amount\": 1, \"name\": \"a\tb\"}",
            "{\"count\": 1, \"amount\": 1, \"name\": \"a\u{1}b\"}",
            r#"{"count": 1, "amount": 1, "flag": tru}"#,
            r#"{"count": 1, "amount": 1, "flag": True}"#,
            r#"{"count": 1, "amount": 1, "name": nul}"#,
            r#"{"count": 1, "amount": 1, "colors": ["red",]}"#,
            r#"{"count": 1, "amount": 1, "colors": ["red" "blue"]}"#,
            r#"{"count": 1, "amount": 1 /* note */}"#,
            r#"{"count": 1, "amount": 1}}"#,
            r#"{"count": 1, "amount": 1"#,
            r#"{"count": 1, "amount": "1"#,
            "",
            "   ",
        ] {
            let (tree, text) = both(&ruleset, bad);
            assert_eq!(tree, None, "the tree reader parses {bad:?}");
            assert_eq!(text, None, "the text reader accepts {bad:?}");
        }
    }

    /// Escapes in keys and texts read alike.
    #[test]
    fn escapes_read_alike() {
        let ruleset = program();
        for text in [
            r#"{"co\u0075nt": 1, "amount": 1}"#,
            r#"{"count": 1, "amount": "1\u0032.5"}"#,
            r#"{"count": 1, "amount": 1, "name": "tab\there \"q\" \\ \/ \u00e9 \ud83d\ude00"}"#,
            r#"{"count": 1, "amount": 1, "color": "gr\u0065en", "colors": ["r\u0065d"]}"#,
            " \n\t{ \"count\" :1 ,\r\n\"amount\":1 } \n",
        ] {
            let (tree, from_text) = both(&ruleset, text);
            let Some(Ok(values)) = tree else {
                panic!("the tree reader refuses {text}: {tree:?}")
            };
            assert_eq!(from_text, Some(values), "{text}");
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
