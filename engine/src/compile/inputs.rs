//! Stage 2: the input schema (spec §5) — field types, nested records, and defaults, which must
//! be constants of the field's type.

use ordo_dsl::ast;
use ordo_dsl::{Diagnostic, DiagnosticKind};

use super::Lowerer;
use crate::ir::{InputField, InputSchema};

pub(super) fn lower_schema(lowerer: &mut Lowerer<'_>) -> InputSchema {
    let fields: Vec<&ast::FieldDecl> = lowerer.sym.input_fields.clone();
    InputSchema {
        fields: fields
            .into_iter()
            .map(|f| lower_field(lowerer, f))
            .collect(),
    }
}

fn lower_field(lowerer: &mut Lowerer<'_>, field: &ast::FieldDecl) -> InputField {
    let ty = lowerer.sym.resolve_type(&field.ty, &mut lowerer.diags);
    let fields = match &field.ty.kind {
        ast::TypeExprKind::Record(nested) => {
            nested.iter().map(|f| lower_field(lowerer, f)).collect()
        }
        ast::TypeExprKind::Optional(inner) => match &inner.kind {
            ast::TypeExprKind::Record(nested) => {
                nested.iter().map(|f| lower_field(lowerer, f)).collect()
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let default = field.default.as_ref().and_then(|expr| {
        let (lowered, found) = lowerer.expr(expr, Some(&ty));
        if !found.fits(&ty) {
            lowerer.error(Diagnostic::new(
                DiagnosticKind::TypeMismatch,
                expr.span,
                format!(
                    "the default of `{}` is {}, but the field is {}",
                    field.name.name,
                    lowerer.show(&found),
                    lowerer.show(&ty)
                ),
            ));
            return None;
        }
        match lowered {
            crate::ir::Expr::Const(value) => Some(value),
            _ => {
                lowerer.error(Diagnostic::new(
                    DiagnosticKind::Invalid,
                    expr.span,
                    format!("the default of `{}` must be a constant", field.name.name),
                ));
                None
            }
        }
    });
    InputField {
        name: field.name.name.clone(),
        ty,
        default,
        fields,
    }
}
