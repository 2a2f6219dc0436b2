//! `ordo conformance DIR`: runs every folder of a conformance suite (a `ruleset.ordo` and its
//! `cases.json`), prints one line per case and a closing `N passed, N failed, N skipped` line.
//! A case whose operation is not available is skipped with the reason, never passed.

use std::path::{Path, PathBuf};

use ordo_engine::{
    ApplyRequest, Approvals, ConfigureRequest, ErrorKind, EvalError, EvalOptions, Ruleset,
    StartRequest, TimerRequest, TransitionsRequest, UpdateRequest, text::parse_date,
};
use serde_json::Value as Json;

use crate::files::read_text;

#[derive(clap::Args)]
pub struct Args {
    /// The suite's folder (each sub-folder is one ruleset with its cases).
    dir: PathBuf,
    /// Print the full result of failing cases.
    #[arg(long, short)]
    verbose: bool,
}

/// The outcome of one case.
pub enum Outcome {
    Pass,
    Fail(String),
    Skip(String),
}

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
    skipped: usize,
}

impl Tally {
    fn record(&mut self, name: &str, outcome: Outcome) {
        match outcome {
            Outcome::Pass => {
                self.passed += 1;
                crate::output::outln!("ok    {name}");
            }
            Outcome::Fail(why) => {
                self.failed += 1;
                crate::output::outln!("FAIL  {name}\n      {}", why.replace('\n', "\n      "));
            }
            Outcome::Skip(why) => {
                self.skipped += 1;
                crate::output::outln!("skip  {name} ({why})");
            }
        }
    }
}

/// Exit 0 when no case failed.
pub fn run(args: &Args) -> u8 {
    // One case folder on its own, or a suite of them.
    let mut folders: Vec<PathBuf> = match std::fs::read_dir(&args.dir) {
        Ok(_) if args.dir.join("cases.json").is_file() => vec![args.dir.clone()],
        Ok(entries) => entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.join("cases.json").is_file())
            .collect(),
        Err(e) => {
            eprintln!("error: cannot read `{}`: {e}", args.dir.display());
            return 1;
        }
    };
    folders.sort();
    let mut tally = Tally::default();
    for folder in &folders {
        run_folder(folder, &mut tally, args.verbose);
    }
    crate::output::outln!(
        "{} passed, {} failed, {} skipped",
        tally.passed,
        tally.failed,
        tally.skipped
    );
    u8::from(tally.failed > 0 || folders.is_empty())
}

fn run_folder(folder: &Path, tally: &mut Tally, verbose: bool) {
    let suite = folder
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let loaded = read_text(&folder.join("ruleset.ordo").display().to_string())
        .and_then(|source| {
            read_text(&folder.join("cases.json").display().to_string()).map(|cases| (source, cases))
        })
        .and_then(|(source, cases)| {
            // A key given twice would quietly drop a case or an expectation: refused.
            ordo_engine::parse_json(&cases)
                .map(|c| (source, c))
                .map_err(|e| match &e.path {
                    Some(path) => format!("cases.json: {} (at `{path}`)", e.message),
                    None => format!("cases.json: {}", e.message),
                })
        });
    let (source, cases) = match loaded {
        Ok(loaded) => loaded,
        Err(why) => return tally.record(&suite, Outcome::Fail(why)),
    };
    let files = match crate::files::read_data_files(&folder.join("ruleset.ordo"), &source) {
        Ok(files) => files,
        Err(why) => return tally.record(&suite, Outcome::Fail(why)),
    };
    let compiled = Ruleset::compile_with_files(&source, &files);
    if let Some(expected) = cases.get("compile_error") {
        let name = format!("{suite}: rejected at compile time");
        return tally.record(&name, compile_error_outcome(&compiled, expected, &source));
    }
    let Some(cases) = cases.as_array() else {
        return tally.record(
            &suite,
            Outcome::Fail("cases.json must be a list of cases".into()),
        );
    };
    let ruleset = match compiled {
        Ok(ruleset) => ruleset,
        Err(diagnostics) => {
            let why = format!(
                "the ruleset does not compile:\n{}",
                diagnostics.render("ruleset.ordo", &source)
            );
            for (i, case) in cases.iter().enumerate() {
                tally.record(&case_name(&suite, i, case), Outcome::Fail(why.clone()));
            }
            return;
        }
    };
    for (i, case) in cases.iter().enumerate() {
        let outcome = run_case(&ruleset, case, verbose);
        tally.record(&case_name(&suite, i, case), outcome);
    }
}

fn case_name(suite: &str, i: usize, case: &Json) -> String {
    let name = case
        .get("name")
        .and_then(Json::as_str)
        .map_or_else(|| format!("case {}", i + 1), str::to_string);
    format!("{suite}: {name}")
}

fn compile_error_outcome(
    compiled: &Result<Ruleset, ordo_engine::Diagnostics>,
    expected: &Json,
    source: &str,
) -> Outcome {
    let kind = expected
        .get("kind")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let lines: Vec<u64> = expected
        .get("lines")
        .and_then(Json::as_array)
        .map(|l| l.iter().filter_map(Json::as_u64).collect())
        .unwrap_or_default();
    let diagnostics = match compiled {
        Ok(_) => {
            return Outcome::Fail(format!(
                "expected a compile error of kind `{kind}`, but the ruleset compiled"
            ));
        }
        Err(d) => d,
    };
    let hit = diagnostics.iter().any(|d| {
        d.kind.as_str() == kind && (lines.is_empty() || lines.contains(&(d.line(source) as u64)))
    });
    if hit {
        Outcome::Pass
    } else {
        let found: Vec<String> = diagnostics
            .iter()
            .map(|d| format!("{} at line {}: {}", d.kind, d.line(source), d.message))
            .collect();
        Outcome::Fail(format!(
            "expected an error of kind `{kind}` at line {lines:?}; found:\n{}",
            found.join("\n")
        ))
    }
}

/// Runs one case and compares it with its expectation.
pub fn run_case(ruleset: &Ruleset, case: &Json, verbose: bool) -> Outcome {
    let op = case.get("op").and_then(Json::as_str).unwrap_or("evaluate");
    // Besides its name, operation and expectation, a case carries exactly the engine's request
    // fields (a request refuses keys it does not know).
    let mut request = case.clone();
    if let Some(fields) = request.as_object_mut() {
        for key in ["name", "op", "expect", "expect_error"] {
            fields.remove(key);
        }
    }
    let request = &request;
    let result = match op {
        "evaluate" => evaluate(ruleset, case),
        "transitions" => {
            TransitionsRequest::from_json(request).and_then(|r| ruleset.transitions(&r))
        }
        "apply" => ApplyRequest::from_json(request).and_then(|r| ruleset.apply(&r)),
        "start" => StartRequest::from_json(request).and_then(|r| ruleset.start(&r)),
        "update" => UpdateRequest::from_json(request).and_then(|r| ruleset.update(&r)),
        "fire_timer" => TimerRequest::from_json(request).and_then(|r| ruleset.fire_timer(&r)),
        "configure" => ConfigureRequest::from_json(request).and_then(|r| ruleset.configure(&r)),
        other => return Outcome::Skip(format!("the `{other}` operation is not implemented yet")),
    };

    judge(result, case, verbose)
}

fn evaluate(ruleset: &Ruleset, case: &Json) -> Result<Json, EvalError> {
    let as_of = case
        .get("as_of")
        .and_then(Json::as_str)
        .map(parse_date)
        .transpose()?;
    let at = match case.get("at") {
        None | Some(Json::Null) => None,
        Some(Json::String(s)) => Some(ordo_engine::text::parse_datetime(s)?),
        Some(_) => {
            return Err(EvalError::new(
                ErrorKind::InvalidRequest,
                "`at` must be an RFC 3339 instant",
            ));
        }
    };
    let options = EvalOptions {
        as_of,
        at,
        trace: false,
        approvals: case
            .get("approvals")
            .map(Approvals::from_json)
            .transpose()?,
    };
    ruleset.evaluate(case.get("input").unwrap_or(&Json::Null), &options)
}

fn judge(result: Result<Json, EvalError>, case: &Json, verbose: bool) -> Outcome {
    match (result, case.get("expect"), case.get("expect_error")) {
        (Ok(actual), Some(expected), _) => match mismatch(expected, &actual, "") {
            None => Outcome::Pass,
            Some(why) if verbose => Outcome::Fail(format!(
                "{why}\nresult: {}",
                ordo_engine::to_json_pretty(&actual)
            )),
            Some(why) => Outcome::Fail(why),
        },
        (Ok(actual), None, Some(expected)) => Outcome::Fail(format!(
            "expected the error {expected}, but evaluation succeeded{}",
            if verbose {
                format!(":\n{}", ordo_engine::to_json_pretty(&actual))
            } else {
                String::new()
            }
        )),
        (Err(error), _, Some(expected)) => {
            let actual = error.to_json();
            match mismatch(expected, &actual, "error") {
                None => Outcome::Pass,
                Some(why) => Outcome::Fail(format!("{why}\nthe error was: {}", error.render())),
            }
        }
        (Err(error), _, None) => Outcome::Fail(format!("unexpected error: {}", error.render())),
        (Ok(_), None, None) => {
            Outcome::Fail("the case has neither `expect` nor `expect_error`".into())
        }
    }
}

/// Where `actual` does not match the partial expectation `expected`, if anywhere (the rules of
/// the suite's README: objects match on the expected keys, arrays element by element, decimal
/// strings by value).
pub fn mismatch(expected: &Json, actual: &Json, path: &str) -> Option<String> {
    let at = |p: &str| {
        if p.is_empty() {
            "the result".to_string()
        } else {
            format!("`{p}`")
        }
    };
    match (expected, actual) {
        (Json::Object(exp), Json::Object(act)) => exp.iter().find_map(|(key, e)| {
            let child = if path.is_empty() {
                key.clone()
            } else {
                format!("{path}.{key}")
            };
            match act.get(key) {
                None => Some(format!("{} is missing", at(&child))),
                Some(a) => mismatch(e, a, &child),
            }
        }),
        (Json::Array(exp), Json::Array(act)) => {
            if exp.len() != act.len() {
                return Some(format!(
                    "{} has {} element(s), expected {}: {}",
                    at(path),
                    act.len(),
                    exp.len(),
                    compact(actual)
                ));
            }
            exp.iter()
                .zip(act)
                .enumerate()
                .find_map(|(i, (e, a))| mismatch(e, a, &format!("{path}[{i}]")))
        }
        (Json::String(e), Json::String(a)) => {
            let decimal = |s: &str| ordo_engine::text::parse_decimal(s);
            match (decimal(e), decimal(a)) {
                (Some(x), Some(y)) if x == y => None,
                _ if e == a => None,
                _ => Some(format!(
                    "{} is {}, expected {}",
                    at(path),
                    compact(actual),
                    compact(expected)
                )),
            }
        }
        (e, a) if e == a => None,
        _ => Some(format!(
            "{} is {}, expected {}",
            at(path),
            compact(actual),
            compact(expected)
        )),
    }
}

fn compact(value: &Json) -> String {
    let text = ordo_engine::to_json_string(value);
    if text.chars().count() > 300 {
        format!("{}…", text.chars().take(300).collect::<String>())
    } else {
        text
    }
}
