//! `ordo.Registry`: many versions of many rulesets, resolved by version, requirement, `latest`
//! or date.

use std::collections::HashMap;
use std::sync::Arc;

use ordo_engine::{Registry, Selector};
use pyo3::prelude::*;

use crate::errors::{eval_error, request_error, version_not_found};
use crate::result::Schema;
use crate::ruleset::{PyRuleset, as_of_date, load};

/// Many versions of many rulesets. A published version never changes: adding the same name and
/// version with different content raises `InputError`. Pickles as the artifacts of its
/// versions.
#[pyclass(module = "ordo", name = "Registry")]
#[derive(Default)]
pub struct PyRegistry {
    registry: Registry,
    /// The conversion schema of each registered ruleset, by content hash.
    schemas: HashMap<String, Arc<Schema>>,
}

impl PyRegistry {
    /// Adds a version, keeping its conversion schema.
    fn add_ruleset(&mut self, py: Python<'_>, ruleset: &PyRuleset) -> PyResult<()> {
        self.registry
            .add(ruleset.ruleset.clone())
            .map_err(|error| eval_error(py, &error))?;
        self.schemas
            .entry(ruleset.ruleset.hash().to_string())
            .or_insert_with(|| ruleset.schema.clone());
        Ok(())
    }
}

/// How a registry pickles: `Registry._from_artifacts` and the artifacts.
type Reduced<'py> = (Bound<'py, PyAny>, (Vec<Bound<'py, pyo3::types::PyBytes>>,));

#[pymethods]
impl PyRegistry {
    #[new]
    fn new() -> Self {
        PyRegistry::default()
    }

    /// Adds a ruleset version (adding the identical one again does nothing).
    fn add(&mut self, py: Python<'_>, ruleset: PyRef<'_, PyRuleset>) -> PyResult<()> {
        self.add_ruleset(py, &ruleset)
    }

    /// Loads every ruleset of a directory (its `.ordo` files, compiled, and `.artifact`
    /// files), in name order; returns how many versions were added.
    fn load_dir(&mut self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<usize> {
        let entries = std::fs::read_dir(&path).map_err(|e| crate::ruleset::os_error(&e, &path))?;
        let mut files = Vec::new();
        for entry in entries {
            let file = entry
                .map_err(|e| crate::ruleset::os_error(&e, &path))?
                .path();
            let loadable = file
                .extension()
                .is_some_and(|ext| ext == "ordo" || ext == "artifact");
            if loadable && file.is_file() {
                files.push(file);
            }
        }
        files.sort();
        for file in &files {
            let ruleset = load(py, file.clone())?;
            self.add_ruleset(py, &ruleset)?;
        }
        Ok(files.len())
    }

    /// The version of `name` that `version` selects (`"latest"`, `"1.2.0"`, `"^1.2"`,
    /// `">=1.0, <2"`), or with `as_of` the version in effect on that date. A version resolved
    /// for a date also evaluates at that date when a call gives no `as_of` of its own (without
    /// it, the engine would price at the version's `effective` date). Raises `VersionNotFound`
    /// when nothing matches.
    #[pyo3(signature = (name, version=None, *, as_of=None))]
    fn resolve(
        &self,
        py: Python<'_>,
        name: String,
        version: Option<String>,
        as_of: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyRuleset> {
        let as_of = as_of_date(py, as_of)?;
        let selector = match (version, as_of) {
            (Some(_), Some(_)) => {
                return Err(request_error(
                    py,
                    "give either a version or `as_of`, not both".into(),
                ));
            }
            (None, Some(date)) => Selector::AsOf(date),
            (Some(version), None) => Selector::parse(&version).map_err(|e| eval_error(py, &e))?,
            (None, None) => Selector::Latest,
        };
        let ruleset = self
            .registry
            .resolve(&name, &selector)
            .map_err(|e| version_not_found(py, &e))?;
        Ok(PyRuleset {
            ruleset: ruleset.clone(),
            schema: match self.schemas.get(ruleset.hash()) {
                Some(schema) => schema.clone(),
                None => Arc::new(Schema::of(ruleset)),
            },
            resolved_as_of: as_of,
        })
    }

    /// Resolves the version of `name` in effect on `as_of` (or the one `version` selects, or
    /// the latest) and evaluates `input` with it at that same date.
    #[pyo3(signature = (name, input, *, as_of=None, version=None, trace=false, approvals=None, floats="shortest"))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        name: String,
        input: &Bound<'py, PyAny>,
        as_of: Option<&Bound<'py, PyAny>>,
        version: Option<String>,
        trace: bool,
        approvals: Option<&Bound<'py, PyAny>>,
        floats: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ruleset = self.resolve(py, name, version, as_of)?;
        ruleset.evaluate_one(py, input, None, trace, approvals, floats)
    }

    /// Pickles as the artifacts of every version.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Reduced<'py>> {
        let py = slf.py();
        let this = slf.borrow();
        let mut artifacts = Vec::new();
        for name in this.registry.names() {
            for ruleset in this.registry.versions(name) {
                let bytes = ruleset.to_artifact().map_err(|e| eval_error(py, &e))?;
                artifacts.push(pyo3::types::PyBytes::new(py, &bytes));
            }
        }
        Ok((slf.get_type().getattr("_from_artifacts")?, (artifacts,)))
    }

    /// A registry of these compiled artifacts (how a registry unpickles).
    #[staticmethod]
    fn _from_artifacts(py: Python<'_>, artifacts: Vec<Vec<u8>>) -> PyResult<PyRegistry> {
        let mut registry = PyRegistry::default();
        for bytes in artifacts {
            let ruleset = ordo_engine::Ruleset::from_artifact(&bytes)
                .map(PyRuleset::new)
                .map_err(|e| eval_error(py, &e))?;
            registry.add_ruleset(py, &ruleset)?;
        }
        Ok(registry)
    }

    /// The names of the registered rulesets, sorted.
    fn names(&self) -> Vec<String> {
        self.registry.names().map(str::to_string).collect()
    }

    /// The registered versions of `name`, ascending.
    fn versions(&self, name: String) -> Vec<String> {
        self.registry
            .versions(&name)
            .map(|r| r.version().to_string())
            .collect()
    }

    /// Whether a ruleset of this name is registered.
    fn __contains__(&self, name: String) -> bool {
        self.registry.versions(&name).next().is_some()
    }

    /// The number of registered versions, all names together.
    fn __len__(&self) -> usize {
        self.registry
            .names()
            .map(|n| self.registry.versions(n).count())
            .sum()
    }

    fn __repr__(&self) -> String {
        format!("<ordo.Registry of {} version(s)>", self.__len__())
    }
}
