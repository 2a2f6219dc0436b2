//! `ordo eval FILE --input FILE|-`: evaluate a ruleset against one JSON input.

use std::path::PathBuf;

use ordo_engine::{EvalError, EvalOptions, input::parse_date, parse_json};

use super::Format;
use crate::files::{compile_file, read_text};

#[derive(clap::Args)]
pub struct Args {
    /// The ruleset file.
    file: PathBuf,
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
    /// Print compact JSON (one line) instead of indented JSON.
    #[arg(long)]
    compact: bool,
    /// Error format: `json` also prints errors as JSON on standard output.
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

/// Prints the result; exit 1 on any error.
pub fn run(args: &Args) -> u8 {
    let (ruleset, _) = match compile_file(&args.file) {
        Ok(compiled) => compiled,
        Err(failure) => {
            eprint!("{}", failure.render());
            if args.format == Format::Json {
                println!(
                    "{}",
                    serde_json::json!({"error": {"kind": "compile", "diagnostics": failure.to_json()}})
                );
            }
            return 1;
        }
    };
    let result = options(args).and_then(|(input, options)| ruleset.evaluate(&input, &options));
    match result {
        Ok(result) => {
            let text = if args.compact {
                ordo_engine::to_json_string(&result)
            } else {
                ordo_engine::to_json_pretty(&result)
            };
            println!("{text}");
            0
        }
        Err(error) => {
            eprintln!("{}", error.render());
            if args.format == Format::Json {
                println!("{}", serde_json::json!({"error": error.to_json()}));
            }
            1
        }
    }
}

fn options(args: &Args) -> Result<(serde_json::Value, EvalOptions), EvalError> {
    let request = |message: String| EvalError::new(ordo_engine::ErrorKind::InvalidRequest, message);
    let input = parse_json(&read_text(&args.input).map_err(request)?)?;
    let as_of = args.as_of.as_deref().map(parse_date).transpose()?;
    let approvals = match &args.approvals {
        Some(path) => Some(parse_json(&read_text(path).map_err(request)?)?),
        None => None,
    };
    Ok((
        input,
        EvalOptions {
            as_of,
            trace: args.trace,
            approvals,
        },
    ))
}
