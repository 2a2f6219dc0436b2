//! The JSON shapes of requests and answers, as the OpenAPI document describes them. Results
//! and engine requests are the engine's own JSON (`engine/src/api`), passed through unchanged.

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
    /// The default, as JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub default: Option<Json>,
    /// The fields of a nested record.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(no_recursion)]
    pub fields: Vec<InputField>,
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
    /// Approvals already granted: `{"chain": {"step": {"by", "facts"}}}`.
    #[schema(value_type = Option<Object>)]
    pub approvals: Option<Json>,
}

/// `POST /v1/rulesets/{name}/configure|transitions|apply|fire_timer`: the engine's request object
/// (`engine/src/api/requests.rs`), plus `version` to pick the version.
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

/// The result of `evaluate`, as the engine gives it (decimals are strings).
#[derive(Debug, Serialize, ToSchema)]
pub struct EvaluationResult {
    /// `{"name", "version", "hash"}` of the version that answered.
    #[schema(value_type = Object)]
    pub ruleset: Json,
    /// The evaluation date used.
    pub as_of: Option<String>,
    /// No `error` constraint is violated.
    pub valid: bool,
    /// The violated constraints: `{"id", "severity", "message"}`.
    #[schema(value_type = Vec<Object>)]
    pub violations: Vec<Json>,
    /// The outputs by name.
    #[schema(value_type = Object)]
    pub outputs: Json,
    /// The price quotes by name: currency, lines, totals.
    #[schema(value_type = Object)]
    pub quotes: Json,
    /// The approval chains and the state of their steps.
    #[schema(value_type = Object)]
    pub approvals: Json,
    /// With `trace`: how each result was reached.
    #[schema(value_type = Option<Object>)]
    pub trace: Option<Json>,
}

/// An error: `{"error": {"kind", "message", ...}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorObject,
}

/// The error object. `kind` is an engine kind (`missing_input`, `invalid_input`,
/// `unknown_field`, `no_match`, `transition`, `invalid_request`, ...) or an HTTP kind
/// (`unauthorized`, `forbidden`, `not_found`, `conflict`, `payload_too_large`, `compile`,
/// `method_not_allowed`, `timeout`, `unavailable`, `internal`).
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorObject {
    pub kind: String,
    pub message: String,
    /// The JSON path of the offending input.
    pub path: Option<String>,
    /// The rule that failed.
    pub rule: Option<String>,
    /// A suggestion.
    pub hint: Option<String>,
    /// Further input problems.
    #[schema(value_type = Option<Vec<Object>>)]
    pub more: Option<Vec<Json>>,
    /// `compile`: the compiler's diagnostics (kind, message, line, column, labels, hint).
    #[schema(value_type = Option<Vec<Object>>)]
    pub diagnostics: Option<Vec<Json>>,
    /// `conflict`: the hash of the version already published.
    pub existing_hash: Option<String>,
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
    /// The request body as received (JSON; a string when it was not JSON).
    #[schema(value_type = Object)]
    pub request: Json,
    /// Hex SHA-256 of the answered body (the result, or the error).
    pub result_sha256: String,
    /// `ok`, or the error kind (for `publish`: `forbidden`, `invalid_request`, `compile`,
    /// `lint`, `conflict`, ...).
    pub outcome: String,
}

/// A page of the audit log, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `cursor` to read the next page; absent on the last page.
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
