//! One limit on the depth of every recursive form ([`MAX_DEPTH`]), checked before any recursive
//! stage runs, so that neither pest, the tree builder, the compiler, the evaluator, the
//! formatter, the canonical form nor lint can exhaust the stack.
//!
//! Two cheap iterative passes: [`check_source`] bounds what pest recurses on (brackets and
//! `if`s) before pest runs; [`check_pairs`] then measures the depth of the syntax tree the
//! builder will produce (every operator, `if`, `match`, call, list, record and set is a level) over pest's pairs, with an explicit stack.

use pest::iterators::Pair;

use super::kind::Kind;
use super::{MAX_DEPTH, Rule, span_of};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::span::Span;

const HINT: &str = "split the expression into named `let` values";

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::new(
        DiagnosticKind::Syntax,
        span,
        format!("expressions nest more than {MAX_DEPTH} levels deep"),
    )
    .with_hint(HINT)
}

/// The reserved words that start a declaration: an `if` chain never runs past one.
fn starts_declaration(word: &str) -> bool {
    matches!(
        word,
        "ruleset"
            | "enum"
            | "input"
            | "table"
            | "bands"
            | "decision"
            | "let"
            | "output"
            | "constraint"
            | "approval"
            | "workflow"
            | "trigger"
            | "test"
            | "fn"
            | "type"
            | "price"
    )
}

/// Refuses sources where brackets and `if`s (the only forms pest's parse recurses on) could
/// nest deeper than [`MAX_DEPTH`]. An `if` counts until a `,`, a `=>`, the end of its bracket
/// or the next declaration, an upper bound on how deep it nests.
pub(crate) fn check_source(source: &str) -> Option<Diagnostic> {
    // One count of open `if`s per open bracket (the first for outside any bracket).
    let mut ifs: Vec<usize> = vec![0];
    let mut total_ifs = 0usize;
    let mut in_string = false;
    let mut in_comment = false;
    let mut escaped = false;
    let mut word_start: Option<usize> = None;
    let bytes = source.as_bytes();
    for (offset, c) in source.char_indices() {
        if in_comment {
            in_comment = c != '\n';
            continue;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        let is_word = c.is_ascii_alphanumeric() || c == '_';
        if is_word {
            word_start.get_or_insert(offset);
        }
        let word_end = bytes
            .get(offset + 1)
            .is_none_or(|next| !(next.is_ascii_alphanumeric() || *next == b'_'));
        if is_word && word_end {
            let start = word_start.take().unwrap_or(offset);
            let word = source.get(start..offset + 1).unwrap_or("");
            if word == "if" {
                if let Some(count) = ifs.last_mut() {
                    *count += 1;
                }
                total_ifs += 1;
                if total_ifs + ifs.len() - 1 > MAX_DEPTH {
                    return Some(too_deep(Span::new(start, offset + 1)));
                }
            } else if total_ifs > 0 && ifs.len() == 1 && starts_declaration(word) {
                // (With no `if` open, the reset would change nothing.)
                total_ifs = 0;
                ifs = vec![0];
            }
            continue;
        }
        if is_word {
            continue;
        }
        match c {
            '"' => in_string = true,
            '/' if source.get(offset..).is_some_and(|s| s.starts_with("//")) => in_comment = true,
            '(' | '[' | '{' => {
                ifs.push(0);
                if total_ifs + ifs.len() - 1 > MAX_DEPTH {
                    return Some(too_deep(Span::new(offset, offset + 1)));
                }
            }
            ')' | ']' | '}' if ifs.len() > 1 => {
                total_ifs -= ifs.pop().unwrap_or(0);
            }
            ',' => {
                if let Some(count) = ifs.last_mut() {
                    total_ifs -= *count;
                    *count = 0;
                }
            }
            '=' if source.get(offset..).is_some_and(|s| s.starts_with("=>")) => {
                if let Some(count) = ifs.last_mut() {
                    total_ifs -= *count;
                    *count = 0;
                }
            }
            _ => {}
        }
    }
    None
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
        Rule::if_expr | Rule::match_expr | Rule::call | Rule::list | Rule::record | Rule::set => 1,
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
