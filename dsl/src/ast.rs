//! The syntax tree of an ordo ruleset, as written: every node carries the byte span of the
//! source it came from, so that every later stage can point at the text it complains about.
//!
//! The tree knows nothing of types or name resolution; that is the engine's checker's job.
//! Literal values are already validated here (a number too large for a decimal, or a date that
//! does not exist, is a syntax error with a span).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::span::Span;

/// A name as written, with where it was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A whole source file: the header and the declarations in source order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ruleset {
    /// `///` lines before the `ruleset` header, without the slashes (one entry per line).
    pub doc: Vec<String>,
    pub name: Ident,
    /// The semver string of `version "1.2.0"` (without quotes) and its span.
    pub version: StringLit,
    /// `effective 2026-01-01`: the first day this version applies.
    pub effective: Option<DateLit>,
    pub items: Vec<Item>,
    /// Every `//` and `///` comment of the file in source order, so the formatter can keep them.
    pub comments: Vec<Comment>,
    pub span: Span,
}

impl Ruleset {
    /// The data files the tables read (`from "NAME"`, spec §21), in source order; a file two
    /// tables read appears twice.
    pub fn data_files(&self) -> impl Iterator<Item = &str> {
        self.items.iter().filter_map(|item| match item {
            Item::Table(t) => t.from.as_ref().map(|f| f.path.as_str()),
            _ => None,
        })
    }
}

/// A plain string without interpolation (the version string, a test name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StringLit {
    pub value: String,
    pub span: Span,
}

/// A date literal such as `2026-07-01`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DateLit {
    pub value: NaiveDate,
    pub span: Span,
}

/// A source comment. `doc` is true for `///` comments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// The text after `//` or `///`, as written (leading space kept).
    pub text: String,
    pub doc: bool,
    pub span: Span,
}

/// One top-level declaration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Item {
    Enum(EnumDecl),
    Roles(RolesDecl),
    /// `type NAME = { ... }` (spec §19).
    Type(TypeDecl),
    /// `fn NAME(p: T, ...) = EXPR` (spec §19).
    Function(FnDecl),
    Input(InputDecl),
    Table(TableDecl),
    Bands(BandsDecl),
    Decision(DecisionDecl),
    /// `let` (internal) and `output` (also reported in the result).
    Value(ValueDecl),
    Constraint(ConstraintDecl),
    Price(PriceDecl),
    Approval(ApprovalDecl),
    Workflow(WorkflowDecl),
    Trigger(TriggerDecl),
    Test(TestDecl),
    /// `calendar NAME { weekend sat, sun holidays 2026-12-25 }` (spec §23).
    Calendar(CalendarDecl),
}

impl Item {
    /// The span of the whole declaration.
    pub fn span(&self) -> Span {
        match self {
            Item::Enum(d) => d.span,
            Item::Roles(d) => d.span,
            Item::Type(d) => d.span,
            Item::Function(d) => d.span,
            Item::Input(d) => d.span,
            Item::Table(d) => d.span,
            Item::Bands(d) => d.span,
            Item::Decision(d) => d.span,
            Item::Value(d) => d.span,
            Item::Constraint(d) => d.span,
            Item::Price(d) => d.span,
            Item::Approval(d) => d.span,
            Item::Workflow(d) => d.span,
            Item::Trigger(d) => d.span,
            Item::Test(d) => d.span,
            Item::Calendar(d) => d.span,
        }
    }
}

/// `enum Model { p100, p200, p300 }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnumDecl {
    pub doc: Vec<String>,
    pub name: Ident,
    pub values: Vec<Ident>,
    pub span: Span,
}

/// `calendar de_office { weekend sat, sun holidays 2026-01-01, 2026-12-25 }` (spec §23).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalendarDecl {
    pub doc: Vec<String>,
    pub name: Ident,
    /// Weekday names (`mon` … `sun`), checked by the compiler.
    pub weekend: Vec<Ident>,
    pub holidays: Vec<DateLit>,
    pub span: Span,
}

/// `roles sales, sales_manager, finance`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RolesDecl {
    pub doc: Vec<String>,
    pub roles: Vec<Ident>,
    pub span: Span,
}

/// `input { ... }`. A ruleset may have several input blocks; their fields are merged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InputDecl {
    pub doc: Vec<String>,
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

/// One field of an input or of a nested record: `motor: Motor = standard`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldDecl {
    pub doc: Vec<String>,
    pub name: Ident,
    pub ty: TypeExpr,
    /// `in 1..100`, `matching "..."`, `len 1..20` (spec §20), in the order written.
    pub refinements: Vec<Refinement>,
    /// `else "message"`: what a broken refinement says.
    pub message: Option<StringLit>,
    /// `fallback VALUE`: what an unknown enum text reads as.
    pub fallback: Option<Expr>,
    pub default: Option<Expr>,
    pub span: Span,
}

/// A type as written.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TypeExprKind {
    /// `Bool`, `Int`, `Decimal`, `Percent`, `Text`, `Date`, `DateTime`, `Duration`, or an enum name.
    Named(Ident),
    /// `List<T>`
    List(Box<TypeExpr>),
    /// `Set<E>`
    Set(Box<TypeExpr>),
    /// `T?`
    Optional(Box<TypeExpr>),
    /// `{ field: Type, ... }` (fields may have defaults when used inside `input`).
    Record(Vec<FieldDecl>),
    /// `(Text, Model)`: the key of a table with a composite key (spec §21).
    Tuple(Vec<TypeExpr>),
}

/// `table list_price: Model -> Decimal effective 2026-07-01 { p100 => 1200.00  _ => 0 }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableDecl {
    pub doc: Vec<String>,
    pub name: Ident,
    pub key_type: TypeExpr,
    pub value_type: TypeExpr,
    pub effective: Option<DateLit>,
    /// The rows written in the ruleset (none when they come from a data file).
    pub rows: Vec<TableRow>,
    /// `from "contracts.csv"`: the rows are read from this data file (spec §21).
    pub from: Option<DataSource>,
    pub span: Span,
}

/// `from "contracts.csv"`: a data file named relative to the ruleset file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataSource {
    pub path: String,
    pub span: Span,
}

/// `p100, p200 => 1200.00` or `_ => 0%`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableRow {
    pub key: TableKey,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TableKey {
    /// `_`: the default row.
    Wildcard(Span),
    /// One or more keys (literal expressions) separated by commas.
    Values(Vec<Expr>),
    /// `("C-1001", p200)` for a composite key; `None` is a `_` component (any value). Several
    /// tuples: the row applies to each.
    Tuples(Vec<Vec<Option<Expr>>>),
}

/// `bands unit_price { 1..9 => 100.00  10..<50 => 90.00  50.. => 80.00 }`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandsDecl {
    pub doc: Vec<String>,
    pub name: Ident,
    pub rows: Vec<BandRow>,
    pub span: Span,
}

/// One band: `lo..hi`, `lo..<hi` or the open-ended `lo..`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandRow {
    pub lo: Expr,
    /// `None` for an open-ended band (`50..`).
    pub hi: Option<Expr>,
    /// `lo..<hi`: `hi` itself is not in the band.
    pub half_open: bool,
    pub value: Expr,
    pub span: Span,
}

/// A decision table (spec §9).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionDecl {
    pub doc: Vec<String>,
    pub name: Ident,
    /// `decision NAME(p: T, ...)`: called as `NAME(args)` (spec §19); empty for a plain decision.
    pub params: Vec<Param>,
    pub hit: HitPolicy,
    /// Span of the `hit ...` clause, when written.
    pub hit_span: Option<Span>,
    /// The input expressions of the header row (left of `||`).
    pub inputs: Vec<Expr>,
    /// The output names of the header row (right of `||`).
    pub outputs: Vec<Ident>,
    pub rows: Vec<DecisionRow>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum HitPolicy {
    Unique,
    First,
    Any,
    Collect,
    CollectSum,
    CollectMin,
    CollectMax,
    CollectCount,
}

impl HitPolicy {
    /// The policy as written after `hit`.
    pub fn as_str(self) -> &'static str {
        match self {
            HitPolicy::Unique => "unique",
            HitPolicy::First => "first",
            HitPolicy::Any => "any",
            HitPolicy::Collect => "collect",
            HitPolicy::CollectSum => "collect sum",
            HitPolicy::CollectMin => "collect min",
            HitPolicy::CollectMax => "collect max",
            HitPolicy::CollectCount => "collect count",
        }
    }
}

/// One rule row: a unary test per input, an expression per output.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionRow {
    pub tests: Vec<UnaryTest>,
    pub outputs: Vec<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnaryTest {
    pub kind: UnaryTestKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum UnaryTestKind {
    /// `-`: matches anything.
    Any,
    /// `a` or `a, b, c`: equal to one of them.
    Values(Vec<Expr>),
    /// `< x`, `<= x`, `> x`, `>= x`, `!= x`, `== x`.
    Compare(CompareOp, Expr),
    /// `a..b` (inclusive) or `a..<b` (half-open).
    Range { lo: Expr, hi: Expr, half_open: bool },
    /// `none`: the value is absent.
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    /// Every operator, in the grammar's order (`compare_op`): each two-character one before
    /// the one-character one it starts with, so the first whose text starts a cell is its own.
    pub const ALL: [CompareOp; 6] = [
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Le,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Gt,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "==",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

/// `let NAME = EXPR` or `output NAME = EXPR`, with an optional type annotation `let x: Decimal = ...`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ValueDecl {
    pub doc: Vec<String>,
    /// True for `output`.
    pub output: bool,
    pub name: Ident,
    pub ty: Option<TypeExpr>,
    pub value: Expr,
    pub span: Span,
}

/// `constraint ID: EXPR else SEVERITY "message"`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConstraintDecl {
    pub doc: Vec<String>,
    pub name: Ident,
    /// `for x in COLL`: the condition is checked for every element (spec §19).
    pub each: Option<ForEach>,
    pub condition: Expr,
    pub severity: Severity,
    pub severity_span: Span,
    /// A text expression (usually an interpolated string literal).
    pub message: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Severity {
    Error,
    Warning,
    Review,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Review => "review",
        }
    }
}

/// `price quote currency "EUR" rounding half_even { ... }` (spec §11).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceDecl {
    pub doc: Vec<String>,
    pub name: Ident,
    /// A text expression: a literal `"EUR"` or any expression (`currency input_currency`).
    pub currency: Expr,
    pub rounding: Option<RoundingSpec>,
    pub body: Vec<PriceStmt>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RoundingSpec {
    pub mode: RoundingMode,
    pub span: Span,
}

/// Rounding modes, shared by `round(x, places, MODE)` and `rounding MODE` in price blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RoundingMode {
    HalfUp,
    HalfEven,
    HalfDown,
    Up,
    Down,
    Ceiling,
    Floor,
}

impl RoundingMode {
    /// Every mode's name as written, for messages and hints.
    pub const NAMES: [&'static str; 7] = [
        "half_up",
        "half_even",
        "half_down",
        "up",
        "down",
        "ceiling",
        "floor",
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RoundingMode::HalfUp => "half_up",
            RoundingMode::HalfEven => "half_even",
            RoundingMode::HalfDown => "half_down",
            RoundingMode::Up => "up",
            RoundingMode::Down => "down",
            RoundingMode::Ceiling => "ceiling",
            RoundingMode::Floor => "floor",
        }
    }

    /// Parses a mode name as written in source.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "half_up" => RoundingMode::HalfUp,
            "half_even" => RoundingMode::HalfEven,
            "half_down" => RoundingMode::HalfDown,
            "up" => RoundingMode::Up,
            "down" => RoundingMode::Down,
            "ceiling" => RoundingMode::Ceiling,
            "floor" => RoundingMode::Floor,
            _ => return None,
        })
    }
}

// Built once per compile and walked by reference: boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum PriceStmt {
    Line(PriceLine),
    Subtotal(SubtotalStmt),
    For(PriceFor),
}

/// `line`, `discount`, `surcharge` or `tax`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceLine {
    pub kind: LineKind,
    pub id: Ident,
    /// A text expression; `None` when the line has no label (the id is used).
    pub label: Option<Expr>,
    pub amount: LineAmount,
    pub when: Option<Expr>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LineKind {
    Line,
    Discount,
    Surcharge,
    Tax,
}

impl LineKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LineKind::Line => "line",
            LineKind::Discount => "discount",
            LineKind::Surcharge => "surcharge",
            LineKind::Tax => "tax",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum LineAmount {
    /// `= EXPR`
    Amount(Expr),
    /// `qty Q at U`
    QtyAt { qty: Expr, unit_price: Expr },
    /// `= P of S` where S is `total` or an earlier subtotal's id.
    PercentOf { rate: Expr, base: Ident },
}

/// `subtotal ID "label"`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SubtotalStmt {
    pub id: Ident,
    pub label: Option<Expr>,
    pub span: Span,
}

/// `for x in COLLECTION { ... }` inside a price block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PriceFor {
    pub var: Ident,
    pub collection: Expr,
    /// `key EXPR`: line ids use the key instead of the position (spec §19).
    pub key: Option<Expr>,
    pub body: Vec<PriceStmt>,
    pub span: Span,
}

/// `approval deal_desk [requested_by EXPR] { step ... parallel { step ... } }` (spec §12, §22).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApprovalDecl {
    pub doc: Vec<String>,
    pub name: Ident,
    /// `requested_by EXPR`: the requester's id, who may not approve (spec §22).
    pub requested_by: Option<Expr>,
    pub items: Vec<ApprovalItem>,
    pub span: Span,
}

// Built once per compile and walked by reference: boxing the large variant would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ApprovalItem {
    Step(ApprovalStep),
    Parallel {
        steps: Vec<ApprovalStep>,
        span: Span,
    },
}

/// `step manager "Sales manager" by sales_manager quorum 2 when discount_rate > 10% facts net`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApprovalStep {
    pub id: Ident,
    pub label: Option<Expr>,
    /// The roles after `by` (one or more, comma-separated).
    pub roles: Vec<Ident>,
    /// `quorum N`: how many distinct approvers the step needs (spec §22).
    pub quorum: Option<Quorum>,
    pub when: Option<Expr>,
    /// `facts EXPR, ...`: computed values a grant records besides the condition's inputs.
    pub facts: Vec<Expr>,
    pub span: Span,
}

/// `quorum N` of an approval step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Quorum {
    /// N as written (the compiler refuses 0 and counts too large to mean anything).
    pub count: u64,
    pub span: Span,
}

/// `workflow order { state ... transition ... }` (spec §13).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkflowDecl {
    pub doc: Vec<String>,
    pub name: Ident,
    pub states: Vec<StateDecl>,
    pub transitions: Vec<TransitionDecl>,
    pub span: Span,
}

/// `state submitted owner sales_manager sla 2 days` (flags in any order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StateDecl {
    pub doc: Vec<String>,
    pub name: Ident,
    pub initial: bool,
    pub is_final: bool,
    /// A role name, or any Text expression (spec §24).
    pub owner: Option<Expr>,
    /// A duration expression.
    pub sla: Option<Expr>,
    pub span: Span,
}

/// `transition approve: submitted -> approved by sales_manager, finance when EXPR requires deal_desk`
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransitionDecl {
    pub doc: Vec<String>,
    pub name: Ident,
    /// One or more source states (`a, b -> c`).
    pub from: Vec<Ident>,
    pub to: Ident,
    pub roles: Vec<Ident>,
    pub when: Option<Expr>,
    pub requires: Vec<Ident>,
    pub span: Span,
}

/// `trigger ID on EVENT [when EXPR] { actions }` (spec §14).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TriggerDecl {
    pub doc: Vec<String>,
    pub name: Ident,
    pub event: TriggerEvent,
    pub when: Option<Expr>,
    pub actions: Vec<Action>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TriggerEvent {
    Enter(Ident),
    Exit(Ident),
    Transition(Ident),
    /// `stay STATE after DURATION`
    Stay {
        state: Ident,
        after: Expr,
    },
    /// `breach STATE`: the state's SLA timer fell due (spec §24).
    Breach(Ident),
    /// `at EXPR in STATE, ...`: a timer due at a DateTime or Date from the data.
    At {
        at: Expr,
        states: Vec<Ident>,
    },
    /// `change FIELD, ... [of WORKFLOW] [in STATE, ...]`: a listed input field differs.
    Change {
        /// Dotted input paths, each as one name (`customer.tier`).
        fields: Vec<Ident>,
        workflow: Option<Ident>,
        states: Vec<Ident>,
    },
    /// `becomes COND [of WORKFLOW] [in STATE, ...]`: COND went from false to true.
    Becomes {
        condition: Expr,
        workflow: Option<Ident>,
        states: Vec<Ident>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub kind: ActionKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ActionKind {
    /// `notify TO MESSAGE`; TO is a text expression, a role name, or `owner` (a `Name` expression).
    Notify { to: Expr, message: Expr },
    /// `escalate ROLE`
    Escalate { role: Ident },
    /// `task NAME { field: expr, ... }` (the field block may be omitted).
    Task {
        name: Expr,
        fields: Vec<RecordField>,
    },
    /// `emit EVENT { field: expr, ... }` (the field block may be omitted).
    Emit {
        event: Expr,
        fields: Vec<RecordField>,
    },
}

/// `name: expr` inside a record literal or an action's argument block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordField {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

/// `test "name" { given {...} as_of DATE expect EXPR ... }` (spec §15).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestDecl {
    pub doc: Vec<String>,
    pub name: StringLit,
    /// The `given` record literal (an `ExprKind::Record`, or an empty record).
    pub given: Expr,
    pub as_of: Option<DateLit>,
    /// The expectations and workflow steps, in the order written.
    pub steps: Vec<TestStep>,
    pub span: Span,
}

impl TestDecl {
    /// Each `expect EXPR`, in order.
    pub fn expects(&self) -> impl Iterator<Item = &Expr> {
        self.steps.iter().filter_map(|s| match &s.kind {
            TestStepKind::Expect(e) => Some(e),
            _ => None,
        })
    }
}

/// One clause of a test after `given` and `as_of`, with its span.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestStep {
    pub kind: TestStepKind,
    pub span: Span,
}

/// What a test does, in order (spec §15, §25).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TestStepKind {
    /// `expect EXPR` (`expect valid` is the expression `valid`).
    Expect(Expr),
    /// `[workflow W] state S [actor A]`: the workflow context; the actor is a record literal
    /// `{ id: "ana", roles: [sales] }` or a role name as a text.
    Workflow {
        workflow: Option<Ident>,
        state: Ident,
        actor: Option<Expr>,
    },
    /// `approvals { chain: { step: "id" | ["id", ...] } }`: grants with the current facts.
    Approvals(Expr),
    /// `now DATETIME`: the instant of what follows.
    Now(Expr),
    /// `apply TRANSITION`.
    Apply(Ident),
    /// `fire TRIGGER`, or `fire sla STATE` (`sla` true) for a state's SLA timer.
    Fire { sla: bool, name: Ident },
}

/// An expression with its span.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ExprKind {
    /// `12`, `1850.00` (the written scale is kept in the decimal).
    Number(Decimal),
    /// `12%`, `2.5%`: holds the number as written before the `%` (12, 2.5).
    Percent(Decimal),
    /// A string literal, with its interpolations.
    Text(Vec<TextPart>),
    Bool(bool),
    /// `none`
    None,
    Date(NaiveDate),
    /// `2026-03-01T09:00:00Z` (spec §23).
    DateTime(DateTime<Utc>),
    /// `3 days`, `2 weeks`, `12 hours`, `30 minutes`.
    Duration {
        amount: Decimal,
        unit: DurationUnit,
    },
    /// A bare name: an input, a value, a decision, a table, an enum value, `as_of`, `valid`, ...
    Name(Ident),
    /// `a.b`: a record field, or a qualified enum value (`Model.p200`).
    Field {
        target: Box<Expr>,
        field: Ident,
    },
    /// `table[key]`, `table[k1, k2]`, `table[k]?`, `table[k] at DATE`, `list[i]`.
    Index {
        target: Box<Expr>,
        keys: Vec<Expr>,
        /// `t[k]?`: `none` where no row matches.
        optional: bool,
        /// `t[k] at DATE`: the table variant in effect on that date.
        at: Option<Box<Expr>>,
    },
    /// `f(a, b, ...)`: a built-in function.
    Call {
        function: Ident,
        args: Vec<Expr>,
    },
    /// `sum(e.amount for e in items if cond)` or `any(x in extras: cond)`.
    Comprehension {
        function: Ident,
        var: Ident,
        collection: Box<Expr>,
        /// The mapped expression (`sum(BODY for x in c)`), or the predicate (`any(x in c: BODY)`).
        body: Box<Expr>,
        /// `if COND` after the collection in the `for` form.
        filter: Option<Box<Expr>>,
        /// Which of the two written forms was used (for the formatter).
        form: ComprehensionForm,
    },
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `x in 10..49` or `x in 10..<50`.
    InRange {
        value: Box<Expr>,
        lo: Box<Expr>,
        hi: Box<Expr>,
        half_open: bool,
    },
    If {
        condition: Box<Expr>,
        then_branch: Box<Expr>,
        else_branch: Box<Expr>,
    },
    Match {
        scrutinee: Box<Expr>,
        arms: Vec<MatchArm>,
    },
    /// `[a, b]`
    List(Vec<Expr>),
    /// `[BODY for x in COLL if COND]` (spec §19).
    ListComprehension {
        var: Ident,
        collection: Box<Expr>,
        body: Box<Expr>,
        filter: Option<Box<Expr>>,
    },
    /// `{a, b}` (of enum values); `{}` is the empty set.
    Set(Vec<Expr>),
    /// `{ field: expr, ... }` (test inputs, action arguments).
    Record(Vec<RecordField>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ComprehensionForm {
    /// `f(BODY for x in c [if COND])`
    For,
    /// `f(x in c: BODY)`
    Quantifier,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum TextPart {
    Literal(String),
    Interpolation(Expr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum DurationUnit {
    Minutes,
    Hours,
    Days,
    Weeks,
}

impl DurationUnit {
    /// The plural unit word as written by the formatter.
    pub fn as_str(self) -> &'static str {
        match self {
            DurationUnit::Minutes => "minutes",
            DurationUnit::Hours => "hours",
            DurationUnit::Days => "days",
            DurationUnit::Weeks => "weeks",
        }
    }

    /// Seconds in one unit.
    pub fn seconds(self) -> i64 {
        match self {
            DurationUnit::Minutes => 60,
            DurationUnit::Hours => 3_600,
            DurationUnit::Days => 86_400,
            DurationUnit::Weeks => 604_800,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Implies,
    /// `x in list`
    In,
    /// `set contains v`
    Contains,
    /// `x ?? default`
    Coalesce,
}

impl BinaryOp {
    pub fn as_str(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Eq => "==",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
            BinaryOp::Implies => "implies",
            BinaryOp::In => "in",
            BinaryOp::Contains => "contains",
            BinaryOp::Coalesce => "??",
        }
    }
}

/// `type Item = { ... }`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TypeDecl {
    pub doc: Vec<String>,
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

/// `fn NAME(p: T, ...) [-> T] = EXPR`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FnDecl {
    pub doc: Vec<String>,
    pub name: Ident,
    pub params: Vec<Param>,
    /// The declared result type, if written.
    pub result: Option<TypeExpr>,
    pub body: Expr,
    pub span: Span,
}

/// A parameter of a function or a decision: `p: T`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Param {
    pub name: Ident,
    pub ty: TypeExpr,
    pub span: Span,
}

/// `for x in COLL` of a constraint over elements.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ForEach {
    pub var: Ident,
    pub collection: Expr,
}

/// A refinement of an input field (spec §20).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refinement {
    pub kind: RefinementKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum RefinementKind {
    /// `in A..B`, `in A..<B`, `in A..` (numbers, percents, dates).
    Range {
        lo: Expr,
        hi: Option<Expr>,
        half_open: bool,
    },
    /// `in >= A`, `in < B`, ...
    Compare { op: CompareOp, bound: Expr },
    /// `matching "REGEX"` (texts): the whole text must match.
    Matching(StringLit),
    /// `len A..B` (lists, sets, texts).
    Len {
        lo: Expr,
        hi: Option<Expr>,
        half_open: bool,
    },
}

/// `gold, silver => 5%` or `_ => 0%`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchArm {
    /// Empty for the `_` arm.
    pub patterns: Vec<Expr>,
    pub wildcard: bool,
    pub body: Expr,
    pub span: Span,
}
