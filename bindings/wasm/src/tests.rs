//! The TypeScript definitions of results (the `typescript_custom_section` in `lib.rs`) against
//! the engine's result schema, `engine/schema/result.schema.json`, which the engine's own tests
//! validate real results against.
//!
//! Each object definition of the schema has an interface (named in [`INTERFACES`]) with the
//! same properties, optional exactly where the schema does not require them, and of the type
//! the schema gives (read off the schema as TypeScript: `$ref`s become the interface or alias
//! they name, enums and consts string literal unions, nullable types `| null`). Closed
//! definitions have no index signature. The aliases `ResultValue`, `TransitionReason` and
//! `ErrorKind` and the fields of `OrdoError` are checked too.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value as Json};

/// Each interface and the schema definition it describes.
const INTERFACES: &[(&str, &str)] = &[
    ("EvalResult", "EvaluationResult"),
    ("RulesetIdentity", "RulesetIdentity"),
    ("Violation", "Violation"),
    ("InputNote", "InputNote"),
    ("Quote", "Quote"),
    ("QuoteLine", "QuoteLine"),
    ("PartialQuote", "PartialQuote"),
    ("PartialQuoteLine", "PartialQuoteLine"),
    ("ApprovalChain", "ApprovalChain"),
    ("ApprovalStep", "ApprovalStep"),
    ("RefusedGrant", "RefusedGrant"),
    ("StepRefusal", "StepRefusal"),
    ("TraceEntry", "TraceEntry"),
    ("TraceRow", "TraceRow"),
    ("EngineError", "EvalError"),
    ("ConfigureResult", "ConfigureResult"),
    ("ConfigureField", "ConfigureField"),
    ("ConfigureOption", "ConfigureOption"),
    ("BlockingConstraint", "BlockingConstraint"),
    ("WarningConstraint", "WarningConstraint"),
    ("DeadEnd", "DeadEnd"),
    ("SearchSummary", "SearchSummary"),
    ("TransitionsResult", "TransitionsResult"),
    ("TransitionStatus", "TransitionStatus"),
    ("RoleReason", "RoleReason"),
    ("GuardReason", "GuardReason"),
    ("ApprovalsReason", "ApprovalsReason"),
    ("PreviousReason", "PreviousReason"),
    ("ApplyResult", "ApplyResult"),
    ("StartResult", "StartResult"),
    ("UpdateResult", "UpdateResult"),
    ("TimerCancel", "TimerCancel"),
    ("TimerResult", "TimerResult"),
    ("TriggerAction", "TriggerAction"),
    ("Timer", "Timer"),
];

/// The definitions that are not objects, and the TypeScript type each is written as.
const ALIASES: &[(&str, &str)] = &[
    ("Decimal", "Decimal"),
    ("Date", "string"),
    ("Timestamp", "string"),
    ("Value", "ResultValue"),
    ("TransitionReason", "TransitionReason"),
];

fn schema() -> Json {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../engine/schema/result.schema.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("the schema is readable"))
        .expect("the schema is JSON")
}

fn definitions() -> Map<String, Json> {
    schema()["$defs"]
        .as_object()
        .expect("the schema has $defs")
        .clone()
}

/// One property of an interface.
#[derive(Debug)]
struct Member {
    optional: bool,
    ty: String,
}

/// An `export interface`: its properties, and whether it has an index signature.
#[derive(Debug, Default)]
struct Interface {
    extends: Option<String>,
    members: BTreeMap<String, Member>,
    index_signature: bool,
}

/// The TypeScript text without its comments.
fn without_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r);
        } else if let Some(after) = rest.strip_prefix("//") {
            rest = after.split_once('\n').map_or("", |(_, r)| r);
            out.push('\n');
        } else {
            let c = rest.chars().next().unwrap_or_default();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Splits `text` at `separators` that are outside brackets and string literals.
fn split_top(text: &str, separators: &[char]) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut quoted = false;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '"' => quoted = !quoted,
            '{' | '(' | '[' if !quoted => depth += 1,
            '}' | ')' | ']' if !quoted => depth -= 1,
            _ => {}
        }
        if depth == 0 && !quoted && separators.contains(&c) {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The text from just after the `{` at the start of `text` to its matching `}`.
fn braced(text: &str) -> &str {
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return &text[1..i];
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced braces in {text}")
}

/// Every `export interface` of the TypeScript text.
fn interfaces(ts: &str) -> BTreeMap<String, Interface> {
    let ts = without_comments(ts);
    let mut out = BTreeMap::new();
    for (at, _) in ts.match_indices("export interface ") {
        let head = &ts[at + "export interface ".len()..];
        let open = head.find('{').expect("an interface has a body");
        let mut words = head[..open].split_whitespace();
        let name = words.next().expect("an interface has a name").to_string();
        let mut interface = Interface {
            extends: (words.next() == Some("extends")).then(|| words.collect::<Vec<_>>().join(" ")),
            ..Interface::default()
        };
        for member in split_top(braced(&head[open..]), &[';', '\n']) {
            if member.starts_with('[') {
                interface.index_signature = true;
                continue;
            }
            let (key, ty) = member
                .split_once(':')
                .unwrap_or_else(|| panic!("{name}: cannot read `{member}`"));
            let (key, optional) = match key.trim().strip_suffix('?') {
                Some(key) => (key, true),
                None => (key.trim(), false),
            };
            interface.members.insert(
                key.to_string(),
                Member {
                    optional,
                    ty: ty.trim().to_string(),
                },
            );
        }
        out.insert(name, interface);
    }
    out
}

/// Every `export type NAME = ...;` of the TypeScript text.
fn aliases(ts: &str) -> BTreeMap<String, String> {
    let ts = without_comments(ts);
    let mut out = BTreeMap::new();
    for (at, _) in ts.match_indices("export type ") {
        let head = &ts[at + "export type ".len()..];
        let (name, rest) = head.split_once('=').expect("a type alias has `=`");
        let body = split_top(rest, &[';'])
            .into_iter()
            .next()
            .unwrap_or_default();
        out.insert(name.trim().to_string(), body);
    }
    out
}

/// A TypeScript type as the set of its union's members, each with its spacing normalised and
/// index signatures' key names dropped (`{ [name: string]: T }` is `{[string]:T}`).
fn normalised(ty: &str) -> BTreeSet<String> {
    split_top(ty, &['|'])
        .into_iter()
        .map(|member| {
            let compact: String = member.split_whitespace().collect::<Vec<_>>().join("");
            let mut out = String::new();
            let mut rest = compact.as_str();
            while let Some(at) = rest.find('[') {
                out.push_str(&rest[..at]);
                let after = &rest[at..];
                match after.find(":string]") {
                    Some(end)
                        if after[1..end]
                            .chars()
                            .all(|c| c.is_alphanumeric() || c == '_') =>
                    {
                        out.push_str("[string]");
                        rest = &after[end + ":string]".len()..];
                    }
                    _ => {
                        out.push('[');
                        rest = &after[1..];
                    }
                }
            }
            out.push_str(rest);
            out.trim_end_matches(';').to_string()
        })
        .collect()
}

/// The TypeScript name of a definition: its interface or its alias.
fn ts_name(definition: &str) -> String {
    INTERFACES
        .iter()
        .find(|(_, d)| *d == definition)
        .map(|(ts, _)| *ts)
        .or_else(|| {
            ALIASES
                .iter()
                .find(|(d, _)| *d == definition)
                .map(|(_, ts)| *ts)
        })
        .unwrap_or_else(|| panic!("no TypeScript name for the definition {definition}"))
        .to_string()
}

/// The schema read as a TypeScript type.
fn ts_of(schema: &Json) -> String {
    let union = |members: Vec<String>| members.join(" | ");
    if let Some(target) = schema["$ref"].as_str() {
        return ts_name(target.trim_start_matches("#/$defs/"));
    }
    if let Some(value) = schema.get("const") {
        return value.to_string();
    }
    if let Some(values) = schema["enum"].as_array() {
        return union(values.iter().map(Json::to_string).collect());
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(choices) = schema[key].as_array() {
            return union(choices.iter().map(ts_of).collect());
        }
    }
    let one = |ty: &str| -> String {
        match ty {
            "string" => "string".into(),
            "boolean" => "boolean".into(),
            "integer" | "number" => "number".into(),
            "null" => "null".into(),
            "array" => {
                let item = ts_of(&schema["items"]);
                if item.contains('|') {
                    format!("({item})[]")
                } else {
                    format!("{item}[]")
                }
            }
            "object" => format!(
                "{{ [key: string]: {} }}",
                ts_of(&schema["additionalProperties"])
            ),
            other => panic!("no TypeScript for the JSON type {other}"),
        }
    };
    match &schema["type"] {
        Json::String(ty) => one(ty),
        Json::Array(types) => union(types.iter().filter_map(Json::as_str).map(one).collect()),
        _ => panic!("cannot read as TypeScript: {schema}"),
    }
}

fn required(definition: &Json) -> BTreeSet<String> {
    definition["required"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(Json::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn every_object_of_the_schema_has_an_interface_and_every_other_definition_an_alias() {
    let ts = interfaces(super::TYPES);
    let aliases = aliases(super::TYPES);
    for (name, definition) in definitions() {
        if definition.get("properties").is_some() {
            let (interface, _) = INTERFACES
                .iter()
                .find(|(_, d)| *d == name)
                .unwrap_or_else(|| panic!("no interface describes the schema's {name}"));
            assert!(
                ts.contains_key(*interface),
                "no `export interface {interface}`"
            );
        } else {
            let (_, alias) = ALIASES
                .iter()
                .find(|(d, _)| *d == name)
                .unwrap_or_else(|| panic!("no TypeScript type describes the schema's {name}"));
            assert!(
                *alias == "string" || aliases.contains_key(*alias),
                "no `export type {alias}`"
            );
        }
    }
}

#[test]
fn each_interface_has_the_properties_of_its_definition() {
    let ts = interfaces(super::TYPES);
    let aliases = aliases(super::TYPES);
    let definitions = definitions();
    for (name, definition) in INTERFACES {
        let interface = &ts[*name];
        let schema = &definitions[*definition];
        assert!(
            interface.extends.is_none(),
            "{name} extends another interface"
        );
        let properties = schema["properties"]
            .as_object()
            .expect("an object definition");
        let declared: BTreeSet<&String> = interface.members.keys().collect();
        let described: BTreeSet<&String> = properties.keys().collect();
        assert_eq!(
            declared, described,
            "{name} and the schema's {definition} have different properties"
        );
        let required = required(schema);
        for (property, member) in &interface.members {
            assert_eq!(
                member.optional,
                !required.contains(property),
                "{name}.{property} is {} but the schema's {definition} {} it",
                if member.optional {
                    "optional"
                } else {
                    "required"
                },
                if member.optional {
                    "requires"
                } else {
                    "does not require"
                },
            );
            // An alias of its own (`ErrorKind`) stands for its body.
            let ty = match aliases.get(&member.ty) {
                Some(body) if !ALIASES.iter().any(|(_, alias)| *alias == member.ty) => body,
                _ => &member.ty,
            };
            assert_eq!(
                normalised(ty),
                normalised(&ts_of(&properties[property])),
                "{name}.{property}: `{}` is not the schema's type",
                member.ty
            );
        }
        if schema["additionalProperties"] == Json::Bool(false) {
            assert!(
                !interface.index_signature,
                "{name} has an index signature, but {definition} is closed"
            );
        }
    }
}

#[test]
fn the_aliases_and_the_thrown_error_follow_the_schema() {
    let aliases = aliases(super::TYPES);
    let definitions = definitions();
    // A result value: the schema's `Value`.
    let value = &definitions["Value"];
    let mut expected: Vec<String> = value["type"]
        .as_array()
        .expect("Value lists its types")
        .iter()
        .filter_map(Json::as_str)
        .filter(|t| !matches!(*t, "array" | "object"))
        .map(str::to_string)
        .collect();
    assert_eq!(value["items"]["$ref"], "#/$defs/Value");
    assert_eq!(value["additionalProperties"]["$ref"], "#/$defs/Value");
    expected.push("ResultValue[]".into());
    expected.push("{ [key: string]: ResultValue }".into());
    assert_eq!(
        normalised(&aliases["ResultValue"]),
        normalised(&expected.join(" | "))
    );
    assert_eq!(
        normalised(&aliases["TransitionReason"]),
        normalised(&ts_of(&definitions["TransitionReason"]))
    );
    assert_eq!(
        normalised(&aliases["ErrorKind"]),
        normalised(&ts_of(&definitions["EvalError"]["properties"]["kind"]))
    );
    assert_eq!(aliases["Decimal"], "string");

    // The thrown error carries the engine error's fields (`message` is `Error`'s), and the
    // compiler's diagnostics for `kind: "compile"`.
    let interfaces = interfaces(super::TYPES);
    let thrown = &interfaces["OrdoError"];
    assert_eq!(thrown.extends.as_deref(), Some("Error"));
    let error = &definitions["EvalError"];
    let mut fields: BTreeSet<&str> = thrown.members.keys().map(String::as_str).collect();
    assert!(fields.remove("diagnostics"));
    fields.insert("message");
    let described: BTreeSet<&str> = error["properties"]
        .as_object()
        .expect("EvalError is an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(fields, described, "OrdoError and EvalError differ");
    let required = required(error);
    for (field, member) in &thrown.members {
        if field != "diagnostics" {
            assert_eq!(
                member.optional,
                !required.contains(field),
                "OrdoError.{field}"
            );
        }
    }
    assert_eq!(
        normalised(&thrown.members["kind"].ty),
        normalised("ErrorKind | \"compile\"")
    );
    assert_eq!(thrown.members["more"].ty, "EngineError[]");
}

#[test]
fn the_reader_of_typescript_reads_what_it_is_given() {
    let ts = "/** doc */\nexport interface A extends B {\n  a: string; // note\n  b?: { [name: string]: C | null };\n  [key: string]: unknown;\n}\nexport type D = \"x\" | \"y\";\n";
    let read = interfaces(ts);
    let a = &read["A"];
    assert_eq!(a.extends.as_deref(), Some("B"));
    assert!(a.index_signature);
    assert!(!a.members["a"].optional);
    assert!(a.members["b"].optional);
    assert_eq!(
        normalised(&a.members["b"].ty),
        normalised("{ [key: string]: C | null }")
    );
    assert_eq!(aliases(ts)["D"], "\"x\" | \"y\"");
    // A changed optionality or type is noticed.
    assert_ne!(normalised("string | null"), normalised("string"));
    assert_ne!(normalised("Quote[]"), normalised("PartialQuote[]"));
}
