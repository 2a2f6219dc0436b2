//! The data-flow map of a ruleset: inputs through tables, bands, decisions, functions and lets
//! to outputs, price blocks, constraints, approvals, workflow transitions and triggers; as
//! Mermaid (renders on GitHub and in docs) or Graphviz DOT. `focus` keeps what feeds a name
//! and what depends on it.

use std::collections::{BTreeSet, VecDeque};

use ordo_dsl::ast::{Item, Ruleset as Ast, Severity};

use super::refs::{declarations, reads};

/// What a node stands for (its shape in the drawings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// An input field, or a path into one (`customer.tier`).
    Input,
    /// A lookup `table`.
    Table,
    /// A `bands` declaration (tiered prices).
    Bands,
    /// A decision table (also one with parameters, called as `NAME(args)`).
    Decision,
    /// A function (`fn NAME(p: T) = EXPR`): fed by the tables, bands and functions it uses,
    /// feeding what calls it.
    Function,
    /// An internal named value (`let`).
    Let,
    /// An `output` value.
    Output,
    /// A price block.
    Price,
    /// A constraint.
    Constraint,
    /// `valid` (no `error` constraint violated), drawn only when something reads it.
    Valid,
    /// An approval chain.
    Approval,
    /// A workflow transition, named `workflow.transition`.
    Transition,
    /// An automation trigger.
    Trigger,
}

impl NodeKind {
    /// The kind's name in JSON (`input`, `table`, `decision`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Input => "input",
            NodeKind::Table => "table",
            NodeKind::Bands => "bands",
            NodeKind::Decision => "decision",
            NodeKind::Function => "function",
            NodeKind::Let => "let",
            NodeKind::Output => "output",
            NodeKind::Price => "price",
            NodeKind::Constraint => "constraint",
            NodeKind::Valid => "valid",
            NodeKind::Approval => "approval",
            NodeKind::Transition => "transition",
            NodeKind::Trigger => "trigger",
        }
    }
}

/// One node of the data-flow map.
#[derive(Debug, Clone)]
pub struct Node {
    /// The declaration's name, an input path, `valid`, or `workflow.transition`.
    pub name: String,
    /// What the node stands for.
    pub kind: NodeKind,
}

/// Nodes and edges `(from, to)`: `to` reads `from`.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    /// Every node; edges refer to nodes by their index here.
    pub nodes: Vec<Node>,
    /// Pairs `(from, to)` of node indexes, sorted: `to` reads `from`.
    pub edges: BTreeSet<(usize, usize)>,
}

impl Graph {
    fn add(&mut self, name: &str, kind: NodeKind) -> usize {
        if let Some(i) = self.find(name) {
            return i;
        }
        self.nodes.push(Node {
            name: name.to_string(),
            kind,
        });
        self.nodes.len() - 1
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.name == name)
    }

    /// Only the nodes that feed `name` or depend on it (with `name` itself); `None` when there
    /// is no such node.
    pub fn focus(&self, name: &str) -> Option<Graph> {
        let start = self.find(name)?;
        let mut keep = BTreeSet::from([start]);
        for forward in [true, false] {
            let mut queue = VecDeque::from([start]);
            let mut seen = BTreeSet::from([start]);
            while let Some(n) = queue.pop_front() {
                for &(a, b) in &self.edges {
                    let next = if forward && a == n {
                        b
                    } else if !forward && b == n {
                        a
                    } else {
                        continue;
                    };
                    if seen.insert(next) {
                        queue.push_back(next);
                        keep.insert(next);
                    }
                }
            }
        }
        let index: Vec<Option<usize>> = (0..self.nodes.len())
            .map(|i| keep.iter().position(|k| *k == i))
            .collect();
        Some(Graph {
            nodes: keep
                .iter()
                .filter_map(|i| self.nodes.get(*i).cloned())
                .collect(),
            edges: self
                .edges
                .iter()
                .filter_map(|(a, b)| Some((index.get(*a).copied()??, index.get(*b).copied()??)))
                .collect(),
        })
    }

    /// A Mermaid flowchart.
    pub fn to_mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        for (i, node) in self.nodes.iter().enumerate() {
            let label = node.name.replace('"', "'");
            let (open, close) = match node.kind {
                NodeKind::Input => ("([\"", "\"])"),
                NodeKind::Table | NodeKind::Bands => ("[(\"", "\")]"),
                NodeKind::Decision => ("{{\"", "\"}}"),
                NodeKind::Function => ("[/\"", "\"\\]"),
                NodeKind::Let => ("[\"", "\"]"),
                NodeKind::Output => ("[/\"", "\"/]"),
                NodeKind::Price => ("[[\"", "\"]]"),
                NodeKind::Constraint => (">\"", "\"]"),
                NodeKind::Valid | NodeKind::Approval => ("{\"", "\"}"),
                NodeKind::Transition => ("(\"", "\")"),
                NodeKind::Trigger => ("((\"", "\"))"),
            };
            out.push_str(&format!("  n{i}{open}{label}{close}\n"));
        }
        for (a, b) in &self.edges {
            out.push_str(&format!("  n{a} --> n{b}\n"));
        }
        out
    }

    /// A Graphviz digraph.
    pub fn to_dot(&self) -> String {
        let mut out =
            String::from("digraph ordo {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
        for (i, node) in self.nodes.iter().enumerate() {
            let shape = match node.kind {
                NodeKind::Input => "ellipse",
                NodeKind::Table | NodeKind::Bands => "cylinder",
                NodeKind::Decision => "hexagon",
                NodeKind::Function => "trapezium",
                NodeKind::Let => "box",
                NodeKind::Output => "parallelogram",
                NodeKind::Price => "box3d",
                NodeKind::Constraint => "octagon",
                NodeKind::Valid | NodeKind::Approval => "diamond",
                NodeKind::Transition => "cds",
                NodeKind::Trigger => "note",
            };
            let label = node.name.replace('\\', "\\\\").replace('"', "\\\"");
            out.push_str(&format!("  n{i} [label=\"{label}\", shape={shape}];\n"));
        }
        for (a, b) in &self.edges {
            out.push_str(&format!("  n{a} -> n{b};\n"));
        }
        out.push_str("}\n");
        out
    }
}

/// The data-flow graph of a ruleset.
pub fn build(ast: &Ast) -> Graph {
    let mut graph = Graph::default();
    let decls = declarations(ast);
    let input_names: BTreeSet<String> = ast
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Input(d) => Some(
                d.fields
                    .iter()
                    .map(|f| f.name.name.clone())
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .flatten()
        .collect();
    // Value nodes first, in source order, so the drawing follows the file.
    for d in &decls {
        let kind = match d.kind {
            "table" => NodeKind::Table,
            "bands" => NodeKind::Bands,
            "decision" => NodeKind::Decision,
            "fn" => NodeKind::Function,
            "let" => NodeKind::Let,
            "output" => NodeKind::Output,
            "price" => NodeKind::Price,
            "constraint" => NodeKind::Constraint,
            "approval" => NodeKind::Approval,
            "trigger" => NodeKind::Trigger,
            _ => continue,
        };
        graph.add(&d.name, kind);
    }
    // What each consumer reads: (consumer node, names, paths).
    let mut consumers = Vec::new();
    for d in decls
        .iter()
        .filter(|d| !matches!(d.kind, "input" | "enum" | "roles" | "test" | "workflow"))
    {
        if let Some(node) = graph.find(&d.name) {
            consumers.push((node, d.names.clone(), d.paths.clone()));
        }
    }
    for item in &ast.items {
        if let Item::Workflow(w) = item {
            for t in &w.transitions {
                let node = graph.add(
                    &format!("{}.{}", w.name.name, t.name.name),
                    NodeKind::Transition,
                );
                let (names, paths) = t.when.as_ref().map(reads).unwrap_or_default();
                let mut names = names;
                names.extend(t.requires.iter().map(|r| r.name.clone()));
                consumers.push((node, names, paths));
            }
        }
    }
    let reads_valid = consumers
        .iter()
        .any(|(_, names, _)| names.contains("valid"));
    if reads_valid {
        let valid = graph.add("valid", NodeKind::Valid);
        for item in &ast.items {
            if let Item::Constraint(c) = item
                && c.severity == Severity::Error
                && let Some(from) = graph.find(&c.name.name)
            {
                graph.edges.insert((from, valid));
            }
        }
    }
    for (node, names, paths) in consumers {
        let mut read_inputs: BTreeSet<String> = paths
            .iter()
            .filter(|p| {
                p.split('.')
                    .next()
                    .is_some_and(|first| input_names.contains(first))
            })
            .cloned()
            .collect();
        for name in names.iter().filter(|n| input_names.contains(*n)) {
            if !read_inputs
                .iter()
                .any(|p| p.starts_with(&format!("{name}.")))
            {
                read_inputs.insert(name.clone());
            }
        }
        for input in read_inputs {
            let from = graph.add(&input, NodeKind::Input);
            graph.edges.insert((from, node));
        }
        for name in &names {
            if let Some(from) = graph.find(name)
                && from != node
                && graph
                    .nodes
                    .get(from)
                    .is_some_and(|n| n.kind != NodeKind::Input)
            {
                graph.edges.insert((from, node));
            }
        }
    }
    graph
}

/// One state of a workflow drawing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateNode {
    /// The state's name.
    pub name: String,
    /// Whether instances start here.
    pub initial: bool,
    /// Whether the state is `final`.
    pub is_final: bool,
    /// Its owner and SLA as written (`owner reviewer, sla 1 day`), or empty.
    pub note: String,
}

/// One arrow of a workflow drawing: a transition from one of its `from` states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionEdge {
    /// The transition's name.
    pub name: String,
    /// The state it leaves.
    pub from: String,
    /// The target state; `previous_state` for `-> previous`.
    pub to: String,
    /// The name with its roles and guard (`accept by reviewer when valid`).
    pub label: String,
}

/// A workflow as a state diagram: its states (with owner and SLA) and its transitions (with
/// roles and guard), in declaration order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkflowGraph {
    /// The workflow's name.
    pub name: String,
    /// The states, in declaration order.
    pub states: Vec<StateNode>,
    /// One edge per transition and `from` state.
    pub transitions: Vec<TransitionEdge>,
}

impl WorkflowGraph {
    /// The drawing of workflow `name` of `ast`; `None` when it declares none of that name.
    pub fn of(ast: &Ast, name: &str) -> Option<WorkflowGraph> {
        ast.items.iter().find_map(|item| match item {
            Item::Workflow(w) if w.name.name == name => Some(WorkflowGraph::from_decl(w)),
            _ => None,
        })
    }

    /// The names of the workflows `ast` declares, in order.
    pub fn names(ast: &Ast) -> Vec<&str> {
        ast.items
            .iter()
            .filter_map(|item| match item {
                Item::Workflow(w) => Some(w.name.name.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The drawing of one workflow declaration.
    pub fn from_decl(workflow: &ordo_dsl::ast::WorkflowDecl) -> WorkflowGraph {
        use std::fmt::Write as _;
        let expr = |e: &ordo_dsl::ast::Expr| ordo_dsl::format::expr::expr(e);
        let states = workflow
            .states
            .iter()
            .map(|s| {
                let mut parts = Vec::new();
                if let Some(owner) = &s.owner {
                    parts.push(format!("owner {}", expr(owner)));
                }
                if let Some(sla) = &s.sla {
                    parts.push(format!("sla {}", expr(sla)));
                }
                StateNode {
                    name: s.name.name.clone(),
                    initial: s.initial,
                    is_final: s.is_final,
                    note: parts.join(", "),
                }
            })
            .collect();
        let mut transitions = Vec::new();
        for t in &workflow.transitions {
            let mut label = t.name.name.clone();
            if !t.roles.is_empty() {
                let roles: Vec<&str> = t.roles.iter().map(|r| r.name.as_str()).collect();
                let _ = write!(label, " by {}", roles.join(", "));
            }
            if let Some(guard) = &t.when {
                let _ = write!(label, " when {}", expr(guard));
            }
            let to = if t.to.name == "previous" {
                "previous_state"
            } else {
                t.to.name.as_str()
            };
            for from in &t.from {
                transitions.push(TransitionEdge {
                    name: t.name.name.clone(),
                    from: from.name.clone(),
                    to: to.to_string(),
                    label: label.clone(),
                });
            }
        }
        WorkflowGraph {
            name: workflow.name.name.clone(),
            states,
            transitions,
        }
    }

    /// A Mermaid `stateDiagram-v2`.
    pub fn to_mermaid(&self) -> String {
        use std::fmt::Write as _;
        let clean = |s: &str| s.replace(['"', ':'], "'");
        let mut out = String::from("stateDiagram-v2\n");
        for s in &self.states {
            if !s.note.is_empty() {
                let _ = writeln!(out, "  {0} : {0} ({1})", s.name, clean(&s.note));
            }
            if s.initial {
                let _ = writeln!(out, "  [*] --> {}", s.name);
            }
            if s.is_final {
                let _ = writeln!(out, "  {} --> [*]", s.name);
            }
        }
        for t in &self.transitions {
            let _ = writeln!(out, "  {} --> {} : {}", t.from, t.to, clean(&t.label));
        }
        out
    }

    /// A Graphviz digraph.
    pub fn to_dot(&self) -> String {
        use std::fmt::Write as _;
        let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        let mut out = String::new();
        let _ = writeln!(out, "digraph {} {{", quote(&self.name));
        out.push_str("  rankdir=LR;\n");
        for s in &self.states {
            // DOT's `\n` is a line break: the parts are quoted apart, then joined by it.
            let text = if s.note.is_empty() {
                quote(&s.name)
            } else {
                let (name, detail) = (quote(&s.name), quote(&s.note));
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
                quote(&s.name),
                text,
                if s.initial { ", style=bold" } else { "" }
            );
        }
        for t in &self.transitions {
            let _ = writeln!(
                out,
                "  {} -> {} [label={}];",
                quote(&t.from),
                quote(&t.to),
                quote(&t.label)
            );
        }
        out.push_str("}\n");
        out
    }
}
