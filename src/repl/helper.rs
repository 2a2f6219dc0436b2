//! Line editing for the REPL: multi-line input while brackets are open, and tab completion of
//! commands, names of the ruleset and built-in functions.

use std::cell::RefCell;
use std::rc::Rc;

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

/// The REPL's commands, for completion and `:help`.
pub const COMMANDS: [&str; 19] = [
    ":set",
    ":unset",
    ":input",
    ":inputs",
    ":as_of",
    ":why",
    ":type",
    ":configure",
    ":grant",
    ":now",
    ":actor",
    ":state",
    ":start",
    ":apply",
    ":fire",
    ":reload",
    ":help",
    ":quit",
    ":exit",
];

/// Built-in functions and special names of the language.
pub const BUILTINS: [&str; 34] = [
    "abs",
    "add_days",
    "all",
    "any",
    "as_of",
    "block",
    "ceil",
    "clamp",
    "contains",
    "count",
    "day",
    "days_between",
    "decimal",
    "ends_with",
    "floor",
    "graduated",
    "is_some",
    "len",
    "lower",
    "matches",
    "max",
    "min",
    "month",
    "replace",
    "round",
    "starts_with",
    "sum",
    "trim",
    "upper",
    "valid",
    "volume",
    "weekday",
    "year",
    "none",
];

/// Whether `text` still has an open bracket or string: the input goes on on the next line.
pub fn incomplete(text: &str) -> bool {
    #[derive(PartialEq)]
    enum Open {
        Bracket(char),
        Text,
        /// `{expr}` inside a string.
        Interpolation,
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if stack.last() == Some(&Open::Text) {
            match c {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    stack.pop();
                }
                '{' => stack.push(Open::Interpolation),
                _ => {}
            }
            continue;
        }
        match c {
            '/' if chars.peek() == Some(&'/') => {
                // A comment runs to the end of the line.
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
            }
            '"' => stack.push(Open::Text),
            '(' => stack.push(Open::Bracket(')')),
            '[' => stack.push(Open::Bracket(']')),
            '{' => stack.push(Open::Bracket('}')),
            ')' | ']' | '}' => match stack.last() {
                Some(Open::Bracket(close)) if *close == c => {
                    stack.pop();
                }
                Some(Open::Interpolation) if c == '}' => {
                    stack.pop();
                }
                // A stray closer: the input is complete (and wrong; the parser will say so).
                _ => return false,
            },
            _ => {}
        }
    }
    !stack.is_empty()
}

/// What the loaded ruleset offers to complete.
#[derive(Debug, Clone, Default)]
pub struct Completions {
    /// Declared names, input paths, enum values, decision outputs and quote fields.
    pub names: Vec<String>,
    /// Workflow states (after `:state`).
    pub states: Vec<String>,
    /// Workflow transitions (after `:apply`).
    pub transitions: Vec<String>,
    /// Timers: `stay` and `at` triggers, `sla:STATE` (after `:fire`).
    pub timers: Vec<String>,
}

/// The completion candidates of the loaded ruleset, shared with the session (which replaces
/// them on `:reload`).
pub type Names = Rc<RefCell<Completions>>;

/// The rustyline helper: completion and multi-line validation.
pub struct ReplHelper {
    pub names: Names,
}

impl Completer for ReplHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = line.get(..pos).unwrap_or(line);
        let start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == ':'))
            .map_or(0, |i| i + 1);
        let word = before.get(start..).unwrap_or("");
        let head = before.get(..start).unwrap_or("");
        Ok((start, candidates(head, word, &self.names.borrow())))
    }
}

/// Everything that completes `word` after `head` (the line before it): commands at the start
/// of the line; the first argument of `:state`, `:apply` and `:fire` from the workflow's
/// states, transitions and timers; elsewhere names, built-ins and keywords.
pub fn candidates(head: &str, word: &str, completions: &Completions) -> Vec<Pair> {
    let mut found: Vec<String> = Vec::new();
    let argument_of = |command: &str| {
        head.strip_prefix(command)
            .is_some_and(|rest| rest.starts_with(' ') && rest.trim().is_empty())
    };
    let offered = |list: &[String]| -> Vec<String> {
        list.iter()
            .filter(|n| n.starts_with(word))
            .cloned()
            .collect()
    };
    if argument_of(":state") {
        found = offered(&completions.states);
    } else if argument_of(":apply") {
        found = offered(&completions.transitions);
    } else if argument_of(":fire") {
        found = offered(&completions.timers);
    } else if word.starts_with(':') {
        if head.is_empty() {
            found.extend(
                COMMANDS
                    .iter()
                    .filter(|c| c.starts_with(word))
                    .map(|c| c.to_string()),
            );
        }
    } else {
        found.extend(
            completions
                .names
                .iter()
                .map(String::as_str)
                .chain(BUILTINS)
                .chain(ordo_dsl::KEYWORDS.iter().copied())
                .filter(|n| n.starts_with(word))
                .map(str::to_string),
        );
    }
    found.sort();
    found.dedup();
    found
        .into_iter()
        .map(|c| Pair {
            display: c.clone(),
            replacement: c,
        })
        .collect()
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        Ok(if incomplete(ctx.input()) {
            ValidationResult::Incomplete
        } else {
            ValidationResult::Valid(None)
        })
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Highlighter for ReplHelper {}

impl Helper for ReplHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_brackets_and_strings_continue_the_input() {
        assert!(incomplete("sum(x for x in [1, 2"));
        assert!(incomplete("{ a: 1,"));
        assert!(incomplete("\"text {quantity"));
        assert!(incomplete("\"unterminated"));
        assert!(!incomplete("sum(x for x in [1, 2])"));
        assert!(!incomplete("\"braces \\{ and {quantity} inside\""));
        assert!(!incomplete("1 + 2 // a comment with ( inside"));
        assert!(!incomplete("1 + 2)"));
    }

    #[test]
    fn completion_offers_names_builtins_and_commands() {
        let completions = Completions {
            names: vec!["quantity".to_string(), "quote.total".to_string()],
            ..Completions::default()
        };
        let words = |head: &str, word: &str| -> Vec<String> {
            candidates(head, word, &completions)
                .into_iter()
                .map(|p| p.replacement)
                .collect()
        };
        assert_eq!(words("", "qu"), vec!["quantity", "quote.total"]);
        assert_eq!(words("", "quote."), vec!["quote.total"]);
        assert_eq!(words("1 + ", "rou"), vec!["round"]);
        assert_eq!(words("", ":re"), vec![":reload"]);
        assert_eq!(words("", ":ap"), vec![":apply"]);
        assert!(words("x ", ":re").is_empty());
    }

    #[test]
    fn workflow_commands_complete_states_transitions_and_timers() {
        let strings = |names: &[&str]| names.iter().map(|n| n.to_string()).collect();
        let completions = Completions {
            names: strings(&["submitted_at"]),
            states: strings(&["draft", "submitted"]),
            transitions: strings(&["submit", "approve"]),
            timers: strings(&["nudge", "sla:submitted"]),
        };
        let words = |head: &str, word: &str| -> Vec<String> {
            candidates(head, word, &completions)
                .into_iter()
                .map(|p| p.replacement)
                .collect()
        };
        assert_eq!(words(":state ", "su"), vec!["submitted"]);
        assert_eq!(words(":apply ", "su"), vec!["submit"]);
        assert_eq!(words(":apply ", ""), vec!["approve", "submit"]);
        assert_eq!(words(":fire ", "sla:"), vec!["sla:submitted"]);
        assert_eq!(words(":fire ", "n"), vec!["nudge"]);
        // Only the first argument; elsewhere names complete as in expressions.
        assert!(!words(":apply submit ", "su").contains(&"submit".to_string()));
        assert_eq!(words("", "submitted"), vec!["submitted_at"]);
    }
}
