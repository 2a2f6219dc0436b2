//! The static types of the language (spec §4) and the enum and record definitions they refer to.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// Index of an enum in [`crate::ir::Program::enums`].
pub type EnumId = u32;

/// A static type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Type {
    /// `true` or `false`.
    Bool,
    /// A decimal with scale 0.
    Int,
    /// An exact decimal (`rust_decimal`, 28 significant digits).
    Decimal,
    /// A decimal fraction (`12%` is 0.12).
    Percent,
    /// Unicode text.
    Text,
    /// A calendar date (`2026-03-01`).
    Date,
    /// An instant in UTC (RFC 3339 in JSON).
    DateTime,
    /// A length of time (`3 days`, `12 hours`).
    Duration,
    /// A value of one enum declaration.
    Enum(EnumId),
    /// A record: named fields, each with its own type.
    Record(Arc<RecordType>),
    /// `List<T>`: an ordered list of values of one type.
    List(Box<Type>),
    /// A set of values of one enum.
    Set(EnumId),
    /// `T?`: a value of the inner type or `none`.
    Optional(Box<Type>),
    /// The type of the literal `none` before it meets an optional.
    None,
    /// A type that could not be determined because of an earlier error, or an empty collection
    /// literal: compatible with everything, so one mistake is reported once.
    Unknown,
}

/// The fields of a record type, in declaration order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordType {
    /// Each field's name and type, in declaration order.
    pub fields: Vec<(String, Type)>,
}

impl RecordType {
    /// The index and type of a field.
    pub fn field(&self, name: &str) -> Option<(usize, &Type)> {
        self.fields
            .iter()
            .enumerate()
            .find(|(_, (n, _))| n == name)
            .map(|(i, (_, t))| (i, t))
    }
}

/// An enum declaration: its name and its values in declaration order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumDef {
    /// The enum's name (`Model`).
    pub name: String,
    /// The value names in declaration order; a value's position here is its index in
    /// [`Value::Enum`](crate::Value::Enum).
    pub values: Vec<String>,
}

impl Type {
    /// Int, Decimal and Percent: the types arithmetic works on.
    pub fn is_numeric(&self) -> bool {
        matches!(
            self,
            Type::Int | Type::Decimal | Type::Percent | Type::Unknown
        )
    }

    /// The types of one value written as one text or number (what a JSON scalar or a data
    /// file's cell holds): not records, lists, sets or optionals.
    pub fn is_scalar(&self) -> bool {
        matches!(
            self,
            Type::Bool
                | Type::Int
                | Type::Decimal
                | Type::Percent
                | Type::Text
                | Type::Date
                | Type::DateTime
                | Type::Duration
                | Type::Enum(_)
        )
    }

    /// Numbers, percents, dates, instants and durations: the types a range bound orders.
    pub fn is_ordered(&self) -> bool {
        matches!(
            self,
            Type::Int
                | Type::Decimal
                | Type::Percent
                | Type::Date
                | Type::DateTime
                | Type::Duration
        )
    }

    /// The type without an optional wrapper.
    pub fn strip_optional(&self) -> &Type {
        match self {
            Type::Optional(inner) => inner,
            other => other,
        }
    }

    /// Whether `none` fits: an optional type, or the type of `none` itself.
    pub fn is_optional(&self) -> bool {
        matches!(self, Type::Optional(_) | Type::None)
    }

    /// Wraps in an optional unless it already is one.
    pub fn optional(self) -> Type {
        match self {
            Type::Optional(_) | Type::Unknown => self,
            Type::None => Type::Optional(Box::new(Type::Unknown)),
            other => Type::Optional(Box::new(other)),
        }
    }

    /// Whether a value of type `self` may be used where `expected` is wanted (Int widens to
    /// Decimal and Percent; Decimal and Percent mix; a plain value fits an optional).
    pub fn fits(&self, expected: &Type) -> bool {
        match (self, expected) {
            (Type::Unknown, _) | (_, Type::Unknown) => true,
            (a, b) if a.is_numeric() && b.is_numeric() => {
                !matches!(b, Type::Int) || matches!(a, Type::Int)
            }
            (Type::None, Type::Optional(_)) => true,
            (Type::Optional(a), Type::Optional(b)) => a.fits(b),
            (a, Type::Optional(b)) => a.fits(b),
            (Type::List(a), Type::List(b)) => a.fits(b),
            (Type::Record(a), Type::Record(b)) => {
                a.fields.len() == b.fields.len()
                    && a.fields
                        .iter()
                        .zip(&b.fields)
                        .all(|((na, ta), (nb, tb))| na == nb && ta.fits(tb))
            }
            (a, b) => a == b,
        }
    }

    /// The common type of two branches (`if`, `match`, table rows), if there is one.
    pub fn unify(&self, other: &Type) -> Option<Type> {
        match (self, other) {
            (Type::Unknown, t) | (t, Type::Unknown) => Some(t.clone()),
            (Type::Int, Type::Int) => Some(Type::Int),
            (Type::Percent, Type::Percent) => Some(Type::Percent),
            (a, b) if a.is_numeric() && b.is_numeric() => {
                // A percent mixed with a plain number is a plain number; Int with Percent
                // stays a percent (`0` in a rate column).
                if matches!(
                    (a, b),
                    (Type::Int, Type::Percent) | (Type::Percent, Type::Int)
                ) {
                    Some(Type::Percent)
                } else {
                    Some(Type::Decimal)
                }
            }
            (Type::None, t) | (t, Type::None) => Some(t.clone().optional()),
            (Type::Optional(a), b) | (b, Type::Optional(a)) => {
                a.unify(b.strip_optional()).map(Type::optional)
            }
            (Type::List(a), Type::List(b)) => a.unify(b).map(|t| Type::List(Box::new(t))),
            (a, b) if a.fits(b) && b.fits(a) => Some(a.clone()),
            _ => None,
        }
    }

    /// A name for messages, with enum names resolved.
    pub fn display<'a>(&'a self, enums: &'a [EnumDef]) -> TypeDisplay<'a> {
        TypeDisplay { ty: self, enums }
    }
}

/// Formats a type with its enum names.
pub struct TypeDisplay<'a> {
    ty: &'a Type,
    enums: &'a [EnumDef],
}

impl fmt::Display for TypeDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let enum_name = |id: &EnumId| {
            self.enums
                .get(*id as usize)
                .map_or("?", |e| e.name.as_str())
                .to_string()
        };
        match self.ty {
            Type::Bool => f.write_str("Bool"),
            Type::Int => f.write_str("Int"),
            Type::Decimal => f.write_str("Decimal"),
            Type::Percent => f.write_str("Percent"),
            Type::Text => f.write_str("Text"),
            Type::Date => f.write_str("Date"),
            Type::DateTime => f.write_str("DateTime"),
            Type::Duration => f.write_str("Duration"),
            Type::Enum(id) => f.write_str(&enum_name(id)),
            Type::Record(r) => {
                f.write_str("{ ")?;
                for (i, (name, ty)) in r.fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{name}: {}", ty.display(self.enums))?;
                }
                f.write_str(" }")
            }
            Type::List(t) => write!(f, "List<{}>", t.display(self.enums)),
            Type::Set(id) => write!(f, "Set<{}>", enum_name(id)),
            Type::Optional(t) => write!(f, "{}?", t.display(self.enums)),
            Type::None => f.write_str("none"),
            Type::Unknown => f.write_str("unknown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_widens_but_decimal_does_not_narrow() {
        assert!(Type::Int.fits(&Type::Decimal));
        assert!(Type::Percent.fits(&Type::Decimal));
        assert!(!Type::Decimal.fits(&Type::Int));
        assert!(Type::Int.fits(&Type::Optional(Box::new(Type::Decimal))));
        assert!(!Type::Text.fits(&Type::Decimal));
    }

    #[test]
    fn branches_unify_to_the_wider_type() {
        assert_eq!(Type::Int.unify(&Type::Decimal), Some(Type::Decimal));
        assert_eq!(Type::Int.unify(&Type::Percent), Some(Type::Percent));
        assert_eq!(
            Type::None.unify(&Type::Text),
            Some(Type::Optional(Box::new(Type::Text)))
        );
        assert_eq!(Type::Text.unify(&Type::Bool), None);
    }
}
