//! Walking compiled expressions: the direct subexpressions of each, and whether any part of an
//! expression (not looking into the bodies of called functions) matches a test.

use crate::ir::{Expr, TextPiece};

/// The direct subexpressions of `e`.
pub fn children(e: &Expr) -> Vec<&Expr> {
    match e {
        Expr::Const(_)
        | Expr::Input(_)
        | Expr::Global(_)
        | Expr::Local(_)
        | Expr::AsOf
        | Expr::Valid
        | Expr::EnteredAt
        | Expr::Context(_)
        | Expr::TestViolations
        | Expr::TestApprovals(_)
        | Expr::TestWorkflow(_)
        | Expr::Chain(_) => Vec::new(),
        Expr::Field(inner, _) | Expr::Neg(inner) | Expr::Not(inner) => vec![inner],
        Expr::BandsPrice(_, _, inner) | Expr::RoundMode(inner, _, _) => vec![inner],
        Expr::TableLookup { key, at, .. } => {
            let mut out = vec![key.as_ref()];
            out.extend(at.as_deref());
            out
        }
        Expr::ListIndex(a, b)
        | Expr::Arith(_, a, b)
        | Expr::Compare(_, a, b)
        | Expr::And(a, b)
        | Expr::Or(a, b)
        | Expr::Implies(a, b)
        | Expr::InList(a, b)
        | Expr::SetContains(a, b)
        | Expr::ListContains(a, b)
        | Expr::Coalesce(a, b) => vec![a, b],
        Expr::DateShift { date, duration, .. } => vec![date, duration],
        Expr::InRange { value, lo, hi, .. } => vec![value, lo, hi],
        Expr::If(a, b, c) => vec![a, b, c],
        Expr::Match {
            scrutinee,
            arms,
            default,
        } => {
            let mut out = vec![scrutinee.as_ref()];
            for (patterns, body) in arms {
                out.extend(patterns.iter());
                out.push(body);
            }
            out.extend(default.as_deref());
            out
        }
        Expr::CallFunction(_, args) | Expr::List(args) | Expr::SetOf(_, args) => {
            args.iter().collect()
        }
        Expr::Record(fields) | Expr::Call(_, fields) => fields.iter().collect(),
        Expr::Text(pieces) => pieces
            .iter()
            .filter_map(|p| match p {
                TextPiece::Value(e) => Some(e),
                TextPiece::Literal(_) => None,
            })
            .collect(),
        Expr::ListOf {
            collection,
            body,
            filter,
            ..
        }
        | Expr::Aggregate {
            collection,
            body,
            filter,
            ..
        } => {
            let mut out = vec![collection.as_ref(), body.as_ref()];
            out.extend(filter.as_deref());
            out
        }
    }
}

/// Whether `test` holds for `e` or any expression inside it. `test` sees an expression before
/// its parts; where it returns `Some`, that is the answer for the expression and its parts are
/// not looked at.
pub fn any(e: &Expr, test: &mut impl FnMut(&Expr) -> Option<bool>) -> bool {
    match test(e) {
        Some(answer) => answer,
        None => children(e).into_iter().any(|child| any(child, test)),
    }
}
