//! Approval chains in JSON (spec §12): the grants a host passes, read and checked, and the
//! chains of a result written with the facts a grant must record.

use serde_json::{Map, Value as Json};

use super::sink::{Sink, WriteJson, key, to_text};
use super::values::{TypedValue, value_to_json};
use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::approvals::{ChainGrants, ChainStatus, Fact, Grants, StepStatus, fact_value};
use crate::ir::Program;
use crate::ir::approval::Approval;
use crate::num;
use crate::value::Value;

/// The grants a host passed as JSON: `{"chain": {"step": {"by": "...", "facts": {...}}}}`.
pub(crate) struct JsonGrants<'a>(pub Option<&'a Json>);

impl Grants for JsonGrants<'_> {
    fn check(&self, program: &Program) -> EvalResult<()> {
        validate_granted(program, self.0).map(|_| ())
    }

    fn chain(&self, chain: &str) -> Option<&dyn ChainGrants> {
        chain_grants(self.0?.get(chain))
    }
}

/// The grants of one chain (a JSON object keyed by step), for the evaluator.
pub(crate) fn chain_grants(granted: Option<&Json>) -> Option<&dyn ChainGrants> {
    granted
        .and_then(Json::as_object)
        .map(|steps| steps as &dyn ChainGrants)
}

impl ChainGrants for Map<String, Json> {
    fn step(
        &self,
        program: &Program,
        step: &str,
        facts: &mut dyn Iterator<Item = Fact<'_>>,
    ) -> Option<bool> {
        let grant = self.get(step)?;
        let recorded = grant.get("facts").and_then(Json::as_object);
        for (path, now, ty) in facts {
            let then = recorded.and_then(|r| r.get(path));
            if !then.is_some_and(|then| same_fact(then, &value_to_json(program, now, ty))) {
                return Some(false);
            }
        }
        Some(true)
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
    sink.plain(status.status);
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
    sink.end_object();
    sink.end_object();
}

/// Names (roles, input paths) as a JSON array.
struct Names<'a>(&'a [String]);

impl WriteJson for Names<'_> {
    fn write_json<S: Sink>(&self, sink: &mut S) {
        sink.begin_array();
        for name in self.0 {
            sink.plain(name);
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

/// Checks the shape of the granted approvals, naming the first bad value.
pub(crate) fn validate_granted<'a>(
    program: &Program,
    granted: Option<&'a Json>,
) -> EvalResult<Option<&'a Map<String, Json>>> {
    let Some(granted) = granted else {
        return Ok(None);
    };
    let bad = |path: String, message: String| {
        Err(EvalError::at_path(
            ErrorKind::InvalidRequest,
            format!("approvals.{path}"),
            message,
        ))
    };
    let Some(chains) = granted.as_object() else {
        return Err(EvalError::at_path(
            ErrorKind::InvalidRequest,
            "approvals",
            "the approvals must be an object keyed by chain",
        ));
    };
    for (chain_name, steps) in chains {
        let Some(chain) = program.approvals.iter().find(|c| c.name == *chain_name) else {
            let names: Vec<&str> = program.approvals.iter().map(|c| c.name.as_str()).collect();
            return bad(
                chain_name.clone(),
                format!(
                    "there is no approval chain `{chain_name}` (chains: {})",
                    names.join(", ")
                ),
            );
        };
        let Some(steps) = steps.as_object() else {
            return bad(
                chain_name.clone(),
                "the grants of a chain must be an object keyed by step".into(),
            );
        };
        for (step_id, grant) in steps {
            if !chain.steps.iter().any(|s| s.id == *step_id) {
                let ids: Vec<&str> = chain.steps.iter().map(|s| s.id.as_str()).collect();
                return bad(
                    format!("{chain_name}.{step_id}"),
                    format!(
                        "chain `{chain_name}` has no step `{step_id}` (steps: {})",
                        ids.join(", ")
                    ),
                );
            }
            let Some(grant) = grant.as_object() else {
                return bad(
                    format!("{chain_name}.{step_id}"),
                    "a grant must be an object with `by` and `facts`".into(),
                );
            };
            if grant.get("facts").is_some_and(|f| !f.is_object()) {
                return bad(
                    format!("{chain_name}.{step_id}.facts"),
                    "`facts` must be an object of input paths".into(),
                );
            }
            if grant.get("by").is_some_and(|b| !b.is_string()) {
                return bad(
                    format!("{chain_name}.{step_id}.by"),
                    "`by` must be a text".into(),
                );
            }
        }
    }
    Ok(Some(chains))
}
