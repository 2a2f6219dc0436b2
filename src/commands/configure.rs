//! `ordo configure FILE --input partial.json [--complete]`: which options remain and why.

use std::path::PathBuf;

use ordo_engine::ConfigureRequest;
use ordo_engine::text::parse_date;

use super::request::{Output, compiled, emit, read_json};

#[derive(clap::Args)]
pub struct Args {
    /// The ruleset file.
    file: PathBuf,
    /// The partial JSON input (fields not chosen yet are left out), or `-` for standard input.
    #[arg(long, short)]
    input: String,
    /// The evaluation date (YYYY-MM-DD).
    #[arg(long)]
    as_of: Option<String>,
    /// Also disable options that lead only to dead ends (bounded search over the remaining
    /// finite fields).
    #[arg(long)]
    complete: bool,
    #[command(flatten)]
    output: Output,
}

/// Prints the option availability; exit 1 on any error.
pub fn run(args: &Args) -> u8 {
    let ruleset = match compiled(&args.file, args.output.format) {
        Ok(ruleset) => ruleset,
        Err(code) => return code,
    };
    let result = read_json(&args.input).and_then(|input| {
        ruleset.configure(&ConfigureRequest {
            input,
            as_of: args.as_of.as_deref().map(parse_date).transpose()?,
            complete: args.complete,
        })
    });
    emit(result, &args.output)
}
