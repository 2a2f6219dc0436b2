//! Stage 5: the compile-time checks of a workflow (spec §13): exactly one initial state, every
//! state reachable from it, and a way out of every state that is not final.

use std::collections::BTreeSet;

use ordo_dsl::ast;
use ordo_dsl::{Diagnostic, DiagnosticKind};

use crate::ir::Program;

pub(super) fn check(ruleset: &ast::Ruleset, program: &Program, diags: &mut Vec<Diagnostic>) {
    for item in &ruleset.items {
        let ast::Item::Workflow(decl) = item else {
            continue;
        };
        let Some(workflow) = program.workflows.iter().find(|w| w.name == decl.name.name) else {
            continue;
        };
        if workflow.states.len() != decl.states.len() {
            // Duplicate states were reported already; the graph would be misleading.
            continue;
        }
        let initial: Vec<&ast::StateDecl> = decl.states.iter().filter(|s| s.initial).collect();
        match initial.as_slice() {
            [] => diags.push(
                Diagnostic::new(
                    DiagnosticKind::Workflow,
                    decl.name.span,
                    format!("workflow `{}` has no initial state", decl.name.name),
                )
                .with_hint("mark the state a new instance starts in: `state draft initial`"),
            ),
            [_] => {}
            [first, rest @ ..] => {
                for other in rest {
                    diags.push(
                        Diagnostic::new(
                            DiagnosticKind::Workflow,
                            other.span,
                            format!(
                                "workflow `{}` has more than one initial state",
                                decl.name.name
                            ),
                        )
                        .with_label(first.span, "the first initial state"),
                    );
                }
            }
        }
        let Some(start) = workflow.states.iter().position(|s| s.initial) else {
            continue;
        };
        // The states each state leads to, built once: the walk is linear in the transitions.
        let mut next: Vec<Vec<u32>> = vec![Vec::new(); workflow.states.len()];
        for t in &workflow.transitions {
            for from in &t.from {
                if let Some(out) = next.get_mut(*from as usize) {
                    out.push(t.to);
                }
            }
        }
        let mut reached = BTreeSet::from([start as u32]);
        let mut frontier = vec![start as u32];
        while let Some(state) = frontier.pop() {
            for to in next.get(state as usize).map_or(&[][..], Vec::as_slice) {
                if reached.insert(*to) {
                    frontier.push(*to);
                }
            }
        }
        for (i, (state, state_decl)) in workflow.states.iter().zip(&decl.states).enumerate() {
            if !reached.contains(&(i as u32)) {
                diags.push(
                    Diagnostic::new(
                        DiagnosticKind::Workflow,
                        state_decl.span,
                        format!(
                            "state `{}` cannot be reached from the initial state",
                            state.name
                        ),
                    )
                    .with_hint("add a transition into it, or remove it"),
                );
            } else if !state.is_final && next.get(i).is_none_or(Vec::is_empty) {
                diags.push(
                    Diagnostic::new(
                        DiagnosticKind::Workflow,
                        state_decl.span,
                        format!("state `{}` is a dead end", state.name),
                    )
                    .with_hint("add a transition out of it, or mark it `final`"),
                );
            }
        }
    }
}
