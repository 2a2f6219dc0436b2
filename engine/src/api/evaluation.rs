//! The result of one evaluation in the engine's own values, and its JSON form (spec §16).
//!
//! [`Evaluation`] keeps what the evaluator computed (values, quotes, chain statuses) without
//! converting anything; it becomes JSON only when a host asks, written straight to text
//! ([`Evaluation::to_json_string`]) or built as a tree ([`Evaluation::to_json`]), both through
//! the one [`Serialize`] definition below, so the two forms always agree.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value as Json;

use super::Ruleset;
use super::approvals::{ChainStatus, ChainsJson};
use super::json::{Map, QuoteJson, Seq, TraceJson, TypedValue, to_json};
use super::text::{Fields, Plain};
use crate::approval::Approval;
use crate::eval::{Quote, TraceEntry};
use crate::ir::{Constraint, Global};
use crate::value::Value;

/// A violated constraint and its message.
#[derive(Debug, Clone)]
pub struct Violation<'r> {
    pub constraint: &'r Constraint,
    pub message: String,
}

/// The complete result of one evaluation: never partial (an evaluation that fails returns an
/// error instead).
#[derive(Debug, Clone)]
pub struct Evaluation<'r> {
    pub(crate) ruleset: &'r Ruleset,
    pub(crate) as_of: Option<NaiveDate>,
    pub(crate) valid: bool,
    pub(crate) violations: Vec<Violation<'r>>,
    pub(crate) outputs: Vec<(&'r Global, Value)>,
    pub(crate) quotes: Vec<(&'r Global, Quote)>,
    pub(crate) approvals: Vec<(&'r Approval, ChainStatus<'r>)>,
    pub(crate) trace: Option<Vec<TraceEntry>>,
}

impl<'r> Evaluation<'r> {
    /// True when no `error` constraint is violated.
    pub fn valid(&self) -> bool {
        self.valid
    }

    /// The violated constraints in declaration order.
    pub fn violations(&self) -> &[Violation<'r>] {
        &self.violations
    }

    /// The value of an output, by name.
    pub fn output(&self, name: &str) -> Option<&Value> {
        self.outputs
            .iter()
            .find(|(g, _)| g.name == name)
            .map(|(_, v)| v)
    }

    /// The quote of a price block, by name.
    pub fn quote(&self, name: &str) -> Option<&Quote> {
        self.quotes
            .iter()
            .find(|(g, _)| g.name == name)
            .map(|(_, q)| q)
    }

    /// The result as a JSON tree.
    pub fn to_json(&self) -> Json {
        to_json(self)
    }

    /// The result as compact JSON text, byte-identical to `to_json_string(&self.to_json())`.
    pub fn to_json_string(&self) -> String {
        super::text::to_string(self)
    }
}

impl Serialize for Evaluation<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let program = self.ruleset.program();
        let mut map = s.serialize_map(None)?;
        map.field("ruleset", &Identity(self.ruleset))?;
        map.field("as_of", &self.as_of.map(Iso))?;
        map.field("valid", &self.valid)?;
        map.field(
            "violations",
            &Seq(self.violations.iter().map(ViolationJson)),
        )?;
        map.field(
            "outputs",
            &Map(self.outputs.iter().map(|(g, value)| {
                (
                    Plain(&g.name),
                    TypedValue {
                        program,
                        value,
                        ty: &g.ty,
                    },
                )
            })),
        )?;
        map.field(
            "quotes",
            &Map(self.quotes.iter().map(|(g, quote)| {
                (
                    Plain(&g.name),
                    QuoteJson {
                        quote,
                        trace: self.trace.is_some(),
                    },
                )
            })),
        )?;
        map.field(
            "approvals",
            &ChainsJson {
                program,
                chains: &self.approvals,
            },
        )?;
        if let Some(trace) = &self.trace {
            map.field("trace", &TraceJson { program, trace })?;
        }
        map.end()
    }
}

/// `{"name", "version", "hash"}` as every result names its ruleset.
pub(crate) struct Identity<'a>(pub &'a Ruleset);

impl Serialize for Identity<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.field("name", &Plain(self.0.name()))?;
        map.field("version", &Plain(self.0.version()))?;
        map.field("hash", &Plain(self.0.hash()))?;
        map.end()
    }
}

/// A date as ISO 8601 text.
#[derive(Clone, Copy)]
struct Iso(NaiveDate);

impl Serialize for Iso {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Four-digit years, all that business dates have, without the formatting machinery.
        let date = self.0;
        let (year, month, day) = (date.year(), date.month(), date.day());
        if !(0..=9999).contains(&year) {
            return s.collect_str(&date);
        }
        let digit = |n: i32| b'0' + (n % 10) as u8;
        let (month, day) = (month as i32, day as i32);
        let text = [
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
        ];
        match std::str::from_utf8(&text) {
            Ok(text) => Plain(text).serialize(s),
            Err(_) => s.collect_str(&date),
        }
    }
}

#[derive(Clone, Copy)]
struct ViolationJson<'a, 'r>(&'a Violation<'r>);

impl Serialize for ViolationJson<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        let mut map = s.serialize_map(Some(3))?;
        map.field("id", &Plain(&v.constraint.id))?;
        map.field("severity", &Plain(v.constraint.severity.as_str()))?;
        map.field("message", &v.message)?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn dates_are_written_as_chrono_writes_them(days in -800_000i32..4_000_000) {
            let date = NaiveDate::from_num_days_from_ce_opt(days).unwrap_or_default();
            prop_assert_eq!(
                super::super::text::to_string(&Iso(date)),
                format!("\"{date}\"")
            );
            prop_assert_eq!(serde_json::to_value(Iso(date)).ok(), Some(Json::String(date.to_string())));
        }
    }
}
