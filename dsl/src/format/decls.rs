//! Declarations and the statements inside them, one per line.

use super::expr::{self as e, needs_comma};
use super::{Printer, WIDTH};
use crate::ast::*;
use crate::span::Span;

/// Kinds of one-line declarations that may stay grouped without blank lines between them.
fn group_kind(item: &Item) -> Option<u8> {
    match item {
        Item::Enum(_) => Some(0),
        Item::Roles(_) => Some(1),
        Item::Value(_) => Some(2),
        Item::Constraint(_) => Some(3),
        _ => None,
    }
}

/// Appends `,` to every element that the next one would otherwise glue onto.
fn separated(texts: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(texts.len());
    let mut iter = texts.into_iter().peekable();
    while let Some(mut text) = iter.next() {
        if let Some(next) = iter.peek() {
            let last_line = text.lines().last().unwrap_or("");
            if needs_comma(last_line.trim_end(), next.trim_start()) {
                text.push(',');
            }
        }
        out.push(text);
    }
    out
}

fn label(label: Option<&Expr>) -> String {
    label.map_or(String::new(), |l| format!(" {}", e::expr(l)))
}

fn when(condition: Option<&Expr>) -> String {
    condition.map_or(String::new(), |c| format!(" when {}", e::expr(c)))
}

fn names(idents: &[Ident]) -> String {
    idents
        .iter()
        .map(|i| i.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl Printer<'_> {
    pub(super) fn ruleset(&mut self, r: &Ruleset) {
        self.member(r.name.span);
        self.line(&format!(
            "ruleset {} version {}",
            r.name.name,
            e::plain_string(&r.version.value)
        ));
        self.done(r.version.span);
        if let Some(effective) = &r.effective {
            self.comments_before(effective.span.start);
            self.line(&format!("effective {}", effective.value.format("%Y-%m-%d")));
            self.done(effective.span);
        }
        let mut previous: Option<&Item> = None;
        for item in &r.items {
            if !self.keep && matches!(item, Item::Test(_)) {
                continue;
            }
            let grouped = self.keep
                && previous.is_some_and(|p| {
                    group_kind(p).is_some()
                        && group_kind(p) == group_kind(item)
                        && !self.blank_between(p.span().end, item.span().start)
                });
            self.hanging_before(item.span().start);
            if !grouped {
                self.blank();
            }
            self.member(item.span());
            self.item(item);
            self.done(item.span());
            previous = Some(item);
        }
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Enum(d) => self.enum_decl(d),
            Item::Roles(d) => self.line(&format!("roles {}", names(&d.roles))),
            Item::Type(d) => match &d.ty.kind {
                TypeExprKind::Record(fields) => {
                    self.line(&format!("type {} = {{", d.name.name));
                    self.fields(fields, d.ty.span.end);
                    self.line("}");
                }
                _ => self.line(&format!("type {} = {}", d.name.name, e::type_expr(&d.ty))),
            },
            Item::Function(d) => {
                let result = d
                    .result
                    .as_ref()
                    .map_or(String::new(), |t| format!(" -> {}", e::type_expr(t)));
                let head = format!("fn {}({}){result} = ", d.name.name, params(&d.params));
                self.wrapped(&head, &d.body);
            }
            Item::Input(d) => {
                self.line("input {");
                self.fields(&d.fields, d.span.end);
                self.line("}");
            }
            Item::Table(d) => self.table(d),
            Item::Bands(d) => self.bands(d),
            Item::Decision(d) => self.decision(d),
            Item::Value(d) => self.value(d),
            Item::Constraint(d) => {
                let each = d.each.as_ref().map_or(String::new(), |each| {
                    format!(" for {} in {}", each.var.name, e::expr(&each.collection))
                });
                self.wrapped(&format!("constraint {}{each}: ", d.name.name), &d.condition);
                self.indent += 1;
                // Comments between the condition and `else` stay there.
                self.comments_before(d.severity_span.start);
                self.line(&format!(
                    "else {} {}",
                    d.severity.as_str(),
                    e::expr(&d.message)
                ));
                self.indent -= 1;
            }
            Item::Price(d) => self.price(d),
            Item::Approval(d) => self.approval(d),
            Item::Workflow(d) => self.workflow(d),
            Item::Trigger(d) => self.trigger(d),
            Item::Test(d) => self.test(d),
            Item::Calendar(d) => self.calendar(d),
        }
    }

    fn calendar(&mut self, d: &CalendarDecl) {
        self.line(&format!("calendar {} {{", d.name.name));
        self.indent += 1;
        if !d.weekend.is_empty() {
            self.line(&format!("weekend {}", names(&d.weekend)));
        }
        if !d.holidays.is_empty() {
            let days: Vec<String> = d
                .holidays
                .iter()
                .map(|h| h.value.format("%Y-%m-%d").to_string())
                .collect();
            self.line(&format!("holidays {}", days.join(", ")));
        }
        self.indent -= 1;
        self.line("}");
    }

    /// Opens a block, prints its members with `each`, prints the comments before the closing
    /// brace at `end`, and closes it with `close`.
    fn block<T>(
        &mut self,
        open: &str,
        members: &[(Span, T)],
        end: usize,
        close: &str,
        mut each: impl FnMut(&mut Self, &T),
    ) {
        self.line(open);
        self.indent += 1;
        for (span, member) in members {
            self.member(*span);
            each(self, member);
            self.done(*span);
        }
        self.close_block(end);
        self.indent -= 1;
        self.line(close);
    }

    /// Members that are one line of text each, separated by commas where needed.
    fn text_block(&mut self, open: &str, members: Vec<(Span, String)>, end: usize, close: &str) {
        let (spans, texts): (Vec<Span>, Vec<String>) = members.into_iter().unzip();
        let members: Vec<(Span, String)> = spans.into_iter().zip(separated(texts)).collect();
        self.block(open, &members, end, close, |p, text| p.line(text));
    }

    fn enum_decl(&mut self, d: &EnumDecl) {
        if !self.has_comments_in(d.span) {
            let values = names(&d.values);
            if values.is_empty() {
                self.line(&format!("enum {} {{}}", d.name.name));
            } else {
                self.line(&format!("enum {} {{ {values} }}", d.name.name));
            }
            return;
        }
        let count = d.values.len();
        let members: Vec<(Span, String)> = d
            .values
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let comma = if i + 1 < count { "," } else { "" };
                (v.span, format!("{}{comma}", v.name))
            })
            .collect();
        self.block(
            &format!("enum {} {{", d.name.name),
            &members,
            d.span.end,
            "}",
            |p, text| p.line(text),
        );
    }

    /// The fields of an input block or of a record type inside one, up to the closing brace
    /// at `end`.
    fn fields(&mut self, fields: &[FieldDecl], end: usize) {
        self.indent += 1;
        let mut previous_tail: Option<String> = None;
        for field in fields {
            if let Some(tail) = previous_tail.take()
                && needs_comma(&tail, &field.name.name)
            {
                self.append(",");
            }
            self.member(field.span);
            previous_tail = Some(self.field(field));
            self.done(field.span);
        }
        self.close_block(end);
        self.indent -= 1;
    }

    /// Appends text to the last code line (before any trailing comment on it).
    fn append(&mut self, text: &str) {
        if !self.out.ends_with('\n') {
            return;
        }
        self.out.pop();
        let line_start = self.out.rfind('\n').map_or(0, |i| i + 1);
        let line = self.out.get(line_start..).unwrap_or("").to_string();
        let code_end = crate::parser::comment_start(&line).unwrap_or(line.len());
        let (code, comment) = line.split_at(code_end);
        let rebuilt = format!(
            "{}{text}{}{comment}",
            code.trim_end(),
            if comment.is_empty() { "" } else { " " }
        );
        self.out.truncate(line_start);
        self.out.push_str(&rebuilt);
        self.out.push('\n');
    }

    /// One input field (a nested record type over several lines); returns the text its last
    /// line ends with.
    fn field(&mut self, f: &FieldDecl) -> String {
        let (record, optional) = match &f.ty.kind {
            TypeExprKind::Record(fields) => (Some(fields), ""),
            TypeExprKind::Optional(inner) => match &inner.kind {
                TypeExprKind::Record(fields) => (Some(fields), "?"),
                _ => (None, ""),
            },
            _ => (None, ""),
        };
        let default = e::field_suffix(f);
        match record {
            Some(fields) => {
                self.line(&format!("{}: {{", f.name.name));
                let end = f.ty.span.end;
                self.fields(fields, end);
                let tail = format!("}}{optional}{default}");
                self.line(&tail);
                tail
            }
            None => {
                let text = format!("{}: {}{default}", f.name.name, e::type_expr(&f.ty));
                self.line(&text);
                text
            }
        }
    }

    fn table(&mut self, d: &TableDecl) {
        let effective = d.effective.as_ref().map_or(String::new(), |date| {
            format!(" effective {}", date.value.format("%Y-%m-%d"))
        });
        let head = format!(
            "table {}: {} -> {}{effective}",
            d.name.name,
            e::type_expr(&d.key_type),
            e::type_expr(&d.value_type)
        );
        if let Some(source) = &d.from {
            self.line(&format!("{head} from {}", e::plain_string(&source.path)));
            return;
        }
        let open = format!("{head} {{");
        let rows = d
            .rows
            .iter()
            .map(|row| {
                let key = match &row.key {
                    TableKey::Wildcard(_) => "_".to_string(),
                    TableKey::Values(keys) => e::list(keys),
                    TableKey::Tuples(tuples) => tuples
                        .iter()
                        .map(|parts| {
                            let parts: Vec<String> = parts
                                .iter()
                                .map(|p| p.as_ref().map_or("_".to_string(), e::expr))
                                .collect();
                            format!("({})", parts.join(", "))
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                };
                (row.span, format!("{key} => {}", e::expr(&row.value)))
            })
            .collect();
        self.text_block(&open, rows, d.span.end, "}");
    }

    fn bands(&mut self, d: &BandsDecl) {
        let rows = d
            .rows
            .iter()
            .map(|row| {
                let range = e::range(&row.lo, row.hi.as_ref(), row.half_open);
                (row.span, format!("{range} => {}", e::expr(&row.value)))
            })
            .collect();
        self.text_block(&format!("bands {} {{", d.name.name), rows, d.span.end, "}");
    }

    fn decision(&mut self, d: &DecisionDecl) {
        let hit = if d.hit != HitPolicy::Unique || (self.keep && d.hit_span.is_some()) {
            format!(" hit {}", d.hit.as_str())
        } else {
            String::new()
        };
        let header = (
            d.inputs.iter().map(e::expr).collect::<Vec<_>>(),
            d.outputs.iter().map(|o| o.name.clone()).collect::<Vec<_>>(),
        );
        let rows: Vec<(Vec<String>, Vec<String>)> = d
            .rows
            .iter()
            .map(|row| {
                (
                    row.tests.iter().map(unary_test).collect(),
                    row.outputs.iter().map(e::expr).collect(),
                )
            })
            .collect();
        // Column widths: inputs and outputs separately, over the header and every row.
        let mut input_widths: Vec<usize> = Vec::new();
        let mut output_widths: Vec<usize> = Vec::new();
        for (inputs, outputs) in std::iter::once(&header).chain(rows.iter()) {
            widen(&mut input_widths, inputs);
            widen(&mut output_widths, outputs);
        }
        let layout = |inputs: &[String], outputs: &[String]| {
            format!(
                "| {} || {} |",
                padded(inputs, &input_widths).join(" | "),
                padded(outputs, &output_widths).join(" | ")
            )
        };
        let params = if d.params.is_empty() {
            String::new()
        } else {
            format!("({})", params(&d.params))
        };
        self.line(&format!("decision {}{params}{hit} {{", d.name.name));
        self.indent += 1;
        if let Some(first) = d.inputs.first() {
            self.comments_before(first.span.start);
        }
        self.line(&layout(&header.0, &header.1));
        if let Some(last) = d.outputs.last() {
            self.done(last.span);
        }
        for (row, (inputs, outputs)) in d.rows.iter().zip(&rows) {
            self.member(row.span);
            self.line(&layout(inputs, outputs));
            self.done(row.span);
        }
        self.close_block(d.span.end);
        self.indent -= 1;
        self.line("}");
    }

    fn value(&mut self, d: &ValueDecl) {
        let keyword = if d.output { "output" } else { "let" };
        let ty =
            d.ty.as_ref()
                .map_or(String::new(), |t| format!(": {}", e::type_expr(t)));
        let head = format!("{keyword} {}{ty} = ", d.name.name);
        match &d.value.kind {
            ExprKind::Match { scrutinee, arms } if !arms.is_empty() => {
                let members = arms
                    .iter()
                    .map(|arm| (arm.span, e::match_arm(arm)))
                    .collect();
                let open = format!("{head}match {} {{", e::expr(scrutinee));
                self.text_block(&open, members, d.value.span.end, "}");
            }
            _ => self.wrapped(&head, &d.value),
        }
    }

    /// `head` + `value`, broken over continuation lines when it is too wide.
    fn wrapped(&mut self, head: &str, value: &Expr) {
        let lines = e::wrapped(head, value, self.columns(), WIDTH);
        for (i, line) in lines.iter().enumerate() {
            if i == 1 {
                self.indent += 1;
            }
            self.line(line);
        }
        if lines.len() > 1 {
            self.indent -= 1;
        }
    }

    fn price(&mut self, d: &PriceDecl) {
        let rounding = d
            .rounding
            .map_or(String::new(), |r| format!(" rounding {}", r.mode.as_str()));
        self.line(&format!(
            "price {} currency {}{rounding} {{",
            d.name.name,
            e::expr(&d.currency)
        ));
        self.price_body(&d.body, d.span.end);
        self.line("}");
    }

    fn price_body(&mut self, body: &[PriceStmt], end: usize) {
        self.indent += 1;
        for stmt in body {
            let span = match stmt {
                PriceStmt::Line(l) => l.span,
                PriceStmt::Subtotal(s) => s.span,
                PriceStmt::For(f) => f.span,
            };
            self.member(span);
            match stmt {
                PriceStmt::Line(l) => {
                    let amount = match &l.amount {
                        LineAmount::Amount(a) => format!("= {}", e::expr(a)),
                        LineAmount::QtyAt { qty, unit_price } => {
                            // `qty t[k] at u` would read as a lookup at a date.
                            let qty = if e::ends_with_lookup(qty) {
                                format!("({})", e::expr(qty))
                            } else {
                                e::expr(qty)
                            };
                            format!("qty {qty} at {}", e::expr(unit_price))
                        }
                        LineAmount::PercentOf { rate, base } => {
                            format!("= {} of {}", e::expr(rate), base.name)
                        }
                    };
                    self.line(&format!(
                        "{} {}{} {amount}{}",
                        l.kind.as_str(),
                        l.id.name,
                        label(l.label.as_ref()),
                        when(l.when.as_ref())
                    ));
                }
                PriceStmt::Subtotal(s) => {
                    self.line(&format!(
                        "subtotal {}{}",
                        s.id.name,
                        label(s.label.as_ref())
                    ));
                }
                PriceStmt::For(f) => {
                    let key = f
                        .key
                        .as_ref()
                        .map_or(String::new(), |k| format!(" key {}", e::expr(k)));
                    self.line(&format!(
                        "for {} in {}{key} {{",
                        f.var.name,
                        e::expr(&f.collection)
                    ));
                    self.price_body(&f.body, f.span.end);
                    self.line("}");
                }
            }
            self.done(span);
        }
        self.close_block(end);
        self.indent -= 1;
    }

    fn approval(&mut self, d: &ApprovalDecl) {
        let members: Vec<(Span, &ApprovalItem)> = d
            .items
            .iter()
            .map(|item| {
                let span = match item {
                    ApprovalItem::Step(s) => s.span,
                    ApprovalItem::Parallel { span, .. } => *span,
                };
                (span, item)
            })
            .collect();
        self.block(
            &match &d.requested_by {
                Some(requester) => {
                    format!(
                        "approval {} requested_by {} {{",
                        d.name.name,
                        e::expr(requester)
                    )
                }
                None => format!("approval {} {{", d.name.name),
            },
            &members,
            d.span.end,
            "}",
            |p, item| match item {
                ApprovalItem::Step(step) => p.line(&approval_step(step)),
                ApprovalItem::Parallel { steps, span } => {
                    let steps: Vec<(Span, String)> =
                        steps.iter().map(|s| (s.span, approval_step(s))).collect();
                    p.text_block("parallel {", steps, span.end, "}");
                }
            },
        );
    }

    fn workflow(&mut self, d: &WorkflowDecl) {
        // States and transitions in the order they were written.
        let mut members: Vec<(Span, String)> = d
            .states
            .iter()
            .map(|s| (s.span, state(s)))
            .chain(d.transitions.iter().map(|t| (t.span, transition(t))))
            .collect();
        if self.keep {
            members.sort_by_key(|(span, _)| span.start);
        }
        self.block(
            &format!("workflow {} {{", d.name.name),
            &members,
            d.span.end,
            "}",
            |p, text| p.line(text),
        );
    }

    fn trigger(&mut self, d: &TriggerDecl) {
        let event = match &d.event {
            TriggerEvent::Enter(s) => format!("enter {}", s.name),
            TriggerEvent::Exit(s) => format!("exit {}", s.name),
            TriggerEvent::Transition(t) => format!("transition {}", t.name),
            TriggerEvent::Stay { state, after } => {
                format!("stay {} after {}", state.name, e::expr(after))
            }
            TriggerEvent::Breach(s) => format!("breach {}", s.name),
            TriggerEvent::At { at, states } => {
                format!("at {} in {}", no_top_in(at), names(states))
            }
            TriggerEvent::Change {
                fields,
                workflow,
                states,
            } => format!(
                "change {}{}",
                names(fields),
                scope(workflow.as_ref(), states)
            ),
            TriggerEvent::Becomes {
                condition,
                workflow,
                states,
            } => format!(
                "becomes {}{}",
                no_top_in(condition),
                scope(workflow.as_ref(), states)
            ),
        };
        let open = format!(
            "trigger {} on {event}{} {{",
            d.name.name,
            when(d.when.as_ref())
        );
        let actions = d.actions.iter().map(|a| (a.span, action(a))).collect();
        self.text_block(&open, actions, d.span.end, "}");
    }

    fn test(&mut self, d: &TestDecl) {
        self.line(&format!("test {} {{", e::plain_string(&d.name.value)));
        self.indent += 1;
        self.member(d.given.span);
        match &d.given.kind {
            ExprKind::Record(fields) => self.record_block("given ", fields, d.given.span),
            _ => self.line(&format!("given {}", e::expr(&d.given))),
        }
        self.done(d.given.span);
        if let Some(as_of) = &d.as_of {
            self.member(as_of.span);
            self.line(&format!("as_of {}", as_of.value.format("%Y-%m-%d")));
            self.done(as_of.span);
        }
        for step in &d.steps {
            self.member(step.span);
            match &step.kind {
                TestStepKind::Expect(expect) => self.line(&format!("expect {}", e::expr(expect))),
                TestStepKind::Workflow {
                    workflow,
                    state,
                    actor,
                } => {
                    let mut text = String::new();
                    if let Some(workflow) = workflow {
                        text.push_str(&format!("workflow {} ", workflow.name));
                    }
                    text.push_str(&format!("state {}", state.name));
                    if let Some(actor) = actor {
                        text.push_str(&format!(" actor {}", e::expr(actor)));
                    }
                    self.line(&text);
                }
                TestStepKind::Approvals(grants) => match &grants.kind {
                    ExprKind::Record(fields) => {
                        self.record_block("approvals ", fields, grants.span)
                    }
                    _ => self.line(&format!("approvals {}", e::expr(grants))),
                },
                TestStepKind::Now(at) => self.line(&format!("now {}", e::expr(at))),
                TestStepKind::Apply(transition) => self.line(&format!("apply {}", transition.name)),
                TestStepKind::Fire { sla, name } => {
                    let sla = if *sla { "sla " } else { "" };
                    self.line(&format!("fire {sla}{}", name.name));
                }
            }
            self.done(step.span);
        }
        self.close_block(d.span.end);
        self.indent -= 1;
        self.line("}");
    }

    /// `prefix{ a: 1, ... }` on one line when it fits and holds no comment, else one field per
    /// line (nested records likewise).
    fn record_block(&mut self, prefix: &str, fields: &[RecordField], span: Span) {
        let flat = format!("{prefix}{}", e::record(fields));
        if fields.is_empty()
            || (self.columns() + flat.chars().count() <= WIDTH && !self.has_comments_in(span))
        {
            self.line(&flat);
            return;
        }
        self.line(&format!("{prefix}{{"));
        self.indent += 1;
        let mut previous_tail: Option<String> = None;
        for field in fields {
            if let Some(tail) = previous_tail.take()
                && needs_comma(&tail, &field.name.name)
            {
                self.append(",");
            }
            self.member(field.span);
            match &field.value.kind {
                ExprKind::Record(inner) if !inner.is_empty() => {
                    self.record_block(&format!("{}: ", field.name.name), inner, field.value.span);
                    previous_tail = Some("}".into());
                }
                _ => {
                    let text = e::record_field(field);
                    self.line(&text);
                    previous_tail = Some(text);
                }
            }
            self.done(field.span);
        }
        self.close_block(span.end);
        self.indent -= 1;
        self.line("}");
    }
}

fn widen(widths: &mut Vec<usize>, cells: &[String]) {
    for (i, cell) in cells.iter().enumerate() {
        let width = cell.chars().count();
        match widths.get_mut(i) {
            Some(w) => *w = (*w).max(width),
            None => widths.push(width),
        }
    }
}

fn padded(cells: &[String], widths: &[usize]) -> Vec<String> {
    cells
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let width = widths.get(i).copied().unwrap_or(0);
            format!("{cell:<width$}")
        })
        .collect()
}

/// A decision cell's unary test.
fn unary_test(test: &UnaryTest) -> String {
    match &test.kind {
        UnaryTestKind::Any => "-".to_string(),
        UnaryTestKind::None => "none".to_string(),
        // A lone `none` value would read back as the `none` test.
        UnaryTestKind::Values(values) => match values.as_slice() {
            [only] if only.kind == ExprKind::None => "(none)".to_string(),
            _ => e::list(values),
        },
        UnaryTestKind::Compare(op, value) => format!("{} {}", op.as_str(), e::expr(value)),
        UnaryTestKind::Range { lo, hi, half_open } => e::range(lo, Some(hi), *half_open),
    }
}

fn approval_step(s: &ApprovalStep) -> String {
    let mut text = format!(
        "step {}{} by {}",
        s.id.name,
        label(s.label.as_ref()),
        names(&s.roles)
    );
    if let Some(quorum) = &s.quorum {
        text.push_str(&format!(" quorum {}", quorum.count));
    }
    text.push_str(&when(s.when.as_ref()));
    if !s.facts.is_empty() {
        text.push_str(&format!(" facts {}", e::list(&s.facts)));
    }
    text
}

/// An expression followed by `in STATES`: anything but a name, a field, a lookup, a call or a
/// literal is parenthesized, so neither a top-level `in` nor an `else` branch takes the `in`.
fn no_top_in(x: &Expr) -> String {
    match &x.kind {
        ExprKind::Name(_)
        | ExprKind::Field { .. }
        | ExprKind::Index { .. }
        | ExprKind::Call { .. }
        | ExprKind::Date(_)
        | ExprKind::DateTime(_)
        | ExprKind::Bool(_) => e::expr(x),
        _ => format!("({})", e::expr(x)),
    }
}

/// ` of WORKFLOW in STATE, ...` of `on change` and `on becomes`.
fn scope(workflow: Option<&Ident>, states: &[Ident]) -> String {
    let mut text = String::new();
    if let Some(w) = workflow {
        text.push_str(&format!(" of {}", w.name));
    }
    if !states.is_empty() {
        text.push_str(&format!(" in {}", names(states)));
    }
    text
}

fn state(s: &StateDecl) -> String {
    let mut text = format!("state {}", s.name.name);
    if s.initial {
        text.push_str(" initial");
    }
    if s.is_final {
        text.push_str(" final");
    }
    if let Some(owner) = &s.owner {
        text.push_str(&format!(" owner {}", e::expr(owner)));
    }
    if let Some(sla) = &s.sla {
        text.push_str(&format!(" sla {}", e::expr(sla)));
    }
    text
}

fn transition(t: &TransitionDecl) -> String {
    let mut text = format!(
        "transition {}: {} -> {}",
        t.name.name,
        names(&t.from),
        t.to.name
    );
    if !t.roles.is_empty() {
        text.push_str(&format!(" by {}", names(&t.roles)));
    }
    text.push_str(&when(t.when.as_ref()));
    if !t.requires.is_empty() {
        text.push_str(&format!(" requires {}", names(&t.requires)));
    }
    text
}

fn action(a: &Action) -> String {
    let fields = |fields: &[RecordField]| {
        if fields.is_empty() {
            String::new()
        } else {
            format!(" {}", e::record(fields))
        }
    };
    match &a.kind {
        ActionKind::Notify { to, message } => {
            let to = match &to.kind {
                ExprKind::Name(_) | ExprKind::Text(_) => e::expr(to),
                _ => e::primary(to),
            };
            format!("notify {to} {}", e::expr(message))
        }
        ActionKind::Escalate { role } => format!("escalate {}", role.name),
        ActionKind::Task { name, fields: f } => format!("task {}{}", e::primary(name), fields(f)),
        ActionKind::Emit { event, fields: f } => {
            format!("emit {}{}", e::primary(event), fields(f))
        }
    }
}

/// `p: T, q: U` of a function or a decision.
fn params(params: &[Param]) -> String {
    params
        .iter()
        .map(|p| format!("{}: {}", p.name.name, e::type_expr(&p.ty)))
        .collect::<Vec<_>>()
        .join(", ")
}
