//! Publishing ruleset versions and reading what is published.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use ordo_engine::schema::{FieldView, RefinementView};
use ordo_engine::{Ruleset, Selector};
use serde_json::json;

use super::schema::{
    EnumValues, ErrorBody, InputField, InputRefinement, InputSchema, PublishRequest, RulesetList,
    RulesetVersions, VersionDetail, VersionSummary,
};
use super::{AppState, Authenticated, Body, PublishLimits, json_response, with_audit_id};
use crate::auth::{Caller, Role, sha256_hex};
use crate::catalog::{Catalog, PublishedVersion};
use crate::error::ApiError;
use crate::lifecycle::Lifecycle;
use crate::store::{self, AuditRecord, PublishOutcome, StoredVersion};

/// Publishes a version: compiles it, stores it durably, and makes it available. A refused
/// publication is written to the audit log (operation `publish`) before it is answered.
#[utoipa::path(
    post,
    path = "/v1/rulesets",
    tag = "rulesets",
    request_body = PublishRequest,
    responses(
        (status = 201, description = "Published", body = VersionSummary),
        (status = 200, description = "The same content was already published (idempotent)", body = VersionSummary),
        (status = 400, description = "Not a publish request", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal (absent when the server runs without audit)"))),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an author", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal"))),
        (status = 409, description = "This version exists with a different content", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal"))),
        (status = 413, description = "Body too large (`payload_too_large`), or the source and data files are over `--max-source-bytes` (`source_too_large`, audited)", body = ErrorBody),
        (status = 415, description = "The body is not declared `Content-Type: application/json`", body = ErrorBody),
        (status = 422, description = "The ruleset does not compile (`diagnostics`), has lint errors (`findings`) and `allow_lint_errors` is not set, or has a decision table of more rows than `--max-table-rows` (`too_many_rows`)", body = ErrorBody, headers(("x-ordo-audit-id" = i64, description = "The id of the audit entry of this refusal"))),
        (status = 500, description = "The compiled ruleset could not be serialised; nothing was stored", body = ErrorBody),
        (status = 503, description = "The version could not be stored, or the refusal could not be audited (`unavailable`), or every CPU worker is busy and the queue is full (`overloaded`, with `Retry-After`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn publish(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Body(body): Body,
) -> Result<Response, ApiError> {
    let at = store::now_micros();
    let mut subject = Subject::default();
    match try_publish(&state, &caller, &body, &mut subject).await {
        Ok(response) => Ok(response),
        Err(refusal) => refuse(&state, &caller, at, &body, subject, refusal).await,
    }
}

/// What a publish request is about, as far as it is known: the ruleset's name and version
/// once its source parses, and its hash once it compiles.
#[derive(Debug, Default)]
struct Subject {
    name: Option<String>,
    version: Option<String>,
    hash: Option<String>,
}

impl Subject {
    fn of(ruleset: &Ruleset) -> Subject {
        Subject {
            name: Some(ruleset.name().to_string()),
            version: Some(ruleset.version().to_string()),
            hash: Some(ruleset.hash().to_string()),
        }
    }

    /// The name and version the body's source declares, if the body is a publish request
    /// whose source parses (for a refusal before the ruleset compiled).
    fn declared(body: &[u8]) -> Subject {
        let Ok(request) = serde_json::from_slice::<PublishRequest>(body) else {
            return Subject::default();
        };
        match ordo_dsl::parse(&request.source) {
            Ok(ast) => Subject {
                name: Some(ast.name.name),
                version: Some(ast.version.value),
                hash: None,
            },
            Err(_) => Subject::default(),
        }
    }
}

/// Compiles and lints a publication (on a CPU thread): the ruleset and what it is, or the
/// refusal and what the source declares. A decision table over the row limit is refused
/// before anything is compiled.
fn compile_and_lint(
    request: &PublishRequest,
    limits: PublishLimits,
    subject: &mut Subject,
) -> Result<Ruleset, ApiError> {
    let parsed = ordo_dsl::parse(&request.source);
    if let Ok(ast) = &parsed {
        *subject = Subject {
            name: Some(ast.name.name.clone()),
            version: Some(ast.version.value.clone()),
            hash: None,
        };
        check_table_rows(ast, limits.max_table_rows)?;
    }
    let files: ordo_engine::DataFiles = request.files.iter().collect();
    let ruleset = Ruleset::compile_with_files(&request.source, &files)
        .map_err(|d| ApiError::compile(&d, "source", &request.source))?;
    *subject = Subject::of(&ruleset);
    if let (false, Ok(ast)) = (request.allow_lint_errors, parsed) {
        let errors: Vec<_> = ordo_engine::lint::lint(&ruleset, &ast)
            .into_iter()
            .filter(|f| f.level == ordo_engine::lint::Level::Error)
            .collect();
        if !errors.is_empty() {
            return Err(ApiError::lint(&errors, "source", &request.source));
        }
    }
    Ok(ruleset)
}

/// Refuses a ruleset with a decision table of more than `limit` rows (`422 too_many_rows`):
/// the cost of compiling a table grows with its rows.
fn check_table_rows(ast: &ordo_dsl::ast::Ruleset, limit: usize) -> Result<(), ApiError> {
    let largest = ast
        .items
        .iter()
        .filter_map(|item| match item {
            ordo_dsl::ast::Item::Decision(decision) => Some(decision),
            _ => None,
        })
        .find(|decision| decision.rows.len() > limit);
    match largest {
        Some(decision) => Err(ApiError::too_many_rows(
            &decision.name.name,
            decision.rows.len(),
            limit,
        )),
        None => Ok(()),
    }
}

/// Refuses a publication whose source and data files are larger than `limit` bytes
/// (`413 source_too_large`), before any of it is parsed.
fn check_source_size(request: &PublishRequest, limit: usize) -> Result<(), ApiError> {
    let bytes = request
        .files
        .values()
        .fold(request.source.len(), |total, file| {
            total.saturating_add(file.len())
        });
    if bytes > limit {
        return Err(ApiError::source_too_large(bytes, limit));
    }
    Ok(())
}

async fn try_publish(
    state: &AppState,
    caller: &Caller,
    body: &[u8],
    subject: &mut Subject,
) -> Result<Response, ApiError> {
    caller.require(Role::Author)?;
    let request: PublishRequest = serde_json::from_slice(body)
        .map_err(|e| ApiError::invalid_request(format!("expected {{\"source\": \"...\"}}: {e}")))?;
    let limits = state.publish_limits();
    check_source_size(&request, limits.max_source_bytes)?;
    let source = request.source.clone();
    // Compiling, linting and serialising the artifact all recurse over the ruleset: they run
    // on a CPU thread, never on an async worker.
    let (compiled, compiled_subject) = state
        .cpu()
        .run(move || {
            let mut declared = Subject::default();
            let compiled = compile_and_lint(&request, limits, &mut declared).and_then(|ruleset| {
                let artifact = ruleset.to_artifact().map_err(|e| ApiError::from_eval(&e))?;
                Ok((ruleset, artifact))
            });
            (compiled, declared)
        })
        .await?;
    *subject = compiled_subject;
    let (ruleset, artifact) = compiled?;
    caller.require_ruleset(ruleset.name())?;
    if semver::Version::parse(ruleset.version()).is_err() {
        return Err(ApiError::invalid_request(format!(
            "`{}` is not a semantic version (MAJOR.MINOR.PATCH)",
            ruleset.version()
        )));
    }
    // What is already known answers without a write.
    if let Some(existing) = known(state, &ruleset) {
        let lifecycle = state.catalog().lifecycle_of(&existing);
        return answer_existing(&ruleset, existing, &lifecycle);
    }
    // INVARIANT: nothing is stored unless the whole artifact was written (`to_artifact` above
    // answers an error otherwise).
    let stored = StoredVersion {
        name: ruleset.name().to_string(),
        version: ruleset.version().to_string(),
        hash: ruleset.hash().to_string(),
        effective: ruleset.effective().map(|d| d.to_string()),
        source,
        artifact,
        published_by: caller.name().to_string(),
        published_at: store::now_micros(),
    };
    // Storing and cataloguing run as a task of their own: a request cancelled meanwhile (its
    // timeout, a caller that hangs up) cannot leave a stored version the catalogue does not
    // serve. What is stored is served, whatever the caller was told.
    let job_state = state.clone();
    let (status, summary) =
        tokio::spawn(async move { store_and_serve(&job_state, ruleset, stored).await })
            .await
            .map_err(|e| ApiError::internal(format!("the publication stopped: {e}")))??;
    Ok(json_response(status, to_text(&summary)))
}

/// Stores a compiled version and adds what was stored to the catalogue.
async fn store_and_serve(
    state: &AppState,
    ruleset: Ruleset,
    stored: StoredVersion,
) -> Result<(StatusCode, VersionSummary), ApiError> {
    let _turn = state.publishing().await;
    let twin = semver::Version::parse(&stored.version)
        .ok()
        .and_then(|version| {
            let catalog = state.catalog();
            let twin = catalog.same_but_build(&stored.name, &version)?;
            Some((
                twin.ruleset.version().to_string(),
                twin.ruleset.hash().to_string(),
            ))
        });
    if let Some((twin_version, twin_hash)) = twin {
        return Err(ApiError::conflict(format!(
            "{} {twin_version} is published; {} differs from it only in its build metadata, which does not tell versions apart: publish a new version",
            stored.name, stored.version
        ))
        .with("existing_hash", json!(twin_hash))
        .with("existing_version", json!(twin_version)));
    }
    let outcome = state
        .store()
        .publish(stored.clone())
        .await
        .map_err(|e| ApiError::unavailable(format!("the version could not be stored: {e}")))?;
    let (status, published_by, published_at) = match outcome {
        PublishOutcome::Created => (
            StatusCode::CREATED,
            stored.published_by,
            stored.published_at,
        ),
        PublishOutcome::Existing {
            published_by,
            published_at,
        } => (StatusCode::OK, published_by, published_at),
        PublishOutcome::Conflict { existing_hash } => {
            return Err(conflict(&ruleset, &existing_hash));
        }
    };
    let published = PublishedVersion {
        ruleset,
        source: Arc::from(stored.source.as_str()),
        published_by,
        published_at,
    };
    let summary = summary(&published);
    state
        .catalog_mut()
        .add(published)
        .map_err(|e| ApiError::internal(e.into_details().message))?;
    Ok((status, summary))
}

/// Answers a refused publication once its audit entry (operation `publish`, outcome the
/// error's kind) is committed; if the entry cannot be written, the answer is `unavailable`.
async fn refuse(
    state: &AppState,
    caller: &Caller,
    at: i64,
    body: &[u8],
    subject: Subject,
    refusal: ApiError,
) -> Result<Response, ApiError> {
    if !state.audits() {
        return Err(refusal);
    }
    // INVARIANT: a refusal of authorisation never parses the source: parsing is work an
    // unauthorised caller must not be able to cause.
    let unauthorised = matches!(refusal.status().as_u16(), 401 | 403);
    let subject = if subject.name.is_some() || unauthorised {
        subject
    } else {
        let body = body.to_vec();
        state
            .cpu()
            .run(move || Subject::declared(&body))
            .await
            .unwrap_or_default()
    };
    let record = AuditRecord {
        at,
        caller: caller.name().to_string(),
        operation: "publish".to_string(),
        ruleset: subject.name.unwrap_or_default(),
        version: subject.version,
        hash: subject.hash,
        request: state.audit_body(body),
        result_sha256: sha256_hex(refusal.body_text().as_bytes()),
        outcome: refusal.kind().to_string(),
        violations: Vec::new(),
    };
    let id = state.store().audit(record).await.map_err(|e| {
        ApiError::unavailable(format!(
            "the refused publication could not be written to the audit log: {e}"
        ))
    })?;
    Ok(with_audit_id(refusal.into_response(), Some(id)))
}

/// The published version with this name and version, if any.
fn known(state: &AppState, ruleset: &Ruleset) -> Option<PublishedVersion> {
    let version = semver::Version::parse(ruleset.version()).ok()?;
    state
        .catalog()
        .versions(ruleset.name())?
        .get(&version)
        .cloned()
}

fn answer_existing(
    ruleset: &Ruleset,
    existing: PublishedVersion,
    lifecycle: &Lifecycle,
) -> Result<Response, ApiError> {
    if existing.ruleset.hash() == ruleset.hash() {
        let summary = summary(&existing).with_lifecycle(lifecycle);
        Ok(json_response(StatusCode::OK, to_text(&summary)))
    } else {
        Err(conflict(ruleset, existing.ruleset.hash()))
    }
}

fn conflict(ruleset: &Ruleset, existing_hash: &str) -> ApiError {
    ApiError::conflict(format!(
        "{} {} is already published with a different content ({existing_hash}); a published version never changes: publish a new version",
        ruleset.name(),
        ruleset.version()
    ))
    .with("existing_hash", json!(existing_hash))
}

/// Lists every ruleset with its versions.
#[utoipa::path(
    get,
    path = "/v1/rulesets",
    tag = "rulesets",
    responses(
        (status = 200, description = "Every ruleset and its versions", body = RulesetList),
        (status = 401, description = "No or unknown token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
) -> Result<Response, ApiError> {
    let catalog = state.catalog();
    let rulesets = catalog
        .rulesets()
        .filter(|(name, _)| caller.may_use(name))
        .filter_map(|(name, versions)| ruleset_versions(&catalog, name, versions.values()))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        to_text(&RulesetList { rulesets }),
    ))
}

/// Lists the versions of one ruleset.
#[utoipa::path(
    get,
    path = "/v1/rulesets/{name}",
    tag = "rulesets",
    params(("name" = String, Path, description = "The ruleset's name")),
    responses(
        (status = 200, description = "The ruleset's versions", body = RulesetVersions),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 404, description = "No such ruleset", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn versions(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    caller.require_ruleset(&name)?;
    let catalog = state.catalog();
    catalog
        .versions(&name)
        .and_then(|versions| ruleset_versions(&catalog, &name, versions.values()))
        .map(|found| json_response(StatusCode::OK, to_text(&found)))
        .ok_or_else(|| ApiError::not_found(format!("no ruleset `{name}` is published")))
}

/// One version: its source, hash and input schema. `version` may also be a selector
/// (`latest`, `^2`, a date).
#[utoipa::path(
    get,
    path = "/v1/rulesets/{name}/versions/{version}",
    tag = "rulesets",
    params(
        ("name" = String, Path, description = "The ruleset's name"),
        ("version" = String, Path, description = "An exact version, a requirement (`^2`), `latest`, or a date"),
    ),
    responses(
        (status = 200, description = "The version", body = VersionDetail),
        (status = 400, description = "Not a version, requirement, `latest` or date", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 404, description = "No such ruleset or version", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn version(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path((name, version)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require_ruleset(&name)?;
    let selector = Selector::parse(&version).map_err(|e| ApiError::from_eval(&e))?;
    let catalog = state.catalog();
    let published = catalog.resolve(&name, &selector, state.today())?;
    let lifecycle = catalog.lifecycle_of(published);
    let detail = VersionDetail {
        summary: summary(published).with_lifecycle(&lifecycle),
        source: published.source.to_string(),
        input_schema: input_schema(&published.ruleset),
        outputs: published
            .ruleset
            .output_names()
            .into_iter()
            .map(str::to_string)
            .collect(),
    };
    let response = json_response(StatusCode::OK, to_text(&detail));
    Ok(super::lifecycle::with_deprecation(
        response,
        lifecycle.deprecated.as_ref(),
    ))
}

fn ruleset_versions<'a>(
    catalog: &Catalog,
    name: &str,
    versions: impl DoubleEndedIterator<Item = &'a PublishedVersion>,
) -> Option<RulesetVersions> {
    let versions: Vec<VersionSummary> = versions
        .map(|published| summary(published).with_lifecycle(&catalog.lifecycle_of(published)))
        .collect();
    Some(RulesetVersions {
        name: name.to_string(),
        latest: versions.last()?.version.clone(),
        versions,
    })
}

/// The summary of a version, plain (see [`VersionSummary::with_lifecycle`]).
pub(super) fn summary(published: &PublishedVersion) -> VersionSummary {
    let ruleset = &published.ruleset;
    VersionSummary {
        name: ruleset.name().to_string(),
        version: ruleset.version().to_string(),
        hash: ruleset.hash().to_string(),
        effective: ruleset.effective().map(|d| d.to_string()),
        published_by: published.published_by.clone(),
        published_at: store::format_micros(published.published_at),
        yanked: None,
        deprecated: None,
    }
}

fn input_schema(ruleset: &Ruleset) -> InputSchema {
    let schema = ruleset.schema();
    InputSchema {
        fields: schema.inputs().map(|f| input_field(&f)).collect(),
        enums: schema
            .enums()
            .iter()
            .map(|e| EnumValues {
                name: e.name.clone(),
                values: e.values.clone(),
            })
            .collect(),
    }
}

fn input_field(field: &FieldView<'_>) -> InputField {
    let optional = field.is_optional();
    let fields: Vec<InputField> = field.fields().map(|f| input_field(&f)).collect();
    // A record is required when one of its fields is.
    let required = !optional
        && !field.has_default()
        && (fields.is_empty() || fields.iter().any(|f| f.required));
    InputField {
        name: field.name().to_string(),
        ty: field.type_name(),
        required,
        default: field.default_json(),
        fields,
        refinements: field.refinements().map(refinement).collect(),
        message: field.refinement_message().map(str::to_string),
    }
}

fn refinement((view, text): (RefinementView<'_>, &str)) -> InputRefinement {
    let mut out = InputRefinement {
        kind: String::new(),
        text: text.to_string(),
        min: None,
        min_inclusive: None,
        max: None,
        max_inclusive: None,
        pattern: None,
    };
    match view {
        RefinementView::Bounds { lo, hi } => {
            out.kind = "in".to_string();
            (out.min, out.min_inclusive) = lo.map_or((None, None), |(v, i)| (Some(v), Some(i)));
            (out.max, out.max_inclusive) = hi.map_or((None, None), |(v, i)| (Some(v), Some(i)));
        }
        RefinementView::Matching { pattern } => {
            out.kind = "matching".to_string();
            out.pattern = Some(pattern.to_string());
        }
        RefinementView::Len { lo, hi } => {
            out.kind = "len".to_string();
            out.min = Some(lo.to_string());
            out.min_inclusive = Some(true);
            (out.max, out.max_inclusive) =
                hi.map_or((None, None), |(v, i)| (Some(v.to_string()), Some(i)));
        }
    }
    out
}

fn to_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}
