//! Regular expressions of `matches`, `replace` and `matching` refinements (spec §13): one
//! dialect on every host. Unicode classes are limited to general categories (`\p{L}`,
//! `\p{Lu}`, `\p{Nd}`, `\p{gc=Sc}`); scripts, ages and other properties are refused here, by
//! name, whatever tables the `regex` crate was built with, so a pattern that compiles on one
//! host compiles and matches alike on every other (the WebAssembly module leaves those tables
//! out to stay small).

use regex::Regex;
use regex_syntax::ast::{self, Ast, ClassSetItem, ClassUnicode, ClassUnicodeKind, Visitor};

/// Why a pattern cannot be compiled.
#[derive(Debug, thiserror::Error)]
pub enum PatternError {
    /// A `\p{..}` or `\P{..}` class that is not a Unicode general category.
    #[error(
        "`{class}` is not a Unicode general category: patterns may use general categories \
         such as `\\p{{L}}`, `\\p{{Lu}}`, `\\p{{Nd}}` or `\\p{{gc=Sc}}`, not scripts, ages or \
         other Unicode properties"
    )]
    UnsupportedClass {
        /// The class as written, e.g. `\p{Greek}`.
        class: String,
    },
    /// Not a regular expression (the `regex` crate's message).
    #[error(transparent)]
    Invalid(#[from] regex::Error),
}

/// A pattern that matches anywhere in a text (`replace`).
pub fn compile(pattern: &str) -> Result<Regex, PatternError> {
    check_classes(pattern)?;
    Ok(Regex::new(pattern)?)
}

/// A pattern that must match a whole text (`matches`, `matching` refinements).
pub fn anchored(pattern: &str) -> Result<Regex, PatternError> {
    check_classes(pattern)?;
    Ok(Regex::new(&format!("^(?:{pattern})$"))?)
}

/// Refuses Unicode classes other than general categories. A pattern that does not parse is left
/// to `Regex::new`, which reports it with its own message.
fn check_classes(pattern: &str) -> Result<(), PatternError> {
    let Ok(tree) = ast::parse::Parser::new().parse(pattern) else {
        return Ok(());
    };
    ast::visit(&tree, ClassCheck { pattern })
}

struct ClassCheck<'p> {
    pattern: &'p str,
}

impl ClassCheck<'_> {
    fn check(&self, class: &ClassUnicode) -> Result<(), PatternError> {
        let allowed = match &class.kind {
            ClassUnicodeKind::OneLetter(letter) => is_general_category(&letter.to_string()),
            ClassUnicodeKind::Named(name) => is_general_category(name),
            ClassUnicodeKind::NamedValue { name, value, .. } => {
                matches!(normalize(name).as_str(), "gc" | "generalcategory")
                    && is_general_category(value)
            }
        };
        if allowed {
            return Ok(());
        }
        let written = self
            .pattern
            .get(class.span.start.offset..class.span.end.offset)
            .unwrap_or_default();
        Err(PatternError::UnsupportedClass {
            class: written.to_string(),
        })
    }
}

impl Visitor for ClassCheck<'_> {
    type Output = ();
    type Err = PatternError;

    fn finish(self) -> Result<(), PatternError> {
        Ok(())
    }

    fn visit_pre(&mut self, tree: &Ast) -> Result<(), PatternError> {
        match tree {
            Ast::ClassUnicode(class) => self.check(class),
            _ => Ok(()),
        }
    }

    fn visit_class_set_item_pre(&mut self, item: &ClassSetItem) -> Result<(), PatternError> {
        match item {
            ClassSetItem::Unicode(class) => self.check(class),
            _ => Ok(()),
        }
    }
}

/// The general categories of Unicode's PropertyValueAliases.txt (short names, long names and
/// aliases) and the three `regex` treats as such (`Any`, `ASCII`, `Assigned`), normalised.
const GENERAL_CATEGORIES: &[&str] = &[
    "any",
    "ascii",
    "assigned", //
    "c",
    "other",
    "cc",
    "control",
    "cntrl",
    "cf",
    "format",
    "cn",
    "unassigned",
    "co",
    "privateuse",
    "cs",
    "surrogate", //
    "l",
    "letter",
    "lc",
    "casedletter",
    "ll",
    "lowercaseletter",
    "lm",
    "modifierletter",
    "lo",
    "otherletter",
    "lt",
    "titlecaseletter",
    "lu",
    "uppercaseletter", //
    "m",
    "mark",
    "combiningmark",
    "mc",
    "spacingmark",
    "me",
    "enclosingmark",
    "mn",
    "nonspacingmark", //
    "n",
    "number",
    "nd",
    "decimalnumber",
    "digit",
    "nl",
    "letternumber",
    "no",
    "othernumber", //
    "p",
    "punctuation",
    "punct",
    "pc",
    "connectorpunctuation",
    "pd",
    "dashpunctuation",
    "pe",
    "closepunctuation",
    "pf",
    "finalpunctuation",
    "pi",
    "initialpunctuation",
    "po",
    "otherpunctuation",
    "ps",
    "openpunctuation", //
    "s",
    "symbol",
    "sc",
    "currencysymbol",
    "sk",
    "modifiersymbol",
    "sm",
    "mathsymbol",
    "so",
    "othersymbol", //
    "z",
    "separator",
    "zl",
    "lineseparator",
    "zp",
    "paragraphseparator",
    "zs",
    "spaceseparator",
];

fn is_general_category(name: &str) -> bool {
    GENERAL_CATEGORIES.contains(&normalize(name).as_str())
}

/// Unicode's loose matching of names, as `regex` does it: case, spaces, `_` and `-` are
/// ignored, and so is an `is` prefix (`\p{IsLu}` is `\p{Lu}`).
fn normalize(name: &str) -> String {
    let loose: String = name
        .chars()
        .filter(|c| c.is_ascii() && !matches!(c, ' ' | '_' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    // `isc` is the one name whose `is` is not a prefix (an alias of `Other`).
    match loose.strip_prefix("is") {
        Some(rest) if loose != "isc" => rest.to_string(),
        _ => loose,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn general_categories_and_perl_classes_compile() {
        for pattern in [
            r"\p{L}+",
            r"\pL\PN",
            r"\p{Lu}\p{Uppercase_Letter}\p{IsLu}",
            r"[\p{Nd}\p{Sc}]+",
            r"\p{gc=Sc}\p{General_Category=Currency_Symbol}",
            r"\w+\s\d",
            r"(?i)straße",
            r"\p{Any}\p{ASCII}",
        ] {
            assert!(compile(pattern).is_ok(), "{pattern}");
        }
        let word = anchored(r"\p{L}+").unwrap();
        assert!(word.is_match("Ωmega"));
        assert!(!word.is_match("abc1"));
        assert!(compile(r"(?i)STRASSE").unwrap().is_match("strasse"));
        assert!(compile(r"\d").unwrap().is_match("٣"));
    }

    #[test]
    fn other_unicode_properties_are_refused_by_name() {
        for (pattern, class) in [
            (r"\p{Greek}+", r"\p{Greek}"),
            (r"a[\p{sc=Latin}b]", r"\p{sc=Latin}"),
            (r"\P{Alphabetic}", r"\P{Alphabetic}"),
            (r"\p{age=3.0}", r"\p{age=3.0}"),
            (r"x|\p{Emoji}", r"\p{Emoji}"),
        ] {
            let error = compile(pattern).unwrap_err();
            assert!(
                matches!(&error, PatternError::UnsupportedClass { class: c } if c == class),
                "{pattern}: {error:?}"
            );
            assert!(error.to_string().contains("general categor"), "{error}");
            assert!(anchored(pattern).is_err());
        }
    }

    #[test]
    fn invalid_patterns_keep_the_regex_message() {
        let error = compile("a(b").unwrap_err();
        assert!(matches!(error, PatternError::Invalid(_)));
        assert!(error.to_string().contains("unclosed group"), "{error}");
    }
}
