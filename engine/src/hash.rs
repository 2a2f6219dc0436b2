//! The content hash of a ruleset (spec §16): `sha256:` + the hex SHA-256 of its canonical form,
//! so reformatting or editing comments keeps it and any change of meaning changes it.

use ordo_dsl::ast::Ruleset;
use sha2::{Digest, Sha256};

/// `sha256:` + the hex digest of a canonical form.
pub fn hash_of_canonical(canonical: &str) -> String {
    let digest = Sha256::digest(canonical.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The canonical form: the syntax tree without spans, comments, doc comments and tests.
pub fn canonical_form(ruleset: &Ruleset) -> String {
    let mut tree = serde_json::to_value(ruleset).unwrap_or_default();
    strip(&mut tree);
    serde_json::to_string(&tree).unwrap_or_default()
}

fn strip(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            map.remove("span");
            map.remove("doc");
            map.remove("comments");
            map.remove("hit_span");
            map.remove("severity_span");
            if let Some(serde_json::Value::Array(items)) = map.get_mut("items") {
                items.retain(|item| item.get("Test").is_none());
            }
            map.values_mut().for_each(strip);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}
