//! The decision cells the fast grammar reads as one node (`cell_leaf` and `cell_test` in
//! `grammar/ordo_fast.pest`): a plain string, a number, a percent, a name, a range of two
//! numbers or a comparison with a number, directly followed by the cell's `|`. pest keeps two
//! tokens per node and the builder reads a pair per node, so a large table parses faster and in
//! less memory with one node per cell than with the four to six the documented grammar makes of
//! it. The builder reads each as exactly the nodes the documented grammar makes of the same
//! text (spans included), so both paths give one syntax tree.

use super::cursor::Node;
use super::{Builder, Rule, span_of};
use crate::ast::*;
use crate::span::Span;

/// Whether a node is a cell the fast grammar reads as one expression node where an `expr`
/// stands otherwise (an output, a test's one value).
pub(crate) fn is_cell_leaf(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::number | Rule::cell_string | Rule::cell_percent | Rule::cell_name
    )
}

impl Builder<'_> {
    /// A `cell_string`, `cell_percent` or `cell_name` node as the expression `string`,
    /// `percent` or `name` gives for the same text; `None` for any other node.
    pub(crate) fn cell_expr(&self, node: &Node<'_>) -> Option<ExprKind> {
        let span = span_of(node);
        let text = node.as_str();
        Some(match node.as_rule() {
            Rule::cell_percent => {
                let digits = text.strip_suffix('%').unwrap_or_default();
                ExprKind::Percent(self.decimal_text(digits, prefix(span, digits)))
            }
            // No escape and no interpolation: one literal part, or none for `""`.
            Rule::cell_string => match text.get(1..text.len().saturating_sub(1)) {
                None | Some("") => ExprKind::Text(Vec::new()),
                Some(literal) => ExprKind::Text(vec![TextPart::Literal(literal.to_string())]),
            },
            Rule::cell_name => ExprKind::Name(self.ident(node.clone())),
            _ => return None,
        })
    }

    /// A `cell_range` (`1..<10`) or `cell_compare` (`>= 10`) node as `test_range` or
    /// `test_compare` gives it; `None` for any other node.
    pub(crate) fn cell_test(&self, node: &Node<'_>) -> Option<UnaryTestKind> {
        let span = span_of(node);
        let text = node.as_str();
        match node.as_rule() {
            Rule::cell_range => {
                let (lo, rest) = text.split_once("..")?;
                let (half_open, hi) = match rest.strip_prefix('<') {
                    Some(hi) => (true, hi),
                    None => (false, rest),
                };
                Some(UnaryTestKind::Range {
                    lo: self.number_at(lo, prefix(span, lo)),
                    hi: self.number_at(hi, suffix(span, hi)),
                    half_open,
                })
            }
            Rule::cell_compare => {
                let (op, rest) = CompareOp::ALL
                    .into_iter()
                    .find_map(|op| Some((op, text.strip_prefix(op.as_str())?)))?;
                let digits = rest.trim_start_matches([' ', '\t']);
                Some(UnaryTestKind::Compare(
                    op,
                    self.number_at(digits, suffix(span, digits)),
                ))
            }
            _ => None,
        }
    }

    /// The number `digits` at `span`, as the expression a `number` node gives.
    fn number_at(&self, digits: &str, span: Span) -> Expr {
        Expr {
            kind: ExprKind::Number(self.decimal_text(digits, span)),
            span,
        }
    }
}

/// The span of `part`, the start of the text at `span`.
fn prefix(span: Span, part: &str) -> Span {
    Span::new(span.start, span.start + part.len())
}

/// The span of `part`, the end of the text at `span`.
fn suffix(span: Span, part: &str) -> Span {
    Span::new(span.end - part.len(), span.end)
}
