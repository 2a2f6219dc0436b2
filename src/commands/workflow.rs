//! `ordo workflow FILE --workflow W --state S --actor ROLE --input FILE`: next actions; with
//! `--apply T --event FILE`, apply a transition; with `--timer TRIGGER --event FILE`, fire a
//! due timer; with `--start --event FILE`, start an instance (no `--state`); with
//! `--update --previous FILE --event FILE`, report what a change of the input does (spec §24).
//! `--actor` is a role (`sales`) or an id with roles (`ana:sales,finance`).

use std::path::PathBuf;

use ordo_engine::text::parse_date;
use ordo_engine::{
    Actor, ApplyRequest, Approvals, EvalError, Event, StartRequest, TimerRequest, UpdateRequest,
    WorkflowRequest,
};

use super::request::{Output, compiled, emit, read_json};

#[derive(clap::Args)]
pub struct Args {
    /// The ruleset file.
    file: PathBuf,
    /// The workflow's name.
    #[arg(long)]
    workflow: String,
    /// The state the instance is in (not with `--start`).
    #[arg(long, required_unless_present = "start")]
    state: Option<String>,
    /// Who acts: a role (`sales`), or an id with roles (`ana:sales,finance`).
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
    /// Fire this due timer: a `stay` or `at` trigger, or `sla:STATE`.
    #[arg(long, requires = "event")]
    timer: Option<String>,
    /// Start an instance in the initial state.
    #[arg(long, requires = "event", conflicts_with_all = ["apply", "timer", "update", "state"])]
    start: bool,
    /// Report the actions and timers of a change of the input (with `--previous`).
    #[arg(long, requires_all = ["event", "previous"], conflicts_with_all = ["apply", "timer"])]
    update: bool,
    /// The input before the change, as a JSON file (with `--update`).
    #[arg(long)]
    previous: Option<String>,
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
    let result = request(args).and_then(|workflow| {
        if let Some(transition) = &args.apply {
            ruleset.apply(&ApplyRequest {
                workflow,
                transition: transition.clone(),
            })
        } else if args.start {
            ruleset.start(&StartRequest { workflow })
        } else if args.update {
            let previous = args.previous.as_deref().map(read_json).transpose()?;
            ruleset.update(&UpdateRequest {
                workflow,
                previous_input: previous.unwrap_or_default(),
            })
        } else if let Some(trigger) = &args.timer {
            ruleset.fire_timer(&TimerRequest {
                workflow,
                trigger: trigger.clone(),
            })
        } else {
            ruleset.transitions(&workflow)
        }
    });
    emit(result, &args.output)
}

/// The workflow request the flags describe.
fn request(args: &Args) -> Result<WorkflowRequest, EvalError> {
    let read = |file: &Option<String>| file.as_deref().map(read_json).transpose();
    Ok(WorkflowRequest {
        workflow: args.workflow.clone(),
        state: args.state.clone().unwrap_or_default(),
        actor: args.actor.as_deref().map(actor),
        input: read_json(&args.input)?,
        as_of: args.as_of.as_deref().map(parse_date).transpose()?,
        approvals: read(&args.approvals)?
            .map(|a| Approvals::from_json(&a))
            .transpose()?,
        event: read(&args.event)?
            .map(|e| Event::from_json(&e))
            .transpose()?,
    })
}

/// `--actor ana:sales,finance` (an id and its roles) or `--actor sales` (a role); the REPL's
/// `:actor` reads the same form.
pub fn actor(text: &str) -> Actor {
    match text.split_once(':') {
        Some((id, roles)) => Actor {
            id: Some(id.trim().to_string()),
            roles: roles
                .split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_string)
                .collect(),
        },
        None => Actor::role(text.trim()),
    }
}
