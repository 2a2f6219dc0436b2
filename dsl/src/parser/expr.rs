//! Expressions: the flat operator sequence of the `expr` rule folded by a Pratt parser, and
//! literals, validated as they are read.

use std::str::FromStr;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, Utc};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use rust_decimal::Decimal;

use super::cursor::{Cursor, Node, malformed};
use super::kind::Kind;
use super::{Builder, Rule, span_of};
use crate::ast::{
    BinaryOp, ComprehensionForm, DateLit, DurationUnit, Expr, ExprKind, Ident, MatchArm,
    RecordField, StringLit, TextPart, UnaryOp,
};
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::span::Span;

/// Operator precedence, loosest first (spec §6; the language reference lists it). pest's Pratt
/// parser reads the rules themselves, so the fast grammar's postfix rules are listed too.
static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::implies, Assoc::Right))
        .op(Op::infix(Rule::or, Assoc::Left))
        .op(Op::infix(Rule::and, Assoc::Left))
        .op(Op::prefix(Rule::not))
        .op(Op::infix(Rule::eq, Assoc::Left)
            | Op::infix(Rule::ne, Assoc::Left)
            | Op::infix(Rule::lt, Assoc::Left)
            | Op::infix(Rule::le, Assoc::Left)
            | Op::infix(Rule::gt, Assoc::Left)
            | Op::infix(Rule::ge, Assoc::Left)
            | Op::infix(Rule::in_op, Assoc::Left)
            | Op::infix(Rule::contains, Assoc::Left)
            | Op::postfix(Rule::in_range)
            | Op::postfix(Rule::fast_in_range))
        .op(Op::infix(Rule::coalesce, Assoc::Left))
        .op(Op::infix(Rule::add, Assoc::Left) | Op::infix(Rule::sub, Assoc::Left))
        .op(Op::infix(Rule::mul, Assoc::Left) | Op::infix(Rule::div, Assoc::Left))
        .op(Op::prefix(Rule::neg))
        .op(Op::postfix(Rule::field_access)
            | Op::postfix(Rule::fast_field_access)
            | Op::postfix(Rule::index)
            | Op::postfix(Rule::fast_index))
});

fn binary_op(rule: Rule) -> Option<BinaryOp> {
    Some(match rule {
        Rule::implies => BinaryOp::Implies,
        Rule::or => BinaryOp::Or,
        Rule::and => BinaryOp::And,
        Rule::eq => BinaryOp::Eq,
        Rule::ne => BinaryOp::Ne,
        Rule::lt => BinaryOp::Lt,
        Rule::le => BinaryOp::Le,
        Rule::gt => BinaryOp::Gt,
        Rule::ge => BinaryOp::Ge,
        Rule::in_op => BinaryOp::In,
        Rule::contains => BinaryOp::Contains,
        Rule::coalesce => BinaryOp::Coalesce,
        Rule::add => BinaryOp::Add,
        Rule::sub => BinaryOp::Sub,
        Rule::mul => BinaryOp::Mul,
        Rule::div => BinaryOp::Div,
        _ => return None,
    })
}

/// Whether an `expr` child is a prefix or an infix operator (the Pratt parser's part).
fn is_prefix_or_infix(rule: Rule) -> bool {
    matches!(rule, Rule::not | Rule::neg) || binary_op(rule).is_some()
}

fn boxed(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}

impl Builder<'_> {
    /// An `expr` node.
    pub(crate) fn expr(&self, node: Node<'_>) -> Result<Expr, Diagnostic> {
        // A decision cell read by the fast grammar as one node is that node's expression.
        if super::cells::is_cell_leaf(node.kind()) {
            return self.primary(node);
        }
        let whole = node.as_span();
        let inner = node.into_inner();
        // Most expressions are one operand (a decision cell, an argument).
        if inner.len() == 1
            && let Some(only) = inner.peek()
            && only.kind() != Rule::COMMENT
            && !is_prefix_or_infix(only.kind())
        {
            return self.primary(only);
        }
        // Most expressions are one operand with postfix operators (`a`, `quote.total`,
        // `rates[k]`), which fold left to right as the Pratt parser would fold them.
        if inner.clone().all(|p| !is_prefix_or_infix(p.kind())) {
            let mut parts = inner.filter(|p| p.kind() != Rule::COMMENT);
            let first = parts.next().ok_or_else(|| {
                malformed(
                    Span::new(whole.start(), whole.end()),
                    "has an empty expression",
                )
            })?;
            let mut value = self.primary(first)?;
            for op in parts {
                value = self.postfix(value, op)?;
            }
            return Ok(value);
        }
        let parts: Vec<Node<'_>> = inner.filter(|p| p.kind() != Rule::COMMENT).collect();
        PRATT
            .map_primary(|primary| self.primary(primary))
            .map_prefix(|op, operand| {
                let operand = operand?;
                let op_span = span_of(&op);
                let kind = if op.kind() == Rule::not {
                    UnaryOp::Not
                } else {
                    UnaryOp::Neg
                };
                let span = op_span.to(operand.span);
                Ok(boxed(
                    ExprKind::Unary {
                        op: kind,
                        operand: Box::new(operand),
                    },
                    span,
                ))
            })
            .map_postfix(|target, op| self.postfix(target?, op))
            .map_infix(|lhs, op, rhs| {
                let (lhs, rhs) = (lhs?, rhs?);
                let kind = binary_op(op.kind())
                    .ok_or_else(|| malformed(span_of(&op), "has an unknown operator"))?;
                let span = lhs.span.to(rhs.span);
                Ok(boxed(
                    ExprKind::Binary {
                        op: kind,
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                    span,
                ))
            })
            .parse(parts.into_iter())
    }

    fn postfix(&self, target: Expr, op: Node<'_>) -> Result<Expr, Diagnostic> {
        let span = target.span.to(span_of(&op));
        let rule = op.kind();
        let mut cursor = Cursor::new(op);
        let kind = match rule {
            Rule::field_access => {
                let field = self.ident(cursor.expect(Rule::ident)?);
                ExprKind::Field {
                    target: Box::new(target),
                    field,
                }
            }
            Rule::index => {
                let mut keys = Vec::new();
                while let Some(key) = cursor.take(Rule::expr) {
                    keys.push(self.expr(key)?);
                }
                let optional = cursor
                    .take(Rule::index_close)
                    .is_some_and(|close| Cursor::new(close).take(Rule::optional_lookup).is_some());
                let at = match cursor.take(Rule::lookup_at) {
                    Some(at) => {
                        let operand = Cursor::new(at).expect(Rule::at_operand)?;
                        let mut operand = Cursor::new(operand);
                        let mut date = self.primary(operand.next()?)?;
                        for access in operand.rest() {
                            date = self.postfix(date, access)?;
                        }
                        Some(Box::new(date))
                    }
                    None => None,
                };
                ExprKind::Index {
                    target: Box::new(target),
                    keys,
                    optional,
                    at,
                }
            }
            _ => {
                let lo = self.operand(cursor.expect(Rule::operand)?)?;
                let half_open = cursor.expect(Rule::range_op)?.as_str() == "..<";
                let hi = self.operand(cursor.expect(Rule::operand)?)?;
                ExprKind::InRange {
                    value: Box::new(target),
                    lo: Box::new(lo),
                    hi: Box::new(hi),
                    half_open,
                }
            }
        };
        Ok(boxed(kind, span))
    }

    /// A range bound: `neg? primary field_access*`.
    pub(crate) fn operand(&self, node: Node<'_>) -> Result<Expr, Diagnostic> {
        let mut cursor = Cursor::new(node);
        let negated = cursor.take(Rule::neg).map(|n| span_of(&n));
        let mut value = self.primary(cursor.next()?)?;
        for access in cursor.rest() {
            value = self.postfix(value, access)?;
        }
        Ok(match negated {
            Some(at) => {
                let span = at.to(value.span);
                boxed(
                    ExprKind::Unary {
                        op: UnaryOp::Neg,
                        operand: Box::new(value),
                    },
                    span,
                )
            }
            None => value,
        })
    }

    /// The span of a parenthesized expression with its parentheses (silent in the grammar), so
    /// the source text of an expression that starts or ends with one reads whole: a guard
    /// `(a ?? "") != b` is shown as written, not as `a ?? "") != b`.
    fn with_parentheses(&self, span: Span) -> Span {
        let before = self.source.get(..span.start).unwrap_or("").trim_end();
        let rest = self.source.get(span.end..).unwrap_or("");
        let after = rest.trim_start();
        if before.ends_with('(') && after.starts_with(')') {
            Span::new(
                before.len().saturating_sub(1),
                span.end + (rest.len() - after.len()) + 1,
            )
        } else {
            span
        }
    }

    /// One primary expression.
    pub(crate) fn primary(&self, node: Node<'_>) -> Result<Expr, Diagnostic> {
        let span = span_of(&node);
        let kind = match node.kind() {
            Rule::expr => {
                let mut inner = self.expr(node)?;
                inner.span = self.with_parentheses(inner.span);
                return Ok(inner);
            }
            Rule::number => ExprKind::Number(self.decimal(&node)),
            Rule::percent => {
                let number = Cursor::new(node).expect(Rule::number)?;
                ExprKind::Percent(self.decimal(&number))
            }
            // The fast grammar's decision cells read as one node.
            Rule::cell_percent | Rule::cell_string | Rule::cell_name => self
                .cell_expr(&node)
                .ok_or_else(|| malformed(span, "has an unreadable cell"))?,
            Rule::duration => {
                let mut cursor = Cursor::new(node);
                let amount = self.decimal(&cursor.expect(Rule::number)?);
                let unit = duration_unit(cursor.expect(Rule::duration_unit)?.as_str());
                ExprKind::Duration { amount, unit }
            }
            Rule::date => ExprKind::Date(self.date(node).value),
            Rule::datetime => ExprKind::DateTime(self.datetime(node)),
            Rule::string => ExprKind::Text(self.text_parts(node)?),
            Rule::boolean => ExprKind::Bool(node.as_str() == "true"),
            Rule::none => ExprKind::None,
            Rule::name => ExprKind::Name(self.ident(Cursor::new(node).expect(Rule::ident)?)),
            Rule::list => match Cursor::new(node).take(Rule::items) {
                None => ExprKind::List(Vec::new()),
                Some(items) => match self.items(items)? {
                    Items::Exprs(elements) => ExprKind::List(elements),
                    Items::For {
                        body,
                        var,
                        collection,
                        filter,
                    } => ExprKind::ListComprehension {
                        var,
                        collection,
                        body,
                        filter,
                    },
                },
            },
            Rule::set => ExprKind::Set(self.exprs(node)?),
            Rule::record => ExprKind::Record(self.record_fields(node)?),
            Rule::if_expr => {
                let mut cursor = Cursor::new(node);
                let condition = self.expr(cursor.expect(Rule::expr)?)?;
                let then_branch = self.expr(cursor.expect(Rule::expr)?)?;
                let else_branch = self.expr(cursor.expect(Rule::expr)?)?;
                ExprKind::If {
                    condition: Box::new(condition),
                    then_branch: Box::new(then_branch),
                    else_branch: Box::new(else_branch),
                }
            }
            Rule::match_expr => {
                let mut cursor = Cursor::new(node);
                let scrutinee = self.expr(cursor.expect(Rule::expr)?)?;
                let arms = cursor
                    .rest()
                    .map(|arm| self.match_arm(arm))
                    .collect::<Result<_, _>>()?;
                ExprKind::Match {
                    scrutinee: Box::new(scrutinee),
                    arms,
                }
            }
            Rule::call => return self.call(node),
            other => {
                return Err(malformed(
                    span,
                    &format!("has {other:?} where an expression was expected"),
                ));
            }
        };
        Ok(boxed(kind, span))
    }

    fn match_arm(&self, node: Node<'_>) -> Result<MatchArm, Diagnostic> {
        let span = span_of(&node);
        let mut cursor = Cursor::new(node);
        let wildcard = cursor.take(Rule::wildcard).is_some();
        let mut exprs = cursor
            .rest()
            .map(|e| self.expr(e))
            .collect::<Result<Vec<_>, _>>()?;
        let body = exprs
            .pop()
            .ok_or_else(|| malformed(span, "has a match arm without a result"))?;
        Ok(MatchArm {
            patterns: exprs,
            wildcard,
            body,
            span,
        })
    }

    fn call(&self, node: Node<'_>) -> Result<Expr, Diagnostic> {
        let span = span_of(&node);
        let mut cursor = Cursor::new(node);
        let name = cursor.expect(Rule::call_name)?;
        // A name, or the reserved word of a built-in (`contains(t, p)`).
        let function = self.ident(Cursor::new(name).next()?);
        let kind = match cursor.peek_rule() {
            Some(Rule::quantifier) => {
                let mut inner = Cursor::new(cursor.next()?);
                let var = self.ident(inner.expect(Rule::ident)?);
                let collection = self.expr(inner.expect(Rule::expr)?)?;
                let body = self.expr(inner.expect(Rule::expr)?)?;
                ExprKind::Comprehension {
                    function,
                    var,
                    collection: Box::new(collection),
                    body: Box::new(body),
                    filter: None,
                    form: ComprehensionForm::Quantifier,
                }
            }
            _ => match cursor.take(Rule::items) {
                None => ExprKind::Call {
                    function,
                    args: Vec::new(),
                },
                Some(items) => match self.items(items)? {
                    Items::Exprs(args) => ExprKind::Call { function, args },
                    Items::For {
                        body,
                        var,
                        collection,
                        filter,
                    } => ExprKind::Comprehension {
                        function,
                        var,
                        collection,
                        body,
                        filter,
                        form: ComprehensionForm::For,
                    },
                },
            },
        };
        Ok(boxed(kind, span))
    }

    /// The items of a call or a list: expressions, or `BODY for x in COLL [if FILTER]`.
    fn items(&self, node: Node<'_>) -> Result<Items, Diagnostic> {
        let mut cursor = Cursor::new(node);
        let first = self.expr(cursor.expect(Rule::expr)?)?;
        let Some(clause) = cursor.take(Rule::for_clause) else {
            let mut exprs = vec![first];
            for node in cursor.rest() {
                exprs.push(self.expr(node)?);
            }
            return Ok(Items::Exprs(exprs));
        };
        let mut inner = Cursor::new(clause);
        let var = self.ident(inner.expect(Rule::ident)?);
        let collection = self.expr(inner.expect(Rule::expr)?)?;
        let filter = match inner.take(Rule::expr) {
            Some(filter) => Some(Box::new(self.expr(filter)?)),
            None => None,
        };
        Ok(Items::For {
            body: Box::new(first),
            var,
            collection: Box::new(collection),
            filter,
        })
    }

    /// Every `expr` child of a node.
    pub(crate) fn exprs(&self, node: Node<'_>) -> Result<Vec<Expr>, Diagnostic> {
        Cursor::new(node).rest().map(|e| self.expr(e)).collect()
    }

    /// The `record_field` children of a record literal or an argument block.
    pub(crate) fn record_fields(&self, node: Node<'_>) -> Result<Vec<RecordField>, Diagnostic> {
        Cursor::new(node)
            .rest()
            .map(|field| {
                let span = span_of(&field);
                let mut cursor = Cursor::new(field);
                let name = self.ident(cursor.expect(Rule::ident)?);
                let value = self.expr(cursor.expect(Rule::expr)?)?;
                Ok(RecordField { name, value, span })
            })
            .collect()
    }

    pub(crate) fn ident(&self, node: Node<'_>) -> Ident {
        Ident {
            name: node.as_str().to_string(),
            span: span_of(&node),
        }
    }

    /// A `number` token as an exact decimal (the written scale is kept).
    pub(crate) fn decimal(&self, node: &Node<'_>) -> Decimal {
        self.decimal_text(node.as_str(), span_of(node))
    }

    /// The digits `text` at `span` as an exact decimal; an error reported when they do not fit.
    pub(crate) fn decimal_text(&self, text: &str, span: Span) -> Decimal {
        Decimal::from_str_exact(text).unwrap_or_else(|_| {
            self.report(
                Diagnostic::new(
                    DiagnosticKind::Syntax,
                    span,
                    format!(
                        "the number `{text}` does not fit a decimal: {}",
                        crate::decimal::decimal_misfit(text).unwrap_or_default()
                    ),
                )
                .with_hint(crate::decimal::DECIMAL_LIMITS),
            );
            Decimal::ZERO
        })
    }

    /// A `date` token, checked against the calendar.
    pub(crate) fn date(&self, node: Node<'_>) -> DateLit {
        let span = span_of(&node);
        let value = NaiveDate::from_str(node.as_str()).unwrap_or_else(|_| {
            self.report(Diagnostic::new(
                DiagnosticKind::Syntax,
                span,
                format!("`{}` is not a calendar date", node.as_str()),
            ));
            NaiveDate::MIN
        });
        DateLit { value, span }
    }

    /// A `datetime` token (`2026-03-01T09:00:00Z`), checked against the calendar and clock.
    pub(crate) fn datetime(&self, node: Node<'_>) -> DateTime<Utc> {
        let span = span_of(&node);
        DateTime::parse_from_rfc3339(node.as_str())
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|_| {
                self.report(Diagnostic::new(
                    DiagnosticKind::Syntax,
                    span,
                    format!("`{}` is not an instant", node.as_str()),
                ));
                DateTime::<Utc>::MIN_UTC
            })
    }

    /// The parts of an interpolated string.
    pub(crate) fn text_parts(&self, node: Node<'_>) -> Result<Vec<TextPart>, Diagnostic> {
        let mut parts: Vec<TextPart> = Vec::new();
        for part in Cursor::new(node).rest() {
            match part.kind() {
                Rule::interpolation => {
                    let expr = self.expr(Cursor::new(part).expect(Rule::expr)?)?;
                    parts.push(TextPart::Interpolation(expr));
                }
                _ => {
                    let text = literal_text(&part);
                    match parts.last_mut() {
                        Some(TextPart::Literal(previous)) => previous.push_str(&text),
                        _ => parts.push(TextPart::Literal(text)),
                    }
                }
            }
        }
        Ok(parts)
    }

    /// A string without interpolation.
    pub(crate) fn plain_string(&self, node: Node<'_>) -> StringLit {
        let span = span_of(&node);
        let value = Cursor::new(node)
            .rest()
            .map(|part| literal_text(&part))
            .collect();
        StringLit { value, span }
    }
}

/// The characters a `text` or `escape` token stands for.
fn literal_text(part: &Node<'_>) -> String {
    if part.kind() != Rule::escape {
        return part.as_str().to_string();
    }
    match part.as_str() {
        "\\n" => "\n",
        "\\t" => "\t",
        "\\\"" => "\"",
        "\\{" => "{",
        "\\}" => "}",
        _ => "\\",
    }
    .to_string()
}

fn duration_unit(word: &str) -> DurationUnit {
    match word.trim_end_matches('s') {
        "minute" => DurationUnit::Minutes,
        "hour" => DurationUnit::Hours,
        "week" => DurationUnit::Weeks,
        _ => DurationUnit::Days,
    }
}

/// What the items of a call or a list hold.
enum Items {
    /// `e, e, ...`: arguments or elements.
    Exprs(Vec<Expr>),
    /// `BODY for VAR in COLLECTION [if FILTER]`.
    For {
        body: Box<Expr>,
        var: Ident,
        collection: Box<Expr>,
        filter: Option<Box<Expr>>,
    },
}
