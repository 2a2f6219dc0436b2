//! The errors the server answers with: always `{"error": {"kind", "message", ...}}`, where
//! `kind` is one of the engine's stable run-time kinds (`missing_input`, `no_match`, ...) or an
//! HTTP kind (`unauthorized`, `forbidden`, `not_found`, `conflict`, `payload_too_large`, ...).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ordo_engine::{Diagnostics, ErrorKind, EvalError};
use serde_json::{Value as Json, json};

/// An error answer: a status and the JSON object under `"error"`.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    /// `{"kind", "message", ...}`.
    body: Json,
    /// Seconds to wait before trying again (`Retry-After`), for a refusal under load.
    retry_after: Option<u32>,
}

impl ApiError {
    /// An error of an HTTP kind with a message.
    pub fn new(status: StatusCode, kind: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: json!({"kind": kind, "message": message.into()}),
            retry_after: None,
        }
    }

    /// 401: no credentials, or credentials the server does not know.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403: a known caller without the role the endpoint needs.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404: no such ruleset, version or route.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 409: the version exists with a different content.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }

    /// 413: the request body is larger than the server accepts.
    pub fn payload_too_large(limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the request body is larger than {limit} bytes"),
        )
        .with("limit", json!(limit))
    }

    /// 400: a request the server cannot read (the engine's `invalid_request` kind).
    pub fn invalid_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "invalid_request", message)
    }

    /// 500: something on the server failed; the request was not carried out.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }

    /// 503: the server cannot take requests (shutting down, or its store is gone).
    pub fn unavailable(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
    }

    /// 503 with `Retry-After`: every CPU worker is busy and the queue for them is full.
    pub fn overloaded(message: impl Into<String>, retry_after_secs: u32) -> ApiError {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "overloaded", message)
            .with_retry_after(retry_after_secs)
    }

    /// Adds `Retry-After` (and `retry_after` in the body): the seconds to wait before
    /// trying again.
    pub fn with_retry_after(mut self, seconds: u32) -> ApiError {
        self = self.with("retry_after", json!(seconds));
        self.retry_after = Some(seconds);
        self
    }

    /// 413: the publication's source (with its data files) is larger than the server compiles.
    pub fn source_too_large(bytes: usize, limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "source_too_large",
            format!(
                "the source and its data files are {bytes} bytes; the server compiles at most {limit} bytes (--max-source-bytes)"
            ),
        )
        .with("limit", json!(limit))
        .with("size", json!(bytes))
    }

    /// 422: a decision table has more rows than the server compiles.
    pub fn too_many_rows(table: &str, rows: usize, limit: usize) -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_rows",
            format!(
                "the decision table `{table}` has {rows} rows; the server compiles at most {limit} rows per table (--max-table-rows): split it"
            ),
        )
        .with("table", json!(table))
        .with("rows", json!(rows))
        .with("limit", json!(limit))
    }

    /// 422 with the compiler's diagnostics (`diagnostics` is the engine's JSON form of them).
    pub fn compile(diagnostics: &Diagnostics, file: &str, source: &str) -> ApiError {
        let count = diagnostics.0.len();
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "compile",
            format!(
                "the ruleset does not compile ({count} {})",
                if count == 1 { "problem" } else { "problems" }
            ),
        )
        .with("diagnostics", diagnostics.to_json(file, source))
    }

    /// The ruleset compiles but `ordo lint` finds errors in it.
    pub fn lint(findings: &[ordo_engine::lint::Finding], file: &str, source: &str) -> ApiError {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "lint",
            format!(
                "the ruleset has {} lint error(s); fix them or publish with \"allow_lint_errors\": true",
                findings.len()
            ),
        )
        .with(
            "findings",
            Json::Array(findings.iter().map(|f| f.to_json(file, source)).collect()),
        )
    }

    /// An engine error: its own JSON (`kind`, `message`, `path`, `rule`, `hint`, `more`).
    /// A malformed request is a 400, an input or a rule that fails a 422, and an engine
    /// failure that is no fault of the request (`internal`) a 500.
    pub fn from_eval(error: &EvalError) -> ApiError {
        let status = match error.kind {
            ErrorKind::InvalidRequest => StatusCode::BAD_REQUEST,
            ErrorKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError {
            status,
            body: error.to_json(),
            retry_after: None,
        }
    }

    /// The error for a bare status some layer answered with (a timeout, an unknown method).
    pub fn from_status(status: StatusCode) -> ApiError {
        let (kind, message) = match status {
            StatusCode::NOT_FOUND => ("not_found", "no such route"),
            StatusCode::METHOD_NOT_ALLOWED => {
                ("method_not_allowed", "this route does not take this method")
            }
            StatusCode::PAYLOAD_TOO_LARGE => (
                "payload_too_large",
                "the request body is larger than the server accepts",
            ),
            StatusCode::REQUEST_TIMEOUT => {
                ("timeout", "the request took too long and was cancelled")
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => (
                "unsupported_media_type",
                "send the request body as application/json",
            ),
            StatusCode::URI_TOO_LONG => {
                ("uri_too_long", "the request's path and query are too long")
            }
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE => {
                ("headers_too_large", "the request's headers are too large")
            }
            StatusCode::UNAUTHORIZED => ("unauthorized", "credentials are required"),
            StatusCode::FORBIDDEN => ("forbidden", "not allowed"),
            s if s.is_client_error() => ("invalid_request", "the request was refused"),
            _ => ("internal", "the server failed to answer"),
        };
        ApiError::new(status, kind, message)
    }

    /// Adds a suggestion (`hint`), when there is one.
    pub fn with_hint(self, hint: Option<&str>) -> ApiError {
        match hint {
            Some(hint) => self.with("hint", Json::String(hint.to_string())),
            None => self,
        }
    }

    /// Adds a field to the error object (`existing_hash`, `limit`, ...).
    pub fn with(mut self, key: &str, value: Json) -> ApiError {
        if let Some(object) = self.body.as_object_mut() {
            object.insert(key.to_string(), value);
        }
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The stable kind (`not_found`, `missing_input`, ...).
    pub fn kind(&self) -> &str {
        self.body
            .get("kind")
            .and_then(Json::as_str)
            .unwrap_or("internal")
    }

    /// The full answer body, `{"error": {...}}`, as text.
    pub fn body_text(&self) -> String {
        ordo_engine::to_json_string(&json!({"error": self.body}))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = crate::api::json_response(self.status, self.body_text());
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_kinds_map_to_statuses() {
        let status = |kind| ApiError::from_eval(&EvalError::new(kind, "m")).status();
        assert_eq!(status(ErrorKind::InvalidRequest), StatusCode::BAD_REQUEST);
        assert_eq!(
            status(ErrorKind::MissingInput),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            status(ErrorKind::Transition),
            StatusCode::UNPROCESSABLE_ENTITY
        );
        // An engine failure (an artifact that cannot be written) is the server's, not the
        // caller's.
        let internal = ApiError::from_eval(&EvalError::new(ErrorKind::Internal, "m"));
        assert_eq!(internal.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(internal.kind(), "internal");
    }
}
