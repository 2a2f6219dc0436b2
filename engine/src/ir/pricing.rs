//! Price blocks (spec §11): the compiled form, and the evaluation that turns it into a quote
//! whose rounded lines add up exactly to its subtotals and total.

use serde::{Deserialize, Serialize};

use ordo_dsl::ast::{LineKind, RoundingMode};

use crate::ir::Expr;

/// A compiled `price` block.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PriceBlock {
    pub name: String,
    pub currency: Expr,
    /// The currency's minor units when it is a constant (looked up once, when compiling).
    pub minor_units: Option<u32>,
    pub rounding: RoundingMode,
    pub statements: Vec<PriceStatement>,
    /// Subtotal ids in declaration order (the quote record has one field for each).
    pub subtotals: Vec<std::sync::Arc<str>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum PriceStatement {
    Line(PriceLine),
    /// Records the running sum under this subtotal (index into `subtotals`).
    Subtotal(u32),
    /// One pass of the body per element, the element bound to local `slot` and its part of
    /// the line ids to `id_slot`: its `key`, its position when `by_position` (a list), else
    /// the element itself (a set).
    For {
        slot: u32,
        collection: Expr,
        body: Vec<PriceStatement>,
        id_slot: u32,
        key: Option<Expr>,
        by_position: bool,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PriceLine {
    pub kind: LineKind,
    pub id: std::sync::Arc<str>,
    /// The local slots of the enclosing `for` loops' id parts, so the id becomes `extra[heater]`.
    pub id_slots: Vec<u32>,
    pub label: Expr,
    pub amount: LineAmount,
    pub when: Option<Expr>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum LineAmount {
    Amount(Expr),
    QtyAt { qty: Expr, unit_price: Expr },
    PercentOf { rate: Expr, base: PriceBase },
}

/// What `P of S` is a percentage of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PriceBase {
    /// The sum of all lines so far.
    Total,
    /// A subtotal recorded earlier (index into `subtotals`).
    Subtotal(u32),
}

/// Field positions of the quote record: `currency`, `total`, `lines`, `subtotals`, then one per subtotal.
pub const QUOTE_FIXED_FIELDS: [&str; 4] = ["currency", "total", "lines", "subtotals"];
/// The position of `currency` in the quote record.
pub const QUOTE_CURRENCY_FIELD: u32 = 0;
/// The position of `total` in the quote record.
pub const QUOTE_TOTAL_FIELD: u32 = 1;
/// The position of the first subtotal's own field in the quote record.
pub const QUOTE_FIRST_SUBTOTAL_FIELD: u32 = QUOTE_FIXED_FIELDS.len() as u32;

/// Field names of a line record.
pub const LINE_FIELDS: [&str; 6] = ["id", "kind", "label", "amount", "quantity", "unit_price"];
