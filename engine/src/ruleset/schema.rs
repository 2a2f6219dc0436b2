//! A read-only view of a compiled ruleset's interface — its input fields, outputs, named values,
//! enums and approval chains, with their types — for hosts that describe or convert what a
//! ruleset takes and gives (OpenAPI schemas, typed Python results) without seeing the IR.

use std::sync::Arc;

use super::Ruleset;
use crate::ir::{GlobalKind, InputField, Program, RefinementKind};
pub use crate::types::{EnumDef, EnumId, RecordType, Type};
use crate::value::Value;

/// The interface of a compiled ruleset (see [`Ruleset::schema`]).
#[derive(Debug, Clone, Copy)]
pub struct Schema<'r> {
    program: &'r Program,
}

/// One input field (spec §5), with its nested fields when it is a record.
#[derive(Debug, Clone, Copy)]
pub struct FieldView<'r> {
    program: &'r Program,
    field: &'r InputField,
}

/// A refinement of an input field (spec §20), with its bounds as the language writes values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefinementView<'r> {
    /// `in lo..hi`, `in lo..<hi`, `in >= lo`: each bound with whether it is included.
    Bounds {
        /// The lower bound, if any, and whether it is allowed.
        lo: Option<(String, bool)>,
        /// The upper bound, if any, and whether it is allowed.
        hi: Option<(String, bool)>,
    },
    /// `matching "REGEX"`: the whole text matches.
    Matching {
        /// The regular expression as written.
        pattern: &'r str,
    },
    /// `len lo..hi`: the number of characters or elements.
    Len {
        /// The least length.
        lo: u64,
        /// The greatest length, if any, and whether it is allowed.
        hi: Option<(u64, bool)>,
    },
}

/// A named value of the ruleset: a `let`, an output, a decision or a price block.
#[derive(Debug, Clone, Copy)]
pub struct ValueView<'r> {
    /// Its name.
    pub name: &'r str,
    /// Its type.
    pub ty: &'r Type,
    /// True for an `output`.
    pub is_output: bool,
    /// The subtotals of a price block (empty for other values).
    pub subtotals: &'r [Arc<str>],
    /// A price block's decimal places (its currency's ISO 4217 minor units) when its currency
    /// is a constant; `None` otherwise and for other values.
    pub minor_units: Option<u32>,
}

impl Ruleset {
    /// The ruleset's interface: input fields, outputs, named values, enums, approval chains.
    pub fn schema(&self) -> Schema<'_> {
        Schema {
            program: self.program(),
        }
    }
}

impl<'r> Schema<'r> {
    /// The top-level input fields, in declaration order.
    pub fn inputs(&self) -> impl Iterator<Item = FieldView<'r>> + 'r {
        let program = self.program;
        program
            .input
            .fields
            .iter()
            .map(move |field| FieldView { program, field })
    }

    /// The outputs, in declaration order.
    pub fn outputs(&self) -> impl Iterator<Item = ValueView<'r>> + 'r {
        let program = self.program;
        program
            .outputs
            .iter()
            .filter_map(move |id| program.global(*id))
            .map(value_view)
    }

    /// Every named value (lets, outputs, decisions, price blocks), in declaration order.
    pub fn values(&self) -> impl Iterator<Item = ValueView<'r>> + 'r {
        self.program.globals.iter().map(value_view)
    }

    /// The enums, indexed by the [`EnumId`] that [`Type::Enum`] and [`Type::Set`] hold.
    pub fn enums(&self) -> &'r [EnumDef] {
        &self.program.enums
    }

    /// The names of the approval chains, in declaration order.
    pub fn approval_chains(&self) -> impl Iterator<Item = &'r str> + 'r {
        self.program.approvals.iter().map(|a| a.name.as_str())
    }

    /// The roles the ruleset declares (`roles sales, finance`), in declaration order.
    pub fn roles(&self) -> impl Iterator<Item = &'r str> + 'r {
        self.program.roles.iter().map(String::as_str)
    }

    /// A type as the language writes it (`Optional<Region>`, `List<Int>`).
    pub fn type_name(&self, ty: &Type) -> String {
        ty.display(&self.program.enums).to_string()
    }
}

fn value_view(global: &crate::ir::Global) -> ValueView<'_> {
    ValueView {
        name: &global.name,
        ty: &global.ty,
        is_output: matches!(global.kind, GlobalKind::Output(_)),
        subtotals: match &global.kind {
            GlobalKind::Price(block) => &block.subtotals,
            _ => &[],
        },
        minor_units: match &global.kind {
            GlobalKind::Price(block) => block.minor_units,
            _ => None,
        },
    }
}

impl<'r> FieldView<'r> {
    /// The field's name.
    pub fn name(&self) -> &'r str {
        &self.field.name
    }

    /// The field's type.
    pub fn ty(&self) -> &'r Type {
        &self.field.ty
    }

    /// The field's type as the language writes it.
    pub fn type_name(&self) -> String {
        self.field.ty.display(&self.program.enums).to_string()
    }

    /// The fields of a record field, in declaration order (none for other fields).
    pub fn fields(&self) -> impl Iterator<Item = FieldView<'r>> + 'r {
        let program = self.program;
        self.field
            .fields
            .iter()
            .map(move |field| FieldView { program, field })
    }

    /// True when the field's type is `Optional<...>`.
    pub fn is_optional(&self) -> bool {
        matches!(self.field.ty, Type::Optional(_))
    }

    /// True when the field has a default.
    pub fn has_default(&self) -> bool {
        self.field.default.is_some()
    }

    /// The field's refinements (spec §20), in the order written.
    pub fn refinements(&self) -> impl Iterator<Item = (RefinementView<'r>, &'r str)> + 'r {
        let program = self.program;
        self.field.refinements.iter().map(move |refinement| {
            let bound = |bound: &Option<(crate::value::Value, bool)>| {
                bound.as_ref().map(|(value, inclusive)| {
                    (crate::ir::display::display(program, value), *inclusive)
                })
            };
            let view = match &refinement.kind {
                RefinementKind::Bounds { lo, hi } => RefinementView::Bounds {
                    lo: bound(lo),
                    hi: bound(hi),
                },
                RefinementKind::Matching { pattern, .. } => RefinementView::Matching { pattern },
                RefinementKind::Len { lo, hi } => RefinementView::Len { lo: *lo, hi: *hi },
            };
            (view, refinement.text.as_str())
        })
    }

    /// What a value that breaks one of the field's refinements is told (`else "message"`).
    pub fn refinement_message(&self) -> Option<&'r str> {
        self.field.message.as_deref()
    }

    /// The default value, if declared.
    pub(crate) fn default_value(&self) -> Option<&'r Value> {
        self.field.default.as_ref()
    }

    /// The program the field belongs to (for the JSON layer's writing of defaults).
    pub(crate) fn program(&self) -> &'r Program {
        self.program
    }
}
