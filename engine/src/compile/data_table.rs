//! Lowering a table whose rows are in a data file (spec §21): the rows become constant rows of
//! a [`TableVariant`], the rows of one key together and by `valid_from`, with their validity.
//! Two rows of one key valid on the same day are the compile error `overlap`.

use std::collections::HashMap;
use std::sync::Arc;

use ordo_dsl::ast;
use ordo_dsl::{Diagnostic, DiagnosticKind};

use super::Lowerer;
use super::data_file::{self, Columns, DataRow};
use crate::ir::{Expr, KeyIndex, KeyValue, TableVariant};
use crate::types::Type;
use crate::value::Value;

/// The variant of `decl`, read from its data file; an empty variant when the file is missing
/// or has problems (reported).
pub(super) fn lower(
    l: &mut Lowerer<'_>,
    decl: &ast::TableDecl,
    source: &ast::DataSource,
    key_type: &Type,
    value_type: &Type,
) -> TableVariant {
    let mut variant = TableVariant {
        effective: decl.effective.as_ref().map(|d| d.value),
        rows: Vec::new(),
        index: KeyIndex::default(),
        patterns: Vec::new(),
        default: None,
        validity: Vec::new(),
    };
    let keys: Vec<Type> = match key_type {
        Type::Record(parts) => parts.fields.iter().map(|(_, t)| t.clone()).collect(),
        other => vec![other.clone()],
    };
    if let Some(ty) = keys
        .iter()
        .chain(std::iter::once(value_type))
        .find(|t| !is_cell_type(t))
    {
        let message = format!(
            "a table read from a data file has keys and values of one cell each; `{}` is not one",
            l.show(ty)
        );
        l.error(Diagnostic::new(
            DiagnosticKind::TypeMismatch,
            decl.key_type.span.to(decl.value_type.span),
            message,
        ));
        return variant;
    }
    let Some(text) = l.files.get(&source.path) else {
        l.error(
            Diagnostic::new(
                DiagnosticKind::InvalidData,
                source.span,
                format!("the data file `{}` was not given", source.path),
            )
            .with_hint("the file is read beside the ruleset; hosts that compile from text pass it in `files`"),
        );
        return variant;
    };
    let enums = l.program.enums.clone();
    let show = |ty: &Type| ty.display(&enums).to_string();
    let columns = Columns {
        keys: &keys,
        value: value_type,
        enum_values: |id: u32| enums.get(id as usize).map(|e| e.values.as_slice()),
        show: &show,
    };
    let table = match data_file::read(text, &columns) {
        Ok(table) => table,
        Err(errors) => {
            for e in errors {
                l.error(
                    Diagnostic::new(DiagnosticKind::InvalidData, source.span, e.message)
                        .in_data_file(&source.path, e.line, e.column),
                );
            }
            return variant;
        }
    };
    let composite = matches!(key_type, Type::Record(_));
    let rows = grouped(table.rows);
    check_overlaps(l, source, &rows);
    for row in rows {
        let key = if composite {
            Value::Record(Arc::from(row.key))
        } else {
            row.key.into_iter().next().unwrap_or(Value::None)
        };
        if let Some(k) = KeyValue::of(&key) {
            variant.index.entry(k).or_insert(variant.rows.len());
        }
        if table.dated {
            variant.validity.push((row.valid_from, row.valid_to));
        }
        variant.rows.push((key, Expr::Const(row.value)));
    }
    variant
}

/// Whether a data file's cell can hold a value of `ty`.
fn is_cell_type(ty: &Type) -> bool {
    ty.strip_optional().is_scalar()
}

/// The rows with those of one key together (keys in the order of their first row), each key's
/// by `valid_from` (an open start first), as the lookup needs them.
fn grouped(rows: Vec<DataRow>) -> Vec<DataRow> {
    let mut first_seen: HashMap<Vec<KeyValue>, usize> = HashMap::new();
    let mut keyed: Vec<(usize, DataRow)> = rows
        .into_iter()
        .map(|row| {
            let key: Vec<KeyValue> = row.key.iter().filter_map(KeyValue::of).collect();
            let next = first_seen.len();
            let group = *first_seen.entry(key).or_insert(next);
            (group, row)
        })
        .collect();
    crate::sort::sort_by_key(&mut keyed, |(group, row)| (*group, row.valid_from));
    keyed.into_iter().map(|(_, row)| row).collect()
}

/// Two rows of one key valid on the same day (with no validity columns: two rows of one key).
fn check_overlaps(l: &mut Lowerer<'_>, source: &ast::DataSource, rows: &[DataRow]) {
    for pair in rows.windows(2) {
        let [before, after] = pair else { continue };
        let same_key = before.key.len() == after.key.len()
            && before
                .key
                .iter()
                .zip(&after.key)
                .all(|(a, b)| crate::value::values_equal(a, b));
        // Sorted by `valid_from`: the rows overlap when the earlier one has not ended when the
        // later one starts.
        let overlaps = same_key
            && before
                .valid_to
                .is_none_or(|end| after.valid_from.is_none_or(|s| s < end));
        if overlaps {
            l.error(
                Diagnostic::new(
                    DiagnosticKind::Overlap,
                    source.span,
                    format!(
                        "this row and the row on line {} have the same key and are valid on the same day",
                        before.line
                    ),
                )
                .in_data_file(&source.path, after.line, 1),
            );
        }
    }
}
