#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The OpenAPI document describes results with the engine's own result schema
//! (`engine/schema/result.schema.json`, which `engine/tests/result_schema.rs` validates real
//! results against), not a description of its own:
//!
//! - every definition of the engine's schema is a component of the document, equal to it once
//!   `#/$defs/NAME` reads `#/components/schemas/NAME`; no stand-in is left;
//! - each operation's 200 answer refers to its result's definition;
//! - the error object has every field of the engine's error, with the same types and the same
//!   required ones, and its `more` are engine errors;
//! - the server serves that document, and its answers have the fields the document describes.

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::{Map, Value as Json, json};

fn canonical() -> Json {
    serde_json::from_str(&read("engine/schema/result.schema.json")).unwrap()
}

fn definitions() -> Map<String, Json> {
    canonical()["$defs"].as_object().unwrap().clone()
}

/// A definition as it reads among the document's components.
fn as_component(schema: &Json) -> Json {
    let text = schema
        .to_string()
        .replace("\"$ref\":\"#/$defs/", "\"$ref\":\"#/components/schemas/");
    serde_json::from_str(&text).unwrap()
}

fn components(document: &Json) -> &Map<String, Json> {
    document["components"]["schemas"].as_object().unwrap()
}

#[test]
fn the_result_schemas_are_the_engines() {
    let document = ordo_http::openapi();
    let schemas = components(&document);
    for (name, definition) in definitions() {
        let mut component = schemas
            .get(&name)
            .unwrap_or_else(|| panic!("the document has no component {name}"))
            .clone();
        // The one property the server adds to the answers it gives: the notice of a
        // deprecated version.
        let notice = component
            .get_mut("properties")
            .and_then(Json::as_object_mut)
            .and_then(|properties| properties.remove("deprecation"));
        if name == "EvaluationResult" {
            assert!(notice.is_some(), "EvaluationResult has no `deprecation`");
        }
        assert_eq!(
            &component,
            &as_component(&definition),
            "the component {name} is not the engine's definition"
        );
    }
    for (name, schema) in schemas {
        assert!(
            !schema["description"]
                .as_str()
                .is_some_and(|d| d.starts_with("The engine's definition")),
            "{name} is still a stand-in"
        );
    }
    for name in ordo_http::schema::ENGINE_SCHEMA_NAMES {
        assert!(
            definitions().contains_key(*name),
            "the routes refer to {name}, which the engine's schema does not define"
        );
    }

    // Each operation answers with its result.
    for (operation, result) in [
        ("evaluate", "EvaluationResult"),
        ("configure", "ConfigureResult"),
        ("transitions", "TransitionsResult"),
        ("apply", "ApplyResult"),
        ("fire_timer", "TimerResult"),
        ("start", "StartResult"),
        ("update", "UpdateResult"),
    ] {
        let path = format!("/v1/rulesets/{{name}}/{operation}");
        let answer = &document["paths"][&path]["post"]["responses"]["200"];
        assert_eq!(
            answer["content"]["application/json"]["schema"]["$ref"],
            format!("#/components/schemas/{result}"),
            "{operation} does not answer with {result}: {answer}"
        );
    }

    // Every reference of the document names a component.
    fn refs(value: &Json, out: &mut BTreeSet<String>) {
        match value {
            Json::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(Json::as_str) {
                    out.insert(r.to_string());
                }
                map.values().for_each(|v| refs(v, out));
            }
            Json::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut found = BTreeSet::new();
    refs(&document, &mut found);
    for target in found {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("a reference outside the components: {target}"));
        assert!(schemas.contains_key(name), "{target} names no component");
    }
}

#[test]
fn the_error_object_has_the_engines_error_fields() {
    let document = ordo_http::openapi();
    let schemas = components(&document);
    let error = &definitions()["EvalError"];
    let object = &schemas["ErrorObject"];
    assert_eq!(
        schemas["ErrorBody"]["properties"]["error"]["$ref"],
        "#/components/schemas/ErrorObject"
    );
    let required = |schema: &Json| -> BTreeSet<String> {
        schema["required"]
            .as_array()
            .map(|r| r.iter().map(|n| n.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    assert_eq!(
        required(object),
        required(error),
        "the error object and the engine's error require different fields"
    );
    let properties = object["properties"].as_object().unwrap();
    for (name, engine) in error["properties"].as_object().unwrap() {
        let property = properties
            .get(name)
            .unwrap_or_else(|| panic!("the error object lacks the engine error's `{name}`"));
        match name.as_str() {
            // The server adds its own kinds (`unauthorized`, `not_found`, ...).
            "kind" => assert_eq!(property["type"], "string"),
            "more" => {
                assert_eq!(property["type"], "array");
                assert_eq!(
                    property["items"]["$ref"], "#/components/schemas/EvalError",
                    "`more` holds engine errors"
                );
            }
            _ => assert_eq!(
                property["type"], engine["type"],
                "the error object's `{name}` is not the engine error's"
            ),
        }
    }
}

#[test]
fn the_server_serves_the_document_and_answers_as_it_describes() {
    let server = TestServer::start();
    assert_eq!(
        server.client(Some(ADMIN)).publish(&bikes_source()).status,
        201
    );
    let served = server.client(None).get("/openapi.json");
    assert_eq!(served.status, 200);
    assert_eq!(served.json(), ordo_http::openapi());

    let definitions = definitions();
    let check = |answer: &Json, definition: &str| {
        let schema = &definitions[definition];
        let keys: BTreeSet<&str> = answer
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let described: BTreeSet<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let required: BTreeSet<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_str().unwrap())
            .collect();
        assert!(
            keys.is_subset(&described),
            "{definition}: fields not described: {:?}",
            keys.difference(&described).collect::<Vec<_>>()
        );
        assert!(
            required.is_subset(&keys),
            "{definition}: required fields missing: {:?}",
            required.difference(&keys).collect::<Vec<_>>()
        );
    };
    let client = server.client(Some(EVALUATOR));
    let evaluated = client.evaluate("bikes", &json!({"input": bikes_quote(), "trace": true}));
    assert_eq!(evaluated.status, 200, "{}", evaluated.text);
    check(&evaluated.json(), "EvaluationResult");
    let configured = client.post(
        "/v1/rulesets/bikes/configure",
        &json!({"input": {"frame": "gravel"}, "complete": true}),
    );
    assert_eq!(configured.status, 200, "{}", configured.text);
    check(&configured.json(), "ConfigureResult");
    let refused = client.evaluate("bikes", &json!({"input": {"frame": "tandem"}}));
    assert_eq!(refused.status, 422, "{}", refused.text);
    check(&refused.json()["error"], "EvalError");
}
