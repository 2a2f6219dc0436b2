//! What the checker learns about a source, for editors: the syntax tree, the compiled ruleset
//! or every diagnostic, and the type of each expression it checked — kept even when the
//! ruleset has errors, so hovering still works in a file being edited.

use ordo_dsl::Span;
use ordo_dsl::ast::Ruleset as Ast;

use super::Ruleset;
use crate::compile::{DataFiles, ExpressionTypes};
use ordo_dsl::Diagnostics;

/// A source analysed by [`Ruleset::analyse`].
#[derive(Debug)]
pub struct Analysis {
    /// The syntax tree, when the source parses.
    pub ast: Option<Ast>,
    /// The compiled ruleset, or every problem of the file.
    pub compiled: Result<Ruleset, Diagnostics>,
    /// Expression spans with their type names, sorted by start, then by end descending (so an
    /// enclosing expression comes before the ones inside it).
    types: ExpressionTypes,
}

impl Ruleset {
    /// Parses, checks and compiles `source` like [`Ruleset::compile_with_files`], keeping the
    /// syntax tree and the type of every expression the checker saw.
    pub fn analyse(source: &str, files: &DataFiles) -> Analysis {
        let ast = match ordo_dsl::parse(source) {
            Ok(ast) => ast,
            Err(diagnostics) => {
                return Analysis {
                    ast: None,
                    compiled: Err(diagnostics),
                    types: Vec::new(),
                };
            }
        };
        let (compiled, mut types) = crate::compile::compile_recording_types(&ast, source, files);
        types.sort_by(|(a, _), (b, _)| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        types.dedup_by(|(a, _), (b, _)| a == b);
        let compiled = compiled.map(|compiled| Ruleset::from_compiled(compiled, &ast, files));
        Analysis {
            ast: Some(ast),
            compiled,
            types,
        }
    }
}

impl Analysis {
    /// The innermost expression at byte `offset` (a cursor just after an expression's last
    /// character still touches it) and its type, as the language writes it.
    pub fn type_at(&self, offset: usize) -> Option<(Span, &str)> {
        self.types
            .iter()
            .take_while(|(span, _)| span.start <= offset)
            .filter(|(span, ty)| offset <= span.end && ty.as_str() != "unknown")
            .min_by_key(|(span, _)| span.end - span.start)
            .map(|(span, ty)| (*span, ty.as_str()))
    }

    /// The type of the expression spanning exactly `span`, if the checker saw one.
    pub fn type_of(&self, span: Span) -> Option<&str> {
        self.types
            .binary_search_by(|(s, _)| s.start.cmp(&span.start).then(span.end.cmp(&s.end)))
            .ok()
            .and_then(|i| self.types.get(i))
            .map(|(_, ty)| ty.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "ruleset t version \"1.0.0\"\nenum Tier { gold, silver }\ninput { tier: Tier  qty: Int }\noutput total = qty * 2.5\n";

    fn at(source: &str, needle: &str) -> usize {
        source.find(needle).unwrap_or(usize::MAX)
    }

    #[test]
    fn types_of_names_and_operations() {
        let analysis = Ruleset::analyse(SOURCE, &DataFiles::new());
        assert!(analysis.compiled.is_ok());
        let qty = at(SOURCE, "qty *");
        assert_eq!(
            analysis.type_at(qty),
            Some((Span::new(qty, qty + 3), "Int"))
        );
        let star = at(SOURCE, "* 2.5");
        assert_eq!(analysis.type_at(star).map(|(_, t)| t), Some("Decimal"));
        assert_eq!(analysis.type_of(Span::new(qty, star + 5)), Some("Decimal"));
    }

    #[test]
    fn types_survive_errors_elsewhere() {
        let source = format!("{SOURCE}output broken = nothing + 1\n");
        let analysis = Ruleset::analyse(&source, &DataFiles::new());
        assert!(analysis.compiled.is_err());
        assert_eq!(
            analysis.type_at(at(&source, "qty *")).map(|(_, t)| t),
            Some("Int")
        );
        // The unknown name has no type to show.
        let nothing = at(&source, "nothing");
        assert_ne!(
            analysis.type_at(nothing).map(|(s, _)| s),
            Some(Span::new(nothing, nothing + 7))
        );
    }

    #[test]
    fn a_source_that_does_not_parse_has_no_tree() {
        let analysis = Ruleset::analyse("ruleset t version", &DataFiles::new());
        assert!(analysis.ast.is_none());
        assert!(analysis.compiled.is_err());
        assert_eq!(analysis.type_at(0), None);
    }
}
