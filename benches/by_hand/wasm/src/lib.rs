//! The hand-written conveyors quote behind a wasm-bindgen class, as the engine's module offers
//! `Ruleset.evaluateJson`: JSON text in, JSON text out.

#[path = "../../conveyors.rs"]
pub mod conveyors;

use wasm_bindgen::prelude::*;

/// The quote with its account prices read and its pricing day set.
#[wasm_bindgen]
pub struct Quote {
    contracts: conveyors::Contracts,
    as_of: chrono::NaiveDate,
}

#[wasm_bindgen]
impl Quote {
    #[wasm_bindgen(constructor)]
    pub fn new(csv: &str, as_of: &str) -> Result<Quote, JsError> {
        Ok(Quote {
            contracts: conveyors::Contracts::parse(csv).map_err(|e| JsError::new(&e))?,
            as_of: as_of
                .parse()
                .map_err(|_| JsError::new("as_of is not a date"))?,
        })
    }

    #[wasm_bindgen(js_name = evaluateJson)]
    pub fn evaluate_json(&self, text: &str) -> Result<String, JsError> {
        conveyors::evaluate(text, self.as_of, &self.contracts).map_err(|e| JsError::new(&e))
    }
}
