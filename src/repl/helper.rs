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
pub const COMMANDS: [&str; 13] = [
    ":set",
    ":unset",
    ":input",
    ":inputs",
    ":as_of",
    ":why",
    ":type",
    ":configure",
    ":grant",
    ":reload",
    ":help",
    ":quit",
    ":exit",
];

/// Built-in functions and special names of the language.
pub const BUILTINS: [&str; 30] = [
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
    "ends_with",
    "floor",
    "graduated",
    "is_some",
    "len",
    "lower",
    "max",
    "min",
    "month",
    "round",
    "starts_with",
    "sum",
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

/// The completion candidates of the loaded ruleset, shared with the session (which replaces
/// them on `:reload`).
pub type Names = Rc<RefCell<Vec<String>>>;

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
        Ok((start, candidates(word, start == 0, &self.names.borrow())))
    }
}

/// Everything that completes `word` (commands only at the start of the line).
pub fn candidates(word: &str, line_start: bool, names: &[String]) -> Vec<Pair> {
    let mut found: Vec<String> = Vec::new();
    if word.starts_with(':') {
        if line_start {
            found.extend(
                COMMANDS
                    .iter()
                    .filter(|c| c.starts_with(word))
                    .map(|c| c.to_string()),
            );
        }
    } else {
        found.extend(
            names
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
        let names = vec!["quantity".to_string(), "quote.total".to_string()];
        let words = |word: &str, start: bool| -> Vec<String> {
            candidates(word, start, &names)
                .into_iter()
                .map(|p| p.replacement)
                .collect()
        };
        assert_eq!(words("qu", false), vec!["quantity", "quote.total"]);
        assert_eq!(words("quote.", false), vec!["quote.total"]);
        assert_eq!(words("rou", false), vec!["round"]);
        assert_eq!(words(":re", true), vec![":reload"]);
        assert!(words(":re", false).is_empty());
    }
}
