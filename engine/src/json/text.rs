//! Checks that only JSON text can have made, before it becomes a tree: a UTF-8 byte-order
//! mark in front of it, and a key repeated within one object. A `serde_json::Value` keeps only
//! the last of a repeated key, so `{"model": "a", "model": "b"}` would quietly read as `"b"`;
//! every reader of JSON text refuses it instead, naming where it is.

use std::borrow::Cow;
use std::collections::HashSet;

use crate::json::scan::{Next, Scanner};

/// How deep the search for a repeated key descends: serde_json refuses deeper text anyway
/// (its recursion limit is 128), so this only bounds the stack.
const MAX_DEPTH: usize = 256;

/// The text without a UTF-8 byte-order mark in front (which many editors on Windows write,
/// and most JSON tools skip).
pub fn without_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// One step of a path into JSON: a key of an object or an index into a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// A member of an object.
    Key(String),
    /// An item of a list.
    Index(usize),
}

/// A key that appears twice in one object: where its second occurrence is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepeatedKey {
    /// The steps from the root to the repeated key, the key last.
    pub steps: Vec<Step>,
}

impl RepeatedKey {
    /// The repeated key itself.
    pub fn key(&self) -> &str {
        match self.steps.last() {
            Some(Step::Key(key)) => key,
            _ => "",
        }
    }

    /// The path from the root, written as input errors write paths (`positions[2].model`),
    /// leaving out the first `skip` steps.
    pub fn path_after(&self, skip: usize) -> String {
        let mut out = String::new();
        for step in self.steps.iter().skip(skip) {
            match step {
                Step::Key(key) if out.is_empty() => out.push_str(key),
                Step::Key(key) => {
                    out.push('.');
                    out.push_str(key);
                }
                Step::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }

    /// The message for people.
    pub fn message(&self) -> String {
        format!(
            "the key `{}` appears twice in one object: JSON keys must be unique (a JSON reader \
             would otherwise quietly keep only one of them)",
            self.key()
        )
    }
}

/// The first key repeated within one object of the JSON text, in reading order; `None` when
/// no key repeats, or when the text is not JSON (serde_json reports that).
pub fn repeated_key(text: &str) -> Option<RepeatedKey> {
    let mut search = Search {
        json: Scanner::new(text),
        steps: Vec::new(),
    };
    match search.value(0) {
        Found::Repeated => Some(RepeatedKey {
            steps: search
                .steps
                .into_iter()
                .map(|step| match step {
                    Walked::Key(key) => Step::Key(key.into_owned()),
                    Walked::Index(i) => Step::Index(i),
                })
                .collect(),
        }),
        Found::Nothing | Found::NotJson => None,
    }
}

/// What reading one value found.
enum Found {
    Nothing,
    Repeated,
    NotJson,
}

/// A step as walked, the key still in the text where it has no escapes.
enum Walked<'t> {
    Key(Cow<'t, str>),
    Index(usize),
}

/// The walk: the scanner and the steps to where it is.
struct Search<'t> {
    json: Scanner<'t>,
    steps: Vec<Walked<'t>>,
}

impl<'t> Search<'t> {
    /// Reads one value; on `Found::Repeated` the steps lead to the repeated key.
    fn value(&mut self, depth: usize) -> Found {
        if depth > MAX_DEPTH {
            return Found::NotJson;
        }
        let Some(next) = self.json.peek() else {
            return Found::NotJson;
        };
        let read = match next {
            Next::Object => return self.object(depth),
            Next::Array => return self.array(depth),
            Next::String => self.json.string().map(|_| ()),
            Next::Number => self.json.number().map(|_| ()),
            Next::True | Next::False | Next::Null => self.json.literal(next),
        };
        match read {
            Some(()) => Found::Nothing,
            None => Found::NotJson,
        }
    }

    fn object(&mut self, depth: usize) -> Found {
        let mut seen: HashSet<Cow<'t, str>> = HashSet::new();
        let mut key = self.json.object_first();
        loop {
            let name = match key {
                Some(Some(name)) => name,
                Some(None) => return Found::Nothing,
                None => return Found::NotJson,
            };
            let repeated = seen.contains(&name);
            self.steps.push(Walked::Key(name.clone()));
            if repeated {
                return Found::Repeated;
            }
            seen.insert(name);
            match self.value(depth + 1) {
                Found::Nothing => {}
                found => return found,
            }
            self.steps.pop();
            key = self.json.object_next();
        }
    }

    fn array(&mut self, depth: usize) -> Found {
        let mut item = self.json.array_first();
        let mut index = 0;
        loop {
            match item {
                Some(Some(_)) => {}
                Some(None) => return Found::Nothing,
                None => return Found::NotJson,
            }
            self.steps.push(Walked::Index(index));
            match self.value(depth + 1) {
                Found::Nothing => {}
                found => return found,
            }
            self.steps.pop();
            index += 1;
            item = self.json.array_next();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> Option<String> {
        repeated_key(text).map(|r| r.path_after(0))
    }

    #[test]
    fn finds_the_first_repeated_key_with_its_path() {
        assert_eq!(
            path(r#"{"model": "a", "model": "b"}"#).as_deref(),
            Some("model")
        );
        assert_eq!(
            path(r#"{"positions": [{"m": 1}, {"m": 2}, {"model": "a", "x": 1, "model": "b"}]}"#)
                .as_deref(),
            Some("positions[2].model")
        );
        assert_eq!(
            path(r#"{"a": {"b": {"c": 1, "c": 2}}}"#).as_deref(),
            Some("a.b.c")
        );
        // The same key spelt with an escape is the same key.
        assert_eq!(path(r#"{"ab": 1, "a\u0062": 2}"#).as_deref(), Some("ab"));
        let found = repeated_key(r#"{"input": {"qty": 1, "qty": 2}}"#);
        assert_eq!(
            found.as_ref().map(|r| r.path_after(1)).as_deref(),
            Some("qty")
        );
        assert_eq!(found.as_ref().map(RepeatedKey::key), Some("qty"));
    }

    #[test]
    fn the_same_key_in_different_objects_is_not_repeated() {
        for text in [
            r#"{"a": 1, "b": {"a": 2}, "c": [{"a": 3}, {"a": 4}]}"#,
            r#"[{"a": 1}, {"a": 1}]"#,
            r#"{}"#,
            r#"[]"#,
            r#"1"#,
            r#"{"a": [1, "x", true, false, null, -1.5e3, {}, []]}"#,
        ] {
            assert_eq!(path(text), None, "{text}");
        }
    }

    #[test]
    fn text_that_is_not_json_is_left_to_serde_json() {
        assert_eq!(path(r#"{"a": 1, "a": "#), Some("a".into()));
        assert_eq!(path(r#"{"a": 1 "a": 2}"#), None);
        assert_eq!(path(""), None);
        let deep = format!("{}{}", "[".repeat(300), "]".repeat(300));
        assert_eq!(path(&deep), None);
    }

    #[test]
    fn a_byte_order_mark_is_skipped() {
        assert_eq!(without_bom("\u{feff}{}"), "{}");
        assert_eq!(without_bom("{}"), "{}");
        assert_eq!(without_bom("\u{feff}\u{feff}{}"), "\u{feff}{}");
    }
}
