//! `ordo test [PATH...]`: run the `test` blocks of rulesets, print each failure with what was
//! expected and what was found, and optionally report which rules no test exercised.

use std::path::{Path, PathBuf};

use ordo_dsl::ast::{ApprovalItem, Item, PriceStmt, Ruleset as Ast};
use ordo_engine::testing::{Coverage, CoverageItem, CoverageKind, TestOutcome, percent};
use serde_json::{Value as Json, json};

use super::Format;
use super::fmt::ordo_files;
use crate::files::compile_file;

#[derive(clap::Args)]
pub struct Args {
    /// Ruleset files or folders (searched for `*.ordo`); the current folder by default.
    paths: Vec<PathBuf>,
    /// Report the constraints, decision rows, price lines, approval steps and transitions that
    /// no test exercised.
    #[arg(long)]
    coverage: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// The result of one file.
struct FileReport {
    name: String,
    ruleset: Option<Json>,
    outcomes: Vec<TestOutcome>,
    coverage: Option<(Coverage, Vec<Option<usize>>)>,
    /// The file does not compile: its rendered diagnostics and their JSON.
    error: Option<(String, Json)>,
}

/// Exit 0 when every test passes (and every file compiles), 1 otherwise.
pub fn run(args: &Args) -> u8 {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let files = match ordo_files(&paths) {
        Ok(files) => files,
        Err(message) => {
            eprintln!("error: {message}");
            return 1;
        }
    };
    if files.is_empty() {
        eprintln!("error: no `.ordo` files found");
        return 1;
    }
    let reports: Vec<FileReport> = files.iter().map(|f| run_file(f, args.coverage)).collect();
    let passed: usize = reports
        .iter()
        .map(|r| r.outcomes.iter().filter(|o| o.failures.is_empty()).count())
        .sum();
    let failed: usize = reports
        .iter()
        .map(|r| {
            r.outcomes.iter().filter(|o| !o.failures.is_empty()).count()
                + usize::from(r.error.is_some())
        })
        .sum();
    match args.format {
        Format::Text => print_text(&reports, args.coverage),
        Format::Json => print_json(&reports, passed, failed),
    }
    let closing = format!("{passed} passed, {failed} failed");
    match args.format {
        Format::Text => crate::output::outln!("{closing}"),
        Format::Json => eprintln!("{closing}"),
    }
    u8::from(failed > 0)
}

fn run_file(file: &Path, coverage: bool) -> FileReport {
    let name = file.display().to_string();
    let (ruleset, source) = match compile_file(file) {
        Ok(compiled) => compiled,
        Err(failure) => {
            return FileReport {
                name,
                ruleset: None,
                outcomes: Vec::new(),
                coverage: None,
                error: Some((failure.render(), failure.to_json())),
            };
        }
    };
    let (outcomes, coverage) = if coverage {
        let (outcomes, coverage) = ruleset.run_tests_with_coverage();
        let lines = match ordo_dsl::parse(&source) {
            Ok(ast) => coverage
                .items
                .iter()
                .map(|item| item.line.or_else(|| line_of(&ast, &source, item)))
                .collect(),
            Err(_) => vec![None; coverage.items.len()],
        };
        (outcomes, Some((coverage, lines)))
    } else {
        (ruleset.run_tests(), None)
    };
    FileReport {
        name,
        ruleset: Some(ruleset.identity_json()),
        outcomes,
        coverage,
        error: None,
    }
}

/// The source line of a coverage item's declaration.
fn line_of(ast: &Ast, source: &str, item: &CoverageItem) -> Option<usize> {
    let span = ast.items.iter().find_map(|decl| match (item.kind, decl) {
        (CoverageKind::Constraint, Item::Constraint(c)) if c.name.name == item.owner => {
            Some(c.span)
        }
        (CoverageKind::PriceLine, Item::Price(p)) if p.name.name == item.owner => {
            price_line_span(&p.body, &item.item)
        }
        (CoverageKind::ApprovalStep, Item::Approval(a)) if a.name.name == item.owner => {
            a.items.iter().find_map(|i| match i {
                ApprovalItem::Step(s) => (s.id.name == item.item).then_some(s.span),
                ApprovalItem::Parallel { steps, .. } => steps
                    .iter()
                    .find(|s| s.id.name == item.item)
                    .map(|s| s.span),
            })
        }
        (CoverageKind::Transition, Item::Workflow(w)) if w.name.name == item.owner => w
            .transitions
            .iter()
            .find(|t| t.name.name == item.item)
            .map(|t| t.span),
        _ => None,
    })?;
    Some(ordo_dsl::line_col(source, span.start).line)
}

fn price_line_span(body: &[PriceStmt], id: &str) -> Option<ordo_dsl::Span> {
    body.iter().find_map(|stmt| match stmt {
        PriceStmt::Line(line) => (line.id.name == id).then_some(line.span),
        PriceStmt::For(f) => price_line_span(&f.body, id),
        PriceStmt::Subtotal(_) => None,
    })
}

/// How an uncovered item reads for people.
fn describe(item: &CoverageItem) -> String {
    match item.kind {
        CoverageKind::Constraint if item.item == "holds" => {
            format!("constraint {}: no test sees it hold", item.owner)
        }
        CoverageKind::Constraint => format!("constraint {}: no test violates it", item.owner),
        CoverageKind::DecisionRow => format!("decision {} row {}", item.owner, item.item),
        CoverageKind::PriceLine => format!("price line {}.{}", item.owner, item.item),
        CoverageKind::ApprovalStep => format!("approval step {}.{}", item.owner, item.item),
        CoverageKind::Transition => format!("transition {}.{}", item.owner, item.item),
    }
}

fn value_text(value: Option<&Json>) -> String {
    value.map_or_else(|| "-".to_string(), ordo_engine::to_json_string)
}

fn print_text(reports: &[FileReport], coverage: bool) {
    let mut all = (0, 0);
    for report in reports {
        if let Some((rendered, _)) = &report.error {
            crate::output::outln!("FAIL {}: does not compile", report.name);
            eprint!("{rendered}");
            continue;
        }
        if report.outcomes.is_empty() {
            crate::output::outln!("{}: no tests", report.name);
        }
        for outcome in &report.outcomes {
            let status = if outcome.failures.is_empty() {
                "ok  "
            } else {
                "FAIL"
            };
            crate::output::outln!(
                "{status} {}:{}  {}",
                report.name,
                outcome.line,
                outcome.name
            );
            for failure in &outcome.failures {
                if failure.expected.is_some() {
                    crate::output::outln!(
                        "     {}:{}: expect {}",
                        report.name,
                        failure.line,
                        failure.expectation
                    );
                    crate::output::outln!(
                        "       expected: {}",
                        value_text(failure.expected.as_ref())
                    );
                    crate::output::outln!(
                        "       actual:   {}",
                        value_text(failure.actual.as_ref())
                    );
                } else {
                    // The given input could not be evaluated: the error says why.
                    crate::output::outln!(
                        "     {}:{}: {} failed",
                        report.name,
                        failure.line,
                        failure.expectation
                    );
                    for line in failure.message.lines() {
                        crate::output::outln!("       {line}");
                    }
                }
            }
        }
        if let (true, Some((coverage, lines))) = (coverage, &report.coverage) {
            let (covered, total) = coverage.count(None);
            all.0 += covered;
            all.1 += total;
            crate::output::outln!(
                "coverage {}: {}% ({covered} of {total})",
                report.name,
                percent(covered, total)
            );
            for kind in CoverageKind::ALL {
                let (covered, total) = coverage.count(Some(kind));
                if total > 0 {
                    crate::output::outln!(
                        "  {:<20} {covered}/{total} ({}%)",
                        kind.plural(),
                        percent(covered, total)
                    );
                }
            }
            let uncovered: Vec<(&CoverageItem, &Option<usize>)> = coverage
                .items
                .iter()
                .zip(lines)
                .filter(|(i, _)| !i.covered)
                .collect();
            if !uncovered.is_empty() {
                crate::output::outln!("  not exercised:");
                for (item, line) in uncovered {
                    match line {
                        Some(line) => {
                            crate::output::outln!("    {}:{line}: {}", report.name, describe(item))
                        }
                        None => crate::output::outln!("    {}: {}", report.name, describe(item)),
                    }
                }
            }
        }
    }
    if coverage && reports.len() > 1 {
        crate::output::outln!(
            "coverage (all files): {}% ({} of {})",
            percent(all.0, all.1),
            all.0,
            all.1
        );
    }
}

fn print_json(reports: &[FileReport], passed: usize, failed: usize) {
    let files: Vec<Json> = reports
        .iter()
        .map(|report| {
            let tests: Vec<Json> = report
                .outcomes
                .iter()
                .map(|o| {
                    let failures: Vec<Json> = o
                        .failures
                        .iter()
                        .map(|f| {
                            json!({"line": f.line, "expectation": f.expectation,
                                   "expected": f.expected, "actual": f.actual,
                                   "message": f.message})
                        })
                        .collect();
                    json!({"name": o.name, "line": o.line, "passed": o.failures.is_empty(),
                           "failures": failures})
                })
                .collect();
            let mut file = serde_json::Map::new();
            file.insert("file".into(), json!(report.name));
            file.insert("ruleset".into(), json!(report.ruleset));
            file.insert("tests".into(), Json::Array(tests));
            if let Some((_, diagnostics)) = &report.error {
                file.insert("diagnostics".into(), diagnostics.clone());
            }
            if let Some((coverage, lines)) = &report.coverage {
                file.insert("coverage".into(), coverage_json(coverage, lines));
            }
            Json::Object(file)
        })
        .collect();
    let report = json!({"files": files, "passed": passed, "failed": failed});
    crate::output::outln!("{}", ordo_engine::to_json_pretty(&report));
}

fn coverage_json(coverage: &Coverage, lines: &[Option<usize>]) -> Json {
    let (covered, total) = coverage.count(None);
    let mut by_kind = serde_json::Map::new();
    for kind in CoverageKind::ALL {
        let (covered, total) = coverage.count(Some(kind));
        by_kind.insert(
            kind.as_str().into(),
            json!({"covered": covered, "total": total, "percent": percent(covered, total)}),
        );
    }
    let uncovered: Vec<Json> = coverage
        .items
        .iter()
        .zip(lines)
        .filter(|(i, _)| !i.covered)
        .map(|(i, line)| {
            json!({"kind": i.kind.as_str(), "owner": i.owner, "item": i.item, "line": line})
        })
        .collect();
    json!({"covered": covered, "total": total, "percent": percent(covered, total),
           "by_kind": by_kind, "uncovered": uncovered})
}
