//! The compiled form of a ruleset: every name resolved to a slot, every type checked, decision
//! tables indexed. Evaluation never looks a name up by string.

pub mod approval;
pub mod decision;
pub mod display;
mod key_index;
pub mod pattern;
pub mod pricing;
pub mod test_case;
pub mod time;
pub mod workflow;

pub use key_index::KeyIndex;

pub use display::display;

use std::sync::Arc;

use chrono::NaiveDate;
use ordo_dsl::ast::{HitPolicy, RoundingMode, Severity};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::types::{EnumDef, Type};
use crate::value::{Value, order};

/// Index of a named value (let, output, decision, price block) in [`Program::globals`].
pub type GlobalId = u32;
/// Index of a table in [`Program::tables`].
pub type TableId = u32;
/// Index of a bands declaration in [`Program::bands`].
pub type BandsId = u32;

/// A whole compiled ruleset.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Program {
    pub name: String,
    pub version: String,
    #[serde(default, deserialize_with = "crate::value::shared::optional_date")]
    pub effective: Option<NaiveDate>,
    pub enums: Vec<EnumDef>,
    pub roles: Vec<String>,
    /// The input schema.
    pub input: InputSchema,
    pub globals: Vec<Global>,
    pub tables: Vec<Table>,
    pub bands: Vec<Bands>,
    pub constraints: Vec<Constraint>,
    /// Globals that are outputs, in declaration order.
    pub outputs: Vec<GlobalId>,
    /// Globals that are price blocks, in declaration order.
    pub prices: Vec<GlobalId>,
    pub approvals: Vec<crate::ir::approval::Approval>,
    /// Functions and decisions with parameters, called as `NAME(args)` (spec §19).
    pub functions: Vec<Function>,
    pub workflows: Vec<crate::ir::workflow::Workflow>,
    pub triggers: Vec<crate::ir::workflow::Trigger>,
    /// Business-day calendars (spec §23).
    pub calendars: Vec<Calendar>,
}

/// A business-day calendar (spec §23): its weekend days and holidays.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Calendar {
    pub name: String,
    /// Weekend days as numbers from Monday (0) to Sunday (6).
    pub weekend: Vec<u32>,
    /// Holidays, sorted and distinct.
    #[serde(deserialize_with = "crate::value::shared::dates")]
    pub holidays: Vec<NaiveDate>,
}

impl Calendar {
    /// Whether `day` is neither a weekend day nor a holiday.
    pub fn is_business_day(&self, day: NaiveDate) -> bool {
        use chrono::Datelike;
        !self.weekend.contains(&day.weekday().num_days_from_monday())
            && self.holidays.binary_search(&day).is_err()
    }
}

/// The declared input fields (spec §5).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputSchema {
    pub fields: Vec<InputField>,
}

impl InputSchema {
    /// The field indexes that reach an input path (`ship_to.country` → `[6, 0]`), top level
    /// first; `None` when the schema has no such path.
    pub fn field_indexes(&self, path: &str) -> Option<Vec<u32>> {
        let mut fields = &self.fields;
        let mut indexes = Vec::new();
        for part in path.split('.') {
            let index = fields.iter().position(|f| f.name == part)?;
            indexes.push(u32::try_from(index).ok()?);
            fields = &fields.get(index)?.fields;
        }
        Some(indexes)
    }

    /// The field an index path reaches (see [`Self::field_indexes`]).
    pub fn field_at(&self, indexes: &[u32]) -> Option<&InputField> {
        let (last, parents) = indexes.split_last()?;
        let mut fields = &self.fields;
        for index in parents {
            fields = &fields.get(*index as usize)?.fields;
        }
        fields.get(*last as usize)
    }
}

/// One input field; records nest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InputField {
    pub name: String,
    pub ty: Type,
    /// The default used when the field is absent (already a value: defaults are constant).
    pub default: Option<Value>,
    /// The nested fields when `ty` is a record, or a list of records (spec §19: a named type's
    /// defaults and refinements apply inside list elements too).
    pub fields: Vec<InputField>,
    /// What a value must also satisfy (spec §20), checked as it is read.
    pub refinements: Vec<Refinement>,
    /// `else "message"`: what a value that breaks a refinement is told.
    pub message: Option<String>,
    /// `fallback VALUE` of an enum field: what an unknown text reads as (and is noted).
    pub fallback: Option<Value>,
    /// A set a constraint goes through element by element: its violations name a member's
    /// position in the array as received, so the reader keeps that order.
    pub keeps_order: bool,
}

impl InputField {
    /// The first refinement `value` breaks, and what the field says about it: its `else`
    /// message, or one naming the refinement (`` `qty` must be in 1..100 ``).
    pub fn broken_refinement(&self, value: &Value, path: &str) -> Option<(&Refinement, String)> {
        let broken = self.refinements.iter().find(|r| !r.holds(value))?;
        let message = match &self.message {
            Some(message) => message.clone(),
            None => format!("`{path}` {}", broken.requirement()),
        };
        Some((broken, message))
    }
}

/// A refinement of an input field (spec §20).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Refinement {
    pub kind: RefinementKind,
    /// The refinement as written (`in 1..100`), for the message when there is no `else`.
    pub text: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum RefinementKind {
    /// `in lo..hi`, `in lo..<hi`, `in >= lo`: each bound with whether it is included.
    Bounds {
        lo: Option<(Value, bool)>,
        hi: Option<(Value, bool)>,
    },
    /// `matching "REGEX"`: the whole text matches (the pattern is compiled when first used).
    Matching {
        pattern: String,
        #[serde(skip)]
        regex: std::sync::OnceLock<Option<regex::Regex>>,
    },
    /// `len lo..hi`: the number of characters or elements.
    Len { lo: u64, hi: Option<(u64, bool)> },
}

impl Refinement {
    /// What the refinement asks, for messages: `must be in 1..100`, `must be >= 2`,
    /// `must match "C-[0-9]{4}"`, `must have a length in 1..20`.
    pub fn requirement(&self) -> String {
        let after = |word: &str| {
            self.text
                .strip_prefix(word)
                .unwrap_or(&self.text)
                .trim()
                .to_string()
        };
        match &self.kind {
            RefinementKind::Bounds { .. } => {
                let bounds = after("in");
                if bounds.starts_with(['<', '>']) {
                    format!("must be {bounds}")
                } else {
                    format!("must be in {bounds}")
                }
            }
            RefinementKind::Matching { .. } => format!("must match {}", after("matching")),
            RefinementKind::Len { .. } => format!("must have a length in {}", after("len")),
        }
    }

    /// Whether a value read for the field satisfies the refinement (absent values do).
    pub fn holds(&self, value: &Value) -> bool {
        match &self.kind {
            RefinementKind::Bounds { lo, hi } => {
                let above = lo.as_ref().is_none_or(|(lo, inclusive)| {
                    order(value, lo).is_none_or(|o| o.is_gt() || (*inclusive && o.is_eq()))
                });
                let below = hi.as_ref().is_none_or(|(hi, inclusive)| {
                    order(value, hi).is_none_or(|o| o.is_lt() || (*inclusive && o.is_eq()))
                });
                above && below
            }
            RefinementKind::Matching { pattern, regex } => match value {
                Value::Text(text) => regex
                    .get_or_init(|| anchored(pattern).ok())
                    .as_ref()
                    .is_none_or(|r| r.is_match(text)),
                _ => true,
            },
            RefinementKind::Len { lo, hi } => {
                let len = match value {
                    Value::Text(t) => t.chars().count(),
                    Value::List(items) => items.len(),
                    Value::Set(_, members) => members.len(),
                    _ => return true,
                } as u64;
                len >= *lo
                    && hi
                        .as_ref()
                        .is_none_or(|(hi, inclusive)| len < *hi || (*inclusive && len == *hi))
            }
        }
    }
}

pub use pattern::anchored;

/// What the compiler notices that is not an error, for `ordo lint`. Remarks are not part of
/// the program (nor of an artifact).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Remark {
    /// `a ?? b` where `a` is never `none`: `b` is never used. `lhs` is the span of `a`, `ty`
    /// its type as written.
    CoalesceNotOptional {
        span: ordo_dsl::Span,
        lhs: ordo_dsl::Span,
        ty: String,
    },
}

/// A named value computed lazily, at most once per evaluation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Global {
    pub name: String,
    pub ty: Type,
    pub kind: GlobalKind,
    /// What the trace shows this value read: (name as written, expression).
    pub reads: Vec<(String, Expr)>,
    /// The input paths this value depends on, directly or through other values, sorted.
    pub input_deps: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum GlobalKind {
    Let(Expr),
    Output(Expr),
    Decision(Decision),
    Price(crate::ir::pricing::PriceBlock),
}

/// `for x in COLL` of a constraint over elements.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ForEach {
    pub slot: u32,
    pub collection: Expr,
    /// The input path of the collection when it is an input list or set (`items`): a
    /// violation's `at` is then `items[2]`; otherwise `ID[2]`.
    pub input_path: Option<String>,
}

/// A function or a decision with parameters (spec §19). Its parameters are the first local
/// slots of its own scope.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Function {
    pub name: String,
    pub params: Vec<(String, Type)>,
    pub result: Type,
    pub body: FunctionBody,
}

/// What a call evaluates.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum FunctionBody {
    Expr(Expr),
    Decision(Decision),
}

/// A lookup table with its `effective` variants, latest date first.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    pub key_type: Type,
    pub value_type: Type,
    /// Variants ordered by `effective` date, newest first; `None` (always) sorts last.
    pub variants: Vec<TableVariant>,
    /// The data file the rows were read from (`from "contracts.csv"`, spec §21).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableVariant {
    #[serde(default, deserialize_with = "crate::value::shared::optional_date")]
    pub effective: Option<NaiveDate>,
    /// Rows by key (keys are constant values).
    pub rows: Vec<(Value, Expr)>,
    pub index: KeyIndex<usize>,
    /// Rows of a composite key with `_` components (`None`), fewest `_` first: a key with no
    /// exact row takes the first that matches.
    pub patterns: Vec<(Vec<Option<Value>>, Expr)>,
    pub default: Option<Expr>,
    /// Rows valid in time (a data file's `valid_from`, `valid_to`; `valid_to` exclusive; `None`
    /// open), one per row; empty when the rows are always valid. The rows of one key are then
    /// together, by `valid_from`, and the index gives the first of them.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "crate::value::shared::periods"
    )]
    pub validity: Vec<(Option<NaiveDate>, Option<NaiveDate>)>,
}

/// A table key as a lookup holds it: one value (a composite key's record when it is a
/// constant), or the components of a composite key evaluated one by one, with no record made
/// of them.
#[derive(Debug, Clone, Copy)]
pub enum TableKey<'a> {
    Value(&'a Value),
    Parts(&'a [Value]),
}

impl<'a> From<&'a Value> for TableKey<'a> {
    fn from(value: &'a Value) -> Self {
        TableKey::Value(value)
    }
}

impl<'a> TableKey<'a> {
    /// Whether a row's key is this key, as `==` sees them: a composite key's components in
    /// order, as a record is compared with a record.
    pub fn is(self, row: &Value) -> bool {
        match self {
            TableKey::Value(key) => crate::value::values_equal(row, key),
            TableKey::Parts(parts) => matches!(row, Value::Record(row) if **row == *parts),
        }
    }

    /// The components of a composite key (`None` for a single key).
    pub fn parts(self) -> Option<&'a [Value]> {
        match self {
            TableKey::Value(Value::Record(parts)) => Some(parts),
            TableKey::Parts(parts) => Some(parts),
            TableKey::Value(_) => None,
        }
    }

    /// The key as the index holds it.
    fn index_key(self) -> Option<KeyValue> {
        match self {
            TableKey::Value(key) => KeyValue::of(key),
            TableKey::Parts(parts) => Some(KeyValue::Tuple(
                parts.iter().map(KeyValue::of).collect::<Option<_>>()?,
            )),
        }
    }
}

impl TableVariant {
    /// The row whose key is `key` (keys equal as `==` sees them, numbers by value).
    /// The row of a composite key among the rows with `_` components: the first (fewest `_`)
    /// whose other components equal the key's.
    pub fn pattern_row<'k>(&self, key: impl Into<TableKey<'k>>) -> Option<&Expr> {
        let parts = key.into().parts()?;
        self.patterns
            .iter()
            .find(|(pattern, _)| {
                pattern.len() == parts.len()
                    && pattern
                        .iter()
                        .zip(parts.iter())
                        .all(|(p, k)| p.as_ref().is_none_or(|p| crate::value::values_equal(p, k)))
            })
            .map(|(_, e)| e)
    }

    pub fn row_of<'k>(&self, key: impl Into<TableKey<'k>>) -> Option<&(Value, Expr)> {
        let key = key.into();
        // Enum-keyed rows are mostly written in the enum's order: try the row at the value's
        // own position before searching.
        if let TableKey::Value(value) = key
            && let Value::Enum(_, v) = value
            && let Some(row) = self.rows.get(*v as usize).filter(|(k, _)| k == value)
        {
            return Some(row);
        }
        self.first_row_of(key).and_then(|i| self.rows.get(i))
    }

    /// The row of `key` valid on `date`, in a table whose rows are valid in time.
    pub fn row_on<'k>(&self, key: impl Into<TableKey<'k>>, date: NaiveDate) -> Option<&Expr> {
        let key = key.into();
        let first = self.first_row_of(key)?;
        let rows = self.rows.get(first..)?;
        let validity = self.validity.get(first..)?;
        rows.iter()
            .zip(validity)
            .take_while(|((k, _), _)| key.is(k))
            .find(|(_, (from, to))| from.is_none_or(|f| f <= date) && to.is_none_or(|t| date < t))
            .map(|((_, row), _)| row)
    }

    /// The position of the first row whose key is `key`: by looking at each row of a small
    /// table, through the index of a larger one (the same row either way).
    fn first_row_of<'k>(&self, key: impl Into<TableKey<'k>>) -> Option<usize> {
        let key = key.into();
        if self.rows.len() <= SCANNED_ROWS {
            self.scanned_row(key)
        } else {
            self.indexed_row(key)
        }
    }

    /// [`Self::first_row_of`] by looking at each row: no key to build (a composite key's
    /// would be a vector, and a text's a shared copy) and no tree to walk.
    fn scanned_row(&self, key: TableKey<'_>) -> Option<usize> {
        self.rows.iter().position(|(k, _)| key.is(k))
    }

    /// [`Self::first_row_of`] through the index.
    fn indexed_row(&self, key: TableKey<'_>) -> Option<usize> {
        key.index_key().and_then(|k| self.index.get(&k).copied())
    }
}

/// Up to this many rows, a table's key is found sooner by comparing it with each row's than
/// by building its index key and searching the index (the conveyors example's drive prices,
/// 16 rows by two keys, and its contract prices).
const SCANNED_ROWS: usize = 16;

/// A value usable as a map key (texts, numbers by value, enums, booleans, dates).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum KeyValue {
    Bool(bool),
    Number(Decimal),
    Text(#[serde(deserialize_with = "crate::value::shared::arc_str")] Arc<str>),
    Date(#[serde(deserialize_with = "crate::value::shared::date")] NaiveDate),
    Enum(u32, u32),
    None,
    /// A composite key's components.
    Tuple(Vec<KeyValue>),
}

impl KeyValue {
    /// The key for a value, if it can be one.
    pub fn of(value: &Value) -> Option<KeyValue> {
        Some(match value {
            Value::Bool(b) => KeyValue::Bool(*b),
            Value::Number(n) => KeyValue::Number(n.normalize()),
            Value::Text(t) => KeyValue::Text(t.clone()),
            Value::Date(d) => KeyValue::Date(*d),
            Value::Enum(e, v) => KeyValue::Enum(*e, *v),
            Value::None => KeyValue::None,
            // A composite key (spec §21): its components in order.
            Value::Record(parts) => {
                KeyValue::Tuple(parts.iter().map(KeyValue::of).collect::<Option<_>>()?)
            }
            _ => return None,
        })
    }
}

/// Numeric bands (spec §8).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Bands {
    pub name: String,
    /// Sorted by lower bound.
    pub bands: Vec<Band>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Band {
    pub lo: Decimal,
    pub hi: Option<Decimal>,
    pub half_open: bool,
    pub value: Decimal,
}

impl Band {
    pub fn contains(&self, q: Decimal) -> bool {
        use crate::num::cmp;
        cmp(q, self.lo).is_ge()
            && match self.hi {
                None => true,
                Some(hi) if self.half_open => cmp(q, hi).is_lt(),
                Some(hi) => cmp(q, hi).is_le(),
            }
    }
}

/// How a quantity is priced against bands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BandsMode {
    Volume,
    Graduated,
    Block,
}

/// A decision table (spec §9).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Decision {
    pub hit: HitPolicy,
    pub inputs: Vec<Expr>,
    /// The header text of each input column, for traces and errors.
    pub input_names: Vec<String>,
    pub output_names: Vec<String>,
    pub rows: Vec<DecisionRow>,
    pub index: crate::ir::decision::DecisionIndex,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecisionRow {
    #[serde(deserialize_with = "crate::value::shared::exact_vec")]
    pub tests: Vec<Test>,
    /// The row's value: its one output cell, or a record of its cells (a constant when every
    /// cell is, as most are: then a match costs no allocation).
    pub value: Expr,
    /// 1-based source line, for traces.
    pub line: usize,
}

/// A compiled unary test of a decision cell.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Test {
    Any,
    /// Equal to one of these.
    OneOf(#[serde(deserialize_with = "crate::value::shared::exact_vec")] Vec<Expr>),
    Compare(CompareOp, Expr),
    Range {
        lo: Expr,
        hi: Expr,
        half_open: bool,
    },
    IsNone,
}

/// A constraint (spec §10).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Constraint {
    pub id: String,
    /// `for x in COLL`: the collection and the slot the element is bound to (spec §19); the
    /// condition and the message are checked per element.
    pub each: Option<ForEach>,
    pub condition: Expr,
    pub severity: Severity,
    pub message: Expr,
    pub reads: Vec<(String, Expr)>,
    /// The input paths the condition reads, directly or through values, tables and decisions
    /// (sorted): the configurator re-checks a constraint only when one of them changes.
    pub input_deps: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// Built-in functions (spec §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Builtin {
    Floor,
    Ceil,
    Abs,
    Min,
    Max,
    Clamp,
    DaysBetween,
    AddDays,
    EndsWith,
    StartsWith,
    ContainsText,
    Year,
    Month,
    Day,
    Weekday,
    Lower,
    Upper,
    Len,
    IsSome,
    First,
    Last,
    Distinct,
    Sort,
    Reverse,
    /// `hours_between(a, b)`, `minutes_between(a, b)`: whole units of b − a (spec §23).
    HoursBetween,
    MinutesBetween,
    /// `date(dt)`, `date(dt, "Europe/Berlin")`: the date of an instant, in UTC or a zone.
    DateOf,
    /// `datetime(d, "17:00", "Europe/Berlin")`: a local time on a date, as an instant.
    DateTimeAt,
    /// `add_business_days(d, n, CAL)`; the calendar is the last argument, its index.
    AddBusinessDays,
    /// `business_days_between(d1, d2, CAL)`.
    BusinessDaysBetween,
    /// `is_business_day(d, CAL)`.
    IsBusinessDay,
    /// `matches(t, "REGEX")`: the whole text matches the pattern (a literal, checked when
    /// compiled, as `matching` is).
    Matches,
    /// `replace(t, "REGEX", with)`: every match of the pattern replaced by `with`, as is.
    Replace,
    /// `trim(t)`: without leading and trailing white space.
    Trim,
    /// `decimal(t)`: the number a text holds, read as an input's number is; `none` when it
    /// holds none.
    DecimalOf,
}

/// What a workflow operation or the host puts in scope besides the input (spec §23–§24).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContextValue {
    /// `now`
    Now,
    /// `state`
    State,
    /// `previous_state`
    PreviousState,
    /// `actor.id`
    ActorId,
    /// `actor.roles`
    ActorRoles,
}

/// Aggregations over a collection (`sum(x for x in c)`, `any(x in c: p)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Aggregate {
    Sum,
    Count,
    Min,
    Max,
    Any,
    All,
}

/// A piece of an interpolated text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum TextPiece {
    Literal(String),
    Value(Expr),
}

/// A typed, resolved expression.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum Expr {
    Const(Value),
    /// A top-level input field.
    Input(u32),
    Global(GlobalId),
    /// A variable bound by a comprehension or a price `for` (index into the local stack).
    Local(u32),
    AsOf,
    /// True when no `error` constraint is violated.
    Valid,
    /// The DateTime the workflow instance entered its state (triggers only).
    EnteredAt,
    /// In tests: the ids of the violated constraints.
    TestViolations,
    /// In tests: the ids of a chain's required steps.
    TestApprovals(u32),
    /// In workflow tests (spec §25): `enabled`, `state` or `actions`.
    TestWorkflow(test_case::WorkflowFact),
    /// `approvals.CHAIN`: the chain's status as a record `{complete, required, pending,
    /// stale}` against the grants of the evaluation (spec §22).
    Chain(u32),
    Field(Box<Expr>, u32),
    /// `t[k]`, `t[k1, k2]` (the key a record of the components), `t[k]?` (`none` where no row
    /// matches), `t[k] at DATE`.
    TableLookup {
        table: TableId,
        key: Box<Expr>,
        optional: bool,
        at: Option<Box<Expr>>,
    },
    /// `xs[i]`: the element at a 0-based position of a list.
    ListIndex(Box<Expr>, Box<Expr>),
    /// A call of a function or of a decision with parameters, with its arguments.
    CallFunction(u32, Vec<Expr>),
    BandsPrice(BandsMode, BandsId, Box<Expr>),
    Neg(Box<Expr>),
    Not(Box<Expr>),
    Arith(ArithOp, Box<Expr>, Box<Expr>),
    /// Date ± Duration, DateTime ± Duration.
    DateShift {
        subtract: bool,
        date: Box<Expr>,
        duration: Box<Expr>,
    },
    Compare(CompareOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Implies(Box<Expr>, Box<Expr>),
    /// `x in list`
    InList(Box<Expr>, Box<Expr>),
    InRange {
        value: Box<Expr>,
        lo: Box<Expr>,
        hi: Box<Expr>,
        half_open: bool,
    },
    /// `set contains element`
    SetContains(Box<Expr>, Box<Expr>),
    /// `contains` on lists.
    ListContains(Box<Expr>, Box<Expr>),
    Coalesce(Box<Expr>, Box<Expr>),
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<(Vec<Expr>, Expr)>,
        default: Option<Box<Expr>>,
    },
    List(Vec<Expr>),
    SetOf(u32, Vec<Expr>),
    Record(Vec<Expr>),
    Text(Vec<TextPiece>),
    Call(Builtin, Vec<Expr>),
    /// `round(x, places, mode)`
    RoundMode(Box<Expr>, Box<Expr>, RoundingMode),
    /// `[BODY for x in COLL if FILTER]`.
    ListOf {
        slot: u32,
        collection: Box<Expr>,
        body: Box<Expr>,
        filter: Option<Box<Expr>>,
    },
    Aggregate {
        function: Aggregate,
        /// The slot the element is bound to while the body runs.
        slot: u32,
        collection: Box<Expr>,
        body: Box<Expr>,
        filter: Option<Box<Expr>>,
    },
    /// `now`, `state`, `previous_state`, `actor.id`, `actor.roles`.
    Context(ContextValue),
}

/// Properties of a compiled ruleset used by hosts (counts for summaries).
impl Program {
    /// The global named `name`.
    pub fn global_named(&self, name: &str) -> Option<(GlobalId, &Global)> {
        self.globals
            .iter()
            .enumerate()
            .find(|(_, g)| g.name == name)
            .map(|(i, g)| (i as GlobalId, g))
    }

    pub fn global(&self, id: GlobalId) -> Option<&Global> {
        self.globals.get(id as usize)
    }
}

#[cfg(test)]
mod tests;
