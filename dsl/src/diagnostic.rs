//! Compile-time diagnostics: one type for every problem the parser and the checker find,
//! with a stable kind (spec §17), a stable code, a message, the span, secondary labels and a
//! hint. Rendered for people (source excerpt with a caret, like rustc) or as JSON for tools.

use std::fmt;

use serde::Serialize;

use crate::span::{LineCol, Span, line_col};

/// The stable kinds of compile-time problems (spec §17). Tools match on `as_str()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiagnosticKind {
    Syntax,
    UnknownName,
    TypeMismatch,
    Cycle,
    NonExhaustive,
    Duplicate,
    Overlap,
    Workflow,
    /// A construct that parses but is not valid where it stands (e.g. `P of S` naming no subtotal).
    Invalid,
    /// A data file a table reads (spec §21) is missing or has a bad header or cell.
    InvalidData,
}

impl DiagnosticKind {
    /// The stable name used in JSON and by the conformance suite.
    pub fn as_str(self) -> &'static str {
        match self {
            DiagnosticKind::Syntax => "syntax",
            DiagnosticKind::UnknownName => "unknown_name",
            DiagnosticKind::TypeMismatch => "type_mismatch",
            DiagnosticKind::Cycle => "cycle",
            DiagnosticKind::NonExhaustive => "non_exhaustive",
            DiagnosticKind::Duplicate => "duplicate",
            DiagnosticKind::Overlap => "overlap",
            DiagnosticKind::Workflow => "workflow",
            DiagnosticKind::Invalid => "invalid",
            DiagnosticKind::InvalidData => "invalid_data",
        }
    }

    /// The stable code printed with the message (`E0001` ...).
    pub fn code(self) -> &'static str {
        match self {
            DiagnosticKind::Syntax => "E0001",
            DiagnosticKind::UnknownName => "E0002",
            DiagnosticKind::TypeMismatch => "E0003",
            DiagnosticKind::Cycle => "E0004",
            DiagnosticKind::NonExhaustive => "E0005",
            DiagnosticKind::Duplicate => "E0006",
            DiagnosticKind::Overlap => "E0007",
            DiagnosticKind::Workflow => "E0008",
            DiagnosticKind::Invalid => "E0009",
            DiagnosticKind::InvalidData => "E0010",
        }
    }
}

impl fmt::Display for DiagnosticKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary location with a short note ("first declared here").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A place in a data file a table reads (spec §21): 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DataLocation {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

/// One compile-time problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} error: {message}")]
pub struct Diagnostic {
    pub kind: DiagnosticKind,
    pub message: String,
    /// Where the problem is.
    pub span: Span,
    /// Further places that explain it (the other members of a cycle, the earlier duplicate, ...).
    pub labels: Vec<Label>,
    /// A suggestion: "did you mean `quantity`?".
    pub hint: Option<String>,
    /// For a problem inside a data file: where in that file (the span is then the ruleset's
    /// `from "FILE"`).
    pub data: Option<Box<DataLocation>>,
}

impl Diagnostic {
    pub fn new(kind: DiagnosticKind, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            kind,
            message: message.into(),
            span,
            labels: Vec::new(),
            hint: None,
            data: None,
        }
    }

    /// Places the problem in a data file (the span stays on the ruleset's `from "FILE"`).
    pub fn in_data_file(mut self, file: impl Into<String>, line: usize, column: usize) -> Self {
        self.data = Some(Box::new(DataLocation {
            file: file.into(),
            line,
            column,
        }));
        self
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a hint only when there is one.
    pub fn with_optional_hint(mut self, hint: Option<String>) -> Self {
        if hint.is_some() {
            self.hint = hint;
        }
        self
    }

    /// Adds a secondary label.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// The JSON shape for tools: kind, code, message, file, line, column, span, labels, hint.
    pub fn to_json(&self, file: &str, source: &str) -> serde_json::Value {
        let LineCol { line, column } = line_col(source, self.span.start);
        let end = line_col(source, self.span.end);
        let labels: Vec<serde_json::Value> = self
            .labels
            .iter()
            .map(|label| {
                let at = line_col(source, label.span.start);
                serde_json::json!({
                    "message": label.message,
                    "line": at.line,
                    "column": at.column,
                    "span": {"start": label.span.start, "end": label.span.end},
                })
            })
            .collect();
        // A problem in a data file is placed there; the ruleset's `from` is kept beside it.
        let (place_file, line, column, end_line, end_column) = match &self.data {
            Some(data) => (
                data.file.as_str(),
                data.line,
                data.column,
                data.line,
                data.column,
            ),
            None => (file, line, column, end.line, end.column),
        };
        let mut json = serde_json::json!({
            "kind": self.kind.as_str(),
            "code": self.kind.code(),
            "message": self.message,
            "file": place_file,
            "line": line,
            "column": column,
            "end_line": end_line,
            "end_column": end_column,
            "span": {"start": self.span.start, "end": self.span.end},
            "labels": labels,
            "hint": self.hint,
        });
        if self.data.is_some()
            && let Some(object) = json.as_object_mut()
        {
            let at = line_col(source, self.span.start);
            object.insert(
                "ruleset".into(),
                serde_json::json!({"file": file, "line": at.line, "column": at.column}),
            );
        }
        json
    }

    /// The line (1-based) where the problem starts.
    pub fn line(&self, source: &str) -> usize {
        line_col(source, self.span.start).line
    }

    /// Renders the diagnostic for people, rustc-style, without colour.
    pub fn render(&self, file: &str, source: &str) -> String {
        let place = self.data.as_ref().map_or(String::new(), |d| {
            format!("{}:{}:{}: ", d.file, d.line, d.column)
        });
        Excerpt {
            level: ExcerptLevel::Error,
            code: self.kind.code(),
            message: format!("{}: {place}{}", self.kind.as_str(), self.message),
            span: self.span,
            note: self.primary_note(),
            labels: &self.labels,
            hint: self.hint.as_deref(),
        }
        .render(file, source)
    }

    fn primary_note(&self) -> String {
        match self.kind {
            DiagnosticKind::UnknownName => "not found in this ruleset".to_string(),
            DiagnosticKind::InvalidData => "in this data file".to_string(),
            _ => self.kind.as_str().replace('_', " "),
        }
    }
}

/// Keeps a span inside the source so rendering never fails on an out-of-range span.
fn clamp(span: Span, source: &str) -> std::ops::Range<usize> {
    let start = span.start.min(source.len());
    let end = span.end.clamp(start, source.len());
    start..end
}

/// Every diagnostic of one file, in source order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Sorts by position (then kind) and drops exact repeats, so output is deterministic.
    pub fn normalized(mut self) -> Self {
        self.0
            .sort_by(|a, b| (a.span, a.kind, &a.message).cmp(&(b.span, b.kind, &b.message)));
        self.0.dedup();
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }

    /// Renders all diagnostics for people.
    pub fn render(&self, file: &str, source: &str) -> String {
        self.0
            .iter()
            .map(|d| d.render(file, source))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// All diagnostics as a JSON array.
    pub fn to_json(&self, file: &str, source: &str) -> serde_json::Value {
        serde_json::Value::Array(self.0.iter().map(|d| d.to_json(file, source)).collect())
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostics {}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// "did you mean `x`?" for the closest candidate by edit distance, when one is close enough.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    closest(name, candidates).map(|c| format!("did you mean `{c}`?"))
}

/// The longest name a suggestion is looked for: the edit distance costs the product of the two
/// lengths, and a name longer than this is no typo of a real one.
pub const MAX_SUGGESTION_NAME: usize = 64;

/// The candidate closest to `name` by edit distance, if it is close enough to be a likely typo.
/// Names longer than [`MAX_SUGGESTION_NAME`] characters get no suggestion, and candidates whose
/// length alone puts them too far are not measured.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let length = name.chars().count();
    if length > MAX_SUGGESTION_NAME {
        return None;
    }
    let limit = (length / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        // The edit distance is at least the difference of the lengths (a character is at
        // most four bytes, so the byte length bounds the count cheaply first).
        .filter(|c| c.len() <= (length + limit) * 4)
        .filter(|c| c.chars().count().abs_diff(length) <= limit)
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_name() {
        let names = ["quantity", "price", "model"];
        assert_eq!(
            did_you_mean("quantty", names),
            Some("did you mean `quantity`?".into())
        );
        assert_eq!(did_you_mean("zzz", names), None);
    }

    #[test]
    fn long_names_get_no_suggestion() {
        let long = "q".repeat(10_000);
        let candidates = [long.as_str(), "quantity"];
        assert_eq!(closest(&format!("{long}x"), candidates), None);
        let near_limit = "a".repeat(MAX_SUGGESTION_NAME);
        assert_eq!(
            closest(&near_limit[1..], [near_limit.as_str()]),
            Some(near_limit.as_str())
        );
    }

    #[test]
    fn renders_a_caret_under_the_span() {
        let src = "ruleset x version \"1.0.0\"\noutput total = quantty * price\n";
        let start = src.find("quantty").unwrap();
        let d = Diagnostic::new(
            DiagnosticKind::UnknownName,
            Span::new(start, start + 7),
            "unknown name `quantty`",
        )
        .with_hint("did you mean `quantity`?");
        let text = d.render("x.ordo", src);
        assert!(text.contains("E0002"), "{text}");
        assert!(
            text.contains("unknown_name: unknown name `quantty`"),
            "{text}"
        );
        assert!(text.contains("did you mean `quantity`?"), "{text}");
        assert!(text.contains("x.ordo:2:16"), "{text}");
        let json = d.to_json("x.ordo", src);
        assert_eq!(json["line"], 2);
        assert_eq!(json["column"], 16);
        assert_eq!(json["kind"], "unknown_name");
    }
}

/// How serious an [`Excerpt`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExcerptLevel {
    Error,
    Warning,
    Note,
}

/// A report on a span of source, rendered rustc-style without colours: how compile diagnostics
/// and lint findings are shown to people.
pub struct Excerpt<'a> {
    pub level: ExcerptLevel,
    /// The stable code or id shown in brackets.
    pub code: &'a str,
    pub message: String,
    pub span: Span,
    /// The note under the caret.
    pub note: String,
    pub labels: &'a [Label],
    pub hint: Option<&'a str>,
}

impl Excerpt<'_> {
    pub fn render(&self, file: &str, source: &str) -> String {
        use ariadne::{Config, Label as AriadneLabel, Report, ReportKind, Source};
        let range = clamp(self.span, source);
        let kind = match self.level {
            ExcerptLevel::Error => ReportKind::Error,
            ExcerptLevel::Warning => ReportKind::Warning,
            ExcerptLevel::Note => ReportKind::Advice,
        };
        let mut report = Report::build(kind, (file, range.clone()))
            .with_config(Config::default().with_color(false))
            .with_code(self.code)
            .with_message(&self.message)
            .with_label(AriadneLabel::new((file, range)).with_message(&self.note));
        for label in self.labels {
            report = report.with_label(
                AriadneLabel::new((file, clamp(label.span, source))).with_message(&label.message),
            );
        }
        if let Some(hint) = self.hint {
            report = report.with_help(hint);
        }
        let mut out = Vec::new();
        if report
            .finish()
            .write((file, Source::from(source)), &mut out)
            .is_err()
        {
            let at = line_col(source, self.span.start);
            return format!("{file}:{}:{}: {}\n", at.line, at.column, self.message);
        }
        String::from_utf8_lossy(&out).into_owned()
    }
}
