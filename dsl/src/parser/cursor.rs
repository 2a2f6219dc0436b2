//! Reading the children of a parse-tree node in order, without comments and keyword tokens,
//! and without panicking when the tree is not the shape the walker expected.

use std::iter::Peekable;

use pest::iterators::{Pair, Pairs};

use super::kind::Kind;
use super::{Rule, code_span, span_of};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::span::Span;

pub(crate) type Node<'i> = Pair<'i, Rule>;

type Children<'i> = Peekable<std::iter::Filter<Pairs<'i, Rule>, fn(&Node<'i>) -> bool>>;

/// The meaningful children of one node.
pub(crate) struct Cursor<'i> {
    children: Children<'i>,
    /// The node's text, for the span of an error (trimmed only then).
    parent: pest::Span<'i>,
}

fn meaningful(pair: &Node<'_>) -> bool {
    !is_noise(pair.kind())
}

/// Comments and the keyword tokens whose only job is to be there.
fn is_noise(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        COMMENT
            | k_ruleset
            | k_enum
            | k_input
            | k_table
            | k_from
            | k_bands
            | k_decision
            | k_let
            | k_output
            | k_constraint
            | k_price
            | k_approval
            | k_workflow
            | k_trigger
            | k_test
            | k_if
            | k_then
            | k_else
            | k_match
            | k_in
            | k_for
            | k_when
            | k_none
            | k_version
            | k_effective
            | k_roles
            | k_hit
            | k_currency
            | k_rounding
            | k_subtotal
            | k_qty
            | k_at
            | k_of
            | k_step
            | k_parallel
            | k_requested_by
            | k_quorum
            | k_facts
            | k_by
            | k_state
            | k_transition
            | k_requires
            | k_on
            | k_after
            | k_given
            | k_as_of
            | k_expect
            | k_owner
            | k_sla
            | k_enter
            | k_exit
            | k_stay
            | k_notify
            | k_escalate
            | k_task
            | k_emit
            | k_type
            | k_fn
            | k_key
            | k_matching
            | k_len
            | k_fallback
            | k_calendar
            | k_weekend
            | k_holidays
            | k_breach
            | k_change
            | k_becomes
            | k_actor
            | k_approvals
            | k_now
            | k_apply
            | k_fire
    )
}

impl<'i> Cursor<'i> {
    pub(crate) fn new(node: Node<'i>) -> Self {
        let parent = node.as_span();
        let filter: fn(&Node<'i>) -> bool = meaningful;
        Cursor {
            children: node.into_inner().filter(filter).peekable(),
            parent,
        }
    }

    /// The next child, whatever it is.
    pub(crate) fn next(&mut self) -> Result<Node<'i>, Diagnostic> {
        self.children
            .next()
            .ok_or_else(|| malformed(code_span(self.parent), "is incomplete"))
    }

    /// The next child, which must be of `rule`.
    pub(crate) fn expect(&mut self, rule: Rule) -> Result<Node<'i>, Diagnostic> {
        let node = self.next()?;
        if node.kind() == rule {
            Ok(node)
        } else {
            Err(malformed(
                span_of(&node),
                &format!("has {:?} where {rule:?} was expected", node.kind()),
            ))
        }
    }

    /// The next child if it is of `rule`.
    pub(crate) fn take(&mut self, rule: Rule) -> Option<Node<'i>> {
        if self.peek_rule() == Some(rule) {
            self.children.next()
        } else {
            None
        }
    }

    /// The rule of the next child.
    pub(crate) fn peek_rule(&mut self) -> Option<Rule> {
        self.children.peek().map(Kind::kind)
    }

    /// Every remaining child.
    pub(crate) fn rest(self) -> impl Iterator<Item = Node<'i>> {
        self.children
    }
}

/// The parse tree did not have the shape the walker expects: a bug in the grammar or the
/// walker, reported as a diagnostic rather than a panic.
pub(crate) fn malformed(span: Span, what: &str) -> Diagnostic {
    Diagnostic::new(
        DiagnosticKind::Syntax,
        span,
        format!("internal parser error: the syntax tree {what}"),
    )
}
