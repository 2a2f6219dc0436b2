//! Stage 2: the input schema (spec §5, §20) — field types, nested records (also inside lists and
//! named types, so their defaults and refinements apply to every element), defaults, which must
//! be constants of the field's type, refinements and enum fallbacks.

use ordo_dsl::ast::{self, RefinementKind as AstRefinement};
use ordo_dsl::{Diagnostic, DiagnosticKind, Span};

use super::Lowerer;
use crate::ir::{Expr, InputField, InputSchema, Refinement, RefinementKind};
use crate::types::Type;
use crate::value::Value;

pub(super) fn lower_schema(lowerer: &mut Lowerer<'_>) -> InputSchema {
    let fields: Vec<&ast::FieldDecl> = lowerer.sym.input_fields.clone();
    let fields: Vec<InputField> = fields
        .into_iter()
        .map(|f| lower_field(lowerer, f))
        .collect();
    InputSchema { fields }
}

fn lower_field<'a>(lowerer: &mut Lowerer<'a>, field: &'a ast::FieldDecl) -> InputField {
    let ty = lowerer.sym.resolve_type(&field.ty, &mut lowerer.diags);
    let fields = match lowerer.sym.record_decl_of(&field.ty) {
        Some(nested) => nested.iter().map(|f| lower_field(lowerer, f)).collect(),
        None => Vec::new(),
    };
    let default = field.default.as_ref().and_then(|expr| {
        constant(
            lowerer,
            expr,
            &ty,
            &format!("the default of `{}`", field.name.name),
        )
    });
    let refinements = field
        .refinements
        .iter()
        .filter_map(|r| refinement(lowerer, r, &ty, &field.name.name))
        .collect();
    let fallback = field.fallback.as_ref().and_then(|expr| {
        if !matches!(ty.strip_optional(), Type::Enum(_)) {
            lowerer.error(Diagnostic::new(
                DiagnosticKind::TypeMismatch,
                expr.span,
                format!(
                    "`fallback` is for enum fields; `{}` is {}",
                    field.name.name,
                    lowerer.show(&ty)
                ),
            ));
            return None;
        }
        constant(lowerer, expr, ty.strip_optional(), "the fallback")
    });
    let lowered = InputField {
        name: field.name.name.clone(),
        ty,
        default,
        fields,
        refinements,
        message: field.message.as_ref().map(|m| m.value.clone()),
        fallback,
        keeps_order: false,
    };
    if let (Some(default), Some(expr)) = (&lowered.default, &field.default)
        && let Some((_, message)) = lowered.broken_refinement(default, &field.name.name)
    {
        lowerer.error(
            Diagnostic::new(
                DiagnosticKind::Invalid,
                expr.span,
                format!("the default of `{}` breaks its refinement", field.name.name),
            )
            .with_hint(message),
        );
    }
    lowered
}

/// A constant of type `ty` written at `expr` (a default, a fallback, a bound), or a diagnostic.
fn constant(lowerer: &mut Lowerer<'_>, expr: &ast::Expr, ty: &Type, what: &str) -> Option<Value> {
    let (lowered, found) = lowerer.expr(expr, Some(ty));
    if !found.fits(ty) {
        let msg = format!(
            "{what} is {}, but the field is {}",
            lowerer.show(&found),
            lowerer.show(ty)
        );
        lowerer.error(Diagnostic::new(
            DiagnosticKind::TypeMismatch,
            expr.span,
            msg,
        ));
        return None;
    }
    match lowered {
        Expr::Const(value) => Some(value),
        _ => {
            lowerer.error(Diagnostic::new(
                DiagnosticKind::Invalid,
                expr.span,
                format!("{what} must be a constant"),
            ));
            None
        }
    }
}

/// A refinement checked against the field's type.
fn refinement(
    lowerer: &mut Lowerer<'_>,
    r: &ast::Refinement,
    ty: &Type,
    field: &str,
) -> Option<Refinement> {
    let text = r.span.text(lowerer.source).to_string();
    let inner = ty.strip_optional().clone();
    let mismatch = |lowerer: &mut Lowerer<'_>, what: &str| {
        let msg = format!("`{text}` needs {what}; `{field}` is {}", lowerer.show(ty));
        lowerer.error(Diagnostic::new(DiagnosticKind::TypeMismatch, r.span, msg));
        None
    };
    let kind = match &r.kind {
        AstRefinement::Range { lo, hi, half_open } => {
            if !ordered(&inner) {
                return mismatch(lowerer, "a number, a percent or a date");
            }
            let lo = constant(lowerer, lo, &inner, "a bound")?;
            let hi = match hi {
                Some(hi) => Some((constant(lowerer, hi, &inner, "a bound")?, !half_open)),
                None => None,
            };
            RefinementKind::Bounds {
                lo: Some((lo, true)),
                hi,
            }
        }
        AstRefinement::Compare { op, bound } => {
            if !ordered(&inner) {
                return mismatch(lowerer, "a number, a percent or a date");
            }
            let bound = constant(lowerer, bound, &inner, "a bound")?;
            match op {
                ast::CompareOp::Ge => RefinementKind::Bounds {
                    lo: Some((bound, true)),
                    hi: None,
                },
                ast::CompareOp::Gt => RefinementKind::Bounds {
                    lo: Some((bound, false)),
                    hi: None,
                },
                ast::CompareOp::Le => RefinementKind::Bounds {
                    lo: None,
                    hi: Some((bound, true)),
                },
                _ => RefinementKind::Bounds {
                    lo: None,
                    hi: Some((bound, false)),
                },
            }
        }
        AstRefinement::Matching(pattern) => {
            if !matches!(inner, Type::Text | Type::Unknown) {
                return mismatch(lowerer, "a text");
            }
            let regex = match crate::ir::anchored(&pattern.value) {
                Ok(regex) => regex,
                Err(e) => {
                    lowerer.error(
                        Diagnostic::new(
                            DiagnosticKind::Invalid,
                            pattern.span,
                            match e {
                                crate::ir::pattern::PatternError::UnsupportedClass { .. } => {
                                    "this pattern uses a Unicode property that is not a general \
                                     category"
                                }
                                crate::ir::pattern::PatternError::Invalid(_) => {
                                    "this is not a valid regular expression"
                                }
                            },
                        )
                        .with_hint(first_line(&e.to_string())),
                    );
                    return None;
                }
            };
            // Compiled once here; an artifact loaded later compiles it when first used.
            RefinementKind::Matching {
                pattern: pattern.value.clone(),
                regex: std::sync::OnceLock::from(Some(regex)),
            }
        }
        AstRefinement::Len { lo, hi, half_open } => {
            if !matches!(
                inner,
                Type::Text | Type::List(_) | Type::Set(_) | Type::Unknown
            ) {
                return mismatch(lowerer, "a text, a list or a set");
            }
            let lo = count(lowerer, lo)?;
            let hi = match hi {
                Some(hi) => Some((count(lowerer, hi)?, !half_open)),
                None => None,
            };
            RefinementKind::Len { lo, hi }
        }
    };
    Some(Refinement { kind, text })
}

/// Types a range bound can order (and a type not known after an earlier error).
fn ordered(ty: &Type) -> bool {
    ty.is_ordered() || *ty == Type::Unknown
}

/// A whole number >= 0 written as a length bound.
fn count(lowerer: &mut Lowerer<'_>, e: &ast::Expr) -> Option<u64> {
    let value = constant(lowerer, e, &Type::Int, "a length")?;
    let n = match value {
        Value::Number(n) => crate::num::to_i64(n).and_then(|n| u64::try_from(n).ok()),
        _ => None,
    };
    if n.is_none() {
        invalid(lowerer, e.span, "a length is a whole number >= 0");
    }
    n
}

fn invalid(lowerer: &mut Lowerer<'_>, span: Span, message: &str) {
    lowerer.error(Diagnostic::new(DiagnosticKind::Invalid, span, message));
}

fn first_line(text: &str) -> String {
    text.lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(text)
        .trim()
        .to_string()
}

/// Marks the input sets that constraints go through element by element (spec §19: a violation
/// names the member's position in the array as received).
pub(super) fn mark_ordered_sets(program: &mut crate::ir::Program) {
    let paths: Vec<String> = program
        .constraints
        .iter()
        .filter_map(|c| c.each.as_ref()?.input_path.clone())
        .collect();
    for path in paths {
        let Some(indexes) = program.input.field_indexes(&path) else {
            continue;
        };
        let Some((first, nested)) = indexes.split_first() else {
            continue;
        };
        let mut field = program.input.fields.get_mut(*first as usize);
        for index in nested {
            field = field.and_then(|f| f.fields.get_mut(*index as usize));
        }
        if let Some(field) = field.filter(|f| matches!(f.ty.strip_optional(), Type::Set(_))) {
            field.keeps_order = true;
        }
    }
}
