//! The result of one evaluation in the engine's own values, and its JSON form (spec §16).
//!
//! [`Evaluation`] keeps what the evaluator computed (values, quotes, chain statuses) without
//! converting anything; it becomes JSON only when a host asks, written straight to text
//! ([`Evaluation::to_json_string`]) or built as a tree ([`Evaluation::to_json`]), both through
//! the one [`Serialize`] definition below, so the two forms always agree.

use chrono::NaiveDate;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value as Json;

use super::Ruleset;
use super::approvals::{ChainStatus, ChainsJson};
use super::json::{Map, QuoteJson, Seq, TraceJson, TypedValue, to_json};
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
        map.serialize_entry("ruleset", &Identity(self.ruleset))?;
        map.serialize_entry("as_of", &self.as_of.map(Iso))?;
        map.serialize_entry("valid", &self.valid)?;
        map.serialize_entry(
            "violations",
            &Seq(self.violations.iter().map(ViolationJson)),
        )?;
        map.serialize_entry(
            "outputs",
            &Map(self.outputs.iter().map(|(g, value)| {
                (
                    g.name.as_str(),
                    TypedValue {
                        program,
                        value,
                        ty: &g.ty,
                    },
                )
            })),
        )?;
        map.serialize_entry(
            "quotes",
            &Map(self.quotes.iter().map(|(g, quote)| {
                (
                    g.name.as_str(),
                    QuoteJson {
                        quote,
                        trace: self.trace.is_some(),
                    },
                )
            })),
        )?;
        map.serialize_entry(
            "approvals",
            &ChainsJson {
                program,
                chains: &self.approvals,
            },
        )?;
        if let Some(trace) = &self.trace {
            map.serialize_entry("trace", &TraceJson { program, trace })?;
        }
        map.end()
    }
}

/// `{"name", "version", "hash"}` as every result names its ruleset.
pub(crate) struct Identity<'a>(pub &'a Ruleset);

impl Serialize for Identity<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("name", self.0.name())?;
        map.serialize_entry("version", self.0.version())?;
        map.serialize_entry("hash", self.0.hash())?;
        map.end()
    }
}

/// A date as ISO 8601 text.
#[derive(Clone, Copy)]
struct Iso(NaiveDate);

impl Serialize for Iso {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

#[derive(Clone, Copy)]
struct ViolationJson<'a, 'r>(&'a Violation<'r>);

impl Serialize for ViolationJson<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("id", &v.constraint.id)?;
        map.serialize_entry("severity", v.constraint.severity.as_str())?;
        map.serialize_entry("message", &v.message)?;
        map.end()
    }
}
