//! A registry of many versions of many rulesets, resolving a request by exact version, by
//! semver requirement (`^1.2`), by `latest`, or by date: the version whose `effective` date is
//! the latest one on or before `as_of`.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use semver::{Version, VersionReq};

use crate::error::{ErrorKind, EvalError};
use crate::ruleset::Ruleset;

/// Which version of a ruleset a request wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selector {
    /// The highest version.
    Latest,
    /// Exactly this version.
    Exact(Version),
    /// The highest version matching a requirement (`^1.2`, `>=1.0, <2`).
    Requirement(VersionReq),
    /// The version in effect on a date.
    AsOf(NaiveDate),
}

impl Selector {
    /// Reads `latest`, an exact version (`1.2.0`), a requirement (`^1.2`), or a date (`2026-03-01`).
    pub fn parse(text: &str) -> Result<Selector, EvalError> {
        let text = text.trim();
        if text.is_empty() || text == "latest" {
            return Ok(Selector::Latest);
        }
        if let Some(date) = crate::date_text::read(text) {
            return Ok(Selector::AsOf(date));
        }
        if let Ok(version) = Version::parse(text) {
            return Ok(Selector::Exact(version));
        }
        VersionReq::parse(text)
            .map(Selector::Requirement)
            .map_err(|e| {
                EvalError::new(
                    ErrorKind::InvalidRequest,
                    format!(
                        "`{text}` is neither a version, a requirement, `latest` nor a date: {e}"
                    ),
                )
            })
    }
}

/// Many versions of many rulesets.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    /// By name, then by version (ascending).
    rulesets: BTreeMap<String, BTreeMap<Version, Ruleset>>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Registry::default()
    }

    /// Adds a version. Adding the same version again with the same hash is a no-op; with a
    /// different hash it is refused (a published version never changes).
    pub fn add(&mut self, ruleset: Ruleset) -> Result<(), EvalError> {
        let version = Version::parse(ruleset.version()).map_err(|e| {
            EvalError::new(
                ErrorKind::InvalidRequest,
                format!("`{}` is not a semantic version: {e}", ruleset.version()),
            )
        })?;
        let versions = self.rulesets.entry(ruleset.name().to_string()).or_default();
        if let Some(existing) = versions.get(&version) {
            if existing.hash() != ruleset.hash() {
                return Err(EvalError::new(
                    ErrorKind::InvalidRequest,
                    format!(
                        "{} {} is already registered with a different content ({}); publish a new version instead",
                        ruleset.name(),
                        ruleset.version(),
                        existing.hash()
                    ),
                ));
            }
            return Ok(());
        }
        versions.insert(version, ruleset);
        Ok(())
    }

    /// The names of the rulesets, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.rulesets.keys().map(String::as_str)
    }

    /// The versions of one ruleset, ascending.
    pub fn versions(&self, name: &str) -> impl Iterator<Item = &Ruleset> {
        self.rulesets.get(name).into_iter().flat_map(|v| v.values())
    }

    /// Resolves a request to one version.
    pub fn resolve(&self, name: &str, selector: &Selector) -> Result<&Ruleset, EvalError> {
        let Some(versions) = self.rulesets.get(name) else {
            let hint = ordo_dsl::diagnostic::did_you_mean(name, self.names());
            let mut error = EvalError::new(
                ErrorKind::InvalidRequest,
                format!("no ruleset `{name}` is registered"),
            );
            error.hint = hint;
            return Err(error);
        };
        let found = match selector {
            Selector::Latest => versions.values().next_back(),
            Selector::Exact(v) => versions.get(v),
            Selector::Requirement(req) => versions
                .iter()
                .rev()
                .find(|(v, _)| req.matches(v))
                .map(|(_, r)| r),
            Selector::AsOf(date) => versions
                .values()
                .filter(|r| r.effective().is_none_or(|e| e <= *date))
                // The latest effective date wins; among equal dates, the highest version.
                .max_by_key(|r| r.effective()),
        };
        found.ok_or_else(|| {
            let known: Vec<&str> = versions.values().map(Ruleset::version).collect();
            let wanted = match selector {
                // No article: "has no version ...", never "has no a version".
                Selector::Latest => "version".to_string(),
                Selector::Exact(v) => format!("version {v}"),
                Selector::Requirement(r) => format!("version matching `{r}`"),
                Selector::AsOf(d) => format!("version in effect on {d}"),
            };
            EvalError::new(
                ErrorKind::InvalidRequest,
                format!("`{name}` has no {wanted} (versions: {})", known.join(", ")),
            )
        })
    }
}
