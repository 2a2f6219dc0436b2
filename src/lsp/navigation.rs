//! Answers about names: hover, go to definition, find references, rename, and the outline.

use std::collections::HashMap;

use lsp_types::{
    DocumentSymbol, Hover, HoverContents, Location, MarkupContent, MarkupKind, SymbolKind,
    TextEdit, WorkspaceEdit,
};
use ordo_dsl::Span;

use super::document::View;
use super::index::{Declaration, Index, Kind};

/// The declaration (declared or referred to) at `offset`.
fn declaration_at<'a>(view: &View<'a>, offset: usize) -> Option<(usize, &'a Declaration)> {
    let names = view.names?;
    let id = names.at(offset)?;
    Some((id, names.declaration(id)?))
}

/// Source text of a span, with runs of whitespace as one space.
fn text_of(text: &str, span: Span) -> String {
    text.get(span.start..span.end)
        .unwrap_or("")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The head of a declaration as written: up to its body (`{`, `=` or the end of the line).
fn head(text: &str, declaration: &Declaration) -> String {
    let written = text
        .get(declaration.extent.start..declaration.extent.end)
        .unwrap_or("");
    let end = written
        .find(['{', '\n'])
        .map_or(written.len(), |i| i.min(written.find(" =").unwrap_or(i)));
    written.get(..end).unwrap_or(written).trim().to_string()
}

/// What a declaration is, in the language's words.
pub fn signature(view: &View, declaration: &Declaration) -> String {
    let type_of = |span: Option<Span>| {
        span.and_then(|s| view.analysed.analysis.type_of(s))
            .map(str::to_string)
    };
    let text = view.text;
    match declaration.kind {
        Kind::Input | Kind::Field if declaration.ty.is_some() => {
            // The whole field: type, refinements, message, fallback, default.
            let field = text_of(text, declaration.extent);
            format!(
                "{}{field}",
                if declaration.kind == Kind::Input {
                    "input "
                } else {
                    ""
                }
            )
        }
        Kind::Field => match type_of(declaration.body) {
            Some(ty) => format!("{}: {ty}", declaration.name),
            None => declaration.name.clone(),
        },
        Kind::Value | Kind::Output => {
            let ty = declaration
                .ty
                .map(|t| text_of(text, t))
                .or_else(|| type_of(declaration.body));
            let keyword = declaration.kind.describe();
            match ty {
                Some(ty) => format!("{keyword} {}: {ty}", declaration.name),
                None => format!("{keyword} {}", declaration.name),
            }
        }
        Kind::Decision => {
            let outputs: Vec<String> = view
                .names
                .into_iter()
                .flat_map(|names| {
                    names.declarations.iter().filter(|d| {
                        d.parent
                            .and_then(|p| names.declaration(p))
                            .is_some_and(|p| std::ptr::eq(p, declaration))
                    })
                })
                .map(|d| signature(view, d))
                .collect();
            format!(
                "{} -> {{ {} }}",
                head(text, declaration),
                outputs.join(", ")
            )
        }
        Kind::Enum => text_of(text, declaration.extent),
        Kind::Function if declaration.ty.is_none() => match type_of(declaration.body) {
            Some(ty) => format!("{} -> {ty}", head(text, declaration)),
            None => head(text, declaration),
        },
        Kind::Parameter => format!(
            "{}: {}",
            declaration.name,
            declaration.ty.map(|t| text_of(text, t)).unwrap_or_default()
        ),
        Kind::Local
        | Kind::EnumValue
        | Kind::Role
        | Kind::Step
        | Kind::State
        | Kind::Transition => {
            let owner = declaration
                .parent
                .and_then(|p| view.names?.declaration(p))
                .map(|p| format!(" of {}", p.name))
                .unwrap_or_default();
            format!(
                "{} {}{owner}",
                declaration.kind.describe(),
                declaration.name
            )
        }
        _ => head(text, declaration),
    }
}

/// Hover: the declaration's signature and doc comment, or the type of the expression.
pub fn hover(view: &View, offset: usize) -> Option<Hover> {
    let analysis = &view.analysed.analysis;
    let (value, range) = if let Some((_, declaration)) = declaration_at(view, offset) {
        let mut value = format!("```ordo\n{}\n```", signature(view, declaration));
        // At a use, the type the checker gave it there (a local's, a narrowed enum value's).
        if let Some((span, ty)) = analysis.type_at(offset)
            && span.start <= offset
            && matches!(declaration.kind, Kind::Local | Kind::Parameter)
        {
            value.push_str(&format!("\n\n`{}`: `{ty}`", text_of(view.text, span)));
        }
        if !declaration.doc.is_empty() {
            value.push_str("\n\n---\n");
            value.push_str(
                &declaration
                    .doc
                    .iter()
                    .map(|line| line.trim())
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        (value, None)
    } else {
        let (span, ty) = analysis.type_at(offset)?;
        (
            format!("```ordo\n{}: {ty}\n```", text_of(view.text, span)),
            Some(view.range(span)),
        )
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range,
    })
}

/// Go to definition.
pub fn definition(view: &View, offset: usize) -> Option<Location> {
    let (_, declaration) = declaration_at(view, offset)?;
    Some(Location::new(
        view.uri.clone(),
        view.range(declaration.span),
    ))
}

/// Find references (with the declaration when asked).
pub fn references(view: &View, offset: usize, with_declaration: bool) -> Vec<Location> {
    let Some((id, _)) = declaration_at(view, offset) else {
        return Vec::new();
    };
    let names = view.names.map(|n| n.occurrences(id)).unwrap_or_default();
    names
        .into_iter()
        .skip(usize::from(!with_declaration))
        .map(|span| Location::new(view.uri.clone(), view.range(span)))
        .collect()
}

/// Why a rename was refused.
pub type RenameError = String;

/// Rename a declaration and every reference to it.
pub fn rename(view: &View, offset: usize, new_name: &str) -> Result<WorkspaceEdit, RenameError> {
    let (id, declaration) = declaration_at(view, offset).ok_or("there is no declared name here")?;
    if declaration.kind == Kind::Test {
        return Err("a test's name is a text: edit it in place".into());
    }
    let valid = new_name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && new_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid || ordo_dsl::KEYWORDS.contains(&new_name) {
        return Err(format!("`{new_name}` is not a valid name"));
    }
    if view.analysed.analysis.ast.is_none() {
        return Err("the file does not parse: fix the syntax errors first".into());
    }
    let names = view.names.ok_or("the file does not parse")?;
    let edits = names
        .occurrences(id)
        .into_iter()
        .map(|span| TextEdit::new(view.range(span), new_name.to_string()))
        .collect();
    Ok(WorkspaceEdit {
        changes: Some(HashMap::from([(view.uri.clone(), edits)])),
        ..WorkspaceEdit::default()
    })
}

/// The outline: top-level declarations with their members.
pub fn symbols(view: &View) -> Vec<DocumentSymbol> {
    let Some(names) = view.names else {
        return Vec::new();
    };
    names
        .top_level()
        .map(|(id, declaration)| symbol(view, names, id, declaration))
        .collect()
}

fn symbol(view: &View, names: &Index, id: usize, declaration: &Declaration) -> DocumentSymbol {
    let children: Vec<DocumentSymbol> = names
        .declarations
        .iter()
        .enumerate()
        .filter(|(_, d)| d.parent == Some(id))
        .map(|(child, d)| symbol(view, names, child, d))
        .collect();
    let range = view.range(Span::new(
        declaration.extent.start.min(declaration.span.start),
        declaration.extent.end.max(declaration.span.end),
    ));
    #[allow(
        deprecated,
        reason = "`deprecated` is a required field of the protocol's type"
    )]
    DocumentSymbol {
        name: declaration.name.clone(),
        detail: Some(declaration.kind.describe().to_string()),
        kind: symbol_kind(declaration.kind),
        tags: None,
        deprecated: None,
        range,
        selection_range: view.range(declaration.span),
        children: (!children.is_empty()).then_some(children),
    }
}

fn symbol_kind(kind: Kind) -> SymbolKind {
    match kind {
        Kind::Input | Kind::Field => SymbolKind::FIELD,
        Kind::Value | Kind::Parameter | Kind::Local => SymbolKind::VARIABLE,
        Kind::Output | Kind::Price => SymbolKind::PROPERTY,
        Kind::Table | Kind::Bands | Kind::Calendar => SymbolKind::STRUCT,
        Kind::Decision | Kind::Function => SymbolKind::FUNCTION,
        Kind::Type => SymbolKind::CLASS,
        Kind::Enum => SymbolKind::ENUM,
        Kind::EnumValue | Kind::State => SymbolKind::ENUM_MEMBER,
        Kind::Role => SymbolKind::CONSTANT,
        Kind::Workflow | Kind::Chain => SymbolKind::NAMESPACE,
        Kind::Transition | Kind::Step | Kind::Trigger => SymbolKind::EVENT,
        Kind::Constraint | Kind::Test => SymbolKind::OBJECT,
    }
}
