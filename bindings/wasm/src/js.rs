//! The JavaScript side of the boundary: plain JS values to the engine's JSON and back, and
//! errors as real `Error` objects. Only JavaScript's own globals are imported (`Object`,
//! `Reflect`, `JSON`, `Error`), so the same module works in browsers and in Node.js.
//!
//! Going in, values are walked directly rather than through `JSON.stringify`, so that every JS
//! number is checked (see [`crate::convert::number_to_json`]) and `BigInt`s are taken exactly.
//! Otherwise the walk follows `JSON.stringify`: `toJSON` is honoured, `undefined`, functions and
//! symbols are left out of objects and become `null` in arrays. Coming out, the engine's
//! canonical JSON text goes through `JSON.parse`; decimals in it are already strings.

use serde_json::{Map, Value as Json};
use wasm_bindgen::prelude::*;

use crate::convert::{join_index, join_key, number_to_json};
use ordo_engine::{ErrorKind, EvalError, MAX_INPUT_DEPTH};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = Object, js_name = keys)]
    fn object_keys(value: &JsValue) -> Vec<JsValue>;

    #[wasm_bindgen(js_namespace = Reflect, js_name = get, catch)]
    fn reflect_get(target: &JsValue, key: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = Reflect, js_name = apply, catch)]
    fn reflect_apply(
        function: &JsValue,
        this: &JsValue,
        arguments: &JsValue,
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = Object, js_name = assign)]
    fn object_assign(target: &JsValue, source: &JsValue) -> JsValue;

    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_name = String)]
    fn js_string(value: &JsValue) -> String;

    #[wasm_bindgen(js_name = Error)]
    type JsError;

    #[wasm_bindgen(constructor, js_class = "Error")]
    fn new(message: &str) -> JsError;
}

/// A JS value as the engine's JSON. `what` names the argument in messages ("the input").
pub fn to_json(value: &JsValue, what: &str) -> Result<Json, JsValue> {
    if value.is_undefined() {
        return Err(request_error(format!("{what} is missing (undefined)")));
    }
    match walk(value, "", 0, what)? {
        Some(json) => Ok(json),
        None => Err(request_error(format!(
            "{what} is of JavaScript type `{}`, not a JSON value",
            js_type(value)
        ))),
    }
}

/// One value; `None` for what `JSON.stringify` leaves out (undefined, functions, symbols).
fn walk(value: &JsValue, path: &str, depth: usize, what: &str) -> Result<Option<Json>, JsValue> {
    if depth > MAX_INPUT_DEPTH {
        return Err(request_error(format!(
            "{what} nests more than {MAX_INPUT_DEPTH} levels deep at `{path}`: is it a circular structure?"
        )));
    }
    if value.is_undefined() || value.is_function() || value.is_symbol() {
        return Ok(None);
    }
    if value.is_null() {
        return Ok(Some(Json::Null));
    }
    if let Some(b) = value.as_bool() {
        return Ok(Some(Json::Bool(b)));
    }
    if let Some(s) = value.as_string() {
        return Ok(Some(Json::String(s)));
    }
    if let Some(n) = value.as_f64() {
        return number_to_json(n, path)
            .map(Some)
            .map_err(|e| eval_error(&e));
    }
    if value.is_bigint() {
        // Exact: a BigInt's decimal digits, which the engine reads as a number.
        return Ok(Some(Json::String(js_string(value))));
    }
    if value.is_array() {
        let length = get(value, &JsValue::from_str("length"))?
            .as_f64()
            .unwrap_or(0.0);
        let mut items = Vec::new();
        let mut index = 0usize;
        while (index as f64) < length {
            let path = join_index(path, index);
            let item = get(value, &JsValue::from_f64(index as f64))?;
            items.push(walk(&item, &path, depth + 1, what)?.unwrap_or(Json::Null));
            index += 1;
        }
        return Ok(Some(Json::Array(items)));
    }
    if value.is_object() {
        let to_json = get(value, &JsValue::from_str("toJSON"))?;
        if to_json.is_function() {
            let arguments = json_parse("[]")?;
            let replaced = reflect_apply(&to_json, value, &arguments)?;
            return walk(&replaced, path, depth + 1, what);
        }
        let mut map = Map::new();
        for key in object_keys(value) {
            let Some(name) = key.as_string() else {
                continue;
            };
            let child = get(value, &key)?;
            if let Some(json) = walk(&child, &join_key(path, &name), depth + 1, what)? {
                map.insert(name, json);
            }
        }
        return Ok(Some(Json::Object(map)));
    }
    Err(request_error(format!(
        "{what} holds a value of JavaScript type `{}` at `{path}`, which is not a JSON value",
        js_type(value)
    )))
}

fn get(target: &JsValue, key: &JsValue) -> Result<JsValue, JsValue> {
    reflect_get(target, key)
}

fn js_type(value: &JsValue) -> String {
    value.js_typeof().as_string().unwrap_or_default()
}

/// JSON text (the engine's canonical output) as a plain JS value.
pub fn from_json_text(text: &str) -> Result<JsValue, JsValue> {
    json_parse(text)
}

/// An `invalid_request` error.
fn request_error(message: String) -> JsValue {
    eval_error(&EvalError::new(ErrorKind::InvalidRequest, message))
}

/// A run-time error as a thrown JS `Error` named `OrdoError` with `kind`, `message`, `path`,
/// `rule`, `hint` and `more` (the fields of the engine's error JSON that are present).
pub fn eval_error(error: &EvalError) -> JsValue {
    let mut fields = match error.to_json() {
        Json::Object(fields) => fields,
        _ => Map::new(),
    };
    fields.remove("message");
    make_error(&error.message, fields)
}

/// A compile failure as a thrown JS `Error` with `kind: "compile"`, the rendered diagnostics as
/// its message and a `diagnostics` array (kind, code, message, line, column, hint, ...).
#[cfg(feature = "compiler")]
pub fn compile_error(diagnostics: &ordo_engine::Diagnostics, file: &str, source: &str) -> JsValue {
    let mut fields = Map::new();
    fields.insert("kind".into(), Json::String("compile".into()));
    fields.insert("diagnostics".into(), diagnostics.to_json(file, source));
    make_error(&diagnostics.render(file, source), fields)
}

fn make_error(message: &str, mut fields: Map<String, Json>) -> JsValue {
    let error: JsValue = JsError::new(message).into();
    let mut own = Map::new();
    own.insert("name".into(), Json::String("OrdoError".into()));
    own.append(&mut fields);
    if let Ok(properties) = json_parse(&ordo_engine::to_json_string(&Json::Object(own))) {
        object_assign(&error, &properties);
    }
    error
}
