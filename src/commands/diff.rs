//! `ordo diff OLD NEW [--cases PATH]`: what changed between two versions of a ruleset — the
//! input schema (and whether the change breaks old inputs), the rules by id, and the results of
//! given cases, with how much each total moved over all of them (re-pricing an order book).

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use ordo_engine::diff::{RulesetDiff, ValueChange, compare_results};
use ordo_engine::text::{parse_date, parse_decimal};
use ordo_engine::{Decimal, EvalOptions, Ruleset};
use serde_json::{Value as Json, json};

use super::Format;
use crate::files::compile_file;

#[derive(clap::Args)]
pub struct Args {
    /// The old version's file.
    old: PathBuf,
    /// The new version's file.
    new: PathBuf,
    /// Inputs to evaluate with both versions: a folder of JSON inputs, one JSON input, a
    /// conformance `cases.json` (a list of objects with `input` and optional `as_of`), or a
    /// JSON Lines file (`.jsonl`, one input per line, read a line at a time: an order book of
    /// any size).
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
    let default_as_of = match args.as_of.as_deref().map(parse_date).transpose() {
        Ok(date) => date,
        Err(error) => {
            eprintln!("{}", error.render());
            return 1;
        }
    };
    let compare = |input: &Json, as_of: Option<&str>| {
        let as_of = as_of.and_then(|d| parse_date(d).ok()).or(default_as_of);
        let options = EvalOptions {
            as_of,
            ..EvalOptions::default()
        };
        compare_results(&old, &new, input, &options)
    };
    let json = args.format == Format::Json;
    if !json {
        crate::output::out!("{}", diff.render());
    }
    let mut tally = Tally::default();
    let mut changed = Vec::new();
    let mut on_case = |name: String, changes: Vec<ValueChange>| {
        tally.count(&changes);
        if changes.is_empty() {
            return;
        }
        if json {
            changed.push(json!({
                "case": name,
                "changes": changes.iter().map(ValueChange::to_json).collect::<Vec<_>>(),
            }));
        } else {
            print_case(&name, &changes);
        }
    };
    let read = match &args.cases {
        None => Ok(()),
        Some(path) if is_jsonl(path) => stream_lines(path, |line, input, as_of| {
            on_case(format!("line {line}"), compare(input, as_of));
        }),
        Some(path) => read_cases(path).map(|cases| {
            for (name, input, as_of) in cases {
                on_case(name, compare(&input, as_of.as_deref()));
            }
        }),
    };
    if let Err(message) = read {
        eprintln!("error: {message}");
        return 1;
    }
    if json {
        let mut out = diff.to_json();
        if let Some(map) = out.as_object_mut()
            && args.cases.is_some()
        {
            let mut cases = tally.to_json();
            if let Some(cases) = cases.as_object_mut() {
                cases.insert("changed".into(), Json::Array(changed));
            }
            map.insert("cases".into(), cases);
        }
        crate::output::outln!("{}", ordo_engine::to_json_pretty(&out));
    } else if args.cases.is_some() {
        tally.print();
    }
    0
}

/// One changed case, as text.
fn print_case(name: &str, changes: &[ValueChange]) {
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

/// What the cases add up to: how many changed, and by how much each total moved.
#[derive(Default)]
struct Tally {
    cases: usize,
    changed: usize,
    /// Per total's path (`quotes.quote.total`): the sum of the changes, and how many went up
    /// and down. A total that appears or disappears (an error on one side) is not summed.
    totals: BTreeMap<String, Moves>,
}

#[derive(Default)]
struct Moves {
    /// The sum of the changes; `None` once it overflowed.
    sum: Option<Decimal>,
    overflowed: bool,
    up: usize,
    down: usize,
}

impl Moves {
    fn sum_text(&self) -> String {
        match self.sum {
            _ if self.overflowed => "overflow".to_string(),
            Some(sum) => sum.to_string(),
            None => "0".to_string(),
        }
    }
}

impl Tally {
    fn count(&mut self, changes: &[ValueChange]) {
        self.cases += 1;
        if !changes.is_empty() {
            self.changed += 1;
        }
        for change in changes.iter().filter(|c| is_total(&c.path)) {
            let (Some(before), Some(after)) = (decimal(&change.before), decimal(&change.after))
            else {
                continue;
            };
            let moves = self.totals.entry(change.path.clone()).or_default();
            let Some(delta) = after.checked_sub(before) else {
                moves.overflowed = true;
                continue;
            };
            if delta.is_sign_negative() {
                moves.down += 1;
            } else {
                moves.up += 1;
            }
            match moves.sum.unwrap_or_default().checked_add(delta) {
                Some(sum) => moves.sum = Some(sum),
                None => moves.overflowed = true,
            }
        }
    }

    fn print(&self) {
        crate::output::outln!("cases: {} of {} changed", self.changed, self.cases);
        for (path, moves) in &self.totals {
            crate::output::outln!(
                "  {path}: {} in all ({} up, {} down)",
                signed(&moves.sum_text()),
                moves.up,
                moves.down
            );
        }
    }

    fn to_json(&self) -> Json {
        let totals: serde_json::Map<String, Json> = self
            .totals
            .iter()
            .map(|(path, m)| {
                (
                    path.clone(),
                    json!({"change": m.sum_text(), "up": m.up, "down": m.down}),
                )
            })
            .collect();
        json!({"total": self.cases, "changed_count": self.changed, "totals": totals})
    }
}

/// A quote's total or subtotal, or an output named `total`.
fn is_total(path: &str) -> bool {
    path.ends_with(".total") || (path.starts_with("quotes.") && path.contains(".subtotals."))
}

fn decimal(value: &Json) -> Option<Decimal> {
    value.as_str().and_then(parse_decimal)
}

fn signed(text: &str) -> String {
    if text.starts_with('-') || text == "overflow" {
        text.to_string()
    } else {
        format!("+{text}")
    }
}

fn is_jsonl(path: &Path) -> bool {
    path.extension()
        .is_some_and(|x| x == "jsonl" || x == "ndjson")
}

/// Reads a JSON Lines file one line at a time (a file of any size: only one line is held); every
/// line is an input, as for `ordo eval --batch`. Empty lines are skipped.
fn stream_lines(
    path: &Path,
    mut each: impl FnMut(usize, &Json, Option<&str>),
) -> Result<(), String> {
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        if line.trim().is_empty() {
            continue;
        }
        let input = ordo_engine::parse_json(&line).map_err(|e| match &e.path {
            Some(at) => format!(
                "`{}` line {}: {} (at `{at}`)",
                path.display(),
                i + 1,
                e.message
            ),
            None => format!("`{}` line {}: {}", path.display(), i + 1, e.message),
        })?;
        each(i + 1, &input, None);
    }
    Ok(())
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
