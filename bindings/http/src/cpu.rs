//! CPU work (parsing, compiling, linting) off the async workers, on a thread of its own with a
//! large stack, so a deep but legal source can neither stall the other requests nor overflow
//! the stack of a worker thread.

use crate::error::ApiError;

/// The stack of a thread that parses or compiles: deep nesting recurses deeply.
pub const STACK_BYTES: usize = 64 * 1024 * 1024;

/// Runs `work` on a new thread with a [`STACK_BYTES`] stack and waits for it without blocking
/// the async worker. A request cancelled meanwhile (timeout) lets the thread finish unobserved.
pub async fn run<T, F>(work: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let (send, receive) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("ordo-compile".to_string())
        .stack_size(STACK_BYTES)
        .spawn(move || {
            let _ = send.send(work());
        })
        .map_err(|e| ApiError::unavailable(format!("no thread to compile on: {e}")))?;
    receive
        .await
        .map_err(|_| ApiError::internal("the compile thread stopped without an answer"))
}
