//! What the commands that answer one engine request share: compiling the ruleset file with
//! its diagnostics, reading JSON files, and printing a result or an error.

use std::path::Path;

use ordo_engine::{ErrorKind, EvalError, Ruleset, parse_json};
use serde_json::Value as Json;

use super::Format;
use crate::files::{compile_file, read_text};

/// The compiled ruleset, or the exit code after its diagnostics were printed.
pub fn compiled(file: &Path, format: Format) -> Result<Ruleset, u8> {
    match compile_file(file) {
        Ok((ruleset, _)) => Ok(ruleset),
        Err(failure) => {
            eprint!("{}", failure.render());
            if format == Format::Json {
                println!(
                    "{}",
                    serde_json::json!({"error": {"kind": "compile", "diagnostics": failure.to_json()}})
                );
            }
            Err(1)
        }
    }
}

/// A JSON file (or `-` for standard input); unreadable files and bad JSON are request errors.
pub fn read_json(path: &str) -> Result<Json, EvalError> {
    let text =
        read_text(path).map_err(|message| EvalError::new(ErrorKind::InvalidRequest, message))?;
    parse_json(&text)
}

/// Prints the result (indented unless `compact`) or the error; the exit code.
pub fn emit(result: Result<Json, EvalError>, compact: bool, format: Format) -> u8 {
    match result {
        Ok(result) => {
            let text = if compact {
                ordo_engine::to_json_string(&result)
            } else {
                ordo_engine::to_json_pretty(&result)
            };
            println!("{text}");
            0
        }
        Err(error) => {
            eprintln!("{}", error.render());
            if format == Format::Json {
                println!("{}", serde_json::json!({"error": error.to_json()}));
            }
            1
        }
    }
}
