//! `ordo lint FILE...`: what will go wrong once the rules are live (see docs/lint.md).

use std::path::PathBuf;

use ordo_engine::lint::{Level, lint};

use super::Format;
use crate::files::compile_file;

#[derive(clap::Args)]
pub struct Args {
    /// Ruleset files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Fail on warnings too (`--deny warnings`).
    #[arg(long, value_parser = ["warnings"])]
    deny: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Exit 1 when a file does not compile or has a finding of severity `error` (or `warning`
/// with `--deny warnings`).
pub fn run(args: &Args) -> u8 {
    let threshold = if args.deny.is_some() {
        Level::Warning
    } else {
        Level::Error
    };
    let mut failed = false;
    let mut report = Vec::new();
    for file in &args.files {
        let name = file.display().to_string();
        let (ruleset, source) = match compile_file(file) {
            Ok(compiled) => compiled,
            Err(failure) => {
                eprint!("{}", failure.render());
                report.push(serde_json::json!({"file": name, "compiled": false, "diagnostics": failure.to_json()}));
                failed = true;
                continue;
            }
        };
        let Ok(ast) = ordo_dsl::parse(&source) else {
            continue;
        };
        let findings = lint(&ruleset, &ast);
        failed |= findings.iter().any(|f| f.level >= threshold);
        if args.format == Format::Json {
            report.push(serde_json::json!({
                "file": name,
                "compiled": true,
                "findings": findings.iter().map(|f| f.to_json(&name, &source)).collect::<Vec<_>>(),
            }));
        } else {
            for finding in &findings {
                eprintln!("{}", finding.render(&name, &source));
            }
            let count = |level| findings.iter().filter(|f| f.level == level).count();
            crate::output::outln!(
                "{name}: {} error(s), {} warning(s), {} note(s)",
                count(Level::Error),
                count(Level::Warning),
                count(Level::Info)
            );
        }
    }
    if args.format == Format::Json {
        crate::output::outln!(
            "{}",
            ordo_engine::to_json_pretty(&serde_json::Value::Array(report))
        );
    }
    u8::from(failed)
}
