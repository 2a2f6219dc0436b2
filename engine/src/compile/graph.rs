//! Stage 4: the dependency graph between values, tables, constraints, approval steps,
//! transitions and triggers. A cycle is a compile error naming every member; the input fields
//! each node reads, directly or through others, give approvals their `depends_on`.

use std::collections::{BTreeSet, HashMap};

use ordo_dsl::{Diagnostic, DiagnosticKind, Span};

use super::Deps;
use crate::ir::Program;

/// A node of the dependency graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Node {
    Global(u32),
    Table(u32),
    Constraint(u32),
    /// `valid`: reads every `error` constraint.
    Valid,
    /// An approval step's condition (and label): (chain, step).
    Step(u32, u32),
    /// An approval step's `facts` expressions: (chain, step).
    StepFacts(u32, u32),
    /// An approval chain's `requested_by`.
    Requester(u32),
    /// `approvals.CHAIN`: reads the chain's requester, conditions and facts.
    Chain(u32),
    /// A workflow transition's guard: (workflow, transition).
    Transition(u32, u32),
    Trigger(u32),
    /// A function or a decision with parameters.
    Function(u32),
}

fn edges_map(edges: &[(Node, Deps)], program: &Program) -> HashMap<Node, Vec<Node>> {
    let mut map: HashMap<Node, Vec<Node>> = HashMap::new();
    for (node, deps) in edges {
        map.entry(*node)
            .or_default()
            .extend(deps.nodes.iter().copied());
    }
    let error_constraints = program
        .constraints
        .iter()
        .enumerate()
        .filter(|(_, c)| c.severity == ordo_dsl::ast::Severity::Error)
        .map(|(i, _)| Node::Constraint(i as u32));
    map.entry(Node::Valid)
        .or_default()
        .extend(error_constraints);
    map
}

/// Reports every cycle once, at its first member, naming the whole cycle.
pub(super) fn check_cycles(
    edges: &[(Node, Deps)],
    spans: &[(Node, Span, String)],
    program: &Program,
    diags: &mut Vec<Diagnostic>,
) {
    let map = edges_map(edges, program);
    let names: HashMap<Node, (Span, &str)> = spans
        .iter()
        .map(|(n, s, name)| (*n, (*s, name.as_str())))
        .collect();
    let mut state: HashMap<Node, u8> = HashMap::new(); // 1: on the stack, 2: done
    let mut reported: BTreeSet<Node> = BTreeSet::new();
    let mut roots: Vec<Node> = map.keys().copied().collect();
    crate::sort::sort(&mut roots);
    for root in roots {
        if state.contains_key(&root) {
            continue;
        }
        // Iterative DFS: (node, next child index).
        let mut stack: Vec<(Node, usize)> = vec![(root, 0)];
        state.insert(root, 1);
        while let Some((node, child)) = stack.last().copied() {
            let next = map.get(&node).and_then(|c| c.get(child)).copied();
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            match next {
                None => {
                    state.insert(node, 2);
                    stack.pop();
                }
                Some(next) => match state.get(&next) {
                    None => {
                        state.insert(next, 1);
                        stack.push((next, 0));
                    }
                    Some(1) => {
                        let start = stack.iter().position(|(n, _)| *n == next).unwrap_or(0);
                        let cycle: Vec<Node> = stack.iter().skip(start).map(|(n, _)| *n).collect();
                        if cycle.iter().all(|n| !reported.contains(n)) {
                            reported.extend(cycle.iter().copied());
                            diags.push(cycle_diagnostic(&cycle, &names));
                        }
                    }
                    Some(_) => {}
                },
            }
        }
    }
}

fn cycle_diagnostic(cycle: &[Node], names: &HashMap<Node, (Span, &str)>) -> Diagnostic {
    let name = |n: &Node| names.get(n).map_or("valid", |(_, name)| name).to_string();
    let mut path: Vec<String> = cycle.iter().map(name).collect();
    path.extend(cycle.first().map(name));
    let first_span = cycle
        .iter()
        .find_map(|n| names.get(n).map(|(s, _)| *s))
        .unwrap_or_default();
    let mut diagnostic = Diagnostic::new(
        DiagnosticKind::Cycle,
        first_span,
        format!(
            "these rules depend on each other in a cycle: {}",
            path.join(" → ")
        ),
    )
    .with_hint("every value must be computable from the inputs: break the cycle");
    for node in cycle.iter().skip(1) {
        if let Some((span, n)) = names.get(node) {
            diagnostic = diagnostic.with_label(*span, format!("`{n}` is part of the cycle"));
        }
    }
    diagnostic
}

/// Fills each global's `input_deps` and each approval step's `depends_on` with the input paths
/// it reads, directly or through other nodes (the graph is acyclic by now).
pub(super) fn resolve_input_deps(edges: &[(Node, Deps)], program: &mut Program) {
    let map = edges_map(edges, program);
    let mut direct: HashMap<Node, BTreeSet<String>> = HashMap::new();
    for (node, deps) in edges {
        direct
            .entry(*node)
            .or_default()
            .extend(deps.inputs.iter().cloned());
    }
    let mut memo: HashMap<Node, BTreeSet<String>> = HashMap::new();
    let mut all = |node: Node| transitive_inputs(node, &map, &direct, &mut memo);
    let global_deps: Vec<Vec<String>> = (0..program.globals.len())
        .map(|g| all(Node::Global(g as u32)).into_iter().collect())
        .collect();
    for (global, deps) in program.globals.iter_mut().zip(global_deps) {
        global.input_deps = deps;
    }
    for (w, workflow) in program.workflows.iter_mut().enumerate() {
        for (t, transition) in workflow.transitions.iter_mut().enumerate() {
            transition.input_deps = all(Node::Transition(w as u32, t as u32))
                .into_iter()
                .collect();
        }
    }
    for (c, constraint) in program.constraints.iter_mut().enumerate() {
        constraint.input_deps = all(Node::Constraint(c as u32)).into_iter().collect();
    }
    for (a, approval) in program.approvals.iter_mut().enumerate() {
        for (s, step) in approval.steps.iter_mut().enumerate() {
            step.depends_on = all(Node::Step(a as u32, s as u32)).into_iter().collect();
            step.fact_fields = step
                .depends_on
                .iter()
                .map(|path| program.input.field_indexes(path).unwrap_or_default())
                .collect();
            // A `facts` expression that is a `depends_on` path is that fact already.
            let depends_on = &step.depends_on;
            step.facts.retain(|f| !depends_on.contains(&f.key));
        }
    }
}

fn transitive_inputs(
    root: Node,
    map: &HashMap<Node, Vec<Node>>,
    direct: &HashMap<Node, BTreeSet<String>>,
    memo: &mut HashMap<Node, BTreeSet<String>>,
) -> BTreeSet<String> {
    if let Some(done) = memo.get(&root) {
        return done.clone();
    }
    // Iterative post-order so deep chains of values cannot overflow the stack.
    let mut stack = vec![(root, false)];
    while let Some((node, expanded)) = stack.pop() {
        if memo.contains_key(&node) {
            continue;
        }
        let children = map.get(&node).cloned().unwrap_or_default();
        if expanded {
            let mut inputs = direct.get(&node).cloned().unwrap_or_default();
            for child in &children {
                if let Some(c) = memo.get(child) {
                    inputs.extend(c.iter().cloned());
                }
            }
            memo.insert(node, inputs);
        } else {
            stack.push((node, true));
            stack.extend(
                children
                    .into_iter()
                    .filter(|c| !memo.contains_key(c))
                    .map(|c| (c, false)),
            );
        }
    }
    memo.get(&root).cloned().unwrap_or_default()
}
