//! The compiled artifact: a ruleset serialised without its source, in a stable, versioned
//! format, that loads back to a ruleset giving byte-identical results. Loading checks the
//! format version and the integrity of what it reads (the content hash over the canonical form,
//! and a digest of the compiled program).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::error::{ErrorKind, EvalError};
use crate::ir::Program;
use crate::ruleset::Ruleset;

/// The artifact format this engine writes and reads.
pub const FORMAT: &str = "ordo-artifact";
/// Bumped whenever the serialised program's shape changes incompatibly.
pub const FORMAT_VERSION: u32 = 5;

/// An artifact as written.
#[derive(Serialize)]
struct Artifact<'a> {
    format: String,
    format_version: u32,
    name: String,
    version: String,
    hash: String,
    /// The canonical form the hash is computed over.
    canonical: String,
    /// `sha256:` of the serialised program, to detect a damaged artifact.
    program_digest: String,
    program: &'a Program,
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

fn damaged(what: &str) -> EvalError {
    invalid(format!("the artifact is damaged: {what}"))
}

/// The text field `name` of an artifact.
fn field(fields: &BTreeMap<String, &RawValue>, name: &str) -> Result<String, EvalError> {
    let raw = fields
        .get(name)
        .ok_or_else(|| damaged(&format!("missing field `{name}`")))?;
    serde_json::from_str(raw.get()).map_err(|e| damaged(&format!("field `{name}`: {e}")))
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
            program: self.program(),
        };
        serde_json::to_vec(&artifact).map_err(|e| unserialisable(&e))
    }

    /// Loads a serialised ruleset, checking its format version, hash and digest.
    ///
    /// The JSON is read once, each field's value kept as its text; the program digest is
    /// checked over the program's bytes as stored, before they are parsed, so any change to
    /// them is refused and the program is never written back out to be checked.
    pub fn from_artifact(bytes: &[u8]) -> Result<Ruleset, EvalError> {
        let not_json = |e: serde_json::Error| invalid(format!("this is not an ordo artifact: {e}"));
        let fields = match serde_json::from_slice::<BTreeMap<String, &RawValue>>(bytes) {
            Ok(fields) => fields,
            // Valid JSON that is not an object: it has no format either.
            Err(e) if e.is_data() => {
                serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(not_json)?;
                BTreeMap::new()
            }
            Err(e) => return Err(not_json(e)),
        };
        let raw = |name: &str| fields.get(name).map(|raw| raw.get());
        if raw("format")
            .and_then(|f| serde_json::from_str::<String>(f).ok())
            .as_deref()
            != Some(FORMAT)
        {
            return Err(invalid(
                "this is not an ordo artifact (no `format: ordo-artifact`)",
            ));
        }
        let version = raw("format_version").and_then(|v| serde_json::from_str::<u64>(v).ok());
        if version != Some(u64::from(FORMAT_VERSION)) {
            return Err(invalid(format!(
                "artifact format version {} cannot be read by this engine (it reads version {FORMAT_VERSION}); recompile the ruleset",
                version.map_or("?".to_string(), |v| v.to_string())
            )));
        }
        let text = |name: &str| -> Result<String, EvalError> { field(&fields, name) };
        let (name, version, hash, canonical) = (
            text("name")?,
            text("version")?,
            text("hash")?,
            text("canonical")?,
        );
        let program_digest = text("program_digest")?;
        let program_text = raw("program").ok_or_else(|| damaged("missing field `program`"))?;
        if crate::hash::hash_of_canonical(&canonical) != hash {
            return Err(invalid(
                "the artifact is damaged: its hash does not match its canonical form",
            ));
        }
        // The writer stores the program as the very bytes its digest is taken over.
        if sha256_hex(program_text.as_bytes()) != program_digest {
            return Err(invalid(
                "the artifact is damaged: its program does not match its digest",
            ));
        }
        let program: Program =
            serde_json::from_str(program_text).map_err(|e| damaged(&e.to_string()))?;
        if program.name != name || program.version != version {
            return Err(invalid(
                "the artifact is damaged: its name or version does not match its program",
            ));
        }
        Ok(Ruleset::from_parts(
            Arc::new(program),
            Arc::new(Vec::new()),
            hash,
            canonical,
        ))
    }
}
