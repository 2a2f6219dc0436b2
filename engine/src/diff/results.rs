//! How the result of one input changes between two versions: every leaf of the result that
//! differs, by path, with its value before and after.

use serde_json::{Value as Json, json};

use crate::json::EvalOptions;
use crate::ruleset::Ruleset;

/// One result value that differs.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueChange {
    /// A path into the result: `outputs.total`, `quotes.quote.total`, `violations[0].id`.
    pub path: String,
    /// The value in the old version's result (`null` where it had none).
    pub before: Json,
    /// The value in the new version's result (`null` where it has none).
    pub after: Json,
}

impl ValueChange {
    /// As `{"path", "before", "after"}`.
    pub fn to_json(&self) -> Json {
        json!({"path": self.path, "before": self.before, "after": self.after})
    }
}

/// Evaluates `input` with both versions and lists what differs (the ruleset identity and the
/// trace aside). An error on either side is compared as `{"error": {...}}`.
pub fn compare_results(
    old: &Ruleset,
    new: &Ruleset,
    input: &Json,
    options: &EvalOptions,
) -> Vec<ValueChange> {
    let run = |r: &Ruleset| {
        let mut result = r
            .evaluate(input, options)
            .unwrap_or_else(|e| json!({"error": e.to_json()}));
        if let Some(map) = result.as_object_mut() {
            map.remove("ruleset");
            map.remove("trace");
        }
        result
    };
    let (before, after) = (run(old), run(new));
    let failed = |r: &Json| r.get("error").cloned();
    let mut out = Vec::new();
    match (failed(&before), failed(&after)) {
        // One side failed: the error is the change, not every value it left out.
        (None, Some(error)) => out.push(ValueChange {
            path: "error".into(),
            before: Json::Null,
            after: error,
        }),
        (Some(error), None) => out.push(ValueChange {
            path: "error".into(),
            before: error,
            after: Json::Null,
        }),
        _ => changes(&before, &after, String::new(), &mut out),
    }
    out
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn changes(before: &Json, after: &Json, path: String, out: &mut Vec<ValueChange>) {
    match (before, after) {
        (Json::Object(a), Json::Object(b)) => {
            for (key, va) in a {
                changes(va, b.get(key).unwrap_or(&Json::Null), join(&path, key), out);
            }
            for (key, vb) in b.iter().filter(|(k, _)| !a.contains_key(*k)) {
                changes(&Json::Null, vb, join(&path, key), out);
            }
        }
        (Json::Array(a), Json::Array(b)) if a.len() == b.len() => {
            for (i, (va, vb)) in a.iter().zip(b).enumerate() {
                changes(va, vb, format!("{path}[{i}]"), out);
            }
        }
        (a, b) if a != b => out.push(ValueChange {
            path,
            before: a.clone(),
            after: b.clone(),
        }),
        _ => {}
    }
}
