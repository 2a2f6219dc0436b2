//! Reading published versions as the portal's rules page shows them: what changed between two
//! versions (`ordo diff`: the input schema, the rules by id, the data) and the lint findings of
//! a version (`ordo lint`). Every known caller may read them, as it may read the sources.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use ordo_engine::Selector;
use ordo_engine::diff::RulesetDiff;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use utoipa::{IntoParams, ToSchema};

use super::schema::ErrorBody;
use super::{AppState, Authenticated, json_ok};
use crate::catalog::PublishedVersion;
use crate::error::ApiError;

/// The two versions of `GET /v1/rulesets/{name}/diff`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DiffParams {
    /// The old version (exact, requirement, `latest` or date).
    pub from: String,
    /// The new version (exact, requirement, `latest` or date).
    pub to: String,
}

/// `GET /v1/rulesets/{name}/diff`.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDiff {
    /// `ordo diff --format json`'s report: `old`, `new`, `breaking`, `major_bump`, `schema`,
    /// `rules`, `data`.
    #[schema(value_type = Object)]
    pub diff: Json,
    /// The same report as `ordo diff` prints it.
    pub text: String,
}

/// `GET /v1/rulesets/{name}/versions/{version}/lint`.
#[derive(Debug, Serialize, ToSchema)]
pub struct LintReport {
    pub name: String,
    pub version: String,
    /// `ordo lint --format json`'s findings: `id`, `level`, `message`, `line`, `column`, ...
    #[schema(value_type = Vec<Object>)]
    pub findings: Vec<Json>,
}

/// What changed from one version to another: the input schema (and whether the change breaks
/// old inputs), the rules by id, and the data tables.
#[utoipa::path(
    get,
    path = "/v1/rulesets/{name}/diff",
    tag = "rulesets",
    params(("name" = String, Path, description = "The ruleset's name"), DiffParams),
    responses(
        (status = 200, description = "The differences", body = VersionDiff),
        (status = 400, description = "A missing or malformed `from` or `to`", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 404, description = "No such ruleset or version", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn diff(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(name): Path<String>,
    params: Result<Query<DiffParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require_ruleset(&name)?;
    let Query(params) = params.map_err(|e| ApiError::invalid_request(e.body_text()))?;
    let old = published(&state, &name, &params.from)?;
    let new = published(&state, &name, &params.to)?;
    let answer = state
        .cpu()
        .run(move || {
            let diff =
                RulesetDiff::between(&old.ruleset, &syntax(&old)?, &new.ruleset, &syntax(&new)?);
            Ok::<_, ApiError>(VersionDiff {
                diff: diff.to_json(),
                text: diff.render(),
            })
        })
        .await??;
    Ok(json_ok(&answer))
}

/// The lint findings of a version (gaps and overlaps of decision tables, constraints that
/// always or never hold, unused inputs, ...).
#[utoipa::path(
    get,
    path = "/v1/rulesets/{name}/versions/{version}/lint",
    tag = "rulesets",
    params(
        ("name" = String, Path, description = "The ruleset's name"),
        ("version" = String, Path, description = "An exact version, a requirement (`^2`), `latest`, or a date"),
    ),
    responses(
        (status = 200, description = "The findings", body = LintReport),
        (status = 400, description = "Not a version, requirement, `latest` or date", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 404, description = "No such ruleset or version", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn lint(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path((name, version)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require_ruleset(&name)?;
    let published = published(&state, &name, &version)?;
    let report = state
        .cpu()
        .run(move || {
            let ast = syntax(&published)?;
            let file = format!("{}.ordo", published.ruleset.name());
            let findings = ordo_engine::lint::lint(&published.ruleset, &ast)
                .iter()
                .map(|finding| finding.to_json(&file, &published.source))
                .collect();
            Ok::<_, ApiError>(LintReport {
                name: published.ruleset.name().to_string(),
                version: published.ruleset.version().to_string(),
                findings,
            })
        })
        .await??;
    Ok(json_ok(&report))
}

/// The published version `selector` picks, or `404`.
fn published(state: &AppState, name: &str, selector: &str) -> Result<PublishedVersion, ApiError> {
    let selector = Selector::parse(selector).map_err(|e| ApiError::from_eval(&e))?;
    Ok(state
        .catalog()
        .resolve(name, &selector, state.today())?
        .clone())
}

/// The syntax tree of a published version (it compiled when it was published, so it parses).
fn syntax(published: &PublishedVersion) -> Result<ordo_dsl::ast::Ruleset, ApiError> {
    ordo_dsl::parse(&published.source).map_err(|_| {
        ApiError::internal(format!(
            "the published source of {} {} does not parse",
            published.ruleset.name(),
            published.ruleset.version()
        ))
    })
}
