//! Input schema changes, and whether each one can make an old input fail.

use serde_json::{Value as Json, json};

use crate::ir::{InputField, Program};
use crate::types::Type;

/// One change of the input schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaChange {
    /// The field's dotted path.
    pub path: String,
    /// `added`, `removed`, `type_changed`, `became_required`, `became_optional`,
    /// `default_changed`, `values_added`, `values_removed`.
    pub change: &'static str,
    /// The old type, default or removed enum values, as text, where the change has a before.
    pub before: Option<String>,
    /// The new type, default or added enum values, as text, where the change has an after.
    pub after: Option<String>,
    /// An input that was valid before may be refused now.
    pub breaking: bool,
}

impl SchemaChange {
    /// As `{"path", "change", "before", "after", "breaking"}`.
    pub fn to_json(&self) -> Json {
        json!({"path": self.path, "change": self.change, "before": self.before, "after": self.after, "breaking": self.breaking})
    }

    /// One line for people, prefixed `BREAKING` when breaking:
    /// ``BREAKING removed `quantity` (was Int)``.
    pub fn describe(&self) -> String {
        let mark = if self.breaking { "BREAKING " } else { "" };
        let detail = match (&self.before, &self.after) {
            (Some(b), Some(a)) => format!(": {b} → {a}"),
            (Some(b), None) => format!(" (was {b})"),
            (None, Some(a)) => format!(" ({a})"),
            (None, None) => String::new(),
        };
        format!(
            "{mark}{} `{}`{detail}",
            self.change.replace('_', " "),
            self.path
        )
    }
}

/// Every change between the two input schemas, in the new schema's order (removed fields
/// after the fields of their level).
pub fn diff(old: &Program, new: &Program) -> Vec<SchemaChange> {
    let mut out = Vec::new();
    level(old, &old.input.fields, new, &new.input.fields, "", &mut out);
    out
}

fn required(field: &InputField) -> bool {
    field.default.is_none() && !field.ty.is_optional() && !all_fields_fillable(field)
}

fn all_fields_fillable(field: &InputField) -> bool {
    matches!(field.ty, Type::Record(_)) && field.fields.iter().all(|f| !required(f))
}

fn level(
    old: &Program,
    old_fields: &[InputField],
    new: &Program,
    new_fields: &[InputField],
    prefix: &str,
    out: &mut Vec<SchemaChange>,
) {
    let path = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}.{name}")
        }
    };
    let show = |p: &Program, t: &Type| t.display(&p.enums).to_string();
    for field in new_fields {
        let Some(before) = old_fields.iter().find(|f| f.name == field.name) else {
            out.push(SchemaChange {
                path: path(&field.name),
                change: "added",
                before: None,
                after: Some(show(new, &field.ty)),
                breaking: required(field),
            });
            continue;
        };
        let p = path(&field.name);
        let (old_base, new_base) = (before.ty.strip_optional(), field.ty.strip_optional());
        let (old_ty, new_ty) = (show(old, old_base), show(new, new_base));
        match (old_base, new_base) {
            (Type::Record(_), Type::Record(_)) => {
                level(old, &before.fields, new, &field.fields, &p, out)
            }
            (Type::Enum(a), Type::Enum(b)) | (Type::Set(a), Type::Set(b)) => {
                enum_values(old, *a, new, *b, &p, &old_ty, &new_ty, out);
            }
            _ if old_ty == new_ty => {}
            _ => out.push(SchemaChange {
                path: p.clone(),
                change: "type_changed",
                before: Some(old_ty),
                after: Some(new_ty),
                // Int widens to Decimal: old inputs still read.
                breaking: !old_base.fits(new_base),
            }),
        }
        match (required(before), required(field)) {
            (false, true) => out.push(SchemaChange {
                path: p.clone(),
                change: "became_required",
                before: None,
                after: None,
                breaking: true,
            }),
            (true, false) => out.push(SchemaChange {
                path: p.clone(),
                change: "became_optional",
                before: None,
                after: None,
                breaking: false,
            }),
            _ => {}
        }
        let default =
            |p: &Program, f: &InputField| f.default.as_ref().map(|d| crate::ir::display(p, d));
        let (old_default, new_default) = (default(old, before), default(new, field));
        if old_default != new_default && old_default.is_some() && new_default.is_some() {
            out.push(SchemaChange {
                path: p,
                change: "default_changed",
                before: old_default,
                after: new_default,
                breaking: false,
            });
        }
    }
    for field in old_fields
        .iter()
        .filter(|f| !new_fields.iter().any(|n| n.name == f.name))
    {
        out.push(SchemaChange {
            path: path(&field.name),
            change: "removed",
            before: Some(show(old, &field.ty)),
            after: None,
            breaking: true,
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn enum_values(
    old: &Program,
    a: u32,
    new: &Program,
    b: u32,
    path: &str,
    old_ty: &str,
    new_ty: &str,
    out: &mut Vec<SchemaChange>,
) {
    let values = |p: &Program, e: u32| {
        p.enums
            .get(e as usize)
            .map(|d| d.values.clone())
            .unwrap_or_default()
    };
    let (before, after) = (values(old, a), values(new, b));
    if old_ty != new_ty {
        // A different enum: compatible only if it still has every old value.
        let breaking = !before.iter().all(|v| after.contains(v));
        out.push(SchemaChange {
            path: path.into(),
            change: "type_changed",
            before: Some(old_ty.into()),
            after: Some(new_ty.into()),
            breaking,
        });
        return;
    }
    let removed: Vec<&str> = before
        .iter()
        .filter(|v| !after.contains(v))
        .map(String::as_str)
        .collect();
    let added: Vec<&str> = after
        .iter()
        .filter(|v| !before.contains(v))
        .map(String::as_str)
        .collect();
    if !removed.is_empty() {
        out.push(SchemaChange {
            path: path.into(),
            change: "values_removed",
            before: Some(removed.join(", ")),
            after: None,
            breaking: true,
        });
    }
    if !added.is_empty() {
        out.push(SchemaChange {
            path: path.into(),
            change: "values_added",
            before: None,
            after: Some(added.join(", ")),
            breaking: false,
        });
    }
}
