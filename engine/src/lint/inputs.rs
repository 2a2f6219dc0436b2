//! Input fields that are easy to send wrong: a `Percent` without a range. A percent is read as
//! a decimal fraction (`"0.05"` is 5 %), so a host that sends `5` meaning 5 % sends 500 %; a
//! range (`in 0%..100%`) turns that mistake into an `invalid_input` error. Fields inside the
//! named record types the input uses (list elements too) are checked where the type is
//! declared, once.

use std::collections::BTreeSet;

use ordo_dsl::ast::{FieldDecl, Item, RefinementKind, Ruleset as Ast, TypeExpr, TypeExprKind};

use super::{Finding, Level};

pub fn check(ast: &Ast, findings: &mut Vec<Finding>) {
    let mut walk = Walk {
        ast,
        types_seen: BTreeSet::new(),
        findings,
    };
    for item in &ast.items {
        if let Item::Input(input) = item {
            walk.fields(&input.fields, "");
        }
    }
}

struct Walk<'a> {
    ast: &'a Ast,
    /// The named types already checked (each is reported once, where it is declared).
    types_seen: BTreeSet<String>,
    findings: &'a mut Vec<Finding>,
}

impl Walk<'_> {
    fn fields(&mut self, fields: &[FieldDecl], prefix: &str) {
        for field in fields {
            let path = format!("{prefix}{}", field.name.name);
            let bounded = field.refinements.iter().any(|r| {
                matches!(
                    r.kind,
                    RefinementKind::Range { .. } | RefinementKind::Compare { .. }
                )
            });
            if is_percent(&field.ty) && !bounded {
                self.findings.push(Finding {
                    id: "input.unbounded_percent",
                    level: Level::Warning,
                    rule: path.clone(),
                    message: format!(
                        "the Percent input `{path}` has no range: it is read as a fraction, so \
                         a rate sent as `5` (meaning 5 %) is 500 %; refine it, e.g. \
                         `{}: Percent in 0%..100%`",
                        field.name.name
                    ),
                    span: field.name.span,
                    example: None,
                });
            }
            self.nested(&field.ty, &path);
        }
    }

    /// The fields of a record type, written in place or named.
    fn nested(&mut self, ty: &TypeExpr, path: &str) {
        match &ty.kind {
            TypeExprKind::Record(fields) => self.fields(fields, &format!("{path}.")),
            TypeExprKind::List(inner) | TypeExprKind::Optional(inner) => self.nested(inner, path),
            TypeExprKind::Named(name) => {
                if !self.types_seen.insert(name.name.clone()) {
                    return;
                }
                let ast = self.ast;
                let declared = ast.items.iter().find_map(|i| match i {
                    Item::Type(d) if d.name.name == name.name => Some(&d.ty),
                    _ => None,
                });
                if let Some(declared) = declared {
                    // Reported under the type's name: the fields belong to it, wherever used.
                    self.nested(declared, &name.name);
                }
            }
            TypeExprKind::Set(_) | TypeExprKind::Tuple(_) => {}
        }
    }
}

/// `Percent` or `Percent?`.
fn is_percent(ty: &TypeExpr) -> bool {
    match &ty.kind {
        TypeExprKind::Named(name) => name.name == "Percent",
        TypeExprKind::Optional(inner) => is_percent(inner),
        _ => false,
    }
}
