//! Launch review (`ordo lint`, `ordo graph`): what will go wrong once a ruleset is live — rows
//! that never fire, gaps no row answers, constraints that always or never hold, approvals and
//! transitions nobody can reach, unused declarations — and the data-flow map of the rules.
//!
//! The checks run on the compiled program; the syntax tree only supplies spans and the names
//! each declaration reads. No finding is a guess: a condition the checks cannot decide (an input
//! that is not finite, too many combinations) gives no finding, and a decision table they
//! cannot analyse (a computed column, non-constant tests) gives only the `decision.not_analysed`
//! note, so a table that could fail at run time is never passed over in silence.

mod bounds;
mod decisions;
mod exprs;
mod finite;
pub mod graph;
mod inputs;
mod refs;
mod timers;

pub use refs::path_of;
mod usage;

use ordo_dsl::Span;
use ordo_dsl::ast::Ruleset as Ast;
use serde_json::{Value as Json, json};

use crate::ir::Remark;
use crate::ruleset::Ruleset;

/// How bad a finding is. `error` findings fail `ordo lint`; `--deny warnings` fails on all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Worth knowing; never fails `ordo lint`.
    Info,
    /// Likely a mistake; fails `ordo lint --deny warnings`.
    Warning,
    /// Fails `ordo lint`.
    Error,
}

impl Level {
    /// The `severity` written in JSON reports: `info`, `warning` or `error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// One finding.
#[derive(Debug, Clone)]
pub struct Finding {
    /// A stable id: `decision.gap`, `constraint.always_violated`, `unused.input`, ...
    pub id: &'static str,
    /// How bad it is.
    pub level: Level,
    /// The rule the finding is about (`shipping`, `shipping row 3`, `order.approve`).
    pub rule: String,
    /// What is wrong, for people.
    pub message: String,
    /// The source the finding points at (a declaration's name, a row).
    pub span: Span,
    /// For overlaps and gaps: an input that shows the problem (where it can be built).
    pub example: Option<Json>,
}

impl Finding {
    /// The finding as a JSON report entry, with the 1-based `line` and `column` of its span in
    /// `source`.
    pub fn to_json(&self, file: &str, source: &str) -> Json {
        let at = ordo_dsl::line_col(source, self.span.start);
        json!({
            "id": self.id,
            "severity": self.level.as_str(),
            "rule": self.rule,
            "message": self.message,
            "file": file,
            "line": at.line,
            "column": at.column,
            "span": {"start": self.span.start, "end": self.span.end},
            "example": self.example,
        })
    }

    /// rustc-style, through the same renderer as compile diagnostics.
    pub fn render(&self, file: &str, source: &str) -> String {
        let hint = self
            .example
            .as_ref()
            .map(|e| format!("for example: {}", crate::json::to_json_string(e)));
        ordo_dsl::diagnostic::Excerpt {
            level: match self.level {
                Level::Error => ordo_dsl::diagnostic::ExcerptLevel::Error,
                Level::Warning => ordo_dsl::diagnostic::ExcerptLevel::Warning,
                Level::Info => ordo_dsl::diagnostic::ExcerptLevel::Note,
            },
            code: self.id,
            message: self.message.clone(),
            span: self.span,
            note: self.id.replace(['.', '_'], " "),
            labels: &[],
            hint: hint.as_deref(),
        }
        .render(file, source)
    }
}

/// Every finding of the ruleset, in source order.
pub fn lint(ruleset: &Ruleset, ast: &Ast) -> Vec<Finding> {
    let mut findings = Vec::new();
    decisions::check(ruleset.program(), ast, &mut findings);
    finite::check(ruleset.program(), ast, &mut findings);
    bounds::check(ruleset.program(), ast, &mut findings);
    inputs::check(ast, &mut findings);
    usage::check(ruleset.program(), ast, &mut findings);
    remarks(ruleset, ast, &mut findings);
    constant_edges(ruleset, ast, &mut findings);
    timers::notify_without_owner(ruleset.program(), ast, &mut findings);
    findings.sort_by_key(|f| (f.span.start, f.id));
    findings
}

/// An `on becomes` condition that reads no input, no value and no function can never go from
/// false to true on an update: the trigger never fires (spec §24).
fn constant_edges(ruleset: &Ruleset, ast: &Ast, findings: &mut Vec<Finding>) {
    use crate::ir::Expr;
    use crate::ir::workflow::TriggerEvent;
    for trigger in &ruleset.program().triggers {
        let TriggerEvent::Becomes(condition, _) = &trigger.event else {
            continue;
        };
        let reads_data = exprs::any(condition, &mut |e| match e {
            Expr::Input(_) | Expr::Global(_) | Expr::CallFunction(..) => Some(true),
            Expr::TableLookup { .. } => None,
            _ => None,
        });
        if reads_data {
            continue;
        }
        let span = ast
            .items
            .iter()
            .find_map(|item| match item {
                ordo_dsl::ast::Item::Trigger(t) if t.name.name == trigger.name => Some(t.name.span),
                _ => None,
            })
            .unwrap_or_default();
        findings.push(Finding {
            id: "trigger.becomes_constant",
            level: Level::Warning,
            rule: trigger.name.clone(),
            message: format!(
                "the `becomes` condition of trigger `{}` reads no input: it cannot change between two inputs, so the trigger never fires",
                trigger.name
            ),
            span,
            example: None,
        });
    }
}

/// The compiler's remarks as notes: a `??` whose left side is never `none` (spec §21).
fn remarks(ruleset: &Ruleset, ast: &Ast, findings: &mut Vec<Finding>) {
    let declarations = refs::declarations(ast);
    let rule_at = |at: usize| {
        declarations
            .iter()
            .zip(&ast.items)
            .find(|(_, item)| item.span().start <= at && at < item.span().end)
            .map_or_else(String::new, |(d, _)| d.name.clone())
    };
    for remark in ruleset.remarks() {
        match remark {
            Remark::CoalesceNotOptional { span, lhs, ty } => findings.push(Finding {
                id: "coalesce.not_optional",
                level: Level::Info,
                rule: rule_at(span.start),
                message: format!(
                    "the left side of `??` is {ty}, never `none`: the value after `??` is never used"
                ),
                span: *lhs,
                example: None,
            }),
        }
    }
}

#[cfg(test)]
mod tests;
