//! Functions and decisions with parameters (spec §19), lowered on demand like named values.
//! A call is [`Expr::CallFunction`]; its arguments become the first locals of the callee's own
//! scope. A call graph with a cycle is reported by the graph stage (`cycle`), so evaluation
//! stays total. Inside a `fn` only its parameters, constants, enum values, tables, bands and
//! other functions are in scope; a decision with parameters reads what any decision reads.

use ordo_dsl::ast;
use ordo_dsl::{Diagnostic, DiagnosticKind, Span};

use super::symbols::FunctionDecl;
use super::{Context, GlobalState, Lowerer, Node};
use crate::ir::{Expr, Function, FunctionBody};
use crate::types::Type;
use crate::value::Value;

/// The placeholder of a function before it is lowered.
pub(super) fn placeholder(decl: &FunctionDecl<'_>) -> Function {
    Function {
        name: decl.name().name.clone(),
        params: Vec::new(),
        result: Type::Unknown,
        body: FunctionBody::Expr(Expr::Const(Value::None)),
    }
}

/// The parameter types of function `id`, resolved from its declaration.
pub(super) fn param_types(l: &mut Lowerer<'_>, id: u32) -> Vec<(String, Type)> {
    let Some(decl) = l.sym.functions.get(id as usize).copied() else {
        return Vec::new();
    };
    let mut scratch = Vec::new();
    decl.params()
        .iter()
        .map(|p| (p.name.name.clone(), l.sym.resolve_type(&p.ty, &mut scratch)))
        .collect()
}

/// Makes sure function `id` is lowered and gives its result type (`Unknown` while it is being
/// lowered: a recursive call, which the graph stage reports as a cycle).
pub(super) fn ensure_function(l: &mut Lowerer<'_>, id: u32) -> Type {
    match l.function_states.get(id as usize) {
        Some(GlobalState::Done) => {
            return l
                .program
                .functions
                .get(id as usize)
                .map_or(Type::Unknown, |f| f.result.clone());
        }
        Some(GlobalState::InProgress) | None => return Type::Unknown,
        Some(GlobalState::Pending) => {}
    }
    if let Some(state) = l.function_states.get_mut(id as usize) {
        *state = GlobalState::InProgress;
    }
    let Some(decl) = l.sym.functions.get(id as usize).copied() else {
        return Type::Unknown;
    };
    let params = param_types(l, id);
    let saved_locals = std::mem::take(&mut l.locals);
    let saved_context = std::mem::replace(
        &mut l.context,
        match decl {
            FunctionDecl::Fn(_) => Context::Function,
            FunctionDecl::Decision(_) => Context::Rule,
        },
    );
    l.begin_node();
    for (name, ty) in &params {
        l.push_local(name, ty.clone());
    }
    let (body, result) = match decl {
        FunctionDecl::Fn(f) => lower_fn(l, f),
        FunctionDecl::Decision(d) => {
            let (decision, ty) = super::decls::lower_decision(l, d);
            (FunctionBody::Decision(decision), ty)
        }
    };
    l.end_node(
        Node::Function(id),
        Some((decl.span(), decl.name().name.clone())),
    );
    l.locals = saved_locals;
    l.context = saved_context;
    if let Some(function) = l.program.functions.get_mut(id as usize) {
        function.params = params;
        function.result = result.clone();
        function.body = body;
    }
    if let Some(state) = l.function_states.get_mut(id as usize) {
        *state = GlobalState::Done;
    }
    result
}

fn lower_fn(l: &mut Lowerer<'_>, f: &ast::FnDecl) -> (FunctionBody, Type) {
    let (body, result) = l.declared_expr(&f.body, f.result.as_ref(), |declared, found| {
        format!(
            "`{}` is declared to give {declared}, but its body is {found}",
            f.name.name
        )
    });
    (FunctionBody::Expr(body), result)
}

/// A call `NAME(args)` of function `id`: the arguments checked against the parameters.
pub(super) fn call(l: &mut Lowerer<'_>, span: Span, id: u32, args: &[ast::Expr]) -> (Expr, Type) {
    l.depend_on(Node::Function(id));
    let result = ensure_function(l, id);
    let params = param_types(l, id);
    let name = l
        .sym
        .functions
        .get(id as usize)
        .map_or(String::new(), |d| d.name().name.clone());
    if args.len() != params.len() {
        for arg in args {
            l.expr(arg, None);
        }
        l.error(Diagnostic::new(
            DiagnosticKind::TypeMismatch,
            span,
            format!(
                "`{name}` takes {} argument(s), found {}",
                params.len(),
                args.len()
            ),
        ));
        return (Expr::Const(Value::Unknown), Type::Unknown);
    }
    let lowered = args
        .iter()
        .zip(&params)
        .map(|(arg, (param, ty))| l.expect(arg, ty, &format!("`{param}` of `{name}`")))
        .collect();
    (Expr::CallFunction(id, lowered), result)
}
