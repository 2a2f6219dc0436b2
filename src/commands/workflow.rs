//! `ordo workflow FILE --workflow W --state S --actor ROLE --input FILE`: next actions; with
//! `--apply T --event FILE`, apply a transition; with `--timer TRIGGER --event FILE`, fire a
//! due timer.

use std::path::PathBuf;

use ordo_engine::EvalError;
use serde_json::{Map, Value as Json};

use super::request::{Output, compiled, emit, read_json};

#[derive(clap::Args)]
pub struct Args {
    /// The ruleset file.
    file: PathBuf,
    /// The workflow's name.
    #[arg(long)]
    workflow: String,
    /// The state the instance is in.
    #[arg(long)]
    state: String,
    /// The role of whoever acts.
    #[arg(long)]
    actor: Option<String>,
    /// The JSON input file, or `-` for standard input.
    #[arg(long, short)]
    input: String,
    /// Approvals already granted, as a JSON file.
    #[arg(long)]
    approvals: Option<String>,
    /// The evaluation date (YYYY-MM-DD).
    #[arg(long)]
    as_of: Option<String>,
    /// Apply this transition instead of listing the next actions.
    #[arg(long, conflicts_with = "timer", requires = "event")]
    apply: Option<String>,
    /// Fire this due `stay … after` timer.
    #[arg(long, requires = "event")]
    timer: Option<String>,
    /// The event, as a JSON file: `{"instance", "seq", "at", "entered_at"}`.
    #[arg(long)]
    event: Option<String>,
    #[command(flatten)]
    output: Output,
}

/// Prints the answer; exit 1 on any error (a refused transition included).
pub fn run(args: &Args) -> u8 {
    let ruleset = match compiled(&args.file, args.output.format) {
        Ok(ruleset) => ruleset,
        Err(code) => return code,
    };
    let result = request(args).and_then(|request| {
        if args.apply.is_some() {
            ruleset.apply(&request)
        } else if args.timer.is_some() {
            ruleset.fire_timer(&request)
        } else {
            ruleset.transitions(&request)
        }
    });
    emit(result, &args.output)
}

/// The engine request the flags describe.
fn request(args: &Args) -> Result<Json, EvalError> {
    let mut request = Map::new();
    let mut put = |key: &str, value: Option<Json>| {
        if let Some(value) = value {
            request.insert(key.to_string(), value);
        }
    };
    put("workflow", Some(Json::String(args.workflow.clone())));
    put("state", Some(Json::String(args.state.clone())));
    put("actor", args.actor.clone().map(Json::String));
    put("input", Some(read_json(&args.input)?));
    put(
        "approvals",
        args.approvals.as_deref().map(read_json).transpose()?,
    );
    put("as_of", args.as_of.clone().map(Json::String));
    put("transition", args.apply.clone().map(Json::String));
    put("trigger", args.timer.clone().map(Json::String));
    put("event", args.event.as_deref().map(read_json).transpose()?);
    Ok(Json::Object(request))
}
