//! The engine's compile diagnostics (errors, with code, hint and related places) and lint
//! findings (warnings and notes) as the protocol's diagnostics.

use lsp_types::{
    Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
};
use ordo_engine::lint::Level;

use super::document::Document;

/// Every diagnostic of the document's current text.
pub fn of(document: &mut Document) -> Vec<Diagnostic> {
    let view = document.view();
    let (uri, analysed, text, lines) = (view.uri, view.analysed, view.text, view.lines);
    let mut out = Vec::new();
    if let Err(diagnostics) = &analysed.analysis.compiled {
        for d in diagnostics.iter() {
            let mut message = d.message.clone();
            if let Some(data) = &d.data {
                message = format!("{}:{}:{}: {message}", data.file, data.line, data.column);
            }
            if let Some(hint) = &d.hint {
                message.push_str("\nhint: ");
                message.push_str(hint);
            }
            let related = d
                .labels
                .iter()
                .map(|label| DiagnosticRelatedInformation {
                    location: Location::new(uri.clone(), lines.range(text, label.span)),
                    message: label.message.clone(),
                })
                .collect::<Vec<_>>();
            out.push(Diagnostic {
                range: lines.range(text, d.span),
                severity: Some(DiagnosticSeverity::ERROR),
                code: Some(NumberOrString::String(d.kind.code().to_string())),
                source: Some("ordo".into()),
                message,
                related_information: (!related.is_empty()).then_some(related),
                ..Diagnostic::default()
            });
        }
    }
    for finding in &analysed.findings {
        out.push(Diagnostic {
            range: lines.range(text, finding.span),
            severity: Some(match finding.level {
                Level::Error | Level::Warning => DiagnosticSeverity::WARNING,
                Level::Info => DiagnosticSeverity::INFORMATION,
            }),
            code: Some(NumberOrString::String(finding.id.to_string())),
            source: Some("ordo lint".into()),
            message: finding.message.clone(),
            ..Diagnostic::default()
        });
    }
    out
}

/// The name a "did you mean `NAME`?" in a diagnostic's message suggests.
pub fn suggestion(message: &str) -> Option<&str> {
    let rest = message.split("did you mean `").nth(1)?;
    rest.split('`').next().filter(|name| !name.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_are_read_from_hints() {
        assert_eq!(
            suggestion("unknown name `qty`\nhint: did you mean `quantity`?"),
            Some("quantity")
        );
        assert_eq!(suggestion("unknown name `zzz`"), None);
    }
}
