//! ordo for Python: the extension module `ordo._native`, wrapped by the `ordo` package.
//!
//! Everything crosses the boundary through the engine's one JSON layer: Python values become
//! `serde_json` values (exactly: decimals never pass through binary floating point), the engine
//! evaluates them, and its JSON result becomes Python values guided by the ruleset's static types
//! (`decimal.Decimal` for decimals, `int` for `Int`, `datetime.date` for dates...). The exception
//! classes live in `ordo/_errors.py` so that they are ordinary, picklable Python classes.

use pyo3::prelude::*;

mod arrow;
mod errors;
mod frame;
mod many;
mod py_types;
mod registry;
mod result;
mod ruleset;
mod to_json;
mod validate;

/// The native part of the `ordo` package; import `ordo` instead.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ruleset::PyRuleset>()?;
    m.add_class::<registry::PyRegistry>()?;
    m.add_function(wrap_pyfunction!(ruleset::compile, m)?)?;
    m.add_function(wrap_pyfunction!(ruleset::load, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
