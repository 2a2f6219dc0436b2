//! Evaluation of a compiled [`Program`] against one input: lazy named values computed at most
//! once, three-valued logic for partial inputs (the configurator), and a trace of how each
//! value was reached.

/// An operand read in place when it is a constant (decision cells and list literals mostly
/// are), else evaluated into `$slot`: `let v: &Value = in_place!(self, expr, slot);`.
macro_rules! in_place {
    ($ev:expr, $cell:expr, $slot:ident) => {
        match $cell {
            crate::ir::Expr::Const(v) => v,
            e => {
                $slot = $ev.eval(e)?;
                &$slot
            }
        }
    };
}

/// An operand by reference: read at once when it is at hand ([`Evaluator::ready`]: most are),
/// else through [`Evaluator::operand_ref`] into `$slot`:
/// `let v: &Value = at_hand!(self, expr, slot);`. (A macro: a function returning the reference
/// found under the condition could not fall back to evaluating.)
macro_rules! at_hand {
    ($ev:expr, $e:expr, $slot:ident) => {
        match $ev.ready($e) {
            Some(value) => value,
            None => $ev.operand_ref($e, &mut $slot)?,
        }
    };
}

pub mod approvals;
mod builtins;
mod calls;
mod decision;
mod price;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use smallvec::SmallVec;

use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::ir::display::{self, display};
use crate::ir::{
    Aggregate, ArithOp, CompareOp, ContextValue, Expr, ForEach, FunctionBody, GlobalId, GlobalKind,
    Program, TableKey, TextPiece,
};
use crate::num;
use crate::value::Value;

pub use crate::value::values_equal;
pub use price::{PricedLine, Quote};

/// What an evaluation knows besides the input.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// The evaluation date (`as_of`).
    pub as_of: Option<NaiveDate>,
    /// When the workflow instance entered its state (triggers only).
    pub entered_at: Option<DateTime<Utc>>,
    /// Record a trace.
    pub trace: bool,
    /// The instant `now` (spec §23): the event's `at`, or the host's; else `as_of` at midnight.
    pub now: Option<DateTime<Utc>>,
    /// The workflow instance's state, previous state and actor (spec §24), where known.
    pub workflow: Option<WorkflowScope>,
}

/// What a workflow operation puts in scope of guards and triggers (spec §24).
#[derive(Debug, Clone)]
pub struct WorkflowScope {
    /// The current state's name (`state`).
    pub state: Value,
    /// `previous_state`: a text or `none`.
    pub previous_state: Value,
    /// `actor.id`: a text or `none`.
    pub actor_id: Value,
    /// `actor.roles`: a list of texts.
    pub actor_roles: Value,
}

/// One step of a trace: what was computed, from what.
#[derive(Debug, Clone)]
pub struct TraceEntry {
    /// `let`, `output`, `decision`, `constraint`.
    pub kind: &'static str,
    pub id: String,
    /// The values read, as (name, value).
    pub reads: Vec<(String, Value)>,
    /// For decisions: the matched rows (1-based) and their source lines.
    pub rows: Vec<(usize, usize)>,
    pub value: Value,
}

/// What a condition comes to: the `Bool` or `Unknown` that [`Evaluator::eval`] gives for it,
/// as one byte rather than a value (conditions are most of what rules evaluate, and a byte
/// comes back from a call in a register where a value goes through memory).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Truth {
    False,
    True,
    /// Not known yet (partial evaluation).
    Unknown,
    /// Neither a `Bool` nor `Unknown` (an absent optional value): treated as not known by
    /// `and`, `or`, `implies` and `if`, refused by `not`.
    Other,
}

impl Truth {
    fn of(value: &Value) -> Truth {
        match value {
            Value::Bool(false) => Truth::False,
            Value::Bool(true) => Truth::True,
            Value::Unknown => Truth::Unknown,
            _ => Truth::Other,
        }
    }

    fn from_bool(b: bool) -> Truth {
        if b { Truth::True } else { Truth::False }
    }

    /// The value of an operator's truth (operators never come to `Other`).
    fn to_value(self) -> Value {
        match self {
            Truth::False => Value::Bool(false),
            Truth::True => Value::Bool(true),
            Truth::Unknown | Truth::Other => Value::Unknown,
        }
    }
}

/// The deepest nesting of evaluation (values reading values) before it is refused; the
/// checker already rejects cycles, so this only guards pathological rulesets.
const MAX_DEPTH: u32 = 512;

/// Evaluates one input against a program. Create one per evaluation.
pub struct Evaluator<'p> {
    pub program: &'p Program,
    inputs: std::borrow::Cow<'p, [Value]>,
    pub context: Context,
    /// Kept inline up to a size most rulesets stay under: an evaluation then allocates
    /// nothing for its memo. Empty until a first value is kept, then one slot per value.
    memo: SmallVec<[Option<Value>; 16]>,
    constraint_memo: SmallVec<[Option<Truth>; 32]>,
    valid_memo: Option<Value>,
    /// The quotes of the price blocks computed so far (inline: most rulesets have one).
    quotes: SmallVec<[(GlobalId, Quote); 1]>,
    /// The locals of every open scope, one scope after another (inline up to a depth most
    /// rules stay under); the current scope's start at `frame`.
    locals: SmallVec<[Value; 8]>,
    frame: usize,
    /// Reused to build texts piece by piece (interpolations, line ids), so that each costs
    /// only the allocation of the text it makes.
    text_buffer: String,
    pub trace: Vec<TraceEntry>,
    depth: u32,
    /// What `violations` and `approvals.CHAIN` mean while a test's expectations run.
    pub test_facts: Option<crate::ir::test_case::TestFacts>,
    /// The grants of the approval chains (none unless [`Self::set_grants`] gave some).
    grants: &'p dyn approvals::Grants,
    /// Each chain's outcome once computed (empty until a chain is asked for).
    chains: Vec<ChainMemo>,
    /// The calls of functions made so far, each with its arguments and value.
    calls: calls::Calls,
}

/// What [`Evaluator::call_arguments`] finds for a call.
enum CallArguments {
    /// The value of the same call, made before.
    Remembered(Value),
    /// The arguments to make the call with, and their fingerprint.
    ToCall(u64, calls::Arguments),
}

/// A chain's outcome in the evaluator's memo.
#[derive(Debug, Clone, Default)]
enum ChainMemo {
    #[default]
    NotYet,
    /// Being computed: asked for again, the chain would depend on itself.
    InProgress,
    Done(Arc<approvals::ChainOutcome>),
}

impl<'p> Evaluator<'p> {
    /// An evaluator over already-read input values (one per top-level input field).
    pub fn new(
        program: &'p Program,
        inputs: impl Into<std::borrow::Cow<'p, [Value]>>,
        context: Context,
    ) -> Self {
        Evaluator {
            program,
            inputs: inputs.into(),
            context,
            // Sized when the first value is computed: an evaluator made with them
            // sized here was built apart and then copied whole into its caller's place.
            memo: SmallVec::new(),
            constraint_memo: SmallVec::new(),
            valid_memo: None,
            quotes: SmallVec::new(),
            locals: SmallVec::new(),
            frame: 0,
            text_buffer: String::new(),
            trace: Vec::new(),
            depth: 0,
            test_facts: None,
            calls: calls::Calls::default(),
            grants: &approvals::NoGrants,
            chains: Vec::new(),
        }
    }

    /// Gives the grants the approval chains are judged against (in place: an evaluator is a
    /// large value, and moving it through a builder method copied it).
    pub fn set_grants(&mut self, grants: &'p dyn approvals::Grants) {
        self.grants = grants;
    }

    /// Approval chain `index` against the grants (spec §22), computed at most once.
    pub fn chain(&mut self, index: usize) -> EvalResult<Arc<approvals::ChainOutcome>> {
        match self.chains.get(index) {
            Some(ChainMemo::Done(outcome)) => return Ok(Arc::clone(outcome)),
            Some(ChainMemo::InProgress) => {
                // The compiler refuses a chain that reads its own status: never reached.
                return Err(internal(format!(
                    "approval chain #{index} depends on its own status"
                )));
            }
            _ => {}
        }
        let program = self.program;
        let Some(chain) = program.approvals.get(index) else {
            return Err(internal(format!("no approval chain #{index}")));
        };
        if self.chains.len() < program.approvals.len() {
            self.chains
                .resize(program.approvals.len(), ChainMemo::NotYet);
        }
        if let Some(slot) = self.chains.get_mut(index) {
            *slot = ChainMemo::InProgress;
        }
        let all: &'p dyn approvals::Grants = self.grants;
        let grants = all.chain(&chain.name);
        let result = approvals::evaluate_chain(self, index, grants).map(Arc::new);
        let memo = match &result {
            Ok(outcome) => ChainMemo::Done(Arc::clone(outcome)),
            Err(_) => ChainMemo::NotYet,
        };
        if let Some(slot) = self.chains.get_mut(index) {
            *slot = memo;
        }
        result
    }

    /// The effective `as_of`: the context's, else the version's `effective` date.
    pub fn as_of(&self) -> Option<NaiveDate> {
        self.context.as_of.or(self.program.effective)
    }

    /// `now` (spec §23): the event's or the host's instant, else `as_of` at 00:00:00Z.
    pub fn now(&self) -> Option<DateTime<Utc>> {
        self.context
            .now
            .or_else(|| Some(self.as_of()?.and_time(chrono::NaiveTime::MIN).and_utc()))
    }

    /// `now`, `state`, `previous_state`, `actor.id`, `actor.roles`.
    fn context_value(&self, what: ContextValue) -> EvalResult<Value> {
        if what == ContextValue::Now {
            return self.now().map(Value::DateTime).ok_or_else(missing_as_of);
        }
        let Some(scope) = &self.context.workflow else {
            return Err(EvalError::new(
                ErrorKind::InvalidRequest,
                "the workflow's state and actor are only known in a workflow operation",
            ));
        };
        Ok(match what {
            ContextValue::State => scope.state.clone(),
            ContextValue::PreviousState => scope.previous_state.clone(),
            ContextValue::ActorId => scope.actor_id.clone(),
            ContextValue::ActorRoles => scope.actor_roles.clone(),
            ContextValue::Now => Value::None,
        })
    }

    /// The value of a named value (let, output, decision, price block), computed at most once.
    pub fn global(&mut self, id: GlobalId) -> EvalResult<Value> {
        self.ensure_global(id)?;
        Ok(self
            .memo
            .get(id as usize)
            .and_then(Option::clone)
            .unwrap_or(Value::Unknown))
    }

    /// Computes named value `id` into its memo slot unless it is there already (callers that
    /// read it in place need no copy of it).
    #[inline]
    fn ensure_global(&mut self, id: GlobalId) -> EvalResult<()> {
        match self.memo.get(id as usize) {
            Some(Some(_)) => Ok(()),
            _ => self.compute_global(id),
        }
    }

    /// Computes named value `id` into its memo slot.
    fn compute_global(&mut self, id: GlobalId) -> EvalResult<()> {
        let program = self.program;
        let Some(global) = program.global(id) else {
            return Err(EvalError::new(
                ErrorKind::InvalidRequest,
                format!("no value #{id}"),
            ));
        };
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return Err(EvalError::in_rule(
                ErrorKind::Overflow,
                &global.name,
                "values nest too deeply",
            ));
        }
        // Each value is lowered in its own scope.
        let mut rows = Vec::new();
        let result = self.in_own_scope(|ev| match &global.kind {
            GlobalKind::Let(e) | GlobalKind::Output(e) => ev.eval(e),
            GlobalKind::Decision(d) => ev.decision(&global.name, d, &mut rows),
            GlobalKind::Price(block) => ev.price(id, block),
        });
        self.depth -= 1;
        let value = result.map_err(|e| e.or_rule(&global.name))?;
        if self.context.trace {
            let kind = match &global.kind {
                GlobalKind::Let(_) => "let",
                GlobalKind::Output(_) => "output",
                GlobalKind::Decision(_) => "decision",
                GlobalKind::Price(_) => "price",
            };
            if kind != "price" {
                let reads = self.reads(&global.reads);
                self.trace.push(TraceEntry {
                    kind,
                    id: global.name.clone(),
                    reads,
                    rows,
                    value: value.clone(),
                });
            }
        }
        if self.memo.is_empty() {
            self.memo.resize(program.globals.len(), None);
        }
        if let Some(slot) = self.memo.get_mut(id as usize) {
            *slot = Some(value);
        }
        Ok(())
    }

    /// Runs `f` with locals of its own (each value, quote and table cell is lowered in its own
    /// scope): its slots start after the enclosing scope's, and are dropped when it ends.
    fn in_own_scope<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> T {
        let enclosing = std::mem::replace(&mut self.frame, self.locals.len());
        let out = f(self);
        self.locals.truncate(self.frame);
        self.frame = enclosing;
        out
    }

    /// Local `slot` of the current scope.
    pub(crate) fn local(&self, slot: u32) -> Option<&Value> {
        self.locals.get(self.frame + slot as usize)
    }

    /// The reusable text buffer, empty; give it back when done (`self.text_buffer = ...`).
    fn take_text_buffer(&mut self) -> String {
        let mut buffer = std::mem::take(&mut self.text_buffer);
        buffer.clear();
        // Most texts built here are short: one allocation for all of them.
        buffer.reserve(64);
        buffer
    }

    /// The top-level input values.
    pub(crate) fn inputs(&self) -> &[Value] {
        &self.inputs
    }

    /// Computes the quote of price block `id` unless it is there already, without building
    /// the value rules would read of it (results need the quote only).
    pub(crate) fn ensure_quote(&mut self, id: GlobalId) -> EvalResult<()> {
        self.quote_of_block(id).map(drop)
    }

    /// The quote of price block `id`, computed unless it is there already; `None` when `id`
    /// is not a price block or its quote cannot be computed yet (partial evaluation).
    pub(crate) fn quote_of_block(&mut self, id: GlobalId) -> EvalResult<Option<&Quote>> {
        let program = self.program;
        let Some((name, GlobalKind::Price(block))) = program.global(id).map(|g| (&g.name, &g.kind))
        else {
            return Ok(None);
        };
        if self.quote(id).is_none() {
            // As `global` does for any value: its own scope, and errors named by the block.
            let result = self.in_own_scope(|ev| ev.compute_quote(id, block));
            if !result.map_err(|e| e.or_rule(name))? {
                return Ok(None);
            }
        }
        Ok(self.quote(id))
    }

    /// Takes the quote a price block produced, leaving none behind.
    pub(crate) fn take_quote(&mut self, id: GlobalId) -> Option<Quote> {
        let index = self.quotes.iter().position(|(g, _)| *g == id)?;
        Some(self.quotes.swap_remove(index).1)
    }

    /// The quote a price block produced (after [`Self::global`] computed it).
    pub fn quote(&self, id: GlobalId) -> Option<&Quote> {
        self.quotes.iter().find(|(g, _)| *g == id).map(|(_, q)| q)
    }

    fn reads(&mut self, reads: &[(String, Expr)]) -> Vec<(String, Value)> {
        reads
            .iter()
            .map(|(name, e)| (name.clone(), self.eval(e).unwrap_or(Value::Unknown)))
            .collect()
    }

    /// Whether constraint `index` holds ([`Truth::Unknown`] in a partial evaluation).
    pub fn constraint(&mut self, index: usize) -> EvalResult<Truth> {
        if let Some(Some(truth)) = self.constraint_memo.get(index) {
            return Ok(*truth);
        }
        let program = self.program;
        let Some(c) = program.constraints.get(index) else {
            return Err(EvalError::new(
                ErrorKind::InvalidRequest,
                format!("no constraint #{index}"),
            ));
        };
        let truth = match &c.each {
            None => self.truth(&c.condition),
            Some(each) => self.each_truth(each, &c.condition),
        }
        .map_err(|e| e.or_rule(&c.id))?;
        if self.context.trace {
            let reads = self.reads(&c.reads);
            self.trace.push(TraceEntry {
                kind: "constraint",
                id: c.id.clone(),
                reads,
                rows: Vec::new(),
                value: truth.to_value(),
            });
        }
        if self.constraint_memo.is_empty() {
            self.constraint_memo.resize(program.constraints.len(), None);
        }
        if let Some(slot) = self.constraint_memo.get_mut(index) {
            *slot = Some(truth);
        }
        Ok(truth)
    }

    /// Whether `condition` holds for every element of a constraint's collection: false as soon
    /// as one element fails, unknown when one is unknown and none fails.
    fn each_truth(&mut self, each: &ForEach, condition: &Expr) -> EvalResult<Truth> {
        let collection = self.eval(&each.collection)?;
        if collection.is_unknown() {
            return Ok(Truth::Unknown);
        }
        let Some(items) = Items::of(collection) else {
            return Err(internal("a constraint over a non-collection".into()));
        };
        let mut truth = Truth::True;
        for item in items.iter() {
            match self.with_local(each.slot, item, |ev| ev.truth(condition))? {
                Truth::False => return Ok(Truth::False),
                Truth::True => {}
                Truth::Unknown | Truth::Other => truth = Truth::Unknown,
            }
        }
        Ok(truth)
    }

    /// The elements a constraint over elements fails for: each one's position in the
    /// collection, the element and its message, in collection order.
    pub fn failing_elements(&mut self, index: usize) -> EvalResult<Vec<(usize, Value, String)>> {
        let program = self.program;
        let Some(c) = program.constraints.get(index) else {
            return Ok(Vec::new());
        };
        let Some(each) = &c.each else {
            return Ok(Vec::new());
        };
        let in_rule = |e: EvalError| e.or_rule(&c.id);
        let collection = self.eval(&each.collection).map_err(in_rule)?;
        let Some(items) = Items::of(collection) else {
            return Ok(Vec::new());
        };
        let mut failing = Vec::new();
        for (position, item) in items.iter().enumerate() {
            let element = item.clone();
            let message = self.with_local(each.slot, item, |ev| -> EvalResult<Option<String>> {
                if ev.truth(&c.condition)? != Truth::False {
                    return Ok(None);
                }
                let message = ev.eval(&c.message)?;
                Ok(Some(display(program, &message)))
            });
            if let Some(message) = message.map_err(in_rule)? {
                failing.push((position, element, message));
            }
        }
        Ok(failing)
    }

    /// True when no `error` constraint is violated.
    pub fn valid(&mut self) -> EvalResult<Value> {
        if let Some(v) = &self.valid_memo {
            return Ok(v.clone());
        }
        let mut result = Value::Bool(true);
        for (i, c) in self.program.constraints.iter().enumerate() {
            if c.severity != ordo_dsl::ast::Severity::Error {
                continue;
            }
            match self.constraint(i)? {
                Truth::False => {
                    result = Value::Bool(false);
                    break;
                }
                Truth::True => {}
                Truth::Unknown | Truth::Other => result = Value::Unknown,
            }
        }
        self.valid_memo = Some(result.clone());
        Ok(result)
    }

    /// Binds a local variable for the duration of `f`.
    ///
    /// Slots are given out in order, so a binding's slot is at most one past the locals bound
    /// around it; a program that says otherwise (a damaged artifact) is refused rather than
    /// trusted to size the stack.
    fn with_local<T>(
        &mut self,
        slot: u32,
        value: Value,
        f: impl FnOnce(&mut Self) -> EvalResult<T>,
    ) -> EvalResult<T> {
        let slot = self.frame + slot as usize;
        if slot > self.locals.len() {
            return Err(internal(format!(
                "local slot {} is bound before the {} around it",
                slot - self.frame,
                self.locals.len() - self.frame
            )));
        }
        if self.locals.len() == slot {
            self.locals.push(Value::None);
        }
        let saved = self
            .locals
            .get_mut(slot)
            .map(|s| std::mem::replace(s, value));
        let out = f(self);
        if let (Some(saved), Some(s)) = (saved, self.locals.get_mut(slot)) {
            *s = saved;
        }
        out
    }

    /// A field of a record value computed by `target`.
    fn field(&mut self, target: &Expr, index: u32) -> EvalResult<Value> {
        Ok(match self.eval(target)? {
            Value::Record(fields) => fields.get(index as usize).cloned().unwrap_or(Value::None),
            Value::None => Value::None,
            Value::Unknown => Value::Unknown,
            other => return Err(internal(format!("field of a non-record {other:?}"))),
        })
    }

    /// Makes operand `e` readable in place when it is a path (a constant, an input, a local, a
    /// computed value other than a price block, fields of these), computing the values it
    /// reads first; `false` for any other expression, which must be evaluated.
    fn prepare_path(&mut self, e: &Expr) -> EvalResult<bool> {
        match e {
            Expr::Const(_) | Expr::Input(_) | Expr::Local(_) => Ok(true),
            // Computed already: read it (most reads of a named value are not its first).
            Expr::Global(g) if matches!(self.memo.get(*g as usize), Some(Some(_))) => Ok(true),
            Expr::Global(g) => match self.program.global(*g).map(|global| &global.kind) {
                // A price block's fields are read off its quote without building its value.
                None | Some(GlobalKind::Price(_)) => Ok(false),
                Some(_) => {
                    self.ensure_global(*g)?;
                    Ok(true)
                }
            },
            Expr::Field(target, _) => self.prepare_path(target),
            _ => Ok(false),
        }
    }

    /// The value of a path [`Self::prepare_path`] prepared, by reference: what [`Self::eval`]
    /// gives for it, without the copy.
    fn read_path<'a>(&'a self, e: &'a Expr) -> EvalResult<&'a Value> {
        static UNKNOWN: Value = Value::Unknown;
        static NONE: Value = Value::None;
        Ok(match e {
            Expr::Const(v) => v,
            Expr::Input(i) => self.inputs.get(*i as usize).unwrap_or(&UNKNOWN),
            Expr::Local(slot) => self.local(*slot).unwrap_or(&UNKNOWN),
            Expr::Global(g) => self
                .memo
                .get(*g as usize)
                .and_then(Option::as_ref)
                .unwrap_or(&UNKNOWN),
            Expr::Field(target, index) => match self.read_path(target)? {
                Value::Record(fields) => fields.get(*index as usize).unwrap_or(&NONE),
                Value::None => &NONE,
                Value::Unknown => &UNKNOWN,
                other => return Err(internal(format!("field of a non-record {other:?}"))),
            },
            other => return Err(internal(format!("{other:?} is not a path"))),
        })
    }

    /// An operand that needs no evaluation, by reference: a constant, an input, a local, a value
    /// computed already, or a field of a record among these; `None` for anything else (and
    /// for what [`Self::read_path`] answers with a placeholder), which the general path takes.
    /// One look instead of [`Self::prepare_path`] and [`Self::read_path`]'s two.
    #[inline]
    fn ready<'a>(&'a self, e: &'a Expr) -> Option<&'a Value> {
        match e {
            // One level of fields (`ship_to.country`), so that this stays inline; deeper paths
            // take the general path.
            Expr::Field(target, index) => match self.ready_leaf(target)? {
                Value::Record(fields) => fields.get(*index as usize),
                _ => None,
            },
            leaf => self.ready_leaf(leaf),
        }
    }

    /// [`Self::ready`] of a constant, an input, a local or a value computed already.
    #[inline(always)]
    fn ready_leaf<'a>(&'a self, e: &'a Expr) -> Option<&'a Value> {
        match e {
            Expr::Const(v) => Some(v),
            Expr::Input(i) => self.inputs.get(*i as usize),
            Expr::Local(slot) => self.local(*slot),
            Expr::Global(g) => self.memo.get(*g as usize)?.as_ref(),
            _ => None,
        }
    }

    /// Two operands, in order: paths read in place, anything else evaluated into its slot.
    /// Most operands are paths (`quantity >= 10`, `bike_weight[frame] * quantity`), and each
    /// saves a call and a copy of its value.
    fn operands<'a>(
        &'a mut self,
        (a, b): (&'a Expr, &'a Expr),
        (slot_a, slot_b): (&'a mut Value, &'a mut Value),
    ) -> EvalResult<(&'a Value, &'a Value)> {
        let a_is_path = self.prepare_path(a)?;
        if !a_is_path {
            *slot_a = self.eval(a)?;
        }
        let b_is_path = self.prepare_path(b)?;
        if !b_is_path {
            *slot_b = self.eval(b)?;
        }
        let this = &*self;
        Ok((
            if a_is_path {
                this.read_path(a)?
            } else {
                slot_a
            },
            if b_is_path {
                this.read_path(b)?
            } else {
                slot_b
            },
        ))
    }

    /// An operand's value by reference: a path read in place, anything else evaluated into
    /// `slot` (for callers that only look at it: no copy of a value just written).
    fn operand_ref<'a>(&'a mut self, e: &'a Expr, slot: &'a mut Value) -> EvalResult<&'a Value> {
        if self.prepare_path(e)? {
            self.read_path(e)
        } else {
            *slot = self.eval(e)?;
            Ok(slot)
        }
    }

    /// An operand's value: a path read in place and copied, anything else evaluated (inline:
    /// a decision reads each of its inputs through here).
    #[inline]
    fn operand(&mut self, e: &Expr) -> EvalResult<Value> {
        if let Some(value) = self.ready(e) {
            return Ok(value.clone());
        }
        if self.prepare_path(e)? {
            self.read_path(e).cloned()
        } else {
            self.eval(e)
        }
    }

    /// What a condition comes to (see [`Truth`]): the logic of `not`, comparisons, `and`, `or`,
    /// `implies`, `in` and `contains` on sets is here, [`Self::eval`] takes its values from it.
    pub fn truth(&mut self, e: &Expr) -> EvalResult<Truth> {
        Ok(match e {
            Expr::Not(x) => match self.truth(x)? {
                Truth::False => Truth::True,
                Truth::True => Truth::False,
                Truth::Unknown => Truth::Unknown,
                Truth::Other => return Err(internal("`not` of a non-boolean".into())),
            },
            Expr::Compare(op, a, b) => {
                // Most comparisons are of values at hand (`quantity >= 10`, `dealer != direct`).
                if let (Some(a), Some(b)) = (self.ready(a), self.ready(b)) {
                    return compare_truth(*op, a, b);
                }
                let (mut slot_a, mut slot_b) = (Value::None, Value::None);
                let (a, b) = self.operands((a, b), (&mut slot_a, &mut slot_b))?;
                return compare_truth(*op, a, b);
            }
            // `Unknown` and `Other` alike are "not known" to the connectives.
            Expr::And(a, b) => match self.truth(a)? {
                Truth::False => Truth::False,
                left => match (left, self.truth(b)?) {
                    (_, Truth::False) => Truth::False,
                    (Truth::True, Truth::True) => Truth::True,
                    _ => Truth::Unknown,
                },
            },
            Expr::Or(a, b) => match self.truth(a)? {
                Truth::True => Truth::True,
                left => match (left, self.truth(b)?) {
                    (_, Truth::True) => Truth::True,
                    (Truth::False, Truth::False) => Truth::False,
                    _ => Truth::Unknown,
                },
            },
            Expr::Implies(a, b) => match self.truth(a)? {
                Truth::False => Truth::True,
                left => match (left, self.truth(b)?) {
                    (_, Truth::True) => Truth::True,
                    (Truth::True, Truth::False) => Truth::False,
                    _ => Truth::Unknown,
                },
            },
            Expr::InList(x, list) => {
                // `size in [m, l]`: a list of constants is compared with the operand in place.
                if let Expr::List(items) = &**list
                    && items.iter().all(|item| matches!(item, Expr::Const(_)))
                {
                    let mut slot = Value::None;
                    let x = at_hand!(self, x, slot);
                    if x.is_unknown() {
                        return Ok(Truth::Unknown);
                    }
                    let listed = items
                        .iter()
                        .any(|item| matches!(item, Expr::Const(v) if values_equal(v, x)));
                    return Ok(Truth::from_bool(listed));
                }
                let x = self.operand(x)?;
                if x.is_unknown() {
                    return Ok(Truth::Unknown);
                }
                if let Expr::List(items) = &**list {
                    // `x in [a, b]`: compare with each item, building no list.
                    let mut unknown = false;
                    for item in items {
                        let owned;
                        match in_place!(self, item, owned) {
                            Value::Unknown => unknown = true,
                            v if values_equal(v, &x) => return Ok(Truth::True),
                            _ => {}
                        }
                    }
                    return Ok(if unknown {
                        Truth::Unknown
                    } else {
                        Truth::False
                    });
                }
                match self.eval(list)? {
                    Value::Unknown => Truth::Unknown,
                    Value::List(items) => {
                        Truth::from_bool(items.iter().any(|i| values_equal(i, &x)))
                    }
                    other => return Err(internal(format!("`in` over {other:?}"))),
                }
            }
            Expr::SetContains(set, elem) => {
                if let (Some(set), Some(elem)) = (self.ready(set), self.ready(elem)) {
                    return set_contains(set, elem);
                }
                let (mut set_slot, mut elem_slot) = (Value::None, Value::None);
                let (set, elem) = self.operands((set, elem), (&mut set_slot, &mut elem_slot))?;
                return set_contains(set, elem);
            }
            _ => Truth::of(&self.eval(e)?),
        })
    }

    /// Evaluates an expression.
    pub fn eval(&mut self, e: &Expr) -> EvalResult<Value> {
        macro_rules! known {
            ($v:expr) => {{
                let v = $v;
                if v.is_unknown() {
                    return Ok(Value::Unknown);
                }
                v
            }};
        }
        Ok(match e {
            Expr::Const(v) => v.clone(),
            Expr::Input(i) => self
                .inputs
                .get(*i as usize)
                .cloned()
                .unwrap_or(Value::Unknown),
            // Arms whose value a call returns return it as it is: the callee writes it
            // straight into this call's result, with no copy between (each copy of a value
            // just written stalls on its way through memory).
            Expr::Global(g) => return self.global(*g),
            Expr::Local(slot) => self.local(*slot).cloned().unwrap_or(Value::Unknown),
            Expr::AsOf => match self.as_of() {
                Some(d) => Value::Date(d),
                None => return Err(missing_as_of()),
            },
            Expr::Valid => return self.valid(),
            Expr::Context(what) => return self.context_value(*what),
            Expr::EnteredAt => match self.context.entered_at {
                Some(t) => Value::DateTime(t),
                None => {
                    return Err(EvalError::new(
                        ErrorKind::InvalidRequest,
                        "`entered_at` is only known in a workflow event",
                    ));
                }
            },
            Expr::TestViolations => {
                let ids = self
                    .test_facts
                    .as_ref()
                    .map(|f| f.violations.clone())
                    .unwrap_or_default();
                Value::List(ids.iter().map(|s| Value::text(s)).collect())
            }
            Expr::TestApprovals(chain) => {
                let ids = self
                    .test_facts
                    .as_ref()
                    .and_then(|f| f.approvals.get(*chain as usize).cloned())
                    .unwrap_or_default();
                Value::List(ids.iter().map(|s| Value::text(s)).collect())
            }
            Expr::TestWorkflow(fact) => {
                let texts =
                    |items: &[String]| Value::List(items.iter().map(|s| Value::text(s)).collect());
                match self.test_facts.as_ref().and_then(|f| f.workflow.as_ref()) {
                    None => {
                        return Err(EvalError::new(
                            ErrorKind::InvalidRequest,
                            "a test reads `enabled`, `state` and `actions` after `state S` sets its workflow",
                        ));
                    }
                    Some(facts) => match fact {
                        crate::ir::test_case::WorkflowFact::Enabled => texts(&facts.enabled),
                        crate::ir::test_case::WorkflowFact::State => Value::text(&facts.state),
                        crate::ir::test_case::WorkflowFact::Actions => texts(&facts.actions),
                    },
                }
            }
            Expr::Chain(index) => {
                let outcome = self.chain(*index as usize)?;
                match self.program.approvals.get(*index as usize) {
                    Some(chain) => outcome.value(chain),
                    None => Value::Unknown,
                }
            }
            Expr::Field(target, index) => {
                // `quote.total`, `quote.net`: read off the quote, without building its value.
                if let Expr::Global(g) = &**target
                    && !matches!(self.memo.get(*g as usize), Some(Some(_)))
                    && let Some(value) = price::quote_field(self.quote_of_block(*g)?, *index)
                {
                    return Ok(value);
                }
                // `ship_to.country`: read in place, without a copy of the whole record.
                if let Some(value) = self.ready(e) {
                    return Ok(value.clone());
                }
                if self.prepare_path(e)? {
                    return self.read_path(e).cloned();
                }
                return self.field(target, *index);
            }
            Expr::TableLookup {
                table,
                key,
                optional,
                at,
            } => {
                let program = self.program;
                let as_of = match at {
                    Some(at) => match known!(self.eval(at)?) {
                        Value::Date(d) => Some(d),
                        // `t[k] at none`: the evaluation's own date.
                        Value::None => self.as_of(),
                        other => return Err(internal(format!("a lookup at {other:?}"))),
                    },
                    None => self.as_of(),
                };
                let mut slot = Value::None;
                let mut parts: SmallVec<[Value; 4]> = SmallVec::new();
                let key = match &**key {
                    // A composite key (`drive_price[p.drive, size]`): its components, evaluated
                    // in order as the record of them would be, compared with the rows' in
                    // place, with no record made for them.
                    Expr::Record(components) => {
                        for component in components {
                            parts.push(self.eval(component)?);
                        }
                        TableKey::Parts(&parts)
                    }
                    key => {
                        let key = at_hand!(self, key, slot);
                        if key.is_unknown() {
                            return Ok(Value::Unknown);
                        }
                        TableKey::Value(key)
                    }
                };
                let (name, row) = match table_row(program, as_of, *table, key, *optional)? {
                    Some(found) => found,
                    // `T[k]?` of a key without a row: `none`, and no error to build.
                    None => return Ok(Value::None),
                };
                if let Expr::Const(value) = row {
                    // Most rows are constants: no scope to open.
                    return Ok(value.clone());
                }
                return self
                    .in_own_scope(|ev| ev.eval(row))
                    .map_err(|e| e.or_rule(name));
            }
            Expr::BandsPrice(mode, bands, qty) => {
                let program = self.program;
                let mut slot = Value::None;
                let q = known!(at_hand!(self, qty, slot));
                return bands_price(program, *mode, *bands, q);
            }
            Expr::Neg(x) => match known!(self.eval(x)?) {
                Value::Number(n) => Value::Number(num::neg(n)),
                Value::Duration(s) => {
                    Value::Duration(s.checked_neg().ok_or_else(|| overflow("-"))?)
                }
                Value::None => Value::None,
                other => return Err(internal(format!("negation of {other:?}"))),
            },
            Expr::Arith(op, a, b) => {
                if let (Some(a), Some(b)) = (self.ready(a), self.ready(b)) {
                    return arith(*op, a, b);
                }
                let (mut slot_a, mut slot_b) = (Value::None, Value::None);
                let (a, b) = self.operands((a, b), (&mut slot_a, &mut slot_b))?;
                return arith(*op, a, b);
            }
            Expr::DateShift {
                subtract,
                date,
                duration,
            } => {
                let d = known!(self.eval(date)?);
                let Value::Duration(secs) = known!(self.eval(duration)?) else {
                    return Err(internal("date shift by a non-duration".into()));
                };
                let secs = if *subtract {
                    secs.checked_neg().ok_or_else(|| overflow("-"))?
                } else {
                    secs
                };
                return builtins::shift_date(&d, secs);
            }
            Expr::Not(_)
            | Expr::Compare(..)
            | Expr::And(..)
            | Expr::Or(..)
            | Expr::Implies(..)
            | Expr::InList(..)
            | Expr::SetContains(..) => self.truth(e)?.to_value(),
            Expr::InRange {
                value,
                lo,
                hi,
                half_open,
            } => {
                let v = known!(self.eval(value)?);
                let lo = known!(self.eval(lo)?);
                let hi = known!(self.eval(hi)?);
                let above = compare(CompareOp::Ge, &v, &lo)?;
                let below = compare(
                    if *half_open {
                        CompareOp::Lt
                    } else {
                        CompareOp::Le
                    },
                    &v,
                    &hi,
                )?;
                Value::Bool(above && below)
            }
            Expr::ListContains(list, elem) => {
                let elem = known!(self.eval(elem)?);
                match known!(self.eval(list)?) {
                    Value::List(items) => Value::Bool(items.iter().any(|i| values_equal(i, &elem))),
                    other => return Err(internal(format!("`contains` on {other:?}"))),
                }
            }
            Expr::Coalesce(a, b) => match self.eval(a)? {
                Value::None => return self.eval(b),
                v => v,
            },
            Expr::If(c, t, f) => match self.truth(c)? {
                Truth::True => return self.eval(t),
                Truth::False => return self.eval(f),
                Truth::Unknown | Truth::Other => {
                    // Unknown condition: known only if both branches agree.
                    let t = self.eval(t).unwrap_or(Value::Unknown);
                    let f = self.eval(f).unwrap_or(Value::Unknown);
                    if !t.is_unknown() && values_equal(&t, &f) {
                        t
                    } else {
                        Value::Unknown
                    }
                }
            },
            Expr::Match {
                scrutinee,
                arms,
                default,
            } => {
                let s = known!(self.eval(scrutinee)?);
                for (patterns, body) in arms {
                    for p in patterns {
                        if values_equal(&self.eval(p)?, &s) {
                            return self.eval(body);
                        }
                    }
                }
                match default {
                    Some(d) => return self.eval(d),
                    None => {
                        return Err(EvalError::new(
                            ErrorKind::NoMatch,
                            "no arm of `match` matches",
                        ));
                    }
                }
            }
            Expr::List(items) => {
                let values = items
                    .iter()
                    .map(|i| self.eval(i))
                    .collect::<EvalResult<Vec<_>>>()?;
                Value::List(Arc::from(values))
            }
            Expr::SetOf(enum_id, items) => {
                let mut members = Vec::new();
                for item in items {
                    match known!(self.eval(item)?) {
                        Value::Enum(_, v) => members.push(v),
                        other => return Err(internal(format!("set element {other:?}"))),
                    }
                }
                Value::set(*enum_id, members)
            }
            Expr::Record(fields) => {
                // Filled in place, in the record's one allocation (collecting into a vector
                // first allocated twice and copied): an iterator of known length lets `Arc`
                // allocate once, and the record is unique until returned.
                let mut record: Arc<[Value]> = fields.iter().map(|_| Value::None).collect();
                let Some(slots) = Arc::get_mut(&mut record) else {
                    return Err(internal("a new record is shared".into()));
                };
                for (slot, field) in slots.iter_mut().zip(fields) {
                    *slot = self.eval(field)?;
                }
                Value::Record(record)
            }
            Expr::Text(pieces) => {
                if let [TextPiece::Value(e)] = pieces.as_slice() {
                    // `"{name}"` of a text is that text: share it.
                    match known!(self.eval(e)?) {
                        text @ Value::Text(_) => return Ok(text),
                        other => return Ok(Value::text(&display(self.program, &other))),
                    }
                }
                // Pieces may hold interpolations of their own: the buffer is taken meanwhile.
                let mut out = self.take_text_buffer();
                for piece in pieces {
                    match piece {
                        TextPiece::Literal(s) => out.push_str(s),
                        TextPiece::Value(e) => {
                            let program = self.program;
                            if let Some(v) = self.ready(e)
                                && !v.is_unknown()
                            {
                                display::display_into(&mut out, program, v);
                                continue;
                            }
                            let mut slot = Value::None;
                            match self.operand_ref(e, &mut slot) {
                                Ok(v) if !v.is_unknown() => {
                                    display::display_into(&mut out, program, v);
                                }
                                other => {
                                    let unknown = other.map(|_| Value::Unknown);
                                    self.text_buffer = out;
                                    return unknown;
                                }
                            }
                        }
                    }
                }
                let text = Value::text(&out);
                self.text_buffer = out;
                text
            }
            Expr::Call(builtin, args) => {
                // Built-ins take one to three arguments: kept on the stack, no allocation.
                let mut values: SmallVec<[Value; 4]> = SmallVec::with_capacity(args.len());
                for a in args {
                    values.push(self.eval(a)?);
                }
                if *builtin != crate::ir::Builtin::IsSome && values.iter().any(Value::is_unknown) {
                    return Ok(Value::Unknown);
                }
                return builtins::call(*builtin, &values, &self.program.calendars);
            }
            Expr::RoundMode(x, places, mode) => {
                let x = known!(self.eval(x)?);
                let places = known!(self.eval(places)?);
                return builtins::round(&x, &places, *mode);
            }
            Expr::ListIndex(list, position) => {
                let list = known!(self.eval(list)?);
                let position = known!(self.eval(position)?);
                let items: &[Value] = match &list {
                    Value::List(items) => items,
                    Value::None => &[],
                    other => return Err(internal(format!("index of {other:?}"))),
                };
                let Value::Number(n) = position else {
                    return Err(internal(format!("a list position {position:?}")));
                };
                let found = num::to_i64(n)
                    .and_then(|i| usize::try_from(i).ok())
                    .and_then(|i| items.get(i));
                return match found {
                    Some(item) => Ok(item.clone()),
                    None => Err(EvalError::new(
                        ErrorKind::IndexOutOfRange,
                        format!(
                            "position {} is outside the list ({} element(s); positions start at 0)",
                            num::to_string(n),
                            items.len()
                        ),
                    )),
                };
            }
            Expr::CallFunction(id, args) => return self.call_function(*id, args),
            Expr::ListOf {
                slot,
                collection,
                body,
                filter,
            } => {
                let collection = known!(self.eval(collection)?);
                let Some(items) = Items::of(collection) else {
                    return Err(internal("a list over a non-collection".into()));
                };
                // One value per element, unless a filter drops some.
                let mut out = Vec::with_capacity(items.len());
                let mut unknown = false;
                for item in items.iter() {
                    let value =
                        self.with_local(*slot, item, |ev| -> EvalResult<Option<Value>> {
                            if let Some(f) = filter {
                                match ev.eval(f)? {
                                    Value::Bool(true) => {}
                                    Value::Bool(false) => return Ok(None),
                                    _ => return Ok(Some(Value::Unknown)),
                                }
                            }
                            ev.eval(body).map(Some)
                        })?;
                    match value {
                        Some(v) if v.is_unknown() => unknown = true,
                        Some(v) => out.push(v),
                        None => {}
                    }
                }
                if unknown {
                    return Ok(Value::Unknown);
                }
                return Ok(Value::List(Arc::from(out)));
            }
            Expr::Aggregate {
                function,
                slot,
                collection,
                body,
                filter,
            } => {
                let mut owned = Value::None;
                let collection = known!(at_hand!(self, collection, owned));
                let Some(items) = Items::of(collection.clone()) else {
                    return Err(internal(format!("aggregate over {collection:?}")));
                };
                return self.aggregate(*function, *slot, items.iter(), body, filter.as_deref());
            }
        })
    }

    /// The arguments of a call of function `id`, or the value of the same call made before
    /// (in a traced evaluation every call is made: spec §19 traces each one).
    ///
    /// Arguments at hand (an element, a field of one, a value computed already: most calls
    /// pass only these) are looked at in place, and a remembered call is found without
    /// copying them. The copies this saves are mostly of shared values, whose counts are
    /// atomic: they cost more time than their instructions say (a tenth of the conveyors
    /// quote's time, for 2 % of its instructions; benches/RESULTS.md).
    fn call_arguments(&mut self, id: u32, args: &[Expr]) -> EvalResult<CallArguments> {
        {
            let this = &*self;
            let mut at_hand: SmallVec<[&Value; 4]> = SmallVec::new();
            for arg in args {
                match this.ready(arg) {
                    Some(value) => at_hand.push(value),
                    None => break,
                }
            }
            if at_hand.len() == args.len() {
                return Ok(match this.remembered_call(id, &at_hand) {
                    Ok(value) => CallArguments::Remembered(value),
                    Err(fingerprint) => {
                        let values = at_hand.iter().map(|&value| value.clone()).collect();
                        CallArguments::ToCall(fingerprint, values)
                    }
                });
            }
        }
        let mut values: calls::Arguments = SmallVec::with_capacity(args.len());
        for arg in args {
            values.push(self.eval(arg)?);
        }
        Ok(match self.remembered_call(id, &values) {
            Ok(value) => CallArguments::Remembered(value),
            Err(fingerprint) => CallArguments::ToCall(fingerprint, values),
        })
    }

    /// The value of an earlier call of function `id` with these arguments, or (none being
    /// remembered, or the evaluation traced) their fingerprint, to remember the call by.
    fn remembered_call<A: std::borrow::Borrow<Value>>(
        &self,
        id: u32,
        arguments: &[A],
    ) -> Result<Value, u64> {
        let fingerprint = calls::fingerprint(arguments);
        if self.context.trace {
            return Err(fingerprint);
        }
        match self.calls.find(id, fingerprint, arguments) {
            Some(value) => Ok(value.clone()),
            None => Err(fingerprint),
        }
    }

    /// A call of a function or a decision with parameters: the arguments, evaluated in the
    /// caller's scope, become the first locals of the callee's own.
    fn call_function(&mut self, id: u32, args: &[Expr]) -> EvalResult<Value> {
        let program = self.program;
        let Some(function) = program.functions.get(id as usize) else {
            return Err(internal(format!("no function #{id}")));
        };
        let (fingerprint, values) = match self.call_arguments(id, args)? {
            CallArguments::Remembered(value) => return Ok(value),
            CallArguments::ToCall(fingerprint, values) => (fingerprint, values),
        };
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.depth -= 1;
            return Err(EvalError::in_rule(
                ErrorKind::Overflow,
                &function.name,
                "calls nest too deeply",
            ));
        }
        let mut rows = Vec::new();
        let result = self.in_own_scope(|ev| {
            // Cloned, not moved in and back out: the moves of the arguments cost more than the
            // counts of their shared values (measured, at 10 and at 200 positions).
            ev.locals.extend(values.iter().cloned());
            match &function.body {
                FunctionBody::Expr(body) => ev.eval(body),
                FunctionBody::Decision(decision) => {
                    ev.decision(&function.name, decision, &mut rows)
                }
            }
        });
        self.depth -= 1;
        let value = result.map_err(|e| e.or_rule(&function.name))?;
        if !self.context.trace {
            // A traced evaluation makes every call: nothing to remember for it.
            self.calls.remember(id, fingerprint, values, value.clone());
        } else if matches!(function.body, FunctionBody::Decision(_)) {
            // Each call of a decision with parameters is traced with its arguments.
            let reads = function
                .params
                .iter()
                .map(|(name, _)| name.clone())
                .zip(values)
                .collect();
            self.trace.push(TraceEntry {
                kind: "decision",
                id: function.name.clone(),
                reads,
                rows,
                value: value.clone(),
            });
        }
        Ok(value)
    }

    fn aggregate(
        &mut self,
        function: Aggregate,
        slot: u32,
        items: impl Iterator<Item = Value>,
        body: &Expr,
        filter: Option<&Expr>,
    ) -> EvalResult<Value> {
        // Folded as the items come: no list of the body's values is kept.
        let mut unknown = false;
        let mut count = 0i64;
        let mut total = Decimal::ZERO;
        let mut best: Option<Value> = None;
        let (mut saw_true, mut saw_false) = (false, false);
        for item in items {
            let (keep, value) =
                self.with_local(slot, item, |ev| -> EvalResult<(Value, Value)> {
                    let keep = match filter {
                        Some(f) => ev.eval(f)?,
                        None => Value::Bool(true),
                    };
                    let value = if keep == Value::Bool(false) {
                        Value::None
                    } else {
                        ev.eval(body)?
                    };
                    Ok((keep, value))
                })?;
            match keep {
                Value::Bool(false) => continue,
                Value::Bool(true) => {}
                _ => unknown = true,
            }
            if value.is_unknown() {
                unknown = true;
                continue;
            }
            match function {
                // `count(x in c: p)` counts the elements where p holds; the `for` form counts
                // the kept elements (a `false` body is not counted either).
                Aggregate::Count => {
                    if value != Value::Bool(false) {
                        count += 1;
                    }
                }
                Aggregate::Sum => {
                    if let Value::Number(n) = value {
                        total = num::add(total, n)?;
                    }
                }
                Aggregate::Min | Aggregate::Max => {
                    best = Some(match best {
                        None => value,
                        Some(b) => {
                            let op = if function == Aggregate::Min {
                                CompareOp::Lt
                            } else {
                                CompareOp::Gt
                            };
                            if compare(op, &value, &b)? { value } else { b }
                        }
                    });
                }
                Aggregate::Any => saw_true |= value == Value::Bool(true),
                Aggregate::All => saw_false |= value == Value::Bool(false),
            }
        }
        let result = match function {
            Aggregate::Count => Value::Number(Decimal::from(count)),
            Aggregate::Sum => Value::Number(total),
            Aggregate::Min | Aggregate::Max => best.unwrap_or(Value::None),
            // One `true` decides `any`, one `false` decides `all`, whatever else is unknown.
            Aggregate::Any if saw_true => return Ok(Value::Bool(true)),
            Aggregate::Any => Value::Bool(false),
            Aggregate::All if saw_false => return Ok(Value::Bool(false)),
            Aggregate::All => Value::Bool(true),
        };
        Ok(if unknown { Value::Unknown } else { result })
    }
}

fn missing_as_of() -> EvalError {
    EvalError::new(
        ErrorKind::MissingAsOf,
        "this rule needs the evaluation date `as_of`, and none was given",
    )
    .with_hint("pass --as-of YYYY-MM-DD, or give the ruleset an `effective` date")
}

/// The row of table `table_id` for `key` (its default when no row has the key) in the
/// version in effect on `as_of`, with the table's name. A key without a row is an error,
/// unless the lookup is `optional` (`T[k]?`): then `None`, with no message built for it.
fn table_row<'p>(
    program: &'p Program,
    as_of: Option<NaiveDate>,
    table_id: u32,
    key: TableKey<'_>,
    optional: bool,
) -> EvalResult<Option<(&'p str, &'p Expr)>> {
    let Some(table) = program.tables.get(table_id as usize) else {
        return Err(internal(format!("no table #{table_id}")));
    };
    let variant = if table.variants.len() == 1
        && table
            .variants
            .first()
            .is_some_and(|v| v.effective.is_none())
    {
        table.variants.first()
    } else {
        let as_of = as_of.ok_or_else(|| missing_as_of().or_rule(&table.name))?;
        table
            .variants
            .iter()
            .find(|v| v.effective.is_none_or(|d| d <= as_of))
    };
    let Some(variant) = variant else {
        if optional {
            return Ok(None);
        }
        return Err(EvalError::in_rule(
            ErrorKind::MissingKey,
            &table.name,
            format!(
                "no version of table `{}` is in effect on {}",
                table.name,
                as_of.map(|d| d.to_string()).unwrap_or_default()
            ),
        ));
    };
    let row = if variant.validity.is_empty() {
        variant.row_of(key).map(|(_, e)| e)
    } else {
        let date = as_of.ok_or_else(|| missing_as_of().or_rule(&table.name))?;
        variant.row_on(key, date)
    }
    .or_else(|| variant.pattern_row(key));
    match (row, &variant.default) {
        (Some(e), _) => Ok(Some((&table.name, e))),
        (None, Some(default)) => Ok(Some((&table.name, default))),
        // An optional lookup of a key without a row is `none`: no message to build (a data
        // file's table may have many thousand keys).
        (None, None) if optional => Ok(None),
        (None, None) => Err(EvalError::in_rule(
            ErrorKind::MissingKey,
            &table.name,
            format!(
                "table `{}` has no row for {}",
                table.name,
                key_text(program, key)
            ),
        )
        .with_hint(keys_hint(program, variant))),
    }
}

/// A table key as rules write it: `"C-1001"`, or `("C-1001", c20)` for a composite key.
fn key_text<'k>(program: &Program, key: impl Into<TableKey<'k>>) -> String {
    let composite = |parts: &[Value]| {
        format!(
            "({})",
            parts
                .iter()
                .map(|p| display::quoted(program, p))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    match key.into() {
        TableKey::Parts(parts) => composite(parts),
        TableKey::Value(Value::Record(parts)) => composite(parts),
        TableKey::Value(other) => display::quoted(program, other),
    }
}

/// "the keys are ...": the first few keys of a table (a data file's may have thousands), each
/// once.
fn keys_hint(program: &Program, variant: &crate::ir::TableVariant) -> String {
    const SHOWN: usize = 10;
    let mut keys: Vec<&Value> = variant.rows.iter().map(|(k, _)| k).collect();
    keys.dedup_by(|a, b| crate::value::values_equal(a, b));
    let shown: Vec<String> = keys
        .iter()
        .take(SHOWN)
        .map(|k| key_text(program, *k))
        .collect();
    match keys.len().checked_sub(SHOWN) {
        Some(more) if more > 0 => format!("the keys include {} and {more} more", shown.join(", ")),
        _ => format!("the keys are {}", shown.join(", ")),
    }
}

/// The elements an aggregate or a price block's `for` runs over, held while its body is
/// evaluated: a list's values, or a set's members (made one at a time, no list of them).
pub(super) enum Items {
    List(Arc<[Value]>),
    Set(crate::types::EnumId, Arc<[u32]>),
}

impl Items {
    /// The elements of a list, a set or `none` (no elements); `None` for any other value.
    pub(super) fn of(collection: Value) -> Option<Items> {
        Some(match collection {
            Value::List(items) => Items::List(items),
            Value::Set(e, members) => Items::Set(e, members),
            Value::None => Items::List(Arc::from([])),
            _ => return None,
        })
    }

    /// How many elements there are.
    pub(super) fn len(&self) -> usize {
        match self {
            Items::List(items) => items.len(),
            Items::Set(_, members) => members.len(),
        }
    }

    /// The elements, in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = Value> + '_ {
        // One of the two is empty: a chain is one iterator type for both kinds.
        let (values, enum_id, members): (&[Value], _, &[u32]) = match self {
            Items::List(items) => (items, 0, &[]),
            Items::Set(e, members) => (&[], *e, members),
        };
        let members = members.iter().map(move |m| Value::Enum(enum_id, *m));
        values.iter().cloned().chain(members)
    }
}

/// The price bands `bands_id` give for quantity `qty`.
fn bands_price(
    program: &Program,
    mode: crate::ir::BandsMode,
    bands_id: u32,
    qty: &Value,
) -> EvalResult<Value> {
    let Some(bands) = program.bands.get(bands_id as usize) else {
        return Err(internal(format!("no bands #{bands_id}")));
    };
    let Value::Number(q) = qty else {
        return Err(internal("bands of a non-number".into()));
    };
    builtins::bands(bands, mode, *q).map(Value::Number)
}

fn internal(message: String) -> EvalError {
    EvalError::new(
        ErrorKind::InvalidValue,
        format!("internal error: {message}"),
    )
}

fn overflow(op: &str) -> EvalError {
    EvalError::new(
        ErrorKind::Overflow,
        format!("the result of `{op}` is out of range"),
    )
}

/// Arithmetic on two values: unknown when an operand is.
fn arith(op: ArithOp, a: &Value, b: &Value) -> EvalResult<Value> {
    if a.is_unknown() || b.is_unknown() {
        return Ok(Value::Unknown);
    }
    Ok(match (a, b) {
        (Value::Number(x), Value::Number(y)) => Value::Number(match op {
            ArithOp::Add => num::add(*x, *y)?,
            ArithOp::Sub => num::sub(*x, *y)?,
            ArithOp::Mul => num::mul(*x, *y)?,
            ArithOp::Div => num::div(*x, *y)?,
        }),
        // Spec §23: instants and dates subtract to durations.
        (Value::DateTime(x), Value::DateTime(y)) if op == ArithOp::Sub => {
            Value::Duration((*x - *y).num_seconds())
        }
        (Value::Date(x), Value::Date(y)) if op == ArithOp::Sub => Value::Duration(
            (*x - *y)
                .num_days()
                .checked_mul(86_400)
                .ok_or_else(|| overflow("-"))?,
        ),
        (Value::Duration(x), Value::Duration(y)) => Value::Duration(match op {
            ArithOp::Add => x.checked_add(*y).ok_or_else(|| overflow("+"))?,
            ArithOp::Sub => x.checked_sub(*y).ok_or_else(|| overflow("-"))?,
            _ => return Err(internal("duration arithmetic".into())),
        }),
        (Value::None, _) | (_, Value::None) => {
            return Err(EvalError::new(
                ErrorKind::InvalidValue,
                "arithmetic on an absent value (`none`)",
            ));
        }
        _ => return Err(internal(format!("arithmetic on {a:?} and {b:?}"))),
    })
}

/// Whether `set` contains enum value `elem`, as a condition.
fn set_contains(set: &Value, elem: &Value) -> EvalResult<Truth> {
    let index = match elem {
        Value::Enum(_, index) => *index,
        Value::Unknown => return Ok(Truth::Unknown),
        _ => return Err(internal("set element is not an enum value".into())),
    };
    Ok(match set {
        Value::Set(_, members) => Truth::from_bool(members.binary_search(&index).is_ok()),
        Value::PartialSet(_, members) if members.binary_search(&index).is_ok() => Truth::True,
        Value::PartialSet(..) | Value::Unknown => Truth::Unknown,
        other => return Err(internal(format!("`contains` on {other:?}"))),
    })
}

/// A comparison as a condition: unknown when an operand is.
fn compare_truth(op: CompareOp, a: &Value, b: &Value) -> EvalResult<Truth> {
    if a.is_unknown() || b.is_unknown() {
        return Ok(Truth::Unknown);
    }
    compare(op, a, b).map(Truth::from_bool)
}

/// Compares two known values.
pub fn compare(op: CompareOp, a: &Value, b: &Value) -> EvalResult<bool> {
    use std::cmp::Ordering;
    if matches!(op, CompareOp::Eq) {
        return Ok(values_equal(a, b));
    }
    if matches!(op, CompareOp::Ne) {
        return Ok(!values_equal(a, b));
    }
    let ordering: Ordering = match (crate::value::order(a, b), a, b) {
        (Some(ordering), _, _) => ordering,
        (None, Value::None, _) | (None, _, Value::None) => {
            return Err(EvalError::new(
                ErrorKind::InvalidValue,
                "cannot order an absent value (`none`)",
            ));
        }
        _ => return Err(internal(format!("ordering {a:?} and {b:?}"))),
    };
    Ok(match op {
        CompareOp::Lt => ordering == Ordering::Less,
        CompareOp::Le => ordering != Ordering::Greater,
        CompareOp::Gt => ordering == Ordering::Greater,
        CompareOp::Ge => ordering != Ordering::Less,
        CompareOp::Eq | CompareOp::Ne => false,
    })
}
