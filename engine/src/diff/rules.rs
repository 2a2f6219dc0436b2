//! Rules added, removed or changed, by kind and id. Two rules are the same when their syntax
//! trees are equal with spans, doc comments and comments left out, so reformatting or editing
//! comments changes nothing here.

use serde::Serialize;
use serde_json::{Value as Json, json};

use ordo_dsl::ast::{Item, PriceStmt, Ruleset};

/// One added, removed or changed rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleChange {
    /// `table`, `decision`, `constraint`, `price line`, ...
    pub kind: &'static str,
    /// The declaration's name; `BLOCK.ID` for price lines and subtotals (`quote.base`); a dated
    /// table variant adds ` (effective DATE)`.
    pub id: String,
    /// `added`, `removed` or `changed`.
    pub change: &'static str,
}

impl RuleChange {
    /// As `{"kind", "id", "change"}`.
    pub fn to_json(&self) -> Json {
        json!({"kind": self.kind, "id": self.id, "change": self.change})
    }
}

/// The meaning of a node: its JSON without spans and doc comments.
fn meaning<T: Serialize>(node: &T) -> Json {
    let mut value = serde_json::to_value(node).unwrap_or(Json::Null);
    strip(&mut value);
    value
}

fn strip(value: &mut Json) {
    match value {
        // A bare span (`TableKey::Wildcard(Span)`): where, not what.
        Json::Object(map)
            if map.len() == 2 && map.contains_key("start") && map.contains_key("end") =>
        {
            *value = Json::Null;
        }
        Json::Object(map) => {
            map.retain(|key, _| !(key == "span" || key.ends_with("_span") || key == "doc"));
            map.values_mut().for_each(strip);
        }
        Json::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}

/// Every rule of a ruleset as (kind, id, meaning), in source order. Tests are left out: they
/// are not part of the production artifact.
fn rules(ruleset: &Ruleset) -> Vec<(&'static str, String, Json)> {
    let mut out = Vec::new();
    for item in &ruleset.items {
        let (kind, id) = match item {
            Item::Enum(d) => ("enum", d.name.name.clone()),
            Item::Roles(_) => ("roles", "roles".to_string()),
            Item::Type(d) => ("type", d.name.name.clone()),
            Item::Function(d) => ("fn", d.name.name.clone()),
            Item::Input(_) => continue,
            Item::Table(d) => (
                "table",
                match &d.effective {
                    Some(date) => format!("{} (effective {})", d.name.name, date.value),
                    None => d.name.name.clone(),
                },
            ),
            Item::Bands(d) => ("bands", d.name.name.clone()),
            Item::Decision(d) => ("decision", d.name.name.clone()),
            Item::Value(d) => (if d.output { "output" } else { "let" }, d.name.name.clone()),
            Item::Constraint(d) => ("constraint", d.name.name.clone()),
            Item::Price(d) => {
                price_lines(&d.name.name, &d.body, &mut out);
                ("price", d.name.name.clone())
            }
            Item::Approval(d) => ("approval", d.name.name.clone()),
            Item::Workflow(d) => ("workflow", d.name.name.clone()),
            Item::Trigger(d) => ("trigger", d.name.name.clone()),
            Item::Calendar(d) => ("calendar", d.name.name.clone()),
            Item::Test(_) => continue,
        };
        out.push((kind, id, meaning(item)));
    }
    out
}

fn price_lines(block: &str, body: &[PriceStmt], out: &mut Vec<(&'static str, String, Json)>) {
    for stmt in body {
        match stmt {
            PriceStmt::Line(line) => out.push((
                "price line",
                format!("{block}.{}", line.id.name),
                meaning(line),
            )),
            PriceStmt::Subtotal(s) => {
                out.push(("subtotal", format!("{block}.{}", s.id.name), meaning(s)))
            }
            PriceStmt::For(f) => price_lines(block, &f.body, out),
        }
    }
}

/// Added and changed rules in the new version's order, then removed ones in the old order.
pub fn diff(old: &Ruleset, new: &Ruleset) -> Vec<RuleChange> {
    let (old_rules, new_rules) = (rules(old), rules(new));
    let mut out = Vec::new();
    for (kind, id, meaning) in &new_rules {
        match old_rules.iter().find(|(k, i, _)| k == kind && i == id) {
            None => out.push(RuleChange {
                kind,
                id: id.clone(),
                change: "added",
            }),
            Some((_, _, before)) if before != meaning => out.push(RuleChange {
                kind,
                id: id.clone(),
                change: "changed",
            }),
            Some(_) => {}
        }
    }
    for (kind, id, _) in &old_rules {
        if !new_rules.iter().any(|(k, i, _)| k == kind && i == id) {
            out.push(RuleChange {
                kind,
                id: id.clone(),
                change: "removed",
            });
        }
    }
    out
}
