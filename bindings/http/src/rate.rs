//! Per-caller rate limits: a token bucket (GCRA, by `governor`) for each caller — the caller a
//! known token names, or, on an open server and for requests without a known token, the peer's
//! IP address. A caller past its bucket gets `429 rate_limited` with `Retry-After`, before
//! anything else is done for it. `/healthz` and `/readyz` are never limited: probes must see
//! the server.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::api::AppState;
use crate::error::ApiError;

/// How many callers are remembered before the buckets that are full again are dropped.
const MAX_REMEMBERED: usize = 16 * 1024;

/// A rate limit: each caller may send `burst` requests at once, and one more every
/// `replenish` after that.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    /// Requests a caller may send at once.
    pub burst: NonZeroU32,
    /// The time in which a caller regains one request (1 s / the sustained rate).
    pub replenish: Duration,
}

impl RateLimit {
    /// `per_second` requests a second, with bursts of `burst`.
    pub fn per_second(per_second: NonZeroU32, burst: NonZeroU32) -> RateLimit {
        RateLimit {
            burst,
            replenish: Duration::from_secs(1) / per_second.get(),
        }
    }
}

/// Who a bucket belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Caller(String),
    Address(IpAddr),
}

/// The buckets of every caller.
#[derive(Debug)]
pub struct Limiter {
    buckets: DefaultKeyedRateLimiter<Key>,
    clock: DefaultClock,
}

impl Limiter {
    /// Buckets for `limit`; `None` when `replenish` is zero (no limit).
    pub fn new(limit: RateLimit) -> Option<Limiter> {
        let quota = Quota::with_period(limit.replenish)?.allow_burst(limit.burst);
        Some(Limiter {
            buckets: DefaultKeyedRateLimiter::hashmap(quota),
            clock: DefaultClock::default(),
        })
    }

    /// `Ok` when `key` may send a request now, else the seconds until it may (at least 1).
    fn check(&self, key: &Key) -> Result<(), u32> {
        if self.buckets.len() > MAX_REMEMBERED {
            self.buckets.retain_recent();
        }
        self.buckets.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            u32::try_from(wait.as_secs().saturating_add(1)).unwrap_or(u32::MAX)
        })
    }
}

/// Refuses a request whose caller is past its bucket (see [the module](self)).
pub async fn limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(limiter) = state.limiter() else {
        return next.run(request).await;
    };
    if matches!(request.uri().path(), "/healthz" | "/readyz") {
        return next.run(request).await;
    }
    let access = state.access();
    let caller = if access.is_open() {
        None
    } else {
        access.authenticate(request.headers()).ok()
    };
    let key = match caller {
        Some(caller) => Key::Caller(caller.name().to_string()),
        None => Key::Address(
            request
                .extensions()
                .get::<ConnectInfo<SocketAddr>>()
                .map_or(IpAddr::from([0, 0, 0, 0]), |info| info.0.ip()),
        ),
    };
    match limiter.check(&key) {
        Ok(()) => next.run(request).await,
        Err(seconds) => {
            let who = match &key {
                Key::Caller(name) => format!("`{name}`"),
                Key::Address(ip) => ip.to_string(),
            };
            ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "{who} sends more requests than the server's rate limit; retry in {seconds} s"
                ),
            )
            .with_retry_after(seconds)
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_caller_past_its_burst_waits_and_others_do_not() {
        let limiter = Limiter::new(RateLimit {
            burst: NonZeroU32::MIN.saturating_add(1),
            replenish: Duration::from_secs(3600),
        })
        .unwrap();
        let ana = Key::Caller("ana".into());
        assert!(limiter.check(&ana).is_ok());
        assert!(limiter.check(&ana).is_ok());
        let wait = limiter.check(&ana).unwrap_err();
        assert!((3000..=3601).contains(&wait), "{wait}");
        assert!(limiter.check(&Key::Caller("ben".into())).is_ok());
        assert!(
            limiter
                .check(&Key::Address(IpAddr::from([127, 0, 0, 1])))
                .is_ok()
        );
    }
}
