//! `ordo check FILE...`: compile rulesets and report every problem, without running them.

use std::path::PathBuf;

use super::Format;
use crate::files::compile_file;

#[derive(clap::Args)]
pub struct Args {
    /// Ruleset files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Exit 0 when every file compiles, 1 otherwise.
pub fn run(args: &Args) -> u8 {
    let mut failed = false;
    let mut report = Vec::new();
    for file in &args.files {
        let name = file.display().to_string();
        match compile_file(file) {
            Ok((ruleset, _)) => {
                if args.format == Format::Text {
                    println!(
                        "{name}: ok ({} {}, {})",
                        ruleset.name(),
                        ruleset.version(),
                        ruleset.hash()
                    );
                }
                report.push(serde_json::json!({"file": name, "ok": true, "ruleset": ruleset.identity_json(), "diagnostics": []}));
            }
            Err(failure) => {
                failed = true;
                if args.format == Format::Text {
                    eprint!("{}", failure.render());
                }
                report.push(serde_json::json!({"file": name, "ok": false, "diagnostics": failure.to_json()}));
            }
        }
    }
    if args.format == Format::Json {
        println!(
            "{}",
            ordo_engine::to_json_pretty(&serde_json::Value::Array(report))
        );
    }
    u8::from(failed)
}
