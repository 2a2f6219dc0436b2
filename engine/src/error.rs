//! Run-time errors (spec §17): a stable kind, a message for people, and where it applies the
//! JSON path of the bad input or the id of the rule that failed.

use std::fmt;

use serde::Serialize;

/// The stable kinds of run-time errors. Tools match on `as_str()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A required input field is absent.
    MissingInput,
    /// An input value of the wrong type, or an unknown enum value.
    InvalidInput,
    /// An input field the schema does not declare.
    UnknownField,
    /// No row of a decision table matched.
    NoMatch,
    /// Several rows of a `unique` (or disagreeing rows of an `any`) decision table matched.
    MultipleMatches,
    /// A table lookup with a key the table lacks and no `_` row.
    MissingKey,
    /// A quantity outside every band.
    OutOfBands,
    /// A division by zero.
    DivisionByZero,
    /// A result out of range: a decimal beyond 28 significant digits, a duration beyond its
    /// range, or values nested too deeply.
    Overflow,
    /// A workflow transition that may not be applied.
    Transition,
    /// A currency code that is not in ISO 4217.
    UnknownCurrency,
    /// A rule needs `as_of` and the host gave none (and the version has no `effective` date).
    MissingAsOf,
    /// A value that is out of range for the operation (a fractional day count, a date past
    /// year 9999, a negative amount where none is allowed, ...).
    InvalidValue,
    /// A malformed request (bad JSON, unknown workflow/state/role, malformed approvals or event).
    InvalidRequest,
    /// A list position outside the list (`xs[5]` of three elements).
    IndexOutOfRange,
    /// Two elements of a keyed price `for` with the same key: line ids must be unique.
    DuplicateKey,
    /// The engine failed where it should not, through no fault of the input or the request
    /// (a compiled ruleset that cannot be serialised to an artifact). It is a bug to report.
    Internal,
}

impl ErrorKind {
    /// The stable name of the kind (`missing_input`, `no_match`, ..., `internal`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::MissingInput => "missing_input",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::UnknownField => "unknown_field",
            ErrorKind::NoMatch => "no_match",
            ErrorKind::MultipleMatches => "multiple_matches",
            ErrorKind::MissingKey => "missing_key",
            ErrorKind::OutOfBands => "out_of_bands",
            ErrorKind::DivisionByZero => "division_by_zero",
            ErrorKind::Overflow => "overflow",
            ErrorKind::Transition => "transition",
            ErrorKind::UnknownCurrency => "unknown_currency",
            ErrorKind::MissingAsOf => "missing_as_of",
            ErrorKind::InvalidValue => "invalid_value",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::IndexOutOfRange => "index_out_of_range",
            ErrorKind::DuplicateKey => "duplicate_key",
            ErrorKind::Internal => "internal",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error during evaluation or while reading the input. Evaluation stops at the first one:
/// a result is complete or it is not given at all.
///
/// The details live behind one pointer, so a `Result` of a value and an error stays as small as
/// the value: evaluation passes results up every level of an expression, and errors are rare.
/// The fields read and write through `Deref` (`error.kind`, `error.message`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error(transparent)]
#[serde(transparent)]
pub struct EvalError(Box<ErrorDetails>);

/// What an [`EvalError`] says.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{kind}: {message}")]
pub struct ErrorDetails {
    pub kind: ErrorKind,
    pub message: String,
    /// The JSON path of the offending input (`customer.country`, `extras[1]`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The id of the rule (table, decision, bands, constraint, line...) that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// A suggestion ("did you mean `quantity`?", "allowed: p100, p200, p300").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
    /// Further input problems found in the same input, after this one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub more: Vec<EvalError>,
}

impl std::ops::Deref for EvalError {
    type Target = ErrorDetails;

    fn deref(&self) -> &ErrorDetails {
        &self.0
    }
}

impl std::ops::DerefMut for EvalError {
    fn deref_mut(&mut self) -> &mut ErrorDetails {
        &mut self.0
    }
}

impl From<ErrorDetails> for EvalError {
    fn from(details: ErrorDetails) -> Self {
        EvalError(Box::new(details))
    }
}

impl EvalError {
    /// An error with neither an input path nor a rule.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        EvalError::from(ErrorDetails {
            kind,
            message: message.into(),
            path: None,
            rule: None,
            hint: None,
            more: Vec::new(),
        })
    }

    /// An error about the input value at `path`.
    pub fn at_path(kind: ErrorKind, path: impl Into<String>, message: impl Into<String>) -> Self {
        let mut error = EvalError::new(kind, message);
        error.path = Some(path.into());
        error
    }

    /// An error raised by the rule `rule`.
    pub fn in_rule(kind: ErrorKind, rule: impl Into<String>, message: impl Into<String>) -> Self {
        let mut error = EvalError::new(kind, message);
        error.rule = Some(rule.into());
        error
    }

    /// The details, owned (to move the message or the follow-up errors out).
    pub fn into_details(self) -> ErrorDetails {
        *self.0
    }

    /// Names the rule where the error happened, unless a more precise one is already named.
    pub fn or_rule(mut self, rule: &str) -> Self {
        if self.rule.is_none() && self.path.is_none() {
            self.rule = Some(rule.to_string());
        }
        self
    }

    /// Adds a suggestion, replacing any earlier one.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The error for people: the message, then where and the hint.
    pub fn render(&self) -> String {
        let mut out = format!("error[{}]: {}", self.kind, self.message);
        match self.path.as_deref() {
            // The empty path is the input itself.
            Some("") => out.push_str("\n  at the input's root"),
            Some(path) => out.push_str(&format!("\n  at input `{path}`")),
            None => {}
        }
        if let Some(rule) = &self.rule {
            out.push_str(&format!("\n  in rule `{rule}`"));
        }
        if let Some(hint) = &self.hint {
            out.push_str(&format!("\n  help: {hint}"));
        }
        for more in &self.more {
            out.push('\n');
            out.push_str(&more.render());
        }
        out
    }
}

/// Shorthand for results of evaluation.
pub type EvalResult<T> = Result<T, EvalError>;
