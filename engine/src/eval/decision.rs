//! Evaluating a decision table: the index narrows the rows, each candidate row's tests run
//! with three-valued logic, and the hit policy turns the matches into a value.

use std::sync::Arc;

use ordo_dsl::ast::HitPolicy;
use rust_decimal::Decimal;
use smallvec::SmallVec;

use super::{Evaluator, compare, values_equal};
use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::ir::display::quoted;
use crate::ir::{CompareOp, Decision, Test};
use crate::num;
use crate::value::Value;

impl Evaluator<'_> {
    /// Evaluates a decision; `rows` receives the matched (row number, line) pairs for the trace.
    pub(super) fn decision(
        &mut self,
        name: &str,
        d: &Decision,
        rows: &mut Vec<(usize, usize)>,
    ) -> EvalResult<Value> {
        crate::cancel::check()?;
        // Tables have a few input columns and, under `first`, one match: both stay on the stack.
        let mut inputs: SmallVec<[Value; 4]> = SmallVec::with_capacity(d.inputs.len());
        for input in &d.inputs {
            inputs.push(self.operand(input)?);
        }
        // The columns whose indexes chose the rows already hold for each of them. (The rows
        // are taken one at a time from either source, read in place: an adapter over them
        // would copy the candidates' state.)
        let mut indexed = d.index.candidate_rows(&inputs);
        let covered = indexed.as_ref().map_or(0, |rows| rows.covered());
        let mut every_row = 0..d.rows.len();
        // Rows that match for sure, and rows that may match (partial inputs).
        let mut matched: SmallVec<[usize; 4]> = SmallVec::new();
        let mut maybe: Vec<usize> = Vec::new();
        loop {
            let next = match &mut indexed {
                Some(rows) => rows.next().map(|r| r as usize),
                None => every_row.next(),
            };
            let Some(r) = next else { break };
            let Some(row) = d.rows.get(r) else { continue };
            match self.row_matches(&row.tests, &inputs, covered)? {
                Some(true) => {
                    matched.push(r);
                    if d.hit == HitPolicy::First {
                        break;
                    }
                }
                Some(false) => {}
                None => maybe.push(r),
            }
        }
        if !maybe.is_empty() {
            return self.partial_decision(d, &matched, &maybe);
        }
        if self.context.trace {
            rows.extend(
                matched
                    .iter()
                    .map(|r| (r + 1, d.rows.get(*r).map_or(0, |row| row.line))),
            );
        }
        let describe = |ev: &Evaluator<'_>| -> String {
            d.input_names
                .iter()
                .zip(&inputs)
                .map(|(n, v)| format!("{n} = {}", quoted(ev.program, v)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let lines = |rs: &[usize]| {
            rs.iter()
                .map(|r| d.rows.get(*r).map_or(0, |row| row.line).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match d.hit {
            HitPolicy::Unique | HitPolicy::First | HitPolicy::Any => {
                let Some(first) = matched.first() else {
                    return Err(EvalError::in_rule(
                        ErrorKind::NoMatch,
                        name,
                        format!("no row of decision `{name}` matches ({})", describe(self)),
                    )
                    .with_hint("add a row for this case, or a final catch-all row of `-`"));
                };
                let value = self.row_value(d, *first)?;
                if d.hit == HitPolicy::Unique && matched.len() > 1 {
                    return Err(EvalError::in_rule(
                        ErrorKind::MultipleMatches,
                        name,
                        format!(
                            "{} rows of decision `{name}` match (lines {}) for {}",
                            matched.len(),
                            lines(&matched),
                            describe(self)
                        ),
                    )
                    .with_hint("make the rows exclusive, or use `hit first`"));
                }
                if d.hit == HitPolicy::Any {
                    for other in matched.iter().skip(1) {
                        if !values_equal(&self.row_value(d, *other)?, &value) {
                            return Err(EvalError::in_rule(
                                ErrorKind::MultipleMatches,
                                name,
                                format!(
                                    "rows of decision `{name}` with different outputs match (lines {}) for {}",
                                    lines(&matched),
                                    describe(self)
                                ),
                            ));
                        }
                    }
                }
                Ok(value)
            }
            HitPolicy::Collect => {
                let values = matched
                    .iter()
                    .map(|r| self.row_value(d, *r))
                    .collect::<EvalResult<Vec<_>>>()?;
                Ok(Value::List(Arc::from(values)))
            }
            HitPolicy::CollectCount => Ok(Value::Number(Decimal::from(matched.len() as i64))),
            HitPolicy::CollectSum => {
                let mut total = Decimal::ZERO;
                for r in &matched {
                    if let Value::Number(n) = self.row_value(d, *r)? {
                        total = num::add(total, n)?;
                    }
                }
                Ok(Value::Number(total))
            }
            HitPolicy::CollectMin | HitPolicy::CollectMax => {
                let op = if d.hit == HitPolicy::CollectMin {
                    CompareOp::Lt
                } else {
                    CompareOp::Gt
                };
                let mut best: Option<Value> = None;
                for r in &matched {
                    let v = self.row_value(d, *r)?;
                    best = Some(match best {
                        Some(b) if !compare(op, &v, &b)? => b,
                        _ => v,
                    });
                }
                Ok(best.unwrap_or(Value::None))
            }
        }
    }

    /// With unknown inputs the value is known only when every row that could match agrees.
    fn partial_decision(
        &mut self,
        d: &Decision,
        matched: &[usize],
        maybe: &[usize],
    ) -> EvalResult<Value> {
        if !matches!(d.hit, HitPolicy::First | HitPolicy::Any | HitPolicy::Unique) {
            return Ok(Value::Unknown);
        }
        // Under `first`, only the rows before the first sure match could win.
        let cut = match (d.hit, matched.first()) {
            (HitPolicy::First, Some(first)) => *first,
            _ => usize::MAX,
        };
        if d.hit == HitPolicy::Unique && matched.len() > 1 {
            return Ok(Value::Unknown);
        }
        let mut contenders: Vec<usize> = maybe.iter().copied().filter(|r| *r < cut).collect();
        contenders.extend(matched.first().copied());
        let Some(first) = contenders.first().copied() else {
            return Ok(Value::Unknown);
        };
        if matched.is_empty() {
            // No row is sure to match: the table may have no match at all.
            return Ok(Value::Unknown);
        }
        let value = match self.row_value(d, first) {
            Ok(v) => v,
            Err(_) => return Ok(Value::Unknown),
        };
        for r in contenders.iter().skip(1) {
            match self.row_value(d, *r) {
                Ok(v) if values_equal(&v, &value) => {}
                _ => return Ok(Value::Unknown),
            }
        }
        if d.hit == HitPolicy::Unique && !contenders.is_empty() && contenders.len() > 1 {
            // Two rows could both match: that would be an error, not a value.
            return Ok(Value::Unknown);
        }
        Ok(value)
    }

    fn row_value(&mut self, d: &Decision, row: usize) -> EvalResult<Value> {
        match d.rows.get(row) {
            Some(row) => self.eval(&row.value),
            None => Ok(Value::None),
        }
    }

    /// Some(true) if every test passes, Some(false) if one fails, None if it depends on unknowns;
    /// the columns in `covered` (bit `i` for column `i`) are known to pass.
    fn row_matches(
        &mut self,
        tests: &[Test],
        inputs: &[Value],
        covered: u64,
    ) -> EvalResult<Option<bool>> {
        let mut unknown = false;
        for (column, (test, value)) in tests.iter().zip(inputs).enumerate() {
            if column < 64 && covered & (1 << column) != 0 {
                continue;
            }
            match self.test(test, value)? {
                Some(true) => {}
                Some(false) => return Ok(Some(false)),
                None => unknown = true,
            }
        }
        Ok(if unknown { None } else { Some(true) })
    }

    fn test(&mut self, test: &Test, value: &Value) -> EvalResult<Option<bool>> {
        if matches!(test, Test::Any) {
            return Ok(Some(true));
        }
        if value.is_unknown() {
            return Ok(None);
        }
        Ok(Some(match test {
            Test::Any => true,
            Test::IsNone => matches!(value, Value::None),
            Test::OneOf(options) => {
                for o in options {
                    let owned;
                    let o = in_place!(self, o, owned);
                    if o.is_unknown() {
                        return Ok(None);
                    }
                    if values_equal(o, value) {
                        return Ok(Some(true));
                    }
                }
                false
            }
            Test::Compare(op, bound) => {
                let owned;
                let bound = in_place!(self, bound, owned);
                if bound.is_unknown() {
                    return Ok(None);
                }
                if matches!(value, Value::None) {
                    return Ok(Some(*op == CompareOp::Ne && !matches!(bound, Value::None)));
                }
                compare(*op, value, bound)?
            }
            Test::Range { lo, hi, half_open } => {
                // Cells are mostly constants: read them in place.
                let (lo_owned, hi_owned);
                let lo = in_place!(self, lo, lo_owned);
                let hi = in_place!(self, hi, hi_owned);
                if lo.is_unknown() || hi.is_unknown() {
                    return Ok(None);
                }
                if matches!(value, Value::None) {
                    return Ok(Some(false));
                }
                compare(CompareOp::Ge, value, lo)?
                    && compare(
                        if *half_open {
                            CompareOp::Lt
                        } else {
                            CompareOp::Le
                        },
                        value,
                        hi,
                    )?
            }
        }))
    }
}
