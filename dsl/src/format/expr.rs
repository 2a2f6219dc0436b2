//! Expressions on one line, with the fewest parentheses the operator precedence allows
//! (the table in `parser/expr.rs`): a child is wrapped only when printing it bare would parse
//! back as a different tree.

use rust_decimal::Decimal;

use crate::ast::{
    BinaryOp, ComprehensionForm, DurationUnit, Expr, ExprKind, FieldDecl, Ident, MatchArm,
    RecordField, RefinementKind, TextPart, TypeExpr, TypeExprKind, UnaryOp,
};

/// Precedence of an expression's outermost construct, loosest first. `if` is the loosest of
/// all because its `else` branch runs to the end of the expression.
pub(super) mod prec {
    pub const IF: u8 = 0;
    pub const IMPLIES: u8 = 1;
    pub const OR: u8 = 2;
    pub const AND: u8 = 3;
    pub const NOT: u8 = 4;
    pub const COMPARE: u8 = 5;
    pub const COALESCE: u8 = 6;
    pub const ADD: u8 = 7;
    pub const MUL: u8 = 8;
    pub const NEG: u8 = 9;
    pub const POSTFIX: u8 = 10;
    pub const PRIMARY: u8 = 11;
}

fn binary_prec(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Implies => prec::IMPLIES,
        BinaryOp::Or => prec::OR,
        BinaryOp::And => prec::AND,
        BinaryOp::Eq
        | BinaryOp::Ne
        | BinaryOp::Lt
        | BinaryOp::Le
        | BinaryOp::Gt
        | BinaryOp::Ge
        | BinaryOp::In
        | BinaryOp::Contains => prec::COMPARE,
        BinaryOp::Coalesce => prec::COALESCE,
        BinaryOp::Add | BinaryOp::Sub => prec::ADD,
        BinaryOp::Mul | BinaryOp::Div => prec::MUL,
    }
}

/// The precedence of an expression as printed.
pub(super) fn precedence(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::If { .. } => prec::IF,
        ExprKind::Binary { op, .. } => binary_prec(*op),
        ExprKind::Unary {
            op: UnaryOp::Not, ..
        } => prec::NOT,
        ExprKind::Unary {
            op: UnaryOp::Neg, ..
        } => prec::NEG,
        ExprKind::InRange { .. } => prec::COMPARE,
        ExprKind::Field { .. } | ExprKind::Index { .. } => prec::POSTFIX,
        _ => prec::PRIMARY,
    }
}

/// The target of `.field` or `[key]`: a dated lookup is parenthesized, or its `at` would take
/// the postfix as part of its date (`(t[k] at d).f`).
fn write_postfix_target(out: &mut String, target: &Expr) {
    if matches!(target.kind, ExprKind::Index { at: Some(_), .. }) {
        out.push('(');
        write_expr(out, target);
        out.push(')');
    } else {
        write_at(out, target, prec::POSTFIX);
    }
}

/// `BODY for x in COLL [if FILTER]`, as in a list or an aggregate.
fn write_for(out: &mut String, body: &Expr, var: &Ident, collection: &Expr, filter: Option<&Expr>) {
    write_expr(out, body);
    out.push_str(" for ");
    out.push_str(&var.name);
    out.push_str(" in ");
    write_expr(out, collection);
    if let Some(filter) = filter {
        out.push_str(" if ");
        write_expr(out, filter);
    }
}

/// Whether `e` can stand after `at` as it is (a name, a literal, a call, a field path on
/// those); anything else is parenthesized.
fn is_at_operand(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Field { target, .. } => is_at_operand(target),
        ExprKind::Index { .. }
        | ExprKind::Unary { .. }
        | ExprKind::Binary { .. }
        | ExprKind::InRange { .. }
        | ExprKind::If { .. } => false,
        _ => true,
    }
}

/// Whether the text of an expression ends with a table lookup (`t[k]`, `t[k]?`): written
/// before an `at` that is not the lookup's own, it must be parenthesized.
pub fn ends_with_lookup(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Index { at: None, .. } => true,
        ExprKind::Binary { rhs, .. } => ends_with_lookup(rhs),
        ExprKind::Unary { operand, .. } => ends_with_lookup(operand),
        ExprKind::If { else_branch, .. } => ends_with_lookup(else_branch),
        _ => false,
    }
}

/// An expression on one line.
pub fn expr(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, e);
    out
}

/// `head` followed by `e`, broken before the operators of its outermost chain (`a + b - c`,
/// `x and y and z`) when the line would be wider than `width` at `columns` of indentation.
/// Continuation lines (returned without indentation) go one level deeper.
pub fn wrapped(head: &str, e: &Expr, columns: usize, width: usize) -> Vec<String> {
    let flat = format!("{head}{}", expr(e));
    let ExprKind::Binary { op, .. } = &e.kind else {
        return vec![flat];
    };
    let p = binary_prec(*op);
    if columns + flat.chars().count() <= width || *op == BinaryOp::Implies {
        return vec![flat];
    }
    // The left spine of operators of this precedence: o1 op1 o2 op2 o3 ...
    let mut pieces: Vec<String> = Vec::new();
    let mut node = e;
    while let ExprKind::Binary { op, lhs, rhs } = &node.kind {
        if binary_prec(*op) != p {
            break;
        }
        let mut right = String::new();
        write_at(&mut right, rhs, p + 1);
        pieces.push(format!("{} {right}", op.as_str()));
        node = lhs;
    }
    let mut first = String::new();
    write_at(&mut first, node, p);
    pieces.reverse();
    let mut lines = vec![format!("{head}{first}")];
    for piece in pieces {
        let indent = if lines.len() == 1 {
            columns
        } else {
            columns + 2
        };
        let fits = lines
            .last()
            .is_some_and(|l| indent + l.chars().count() + 1 + piece.chars().count() <= width);
        match lines.last_mut() {
            Some(line) if fits => {
                line.push(' ');
                line.push_str(&piece);
            }
            _ => lines.push(piece),
        }
    }
    lines
}

/// `e` wrapped in parentheses when its precedence is below `min`.
fn write_at(out: &mut String, e: &Expr, min: u8) {
    if precedence(e) < min {
        out.push('(');
        write_expr(out, e);
        out.push(')');
    } else {
        write_expr(out, e);
    }
}

fn write_expr(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Number(n) => out.push_str(&number(*n)),
        ExprKind::Percent(p) => {
            out.push_str(&number(*p));
            out.push('%');
        }
        ExprKind::Text(parts) => write_text(out, parts),
        ExprKind::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        ExprKind::None => out.push_str("none"),
        ExprKind::Date(d) => out.push_str(&d.format("%Y-%m-%d").to_string()),
        ExprKind::DateTime(t) => out.push_str(&t.format("%Y-%m-%dT%H:%M:%SZ").to_string()),
        ExprKind::Duration { amount, unit } => out.push_str(&duration(*amount, *unit)),
        ExprKind::Name(ident) => out.push_str(&ident.name),
        ExprKind::Field { target, field } => {
            write_postfix_target(out, target);
            out.push('.');
            out.push_str(&field.name);
        }
        ExprKind::Index {
            target,
            keys,
            optional,
            at,
        } => {
            write_postfix_target(out, target);
            out.push('[');
            write_list(out, keys);
            out.push(']');
            if *optional {
                out.push('?');
            }
            if let Some(at) = at {
                out.push_str(" at ");
                if is_at_operand(at) {
                    write_expr(out, at);
                } else {
                    out.push('(');
                    write_expr(out, at);
                    out.push(')');
                }
            }
        }
        ExprKind::Call { function, args } => {
            out.push_str(&function.name);
            out.push('(');
            write_list(out, args);
            out.push(')');
        }
        ExprKind::Comprehension {
            function,
            var,
            collection,
            body,
            filter,
            form,
        } => {
            out.push_str(&function.name);
            out.push('(');
            match form {
                ComprehensionForm::For => {
                    write_for(out, body, var, collection, filter.as_deref());
                }
                ComprehensionForm::Quantifier => {
                    out.push_str(&var.name);
                    out.push_str(" in ");
                    write_expr(out, collection);
                    out.push_str(": ");
                    write_expr(out, body);
                }
            }
            out.push(')');
        }
        ExprKind::Unary { op, operand } => match op {
            UnaryOp::Neg => {
                out.push('-');
                write_at(out, operand, prec::NEG);
            }
            UnaryOp::Not => {
                out.push_str("not ");
                write_at(out, operand, prec::NOT);
            }
        },
        ExprKind::Binary { op, lhs, rhs } => {
            let p = binary_prec(*op);
            let right_assoc = *op == BinaryOp::Implies;
            // Same precedence on the side the operator does not group towards needs parentheses.
            write_at(out, lhs, if right_assoc { p + 1 } else { p });
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            write_at(out, rhs, if right_assoc { p } else { p + 1 });
        }
        ExprKind::InRange {
            value,
            lo,
            hi,
            half_open,
        } => {
            write_at(out, value, prec::COMPARE);
            out.push_str(" in ");
            out.push_str(&range(lo, Some(hi), *half_open));
        }
        ExprKind::If {
            condition,
            then_branch,
            else_branch,
        } => {
            out.push_str("if ");
            write_expr(out, condition);
            out.push_str(" then ");
            write_expr(out, then_branch);
            out.push_str(" else ");
            write_expr(out, else_branch);
        }
        ExprKind::Match { scrutinee, arms } => {
            out.push_str("match ");
            write_expr(out, scrutinee);
            if arms.is_empty() {
                out.push_str(" {}");
                return;
            }
            out.push_str(" { ");
            let arms: Vec<String> = arms.iter().map(match_arm).collect();
            out.push_str(&arms.join(", "));
            out.push_str(" }");
        }
        ExprKind::List(items) => {
            out.push('[');
            write_list(out, items);
            out.push(']');
        }
        ExprKind::ListComprehension {
            var,
            collection,
            body,
            filter,
        } => {
            out.push('[');
            write_for(out, body, var, collection, filter.as_deref());
            out.push(']');
        }
        ExprKind::Set(items) => {
            out.push('{');
            write_list(out, items);
            out.push('}');
        }
        ExprKind::Record(fields) => out.push_str(&record(fields)),
    }
}

fn write_list(out: &mut String, items: &[Expr]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(out, item);
    }
}

/// A comma-separated list of expressions.
pub fn list(items: &[Expr]) -> String {
    let mut out = String::new();
    write_list(&mut out, items);
    out
}

/// A record literal on one line: `{ a: 1, b: "x" }` (`{}` when empty).
pub fn record(fields: &[RecordField]) -> String {
    if fields.is_empty() {
        return "{}".to_string();
    }
    let fields: Vec<String> = fields.iter().map(record_field).collect();
    format!("{{ {} }}", fields.join(", "))
}

/// `name: value`.
pub fn record_field(field: &RecordField) -> String {
    format!("{}: {}", field.name.name, expr(&field.value))
}

/// One arm of a `match`: `a, b => body` or `_ => body`.
pub fn match_arm(arm: &MatchArm) -> String {
    let patterns = if arm.wildcard {
        "_".to_string()
    } else {
        list(&arm.patterns)
    };
    format!("{patterns} => {}", expr(&arm.body))
}

/// A number with the scale it was written with.
pub fn number(n: Decimal) -> String {
    n.to_string()
}

/// `3 days`, `1 day`.
fn duration(amount: Decimal, unit: DurationUnit) -> String {
    let word = unit.as_str();
    if amount == Decimal::ONE {
        format!("{} {}", number(amount), word.trim_end_matches('s'))
    } else {
        format!("{} {word}", number(amount))
    }
}

/// A range bound (`operand` in the grammar): a literal, a name or a field path, possibly
/// negated; anything else in parentheses.
pub fn operand(e: &Expr) -> String {
    fn plain(e: &Expr) -> bool {
        match &e.kind {
            ExprKind::Field { target, .. } => plain(target),
            ExprKind::If { .. } => false,
            _ => precedence(e) == prec::PRIMARY,
        }
    }
    match &e.kind {
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } if plain(operand) => format!("-{}", expr(operand)),
        _ if plain(e) => expr(e),
        _ => format!("({})", expr(e)),
    }
}

/// `lo..hi`, `lo..<hi` or the open-ended `lo..`.
pub fn range(lo: &Expr, hi: Option<&Expr>, half_open: bool) -> String {
    let op = if half_open { "..<" } else { ".." };
    match hi {
        Some(hi) => format!("{}{op}{}", operand(lo), operand(hi)),
        None => format!("{}{op}", operand(lo)),
    }
}

/// What follows a field's type: its refinements, `else "message"`, `fallback VALUE` and
/// `= DEFAULT`, each with a leading space.
pub fn field_suffix(f: &FieldDecl) -> String {
    let mut out = String::new();
    for refinement in &f.refinements {
        out.push(' ');
        match &refinement.kind {
            RefinementKind::Range { lo, hi, half_open } => {
                out.push_str("in ");
                out.push_str(&range(lo, hi.as_ref(), *half_open));
            }
            RefinementKind::Compare { op, bound } => {
                out.push_str("in ");
                out.push_str(op.as_str());
                out.push(' ');
                out.push_str(&operand(bound));
            }
            RefinementKind::Matching(pattern) => {
                out.push_str("matching \"");
                out.push_str(&pattern.value.replace('"', "\\\""));
                out.push('"');
            }
            RefinementKind::Len { lo, hi, half_open } => {
                out.push_str("len ");
                out.push_str(&range(lo, hi.as_ref(), *half_open));
            }
        }
    }
    if let Some(message) = &f.message {
        out.push_str(" else ");
        write_text(&mut out, &[TextPart::Literal(message.value.clone())]);
    }
    if let Some(fallback) = &f.fallback {
        out.push_str(" fallback ");
        out.push_str(&expr(fallback));
    }
    if let Some(default) = &f.default {
        out.push_str(" = ");
        out.push_str(&expr(default));
    }
    out
}

/// A primary expression (a `task`/`emit` subject): parenthesised unless it already is one.
pub fn primary(e: &Expr) -> String {
    if precedence(e) == prec::PRIMARY {
        expr(e)
    } else {
        format!("({})", expr(e))
    }
}

/// A string literal with interpolations, re-escaped.
pub fn text(parts: &[TextPart]) -> String {
    let mut out = String::new();
    write_text(&mut out, parts);
    out
}

fn write_text(out: &mut String, parts: &[TextPart]) {
    out.push('"');
    for part in parts {
        match part {
            TextPart::Literal(s) => escape_into(out, s),
            TextPart::Interpolation(e) => {
                out.push('{');
                write_expr(out, e);
                out.push('}');
            }
        }
    }
    out.push('"');
}

/// A string without interpolation (the version, a test name).
pub fn plain_string(value: &str) -> String {
    let mut out = String::from('"');
    escape_into(&mut out, value);
    out.push('"');
    out
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '{' => out.push_str("\\{"),
            _ => out.push(c),
        }
    }
}

/// A type on one line.
pub fn type_expr(t: &TypeExpr) -> String {
    match &t.kind {
        TypeExprKind::Named(name) => name.name.clone(),
        TypeExprKind::List(inner) => format!("List<{}>", type_expr(inner)),
        TypeExprKind::Set(inner) => format!("Set<{}>", type_expr(inner)),
        TypeExprKind::Optional(inner) => format!("{}?", type_expr(inner)),
        TypeExprKind::Tuple(parts) => {
            let parts: Vec<String> = parts.iter().map(type_expr).collect();
            format!("({})", parts.join(", "))
        }
        TypeExprKind::Record(fields) => {
            if fields.is_empty() {
                return "{}".to_string();
            }
            let fields: Vec<String> = fields
                .iter()
                .map(|f| format!("{}: {}{}", f.name.name, type_expr(&f.ty), field_suffix(f)))
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
    }
}

/// True when `next` (the text of the next element of a newline-separated sequence) would glue
/// onto the expression before it: a leading `-` (subtraction), `[` (an index), or a
/// duration unit after a number (`2` + `days: Int` reads as `2 days`). A comma separates them.
pub fn needs_comma(previous: &str, next: &str) -> bool {
    // `(` is not: a call's `(` stands directly after its name, never on the next line.
    if next.starts_with(['-', '[']) {
        return true;
    }
    if !previous.ends_with(|c: char| c.is_ascii_digit()) {
        return false;
    }
    const UNITS: [&str; 8] = [
        "minutes", "minute", "hours", "hour", "days", "day", "weeks", "week",
    ];
    UNITS.iter().any(|unit| {
        next.strip_prefix(unit)
            .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
    })
}
