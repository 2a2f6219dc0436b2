//! The instance's clock (spec §24): an event cannot happen before the instance entered the
//! state it is in — time does not go backwards — and a timer that counts from that entry
//! (an SLA or a `stay` timer) cannot be fired without knowing when it was. Every workflow
//! operation checks the event here, whether the host built it from JSON or in Rust, so no
//! host can fire a timer early or move an instance back in time. It is part of the request
//! layer, beside [`Event`], so the JSON reader and the workflow runtime share it.

use chrono::{DateTime, SecondsFormat, Utc};

use crate::error::{ErrorKind, EvalError};
use crate::json::requests::Event;

/// An instant as requests and answers write it (RFC 3339, whole seconds, `Z`).
fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Why an event's times are refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// The event's `at` is earlier than the instance's `entered_at`.
    #[error(
        "the event at {} happens before the instance entered its state at {}: time cannot go backwards",
        timestamp(*.at),
        timestamp(*.entered_at)
    )]
    BeforeEntry {
        at: DateTime<Utc>,
        entered_at: DateTime<Utc>,
    },
    /// A timer that counts from the state's entry, fired without `entered_at`.
    #[error(
        "timer `{timer}` counts from when the instance entered its state: firing it needs the event's `entered_at`"
    )]
    EntryTimeRequired { timer: String },
}

impl ClockError {
    /// The request path of the offending value.
    pub fn path(&self) -> &'static str {
        match self {
            ClockError::BeforeEntry { .. } => "event.at",
            ClockError::EntryTimeRequired { .. } => "event.entered_at",
        }
    }

    fn hint(&self) -> &'static str {
        match self {
            ClockError::BeforeEntry { .. } => {
                "pass the time the event happens, at or after `entered_at` (the time the instance entered its current state)"
            }
            ClockError::EntryTimeRequired { .. } => {
                "pass `entered_at`, the time the instance entered its current state, with the timer's event"
            }
        }
    }
}

impl From<ClockError> for EvalError {
    /// A request the engine refuses (`invalid_request`), at the offending field, with a hint:
    /// every host shows it as it shows any malformed request.
    fn from(error: ClockError) -> EvalError {
        EvalError::at_path(ErrorKind::InvalidRequest, error.path(), error.to_string())
            .with_hint(error.hint())
    }
}

/// Refuses an event that happens before the instance entered its state.
pub fn check(event: &Event) -> Result<(), ClockError> {
    match event.entered_at {
        Some(entered_at) if event.at < entered_at => Err(ClockError::BeforeEntry {
            at: event.at,
            entered_at,
        }),
        _ => Ok(()),
    }
}

/// When the instance entered its state, which timer `timer` counts from.
pub fn entered_at(event: &Event, timer: &str) -> Result<DateTime<Utc>, ClockError> {
    event
        .entered_at
        .ok_or_else(|| ClockError::EntryTimeRequired {
            timer: timer.to_string(),
        })
}
