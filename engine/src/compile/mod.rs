//! Compilation: syntax tree → checked, resolved [`Program`]. An ordered list of stages, each
//! with one job:
//!
//! 1. [`symbols`]: collect every declared name; duplicates.
//! 2. [`inputs`]: the input schema, with constant defaults.
//! 3. [`expr`] and [`decls`]: resolve names and check types while lowering every declaration to
//!    IR (globals on demand, so declarations may come in any order); exhaustiveness of enum
//!    tables and `match`; overlapping bands; decision-table indexes.
//! 4. [`graph`]: the dependency graph — cycles are errors naming the cycle; the input fields
//!    each value reads (for approvals' `depends_on` and for traces).
//! 5. [`workflow_checks`]: one initial state, reachability, dead ends, declared roles.
//!
//! All diagnostics of all stages are reported together.

mod data_file;
mod data_table;
mod decls;
mod expr;
mod functions;
mod graph;
mod inputs;
mod symbols;
mod test_blocks;
mod workflow_checks;

use std::collections::{BTreeSet, HashSet};

use ordo_dsl::ast::{self, Item};
use ordo_dsl::{Diagnostic, DiagnosticKind, Diagnostics};

use crate::ir::{Global, GlobalId, Program};
use crate::types::Type;
use crate::value::Value;

pub use crate::data_files::DataFiles;
pub use graph::Node;
use symbols::Symbols;

/// A compiled program, its test blocks and the compiler's remarks (neither is part of the
/// program).
pub struct Compiled {
    pub program: Program,
    pub tests: Vec<crate::ir::test_case::TestCase>,
    pub remarks: Vec<crate::ir::Remark>,
}

/// A ruleset's version must be a semantic version (`MAJOR.MINOR.PATCH`, spec §2): the
/// registry orders versions and resolves requirements such as `^1.2` by it.
fn check_version(version: &ast::StringLit, diags: &mut Vec<Diagnostic>) {
    if let Err(e) = semver::Version::parse(&version.value) {
        diags.push(
            Diagnostic::new(
                DiagnosticKind::Invalid,
                version.span,
                format!("`{}` is not a semantic version: {e}", version.value),
            )
            .with_hint("write MAJOR.MINOR.PATCH, e.g. \"1.0.0\""),
        );
    }
}

/// Compiles a parsed ruleset. `source` is the text it was parsed from (for line numbers);
/// `files` the data files its tables read (spec §21).
pub fn compile(
    ruleset: &ast::Ruleset,
    source: &str,
    files: &DataFiles,
) -> Result<Compiled, Diagnostics> {
    compile_stages(ruleset, source, files, None).0
}

/// The type of every expression the checker saw, with its span, in the order checked; the
/// type names are written with the ruleset's enum names (`Optional<Region>`).
pub type ExpressionTypes = Vec<(ordo_dsl::Span, String)>;

/// Compiles like [`compile`] and also returns the type of every expression checked — even
/// when the ruleset has errors, as far as the checker got (what an editor's hover shows).
pub fn compile_recording_types(
    ruleset: &ast::Ruleset,
    source: &str,
    files: &DataFiles,
) -> (Result<Compiled, Diagnostics>, ExpressionTypes) {
    let (compiled, types) = compile_stages(ruleset, source, files, Some(Vec::new()));
    (compiled, types.unwrap_or_default())
}

fn compile_stages(
    ruleset: &ast::Ruleset,
    source: &str,
    files: &DataFiles,
    expression_types: Option<Vec<(ordo_dsl::Span, Type)>>,
) -> (Result<Compiled, Diagnostics>, Option<ExpressionTypes>) {
    let mut diags = Vec::new();
    check_version(&ruleset.version, &mut diags);
    let symbols = Symbols::collect(ruleset, &mut diags);
    let mut lowerer = Lowerer::new(ruleset, source, symbols, diags, files);
    lowerer.expression_types = expression_types;
    lowerer.lower_all();
    let Lowerer {
        diags,
        program,
        edges,
        spans,
        tests,
        remarks,
        expression_types,
        ..
    } = lowerer;
    let expression_types = expression_types.map(|types| {
        types
            .into_iter()
            .map(|(span, ty)| (span, ty.display(&program.enums).to_string()))
            .collect()
    });
    if crate::cancel::cancelled() {
        return (Err(cancelled(ruleset.name.span)), expression_types);
    }
    let mut diags = diags;
    let mut program = program;
    graph::check_cycles(&edges, &spans, &program, &mut diags);
    workflow_checks::check(ruleset, &program, &mut diags);
    if diags.is_empty() {
        graph::resolve_input_deps(&edges, &mut program);
        inputs::mark_ordered_sets(&mut program);
    }
    let compiled = if diags.is_empty() {
        Ok(Compiled {
            program,
            tests,
            remarks,
        })
    } else {
        Err(Diagnostics(diags).normalized())
    };
    (compiled, expression_types)
}

/// The one diagnostic of a compilation cancelled part way (see [`crate::Cancel`]): what was
/// lowered is incomplete, so nothing else is reported.
pub(crate) fn cancelled(span: ordo_dsl::Span) -> Diagnostics {
    Diagnostics(vec![Diagnostic::new(
        DiagnosticKind::Invalid,
        span,
        "the compilation was cancelled: its caller stopped waiting for it",
    )])
}

/// The state of a global while lowering on demand.
#[derive(Debug, Clone)]
enum GlobalState {
    Pending,
    InProgress,
    Done,
}

/// What is being lowered, for dependency edges.
#[derive(Debug, Default, Clone)]
pub(crate) struct Deps {
    pub nodes: BTreeSet<Node>,
    pub inputs: BTreeSet<String>,
}

/// Where an expression stands, which decides the special names it may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Context {
    #[default]
    Rule,
    /// A constraint: `valid` would depend on itself.
    Constraint,
    /// A workflow guard, an approval or a trigger: `valid` is fine; `entered_at` in triggers.
    Workflow,
    Trigger,
    /// A `test` block's expectations: `violations` and `approvals.CHAIN` are in scope.
    Test,
    /// The body of a `fn`: only parameters, constants, tables, bands and functions.
    Function,
}

/// The lowering stage's state: symbols, the program under construction, diagnostics,
/// dependency edges, and the scope of local variables.
pub(crate) struct Lowerer<'a> {
    pub ast: &'a ast::Ruleset,
    pub source: &'a str,
    /// The data files tables read.
    pub files: &'a DataFiles,
    pub sym: Symbols<'a>,
    pub diags: Vec<Diagnostic>,
    pub program: Program,
    global_states: Vec<GlobalState>,
    /// The lowering state of each function.
    function_states: Vec<GlobalState>,
    /// Dependencies of each node, recorded while it was lowered.
    pub edges: Vec<(Node, Deps)>,
    /// The declaration span of each node, for cycle reports.
    pub spans: Vec<(Node, ordo_dsl::Span, String)>,
    /// Dependency frames: the innermost is the node being lowered now.
    deps_stack: Vec<Deps>,
    /// Local variables in scope: name, slot, type. Slots index the evaluator's local stack.
    pub locals: Vec<(String, u32, Type)>,
    pub context: Context,
    /// The number of local slots the program needs (the evaluator sizes its stack with it).
    pub max_locals: u32,
    /// The compiled `test` blocks.
    pub tests: Vec<crate::ir::test_case::TestCase>,
    /// What the compiler noticed that is not an error (for `ordo lint`).
    pub remarks: Vec<crate::ir::Remark>,
    /// The byte offset where each line of the source starts (for `line_of`, which decision
    /// rows call once each: a scan from the top per row would make compiling quadratic).
    line_starts: Vec<usize>,
    /// The ids of the constraints lowered so far (a duplicate id is one lookup away).
    pub constraint_ids: HashSet<String>,
    /// When recording (for editors): the type of every expression lowered, with its span.
    pub expression_types: Option<Vec<(ordo_dsl::Span, Type)>>,
}

impl<'a> Lowerer<'a> {
    fn new(
        ast: &'a ast::Ruleset,
        source: &'a str,
        sym: Symbols<'a>,
        diags: Vec<Diagnostic>,
        files: &'a DataFiles,
    ) -> Self {
        let program = Program {
            name: ast.name.name.clone(),
            version: ast.version.value.clone(),
            effective: ast.effective.as_ref().map(|d| d.value),
            enums: sym.enums.clone(),
            roles: sym.roles.clone(),
            input: crate::ir::InputSchema { fields: Vec::new() },
            globals: sym
                .globals
                .iter()
                .map(|g| Global {
                    name: g.name().name.clone(),
                    ty: Type::Unknown,
                    kind: crate::ir::GlobalKind::Let(crate::ir::Expr::Const(
                        crate::value::Value::None,
                    )),
                    reads: Vec::new(),
                    input_deps: Vec::new(),
                })
                .collect(),
            tables: Vec::new(),
            bands: Vec::new(),
            constraints: Vec::new(),
            outputs: Vec::new(),
            prices: Vec::new(),
            approvals: Vec::new(),
            workflows: Vec::new(),
            triggers: Vec::new(),
            functions: sym.functions.iter().map(functions::placeholder).collect(),
            calendars: Vec::new(),
        };
        let global_states = vec![GlobalState::Pending; sym.globals.len()];
        let function_states = vec![GlobalState::Pending; sym.functions.len()];
        Lowerer {
            ast,
            source,
            files,
            sym,
            diags,
            program,
            global_states,
            function_states,
            edges: Vec::new(),
            spans: Vec::new(),
            deps_stack: Vec::new(),
            locals: Vec::new(),
            context: Context::Rule,
            max_locals: 0,
            tests: Vec::new(),
            remarks: Vec::new(),
            line_starts: std::iter::once(0)
                .chain(source.match_indices('\n').map(|(i, _)| i + 1))
                .collect(),
            constraint_ids: HashSet::new(),
            expression_types: None,
        }
    }

    fn lower_all(&mut self) {
        self.program.input = inputs::lower_schema(self);
        // Calendars before any rule: business-day functions name them.
        decls::lower_calendars(self);
        // Tables and bands first: their types are declared, so references to them need no
        // lowering, but their rows may reference values.
        for id in 0..self.sym.tables.len() {
            decls::lower_table(self, id as u32);
        }
        for id in 0..self.sym.bands.len() {
            decls::lower_bands(self, id as u32);
        }
        for id in 0..self.sym.globals.len() {
            if crate::cancel::cancelled() {
                return;
            }
            self.ensure_global(id as GlobalId);
        }
        for id in 0..self.sym.functions.len() {
            functions::ensure_function(self, id as u32);
        }
        let items = &self.ast.items;
        for item in items {
            match item {
                Item::Value(decl) if decl.output => {
                    if let Some((id, _)) = self.program.global_named(&decl.name.name) {
                        self.program.outputs.push(id);
                    }
                }
                Item::Price(decl) => {
                    if let Some((id, _)) = self.program.global_named(&decl.name.name) {
                        self.program.prices.push(id);
                    }
                }
                Item::Constraint(decl) => decls::lower_constraint(self, decl),
                _ => {}
            }
        }
        for id in 0..self.sym.approvals.len() {
            decls::lower_approval(self, id as u32);
        }
        for id in 0..self.sym.workflows.len() {
            decls::lower_workflow(self, id as u32);
        }
        for item in items {
            if let Item::Trigger(decl) = item {
                decls::lower_trigger(self, decl);
            }
        }
        for item in items {
            if let Item::Test(decl) = item
                && let Some(test) = test_blocks::lower_test(self, decl)
            {
                self.tests.push(test);
            }
        }
    }

    /// Makes sure a global is lowered and returns its type (`Unknown` while it is being
    /// lowered: that is a cycle, which the graph stage reports).
    pub fn ensure_global(&mut self, id: GlobalId) -> Type {
        match self.global_states.get(id as usize) {
            Some(GlobalState::Done) => {
                return self
                    .program
                    .global(id)
                    .map_or(Type::Unknown, |g| g.ty.clone());
            }
            Some(GlobalState::InProgress) | None => return Type::Unknown,
            Some(GlobalState::Pending) => {}
        }
        if let Some(state) = self.global_states.get_mut(id as usize) {
            *state = GlobalState::InProgress;
        }
        // A global is lowered in a fresh scope and context, whatever asked for it.
        let saved_locals = std::mem::take(&mut self.locals);
        let saved_context = std::mem::replace(&mut self.context, Context::Rule);
        self.begin_node();
        let decl = self.sym.globals.get(id as usize).copied();
        let lowered = decl.map(|decl| decls::lower_global(self, decl));
        let deps = self.end_node(
            Node::Global(id),
            decl.map(|d| (d.span(), d.name().name.clone())),
        );
        self.locals = saved_locals;
        self.context = saved_context;
        let reads = decls::reads_of(self, &deps);
        if let (Some((kind, ty)), Some(global)) =
            (lowered, self.program.globals.get_mut(id as usize))
        {
            global.kind = kind;
            global.ty = ty;
            global.reads = reads;
        }
        if let Some(state) = self.global_states.get_mut(id as usize) {
            *state = GlobalState::Done;
        }
        self.program
            .global(id)
            .map_or(Type::Unknown, |g| g.ty.clone())
    }

    /// Starts recording the dependencies of a node.
    pub fn begin_node(&mut self) {
        self.deps_stack.push(Deps::default());
    }

    /// Stops recording, stores the node's edges and span, and returns its dependencies.
    pub fn end_node(&mut self, node: Node, span_name: Option<(ordo_dsl::Span, String)>) -> Deps {
        let deps = self.deps_stack.pop().unwrap_or_default();
        self.edges.push((node, deps.clone()));
        if let Some((span, name)) = span_name {
            self.spans.push((node, span, name));
        }
        deps
    }

    /// Records that the node being lowered reads another node.
    pub fn depend_on(&mut self, node: Node) {
        if let Some(frame) = self.deps_stack.last_mut() {
            frame.nodes.insert(node);
        }
    }

    /// Records that the node being lowered reads an input path.
    pub fn depend_on_input(&mut self, path: String) {
        if let Some(frame) = self.deps_stack.last_mut() {
            frame.inputs.insert(path);
        }
    }

    /// Binds a local variable and returns its slot.
    pub fn push_local(&mut self, name: &str, ty: Type) -> u32 {
        let slot = self.locals.len() as u32;
        self.locals.push((name.to_string(), slot, ty));
        self.max_locals = self.max_locals.max(slot + 1);
        slot
    }

    pub fn pop_local(&mut self) {
        self.locals.pop();
    }

    pub fn error(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }

    /// The 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(line) => line + 1,
            Err(next) => next,
        }
    }

    /// A type for messages.
    pub fn show(&self, ty: &Type) -> String {
        ty.display(&self.program.enums).to_string()
    }

    /// The values of a finite type (an enum, Bool) that `covered` leaves out, as rules write
    /// them: what a table keyed by the type or a `match` on it lacks. `None` for a type whose
    /// values cannot be listed.
    pub fn uncovered_values(
        &self,
        ty: &Type,
        covered: impl Fn(&Value) -> bool,
    ) -> Option<Vec<String>> {
        let values: Vec<(Value, String)> = match ty {
            Type::Enum(id) => self
                .program
                .enums
                .get(*id as usize)
                .map(|e| {
                    (0u32..)
                        .zip(&e.values)
                        .map(|(i, name)| (Value::Enum(*id, i), name.clone()))
                        .collect()
                })
                .unwrap_or_default(),
            Type::Bool => [true, false]
                .into_iter()
                .map(|b| (Value::Bool(b), b.to_string()))
                .collect(),
            _ => return None,
        };
        Some(
            values
                .into_iter()
                .filter(|(value, _)| !covered(value))
                .map(|(_, name)| name)
                .collect(),
        )
    }
}
