//! Approval chains in results (spec §12): the required steps, each `granted`, `pending` or
//! `stale` against the approvals the host passes, with the facts a grant must record.

use serde_json::{Map, Value as Json, json};

use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::{Evaluator, display};
use crate::ir::Program;
use crate::num;
use crate::value::Value;

/// The status of every chain, keyed by chain name, in declaration order.
pub fn approvals_json(ev: &mut Evaluator<'_>, granted: Option<&Json>) -> EvalResult<Json> {
    let program = ev.program;
    let granted = validate_granted(program, granted)?;
    let mut chains = Map::new();
    for (a, chain) in program.approvals.iter().enumerate() {
        let status = chain_status(ev, a, granted.and_then(|g| g.get(&chain.name)))?;
        chains.insert(chain.name.clone(), status.to_json());
    }
    Ok(Json::Object(chains))
}

/// One required step with its status.
#[derive(Debug, Clone)]
pub struct StepStatus {
    pub id: String,
    pub label: String,
    pub roles: Vec<String>,
    pub status: &'static str,
    pub depends_on: Vec<String>,
    pub facts: Map<String, Json>,
    pub group: Option<u32>,
}

/// The status of one chain.
#[derive(Debug, Clone)]
pub struct ChainStatus {
    pub steps: Vec<StepStatus>,
}

impl ChainStatus {
    /// True when no required step is pending or stale.
    pub fn complete(&self) -> bool {
        self.steps.iter().all(|s| s.status == "granted")
    }

    /// Ids of the steps with this status.
    pub fn with_status(&self, status: &str) -> Vec<String> {
        self.steps
            .iter()
            .filter(|s| s.status == status)
            .map(|s| s.id.clone())
            .collect()
    }

    pub fn to_json(&self) -> Json {
        let steps: Vec<Json> = self
            .steps
            .iter()
            .map(|s| {
                let mut step = Map::new();
                step.insert("id".into(), Json::String(s.id.clone()));
                step.insert("label".into(), Json::String(s.label.clone()));
                step.insert(
                    "role".into(),
                    s.roles
                        .first()
                        .map_or(Json::Null, |r| Json::String(r.clone())),
                );
                if s.roles.len() > 1 {
                    step.insert("roles".into(), json!(s.roles));
                }
                if let Some(group) = s.group {
                    step.insert("parallel_group".into(), json!(group));
                }
                step.insert("status".into(), Json::String(s.status.into()));
                step.insert("depends_on".into(), json!(s.depends_on));
                step.insert("facts".into(), Json::Object(s.facts.clone()));
                Json::Object(step)
            })
            .collect();
        json!({"complete": self.complete(), "steps": steps})
    }
}

/// The required steps of chain `index` and their status against the chain's grants.
pub fn chain_status(
    ev: &mut Evaluator<'_>,
    index: usize,
    granted: Option<&Json>,
) -> EvalResult<ChainStatus> {
    let program = ev.program;
    let Some(chain) = program.approvals.get(index) else {
        return Err(EvalError::new(
            ErrorKind::InvalidRequest,
            format!("no approval chain #{index}"),
        ));
    };
    let mut steps = Vec::new();
    for step in &chain.steps {
        let rule = format!("{}.{}", chain.name, step.id);
        if let Some(when) = &step.when {
            if ev.eval(when).map_err(|e| e.or_rule(&rule))? != Value::Bool(true) {
                continue;
            }
        }
        let label = display(
            program,
            &ev.eval(&step.label).map_err(|e| e.or_rule(&rule))?,
        );
        let mut facts = Map::new();
        for path in &step.depends_on {
            facts.insert(path.clone(), fact_value(ev, path)?);
        }
        let status = match granted.and_then(|g| g.get(&step.id)) {
            None => "pending",
            Some(grant) => {
                let recorded = grant.get("facts").and_then(Json::as_object);
                let current = facts.iter().all(|(path, now)| {
                    recorded
                        .and_then(|r| r.get(path))
                        .is_some_and(|then| same_fact(then, now))
                });
                if current { "granted" } else { "stale" }
            }
        };
        steps.push(StepStatus {
            id: step.id.clone(),
            label,
            roles: step.roles.clone(),
            status,
            depends_on: step.depends_on.clone(),
            facts,
            group: step.group,
        });
    }
    Ok(ChainStatus { steps })
}

/// The current value of an input path, as JSON.
fn fact_value(ev: &mut Evaluator<'_>, path: &str) -> EvalResult<Json> {
    let program = ev.program;
    let mut parts = path.split('.');
    let Some(first) = parts.next() else {
        return Ok(Json::Null);
    };
    let Some(index) = program.input.fields.iter().position(|f| f.name == first) else {
        return Ok(Json::Null);
    };
    let mut expr = crate::ir::Expr::Input(index as u32);
    let mut fields = program
        .input
        .fields
        .get(index)
        .map(|f| (&f.fields, f.ty.clone()));
    let mut ty = fields
        .as_ref()
        .map_or(crate::types::Type::Unknown, |(_, t)| t.clone());
    for part in parts {
        let Some((children, _)) = fields else {
            return Ok(Json::Null);
        };
        let Some(i) = children.iter().position(|f| f.name == part) else {
            return Ok(Json::Null);
        };
        expr = crate::ir::Expr::Field(Box::new(expr), i as u32);
        fields = children.get(i).map(|f| (&f.fields, f.ty.clone()));
        ty = fields
            .as_ref()
            .map_or(crate::types::Type::Unknown, |(_, t)| t.clone());
    }
    let value = ev.eval(&expr)?;
    Ok(super::value_to_json(program, &value, &ty))
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
