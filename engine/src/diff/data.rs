//! Rows of data-file tables added, removed or changed (spec §21): the rules' syntax does not
//! change when only a data file does, so the compiled rows are compared. A row is known by its
//! key and its `valid_from`; it changed when its value or its `valid_to` did.

use std::collections::BTreeMap;

use serde_json::{Value as Json, json};

use crate::ir::display::quoted;
use crate::ir::{Expr, Program};

/// The row changes of one table read from a data file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataChange {
    /// The table's name.
    pub table: String,
    /// The data file its rows are read from.
    pub file: String,
    /// Rows (by key and `valid_from`) only the new version has.
    pub added: usize,
    /// Rows only the old version has.
    pub removed: usize,
    /// Rows whose value or `valid_to` changed.
    pub changed: usize,
}

impl DataChange {
    /// As `{"table", "file", "added", "removed", "changed"}`.
    pub fn to_json(&self) -> Json {
        json!({"table": self.table, "file": self.file, "added": self.added,
               "removed": self.removed, "changed": self.changed})
    }
}

/// Each data row of a program's table `name` as (key and `valid_from`) → (value, `valid_to`),
/// written as text so that two programs' rows compare.
fn rows(program: &Program, name: &str) -> Option<(String, BTreeMap<String, String>)> {
    let table = program.tables.iter().find(|t| t.name == name)?;
    let file = table.source.clone()?;
    let mut out = BTreeMap::new();
    for variant in &table.variants {
        for (i, (key, row)) in variant.rows.iter().enumerate() {
            let (from, to) = variant.validity.get(i).copied().unwrap_or((None, None));
            let value = match row {
                Expr::Const(v) => quoted(program, v),
                other => format!("{other:?}"),
            };
            out.insert(
                format!(
                    "{} from {from:?} ({:?})",
                    quoted(program, key),
                    variant.effective
                ),
                format!("{value} to {to:?}"),
            );
        }
    }
    Some((file, out))
}

/// The tables read from data files in both versions whose rows differ.
pub fn diff(old: &Program, new: &Program) -> Vec<DataChange> {
    let mut out = Vec::new();
    for table in &new.tables {
        let (Some((file, after)), Some((_, before))) =
            (rows(new, &table.name), rows(old, &table.name))
        else {
            continue;
        };
        let added = after.keys().filter(|k| !before.contains_key(*k)).count();
        let removed = before.keys().filter(|k| !after.contains_key(*k)).count();
        let changed = after
            .iter()
            .filter(|(k, v)| before.get(*k).is_some_and(|b| b != *v))
            .count();
        if added + removed + changed > 0 {
            out.push(DataChange {
                table: table.name.clone(),
                file,
                added,
                removed,
                changed,
            });
        }
    }
    out
}
