//! The open documents: each one's text as the client last sent it and, analysed on demand
//! (after the debounce, or when a request needs it), the engine's analysis and the name index.

use std::path::PathBuf;

use lsp_types::Uri;
use ordo_engine::{Analysis, DataFiles, Ruleset};

use super::index::Index;
use super::position::{Encoding, LineIndex};

/// One open document.
pub struct Document {
    pub uri: Uri,
    pub version: i32,
    pub text: String,
    pub lines: LineIndex,
    analysed: Option<Analysed>,
    /// The names of the last version that parsed: completion after `customer.` works on a
    /// text that does not parse yet.
    last_parsed: Option<Index>,
}

/// What the engine made of one version of a document.
pub struct Analysed {
    pub analysis: Analysis,
    /// The names, when the text parses.
    pub names: Option<Index>,
    /// Lint findings, when the ruleset compiles.
    pub findings: Vec<ordo_engine::lint::Finding>,
}

impl Document {
    pub fn new(uri: Uri, version: i32, text: String, encoding: Encoding) -> Self {
        let lines = LineIndex::new(&text, encoding);
        Document {
            uri,
            version,
            text,
            lines,
            analysed: None,
            last_parsed: None,
        }
    }

    /// Replaces the text; the analysis is redone when next needed.
    pub fn update(&mut self, version: i32, text: String, encoding: Encoding) {
        self.lines = LineIndex::new(&text, encoding);
        self.text = text;
        self.version = version;
        if let Some(names) = self.analysed.take().and_then(|a| a.names) {
            self.last_parsed = Some(names);
        }
    }

    /// The current text with its analysis (computed now if the text changed since).
    pub fn view(&mut self) -> View<'_> {
        let path = file_path(&self.uri);
        let text = &self.text;
        let analysed = self.analysed.get_or_insert_with(|| analyse(text, path));
        if analysed.names.is_some() {
            self.last_parsed = None;
        }
        View {
            uri: &self.uri,
            text: &self.text,
            lines: &self.lines,
            names: analysed.names.as_ref().or(self.last_parsed.as_ref()),
            analysed,
        }
    }
}

/// A document's text and what is known of it, borrowed together.
pub struct View<'a> {
    pub uri: &'a Uri,
    pub text: &'a str,
    pub lines: &'a LineIndex,
    pub analysed: &'a Analysed,
    /// The names of the current text, or of the last version that parsed.
    pub names: Option<&'a Index>,
}

impl View<'_> {
    /// The byte offset of a client's position.
    pub fn offset(&self, position: lsp_types::Position) -> usize {
        self.lines.offset(self.text, position)
    }

    /// The client's range of a span.
    pub fn range(&self, span: ordo_dsl::Span) -> lsp_types::Range {
        self.lines.range(self.text, span)
    }
}

/// Analyses a source: compile (with the data files beside `path`), index, lint.
pub fn analyse(text: &str, path: Option<PathBuf>) -> Analysed {
    let names = Ruleset::data_files_of(text);
    // A data file that cannot be read is reported by the compiler as missing.
    let files = match path {
        Some(path) if !names.is_empty() => {
            DataFiles::read_beside(&path, names).unwrap_or_else(|_| DataFiles::new())
        }
        _ => DataFiles::new(),
    };
    let analysis = Ruleset::analyse(text, &files);
    let names = analysis.ast.as_ref().map(Index::build);
    let findings = match (&analysis.compiled, &analysis.ast) {
        (Ok(ruleset), Some(ast)) => ordo_engine::lint::lint(ruleset, ast),
        _ => Vec::new(),
    };
    Analysed {
        analysis,
        names,
        findings,
    }
}

/// The local path of a `file:` URI (percent-escapes decoded).
pub fn file_path(uri: &Uri) -> Option<PathBuf> {
    let path = uri.as_str().strip_prefix("file://")?;
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        let escaped = (byte == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(value) => {
                decoded.push(value);
                i += 3;
            }
            None => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8(decoded).ok().map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn file_uris_become_paths() {
        let uri = Uri::from_str("file:///home/a%20b/bikes.ordo").expect("uri");
        assert_eq!(file_path(&uri), Some(PathBuf::from("/home/a b/bikes.ordo")));
        let untitled = Uri::from_str("untitled:Untitled-1").expect("uri");
        assert_eq!(file_path(&untitled), None);
    }
}
