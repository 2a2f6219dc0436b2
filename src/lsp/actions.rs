//! Edits the server proposes: the whole document formatted (`ordo fmt`), and a quick fix for
//! every diagnostic that suggests a name ("did you mean `quantity`?").

use std::collections::HashMap;

use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Diagnostic, TextEdit, WorkspaceEdit,
};
use ordo_dsl::Span;

use super::diagnostics::suggestion;
use super::document::View;
use crate::commands::fmt::{Formatted, format_source};

/// The edits that format the document; none when it is formatted or does not parse.
pub fn format(view: &View) -> Vec<TextEdit> {
    match format_source("<document>", view.text) {
        Formatted::Text(formatted) if formatted != view.text => vec![TextEdit::new(
            view.range(Span::new(0, view.text.len())),
            formatted,
        )],
        _ => Vec::new(),
    }
}

/// A quick fix for each diagnostic that suggests a name.
pub fn quick_fixes(view: &View, diagnostics: &[Diagnostic]) -> Vec<CodeActionOrCommand> {
    diagnostics
        .iter()
        .filter_map(|diagnostic| {
            let name = suggestion(&diagnostic.message)?;
            let edit = TextEdit::new(diagnostic.range, name.to_string());
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Replace with `{name}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostic.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(view.uri.clone(), vec![edit])])),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }))
        })
        .collect()
}
