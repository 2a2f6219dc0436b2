//! One expression on its own, outside any ruleset (what the REPL reads).

use std::cell::RefCell;

use pest::Parser;

use super::kind::Kind;
use super::{Builder, OrdoParser, Rule, depth, nesting, syntax_error};
use crate::ast::Expr;
use crate::diagnostic::{Diagnostic, DiagnosticKind, Diagnostics};
use crate::span::Span;

/// Parses a single expression (`quote.total * 2`, `volume_rate`); spans are offsets into
/// `source`. Anything after the expression is a syntax error.
pub fn parse_expression(source: &str) -> Result<Expr, Diagnostics> {
    if let Some(diagnostic) = nesting::check_source(source) {
        return Err(Diagnostics(vec![diagnostic]));
    }
    let mut pairs = OrdoParser::parse(Rule::expression_input, source)
        .map_err(|error| Diagnostics(vec![syntax_error::from_pest(&error, source)]))?;
    let node = pairs
        .next()
        .and_then(|top| top.into_inner().find(|p| p.kind() == Rule::expr));
    if let Some(diagnostic) = node.clone().and_then(depth::check_pairs) {
        return Err(Diagnostics(vec![diagnostic]));
    }
    let Some(node) = node else {
        return Err(Diagnostics(vec![Diagnostic::new(
            DiagnosticKind::Syntax,
            Span::new(0, source.len()),
            "expected an expression",
        )]));
    };
    let builder = Builder {
        source,
        errors: RefCell::new(Vec::new()),
    };
    let result = builder.expr(node);
    let mut errors = builder.errors.into_inner();
    match result {
        Ok(expr) if errors.is_empty() => Ok(expr),
        Ok(_) => Err(Diagnostics(errors).normalized()),
        Err(diagnostic) => {
            errors.push(diagnostic);
            Err(Diagnostics(errors).normalized())
        }
    }
}
