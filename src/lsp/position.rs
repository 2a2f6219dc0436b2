//! Positions: the server works in byte offsets (the spans of the syntax tree); the client in
//! lines and characters, counted in UTF-16 code units unless it accepted UTF-8 at initialisation.

use lsp_types::{Position, Range};
use ordo_dsl::Span;

/// How the client counts characters within a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Bytes of UTF-8 (negotiated with `positionEncoding: "utf-8"`).
    Utf8,
    /// UTF-16 code units: the protocol's default.
    Utf16,
}

/// The start of every line of a text, to turn offsets into positions and back.
#[derive(Debug, Clone)]
pub struct LineIndex {
    line_starts: Vec<usize>,
    encoding: Encoding,
}

impl LineIndex {
    pub fn new(text: &str, encoding: Encoding) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        LineIndex {
            line_starts,
            encoding,
        }
    }

    /// The client's position of a byte offset of `text` (clamped to the text).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let offset = floor_char_boundary(text, offset.min(text.len()));
        let line = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        let before = text.get(start..offset).unwrap_or("");
        let character = match self.encoding {
            Encoding::Utf8 => before.len(),
            Encoding::Utf16 => before.encode_utf16().count(),
        };
        Position::new(
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(character).unwrap_or(u32::MAX),
        )
    }

    /// The byte offset of a client's position: past the end of a line is its end, past the
    /// last line the end of the text.
    pub fn offset(&self, text: &str, position: Position) -> usize {
        let Some(&start) = self.line_starts.get(position.line as usize) else {
            return text.len();
        };
        let end = self
            .line_starts
            .get(position.line as usize + 1)
            .map_or(text.len(), |next| next.saturating_sub(1));
        let line = text.get(start..end).unwrap_or("");
        let wanted = position.character as usize;
        let mut units = 0;
        for (index, c) in line.char_indices() {
            if units >= wanted {
                return start + index;
            }
            units += match self.encoding {
                Encoding::Utf8 => c.len_utf8(),
                Encoding::Utf16 => c.len_utf16(),
            };
        }
        end
    }

    /// The client's range of a span.
    pub fn range(&self, text: &str, span: Span) -> Range {
        Range::new(
            self.position(text, span.start),
            self.position(text, span.end),
        )
    }
}

/// The largest char boundary at or before `offset`.
fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "let a = 1\noutput naïve = \"€𝄞\" + x\n";

    #[test]
    fn utf16_counts_surrogate_pairs_twice() {
        let index = LineIndex::new(TEXT, Encoding::Utf16);
        let x = TEXT.find("+ x").unwrap() + 2;
        assert_eq!(index.position(TEXT, x), Position::new(1, 23));
        assert_eq!(index.offset(TEXT, Position::new(1, 23)), x);
    }

    #[test]
    fn utf8_counts_bytes() {
        let index = LineIndex::new(TEXT, Encoding::Utf8);
        let x = TEXT.find("+ x").unwrap() + 2;
        assert_eq!(index.position(TEXT, x), Position::new(1, (x - 10) as u32));
        assert_eq!(index.offset(TEXT, Position::new(1, (x - 10) as u32)), x);
    }

    #[test]
    fn out_of_range_positions_are_clamped() {
        let index = LineIndex::new(TEXT, Encoding::Utf16);
        assert_eq!(index.offset(TEXT, Position::new(0, 99)), 9);
        assert_eq!(index.offset(TEXT, Position::new(9, 0)), TEXT.len());
        assert_eq!(index.position(TEXT, 10_000), Position::new(2, 0));
        // Inside a multi-byte character: the character's start.
        let euro = TEXT.find('€').unwrap();
        assert_eq!(index.position(TEXT, euro + 1), index.position(TEXT, euro));
    }
}
