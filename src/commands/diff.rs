//! `ordo diff OLD NEW [--cases PATH]`: what changed between two versions of a ruleset — the
//! input schema (and whether the change breaks old inputs), the rules by id, and the results of
//! given cases.

use std::path::{Path, PathBuf};

use ordo_engine::diff::{RulesetDiff, compare_results};
use ordo_engine::{EvalOptions, Ruleset, text::parse_date};
use serde_json::{Value as Json, json};

use super::Format;
use crate::files::compile_file;

#[derive(clap::Args)]
pub struct Args {
    /// The old version's file.
    old: PathBuf,
    /// The new version's file.
    new: PathBuf,
    /// Inputs to evaluate with both versions: a folder of JSON inputs, one JSON input, or a
    /// conformance `cases.json` (a list of objects with `input` and optional `as_of`).
    #[arg(long)]
    cases: Option<PathBuf>,
    /// The evaluation date of the cases (YYYY-MM-DD).
    #[arg(long)]
    as_of: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// A compiled version and its syntax tree, or the exit code after the diagnostics.
pub fn load(path: &Path) -> Result<(Ruleset, ordo_dsl::ast::Ruleset), u8> {
    match compile_file(path) {
        Ok((ruleset, source)) => match ordo_dsl::parse(&source) {
            Ok(ast) => Ok((ruleset, ast)),
            Err(_) => Err(1),
        },
        Err(failure) => {
            eprint!("{}", failure.render());
            Err(1)
        }
    }
}

/// Prints the differences; exit 0 (1 when a file does not compile or a case cannot be read).
pub fn run(args: &Args) -> u8 {
    let ((old, old_ast), (new, new_ast)) = match (load(&args.old), load(&args.new)) {
        (Ok(old), Ok(new)) => (old, new),
        _ => return 1,
    };
    let diff = RulesetDiff::between(&old, &old_ast, &new, &new_ast);
    let cases = match &args.cases {
        Some(path) => match read_cases(path) {
            Ok(cases) => cases,
            Err(message) => {
                eprintln!("error: {message}");
                return 1;
            }
        },
        None => Vec::new(),
    };
    let default_as_of = match args.as_of.as_deref().map(parse_date).transpose() {
        Ok(date) => date,
        Err(error) => {
            eprintln!("{}", error.render());
            return 1;
        }
    };
    let mut changed = Vec::new();
    for (name, input, as_of) in &cases {
        let as_of = as_of
            .as_deref()
            .and_then(|d| parse_date(d).ok())
            .or(default_as_of);
        let options = EvalOptions {
            as_of,
            trace: false,
            approvals: None,
            at: None,
        };
        let changes = compare_results(&old, &new, input, &options);
        if !changes.is_empty() {
            changed.push((name.clone(), changes));
        }
    }
    if args.format == Format::Json {
        let mut out = diff.to_json();
        let cases_json = json!({
            "total": cases.len(),
            "changed": changed.iter().map(|(name, changes)| json!({
                "case": name,
                "changes": changes.iter().map(|c| c.to_json()).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        });
        if let Some(map) = out.as_object_mut() {
            map.insert("cases".into(), cases_json);
        }
        crate::output::outln!("{}", ordo_engine::to_json_pretty(&out));
        return 0;
    }
    crate::output::out!("{}", diff.render());
    if args.cases.is_some() {
        crate::output::outln!("cases: {} of {} changed", changed.len(), cases.len());
        for (name, changes) in &changed {
            crate::output::outln!("  {name}");
            for change in changes {
                crate::output::outln!(
                    "    {}: {} → {}",
                    change.path,
                    short(&change.before),
                    short(&change.after)
                );
            }
        }
    }
    0
}

fn short(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Null => "(none)".into(),
        other => other.to_string(),
    }
}

/// (name, input, as_of) of every case under `path`.
fn read_cases(path: &Path) -> Result<Vec<(String, Json, Option<String>)>, String> {
    let read = |p: &Path| -> Result<Json, String> {
        let text = std::fs::read_to_string(p)
            .map_err(|e| format!("cannot read `{}`: {e}", p.display()))?;
        // A byte-order mark is skipped and a repeated key refused, as for every input.
        ordo_engine::parse_json(&text).map_err(|e| match &e.path {
            Some(at) => format!("`{}`: {} (at `{at}`)", p.display(), e.message),
            None => format!("`{}`: {}", p.display(), e.message),
        })
    };
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        return files
            .iter()
            .map(|f| Ok((f.display().to_string(), read(f)?, None)))
            .collect();
    }
    match read(path)? {
        Json::Array(cases) => Ok(cases
            .iter()
            .enumerate()
            .filter_map(|(i, case)| {
                let input = case.get("input")?.clone();
                let name = case
                    .get("name")
                    .and_then(Json::as_str)
                    .map_or_else(|| format!("case {}", i + 1), str::to_string);
                Some((
                    name,
                    input,
                    case.get("as_of").and_then(Json::as_str).map(str::to_string),
                ))
            })
            .collect()),
        input => Ok(vec![(path.display().to_string(), input, None)]),
    }
}
