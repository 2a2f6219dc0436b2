//! `ordo check FILE...`: compile rulesets and report every problem, without running them.

use std::path::PathBuf;

use super::Format;
use crate::files::compile_file;

#[derive(clap::Args)]
pub struct Args {
    /// Ruleset files.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// An older version: a change of the input schema that breaks its inputs without a major
    /// version bump is an error.
    #[arg(long)]
    against: Option<PathBuf>,
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
            Ok((ruleset, source)) => {
                if let Some(message) = args
                    .against
                    .as_deref()
                    .and_then(|old| unannounced_break(old, &ruleset, &source))
                {
                    failed = true;
                    if args.format == Format::Text {
                        eprint!("{name}: {message}");
                    }
                    report.push(serde_json::json!({"file": name, "ok": false, "diagnostics": [{"kind": "breaking_change", "message": message}]}));
                    continue;
                }
                if args.format == Format::Text {
                    crate::output::outln!(
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
        crate::output::outln!(
            "{}",
            ordo_engine::to_json_pretty(&serde_json::Value::Array(report))
        );
    }
    u8::from(failed)
}

/// The rendered diff when `ruleset` breaks the inputs of the version in `old` without a major
/// version bump (or why the old version could not be read).
fn unannounced_break(
    old: &std::path::Path,
    ruleset: &ordo_engine::Ruleset,
    source: &str,
) -> Option<String> {
    let Ok((old_ruleset, old_ast)) = super::diff::load(old) else {
        return Some(format!(
            "the old version `{}` does not compile\n",
            old.display()
        ));
    };
    let ast = ordo_dsl::parse(source).ok()?;
    let diff = ordo_engine::diff::RulesetDiff::between(&old_ruleset, &old_ast, ruleset, &ast);
    diff.unannounced_break().then(|| {
        format!(
            "breaking input schema change without a major version bump\n{}",
            diff.render()
        )
    })
}
