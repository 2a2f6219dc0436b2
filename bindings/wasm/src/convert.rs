//! The plain-Rust half of turning JavaScript values into the engine's JSON: which JS numbers
//! may cross, JSON paths for messages, and the options objects. Everything here is unit-tested
//! natively; `js.rs` walks the JS values and calls it.
//!
//! A JS number other than a safe integer may already have lost digits (`0.1 + 0.2`), so the
//! engine never sees one: it is an `invalid_input` error naming the path, and decimals have to
//! be passed as strings. NaN and ±Infinity are refused the same way, where `JSON.stringify`
//! would have turned them into `null` without a word.

use chrono::NaiveDate;
use ordo_engine::text::parse_date;
use ordo_engine::{Approvals, ConfigureRequest, Defaults, ErrorKind, EvalError, EvalOptions};
use serde::Deserialize;
use serde_json::Value as Json;

/// The largest integer a JS number holds exactly (`Number.MAX_SAFE_INTEGER`).
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A JS number as JSON: safe integers pass, every other number is an `invalid_input` error.
pub fn number_to_json(n: f64, path: &str) -> Result<Json, EvalError> {
    if n.is_finite() && n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER {
        // INVARIANT: |n| <= 2^53 - 1 and n is whole, so the conversion is exact.
        let whole = n as i64;
        return Ok(Json::from(whole));
    }
    Err(unsafe_number_error(path, &js_number_text(n)))
}

/// How JavaScript writes a number (`String(n)`) for the cases messages show.
fn js_number_text(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else {
        // Rust's shortest round-trip form, which is what `String(n)` gives for these values
        // (apart from the exponent style of very large or small numbers).
        format!("{n}")
    }
}

/// `path.key`, or `key` at the top.
pub fn join_key(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// `path[index]`.
pub fn join_index(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

fn unsafe_number_error(path: &str, number: &str) -> EvalError {
    let at = if path.is_empty() {
        "the value".to_string()
    } else {
        format!("`{path}`")
    };
    let (message, hint) = match number {
        "NaN" | "Infinity" | "-Infinity" => (
            format!(
                "{at} is the JavaScript number {number}, which is not a number the engine can use"
            ),
            "pass a decimal string such as \"12.50\"".to_string(),
        ),
        _ => (
            format!(
                "{at} is the JavaScript number {number}: only safe integers may be passed as \
                 numbers, because other numbers may already have lost digits"
            ),
            format!("pass decimals as strings: \"{number}\""),
        ),
    };
    let error = if path.is_empty() {
        EvalError::new(ErrorKind::InvalidInput, message)
    } else {
        EvalError::at_path(ErrorKind::InvalidInput, path, message)
    };
    error.with_hint(hint)
}

/// The options of `evaluate` and `evaluateJson` as JavaScript passes them.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JsEvalOptions {
    /// `"YYYY-MM-DD"`.
    pub as_of: Option<String>,
    pub trace: Option<bool>,
    /// Only names `approvals` among the known options (for serde's unknown-option message):
    /// [`JsEvalOptions::from_json`] takes the value out before serde reads the rest.
    #[serde(rename = "approvals")]
    #[expect(
        dead_code,
        reason = "it is there for serde's list of the known options"
    )]
    approvals_named: Option<serde::de::IgnoredAny>,
    #[serde(skip)]
    pub approvals: Option<Json>,
    /// The instant `now`, RFC 3339 (spec §23).
    pub at: Option<String>,
}

/// The options of `configure` as JavaScript passes them.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JsConfigureOptions {
    /// `"YYYY-MM-DD"`.
    pub as_of: Option<String>,
    /// Whether the partial input is to be treated as complete (spec §18 `complete`).
    pub complete: Option<bool>,
    /// `"unknown"` (the default) or `"apply"`: what unset fields count as for outputs and prices.
    pub defaults: Option<String>,
    /// Input paths that are context, not choices: not offered as options.
    pub context: Option<Vec<String>>,
}

/// Reads an options object (`null` when JavaScript passed none).
pub fn options_from_json<T>(value: Json) -> Result<T, EvalError>
where
    T: Default + for<'de> Deserialize<'de>,
{
    if value.is_null() {
        return Ok(T::default());
    }
    serde_json::from_value(value).map_err(|e| {
        EvalError::new(
            ErrorKind::InvalidRequest,
            format!("the options are not valid: {e}"),
        )
    })
}

impl JsEvalOptions {
    /// Reads the options (`null` when JavaScript passed none). `approvals` is taken as it is:
    /// read again through serde_json's `Value` deserializer, a number beyond 128 bits (a
    /// `BigInt`) that a float writes exactly would come back as that float (`1e40`), where the
    /// other hosts keep its digits; and that reading would bring float parsing into the module.
    pub fn from_json(mut value: Json) -> Result<JsEvalOptions, EvalError> {
        // `shift_remove` keeps the order of the other options, so that serde reports the same
        // unknown option first.
        let approvals = value
            .as_object_mut()
            .and_then(|options| options.shift_remove("approvals"))
            .filter(|approvals| !approvals.is_null());
        let mut options: JsEvalOptions = options_from_json(value)?;
        options.approvals = approvals;
        Ok(options)
    }

    /// The engine's options; a malformed `asOf` is an `invalid_request` error.
    pub fn into_engine(self) -> Result<EvalOptions, EvalError> {
        Ok(EvalOptions {
            as_of: self.as_of.as_deref().map(parse_as_of).transpose()?,
            trace: self.trace.unwrap_or(false),
            approvals: self
                .approvals
                .as_ref()
                .map(Approvals::from_json)
                .transpose()?,
            at: self
                .at
                .as_deref()
                .map(ordo_engine::text::parse_datetime)
                .transpose()?,
        })
    }
}

impl JsConfigureOptions {
    /// The configure request of spec §18 for this partial input.
    pub fn into_request(self, partial: Json) -> Result<ConfigureRequest, EvalError> {
        Ok(ConfigureRequest {
            input: partial,
            as_of: self.as_of.as_deref().map(parse_as_of).transpose()?,
            complete: self.complete.unwrap_or(false),
            defaults: self
                .defaults
                .as_deref()
                .map(Defaults::parse)
                .transpose()?
                .unwrap_or_default(),
            context: self.context.unwrap_or_default(),
        })
    }
}

fn parse_as_of(text: &str) -> Result<NaiveDate, EvalError> {
    parse_date(text).map_err(|mut e| {
        e.kind = ErrorKind::InvalidRequest;
        e.message = format!("`asOf` must be a date \"YYYY-MM-DD\": {}", e.message);
        e
    })
}

#[cfg(test)]
mod tests;
