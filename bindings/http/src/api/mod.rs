//! The HTTP API: routes, the shared state they work on, and the layers around them (metrics,
//! tracing, JSON errors, timeout, body limit). Routes are registered through utoipa-axum, so
//! `/openapi.json` describes exactly the routes that exist.

mod activity;
mod approval_leads;
mod approvals;
mod assets;
mod audit;
mod audit_verify;
mod chart_range;
mod delegations;
mod deliveries;
mod guard;
mod instance_write;
mod instances;
mod lifecycle;
mod operations;
pub mod ops_schema;
mod outbox;
mod portal;
mod rules_view;
mod rulesets;
pub mod schema;
mod scope;
mod service;
mod violations;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Access, Caller};
use crate::backend::CatalogStore;
use crate::catalog::Catalog;
use crate::clock::Clock;
use crate::cpu::CpuPool;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::ops::locks::InstanceLocks;
use crate::ops::{Instance, OperationsStore};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

struct Shared {
    /// Replaced as a whole when the tokens file is read again (SIGHUP).
    access: RwLock<Arc<Access>>,
    /// The tokens file, read again by [`AppState::reload_tokens`].
    tokens: Option<std::path::PathBuf>,
    /// The address the server listens on (an open server answers requests addressed to it).
    bound: SocketAddr,
    catalog: RwLock<Catalog>,
    /// Published versions and the audit log.
    store: Arc<dyn CatalogStore>,
    metrics: Arc<Metrics>,
    audit: bool,
    audit_body_cap: usize,
    max_body_bytes: usize,
    publish_limits: PublishLimits,
    cpu: CpuPool,
    limiter: Option<crate::rate::Limiter>,
    ops: Arc<dyn OperationsStore>,
    clock: Arc<dyn Clock>,
    locks: InstanceLocks,
    /// Publications are stored one at a time: the check that build metadata tells no two
    /// versions apart holds up to the commit.
    publishing: tokio::sync::Mutex<()>,
    shutting_down: AtomicBool,
    /// When the store last committed a readiness probe; held while one runs, so probes take
    /// turns and share a recent success.
    probed: tokio::sync::Mutex<Option<Instant>>,
    openapi_json: String,
}

/// What the server compiles at most.
#[derive(Debug, Clone, Copy)]
pub struct PublishLimits {
    /// Bytes of a publication's source and data files together.
    pub max_source_bytes: usize,
    /// Rows of one decision table.
    pub max_table_rows: usize,
}

/// What [`AppState::new`] needs.
pub struct StateParts {
    pub access: Access,
    /// The tokens file `access` was read from (none for an open server).
    pub tokens: Option<std::path::PathBuf>,
    pub bound: SocketAddr,
    pub catalog: Catalog,
    /// Where versions and the audit log are kept.
    pub store: Arc<dyn CatalogStore>,
    pub metrics: Arc<Metrics>,
    pub audit: bool,
    /// Request bodies past this many bytes are audited by digest.
    pub audit_body_cap: usize,
    pub max_body_bytes: usize,
    pub publish_limits: PublishLimits,
    pub cpu: CpuPool,
    /// The buckets of the per-caller rate limit, if there is one.
    pub limiter: Option<crate::rate::Limiter>,
    /// Where workflow instances are kept.
    pub ops: Arc<dyn OperationsStore>,
    /// When instance events happen and timers fall due.
    pub clock: Arc<dyn Clock>,
}

impl AppState {
    fn new(parts: StateParts, openapi_json: String) -> AppState {
        AppState(Arc::new(Shared {
            access: RwLock::new(Arc::new(parts.access)),
            tokens: parts.tokens,
            bound: parts.bound,
            catalog: RwLock::new(parts.catalog),
            store: parts.store,
            metrics: parts.metrics,
            audit: parts.audit,
            audit_body_cap: parts.audit_body_cap,
            max_body_bytes: parts.max_body_bytes,
            publish_limits: parts.publish_limits,
            cpu: parts.cpu,
            limiter: parts.limiter,
            ops: parts.ops,
            clock: parts.clock,
            locks: InstanceLocks::default(),
            publishing: tokio::sync::Mutex::new(()),
            shutting_down: AtomicBool::new(false),
            probed: tokio::sync::Mutex::new(None),
            openapi_json,
        }))
    }

    pub(crate) fn catalog(&self) -> RwLockReadGuard<'_, Catalog> {
        // A panic while holding the lock cannot leave the catalogue half-updated: `add`
        // inserts whole entries.
        self.0
            .catalog
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn catalog_mut(&self) -> RwLockWriteGuard<'_, Catalog> {
        self.0
            .catalog
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The access policy in force.
    pub(crate) fn access(&self) -> Arc<Access> {
        Arc::clone(&self.0.access.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Reads the tokens file again and puts it in force for the requests that follow (the
    /// requests in flight keep their caller). A file that cannot be read or is invalid changes
    /// nothing: the tokens in force stay. Answers how many tokens are in force; an open
    /// server has no file and answers 0.
    pub fn reload_tokens(&self) -> Result<usize, crate::auth::TokensError> {
        let Some(path) = &self.0.tokens else {
            return Ok(0);
        };
        let access = Access::from_file(path)?;
        let count = access.token_count();
        *self
            .0
            .access
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(access);
        Ok(count)
    }

    /// Loads a version another server published (a no-op when it is loaded already).
    pub(crate) async fn follow(
        &self,
        version: crate::store::StoredVersion,
    ) -> Result<(), crate::catalog::LoadError> {
        if self.catalog().contains(&version.name, &version.version) {
            return Ok(());
        }
        let (name, number) = (version.name.clone(), version.version.clone());
        let loaded = tokio::task::spawn_blocking(move || crate::catalog::load_version(version))
            .await
            .map_err(|e| crate::catalog::LoadError {
                name: name.clone(),
                version: number.clone(),
                message: e.to_string(),
            })??;
        self.catalog_mut()
            .add(loaded)
            .map_err(|e| crate::catalog::LoadError {
                name,
                version: number,
                message: e.into_details().message,
            })
    }

    /// Applies a lifecycle change another server stored.
    pub(crate) fn follow_event(&self, event: &crate::lifecycle::VersionEvent) {
        self.catalog_mut().apply_event(event);
    }

    /// The store of published versions and the audit log.
    pub fn store(&self) -> &dyn CatalogStore {
        self.0.store.as_ref()
    }

    /// Marks the server as shutting down (`/readyz` answers 503 from now on).
    pub fn begin_shutdown(&self) {
        self.0.shutting_down.store(true, Ordering::SeqCst);
    }

    /// The store of workflow instances.
    pub(crate) fn ops(&self) -> &dyn OperationsStore {
        self.0.ops.as_ref()
    }

    /// Waits for the lock of instance `id` (see [`InstanceLocks`]).
    pub(crate) async fn lock_instance(&self, id: &str) -> tokio::sync::OwnedMutexGuard<()> {
        self.0.locks.lock(id).await
    }

    /// Today by the server's clock (UTC): which versions are in effect.
    pub(crate) fn today(&self) -> chrono::NaiveDate {
        self.0.clock.now().date_naive()
    }

    /// Held while a publication is checked and stored.
    pub(crate) async fn publishing(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.0.publishing.lock().await
    }

    /// The server's clock.
    pub(crate) fn clock(&self) -> &dyn Clock {
        self.0.clock.as_ref()
    }

    /// The version an instance was pinned to at start.
    pub(crate) fn pinned(&self, instance: &Instance) -> Result<ordo_engine::Ruleset, ApiError> {
        let version = semver::Version::parse(&instance.version).map_err(|e| {
            ApiError::internal(format!(
                "instance `{}` is pinned to `{}`, not a version: {e}",
                instance.id, instance.version
            ))
        })?;
        let ruleset = self
            .catalog()
            .resolve(
                &instance.ruleset,
                &ordo_engine::Selector::Exact(version),
                self.today(),
            )
            .map(|published| published.ruleset.clone())?;
        if ruleset.hash() == instance.hash {
            Ok(ruleset)
        } else {
            Err(ApiError::internal(format!(
                "instance `{}` was started on {} {} with hash {}, which is not the published one",
                instance.id, instance.ruleset, instance.version, instance.hash
            )))
        }
    }

    /// The CPU workers: every parse, compile, lint and evaluation runs on them.
    pub(crate) fn cpu(&self) -> &CpuPool {
        &self.0.cpu
    }

    /// The per-caller rate limit, if there is one.
    pub(crate) fn limiter(&self) -> Option<&crate::rate::Limiter> {
        self.0.limiter.as_ref()
    }

    /// What the server compiles at most.
    fn publish_limits(&self) -> PublishLimits {
        self.0.publish_limits
    }

    /// Whether requests are written to the audit log (off only with `--no-audit`).
    pub(crate) fn audits(&self) -> bool {
        self.0.audit
    }

    /// What an audit entry keeps of request body `body` (see [`audit::stored_body`]).
    pub(crate) fn audit_body(&self, body: &[u8]) -> String {
        audit::stored_body(body, self.0.audit_body_cap)
    }

    /// The marker an audit entry keeps instead of `body` about `instance` when the body is
    /// past the cap (see [`audit::omitted_body`]).
    pub(crate) fn omitted_body(&self, body: &[u8], instance: &str) -> Option<String> {
        audit::omitted_body(body, self.0.audit_body_cap, Some(instance))
    }
}

/// The caller of a request, from its `Authorization` header.
pub struct Authenticated(pub Caller);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        state
            .access()
            .authenticate(&parts.headers)
            .map(Authenticated)
    }
}

/// The raw request body, with a too-large body answered as `payload_too_large`.
pub struct Body(pub Bytes);

impl FromRequest<AppState> for Body {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        Bytes::from_request(request, state)
            .await
            .map(Body)
            .map_err(|rejection| {
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::payload_too_large(state.0.max_body_bytes)
                } else {
                    ApiError::invalid_request(rejection.body_text())
                }
            })
    }
}

/// An answer of `text`, which is already of `content_type`.
fn text_response(status: StatusCode, content_type: &'static str, text: String) -> Response {
    let mut response = (status, text).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// A JSON answer from text that is already JSON.
pub(crate) fn json_response(status: StatusCode, text: String) -> Response {
    text_response(status, "application/json", text)
}

/// A 200 answer of `value` as JSON (`null` should it fail to serialise).
/// The page size a list request asks for (`limit`, 100 when absent), or `400` outside 1..=1000.
fn page_limit(requested: Option<u32>) -> Result<u32, ApiError> {
    const DEFAULT_LIMIT: u32 = 100;
    const MAX_LIMIT: u32 = 1000;
    let limit = requested.unwrap_or(DEFAULT_LIMIT);
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::invalid_request(format!(
            "`limit` must be between 1 and {MAX_LIMIT}"
        )))
    }
}

fn json_ok<T: Serialize>(value: &T) -> Response {
    json_response(
        StatusCode::OK,
        serde_json::to_string(value).unwrap_or_else(|_| "null".to_string()),
    )
}

/// Names the audit entry of an answer in its `x-ordo-audit-id` header.
fn with_audit_id(mut response: Response, id: Option<i64>) -> Response {
    if let Some(id) = id {
        response
            .headers_mut()
            .insert(crate::AUDIT_ID_HEADER, HeaderValue::from(id));
    }
    response
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "ordo",
        description = "Publish versions of ordo rulesets, evaluate them, and read the audit log of every evaluation and every refused publication."
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "rulesets", description = "Publishing and reading ruleset versions"),
        (name = "evaluation", description = "Evaluating a version (every call is audited)"),
        (name = "audit", description = "The audit log"),
        (name = "instances", description = "Workflow instances: the engine decides every event, the server keeps state, input, seq, timers and history (every write is audited)"),
        (name = "approvals", description = "Approval steps granted and rejected by people, and their inbox"),
        (name = "outbox", description = "The actions of every instance event, with their idempotency keys"),
        (name = "portal", description = "What the portal at `/` reads: the caller, an instance's next actions, the review queue"),
        (name = "service", description = "Health, readiness, metrics and this document"),
    )
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The routes, registered with their OpenAPI descriptions.
fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(rulesets::publish, rulesets::list))
        .routes(routes!(rulesets::versions))
        .routes(routes!(rulesets::version))
        .routes(routes!(lifecycle::yank))
        .routes(routes!(lifecycle::unyank))
        .routes(routes!(lifecycle::deprecate))
        .routes(routes!(lifecycle::undeprecate))
        .routes(routes!(operations::evaluate))
        .routes(routes!(operations::configure))
        .routes(routes!(operations::transitions))
        .routes(routes!(operations::apply))
        .routes(routes!(operations::fire_timer))
        .routes(routes!(operations::start))
        .routes(routes!(operations::update))
        .routes(routes!(instances::start, instances::list))
        .routes(routes!(instances::get))
        .routes(routes!(instances::update))
        .routes(routes!(instances::apply))
        .routes(routes!(instances::history))
        .routes(routes!(approvals::grant))
        .routes(routes!(approvals::reject))
        .routes(routes!(approvals::inbox))
        .routes(routes!(delegations::create, delegations::list))
        .routes(routes!(delegations::revoke))
        .routes(routes!(outbox::read))
        .routes(routes!(deliveries::list))
        .routes(routes!(deliveries::retry))
        .routes(routes!(rules_view::diff))
        .routes(routes!(rules_view::lint))
        .routes(routes!(rules_view::graph))
        .routes(routes!(activity::activity))
        .routes(routes!(approval_leads::approval_leads))
        .routes(routes!(violations::violations))
        .routes(routes!(portal::me))
        .routes(routes!(portal::next))
        .routes(routes!(portal::review))
        .routes(routes!(audit::read))
        .routes(routes!(audit_verify::verify))
        .routes(routes!(service::healthz))
        .routes(routes!(service::readyz))
        .routes(routes!(service::metrics))
        .routes(routes!(service::openapi))
}

/// The OpenAPI document of the server, with the engine's result schemas among its components
/// (see [`schema::add_result_schemas`]).
pub fn openapi() -> serde_json::Value {
    document(routes().into_openapi())
}

/// The document utoipa describes the routes with, completed by the engine's result schemas.
fn document(openapi: utoipa::openapi::OpenApi) -> serde_json::Value {
    let mut document = serde_json::to_value(&openapi).unwrap_or_default();
    schema::add_result_schemas(&mut document);
    lifecycle::add_notice_to_schemas(&mut document);
    document
}

/// Settings of the layers around the routes.
pub struct Limits {
    pub max_body_bytes: usize,
    pub request_timeout: Duration,
}

/// The complete application: routes, fallback and layers, bound to its state.
pub fn app(parts: StateParts, limits: &Limits) -> (Router, AppState) {
    let (router, openapi) = routes().fallback(no_route).split_for_parts();
    let router = router.merge(assets::router());
    let openapi_json = ordo_engine::to_json_string(&document(openapi));
    let metrics = Arc::clone(&parts.metrics);
    let state = AppState::new(parts, openapi_json);
    let router = router
        .with_state(state.clone())
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(RequestBodyLimitLayer::new(limits.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            limits.request_timeout,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), guard::guard))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::rate::limit,
        ))
        .layer(middleware::map_response(json_errors))
        .layer(TraceLayer::new_for_http())
        .layer(middleware::from_fn_with_state(metrics, track));
    (router, state)
}

async fn no_route(request: Request) -> ApiError {
    ApiError::not_found(format!(
        "no route for {} {}",
        request.method(),
        request.uri().path()
    ))
}

/// Gives every error answer a JSON body, also those made by layers (timeout, body limit) or by
/// the router (unknown method).
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if status.as_u16() < 400 || is_json {
        return response;
    }
    let allow = response.headers().get(header::ALLOW).cloned();
    let mut replaced = ApiError::from_status(status).into_response();
    if let Some(allow) = allow {
        replaced.headers_mut().insert(header::ALLOW, allow);
    }
    replaced
}

/// Counts requests and times them, by route template.
async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(request).await;
    metrics.observe_request(
        method.as_str(),
        &route,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}
