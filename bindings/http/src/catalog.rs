//! The published versions in memory, with what the store records about each, and how a request
//! is resolved to one of them (the version lifecycle: pre-releases and versions not yet in
//! effect answer only when asked for). Loaded from the store
//! at start and extended on every publication.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::NaiveDate;
use ordo_engine::{EvalError, Ruleset, Selector};
use semver::Version;

use crate::error::ApiError;
use crate::lifecycle::{Lifecycle, VersionEvent};
use crate::store::StoredVersion;

/// One published version.
#[derive(Debug, Clone)]
pub struct PublishedVersion {
    pub ruleset: Ruleset,
    pub source: Arc<str>,
    pub published_by: String,
    /// Microseconds since the Unix epoch.
    pub published_at: i64,
}

/// Every published version of every ruleset.
#[derive(Debug, Default)]
pub struct Catalog {
    versions: BTreeMap<String, BTreeMap<Version, PublishedVersion>>,
    /// The versions something happened to after their publication (yanked, deprecated), by
    /// name and version as published; a version absent here is plain.
    lifecycles: BTreeMap<(String, String), Lifecycle>,
}

/// A stored version that this build cannot load.
#[derive(Debug, thiserror::Error)]
#[error("{name} {version} cannot be loaded from the store: {message}")]
pub struct LoadError {
    pub name: String,
    pub version: String,
    pub message: String,
}

impl Catalog {
    /// An empty catalogue.
    pub fn new() -> Catalog {
        Catalog::default()
    }

    /// Loads stored versions: from their artifacts, or, when this engine cannot read an
    /// artifact, by compiling the source again — which must give the stored hash.
    pub fn load(stored: Vec<StoredVersion>) -> Result<Catalog, LoadError> {
        let mut catalog = Catalog::new();
        for row in stored {
            catalog.add_stored(row)?;
        }
        Ok(catalog)
    }

    /// Adds one stored version (see [`Catalog::load`]); a no-op when it is already there.
    pub fn add_stored(&mut self, row: StoredVersion) -> Result<(), LoadError> {
        let (name, version) = (row.name.clone(), row.version.clone());
        self.add(load_version(row)?).map_err(|e| LoadError {
            name,
            version,
            message: e.into_details().message,
        })
    }
}

/// Loads a stored version: from its artifact, or, when this engine cannot read it, by compiling
/// the source again, which must give the stored hash.
pub fn load_version(row: StoredVersion) -> Result<PublishedVersion, LoadError> {
    let failed = |message: String| LoadError {
        name: row.name.clone(),
        version: row.version.clone(),
        message,
    };
    let ruleset = match Ruleset::from_artifact(&row.artifact) {
        Ok(ruleset) => ruleset,
        Err(artifact_error) => Ruleset::compile(&row.source).map_err(|d| {
            failed(format!(
                "its artifact is unreadable ({}) and its source no longer compiles: {}",
                artifact_error.message,
                d.render(&row.name, &row.source)
            ))
        })?,
    };
    if ruleset.hash() != row.hash {
        return Err(failed(format!(
            "it loads with hash {} but was published with {}",
            ruleset.hash(),
            row.hash
        )));
    }
    Ok(PublishedVersion {
        ruleset,
        source: Arc::from(row.source.as_str()),
        published_by: row.published_by.clone(),
        published_at: row.published_at,
    })
}

impl Catalog {
    /// Whether `name` `version` is loaded.
    pub fn contains(&self, name: &str, version: &str) -> bool {
        Version::parse(version)
            .ok()
            .and_then(|v| {
                self.versions
                    .get(name)
                    .map(|versions| versions.contains_key(&v))
            })
            .unwrap_or(false)
    }

    /// Adds a version (a no-op when the same content is already there).
    pub fn add(&mut self, published: PublishedVersion) -> Result<(), EvalError> {
        let version = Version::parse(published.ruleset.version()).map_err(|e| {
            EvalError::new(
                ordo_engine::ErrorKind::InvalidRequest,
                format!(
                    "`{}` is not a semantic version: {e}",
                    published.ruleset.version()
                ),
            )
        })?;
        let versions = self
            .versions
            .entry(published.ruleset.name().to_string())
            .or_default();
        if let Some(existing) = versions.get(&version) {
            if existing.ruleset.hash() != published.ruleset.hash() {
                return Err(EvalError::new(
                    ordo_engine::ErrorKind::InvalidRequest,
                    format!(
                        "{} {version} is already registered with a different content ({})",
                        published.ruleset.name(),
                        existing.ruleset.hash()
                    ),
                ));
            }
            return Ok(());
        }
        versions.insert(version, published);
        Ok(())
    }

    /// The rulesets by name, each with its versions in ascending order.
    pub fn rulesets(&self) -> impl Iterator<Item = (&str, &BTreeMap<Version, PublishedVersion>)> {
        self.versions.iter().map(|(name, v)| (name.as_str(), v))
    }

    /// The versions of one ruleset, ascending; `None` when it was never published.
    pub fn versions(&self, name: &str) -> Option<&BTreeMap<Version, PublishedVersion>> {
        self.versions.get(name)
    }

    /// How many versions are loaded.
    pub fn len(&self) -> usize {
        self.versions.values().map(BTreeMap::len).sum()
    }

    /// Whether nothing is published.
    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }

    /// The version a selector picks on `today` (see the README's "Which version answers"):
    /// an exact version (its build metadata may be left out) picks any version; `latest`, a
    /// requirement and a date skip yanked versions; `latest` and a requirement skip the
    /// versions not yet in effect on `today`, and `latest` and a date skip pre-releases (a
    /// requirement takes one only when it names one, as semver has it). `not_found` when the ruleset or a matching version is missing.
    pub fn resolve(
        &self,
        name: &str,
        selector: &Selector,
        today: NaiveDate,
    ) -> Result<&PublishedVersion, ApiError> {
        let Some(versions) = self.versions.get(name) else {
            let hint =
                ordo_dsl::diagnostic::did_you_mean(name, self.versions.keys().map(String::as_str));
            return Err(
                ApiError::not_found(format!("no ruleset `{name}` is registered"))
                    .with_hint(hint.as_deref()),
            );
        };
        // A yanked version answers only its exact version.
        let in_effect = |p: &&PublishedVersion, day: NaiveDate| {
            p.ruleset.effective().is_none_or(|e| e <= day) && !self.is_yanked(p)
        };
        let found = match selector {
            Selector::Latest => versions
                .iter()
                .rev()
                .find(|(v, p)| v.pre.is_empty() && in_effect(p, today)),
            Selector::Exact(wanted) => versions.iter().find(|(v, _)| {
                v.cmp_precedence(wanted).is_eq()
                    && (wanted.build.is_empty() || v.build == wanted.build)
            }),
            Selector::Requirement(req) => versions
                .iter()
                .rev()
                .find(|(v, p)| req.matches(v) && in_effect(p, today)),
            Selector::AsOf(date) => versions
                .iter()
                .filter(|(v, p)| v.pre.is_empty() && in_effect(p, *date))
                // The latest effective date wins; among equal dates, the highest version.
                .max_by(|(a, pa), (b, pb)| {
                    (pa.ruleset.effective(), *a).cmp(&(pb.ruleset.effective(), *b))
                }),
        };
        found.map(|(_, p)| p).ok_or_else(|| {
            let known: Vec<String> = versions.keys().map(Version::to_string).collect();
            let wanted = match selector {
                Selector::Latest => format!("released version in effect on {today}"),
                Selector::Exact(v) => format!("version {v}"),
                Selector::Requirement(r) => {
                    format!("version matching `{r}` in effect on {today}")
                }
                Selector::AsOf(d) => format!("version in effect on {d}"),
            };
            ApiError::not_found(format!(
                "`{name}` has no {wanted} (versions: {}); a pre-release or a version not yet in effect answers only when asked for by its exact version or a date, a yanked version only by its exact version",
                known.join(", ")
            ))
        })
    }

    /// Applies a stored lifecycle change (see [`Lifecycle::apply`]); events apply in the
    /// order they were stored.
    pub fn apply_event(&mut self, event: &VersionEvent) {
        let key = (event.ruleset.clone(), event.version.clone());
        let lifecycle = self.lifecycles.entry(key.clone()).or_default();
        lifecycle.apply(event);
        if lifecycle.is_plain() {
            self.lifecycles.remove(&key);
        }
    }

    /// What happened to `name` `version` (as published) after its publication.
    pub fn lifecycle(&self, name: &str, version: &str) -> Option<&Lifecycle> {
        self.lifecycles
            .get(&(name.to_string(), version.to_string()))
    }

    /// The lifecycle of a published version (plain when nothing happened to it).
    pub fn lifecycle_of(&self, published: &PublishedVersion) -> Lifecycle {
        self.lifecycle(published.ruleset.name(), published.ruleset.version())
            .cloned()
            .unwrap_or_default()
    }

    fn is_yanked(&self, published: &PublishedVersion) -> bool {
        self.lifecycle(published.ruleset.name(), published.ruleset.version())
            .is_some_and(|l| l.yanked.is_some())
    }

    /// A published version of `name` that differs from `version` only in its build metadata
    /// (`1.0.0+a` for `1.0.0+b`): build metadata may not tell two versions apart.
    pub fn same_but_build(&self, name: &str, version: &Version) -> Option<&PublishedVersion> {
        self.versions.get(name)?.iter().find_map(|(v, p)| {
            (v.cmp_precedence(version).is_eq() && v.build != version.build).then_some(p)
        })
    }
}
