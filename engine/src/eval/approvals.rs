//! Approval chains (spec §12): which steps a request needs, with their labels, and the status of
//! each against the grants a host passed — `granted`, `pending`, or `stale` when a fact the grant
//! recorded is no longer the current value.
//!
//! The grants come from a host in its own form (JSON for every host today); the evaluator sees
//! them only through [`Grants`], so this semantics does not depend on how they were sent.

use std::borrow::Cow;

use smallvec::SmallVec;

use super::{Evaluator, Truth};
use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::ir::Program;
use crate::ir::approval::{Approval, ApprovalStep};
use crate::ir::display::display;
use crate::types::Type;
use crate::value::Value;

/// The grants a host passed, as the evaluator reads them.
pub trait Grants {
    /// Checks the grants against the program (every chain and step they name exists).
    fn check(&self, program: &Program) -> EvalResult<()>;

    /// The grants of chain `chain`, if any were passed.
    fn chain(&self, chain: &str) -> Option<&dyn ChainGrants>;
}

/// The grants of one chain.
pub trait ChainGrants {
    /// Whether step `step` was granted, and if so whether every fact it recorded is still the
    /// current value: `facts` gives each fact's path, current value and type.
    fn step(
        &self,
        program: &Program,
        step: &str,
        facts: &mut dyn Iterator<Item = Fact<'_>>,
    ) -> Option<bool>;
}

/// A fact of a step as it stands now: the input path, its current value and its type.
pub type Fact<'a> = (&'a str, &'a Value, &'a Type);

/// No grants at all: every required step is pending.
pub struct NoGrants;

impl Grants for NoGrants {
    fn check(&self, _: &Program) -> EvalResult<()> {
        Ok(())
    }

    fn chain(&self, _: &str) -> Option<&dyn ChainGrants> {
        None
    }
}

/// Each chain with its status, in declaration order (inline: most rulesets have one chain).
pub type Chains<'p> = SmallVec<[(&'p Approval, ChainStatus<'p>); 1]>;

/// One required step with its status.
#[derive(Debug, Clone)]
pub struct StepStatus<'p> {
    /// The step as compiled.
    pub step: &'p ApprovalStep,
    /// The step's label: its fixed text, or the text its interpolations came to.
    pub label: Cow<'p, str>,
    /// `granted`, `pending` or `stale`.
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
}

/// The status of every chain in declaration order, against the grants the host passed.
pub fn all_chains<'p>(ev: &mut Evaluator<'p>, grants: &dyn Grants) -> EvalResult<Chains<'p>> {
    let program = ev.program;
    grants.check(program)?;
    let mut chains = Chains::new();
    for (a, chain) in program.approvals.iter().enumerate() {
        let status = chain_status(ev, a, grants.chain(&chain.name))?;
        chains.push((chain, status));
    }
    Ok(chains)
}

/// The required steps of chain `index` and their status against the chain's grants.
pub fn chain_status<'p>(
    ev: &mut Evaluator<'p>,
    index: usize,
    granted: Option<&dyn ChainGrants>,
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
        let inputs = ev.inputs();
        let mut facts = step
            .depends_on
            .iter()
            .zip(&step.fact_fields)
            .map(|(path, fields)| {
                let (now, ty) = fact_value(program, inputs, fields);
                (path.as_str(), now, ty)
            });
        let status = match granted.and_then(|g| g.step(program, &step.id, &mut facts)) {
            None => "pending",
            Some(true) => "granted",
            Some(false) => "stale",
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
pub fn fact_value<'a>(
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
