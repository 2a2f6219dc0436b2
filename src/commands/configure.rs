//! `ordo configure FILE --input partial.json [--complete] [--defaults apply] [--context PATH]`:
//! which options remain and why.

use std::path::PathBuf;

use ordo_engine::text::parse_date;
use ordo_engine::{ConfigureRequest, Defaults};

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
    /// What unset fields count as for the outputs and prices: `unknown` (the default) or
    /// `apply` (their declared defaults, so prices show from the first click).
    #[arg(long, default_value = "unknown", value_parser = ["unknown", "apply"])]
    defaults: String,
    /// An input path that is context, not a choice (`customer`): its fields are not offered as
    /// options. Repeatable.
    #[arg(long = "context", value_name = "PATH")]
    context: Vec<String>,
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
            defaults: Defaults::parse(&args.defaults)?,
            context: args.context.clone(),
        })
    });
    emit(result, &args.output)
}
