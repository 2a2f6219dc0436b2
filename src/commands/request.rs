//! What the commands that answer one engine request share: compiling the ruleset file with
//! its diagnostics, reading JSON files, and printing a result or an error.

use std::path::{Path, PathBuf};

use ordo_engine::{ErrorKind, EvalError, Registry, Ruleset, Selector, parse_json};
use serde_json::Value as Json;

use super::Format;
use crate::files::{compile_file, read_text};

/// How a command that answers one request prints its answer.
#[derive(clap::Args)]
pub struct Output {
    /// Print compact JSON (one line) instead of indented JSON.
    #[arg(long)]
    pub compact: bool,
    /// Error format: `json` also prints errors as JSON on standard output.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// The compiled ruleset, or the exit code after its diagnostics were printed.
pub fn compiled(file: &Path, format: Format) -> Result<Ruleset, u8> {
    match compile_file(file) {
        Ok((ruleset, _)) => Ok(ruleset),
        Err(failure) => {
            eprint!("{}", failure.render());
            if format == Format::Json {
                crate::output::outln!(
                    "{}",
                    serde_json::json!({"error": {"kind": "compile", "diagnostics": failure.to_json()}})
                );
            }
            Err(1)
        }
    }
}

/// The ruleset files a command was given: folders stand for the `.ordo` files in them
/// (sorted, not recursive).
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "ordo"))
                .collect();
            found.sort();
            if found.is_empty() {
                return Err(format!("`{}` holds no .ordo file", path.display()));
            }
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

/// Which of several versions to use.
pub struct Choice<'a> {
    /// The ruleset's name, when the files hold several rulesets.
    pub name: Option<&'a str>,
    /// `latest`, an exact version, a semver requirement or a date.
    pub version: Option<&'a str>,
    /// The evaluation date: without `version`, it picks the version in effect on that day.
    pub as_of: Option<&'a str>,
}

/// Compiles every file into a registry and resolves the version the choice asks for; one file
/// without a choice is simply that file.
pub fn select(paths: &[PathBuf], choice: &Choice<'_>, format: Format) -> Result<Ruleset, u8> {
    let files = match expand(paths) {
        Ok(files) => files,
        Err(message) => {
            return Err(fail(
                EvalError::new(ErrorKind::InvalidRequest, message),
                format,
            ));
        }
    };
    if let ([file], None) = (files.as_slice(), choice.version) {
        return compiled(file, format);
    }
    let mut registry = Registry::new();
    for file in &files {
        let ruleset = compiled(file, format)?;
        if let Err(error) = registry.add(ruleset) {
            return Err(fail(error, format));
        }
    }
    let names: Vec<&str> = registry.names().collect();
    let name = match (choice.name, names.as_slice()) {
        (Some(name), _) => name,
        (None, [only]) => only,
        (None, _) => {
            let message = format!(
                "the files hold several rulesets ({}): choose one with --ruleset",
                names.join(", ")
            );
            return Err(fail(
                EvalError::new(ErrorKind::InvalidRequest, message),
                format,
            ));
        }
    };
    let selector = match (choice.version, choice.as_of) {
        (Some(version), _) => Selector::parse(version),
        (None, Some(date)) => Selector::parse(date),
        (None, None) => Ok(Selector::Latest),
    };
    match selector.and_then(|s| registry.resolve(name, &s).cloned()) {
        Ok(ruleset) => Ok(ruleset),
        Err(error) => Err(fail(error, format)),
    }
}

/// A JSON file (or `-` for standard input); unreadable files and bad JSON are request errors.
pub fn read_json(path: &str) -> Result<Json, EvalError> {
    let text =
        read_text(path).map_err(|message| EvalError::new(ErrorKind::InvalidRequest, message))?;
    parse_json(&text)
}

/// Prints the result (indented unless `compact`) or the error; the exit code.
pub fn emit(result: Result<Json, EvalError>, output: &Output) -> u8 {
    match result {
        Ok(result) => {
            let text = if output.compact {
                ordo_engine::to_json_string(&result)
            } else {
                ordo_engine::to_json_pretty(&result)
            };
            crate::output::outln!("{text}");
            0
        }
        Err(error) => {
            eprintln!("{}", error.render());
            if output.format == Format::Json {
                crate::output::outln!("{}", serde_json::json!({"error": error.to_json()}));
            }
            1
        }
    }
}

/// Prints an error the way [`emit`] does; the exit code.
fn fail(error: EvalError, format: Format) -> u8 {
    emit(
        Err(error),
        &Output {
            compact: false,
            format,
        },
    )
}
