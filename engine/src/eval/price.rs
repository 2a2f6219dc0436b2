//! Evaluating a price block into a quote (spec §11): lines in statement order, each amount
//! rounded to the currency's minor unit, subtotals and total as exact sums of rounded lines.

use std::collections::HashSet;
use std::sync::Arc;

use ordo_dsl::ast::LineKind;
use rust_decimal::Decimal;

use super::{Evaluator, Items, Truth};
use crate::error::{ErrorKind, EvalError, EvalResult};
use crate::ir::display::{self, display};
use crate::ir::pricing::{
    LineAmount, PriceBase, PriceBlock, PriceLine, PriceStatement, QUOTE_CURRENCY_FIELD,
    QUOTE_FIRST_SUBTOTAL_FIELD, QUOTE_TOTAL_FIELD,
};
use crate::ir::{Expr, GlobalId};
use crate::num;
use crate::value::Value;

/// A computed quote.
#[derive(Debug, Clone, PartialEq)]
pub struct Quote {
    /// The ISO 4217 code the amounts are in (`EUR`).
    pub currency: Arc<str>,
    /// The lines in statement order (a `for` gives one per element).
    pub lines: Vec<PricedLine>,
    /// Subtotals in declaration order; `None` when not known yet (partial evaluation).
    pub subtotals: Vec<(Arc<str>, Option<Decimal>)>,
    /// The exact sum of the rounded line amounts; `None` when not known yet (partial evaluation).
    pub total: Option<Decimal>,
}

/// One line of a quote.
#[derive(Debug, Clone, PartialEq)]
pub struct PricedLine {
    /// The line's id; under a `for`, with the element, position or key in brackets
    /// (`extra[heater]`, `unit[0]`).
    pub id: Arc<str>,
    /// `line`, `discount`, `surcharge` or `tax`; a discount's amount is negative.
    pub kind: LineKind,
    /// The label, interpolated.
    pub label: Arc<str>,
    /// `None` when not known yet (partial evaluation).
    pub amount: Option<Decimal>,
    /// `Q` of a `qty Q at U` line; `None` for other lines or when not known yet.
    pub quantity: Option<Decimal>,
    /// `U` of a `qty Q at U` line; `None` for other lines or when not known yet.
    pub unit_price: Option<Decimal>,
    /// How the amount was computed (`60 × 1850.00`, `8% of list 193800.00`); written only
    /// when the evaluation records a trace, empty otherwise.
    pub explain: String,
}

struct Running {
    lines: Vec<PricedLine>,
    /// Each subtotal's name and sum (the quote's own list, filled as the statements run).
    subtotals: Vec<(Arc<str>, Option<Decimal>)>,
    /// `None` once an unknown amount (or an unknown `when`) was met.
    total: Option<Decimal>,
    places: u32,
}

impl Evaluator<'_> {
    /// The value rules see of price block `id` (`quote.total`, `quote.lines`), from its quote.
    pub(super) fn price(&mut self, id: GlobalId, block: &PriceBlock) -> EvalResult<Value> {
        if self.quote(id).is_none() && !self.compute_quote(id, block)? {
            return Ok(Value::Unknown);
        }
        Ok(self.quote(id).map_or(Value::Unknown, quote_value))
    }

    /// Computes the quote of price block `id` into the evaluator's quotes; `false` when its
    /// currency is not known yet (partial evaluation).
    pub(super) fn compute_quote(&mut self, id: GlobalId, block: &PriceBlock) -> EvalResult<bool> {
        let currency = match self.eval(&block.currency)? {
            Value::Text(t) => t,
            Value::Unknown => return Ok(false),
            other => {
                return Err(EvalError::in_rule(
                    ErrorKind::InvalidValue,
                    &block.name,
                    format!(
                        "the currency must be a text, found {}",
                        display(self.program, &other)
                    ),
                ));
            }
        };
        let Some(places) = block.minor_units.or_else(|| num::minor_units(&currency)) else {
            return Err(EvalError::in_rule(
                ErrorKind::UnknownCurrency,
                &block.name,
                format!("`{currency}` is not an ISO 4217 currency code"),
            ));
        };
        let mut running = Running {
            // One line per statement, more under a `for` (grown then). Not more: a
            // quote's lines then stay within the allocator's fast size classes.
            lines: Vec::with_capacity(block.statements.len()),
            subtotals: block.subtotals.iter().map(|s| (s.clone(), None)).collect(),
            total: Some(Decimal::ZERO),
            places,
        };
        self.price_statements(block, &block.statements, &mut running)?;

        let quote = Quote {
            currency,
            lines: running.lines,
            subtotals: running.subtotals,
            total: running.total.map(num::normalize_zero),
        };
        self.quotes.push((id, quote));
        Ok(true)
    }

    fn price_statements(
        &mut self,
        block: &PriceBlock,
        statements: &[PriceStatement],
        running: &mut Running,
    ) -> EvalResult<()> {
        for statement in statements {
            match statement {
                PriceStatement::Subtotal(i) => {
                    if let Some((_, slot)) = running.subtotals.get_mut(*i as usize) {
                        *slot = running.total;
                    }
                }
                PriceStatement::For {
                    slot,
                    collection,
                    body,
                    id_slot,
                    key,
                    by_position,
                } => {
                    let Some(items) = Items::of(self.eval(collection)?) else {
                        // Not known yet (partial evaluation): nor are the lines it gives.
                        running.total = None;
                        continue;
                    };
                    // The keys met so far, to refuse a second element with one (a set: a long
                    // list would cost a scan of all the keys before it per element). `==` on
                    // values is `values_equal`, and their hash agrees with it.
                    let mut keys: HashSet<Value> = match key {
                        Some(_) => HashSet::with_capacity(items.len()),
                        None => HashSet::new(),
                    };
                    // Room for a line per statement of the body and element at once, rather
                    // than growing the quote's lines many times over a long list.
                    running
                        .lines
                        .reserve(items.len().saturating_mul(body.len()));
                    for (position, item) in items.iter().enumerate() {
                        self.with_local(*slot, item.clone(), |ev| {
                            let id_part = match key {
                                Some(key) => {
                                    let key = ev.eval(key).map_err(|e| e.or_rule(&block.name))?;
                                    if !keys.insert(key.clone()) {
                                        return Err(EvalError::in_rule(
                                            ErrorKind::DuplicateKey,
                                            &block.name,
                                            format!(
                                                "two elements have the key {}: line ids must be unique",
                                                display::quoted(ev.program, &key)
                                            ),
                                        ));
                                    }
                                    key
                                }
                                None if *by_position => Value::Number(Decimal::from(position)),
                                None => item,
                            };
                            ev.with_local(*id_slot, id_part, |ev| {
                                ev.price_statements(block, body, running)
                            })
                        })?;
                    }
                }
                PriceStatement::Line(line) => self.price_line(block, line, running)?,
            }
        }
        Ok(())
    }

    fn price_line(
        &mut self,
        block: &PriceBlock,
        line: &PriceLine,
        running: &mut Running,
    ) -> EvalResult<()> {
        let id = self.line_id(line);
        let in_line = |e: EvalError| e.or_rule(&format!("{}.{id}", block.name));
        if let Some(when) = &line.when {
            match self.truth(when).map_err(in_line)? {
                Truth::True => {}
                Truth::False => return Ok(()),
                Truth::Unknown | Truth::Other => {
                    // Whether this line exists is not known yet.
                    running.total = None;
                    return Ok(());
                }
            }
        }
        let label = match &line.label {
            // Most labels are fixed texts: shared, not evaluated.
            Expr::Const(Value::Text(t)) => t.clone(),
            label => match self.eval(label).map_err(in_line)? {
                Value::Text(t) => t,
                Value::Unknown => Arc::from(self.partial_text(&line.label).map_err(in_line)?),
                other => Arc::from(display(self.program, &other)),
            },
        };
        let mut quantity = None;
        let mut unit_price = None;
        // How the amount was computed is written out only for a trace.
        let trace = self.context.trace;
        let explain = |text: &dyn Fn() -> String| if trace { text() } else { String::new() };
        let (raw, explain) = match &line.amount {
            LineAmount::Amount(e) => {
                let v = self.eval_number(e).map_err(in_line)?;
                (
                    v,
                    v.map_or_else(String::new, |v| explain(&|| num::to_string(v))),
                )
            }
            LineAmount::QtyAt {
                qty,
                unit_price: unit,
            } => {
                let q = self.eval_number(qty).map_err(in_line)?;
                let u = self.eval_number(unit).map_err(in_line)?;
                quantity = q;
                unit_price = u;
                match (q, u) {
                    (Some(q), Some(u)) => (
                        Some(num::mul(q, u).map_err(in_line)?),
                        explain(&|| format!("{} × {}", num::to_string(q), num::to_string(u))),
                    ),
                    _ => (None, String::new()),
                }
            }
            LineAmount::PercentOf { rate, base } => {
                let rate = self.eval_number(rate).map_err(in_line)?;
                let (base_name, base_value) = match base {
                    PriceBase::Total => ("total", running.total),
                    PriceBase::Subtotal(i) => (
                        block.subtotals.get(*i as usize).map_or("", |s| &**s),
                        running.subtotals.get(*i as usize).and_then(|(_, v)| *v),
                    ),
                };
                match (rate, base_value) {
                    (Some(r), Some(b)) => (
                        Some(num::mul(r, b).map_err(in_line)?),
                        explain(&|| {
                            format!("{} of {base_name} {}", percent_text(r), num::to_string(b))
                        }),
                    ),
                    _ => (None, String::new()),
                }
            }
        };
        let amount = match raw {
            Some(raw) => {
                if line.kind == LineKind::Line && raw.is_sign_negative() && !raw.is_zero() {
                    return Err(EvalError::in_rule(
                        ErrorKind::InvalidValue,
                        format!("{}.{id}", block.name),
                        format!(
                            "the line `{id}` has a negative amount ({raw}); use a `discount` to lower a price"
                        ),
                    ));
                }
                let signed = if line.kind == LineKind::Discount {
                    num::neg(raw)
                } else {
                    raw
                };
                Some(num::round(signed, running.places, block.rounding))
            }
            None => None,
        };
        running.total = match (running.total, amount) {
            (Some(t), Some(a)) => Some(num::add(t, a).map_err(in_line)?),
            _ => None,
        };
        running.lines.push(PricedLine {
            id,
            kind: line.kind,
            label,
            amount,
            quantity,
            unit_price,
            explain,
        });
        Ok(())
    }

    /// A label while some of its parts are unknown (partial evaluation): the known parts
    /// written out, `?` for the others (`"? × gravel bike (m, ?)"`).
    fn partial_text(&mut self, e: &Expr) -> EvalResult<String> {
        let Expr::Text(pieces) = e else {
            return Ok(display(self.program, &Value::Unknown));
        };
        let mut out = String::new();
        for piece in pieces {
            match piece {
                crate::ir::TextPiece::Literal(s) => out.push_str(s),
                crate::ir::TextPiece::Value(e) => {
                    let value = self.eval(e)?;
                    display::display_into(&mut out, self.program, &value);
                }
            }
        }
        Ok(out)
    }

    /// A number, or `None` when unknown.
    fn eval_number(&mut self, e: &Expr) -> EvalResult<Option<Decimal>> {
        if let Some(Value::Number(n)) = self.ready(e) {
            return Ok(Some(*n));
        }
        let mut slot = Value::None;
        match self.operand_ref(e, &mut slot)? {
            Value::Number(n) => Ok(Some(*n)),
            Value::Unknown => Ok(None),
            Value::None => Err(EvalError::new(
                ErrorKind::InvalidValue,
                "an amount is absent (`none`)",
            )),
            other => Err(EvalError::new(
                ErrorKind::InvalidValue,
                format!("expected a number, found {other:?}"),
            )),
        }
    }

    /// `extra[heater]` inside `for e in extras`.
    fn line_id(&mut self, line: &PriceLine) -> Arc<str> {
        if line.id_slots.is_empty() {
            return line.id.clone();
        }
        let mut id = self.take_text_buffer();
        id.push_str(&line.id);
        for slot in &line.id_slots {
            id.push('[');
            match self.local(*slot) {
                Some(v) => display::display_into(&mut id, self.program, v),
                None => id.push('?'),
            }
            id.push(']');
        }
        let shared = Arc::from(id.as_str());
        self.text_buffer = id;
        shared
    }
}

/// The kind of a line as the text rules see (`quote.lines[0].kind`), shared, not allocated per
/// line.
fn kind_text(kind: LineKind) -> Arc<str> {
    static KINDS: std::sync::LazyLock<[Arc<str>; 4]> = std::sync::LazyLock::new(|| {
        [
            LineKind::Line,
            LineKind::Discount,
            LineKind::Surcharge,
            LineKind::Tax,
        ]
        .map(|k| Arc::from(k.as_str()))
    });
    let index = match kind {
        LineKind::Line => 0,
        LineKind::Discount => 1,
        LineKind::Surcharge => 2,
        LineKind::Tax => 3,
    };
    KINDS
        .get(index)
        .cloned()
        .unwrap_or_else(|| Arc::from(kind.as_str()))
}

/// `0.08` → `8%`.
fn percent_text(rate: Decimal) -> String {
    match rate.checked_mul(Decimal::ONE_HUNDRED) {
        Some(p) => format!("{}%", num::to_string(p.normalize())),
        None => num::to_string(rate),
    }
}

fn opt_number(n: Option<Decimal>) -> Value {
    n.map_or(Value::Unknown, Value::Number)
}

/// A field of a quote's value read off the quote itself (the currency, the total, a
/// subtotal), or `None` for the fields only the whole value holds (lines, the subtotals record).
pub(super) fn quote_field(quote: Option<&Quote>, index: u32) -> Option<Value> {
    let quote = quote?;
    match index {
        QUOTE_CURRENCY_FIELD => Some(Value::Text(quote.currency.clone())),
        QUOTE_TOTAL_FIELD => Some(opt_number(quote.total)),
        i => {
            let subtotal = i.checked_sub(QUOTE_FIRST_SUBTOTAL_FIELD)?;
            quote
                .subtotals
                .get(subtotal as usize)
                .map(|(_, v)| opt_number(*v))
        }
    }
}

/// The quote as the record value rules see (`quote.total`, `quote.net`, `quote.lines`): the
/// currency, the total, the lines, the subtotals as a record, then each subtotal.
fn quote_value(quote: &Quote) -> Value {
    let lines: Vec<Value> = quote
        .lines
        .iter()
        .map(|l| {
            Value::Record(Arc::from(vec![
                Value::Text(l.id.clone()),
                Value::Text(kind_text(l.kind)),
                Value::Text(l.label.clone()),
                opt_number(l.amount),
                l.quantity.map_or(Value::None, Value::Number),
                l.unit_price.map_or(Value::None, Value::Number),
            ]))
        })
        .collect();
    let subtotals: Vec<Value> = quote
        .subtotals
        .iter()
        .map(|(_, v)| opt_number(*v))
        .collect();
    let mut fields = vec![
        Value::Text(quote.currency.clone()),
        opt_number(quote.total),
        Value::List(Arc::from(lines)),
        Value::Record(Arc::from(subtotals.clone())),
    ];
    fields.extend(subtotals);
    Value::Record(Arc::from(fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_minor_units() {
        assert_eq!(num::minor_units("EUR"), Some(2));
        assert_eq!(num::minor_units("JPY"), Some(0));
        assert_eq!(num::minor_units("KWD"), Some(3));
        assert_eq!(num::minor_units("BHD"), Some(3));
        assert_eq!(num::minor_units("CHF"), Some(2));
        assert_eq!(num::minor_units("ABC"), None);
    }

    #[test]
    fn percent_labels() {
        assert_eq!(percent_text(Decimal::new(8, 2)), "8%");
        assert_eq!(percent_text(Decimal::new(81, 3)), "8.1%");
    }
}
