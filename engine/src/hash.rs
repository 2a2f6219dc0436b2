//! The content hash of a ruleset (spec §16): `sha256:` + the hex SHA-256 of its canonical form,
//! the formatter's layout of the syntax tree with every comment, doc comment and `test` block
//! left out, followed by the data files its tables read (spec §21). Reformatting or editing
//! comments keeps the hash; any change of meaning or of data changes it.

use ordo_dsl::ast::Ruleset;
use sha2::{Digest, Sha256};

use crate::data_files::DataFiles;

/// `sha256:` + the hex digest of a canonical form.
pub fn hash_of_canonical(canonical: &str) -> String {
    sha256_hex(canonical.as_bytes())
}

/// `sha256:` + the hex SHA-256 of `bytes` (the form of content hashes and artifact digests).
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The canonical form: [`ordo_dsl::format_canonical`], the formatter's output without comments,
/// doc comments and tests, laid out from the tree alone; then each data file the tables read,
/// by name, as a header with its name and length in bytes and its normalised text (a file that
/// was not given is left out: such a ruleset does not compile).
pub fn canonical_form(ruleset: &Ruleset, files: &DataFiles) -> String {
    let mut out = ordo_dsl::format_canonical(ruleset);
    // Sorted and deduplicated as a `BTreeSet` would be, through the one sort (crate::sort).
    let mut names: Vec<&str> = ruleset.data_files().collect();
    crate::sort::sort(&mut names);
    names.dedup();
    for name in names {
        if let Some(text) = files.get(name) {
            out.push_str(&format!("\n/// data {name:?} {} bytes\n", text.len()));
            out.push_str(text);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn hash(source: &str) -> String {
        hash_of_canonical(&canonical_form(
            &ordo_dsl::parse(source).unwrap(),
            &DataFiles::new(),
        ))
    }

    const BASE: &str = "ruleset h version \"1.0.0\"\ninput { q: Int }\nlet double = q * 2\n\
                        constraint small: q < 10 else error \"too many\"\n";

    #[test]
    fn layout_comments_and_tests_keep_the_hash() {
        let relaid = "/// Doc.\nruleset h   version \"1.0.0\"\n\n// c\ninput {\n  q: Int // n\n}\n\n\
                      let double = (q * 2)\nconstraint small:\n  q < 10\n  else error \"too many\"\n\
                      test \"t\" { given { q: 1 } expect double == 2 }\n";
        assert_eq!(hash(BASE), hash(relaid));
        assert!(hash(BASE).starts_with("sha256:"));
        assert_eq!(hash(BASE).len(), "sha256:".len() + 64);
    }

    #[test]
    fn changes_of_meaning_change_the_hash() {
        for changed in [
            BASE.replace("q * 2", "q * 3"),
            BASE.replace("q * 2", "q * 2.0"),
            BASE.replace("\"1.0.0\"", "\"1.0.1\""),
            BASE.replace("too many", "too many!"),
            BASE.replace("error", "warning"),
            BASE.replace("let double", "output double"),
        ] {
            assert_ne!(hash(BASE), hash(&changed), "{changed}");
        }
    }
}
