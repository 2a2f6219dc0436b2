//! The data files a ruleset's tables read (spec §21), as the compiler and the hash take them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The data files a ruleset's tables read, by the name the ruleset gives them (`from "NAME"`).
///
/// Texts are kept as the ruleset's hash covers them: a UTF-8 byte-order mark removed and line
/// endings normalised to `\n`, so the same data gives the same hash on every system.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataFiles {
    files: BTreeMap<String, String>,
}

impl DataFiles {
    /// No data files.
    pub fn new() -> DataFiles {
        DataFiles::default()
    }

    /// Adds (or replaces) the file `name` with the text `text`.
    pub fn insert(&mut self, name: impl Into<String>, text: &str) {
        self.files.insert(name.into(), normalise(text));
    }

    /// The normalised text of the file `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.files.get(name).map(String::as_str)
    }

    /// Whether no file was given.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

impl<N: Into<String>, T: AsRef<str>> FromIterator<(N, T)> for DataFiles {
    fn from_iter<I: IntoIterator<Item = (N, T)>>(iter: I) -> Self {
        let mut files = DataFiles::new();
        for (name, text) in iter {
            files.insert(name, text.as_ref());
        }
        files
    }
}

/// A data file a ruleset names that cannot be read beside it.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the data file `{}` (named by `from \"{name}\"`): {error}", path.display())]
pub struct DataFileError {
    /// The name the ruleset gives (`from "NAME"`).
    pub name: String,
    /// Where it was looked for.
    pub path: PathBuf,
    /// Why it could not be read.
    pub error: std::io::Error,
}

impl DataFiles {
    /// Reads the files `names` relative to the folder of the ruleset file `ruleset_path`: how
    /// hosts with a file system find what a ruleset's tables read.
    pub fn read_beside(
        ruleset_path: &Path,
        names: impl IntoIterator<Item = String>,
    ) -> Result<DataFiles, DataFileError> {
        let folder = ruleset_path.parent().unwrap_or(Path::new("."));
        let mut files = DataFiles::new();
        for name in names {
            let path = folder.join(&name);
            match std::fs::read_to_string(&path) {
                Ok(text) => files.insert(name, &text),
                Err(error) => return Err(DataFileError { name, path, error }),
            }
        }
        Ok(files)
    }
}

/// The text without a byte-order mark, with `\r\n` and lone `\r` as `\n`.
fn normalise(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_bom_and_line_endings() {
        let files: DataFiles = [("a.csv", "\u{feff}k,v\r\nx,1\r\n")].into_iter().collect();
        assert_eq!(files.get("a.csv"), Some("k,v\nx,1\n"));
    }
}
