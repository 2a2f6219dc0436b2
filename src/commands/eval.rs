//! `ordo eval FILE --input FILE|-`: evaluate a ruleset against one JSON input; with
//! `--batch inputs.jsonl`, against one input per line (see [`super::batch`]).

use std::path::PathBuf;

use ordo_engine::{Approvals, EvalError, EvalOptions, text::parse_date};

use super::batch::Batch;
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
    #[arg(
        long,
        short,
        required_unless_present = "batch",
        conflicts_with = "batch"
    )]
    input: Option<String>,
    /// Evaluate every line of a JSON Lines file (or `-` for standard input): one result, or one
    /// `{"line", "error"}`, per line, in order.
    #[arg(long)]
    batch: Option<String>,
    /// With `--batch`: the input field whose date is each line's evaluation date.
    #[arg(long, requires = "batch")]
    as_of_field: Option<String>,
    /// With `--batch`: how many lines are evaluated at once (default: every core).
    #[arg(long, requires = "batch")]
    jobs: Option<usize>,
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
    if let Some(batch) = &args.batch {
        return run_batch(args, &ruleset, batch);
    }
    let result = args
        .input
        .as_deref()
        .map_or_else(|| Ok(serde_json::Value::Null), read_json)
        .and_then(|input| Ok((input, options(args)?)))
        .and_then(|(input, options)| ruleset.evaluate(&input, &options));
    emit(result, &args.output)
}

/// Runs a batch; exit 0 when every line gave a result, 1 when some gave an error, 2 when the
/// batch could not run to its end.
fn run_batch(args: &Args, ruleset: &ordo_engine::Ruleset, path: &str) -> u8 {
    let options = match options(args) {
        Ok(options) => options,
        Err(error) => return emit(Err(error), &args.output),
    };
    let input: Box<dyn std::io::BufRead + Send> = if path == "-" {
        Box::new(std::io::BufReader::new(std::io::stdin()))
    } else {
        match std::fs::File::open(path) {
            Ok(file) => Box::new(std::io::BufReader::new(file)),
            Err(e) => {
                eprintln!("error: cannot read `{path}`: {e}");
                return 2;
            }
        }
    };
    let batch = Batch {
        ruleset,
        options,
        as_of_field: args.as_of_field.as_deref(),
        jobs: args.jobs.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
        }),
    };
    match batch.run(input, &mut std::io::stdout()) {
        Ok(summary) => {
            eprintln!("{} results, {} errors", summary.results, summary.errors);
            u8::from(summary.errors > 0)
        }
        // A reader that went away (`| head`) is no failure of the batch.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("error: {e}");
            2
        }
    }
}

fn options(args: &Args) -> Result<EvalOptions, EvalError> {
    let as_of = args.as_of.as_deref().map(parse_date).transpose()?;
    let approvals = args
        .approvals
        .as_deref()
        .map(read_json)
        .transpose()?
        .map(|a| Approvals::from_json(&a))
        .transpose()?;
    Ok(EvalOptions {
        as_of,
        trace: args.trace,
        approvals,
        at: None,
    })
}
