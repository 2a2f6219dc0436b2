//! The compiled artifact: a ruleset serialised without its source, in a stable, versioned
//! format, that loads back to a ruleset giving byte-identical results. Loading checks the
//! format version and the integrity of what it reads (the content hash over the canonical form,
//! and a digest of the compiled program).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{ErrorKind, EvalError};
use crate::ir::Program;
use crate::ruleset::Ruleset;

/// The artifact format this engine writes and reads.
pub const FORMAT: &str = "ordo-artifact";
/// Bumped whenever the serialised program's shape changes incompatibly.
pub const FORMAT_VERSION: u32 = 5;

#[derive(Serialize, Deserialize)]
struct Artifact {
    format: String,
    format_version: u32,
    name: String,
    version: String,
    hash: String,
    /// The canonical form the hash is computed over.
    canonical: String,
    /// `sha256:` of the serialised program, to detect a damaged artifact.
    program_digest: String,
    program: Program,
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    format!(
        "sha256:{}",
        digest
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    )
}

fn invalid(message: impl Into<String>) -> EvalError {
    EvalError::new(ErrorKind::InvalidRequest, message)
}

/// A program that serde cannot write: an engine bug, never the caller's fault.
fn unserialisable(error: &serde_json::Error) -> EvalError {
    EvalError::new(
        ErrorKind::Internal,
        format!("the compiled ruleset cannot be serialised: {error}"),
    )
}

impl Ruleset {
    /// Serialises the compiled ruleset (tests are not part of it).
    ///
    /// Every part of the program serialises to JSON (maps with value keys are written as
    /// pairs); the tests check that every example round-trips. Should serialisation fail all
    /// the same, the error is an `internal` one and no bytes are given, so that an empty or
    /// partial artifact is never stored.
    pub fn to_artifact(&self) -> Result<Vec<u8>, EvalError> {
        let program_json = serde_json::to_string(self.program()).map_err(|e| unserialisable(&e))?;
        let artifact = Artifact {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            name: self.name().into(),
            version: self.version().into(),
            hash: self.hash().into(),
            canonical: self.canonical().into(),
            program_digest: sha256_hex(program_json.as_bytes()),
            program: self.program().clone(),
        };
        serde_json::to_vec(&artifact).map_err(|e| unserialisable(&e))
    }

    /// Loads a serialised ruleset, checking its format version, hash and digest.
    pub fn from_artifact(bytes: &[u8]) -> Result<Ruleset, EvalError> {
        let head: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| invalid(format!("this is not an ordo artifact: {e}")))?;
        if head.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(invalid(
                "this is not an ordo artifact (no `format: ordo-artifact`)",
            ));
        }
        let version = head
            .get("format_version")
            .and_then(serde_json::Value::as_u64);
        if version != Some(u64::from(FORMAT_VERSION)) {
            return Err(invalid(format!(
                "artifact format version {} cannot be read by this engine (it reads version {FORMAT_VERSION}); recompile the ruleset",
                version.map_or("?".to_string(), |v| v.to_string())
            )));
        }
        let artifact: Artifact = serde_json::from_value(head)
            .map_err(|e| invalid(format!("the artifact is damaged: {e}")))?;
        if crate::hash::hash_of_canonical(&artifact.canonical) != artifact.hash {
            return Err(invalid(
                "the artifact is damaged: its hash does not match its canonical form",
            ));
        }
        let program_json =
            serde_json::to_string(&artifact.program).map_err(|e| unserialisable(&e))?;
        if sha256_hex(program_json.as_bytes()) != artifact.program_digest {
            return Err(invalid(
                "the artifact is damaged: its program does not match its digest",
            ));
        }
        if artifact.program.name != artifact.name || artifact.program.version != artifact.version {
            return Err(invalid(
                "the artifact is damaged: its name or version does not match its program",
            ));
        }
        Ok(Ruleset::from_parts(
            Arc::new(artifact.program),
            Arc::new(Vec::new()),
            artifact.hash,
            artifact.canonical,
        ))
    }
}
