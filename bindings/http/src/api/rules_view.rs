//! Reading published versions as the portal's rules page shows them: what changed between two
//! versions (`ordo diff`: the input schema, the rules by id, the data) and the lint findings of
//! a version (`ordo lint`), and its graphs (`ordo graph`: the data flow, or a workflow's states
//! and transitions). Every known caller may read them, as it may read the sources.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use ordo_engine::Selector;
use ordo_engine::diff::RulesetDiff;
use ordo_engine::lint::graph::{Graph, WorkflowGraph};
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

/// The drawing `GET /v1/rulesets/{name}/versions/{version}/graph` asks for.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct GraphParams {
    /// A workflow's states and transitions; without it, the data-flow map.
    pub workflow: Option<String>,
}

/// One node of a drawing.
#[derive(Debug, Serialize, ToSchema)]
pub struct GraphNode {
    /// Unique in the drawing; edges name it (a state's name in a workflow).
    pub id: String,
    pub label: String,
    /// `input`, `table`, `decision`, `let`, `output`, `constraint`, ... in the data flow;
    /// `state` in a workflow.
    pub kind: String,
    /// A workflow's initial state.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub initial: bool,
    /// A workflow's final state.
    #[serde(rename = "final", skip_serializing_if = "std::ops::Not::not")]
    pub is_final: bool,
    /// A state's owner and SLA as written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One arrow of a drawing: in the data flow `to` reads `from`; in a workflow a transition.
#[derive(Debug, Serialize, ToSchema)]
pub struct GraphEdge {
    pub from: String,
    pub to: String,
    /// A transition's name, roles and guard.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// `GET /v1/rulesets/{name}/versions/{version}/graph`.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionGraph {
    pub name: String,
    pub version: String,
    /// The workflow drawn; none for the data-flow map.
    pub workflow: Option<String>,
    /// Every workflow the version declares, in order (what else may be drawn).
    pub workflows: Vec<String>,
    /// `ordo graph` (`--workflow W`) as Mermaid.
    pub mermaid: String,
    /// The same as Graphviz DOT.
    pub dot: String,
    /// The nodes and edges, for a client that lays them out itself.
    pub nodes: Vec<GraphNode>,
    pub edges: Vec<GraphEdge>,
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

/// A version's data-flow map, or one workflow's states and transitions, as `ordo graph`
/// draws them (Mermaid and DOT) and as nodes and edges.
#[utoipa::path(
    get,
    path = "/v1/rulesets/{name}/versions/{version}/graph",
    tag = "rulesets",
    params(
        ("name" = String, Path, description = "The ruleset's name"),
        ("version" = String, Path, description = "An exact version, a requirement (`^2`), `latest`, or a date"),
        GraphParams,
    ),
    responses(
        (status = 200, description = "The drawing", body = VersionGraph),
        (status = 400, description = "Not a version, requirement, `latest` or date; an unknown parameter", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 404, description = "No such ruleset, version or workflow", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn graph(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path((name, version)): Path<(String, String)>,
    params: Result<Query<GraphParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require_ruleset(&name)?;
    let Query(params) = params.map_err(|e| ApiError::invalid_request(e.body_text()))?;
    let published = published(&state, &name, &version)?;
    let answer = state
        .cpu()
        .run(move || {
            let ast = syntax(&published)?;
            let workflows: Vec<String> = WorkflowGraph::names(&ast)
                .into_iter()
                .map(str::to_string)
                .collect();
            let (mermaid, dot, nodes, edges) = match &params.workflow {
                Some(workflow) => {
                    let drawn = WorkflowGraph::of(&ast, workflow).ok_or_else(|| {
                        ApiError::not_found(format!(
                            "{} {} has no workflow `{workflow}`",
                            published.ruleset.name(),
                            published.ruleset.version()
                        ))
                    })?;
                    let (nodes, edges) = workflow_parts(&drawn);
                    (drawn.to_mermaid(), drawn.to_dot(), nodes, edges)
                }
                None => {
                    let drawn = ordo_engine::lint::graph::build(&ast);
                    let (nodes, edges) = data_flow_parts(&drawn);
                    (drawn.to_mermaid(), drawn.to_dot(), nodes, edges)
                }
            };
            Ok::<_, ApiError>(VersionGraph {
                name: published.ruleset.name().to_string(),
                version: published.ruleset.version().to_string(),
                workflow: params.workflow,
                workflows,
                mermaid,
                dot,
                nodes,
                edges,
            })
        })
        .await??;
    Ok(json_ok(&answer))
}

/// The data-flow map's nodes (`n0`, `n1`, ... as in its Mermaid text) and edges.
fn data_flow_parts(graph: &Graph) -> (Vec<GraphNode>, Vec<GraphEdge>) {
    let nodes = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| GraphNode {
            id: format!("n{i}"),
            label: node.name.clone(),
            kind: node.kind.as_str().to_string(),
            initial: false,
            is_final: false,
            note: None,
        })
        .collect();
    let edges = graph
        .edges
        .iter()
        .map(|(from, to)| GraphEdge {
            from: format!("n{from}"),
            to: format!("n{to}"),
            label: None,
        })
        .collect();
    (nodes, edges)
}

/// A workflow's states (and `previous_state` when a transition returns to it) and transitions.
fn workflow_parts(workflow: &WorkflowGraph) -> (Vec<GraphNode>, Vec<GraphEdge>) {
    let mut nodes: Vec<GraphNode> = workflow
        .states
        .iter()
        .map(|s| GraphNode {
            id: s.name.clone(),
            label: s.name.clone(),
            kind: "state".to_string(),
            initial: s.initial,
            is_final: s.is_final,
            note: (!s.note.is_empty()).then(|| s.note.clone()),
        })
        .collect();
    for t in &workflow.transitions {
        if !nodes.iter().any(|n| n.id == t.to) {
            nodes.push(GraphNode {
                id: t.to.clone(),
                label: t.to.clone(),
                kind: "previous".to_string(),
                initial: false,
                is_final: false,
                note: None,
            });
        }
    }
    let edges = workflow
        .transitions
        .iter()
        .map(|t| GraphEdge {
            from: t.from.clone(),
            to: t.to.clone(),
            label: Some(t.label.clone()),
        })
        .collect();
    (nodes, edges)
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
