//! Stage 1 of compilation: collect every declared name (enums, roles, inputs, values, tables,
//! bands, chains, workflows) so later stages can resolve references in any order, and report
//! duplicates.

use std::collections::HashMap;
use std::sync::Arc;

use ordo_dsl::ast::{self, Item, TypeExprKind};
use ordo_dsl::diagnostic::did_you_mean;
use ordo_dsl::{Diagnostic, DiagnosticKind, Span};

use crate::types::{EnumDef, EnumId, RecordType, Type};

/// What a top-level name refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Symbol {
    Input(u32),
    Global(u32),
    Table(u32),
    Bands(u32),
    Approval(u32),
    Workflow(u32),
    /// An enum type name (usable to qualify its values: `Model.p200`).
    Enum(u32),
    /// A named record type (`type Item = {...}`).
    Type(u32),
    /// A function, or a decision with parameters, called as `NAME(args)`.
    Function(u32),
}

/// A declaration called as `NAME(args)`.
#[derive(Debug, Clone, Copy)]
pub enum FunctionDecl<'a> {
    Fn(&'a ast::FnDecl),
    Decision(&'a ast::DecisionDecl),
}

impl<'a> FunctionDecl<'a> {
    pub fn name(&self) -> &'a ast::Ident {
        match self {
            FunctionDecl::Fn(d) => &d.name,
            FunctionDecl::Decision(d) => &d.name,
        }
    }

    pub fn params(&self) -> &'a [ast::Param] {
        match self {
            FunctionDecl::Fn(d) => &d.params,
            FunctionDecl::Decision(d) => &d.params,
        }
    }

    pub fn span(&self) -> Span {
        match self {
            FunctionDecl::Fn(d) => d.span,
            FunctionDecl::Decision(d) => d.span,
        }
    }
}

/// A declaration that becomes a [`crate::ir::Global`].
#[derive(Debug, Clone, Copy)]
pub enum GlobalDecl<'a> {
    Value(&'a ast::ValueDecl),
    Decision(&'a ast::DecisionDecl),
    Price(&'a ast::PriceDecl),
}

impl<'a> GlobalDecl<'a> {
    pub fn name(&self) -> &'a ast::Ident {
        match self {
            GlobalDecl::Value(d) => &d.name,
            GlobalDecl::Decision(d) => &d.name,
            GlobalDecl::Price(d) => &d.name,
        }
    }

    pub fn span(&self) -> Span {
        match self {
            GlobalDecl::Value(d) => d.span,
            GlobalDecl::Decision(d) => d.span,
            GlobalDecl::Price(d) => d.span,
        }
    }
}

/// Every name declared in a ruleset.
#[derive(Debug, Default)]
pub struct Symbols<'a> {
    pub enums: Vec<EnumDef>,
    pub enum_by_name: HashMap<String, EnumId>,
    /// Enum value name → every (enum, index) that has it.
    pub enum_values: HashMap<String, Vec<(EnumId, u32)>>,
    pub roles: Vec<String>,
    pub role_spans: HashMap<String, Span>,
    pub input_fields: Vec<&'a ast::FieldDecl>,
    pub globals: Vec<GlobalDecl<'a>>,
    /// Table name → its variants (one per `effective` date).
    pub tables: Vec<Vec<&'a ast::TableDecl>>,
    pub bands: Vec<&'a ast::BandsDecl>,
    pub approvals: Vec<&'a ast::ApprovalDecl>,
    pub workflows: Vec<&'a ast::WorkflowDecl>,
    /// Named record types, by id.
    pub types: Vec<&'a ast::TypeDecl>,
    pub functions: Vec<FunctionDecl<'a>>,
    pub names: HashMap<String, (Symbol, Span)>,
}

impl<'a> Symbols<'a> {
    /// Collects the declarations of a ruleset, reporting duplicates into `diags`.
    pub fn collect(ruleset: &'a ast::Ruleset, diags: &mut Vec<Diagnostic>) -> Symbols<'a> {
        let mut s = Symbols::default();
        for item in &ruleset.items {
            match item {
                Item::Enum(decl) => s.add_enum(decl, diags),
                Item::Roles(decl) => {
                    for role in &decl.roles {
                        if let Some(first) = s.role_spans.get(&role.name) {
                            diags.push(duplicate("role", role, *first));
                        } else {
                            s.role_spans.insert(role.name.clone(), role.span);
                            s.roles.push(role.name.clone());
                        }
                    }
                }
                Item::Input(decl) => {
                    for field in &decl.fields {
                        let id = s.input_fields.len() as u32;
                        if s.declare(&field.name, Symbol::Input(id), diags) {
                            s.input_fields.push(field);
                        }
                    }
                }
                Item::Value(decl) => s.add_global(GlobalDecl::Value(decl), diags),
                Item::Decision(decl) if !decl.params.is_empty() => {
                    s.add_function(FunctionDecl::Decision(decl), diags)
                }
                Item::Decision(decl) => s.add_global(GlobalDecl::Decision(decl), diags),
                Item::Function(decl) => s.add_function(FunctionDecl::Fn(decl), diags),
                Item::Type(decl) => {
                    if is_builtin_type(&decl.name.name) {
                        diags.push(Diagnostic::new(
                            DiagnosticKind::Duplicate,
                            decl.name.span,
                            format!("`{}` is a built-in type", decl.name.name),
                        ));
                        continue;
                    }
                    let id = s.types.len() as u32;
                    if s.declare(&decl.name, Symbol::Type(id), diags) {
                        s.types.push(decl);
                    }
                }
                Item::Price(decl) => s.add_global(GlobalDecl::Price(decl), diags),
                Item::Table(decl) => s.add_table(decl, diags),
                Item::Bands(decl) => {
                    let id = s.bands.len() as u32;
                    if s.declare(&decl.name, Symbol::Bands(id), diags) {
                        s.bands.push(decl);
                    }
                }
                Item::Approval(decl) => {
                    let id = s.approvals.len() as u32;
                    if s.declare(&decl.name, Symbol::Approval(id), diags) {
                        s.approvals.push(decl);
                    }
                }
                Item::Workflow(decl) => {
                    let id = s.workflows.len() as u32;
                    if s.declare(&decl.name, Symbol::Workflow(id), diags) {
                        s.workflows.push(decl);
                    }
                }
                Item::Constraint(_) | Item::Trigger(_) | Item::Test(_) | Item::Calendar(_) => {}
            }
        }
        s
    }

    fn declare(&mut self, name: &ast::Ident, symbol: Symbol, diags: &mut Vec<Diagnostic>) -> bool {
        if let Some((_, first)) = self.names.get(&name.name) {
            diags.push(duplicate("name", name, *first));
            return false;
        }
        self.names.insert(name.name.clone(), (symbol, name.span));
        true
    }

    fn add_function(&mut self, decl: FunctionDecl<'a>, diags: &mut Vec<Diagnostic>) {
        let id = self.functions.len() as u32;
        if self.declare(decl.name(), Symbol::Function(id), diags) {
            self.functions.push(decl);
        }
    }

    fn add_global(&mut self, decl: GlobalDecl<'a>, diags: &mut Vec<Diagnostic>) {
        let id = self.globals.len() as u32;
        if self.declare(decl.name(), Symbol::Global(id), diags) {
            self.globals.push(decl);
        }
    }

    fn add_enum(&mut self, decl: &'a ast::EnumDecl, diags: &mut Vec<Diagnostic>) {
        if let Some((_, first)) = self.names.get(&decl.name.name) {
            diags.push(duplicate("name", &decl.name, *first));
            return;
        }
        if is_builtin_type(&decl.name.name) {
            diags.push(Diagnostic::new(
                DiagnosticKind::Duplicate,
                decl.name.span,
                format!(
                    "`{}` is a built-in type and cannot name an enum",
                    decl.name.name
                ),
            ));
            return;
        }
        let id = self.enums.len() as EnumId;
        let mut values: Vec<String> = Vec::new();
        for value in &decl.values {
            if values.contains(&value.name) {
                diags.push(Diagnostic::new(
                    DiagnosticKind::Duplicate,
                    value.span,
                    format!(
                        "enum `{}` has the value `{}` twice",
                        decl.name.name, value.name
                    ),
                ));
                continue;
            }
            self.enum_values
                .entry(value.name.clone())
                .or_default()
                .push((id, values.len() as u32));
            values.push(value.name.clone());
        }
        self.enum_by_name.insert(decl.name.name.clone(), id);
        self.names
            .insert(decl.name.name.clone(), (Symbol::Enum(id), decl.name.span));
        self.enums.push(EnumDef {
            name: decl.name.name.clone(),
            values,
        });
    }

    fn add_table(&mut self, decl: &'a ast::TableDecl, diags: &mut Vec<Diagnostic>) {
        if let Some((Symbol::Table(id), _)) = self.names.get(&decl.name.name) {
            // Another `effective` variant of the same table.
            let Some(variants) = self.tables.get_mut(*id as usize) else {
                return;
            };
            let clash = variants.iter().find(|v| {
                v.effective.as_ref().map(|d| d.value) == decl.effective.as_ref().map(|d| d.value)
            });
            if let Some(first) = clash {
                diags.push(
                    Diagnostic::new(
                        DiagnosticKind::Duplicate,
                        decl.name.span,
                        format!(
                            "table `{}` is declared twice with the same effective date",
                            decl.name.name
                        ),
                    )
                    .with_label(first.name.span, "first declared here"),
                );
            } else {
                variants.push(decl);
            }
            return;
        }
        let id = self.tables.len() as u32;
        if self.declare(&decl.name, Symbol::Table(id), diags) {
            self.tables.push(vec![decl]);
        }
    }

    /// Every name a user could have meant in an expression, for "did you mean".
    pub fn candidate_names(&self) -> impl Iterator<Item = &str> {
        self.names
            .keys()
            .map(String::as_str)
            .chain(self.enum_values.keys().map(String::as_str))
    }

    /// Resolves a written type.
    pub fn resolve_type(&self, ty: &ast::TypeExpr, diags: &mut Vec<Diagnostic>) -> Type {
        self.resolve_type_in(ty, diags, &mut Vec::new())
    }

    /// The fields of the record a type holds (through `?`, `List<...>` and named types): the
    /// declared fields whose defaults and refinements apply wherever the record is read.
    pub fn record_decl_of(&self, ty: &'a ast::TypeExpr) -> Option<&'a [ast::FieldDecl]> {
        let mut ty = ty;
        // Named types may refer to each other; a cycle is reported by `resolve_type`.
        for _ in 0..64 {
            match &ty.kind {
                TypeExprKind::Record(fields) => return Some(fields),
                TypeExprKind::Optional(inner) | TypeExprKind::List(inner) => ty = inner,
                TypeExprKind::Named(name) => match self.names.get(&name.name) {
                    Some((Symbol::Type(id), _)) => ty = &self.types.get(*id as usize)?.ty,
                    _ => return None,
                },
                TypeExprKind::Set(_) | TypeExprKind::Tuple(_) => return None,
            }
        }
        None
    }

    fn resolve_type_in(
        &self,
        ty: &ast::TypeExpr,
        diags: &mut Vec<Diagnostic>,
        named: &mut Vec<u32>,
    ) -> Type {
        match &ty.kind {
            TypeExprKind::Named(name) => match name.name.as_str() {
                "Bool" => Type::Bool,
                "Int" => Type::Int,
                "Decimal" => Type::Decimal,
                "Percent" => Type::Percent,
                "Text" => Type::Text,
                "Date" => Type::Date,
                "DateTime" => Type::DateTime,
                "Duration" => Type::Duration,
                other => match (self.enum_by_name.get(other), self.names.get(other)) {
                    (Some(id), _) => Type::Enum(*id),
                    (None, Some((Symbol::Type(id), _))) => {
                        if named.contains(id) {
                            diags.push(Diagnostic::new(
                                DiagnosticKind::Cycle,
                                name.span,
                                format!("the type `{other}` contains itself"),
                            ));
                            return Type::Unknown;
                        }
                        let Some(decl) = self.types.get(*id as usize) else {
                            return Type::Unknown;
                        };
                        named.push(*id);
                        let resolved = self.resolve_type_in(&decl.ty, diags, named);
                        named.pop();
                        resolved
                    }
                    (None, _) => {
                        let known = [
                            "Bool", "Int", "Decimal", "Percent", "Text", "Date", "DateTime",
                            "Duration",
                        ]
                        .into_iter()
                        .chain(self.enums.iter().map(|e| e.name.as_str()))
                        .chain(self.types.iter().map(|t| t.name.name.as_str()));
                        diags.push(
                            Diagnostic::new(
                                DiagnosticKind::UnknownName,
                                name.span,
                                format!("unknown type `{other}`"),
                            )
                            .with_optional_hint(did_you_mean(other, known)),
                        );
                        Type::Unknown
                    }
                },
            },
            TypeExprKind::List(inner) => {
                Type::List(Box::new(self.resolve_type_in(inner, diags, named)))
            }
            TypeExprKind::Set(inner) => match self.resolve_type_in(inner, diags, named) {
                Type::Enum(id) => Type::Set(id),
                Type::Unknown => Type::Unknown,
                other => {
                    diags.push(
                        Diagnostic::new(
                            DiagnosticKind::TypeMismatch,
                            inner.span,
                            format!("sets hold enum values, not {}", other.display(&self.enums)),
                        )
                        .with_hint("use `List<...>` for other element types"),
                    );
                    Type::Unknown
                }
            },
            TypeExprKind::Optional(inner) => self.resolve_type_in(inner, diags, named).optional(),
            // A composite key: a record of its components, as keys are looked up.
            TypeExprKind::Tuple(parts) => Type::Record(Arc::new(RecordType {
                fields: parts
                    .iter()
                    .enumerate()
                    .map(|(i, part)| (i.to_string(), self.resolve_type_in(part, diags, named)))
                    .collect(),
            })),
            TypeExprKind::Record(fields) => {
                let mut seen: HashMap<&str, Span> = HashMap::new();
                let mut out = Vec::new();
                for field in fields {
                    if let Some(first) = seen.get(field.name.name.as_str()) {
                        diags.push(duplicate("field", &field.name, *first));
                        continue;
                    }
                    seen.insert(&field.name.name, field.name.span);
                    let field_ty = self.resolve_type_in(&field.ty, diags, named);
                    out.push((field.name.name.clone(), field_ty));
                }
                Type::Record(Arc::new(RecordType { fields: out }))
            }
        }
    }
}

fn is_builtin_type(name: &str) -> bool {
    matches!(
        name,
        "Bool"
            | "Int"
            | "Decimal"
            | "Percent"
            | "Text"
            | "Date"
            | "DateTime"
            | "Duration"
            | "List"
            | "Set"
    )
}

fn duplicate(what: &str, name: &ast::Ident, first: Span) -> Diagnostic {
    Diagnostic::new(
        DiagnosticKind::Duplicate,
        name.span,
        format!("the {what} `{}` is declared twice", name.name),
    )
    .with_label(first, "first declared here")
}
