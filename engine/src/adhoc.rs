//! Ad-hoc expressions in the scope of a ruleset: what `ordo repl` evaluates.
//!
//! The expression is compiled the way every value is: the ruleset's source is compiled again
//! with `let __ordo_adhoc = EXPR` appended, so the expression sees every input, value, decision,
//! table and price block by name, is type-checked by the same checker, and reports problems as
//! the same diagnostics (their spans moved back into the expression's own text).
//!
//! Evaluation is lenient about inputs: a field that was not given takes its default, `none` if
//! it is optional, and is otherwise *unknown*; a value that depends on an unknown input is
//! reported as unknown together with the inputs it still needs, rather than failing the way a
//! complete evaluation would.

use std::sync::Arc;

use ordo_dsl::{Diagnostic, Diagnostics, Span};
use serde_json::Value as Json;

use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::approvals::Grants;
use crate::eval::{Context, Evaluator};
use crate::ir::display;
use crate::ir::{GlobalId, InputField, Program};
use crate::json::input::{Absent, read_input};
use crate::json::values::{TraceJson, value_to_json};
use crate::json::{EvalOptions, sink};
use crate::ruleset::Ruleset;
use crate::types::Type;
use crate::value::Value;

/// The name the appended value gets (identifiers may start with `_`, so keep it unlikely).
const NAME: &str = "__ordo_adhoc";

/// An expression compiled in the scope of a ruleset.
#[derive(Debug, Clone)]
pub struct Adhoc {
    ruleset: Ruleset,
    id: GlobalId,
}

/// Why an ad-hoc expression was not compiled.
#[derive(Debug, Clone, PartialEq)]
pub enum AdhocError {
    /// The expression has a problem: the spans point into the expression's text.
    Expression(Diagnostics),
    /// The ruleset itself does not compile: the spans point into its source.
    Ruleset(Diagnostics),
}

/// The value of an ad-hoc expression.
#[derive(Debug, Clone, PartialEq)]
pub struct AdhocValue {
    /// The value as in results (decimals as strings); `null` when unknown.
    pub json: Json,
    /// The value written as an ordo literal (`0.05`, `"home"`, `{heater, sensor_kit}`,
    /// `{ zone: "home", fee: 0.00 }`), or `unknown`.
    pub text: String,
    /// False when the value depends on inputs that are not set.
    pub known: bool,
    /// The inputs the value depends on that are not set (when it is unknown).
    pub missing: Vec<String>,
    /// With `trace`: the trace of the evaluation, as in results.
    pub trace: Json,
}

impl Ruleset {
    /// Compiles `expression` in the scope of the ruleset whose source is `source`.
    pub fn compile_expression(source: &str, expression: &str) -> Result<Adhoc, AdhocError> {
        ordo_dsl::parse_expression(expression).map_err(AdhocError::Expression)?;
        let mut combined = String::with_capacity(source.len() + expression.len() + 32);
        combined.push_str(source);
        combined.push_str("\nlet ");
        combined.push_str(NAME);
        combined.push_str(" = ");
        let offset = combined.len();
        combined.push_str(expression);
        combined.push('\n');
        let ruleset = Ruleset::compile(&combined).map_err(|diagnostics| {
            let (ours, theirs): (Vec<Diagnostic>, Vec<Diagnostic>) = diagnostics
                .0
                .into_iter()
                .partition(|d| d.span.start >= offset);
            if ours.is_empty() {
                AdhocError::Ruleset(Diagnostics(theirs))
            } else {
                AdhocError::Expression(Diagnostics(
                    ours.into_iter().map(|d| shifted(d, offset)).collect(),
                ))
            }
        })?;
        let id = ruleset
            .program()
            .global_named(NAME)
            .map(|(id, _)| id)
            .ok_or_else(|| {
                AdhocError::Expression(Diagnostics(vec![Diagnostic::new(
                    ordo_dsl::DiagnosticKind::Invalid,
                    Span::new(0, expression.len()),
                    "the expression could not be compiled",
                )]))
            })?;
        Ok(Adhoc { ruleset, id })
    }
}

/// A diagnostic of the appended value, moved into the expression's own text.
fn shifted(mut d: Diagnostic, offset: usize) -> Diagnostic {
    let shift = |span: Span| {
        Span::new(
            span.start.saturating_sub(offset),
            span.end.saturating_sub(offset),
        )
    };
    d.span = shift(d.span);
    for label in &mut d.labels {
        label.span = shift(label.span);
    }
    d
}

impl Adhoc {
    /// The ruleset the expression was compiled with (the original plus the expression).
    pub fn ruleset(&self) -> &Ruleset {
        &self.ruleset
    }

    /// The expression's type, as the language writes it.
    pub fn type_name(&self) -> String {
        let program = self.ruleset.program();
        program
            .global(self.id)
            .map(|g| g.ty.display(&program.enums).to_string())
            .unwrap_or_default()
    }

    /// The input paths the expression depends on, directly or through values, sorted.
    pub fn input_deps(&self) -> &[String] {
        self.ruleset
            .program()
            .global(self.id)
            .map_or(&[], |g| g.input_deps.as_slice())
    }

    /// Evaluates the expression against `input`, where fields may be missing (see the module
    /// documentation). Errors are those of any evaluation: a bad input value, a decision with
    /// no matching row, a division by zero, ...
    pub fn evaluate(&self, input: &Json, options: &EvalOptions) -> EvalResult<AdhocValue> {
        let program = self.ruleset.program();
        let inputs = lenient_input(program, input)?;
        let context = Context {
            as_of: options.as_of,
            entered_at: None,
            trace: options.trace,
            now: options.at,
            ..Context::default()
        };
        let mut ev = Evaluator::new(program, inputs, context);
        // `approvals.CHAIN` is judged against the grants the options carry.
        if let Some(grants) = &options.approvals {
            grants.check(program)?;
            ev.set_grants(grants);
        }
        let value = ev.global(self.id)?;
        let ty = program
            .global(self.id)
            .map_or(Type::Unknown, |g| g.ty.clone());
        let known = !value.contains_unknown();
        let missing = if known {
            Vec::new()
        } else {
            self.input_deps()
                .iter()
                .filter(|path| !is_set(input, path) && required(program, path))
                .cloned()
                .collect()
        };
        let trace = if options.trace {
            // The appended value itself is no part of the explanation.
            let entries: Vec<_> = ev.trace.iter().filter(|t| t.id != NAME).cloned().collect();
            sink::to_tree(&TraceJson {
                program,
                trace: &entries,
            })
        } else {
            Json::Null
        };
        Ok(AdhocValue {
            json: if known {
                value_to_json(program, &value, &ty)
            } else {
                Json::Null
            },
            text: if known {
                literal(program, &value, &ty)
            } else {
                "unknown".to_string()
            },
            known,
            missing,
            trace,
        })
    }
}

/// Whether the input field at a dotted path must be given (no default, not optional).
fn required(program: &Program, path: &str) -> bool {
    let mut fields = &program.input.fields;
    let mut field = None;
    for part in path.split('.') {
        match fields.iter().find(|f| f.name == part) {
            Some(f) => {
                field = Some(f);
                fields = &f.fields;
            }
            None => return false,
        }
    }
    field.is_some_and(|f| f.default.is_none() && !f.ty.is_optional())
}

/// Whether `input` holds a non-null value at a dotted path.
fn is_set(input: &Json, path: &str) -> bool {
    let mut node = input;
    for part in path.split('.') {
        match node.get(part) {
            Some(next) if !next.is_null() => node = next,
            _ => return false,
        }
    }
    true
}

/// Reads an input in which fields may be missing: given values are checked as always; a
/// missing field takes its default, `none` when optional, else stays unknown.
fn lenient_input(program: &Program, input: &Json) -> EvalResult<Vec<Value>> {
    if !input.is_object() {
        return Err(EvalError::new(
            ErrorKind::InvalidInput,
            "the input must be a JSON object",
        ));
    }
    let values = read_input(program, input, Absent::Partial)?;
    Ok(fill(&program.input.fields, input.as_object(), values))
}

fn fill(
    fields: &[InputField],
    given: Option<&serde_json::Map<String, Json>>,
    values: Vec<Value>,
) -> Vec<Value> {
    fields
        .iter()
        .zip(values)
        .map(|(field, value)| {
            let json = given
                .and_then(|g| g.get(&field.name))
                .filter(|j| !j.is_null());
            let record = matches!(field.ty, Type::Record(_));
            match (json, value) {
                (Some(json), Value::Record(items)) if record => Value::Record(Arc::from(fill(
                    &field.fields,
                    json.as_object(),
                    items.to_vec(),
                ))),
                // A list of records: each element's missing fields as in a record (spec §19:
                // a record type's defaults apply inside list elements too).
                (Some(json), Value::List(elements)) if !field.fields.is_empty() => Value::List(
                    elements
                        .iter()
                        .enumerate()
                        .map(|(i, element)| match element {
                            Value::Record(items) => Value::Record(Arc::from(fill(
                                &field.fields,
                                json.get(i).and_then(Json::as_object),
                                items.to_vec(),
                            ))),
                            other => other.clone(),
                        })
                        .collect(),
                ),
                (Some(_), value) => value,
                (None, _) => match &field.default {
                    Some(default) => default.clone(),
                    None if field.ty.is_optional() => Value::None,
                    None if record => Value::Record(Arc::from(fill(
                        &field.fields,
                        None,
                        vec![Value::Unknown; field.fields.len()],
                    ))),
                    None => Value::Unknown,
                },
            }
        })
        .collect()
}

/// A value written as an ordo literal.
fn literal(program: &Program, value: &Value, ty: &Type) -> String {
    match value {
        Value::Text(t) => serde_json::to_string(&**t).unwrap_or_default(),
        Value::Set(..) | Value::PartialSet(..) => format!("{{{}}}", display(program, value)),
        Value::List(items) => {
            let elem = match ty.strip_optional() {
                Type::List(t) => (**t).clone(),
                _ => Type::Unknown,
            };
            let items: Vec<String> = items.iter().map(|i| literal(program, i, &elem)).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Record(fields) => {
            let names: Vec<(String, Type)> = match ty.strip_optional() {
                Type::Record(record) => record.fields.clone(),
                _ => Vec::new(),
            };
            let parts: Vec<String> = fields
                .iter()
                .enumerate()
                .map(|(i, v)| match names.get(i) {
                    Some((name, t)) => format!("{name}: {}", literal(program, v, t)),
                    None => literal(program, v, &Type::Unknown),
                })
                .collect();
            if parts.is_empty() {
                "{}".to_string()
            } else {
                format!("{{ {} }}", parts.join(", "))
            }
        }
        Value::Unknown => "unknown".to_string(),
        _ => display(program, value),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use serde_json::json;

    const SOURCE: &str = "ruleset r version \"1.0.0\"\nenum Tier { bronze, gold }\n\
        input { quantity: Int\n tier: Tier = bronze\n country: Text }\n\
        decision rate hit first {\n | quantity || rate |\n | >= 10 || 5% |\n | - || 0% |\n}\n\
        let label = \"{quantity} for {country}\"\n";

    #[test]
    fn an_expression_sees_the_ruleset() {
        let adhoc = Ruleset::compile_expression(SOURCE, "rate * 2").unwrap();
        assert_eq!(adhoc.type_name(), "Decimal");
        let value = adhoc
            .evaluate(&json!({"quantity": 12}), &EvalOptions::default())
            .unwrap();
        assert_eq!(value.text, "0.10");
        assert_eq!(value.json, json!("0.10"));
        assert!(value.known);
    }

    #[test]
    fn the_contains_built_in_and_operator_both_evaluate() {
        let options = EvalOptions::default();
        for (expression, expected) in [
            ("contains(\"abc\", \"b\")", "true"),
            ("contains(country, \"x\")", "false"),
            (
                "not contains(lower(country), \"de\") or [1, 2] contains 2",
                "true",
            ),
            ("country contains(\"D\")", "true"),
        ] {
            let adhoc = Ruleset::compile_expression(SOURCE, expression).unwrap();
            assert_eq!(adhoc.type_name(), "Bool", "{expression}");
            let value = adhoc.evaluate(&json!({"country": "DE"}), &options).unwrap();
            assert_eq!(value.text, expected, "{expression}");
        }
        // In a ruleset too, as the spec lists it among the built-ins.
        let source = format!("{SOURCE}output has_b = contains(\"abc\", \"b\")\n");
        let result = Ruleset::compile(&source)
            .unwrap()
            .evaluate(&json!({"quantity": 1, "country": "DE"}), &options)
            .unwrap();
        assert_eq!(result["outputs"]["has_b"], json!(true));
    }

    #[test]
    fn list_elements_take_their_record_type_defaults() {
        let source = "ruleset r version \"1.0.0\"\nenum Cooling { air, water }\n\
            type Item = { pos: Text, cooling: Cooling = air }\ninput { items: List<Item> }\n";
        let adhoc = Ruleset::compile_expression(source, "[i.cooling for i in items]").unwrap();
        assert_eq!(adhoc.type_name(), "List<Cooling>");
        let value = adhoc
            .evaluate(
                &json!({"items": [{"pos": "A", "cooling": "water"}, {"pos": "B"}]}),
                &EvalOptions::default(),
            )
            .unwrap();
        assert!(value.known);
        assert_eq!(value.text, "[water, air]");
    }

    #[test]
    fn missing_inputs_make_a_value_unknown_and_are_named() {
        let adhoc = Ruleset::compile_expression(SOURCE, "label").unwrap();
        let value = adhoc
            .evaluate(&json!({"quantity": 3}), &EvalOptions::default())
            .unwrap();
        assert!(!value.known);
        assert_eq!(value.missing, vec!["country".to_string()]);
        let tier = Ruleset::compile_expression(SOURCE, "tier").unwrap();
        let value = tier.evaluate(&json!({}), &EvalOptions::default()).unwrap();
        assert_eq!(value.text, "bronze");
    }

    #[test]
    fn diagnostics_point_into_the_expression() {
        match Ruleset::compile_expression(SOURCE, "quantiy + 1") {
            Err(AdhocError::Expression(d)) => {
                assert_eq!(d.0[0].kind.as_str(), "unknown_name");
                assert_eq!(d.0[0].span, Span::new(0, 7));
            }
            other => panic!("{other:?}"),
        }
        match Ruleset::compile_expression(SOURCE, "1 +") {
            Err(AdhocError::Expression(d)) => assert_eq!(d.0[0].kind.as_str(), "syntax"),
            other => panic!("{other:?}"),
        }
        // Only one expression: no smuggled declarations.
        assert!(Ruleset::compile_expression(SOURCE, "1\nlet y = 2").is_err());
    }

    #[test]
    fn the_trace_explains_decisions() {
        let adhoc = Ruleset::compile_expression(SOURCE, "rate").unwrap();
        let options = EvalOptions {
            trace: true,
            ..EvalOptions::default()
        };
        let value = adhoc.evaluate(&json!({"quantity": 12}), &options).unwrap();
        let entry = &value.trace[0];
        assert_eq!(entry["id"], "rate");
        assert_eq!(entry["rows"][0]["row"], 1);
    }
}
