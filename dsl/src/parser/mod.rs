//! Source text → [`crate::ast::Ruleset`] through the pest grammar in `grammar/ordo.pest`.
//!
//! pest produces a concrete parse tree; [`decls`] and [`expr`] walk it into the spanned syntax
//! tree. Structural errors stop the walk (pest reports the first syntax error of a file); errors
//! in literals (a date that does not exist, a number too large) are collected so that all of
//! them are reported at once.

mod cells;
mod cursor;
mod decls;
mod depth;
mod entry_expr;
mod expr;
mod kind;
mod nesting;
mod syntax_error;

use std::cell::RefCell;

use pest::Parser;
use pest::Token;

use depth::DepthMeter;
use kind::Kind;

use crate::ast::{Comment, Ruleset};
use crate::diagnostic::{Diagnostic, DiagnosticKind, Diagnostics};
use crate::span::Span;

pub use entry_expr::parse_expression;

/// The language's grammar (`file`, `expression_input`) and, compiled with it into one `Rule`
/// enum, the fast path for valid sources (`fast_file`, see `grammar/ordo_fast.pest`).
#[derive(pest_derive::Parser)]
#[grammar = "../../grammar/ordo.pest"]
#[grammar = "../../grammar/ordo_fast.pest"]
pub(crate) struct OrdoParser;

/// The reserved words of spec §2: never identifiers. `price` is the one exception: it only
/// starts a declaration, so values and inputs may be called `price`.
pub const KEYWORDS: &[&str] = &[
    "ruleset",
    "enum",
    "input",
    "table",
    "bands",
    "decision",
    "let",
    "output",
    "constraint",
    "approval",
    "workflow",
    "trigger",
    "test",
    "if",
    "then",
    "else",
    "match",
    "and",
    "or",
    "not",
    "implies",
    "in",
    "contains",
    "for",
    "when",
    "true",
    "false",
    "none",
];

/// The deepest a ruleset's expressions may nest: every bracket, `if`, `match`, call, list,
/// record, set and operator is one level (a chain `a + b + c` is two levels deep, as the tree it
/// builds). Deeper sources are refused with a diagnostic before any recursive stage (pest, the
/// tree builder, the compiler, the evaluator, the formatter, the canonical form, lint) sees
/// them, so that no source can exhaust the stack, even a 1 MiB one (WASM's default).
pub const MAX_DEPTH: usize = 64;

/// Parses a whole ruleset. Every problem found is reported: a structural syntax error stops
/// the parse (so there is one), but errors in literals are all collected.
pub fn parse(source: &str) -> Result<Ruleset, Diagnostics> {
    parse_with(source, parse_tree)
}

/// The parse tree of a source, `Err` with the diagnostic when there is none.
type TreeOf = for<'s> fn(&'s str) -> Result<pest::iterators::Pairs<'s, Rule>, Diagnostics>;

/// [`parse`], with the parse tree made by `tree_of`.
fn parse_with(source: &str, tree_of: TreeOf) -> Result<Ruleset, Diagnostics> {
    if let Some(diagnostic) = nesting::check_source(source) {
        return Err(Diagnostics(vec![diagnostic]));
    }
    let mut pairs = tree_of(source)?;
    let Some(file) = pairs.next() else {
        return Err(Diagnostics(vec![Diagnostic::new(
            DiagnosticKind::Syntax,
            Span::new(0, 0),
            "the file is empty: a ruleset starts with `ruleset NAME version \"1.0.0\"`",
        )]));
    };
    let (comments, depth) = scan_tokens(&file, source);
    if depth.too_deep()
        && let Some(diagnostic) = depth::check_pairs(file.clone())
    {
        return Err(Diagnostics(vec![diagnostic]));
    }
    let builder = Builder {
        source,
        errors: RefCell::new(Vec::new()),
    };
    let result = builder.ruleset(file, comments);
    let mut errors = builder.errors.into_inner();
    match result {
        Ok(ruleset) if errors.is_empty() => Ok(ruleset),
        Ok(_) => Err(Diagnostics(errors).normalized()),
        Err(diagnostic) => {
            errors.push(diagnostic);
            Err(Diagnostics(errors).normalized())
        }
    }
}

/// [`parse`] through the fast grammar alone: `None` when it refuses the source. With
/// [`parse_full`], for tests and fuzzing that check both paths agree.
pub fn parse_fast_only(source: &str) -> Option<Result<Ruleset, Diagnostics>> {
    match parse_with(source, fast_parse_tree) {
        Err(diagnostics) if diagnostics.0.is_empty() => None,
        result => Some(result),
    }
}

/// [`parse`] through `grammar/ordo.pest` alone, without the fast path.
pub fn parse_full(source: &str) -> Result<Ruleset, Diagnostics> {
    parse_with(source, full_parse_tree)
}

/// The parse tree of `source`: through the fast grammar, which accepts most valid sources with
/// far fewer alternatives tried, and only when it refuses the source through the documented
/// grammar, whose syntax error is the one reported. Both give the same tree for any source the
/// fast grammar accepts (`grammar/ordo_fast.pest`).
fn parse_tree(source: &str) -> Result<pest::iterators::Pairs<'_, Rule>, Diagnostics> {
    if let Ok(pairs) = OrdoParser::parse(Rule::fast_file, source) {
        return Ok(pairs);
    }
    full_parse_tree(source)
}

/// The parse tree of `source` through the fast grammar alone; a refusal has no diagnostic.
fn fast_parse_tree(source: &str) -> Result<pest::iterators::Pairs<'_, Rule>, Diagnostics> {
    OrdoParser::parse(Rule::fast_file, source).map_err(|_| Diagnostics(Vec::new()))
}

/// The parse tree of `source` through `grammar/ordo.pest` alone.
fn full_parse_tree(source: &str) -> Result<pest::iterators::Pairs<'_, Rule>, Diagnostics> {
    OrdoParser::parse(Rule::file, source)
        .map_err(|error| Diagnostics(vec![syntax_error::from_pest(&error, source)]))
}

/// Every comment token of the file, in source order, and the depth of its syntax tree: one
/// pass over pest's tokens, without a pair per node.
fn scan_tokens(file: &pest::iterators::Pair<'_, Rule>, source: &str) -> (Vec<Comment>, DepthMeter) {
    let mut comments = Vec::new();
    let mut depth = DepthMeter::default();
    let mut comment_start = 0;
    for token in file.clone().tokens() {
        match token {
            Token::Start { rule, pos } => {
                let rule = kind::canonical(rule);
                if rule == Rule::COMMENT {
                    comment_start = pos.pos();
                }
                depth.open(rule);
            }
            Token::End { rule, pos } => {
                if rule == Rule::COMMENT {
                    let span = Span::new(comment_start, pos.pos());
                    comments.push(comment(
                        source.get(span.start..span.end).unwrap_or(""),
                        span,
                    ));
                }
                depth.close();
            }
        }
    }
    (comments, depth)
}

/// A comment token's text (`// ...` or `/// ...`) as the formatter keeps it.
fn comment(text: &str, span: Span) -> Comment {
    let doc = text.starts_with("///") && !text.starts_with("////");
    let prefix = if doc { "///" } else { "//" };
    let body = text.strip_prefix(prefix).unwrap_or(text);
    Comment {
        text: body.trim_end().to_string(),
        doc,
        span,
    }
}

/// The byte span of a parse-tree node.
///
/// A rule that ends in a repetition (`expr`, a field with an optional default) also swallows
/// the whitespace and comments pest skipped while looking for one more repetition; they are
/// not part of the node, so the span stops at the node's last character of code.
pub(crate) fn span_of(pair: &pest::iterators::Pair<'_, Rule>) -> Span {
    let span = pair.as_span();
    if pair.kind() == Rule::COMMENT {
        return Span::new(span.start(), span.end());
    }
    code_span(span)
}

/// The byte span of a node's text without its trailing blanks and comments (see [`span_of`]).
pub(crate) fn code_span(span: pest::Span<'_>) -> Span {
    Span::new(span.start(), span.start() + code_len(span.as_str()))
}

/// The length of `text` without trailing whitespace and trailing `//` comments.
fn code_len(text: &str) -> usize {
    // Most leaves (names, numbers, strings) end in an ASCII character of code and hold no `/`:
    // nothing to trim.
    let bytes = text.as_bytes();
    if let Some(last) = bytes.last()
        && last.is_ascii()
        && !last.is_ascii_whitespace()
        && !bytes.contains(&b'/')
    {
        return bytes.len();
    }
    let mut end = text.trim_end().len();
    loop {
        let body = text.get(..end).unwrap_or("");
        // Most nodes end in code: one look back over the last line for a `/` spares them the
        // scan for strings.
        let last_line = body.as_bytes().iter().rev().take_while(|b| **b != b'\n');
        if !last_line.clone().any(|b| *b == b'/') {
            return end;
        }
        let line_start = body.len() - last_line.count();
        let line = body.get(line_start..).unwrap_or("");
        match comment_start(line) {
            Some(at) => end = body.get(..line_start + at).unwrap_or("").trim_end().len(),
            None => return end,
        }
    }
}

// Where a `//` comment starts on a line of code: the parser trims node spans with it, the
// formatter keeps trailing comments at line ends with it.
pub(crate) use nesting::comment_start;

/// Walks the parse tree. Literal errors are pushed to `errors`; structural ones are returned.
pub(crate) struct Builder<'s> {
    pub(crate) source: &'s str,
    pub(crate) errors: RefCell<Vec<Diagnostic>>,
}

impl Builder<'_> {
    /// Records an error that does not stop the walk.
    pub(crate) fn report(&self, diagnostic: Diagnostic) {
        self.errors.borrow_mut().push(diagnostic);
    }

    /// The `///` lines directly above the line where `start` is (blank lines break the run).
    pub(crate) fn doc_before(&self, start: usize) -> Vec<String> {
        // A byte-order mark in front of the file is not part of its first line.
        let before = self.source.get(..start).unwrap_or("");
        let before = before.strip_prefix('\u{feff}').unwrap_or(before);
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let (above, own_line) = before.split_at(line_start);
        // The grammar lets comments come before the byte-order mark, so the mark may also
        // start the header's own line; it is no text there either. A comma that separates
        // the item from the one before (`, name: Type` on its own line) leaves the line the
        // item's: the formatter drops the comma, and the `///` lines must stay its doc.
        if !own_line
            .chars()
            .all(|c| c.is_whitespace() || c == '\u{feff}' || c == ',')
        {
            return Vec::new();
        }
        let lines = above.lines().rev();
        let mut doc: Vec<String> = lines
            .map(str::trim)
            .take_while(|line| line.starts_with("///") && !line.starts_with("////"))
            .map(|line| line.get(3..).unwrap_or("").trim_end().to_string())
            .collect();
        doc.reverse();
        doc
    }
}

#[cfg(test)]
mod fast_tests;
#[cfg(test)]
mod tests;
