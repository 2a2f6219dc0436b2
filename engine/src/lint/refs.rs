//! The names each declaration reads, taken from its syntax tree: bare names (`quantity`,
//! `list_price`, enum values) and input paths written as field chains (`customer.tier`).

use std::collections::BTreeSet;

use ordo_dsl::Span;
use ordo_dsl::ast::{Item, Ruleset};
use serde_json::Value as Json;

/// One declaration as the analysis sees it.
#[derive(Debug, Clone)]
pub struct Declaration {
    /// `input`, `type`, `fn`, `table`, `bands`, `decision`, `let`, `output`, `price`,
    /// `constraint`, `approval`, `workflow`, `trigger`, `enum`, `roles`, `test`.
    pub kind: &'static str,
    pub name: String,
    pub span: Span,
    /// Bare names read anywhere inside.
    pub names: BTreeSet<String>,
    /// Dotted paths read (`customer.tier`), for chains of fields over a name.
    pub paths: BTreeSet<String>,
}

/// Every declaration with what it reads, in source order.
pub fn declarations(ast: &Ruleset) -> Vec<Declaration> {
    ast.items
        .iter()
        .map(|item| {
            let (kind, name, span) = match item {
                Item::Enum(d) => ("enum", d.name.name.clone(), d.name.span),
                Item::Roles(d) => ("roles", "roles".into(), d.span),
                Item::Type(d) => ("type", d.name.name.clone(), d.name.span),
                Item::Function(d) => ("fn", d.name.name.clone(), d.name.span),
                Item::Input(d) => ("input", "input".into(), d.span),
                Item::Table(d) => ("table", d.name.name.clone(), d.name.span),
                Item::Bands(d) => ("bands", d.name.name.clone(), d.name.span),
                Item::Decision(d) => ("decision", d.name.name.clone(), d.name.span),
                Item::Value(d) => (
                    if d.output { "output" } else { "let" },
                    d.name.name.clone(),
                    d.name.span,
                ),
                Item::Constraint(d) => ("constraint", d.name.name.clone(), d.name.span),
                Item::Price(d) => ("price", d.name.name.clone(), d.name.span),
                Item::Approval(d) => ("approval", d.name.name.clone(), d.name.span),
                Item::Workflow(d) => ("workflow", d.name.name.clone(), d.name.span),
                Item::Trigger(d) => ("trigger", d.name.name.clone(), d.name.span),
                Item::Test(d) => ("test", d.name.value.clone(), d.name.span),
                Item::Calendar(d) => ("calendar", d.name.name.clone(), d.name.span),
            };
            let (mut names, mut paths) = reads(item);
            // A parameter is the function's or the decision's own: reading it reads nothing
            // declared elsewhere, even where an input or a value has the same name.
            let params = match item {
                Item::Function(d) => d.params.as_slice(),
                Item::Decision(d) => d.params.as_slice(),
                _ => &[],
            };
            for param in params {
                let name = &param.name.name;
                names.remove(name);
                paths.retain(|p| p.split('.').next() != Some(name.as_str()));
            }
            Declaration {
                kind,
                name,
                span,
                names,
                paths,
            }
        })
        .collect()
}

/// The names and dotted paths read by any part of a syntax tree; the name of a called function
/// or decision (`price_of(...)`) counts as read.
pub fn reads<T: serde::Serialize>(node: &T) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut names = BTreeSet::new();
    let mut paths = BTreeSet::new();
    collect(
        &serde_json::to_value(node).unwrap_or(Json::Null),
        &mut names,
        &mut paths,
    );
    (names, paths)
}

/// The dotted path of an expression (as the syntax tree serialises it) that is a name or a
/// chain of fields over one: `customer.tier`.
pub fn path_of(expr: &Json) -> Option<String> {
    let kind = expr.get("kind")?;
    if let Some(name) = kind
        .get("Name")
        .and_then(|n| n.get("name"))
        .and_then(Json::as_str)
    {
        return Some(name.to_string());
    }
    let field = kind.get("Field")?;
    let target = path_of(field.get("target")?)?;
    let name = field.get("field")?.get("name")?.as_str()?;
    Some(format!("{target}.{name}"))
}

fn collect(value: &Json, names: &mut BTreeSet<String>, paths: &mut BTreeSet<String>) {
    match value {
        Json::Object(map) => {
            if let Some(name) = map
                .get("Name")
                .and_then(|n| n.get("name"))
                .and_then(Json::as_str)
            {
                names.insert(name.to_string());
            }
            if let Some(name) = map
                .get("Call")
                .and_then(|c| c.get("function"))
                .and_then(|f| f.get("name"))
                .and_then(Json::as_str)
            {
                names.insert(name.to_string());
            }
            if map.contains_key("kind")
                && let Some(path) = path_of(value).filter(|p| p.contains('.'))
            {
                paths.insert(path);
            }
            map.values().for_each(|v| collect(v, names, paths));
        }
        Json::Array(items) => items.iter().for_each(|v| collect(v, names, paths)),
        _ => {}
    }
}
