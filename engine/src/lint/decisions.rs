//! Decision tables: rows that can never fire under `first`, rows that overlap under `unique`
//! (with an input that hits both), and gaps no row covers (with an input that hits none).
//!
//! Each column's values are reduced to representative points: every enum value, `true` and
//! `false`, every text the column names plus one it does not, and for numbers every bound with
//! a point just below and just above it (1 apart for `Int`, a tenth of the finest written
//! digit for decimals). Rows are built from constants, so between two neighbouring points
//! every row's answer is the same, and checking the points checks every input. Tables whose
//! tests are not constants, whose columns are computed (`n + 0`, `t[k]`, `a == b`) or of
//! other types, or with too many combinations, are not analysed: where such a table can fail
//! at run time, a `decision.not_analysed` note names it and the columns, so a clean lint is
//! never taken for a checked table.

use rust_decimal::Decimal;
use serde_json::{Map, Value as Json, json};

use ordo_dsl::ast::{DecisionDecl, HitPolicy, Item, Ruleset as Ast};

use super::{Finding, Level};
use crate::eval::{compare, values_equal};
use crate::ir::{Decision, Expr, FunctionBody, GlobalKind, InputField, Program, Test};
use crate::json::values::value_to_json;
use crate::types::Type;
use crate::value::Value;

/// The most combinations of column points checked per table.
const MAX_COMBINATIONS: usize = 50_000;

struct Column {
    label: String,
    /// Where the column comes from in the input, when it is an input field.
    path: Option<Vec<usize>>,
    ty: Type,
    points: Vec<Value>,
}

pub fn check(program: &Program, ast: &Ast, findings: &mut Vec<Finding>) {
    for global in &program.globals {
        let GlobalKind::Decision(decision) = &global.kind else {
            continue;
        };
        let Some(decl) = ast.items.iter().find_map(|i| match i {
            Item::Decision(d) if d.name.name == global.name => Some(d),
            _ => None,
        }) else {
            continue;
        };
        analyse(program, &global.name, &[], decision, decl, findings);
    }
    // Decisions with parameters (spec §19): a column may read a parameter (or a field of
    // one), which takes every value of its type like an input.
    for function in &program.functions {
        let FunctionBody::Decision(decision) = &function.body else {
            continue;
        };
        let Some(decl) = ast.items.iter().find_map(|i| match i {
            Item::Decision(d) if d.name.name == function.name => Some(d),
            _ => None,
        }) else {
            continue;
        };
        analyse(
            program,
            &function.name,
            &function.params,
            decision,
            decl,
            findings,
        );
    }
}

/// Whether evaluating the table can fail at run time: with `no_match` (no catch-all row, and
/// not `collect`) or `multiple_matches` (`unique` or `any`, with two rows or more).
fn can_fail(decision: &Decision, hit: HitPolicy) -> bool {
    let collect = matches!(
        hit,
        HitPolicy::Collect
            | HitPolicy::CollectSum
            | HitPolicy::CollectMin
            | HitPolicy::CollectMax
            | HitPolicy::CollectCount
    );
    let catch_all = decision
        .rows
        .iter()
        .any(|row| row.tests.iter().all(|t| matches!(t, Test::Any)));
    let gap = !collect && !catch_all;
    let overlap = matches!(hit, HitPolicy::Unique | HitPolicy::Any) && decision.rows.len() > 1;
    gap || overlap
}

/// A constant test operand.
pub(super) fn constant(e: &Expr) -> Option<Value> {
    match e {
        Expr::Const(v) => Some(v.clone()),
        Expr::Neg(inner) => match constant(inner)? {
            Value::Number(n) => Some(Value::Number(-n)),
            _ => None,
        },
        Expr::Text(pieces) if pieces.is_empty() => Some(Value::text("")),
        _ => None,
    }
}

fn constants(test: &Test) -> Option<Vec<Value>> {
    match test {
        Test::Any | Test::IsNone => Some(Vec::new()),
        Test::OneOf(values) => values.iter().map(constant).collect(),
        Test::Compare(_, v) => Some(vec![constant(v)?]),
        Test::Range { lo, hi, .. } => Some(vec![constant(lo)?, constant(hi)?]),
    }
}

/// Does a test accept a value? (Operands are constants: checked by [`column`].)
fn accepts(test: &Test, value: &Value) -> bool {
    let is_none = matches!(value, Value::None);
    match test {
        Test::Any => true,
        Test::IsNone => is_none,
        _ if is_none => false,
        Test::OneOf(values) => values
            .iter()
            .filter_map(constant)
            .any(|c| values_equal(value, &c)),
        Test::Compare(op, v) => {
            constant(v).is_some_and(|c| compare(*op, value, &c).unwrap_or(false))
        }
        Test::Range { lo, hi, half_open } => {
            let (Some(lo), Some(hi)) = (constant(lo), constant(hi)) else {
                return false;
            };
            let upper = if *half_open {
                crate::ir::CompareOp::Lt
            } else {
                crate::ir::CompareOp::Le
            };
            compare(crate::ir::CompareOp::Ge, value, &lo).unwrap_or(false)
                && compare(upper, value, &hi).unwrap_or(false)
        }
    }
}

/// The input field an expression reads, as field indexes from the top.
pub(super) fn input_path(e: &Expr) -> Option<Vec<usize>> {
    match e {
        Expr::Input(i) => Some(vec![*i as usize]),
        Expr::Field(inner, j) => {
            let mut path = input_path(inner)?;
            path.push(*j as usize);
            Some(path)
        }
        _ => None,
    }
}

pub(super) fn field_at<'p>(program: &'p Program, path: &[usize]) -> Option<&'p InputField> {
    let (first, rest) = path.split_first()?;
    let mut field = program.input.fields.get(*first)?;
    for i in rest {
        field = field.fields.get(*i)?;
    }
    Some(field)
}

/// Why a column's coverage and overlaps cannot be analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unanalysed {
    /// The header is an expression (`n + 0`, `t[k]`, `a == b`), not an input field, a named
    /// value or a parameter (or a field of one).
    Computed,
    /// The column's type has no finite set of representative points (dates, lists, ...).
    Type,
    /// A row's test compares with something that is not a constant.
    Tests,
}

impl Unanalysed {
    fn reason(self) -> &'static str {
        match self {
            Unanalysed::Computed => "is computed, not an input field, a value or a parameter",
            Unanalysed::Type => "is of a type the check does not enumerate",
            Unanalysed::Tests => "has tests that are not constants",
        }
    }
}

/// Whether a field on `path` (or a record it is in) is optional: then the column can be `none`
/// even where its own type is not optional (an absent optional record has no fields).
fn path_optional(program: &Program, path: &[usize]) -> bool {
    (1..=path.len()).any(|end| {
        path.get(..end)
            .and_then(|prefix| field_at(program, prefix))
            .is_none_or(|field| field.ty.is_optional())
    })
}

/// The type of a parameter (parameter `i` is local slot `i`) or of a field of one, and whether
/// it or a record it is in is optional.
fn parameter_type(params: &[(String, Type)], e: &Expr) -> Option<(Type, bool)> {
    match e {
        Expr::Local(slot) => {
            let (_, ty) = params.get(*slot as usize)?;
            Some((ty.clone(), ty.is_optional()))
        }
        Expr::Field(inner, j) => {
            let (record, optional) = parameter_type(params, inner)?;
            let Type::Record(fields) = record.strip_optional() else {
                return None;
            };
            let (_, ty) = fields.fields.get(*j as usize)?;
            let optional = optional || ty.is_optional();
            Some((ty.clone(), optional))
        }
        _ => None,
    }
}

fn column(
    program: &Program,
    params: &[(String, Type)],
    decision: &Decision,
    c: usize,
) -> Result<Column, Unanalysed> {
    let expr = decision.inputs.get(c).ok_or(Unanalysed::Computed)?;
    let path = input_path(expr);
    let (ty, optional) = match (&path, expr) {
        (None, Expr::Local(_) | Expr::Field(..)) if !params.is_empty() => {
            parameter_type(params, expr).ok_or(Unanalysed::Computed)?
        }
        (Some(p), _) => {
            let field = field_at(program, p).ok_or(Unanalysed::Computed)?;
            (field.ty.clone(), path_optional(program, p))
        }
        (None, Expr::Global(id)) => {
            let ty = program.global(*id).ok_or(Unanalysed::Computed)?.ty.clone();
            let optional = ty.is_optional();
            (ty, optional)
        }
        _ => return Err(Unanalysed::Computed),
    };
    let mut written = Vec::new();
    let mut tests_none = false;
    for row in &decision.rows {
        let test = row.tests.get(c).ok_or(Unanalysed::Tests)?;
        tests_none |= matches!(test, Test::IsNone);
        written.extend(constants(test).ok_or(Unanalysed::Tests)?);
    }
    let mut points = match ty.strip_optional() {
        Type::Bool => vec![Value::Bool(true), Value::Bool(false)],
        Type::Enum(e) => {
            let count = program
                .enums
                .get(*e as usize)
                .ok_or(Unanalysed::Type)?
                .values
                .len() as u32;
            (0..count).map(|i| Value::Enum(*e, i)).collect()
        }
        Type::Text => {
            let mut texts: Vec<Value> = Vec::new();
            for v in &written {
                if !texts.contains(v) {
                    texts.push(v.clone());
                }
            }
            // One text that no row names.
            let mut other = String::from("other");
            while texts
                .iter()
                .any(|t| matches!(t, Value::Text(s) if **s == *other))
            {
                other.push('_');
            }
            texts.push(Value::text(&other));
            texts
        }
        Type::Int | Type::Decimal | Type::Percent => {
            numeric_points(&written, matches!(ty.strip_optional(), Type::Int))
                .ok_or(Unanalysed::Tests)?
        }
        _ => return Err(Unanalysed::Type),
    };
    if optional || tests_none {
        points.push(Value::None);
    }
    Ok(Column {
        label: decision.input_names.get(c).cloned().unwrap_or_default(),
        path,
        ty,
        points,
    })
}

fn numeric_points(written: &[Value], integer: bool) -> Option<Vec<Value>> {
    let bounds: Vec<Decimal> = written
        .iter()
        .map(|v| match v {
            Value::Number(n) => Some(*n),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let step = if integer {
        Decimal::ONE
    } else {
        let scale = bounds.iter().map(Decimal::scale).max().unwrap_or(0) + 1;
        Decimal::new(1, scale.min(27))
    };
    let mut points: Vec<Decimal> = vec![Decimal::ZERO];
    for b in &bounds {
        points.extend([b.checked_sub(step)?, *b, b.checked_add(step)?]);
    }
    points.sort();
    points.dedup();
    Some(points.into_iter().map(Value::Number).collect())
}

/// An example for a combination of column points: the column values, and a complete input
/// when every column is an input field.
fn example(program: &Program, columns: &[Column], combination: &[usize]) -> Json {
    let mut shown = Map::new();
    let mut input = placeholder_input(program, &program.input.fields);
    let mut all_inputs = true;
    for (column, &point) in columns.iter().zip(combination) {
        let value = column.points.get(point).cloned().unwrap_or(Value::None);
        let json = value_to_json(program, &value, &column.ty);
        shown.insert(column.label.clone(), json.clone());
        match &column.path {
            Some(path) => set_json(&mut input, program, path, json),
            None => all_inputs = false,
        }
    }
    if all_inputs {
        json!({"columns": shown, "input": input})
    } else {
        json!({"columns": shown})
    }
}

/// An input with a plain value for every required field.
fn placeholder_input(program: &Program, fields: &[InputField]) -> Json {
    let mut out = Map::new();
    for field in fields {
        if field.default.is_some() || field.ty.is_optional() {
            continue;
        }
        if let Some(value) = enum_placeholder(program, field) {
            out.insert(field.name.clone(), value);
            continue;
        }
        let value = match &field.ty {
            Type::Bool => json!(false),
            Type::Int | Type::Decimal => json!("1"),
            Type::Percent => json!("0"),
            Type::Date => json!("2026-01-01"),
            Type::DateTime => json!("2026-01-01T00:00:00Z"),
            Type::Record(_) => placeholder_input(program, &field.fields),
            Type::List(_) | Type::Set(_) => json!([]),
            _ => json!("x"),
        };
        out.insert(field.name.clone(), value);
    }
    Json::Object(out)
}

fn enum_placeholder(program: &Program, field: &InputField) -> Option<Json> {
    match field.ty.strip_optional() {
        Type::Enum(e) => program
            .enums
            .get(*e as usize)?
            .values
            .first()
            .map(|v| json!(v)),
        _ => None,
    }
}

fn set_json(input: &mut Json, program: &Program, path: &[usize], value: Json) {
    if value.is_null() && field_at(program, path).is_some_and(|f| !f.ty.is_optional()) {
        // A required field is `none` only when an optional record around it is absent.
        leave_out_optional_record(input, program, path);
        return;
    }
    let mut fields = &program.input.fields;
    let mut target = input;
    for (depth, &i) in path.iter().enumerate() {
        let Some(field) = fields.get(i) else { return };
        let Some(map) = target.as_object_mut() else {
            return;
        };
        if depth + 1 == path.len() {
            map.insert(field.name.clone(), value);
            return;
        }
        target = map.entry(field.name.clone()).or_insert_with(|| json!({}));
        fields = &field.fields;
    }
}

/// Removes the outermost optional record on `path` from `input`: then every field inside it
/// is `none`.
fn leave_out_optional_record(input: &mut Json, program: &Program, path: &[usize]) {
    let mut fields = &program.input.fields;
    let mut target = input;
    for &i in path {
        let Some(field) = fields.get(i) else { return };
        let Some(map) = target.as_object_mut() else {
            return;
        };
        if field.ty.is_optional() {
            map.remove(&field.name);
            return;
        }
        target = map.entry(field.name.clone()).or_insert_with(|| json!({}));
        fields = &field.fields;
    }
}

/// A `decision.not_analysed` note: lint cannot say whether the table has gaps or overlaps.
fn not_analysed(name: &str, decl: &DecisionDecl, message: String) -> Finding {
    Finding {
        id: "decision.not_analysed",
        level: Level::Info,
        rule: name.to_string(),
        message,
        span: decl.name.span,
        example: None,
    }
}

fn analyse(
    program: &Program,
    name: &str,
    params: &[(String, Type)],
    decision: &Decision,
    decl: &DecisionDecl,
    findings: &mut Vec<Finding>,
) {
    let mut columns = Vec::new();
    let mut skipped = Vec::new();
    for c in 0..decision.inputs.len() {
        match column(program, params, decision, c) {
            Ok(column) => columns.push(column),
            Err(why) => skipped.push((c, why)),
        }
    }
    // A table that cannot fail at run time (a catch-all row under `first` or `collect`) is
    // not noted: only its unreachable rows go unchecked.
    let noted = can_fail(decision, decl.hit);
    if !skipped.is_empty() {
        if !noted {
            return;
        }
        let reasons: Vec<String> = skipped
            .iter()
            .map(|(c, why)| {
                let label = decision.input_names.get(*c).map_or("?", String::as_str);
                format!("`{label}` {}", why.reason())
            })
            .collect();
        findings.push(not_analysed(
            name,
            decl,
            format!(
                "gaps, overlaps and unreachable rows of `{name}` are not checked: column{} {}",
                if skipped.len() == 1 { "" } else { "s" },
                reasons.join("; ")
            ),
        ));
        return;
    }
    let total = columns
        .iter()
        .try_fold(1usize, |n, c| n.checked_mul(c.points.len()));
    if total.is_none_or(|t| t == 0 || t > MAX_COMBINATIONS) {
        if !noted {
            return;
        }
        findings.push(not_analysed(
            name,
            decl,
            format!(
                "gaps, overlaps and unreachable rows of `{name}` are not checked: its columns \
                 have more than {MAX_COMBINATIONS} combinations of representative values"
            ),
        ));
        return;
    }
    let total = total.unwrap_or(0);
    let rows = decision.rows.len();
    let mut reachable = vec![false; rows];
    let mut overlaps: Vec<(usize, usize, Vec<usize>)> = Vec::new();
    let mut gap: Option<Vec<usize>> = None;
    let collect = matches!(
        decl.hit,
        HitPolicy::Collect
            | HitPolicy::CollectSum
            | HitPolicy::CollectMin
            | HitPolicy::CollectMax
            | HitPolicy::CollectCount
    );
    for n in 0..total {
        if crate::cancel::cancelled() {
            return;
        }
        let mut rest = n;
        let combination: Vec<usize> = columns
            .iter()
            .map(|c| {
                let i = rest % c.points.len();
                rest /= c.points.len();
                i
            })
            .collect();
        let values: Vec<&Value> = columns
            .iter()
            .zip(&combination)
            .filter_map(|(c, &i)| c.points.get(i))
            .collect();
        let matching: Vec<usize> = decision
            .rows
            .iter()
            .enumerate()
            .filter(|(_, row)| row.tests.iter().zip(&values).all(|(t, v)| accepts(t, v)))
            .map(|(i, _)| i)
            .collect();
        match matching.as_slice() {
            [] if !collect && gap.is_none() => gap = Some(combination.clone()),
            [] => {}
            [first, ..] => {
                if let Some(r) = reachable.get_mut(*first) {
                    *r = true;
                }
                if decl.hit == HitPolicy::Unique {
                    for (a, &i) in matching.iter().enumerate() {
                        for &j in matching.iter().skip(a + 1) {
                            if !overlaps.iter().any(|(x, y, _)| (*x, *y) == (i, j)) {
                                overlaps.push((i, j, combination.clone()));
                            }
                        }
                    }
                }
                if collect || decl.hit != HitPolicy::First {
                    for &i in &matching {
                        if let Some(r) = reachable.get_mut(i) {
                            *r = true;
                        }
                    }
                }
            }
        }
    }
    let row_span = |i: usize| decl.rows.get(i).map_or(decl.name.span, |r| r.span);
    if let Some(combination) = gap {
        findings.push(Finding {
            id: "decision.gap",
            level: Level::Error,
            rule: name.to_string(),
            message: format!(
                "no row of `{name}` matches some inputs: evaluation fails with `no_match` for them"
            ),
            span: decl.name.span,
            example: Some(example(program, &columns, &combination)),
        });
    }
    for (i, j, combination) in overlaps {
        findings.push(Finding {
            id: "decision.overlap",
            level: Level::Error,
            rule: format!("{name} row {}", j + 1),
            message: format!(
                "rows {} and {} of `{name}` both match some inputs: a `unique` table fails with `multiple_matches` for them",
                i + 1,
                j + 1
            ),
            span: row_span(j),
            example: Some(example(program, &columns, &combination)),
        });
    }
    for (i, reached) in reachable.iter().enumerate() {
        if !reached {
            let message = if decl.hit == HitPolicy::First {
                format!(
                    "row {} of `{name}` can never fire: earlier rows match every input it matches",
                    i + 1
                )
            } else {
                format!("row {} of `{name}` matches no input", i + 1)
            };
            findings.push(Finding {
                id: "decision.unreachable_row",
                level: Level::Warning,
                rule: format!("{name} row {}", i + 1),
                message,
                span: row_span(i),
                example: None,
            });
        }
    }
}
