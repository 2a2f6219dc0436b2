//! Cooperative cancellation of long work. A host that stops waiting for a compile, a lint or an
//! evaluation (a server whose request timed out) cancels its [`Cancel`]; the work run inside
//! [`Cancel::scope`] on that thread notices at its next check — between the rows of a table or
//! a decision, between the combinations a lint tries — and ends early with an error (a lint with
//! the findings so far), so the thread is free again instead of finishing work nobody will
//! read.
//!
//! The token is in force for the thread that runs the scope, so no signature changes: code that
//! never opens a scope is never cancelled, and a check outside one costs a thread-local read.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A cancellation token, cheap to clone; every clone cancels the same work.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

thread_local! {
    /// The token of the scope this thread runs in, if any.
    static CURRENT: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

impl Cancel {
    /// A token that is not cancelled.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Cancels the work run in this token's scopes (from any thread).
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`Cancel::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Runs `work` on this thread with this token in force: a compile, lint or evaluation
    /// within it ends early once the token is cancelled (a compile with a diagnostic, an
    /// evaluation with an `internal` error saying so). Scopes nest; the inner token is in
    /// force until it ends.
    pub fn scope<T>(&self, work: impl FnOnce() -> T) -> T {
        struct Restore(Option<Arc<AtomicBool>>);
        impl Drop for Restore {
            fn drop(&mut self) {
                let previous = self.0.take();
                CURRENT.with(|current| *current.borrow_mut() = previous);
            }
        }
        let previous = CURRENT.with(|current| current.replace(Some(Arc::clone(&self.0))));
        let _restore = Restore(previous);
        work()
    }
}

/// Whether the work on this thread has been cancelled.
pub(crate) fn cancelled() -> bool {
    CURRENT.with(|current| {
        current
            .borrow()
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
    })
}

/// The error of an evaluation that was cancelled.
pub(crate) fn cancelled_error() -> crate::EvalError {
    crate::EvalError::new(
        crate::ErrorKind::Internal,
        "the evaluation was cancelled: its caller stopped waiting for it",
    )
}

/// `Err` once the work on this thread has been cancelled.
pub(crate) fn check() -> crate::EvalResult<()> {
    if cancelled() {
        Err(cancelled_error())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_sees_its_token_and_restores_the_outer_one() {
        assert!(!cancelled());
        let outer = Cancel::new();
        let inner = Cancel::new();
        outer.cancel();
        outer.scope(|| {
            assert!(cancelled());
            inner.scope(|| assert!(!cancelled()));
            assert!(cancelled());
        });
        assert!(!cancelled());
    }
}
