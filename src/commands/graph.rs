//! `ordo graph FILE [--format mermaid|dot] [--focus NAME]`: the data-flow map of a ruleset;
//! `--workflow W`: the states and transitions of a workflow instead.

use std::path::PathBuf;

use ordo_engine::lint::graph::build;

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
        let workflows: Vec<&ordo_dsl::ast::WorkflowDecl> = ast
            .items
            .iter()
            .filter_map(|item| match item {
                ordo_dsl::ast::Item::Workflow(w) => Some(w),
                _ => None,
            })
            .collect();
        let Some(workflow) = workflows.iter().find(|w| w.name.name == *name) else {
            let names: Vec<&str> = workflows.iter().map(|w| w.name.name.as_str()).collect();
            let hint =
                ordo_dsl::diagnostic::did_you_mean(name, names.iter().copied()).unwrap_or_default();
            eprintln!("error: no workflow `{name}` {hint}");
            return 1;
        };
        crate::output::out!("{}", workflow_graph(workflow, args.format));
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

/// A workflow as a state diagram: Mermaid `stateDiagram-v2` or a DOT digraph. Each transition
/// is labelled with its name, roles and guard; states with their owner and SLA.
fn workflow_graph(workflow: &ordo_dsl::ast::WorkflowDecl, format: GraphFormat) -> String {
    use std::fmt::Write as _;
    let expr = |e: &ordo_dsl::ast::Expr| ordo_dsl::format::expr::expr(e);
    let label = |t: &ordo_dsl::ast::TransitionDecl| {
        let mut text = t.name.name.clone();
        if !t.roles.is_empty() {
            let roles: Vec<&str> = t.roles.iter().map(|r| r.name.as_str()).collect();
            let _ = write!(text, " by {}", roles.join(", "));
        }
        if let Some(guard) = &t.when {
            let _ = write!(text, " when {}", expr(guard));
        }
        text
    };
    let note = |s: &ordo_dsl::ast::StateDecl| {
        let mut parts = Vec::new();
        if let Some(owner) = &s.owner {
            parts.push(format!("owner {}", expr(owner)));
        }
        if let Some(sla) = &s.sla {
            parts.push(format!("sla {}", expr(sla)));
        }
        parts.join(", ")
    };
    let mut out = String::new();
    match format {
        GraphFormat::Mermaid => {
            let clean = |s: &str| s.replace(['"', ':'], "'");
            out.push_str("stateDiagram-v2\n");
            for s in &workflow.states {
                let detail = note(s);
                if !detail.is_empty() {
                    let _ = writeln!(out, "  {0} : {0} ({1})", s.name.name, clean(&detail));
                }
                if s.initial {
                    let _ = writeln!(out, "  [*] --> {}", s.name.name);
                }
                if s.is_final {
                    let _ = writeln!(out, "  {} --> [*]", s.name.name);
                }
            }
            for t in &workflow.transitions {
                for from in &t.from {
                    let to = if t.to.name == "previous" {
                        "previous_state"
                    } else {
                        t.to.name.as_str()
                    };
                    let _ = writeln!(out, "  {} --> {to} : {}", from.name, clean(&label(t)));
                }
            }
        }
        GraphFormat::Dot => {
            let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
            let _ = writeln!(out, "digraph {} {{", quote(&workflow.name.name));
            out.push_str("  rankdir=LR;\n");
            for s in &workflow.states {
                let detail = note(s);
                // DOT's `\n` is a line break: the parts are quoted apart, then joined by it.
                let text = if detail.is_empty() {
                    quote(&s.name.name)
                } else {
                    let (name, detail) = (quote(&s.name.name), quote(&detail));
                    format!(
                        "{}\\n{}",
                        name.trim_end_matches('"'),
                        detail.trim_start_matches('"')
                    )
                };
                let shape = if s.is_final { "doublecircle" } else { "box" };
                let _ = writeln!(
                    out,
                    "  {} [label={}, shape={shape}{}];",
                    quote(&s.name.name),
                    text,
                    if s.initial { ", style=bold" } else { "" }
                );
            }
            for t in &workflow.transitions {
                for from in &t.from {
                    let to = if t.to.name == "previous" {
                        "previous_state"
                    } else {
                        t.to.name.as_str()
                    };
                    let _ = writeln!(
                        out,
                        "  {} -> {} [label={}];",
                        quote(&from.name),
                        quote(to),
                        quote(&label(t))
                    );
                }
            }
            out.push_str("}\n");
        }
    }
    out
}
