//! Lowering of declarations: values, decision tables, tables, bands, price blocks,
//! constraints, approval chains, workflows and triggers.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use ordo_dsl::ast::{self, HitPolicy, LineAmount as AstAmount, PriceStmt, UnaryTestKind};
use ordo_dsl::diagnostic::did_you_mean;
use ordo_dsl::{Diagnostic, DiagnosticKind, Span};

use super::expr::{comparable, ordered_together};
use super::symbols::{GlobalDecl, Symbol};
use super::{Context, Lowerer, Node};
use crate::ir::approval::{Approval, ApprovalStep, StepFact};
use crate::ir::decision::DecisionIndex;
use crate::ir::pricing::{
    LINE_FIELDS, LineAmount, PriceBase, PriceBlock, PriceLine, PriceStatement, QUOTE_FIXED_FIELDS,
};
use crate::ir::workflow::{
    Action, NotifyTarget, Owner, State, StateId, Transition, Trigger, TriggerEvent, Workflow,
};
use crate::ir::{
    Band, Bands, CompareOp, Constraint, Decision, DecisionRow, Expr, ForEach, GlobalKind, KeyIndex,
    KeyValue, Table, TableVariant, Test,
};
use crate::types::{RecordType, Type};
use crate::value::Value;

/// Lowers a let, output, decision or price block: its IR and its type.
pub(super) fn lower_global(l: &mut Lowerer<'_>, decl: GlobalDecl<'_>) -> (GlobalKind, Type) {
    match decl {
        GlobalDecl::Value(v) => {
            let (expr, ty) = l.declared_expr(&v.value, v.ty.as_ref(), |declared, found| {
                format!(
                    "`{}` is declared {declared}, but its value is {found}",
                    v.name.name
                )
            });
            let kind = if v.output {
                GlobalKind::Output(expr)
            } else {
                GlobalKind::Let(expr)
            };
            (kind, ty)
        }
        GlobalDecl::Decision(d) => {
            let (decision, ty) = lower_decision(l, d);
            (GlobalKind::Decision(decision), ty)
        }
        GlobalDecl::Price(p) => {
            let (block, ty) = lower_price(l, p);
            (GlobalKind::Price(block), ty)
        }
    }
}

pub(super) fn lower_decision(l: &mut Lowerer<'_>, d: &ast::DecisionDecl) -> (Decision, Type) {
    let mut inputs = Vec::new();
    let mut input_types = Vec::new();
    let mut input_names = Vec::new();
    for input in &d.inputs {
        let (e, t) = l.expr(input, None);
        inputs.push(e);
        input_types.push(t);
        input_names.push(input.span.text(l.source).to_string());
    }
    let mut seen: HashMap<&str, Span> = HashMap::new();
    for out in &d.outputs {
        if let Some(first) = seen.insert(&out.name, out.span) {
            l.error(
                Diagnostic::new(
                    DiagnosticKind::Duplicate,
                    out.span,
                    format!("the output column `{}` appears twice", out.name),
                )
                .with_label(first, "first here"),
            );
        }
    }
    let mut output_types: Vec<Option<Type>> = vec![None; d.outputs.len()];
    let mut rows = Vec::new();
    for row in &d.rows {
        if crate::cancel::cancelled() {
            break;
        }
        if row.tests.len() != d.inputs.len() || row.outputs.len() != d.outputs.len() {
            let msg = format!(
                "this row has {} test(s) and {} output(s); the header has {} input(s) and {} output(s)",
                row.tests.len(),
                row.outputs.len(),
                d.inputs.len(),
                d.outputs.len()
            );
            l.error(Diagnostic::new(DiagnosticKind::Syntax, row.span, msg));
            continue;
        }
        let tests = row
            .tests
            .iter()
            .zip(&input_types)
            .map(|(t, ty)| lower_test(l, t, ty))
            .collect();
        let mut outputs = Vec::new();
        for (cell, slot) in row.outputs.iter().zip(output_types.iter_mut()) {
            let (e, t) = l.expr(cell, slot.as_ref());
            *slot = Some(match slot.take() {
                None => t,
                Some(prev) => {
                    l.unify_or_report(&prev, &t, cell.span, "the cells of an output column")
                }
            });
            outputs.push(e);
        }
        let value = match <[Expr; 1]>::try_from(outputs) {
            Ok([single]) => single,
            Err(cells) => super::expr::fold_record(cells),
        };
        rows.push(DecisionRow {
            tests,
            value,
            line: l.line_of(row.span.start),
        });
    }
    let output_types: Vec<Type> = output_types
        .into_iter()
        .map(|t| t.unwrap_or(Type::Unknown))
        .collect();
    let single = || output_types.first().cloned().unwrap_or(Type::Unknown);
    let row_type = if output_types.len() == 1 {
        single()
    } else {
        Type::Record(Arc::new(RecordType {
            fields: d
                .outputs
                .iter()
                .map(|o| o.name.clone())
                .zip(output_types.iter().cloned())
                .collect(),
        }))
    };
    let needs_single = matches!(
        d.hit,
        HitPolicy::CollectSum | HitPolicy::CollectMin | HitPolicy::CollectMax
    );
    if needs_single && output_types.len() != 1 {
        let msg = format!("`hit {}` needs exactly one output column", d.hit.as_str());
        l.error(Diagnostic::new(
            DiagnosticKind::TypeMismatch,
            d.hit_span.unwrap_or(d.name.span),
            msg,
        ));
    }
    let ty = match d.hit {
        HitPolicy::Unique | HitPolicy::First | HitPolicy::Any => row_type,
        HitPolicy::Collect => Type::List(Box::new(row_type)),
        HitPolicy::CollectCount => Type::Int,
        HitPolicy::CollectSum => {
            let t = single();
            if !t.is_numeric() {
                let msg = format!(
                    "`hit collect sum` needs a number column, found {}",
                    l.show(&t)
                );
                l.error(Diagnostic::new(
                    DiagnosticKind::TypeMismatch,
                    d.hit_span.unwrap_or(d.name.span),
                    msg,
                ));
            }
            t
        }
        HitPolicy::CollectMin | HitPolicy::CollectMax => single().optional(),
    };
    let index = DecisionIndex::build(&rows, inputs.len());
    let decision = Decision {
        hit: d.hit,
        inputs,
        input_names,
        output_names: d.outputs.iter().map(|o| o.name.clone()).collect(),
        rows,
        index,
    };
    (decision, ty)
}

fn lower_test(l: &mut Lowerer<'_>, test: &ast::UnaryTest, column: &Type) -> Test {
    let check = |l: &mut Lowerer<'_>, ty: &Type, span: Span, ordered: bool| {
        let ok = if ordered {
            ordered_together(column, ty)
        } else {
            comparable(column, ty)
        };
        if !ok {
            let msg = format!(
                "this test is {}, but the column is {}",
                l.show(ty),
                l.show(column)
            );
            l.error(Diagnostic::new(DiagnosticKind::TypeMismatch, span, msg));
        }
    };
    match &test.kind {
        UnaryTestKind::Any => Test::Any,
        UnaryTestKind::None => {
            if !column.is_optional() && *column != Type::Unknown {
                let msg = format!("the column is {}, which is never `none`", l.show(column));
                l.error(Diagnostic::new(
                    DiagnosticKind::TypeMismatch,
                    test.span,
                    msg,
                ));
            }
            Test::IsNone
        }
        UnaryTestKind::Values(values) => Test::OneOf(
            values
                .iter()
                .map(|v| {
                    let (e, t) = l.expr(v, Some(column));
                    check(l, &t, v.span, false);
                    e
                })
                .collect(),
        ),
        UnaryTestKind::Compare(op, v) => {
            let (e, t) = l.expr(v, Some(column));
            let op = match op {
                ast::CompareOp::Eq => CompareOp::Eq,
                ast::CompareOp::Ne => CompareOp::Ne,
                ast::CompareOp::Lt => CompareOp::Lt,
                ast::CompareOp::Le => CompareOp::Le,
                ast::CompareOp::Gt => CompareOp::Gt,
                ast::CompareOp::Ge => CompareOp::Ge,
            };
            check(l, &t, v.span, !matches!(op, CompareOp::Eq | CompareOp::Ne));
            Test::Compare(op, e)
        }
        UnaryTestKind::Range { lo, hi, half_open } => {
            let (lo_e, lo_t) = l.expr(lo, Some(column));
            let (hi_e, hi_t) = l.expr(hi, Some(column));
            check(l, &lo_t, lo.span, true);
            check(l, &hi_t, hi.span, true);
            Test::Range {
                lo: lo_e,
                hi: hi_e,
                half_open: *half_open,
            }
        }
    }
}

/// Lowers every `effective` variant of a table, checking keys, exhaustiveness and value types.
pub(super) fn lower_table(l: &mut Lowerer<'_>, id: u32) {
    let variants_ast = l.sym.tables.get(id as usize).cloned().unwrap_or_default();
    let Some(first) = variants_ast.first() else {
        return;
    };
    let key_type = l.sym.resolve_type(&first.key_type, &mut l.diags);
    let value_type = l.sym.resolve_type(&first.value_type, &mut l.diags);
    let name = first.name.name.clone();
    l.begin_node();
    let mut variants = Vec::new();
    for decl in &variants_ast {
        let (k, v) = {
            let mut scratch = Vec::new();
            (
                l.sym.resolve_type(&decl.key_type, &mut scratch),
                l.sym.resolve_type(&decl.value_type, &mut scratch),
            )
        };
        if k != key_type || v != value_type {
            let msg = format!(
                "every variant of table `{name}` must have the type {} -> {}",
                l.show(&key_type),
                l.show(&value_type)
            );
            l.error(Diagnostic::new(
                DiagnosticKind::TypeMismatch,
                decl.key_type.span.to(decl.value_type.span),
                msg,
            ));
        }
        variants.push(lower_table_variant(l, decl, &key_type, &value_type));
    }
    // Newest first: the evaluator takes the first variant whose date is on or before `as_of`.
    crate::sort::sort_by_key(&mut variants, |v| std::cmp::Reverse(v.effective));
    l.end_node(Node::Table(id), Some((first.span, name.clone())));
    let source = variants_ast
        .iter()
        .find_map(|d| d.from.as_ref().map(|f| f.path.clone()));
    let table = Table {
        name,
        key_type,
        value_type,
        variants,
        source,
    };
    if l.program.tables.len() == id as usize {
        l.program.tables.push(table);
    }
}

fn lower_table_variant(
    l: &mut Lowerer<'_>,
    decl: &ast::TableDecl,
    key_type: &Type,
    value_type: &Type,
) -> TableVariant {
    if let Some(source) = &decl.from {
        return super::data_table::lower(l, decl, source, key_type, value_type);
    }
    let mut rows = Vec::new();
    let mut index = KeyIndex::default();
    let mut patterns: Vec<(Vec<Option<Value>>, Expr, Span)> = Vec::new();
    let mut default = None;
    let mut key_spans: HashMap<KeyValue, Span> = HashMap::new();
    for row in &decl.rows {
        if crate::cancel::cancelled() {
            break;
        }
        let value = l.expect(
            &row.value,
            value_type,
            &format!("a value of table `{}`", decl.name.name),
        );
        match &row.key {
            ast::TableKey::Wildcard(span) => {
                if default.is_some() {
                    l.error(Diagnostic::new(
                        DiagnosticKind::Duplicate,
                        *span,
                        "this table has two `_` rows",
                    ));
                }
                default = Some(value);
            }
            ast::TableKey::Tuples(tuples) => {
                let Type::Record(parts) = key_type else {
                    l.error(Diagnostic::new(
                        DiagnosticKind::TypeMismatch,
                        row.span,
                        format!(
                            "table `{}` has one key: write `key => value`",
                            decl.name.name
                        ),
                    ));
                    continue;
                };
                for tuple in tuples {
                    let Some(key) = composite_key(l, tuple, &parts.fields, row.span) else {
                        continue;
                    };
                    if key.iter().any(Option::is_none) {
                        patterns.push((key, value.clone(), row.span));
                        continue;
                    }
                    let kv = Value::Record(key.into_iter().flatten().collect());
                    let Some(map_key) = KeyValue::of(&kv) else {
                        continue;
                    };
                    if first_row(l, &mut key_spans, &map_key, row.span) {
                        index.insert(map_key, rows.len());
                        rows.push((kv, value.clone()));
                    }
                }
            }
            ast::TableKey::Values(keys) => {
                for key in keys {
                    let k = l.expect(key, key_type, "a key");
                    let Expr::Const(kv) = &k else {
                        l.error(Diagnostic::new(
                            DiagnosticKind::TypeMismatch,
                            key.span,
                            "a table key must be a constant",
                        ));
                        continue;
                    };
                    let Some(map_key) = KeyValue::of(kv) else {
                        l.error(Diagnostic::new(
                            DiagnosticKind::TypeMismatch,
                            key.span,
                            "this value cannot be a table key",
                        ));
                        continue;
                    };
                    if first_row(l, &mut key_spans, &map_key, key.span) {
                        index.insert(map_key, rows.len());
                        rows.push((kv.clone(), value.clone()));
                    }
                }
            }
        }
    }
    if default.is_none() {
        let missing = missing_enum_keys(l, key_type, &index);
        if !missing.is_empty() {
            l.error(
                Diagnostic::new(
                    DiagnosticKind::NonExhaustive,
                    decl.name.span,
                    format!(
                        "table `{}` has no row for {}",
                        decl.name.name,
                        missing.join(", ")
                    ),
                )
                .with_hint("add the missing rows or a default row `_ => ...`"),
            );
        }
    }
    // Fewest `_` first: a key takes the most specific pattern that matches it.
    crate::sort::sort_by_key(&mut patterns, |(key, _, _)| {
        key.iter().filter(|k| k.is_none()).count()
    });
    check_pattern_overlaps(l, &decl.name.name, &patterns);
    TableVariant {
        effective: decl.effective.as_ref().map(|d| d.value),
        rows,
        index,
        patterns: patterns
            .into_iter()
            .map(|(key, value, _)| (key, value))
            .collect(),
        default,
        validity: Vec::new(),
    }
}

/// Whether `key` (written at `span`) has no row yet; a second row for it is a diagnostic.
fn first_row(
    l: &mut Lowerer<'_>,
    key_spans: &mut HashMap<KeyValue, Span>,
    key: &KeyValue,
    span: Span,
) -> bool {
    match key_spans.insert(key.clone(), span) {
        None => true,
        Some(first) => {
            l.error(
                Diagnostic::new(
                    DiagnosticKind::Duplicate,
                    span,
                    "this key already has a row",
                )
                .with_label(first, "first row for this key"),
            );
            false
        }
    }
}

/// One `(k1, k2, ...)` key of a composite-key row: constants of the components' types, `None`
/// for `_`.
fn composite_key(
    l: &mut Lowerer<'_>,
    tuple: &[Option<ast::Expr>],
    parts: &[(String, Type)],
    span: Span,
) -> Option<Vec<Option<Value>>> {
    if tuple.len() != parts.len() {
        l.error(Diagnostic::new(
            DiagnosticKind::TypeMismatch,
            span,
            format!(
                "this key has {} parts, the table's key {}",
                tuple.len(),
                parts.len()
            ),
        ));
        return None;
    }
    let mut key = Vec::with_capacity(parts.len());
    for (part, (_, ty)) in tuple.iter().zip(parts) {
        let Some(part) = part else {
            key.push(None);
            continue;
        };
        match l.expect(part, ty, "a key") {
            Expr::Const(value) => key.push(Some(value)),
            _ => {
                l.error(Diagnostic::new(
                    DiagnosticKind::TypeMismatch,
                    part.span,
                    "a table key must be a constant",
                ));
                return None;
            }
        }
    }
    Some(key)
}

/// Two patterns with as many `_` that can match the same key are ambiguous (spec §21).
///
/// Patterns are grouped by which components are `_` (few shapes for a key of few parts); two
/// patterns of shapes with as many `_` meet exactly when they agree on the components both
/// fix, so each pair of shapes is one hash join on those components: linear in the rows, not
/// quadratic. The pairs are reported in the order a pairwise comparison would find them.
fn check_pattern_overlaps(
    l: &mut Lowerer<'_>,
    table: &str,
    patterns: &[(Vec<Option<Value>>, Expr, Span)],
) {
    for (i, j) in overlapping_patterns(patterns) {
        let (Some((_, _, a_span)), Some((_, _, b_span))) = (patterns.get(i), patterns.get(j))
        else {
            continue;
        };
        l.error(
            Diagnostic::new(
                DiagnosticKind::Overlap,
                *b_span,
                format!("two rows of table `{table}` can match the same key"),
            )
            .with_label(*a_span, "the other row")
            .with_hint("make one of them more specific (fewer `_`)"),
        );
    }
}

/// The pairs `(i, j)`, `i < j`, of patterns with as many `_` that can match the same key,
/// sorted.
fn overlapping_patterns(patterns: &[(Vec<Option<Value>>, Expr, Span)]) -> Vec<(usize, usize)> {
    // The patterns of each shape (`true` where the component is `_`), by index.
    let mut shapes: BTreeMap<Vec<bool>, Vec<usize>> = BTreeMap::new();
    for (i, (key, _, _)) in patterns.iter().enumerate() {
        let shape = key.iter().map(Option::is_none).collect();
        shapes.entry(shape).or_default().push(i);
    }
    let shapes: Vec<(Vec<bool>, Vec<usize>)> = shapes.into_iter().collect();
    let wildcards = |shape: &[bool]| shape.iter().filter(|w| **w).count();
    let mut pairs = Vec::new();
    for (n, (shape_a, members_a)) in shapes.iter().enumerate() {
        for (shape_b, members_b) in shapes.iter().skip(n) {
            if shape_a.len() != shape_b.len() || wildcards(shape_a) != wildcards(shape_b) {
                continue;
            }
            // The components both shapes fix.
            let fixed: Vec<usize> = shape_a
                .iter()
                .zip(shape_b)
                .enumerate()
                .filter(|(_, (a, b))| !**a && !**b)
                .map(|(k, _)| k)
                .collect();
            let project = |i: usize| -> Option<Vec<KeyValue>> {
                let (key, _, _) = patterns.get(i)?;
                fixed
                    .iter()
                    .map(|k| key.get(*k).and_then(Option::as_ref).and_then(KeyValue::of))
                    .collect()
            };
            let mut by_key: HashMap<Vec<KeyValue>, Vec<usize>> = HashMap::new();
            for &i in members_a {
                match project(i) {
                    Some(key) => by_key.entry(key).or_default().push(i),
                    // A component that cannot be a key: compare it the slow way.
                    None => pairs.extend(slow_pairs(patterns, i, members_b)),
                }
            }
            let same_shape = shape_a == shape_b;
            for &j in members_b {
                let Some(key) = project(j) else {
                    if !same_shape {
                        pairs.extend(slow_pairs(patterns, j, members_a));
                    }
                    continue;
                };
                for &i in by_key.get(&key).map_or(&[][..], Vec::as_slice) {
                    if i != j {
                        pairs.push((i.min(j), i.max(j)));
                    }
                }
            }
        }
    }
    crate::sort::sort(&mut pairs);
    pairs.dedup();
    pairs
}

/// The pairs of pattern `i` with each of `others` that can match the same key, compared
/// component by component.
fn slow_pairs(
    patterns: &[(Vec<Option<Value>>, Expr, Span)],
    i: usize,
    others: &[usize],
) -> Vec<(usize, usize)> {
    let Some((a, _, _)) = patterns.get(i) else {
        return Vec::new();
    };
    others
        .iter()
        .filter(|j| **j != i)
        .filter(|j| {
            patterns.get(**j).is_some_and(|(b, _, _)| {
                a.iter().zip(b).all(|(x, y)| match (x, y) {
                    (Some(x), Some(y)) => crate::value::values_equal(x, y),
                    _ => true,
                })
            })
        })
        .map(|j| (i.min(*j), i.max(*j)))
        .collect()
}

/// The keys of an enum or Bool key type that a table's rows leave out, quoted.
fn missing_enum_keys(l: &Lowerer<'_>, key_type: &Type, index: &KeyIndex<usize>) -> Vec<String> {
    let covered = |value: &Value| match value {
        Value::Enum(id, i) => index.contains_key(&KeyValue::Enum(*id, *i)),
        Value::Bool(b) => index.contains_key(&KeyValue::Bool(*b)),
        _ => false,
    };
    l.uncovered_values(key_type, covered)
        .unwrap_or_default()
        .into_iter()
        .map(|v| format!("`{v}`"))
        .collect()
}

/// Lowers bands: constant numeric bounds and values, sorted, with overlaps reported.
pub(super) fn lower_bands(l: &mut Lowerer<'_>, id: u32) {
    let Some(decl) = l.sym.bands.get(id as usize).copied() else {
        return;
    };
    let mut bands: Vec<(Band, Span)> = Vec::new();
    for row in &decl.rows {
        let lo = constant_number(l, &row.lo, "a band's lower bound");
        let hi = row
            .hi
            .as_ref()
            .and_then(|h| constant_number(l, h, "a band's upper bound"));
        let value = constant_number(l, &row.value, "a band's value");
        let (Some(lo), Some(value)) = (lo, value) else {
            continue;
        };
        if row.hi.is_some() && hi.is_none() {
            continue;
        }
        if let Some(hi) = hi
            && (hi < lo || (row.half_open && hi == lo))
        {
            l.error(Diagnostic::new(
                DiagnosticKind::Overlap,
                row.span,
                "this band is empty: its upper bound is below its lower bound",
            ));
            continue;
        }
        bands.push((
            Band {
                lo,
                hi,
                half_open: row.half_open,
                value,
            },
            row.span,
        ));
    }
    crate::sort::sort_by_key(&mut bands, |band| band.0.lo);
    for pair in bands.windows(2) {
        let [(a, a_span), (b, b_span)] = pair else {
            continue;
        };
        let overlaps = match a.hi {
            None => true,
            Some(hi) if a.half_open => b.lo < hi,
            Some(hi) => b.lo <= hi,
        };
        if overlaps {
            l.error(
                Diagnostic::new(DiagnosticKind::Overlap, *b_span, format!("bands of `{}` overlap", decl.name.name))
                    .with_label(*a_span, "this band overlaps")
                    .with_hint("make each band start after the previous one ends (use `a..<b` for half-open bands)"),
            );
        }
    }
    let bands = Bands {
        name: decl.name.name.clone(),
        bands: bands.into_iter().map(|(b, _)| b).collect(),
    };
    if l.program.bands.len() == id as usize {
        l.program.bands.push(bands);
    }
}

fn constant_number(
    l: &mut Lowerer<'_>,
    e: &ast::Expr,
    what: &str,
) -> Option<rust_decimal::Decimal> {
    let (x, t) = l.number(e, what);
    match x {
        Expr::Const(Value::Number(n)) => Some(n),
        _ if t == Type::Unknown => None,
        _ => {
            l.error(Diagnostic::new(
                DiagnosticKind::TypeMismatch,
                e.span,
                format!("{what} must be a constant number"),
            ));
            None
        }
    }
}

fn lower_price(l: &mut Lowerer<'_>, p: &ast::PriceDecl) -> (PriceBlock, Type) {
    let currency = l.expect(&p.currency, &Type::Text, "the currency");
    let mut state = PriceState {
        subtotals: Vec::new(),
        ids: HashMap::new(),
        for_slots: Vec::new(),
    };
    let statements = lower_price_body(l, &p.body, &mut state);
    let line_type = Type::Record(Arc::new(RecordType {
        fields: LINE_FIELDS
            .iter()
            .map(|f| {
                let ty = match *f {
                    "amount" => Type::Decimal,
                    "quantity" | "unit_price" => Type::Decimal.optional(),
                    _ => Type::Text,
                };
                (f.to_string(), ty)
            })
            .collect(),
    }));
    let subtotal_record = Type::Record(Arc::new(RecordType {
        fields: state
            .subtotals
            .iter()
            .map(|s| (s.to_string(), Type::Decimal))
            .collect(),
    }));
    let mut fields = vec![
        ("currency".to_string(), Type::Text),
        ("total".to_string(), Type::Decimal),
        ("lines".to_string(), Type::List(Box::new(line_type))),
        ("subtotals".to_string(), subtotal_record),
    ];
    fields.extend(
        state
            .subtotals
            .iter()
            .map(|s| (s.to_string(), Type::Decimal)),
    );
    let minor_units = match &currency {
        Expr::Const(Value::Text(code)) => crate::num::minor_units(code),
        _ => None,
    };
    let block = PriceBlock {
        name: p.name.name.clone(),
        currency,
        minor_units,
        rounding: p.rounding.map_or(ast::RoundingMode::HalfUp, |r| r.mode),
        statements,
        subtotals: state.subtotals,
    };
    (block, Type::Record(Arc::new(RecordType { fields })))
}

struct PriceState {
    subtotals: Vec<Arc<str>>,
    ids: HashMap<String, Span>,
    for_slots: Vec<u32>,
}

fn lower_price_body(
    l: &mut Lowerer<'_>,
    body: &[PriceStmt],
    state: &mut PriceState,
) -> Vec<PriceStatement> {
    let mut out = Vec::new();
    for stmt in body {
        match stmt {
            PriceStmt::Subtotal(s) => {
                if QUOTE_FIXED_FIELDS.contains(&s.id.name.as_str()) {
                    let msg = format!(
                        "`{}` is a field of every quote and cannot name a subtotal",
                        s.id.name
                    );
                    l.error(Diagnostic::new(DiagnosticKind::Duplicate, s.id.span, msg));
                    continue;
                }
                if !state.for_slots.is_empty() {
                    l.error(Diagnostic::new(
                        DiagnosticKind::Invalid,
                        s.span,
                        "a subtotal cannot stand inside `for`",
                    ));
                    continue;
                }
                if let Some(first) = state.ids.insert(s.id.name.clone(), s.id.span) {
                    l.error(
                        Diagnostic::new(
                            DiagnosticKind::Duplicate,
                            s.id.span,
                            format!("the id `{}` is used twice in this block", s.id.name),
                        )
                        .with_label(first, "first used here"),
                    );
                    continue;
                }
                out.push(PriceStatement::Subtotal(state.subtotals.len() as u32));
                state.subtotals.push(Arc::from(s.id.name.as_str()));
                // Subtotal labels are not shown in results; still check they are well-formed.
                if let Some(label) = &s.label {
                    l.expr(label, None);
                }
            }
            PriceStmt::For(f) => {
                let (c, ct) = l.expr(&f.collection, None);
                let elem = l.element_type(&ct, f.collection.span);
                let slot = l.push_local(&f.var.name, elem);
                let key = f.key.as_ref().map(|k| {
                    let (key, key_ty) = l.expr(k, None);
                    if !matches!(
                        key_ty.strip_optional(),
                        Type::Int | Type::Text | Type::Enum(_) | Type::Date | Type::Unknown
                    ) {
                        let msg = format!(
                            "a line key must be a number, a text, a date or an enum value, found {}",
                            l.show(&key_ty)
                        );
                        l.error(Diagnostic::new(DiagnosticKind::TypeMismatch, k.span, msg));
                    }
                    key
                });
                // The element's part of each line id: its key, its position in a list, or
                // the value itself in a set (spec §19).
                let id_slot = l.push_local("", Type::Unknown);
                state.for_slots.push(id_slot);
                let body = lower_price_body(l, &f.body, state);
                state.for_slots.pop();
                l.pop_local();
                l.pop_local();
                out.push(PriceStatement::For {
                    slot,
                    collection: c,
                    body,
                    id_slot,
                    key,
                    by_position: matches!(ct, Type::List(_)),
                });
            }
            PriceStmt::Line(line) => {
                if let Some(line) = lower_price_line(l, line, state) {
                    out.push(PriceStatement::Line(line));
                }
            }
        }
    }
    out
}

fn lower_price_line(
    l: &mut Lowerer<'_>,
    line: &ast::PriceLine,
    state: &mut PriceState,
) -> Option<PriceLine> {
    if state.for_slots.is_empty()
        && let Some(first) = state.ids.insert(line.id.name.clone(), line.id.span)
    {
        l.error(
            Diagnostic::new(
                DiagnosticKind::Duplicate,
                line.id.span,
                format!("the id `{}` is used twice in this block", line.id.name),
            )
            .with_label(first, "first used here"),
        );
    }
    let label = match &line.label {
        Some(label) => l.expect(label, &Type::Text, "a label"),
        None => Expr::Const(Value::text(&line.id.name)),
    };
    let when = line
        .when
        .as_ref()
        .map(|w| l.condition(w, "the `when` condition"));
    let amount = match &line.amount {
        AstAmount::Amount(e) => LineAmount::Amount(l.number(e, "an amount").0),
        AstAmount::QtyAt { qty, unit_price } => LineAmount::QtyAt {
            qty: l.number(qty, "the quantity").0,
            unit_price: l.number(unit_price, "the unit price").0,
        },
        AstAmount::PercentOf { rate, base } => {
            let rate = l.number(rate, "the rate").0;
            let base = if base.name == "total" {
                PriceBase::Total
            } else if let Some(i) = state.subtotals.iter().position(|s| **s == *base.name) {
                PriceBase::Subtotal(i as u32)
            } else {
                let hint = did_you_mean(
                    &base.name,
                    state.subtotals.iter().map(|s| &**s).chain(["total"]),
                )
                .unwrap_or_else(|| {
                    "write `total` or the id of a `subtotal` declared above this line".to_string()
                });
                l.error(
                    Diagnostic::new(
                        DiagnosticKind::UnknownName,
                        base.span,
                        format!("`{}` names no earlier subtotal of this block", base.name),
                    )
                    .with_hint(hint),
                );
                return None;
            };
            LineAmount::PercentOf { rate, base }
        }
    };
    Some(PriceLine {
        kind: line.kind,
        id: line.id.name.as_str().into(),
        id_slots: state.for_slots.clone(),
        label,
        amount,
        when,
    })
}

/// Lowers a constraint in declaration order.
pub(super) fn lower_constraint(l: &mut Lowerer<'_>, c: &ast::ConstraintDecl) {
    let index = l.program.constraints.len() as u32;
    if !l.constraint_ids.insert(c.name.name.clone()) || l.sym.names.contains_key(&c.name.name) {
        l.error(Diagnostic::new(
            DiagnosticKind::Duplicate,
            c.name.span,
            format!("the id `{}` is declared twice", c.name.name),
        ));
    }
    let saved = std::mem::replace(&mut l.context, Context::Constraint);
    l.begin_node();
    let each = c.each.as_ref().map(|each| {
        let input_path = l.input_path_of(&each.collection);
        let (collection, ty) = l.expr(&each.collection, None);
        let elem = l.element_type(&ty, each.collection.span);
        let slot = l.push_local(&each.var.name, elem);
        ForEach {
            slot,
            collection,
            input_path,
        }
    });
    let condition = l.condition(&c.condition, "a constraint");
    let message = l.expect(&c.message, &Type::Text, "the message");
    if each.is_some() {
        l.pop_local();
    }
    let deps = l.end_node(Node::Constraint(index), Some((c.span, c.name.name.clone())));
    l.context = saved;
    let reads = reads_of(l, &deps);
    l.program.constraints.push(Constraint {
        id: c.name.name.clone(),
        each,
        condition,
        severity: c.severity,
        message,
        reads,
        input_deps: Vec::new(),
    });
}

/// The values a node read, for traces: its input paths and named values.
pub(super) fn reads_of(l: &Lowerer<'_>, deps: &super::Deps) -> Vec<(String, Expr)> {
    let mut reads: Vec<(String, Expr)> = deps
        .inputs
        .iter()
        .filter_map(|path| input_path_expr(l, path).map(|e| (path.clone(), e)))
        .collect();
    for node in &deps.nodes {
        if let Node::Global(g) = node
            && let Some(global) = l.program.global(*g)
        {
            reads.push((global.name.clone(), Expr::Global(*g)));
        }
    }
    reads
}

/// The IR that reads an input path such as `customer.tier`.
fn input_path_expr(l: &Lowerer<'_>, path: &str) -> Option<Expr> {
    let mut parts = path.split('.');
    let first = parts.next()?;
    let index = l
        .program
        .input
        .fields
        .iter()
        .position(|f| f.name == first)?;
    let mut expr = Expr::Input(index as u32);
    let mut fields = &l.program.input.fields.get(index)?.fields;
    for part in parts {
        let i = fields.iter().position(|f| f.name == part)?;
        expr = Expr::Field(Box::new(expr), i as u32);
        fields = &fields.get(i)?.fields;
    }
    Some(expr)
}

fn check_role(l: &mut Lowerer<'_>, role: &ast::Ident) {
    if !l.sym.roles.contains(&role.name) {
        let hint = did_you_mean(&role.name, l.sym.roles.iter().map(String::as_str))
            .or_else(|| Some(format!("declare it: `roles {}`", role.name)));
        l.error(
            Diagnostic::new(
                DiagnosticKind::UnknownName,
                role.span,
                format!("unknown role `{}`", role.name),
            )
            .with_optional_hint(hint),
        );
    }
}

/// Lowers an approval chain; `depends_on` is filled by the graph stage. The chain's own node
/// reads its requester, its steps' conditions and their facts, so a step that reads its own
/// chain's status is a cycle.
pub(super) fn lower_approval(l: &mut Lowerer<'_>, id: u32) {
    let Some(decl) = l.sym.approvals.get(id as usize).copied() else {
        return;
    };
    let saved = std::mem::replace(&mut l.context, Context::Workflow);
    let chain_name = decl.name.name.as_str();
    let mut parts = BTreeSet::new();
    let requested_by = decl.requested_by.as_ref().map(|requester| {
        l.begin_node();
        let requester = l.expect(requester, &Type::Text.optional(), "`requested_by`");
        let node = Node::Requester(id);
        l.end_node(
            node,
            Some((decl.name.span, format!("{chain_name} requested_by"))),
        );
        parts.insert(node);
        requester
    });
    let mut steps = Vec::new();
    let mut group = 0u32;
    let mut seen: HashMap<String, Span> = HashMap::new();
    let mut lower_step = |l: &mut Lowerer<'_>,
                          step: &ast::ApprovalStep,
                          group: Option<u32>,
                          steps: &mut Vec<ApprovalStep>,
                          parts: &mut BTreeSet<Node>| {
        if let Some(first) = seen.insert(step.id.name.clone(), step.id.span) {
            l.error(
                Diagnostic::new(
                    DiagnosticKind::Duplicate,
                    step.id.span,
                    format!("the step `{}` is declared twice", step.id.name),
                )
                .with_label(first, "first declared here"),
            );
        }
        for role in &step.roles {
            check_role(l, role);
        }
        let quorum = step.quorum.and_then(|q| match u32::try_from(q.count) {
            Ok(count) if count > 0 => Some(count),
            _ => {
                l.error(
                    Diagnostic::new(
                        DiagnosticKind::Invalid,
                        q.span,
                        format!("a quorum of {} approvers cannot be met", q.count),
                    )
                    .with_hint("write `quorum N` with N at least 1"),
                );
                None
            }
        });
        let index = steps.len() as u32;
        let name = format!("{chain_name}.{}", step.id.name);
        l.begin_node();
        let label = match &step.label {
            Some(label) => l.expect(label, &Type::Text, "a label"),
            None => Expr::Const(Value::text(&step.id.name)),
        };
        let when = step
            .when
            .as_ref()
            .map(|w| l.condition(w, "a step's condition"));
        l.end_node(Node::Step(id, index), Some((step.id.span, name.clone())));
        parts.insert(Node::Step(id, index));
        // The facts are a node of their own: they are not what the step `depends_on`.
        l.begin_node();
        let mut facts: Vec<StepFact> = Vec::new();
        for fact in &step.facts {
            let (expr, ty) = l.expr(fact, None);
            let key = ordo_dsl::format::expr::expr(fact);
            if facts.iter().any(|f| f.key == key) {
                l.error(Diagnostic::new(
                    DiagnosticKind::Duplicate,
                    fact.span,
                    format!("the fact `{key}` is listed twice"),
                ));
                continue;
            }
            facts.push(StepFact { key, expr, ty });
        }
        l.end_node(Node::StepFacts(id, index), Some((step.id.span, name)));
        parts.insert(Node::StepFacts(id, index));
        steps.push(ApprovalStep {
            id: step.id.name.clone(),
            label,
            roles: step.roles.iter().map(|r| r.name.clone()).collect(),
            quorum,
            when,
            group,
            depends_on: Vec::new(),
            depends_on_text: std::sync::OnceLock::new(),
            fact_fields: Vec::new(),
            facts,
        });
    };
    for item in &decl.items {
        match item {
            ast::ApprovalItem::Step(step) => lower_step(l, step, None, &mut steps, &mut parts),
            ast::ApprovalItem::Parallel {
                steps: parallel, ..
            } => {
                for step in parallel {
                    lower_step(l, step, Some(group), &mut steps, &mut parts);
                }
                group += 1;
            }
        }
    }
    l.context = saved;
    // `approvals.CHAIN` reads the whole chain.
    l.begin_node();
    for part in parts {
        l.depend_on(part);
    }
    l.end_node(
        Node::Chain(id),
        Some((decl.name.span, format!("approvals.{chain_name}"))),
    );
    l.program.approvals.push(Approval {
        name: decl.name.name.clone(),
        requested_by,
        steps,
    });
}

/// Lowers a workflow's states and transitions (the graph checks run in `workflow_checks`).
pub(super) fn lower_workflow(l: &mut Lowerer<'_>, id: u32) {
    let Some(decl) = l.sym.workflows.get(id as usize).copied() else {
        return;
    };
    let saved = std::mem::replace(&mut l.context, Context::Workflow);
    let mut states: Vec<State> = Vec::new();
    let mut state_spans: HashMap<String, Span> = HashMap::new();
    for s in &decl.states {
        if let Some(first) = state_spans.insert(s.name.name.clone(), s.name.span) {
            l.error(
                Diagnostic::new(
                    DiagnosticKind::Duplicate,
                    s.name.span,
                    format!("the state `{}` is declared twice", s.name.name),
                )
                .with_label(first, "first declared here"),
            );
            continue;
        }
        if s.name.name == "previous" {
            l.error(
                Diagnostic::new(
                    DiagnosticKind::Workflow,
                    s.name.span,
                    "no state may be named `previous`",
                )
                .with_hint("`-> previous` returns to the state an instance came from"),
            );
        }
        // A bare name that is a declared role (and no rule's name) is that role (spec §24).
        let owner = s.owner.as_ref().map(|o| match &o.kind {
            ast::ExprKind::Name(ident)
                if l.sym.roles.contains(&ident.name) && !l.sym.names.contains_key(&ident.name) =>
            {
                Owner::Role(ident.name.clone())
            }
            _ => Owner::Computed(l.expect(o, &Type::Text, "an owner")),
        });
        let sla = s
            .sla
            .as_ref()
            .map(|e| l.expect(e, &Type::Duration, "an SLA"));
        states.push(State {
            name: s.name.name.clone(),
            initial: s.initial,
            is_final: s.is_final,
            owner,
            sla,
        });
    }
    // State names to ids, so that each reference is one lookup.
    let mut ids: HashMap<String, u32> = HashMap::with_capacity(states.len());
    for (i, state) in states.iter().enumerate() {
        ids.entry(state.name.clone()).or_insert(i as u32);
    }
    let state_id = |l: &mut Lowerer<'_>, states: &[State], ident: &ast::Ident| -> Option<u32> {
        let found = ids.get(&ident.name).copied();
        if found.is_none() {
            let hint = did_you_mean(&ident.name, states.iter().map(|s| s.name.as_str()));
            l.error(
                Diagnostic::new(
                    DiagnosticKind::UnknownName,
                    ident.span,
                    format!(
                        "workflow `{}` has no state `{}`",
                        decl.name.name, ident.name
                    ),
                )
                .with_optional_hint(hint),
            );
        }
        found
    };
    let mut transitions = Vec::new();
    let mut names: HashMap<String, Span> = HashMap::new();
    for t in &decl.transitions {
        if let Some(first) = names.insert(t.name.name.clone(), t.name.span) {
            l.error(
                Diagnostic::new(
                    DiagnosticKind::Duplicate,
                    t.name.span,
                    format!("the transition `{}` is declared twice", t.name.name),
                )
                .with_label(first, "first declared here"),
            );
        }
        let from: Vec<u32> = t
            .from
            .iter()
            .filter_map(|f| state_id(l, &states, f))
            .collect();
        let to_previous = t.to.name == "previous";
        let to = if to_previous {
            from.first().copied()
        } else {
            state_id(l, &states, &t.to)
        };
        for role in &t.roles {
            check_role(l, role);
        }
        let index = transitions.len() as u32;
        l.begin_node();
        let guard = t.when.as_ref().map(|w| {
            (
                l.condition(w, "a transition guard"),
                w.span.text(l.source).to_string(),
            )
        });
        l.end_node(Node::Transition(id, index), None);
        let mut requires = Vec::new();
        for chain in &t.requires {
            match l.sym.names.get(&chain.name).map(|(s, _)| *s) {
                Some(Symbol::Approval(a)) => requires.push(a),
                _ => {
                    let chains = l.sym.approvals.iter().map(|a| a.name.name.as_str());
                    let hint = did_you_mean(&chain.name, chains);
                    l.error(
                        Diagnostic::new(
                            DiagnosticKind::UnknownName,
                            chain.span,
                            format!("unknown approval chain `{}`", chain.name),
                        )
                        .with_optional_hint(hint),
                    );
                }
            }
        }
        if let (false, Some(to)) = (from.is_empty(), to) {
            transitions.push(Transition {
                name: t.name.name.clone(),
                from,
                to,
                to_previous,
                roles: t.roles.iter().map(|r| r.name.clone()).collect(),
                guard,
                requires,
                input_deps: Vec::new(),
            });
        }
    }
    l.context = saved;
    l.program.workflows.push(Workflow {
        name: decl.name.name.clone(),
        states,
        transitions,
    });
}

/// Lowers a trigger: the event resolved to a workflow's states or transition, and its actions.
pub(super) fn lower_trigger(l: &mut Lowerer<'_>, t: &ast::TriggerDecl) {
    let index = l.program.triggers.len() as u32;
    // The event's expressions (a delay, a time, a condition) are read by the trigger too.
    l.begin_node();
    let Some((workflow, event)) = trigger_event(l, &t.event) else {
        l.deps_stack.pop();
        return;
    };
    let saved = std::mem::replace(&mut l.context, Context::Trigger);
    let when = t
        .when
        .as_ref()
        .map(|w| l.condition(w, "a trigger condition"));
    let actions: Vec<Action> = t.actions.iter().map(|a| lower_action(l, a)).collect();
    l.end_node(Node::Trigger(index), None);
    check_owner(l, t, workflow, &event, &actions);
    l.context = saved;
    l.program.triggers.push(Trigger {
        name: t.name.name.clone(),
        workflow,
        event,
        when,
        actions,
    });
}

fn lower_action(l: &mut Lowerer<'_>, action: &ast::Action) -> Action {
    let fields = |l: &mut Lowerer<'_>, fields: &[ast::RecordField]| -> Vec<(String, Expr)> {
        fields
            .iter()
            .map(|f| (f.name.name.clone(), l.expr(&f.value, None).0))
            .collect()
    };
    match &action.kind {
        ast::ActionKind::Notify { to, message } => {
            let to = match &to.kind {
                ast::ExprKind::Name(ident) if ident.name == "owner" => NotifyTarget::Owner,
                ast::ExprKind::Name(ident) if l.sym.roles.contains(&ident.name) => {
                    NotifyTarget::Role(ident.name.clone())
                }
                _ => NotifyTarget::Text(l.expect(to, &Type::Text, "the recipient")),
            };
            Action::Notify {
                to,
                message: l.expect(message, &Type::Text, "the message"),
            }
        }
        ast::ActionKind::Escalate { role } => {
            check_role(l, role);
            Action::Escalate {
                role: role.name.clone(),
            }
        }
        ast::ActionKind::Task { name, fields: f } => Action::Task {
            name: l.expect(name, &Type::Text, "the task name"),
            fields: fields(l, f),
        },
        ast::ActionKind::Emit { event, fields: f } => Action::Emit {
            event: l.expect(event, &Type::Text, "the event name"),
            fields: fields(l, f),
        },
    }
}

/// Lowers the `calendar` declarations (spec §23): weekend day names and holidays checked.
pub(super) fn lower_calendars(l: &mut Lowerer<'_>) {
    const DAYS: [(&str, &str); 7] = [
        ("mon", "monday"),
        ("tue", "tuesday"),
        ("wed", "wednesday"),
        ("thu", "thursday"),
        ("fri", "friday"),
        ("sat", "saturday"),
        ("sun", "sunday"),
    ];
    let mut seen: HashMap<String, Span> = HashMap::new();
    for item in &l.ast.items {
        let ast::Item::Calendar(decl) = item else {
            continue;
        };
        if let Some(first) = seen.insert(decl.name.name.clone(), decl.name.span) {
            l.error(
                Diagnostic::new(
                    DiagnosticKind::Duplicate,
                    decl.name.span,
                    format!("the calendar `{}` is declared twice", decl.name.name),
                )
                .with_label(first, "first declared here"),
            );
            continue;
        }
        let mut weekend = Vec::new();
        for day in &decl.weekend {
            let lower = day.name.to_lowercase();
            match DAYS
                .iter()
                .position(|(short, long)| *short == lower || *long == lower)
            {
                Some(i) if !weekend.contains(&(i as u32)) => weekend.push(i as u32),
                Some(_) => {}
                None => {
                    let hint = did_you_mean(&lower, DAYS.iter().map(|(short, _)| *short));
                    l.error(
                        Diagnostic::new(
                            DiagnosticKind::UnknownName,
                            day.span,
                            format!("`{}` is not a day of the week", day.name),
                        )
                        .with_optional_hint(hint.or_else(|| {
                            Some("write mon, tue, wed, thu, fri, sat or sun".to_string())
                        })),
                    );
                }
            }
        }
        if weekend.len() == DAYS.len() {
            l.error(Diagnostic::new(
                DiagnosticKind::Invalid,
                decl.name.span,
                format!("calendar `{}` has no business days", decl.name.name),
            ));
        }
        weekend.sort_unstable();
        let mut holidays: Vec<chrono::NaiveDate> = decl.holidays.iter().map(|h| h.value).collect();
        crate::sort::sort(&mut holidays);
        holidays.dedup();
        l.program.calendars.push(crate::ir::Calendar {
            name: decl.name.name.clone(),
            weekend,
            holidays,
        });
    }
}

/// The states a trigger runs in, for `notify owner` (`None`: any state).
fn trigger_states(
    program: &crate::ir::Program,
    workflow: u32,
    event: &TriggerEvent,
) -> Option<Vec<StateId>> {
    Some(match event {
        TriggerEvent::Enter(s)
        | TriggerEvent::Exit(s)
        | TriggerEvent::Stay(s, _)
        | TriggerEvent::Breach(s) => vec![*s],
        TriggerEvent::At(_, states) => states.clone(),
        TriggerEvent::Transition(t) => {
            let transition = program
                .workflows
                .get(workflow as usize)?
                .transitions
                .get(*t as usize)?;
            if transition.to_previous {
                return None;
            }
            vec![transition.to]
        }
        TriggerEvent::Change(_, states) | TriggerEvent::Becomes(_, states) => {
            if states.is_empty() {
                return None;
            }
            states.clone()
        }
    })
}

/// `notify owner` in a trigger of a state without an owner is an error (spec §24).
fn check_owner(
    l: &mut Lowerer<'_>,
    t: &ast::TriggerDecl,
    workflow: u32,
    event: &TriggerEvent,
    actions: &[Action],
) {
    let Some(states) = trigger_states(&l.program, workflow, event) else {
        return;
    };
    let Some(wf) = l.program.workflows.get(workflow as usize) else {
        return;
    };
    let ownerless: Vec<String> = states
        .iter()
        .filter_map(|s| wf.states.get(*s as usize))
        .filter(|s| s.owner.is_none())
        .map(|s| s.name.clone())
        .collect();
    if ownerless.is_empty() {
        return;
    }
    for (action, decl) in actions.iter().zip(&t.actions) {
        if let Action::Notify {
            to: NotifyTarget::Owner,
            ..
        } = action
        {
            l.error(
                Diagnostic::new(
                    DiagnosticKind::Workflow,
                    decl.span,
                    format!(
                        "`notify owner`, but state `{}` has no owner",
                        ownerless.join("`, `")
                    ),
                )
                .with_hint("give the state an owner (`owner ROLE`), or notify a role or a text"),
            );
        }
    }
}

/// Finds the workflow whose state or transition `name` is, with an error when none or several.
fn owning_workflow(
    l: &mut Lowerer<'_>,
    name: &ast::Ident,
    is_transition: bool,
) -> Option<(u32, u32)> {
    let owners: Vec<(u32, u32)> = l
        .program
        .workflows
        .iter()
        .enumerate()
        .filter_map(|(w, wf)| {
            let found = if is_transition {
                wf.transitions.iter().position(|x| x.name == name.name)
            } else {
                wf.states.iter().position(|x| x.name == name.name)
            };
            found.map(|i| (w as u32, i as u32))
        })
        .collect();
    let what = if is_transition { "transition" } else { "state" };
    match owners.as_slice() {
        [one] => Some(*one),
        [] => {
            let all: Vec<String> = l
                .program
                .workflows
                .iter()
                .flat_map(|wf| {
                    if is_transition {
                        wf.transitions
                            .iter()
                            .map(|x| x.name.clone())
                            .collect::<Vec<_>>()
                    } else {
                        wf.states.iter().map(|x| x.name.clone()).collect()
                    }
                })
                .collect();
            let hint = did_you_mean(&name.name, all.iter().map(String::as_str));
            l.error(
                Diagnostic::new(
                    DiagnosticKind::UnknownName,
                    name.span,
                    format!("no workflow has a {what} `{}`", name.name),
                )
                .with_optional_hint(hint),
            );
            None
        }
        _ => {
            let msg = format!(
                "several workflows have a {what} `{}`; triggers must name it unambiguously",
                name.name
            );
            l.error(Diagnostic::new(DiagnosticKind::Duplicate, name.span, msg));
            None
        }
    }
}

/// The states `names` of workflow `workflow`, each unknown one reported.
fn states_of(l: &mut Lowerer<'_>, workflow: u32, names: &[ast::Ident]) -> Option<Vec<StateId>> {
    let known: Vec<String> = l
        .program
        .workflows
        .get(workflow as usize)
        .map(|w| w.states.iter().map(|s| s.name.clone()).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut ok = true;
    for name in names {
        match known.iter().position(|s| *s == name.name) {
            Some(i) => out.push(i as StateId),
            None => {
                ok = false;
                let hint = did_you_mean(&name.name, known.iter().map(String::as_str));
                l.error(
                    Diagnostic::new(
                        DiagnosticKind::UnknownName,
                        name.span,
                        format!("the workflow has no state `{}`", name.name),
                    )
                    .with_optional_hint(hint),
                );
            }
        }
    }
    ok.then_some(out)
}

/// The workflow of an `on change` or `on becomes` trigger: the one named by `of`, or the only
/// one.
fn data_workflow(l: &mut Lowerer<'_>, of: Option<&ast::Ident>, span: Span) -> Option<u32> {
    let names: Vec<String> = l.program.workflows.iter().map(|w| w.name.clone()).collect();
    match of {
        Some(name) => match names.iter().position(|w| *w == name.name) {
            Some(i) => Some(i as u32),
            None => {
                let hint = did_you_mean(&name.name, names.iter().map(String::as_str));
                l.error(
                    Diagnostic::new(
                        DiagnosticKind::UnknownName,
                        name.span,
                        format!("unknown workflow `{}`", name.name),
                    )
                    .with_optional_hint(hint),
                );
                None
            }
        },
        None if names.len() == 1 => Some(0),
        None => {
            l.error(
                Diagnostic::new(
                    DiagnosticKind::UnknownName,
                    span,
                    if names.is_empty() {
                        "this trigger needs a workflow, and the ruleset has none".to_string()
                    } else {
                        "the ruleset has several workflows: say which one".to_string()
                    },
                )
                .with_hint("write `of WORKFLOW` after the event"),
            );
            None
        }
    }
}

/// Resolves a trigger's event against the workflows (spec §14, §24).
fn trigger_event(l: &mut Lowerer<'_>, event: &ast::TriggerEvent) -> Option<(u32, TriggerEvent)> {
    Some(match event {
        ast::TriggerEvent::Transition(tr) => {
            let (w, t) = owning_workflow(l, tr, true)?;
            (w, TriggerEvent::Transition(t))
        }
        ast::TriggerEvent::Enter(s) => {
            let (w, s) = owning_workflow(l, s, false)?;
            (w, TriggerEvent::Enter(s))
        }
        ast::TriggerEvent::Exit(s) => {
            let (w, s) = owning_workflow(l, s, false)?;
            (w, TriggerEvent::Exit(s))
        }
        ast::TriggerEvent::Breach(s) => {
            let (w, state) = owning_workflow(l, s, false)?;
            let has_sla = l
                .program
                .workflows
                .get(w as usize)
                .and_then(|wf| wf.states.get(state as usize))
                .is_some_and(|st| st.sla.is_some());
            if !has_sla {
                l.error(
                    Diagnostic::new(
                        DiagnosticKind::Workflow,
                        s.span,
                        format!("state `{}` has no SLA to breach", s.name),
                    )
                    .with_hint("give the state one: `state NAME sla 2 days`"),
                );
            }
            (w, TriggerEvent::Breach(state))
        }
        ast::TriggerEvent::Stay { state, after } => {
            let (w, s) = owning_workflow(l, state, false)?;
            let saved = std::mem::replace(&mut l.context, Context::Trigger);
            let after = l.expect(after, &Type::Duration, "the delay");
            l.context = saved;
            (w, TriggerEvent::Stay(s, after))
        }
        ast::TriggerEvent::At { at, states } => {
            let first = states.first()?;
            let (w, _) = owning_workflow(l, first, false)?;
            let ids = states_of(l, w, states)?;
            let saved = std::mem::replace(&mut l.context, Context::Trigger);
            let (expr, ty) = l.expr(at, None);
            l.context = saved;
            let is_time = matches!(
                ty.strip_optional(),
                Type::DateTime | Type::Date | Type::Unknown
            ) || ty == Type::None;
            if !is_time {
                let msg = format!(
                    "the time of an `at` timer must be a DateTime or a Date, found {}",
                    l.show(&ty)
                );
                l.error(Diagnostic::new(DiagnosticKind::TypeMismatch, at.span, msg));
            }
            (w, TriggerEvent::At(expr, ids))
        }
        ast::TriggerEvent::Change {
            fields,
            workflow,
            states,
        } => {
            let span = fields.first().map_or(Span::new(0, 0), |f| f.span);
            let w = data_workflow(l, workflow.as_ref(), span)?;
            let ids = states_of(l, w, states)?;
            let mut paths = Vec::new();
            for field in fields {
                match l.program.input.field_indexes(&field.name) {
                    Some(path) => {
                        l.depend_on_input(field.name.clone());
                        paths.push(path);
                    }
                    None => {
                        let names: Vec<&str> = l
                            .program
                            .input
                            .fields
                            .iter()
                            .map(|f| f.name.as_str())
                            .collect();
                        let hint = did_you_mean(&field.name, names.iter().copied());
                        l.error(
                            Diagnostic::new(
                                DiagnosticKind::UnknownName,
                                field.span,
                                format!("there is no input field `{}`", field.name),
                            )
                            .with_optional_hint(hint),
                        );
                    }
                }
            }
            (w, TriggerEvent::Change(paths, ids))
        }
        ast::TriggerEvent::Becomes {
            condition,
            workflow,
            states,
        } => {
            let w = data_workflow(l, workflow.as_ref(), condition.span)?;
            let ids = states_of(l, w, states)?;
            let saved = std::mem::replace(&mut l.context, Context::Trigger);
            let condition = l.condition(condition, "a `becomes` condition");
            l.context = saved;
            (w, TriggerEvent::Becomes(condition, ids))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every pair compared component by component: what the hash joins must find.
    fn pairwise(patterns: &[(Vec<Option<Value>>, Expr, Span)]) -> Vec<(usize, usize)> {
        let wildcards = |key: &[Option<Value>]| key.iter().filter(|k| k.is_none()).count();
        let mut pairs = Vec::new();
        for (i, (a, _, _)) in patterns.iter().enumerate() {
            for (j, (b, _, _)) in patterns.iter().enumerate().skip(i + 1) {
                let meet = a.iter().zip(b).all(|(x, y)| match (x, y) {
                    (Some(x), Some(y)) => crate::value::values_equal(x, y),
                    _ => true,
                });
                if wildcards(a) == wildcards(b) && meet {
                    pairs.push((i, j));
                }
            }
        }
        pairs
    }

    #[test]
    fn overlapping_patterns_are_those_a_pairwise_comparison_finds() {
        // Three components from small domains, `_` in about a third of the places: many
        // shapes, many meeting pairs, and duplicates.
        let mut state: u64 = 7;
        let mut next = |bound: u64| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 33) % bound
        };
        for size in [0, 1, 2, 5, 40, 200] {
            let patterns: Vec<(Vec<Option<Value>>, Expr, Span)> = (0..size)
                .map(|_| {
                    let key = (0..3)
                        .map(|part| match next(3) {
                            0 => None,
                            _ if part == 0 => Some(Value::Text(format!("k{}", next(4)).into())),
                            _ if part == 1 => Some(Value::Number(rust_decimal::Decimal::new(
                                next(4) as i64 * 10,
                                1,
                            ))),
                            _ => Some(Value::Bool(next(2) == 0)),
                        })
                        .collect();
                    (key, Expr::Const(Value::None), Span::default())
                })
                .collect();
            let mut sorted = patterns;
            sorted.sort_by_key(|(key, _, _)| key.iter().filter(|k| k.is_none()).count());
            assert_eq!(
                overlapping_patterns(&sorted),
                pairwise(&sorted),
                "{size} patterns"
            );
        }
    }

    #[test]
    fn numbers_of_different_scales_are_one_key() {
        let number = |n: i64, scale: u32| Some(Value::Number(rust_decimal::Decimal::new(n, scale)));
        let patterns = vec![
            (
                vec![number(1, 0), None],
                Expr::Const(Value::None),
                Span::default(),
            ),
            (
                vec![number(10, 1), None],
                Expr::Const(Value::None),
                Span::default(),
            ),
        ];
        assert_eq!(overlapping_patterns(&patterns), vec![(0, 1)]);
    }
}
