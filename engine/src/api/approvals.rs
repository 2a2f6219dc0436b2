//! Approval chains in results (spec §12): the required steps, each `granted`, `pending` or
//! `stale` against the approvals the host passes, with the facts a grant must record.

use std::borrow::Cow;

use serde_json::{Map, Value as Json};
use smallvec::SmallVec;

use super::json::TypedValue;
use super::sink::{Sink, WriteJson, key, to_text, to_tree};
use crate::approval::{Approval, ApprovalStep};
use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::{Evaluator, Truth, display};
use crate::ir::Program;
use crate::num;
use crate::types::Type;
use crate::value::Value;

/// The status of every chain, keyed by chain name, in declaration order.
pub fn approvals_json(ev: &mut Evaluator<'_>, granted: Option<&Json>) -> EvalResult<Json> {
    let program = ev.program;
    let chains = all_chains(ev, granted)?;
    Ok(to_tree(&ChainsJson {
        program,
        inputs: ev.inputs(),
        chains: &chains,
    }))
}

/// Each chain with its status, in declaration order (inline: most rulesets have one chain).
pub(crate) type Chains<'p> = SmallVec<[(&'p Approval, ChainStatus<'p>); 1]>;

/// The status of every chain in declaration order, against the grants the host passed.
pub(crate) fn all_chains<'p>(
    ev: &mut Evaluator<'p>,
    granted: Option<&Json>,
) -> EvalResult<Chains<'p>> {
    let program = ev.program;
    let granted = validate_granted(program, granted)?;
    let mut chains = Chains::new();
    for (a, chain) in program.approvals.iter().enumerate() {
        let status = chain_status(ev, a, granted.and_then(|g| g.get(&chain.name)))?;
        chains.push((chain, status));
    }
    Ok(chains)
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

/// One required step with its status.
#[derive(Debug, Clone)]
pub struct StepStatus<'p> {
    pub step: &'p ApprovalStep,
    /// The step's label: its fixed text, or the text its interpolations came to.
    pub label: Cow<'p, str>,
    pub status: &'static str,
}

/// The status of one chain.
#[derive(Debug, Clone)]
pub struct ChainStatus<'p> {
    /// Inline: most chains require a step or two.
    pub steps: SmallVec<[StepStatus<'p>; 2]>,
}

impl ChainStatus<'_> {
    /// True when no required step is pending or stale.
    pub fn complete(&self) -> bool {
        self.steps.iter().all(|s| s.status == "granted")
    }

    /// Ids of the steps with this status.
    pub fn with_status(&self, status: &str) -> Vec<String> {
        self.steps
            .iter()
            .filter(|s| s.status == status)
            .map(|s| s.step.id.clone())
            .collect()
    }

    /// The chain as JSON (spec §12): `complete` and the required steps, with the facts of
    /// `inputs` (the input values the chain was required for).
    pub fn to_json(&self, program: &Program, inputs: &[Value]) -> Json {
        to_tree(&ChainJson {
            program,
            inputs,
            status: self,
        })
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

/// The required steps of chain `index` and their status against the chain's grants.
pub fn chain_status<'p>(
    ev: &mut Evaluator<'p>,
    index: usize,
    granted: Option<&Json>,
) -> EvalResult<ChainStatus<'p>> {
    let program = ev.program;
    let Some(chain) = program.approvals.get(index) else {
        return Err(EvalError::new(
            ErrorKind::InvalidRequest,
            format!("no approval chain #{index}"),
        ));
    };
    let mut steps = SmallVec::new();
    for step in &chain.steps {
        let in_step = |e: EvalError| e.or_rule(&format!("{}.{}", chain.name, step.id));
        if let Some(when) = &step.when
            && ev.truth(when).map_err(in_step)? != Truth::True
        {
            continue;
        }
        let label = match &step.label {
            // Most labels are fixed texts: no value to build first.
            crate::ir::Expr::Const(Value::Text(text)) => Cow::Borrowed(&**text),
            label => Cow::Owned(display(program, &ev.eval(label).map_err(in_step)?)),
        };
        let status = match granted.and_then(|g| g.get(&step.id)) {
            None => "pending",
            Some(grant) => {
                let recorded = grant.get("facts").and_then(Json::as_object);
                let inputs = ev.inputs();
                let current =
                    step.depends_on
                        .iter()
                        .zip(&step.fact_fields)
                        .all(|(path, fields)| {
                            let (now, ty) = fact_value(program, inputs, fields);
                            recorded.and_then(|r| r.get(path)).is_some_and(|then| {
                                same_fact(then, &super::value_to_json(program, now, ty))
                            })
                        });
                if current { "granted" } else { "stale" }
            }
        };
        steps.push(StepStatus {
            step,
            label,
            status,
        });
    }
    Ok(ChainStatus { steps })
}

/// The value of an input path given as its field indexes (see [`ApprovalStep::fact_fields`])
/// among `inputs`, and its type: a fact of a step, read when needed rather than kept with
/// the step. `Unknown` for a path the schema does not have.
fn fact_value<'a>(
    program: &'a Program,
    inputs: &'a [Value],
    fields: &[u32],
) -> (&'a Value, &'a Type) {
    let (Some(field), Some((first, nested))) =
        (program.input.field_at(fields), fields.split_first())
    else {
        return (&Value::Unknown, &Type::Unknown);
    };
    let mut value = inputs.get(*first as usize).unwrap_or(&Value::Unknown);
    for index in nested {
        value = match value {
            Value::Record(values) => values.get(*index as usize).unwrap_or(&Value::None),
            Value::None => &Value::None,
            _ => &Value::Unknown,
        };
    }
    (value, &field.ty)
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
