//! One writer at a time per instance within this server: an event is read, decided and
//! committed under its instance's lock, so two grants of one instance never decide on the
//! same stale read (each sees the other's decision). The store's `seq` guard stays the
//! backstop for anything the locks do not see.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// Forgotten locks are swept once the table holds this many.
const SWEEP_AT: usize = 1024;

/// The locks of instances being written.
#[derive(Debug, Default)]
pub struct InstanceLocks {
    locks: Mutex<HashMap<String, Weak<AsyncMutex<()>>>>,
}

impl InstanceLocks {
    /// Waits for the lock of instance `id`; it is held until the guard is dropped.
    pub async fn lock(&self, id: &str) -> OwnedMutexGuard<()> {
        let lock = {
            let mut locks = self.locks.lock().unwrap_or_else(PoisonError::into_inner);
            if locks.len() >= SWEEP_AT {
                locks.retain(|_, lock| lock.strong_count() > 0);
            }
            match locks.get(id).and_then(Weak::upgrade) {
                Some(lock) => lock,
                None => {
                    let lock = Arc::new(AsyncMutex::new(()));
                    locks.insert(id.to_string(), Arc::downgrade(&lock));
                    lock
                }
            }
        };
        lock.lock_owned().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_holder_per_instance() {
        let locks = InstanceLocks::default();
        let held = locks.lock("a").await;
        // Another instance is free; the same one waits.
        let _other = locks.lock("b").await;
        let waiting = tokio::time::timeout(std::time::Duration::from_millis(50), locks.lock("a"));
        assert!(waiting.await.is_err());
        drop(held);
        let _again = locks.lock("a").await;
    }
}
