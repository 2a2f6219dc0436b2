//! The configurator (spec §18): after every click of a web configurator, which options of
//! every finite-domain field remain possible, and which constraints rule the others out.
//!
//! Absent fields are unknown and evaluation is three-valued, so the answer is sound: an option
//! is disabled only when an `error` constraint is definitely violated once it is chosen. A
//! constraint blocks an option only when choosing the option is what violates it: constraints
//! that fail whatever the field holds are reported once, under `violations`, not on every
//! option. With `"complete": true`, options that lead only to dead ends (no combination of the
//! remaining finite fields satisfies every `error` constraint) are disabled too, by a bounded
//! search (see [`search`]).

mod fields;
mod search;

use serde_json::{Map, Value as Json, json};

use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::eval::{Context, Evaluator, Truth};
use crate::ir::display::display;
use crate::ir::{Constraint, InputField, Program};
use crate::json::input::{Absent, read_input};
use crate::json::requests::{ConfigureRequest, Defaults};
use crate::json::values::{quote_json, value_to_json};
use crate::ruleset::Ruleset;
use crate::value::Value;
use ordo_dsl::ast::Severity;

pub use fields::{Domain, FiniteField, finite_fields};
pub(crate) use fields::{get_path, set_path};

/// Does constraint `c` read the field at `path` (or a record around it, or a part of it)?
pub(crate) fn reads_field(c: &Constraint, path: &str) -> bool {
    c.input_deps.iter().any(|dep| {
        dep == path
            || dep
                .strip_prefix(path)
                .is_some_and(|rest| rest.starts_with('.'))
            || path
                .strip_prefix(dep.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// Is constraint `index` definitely violated (its condition definitely false)? Evaluation
/// errors count as "not known to be violated": the answer stays sound.
pub(crate) fn violated(ev: &mut Evaluator<'_>, index: usize) -> bool {
    matches!(ev.constraint(index), Ok(Truth::False))
}

/// The constraint's message under this evaluation (its id if the message cannot be built).
fn message(ev: &mut Evaluator<'_>, c: &Constraint) -> String {
    match ev.eval(&c.message) {
        Ok(value) => display(ev.program, &value),
        Err(_) => c.id.clone(),
    }
}

impl Ruleset {
    /// Option availability for a partial input (spec §18).
    pub fn configure(&self, request: &ConfigureRequest) -> EvalResult<Json> {
        configure(self, request)
    }
}

fn configure(ruleset: &Ruleset, request: &ConfigureRequest) -> EvalResult<Json> {
    let program = ruleset.program();
    let inputs = read_input(program, &request.input, Absent::Partial)?;
    let context = Context {
        as_of: request.as_of,
        entered_at: None,
        trace: false,
        ..Context::default()
    };
    let error_constraints: Vec<usize> = program
        .constraints
        .iter()
        .enumerate()
        .filter(|(_, c)| c.severity == Severity::Error)
        .map(|(i, _)| i)
        .collect();

    let mut ev = Evaluator::new(program, inputs.clone(), context.clone());
    let mut violations = Vec::new();
    for (i, c) in program.constraints.iter().enumerate() {
        if violated(&mut ev, i) {
            violations.push(json!({"id": c.id, "severity": c.severity.as_str(), "message": message(&mut ev, c)}));
        }
    }
    // Outputs and prices may count unset fields at their defaults; the options never do, so
    // that no option is disabled by a default the user has not chosen (the answer stays sound).
    let (outputs, quotes) = match request.defaults {
        Defaults::Unknown => (known_outputs(&mut ev), known_quotes(&mut ev)),
        Defaults::Apply => {
            let applied = read_input(program, &request.input, Absent::Defaults)?;
            let mut ev = Evaluator::new(program, applied, context.clone());
            (known_outputs(&mut ev), known_quotes(&mut ev))
        }
    };

    let finite: Vec<FiniteField<'_>> = finite_fields(program)
        .into_iter()
        .filter(|field| !is_context(&field.path, &request.context))
        .collect();
    check_context_paths(program, &request.context)?;
    let other_constraints: Vec<usize> = program
        .constraints
        .iter()
        .enumerate()
        .filter(|(_, c)| c.severity != Severity::Error)
        .map(|(i, _)| i)
        .collect();
    let mut search = request
        .complete
        .then(|| search::Search::new(program, &finite, &error_constraints, &context));
    let mut out_fields = Map::new();
    for field in &finite {
        let selected = get_path(&inputs, &field.indexes);
        // The baseline the options are compared with: the field not chosen (for a set, the
        // elements chosen so far).
        let baseline = match field.domain {
            Domain::Set(_) => selected.clone(),
            _ => Value::Unknown,
        };
        let relevant: Vec<usize> = error_constraints
            .iter()
            .copied()
            .filter(|&i| {
                program
                    .constraints
                    .get(i)
                    .is_some_and(|c| reads_field(c, &field.path))
            })
            .collect();
        let mut base_inputs = inputs.clone();
        set_path(program, &mut base_inputs, &field.indexes, baseline.clone());
        let mut base = Evaluator::new(program, base_inputs.clone(), context.clone());
        let already: Vec<usize> = relevant
            .iter()
            .copied()
            .filter(|&i| violated(&mut base, i))
            .collect();
        // Warnings and reviews that read the field: an option they would flag stays available
        // and says so (`warned_by`).
        let warnings: Vec<usize> = other_constraints
            .iter()
            .copied()
            .filter(|&i| {
                program
                    .constraints
                    .get(i)
                    .is_some_and(|c| reads_field(c, &field.path))
                    && !violated(&mut base, i)
            })
            .collect();

        let mut options = Vec::new();
        for option in 0..field.option_count(program) {
            let mut trial = base_inputs.clone();
            let candidate = field.with_option(option, &baseline);
            // A refinement limits the field's domain (spec §20): the field itself blocks.
            let refused = field.field.broken_refinement(&candidate, &field.path);
            set_path(program, &mut trial, &field.indexes, candidate);
            let mut ev = Evaluator::new(program, trial.clone(), context.clone());
            let mut blocked_by = Vec::new();
            if let Some((_, message)) = refused {
                blocked_by.push(json!({"id": field.path, "message": message}));
            }
            for &i in relevant.iter().filter(|i| !already.contains(i)) {
                if violated(&mut ev, i)
                    && let Some(c) = program.constraints.get(i)
                {
                    blocked_by.push(json!({"id": c.id, "message": message(&mut ev, c)}));
                }
            }
            let mut warned_by = Vec::new();
            for &i in &warnings {
                if violated(&mut ev, i)
                    && let Some(c) = program.constraints.get(i)
                {
                    warned_by.push(json!({"id": c.id, "severity": c.severity.as_str(), "message": message(&mut ev, c)}));
                }
            }
            let mut entry = Map::new();
            entry.insert("value".into(), option_json(program, field, option));
            if !warned_by.is_empty() {
                entry.insert("warned_by".into(), Json::Array(warned_by));
            }
            if blocked_by.is_empty() {
                if let Some(search) = search.as_mut()
                    && let Some(dead_end) = search.dead_end(&trial)
                {
                    entry.insert("available".into(), Json::Bool(false));
                    entry.insert("dead_end".into(), dead_end);
                    options.push(Json::Object(entry));
                    continue;
                }
                entry.insert("available".into(), Json::Bool(true));
            } else {
                entry.insert("available".into(), Json::Bool(false));
                entry.insert("blocked_by".into(), Json::Array(blocked_by));
            }
            options.push(Json::Object(entry));
        }
        let selected_json = match &selected {
            Value::Unknown => Json::Null,
            value => value_to_json(program, value, &field.field.ty),
        };
        let default = field
            .field
            .default
            .as_ref()
            .map_or(Json::Null, |d| value_to_json(program, d, &field.field.ty));
        out_fields.insert(
            field.path.clone(),
            json!({"selected": selected_json, "default": default, "options": options}),
        );
    }
    let mut result = Map::new();
    result.insert("ruleset".into(), ruleset.identity_json());
    result.insert("fields".into(), Json::Object(out_fields));
    result.insert("violations".into(), Json::Array(violations));
    result.insert("outputs".into(), outputs);
    result.insert("quotes".into(), quotes);
    if let Some(search) = search {
        result.insert("search".into(), search.summary());
    }
    Ok(Json::Object(result))
}

/// Whether the field at `path` is context: at or under one of the `context` paths.
fn is_context(path: &str, context: &[String]) -> bool {
    context.iter().any(|c| {
        path == c
            || path
                .strip_prefix(c.as_str())
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

/// Every context path must name an input field (or a record of them): a misspelled one would
/// quietly offer the field it meant as a choice.
fn check_context_paths(program: &Program, context: &[String]) -> EvalResult<()> {
    let mut known = Vec::new();
    input_paths(&program.input.fields, "", &mut known);
    for (i, path) in context.iter().enumerate() {
        if !known.contains(path) {
            let mut error = EvalError::at_path(
                ErrorKind::InvalidRequest,
                format!("context[{i}]"),
                format!("`{path}` is not an input field"),
            );
            if let Some(hint) =
                ordo_dsl::diagnostic::did_you_mean(path, known.iter().map(String::as_str))
            {
                error = error.with_hint(hint);
            }
            return Err(error);
        }
    }
    Ok(())
}

/// The dotted path of every input field, records and the fields inside them.
fn input_paths(fields: &[InputField], prefix: &str, out: &mut Vec<String>) {
    for field in fields {
        let path = if prefix.is_empty() {
            field.name.clone()
        } else {
            format!("{prefix}.{}", field.name)
        };
        input_paths(&field.fields, &path, out);
        out.push(path);
    }
}

fn option_json(program: &Program, field: &FiniteField<'_>, option: usize) -> Json {
    match field.option(option) {
        Value::Bool(b) => Json::Bool(b),
        value => Json::String(display(program, &value)),
    }
}

/// Outputs that are already known (`null` for the others).
fn known_outputs(ev: &mut Evaluator<'_>) -> Json {
    let program = ev.program;
    let mut out = Map::new();
    for &id in &program.outputs {
        let Some(global) = program.global(id) else {
            continue;
        };
        let value = ev.global(id).unwrap_or(Value::Unknown);
        out.insert(
            global.name.clone(),
            value_to_json(program, &value, &global.ty),
        );
    }
    Json::Object(out)
}

/// Every price block with the lines that can already be computed (unknown amounts are `null`).
fn known_quotes(ev: &mut Evaluator<'_>) -> Json {
    let program = ev.program;
    let mut out = Map::new();
    for &id in &program.prices {
        let Some(global) = program.global(id) else {
            continue;
        };
        if ev.ensure_quote(id).is_err() {
            continue;
        }
        if let Some(quote) = ev.quote(id) {
            out.insert(global.name.clone(), quote_json(quote, false));
        }
    }
    Json::Object(out)
}

#[cfg(test)]
mod tests;
