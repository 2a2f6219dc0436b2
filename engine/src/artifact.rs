//! The compiled artifact: a ruleset serialised without its source, in a stable, versioned
//! format, that loads back to a ruleset giving byte-identical results. Loading checks the
//! format version and the integrity of what it reads (the content hash over the canonical form,
//! and a digest of the compiled program).

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::error::{ErrorKind, EvalError};
use crate::hash::{hash_of_canonical, sha256_hex};
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

fn damaged(what: &str) -> EvalError {
    invalid(format!("the artifact is damaged: {what}"))
}

/// The text field `name` of an artifact, from its JSON text `raw`.
fn text_field(raw: Option<&str>, name: &str) -> Result<String, EvalError> {
    let raw = raw.ok_or_else(|| damaged(&format!("missing field `{name}`")))?;
    serde_json::from_str(raw).map_err(|e| damaged(&format!("field `{name}`: {e}")))
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

/// The fields of a stored artifact that loading reads, each as its JSON text (`None` when the
/// artifact has no such field). Other fields are ignored.
#[derive(Debug, Default)]
struct Fields<'a> {
    format: Option<&'a str>,
    format_version: Option<&'a str>,
    name: Option<&'a str>,
    version: Option<&'a str>,
    hash: Option<&'a str>,
    canonical: Option<&'a str>,
    program_digest: Option<&'a str>,
    program: Option<&'a str>,
}

impl<'a> Fields<'a> {
    /// The slot of the field called `key`, or `None` for a field loading does not read.
    fn slot(&mut self, key: &str) -> Option<&mut Option<&'a str>> {
        Some(match key {
            "format" => &mut self.format,
            "format_version" => &mut self.format_version,
            "name" => &mut self.name,
            "version" => &mut self.version,
            "hash" => &mut self.hash,
            "canonical" => &mut self.canonical,
            "program_digest" => &mut self.program_digest,
            "program" => &mut self.program,
            _ => return None,
        })
    }

    /// Every field of any JSON text, as its text: the careful reading, which accepts any
    /// valid JSON (an object with its keys in any order, spelt with escapes, or given twice,
    /// the last one counting; anything else has no fields) and names what is not JSON.
    fn of_json(bytes: &'a [u8]) -> Result<Fields<'a>, EvalError> {
        let not_json = |e: serde_json::Error| invalid(format!("this is not an ordo artifact: {e}"));
        let all = match serde_json::from_slice::<BTreeMap<String, &RawValue>>(bytes) {
            Ok(all) => all,
            // Valid JSON that is not an object: it has no format either.
            Err(e) if e.is_data() => {
                serde_json::from_slice::<serde::de::IgnoredAny>(bytes).map_err(not_json)?;
                BTreeMap::new()
            }
            Err(e) => return Err(not_json(e)),
        };
        let mut fields = Fields::default();
        for (key, raw) in &all {
            if let Some(slot) = fields.slot(key) {
                *slot = Some(raw.get());
            }
        }
        Ok(fields)
    }
}

/// JSON's whitespace.
const JSON_SPACE: [char; 4] = [' ', '\t', '\n', '\r'];

/// The JSON value at the start of `text` (after any whitespace), and the text after it.
fn next_value<'a, T: Deserialize<'a>>(text: &'a str) -> Option<(T, &'a str)> {
    let mut values = serde_json::Deserializer::from_str(text).into_iter::<T>();
    let value = values.next()?.ok()?;
    let rest = text.get(values.byte_offset()..)?;
    Some((value, rest))
}

/// The fields of an artifact as [`to_artifact`](Ruleset::to_artifact) writes them, with its
/// program and canonical form already parsed: one pass over the bytes, where the careful
/// reading ([`Fields::of_json`]) goes over those two once to find where they end and again to
/// parse them (a quarter of the time a large artifact took to load).
///
/// `None` for anything else (bytes that are not UTF-8 or not JSON, a key spelt with escapes
/// or given twice, a program that does not parse): those are read the careful way, which
/// accepts the same artifacts and names what is wrong with the others. The fields are checked
/// afterwards just the same, the program against its digest over the very text parsed.
fn read_in_one_pass(bytes: &[u8]) -> Option<(Fields<'_>, Parsed<'_>)> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut rest = text.trim_start_matches(JSON_SPACE).strip_prefix('{')?;
    let mut fields = Fields::default();
    let (mut program, mut canonical, mut digests) = (None, None, None);
    loop {
        // A key, borrowed: one with escapes does not borrow and is left to the careful reading.
        let (key, after) = next_value::<&str>(rest)?;
        let value = after.trim_start_matches(JSON_SPACE).strip_prefix(':')?;
        let value = value.trim_start_matches(JSON_SPACE);
        // The two large fields are parsed where they are found, the others kept as text.
        let after = match key {
            "program" => {
                let (parsed, after, taken) = parse_program(value, text, canonical.as_deref())?;
                (program, digests) = (Some(parsed), taken);
                after
            }
            "canonical" => {
                let (parsed, after) = next_value::<String>(value)?;
                canonical = Some(parsed);
                after
            }
            _ => next_value::<&RawValue>(value)?.1,
        };
        if let Some(slot) = fields.slot(key) {
            if slot.is_some() {
                return None;
            }
            *slot = value.get(..value.len() - after.len());
        }
        rest = after.trim_start_matches(JSON_SPACE);
        match rest.strip_prefix(',') {
            Some(next) => rest = next,
            None => break,
        }
    }
    let end = rest.strip_prefix('}')?;
    if !end.trim_start_matches(JSON_SPACE).is_empty() {
        return None;
    }
    let parsed = Parsed {
        program: program?,
        canonical: canonical?,
        digests,
    };
    Some((fields, parsed))
}

/// The fields [`read_in_one_pass`] parses as it finds them, the same as their text in
/// [`Fields`] parses to.
struct Parsed<'a> {
    program: Program,
    canonical: String,
    /// The digests [`load`] checks, when taken while the program was parsed.
    digests: Option<Digests<'a>>,
}

/// The digests of an artifact's program text and canonical form, taken beside the program's
/// parsing ([`parse_program`]).
struct Digests<'a> {
    /// The text the program digest was taken over: it serves only for that very text.
    program_text: &'a str,
    program: String,
    /// The content hash of the canonical form as read.
    canonical: String,
}

/// A program text of at least this many bytes is parsed while another thread takes the
/// digests: both take tens of milliseconds for a large table, less than starting a thread
/// for a small one.
const DIGESTS_BESIDE: usize = 1 << 20;

/// The program at the start of `value` (a suffix of the `artifact`'s text), the text after
/// it and, for a large program, the digests `load` checks, taken on another thread while it
/// is parsed. That thread takes the program's text to run to the artifact's closing brace,
/// as [`to_artifact`](Ruleset::to_artifact) writes it (the digest serves only if the parse
/// ends there), and needs the `canonical` form read before. In WebAssembly, or where no thread
/// can be started, the digests are left to `load`.
fn parse_program<'a>(
    value: &'a str,
    artifact: &'a str,
    canonical: Option<&str>,
) -> Option<(Program, &'a str, Option<Digests<'a>>)> {
    let start = artifact.len() - value.len();
    let last = artifact
        .trim_end_matches(JSON_SPACE)
        .strip_suffix('}')
        .map(|head| head.trim_end_matches(JSON_SPACE));
    // WebAssembly has no threads: the machinery to try would only make the module larger.
    let program_text = last
        .and_then(|head| artifact.get(start..head.len()))
        .filter(|text| text.len() >= DIGESTS_BESIDE && !cfg!(target_family = "wasm"));
    let (Some(program_text), Some(canonical)) = (program_text, canonical) else {
        return next_value(value).map(|(program, after)| (program, after, None));
    };
    std::thread::scope(|scope| {
        let worker = std::thread::Builder::new().spawn_scoped(scope, || Digests {
            program_text,
            program: sha256_hex(program_text.as_bytes()),
            canonical: hash_of_canonical(canonical),
        });
        let parsed = next_value::<Program>(value);
        let digests = worker.ok().and_then(|worker| worker.join().ok());
        parsed.map(|(program, after)| (program, after, digests))
    })
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
    /// An artifact as written is read in one pass, its program parsed as it is found
    /// ([`read_in_one_pass`]); any other JSON is read field by field, each field's value kept
    /// as its text, and its program parsed only once its digest is checked. Either way the
    /// digest is checked over the program's bytes as stored (never over the program written
    /// back out), so any change to them is refused, and the same checks give the same errors.
    pub fn from_artifact(bytes: &[u8]) -> Result<Ruleset, EvalError> {
        match read_in_one_pass(bytes) {
            Some((fields, parsed)) => load(&fields, Some(parsed)),
            None => load(&Fields::of_json(bytes)?, None),
        }
    }
}

/// The ruleset of an artifact's fields, once they pass every check; `parsed` is its program
/// and canonical form when already parsed from `fields` (else they are parsed here, the
/// program after its digest is checked).
fn load(fields: &Fields<'_>, parsed: Option<Parsed>) -> Result<Ruleset, EvalError> {
    if fields
        .format
        .and_then(|f| serde_json::from_str::<String>(f).ok())
        .as_deref()
        != Some(FORMAT)
    {
        return Err(invalid(
            "this is not an ordo artifact (no `format: ordo-artifact`)",
        ));
    }
    let version = fields
        .format_version
        .and_then(|v| serde_json::from_str::<u64>(v).ok());
    if version != Some(u64::from(FORMAT_VERSION)) {
        return Err(invalid(format!(
            "artifact format version {} cannot be read by this engine (it reads version {FORMAT_VERSION}); recompile the ruleset",
            version.map_or("?".to_string(), |v| v.to_string())
        )));
    }
    let (name, version, hash) = (
        text_field(fields.name, "name")?,
        text_field(fields.version, "version")?,
        text_field(fields.hash, "hash")?,
    );
    let (program, canonical, digests) = match parsed {
        Some(Parsed {
            program,
            canonical,
            digests,
        }) => (Some(program), canonical, digests),
        None => (None, text_field(fields.canonical, "canonical")?, None),
    };
    let program_digest = text_field(fields.program_digest, "program_digest")?;
    let program_text = fields
        .program
        .ok_or_else(|| damaged("missing field `program`"))?;
    // Digests taken beside the parsing count only for the very program text checked here.
    let (canonical_hash, digest) = match digests {
        Some(d) if std::ptr::eq(d.program_text, program_text) => (d.canonical, d.program),
        _ => (
            hash_of_canonical(&canonical),
            // The writer stores the program as the very bytes its digest is taken over.
            sha256_hex(program_text.as_bytes()),
        ),
    };
    if canonical_hash != hash {
        return Err(invalid(
            "the artifact is damaged: its hash does not match its canonical form",
        ));
    }
    if digest != program_digest {
        return Err(invalid(
            "the artifact is damaged: its program does not match its digest",
        ));
    }
    let program: Program = match program {
        Some(program) => program,
        None => serde_json::from_str(program_text).map_err(|e| damaged(&e.to_string()))?,
    };
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use std::fmt::Write as _;

    use super::*;

    /// The golden ruleset (decisions, tables, a price block, approvals, a workflow).
    const GOLDEN: &str = include_str!("../tests/golden/artifact_source.ordo");

    /// A decision table large enough to be indexed, with text, enum and range columns and
    /// record values.
    fn table_source(rows: usize) -> String {
        let mut s = String::from(
            "ruleset prices version \"1.0.0\"\n\nenum Tier { bronze, silver }\n\n\
             input {\n  sku: Text\n  tier: Tier\n  quantity: Int\n}\n\n\
             decision price hit first {\n  | sku | tier | quantity || rate | code |\n",
        );
        for i in 0..rows {
            let tier = ["bronze", "silver"][i % 2];
            let band = if i % 3 == 0 { ">= 10" } else { "1..<10" };
            let _ = writeln!(
                s,
                "  | \"K{}\" | {tier} | {band} || {i}% | \"R{i}\" |",
                i / 4
            );
        }
        s.push_str("  | - | - | - || 0% | \"default\" |\n}\n\n");
        s.push_str("output rate = price.rate\noutput code = price.code\n");
        s
    }

    fn artifacts() -> Vec<Vec<u8>> {
        [GOLDEN.to_string(), table_source(40)]
            .iter()
            .map(|source| {
                let ruleset = Ruleset::compile(source).expect("compiles");
                ruleset.to_artifact().unwrap()
            })
            .collect()
    }

    /// Loading the careful way only (what every artifact went through before).
    fn careful(bytes: &[u8]) -> Result<Ruleset, EvalError> {
        load(&Fields::of_json(bytes)?, None)
    }

    /// What loading gives, comparable: the artifact written back, or the error.
    fn outcome(loaded: Result<Ruleset, EvalError>) -> Result<Vec<u8>, (ErrorKind, String)> {
        loaded
            .map(|r| r.to_artifact().unwrap())
            .map_err(|e| (e.kind, e.message.clone()))
    }

    #[test]
    fn a_written_artifact_is_read_in_one_pass_to_the_compiled_program() {
        for source in [GOLDEN.to_string(), table_source(40)] {
            let ruleset = Ruleset::compile(&source).expect("compiles");
            let bytes = ruleset.to_artifact().unwrap();
            let (fields, parsed) = read_in_one_pass(&bytes).expect("read in one pass");
            assert_eq!(
                serde_json::to_string(&parsed.program).unwrap(),
                serde_json::to_string(ruleset.program()).unwrap()
            );
            assert_eq!(parsed.canonical, ruleset.canonical());
            // The same field texts as the careful reading finds.
            let careful_fields = Fields::of_json(&bytes).unwrap();
            assert_eq!(format!("{fields:?}"), format!("{careful_fields:?}"));
            let loaded = Ruleset::from_artifact(&bytes).unwrap();
            assert_eq!(loaded.to_artifact().unwrap(), bytes);
            assert_eq!(loaded.hash(), ruleset.hash());
        }
    }

    /// Every change of an artifact's text, valid or not: the one-pass reading (where it
    /// applies) and the careful one load the same ruleset or give the same error.
    #[test]
    fn either_reading_loads_the_same_or_refuses_the_same() {
        for bytes in artifacts() {
            let text = std::str::from_utf8(&bytes).unwrap();
            let at = text.find(",\"program\":").unwrap();
            let (head, program) = (&text[1..at], &text[at + 11..text.len() - 1]);
            let line = text[at..].find("\"line\":").unwrap() + at + 7;
            let variants: Vec<(&str, String, bool)> = vec![
                ("as written", text.to_string(), true),
                (
                    "the program first",
                    format!("{{\"program\":{program},{head}}}"),
                    true,
                ),
                (
                    "spaces around everything",
                    format!(
                        " {{ {} , \"program\" :\n{program} }}\n",
                        head.replace(",\"", " ,\t\"")
                    ),
                    true,
                ),
                (
                    "a key with an escape",
                    text.replacen("\"format\":", "\"form\\u0061t\":", 1),
                    true,
                ),
                (
                    "a key twice, the last counting",
                    text.replacen('{', "{\"name\":\"other\",", 1),
                    true,
                ),
                (
                    "an unknown field",
                    text.replacen('{', "{\"extra\":[1,{\"a\":null}],", 1),
                    true,
                ),
                (
                    "the name changed",
                    text.replacen("\"name\":\"", "\"name\":\"x", 1),
                    false,
                ),
                (
                    "the hash changed",
                    text.replacen("\"hash\":\"sha256:", "\"hash\":\"sha256:0", 1),
                    false,
                ),
                (
                    "the program changed",
                    format!("{}9{}", &text[..line], &text[line..]),
                    false,
                ),
                (
                    "no format",
                    text.replacen("\"format\":", "\"f\":", 1),
                    false,
                ),
                (
                    "a program that is not one",
                    text.replacen("\"program\":{", "\"program\":[{", 1),
                    false,
                ),
                ("trailing bytes", format!("{text}}}"), false),
                ("truncated", text[..text.len() - 1].to_string(), false),
                ("not an object", "[1,2]".to_string(), false),
                ("empty", String::new(), false),
            ];
            for (what, variant, loads) in variants {
                let fast = outcome(Ruleset::from_artifact(variant.as_bytes()));
                assert_eq!(fast.is_ok(), loads, "{what}: {fast:?}");
                assert_eq!(fast, outcome(careful(variant.as_bytes())), "{what}");
                if loads {
                    assert_eq!(fast.unwrap(), bytes, "{what}");
                }
            }
        }
    }

    /// A program large enough to be parsed while another thread takes its digests: the
    /// digests are taken, and a change of one byte of the program or of the canonical form
    /// is refused as the careful reading refuses it.
    #[test]
    fn the_digests_of_a_large_program_are_taken_beside_its_parsing() {
        let source = table_source(6_000);
        let bytes = Ruleset::compile(&source).unwrap().to_artifact().unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        let program = &text[text.find(",\"program\":").unwrap()..];
        assert!(program.len() > DIGESTS_BESIDE, "{} bytes", program.len());
        let (_, parsed) = read_in_one_pass(&bytes).unwrap();
        assert!(parsed.digests.is_some());
        assert_eq!(outcome(Ruleset::from_artifact(&bytes)).unwrap(), bytes);

        let at = text.find(",\"program\":").unwrap();
        let row = text[at..].find("{\"Text\":\"R12\"}").unwrap() + at;
        let canonical_row = text.find("\\\"R12\\\"").unwrap();
        for (what, variant, error) in [
            (
                "a program changed",
                format!("{}{{\"Text\":\"R13\"}}{}", &text[..row], &text[row + 14..]),
                "its program does not match its digest",
            ),
            (
                "a canonical form changed",
                format!(
                    "{}\\\"R13\\\"{}",
                    &text[..canonical_row],
                    &text[canonical_row + 7..]
                ),
                "its hash does not match its canonical form",
            ),
        ] {
            let loaded = outcome(Ruleset::from_artifact(variant.as_bytes()));
            assert!(
                loaded.as_ref().is_err_and(|(_, m)| m.contains(error)),
                "{what}: {loaded:?}"
            );
            assert_eq!(loaded, outcome(careful(variant.as_bytes())), "{what}");
        }
    }
}
