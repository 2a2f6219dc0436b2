//! The published versions in memory: the engine's [`Registry`] (which resolves a request to a
//! version) and, beside it, what the store records about each version. Loaded from the store
//! at start and extended on every publication.

use std::collections::BTreeMap;
use std::sync::Arc;

use ordo_engine::{EvalError, Registry, Ruleset, Selector};
use semver::Version;

use crate::error::ApiError;
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
    registry: Registry,
    versions: BTreeMap<String, BTreeMap<Version, PublishedVersion>>,
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
            catalog
                .add(PublishedVersion {
                    ruleset,
                    source: Arc::from(row.source.as_str()),
                    published_by: row.published_by.clone(),
                    published_at: row.published_at,
                })
                .map_err(|e| failed(e.into_details().message))?;
        }
        Ok(catalog)
    }

    /// Adds a version (a no-op when the same content is already there).
    pub fn add(&mut self, published: PublishedVersion) -> Result<(), EvalError> {
        self.registry.add(published.ruleset.clone())?;
        let version = Version::parse(published.ruleset.version()).map_err(|e| {
            EvalError::new(
                ordo_engine::ErrorKind::InvalidRequest,
                format!(
                    "`{}` is not a semantic version: {e}",
                    published.ruleset.version()
                ),
            )
        })?;
        self.versions
            .entry(published.ruleset.name().to_string())
            .or_default()
            .entry(version)
            .or_insert(published);
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

    /// The version a selector picks; `not_found` when the ruleset or a matching version is
    /// missing.
    pub fn resolve(&self, name: &str, selector: &Selector) -> Result<&PublishedVersion, ApiError> {
        let ruleset = self
            .registry
            .resolve(name, selector)
            .map_err(|e| ApiError::not_found(e.message.clone()).with_hint(e.hint.as_deref()))?;
        Version::parse(ruleset.version())
            .ok()
            .and_then(|v| self.versions.get(name)?.get(&v))
            .ok_or_else(|| ApiError::internal(format!("{name} is registered but not catalogued")))
    }
}
