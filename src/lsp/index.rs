//! The names of one ruleset: every declaration (inputs and their fields, values, tables,
//! decisions, functions, types, enums and their values, roles, workflows with their states and
//! transitions, approval chains with their steps, ...) and every place one is referred to, found
//! by walking the syntax tree the parser built. Locals (parameters, comprehension and `for`
//! variables) are resolved in their scope; a record's field through the declared type of the
//! name before the dot.

use std::collections::HashMap;

use ordo_dsl::Span;
use ordo_dsl::ast::{
    self, ActionKind, ApprovalItem, ExprKind, Item, LineAmount, PriceStmt, RefinementKind,
    TableKey, TestStepKind, TextPart, TriggerEvent, TypeExprKind, UnaryTestKind,
};

/// What a declared name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Input,
    /// A field of a record input, a `type` or a decision's output column.
    Field,
    Value,
    Output,
    Table,
    Bands,
    Decision,
    Function,
    Type,
    Enum,
    EnumValue,
    Role,
    Workflow,
    State,
    Transition,
    Chain,
    Step,
    Constraint,
    Price,
    Trigger,
    Calendar,
    Test,
    Parameter,
    /// A comprehension's, a constraint's or a price block's `for` variable.
    Local,
}

impl Kind {
    /// The keyword a person would recognise it by.
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Input => "input",
            Kind::Field => "field",
            Kind::Value => "let",
            Kind::Output => "output",
            Kind::Table => "table",
            Kind::Bands => "bands",
            Kind::Decision => "decision",
            Kind::Function => "fn",
            Kind::Type => "type",
            Kind::Enum => "enum",
            Kind::EnumValue => "enum value",
            Kind::Role => "role",
            Kind::Workflow => "workflow",
            Kind::State => "state",
            Kind::Transition => "transition",
            Kind::Chain => "approval",
            Kind::Step => "step",
            Kind::Constraint => "constraint",
            Kind::Price => "price",
            Kind::Trigger => "trigger",
            Kind::Calendar => "calendar",
            Kind::Test => "test",
            Kind::Parameter => "parameter",
            Kind::Local => "variable",
        }
    }
}

/// One declared name.
#[derive(Debug, Clone)]
pub struct Declaration {
    pub name: String,
    pub kind: Kind,
    /// Where the name is written in its declaration.
    pub span: Span,
    /// The whole declaration.
    pub extent: Span,
    /// The enum of a value, the record of a field, the workflow of a state, the chain of a step.
    pub parent: Option<usize>,
    /// The `///` lines above it.
    pub doc: Vec<String>,
    /// The type written for it, if any (for hover).
    pub ty: Option<Span>,
    /// The named type inside that type (`Item` of `List<Item>?`): where its fields come from.
    pub type_name: Option<String>,
    /// Parameters and locals: where the name is visible.
    pub scope: Option<Span>,
    /// The expression whose type is the declaration's: a value's, a function's body, a
    /// decision output's first row.
    pub body: Option<Span>,
}

/// Every declaration of a ruleset and every reference to one.
#[derive(Debug, Clone, Default)]
pub struct Index {
    pub declarations: Vec<Declaration>,
    /// A place a declared name is used, and which declaration it names.
    pub references: Vec<(Span, usize)>,
}

impl Index {
    /// Indexes a parsed ruleset.
    pub fn build(ruleset: &ast::Ruleset) -> Index {
        let mut builder = Builder::default();
        for item in &ruleset.items {
            builder.declare_item(item);
        }
        for item in &ruleset.items {
            builder.walk_item(item);
        }
        builder.index
    }

    pub fn declaration(&self, id: usize) -> Option<&Declaration> {
        self.declarations.get(id)
    }

    /// The declaration whose name (declared or referred to) is at `offset`.
    pub fn at(&self, offset: usize) -> Option<usize> {
        let touches = |span: &Span| span.start <= offset && offset <= span.end;
        self.references
            .iter()
            .find(|(span, _)| touches(span))
            .map(|(_, id)| *id)
            .or_else(|| self.declarations.iter().position(|d| touches(&d.span)))
    }

    /// Every place the declaration's name is written: the declaration first, then the
    /// references in source order.
    pub fn occurrences(&self, id: usize) -> Vec<Span> {
        let mut spans: Vec<Span> = self
            .references
            .iter()
            .filter(|(_, target)| *target == id)
            .map(|(span, _)| *span)
            .collect();
        spans.sort();
        spans.dedup();
        if let Some(declaration) = self.declarations.get(id) {
            // A table declared again for another `effective` date is the same name.
            let twins = self.top_level().filter(|(other, d)| {
                *other != id && d.kind == declaration.kind && d.name == declaration.name
            });
            let mut declared: Vec<Span> = twins.map(|(_, d)| d.span).collect();
            declared.insert(0, declaration.span);
            declared.extend(spans);
            return declared;
        }
        spans
    }

    /// The members reached with `.` from a declaration: an enum's values, a record's or a
    /// decision's fields, or the fields of its declared type.
    pub fn members(&self, id: usize) -> Vec<usize> {
        let children = self.children(id);
        if !children.is_empty() {
            return children;
        }
        let Some(type_name) = self.declarations.get(id).and_then(|d| d.type_name.as_ref()) else {
            return Vec::new();
        };
        self.declarations
            .iter()
            .position(|d| d.kind == Kind::Type && &d.name == type_name)
            .map_or_else(Vec::new, |ty| self.children(ty))
    }

    fn children(&self, id: usize) -> Vec<usize> {
        (0..self.declarations.len())
            .filter(|&i| {
                self.declarations
                    .get(i)
                    .is_some_and(|d| d.parent == Some(id))
            })
            .collect()
    }

    /// The top-level declarations (not fields, enum values, states, steps or locals).
    pub fn top_level(&self) -> impl Iterator<Item = (usize, &Declaration)> {
        self.declarations
            .iter()
            .enumerate()
            .filter(|(_, d)| d.parent.is_none() && d.scope.is_none())
    }

    /// The locals and parameters visible at `offset`.
    pub fn locals_at(&self, offset: usize) -> impl Iterator<Item = (usize, &Declaration)> {
        self.declarations.iter().enumerate().filter(move |(_, d)| {
            d.scope
                .is_some_and(|s| s.start <= offset && offset <= s.end)
        })
    }

    /// The top-level declaration named `name`.
    pub fn named(&self, name: &str) -> Option<usize> {
        self.top_level()
            .find(|(_, d)| d.name == name)
            .map(|(i, _)| i)
    }
}

#[derive(Default)]
struct Builder {
    index: Index,
    /// Top-level names (one namespace, as the compiler has it).
    top: HashMap<String, usize>,
    enum_values: HashMap<String, usize>,
    /// Locals in scope, innermost last.
    locals: Vec<(String, usize)>,
}

impl Builder {
    fn add(&mut self, declaration: Declaration) -> usize {
        let id = self.index.declarations.len();
        if declaration.parent.is_none() && declaration.scope.is_none() {
            self.top.entry(declaration.name.clone()).or_insert(id);
        }
        self.index.declarations.push(declaration);
        id
    }

    fn declare(
        &mut self,
        name: &ast::Ident,
        kind: Kind,
        extent: Span,
        doc: &[String],
        parent: Option<usize>,
    ) -> usize {
        self.add(Declaration {
            name: name.name.clone(),
            kind,
            span: name.span,
            extent,
            parent,
            doc: doc.to_vec(),
            ty: None,
            type_name: None,
            scope: None,
            body: None,
        })
    }

    fn set_body(&mut self, id: usize, body: Option<Span>) {
        if let Some(declaration) = self.index.declarations.get_mut(id) {
            declaration.body = body;
        }
    }

    fn refer(&mut self, span: Span, id: usize) {
        self.index.references.push((span, id));
    }

    fn declare_fields(&mut self, fields: &[ast::FieldDecl], kind: Kind, parent: Option<usize>) {
        for field in fields {
            let id = self.declare(&field.name, kind, field.span, &field.doc, parent);
            self.set_type(id, &field.ty);
            if let TypeExprKind::Record(nested) = &field.ty.kind {
                self.declare_fields(nested, Kind::Field, Some(id));
            }
        }
    }

    fn set_type(&mut self, id: usize, ty: &ast::TypeExpr) {
        if let Some(declaration) = self.index.declarations.get_mut(id) {
            declaration.ty = Some(ty.span);
            declaration.type_name = named_type(ty).map(str::to_string);
        }
    }

    fn declare_item(&mut self, item: &Item) {
        match item {
            Item::Enum(d) => {
                let id = self.declare(&d.name, Kind::Enum, d.span, &d.doc, None);
                for value in &d.values {
                    let value_id = self.declare(value, Kind::EnumValue, value.span, &[], Some(id));
                    self.enum_values
                        .entry(value.name.clone())
                        .or_insert(value_id);
                }
            }
            Item::Roles(d) => {
                for role in &d.roles {
                    self.declare(role, Kind::Role, d.span, &d.doc, None);
                }
            }
            Item::Type(d) => {
                let id = self.declare(&d.name, Kind::Type, d.span, &d.doc, None);
                if let TypeExprKind::Record(fields) = &d.ty.kind {
                    self.declare_fields(fields, Kind::Field, Some(id));
                }
            }
            Item::Function(d) => {
                let id = self.declare(&d.name, Kind::Function, d.span, &d.doc, None);
                self.set_body(id, Some(d.body.span));
                if let Some(result) = &d.result {
                    self.set_type(id, result);
                }
            }
            Item::Input(d) => self.declare_fields(&d.fields, Kind::Input, None),
            Item::Table(d) => {
                let id = self.declare(&d.name, Kind::Table, d.span, &d.doc, None);
                self.set_type(id, &d.value_type);
            }
            Item::Bands(d) => {
                self.declare(&d.name, Kind::Bands, d.span, &d.doc, None);
            }
            Item::Decision(d) => {
                let id = self.declare(&d.name, Kind::Decision, d.span, &d.doc, None);
                for (column, output) in d.outputs.iter().enumerate() {
                    let field = self.declare(output, Kind::Field, output.span, &[], Some(id));
                    let first = d.rows.first().and_then(|row| row.outputs.get(column));
                    self.set_body(field, first.map(|e| e.span));
                }
            }
            Item::Value(d) => {
                let kind = if d.output { Kind::Output } else { Kind::Value };
                let id = self.declare(&d.name, kind, d.span, &d.doc, None);
                self.set_body(id, Some(d.value.span));
                if let Some(ty) = &d.ty {
                    self.set_type(id, ty);
                }
            }
            Item::Constraint(d) => {
                self.declare(&d.name, Kind::Constraint, d.span, &d.doc, None);
            }
            Item::Price(d) => {
                self.declare(&d.name, Kind::Price, d.span, &d.doc, None);
            }
            Item::Approval(d) => {
                let id = self.declare(&d.name, Kind::Chain, d.span, &d.doc, None);
                for item in &d.items {
                    let steps = match item {
                        ApprovalItem::Step(step) => std::slice::from_ref(step),
                        ApprovalItem::Parallel { steps, .. } => steps.as_slice(),
                    };
                    for step in steps {
                        self.declare(&step.id, Kind::Step, step.span, &[], Some(id));
                    }
                }
            }
            Item::Workflow(d) => {
                let id = self.declare(&d.name, Kind::Workflow, d.span, &d.doc, None);
                for state in &d.states {
                    self.declare(&state.name, Kind::State, state.span, &state.doc, Some(id));
                }
                for transition in &d.transitions {
                    self.declare(
                        &transition.name,
                        Kind::Transition,
                        transition.span,
                        &transition.doc,
                        Some(id),
                    );
                }
            }
            Item::Trigger(d) => {
                self.declare(&d.name, Kind::Trigger, d.span, &d.doc, None);
            }
            Item::Test(d) => {
                let name = ast::Ident {
                    name: d.name.value.clone(),
                    span: d.name.span,
                };
                self.declare(&name, Kind::Test, d.span, &d.doc, None);
            }
            Item::Calendar(d) => {
                self.declare(&d.name, Kind::Calendar, d.span, &d.doc, None);
            }
        }
    }

    /// A member of a declaration by name, recorded as a reference.
    fn refer_member(&mut self, owner: usize, name: &ast::Ident) -> Option<usize> {
        let member = self.index.members(owner).into_iter().find(|&m| {
            self.index
                .declarations
                .get(m)
                .is_some_and(|d| d.name == name.name)
        })?;
        self.refer(name.span, member);
        Some(member)
    }

    /// A top-level name of one of `kinds`, recorded as a reference.
    fn refer_top(&mut self, name: &ast::Ident, kinds: &[Kind]) -> Option<usize> {
        let id = *self.top.get(&name.name)?;
        let kind = self.index.declarations.get(id)?.kind;
        if !kinds.contains(&kind) {
            return None;
        }
        self.refer(name.span, id);
        Some(id)
    }

    /// A state, transition or step by name, in any workflow or chain (triggers and tests name
    /// them without their owner when there is one workflow).
    fn refer_nested(&mut self, name: &ast::Ident, kind: Kind, owner: Option<usize>) {
        let found = self.index.declarations.iter().position(|d| {
            d.kind == kind && d.name == name.name && (owner.is_none() || d.parent == owner)
        });
        if let Some(id) = found {
            self.refer(name.span, id);
        }
    }

    fn with_local<T>(
        &mut self,
        name: &ast::Ident,
        kind: Kind,
        scope: Span,
        type_name: Option<String>,
        body: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let id = self.add(Declaration {
            name: name.name.clone(),
            kind,
            span: name.span,
            extent: name.span,
            parent: None,
            doc: Vec::new(),
            ty: None,
            type_name,
            scope: Some(scope),
            body: None,
        });
        self.locals.push((name.name.clone(), id));
        let result = body(self);
        self.locals.pop();
        result
    }

    fn walk_type(&mut self, ty: &ast::TypeExpr) {
        match &ty.kind {
            TypeExprKind::Named(name) => {
                self.refer_top(name, &[Kind::Enum, Kind::Type]);
            }
            TypeExprKind::List(inner)
            | TypeExprKind::Set(inner)
            | TypeExprKind::Optional(inner) => {
                self.walk_type(inner);
            }
            TypeExprKind::Record(fields) => self.walk_fields(fields),
            TypeExprKind::Tuple(items) => items.iter().for_each(|t| self.walk_type(t)),
        }
    }

    fn walk_fields(&mut self, fields: &[ast::FieldDecl]) {
        for field in fields {
            self.walk_type(&field.ty);
            for refinement in &field.refinements {
                match &refinement.kind {
                    RefinementKind::Range { lo, hi, .. } | RefinementKind::Len { lo, hi, .. } => {
                        self.expr(lo);
                        self.opt_expr(hi.as_ref());
                    }
                    RefinementKind::Compare { bound, .. } => {
                        self.expr(bound);
                    }
                    RefinementKind::Matching(_) => {}
                }
            }
            self.opt_expr(field.fallback.as_ref());
            self.opt_expr(field.default.as_ref());
        }
    }

    fn with_params(&mut self, params: &[ast::Param], scope: Span, body: impl FnOnce(&mut Self)) {
        match params.split_first() {
            None => body(self),
            Some((first, rest)) => {
                self.walk_type(&first.ty);
                let type_name = named_type(&first.ty).map(str::to_string);
                let id_before = self.index.declarations.len();
                self.with_local(&first.name, Kind::Parameter, scope, type_name, |b| {
                    if let Some(d) = b.index.declarations.get_mut(id_before) {
                        d.ty = Some(first.ty.span);
                    }
                    b.with_params(rest, scope, body);
                });
            }
        }
    }

    fn walk_item(&mut self, item: &Item) {
        match item {
            Item::Enum(_) | Item::Roles(_) | Item::Test(_) | Item::Calendar(_) => {}
            Item::Type(d) => self.walk_type(&d.ty),
            Item::Function(d) => self.with_params(&d.params, d.span, |b| {
                if let Some(result) = &d.result {
                    b.walk_type(result);
                }
                b.expr(&d.body);
            }),
            Item::Input(d) => self.walk_fields(&d.fields),
            Item::Table(d) => {
                self.walk_type(&d.key_type);
                self.walk_type(&d.value_type);
                for row in &d.rows {
                    match &row.key {
                        TableKey::Wildcard(_) => {}
                        TableKey::Values(keys) => keys.iter().for_each(|k| {
                            self.expr(k);
                        }),
                        TableKey::Tuples(tuples) => {
                            tuples.iter().flatten().flatten().for_each(|k| {
                                self.expr(k);
                            })
                        }
                    }
                    self.expr(&row.value);
                }
            }
            Item::Bands(d) => {
                for row in &d.rows {
                    self.expr(&row.lo);
                    self.opt_expr(row.hi.as_ref());
                    self.expr(&row.value);
                }
            }
            Item::Decision(d) => self.with_params(&d.params, d.span, |b| {
                b.exprs(&d.inputs);
                for row in &d.rows {
                    for test in &row.tests {
                        match &test.kind {
                            UnaryTestKind::Any | UnaryTestKind::None => {}
                            UnaryTestKind::Values(values) => b.exprs(values),
                            UnaryTestKind::Compare(_, e) => {
                                b.expr(e);
                            }
                            UnaryTestKind::Range { lo, hi, .. } => {
                                b.expr(lo);
                                b.expr(hi);
                            }
                        }
                    }
                    b.exprs(&row.outputs);
                }
            }),
            Item::Value(d) => {
                if let Some(ty) = &d.ty {
                    self.walk_type(ty);
                }
                self.expr(&d.value);
            }
            Item::Constraint(d) => {
                let body = |b: &mut Self| {
                    b.expr(&d.condition);
                    b.expr(&d.message);
                };
                match &d.each {
                    Some(each) => {
                        let owner = self.expr(&each.collection);
                        let type_name = self.type_name_of(owner);
                        self.with_local(&each.var, Kind::Local, d.span, type_name, body);
                    }
                    None => body(self),
                }
            }
            Item::Price(d) => {
                self.expr(&d.currency);
                self.price_body(&d.body);
            }
            Item::Approval(d) => {
                self.opt_expr(d.requested_by.as_ref());
                for item in &d.items {
                    let steps = match item {
                        ApprovalItem::Step(step) => std::slice::from_ref(step),
                        ApprovalItem::Parallel { steps, .. } => steps.as_slice(),
                    };
                    for step in steps {
                        self.opt_expr(step.label.as_ref());
                        for role in &step.roles {
                            self.refer_top(role, &[Kind::Role]);
                        }
                        self.opt_expr(step.when.as_ref());
                        self.exprs(&step.facts);
                    }
                }
            }
            Item::Workflow(d) => {
                let owner = self.top.get(&d.name.name).copied();
                for state in &d.states {
                    self.opt_expr(state.owner.as_ref());
                    self.opt_expr(state.sla.as_ref());
                }
                for transition in &d.transitions {
                    for state in transition.from.iter().chain([&transition.to]) {
                        self.refer_nested(state, Kind::State, owner);
                    }
                    for role in &transition.roles {
                        self.refer_top(role, &[Kind::Role]);
                    }
                    self.opt_expr(transition.when.as_ref());
                    for chain in &transition.requires {
                        self.refer_top(chain, &[Kind::Chain]);
                    }
                }
            }
            Item::Trigger(d) => {
                self.trigger_event(&d.event);
                self.opt_expr(d.when.as_ref());
                for action in &d.actions {
                    match &action.kind {
                        ActionKind::Notify { to, message } => {
                            self.expr(to);
                            self.expr(message);
                        }
                        ActionKind::Escalate { role } => {
                            self.refer_top(role, &[Kind::Role]);
                        }
                        ActionKind::Task { name: e, fields }
                        | ActionKind::Emit { event: e, fields } => {
                            self.expr(e);
                            fields.iter().for_each(|f| {
                                self.expr(&f.value);
                            });
                        }
                    }
                }
            }
        }
        if let Item::Test(d) = item {
            self.test(d);
        }
    }

    fn trigger_event(&mut self, event: &TriggerEvent) {
        let states = |b: &mut Self, states: &[ast::Ident], workflow: Option<&ast::Ident>| {
            let owner = workflow.and_then(|w| b.refer_top(w, &[Kind::Workflow]));
            for state in states {
                b.refer_nested(state, Kind::State, owner);
            }
        };
        match event {
            TriggerEvent::Enter(state)
            | TriggerEvent::Exit(state)
            | TriggerEvent::Breach(state) => {
                self.refer_nested(state, Kind::State, None);
            }
            TriggerEvent::Transition(transition) => {
                self.refer_nested(transition, Kind::Transition, None);
            }
            TriggerEvent::Stay { state, after } => {
                self.refer_nested(state, Kind::State, None);
                self.expr(after);
            }
            TriggerEvent::At { at, states: s } => {
                self.expr(at);
                states(self, s, None);
            }
            TriggerEvent::Change {
                fields,
                workflow,
                states: s,
            } => {
                for field in fields {
                    self.dotted_path(field);
                }
                states(self, s, workflow.as_ref());
            }
            TriggerEvent::Becomes {
                condition,
                workflow,
                states: s,
            } => {
                self.expr(condition);
                states(self, s, workflow.as_ref());
            }
        }
    }

    /// `customer.tier` written as one name: each segment refers to its field.
    fn dotted_path(&mut self, path: &ast::Ident) {
        let mut owner: Option<usize> = None;
        let mut start = path.span.start;
        for segment in path.name.split('.') {
            let ident = ast::Ident {
                name: segment.to_string(),
                span: Span::new(start, start + segment.len()),
            };
            start += segment.len() + 1;
            owner = match owner {
                None => self.refer_top(&ident, &[Kind::Input]),
                Some(parent) => self.refer_member(parent, &ident),
            };
            if owner.is_none() {
                return;
            }
        }
    }

    fn test(&mut self, test: &ast::TestDecl) {
        self.record_against(&test.given, None);
        let mut workflow = None;
        for step in &test.steps {
            match &step.kind {
                TestStepKind::Expect(e) | TestStepKind::Now(e) => {
                    self.expr(e);
                }
                TestStepKind::Workflow {
                    workflow: w,
                    state,
                    actor,
                } => {
                    workflow = w
                        .as_ref()
                        .and_then(|w| self.refer_top(w, &[Kind::Workflow]));
                    self.refer_nested(state, Kind::State, workflow);
                    self.opt_expr(actor.as_ref());
                }
                TestStepKind::Approvals(grants) => {
                    if let ExprKind::Record(chains) = &grants.kind {
                        for chain in chains {
                            let id = self.refer_top(&chain.name, &[Kind::Chain]);
                            if let (Some(id), ExprKind::Record(steps)) = (id, &chain.value.kind) {
                                for step in steps {
                                    self.refer_member(id, &step.name);
                                    self.expr(&step.value);
                                }
                            }
                        }
                    }
                }
                TestStepKind::Apply(transition) => {
                    self.refer_nested(transition, Kind::Transition, workflow);
                }
                TestStepKind::Fire { sla, name } => {
                    if *sla {
                        self.refer_nested(name, Kind::State, workflow);
                    } else {
                        self.refer_top(name, &[Kind::Trigger]);
                    }
                }
            }
        }
    }

    /// A `given` record: its field names are the input's (or, nested, a field's) fields.
    fn record_against(&mut self, record: &ast::Expr, owner: Option<usize>) {
        let ExprKind::Record(fields) = &record.kind else {
            self.expr(record);
            return;
        };
        for field in fields {
            let id = match owner {
                None => self.refer_top(&field.name, &[Kind::Input]),
                Some(parent) => self.refer_member(parent, &field.name),
            };
            match (&field.value.kind, id) {
                (ExprKind::Record(_), Some(id)) => self.record_against(&field.value, Some(id)),
                (ExprKind::List(items), Some(id)) => {
                    for item in items {
                        self.record_against(item, Some(id));
                    }
                }
                _ => {
                    self.expr(&field.value);
                }
            }
        }
    }

    fn price_body(&mut self, body: &[PriceStmt]) {
        for stmt in body {
            match stmt {
                PriceStmt::Line(line) => {
                    self.opt_expr(line.label.as_ref());
                    match &line.amount {
                        LineAmount::Amount(e) => {
                            self.expr(e);
                        }
                        LineAmount::QtyAt { qty, unit_price } => {
                            self.expr(qty);
                            self.expr(unit_price);
                        }
                        LineAmount::PercentOf { rate, .. } => {
                            self.expr(rate);
                        }
                    }
                    self.opt_expr(line.when.as_ref());
                }
                PriceStmt::Subtotal(subtotal) => self.opt_expr(subtotal.label.as_ref()),
                PriceStmt::For(each) => {
                    let owner = self.expr(&each.collection);
                    let type_name = self.type_name_of(owner);
                    self.with_local(&each.var, Kind::Local, each.span, type_name, |b| {
                        b.opt_expr(each.key.as_ref());
                        b.price_body(&each.body);
                    });
                }
            }
        }
    }

    fn type_name_of(&self, id: Option<usize>) -> Option<String> {
        id.and_then(|id| self.index.declarations.get(id))
            .and_then(|d| d.type_name.clone())
    }

    fn exprs(&mut self, exprs: &[ast::Expr]) {
        for e in exprs {
            self.expr(e);
        }
    }

    fn opt_expr(&mut self, e: Option<&ast::Expr>) {
        if let Some(e) = e {
            self.expr(e);
        }
    }

    /// Walks an expression; returns the declaration it names when it is a name or a field.
    fn expr(&mut self, e: &ast::Expr) -> Option<usize> {
        match &e.kind {
            ExprKind::Number(_)
            | ExprKind::Percent(_)
            | ExprKind::Bool(_)
            | ExprKind::None
            | ExprKind::Date(_)
            | ExprKind::DateTime(_)
            | ExprKind::Duration { .. } => None,
            ExprKind::Text(parts) => {
                for part in parts {
                    if let TextPart::Interpolation(e) = part {
                        self.expr(e);
                    }
                }
                None
            }
            ExprKind::Name(ident) => {
                let id = self
                    .locals
                    .iter()
                    .rev()
                    .find(|(name, _)| *name == ident.name)
                    .map(|(_, id)| *id)
                    .or_else(|| self.top.get(&ident.name).copied())
                    .or_else(|| self.enum_values.get(&ident.name).copied())?;
                self.refer(ident.span, id);
                Some(id)
            }
            ExprKind::Field { target, field } => {
                if let ExprKind::Name(name) = &target.kind
                    && name.name == "approvals"
                    && !self.top.contains_key("approvals")
                {
                    return self.refer_top(field, &[Kind::Chain]);
                }
                let owner = self.expr(target)?;
                self.refer_member(owner, field)
            }
            ExprKind::Index {
                target, keys, at, ..
            } => {
                self.expr(target);
                self.exprs(keys);
                self.opt_expr(at.as_deref());
                None
            }
            ExprKind::Call { function, args } => {
                self.refer_top(function, &[Kind::Function, Kind::Decision]);
                self.exprs(args);
                None
            }
            ExprKind::Comprehension {
                var,
                collection,
                body,
                filter,
                ..
            }
            | ExprKind::ListComprehension {
                var,
                collection,
                body,
                filter,
            } => {
                let owner = self.expr(collection);
                let type_name = self.type_name_of(owner);
                self.with_local(var, Kind::Local, e.span, type_name, |b| {
                    b.expr(body);
                    b.opt_expr(filter.as_deref());
                });
                None
            }
            ExprKind::Unary { operand, .. } => {
                self.expr(operand);
                None
            }
            ExprKind::Binary { lhs, rhs, .. } => {
                self.expr(lhs);
                self.expr(rhs);
                None
            }
            ExprKind::InRange { value, lo, hi, .. } => {
                self.expr(value);
                self.expr(lo);
                self.expr(hi);
                None
            }
            ExprKind::If {
                condition,
                then_branch,
                else_branch,
            } => {
                self.expr(condition);
                self.expr(then_branch);
                self.expr(else_branch);
                None
            }
            ExprKind::Match { scrutinee, arms } => {
                self.expr(scrutinee);
                for arm in arms {
                    self.exprs(&arm.patterns);
                    self.expr(&arm.body);
                }
                None
            }
            ExprKind::List(items) | ExprKind::Set(items) => {
                self.exprs(items);
                None
            }
            ExprKind::Record(fields) => {
                for field in fields {
                    self.expr(&field.value);
                }
                None
            }
        }
    }
}

/// The declared name inside a type: `Item` of `List<Item>?`.
fn named_type(ty: &ast::TypeExpr) -> Option<&str> {
    match &ty.kind {
        TypeExprKind::Named(name) => Some(&name.name),
        TypeExprKind::List(inner) | TypeExprKind::Set(inner) | TypeExprKind::Optional(inner) => {
            named_type(inner)
        }
        TypeExprKind::Record(_) | TypeExprKind::Tuple(_) => None,
    }
}

#[cfg(test)]
mod tests;
