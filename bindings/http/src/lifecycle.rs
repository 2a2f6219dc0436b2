//! What happens to a published version after its publication: it may be **yanked** (it no
//! longer answers `latest`, a requirement or a date, but still answers its exact version and
//! stays readable and auditable) and **deprecated** (it answers everywhere, and every answer
//! using it carries a notice), and each may be undone. Every change is a [`VersionEvent`]
//! with its reason, stored append-only; a version's [`Lifecycle`] is what its events add up
//! to, in the order they were stored.

use serde::Serialize;

/// One change of a version's lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LifecycleEvent {
    /// Stop answering `latest`, requirements and dates.
    Yank,
    /// Undo [`LifecycleEvent::Yank`].
    Unyank,
    /// Answer with a deprecation notice.
    Deprecate,
    /// Undo [`LifecycleEvent::Deprecate`].
    Undeprecate,
}

impl LifecycleEvent {
    /// Every event, as stored.
    pub const ALL: [LifecycleEvent; 4] = [
        LifecycleEvent::Yank,
        LifecycleEvent::Unyank,
        LifecycleEvent::Deprecate,
        LifecycleEvent::Undeprecate,
    ];

    /// The event as stored, as the route names it, and as the audit log's `operation`.
    pub fn as_str(self) -> &'static str {
        match self {
            LifecycleEvent::Yank => "yank",
            LifecycleEvent::Unyank => "unyank",
            LifecycleEvent::Deprecate => "deprecate",
            LifecycleEvent::Undeprecate => "undeprecate",
        }
    }

    /// The event stored as `text`, if it is one.
    pub fn parse(text: &str) -> Option<LifecycleEvent> {
        LifecycleEvent::ALL
            .into_iter()
            .find(|event| event.as_str() == text)
    }
}

impl std::fmt::Display for LifecycleEvent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One stored lifecycle change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionEvent {
    pub ruleset: String,
    /// The version exactly as published (build metadata included).
    pub version: String,
    pub event: LifecycleEvent,
    /// Why, as the caller gave it.
    pub reason: String,
    /// The caller who asked.
    pub caller: String,
    /// Microseconds since the Unix epoch.
    pub at: i64,
}

/// Who marked a version yanked or deprecated, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LifecycleMark {
    pub reason: String,
    /// The caller who asked.
    pub by: String,
    /// RFC 3339, UTC.
    pub at: String,
    /// Microseconds since the Unix epoch (for the `Deprecation` header).
    #[serde(skip)]
    pub at_micros: i64,
}

/// A version's state after its events.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lifecycle {
    pub yanked: Option<LifecycleMark>,
    pub deprecated: Option<LifecycleMark>,
}

/// A change that would change nothing (yanking a yanked version, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{ruleset} {version} is {state}: there is nothing to {event}")]
pub struct NoChange {
    pub ruleset: String,
    pub version: String,
    pub event: LifecycleEvent,
    /// What the version already is (`yanked`, `not yanked`, ...).
    pub state: &'static str,
}

impl Lifecycle {
    /// Whether `event` would change this state; a [`NoChange`] naming the state otherwise.
    pub fn check(&self, event: &VersionEvent) -> Result<(), NoChange> {
        let state = match event.event {
            LifecycleEvent::Yank if self.yanked.is_some() => Some("yanked"),
            LifecycleEvent::Unyank if self.yanked.is_none() => Some("not yanked"),
            LifecycleEvent::Deprecate if self.deprecated.is_some() => Some("deprecated"),
            LifecycleEvent::Undeprecate if self.deprecated.is_none() => Some("not deprecated"),
            _ => None,
        };
        match state {
            None => Ok(()),
            Some(state) => Err(NoChange {
                ruleset: event.ruleset.clone(),
                version: event.version.clone(),
                event: event.event,
                state,
            }),
        }
    }

    /// The state after `event`. Applying is total (a stored event that changes nothing, as two
    /// replicas yanking at once may store, leaves the first mark), so replaying the stored
    /// events in order always gives the same state.
    pub fn apply(&mut self, event: &VersionEvent) {
        let mark = || LifecycleMark {
            reason: event.reason.clone(),
            by: event.caller.clone(),
            at: crate::store::format_micros(event.at),
            at_micros: event.at,
        };
        match event.event {
            LifecycleEvent::Yank => {
                self.yanked.get_or_insert_with(mark);
            }
            LifecycleEvent::Unyank => self.yanked = None,
            LifecycleEvent::Deprecate => {
                self.deprecated.get_or_insert_with(mark);
            }
            LifecycleEvent::Undeprecate => self.deprecated = None,
        }
    }

    /// Whether nothing has happened to the version (neither yanked nor deprecated).
    pub fn is_plain(&self) -> bool {
        self.yanked.is_none() && self.deprecated.is_none()
    }
}

/// The `Deprecation` header's value for a version deprecated at `micros` (RFC 9745: `@` and
/// the Unix time in seconds).
pub fn deprecation_header(micros: i64) -> String {
    format!("@{}", micros.div_euclid(1_000_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(event: LifecycleEvent, reason: &str, at: i64) -> VersionEvent {
        VersionEvent {
            ruleset: "demo".into(),
            version: "1.0.0".into(),
            event,
            reason: reason.into(),
            caller: "ci".into(),
            at,
        }
    }

    #[test]
    fn events_add_up_to_a_state() {
        let mut state = Lifecycle::default();
        let yank = event(LifecycleEvent::Yank, "wrong rate", 1_000_000);
        state.check(&yank).unwrap();
        state.apply(&yank);
        assert_eq!(state.yanked.as_ref().unwrap().reason, "wrong rate");
        let again = event(LifecycleEvent::Yank, "again", 2_000_000);
        let refused = state.check(&again).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "demo 1.0.0 is yanked: there is nothing to yank"
        );
        // A stored duplicate keeps the first mark.
        state.apply(&again);
        assert_eq!(state.yanked.as_ref().unwrap().reason, "wrong rate");
        assert!(
            state
                .check(&event(LifecycleEvent::Undeprecate, "x", 3))
                .is_err()
        );
        state.apply(&event(LifecycleEvent::Deprecate, "use 2.0", 3_000_000));
        state.apply(&event(LifecycleEvent::Unyank, "fixed", 4_000_000));
        assert!(state.yanked.is_none());
        assert_eq!(state.deprecated.as_ref().unwrap().by, "ci");
        state.apply(&event(LifecycleEvent::Undeprecate, "kept", 5_000_000));
        assert!(state.is_plain());
    }

    #[test]
    fn events_round_trip_as_text_and_date_the_header() {
        for event in LifecycleEvent::ALL {
            assert_eq!(LifecycleEvent::parse(event.as_str()), Some(event));
        }
        assert_eq!(LifecycleEvent::parse("delete"), None);
        assert_eq!(deprecation_header(1_772_355_600_123_456), "@1772355600");
    }
}
