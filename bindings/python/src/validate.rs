//! Checks a result against the engine's result schema (`engine/schema/result.schema.json`),
//! so that `Ruleset.result_to_json` never writes what no host would accept as a result.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde_json::{Value as Json, json};

const RESULT_SCHEMA: &str = include_str!("../../../engine/schema/result.schema.json");

/// A validator per definition of the schema, built on first use (`None` if the schema does
/// not build, which a test rules out).
fn validators() -> &'static HashMap<String, jsonschema::Validator> {
    static VALIDATORS: OnceLock<HashMap<String, jsonschema::Validator>> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        let Ok(schema) = serde_json::from_str::<Json>(RESULT_SCHEMA) else {
            return HashMap::new();
        };
        let names: Vec<String> = schema
            .get("$defs")
            .and_then(Json::as_object)
            .map(|defs| defs.keys().cloned().collect())
            .unwrap_or_default();
        names
            .into_iter()
            .filter_map(|name| {
                // The schema with its root replaced by a reference to the definition, so that
                // references resolve as in the file.
                let mut wrapper = schema.clone();
                let object = wrapper.as_object_mut()?;
                object.remove("anyOf");
                object.insert("$ref".into(), json!(format!("#/$defs/{name}")));
                let validator = jsonschema::validator_for(&wrapper).ok()?;
                Some((name, validator))
            })
            .collect()
    })
}

/// Why `value` is not a `definition` of the result schema (`EvaluationResult`,
/// `ApplyResult`...): the first few problems, each with its JSON pointer; empty when it is one.
pub fn problems(definition: &str, value: &Json) -> Vec<String> {
    let Some(validator) = validators().get(definition) else {
        return vec![format!(
            "the result schema has no definition `{definition}`"
        )];
    };
    validator
        .iter_errors(value)
        .take(5)
        .map(|e| {
            let at = e.instance_path().to_string();
            if at.is_empty() {
                e.to_string()
            } else {
                format!("at `{at}`: {e}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_definition_builds() {
        let schema: Json = serde_json::from_str(RESULT_SCHEMA).expect("the schema is JSON");
        let defs = schema["$defs"].as_object().expect("definitions");
        assert_eq!(validators().len(), defs.len());
    }

    #[test]
    fn a_result_missing_its_total_is_refused() {
        let value = json!({"currency": "EUR", "lines": [], "subtotals": {}});
        let found = problems("Quote", &value);
        assert!(found.iter().any(|p| p.contains("total")), "{found:?}");
        let value = json!({"currency": "EUR", "lines": [], "subtotals": {}, "total": "1.00"});
        assert!(problems("Quote", &value).is_empty());
    }
}
