//! `ordo graph FILE [--format mermaid|dot] [--focus NAME]`: the data-flow map of a ruleset;
//! `--workflow W`: the states and transitions of a workflow instead.

use std::path::PathBuf;

use ordo_engine::lint::graph::{WorkflowGraph, build};

use crate::files::compile_file;

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum GraphFormat {
    /// A Mermaid flowchart (renders on GitHub and in most docs tools).
    #[default]
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
}

#[derive(clap::Args)]
pub struct Args {
    /// The ruleset file.
    file: PathBuf,
    /// The drawing format.
    #[arg(long, value_enum, default_value_t)]
    format: GraphFormat,
    /// Show only what feeds this name and what depends on it (an input path, a value, a
    /// constraint, `workflow.transition`, ...).
    #[arg(long, conflicts_with = "workflow")]
    focus: Option<String>,
    /// Draw this workflow's states and transitions (with roles, guards, owners and SLAs).
    #[arg(long)]
    workflow: Option<String>,
}

/// Prints the graph; exit 1 when the file does not compile or the focus is unknown.
pub fn run(args: &Args) -> u8 {
    let (_, source) = match compile_file(&args.file) {
        Ok(compiled) => compiled,
        Err(failure) => {
            eprint!("{}", failure.render());
            return 1;
        }
    };
    let Ok(ast) = ordo_dsl::parse(&source) else {
        return 1;
    };
    if let Some(name) = &args.workflow {
        let Some(workflow) = WorkflowGraph::of(&ast, name) else {
            let names = WorkflowGraph::names(&ast);
            let hint =
                ordo_dsl::diagnostic::did_you_mean(name, names.iter().copied()).unwrap_or_default();
            eprintln!("error: no workflow `{name}` {hint}");
            return 1;
        };
        let text = match args.format {
            GraphFormat::Mermaid => workflow.to_mermaid(),
            GraphFormat::Dot => workflow.to_dot(),
        };
        crate::output::out!("{text}");
        return 0;
    }
    let mut graph = build(&ast);
    if let Some(name) = &args.focus {
        match graph.focus(name) {
            Some(focused) => graph = focused,
            None => {
                let names: Vec<&str> = graph.nodes.iter().map(|n| n.name.as_str()).collect();
                let hint = ordo_dsl::diagnostic::did_you_mean(name, names.iter().copied())
                    .unwrap_or_default();
                eprintln!("error: nothing called `{name}` in the graph {hint}");
                return 1;
            }
        }
    }
    match args.format {
        GraphFormat::Mermaid => crate::output::out!("{}", graph.to_mermaid()),
        GraphFormat::Dot => crate::output::out!("{}", graph.to_dot()),
    }
    0
}
