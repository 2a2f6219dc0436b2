//! `ordo.Registry`: many versions of many rulesets, resolved by version, requirement, `latest`
//! or date.

use std::collections::HashMap;
use std::sync::Arc;

use ordo_engine::{Registry, Selector};
use pyo3::prelude::*;

use crate::errors::{eval_error, request_error};
use crate::result::Schema;
use crate::ruleset::PyRuleset;
use crate::to_json::date_text;

/// Many versions of many rulesets. A published version never changes: adding the same name and
/// version with different content raises `InputError`.
#[pyclass(module = "ordo", name = "Registry")]
#[derive(Default)]
pub struct PyRegistry {
    registry: Registry,
    /// The conversion schema of each registered ruleset, by content hash.
    schemas: HashMap<String, Arc<Schema>>,
}

#[pymethods]
impl PyRegistry {
    #[new]
    fn new() -> Self {
        PyRegistry::default()
    }

    /// Adds a ruleset version (adding the identical one again does nothing).
    fn add(&mut self, py: Python<'_>, ruleset: PyRef<'_, PyRuleset>) -> PyResult<()> {
        self.registry
            .add(ruleset.ruleset.clone())
            .map_err(|error| eval_error(py, &error))?;
        self.schemas
            .entry(ruleset.ruleset.hash().to_string())
            .or_insert_with(|| ruleset.schema.clone());
        Ok(())
    }

    /// The version of `name` that `version` selects (`"latest"`, `"1.2.0"`, `"^1.2"`,
    /// `">=1.0, <2"`), or with `as_of` the version in effect on that date.
    #[pyo3(signature = (name, version=None, *, as_of=None))]
    fn resolve(
        &self,
        py: Python<'_>,
        name: String,
        version: Option<String>,
        as_of: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyRuleset> {
        let selector = match (version, as_of.filter(|a| !a.is_none())) {
            (Some(_), Some(_)) => {
                return Err(request_error(
                    py,
                    "give either a version or `as_of`, not both".into(),
                ));
            }
            (None, Some(date)) => {
                let text = match date.extract::<String>() {
                    Ok(text) => text,
                    Err(_) => date_text(date)?,
                };
                Selector::AsOf(
                    ordo_engine::text::parse_date(&text).map_err(|e| eval_error(py, &e))?,
                )
            }
            (Some(version), None) => Selector::parse(&version).map_err(|e| eval_error(py, &e))?,
            (None, None) => Selector::Latest,
        };
        let ruleset = self
            .registry
            .resolve(&name, &selector)
            .map_err(|e| eval_error(py, &e))?;
        Ok(match self.schemas.get(ruleset.hash()) {
            Some(schema) => PyRuleset {
                ruleset: ruleset.clone(),
                schema: schema.clone(),
            },
            None => PyRuleset::new(ruleset.clone()),
        })
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
