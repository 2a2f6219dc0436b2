//! `ordo`: the command-line tools of the ordo rules and pricing engine.

mod commands;
mod files;
mod lsp;
mod output;
mod repl;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// ordo — an embeddable rules and pricing engine.
#[derive(Parser)]
#[command(name = "ordo", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check rulesets for errors without running them.
    Check(commands::check::Args),
    /// Evaluate a ruleset against a JSON input and print the result.
    Eval(commands::eval::Args),
    /// Run a conformance suite (folders of ruleset.ordo + cases.json).
    Conformance(commands::conformance::Args),
    /// Show which options of a partial input remain possible, and why the others do not.
    Configure(commands::configure::Args),
    /// Next actions of a workflow instance, or apply a transition / a due timer.
    Workflow(commands::workflow::Args),
    /// What changed between two versions: input schema, rules, and the results of cases.
    Diff(commands::diff::Args),
    /// Review a ruleset before it goes live: unreachable rows, gaps, overlaps, dead rules.
    Lint(commands::lint::Args),
    /// Draw the data flow from inputs to outputs, prices, constraints and workflows.
    Graph(commands::graph::Args),
    /// Rewrite rulesets in the canonical layout (`--check` only reports).
    Fmt(commands::fmt::Args),
    /// Run the `test` blocks of rulesets, optionally with rule coverage.
    Test(commands::test::Args),
    /// An interactive session: set inputs, evaluate expressions, explain values.
    Repl(commands::repl::Args),
    /// Serve rulesets over HTTP: publish versions, evaluate them, read the audit log.
    Serve(commands::serve::Args),
    /// A language server for editors, over standard input and output.
    Lsp(commands::lsp::Args),
    /// Operate a server's audit log: verify its hash chain, export and prune old entries.
    Audit(commands::audit::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Check(args) => commands::check::run(&args),
        Command::Eval(args) => commands::eval::run(&args),
        Command::Conformance(args) => commands::conformance::run(&args),
        Command::Configure(args) => commands::configure::run(&args),
        Command::Workflow(args) => commands::workflow::run(&args),
        Command::Diff(args) => commands::diff::run(&args),
        Command::Lint(args) => commands::lint::run(&args),
        Command::Graph(args) => commands::graph::run(&args),
        Command::Fmt(args) => commands::fmt::run(&args),
        Command::Test(args) => commands::test::run(&args),
        Command::Repl(args) => commands::repl::run(&args),
        Command::Serve(args) => commands::serve::run(&args),
        Command::Lsp(args) => commands::lsp::run(&args),
        Command::Audit(args) => commands::audit::run(&args),
    };
    ExitCode::from(code)
}
