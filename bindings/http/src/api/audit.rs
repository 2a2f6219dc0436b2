//! The audit log: what an entry keeps of a request body (the body, or past the cap its digest
//! and size), and reading the log with filters by ruleset, version, caller and time, paged by
//! cursor, by count and by bytes.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde_json::Value as Json;

use super::schema::{AuditEntry, AuditPage, AuditParams, ErrorBody, OmittedBody};
use super::{AppState, Authenticated, json_ok, page_limit};
use crate::auth::{Role, sha256_hex};
use crate::error::ApiError;
use crate::store::{self, AuditQuery};

/// Reads the audit log, oldest entry first.
#[utoipa::path(
    get,
    path = "/v1/audit",
    tag = "audit",
    params(AuditParams),
    responses(
        (status = 200, description = "A page of entries", body = AuditPage),
        (status = 400, description = "A malformed filter or cursor", body = ErrorBody),
        (status = 401, description = "No or unknown token", body = ErrorBody),
        (status = 403, description = "Not an auditor", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn read(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    params: Result<Query<AuditParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    caller.require(Role::Auditor)?;
    let Query(params) = params.map_err(|e| ApiError::invalid_request(e.body_text()))?;
    let query = to_query(params)?;
    let limit = query.limit;
    // A token limited to rulesets reads only their entries; naming another finds none.
    let rulesets = caller.rulesets().map(<[String]>::to_vec);
    if let (Some(allowed), Some(named)) = (&rulesets, &query.ruleset)
        && !allowed.contains(named)
    {
        return Ok(json_ok(&AuditPage {
            entries: Vec::new(),
            next_cursor: None,
        }));
    }
    // One row past the page says whether another page follows.
    let (rows, full) = state
        .store()
        .audit_log(
            AuditQuery {
                limit: limit + 1,
                ..query
            },
            rulesets,
            MAX_PAGE_BYTES,
        )
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let more = full || rows.len() > limit as usize;
    let entries: Vec<AuditEntry> = rows
        .into_iter()
        .take(limit as usize)
        .map(|(id, record)| {
            let (request, request_omitted) = read_request(record.request);
            AuditEntry {
                id,
                at: store::format_micros(record.at),
                caller: record.caller,
                operation: record.operation,
                ruleset: record.ruleset,
                version: record.version,
                hash: record.hash,
                request,
                request_omitted,
                result_sha256: record.result_sha256,
                outcome: record.outcome,
            }
        })
        .collect();
    let next_cursor = if more {
        entries.last().map(|e| e.id.to_string())
    } else {
        None
    };
    let page = AuditPage {
        entries,
        next_cursor,
    };
    Ok(json_ok(&page))
}

/// The most bytes of entries one page of `GET /v1/audit` holds (a single larger entry is
/// answered alone).
pub const MAX_PAGE_BYTES: usize = 4 * 1024 * 1024;

/// What starts the stored request of an entry whose body was past the cap. No JSON text
/// starts with `#`, and a body that starts with the marker is stored by digest too, so a
/// stored body is never taken for a marker. (No NUL: PostgreSQL `TEXT` refuses it.)
const OMITTED: &str = "#ordo-omitted-body ";

/// The marker of stores written before it changed (read, never written).
const OMITTED_BEFORE: &str = "\u{0}ordo-omitted-body ";

/// The request text an audit entry stores for `body`: `None` to store it as it was received,
/// else (the body is longer than `cap` bytes, or starts like this marker or the former one)
/// the marker of its SHA-256 and size, with the instance the request was about.
pub(crate) fn omitted_body(body: &[u8], cap: usize, instance: Option<&str>) -> Option<String> {
    let like_marker =
        body.starts_with(OMITTED.as_bytes()) || body.starts_with(OMITTED_BEFORE.as_bytes());
    if body.len() <= cap && !like_marker {
        return None;
    }
    let digest = OmittedBody {
        sha256: sha256_hex(body),
        bytes: u64::try_from(body.len()).unwrap_or(u64::MAX),
        instance: instance.map(str::to_string),
    };
    let text = serde_json::to_string(&digest).unwrap_or_default();
    Some(format!("{OMITTED}{text}"))
}

/// The request body an audit entry stores: the body as received (lossy UTF-8), or the marker
/// of its digest when it is past `cap` bytes.
pub(crate) fn stored_body(body: &[u8], cap: usize) -> String {
    omitted_body(body, cap, None).unwrap_or_else(|| String::from_utf8_lossy(body).into_owned())
}

/// A stored request as answered: the body (JSON, else a string), or for a body stored by
/// digest, `{"instance"}` (or `null`) and the digest.
fn read_request(stored: String) -> (Json, Option<OmittedBody>) {
    if let Some(marker) = stored
        .strip_prefix(OMITTED)
        .or_else(|| stored.strip_prefix(OMITTED_BEFORE))
        && let Ok(omitted) = serde_json::from_str::<OmittedBody>(marker)
    {
        let request = omitted
            .instance
            .as_ref()
            .map_or(Json::Null, |id| serde_json::json!({ "instance": id }));
        return (request, Some(omitted));
    }
    let request = serde_json::from_str(&stored).unwrap_or(Json::String(stored));
    (request, None)
}

fn to_query(params: AuditParams) -> Result<AuditQuery, ApiError> {
    let time = |name: &str, text: Option<String>| {
        text.map(|t| {
            store::parse_time(&t).ok_or_else(|| {
                ApiError::invalid_request(format!(
                    "`{name}` must be an RFC 3339 time (2026-03-01T09:00:00Z), not `{t}`"
                ))
            })
        })
        .transpose()
    };
    let limit = page_limit(params.limit)?;
    let after = params
        .cursor
        .map(|c| {
            c.parse::<i64>().map_err(|_| {
                ApiError::invalid_request(format!("`{c}` is not a cursor of this log"))
            })
        })
        .transpose()?;
    Ok(AuditQuery {
        ruleset: params.ruleset,
        version: params.version,
        caller: params.caller,
        from: time("from", params.from)?,
        to: time("to", params.to)?,
        after,
        limit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_omitted_marker_has_no_nul_and_reads_back() {
        let stored = omitted_body(&[b'x'; 10], 4, Some("i-1")).unwrap_or_default();
        assert!(!stored.contains('\u{0}'));
        assert!(stored.starts_with(OMITTED));
        let (request, omitted) = read_request(stored);
        assert_eq!(request, serde_json::json!({ "instance": "i-1" }));
        assert_eq!(omitted.map(|o| o.bytes), Some(10));
    }

    #[test]
    fn a_body_that_looks_like_the_marker_is_stored_by_digest() {
        let body = format!("{OMITTED}{{\"sha256\":\"00\",\"bytes\":1}}");
        let stored = stored_body(body.as_bytes(), 1024);
        let (_, omitted) = read_request(stored);
        assert_eq!(omitted.map(|o| o.bytes), Some(body.len() as u64));
        // A small JSON body is kept as it is.
        assert_eq!(stored_body(b"{\"a\":1}", 1024), "{\"a\":1}");
    }

    #[test]
    fn markers_of_older_stores_still_read() {
        let stored = format!("{OMITTED_BEFORE}{{\"sha256\":\"00\",\"bytes\":7}}");
        let (request, omitted) = read_request(stored);
        assert_eq!(request, Json::Null);
        assert_eq!(omitted.map(|o| o.bytes), Some(7));
    }
}
