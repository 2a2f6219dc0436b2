//! `ordo fmt [--check] FILE...`: rewrite rulesets in the canonical layout, keeping comments.

use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct Args {
    /// Ruleset files or folders (searched for `*.ordo`); `-` formats standard input to
    /// standard output.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Write nothing: name the files that are not formatted and exit 1 if there are any.
    #[arg(long)]
    check: bool,
}

/// What formatting one source gave.
pub(crate) enum Formatted {
    /// The canonical text (maybe equal to the source).
    Text(String),
    /// The source does not parse: the rendered diagnostics.
    Invalid(String),
}

/// Formats one source; `name` is used in diagnostics.
pub(crate) fn format_source(name: &str, source: &str) -> Formatted {
    let ruleset = match ordo_dsl::parse(source) {
        Ok(ruleset) => ruleset,
        Err(diagnostics) => {
            let count = diagnostics.len();
            return Formatted::Invalid(format!(
                "{}\n{name}: {count} error{}, not formatted\n",
                diagnostics.render(name, source),
                if count == 1 { "" } else { "s" }
            ));
        }
    };
    let formatted = ordo_dsl::format_ruleset(&ruleset, source);
    // Never write a text that means something else: the output must parse to the same tree.
    match ordo_dsl::parse(&formatted) {
        Ok(again) if ordo_dsl::format::same_tree(&ruleset, &again) => Formatted::Text(formatted),
        _ => Formatted::Invalid(format!(
            "error: {name}: the formatter could not lay this file out faithfully; it was left \
             unchanged (please report this file)\n"
        )),
    }
}

/// Every `*.ordo` file under the given paths (files as given, folders searched recursively in
/// name order, skipping hidden, `target` and `node_modules` folders).
pub(crate) fn ordo_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            collect(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read the folder `{}`: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            // Build output, dependencies and hidden folders hold no rulesets of the project.
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            collect(&path, files)?;
        } else if path.extension().is_some_and(|ext| ext == "ordo") {
            files.push(path);
        }
    }
    Ok(())
}

/// Exit 0 when every file is (or now is) formatted; 1 when a file does not parse, cannot be
/// written, or (with `--check`) is not formatted.
pub fn run(args: &Args) -> u8 {
    if args.files.len() == 1 && args.files.first().is_some_and(|f| f.as_os_str() == "-") {
        return stdin_to_stdout(args.check);
    }
    let files = match ordo_files(&args.files) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return 1;
        }
    };
    let mut failed = false;
    let mut unformatted = 0;
    for file in &files {
        let name = file.display().to_string();
        let source = match std::fs::read_to_string(file) {
            Ok(source) => source,
            Err(e) => {
                eprintln!("error: cannot read `{name}`: {e}");
                failed = true;
                continue;
            }
        };
        let formatted = match format_source(&name, &source) {
            Formatted::Text(text) => text,
            Formatted::Invalid(report) => {
                eprint!("{report}");
                failed = true;
                continue;
            }
        };
        if formatted == source {
            continue;
        }
        unformatted += 1;
        if args.check {
            crate::output::outln!("{name}");
        } else if let Err(e) = write_atomically(file, &formatted) {
            eprintln!("error: cannot write `{name}`: {e}");
            failed = true;
        } else {
            crate::output::outln!("formatted {name}");
        }
    }
    if args.check && unformatted > 0 {
        eprintln!(
            "{unformatted} file{} not formatted (run `ordo fmt` on {})",
            if unformatted == 1 { " is" } else { "s are" },
            if unformatted == 1 { "it" } else { "them" }
        );
        failed = true;
    }
    u8::from(failed)
}

fn stdin_to_stdout(check: bool) -> u8 {
    let source = match crate::files::read_text("-") {
        Ok(source) => source,
        Err(message) => {
            eprintln!("error: {message}");
            return 1;
        }
    };
    match format_source("<stdin>", &source) {
        Formatted::Text(text) if check => {
            if text == source {
                0
            } else {
                crate::output::outln!("<stdin>");
                1
            }
        }
        Formatted::Text(text) => {
            crate::output::out!("{text}");
            0
        }
        Formatted::Invalid(report) => {
            eprint!("{report}");
            1
        }
    }
}

/// Replaces a file through a temporary file beside it, so an interrupted write never leaves
/// half a ruleset behind.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(".fmt-tmp");
    let temporary = PathBuf::from(temporary);
    std::fs::write(&temporary, text)?;
    if let Ok(metadata) = std::fs::metadata(path) {
        // Keep the file's permissions; failing to copy them is not worth losing the write.
        let _ = std::fs::set_permissions(&temporary, metadata.permissions());
    }
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}
