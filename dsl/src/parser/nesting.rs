//! The nesting of a source, bounded before pest runs: pest's parse recurses once per nested
//! bracket, `if`, `match`, `List<`/`Set<` type and string interpolation, so a source that
//! nests those deeper than [`MAX_DEPTH`] is refused here, in one iterative pass over its bytes,
//! whatever else is wrong with it. pest's own stack guard is then never what stops a parse
//! (WebAssembly has none).
//!
//! The pass follows the language's lexical structure exactly where it matters to the count:
//! comments, strings, the code of an interpolation inside a string (with its own strings and
//! comments), and raw strings (a `matching` pattern, where `{` is text). It may count more than
//! pest nests (an upper bound), never less: an `if` or a `match` counts until its expression
//! has surely ended (a `,`, `|`, `=>` or lone `=` of its bracket, the bracket's end, or the
//! next declaration), each bracket and interpolation until it closes.

use super::MAX_DEPTH;
use super::depth::too_deep;
use crate::diagnostic::Diagnostic;
use crate::span::Span;

/// What an open frame stands for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Opener {
    /// Outside any bracket.
    Root,
    /// `(`, `[` or `{` in code.
    Bracket,
    /// `List<` or `Set<`, closed by `>`.
    Angle,
    /// `{` in a string: code until its `}`, then the string goes on.
    Interpolation,
}

/// One open frame, with the `if`s and `match`es opened in it and not yet known to be over.
#[derive(Clone, Copy)]
struct Frame {
    opener: Opener,
    /// `if`s and `match`es still open, as far as this pass knows.
    pending: usize,
    /// How many of them are `match`es (a `match`'s body `{` stands for its `match`).
    matches: usize,
    /// Whether this bracket took the place of its parent's `match` (given back when it closes:
    /// the brace may have been a set in the `match`'s subject).
    took_match: bool,
}

impl Frame {
    fn new(opener: Opener) -> Self {
        Frame {
            opener,
            pending: 0,
            matches: 0,
            took_match: false,
        }
    }
}

/// The last three tokens of code before a string (words and punctuation, not comments), to
/// tell a `matching` pattern's raw string from a string that follows a name `matching`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Token {
    None,
    /// A word, as its byte range.
    Word(usize, usize),
    /// A punctuation character (the last of `->`, `..<`, `>=`, …).
    Punct(u8),
}

/// Where the pass is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Code,
    Comment,
    /// In a string; `raw` for a `matching` pattern.
    String {
        raw: bool,
    },
}

struct Scan<'s> {
    source: &'s str,
    /// Outside any bracket.
    root: Frame,
    /// The open frames, innermost last.
    frames: Vec<Frame>,
    /// The sum of every frame's `pending`.
    pending: usize,
    mode: Mode,
    tokens: [Token; 3],
    /// The last word was `List` or `Set`: a `<` next opens a type.
    angle_next: bool,
    /// Looking for the first comment instead of bounding the nesting ([`comment_start`]).
    find_comment: bool,
    comment_at: Option<usize>,
}

/// The reserved words that start a declaration: no expression runs past one. (`type`, `fn`
/// and `price` are contextual: they may be names inside an expression.)
fn starts_declaration(word: &[u8]) -> bool {
    matches!(
        word,
        b"ruleset"
            | b"enum"
            | b"input"
            | b"table"
            | b"bands"
            | b"decision"
            | b"let"
            | b"output"
            | b"constraint"
            | b"approval"
            | b"workflow"
            | b"trigger"
            | b"test"
    )
}

/// The words that start a statement followed by a name and an optional label string: a price
/// line, a subtotal, an approval step, and `notify` (its target, then any expression).
fn starts_labelled_statement(word: &[u8]) -> bool {
    matches!(
        word,
        b"line" | b"discount" | b"surcharge" | b"tax" | b"subtotal" | b"step" | b"notify"
    )
}

fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

impl<'s> Scan<'s> {
    fn new(source: &'s str) -> Self {
        Scan {
            source,
            root: Frame::new(Opener::Root),
            frames: Vec::new(),
            pending: 0,
            mode: Mode::Code,
            tokens: [Token::None; 3],
            angle_next: false,
            find_comment: false,
            comment_at: None,
        }
    }

    fn depth(&self) -> usize {
        self.pending + self.frames.len()
    }

    fn check(&self, span: Span) -> Result<(), Diagnostic> {
        if self.depth() > MAX_DEPTH && !self.find_comment {
            Err(too_deep(span))
        } else {
            Ok(())
        }
    }

    fn word(&self, token: Token) -> &'s [u8] {
        match token {
            Token::Word(start, end) => self.source.as_bytes().get(start..end).unwrap_or(&[]),
            _ => &[],
        }
    }

    fn push_token(&mut self, token: Token) {
        let [_, second, last] = self.tokens;
        self.tokens = [second, last, token];
    }

    fn top(&mut self) -> &mut Frame {
        self.frames.last_mut().unwrap_or(&mut self.root)
    }

    /// The `if`s and `match`es of the innermost frame are over.
    fn end_pending(&mut self) {
        let top = self.top();
        let ended = top.pending;
        top.pending = 0;
        top.matches = 0;
        self.pending -= ended;
    }

    fn open(&mut self, opener: Opener, at: usize) -> Result<(), Diagnostic> {
        let mut frame = Frame::new(opener);
        let top = self.top();
        if opener == Opener::Bracket && top.matches > 0 {
            top.matches -= 1;
            top.pending -= 1;
            self.pending -= 1;
            frame.took_match = true;
        }
        self.frames.push(frame);
        self.check(Span::new(at, at + 1))
    }

    /// Pops the innermost frame (never the root), giving back the `match` it stood for.
    fn close(&mut self) -> Option<Opener> {
        let frame = self.frames.pop()?;
        self.pending -= frame.pending;
        if frame.took_match {
            let top = self.top();
            top.pending += 1;
            top.matches += 1;
            self.pending += 1;
        }
        Some(frame.opener)
    }

    fn top_opener(&self) -> Opener {
        self.frames
            .last()
            .map_or(self.root.opener, |frame| frame.opener)
    }

    /// A `"` in code opens a raw string where it follows the keyword `matching` of a field's
    /// refinement: after the word `matching`, unless that follows a word that starts a
    /// labelled statement where a statement may start (`step matching "Check {x}"` names a
    /// step `matching`; `x: tax matching "…"` is a field of type `tax`, with a pattern).
    fn opens_raw_string(&self) -> bool {
        let [before_label, label, last] = self.tokens;
        if self.word(last) != b"matching" {
            return false;
        }
        if !starts_labelled_statement(self.word(label)) {
            return true;
        }
        // Where a type or a refinement's operand stands, not a statement.
        matches!(
            before_label,
            Token::Punct(b':' | b'<' | b'(' | b',' | b'>' | b'=' | b'.' | b'-')
        )
    }

    fn run_to_end(&mut self) -> Result<(), Diagnostic> {
        let bytes = self.source.as_bytes();
        let mut at = 0;
        while let Some(&byte) = bytes.get(at) {
            match self.mode {
                Mode::Comment => {
                    // The comment ends at the next newline.
                    match bytes
                        .get(at..)
                        .and_then(|rest| rest.iter().position(|b| *b == b'\n'))
                    {
                        Some(offset) => {
                            self.mode = Mode::Code;
                            at += offset + 1;
                        }
                        None => at = bytes.len(),
                    }
                }
                Mode::String { raw } => {
                    at = self.string_byte(bytes, at, byte, raw)?;
                }
                Mode::Code => {
                    at = self.code_byte(bytes, at, byte)?;
                }
            }
        }
        Ok(())
    }

    /// One byte (or an escape) of a string; the offset after it.
    fn string_byte(
        &mut self,
        bytes: &[u8],
        at: usize,
        byte: u8,
        raw: bool,
    ) -> Result<usize, Diagnostic> {
        match byte {
            b'"' => {
                self.mode = Mode::Code;
                self.push_token(Token::Punct(b'"'));
            }
            // In a raw string only `\"` is an escape; elsewhere `\` escapes one character.
            b'\\' if !raw || bytes.get(at + 1) == Some(&b'"') => return Ok(at + 2),
            b'{' if !raw => {
                self.mode = Mode::Code;
                self.tokens = [Token::None; 3];
                self.open(Opener::Interpolation, at)?;
            }
            _ => {}
        }
        Ok(at + 1)
    }

    /// One token of code starting at `at`; the offset after it.
    fn code_byte(&mut self, bytes: &[u8], at: usize, byte: u8) -> Result<usize, Diagnostic> {
        if is_word_byte(byte) {
            let end = bytes
                .get(at..)
                .and_then(|rest| rest.iter().position(|b| !is_word_byte(*b)))
                .map_or(bytes.len(), |offset| at + offset);
            self.word_token(at, end)?;
            return Ok(end);
        }
        if byte.is_ascii_whitespace() {
            return Ok(at + 1);
        }
        let next = bytes.get(at + 1).copied();
        if byte == b'/' && next == Some(b'/') {
            if self.find_comment {
                self.comment_at = Some(at);
                return Ok(bytes.len());
            }
            self.mode = Mode::Comment;
            return Ok(at + 2);
        }
        let angle = std::mem::take(&mut self.angle_next);
        match byte {
            b'"' => {
                self.mode = Mode::String {
                    raw: self.opens_raw_string(),
                };
                return Ok(at + 1);
            }
            b'(' | b'[' | b'{' => self.open(Opener::Bracket, at)?,
            b'<' if angle => self.open(Opener::Angle, at)?,
            b')' | b']' | b'}' => {
                // A type left open by a `List<` without its `>` ends with its bracket.
                while self.top_opener() == Opener::Angle {
                    self.close();
                }
                match self.top_opener() {
                    Opener::Bracket => {
                        self.close();
                    }
                    Opener::Interpolation if byte == b'}' => {
                        self.close();
                        self.mode = Mode::String { raw: false };
                    }
                    _ => {}
                }
            }
            b'>' => {
                if self.top_opener() == Opener::Angle {
                    self.close();
                } else if at.checked_sub(1).and_then(|i| bytes.get(i)) == Some(&b'=') {
                    self.end_pending();
                }
            }
            b',' | b'|' => self.end_pending(),
            b'=' => {
                let previous = at.checked_sub(1).and_then(|i| bytes.get(i)).copied();
                let lone = !matches!(previous, Some(b'=' | b'!' | b'<' | b'>'))
                    && !matches!(next, Some(b'=' | b'>'));
                if lone {
                    self.end_pending();
                }
            }
            _ => {}
        }
        self.push_token(Token::Punct(byte));
        Ok(at + 1)
    }

    fn word_token(&mut self, start: usize, end: usize) -> Result<(), Diagnostic> {
        let word = self.source.as_bytes().get(start..end).unwrap_or(&[]);
        self.angle_next = matches!(word, b"List" | b"Set");
        match word {
            b"if" | b"match" => {
                let top = self.top();
                top.pending += 1;
                if word == b"match" {
                    top.matches += 1;
                }
                self.pending += 1;
                self.check(Span::new(start, end))?;
            }
            _ if self.pending > 0 && self.frames.is_empty() && starts_declaration(word) => {
                self.end_pending();
            }
            _ => {}
        }
        self.push_token(Token::Word(start, end));
        Ok(())
    }
}

/// Refuses a source whose brackets, `if`s, `match`es, `List<`/`Set<` types and string
/// interpolations (the forms pest's parse recurses on) could nest deeper than [`MAX_DEPTH`],
/// with the span of the first construct past the limit.
pub(crate) fn check_source(source: &str) -> Option<Diagnostic> {
    Scan::new(source).run_to_end().err()
}

/// Where the first `//` comment of `line` starts, outside strings (with their interpolations,
/// and the strings and brackets inside those) and patterns, read as [`check_source`] reads
/// them; the line is read as if it started in code.
pub(crate) fn comment_start(line: &str) -> Option<usize> {
    let mut scan = Scan::new(line);
    scan.find_comment = true;
    // (Never an error: the depth is not checked here.)
    let _ = scan.run_to_end();
    scan.comment_at
}

#[cfg(test)]
mod tests;
