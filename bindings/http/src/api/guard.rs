//! Checks every request passes before it reaches a route: its path and query are at most
//! [`MAX_URI_BYTES`] long (`414` otherwise), a request body is JSON (`415` otherwise), and, on an open server (no tokens), the request comes from this machine and not
//! from a web page of another site (`Host` and `Origin`, `403` otherwise). Without them any web
//! page a local user opens could publish to an open server: a `text/plain` body needs no CORS
//! preflight, and a DNS name that resolves to 127.0.0.1 reaches it.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::error::ApiError;

/// The longest path and query a request may have, in bytes. (A request line longer than the
/// HTTP layer reads, 64 KiB, is answered `414` by it, without a body.)
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Refuses what [the module](self) describes, and passes everything else on.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let uri_bytes = request
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if uri_bytes > MAX_URI_BYTES {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the request's path and query are {uri_bytes} bytes; the server reads at most {MAX_URI_BYTES}"),
        )
        .with("limit", serde_json::json!(MAX_URI_BYTES))
        .into_response();
    }
    if let Err(refusal) = check(&state, request.method(), request.headers()) {
        return refusal.into_response();
    }
    next.run(request).await
}

fn check(state: &AppState, method: &Method, headers: &HeaderMap) -> Result<(), ApiError> {
    if state.access().is_open() {
        check_host(headers, state.0.bound)?;
        check_origin(headers)?;
    }
    if matches!(*method, Method::POST | Method::PUT | Method::PATCH) {
        check_json(headers)?;
    }
    Ok(())
}

/// The body of a `POST`, `PUT` or `PATCH` must be declared `application/json`.
fn check_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let declared = headers
        .get(header::CONTENT_TYPE)
        .map(|value| value.to_str().unwrap_or("(not text)"));
    let is_json = declared
        .and_then(|value| value.split(';').next())
        .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"));
    if is_json {
        return Ok(());
    }
    let sent = declared.map_or_else(|| "no Content-Type".to_string(), |v| format!("`{v}`"));
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
        format!(
            "send the request body as JSON with `Content-Type: application/json` (this request has {sent})"
        ),
    ))
}

/// An open server answers only requests addressed to a loopback name or address, or to the
/// address it is bound to: a page of another site that rebinds its DNS name to 127.0.0.1
/// sends its own name.
fn check_host(headers: &HeaderMap, bound: SocketAddr) -> Result<(), ApiError> {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    if is_local_host(host_name(host), bound) {
        return Ok(());
    }
    Err(ApiError::forbidden(format!(
        "an open server (without --tokens) answers only requests to localhost, 127.0.0.1, [::1] or {bound}; this one is addressed to `{host}`"
    )))
}

/// An open server refuses requests a web page sends: only pages served from this machine
/// (a loopback origin) may call it.
fn check_origin(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(origin) = headers.get(header::ORIGIN) else {
        return Ok(());
    };
    let text = origin.to_str().unwrap_or_default();
    let authority = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"));
    let local = authority.is_some_and(|authority| {
        let name = host_name(authority);
        name == "localhost" || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
    });
    if local {
        return Ok(());
    }
    Err(ApiError::forbidden(format!(
        "an open server (without --tokens) does not answer requests of web pages from `{text}`"
    )))
}

/// The name or address of a `Host` value or an origin's authority, without the port and the
/// brackets of an IPv6 address.
fn host_name(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    authority.split(':').next().unwrap_or_default()
}

fn is_local_host(name: &str, bound: SocketAddr) -> bool {
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback() || ip == bound.ip())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_origins() {
        let bound = SocketAddr::from(([127, 0, 0, 1], 8080));
        for local in [
            "localhost:8080",
            "127.0.0.1:8080",
            "127.0.0.1",
            "[::1]:8080",
            "LOCALHOST",
        ] {
            assert!(is_local_host(host_name(local), bound), "{local}");
        }
        for remote in [
            "evil.example:8080",
            "",
            "[::2]",
            "10.0.0.1:8080",
            "localhost.evil.example",
        ] {
            assert!(!is_local_host(host_name(remote), bound), "{remote}");
        }
        let origin = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ORIGIN, header::HeaderValue::from_static(value));
            check_origin(&headers).is_ok()
        };
        assert!(origin("http://localhost:3000"));
        assert!(origin("http://[::1]:8080"));
        assert!(!origin("https://evil.example"));
        assert!(!origin("null"));
        assert!(check_origin(&HeaderMap::new()).is_ok());
    }

    #[test]
    fn only_json_bodies() {
        let with = |value: &'static str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::CONTENT_TYPE,
                header::HeaderValue::from_static(value),
            );
            check_json(&headers).is_ok()
        };
        assert!(with("application/json"));
        assert!(with("Application/JSON; charset=utf-8"));
        assert!(!with("text/plain"));
        assert!(!with("application/x-www-form-urlencoded"));
        assert!(check_json(&HeaderMap::new()).is_err());
    }
}
