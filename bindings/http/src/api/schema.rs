//! The JSON shapes of requests and answers, as the OpenAPI document describes them. Results
//! and engine requests are the engine's own JSON, passed through unchanged: the document's
//! schemas of results are the engine's result schema (`engine/schema/result.schema.json`),
//! put in its components by [`add_result_schemas`].

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use utoipa::{IntoParams, ToSchema};

/// `POST /v1/rulesets`: the source text of a ruleset version to publish.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// The ruleset in the ordo language; its `ruleset NAME version "X.Y.Z"` header names it.
    pub source: String,
    /// Publish even when `ordo lint` finds errors (gaps, overlaps, constraints that always
    /// fail). Off by default: such a ruleset is refused with the findings.
    #[serde(default)]
    pub allow_lint_errors: bool,
    /// The data files its tables read (`from "contracts.csv"`), by name: their texts. They
    /// become part of the version (its hash covers them; its artifact carries them).
    #[serde(default)]
    pub files: std::collections::BTreeMap<String, String>,
}

/// A published version.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionSummary {
    pub name: String,
    pub version: String,
    /// `sha256:` + hex of the ruleset's canonical form.
    pub hash: String,
    /// The first day the version applies (`YYYY-MM-DD`), if declared.
    pub effective: Option<String>,
    /// The caller who published it.
    pub published_by: String,
    /// RFC 3339, UTC.
    pub published_at: String,
    /// Only when yanked: `latest`, requirements and dates skip it; its exact version answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub yanked: Option<crate::lifecycle::LifecycleMark>,
    /// Only when deprecated: answers using it carry a `Deprecation` header and this notice.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub deprecated: Option<crate::lifecycle::LifecycleMark>,
}

impl VersionSummary {
    /// The summary showing `lifecycle` (yanked, deprecated).
    pub fn with_lifecycle(mut self, lifecycle: &crate::lifecycle::Lifecycle) -> VersionSummary {
        self.yanked.clone_from(&lifecycle.yanked);
        self.deprecated.clone_from(&lifecycle.deprecated);
        self
    }
}

/// A ruleset and its versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct RulesetVersions {
    pub name: String,
    /// The highest version.
    pub latest: String,
    /// Ascending.
    pub versions: Vec<VersionSummary>,
}

/// `GET /v1/rulesets`.
#[derive(Debug, Serialize, ToSchema)]
pub struct RulesetList {
    /// By name.
    pub rulesets: Vec<RulesetVersions>,
}

/// One declared input field.
#[derive(Debug, Serialize, ToSchema)]
pub struct InputField {
    pub name: String,
    /// The type as written in the language (`Int`, `Set<Accessory>`, `Decimal?`, ...).
    #[serde(rename = "type")]
    pub ty: String,
    /// Whether a request must give it (no default and not optional).
    pub required: bool,
    /// The default, as the engine writes a value (a decimal is a string).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Value>)]
    pub default: Option<Json>,
    /// The fields of a nested record.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(no_recursion)]
    pub fields: Vec<InputField>,
    /// What a value must also satisfy (`in 0..1`, `matching "..."`, `len 1..20`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub refinements: Vec<InputRefinement>,
    /// The field's `else` message for a value that breaks a refinement.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// One refinement of an input field (spec §20). Bounds are values as the language writes
/// them (`0.5`, `2026-01-01`); `*_inclusive` says whether the bound itself is allowed.
#[derive(Debug, Serialize, ToSchema)]
pub struct InputRefinement {
    /// `in`, `matching` or `len`.
    pub kind: String,
    /// The refinement as written (`in 0..1`).
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_inclusive: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_inclusive: Option<bool>,
    /// A `matching` refinement's regular expression; the whole text must match it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

/// An enum and its values, in declaration order.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnumValues {
    pub name: String,
    pub values: Vec<String>,
}

/// The input a version takes.
#[derive(Debug, Serialize, ToSchema)]
pub struct InputSchema {
    pub fields: Vec<InputField>,
    pub enums: Vec<EnumValues>,
}

/// `GET /v1/rulesets/{name}/versions/{version}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDetail {
    #[serde(flatten)]
    pub summary: VersionSummary,
    /// The source text as published.
    pub source: String,
    pub input_schema: InputSchema,
    /// The names of the outputs, in declaration order.
    pub outputs: Vec<String>,
}

/// `POST /v1/rulesets/{name}/evaluate`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluateRequest {
    /// Which version: exact (`2.0.0`), a requirement (`^2`), `latest`, or a date
    /// (`2026-03-01`: the version in effect that day). Without it: the version in effect on
    /// `as_of` when that is given, else the latest.
    pub version: Option<String>,
    /// The input, as the version's input schema declares it.
    #[schema(value_type = Object)]
    pub input: Json,
    /// The evaluation date (`YYYY-MM-DD`); defaults to the version's `effective` date.
    pub as_of: Option<String>,
    /// Explain how each result was reached.
    #[serde(default)]
    pub trace: bool,
    /// Approvals already granted (spec §22): `{"chain": {"step": GRANT or [GRANT, ...]}}`, a
    /// grant being `{"by", "role"?, "at"?, "facts"}`.
    #[schema(value_type = Option<Object>)]
    pub approvals: Option<Json>,
}

/// `POST /v1/rulesets/{name}/configure|transitions|apply|fire_timer`: the engine's request object
/// (spec §13, §14, §18), plus `version` to pick the version.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EngineRequest {
    /// Which version, as for `evaluate`.
    pub version: Option<String>,
    /// The input (partial for `configure`).
    #[schema(value_type = Object)]
    pub input: Json,
    /// The evaluation date; also picks the version when `version` is not given.
    pub as_of: Option<String>,
    /// Workflow requests: the workflow, state, actor (a role), transition (`apply`), trigger
    /// (`fire_timer`), approvals and event, as the engine defines them.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub rest: Json,
}

/// The engine's result format, described once for every host in
/// `engine/schema/result.schema.json` (JSON Schema 2020-12, the dialect of OpenAPI 3.1).
const RESULT_SCHEMA: &str = include_str!("../../../../engine/schema/result.schema.json");

/// The answers the server passes on from the engine, as the OpenAPI document names them. Each
/// is a definition of the engine's result schema: the routes refer to it by name, and
/// [`add_result_schemas`] puts the engine's own definition in the document's components, with
/// every definition it refers to (quotes, approval steps, trace entries, ...).
macro_rules! engine_schemas {
    ($($(#[$doc:meta])* $name:ident),* $(,)?) => {
        $(
            $(#[$doc])*
            pub struct $name;

            impl utoipa::PartialSchema for $name {
                /// A stand-in until [`add_result_schemas`] puts the engine's definition in place.
                fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                    utoipa::openapi::ObjectBuilder::new()
                        .description(Some(ENGINE_SCHEMA_STAND_IN))
                        .into()
                }
            }

            impl ToSchema for $name {}
        )*

        /// The names of the definitions the routes refer to.
        pub const ENGINE_SCHEMA_NAMES: &[&str] = &[$(stringify!($name)),*];
    };
}

/// The description of a stand-in schema: one the engine's definition replaces.
const ENGINE_SCHEMA_STAND_IN: &str = "The engine's definition (engine/schema/result.schema.json)";

engine_schemas!(
    /// The result of `evaluate` (decimals are strings).
    EvaluationResult,
    /// The answer of `configure`.
    ConfigureResult,
    /// The answer of `transitions` (next actions).
    TransitionsResult,
    /// The answer of `apply`.
    ApplyResult,
    /// The answer of `fire_timer`.
    TimerResult,
    /// The answer of `start`.
    StartResult,
    /// The answer of `update`.
    UpdateResult,
    /// An engine error, as under `error` and in `more`.
    EvalError,
    /// A value as the engine writes it (decimals are strings): an input field's default.
    Value,
);

/// Puts the definitions of the engine's result schema into an OpenAPI document's
/// `components.schemas`, with their references rewritten from `#/$defs/NAME` to
/// `#/components/schemas/NAME`. A definition replaces the stand-in of the same name; a schema
/// of the server's own by that name is left alone (the tests notice the clash).
pub fn add_result_schemas(document: &mut Json) {
    let Ok(Json::Object(mut canonical)) = serde_json::from_str::<Json>(RESULT_SCHEMA) else {
        return;
    };
    let Some(Json::Object(definitions)) = canonical.remove("$defs") else {
        return;
    };
    let Some(document) = document.as_object_mut() else {
        return;
    };
    let components = document
        .entry("components")
        .or_insert_with(|| Json::Object(Default::default()));
    let Some(components) = components.as_object_mut() else {
        return;
    };
    let schemas = components
        .entry("schemas")
        .or_insert_with(|| Json::Object(Default::default()));
    let Some(schemas) = schemas.as_object_mut() else {
        return;
    };
    for (name, mut definition) in definitions {
        let stand_in = |schema: &Json| schema["description"] == ENGINE_SCHEMA_STAND_IN;
        if schemas.get(&name).is_some_and(|s| !stand_in(s)) {
            continue;
        }
        to_components(&mut definition);
        schemas.insert(name, definition);
    }
}

/// Rewrites the schema's references to its definitions into references to components.
fn to_components(schema: &mut Json) {
    match schema {
        Json::Object(map) => {
            for (key, value) in map.iter_mut() {
                match value {
                    Json::String(target) if key == "$ref" => {
                        if let Some(name) = target.strip_prefix("#/$defs/") {
                            *target = format!("#/components/schemas/{name}");
                        }
                    }
                    other => to_components(other),
                }
            }
        }
        Json::Array(items) => items.iter_mut().for_each(to_components),
        _ => {}
    }
}

/// An error: `{"error": {"kind", "message", ...}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorObject,
}

/// The error object: an engine error (the engine's `EvalError`, passed on as it is), or an
/// error of the server with the same `kind` and `message` and, where they apply, the fields
/// below. `kind` is an engine kind (`missing_input`, `invalid_input`, `unknown_field`,
/// `no_match`, `transition`, `invalid_request`, ...) or an HTTP kind (`unauthorized`,
/// `forbidden`, `not_found`, `conflict`, `payload_too_large`, `compile`, `lint`,
/// `method_not_allowed`, `timeout`, `unavailable`, `internal`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorObject {
    pub kind: String,
    pub message: String,
    /// The JSON path of the offending input.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub path: Option<String>,
    /// The rule that failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub rule: Option<String>,
    /// A suggestion.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub hint: Option<String>,
    /// Further input problems.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, value_type = Option<Vec<EvalError>>, min_items = 1)]
    pub more: Option<Vec<Json>>,
    /// `compile`: the compiler's diagnostics (kind, message, line, column, labels, hint).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, value_type = Option<Vec<Object>>)]
    pub diagnostics: Option<Vec<Json>>,
    /// `lint`: the lint findings that refused the publication.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, value_type = Option<Vec<Object>>)]
    pub findings: Option<Vec<Json>>,
    /// `conflict`: the hash of the version already published.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub existing_hash: Option<String>,
    /// `payload_too_large`: the largest body the server takes, in bytes.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub limit: Option<u64>,
}

/// Filters and paging of `GET /v1/audit`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Only this ruleset.
    pub ruleset: Option<String>,
    /// Only this version (exact).
    pub version: Option<String>,
    /// Only this caller.
    pub caller: Option<String>,
    /// Entries at or after this time (RFC 3339).
    pub from: Option<String>,
    /// Entries before this time (RFC 3339).
    pub to: Option<String>,
    /// At most this many entries (1–1000, default 100).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// One audited request.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub caller: String,
    /// `evaluate`, `configure`, `transitions`, `apply`, `fire_timer`, or `publish` for a
    /// refused publication (accepted ones are listed under `/v1/rulesets`).
    pub operation: String,
    /// The ruleset of the route; for `publish`, the one the source declares (empty when the
    /// source could not be read as far as its `ruleset NAME version "X.Y.Z"` header).
    pub ruleset: String,
    /// The version the request resolved to (absent when it did not resolve); for `publish`,
    /// the version the source declares.
    pub version: Option<String>,
    /// The hash of the version that answered; for `publish`, of the refused source when it
    /// compiled.
    pub hash: Option<String>,
    /// The request body as received (JSON; a string when it was not JSON). A body past the
    /// server's `--audit-body-cap` is not kept: `request` is then `null` (or `{"instance"}`
    /// for a write to an instance) and `request_omitted` has its digest and size.
    #[schema(value_type = Object)]
    pub request: Json,
    /// The digest and size of a body past the cap, kept instead of it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_omitted: Option<OmittedBody>,
    /// Hex SHA-256 of the answered body (the result, or the error).
    pub result_sha256: String,
    /// `ok`, or the error kind (for `publish`: `forbidden`, `invalid_request`, `compile`,
    /// `lint`, `conflict`, ...).
    pub outcome: String,
}

/// A request body the audit log kept by digest: it was larger than `--audit-body-cap`.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OmittedBody {
    /// Hex SHA-256 of the body as received.
    pub sha256: String,
    /// Its size in bytes.
    pub bytes: u64,
    /// The instance a write to an instance was about.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub instance: Option<String>,
}

/// A page of the audit log, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `cursor` to read the next page; absent on the last page. A page ends after
    /// `limit` entries, or before its entries would pass 4 MiB.
    pub next_cursor: Option<String>,
}

/// `/healthz` and `/readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok` (alive) or `ready`.
    pub status: String,
    /// `/readyz`: how many versions are loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions: Option<usize>,
}
