//! Name resolution and type checking of expressions, lowering them to [`crate::ir::Expr`].
//! Each check reports a diagnostic and yields `Type::Unknown`, so one mistake is reported once
//! and every other mistake of the file is still found.

use crate::ir::test_case::WorkflowFact;
use std::sync::Arc;

use ordo_dsl::ast::{self, BinaryOp, ComprehensionForm, ExprKind, TextPart, UnaryOp};
use ordo_dsl::diagnostic::did_you_mean;
use ordo_dsl::{Diagnostic, DiagnosticKind, Span};
use rust_decimal::Decimal;

use super::symbols::Symbol;
use super::{Context, Lowerer, Node};
use crate::ir::{Aggregate, ArithOp, BandsMode, Builtin, CompareOp, ContextValue, Expr, TextPiece};
use crate::types::{RecordType, Type};
use crate::value::Value;

type Typed = (Expr, Type);

fn unknown() -> Typed {
    (Expr::Const(Value::None), Type::Unknown)
}

fn boxed(e: Expr) -> Box<Expr> {
    Box::new(e)
}

impl Lowerer<'_> {
    /// Lowers an expression; `expected` guides enum-value resolution and empty collections.
    /// When the compile records types (for editors), the expression's type is noted with its
    /// span.
    pub fn expr(&mut self, e: &ast::Expr, expected: Option<&Type>) -> Typed {
        let typed = self.lower_expr(e, expected);
        if let Some(types) = &mut self.expression_types {
            types.push((e.span, typed.1.clone()));
        }
        typed
    }

    fn lower_expr(&mut self, e: &ast::Expr, expected: Option<&Type>) -> Typed {
        match &e.kind {
            ExprKind::Number(n) => {
                let ty = if n.scale() == 0 {
                    Type::Int
                } else {
                    Type::Decimal
                };
                (Expr::Const(Value::Number(*n)), ty)
            }
            ExprKind::Percent(n) => match n.checked_div(Decimal::ONE_HUNDRED) {
                Some(p) => (Expr::Const(Value::Number(p)), Type::Percent),
                None => self.fail(
                    e.span,
                    DiagnosticKind::Syntax,
                    "this percentage is out of range",
                ),
            },
            ExprKind::Text(parts) => self.text(parts),
            ExprKind::Bool(b) => (Expr::Const(Value::Bool(*b)), Type::Bool),
            ExprKind::None => (Expr::Const(Value::None), Type::None),
            ExprKind::Date(d) => (Expr::Const(Value::Date(*d)), Type::Date),
            ExprKind::DateTime(t) => (Expr::Const(Value::DateTime(*t)), Type::DateTime),
            ExprKind::Duration { amount, unit } => {
                let seconds = amount
                    .checked_mul(Decimal::from(unit.seconds()))
                    .and_then(crate::num::to_i64);
                match seconds {
                    Some(s) => (Expr::Const(Value::Duration(s)), Type::Duration),
                    None => self.fail(
                        e.span,
                        DiagnosticKind::TypeMismatch,
                        "a duration must be a whole number of seconds",
                    ),
                }
            }
            ExprKind::Name(ident) => self.name(ident, expected),
            ExprKind::Field { target, field } => self.field(e, target, field),
            ExprKind::Index {
                target,
                keys,
                optional,
                at,
            } => self.index(e.span, target, keys, *optional, at.as_deref()),
            ExprKind::ListComprehension {
                var,
                collection,
                body,
                filter,
            } => {
                let (c, ct) = self.expr(collection, None);
                let elem = self.element_type(&ct, collection.span);
                let slot = self.push_local(&var.name, elem);
                let body_expected = match expected {
                    Some(Type::List(t)) => Some((**t).clone()),
                    _ => None,
                };
                let (b, bt) = self.expr(body, body_expected.as_ref());
                let f = filter.as_deref().map(|f| self.condition(f, "the filter"));
                self.pop_local();
                let e = Expr::ListOf {
                    slot,
                    collection: boxed(c),
                    body: boxed(b),
                    filter: f.map(boxed),
                };
                (e, Type::List(Box::new(bt)))
            }
            ExprKind::Call { function, args } => self.call(e.span, function, args),
            ExprKind::Comprehension {
                function,
                var,
                collection,
                body,
                filter,
                form,
            } => self.comprehension(function, var, collection, body, filter.as_deref(), *form),
            ExprKind::Unary { op, operand } => self.unary(*op, operand),
            ExprKind::Binary { op, lhs, rhs } => self.binary(e.span, *op, lhs, rhs),
            ExprKind::InRange {
                value,
                lo,
                hi,
                half_open,
            } => {
                let (v, vt) = self.expr(value, None);
                let (l, lt) = self.expr(lo, Some(&vt));
                let (h, ht) = self.expr(hi, Some(&vt));
                for (t, span) in [(&lt, lo.span), (&ht, hi.span)] {
                    if !ordered_together(&vt, t) {
                        let msg = format!(
                            "cannot test whether {} is in a range of {}",
                            self.show(&vt),
                            self.show(t)
                        );
                        self.error(Diagnostic::new(DiagnosticKind::TypeMismatch, span, msg));
                    }
                }
                let expr = Expr::InRange {
                    value: boxed(v),
                    lo: boxed(l),
                    hi: boxed(h),
                    half_open: *half_open,
                };
                (expr, Type::Bool)
            }
            ExprKind::If {
                condition,
                then_branch,
                else_branch,
            } => {
                let c = self.condition(condition, "the condition of `if`");
                let (t, tt) = self.expr(then_branch, expected);
                let (f, ft) = self.expr(else_branch, expected.or(Some(&tt)));
                let ty = self.unify_or_report(&tt, &ft, else_branch.span, "the branches of `if`");
                (Expr::If(boxed(c), boxed(t), boxed(f)), ty)
            }
            ExprKind::Match { scrutinee, arms } => {
                self.match_expr(e.span, scrutinee, arms, expected)
            }
            ExprKind::List(items) => {
                let elem_expected = match expected {
                    Some(Type::List(t)) => Some((**t).clone()),
                    _ => None,
                };
                let mut elem_ty = elem_expected.clone().unwrap_or(Type::Unknown);
                let mut out = Vec::new();
                for item in items {
                    let (x, t) = self.expr(item, elem_expected.as_ref().or(Some(&elem_ty)));
                    elem_ty =
                        self.unify_or_report(&elem_ty, &t, item.span, "the elements of a list");
                    out.push(x);
                }
                (fold_list(out), Type::List(Box::new(elem_ty)))
            }
            ExprKind::Set(items) => self.set_literal(e.span, items, expected),
            ExprKind::Record(fields) => {
                let expected_record = match expected {
                    Some(Type::Record(r)) => Some(r.clone()),
                    _ => None,
                };
                let mut exprs = Vec::new();
                let mut types = Vec::new();
                for field in fields {
                    let want = expected_record
                        .as_ref()
                        .and_then(|r| r.field(&field.name.name))
                        .map(|(_, t)| t.clone());
                    let (x, t) = self.expr(&field.value, want.as_ref());
                    exprs.push(x);
                    types.push((field.name.name.clone(), t));
                }
                (
                    fold_record(exprs),
                    Type::Record(Arc::new(RecordType { fields: types })),
                )
            }
        }
    }

    /// Lowers `e` against the type declared for it, if any: the declared type, with `mismatch`
    /// (given the declared and the found type's names) reported when the value does not fit.
    pub fn declared_expr(
        &mut self,
        e: &ast::Expr,
        declared: Option<&ast::TypeExpr>,
        mismatch: impl FnOnce(&str, &str) -> String,
    ) -> Typed {
        let declared = declared.map(|t| self.sym.resolve_type(t, &mut self.diags));
        let (expr, found) = self.expr(e, declared.as_ref());
        let Some(declared) = declared else {
            return (expr, found);
        };
        if !found.fits(&declared) {
            let msg = mismatch(&self.show(&declared), &self.show(&found));
            let hint = default_hint(&found, Some(&declared));
            self.error(
                Diagnostic::new(DiagnosticKind::TypeMismatch, e.span, msg).with_optional_hint(hint),
            );
        }
        (expr, declared)
    }

    /// "unknown table `x`" (or bands ...), with a did-you-mean among the names of that kind.
    fn unknown_of_kind(
        &mut self,
        ident: &ast::Ident,
        what: &str,
        of_kind: fn(&Symbol) -> bool,
    ) -> Typed {
        let known = self
            .sym
            .names
            .iter()
            .filter(|(_, (s, _))| of_kind(s))
            .map(|(n, _)| n.as_str());
        let hint = did_you_mean(&ident.name, known);
        self.error(
            Diagnostic::new(
                DiagnosticKind::UnknownName,
                ident.span,
                format!("unknown {what} `{}`", ident.name),
            )
            .with_optional_hint(hint),
        );
        unknown()
    }

    /// Lowers an expression that must be of type `want`, reporting a mismatch.
    pub fn expect(&mut self, e: &ast::Expr, want: &Type, what: &str) -> Expr {
        let (x, t) = self.expr(e, Some(want));
        if !t.fits(want) {
            let msg = format!(
                "{what} must be {}, found {}",
                self.show(want),
                self.show(&t)
            );
            let hint = default_hint(&t, Some(want));
            self.error(
                Diagnostic::new(DiagnosticKind::TypeMismatch, e.span, msg).with_optional_hint(hint),
            );
        }
        x
    }

    /// Lowers a Bool condition.
    pub fn condition(&mut self, e: &ast::Expr, what: &str) -> Expr {
        self.expect(e, &Type::Bool, what)
    }

    /// Lowers a number (Int, Decimal or Percent).
    pub fn number(&mut self, e: &ast::Expr, what: &str) -> Typed {
        let (x, t) = self.expr(e, None);
        if !t.is_numeric() {
            let msg = format!("{what} must be a number, found {}", self.show(&t));
            let hint = default_hint(&t, None).filter(|_| t.strip_optional().is_numeric());
            self.error(
                Diagnostic::new(DiagnosticKind::TypeMismatch, e.span, msg).with_optional_hint(hint),
            );
            return (x, Type::Unknown);
        }
        (x, t)
    }

    fn fail(&mut self, span: Span, kind: DiagnosticKind, message: impl Into<String>) -> Typed {
        self.error(Diagnostic::new(kind, span, message));
        unknown()
    }

    /// The common type of two branches, or a type mismatch at `span`.
    pub fn unify_or_report(&mut self, a: &Type, b: &Type, span: Span, what: &str) -> Type {
        match a.unify(b) {
            Some(t) => t,
            None => {
                let msg = format!(
                    "{what} must have one type, found {} and {}",
                    self.show(a),
                    self.show(b)
                );
                self.error(Diagnostic::new(DiagnosticKind::TypeMismatch, span, msg));
                Type::Unknown
            }
        }
    }

    fn text(&mut self, parts: &[TextPart]) -> Typed {
        let mut pieces = Vec::new();
        for part in parts {
            match part {
                TextPart::Literal(s) => pieces.push(TextPiece::Literal(s.clone())),
                TextPart::Interpolation(e) => {
                    let (x, _) = self.expr(e, None);
                    pieces.push(TextPiece::Value(x));
                }
            }
        }
        if pieces.iter().all(|p| matches!(p, TextPiece::Literal(_))) {
            let text: String = pieces
                .iter()
                .map(|p| match p {
                    TextPiece::Literal(s) => s.as_str(),
                    TextPiece::Value(_) => "",
                })
                .collect();
            return (Expr::Const(Value::text(&text)), Type::Text);
        }
        (Expr::Text(pieces), Type::Text)
    }

    fn local(&self, name: &str) -> Option<(u32, Type)> {
        self.locals
            .iter()
            .rev()
            .find(|(n, _, _)| n == name)
            .map(|(_, slot, ty)| (*slot, ty.clone()))
    }

    fn name(&mut self, ident: &ast::Ident, expected: Option<&Type>) -> Typed {
        let name = ident.name.as_str();
        if let Some((slot, ty)) = self.local(name) {
            return (Expr::Local(slot), ty);
        }
        // An expected enum type resolves its own values first (`motor == standard`).
        if let Some(Type::Enum(id) | Type::Set(id)) = expected.map(Type::strip_optional)
            && let Some(index) = self
                .program
                .enums
                .get(*id as usize)
                .and_then(|e| e.values.iter().position(|v| v == name))
        {
            return (Expr::Const(Value::Enum(*id, index as u32)), Type::Enum(*id));
        }
        if self.context == Context::Function
            && (matches!(
                self.sym.names.get(name).map(|(s, _)| *s),
                Some(Symbol::Input(_) | Symbol::Global(_))
            ) || matches!(name, "as_of" | "valid" | "now"))
        {
            return self.fail_with_hint(
                ident.span,
                DiagnosticKind::Invalid,
                format!("a function cannot read `{name}`"),
                "inside `fn` only its parameters, constants, tables, bands and functions are in scope: pass it as a parameter".to_string(),
            );
        }
        match self.sym.names.get(name).map(|(s, _)| *s) {
            Some(Symbol::Input(i)) => {
                self.depend_on_input(name.to_string());
                let ty = self
                    .program
                    .input
                    .fields
                    .get(i as usize)
                    .map_or(Type::Unknown, input_value_type);
                return (Expr::Input(i), ty);
            }
            Some(Symbol::Global(g)) => {
                self.depend_on(Node::Global(g));
                let ty = self.ensure_global(g);
                return (Expr::Global(g), ty);
            }
            Some(Symbol::Table(_)) => {
                return self.fail(
                    ident.span,
                    DiagnosticKind::TypeMismatch,
                    format!("`{name}` is a table: look a value up with `{name}[key]`"),
                );
            }
            Some(Symbol::Bands(_)) => {
                return self.fail(
                    ident.span,
                    DiagnosticKind::TypeMismatch,
                    format!("`{name}` is a bands declaration: use `volume(q, {name})`, `graduated(q, {name})` or `block(q, {name})`"),
                );
            }
            Some(Symbol::Function(_)) => {
                return self.fail(
                    ident.span,
                    DiagnosticKind::TypeMismatch,
                    format!("`{name}` is a function: call it with `{name}(...)`"),
                );
            }
            Some(Symbol::Approval(_) | Symbol::Workflow(_) | Symbol::Enum(_) | Symbol::Type(_)) => {
                return self.fail(
                    ident.span,
                    DiagnosticKind::TypeMismatch,
                    format!("`{name}` is not a value"),
                );
            }
            None => {}
        }
        match name {
            "as_of" => return (Expr::AsOf, Type::Date),
            "valid" => {
                self.depend_on(Node::Valid);
                return (Expr::Valid, Type::Bool);
            }
            "entered_at" if self.context == Context::Trigger => {
                return (Expr::EnteredAt, Type::DateTime);
            }
            "now" => return (Expr::Context(ContextValue::Now), Type::DateTime),
            "state" if matches!(self.context, Context::Workflow | Context::Trigger) => {
                return (Expr::Context(ContextValue::State), Type::Text);
            }
            "previous_state" if matches!(self.context, Context::Workflow | Context::Trigger) => {
                return (
                    Expr::Context(ContextValue::PreviousState),
                    Type::Optional(Box::new(Type::Text)),
                );
            }
            "violations" if self.context == Context::Test => {
                return (Expr::TestViolations, super::test_blocks::text_list());
            }
            "enabled" if self.context == Context::Test => {
                return (
                    Expr::TestWorkflow(WorkflowFact::Enabled),
                    super::test_blocks::text_list(),
                );
            }
            "state" if self.context == Context::Test => {
                return (Expr::TestWorkflow(WorkflowFact::State), Type::Text);
            }
            "actions" if self.context == Context::Test => {
                return (
                    Expr::TestWorkflow(WorkflowFact::Actions),
                    super::test_blocks::text_list(),
                );
            }
            _ => {}
        }
        if let Some(candidates) = self.sym.enum_values.get(name).cloned() {
            if let [(id, index)] = candidates.as_slice() {
                return (Expr::Const(Value::Enum(*id, *index)), Type::Enum(*id));
            }
            let owners: Vec<String> = candidates
                .iter()
                .filter_map(|(id, _)| {
                    self.program
                        .enums
                        .get(*id as usize)
                        .map(|e| format!("`{}.{name}`", e.name))
                })
                .collect();
            return self.fail_with_hint(
                ident.span,
                DiagnosticKind::TypeMismatch,
                format!("`{name}` is a value of several enums"),
                format!("qualify it: {}", owners.join(" or ")),
            );
        }
        let mut candidates: Vec<&str> = self.sym.candidate_names().collect();
        candidates.extend(self.locals.iter().map(|(n, _, _)| n.as_str()));
        candidates.push("as_of");
        candidates.push("now");
        let hint = did_you_mean(name, candidates);
        self.error(
            Diagnostic::new(
                DiagnosticKind::UnknownName,
                ident.span,
                format!("unknown name `{name}`"),
            )
            .with_optional_hint(hint),
        );
        unknown()
    }

    fn fail_with_hint(
        &mut self,
        span: Span,
        kind: DiagnosticKind,
        message: String,
        hint: String,
    ) -> Typed {
        self.error(Diagnostic::new(kind, span, message).with_hint(hint));
        unknown()
    }

    /// `a.b`: a record field (with the input path recorded as a dependency), or `Enum.value`.
    fn field(&mut self, whole: &ast::Expr, target: &ast::Expr, field: &ast::Ident) -> Typed {
        // `actor.id` and `actor.roles` in guards and triggers (spec §24), unless a rule's
        // own name `actor` hides them.
        if let ExprKind::Name(actor) = &target.kind
            && actor.name == "actor"
            && matches!(self.context, Context::Workflow | Context::Trigger)
            && self.local("actor").is_none()
            && !self.sym.names.contains_key("actor")
        {
            return match field.name.as_str() {
                "id" => (
                    Expr::Context(ContextValue::ActorId),
                    Type::Optional(Box::new(Type::Text)),
                ),
                "roles" => (
                    Expr::Context(ContextValue::ActorRoles),
                    Type::List(Box::new(Type::Text)),
                ),
                other => self.fail_with_hint(
                    field.span,
                    DiagnosticKind::UnknownName,
                    format!("the actor has no field `{other}`"),
                    "the actor has `id` (Text?) and `roles` (List<Text>)".to_string(),
                ),
            };
        }
        if let ExprKind::Name(enum_name) = &target.kind {
            let shadowed = self.local(&enum_name.name).is_some();
            if let (false, Some(Symbol::Enum(id))) = (
                shadowed,
                self.sym.names.get(&enum_name.name).map(|(s, _)| *s),
            ) {
                let values = self
                    .program
                    .enums
                    .get(id as usize)
                    .map(|e| e.values.clone())
                    .unwrap_or_default();
                return match values.iter().position(|v| *v == field.name) {
                    Some(index) => (Expr::Const(Value::Enum(id, index as u32)), Type::Enum(id)),
                    None => {
                        let hint = did_you_mean(&field.name, values.iter().map(String::as_str))
                            .unwrap_or_else(|| format!("the values are {}", values.join(", ")));
                        self.fail_with_hint(
                            field.span,
                            DiagnosticKind::UnknownName,
                            format!("enum `{}` has no value `{}`", enum_name.name, field.name),
                            hint,
                        )
                    }
                };
            }
        }
        // `approvals.CHAIN`: the chain's status record (spec §22); in a test it alone is the
        // list of required step ids (spec §15), and `approvals.CHAIN.FIELD` the record's field.
        if self.is_approvals(target) {
            let Some(chain) = self.chain_named(field) else {
                return unknown();
            };
            if self.context == Context::Test {
                return (Expr::TestApprovals(chain), super::test_blocks::text_list());
            }
            self.depend_on(Node::Chain(chain));
            return (Expr::Chain(chain), crate::ir::approval::chain_type());
        }
        if let (
            Context::Test,
            ExprKind::Field {
                target: inner,
                field: chain,
            },
        ) = (self.context, &target.kind)
            && self.is_approvals(inner)
        {
            let Some(chain) = self.chain_named(chain) else {
                return unknown();
            };
            let record = crate::ir::approval::chain_type();
            return self.record_field(Expr::Chain(chain), &record, field);
        }
        if let Some((expr, ty, path)) = self.input_path(whole) {
            self.depend_on_input(path);
            return (expr, ty);
        }
        let (t, tt) = self.expr(target, None);
        self.record_field(t, &tt, field)
    }

    /// Whether `e` is the name `approvals` meaning the approval chains: not shadowed by a
    /// declaration or a local, and not in a function (which reads only its parameters).
    fn is_approvals(&self, e: &ast::Expr) -> bool {
        matches!(&e.kind, ExprKind::Name(name) if name.name == "approvals")
            && !self.sym.names.contains_key("approvals")
            && self.local("approvals").is_none()
            && self.context != Context::Function
    }

    /// The approval chain named `name`, or an `unknown_name` error.
    fn chain_named(&mut self, name: &ast::Ident) -> Option<u32> {
        if let Some(Symbol::Approval(chain)) = self.sym.names.get(&name.name).map(|(s, _)| *s) {
            return Some(chain);
        }
        let chains = self.sym.approvals.iter().map(|a| a.name.name.as_str());
        let hint = did_you_mean(&name.name, chains);
        self.error(
            Diagnostic::new(
                DiagnosticKind::UnknownName,
                name.span,
                format!("unknown approval chain `{}`", name.name),
            )
            .with_optional_hint(hint),
        );
        None
    }

    fn record_field(&mut self, target: Expr, target_ty: &Type, field: &ast::Ident) -> Typed {
        let (record, optional) = match target_ty {
            Type::Record(r) => (r.clone(), false),
            Type::Optional(inner) => match &**inner {
                Type::Record(r) => (r.clone(), true),
                _ => return self.not_a_record(target_ty, field),
            },
            Type::Unknown => return unknown(),
            _ => return self.not_a_record(target_ty, field),
        };
        match record.field(&field.name) {
            Some((index, ty)) => {
                let ty = if optional {
                    ty.clone().optional()
                } else {
                    ty.clone()
                };
                (Expr::Field(boxed(target), index as u32), ty)
            }
            None => {
                let hint = did_you_mean(&field.name, record.fields.iter().map(|(n, _)| n.as_str()));
                self.error(
                    Diagnostic::new(
                        DiagnosticKind::UnknownName,
                        field.span,
                        format!("no field `{}` here", field.name),
                    )
                    .with_optional_hint(hint.or_else(|| {
                        Some(format!(
                            "the fields are {}",
                            record
                                .fields
                                .iter()
                                .map(|(n, _)| n.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    })),
                );
                unknown()
            }
        }
    }

    fn not_a_record(&mut self, ty: &Type, field: &ast::Ident) -> Typed {
        let msg = format!("`.{}` needs a record, found {}", field.name, self.show(ty));
        self.fail(field.span, DiagnosticKind::TypeMismatch, msg)
    }

    /// Resolves `input.a.b` chains to an IR path and the dotted input path they read.
    /// The input path an expression reads (`items`, `order.lines`), if it is one.
    pub fn input_path_of(&mut self, e: &ast::Expr) -> Option<String> {
        self.input_path(e).map(|(_, _, path)| path)
    }

    fn input_path(&mut self, e: &ast::Expr) -> Option<(Expr, Type, String)> {
        match &e.kind {
            ExprKind::Name(ident) => {
                if self.local(&ident.name).is_some() {
                    return None;
                }
                let Some(Symbol::Input(i)) = self.sym.names.get(&ident.name).map(|(s, _)| *s)
                else {
                    return None;
                };
                let field = self.program.input.fields.get(i as usize)?;
                Some((Expr::Input(i), input_value_type(field), ident.name.clone()))
            }
            ExprKind::Field { target, field } => {
                let (expr, ty, path) = self.input_path(target)?;
                let Type::Record(record) = &ty else {
                    return None;
                };
                let (index, field_ty) = record.field(&field.name)?;
                Some((
                    Expr::Field(boxed(expr), index as u32),
                    field_ty.clone(),
                    format!("{path}.{}", field.name),
                ))
            }
            _ => None,
        }
    }

    /// `t[k]`, `t[k1, k2]`, `t[k]?`, `t[k] at DATE` on a table; `xs[i]` on a list.
    fn index(
        &mut self,
        span: Span,
        target: &ast::Expr,
        keys: &[ast::Expr],
        optional: bool,
        at: Option<&ast::Expr>,
    ) -> Typed {
        let table = match &target.kind {
            ExprKind::Name(ident) if self.local(&ident.name).is_none() => {
                match self.sym.names.get(&ident.name).map(|(s, _)| *s) {
                    Some(Symbol::Table(id)) => Some((id, ident)),
                    Some(_) => None,
                    None => {
                        return self
                            .unknown_of_kind(ident, "table", |s| matches!(s, Symbol::Table(_)));
                    }
                }
            }
            _ => None,
        };
        let Some((id, ident)) = table else {
            return self.list_index(span, target, keys, optional, at);
        };
        self.depend_on(Node::Table(id));
        let (key_ty, value_ty) = self.table_types(id);
        let what = format!("the key of `{}`", ident.name);
        let key = match (&key_ty, keys) {
            // A composite key: one expression per component.
            (Type::Record(parts), _) if parts.fields.first().is_some_and(|(n, _)| n == "0") => {
                if keys.len() != parts.fields.len() {
                    let msg = format!(
                        "`{}` is keyed by {} values, found {}",
                        ident.name,
                        parts.fields.len(),
                        keys.len()
                    );
                    return self.fail(span, DiagnosticKind::TypeMismatch, msg);
                }
                let lowered: Vec<Expr> = keys
                    .iter()
                    .zip(&parts.fields)
                    .map(|(k, (_, t))| self.expect(k, t, &what))
                    .collect();
                fold_record(lowered)
            }
            (_, [key]) => self.expect(key, &key_ty, &what),
            _ => {
                let msg = format!(
                    "`{}` is keyed by one value, found {}",
                    ident.name,
                    keys.len()
                );
                return self.fail(span, DiagnosticKind::TypeMismatch, msg);
            }
        };
        // `at none` (an absent optional date) looks up on the evaluation's date.
        let at = at.map(|d| boxed(self.expect(d, &Type::Date.optional(), "the date of a lookup")));
        let ty = if optional {
            value_ty.optional()
        } else {
            value_ty
        };
        let e = Expr::TableLookup {
            table: id,
            key: boxed(key),
            optional,
            at,
        };
        (e, ty)
    }

    /// `xs[i]`: the element at a 0-based position of a list.
    fn list_index(
        &mut self,
        span: Span,
        target: &ast::Expr,
        keys: &[ast::Expr],
        optional: bool,
        at: Option<&ast::Expr>,
    ) -> Typed {
        let (list, list_ty) = self.expr(target, None);
        let elem = match &list_ty {
            Type::List(t) => (**t).clone(),
            Type::Unknown => Type::Unknown,
            other => {
                let msg = format!(
                    "only lists and tables can be indexed, found {}",
                    self.show(other)
                );
                return self.fail(target.span, DiagnosticKind::TypeMismatch, msg);
            }
        };
        if optional || at.is_some() {
            return self.fail(
                span,
                DiagnosticKind::TypeMismatch,
                "`?` and `at` are for table lookups: use `first(xs)`, `last(xs)` for a list",
            );
        }
        let [position] = keys else {
            return self.fail(
                span,
                DiagnosticKind::TypeMismatch,
                "a list is indexed by one position: `xs[0]`",
            );
        };
        let position = self.expect(position, &Type::Int, "a list position");
        (Expr::ListIndex(boxed(list), boxed(position)), elem)
    }

    fn table_types(&mut self, id: u32) -> (Type, Type) {
        if let Some(t) = self.program.tables.get(id as usize) {
            return (t.key_type.clone(), t.value_type.clone());
        }
        let Some(decl) = self
            .sym
            .tables
            .get(id as usize)
            .and_then(|v| v.first())
            .copied()
        else {
            return (Type::Unknown, Type::Unknown);
        };
        let mut scratch = Vec::new();
        let k = self.sym.resolve_type(&decl.key_type, &mut scratch);
        let v = self.sym.resolve_type(&decl.value_type, &mut scratch);
        (k, v)
    }

    fn unary(&mut self, op: UnaryOp, operand: &ast::Expr) -> Typed {
        match op {
            UnaryOp::Not => {
                let x = self.condition(operand, "the operand of `not`");
                (Expr::Not(boxed(x)), Type::Bool)
            }
            UnaryOp::Neg => {
                let (x, t) = self.expr(operand, None);
                if !(t.is_numeric() || t == Type::Duration) {
                    let msg = format!("`-` needs a number, found {}", self.show(&t));
                    return self.fail(operand.span, DiagnosticKind::TypeMismatch, msg);
                }
                let ty = if t == Type::Unknown { Type::Unknown } else { t };
                match x {
                    Expr::Const(Value::Number(n)) => {
                        (Expr::Const(Value::Number(crate::num::neg(n))), ty)
                    }
                    Expr::Const(Value::Duration(s)) => (Expr::Const(Value::Duration(-s)), ty),
                    x => (Expr::Neg(boxed(x)), ty),
                }
            }
        }
    }

    fn binary(&mut self, span: Span, op: BinaryOp, lhs: &ast::Expr, rhs: &ast::Expr) -> Typed {
        match op {
            BinaryOp::And | BinaryOp::Or | BinaryOp::Implies => {
                let what = format!("the operands of `{}`", op.as_str());
                let l = self.condition(lhs, &what);
                let r = self.condition(rhs, &what);
                let e = match op {
                    BinaryOp::And => Expr::And(boxed(l), boxed(r)),
                    BinaryOp::Or => Expr::Or(boxed(l), boxed(r)),
                    _ => Expr::Implies(boxed(l), boxed(r)),
                };
                (e, Type::Bool)
            }
            BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => {
                self.arithmetic(span, op, lhs, rhs)
            }
            BinaryOp::Eq | BinaryOp::Ne => {
                let (l, lt, r, rt) = self.pair(lhs, rhs);
                if lt.unify(&rt).is_none() || !comparable(&lt, &rt) {
                    let msg = format!("cannot compare {} with {}", self.show(&lt), self.show(&rt));
                    return self.fail(span, DiagnosticKind::TypeMismatch, msg);
                }
                let cmp = if op == BinaryOp::Eq {
                    CompareOp::Eq
                } else {
                    CompareOp::Ne
                };
                (Expr::Compare(cmp, boxed(l), boxed(r)), Type::Bool)
            }
            BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => {
                let (l, lt, r, rt) = self.pair(lhs, rhs);
                if !ordered_together(&lt, &rt) {
                    let msg = format!(
                        "cannot order {} and {} with `{}`",
                        self.show(&lt),
                        self.show(&rt),
                        op.as_str()
                    );
                    let hint = default_hint(&lt, None).or_else(|| default_hint(&rt, None));
                    self.error(
                        Diagnostic::new(DiagnosticKind::TypeMismatch, span, msg)
                            .with_optional_hint(hint),
                    );
                    return unknown();
                }
                let cmp = match op {
                    BinaryOp::Lt => CompareOp::Lt,
                    BinaryOp::Le => CompareOp::Le,
                    BinaryOp::Gt => CompareOp::Gt,
                    _ => CompareOp::Ge,
                };
                (Expr::Compare(cmp, boxed(l), boxed(r)), Type::Bool)
            }
            BinaryOp::In => {
                let (l, lt) = self.expr(lhs, None);
                let (r, rt) = self.expr(rhs, Some(&Type::List(Box::new(lt.clone()))));
                let elem = match &rt {
                    Type::List(t) => (**t).clone(),
                    Type::Set(id) => Type::Enum(*id),
                    Type::Unknown => Type::Unknown,
                    other => {
                        let msg = format!(
                            "`in` needs a list or a set on its right, found {}",
                            self.show(other)
                        );
                        return self.fail(rhs.span, DiagnosticKind::TypeMismatch, msg);
                    }
                };
                if lt.unify(&elem).is_none() || !comparable(&lt, &elem) {
                    let msg = format!(
                        "cannot look for {} in a collection of {}",
                        self.show(&lt),
                        self.show(&elem)
                    );
                    return self.fail(span, DiagnosticKind::TypeMismatch, msg);
                }
                if let Type::Set(_) = rt {
                    return (Expr::SetContains(boxed(r), boxed(l)), Type::Bool);
                }
                (Expr::InList(boxed(l), boxed(r)), Type::Bool)
            }
            BinaryOp::Contains => {
                let (l, lt) = self.expr(lhs, None);
                match lt.clone() {
                    Type::Set(id) => {
                        let r = self.expect(rhs, &Type::Enum(id), "the element looked for");
                        (Expr::SetContains(boxed(l), boxed(r)), Type::Bool)
                    }
                    Type::List(elem) => {
                        let r = self.expect(rhs, &elem, "the element looked for");
                        (Expr::ListContains(boxed(l), boxed(r)), Type::Bool)
                    }
                    Type::Text => {
                        let r = self.expect(rhs, &Type::Text, "the text looked for");
                        (Expr::Call(Builtin::ContainsText, vec![l, r]), Type::Bool)
                    }
                    Type::Unknown => {
                        self.expr(rhs, None);
                        unknown()
                    }
                    other => {
                        let msg = format!(
                            "`contains` needs a set, a list or a text, found {}",
                            self.show(&other)
                        );
                        self.fail(lhs.span, DiagnosticKind::TypeMismatch, msg)
                    }
                }
            }
            BinaryOp::Coalesce => {
                let (l, lt) = self.expr(lhs, None);
                if !lt.is_optional() && lt != Type::Unknown {
                    let remark = crate::ir::Remark::CoalesceNotOptional {
                        span: lhs.span.to(rhs.span),
                        lhs: lhs.span,
                        ty: self.show(&lt),
                    };
                    if !self.remarks.contains(&remark) {
                        self.remarks.push(remark);
                    }
                }
                let inner = lt.strip_optional().clone();
                let (r, rt) = self.expr(rhs, Some(&inner));
                let ty = self.unify_or_report(&inner, &rt, rhs.span, "both sides of `??`");
                (Expr::Coalesce(boxed(l), boxed(r)), ty)
            }
        }
    }

    /// Lowers two operands, letting the right one resolve enum values by the left one's type.
    fn pair(&mut self, lhs: &ast::Expr, rhs: &ast::Expr) -> (Expr, Type, Expr, Type) {
        let (l, lt) = self.expr(lhs, None);
        let (r, rt) = self.expr(rhs, Some(&lt));
        (l, lt, r, rt)
    }

    fn arithmetic(&mut self, span: Span, op: BinaryOp, lhs: &ast::Expr, rhs: &ast::Expr) -> Typed {
        let (l, lt) = self.expr(lhs, None);
        let (r, rt) = self.expr(rhs, None);
        let arith = match op {
            BinaryOp::Add => ArithOp::Add,
            BinaryOp::Sub => ArithOp::Sub,
            BinaryOp::Mul => ArithOp::Mul,
            _ => ArithOp::Div,
        };
        if lt == Type::Unknown || rt == Type::Unknown {
            return (
                Expr::Arith(arith, boxed(l), boxed(r)),
                if lt == rt { lt } else { Type::Unknown },
            );
        }
        if lt.is_numeric() && rt.is_numeric() {
            let ty = match (arith, &lt, &rt) {
                (ArithOp::Div, Type::Percent, Type::Int) => Type::Percent,
                (ArithOp::Div, _, _) => Type::Decimal,
                (_, Type::Int, Type::Int) => Type::Int,
                (ArithOp::Add | ArithOp::Sub, Type::Percent, Type::Percent) => Type::Percent,
                _ => Type::Decimal,
            };
            return (Expr::Arith(arith, boxed(l), boxed(r)), ty);
        }
        match (arith, &lt, &rt) {
            (ArithOp::Add | ArithOp::Sub, Type::Date | Type::DateTime, Type::Duration) => {
                let e = Expr::DateShift {
                    subtract: arith == ArithOp::Sub,
                    date: boxed(l),
                    duration: boxed(r),
                };
                (e, lt)
            }
            (ArithOp::Add, Type::Duration, Type::Date | Type::DateTime) => (
                Expr::DateShift {
                    subtract: false,
                    date: boxed(r),
                    duration: boxed(l),
                },
                rt,
            ),
            (ArithOp::Add | ArithOp::Sub, Type::Duration, Type::Duration) => {
                (Expr::Arith(arith, boxed(l), boxed(r)), Type::Duration)
            }
            // Spec §23: the time between two instants, or whole days between two dates.
            (ArithOp::Sub, Type::DateTime, Type::DateTime)
            | (ArithOp::Sub, Type::Date, Type::Date) => {
                (Expr::Arith(arith, boxed(l), boxed(r)), Type::Duration)
            }
            _ => {
                let msg = format!(
                    "`{}` cannot combine {} and {}",
                    op.as_str(),
                    self.show(&lt),
                    self.show(&rt)
                );
                let hint = (lt == Type::Text || rt == Type::Text)
                    .then(|| "to build a text, interpolate: \"{a} {b}\"".to_string())
                    .or_else(|| default_hint(&lt, None))
                    .or_else(|| default_hint(&rt, None));
                self.error(
                    Diagnostic::new(DiagnosticKind::TypeMismatch, span, msg)
                        .with_optional_hint(hint),
                );
                unknown()
            }
        }
    }

    fn set_literal(&mut self, span: Span, items: &[ast::Expr], expected: Option<&Type>) -> Typed {
        let mut enum_id = match expected.map(Type::strip_optional) {
            Some(Type::Set(id)) => Some(*id),
            _ => None,
        };
        let mut out = Vec::new();
        for item in items {
            let want = enum_id.map(Type::Enum);
            let (x, t) = self.expr(item, want.as_ref());
            match (t, enum_id) {
                (Type::Enum(id), None) => {
                    enum_id = Some(id);
                    out.push(x);
                }
                (Type::Enum(id), Some(e)) if id == e => out.push(x),
                (Type::Unknown, _) => {}
                (other, _) => {
                    let msg = format!("sets hold values of one enum, found {}", self.show(&other));
                    self.error(Diagnostic::new(
                        DiagnosticKind::TypeMismatch,
                        item.span,
                        msg,
                    ));
                }
            }
        }
        let Some(id) = enum_id else {
            if items.is_empty() {
                return (Expr::Const(Value::set(0, Vec::new())), Type::Unknown);
            }
            return self.fail(
                span,
                DiagnosticKind::TypeMismatch,
                "cannot tell which enum this set holds",
            );
        };
        let consts: Option<Vec<u32>> = out
            .iter()
            .map(|e| match e {
                Expr::Const(Value::Enum(_, v)) => Some(*v),
                _ => None,
            })
            .collect();
        match consts {
            Some(members) => (Expr::Const(Value::set(id, members)), Type::Set(id)),
            None => (Expr::SetOf(id, out), Type::Set(id)),
        }
    }

    fn match_expr(
        &mut self,
        span: Span,
        scrutinee: &ast::Expr,
        arms: &[ast::MatchArm],
        expected: Option<&Type>,
    ) -> Typed {
        let (s, st) = self.expr(scrutinee, None);
        let mut covered: Vec<Value> = Vec::new();
        let mut lowered_arms = Vec::new();
        let mut default = None;
        let mut result_ty = expected.cloned().unwrap_or(Type::Unknown);
        let mut first = true;
        for arm in arms {
            let mut patterns = Vec::new();
            for pattern in &arm.patterns {
                let (p, pt) = self.expr(pattern, Some(&st));
                if pt.unify(&st).is_none() || !comparable(&pt, &st) {
                    let msg = format!(
                        "this pattern is {}, but the value matched is {}",
                        self.show(&pt),
                        self.show(&st)
                    );
                    self.error(Diagnostic::new(
                        DiagnosticKind::TypeMismatch,
                        pattern.span,
                        msg,
                    ));
                }
                match &p {
                    Expr::Const(v) => {
                        if covered.contains(v) {
                            self.error(Diagnostic::new(
                                DiagnosticKind::Duplicate,
                                pattern.span,
                                "this pattern is already covered by an earlier arm",
                            ));
                        }
                        covered.push(v.clone());
                    }
                    _ => self.error(Diagnostic::new(
                        DiagnosticKind::TypeMismatch,
                        pattern.span,
                        "a match pattern must be a constant",
                    )),
                }
                patterns.push(p);
            }
            let (b, bt) = self.expr(&arm.body, if first { expected } else { Some(&result_ty) });
            result_ty = if first {
                bt
            } else {
                self.unify_or_report(&result_ty, &bt, arm.body.span, "the arms of `match`")
            };
            first = false;
            if arm.wildcard {
                default = Some(boxed(b));
            } else {
                lowered_arms.push((patterns, b));
            }
        }
        if default.is_none() {
            let missing: Vec<String> = match self.uncovered_values(&st, |v| covered.contains(v)) {
                Some(missing) => missing,
                None if st == Type::Unknown => Vec::new(),
                None => vec![format!("other {} values", self.show(&st))],
            };
            if !missing.is_empty() {
                self.error(
                    Diagnostic::new(
                        DiagnosticKind::NonExhaustive,
                        span,
                        format!("this `match` does not cover {}", missing.join(", ")),
                    )
                    .with_hint("add the missing arms or a final `_ => ...` arm"),
                );
            }
        }
        (
            Expr::Match {
                scrutinee: boxed(s),
                arms: lowered_arms,
                default,
            },
            result_ty,
        )
    }

    fn comprehension(
        &mut self,
        function: &ast::Ident,
        var: &ast::Ident,
        collection: &ast::Expr,
        body: &ast::Expr,
        filter: Option<&ast::Expr>,
        form: ComprehensionForm,
    ) -> Typed {
        let Some(aggregate) = aggregate_named(&function.name) else {
            let hint = did_you_mean(&function.name, ["sum", "count", "min", "max", "any", "all"]);
            self.error(
                Diagnostic::new(
                    DiagnosticKind::UnknownName,
                    function.span,
                    format!("`{}` does not aggregate a collection", function.name),
                )
                .with_optional_hint(hint),
            );
            return unknown();
        };
        let (c, ct) = self.expr(collection, None);
        let elem = self.element_type(&ct, collection.span);
        let slot = self.push_local(&var.name, elem);
        let (b, bt) = self.expr(body, None);
        let f = filter.map(|f| self.condition(f, "the filter"));
        self.pop_local();
        let ty = self.aggregate_type(
            aggregate,
            &bt,
            body.span,
            form == ComprehensionForm::Quantifier,
        );
        let e = Expr::Aggregate {
            function: aggregate,
            slot,
            collection: boxed(c),
            body: boxed(b),
            filter: f.map(boxed),
        };
        (e, ty)
    }

    /// The element type of a collection, or a diagnostic.
    pub fn element_type(&mut self, ty: &Type, span: Span) -> Type {
        match ty {
            Type::List(t) => (**t).clone(),
            Type::Set(id) => Type::Enum(*id),
            Type::Unknown => Type::Unknown,
            other => {
                let msg = format!("this must be a list or a set, found {}", self.show(other));
                self.error(Diagnostic::new(DiagnosticKind::TypeMismatch, span, msg));
                Type::Unknown
            }
        }
    }

    fn aggregate_type(
        &mut self,
        aggregate: Aggregate,
        body: &Type,
        span: Span,
        predicate: bool,
    ) -> Type {
        let mismatch = |this: &mut Self, want: &str| {
            let msg = format!(
                "`{}` needs {want}, found {}",
                aggregate_name(aggregate),
                this.show(body)
            );
            this.error(Diagnostic::new(DiagnosticKind::TypeMismatch, span, msg));
            Type::Unknown
        };
        match aggregate {
            Aggregate::Sum if body.is_numeric() => {
                if *body == Type::Int {
                    Type::Int
                } else {
                    body.clone()
                }
            }
            Aggregate::Sum => mismatch(self, "numbers"),
            Aggregate::Count if predicate && !Type::Bool.fits(body) => {
                mismatch(self, "a condition")
            }
            Aggregate::Count => Type::Int,
            Aggregate::Min | Aggregate::Max
                if ordered_together(body, body) && !body.is_optional() =>
            {
                body.clone().optional()
            }
            Aggregate::Min | Aggregate::Max => mismatch(self, "numbers or dates"),
            Aggregate::Any | Aggregate::All if body.fits(&Type::Bool) => Type::Bool,
            Aggregate::Any | Aggregate::All => mismatch(self, "a condition"),
        }
    }

    fn call(&mut self, span: Span, function: &ast::Ident, args: &[ast::Expr]) -> Typed {
        let name = function.name.as_str();
        // sum(list), count(set), min(list), any(bools): aggregate the collection itself.
        if let (Some(aggregate), [single]) = (aggregate_named(name), args) {
            let (c, ct) = self.expr(single, None);
            if matches!(ct, Type::List(_) | Type::Set(_)) {
                let elem = self.element_type(&ct, single.span);
                let slot = self.push_local("", elem.clone());
                self.pop_local();
                let ty = self.aggregate_type(aggregate, &elem, single.span, false);
                let e = Expr::Aggregate {
                    function: aggregate,
                    slot,
                    collection: boxed(c),
                    body: boxed(Expr::Local(slot)),
                    filter: None,
                };
                return (e, ty);
            }
            if matches!(
                aggregate,
                Aggregate::Sum | Aggregate::Count | Aggregate::Any | Aggregate::All
            ) && ct != Type::Unknown
            {
                let msg = format!(
                    "`{name}` of one value needs a list or a set, found {}",
                    self.show(&ct)
                );
                return self.fail(single.span, DiagnosticKind::TypeMismatch, msg);
            }
        }
        if let Some((Symbol::Function(id), _)) = self.sym.names.get(name) {
            let id = *id;
            return super::functions::call(self, span, id, args);
        }
        match name {
            "volume" | "graduated" | "block" => return self.bands_call(span, name, args),
            "round" => return self.round_call(span, args),
            _ => {}
        }
        let Some((builtin, arity)) = builtin_named(name) else {
            let known = BUILTIN_NAMES.iter().copied();
            let hint = did_you_mean(name, known);
            self.error(
                Diagnostic::new(
                    DiagnosticKind::UnknownName,
                    function.span,
                    format!("unknown function `{name}`"),
                )
                .with_optional_hint(hint),
            );
            for a in args {
                self.expr(a, None);
            }
            return unknown();
        };
        let (min, max) = arity;
        if args.len() < min || max.is_some_and(|m| args.len() > m) {
            let want = match max {
                Some(m) if m == min => format!("{min}"),
                Some(m) => format!("{min} to {m}"),
                None => format!("at least {min}"),
            };
            let msg = format!("`{name}` takes {want} argument(s), found {}", args.len());
            return self.fail(span, DiagnosticKind::TypeMismatch, msg);
        }
        let calendar = matches!(
            builtin,
            Builtin::AddBusinessDays | Builtin::BusinessDaysBetween | Builtin::IsBusinessDay
        );
        let lowered: Vec<Typed> = args
            .iter()
            .enumerate()
            .map(|(i, a)| {
                if calendar && i + 1 == args.len() {
                    self.calendar_arg(a)
                } else {
                    self.expr(a, None)
                }
            })
            .collect();
        let types: Vec<Type> = lowered.iter().map(|(_, t)| t.clone()).collect();
        let exprs: Vec<Expr> = lowered.into_iter().map(|(e, _)| e).collect();
        let result = self.builtin_type(builtin, &types, args);
        (Expr::Call(builtin, exprs), result)
    }

    /// A time zone written as a literal must be a known IANA zone (a computed one is checked
    /// when it is evaluated).
    fn check_zone(&mut self, arg: Option<&ast::Expr>) {
        let Some(arg) = arg else { return };
        let written = match &arg.kind {
            ExprKind::Text(parts) => match parts.as_slice() {
                [] => String::new(),
                [TextPart::Literal(zone)] => zone.clone(),
                _ => return,
            },
            _ => return,
        };
        if crate::ir::time::time_zone(&written).is_err() {
            self.error(
                Diagnostic::new(
                    DiagnosticKind::TypeMismatch,
                    arg.span,
                    format!("`{written}` is not an IANA time zone"),
                )
                .with_hint("write a zone such as \"Europe/Berlin\" or \"UTC\""),
            );
        }
    }

    /// The pattern of `matches` and `replace`: a text literal without interpolation that is a
    /// valid regular expression, so a bad pattern is found when compiling, never when running.
    fn check_pattern(&mut self, arg: Option<&ast::Expr>) {
        let Some(arg) = arg else { return };
        let written = match &arg.kind {
            ExprKind::Text(parts) => match parts.as_slice() {
                [] => Some(String::new()),
                [TextPart::Literal(pattern)] => Some(pattern.clone()),
                _ => None,
            },
            _ => None,
        };
        let Some(pattern) = written else {
            self.error(
                Diagnostic::new(
                    DiagnosticKind::TypeMismatch,
                    arg.span,
                    "the pattern must be a text literal without `{...}`",
                )
                .with_hint(
                    "write the regular expression itself, e.g. \"[0-9]+\"; a brace is `\\{`",
                ),
            );
            return;
        };
        if let Err(error) = crate::ir::pattern::compile(&pattern) {
            let message = match error {
                crate::ir::pattern::PatternError::UnsupportedClass { .. } => {
                    format!("`{pattern}` uses a Unicode property that is not a general category")
                }
                crate::ir::pattern::PatternError::Invalid(_) => {
                    format!("`{pattern}` is not a regular expression")
                }
            };
            self.error(
                Diagnostic::new(DiagnosticKind::Invalid, arg.span, message)
                    .with_hint(error.to_string()),
            );
        }
    }

    /// A calendar's name as the last argument of a business-day function: its index.
    fn calendar_arg(&mut self, arg: &ast::Expr) -> Typed {
        let found = match &arg.kind {
            ExprKind::Name(ident) => self
                .program
                .calendars
                .iter()
                .position(|c| c.name == ident.name),
            _ => None,
        };
        match found {
            Some(index) => (
                Expr::Const(Value::Number(Decimal::from(index))),
                Type::Unknown,
            ),
            None => {
                let names: Vec<&str> = self
                    .program
                    .calendars
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect();
                let written = match &arg.kind {
                    ExprKind::Name(ident) => ident.name.as_str(),
                    _ => "",
                };
                let hint = did_you_mean(written, names.iter().copied()).or_else(|| {
                    Some(if names.is_empty() {
                        "declare one: `calendar office { weekend sat, sun }`".to_string()
                    } else {
                        format!("the calendars are {}", names.join(", "))
                    })
                });
                self.error(
                    Diagnostic::new(
                        DiagnosticKind::UnknownName,
                        arg.span,
                        "the last argument must be a calendar's name",
                    )
                    .with_optional_hint(hint),
                );
                unknown()
            }
        }
    }

    fn builtin_type(&mut self, builtin: Builtin, types: &[Type], args: &[ast::Expr]) -> Type {
        let want = |this: &mut Self, i: usize, ok: &dyn Fn(&Type) -> bool, what: &str| {
            if let (Some(t), Some(a)) = (types.get(i), args.get(i))
                && !ok(t)
            {
                let msg = format!("this argument must be {what}, found {}", this.show(t));
                this.error(Diagnostic::new(DiagnosticKind::TypeMismatch, a.span, msg));
            }
        };
        let first = types.first().cloned().unwrap_or(Type::Unknown);
        let is_date = |t: &Type| matches!(t, Type::Date | Type::DateTime | Type::Unknown);
        let is_text = |t: &Type| matches!(t, Type::Text | Type::Unknown);
        let is_int = |t: &Type| matches!(t, Type::Int | Type::Unknown);
        let is_num = |t: &Type| t.is_numeric();
        match builtin {
            Builtin::Floor | Builtin::Ceil => {
                want(self, 0, &is_num, "a number");
                Type::Int
            }
            Builtin::Abs => {
                want(self, 0, &is_num, "a number");
                first
            }
            Builtin::Min | Builtin::Max | Builtin::Clamp => {
                let mut ty = first.clone();
                for i in 0..types.len() {
                    let t = types.get(i).cloned().unwrap_or(Type::Unknown);
                    if !ordered_together(&first, &t) {
                        want(
                            self,
                            i,
                            &|_| false,
                            "of the same kind as the first (numbers or dates)",
                        );
                    }
                    ty = ty.unify(&t).unwrap_or(Type::Unknown);
                }
                ty
            }
            Builtin::DaysBetween => {
                want(self, 0, &is_date, "a date");
                want(self, 1, &is_date, "a date");
                Type::Int
            }
            Builtin::HoursBetween | Builtin::MinutesBetween => {
                let is_instant = |t: &Type| matches!(t, Type::DateTime | Type::Unknown);
                want(self, 0, &is_instant, "a DateTime");
                want(self, 1, &is_instant, "a DateTime");
                Type::Int
            }
            Builtin::DateOf => {
                let is_instant = |t: &Type| matches!(t, Type::DateTime | Type::Unknown);
                want(self, 0, &is_instant, "a DateTime");
                want(self, 1, &is_text, "a time zone (Text)");
                self.check_zone(args.get(1));
                Type::Date
            }
            Builtin::DateTimeAt => {
                let is_day = |t: &Type| matches!(t, Type::Date | Type::Unknown);
                want(self, 0, &is_day, "a Date");
                want(self, 1, &is_text, "a time of day (Text, \"17:00\")");
                want(self, 2, &is_text, "a time zone (Text)");
                self.check_zone(args.get(2));
                Type::DateTime
            }
            Builtin::AddBusinessDays => {
                let is_day = |t: &Type| matches!(t, Type::Date | Type::Unknown);
                want(self, 0, &is_day, "a Date");
                want(self, 1, &is_int, "a whole number of days (Int)");
                Type::Date
            }
            Builtin::BusinessDaysBetween => {
                let is_day = |t: &Type| matches!(t, Type::Date | Type::Unknown);
                want(self, 0, &is_day, "a Date");
                want(self, 1, &is_day, "a Date");
                Type::Int
            }
            Builtin::IsBusinessDay => {
                let is_day = |t: &Type| matches!(t, Type::Date | Type::Unknown);
                want(self, 0, &is_day, "a Date");
                Type::Bool
            }
            Builtin::AddDays => {
                want(self, 0, &is_date, "a date");
                want(self, 1, &is_int, "a whole number of days (Int)");
                first
            }
            Builtin::Year | Builtin::Month | Builtin::Day | Builtin::Weekday => {
                want(self, 0, &is_date, "a date");
                Type::Int
            }
            Builtin::Lower | Builtin::Upper | Builtin::Trim => {
                want(self, 0, &is_text, "a text");
                Type::Text
            }
            Builtin::Matches => {
                want(self, 0, &is_text, "a text");
                self.check_pattern(args.get(1));
                Type::Bool
            }
            Builtin::Replace => {
                want(self, 0, &is_text, "a text");
                self.check_pattern(args.get(1));
                want(self, 2, &is_text, "a text (the replacement)");
                Type::Text
            }
            Builtin::DecimalOf => {
                want(self, 0, &is_text, "a text");
                Type::Decimal.optional()
            }
            Builtin::StartsWith | Builtin::EndsWith | Builtin::ContainsText => {
                want(self, 0, &is_text, "a text");
                want(self, 1, &is_text, "a text");
                Type::Bool
            }
            Builtin::Len => {
                want(
                    self,
                    0,
                    &|t| matches!(t, Type::Text | Type::List(_) | Type::Set(_) | Type::Unknown),
                    "a text, a list or a set",
                );
                Type::Int
            }
            Builtin::IsSome => Type::Bool,
            Builtin::First | Builtin::Last => match first {
                Type::List(elem) => elem.optional(),
                Type::Unknown => Type::Unknown,
                _ => {
                    want(self, 0, &|_| false, "a list");
                    Type::Unknown
                }
            },
            Builtin::Distinct | Builtin::Reverse => {
                want(
                    self,
                    0,
                    &|t| matches!(t, Type::List(_) | Type::Unknown),
                    "a list",
                );
                first
            }
            Builtin::Sort => {
                let sortable = |t: &Type| match t {
                    Type::List(elem) => matches!(
                        elem.as_ref(),
                        Type::Int
                            | Type::Decimal
                            | Type::Percent
                            | Type::Text
                            | Type::Date
                            | Type::DateTime
                            | Type::Duration
                            | Type::Enum(_)
                            | Type::Unknown
                    ),
                    Type::Unknown => true,
                    _ => false,
                };
                want(
                    self,
                    0,
                    &sortable,
                    "a list of numbers, texts, dates or enum values",
                );
                first
            }
        }
    }

    fn round_call(&mut self, span: Span, args: &[ast::Expr]) -> Typed {
        let (value, places, mode) = match args {
            [v, p] => (v, p, None),
            [v, p, m] => (v, p, Some(m)),
            _ => {
                return self.fail(
                    span,
                    DiagnosticKind::TypeMismatch,
                    "`round` takes a number, the places, and an optional rounding mode",
                );
            }
        };
        let (v, _) = self.number(value, "the value rounded");
        let p = self.expect(places, &Type::Int, "the number of places");
        let mode = match mode.map(|m| &m.kind) {
            None => ordo_dsl::ast::RoundingMode::HalfUp,
            Some(ExprKind::Name(ident)) => {
                match ordo_dsl::ast::RoundingMode::from_name(&ident.name) {
                    Some(m) => m,
                    None => {
                        let hint = did_you_mean(&ident.name, ordo_dsl::ast::RoundingMode::NAMES)
                            .unwrap_or_else(|| {
                                format!(
                                    "the modes are {}",
                                    ordo_dsl::ast::RoundingMode::NAMES.join(", ")
                                )
                            });
                        return self.fail_with_hint(
                            ident.span,
                            DiagnosticKind::UnknownName,
                            format!("unknown rounding mode `{}`", ident.name),
                            hint,
                        );
                    }
                }
            }
            Some(_) => {
                let at = mode.map_or(span, |m| m.span);
                return self.fail(
                    at,
                    DiagnosticKind::TypeMismatch,
                    "the rounding mode is a name such as `half_even`",
                );
            }
        };
        (Expr::RoundMode(boxed(v), boxed(p), mode), Type::Decimal)
    }

    fn bands_call(&mut self, span: Span, name: &str, args: &[ast::Expr]) -> Typed {
        let [qty, bands] = args else {
            return self.fail(
                span,
                DiagnosticKind::TypeMismatch,
                format!("`{name}` takes a quantity and a bands name: `{name}(q, bands)`"),
            );
        };
        let (q, _) = self.number(qty, "the quantity");
        let ExprKind::Name(ident) = &bands.kind else {
            return self.fail(
                bands.span,
                DiagnosticKind::TypeMismatch,
                "the second argument must name a `bands` declaration",
            );
        };
        let Some(Symbol::Bands(id)) = self.sym.names.get(&ident.name).map(|(s, _)| *s) else {
            return self.unknown_of_kind(ident, "bands", |s| matches!(s, Symbol::Bands(_)));
        };
        let mode = match name {
            "volume" => BandsMode::Volume,
            "graduated" => BandsMode::Graduated,
            _ => BandsMode::Block,
        };
        (Expr::BandsPrice(mode, id, boxed(q)), Type::Decimal)
    }
}

/// The type a reference to an input field has (a field with a default is never absent).
pub(super) fn input_value_type(field: &crate::ir::InputField) -> Type {
    field.ty.clone()
}

/// Whether two types can be compared with `<`, `<=`, `>`, `>=`.
pub(super) fn ordered_together(a: &Type, b: &Type) -> bool {
    match (a, b) {
        (Type::Unknown, _) | (_, Type::Unknown) => true,
        (x, y) if x.is_numeric() && y.is_numeric() => true,
        (Type::Date, Type::Date)
        | (Type::DateTime, Type::DateTime)
        | (Type::Duration, Type::Duration) => true,
        (Type::Text, Type::Text) => true,
        _ => false,
    }
}

/// Whether two types can be compared with `==`: same kind (numbers together), or one is `none`.
pub(super) fn comparable(a: &Type, b: &Type) -> bool {
    a.unify(b).is_some()
}

fn aggregate_named(name: &str) -> Option<Aggregate> {
    Some(match name {
        "sum" => Aggregate::Sum,
        "count" => Aggregate::Count,
        "min" => Aggregate::Min,
        "max" => Aggregate::Max,
        "any" => Aggregate::Any,
        "all" => Aggregate::All,
        _ => return None,
    })
}

fn aggregate_name(aggregate: Aggregate) -> &'static str {
    match aggregate {
        Aggregate::Sum => "sum",
        Aggregate::Count => "count",
        Aggregate::Min => "min",
        Aggregate::Max => "max",
        Aggregate::Any => "any",
        Aggregate::All => "all",
    }
}

/// Every built-in function name, for "did you mean".
const BUILTIN_NAMES: &[&str] = &[
    "round",
    "floor",
    "ceil",
    "abs",
    "min",
    "max",
    "clamp",
    "days_between",
    "add_days",
    "ends_with",
    "starts_with",
    "contains",
    "year",
    "month",
    "day",
    "weekday",
    "lower",
    "upper",
    "trim",
    "matches",
    "replace",
    "decimal",
    "hours_between",
    "minutes_between",
    "date",
    "datetime",
    "add_business_days",
    "business_days_between",
    "is_business_day",
    "len",
    "is_some",
    "sum",
    "count",
    "any",
    "all",
    "volume",
    "graduated",
    "block",
];

/// A built-in and its arity (minimum, maximum).
fn builtin_named(name: &str) -> Option<(Builtin, (usize, Option<usize>))> {
    Some(match name {
        "floor" => (Builtin::Floor, (1, Some(1))),
        "ceil" => (Builtin::Ceil, (1, Some(1))),
        "abs" => (Builtin::Abs, (1, Some(1))),
        "min" => (Builtin::Min, (2, None)),
        "max" => (Builtin::Max, (2, None)),
        "clamp" => (Builtin::Clamp, (3, Some(3))),
        "days_between" => (Builtin::DaysBetween, (2, Some(2))),
        "add_days" => (Builtin::AddDays, (2, Some(2))),
        "ends_with" => (Builtin::EndsWith, (2, Some(2))),
        "starts_with" => (Builtin::StartsWith, (2, Some(2))),
        "contains" => (Builtin::ContainsText, (2, Some(2))),
        "year" => (Builtin::Year, (1, Some(1))),
        "month" => (Builtin::Month, (1, Some(1))),
        "day" => (Builtin::Day, (1, Some(1))),
        "weekday" => (Builtin::Weekday, (1, Some(1))),
        "lower" => (Builtin::Lower, (1, Some(1))),
        "upper" => (Builtin::Upper, (1, Some(1))),
        "len" => (Builtin::Len, (1, Some(1))),
        "is_some" => (Builtin::IsSome, (1, Some(1))),
        "first" => (Builtin::First, (1, Some(1))),
        "last" => (Builtin::Last, (1, Some(1))),
        "distinct" => (Builtin::Distinct, (1, Some(1))),
        "sort" => (Builtin::Sort, (1, Some(1))),
        "reverse" => (Builtin::Reverse, (1, Some(1))),
        "hours_between" => (Builtin::HoursBetween, (2, Some(2))),
        "minutes_between" => (Builtin::MinutesBetween, (2, Some(2))),
        "date" => (Builtin::DateOf, (1, Some(2))),
        "datetime" => (Builtin::DateTimeAt, (3, Some(3))),
        "add_business_days" => (Builtin::AddBusinessDays, (3, Some(3))),
        "business_days_between" => (Builtin::BusinessDaysBetween, (3, Some(3))),
        "is_business_day" => (Builtin::IsBusinessDay, (2, Some(2))),
        "matches" => (Builtin::Matches, (2, Some(2))),
        "replace" => (Builtin::Replace, (3, Some(3))),
        "trim" => (Builtin::Trim, (1, Some(1))),
        "decimal" => (Builtin::DecimalOf, (1, Some(1))),
        _ => return None,
    })
}

/// The values of expressions that are all constants.
fn constants(items: &[Expr]) -> Option<Vec<Value>> {
    items
        .iter()
        .map(|e| match e {
            Expr::Const(v) => Some(v.clone()),
            _ => None,
        })
        .collect()
}

/// A list of constants is a constant.
fn fold_list(items: Vec<Expr>) -> Expr {
    match constants(&items) {
        Some(values) => Expr::Const(Value::List(Arc::from(values))),
        None => Expr::List(items),
    }
}

/// A record of constants is a constant.
pub(super) fn fold_record(fields: Vec<Expr>) -> Expr {
    match constants(&fields) {
        Some(values) => Expr::Const(Value::Record(Arc::from(values))),
        None => Expr::Record(fields),
    }
}

/// The hint for an optional value (`Int?`) used where a value is needed (`Int`): it may be
/// `none`, so give it a default with `??`. `None` when `found` is not optional, or when its
/// value would not fit `want` either.
pub(super) fn default_hint(found: &Type, want: Option<&Type>) -> Option<String> {
    let Type::Optional(inner) = found else {
        return None;
    };
    if want.is_some_and(|want| !inner.fits(want.strip_optional())) {
        return None;
    }
    let default = match inner.as_ref() {
        Type::Int | Type::Decimal => "0",
        Type::Percent => "0%",
        Type::Bool => "false",
        Type::Text => "\"\"",
        _ => "<default>",
    };
    Some(format!(
        "the value is optional (it may be `none`): give it a default, e.g. `x ?? {default}`"
    ))
}
