//! Declarations nothing reads: inputs, lets, tables, bands, decisions and functions that no
//! output, constraint, price block, approval, workflow or trigger uses (directly or through
//! other values and function calls), and enum values never written anywhere in the rules or
//! their tests.

use std::collections::BTreeSet;

use ordo_dsl::ast::{FieldDecl, Item, Ruleset as Ast, TypeExprKind};

use super::refs::{Declaration, declarations};
use super::{Finding, Level};
use crate::ir::Program;

/// Kinds whose declarations are what a ruleset is for: they are always "used".
const ROOTS: [&str; 6] = [
    "output",
    "constraint",
    "price",
    "approval",
    "workflow",
    "trigger",
];
/// Kinds that are only useful when read.
const VALUES: [&str; 6] = ["let", "table", "bands", "decision", "price", "fn"];

pub fn check(_program: &Program, ast: &Ast, findings: &mut Vec<Finding>) {
    let decls = declarations(ast);
    let reachable = reachable(&decls);
    for (i, d) in decls.iter().enumerate() {
        if VALUES.contains(&d.kind) && !ROOTS.contains(&d.kind) && !reachable.contains(&i) {
            findings.push(Finding {
                id: match d.kind {
                    "table" => "unused.table",
                    "bands" => "unused.bands",
                    "decision" => "unused.decision",
                    "fn" => "unused.fn",
                    _ => "unused.let",
                },
                level: Level::Warning,
                rule: d.name.clone(),
                message: format!(
                    "{} `{}` is never used by an output, constraint, price, approval, workflow or trigger",
                    if d.kind == "fn" { "function" } else { d.kind },
                    d.name
                ),
                span: d.span,
                example: None,
            });
        }
    }
    let mut names = BTreeSet::new();
    let mut paths = BTreeSet::new();
    for i in &reachable {
        if let Some(d) = decls.get(*i) {
            names.extend(d.names.iter().cloned());
            paths.extend(d.paths.iter().cloned());
        }
    }
    for item in &ast.items {
        if let Item::Input(input) = item {
            unused_inputs(&input.fields, "", &names, &paths, findings);
        }
    }
    enum_values(ast, &decls, findings);
}

/// Indexes of the declarations reachable from the roots through the names they read.
fn reachable(decls: &[Declaration]) -> BTreeSet<usize> {
    let mut seen: BTreeSet<usize> = decls
        .iter()
        .enumerate()
        .filter(|(_, d)| ROOTS.contains(&d.kind))
        .map(|(i, _)| i)
        .collect();
    let mut stack: Vec<usize> = seen.iter().copied().collect();
    while let Some(i) = stack.pop() {
        let Some(d) = decls.get(i) else { continue };
        for (j, other) in decls.iter().enumerate() {
            if VALUES.contains(&other.kind) && d.names.contains(&other.name) && seen.insert(j) {
                stack.push(j);
            }
        }
    }
    seen
}

fn unused_inputs(
    fields: &[FieldDecl],
    prefix: &str,
    names: &BTreeSet<String>,
    paths: &BTreeSet<String>,
    findings: &mut Vec<Finding>,
) {
    for field in fields {
        let path = if prefix.is_empty() {
            field.name.name.clone()
        } else {
            format!("{prefix}.{}", field.name.name)
        };
        let read = if prefix.is_empty() {
            names.contains(&path)
        } else {
            paths
                .iter()
                .any(|p| p == &path || p.starts_with(&format!("{path}.")))
        };
        // A record read only field by field: look at each field. A record passed whole (no
        // field read anywhere) counts as reading all of it.
        let fields_read = paths.iter().any(|p| p.starts_with(&format!("{path}.")));
        match (&field.ty.kind, read) {
            (TypeExprKind::Record(children), true) if fields_read => {
                unused_inputs(children, &path, names, paths, findings)
            }
            (_, true) => {}
            (_, false) => findings.push(Finding {
                id: "unused.input",
                level: Level::Warning,
                rule: path.clone(),
                message: format!("the input `{path}` is never read by the rules"),
                span: field.name.span,
                example: None,
            }),
        }
    }
}

fn enum_values(ast: &Ast, decls: &[Declaration], findings: &mut Vec<Finding>) {
    let mut written: BTreeSet<&str> = BTreeSet::new();
    for d in decls {
        written.extend(d.names.iter().map(String::as_str));
        written.extend(d.paths.iter().filter_map(|p| p.rsplit('.').next()));
    }
    for item in &ast.items {
        let Item::Enum(e) = item else { continue };
        for value in &e.values {
            if !written.contains(value.name.as_str()) {
                findings.push(Finding {
                    id: "unused.enum_value",
                    level: Level::Info,
                    rule: format!("{}.{}", e.name.name, value.name),
                    message: format!(
                        "no rule or test mentions `{}` of `{}`",
                        value.name, e.name.name
                    ),
                    span: value.span,
                    example: None,
                });
            }
        }
    }
}
