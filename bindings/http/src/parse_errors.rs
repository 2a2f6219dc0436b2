//! JSON bodies for the answers the HTTP layer gives by itself. hyper answers a request it cannot
//! parse — a malformed request line (`400`), a URI over 64 KiB (`414`), headers over its
//! buffer (`431`) — with a bare status and no body, then closes the connection; no route or
//! layer of ours sees the request. [`JsonParseErrors`] wraps a connection and replaces such an
//! answer, as it is written, with the same status and a JSON error body like every other one.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::http::StatusCode;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::error::ApiError;

/// A connection whose bodiless `400`, `414` and `431` answers get a JSON error body.
#[derive(Debug)]
pub struct JsonParseErrors<T> {
    inner: T,
    /// The replacement being written, and how much of it is written.
    replacing: Option<(Vec<u8>, usize)>,
}

impl<T> JsonParseErrors<T> {
    /// Wraps a connection.
    pub fn new(inner: T) -> JsonParseErrors<T> {
        JsonParseErrors {
            inner,
            replacing: None,
        }
    }
}

/// The complete answer that replaces `head` when it is one of hyper's bodiless parse-error
/// answers. Every answer of the routes and layers has a body, so a head with
/// `content-length: 0` and one of these statuses can only be hyper's.
fn replacement(head: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(head.get(..head.len().min(512))?).ok()?;
    let status = text.strip_prefix("HTTP/1.1 ")?.get(..3)?;
    let error = match status {
        "400" => ApiError::invalid_request("the request is not valid HTTP/1.1"),
        "414" => ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            "the request's path and query are longer than the server reads (64 KiB)",
        ),
        "431" => ApiError::new(
            StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            "headers_too_large",
            "the request's headers are larger than the server reads",
        ),
        _ => return None,
    };
    let (head_text, _) = text.split_once("\r\n\r\n")?;
    if !head_text
        .to_ascii_lowercase()
        .contains("\r\ncontent-length: 0")
    {
        return None;
    }
    let body = error.body_text();
    let status_line = head_text.split("\r\n").next()?;
    Some(
        format!(
            "{status_line}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_bytes(),
    )
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonParseErrors<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonParseErrors<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.replacing.is_none() {
            match replacement(buf) {
                Some(bytes) => self.replacing = Some((bytes, 0)),
                None => return Pin::new(&mut self.inner).poll_write(cx, buf),
            }
        }
        let this = &mut *self;
        if let Some((bytes, written)) = &mut this.replacing {
            while let Some(rest) = bytes.get(*written..).filter(|rest| !rest.is_empty()) {
                let n = ready!(Pin::new(&mut this.inner).poll_write(cx, rest))?;
                if n == 0 {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                *written += n;
            }
        }
        // The answer hyper wrote counts as written: after it, the connection closes.
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bodiless_parse_error_answers_are_replaced() {
        let bare =
            b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let replaced = String::from_utf8(replacement(bare).unwrap()).unwrap();
        assert!(replaced.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
        let (_, body) = replaced.split_once("\r\n\r\n").unwrap();
        assert!(replaced.contains(&format!("content-length: {}\r\n", body.len())));
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["error"]["kind"], "headers_too_large", "{replaced}");
        let ours = b"HTTP/1.1 414 URI Too Long\r\ncontent-type: application/json\r\ncontent-length: 80\r\n\r\n{}";
        assert!(replacement(ours).is_none());
        assert!(replacement(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").is_none());
    }
}
