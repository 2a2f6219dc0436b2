//! The finite-domain input fields a configurator offers (enums, Bools, sets of enum values,
//! nested ones too), and reading or replacing one field's value in an input.

use std::sync::Arc;

use crate::ir::{InputField, Program};
use crate::types::{EnumId, Type};
use crate::value::Value;

/// What kind of choice a field is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    Bool,
    Enum(EnumId),
    /// A `Set<E>`: each option is one element that may be added.
    Set(EnumId),
}

/// One finite-domain field: its dotted path, where it sits in the input, and its domain.
#[derive(Debug, Clone)]
pub struct FiniteField<'p> {
    pub path: String,
    /// Field indexes from the top of the input down to this field.
    pub indexes: Vec<usize>,
    pub field: &'p InputField,
    pub domain: Domain,
}

impl FiniteField<'_> {
    /// The number of options the field offers.
    pub fn option_count(&self, program: &Program) -> usize {
        match self.domain {
            Domain::Bool => 2,
            Domain::Enum(e) | Domain::Set(e) => enum_len(program, e),
        }
    }

    /// Option `i` as a value: `true`/`false`, the i-th enum value, or (for sets) the element.
    pub fn option(&self, i: usize) -> Value {
        match self.domain {
            Domain::Bool => Value::Bool(i == 0),
            Domain::Enum(e) | Domain::Set(e) => Value::Enum(e, i as u32),
        }
    }

    /// Every complete value of the field: its options, or for a set every subset (`None` for
    /// sets of more than `max_set` elements, which are not enumerated).
    pub fn all_values(&self, program: &Program, max_set: usize) -> Option<Vec<Value>> {
        let count = self.option_count(program);
        match self.domain {
            Domain::Bool | Domain::Enum(_) => Some((0..count).map(|i| self.option(i)).collect()),
            Domain::Set(e) if count <= max_set => Some(
                (0u32..(1u32 << count))
                    .map(|mask| {
                        let members: Vec<u32> =
                            (0..count as u32).filter(|b| mask & (1 << b) != 0).collect();
                        Value::Set(e, Arc::from(members))
                    })
                    .collect(),
            ),
            Domain::Set(_) => None,
        }
    }

    /// The input value with option `i` chosen; for sets, `current` plus the element (the other
    /// elements stay unknown when the set itself is not chosen yet).
    pub fn with_option(&self, i: usize, current: &Value) -> Value {
        match (self.domain, current) {
            (Domain::Set(e), Value::Set(_, members)) => {
                Value::Set(e, with_member(members, i as u32))
            }
            (Domain::Set(e), Value::PartialSet(_, members)) => {
                Value::PartialSet(e, with_member(members, i as u32))
            }
            (Domain::Set(e), _) => Value::PartialSet(e, Arc::from(vec![i as u32])),
            _ => self.option(i),
        }
    }
}

fn with_member(members: &[u32], element: u32) -> Arc<[u32]> {
    let mut all: Vec<u32> = members.to_vec();
    if let Err(at) = all.binary_search(&element) {
        all.insert(at, element);
    }
    Arc::from(all)
}

fn enum_len(program: &Program, e: EnumId) -> usize {
    program.enums.get(e as usize).map_or(0, |d| d.values.len())
}

/// Every finite-domain field in declaration order, nested record fields in place.
pub fn finite_fields(program: &Program) -> Vec<FiniteField<'_>> {
    let mut out = Vec::new();
    collect(&program.input.fields, "", &mut Vec::new(), &mut out);
    out
}

fn collect<'p>(
    fields: &'p [InputField],
    prefix: &str,
    indexes: &mut Vec<usize>,
    out: &mut Vec<FiniteField<'p>>,
) {
    for (i, field) in fields.iter().enumerate() {
        let path = if prefix.is_empty() {
            field.name.clone()
        } else {
            format!("{prefix}.{}", field.name)
        };
        indexes.push(i);
        let domain = match field.ty.strip_optional() {
            Type::Bool => Some(Domain::Bool),
            Type::Enum(e) => Some(Domain::Enum(*e)),
            Type::Set(e) => Some(Domain::Set(*e)),
            Type::Record(_) => {
                collect(&field.fields, &path, indexes, out);
                None
            }
            _ => None,
        };
        if let Some(domain) = domain {
            out.push(FiniteField {
                path,
                indexes: indexes.clone(),
                field,
                domain,
            });
        }
        indexes.pop();
    }
}

/// The value at `indexes` (unknown when an enclosing record is not known).
pub fn get_path(inputs: &[Value], indexes: &[usize]) -> Value {
    let Some((first, rest)) = indexes.split_first() else {
        return Value::Unknown;
    };
    let mut value = inputs.get(*first).cloned().unwrap_or(Value::Unknown);
    for i in rest {
        value = match &value {
            Value::Record(fields) => fields.get(*i).cloned().unwrap_or(Value::Unknown),
            _ => Value::Unknown,
        };
    }
    value
}

/// `inputs` with the value at `indexes` replaced; an unknown enclosing record becomes a record
/// of unknown fields around the new value.
pub fn set_path(program: &Program, inputs: &mut [Value], indexes: &[usize], value: Value) {
    let Some((first, rest)) = indexes.split_first() else {
        return;
    };
    let Some(field) = program.input.fields.get(*first) else {
        return;
    };
    if let Some(slot) = inputs.get_mut(*first) {
        *slot = replaced(slot, &field.fields, rest, value);
    }
}

fn replaced(current: &Value, fields: &[InputField], indexes: &[usize], value: Value) -> Value {
    let Some((first, rest)) = indexes.split_first() else {
        return value;
    };
    let mut members: Vec<Value> = match current {
        Value::Record(members) => members.to_vec(),
        _ => vec![Value::Unknown; fields.len()],
    };
    let nested = fields.get(*first).map_or(&[][..], |f| f.fields.as_slice());
    if let Some(slot) = members.get_mut(*first) {
        *slot = replaced(slot, nested, rest, value);
    }
    Value::Record(Arc::from(members))
}
