//! `test` blocks (spec §15): compiled beside the program but never part of it (they do not
//! change the artifact or its hash). `given` becomes a JSON input, read like any other input;
//! each `expect` becomes a Bool expression over the ruleset's names plus `violations` and
//! `approvals.CHAIN`.

use ordo_dsl::ast::{self, ExprKind, TextPart};
use ordo_dsl::{Diagnostic, DiagnosticKind};

use super::{Context, Lowerer};
use crate::ir::test_case::{Expectation, Literal, TestCase};
use crate::ir::{CompareOp, Expr};
use crate::types::Type;

pub(super) fn lower_test(l: &mut Lowerer<'_>, t: &ast::TestDecl) -> Option<TestCase> {
    // The input is a record of the input fields: `given {}` (and `{}` for a record inside it)
    // is an empty record, not an empty set.
    let input = Type::Record(std::sync::Arc::new(crate::types::RecordType {
        fields: l
            .program
            .input
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.ty.clone()))
            .collect(),
    }));
    let given = match literal(l, &t.given, Some(&input)) {
        Ok(json) => json,
        Err(diagnostic) => {
            l.error(diagnostic);
            return None;
        }
    };
    let saved = std::mem::replace(&mut l.context, Context::Test);
    let mut expects = Vec::new();
    for e in &t.expects {
        let text = e.span.text(l.source).to_string();
        let line = l.line_of(e.span.start);
        // `expect a == b` shows both sides when it fails.
        let sides = match &e.kind {
            ExprKind::Binary {
                op: ast::BinaryOp::Eq,
                lhs,
                rhs,
            } => {
                let (a, at) = l.expr(lhs, None);
                let (b, bt) = l.expr(rhs, Some(&at));
                if at.unify(&bt).is_none() {
                    let msg = format!("cannot compare {} with {}", l.show(&at), l.show(&bt));
                    l.error(Diagnostic::new(DiagnosticKind::TypeMismatch, e.span, msg));
                }
                Some((a, at, b, bt, lhs.span.text(l.source).to_string()))
            }
            _ => None,
        };
        let expectation = match sides {
            Some((actual, actual_type, expected, expected_type, actual_text)) => Expectation {
                text,
                line,
                condition: Expr::Compare(
                    CompareOp::Eq,
                    Box::new(actual.clone()),
                    Box::new(expected.clone()),
                ),
                sides: Some((actual, actual_type, expected, expected_type, actual_text)),
            },
            None => Expectation {
                text,
                line,
                condition: l.condition(e, "an expectation"),
                sides: None,
            },
        };
        expects.push(expectation);
    }
    l.context = saved;
    Some(TestCase {
        name: t.name.value.clone(),
        line: l.line_of(t.span.start),
        given,
        as_of: t.as_of.as_ref().map(|d| d.value),
        expects,
    })
}

/// The `given` record as a JSON-shaped literal: literals only (enum values bare or qualified).
/// `expected` is the type the input reads the value as, where known: `{}` is an empty record
/// where a record is expected, and an empty set (a JSON list) anywhere else.
fn literal(l: &Lowerer<'_>, e: &ast::Expr, expected: Option<&Type>) -> Result<Literal, Diagnostic> {
    let not_literal = || {
        Diagnostic::new(
            DiagnosticKind::Invalid,
            e.span,
            "a test input must be a literal value",
        )
        .with_hint("write numbers, texts, dates, enum values, lists, sets and records")
    };
    Ok(match &e.kind {
        ExprKind::Number(n) => Literal::Text(crate::num::to_string(*n)),
        ExprKind::Percent(p) => {
            let fraction = p
                .checked_div(rust_decimal::Decimal::ONE_HUNDRED)
                .ok_or_else(not_literal)?;
            Literal::Text(crate::num::to_string(fraction))
        }
        ExprKind::Text(parts) => {
            let mut text = String::new();
            for part in parts {
                match part {
                    TextPart::Literal(s) => text.push_str(s),
                    TextPart::Interpolation(_) => return Err(not_literal()),
                }
            }
            Literal::Text(text)
        }
        ExprKind::Bool(b) => Literal::Bool(*b),
        ExprKind::None => Literal::Null,
        ExprKind::Date(d) => Literal::Text(d.to_string()),
        ExprKind::DateTime(t) => Literal::Text(t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        ExprKind::Duration { amount, unit } => {
            let seconds = amount
                .checked_mul(rust_decimal::Decimal::from(unit.seconds()))
                .and_then(crate::num::to_i64)
                .ok_or_else(not_literal)?;
            Literal::Text(crate::ir::display::duration_text(seconds))
        }
        ExprKind::Name(ident) => Literal::Text(ident.name.clone()),
        ExprKind::Field { target, field } if matches!(&target.kind, ExprKind::Name(n) if l.sym.enum_by_name.contains_key(&n.name)) => {
            Literal::Text(field.name.clone())
        }
        ExprKind::Unary {
            op: ast::UnaryOp::Neg,
            operand,
        } => match &operand.kind {
            ExprKind::Number(n) => Literal::Text(crate::num::to_string(crate::num::neg(*n))),
            _ => return Err(not_literal()),
        },
        ExprKind::Set(items)
            if items.is_empty()
                && matches!(expected.map(Type::strip_optional), Some(Type::Record(_))) =>
        {
            Literal::Record(Vec::new())
        }
        ExprKind::List(items) | ExprKind::Set(items) => {
            let element = match expected.map(Type::strip_optional) {
                Some(Type::List(element)) => Some(element.as_ref()),
                _ => None,
            };
            Literal::List(
                items
                    .iter()
                    .map(|i| literal(l, i, element))
                    .collect::<Result<_, _>>()?,
            )
        }
        ExprKind::Record(fields) => {
            let record_type = match expected.map(Type::strip_optional) {
                Some(Type::Record(r)) => Some(r),
                _ => None,
            };
            let mut record = Vec::with_capacity(fields.len());
            for f in fields {
                let field_type = record_type
                    .and_then(|r| r.field(&f.name.name))
                    .map(|(_, t)| t);
                record.push((f.name.name.clone(), literal(l, &f.value, field_type)?));
            }
            Literal::Record(record)
        }
        _ => return Err(not_literal()),
    })
}

/// The type of `violations` and of `approvals.CHAIN` in tests.
pub(super) fn text_list() -> Type {
    Type::List(Box::new(Type::Text))
}
