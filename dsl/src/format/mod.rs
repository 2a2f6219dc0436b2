//! The canonical layout of the language, printed from the syntax tree.
//!
//! - [`format_ruleset`] is what `ordo fmt` writes: 2-space indentation, one statement per line,
//!   aligned decision-table columns, constraints as `constraint id: EXPR` + `  else ...`, the
//!   fewest parentheses the precedence allows, strings re-escaped, numbers and percents with the
//!   scale they were written with, a blank line between declarations. Every comment is kept:
//!   a comment on a line of its own stays before the declaration or statement that follows it,
//!   a comment after code stays at the end of that line. Blank lines inside blocks are kept
//!   (runs of them become one), as is the grouping of adjacent one-line declarations of a kind
//!   (`enum`s, `let`/`output`s, `constraint`s written without a blank line between them).
//! - [`format_canonical`] is the same layout from the tree alone, with every comment, doc
//!   comment and `test` block left out and no trace of the source's blank lines: two sources
//!   that mean the same have the same canonical form, which is what a ruleset's content hash
//!   is computed over.
//!
//! The formatter is total: any tree the parser produced is printed, and the output parses back
//! to the same tree (spans aside).

mod decls;
pub mod expr;

use crate::ast::{Comment, Ruleset};
use crate::span::Span;

/// Formats a ruleset in the canonical layout, keeping its comments. `source` is the text the
/// ruleset was parsed from (used to place comments and keep blank lines).
pub fn format_ruleset(ruleset: &Ruleset, source: &str) -> String {
    let mut printer = Printer::new(source, &ruleset.comments, true);
    printer.ruleset(ruleset);
    printer.finish()
}

/// The canonical form: the layout of [`format_ruleset`] with all comments, doc comments and
/// `test` blocks removed, independent of how the source was laid out.
pub fn format_canonical(ruleset: &Ruleset) -> String {
    let mut printer = Printer::new("", &[], false);
    printer.ruleset(ruleset);
    printer.finish()
}

/// Columns past which a `given` record is broken over several lines.
const WIDTH: usize = 100;

/// Builds the output line by line, interleaving the source's comments.
pub(crate) struct Printer<'a> {
    source: &'a str,
    comments: &'a [Comment],
    next_comment: usize,
    out: String,
    indent: usize,
    /// The source offset where the last printed node or comment ends.
    last_end: usize,
    /// `fmt` (comments, tests, source blank lines) rather than the canonical form.
    keep: bool,
    /// A `///` comment that was no doc comment in the source was printed last on a line of its
    /// own: the next line, unless it closes a block, comes after a blank line (see
    /// [`Self::comments_before`]).
    doc_break: bool,
}

impl<'a> Printer<'a> {
    fn new(source: &'a str, comments: &'a [Comment], keep: bool) -> Self {
        Printer {
            source,
            comments,
            next_comment: 0,
            out: String::new(),
            indent: 0,
            last_end: 0,
            keep,
            doc_break: false,
        }
    }

    fn finish(mut self) -> String {
        self.comments_before(usize::MAX);
        while self.out.ends_with("\n\n") {
            self.out.pop();
        }
        self.out
    }

    /// One line at the current indentation.
    fn line(&mut self, text: &str) {
        if std::mem::take(&mut self.doc_break) && !text.starts_with('}') {
            self.blank();
        }
        for _ in 0..self.indent {
            self.out.push_str("  ");
        }
        self.out.push_str(text.trim_end());
        self.out.push('\n');
    }

    /// A blank line, unless the output is at its start, already after a blank line, or just
    /// after a line that opens a block.
    fn blank(&mut self) {
        if self.out.is_empty() || self.out.ends_with("\n\n") {
            return;
        }
        let body = self.out.trim_end_matches('\n');
        let last = body.rsplit('\n').next().unwrap_or("");
        if last.trim_end().ends_with('{') {
            return;
        }
        self.out.push('\n');
    }

    /// Whether the source has a blank line between two offsets.
    fn blank_between(&self, from: usize, to: usize) -> bool {
        if !self.keep || from >= to {
            return false;
        }
        let gap = self.source.get(from..to).unwrap_or("");
        let mut lines = gap.split('\n');
        // The first piece is the rest of the line `from` is on; the last is the start of the
        // line `to` is on: only whole lines in between can be blank.
        lines.next();
        let mut lines: Vec<&str> = lines.collect();
        lines.pop();
        lines.iter().any(|l| l.trim().is_empty())
    }

    /// Whether the last printed line already ends with a comment (a second one goes on a line
    /// of its own: appended, it would become part of the first).
    fn last_line_has_comment(&self) -> bool {
        let body = self.out.strip_suffix('\n').unwrap_or(&self.out);
        let last = body.rsplit('\n').next().unwrap_or("");
        crate::parser::comment_start(last).is_some()
    }

    /// Whether there is code before `offset` on its source line (a trailing comment).
    fn code_before_on_line(&self, offset: usize) -> bool {
        let before = self.source.get(..offset).unwrap_or("");
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        // A byte-order mark in front of the file is no code either.
        let line = before.get(line_start..).unwrap_or("");
        !line
            .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
            .is_empty()
    }

    /// Prints every comment that starts before `pos`: a trailing comment at the end of the last
    /// line, the others on lines of their own (with the blank lines the source had around them).
    fn comments_before(&mut self, pos: usize) {
        let comments = self.comments;
        while let Some(comment) = comments.get(self.next_comment) {
            if comment.span.start >= pos {
                break;
            }
            self.next_comment += 1;
            let text = format!("{}{}", if comment.doc { "///" } else { "//" }, comment.text);
            let after_code = !self.out.is_empty() && !self.out.ends_with("\n\n");
            let code_before = self.code_before_on_line(comment.span.start);
            // A `///` comment that was no doc comment in the source — inside code printed
            // before it (an expression's inner comment, which the layout could not keep in
            // place), or after code on its line (a second trailing comment, which goes on a
            // line of its own) — is followed by a blank line, unless a block closes there:
            // directly above the next declaration or field, or its doc comment, it would
            // become (part of) its doc.
            let moved_doc = comment.doc && (comment.span.start < self.last_end || code_before);
            if after_code && code_before && !self.last_line_has_comment() {
                self.out.pop();
                self.out.push(' ');
                self.out.push_str(&text);
                self.out.push('\n');
            } else {
                if self.blank_between(self.last_end, comment.span.start) {
                    self.blank();
                }
                self.line(&text);
                self.doc_break = moved_doc;
            }
            self.last_end = self.last_end.max(comment.span.end);
        }
    }

    /// Prints the comments before `pos` that belong to what was printed last, so the blank
    /// line printed next cannot separate them from it: trailing comments (after code on their
    /// line), and comments right under it that a blank line separates from what follows.
    fn hanging_before(&mut self, pos: usize) {
        while let Some(comment) = self.comments.get(self.next_comment) {
            let belongs = comment.span.start < pos
                && (self.code_before_on_line(comment.span.start)
                    || (!self.blank_between(self.last_end, comment.span.start)
                        && self.blank_between(comment.span.end, pos)));
            if !belongs {
                break;
            }
            self.comments_before(comment.span.start + 1);
        }
    }

    /// Before a block member at `span`: its leading comments and the blank line the source had
    /// before it.
    fn member(&mut self, span: Span) {
        self.comments_before(span.start);
        if self.blank_between(self.last_end, span.start) {
            self.blank();
        }
    }

    /// After a node at `span` has been printed.
    fn done(&mut self, span: Span) {
        self.last_end = self.last_end.max(span.end);
    }

    /// Before the closing `}` of a block that ends at `end` (exclusive): its last comments.
    fn close_block(&mut self, end: usize) {
        self.comments_before(end.saturating_sub(1));
    }

    /// Whether any comment lies inside `span` (such constructs are laid out one element per
    /// line, so every comment keeps its place).
    fn has_comments_in(&self, span: Span) -> bool {
        self.comments
            .get(self.next_comment..)
            .unwrap_or(&[])
            .iter()
            .any(|c| c.span.start >= span.start && c.span.end <= span.end)
    }

    /// The indentation of the current level, in columns.
    fn columns(&self) -> usize {
        self.indent * 2
    }
}

#[cfg(test)]
mod tests;

/// True when two trees are the same program as written: equal once spans and comments are set
/// aside (doc comments count). `ordo fmt` checks its output with it before writing anything.
pub fn same_tree(a: &Ruleset, b: &Ruleset) -> bool {
    match (serde_json::to_value(a), serde_json::to_value(b)) {
        (Ok(mut a), Ok(mut b)) => {
            strip_layout(&mut a);
            strip_layout(&mut b);
            a == b
        }
        _ => false,
    }
}

/// Removes what layout alone decides from a serialised tree: spans (also the bare span of a
/// table's `_` key) and the comment list.
fn strip_layout(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.retain(|key, _| key != "comments" && !key.ends_with("span"));
            for (key, child) in map.iter_mut() {
                if key == "Wildcard" {
                    *child = serde_json::Value::Null;
                } else {
                    strip_layout(child);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_layout),
        _ => {}
    }
}
