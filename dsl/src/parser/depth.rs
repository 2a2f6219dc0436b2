//! One limit on the depth of every recursive form ([`MAX_DEPTH`]), checked before any recursive
//! stage runs, so that neither pest, the tree builder, the compiler, the evaluator, the
//! formatter, the canonical form nor lint can exhaust the stack.
//!
//! Two cheap iterative passes: [`super::nesting::check_source`] bounds what pest recurses on
//! (brackets, `if`s, `match`es, `List<`/`Set<` types and string interpolations) before pest
//! runs; [`check_pairs`] then measures the depth of the syntax tree the builder will produce
//! (every operator, `if`, `match`, call, list, record, set and string interpolation is a
//! level) over pest's pairs, with an explicit stack.

use pest::iterators::Pair;

use super::kind::Kind;
use super::{MAX_DEPTH, Rule, span_of};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::span::Span;

const HINT: &str = "split the expression into named `let` values";

/// The diagnostic for a source that nests past [`MAX_DEPTH`] at `span`.
pub(crate) fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::new(
        DiagnosticKind::Syntax,
        span,
        format!("expressions nest more than {MAX_DEPTH} levels deep"),
    )
    .with_hint(HINT)
}

/// Whether a child of an `expr` node is an operator: a level of the syntax tree.
fn is_operator(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::implies
            | Rule::or
            | Rule::and
            | Rule::eq
            | Rule::ne
            | Rule::le
            | Rule::ge
            | Rule::lt
            | Rule::gt
            | Rule::in_op
            | Rule::contains
            | Rule::coalesce
            | Rule::add
            | Rule::sub
            | Rule::mul
            | Rule::div
            | Rule::not
            | Rule::neg
            | Rule::field_access
            | Rule::index
            | Rule::in_range
    )
}

fn is_expr(rule: Rule) -> bool {
    matches!(rule, Rule::expr | Rule::expr_no_in)
}

/// The level a node of `rule` adds by itself (an `expr` adds one per operator child).
fn own_level(rule: Rule) -> usize {
    match rule {
        Rule::if_expr
        | Rule::match_expr
        | Rule::call
        | Rule::list
        | Rule::record
        | Rule::set
        | Rule::interpolation => 1,
        _ => 0,
    }
}

/// How many levels of the syntax tree one parse-tree node adds.
fn levels(pair: &Pair<'_, Rule>) -> usize {
    if is_expr(pair.kind()) {
        pair.clone()
            .into_inner()
            .filter(|p| is_operator(p.kind()))
            .count()
    } else {
        own_level(pair.kind())
    }
}

/// The depth of the syntax tree measured over pest's tokens as they come (a node opens, its
/// children open and close, it closes): the deepest sum of [`levels`] from the root to any
/// node, as [`check_pairs`] measures it, in one pass and without a pair per node.
#[derive(Default)]
pub(crate) struct DepthMeter {
    /// Per open node: its levels so far, the deepest of its closed children, whether it is an
    /// `expr`.
    open: Vec<(usize, usize, bool)>,
    deepest: usize,
}

impl DepthMeter {
    /// A node of `rule` opens.
    pub(crate) fn open(&mut self, rule: Rule) {
        if let Some((levels, _, true)) = self.open.last_mut()
            && is_operator(rule)
        {
            *levels += 1;
        }
        self.open.push((own_level(rule), 0, is_expr(rule)));
    }

    /// The last node opened closes.
    pub(crate) fn close(&mut self) {
        let Some((levels, below, _)) = self.open.pop() else {
            return;
        };
        let depth = levels + below;
        match self.open.last_mut() {
            Some((_, parent_below, _)) => *parent_below = (*parent_below).max(depth),
            None => self.deepest = self.deepest.max(depth),
        }
    }

    /// Whether some node nests deeper than [`MAX_DEPTH`] (then [`check_pairs`] says where).
    pub(crate) fn too_deep(&self) -> bool {
        self.deepest > MAX_DEPTH
    }
}

/// Refuses a parse tree whose syntax tree would nest deeper than [`MAX_DEPTH`]; iterative, so it
/// is safe on any tree pest returns.
pub(crate) fn check_pairs(top: Pair<'_, Rule>) -> Option<Diagnostic> {
    let mut stack = vec![(top, 0usize)];
    while let Some((pair, depth)) = stack.pop() {
        let depth = depth + levels(&pair);
        if depth > MAX_DEPTH {
            return Some(too_deep(span_of(&pair)));
        }
        stack.extend(pair.into_inner().map(|child| (child, depth)));
    }
    None
}
