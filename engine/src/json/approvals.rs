//! Approval chains in JSON (spec §12, §22): the grants a host passes, read and checked, and the
//! chains of a result written with the facts a grant must record, who granted each step and
//! which grants did not count and why.

use serde_json::Value as Json;

use super::requests::{Approvals, Grant, StepGrants};
use super::sink::{Sink, WriteJson, key, to_text};
use super::values::{TypedValue, value_to_json};
use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::approvals::{
    ChainGrants, ChainStatus, Fact, Grants, StepGrant, StepStatus, fact_value,
};
use crate::ir::Program;
use crate::ir::approval::Approval;
use crate::num;
use crate::value::Value;

impl Grants for Approvals {
    /// Every chain and step the grants name must exist.
    fn check(&self, program: &Program) -> EvalResult<()> {
        for (chain_name, steps) in &self.chains {
            let Some(chain) = program.approvals.iter().find(|c| c.name == *chain_name) else {
                let names: Vec<&str> = program.approvals.iter().map(|c| c.name.as_str()).collect();
                return Err(EvalError::at_path(
                    ErrorKind::InvalidRequest,
                    format!("approvals.{chain_name}"),
                    format!(
                        "there is no approval chain `{chain_name}` (chains: {})",
                        names.join(", ")
                    ),
                ));
            };
            for (step_id, _) in steps {
                if !chain.steps.iter().any(|s| s.id == *step_id) {
                    let ids: Vec<&str> = chain.steps.iter().map(|s| s.id.as_str()).collect();
                    return Err(EvalError::at_path(
                        ErrorKind::InvalidRequest,
                        format!("approvals.{chain_name}.{step_id}"),
                        format!(
                            "chain `{chain_name}` has no step `{step_id}` (steps: {})",
                            ids.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn chain(&self, chain: &str) -> Option<&dyn ChainGrants> {
        self.chains
            .iter()
            .find(|(name, _)| name == chain)
            .map(|(_, grants)| grants as &dyn ChainGrants)
    }
}

impl ChainGrants for StepGrants {
    fn count(&self, step: &str) -> usize {
        self.iter()
            .find(|(id, _)| id == step)
            .map_or(0, |(_, grants)| grants.len())
    }

    fn grant(&self, step: &str, index: usize) -> Option<&dyn StepGrant> {
        let (_, grants) = self.iter().find(|(id, _)| id == step)?;
        grants.get(index).map(|g| g as &dyn StepGrant)
    }
}

impl StepGrant for Grant {
    fn by(&self) -> Option<&str> {
        self.by.as_deref()
    }

    fn role(&self) -> Option<&str> {
        self.role.as_deref()
    }

    fn current(&self, program: &Program, facts: &mut dyn Iterator<Item = Fact<'_>>) -> bool {
        let recorded = self.facts.as_ref();
        for (key, now, ty) in facts {
            let then = recorded.and_then(|r| r.get(key));
            if !then.is_some_and(|then| same_fact(then, &value_to_json(program, now, ty))) {
                return false;
            }
        }
        true
    }
}

/// The chains of a result as a JSON object keyed by chain name.
pub(crate) struct ChainsJson<'a, 'p> {
    pub program: &'p Program,
    /// The input values the chains were required for: a step's facts are read off them.
    pub inputs: &'a [Value],
    pub chains: &'a [(&'p Approval, ChainStatus<'p>)],
}

impl WriteJson for ChainsJson<'_, '_> {
    fn write_json<S: Sink>(&self, sink: &mut S) {
        sink.begin_object();
        for (chain, status) in self.chains {
            sink.name_key(&chain.name);
            ChainJson {
                program: self.program,
                inputs: self.inputs,
                status,
            }
            .write_json(sink);
        }
        sink.end_object();
    }
}

struct ChainJson<'a, 'p> {
    program: &'a Program,
    inputs: &'a [Value],
    status: &'a ChainStatus<'p>,
}

impl WriteJson for ChainJson<'_, '_> {
    fn write_json<S: Sink>(&self, sink: &mut S) {
        sink.begin_object();
        sink.fixed_key(key!("complete"));
        sink.bool(self.status.complete());
        sink.fixed_key(key!("steps"));
        sink.begin_array();
        for step in &self.status.steps {
            write_step(sink, self.program, self.inputs, step);
        }
        sink.end_array();
        sink.end_object();
    }
}

/// One required step: its id, label, role(s), status, and the facts a grant records.
fn write_step<S: Sink>(sink: &mut S, program: &Program, inputs: &[Value], status: &StepStatus<'_>) {
    let step = status.step;
    sink.begin_object();
    sink.fixed_key(key!("id"));
    sink.plain(&step.id);
    sink.fixed_key(key!("label"));
    sink.text(&status.label);
    sink.fixed_key(key!("role"));
    match step.roles.first() {
        Some(role) => sink.plain(role),
        None => sink.null(),
    }
    if step.roles.len() > 1 {
        sink.fixed_key(key!("roles"));
        Names(&step.roles).write_json(sink);
    }
    if let Some(group) = step.group {
        sink.fixed_key(key!("parallel_group"));
        sink.unsigned(u64::from(group));
    }
    sink.fixed_key(key!("status"));
    sink.plain(status.status.as_str());
    if let Some(needed) = step.quorum {
        sink.fixed_key(key!("needed"));
        sink.unsigned(u64::from(needed));
    }
    sink.fixed_key(key!("granted_by"));
    Names(&status.granted_by).write_json(sink);
    if !status.refused.is_empty() {
        sink.fixed_key(key!("refused"));
        sink.begin_array();
        for refused in &status.refused {
            sink.begin_object();
            sink.fixed_key(key!("by"));
            sink.text(&refused.by);
            sink.fixed_key(key!("reason"));
            sink.plain(refused.reason.as_str());
            sink.end_object();
        }
        sink.end_array();
    }
    sink.fixed_key(key!("depends_on"));
    let paths = Names(&step.depends_on);
    sink.prewritten(step.depends_on_text.get_or_init(|| to_text(&paths)), &paths);
    sink.fixed_key(key!("facts"));
    sink.begin_object();
    for (path, fields) in step.depends_on.iter().zip(&step.fact_fields) {
        sink.name_key(path);
        let (value, ty) = fact_value(program, inputs, fields);
        TypedValue { program, value, ty }.write_json(sink);
    }
    for (fact, value) in step.facts.iter().zip(&status.fact_values) {
        // An expression's text may hold quotes (`rates["eu"]`).
        sink.key(&fact.key);
        TypedValue {
            program,
            value,
            ty: &fact.ty,
        }
        .write_json(sink);
    }
    sink.end_object();
    sink.end_object();
}

/// Names (roles, input paths, approvers) as a JSON array.
struct Names<'a>(&'a [String]);

impl WriteJson for Names<'_> {
    fn write_json<S: Sink>(&self, sink: &mut S) {
        sink.begin_array();
        for name in self.0 {
            sink.text(name);
        }
        sink.end_array();
    }
}

/// Facts are equal when their JSON is, or when both are decimals of equal value.
fn same_fact(then: &Json, now: &Json) -> bool {
    if then == now {
        return true;
    }
    let as_decimal = |j: &Json| match j {
        Json::String(s) => num::parse_exact(s),
        Json::Number(n) => num::parse_exact(&n.to_string()),
        _ => None,
    };
    matches!((as_decimal(then), as_decimal(now)), (Some(a), Some(b)) if a == b)
}
