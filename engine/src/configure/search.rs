//! `complete` mode: an option that no combination of the remaining finite fields can complete
//! without definitely violating an `error` constraint is a dead end. Depth-first search over
//! the unchosen finite fields, pruning as soon as a constraint is definitely violated, within
//! a budget of evaluations per request; when the budget runs out the remaining options stay
//! available (never disabled on a guess) and the result says the bound was hit.

use serde_json::{Value as Json, json};

use super::fields::{Domain, FiniteField, get_path, set_path};
use super::violated;
use crate::eval::{Context, Evaluator};
use crate::ir::Program;
use crate::value::Value;

/// Evaluations one configure request may spend on the search.
pub const SEARCH_BUDGET: usize = 50_000;

/// Sets with more elements than this are not enumerated (2^n subsets); the search treats
/// them as unknown, which can only keep options available.
const MAX_SET_ELEMENTS: usize = 10;

pub struct Search<'a, 'p> {
    program: &'p Program,
    fields: &'a [FiniteField<'p>],
    constraints: &'a [usize],
    context: &'a Context,
    evaluations: usize,
    bound_hit: bool,
}

/// How one unchosen field may be completed.
struct Variable<'a, 'p> {
    field: &'a FiniteField<'p>,
    choices: Vec<Value>,
}

impl<'a, 'p> Search<'a, 'p> {
    pub fn new(
        program: &'p Program,
        fields: &'a [FiniteField<'p>],
        constraints: &'a [usize],
        context: &'a Context,
    ) -> Self {
        Search {
            program,
            fields,
            constraints,
            context,
            evaluations: 0,
            bound_hit: false,
        }
    }

    /// `Some(explanation)` when no completion of `inputs` satisfies the `error` constraints.
    pub fn dead_end(&mut self, inputs: &[Value]) -> Option<Json> {
        if self.bound_hit {
            return None;
        }
        let variables: Vec<Variable<'a, 'p>> = self
            .fields
            .iter()
            .filter_map(|field| {
                let current = get_path(inputs, &field.indexes);
                self.choices(field, &current)
                    .map(|choices| Variable { field, choices })
            })
            .collect();
        let mut work = inputs.to_vec();
        match self.explore(&mut work, &variables) {
            Some(false) => Some(
                json!({"reason": "no choice of the remaining options satisfies every error constraint"}),
            ),
            _ => None,
        }
    }

    /// The values an unchosen field can take (`None` when the field is chosen or not
    /// enumerable).
    fn choices(&self, field: &FiniteField<'p>, current: &Value) -> Option<Vec<Value>> {
        match (field.domain, current) {
            (_, Value::Unknown) => field.all_values(self.program, MAX_SET_ELEMENTS),
            // Subsets that keep the elements already chosen.
            (Domain::Set(_), Value::PartialSet(_, known)) => {
                let all = field.all_values(self.program, MAX_SET_ELEMENTS)?;
                Some(
                    all.into_iter()
                        .filter(|v| matches!(v, Value::Set(_, m) if known.iter().all(|k| m.contains(k))))
                        .collect(),
                )
            }
            _ => None,
        }
    }

    /// `Some(true)`: a completion without a definite violation exists; `Some(false)`: none
    /// does; `None`: the budget ran out.
    fn explore(&mut self, inputs: &mut Vec<Value>, variables: &[Variable<'a, 'p>]) -> Option<bool> {
        if self.evaluations >= SEARCH_BUDGET {
            self.bound_hit = true;
            return None;
        }
        self.evaluations += 1;
        let mut ev = Evaluator::new(self.program, inputs.clone(), self.context.clone());
        if self.constraints.iter().any(|&i| violated(&mut ev, i)) {
            return Some(false);
        }
        let Some((first, rest)) = variables.split_first() else {
            return Some(true);
        };
        let before = get_path(inputs, &first.field.indexes);
        for choice in &first.choices {
            set_path(self.program, inputs, &first.field.indexes, choice.clone());
            match self.explore(inputs, rest) {
                Some(false) => continue,
                other => {
                    set_path(self.program, inputs, &first.field.indexes, before);
                    return other;
                }
            }
        }
        set_path(self.program, inputs, &first.field.indexes, before);
        Some(false)
    }

    /// What the search did: evaluations spent and whether the budget ran out.
    pub fn summary(&self) -> Json {
        json!({"evaluations": self.evaluations, "budget": SEARCH_BUDGET, "bound_hit": self.bound_hit})
    }
}
