//! Constraints against the refinements of the inputs they compare (spec §20): with `qty: Int
//! in 1..10`, `constraint c: qty > 20` can never hold, and `constraint c: qty <= 500` can never
//! fire. Decided where a condition is built with `and`, `or`, `not` and `implies` from
//! comparisons (`<`, `<=`, `>`, `>=`, `==`, `!=`, `in lo..hi`) of a refined number, percent or
//! date input with constants; in a constraint over elements (`for i in items`) the refined
//! fields of the element (`i.qty`) count too. Anything else in a condition is "unknown", and a
//! condition that is unknown as a whole is not reported.

use ordo_dsl::ast::{Item, Ruleset as Ast};

use super::decisions::constant;
use super::{Finding, Level};
use crate::ir::{CompareOp, Expr, InputField, Program, RefinementKind};
use crate::types::Type;
use crate::value::{Value, order};

/// A three-valued truth: what a condition comes to for every input the refinements allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Truth {
    Always,
    Never,
    Unknown,
}

impl Truth {
    fn not(self) -> Truth {
        match self {
            Truth::Always => Truth::Never,
            Truth::Never => Truth::Always,
            Truth::Unknown => Truth::Unknown,
        }
    }

    fn and(self, other: Truth) -> Truth {
        match (self, other) {
            (Truth::Never, _) | (_, Truth::Never) => Truth::Never,
            (Truth::Always, Truth::Always) => Truth::Always,
            _ => Truth::Unknown,
        }
    }

    fn or(self, other: Truth) -> Truth {
        self.not().and(other.not()).not()
    }
}

/// The values a refined input may take: a lower and an upper bound, each with whether it is
/// included.
struct Interval {
    lo: Option<(Value, bool)>,
    hi: Option<(Value, bool)>,
}

impl Interval {
    /// Whether every value is below `c` (`strict`: `< c`, else `<= c`).
    fn all_below(&self, c: &Value, strict: bool) -> bool {
        self.hi.as_ref().is_some_and(|(hi, included)| {
            order(hi, c).is_some_and(|o| o.is_lt() || (o.is_eq() && (!strict || !included)))
        })
    }

    /// Whether every value is above `c` (`strict`: `> c`, else `>= c`).
    fn all_above(&self, c: &Value, strict: bool) -> bool {
        self.lo.as_ref().is_some_and(|(lo, included)| {
            order(lo, c).is_some_and(|o| o.is_gt() || (o.is_eq() && (!strict || !included)))
        })
    }

    /// `x OP c` for every `x` of the interval.
    fn compare(&self, op: CompareOp, c: &Value) -> Truth {
        let (always, never) = match op {
            CompareOp::Lt => (self.all_below(c, true), self.all_above(c, false)),
            CompareOp::Le => (self.all_below(c, false), self.all_above(c, true)),
            CompareOp::Gt => (self.all_above(c, true), self.all_below(c, false)),
            CompareOp::Ge => (self.all_above(c, false), self.all_below(c, true)),
            CompareOp::Eq => (
                self.all_above(c, false) && self.all_below(c, false),
                self.all_below(c, true) || self.all_above(c, true),
            ),
            CompareOp::Ne => return self.compare(CompareOp::Eq, c).not(),
        };
        match (always, never) {
            (true, false) => Truth::Always,
            (false, true) => Truth::Never,
            _ => Truth::Unknown,
        }
    }

    /// A bound tighter than both: the larger lower bound, the smaller upper bound (an
    /// excluded bound is tighter than the same value included).
    fn tighten(&mut self, lo: &Option<(Value, bool)>, hi: &Option<(Value, bool)>) -> Option<()> {
        if let Some((value, included)) = lo {
            let tighter = match &self.lo {
                None => true,
                Some((current, current_included)) => {
                    let o = order(value, current)?;
                    o.is_gt() || (o.is_eq() && *current_included && !included)
                }
            };
            if tighter {
                self.lo = Some((value.clone(), *included));
            }
        }
        if let Some((value, included)) = hi {
            let tighter = match &self.hi {
                None => true,
                Some((current, current_included)) => {
                    let o = order(value, current)?;
                    o.is_lt() || (o.is_eq() && *current_included && !included)
                }
            };
            if tighter {
                self.hi = Some((value.clone(), *included));
            }
        }
        Some(())
    }
}

fn flipped(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Lt => CompareOp::Gt,
        CompareOp::Le => CompareOp::Ge,
        CompareOp::Gt => CompareOp::Lt,
        CompareOp::Ge => CompareOp::Le,
        other => other,
    }
}

/// What the analysis of one constraint needs: the program, the element of a constraint over
/// an input list (its slot and the list's field), and the refinements it used.
struct Scope<'p> {
    program: &'p Program,
    element: Option<(u32, &'p InputField, String)>,
    used: Vec<String>,
}

impl<'p> Scope<'p> {
    /// The input field an expression reads, with its path as written (`customer.discount`,
    /// `i.qty`); `None` where it reads anything else, or goes through an optional record.
    fn field(&self, e: &Expr) -> Option<(&'p InputField, String)> {
        match e {
            Expr::Input(i) => {
                let field = self.program.input.fields.get(*i as usize)?;
                Some((field, field.name.clone()))
            }
            Expr::Field(inner, j) => {
                let (fields, path) = match inner.as_ref() {
                    Expr::Local(slot) => {
                        let (element_slot, list, var) = self.element.as_ref()?;
                        // Elements that may be `none` have no fields to compare.
                        let Type::List(element) = list.ty.strip_optional() else {
                            return None;
                        };
                        if slot != element_slot || element.is_optional() {
                            return None;
                        }
                        (&list.fields, var.clone())
                    }
                    other => {
                        let (record, path) = self.field(other)?;
                        if record.ty.is_optional() {
                            return None;
                        }
                        (&record.fields, path)
                    }
                };
                let field = fields.get(*j as usize)?;
                Some((field, format!("{path}.{}", field.name)))
            }
            _ => None,
        }
    }

    /// The interval a refined, required number, percent or date field's values lie in.
    fn interval(&mut self, e: &Expr) -> Option<Interval> {
        let (field, path) = self.field(e)?;
        if !field.ty.is_ordered() {
            return None;
        }
        // A default that breaks the refinements would be a value outside them.
        if let Some(default) = &field.default
            && !field.refinements.iter().all(|r| r.holds(default))
        {
            return None;
        }
        let mut interval = Interval { lo: None, hi: None };
        let mut texts = Vec::new();
        for refinement in &field.refinements {
            if let RefinementKind::Bounds { lo, hi } = &refinement.kind {
                interval.tighten(lo, hi)?;
                texts.push(format!("{path} {}", refinement.text));
            }
        }
        if texts.is_empty() {
            return None;
        }
        for text in texts {
            if !self.used.contains(&text) {
                self.used.push(text);
            }
        }
        Some(interval)
    }

    /// `a OP b` where one side is a refined input and the other a constant.
    fn comparison(&mut self, op: CompareOp, a: &Expr, b: &Expr) -> Truth {
        if let Some(c) = constant(b)
            && let Some(interval) = self.interval(a)
        {
            return interval.compare(op, &c);
        }
        if let Some(c) = constant(a)
            && let Some(interval) = self.interval(b)
        {
            return interval.compare(flipped(op), &c);
        }
        Truth::Unknown
    }

    fn truth(&mut self, e: &Expr) -> Truth {
        match e {
            Expr::Const(Value::Bool(true)) => Truth::Always,
            Expr::Const(Value::Bool(false)) => Truth::Never,
            Expr::Not(inner) => self.truth(inner).not(),
            Expr::And(a, b) => {
                let a = self.truth(a);
                a.and(self.truth(b))
            }
            Expr::Or(a, b) => {
                let a = self.truth(a);
                a.or(self.truth(b))
            }
            Expr::Implies(a, b) => {
                let a = self.truth(a);
                a.not().or(self.truth(b))
            }
            Expr::Compare(op, a, b) => self.comparison(*op, a, b),
            Expr::InRange {
                value,
                lo,
                hi,
                half_open,
            } => {
                let upper = if *half_open {
                    CompareOp::Lt
                } else {
                    CompareOp::Le
                };
                let above = self.comparison(CompareOp::Ge, value, lo);
                above.and(self.comparison(upper, value, hi))
            }
            _ => Truth::Unknown,
        }
    }
}

/// The constraints the refinements decide. `findings` already holds what the finite-domain
/// check found; a constraint reported there is not reported again.
pub fn check(program: &Program, ast: &Ast, findings: &mut Vec<Finding>) {
    for c in &program.constraints {
        if findings
            .iter()
            .any(|f| f.rule == c.id && f.id.starts_with("constraint."))
        {
            continue;
        }
        let Some(decl) = ast.items.iter().find_map(|i| match i {
            Item::Constraint(d) if d.name.name == c.id => Some(d),
            _ => None,
        }) else {
            continue;
        };
        let element = match (&c.each, &decl.each) {
            (None, _) => None,
            (Some(each), Some(written)) => {
                let list = super::decisions::input_path(&each.collection)
                    .and_then(|path| super::decisions::field_at(program, &path));
                list.map(|list| (each.slot, list, written.var.name.clone()))
            }
            (Some(_), None) => continue,
        };
        let over = c.each.as_ref().map(|each| match &each.input_path {
            Some(path) => format!("`{path}`"),
            None => "its collection".to_string(),
        });
        let mut scope = Scope {
            program,
            element,
            used: Vec::new(),
        };
        let truth = scope.truth(&c.condition);
        let refinements = scope
            .used
            .iter()
            .map(|r| format!("`{r}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let finding = |id: &'static str, message: String| Finding {
            id,
            level: Level::Warning,
            rule: c.id.clone(),
            message,
            span: decl.span,
            example: None,
        };
        match (truth, &over) {
            (Truth::Always, None) => findings.push(finding(
                "constraint.always_holds",
                format!(
                    "constraint `{}` holds for every input its refinements allow ({refinements}): \
                     it can never fire",
                    c.id
                ),
            )),
            (Truth::Always, Some(path)) => findings.push(finding(
                "constraint.always_holds",
                format!(
                    "constraint `{}` holds for every element of {path} its refinements allow \
                     ({refinements}): it can never fire",
                    c.id
                ),
            )),
            (Truth::Never, None) => findings.push(finding(
                "constraint.contradicts_refinement",
                format!(
                    "constraint `{}` can never hold: the refinements ({refinements}) rule out \
                     every value it accepts, so every input violates it",
                    c.id
                ),
            )),
            (Truth::Never, Some(path)) => findings.push(finding(
                "constraint.contradicts_refinement",
                format!(
                    "constraint `{}` can never hold for an element of {path}: the refinements \
                     ({refinements}) rule out every value it accepts, so every element violates it",
                    c.id
                ),
            )),
            (Truth::Unknown, _) => {}
        }
    }
}
