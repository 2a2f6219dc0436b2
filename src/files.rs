//! Reading the files and inputs a command names, with errors that say which file failed.

use std::io::Read;
use std::path::Path;

use ordo_engine::{DataFiles, Diagnostics, Ruleset};

/// Reads a text file, or standard input for `-`.
pub fn read_text(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read `{path}`: {e}"))
}

/// The data files a ruleset's tables read (`from "NAME"`, spec §21), read relative to the
/// folder of the ruleset file at `ruleset_path`.
pub fn read_data_files(ruleset_path: &Path, source: &str) -> Result<DataFiles, String> {
    DataFiles::read_beside(ruleset_path, Ruleset::data_files_of(source)).map_err(|e| e.to_string())
}

/// A ruleset compiled from a file (with the data files beside it), or the rendered diagnostics.
pub fn compile_file(path: &Path) -> Result<(Ruleset, String), CompileFailure> {
    let display = path.display().to_string();
    let source = read_text(&display).map_err(CompileFailure::Io)?;
    let files = read_data_files(path, &source).map_err(CompileFailure::Io)?;
    match Ruleset::compile_with_files(&source, &files) {
        Ok(ruleset) => Ok((ruleset, source)),
        Err(diagnostics) => Err(CompileFailure::Diagnostics {
            file: display,
            source,
            diagnostics,
        }),
    }
}

/// Why a ruleset file did not compile.
pub enum CompileFailure {
    Io(String),
    Diagnostics {
        file: String,
        source: String,
        diagnostics: Diagnostics,
    },
}

impl CompileFailure {
    /// For people: the rendered diagnostics, rustc-style.
    pub fn render(&self) -> String {
        match self {
            CompileFailure::Io(message) => format!("error: {message}\n"),
            CompileFailure::Diagnostics {
                file,
                source,
                diagnostics,
            } => {
                let count = diagnostics.len();
                format!(
                    "{}\n{file}: {count} error{}\n",
                    diagnostics.render(file, source),
                    if count == 1 { "" } else { "s" }
                )
            }
        }
    }

    /// For tools: a JSON array of diagnostics (an I/O problem is one `io` entry).
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            CompileFailure::Io(message) => serde_json::json!([{"kind": "io", "message": message}]),
            CompileFailure::Diagnostics {
                file,
                source,
                diagnostics,
            } => diagnostics.to_json(file, source),
        }
    }
}
