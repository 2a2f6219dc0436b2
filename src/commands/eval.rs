//! `ordo eval FILE --input FILE|-`: evaluate a ruleset against one JSON input.

use std::path::PathBuf;

use ordo_engine::{Approvals, EvalError, EvalOptions, text::parse_date};

use super::request::{Choice, Output, emit, read_json, select};

#[derive(clap::Args)]
pub struct Args {
    /// The ruleset file; several files or folders of versions to pick one with `--version` or
    /// `--as-of` (the version in effect that day; else the latest).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Which version: `latest`, `1.2.0`, a requirement such as `^1.2`, or a date.
    #[arg(long)]
    version: Option<String>,
    /// The ruleset's name, when the files hold several rulesets.
    #[arg(long)]
    ruleset: Option<String>,
    /// The JSON input file, or `-` for standard input.
    #[arg(long, short)]
    input: String,
    /// The evaluation date (YYYY-MM-DD); defaults to the ruleset's `effective` date.
    #[arg(long)]
    as_of: Option<String>,
    /// Explain how each output, decision, constraint and price line was reached.
    #[arg(long)]
    trace: bool,
    /// Approvals already granted, as a JSON file (`{"chain": {"step": {"by": ..., "facts": {...}}}}`).
    #[arg(long)]
    approvals: Option<String>,
    #[command(flatten)]
    output: Output,
}

/// Prints the result; exit 1 on any error.
pub fn run(args: &Args) -> u8 {
    let choice = Choice {
        name: args.ruleset.as_deref(),
        version: args.version.as_deref(),
        as_of: args.as_of.as_deref(),
    };
    let ruleset = match select(&args.files, &choice, args.output.format) {
        Ok(ruleset) => ruleset,
        Err(code) => return code,
    };
    let result = options(args).and_then(|(input, options)| ruleset.evaluate(&input, &options));
    emit(result, &args.output)
}

fn options(args: &Args) -> Result<(serde_json::Value, EvalOptions), EvalError> {
    let input = read_json(&args.input)?;
    let as_of = args.as_of.as_deref().map(parse_date).transpose()?;
    let approvals = args
        .approvals
        .as_deref()
        .map(read_json)
        .transpose()?
        .map(|a| Approvals::from_json(&a))
        .transpose()?;
    Ok((
        input,
        EvalOptions {
            as_of,
            trace: args.trace,
            approvals,
            at: None,
        },
    ))
}
