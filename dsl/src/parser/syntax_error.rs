//! pest's errors turned into diagnostics that speak the language of the rule author.

use pest::error::{Error, ErrorVariant, InputLocation};

use super::Rule;
use crate::diagnostic::{Diagnostic, DiagnosticKind};
use crate::span::Span;

/// A syntax diagnostic for a pest error: "expected an expression, found `}`".
pub(crate) fn from_pest(error: &Error<Rule>, source: &str) -> Diagnostic {
    let start = match error.location {
        InputLocation::Pos(pos) => pos,
        InputLocation::Span((start, _)) => start,
    };
    let found = token_at(source, start);
    if let Some(diagnostic) = not_ascii_name(source, start, found) {
        return diagnostic;
    }
    let span = Span::new(start, start + found.len());
    let mut expected = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => describe_expected(positives),
        ErrorVariant::CustomError { message } => message.clone(),
    };
    if expected.is_empty() && only_trivia(source.get(..start).unwrap_or_default()) {
        // Nothing but blanks and comments so far: the header is what is missing.
        expected = HEADER.to_string();
    }
    let found_text = if found.is_empty() {
        "the end of the file".to_string()
    } else {
        format!("`{found}`")
    };
    let message = if expected.is_empty() {
        format!("unexpected {found_text}")
    } else {
        format!("expected {expected}, found {found_text}")
    };
    let mut diagnostic = Diagnostic::new(DiagnosticKind::Syntax, span, message);
    if expected == HEADER {
        diagnostic = diagnostic.with_hint(
            "every ruleset file starts with its header, e.g. `ruleset quotes version \"1.0.0\"`",
        );
    }
    if super::KEYWORDS.contains(&found) {
        diagnostic = diagnostic.with_hint(format!(
            "`{found}` is a reserved word and cannot be used as a name"
        ));
    }
    diagnostic
}

/// How the header is described where it is expected.
const HEADER: &str = "`ruleset NAME version \"X.Y.Z\"`";

/// Whether `text` holds only blanks and `//` comments.
fn only_trivia(text: &str) -> bool {
    text.trim_start_matches('\u{feff}')
        .lines()
        .map(str::trim)
        .all(|line| line.is_empty() || line.starts_with("//"))
}

/// A name with a letter outside ASCII (`Größe`): the whole word, and what names are made of.
/// `None` when the error is not at such a letter.
fn not_ascii_name(source: &str, start: usize, found: &str) -> Option<Diagnostic> {
    let first = found.chars().next()?;
    if first.is_ascii() || !first.is_alphanumeric() {
        return None;
    }
    // The word may have begun with ASCII letters before the error's position.
    let before = source.get(..start)?;
    let begin = before
        .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
        .len();
    let word = source.get(begin..start + found.len())?;
    Some(
        Diagnostic::new(
            DiagnosticKind::Syntax,
            Span::new(begin, start + found.len()),
            format!("`{word}` is not a valid name: `{first}` is not an ASCII letter"),
        )
        .with_hint("names (identifiers) are made of ASCII letters, digits and `_`"),
    )
}

/// The word or symbol that starts at `start`.
fn token_at(source: &str, start: usize) -> &str {
    let rest = source.get(start..).unwrap_or("");
    let rest = rest.trim_start_matches([' ', '\t']);
    let offset = source.len() - rest.len() - start;
    let word_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let len = if word_len > 0 {
        word_len
    } else {
        rest.chars().next().map_or(0, char::len_utf8)
    };
    let len = if rest.starts_with('\n') || rest.starts_with('\r') {
        0
    } else {
        len
    };
    source
        .get(start + offset..start + offset + len)
        .unwrap_or("")
}

/// "an expression, `}` or `,`": the expected things, described once each, in a stable order.
fn describe_expected(rules: &[Rule]) -> String {
    // Where an expression may start, pest lists every kind of literal; say "an expression".
    let expression_start = rules.contains(&Rule::number);
    let mut names: Vec<&str> = rules
        .iter()
        .filter(|rule| !(expression_start && starts_expression(**rule)))
        .filter_map(|rule| describe(*rule))
        .collect();
    if expression_start {
        names.push("an expression");
    }
    names.sort_unstable();
    names.dedup();
    match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn starts_expression(rule: Rule) -> bool {
    use Rule::*;
    matches!(
        rule,
        number
            | date
            | datetime
            | string
            | percent
            | duration
            | boolean
            | none
            | name
            | ident
            | neg
            | not
            | call
            | list
            | set
            | record
            | if_expr
            | match_expr
            | k_if
            | k_match
            | k_none
            | expr
            | expr_no_in
    )
}

fn describe(rule: Rule) -> Option<&'static str> {
    use Rule::*;
    Some(match rule {
        EOI => "the end of the file",
        ident | name => "a name",
        expr | expr_no_in => "an expression",
        datetime => "an instant (YYYY-MM-DDTHH:MM:SSZ)",
        calendar_weekend | calendar_holidays => "`weekend` or `holidays`",
        number => "a number",
        string | plain_string => "a string",
        date => "a date (YYYY-MM-DD)",
        type_expr | named_type | list_type | set_type | record_type => "a type",
        enum_decl | roles_decl | input_decl | table_decl | bands_decl | decision_decl
        | value_decl | constraint_decl | price_decl | approval_decl | workflow_decl
        | trigger_decl | test_decl | calendar_decl => {
            "a declaration (enum, roles, type, fn, input, table, bands, decision, let, output, constraint, price, approval, workflow, trigger, calendar, test)"
        }
        header | k_ruleset => "`ruleset NAME version \"X.Y.Z\"`",
        severity => "`error`, `warning` or `review`",
        hit_policy => {
            "a hit policy (unique, first, any, collect, collect sum, collect min, collect max, collect count)"
        }
        line_kind | price_line | subtotal_stmt | price_for => {
            "a price statement (line, discount, surcharge, tax, subtotal, for)"
        }
        qty_at => "`qty Q at U`",
        amount | percent_of => "`= AMOUNT`",
        decision_header | decision_row => "a table row `| ... || ... |`",
        unary_test | test_any | test_none | test_compare | test_range | test_values => {
            "a unary test"
        }
        table_row | table_key => "a table row `KEY => VALUE`",
        band_row => "a band `LO..HI => VALUE`",
        match_arm => "a match arm `VALUE => RESULT`",
        range_op => "`..` or `..<`",
        approval_step | k_step => "`step ID \"label\" by ROLE`",
        parallel_group => "`parallel { ... }`",
        requested_by | k_requested_by => "`requested_by EXPR`",
        step_quorum | k_quorum | quorum_count => "`quorum N` (a whole number)",
        step_facts | k_facts => "`facts EXPR, ...`",
        state_decl | k_state => "`state NAME`",
        transition_decl => "`transition NAME: FROM -> TO`",
        flag_initial | flag_final | state_owner | state_sla => {
            "a state flag (initial, final, owner, sla)"
        }
        transition_by | transition_when | transition_requires => "`by`, `when` or `requires`",
        event_enter | event_exit | event_transition | event_stay | event_breach | event_at
        | event_change | event_becomes => {
            "an event (enter, exit, transition, stay, breach, at, change, becomes)"
        }
        action | notify_action | escalate_action | task_action | emit_action => {
            "an action (notify, escalate, task, emit)"
        }
        test_given | test_as_of | test_expect => "`given`, `as_of` or `expect`",
        record_field => "a field `name: value`",
        field_decl => "a field `name: Type`",
        implies | or | and | eq | ne | le | ge | lt | gt | in_op | contains | coalesce | add
        | sub | mul | div => "an operator",
        field_access | index | in_range => "an operator",
        k_version => "`version`",
        k_effective => "`effective`",
        k_from => "`from`",
        data_source => "`from \"FILE\"`",
        k_currency => "`currency`",
        k_then => "`then`",
        k_else => "`else`",
        k_in => "`in`",
        k_by => "`by`",
        k_at => "`at`",
        k_of => "`of`",
        k_on => "`on`",
        k_after => "`after`",
        k_for => "`for`",
        wildcard => "`_`",
        _ => return None,
    })
}
