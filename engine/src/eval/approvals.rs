//! Approval chains (spec §12, §22): which steps a request needs, with their labels, and the
//! status of each against the grants a host passed — `granted`, `pending`, or `stale` when a
//! fact a counted grant recorded is no longer the current value.
//!
//! A grant counts when it names an approver, under one of the step's roles, who is not the
//! requester and has not granted the step already, and when every earlier required step
//! (outside the step's `parallel` group) has the grants it needs; every other grant is refused
//! with the first of those reasons that applies. A step is granted when `needed` distinct
//! approvers have counted grants with current facts, stale when `needed` have counted grants
//! but too few are current (a current grant after an approver's stale one replaces it: the
//! approver approved again after a change).
//!
//! The grants come from a host in its own form (JSON for every host today); the evaluator sees
//! them only through [`Grants`], so this semantics does not depend on how they were sent.

use std::borrow::Cow;
use std::sync::Arc;

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
    /// How many grants step `step` has.
    fn count(&self, step: &str) -> usize;

    /// Grant `index` (in the order sent) of step `step`.
    fn grant(&self, step: &str, index: usize) -> Option<&dyn StepGrant>;
}

/// One grant of a step.
pub trait StepGrant {
    /// The approver's id, if the grant names one.
    fn by(&self) -> Option<&str>;

    /// The role the approver granted under, if the grant says.
    fn role(&self) -> Option<&str>;

    /// Whether every fact the grant recorded is still the current value: `facts` gives each
    /// fact's key, current value and type.
    fn current(&self, program: &Program, facts: &mut dyn Iterator<Item = Fact<'_>>) -> bool;
}

/// A fact of a step as it stands now: its key (an input path, or a `facts` expression's
/// text), its current value and its type.
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

/// The status of a required step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `needed` counted grants, all with current facts.
    Granted,
    /// Fewer than `needed` counted grants.
    Pending,
    /// Enough counted grants, but too few with current facts.
    Stale,
}

impl Status {
    /// The status as results write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Granted => "granted",
            Status::Pending => "pending",
            Status::Stale => "stale",
        }
    }
}

/// Why a grant does not count (spec §22), in the order they are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The grant names no approver.
    NoApprover,
    /// The grant's role is not one of the step's.
    WrongRole,
    /// The approver is the requester.
    SelfApproval,
    /// The approver granted the step already.
    DuplicateApprover,
    /// An earlier required step does not have the grants it needs.
    OutOfOrder,
}

impl Refusal {
    /// The reason as results write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::NoApprover => "no_approver",
            Refusal::WrongRole => "wrong_role",
            Refusal::SelfApproval => "self_approval",
            Refusal::DuplicateApprover => "duplicate_approver",
            Refusal::OutOfOrder => "out_of_order",
        }
    }
}

/// A grant that does not count: its approver (empty when it named none) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub by: String,
    pub reason: Refusal,
}

/// A required step as evaluated, owning everything it found (so the evaluator can keep it).
#[derive(Debug, Clone)]
pub struct StepOutcome {
    /// The step's position in its chain.
    pub index: usize,
    /// The label's text when it is not a fixed text.
    pub label: Option<String>,
    pub status: Status,
    /// The approvers whose grants count (current or stale), in grant order.
    pub granted_by: Vec<String>,
    /// The grants that do not count, in grant order.
    pub refused: Vec<Refused>,
    /// The current values of the step's `facts` expressions, in their order.
    pub fact_values: Vec<Value>,
}

/// A chain as evaluated: its required steps in order, or `None` when the input is partial
/// and which steps are required is not known yet.
#[derive(Debug, Clone)]
pub struct ChainOutcome {
    pub steps: Option<Vec<StepOutcome>>,
}

impl ChainOutcome {
    /// True when every required step is granted.
    pub fn complete(&self) -> bool {
        self.steps
            .iter()
            .flatten()
            .all(|s| s.status == Status::Granted)
    }

    /// The chain as the record rules read (`approvals.CHAIN`): `{complete, required,
    /// pending, stale}` (see [`crate::ir::approval::chain_type`]); unknown in a partial evaluation
    /// that cannot tell.
    pub fn value(&self, chain: &Approval) -> Value {
        let Some(steps) = &self.steps else {
            return Value::Unknown;
        };
        let ids = |keep: &dyn Fn(Status) -> bool| {
            Value::List(
                steps
                    .iter()
                    .filter(|s| keep(s.status))
                    .filter_map(|s| chain.steps.get(s.index))
                    .map(|s| Value::text(&s.id))
                    .collect(),
            )
        };
        Value::Record(Arc::from(vec![
            Value::Bool(self.complete()),
            ids(&|_| true),
            ids(&|s| s == Status::Pending),
            ids(&|s| s == Status::Stale),
        ]))
    }
}

/// Each chain with its status, in declaration order (inline: most rulesets have one chain).
pub type Chains<'p> = SmallVec<[(&'p Approval, ChainStatus<'p>); 1]>;

/// One required step with its status, as results show it.
#[derive(Debug, Clone)]
pub struct StepStatus<'p> {
    /// The step as compiled.
    pub step: &'p ApprovalStep,
    /// The step's label: its fixed text, or the text its interpolations came to.
    pub label: Cow<'p, str>,
    pub status: Status,
    /// The approvers whose grants count, in grant order.
    pub granted_by: Vec<String>,
    /// The grants that do not count, in grant order.
    pub refused: Vec<Refused>,
    /// The current values of the step's `facts` expressions.
    pub fact_values: Vec<Value>,
}

/// The status of one chain.
#[derive(Debug, Clone)]
pub struct ChainStatus<'p> {
    /// Inline: most chains require a step or two.
    pub steps: SmallVec<[StepStatus<'p>; 2]>,
}

impl ChainStatus<'_> {
    /// True when every required step is granted.
    pub fn complete(&self) -> bool {
        self.steps.iter().all(|s| s.status == Status::Granted)
    }

    /// Ids of the steps with this status.
    pub fn with_status(&self, status: Status) -> Vec<String> {
        self.steps
            .iter()
            .filter(|s| s.status == status)
            .map(|s| s.step.id.clone())
            .collect()
    }
}

/// The status of every chain in declaration order, added to `chains`, against the evaluator's grants (checked
/// by the caller: see [`Grants::check`]). `program` is the evaluator's, named apart so the
/// statuses may outlive the grants.
pub fn all_chains<'p>(
    program: &'p Program,
    ev: &mut Evaluator<'_>,
    chains: &mut Chains<'p>,
) -> EvalResult<()> {
    for (index, chain) in program.approvals.iter().enumerate() {
        chains.push((chain, chain_status(program, ev, index)?));
    }
    Ok(())
}

/// The required steps of chain `index` and their status against the evaluator's grants.
pub fn chain_status<'p>(
    program: &'p Program,
    ev: &mut Evaluator<'_>,
    index: usize,
) -> EvalResult<ChainStatus<'p>> {
    let outcome = ev.chain(index)?;
    let Some(chain) = program.approvals.get(index) else {
        return Err(no_chain(index));
    };
    let mut steps = SmallVec::new();
    for found in outcome.steps.iter().flatten() {
        let Some(step) = chain.steps.get(found.index) else {
            continue;
        };
        let label = match (&found.label, &step.label) {
            (Some(text), _) => Cow::Owned(text.clone()),
            (None, crate::ir::Expr::Const(Value::Text(text))) => Cow::Borrowed(&**text),
            (None, _) => Cow::Borrowed(step.id.as_str()),
        };
        steps.push(StepStatus {
            step,
            label,
            status: found.status,
            granted_by: found.granted_by.clone(),
            refused: found.refused.clone(),
            fact_values: found.fact_values.clone(),
        });
    }
    Ok(ChainStatus { steps })
}

fn no_chain(index: usize) -> EvalError {
    EvalError::new(
        ErrorKind::InvalidRequest,
        format!("no approval chain #{index}"),
    )
}

/// Evaluates chain `index` against `grants` (the evaluator memoises the outcome: see
/// [`Evaluator::chain`]).
pub(super) fn evaluate_chain(
    ev: &mut Evaluator<'_>,
    index: usize,
    grants: Option<&dyn ChainGrants>,
) -> EvalResult<ChainOutcome> {
    let program = ev.program;
    let Some(chain) = program.approvals.get(index) else {
        return Err(no_chain(index));
    };
    let in_chain = |e: EvalError| e.or_rule(&chain.name);
    let requester = match &chain.requested_by {
        Some(requester) => match ev.eval(requester).map_err(in_chain)? {
            Value::Text(id) => Some(id),
            _ => None,
        },
        None => None,
    };
    let mut steps = Vec::new();
    // Whether every required step of the groups before the current one has its grants, and
    // whether the current group's steps so far have theirs (a step outside `parallel` is a
    // group of its own).
    let mut earlier_done = true;
    let mut group_done = true;
    let mut current_group = None;
    for (s, step) in chain.steps.iter().enumerate() {
        let in_step = |e: EvalError| e.or_rule(&format!("{}.{}", chain.name, step.id));
        if let Some(when) = &step.when {
            match ev.truth(when).map_err(in_step)? {
                Truth::True => {}
                Truth::Unknown => return Ok(ChainOutcome { steps: None }),
                Truth::False | Truth::Other => continue,
            }
        }
        let group = step.group.map_or(Group::Alone(s), Group::Parallel);
        if current_group != Some(group) {
            earlier_done &= group_done;
            group_done = true;
            current_group = Some(group);
        }
        let label = match &step.label {
            // Most labels are fixed texts: no value to build first.
            crate::ir::Expr::Const(Value::Text(_)) => None,
            label => Some(display(program, &ev.eval(label).map_err(in_step)?)),
        };
        let mut fact_values = Vec::with_capacity(step.facts.len());
        for fact in &step.facts {
            fact_values.push(ev.eval(&fact.expr).map_err(in_step)?);
        }
        let mut judged = Judged::default();
        if let Some(grants) = grants {
            let inputs = ev.inputs();
            for g in 0..grants.count(&step.id) {
                let Some(grant) = grants.grant(&step.id, g) else {
                    continue;
                };
                let mut facts = step
                    .depends_on
                    .iter()
                    .zip(&step.fact_fields)
                    .map(|(path, fields)| {
                        let (now, ty) = fact_value(program, inputs, fields);
                        (path.as_str(), now, ty)
                    })
                    .chain(
                        step.facts
                            .iter()
                            .zip(&fact_values)
                            .map(|(f, now)| (f.key.as_str(), now, &f.ty)),
                    );
                judged.judge(
                    program,
                    step,
                    requester.as_deref(),
                    earlier_done,
                    grant,
                    &mut facts,
                );
            }
        }
        let needed = step.needed() as usize;
        let status = if judged.current >= needed {
            Status::Granted
        } else if judged.granted_by.len() >= needed {
            Status::Stale
        } else {
            Status::Pending
        };
        // A stale grant still counts for the order: after a change only the stale step needs
        // approving again.
        group_done &= status != Status::Pending;
        steps.push(StepOutcome {
            index: s,
            label,
            status,
            granted_by: judged.granted_by,
            refused: judged.refused,
            fact_values,
        });
    }
    Ok(ChainOutcome { steps: Some(steps) })
}

/// A step on its own, or a `parallel` group: the unit the order is enforced between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Group {
    Alone(usize),
    Parallel(u32),
}

/// The grants of one step judged so far.
#[derive(Default)]
struct Judged {
    /// Each approver whose grants so far passed the checks before `duplicate_approver`, and
    /// whether one of them has current facts.
    approvers: Vec<(String, bool)>,
    granted_by: Vec<String>,
    refused: Vec<Refused>,
    /// How many counted approvers have a grant with current facts.
    current: usize,
}

impl Judged {
    /// Judges the next grant of `step`; `in_order` says whether every earlier required step
    /// outside the step's group has its grants.
    ///
    /// A second grant by one approver is a duplicate, except a current grant after a stale
    /// one: that is the approver approving again after a change, and replaces the stale one.
    fn judge(
        &mut self,
        program: &Program,
        step: &ApprovalStep,
        requester: Option<&str>,
        in_order: bool,
        grant: &dyn StepGrant,
        facts: &mut dyn Iterator<Item = Fact<'_>>,
    ) {
        let by = grant.by().unwrap_or_default();
        let refusal = if by.is_empty() {
            Some(Refusal::NoApprover)
        } else if grant
            .role()
            .is_some_and(|role| !step.roles.iter().any(|r| r == role))
        {
            Some(Refusal::WrongRole)
        } else if requester == Some(by) {
            Some(Refusal::SelfApproval)
        } else {
            let current = grant.current(program, facts);
            match self.approvers.iter_mut().find(|(a, _)| a == by) {
                Some((_, had_current)) if *had_current || !current => {
                    Some(Refusal::DuplicateApprover)
                }
                Some((_, had_current)) => {
                    // Approved again with the current facts.
                    *had_current = true;
                    if in_order {
                        self.current += 1;
                    }
                    (!in_order).then_some(Refusal::OutOfOrder)
                }
                None => {
                    self.approvers.push((by.to_string(), current));
                    if in_order {
                        self.granted_by.push(by.to_string());
                        self.current += usize::from(current);
                    }
                    (!in_order).then_some(Refusal::OutOfOrder)
                }
            }
        };
        if let Some(reason) = refusal {
            self.refused.push(Refused {
                by: by.to_string(),
                reason,
            });
        }
    }
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
