//! Results to Arrow arrays: one builder per result column, filled from each row's typed
//! [`Evaluation`] (outputs, quote totals and subtotals, violations) with the types of
//! `result_schema()`: the same values the result's JSON gives, without building it. Scalars
//! are read from the engine's values; other outputs (dates, enums, records...) through the
//! JSON of that one output ([`Evaluation::output_json`]).

use std::sync::Arc;

use arrow_array::builder::{
    ArrayBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, DurationSecondBuilder,
    Int64Builder, ListBuilder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, NaiveDate};
use ordo_engine::text::{DECIMAL_TEXT_LEN, decimal_text};
use ordo_engine::{Decimal, EvalError, Evaluation, Value};
use serde_json::Value as Json;

use crate::frame::{Column, Kind, Source};

/// The Arrow type of a result column of kind `kind` (as `ordo._frame._arrow_type`).
fn arrow_type(kind: Kind) -> DataType {
    match kind {
        Kind::Bool => DataType::Boolean,
        Kind::Int => DataType::Int64,
        Kind::Decimal | Kind::Text | Kind::Json => DataType::Utf8,
        Kind::Money(scale) => DataType::Decimal128(38, i8::try_from(scale).unwrap_or(i8::MAX)),
        Kind::Date => DataType::Date32,
        Kind::DateTime => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        Kind::Duration => DataType::Duration(TimeUnit::Second),
        Kind::TextList => text_list(),
    }
}

fn text_list() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

/// The schema of the result: the columns, `valid`, `violations` and the error columns.
pub fn schema(columns: &[Column]) -> SchemaRef {
    let mut fields: Vec<Field> = columns
        .iter()
        .map(|c| Field::new(c.name.as_str(), arrow_type(c.kind), true))
        .collect();
    fields.push(Field::new("valid", DataType::Boolean, true));
    fields.push(Field::new("violations", text_list(), true));
    for name in ["error_kind", "error_path", "error_message"] {
        fields.push(Field::new(name, DataType::Utf8, true));
    }
    Arc::new(Schema::new(fields))
}

/// The builder of one column.
enum Builder {
    Bool(BooleanBuilder),
    Int(Int64Builder),
    Text(StringBuilder),
    Money(Decimal128Builder, u32),
    Date(Date32Builder),
    DateTime(TimestampMicrosecondBuilder),
    Duration(DurationSecondBuilder),
    TextList(ListBuilder<StringBuilder>),
}

/// What went wrong writing a value: the whole call fails with it (an engine result that does
/// not fit its declared column is a bug, not a row's error).
pub type WriteError = String;

impl Builder {
    fn new(kind: Kind, rows: usize) -> Result<Builder, WriteError> {
        Ok(match kind {
            Kind::Bool => Builder::Bool(BooleanBuilder::with_capacity(rows)),
            Kind::Int => Builder::Int(Int64Builder::with_capacity(rows)),
            Kind::Decimal | Kind::Text | Kind::Json => {
                Builder::Text(StringBuilder::with_capacity(rows, rows * 8))
            }
            Kind::Money(scale) => {
                let builder = Decimal128Builder::with_capacity(rows)
                    .with_precision_and_scale(38, i8::try_from(scale).map_err(|e| e.to_string())?)
                    .map_err(|e| e.to_string())?;
                Builder::Money(builder, scale)
            }
            Kind::Date => Builder::Date(Date32Builder::with_capacity(rows)),
            Kind::DateTime => Builder::DateTime(
                TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC"),
            ),
            Kind::Duration => Builder::Duration(DurationSecondBuilder::with_capacity(rows)),
            Kind::TextList => Builder::TextList(ListBuilder::new(StringBuilder::new())),
        })
    }

    fn null(&mut self) {
        match self {
            Builder::Bool(b) => b.append_null(),
            Builder::Int(b) => b.append_null(),
            Builder::Text(b) => b.append_null(),
            Builder::Money(b, _) => b.append_null(),
            Builder::Date(b) => b.append_null(),
            Builder::DateTime(b) => b.append_null(),
            Builder::Duration(b) => b.append_null(),
            Builder::TextList(b) => b.append_null(),
        }
    }

    /// Appends `value` (a result's value of a column of kind `kind`).
    fn push(&mut self, kind: Kind, value: Option<&Json>) -> Result<(), WriteError> {
        let Some(value) = value.filter(|v| !v.is_null()) else {
            self.null();
            return Ok(());
        };
        let wrong = || {
            format!(
                "the result value {value} does not fit its {} column",
                kind.name()
            )
        };
        match self {
            Builder::Bool(b) => b.append_value(value.as_bool().ok_or_else(wrong)?),
            // The engine may write an `Int` as its digits in a string (as `to_python` reads it).
            Builder::Int(b) => b.append_value(json_text(value).parse().map_err(|_| wrong())?),
            Builder::Text(b) => match kind {
                Kind::Json => b.append_value(ordo_engine::to_json_string(value)),
                Kind::Decimal => b.append_value(json_text(value)),
                _ => b.append_value(value.as_str().ok_or_else(wrong)?),
            },
            Builder::Money(b, scale) => {
                b.append_value(scaled(&json_text(value), *scale).ok_or_else(wrong)?)
            }
            Builder::Date(b) => {
                let date = value
                    .as_str()
                    .and_then(|t| ordo_engine::text::parse_date(t).ok())
                    .ok_or_else(wrong)?;
                let days = date.signed_duration_since(NaiveDate::default()).num_days();
                b.append_value(i32::try_from(days).map_err(|_| wrong())?);
            }
            Builder::DateTime(b) => {
                let instant = value
                    .as_str()
                    .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                    .ok_or_else(wrong)?;
                b.append_value(instant.timestamp_micros());
            }
            Builder::Duration(b) => {
                let seconds = value
                    .as_str()
                    .and_then(ordo_engine::text::parse_duration)
                    .ok_or_else(wrong)?;
                b.append_value(seconds);
            }
            Builder::TextList(b) => {
                for item in value.as_array().ok_or_else(wrong)? {
                    match item {
                        Json::Null => b.values().append_null(),
                        other => b.values().append_value(other.as_str().ok_or_else(wrong)?),
                    }
                }
                b.append(true);
            }
        }
        Ok(())
    }

    /// Appends the output `name` of `evaluation` (a column of kind `kind`), as [`Self::push`]
    /// would append its JSON.
    fn push_output(
        &mut self,
        kind: Kind,
        evaluation: &Evaluation<'_>,
        name: &str,
    ) -> Result<(), WriteError> {
        let mut buf = [0u8; DECIMAL_TEXT_LEN];
        match (&mut *self, evaluation.output(name)) {
            (_, None) => self.null(),
            (Builder::Bool(b), Some(Value::Bool(value))) => b.append_value(*value),
            (Builder::Int(b), Some(Value::Number(n))) => {
                let text = decimal_text(*n, &mut buf);
                let value = text
                    .parse()
                    .map_err(|_| format!("the result value {text} does not fit its int column"))?;
                b.append_value(value);
            }
            (Builder::Text(b), Some(Value::Number(n))) if kind == Kind::Decimal => {
                b.append_value(decimal_text(*n, &mut buf));
            }
            (Builder::Text(b), Some(Value::Text(text))) if kind == Kind::Text => {
                b.append_value(text);
            }
            // Everything else (none, enums, dates, lists, records) as the result's JSON has it.
            _ => return self.push(kind, evaluation.output_json(name).as_ref()),
        }
        Ok(())
    }

    /// Appends a quote amount (a total or subtotal; `None` when the quote has none).
    fn push_amount(&mut self, kind: Kind, amount: Option<Decimal>) -> Result<(), WriteError> {
        let Some(amount) = amount else {
            self.null();
            return Ok(());
        };
        let mut buf = [0u8; DECIMAL_TEXT_LEN];
        match self {
            Builder::Money(b, scale) => {
                b.append_value(at_scale(amount, *scale).ok_or_else(|| {
                    format!(
                        "the amount {} does not fit its decimal128 column of scale {scale}",
                        decimal_text(amount, &mut buf)
                    )
                })?)
            }
            Builder::Text(b) => b.append_value(decimal_text(amount, &mut buf)),
            _ => {
                return Err(format!(
                    "a quote amount does not fit its {} column",
                    kind.name()
                ));
            }
        }
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Bool(b) => b.finish_array(),
            Builder::Int(b) => b.finish_array(),
            Builder::Text(b) => b.finish_array(),
            Builder::Money(b, _) => b.finish_array(),
            Builder::Date(b) => b.finish_array(),
            Builder::DateTime(b) => b.finish_array(),
            Builder::Duration(b) => b.finish_array(),
            Builder::TextList(b) => b.finish_array(),
        }
    }
}

/// A finished builder as an `ArrayRef` (the builders' own `finish` returns their typed array).
trait FinishArray {
    fn finish_array(&mut self) -> ArrayRef;
}

impl<B: ArrayBuilder> FinishArray for B {
    fn finish_array(&mut self) -> ArrayRef {
        ArrayBuilder::finish(self)
    }
}

/// A JSON number's digits (or a string's text).
fn json_text(value: &Json) -> String {
    match value {
        Json::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A decimal's text as an integer at `scale` (`12.5` at scale 2 → 1250); `None` when it has
/// more significant fraction digits than the scale keeps, or does not fit.
fn scaled(text: &str, scale: u32) -> Option<i128> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let kept = fraction.trim_end_matches('0');
    let scale = usize::try_from(scale).ok()?;
    if kept.len() > scale || whole.is_empty() && fraction.is_empty() {
        return None;
    }
    if !whole
        .bytes()
        .chain(kept.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let padded = format!("{whole}{kept:0<scale$}");
    let value: i128 = padded.parse().ok()?;
    Some(if negative { -value } else { value })
}

/// An amount as an integer at `scale` (`12.5` at scale 2 → 1250), as [`scaled`] reads its
/// text; `None` when it has more significant fraction digits than the scale keeps, or does not
/// fit.
fn at_scale(amount: Decimal, scale: u32) -> Option<i128> {
    let mantissa = amount.mantissa();
    let own = amount.scale();
    if own <= scale {
        10i128
            .checked_pow(scale - own)
            .and_then(|factor| mantissa.checked_mul(factor))
    } else {
        let divisor = 10i128.checked_pow(own - scale)?;
        (mantissa % divisor == 0).then(|| mantissa / divisor)
    }
}

/// The builders of one share of rows, filled row by row.
pub struct Rows<'c> {
    columns: &'c [Column],
    builders: Vec<Builder>,
    valid: BooleanBuilder,
    violations: ListBuilder<StringBuilder>,
    errors: [StringBuilder; 3],
}

impl<'c> Rows<'c> {
    pub fn new(columns: &'c [Column], rows: usize) -> Result<Rows<'c>, WriteError> {
        Ok(Rows {
            columns,
            builders: columns
                .iter()
                .map(|c| Builder::new(c.kind, rows))
                .collect::<Result<_, _>>()?,
            valid: BooleanBuilder::with_capacity(rows),
            violations: ListBuilder::new(StringBuilder::new()),
            errors: [
                StringBuilder::new(),
                StringBuilder::new(),
                StringBuilder::new(),
            ],
        })
    }

    /// A row that was evaluated.
    pub fn result(&mut self, evaluation: &Evaluation<'_>) -> Result<(), WriteError> {
        for (column, builder) in self.columns.iter().zip(&mut self.builders) {
            match &column.source {
                Source::Output(name, _) => builder.push_output(column.kind, evaluation, name)?,
                Source::Quote { block, subtotal } => {
                    let quote = evaluation.quote(block);
                    let amount = match subtotal {
                        None => quote.and_then(|q| q.total),
                        Some(name) => quote.and_then(|q| {
                            q.subtotals
                                .iter()
                                .find(|(n, _)| &**n == name.as_str())
                                .and_then(|(_, amount)| *amount)
                        }),
                    };
                    builder.push_amount(column.kind, amount)?;
                }
            }
        }
        self.valid.append_value(evaluation.valid());
        for violation in evaluation.violations() {
            self.violations
                .values()
                .append_value(&violation.constraint.id);
        }
        self.violations.append(true);
        for error in &mut self.errors {
            error.append_null();
        }
        Ok(())
    }

    /// A row that failed: every column null but the error columns.
    pub fn failed(&mut self, kind: &str, path: Option<&str>, message: &str) {
        for builder in &mut self.builders {
            builder.null();
        }
        self.valid.append_null();
        self.violations.append_null();
        let [kinds, paths, messages] = &mut self.errors;
        kinds.append_value(kind);
        paths.append_option(path);
        messages.append_value(message);
    }

    /// A row that failed with an engine error.
    pub fn error(&mut self, error: &EvalError) {
        self.failed(error.kind.as_str(), error.path.as_deref(), &error.message);
    }

    /// The rows as a record batch of `schema`.
    pub fn finish(mut self, schema: SchemaRef) -> Result<RecordBatch, WriteError> {
        let mut arrays: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        arrays.push(self.valid.finish_array());
        arrays.push(self.violations.finish_array());
        for error in &mut self.errors {
            arrays.push(error.finish_array());
        }
        RecordBatch::try_new(schema, arrays).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::{Decimal, at_scale, scaled};

    #[test]
    fn amounts_at_a_scale_are_their_texts_scaled() {
        for text in [
            "1166.08", "-3.5", "12", "1.230", "1.234", "0.00", "-0.10", "0", "7.000000",
        ] {
            let amount: Decimal = text.parse().expect("a decimal");
            for scale in [0, 2, 3] {
                assert_eq!(
                    at_scale(amount, scale),
                    scaled(text, scale),
                    "{text} at {scale}"
                );
            }
        }
    }

    #[test]
    fn amounts_take_the_currency_scale() {
        assert_eq!(scaled("1166.08", 2), Some(116_608));
        assert_eq!(scaled("-3.5", 2), Some(-350));
        assert_eq!(scaled("12", 2), Some(1200));
        assert_eq!(scaled("1.230", 2), Some(123));
        assert_eq!(scaled("1.234", 2), None);
        assert_eq!(scaled("abc", 2), None);
    }
}
