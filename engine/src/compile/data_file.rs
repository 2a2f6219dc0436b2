//! Tables read from data files (spec §21): `table contract_price: (Text, Model) -> Decimal from
//! "contracts.csv"`. A data file is CSV (RFC 4180, UTF-8, a header row): the key columns in
//! order, then the value column, then optionally `valid_from` and `valid_to` (dates; `valid_to`
//! exclusive; an empty cell is open). Cells are read with the declared types' input rules, so a
//! cell means what the same text means in a JSON input.
//!
//! Every problem is reported with the file's name, line and column, and reading goes on after
//! one, so a file's problems come together (up to [`MAX_ERRORS`] per file).

use chrono::NaiveDate;

use crate::scalar;
use crate::types::{EnumId, Type};
use crate::value::Value;

/// At most this many problems are reported per data file: a file in the wrong format would
/// otherwise give one per row.
pub const MAX_ERRORS: usize = 20;

/// One row of a data file, read.
#[derive(Debug, Clone)]
pub(super) struct DataRow {
    /// One value per key column.
    pub key: Vec<Value>,
    pub value: Value,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    /// The row's line in the file (1-based).
    pub line: usize,
}

/// A problem in a data file at a line and column (1-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct DataError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A data file's rows and whether it has validity columns.
pub(super) struct DataTable {
    pub rows: Vec<DataRow>,
    pub dated: bool,
}

/// What a data file is read against: the key columns' and the value's types, and the names of
/// the enums' values.
pub(super) struct Columns<'a, F> {
    pub keys: &'a [Type],
    pub value: &'a Type,
    pub enum_values: F,
    /// How a type is shown in messages.
    pub show: &'a dyn Fn(&Type) -> String,
}

/// Reads a data file's rows, or every problem found (at most [`MAX_ERRORS`]).
pub(super) fn read<'e, F>(text: &str, columns: &Columns<'_, F>) -> Result<DataTable, Vec<DataError>>
where
    F: Fn(EnumId) -> Option<&'e [String]>,
{
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let width = columns.keys.len() + 1;
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(e)) => return Err(vec![csv_error(&e)]),
        None => {
            return Err(vec![DataError {
                line: 1,
                column: 1,
                message: format!(
                    "the file is empty: a header row with {width} columns is expected"
                ),
            }]);
        }
    };
    let dated = check_header(&header, width)?;
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    for record in records {
        if errors.len() >= MAX_ERRORS {
            break;
        }
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                errors.push(csv_error(&e));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line() as usize);
        let start = record.position().map_or(0, |p| p.byte() as usize);
        let expected = if dated { width + 2 } else { width };
        if record.len() != expected {
            errors.push(DataError {
                line,
                column: 1,
                message: format!(
                    "this row has {} cells; the header has {expected}",
                    record.len()
                ),
            });
            continue;
        }
        let cell_error = |index: usize, message: String| DataError {
            line,
            column: cell_column(text, start, index),
            message,
        };
        let mut key = Vec::with_capacity(columns.keys.len());
        let mut bad = false;
        for (index, (cell, ty)) in record.iter().zip(columns.keys).enumerate() {
            match read_cell(cell, ty, columns) {
                Ok(value) => key.push(value),
                Err(message) => {
                    errors.push(cell_error(index, message));
                    bad = true;
                }
            }
        }
        let value_cell = record.get(width - 1).unwrap_or_default();
        let value = match read_cell(value_cell, columns.value, columns) {
            Ok(value) => value,
            Err(message) => {
                errors.push(cell_error(width - 1, message));
                continue;
            }
        };
        let (mut valid_from, mut valid_to) = (None, None);
        if dated {
            for (offset, slot) in [(0, &mut valid_from), (1, &mut valid_to)] {
                let cell = record.get(width + offset).unwrap_or_default();
                match read_date(cell) {
                    Ok(date) => *slot = date,
                    Err(message) => {
                        errors.push(cell_error(width + offset, message));
                        bad = true;
                    }
                }
            }
            if let (Some(from), Some(to)) = (valid_from, valid_to)
                && to <= from
            {
                errors.push(cell_error(
                    width + 1,
                    format!("`valid_to` {to} is not after `valid_from` {from}"),
                ));
                bad = true;
            }
        }
        if !bad {
            rows.push(DataRow {
                key,
                value,
                valid_from,
                valid_to,
                line,
            });
        }
    }
    if errors.is_empty() {
        Ok(DataTable { rows, dated })
    } else {
        errors.truncate(MAX_ERRORS);
        Err(errors)
    }
}

/// Checks the header's width and names; whether it has the validity columns.
fn check_header(header: &csv::StringRecord, width: usize) -> Result<bool, Vec<DataError>> {
    let names: Vec<&str> = header.iter().map(str::trim).collect();
    if names.len() == width {
        return Ok(false);
    }
    let validity = names.get(width..).unwrap_or_default();
    if names.len() == width + 2 && validity == ["valid_from", "valid_to"] {
        return Ok(true);
    }
    Err(vec![DataError {
        line: 1,
        column: 1,
        message: format!(
            "the header has {} columns: {width} are expected ({} then the value), and optionally \
             `valid_from`, `valid_to`",
            names.len(),
            if width == 2 {
                "the key".to_string()
            } else {
                format!("the {} key columns", width - 1)
            }
        ),
    }])
}

/// A cell as a value of `ty`, by the input rules; an empty cell is `none` for an optional type
/// and an empty text for `Text`.
fn read_cell<'e, F>(cell: &str, ty: &Type, columns: &Columns<'_, F>) -> Result<Value, String>
where
    F: Fn(EnumId) -> Option<&'e [String]>,
{
    if cell.is_empty() && ty.is_optional() {
        return Ok(Value::None);
    }
    let inner = ty.strip_optional();
    let value = match inner {
        Type::Bool => match cell {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        Type::Int | Type::Decimal | Type::Percent => scalar::number(inner, cell),
        _ => scalar::text_scalar(inner, cell, &columns.enum_values),
    };
    value.ok_or_else(|| {
        let found = if cell.is_empty() {
            "an empty cell".to_string()
        } else {
            format!("`{cell}`")
        };
        let expected = match inner {
            Type::Enum(id) => match (columns.enum_values)(*id) {
                Some(values) => format!("one of {}", values.join(", ")),
                None => (columns.show)(inner),
            },
            Type::Int => "a whole number".to_string(),
            Type::Decimal | Type::Percent => match ordo_dsl::decimal::decimal_misfit(cell) {
                Some(misfit) => format!("a number that fits a decimal ({misfit})"),
                None => "a number".to_string(),
            },
            Type::Date => "a date (YYYY-MM-DD)".to_string(),
            Type::DateTime => "an RFC 3339 date-time".to_string(),
            Type::Duration => "an ISO 8601 duration (P2D, PT12H)".to_string(),
            other => (columns.show)(other),
        };
        format!("{found} is not {expected}")
    })
}

/// A validity cell: a date, or empty (open).
fn read_date(cell: &str) -> Result<Option<NaiveDate>, String> {
    if cell.trim().is_empty() {
        return Ok(None);
    }
    crate::date_text::read(cell.trim())
        .map(Some)
        .ok_or_else(|| format!("`{cell}` is not a date (YYYY-MM-DD)"))
}

/// The 1-based column (in characters) where cell `index` of the record starting at byte
/// `start` begins: commas inside quotes do not separate cells.
fn cell_column(text: &str, start: usize, index: usize) -> usize {
    let Some(rest) = text.get(start..) else {
        return 1;
    };
    let mut cells = 0;
    let mut quoted = false;
    for (column, c) in rest.chars().enumerate() {
        if cells == index {
            return column + 1;
        }
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => cells += 1,
            '\n' if !quoted => break,
            _ => {}
        }
    }
    1
}

fn csv_error(error: &csv::Error) -> DataError {
    let line = error.position().map_or(1, |p| p.line() as usize);
    let message = match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "the file is not UTF-8".to_string(),
        _ => format!("the file is not valid CSV: {error}"),
    };
    DataError {
        line,
        column: 1,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(ty: &Type) -> String {
        format!("{ty:?}")
    }

    fn read_text(text: &str, keys: &[Type], value: &Type) -> Result<DataTable, Vec<DataError>> {
        let values = vec!["c10".to_string(), "c20".to_string()];
        let columns = Columns {
            keys,
            value,
            enum_values: |_| Some(values.as_slice()),
            show: &show,
        };
        read(text, &columns)
    }

    #[test]
    fn reads_keys_values_and_validity() {
        let table = read_text(
            "customer,model,price,valid_from,valid_to\nC-1,c20,200.00,2026-01-01,2026-07-01\nC-2,c10,90.00,,\n",
            &[Type::Text, Type::Enum(0)],
            &Type::Decimal,
        )
        .unwrap();
        assert!(table.dated);
        assert_eq!(table.rows.len(), 2);
        assert_eq!(
            table.rows[0].key,
            vec![Value::text("C-1"), Value::Enum(0, 1)]
        );
        assert_eq!(table.rows[0].line, 2);
        assert_eq!(table.rows[1].valid_from, None);
        assert_eq!(table.rows[0].valid_to, NaiveDate::from_ymd_opt(2026, 7, 1));
    }

    #[test]
    fn a_bad_cell_has_its_line_and_column() {
        let errors = read_text(
            "customer,model,price\nC-1,c20,200.00\n\"C,2\",c30,abc\n",
            &[Type::Text, Type::Enum(0)],
            &Type::Decimal,
        )
        .err()
        .unwrap();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!((errors[0].line, errors[0].column), (3, 7));
        assert!(errors[0].message.contains("one of c10, c20"), "{errors:?}");
        assert_eq!((errors[1].line, errors[1].column), (3, 11));
    }

    #[test]
    fn headers_and_widths_are_checked() {
        let e = read_text("a,b\n", &[Type::Text], &Type::Decimal).map(|_| ());
        assert!(e.is_ok());
        let e = read_text("a,b,c\n", &[Type::Text], &Type::Decimal)
            .err()
            .unwrap();
        assert!(e[0].message.contains("header has 3 columns"), "{e:?}");
        let e = read_text("a,b\nx\n", &[Type::Text], &Type::Decimal)
            .err()
            .unwrap();
        assert_eq!(e[0].line, 2);
        let e = read_text("", &[Type::Text], &Type::Decimal).err().unwrap();
        assert!(e[0].message.contains("empty"), "{e:?}");
    }

    #[test]
    fn validity_must_end_after_it_starts() {
        let e = read_text(
            "k,v,valid_from,valid_to\nx,1,2026-02-01,2026-01-01\n",
            &[Type::Text],
            &Type::Int,
        )
        .err()
        .unwrap();
        assert!(e[0].message.contains("not after"), "{e:?}");
    }
}
