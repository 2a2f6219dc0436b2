#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The compiled artifact against a golden file: the artifact of a realistic ruleset (decisions,
//! tables, a price block, an approval chain, a workflow and triggers) is kept in
//! `tests/golden/artifact-v{FORMAT_VERSION}.json`, so any change to the format is noticed.
//!
//! - Compiling `tests/golden/artifact_source.ordo` today gives the golden bytes exactly.
//! - The golden artifact loads and answers every request of `tests/golden/cases/` with the same
//!   text as the freshly compiled ruleset, and that text is golden too
//!   (`NAME.request.json` → `NAME.result.json`).
//! - An artifact of another format version is refused with an error naming both versions.
//! - Truncated, damaged or garbage bytes give an error, never a panic.
//!
//! `ORDO_BLESS=1 cargo test -p ordo-engine --test artifact_golden` writes the golden files. It
//! refuses to overwrite a golden artifact that this engine can no longer read: that is a new
//! format, which takes a new `FORMAT_VERSION` and so a new golden file.
//!
//! Only the engine's public API is used; the format version is read from the artifact itself.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ordo_engine::{
    ApplyRequest, Approvals, ErrorKind, EvalOptions, Ruleset, TimerRequest, TransitionsRequest,
    to_json_string,
};
use serde_json::Value as Json;

fn golden_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden")
}

fn blessing() -> bool {
    std::env::var_os("ORDO_BLESS").is_some_and(|v| v == "1")
}

/// A path as written from the workspace root.
fn show(path: &Path) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new(""));
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

const BLESS: &str = "ORDO_BLESS=1 cargo test -p ordo-engine --test artifact_golden";

fn compile_source() -> Ruleset {
    let path = golden_dir().join("artifact_source.ordo");
    let source = std::fs::read_to_string(&path).unwrap();
    Ruleset::compile(&source).unwrap_or_else(|d| panic!("{} does not compile:\n{d}", show(&path)))
}

/// The artifact of the golden source, compiled now.
fn fresh_artifact() -> Vec<u8> {
    compile_source().to_artifact().unwrap()
}

/// The `format_version` an artifact declares.
fn format_version_of(bytes: &[u8]) -> u64 {
    let json: Json = serde_json::from_slice(bytes).unwrap();
    json["format_version"]
        .as_u64()
        .expect("an artifact has a numeric format_version")
}

fn golden_path(version: u64) -> PathBuf {
    golden_dir().join(format!("artifact-v{version}.json"))
}

/// The golden artifact of the current format version (written first when blessing).
fn golden_artifact() -> &'static [u8] {
    static GOLDEN: OnceLock<Vec<u8>> = OnceLock::new();
    GOLDEN.get_or_init(|| {
        let fresh = fresh_artifact();
        let path = golden_path(format_version_of(&fresh));
        if blessing() {
            if let Ok(old) = std::fs::read(&path)
                && old != fresh
                && let Err(e) = Ruleset::from_artifact(&old)
            {
                panic!(
                    "not overwriting {}: this engine cannot read it any more ({e}). If the artifact \
                     format changed, bump FORMAT_VERSION in engine/src/artifact.rs, then bless \
                     again to write the golden file of the new version.",
                    show(&path)
                );
            }
            std::fs::write(&path, &fresh).unwrap();
            return fresh;
        }
        std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "there is no golden artifact for format version {} ({}: {e}). If FORMAT_VERSION \
                 was bumped on purpose, write it with `{BLESS}` and commit it.",
                format_version_of(&fresh),
                show(&path)
            )
        })
    })
}

/// Where two byte strings first differ, with some context, for a readable failure.
fn first_difference(golden: &[u8], fresh: &[u8]) -> String {
    let at = golden
        .iter()
        .zip(fresh)
        .position(|(a, b)| a != b)
        .unwrap_or(golden.len().min(fresh.len()));
    let around = |bytes: &[u8]| {
        let start = at.saturating_sub(60);
        let end = (at + 60).min(bytes.len());
        String::from_utf8_lossy(&bytes[start..end]).into_owned()
    };
    format!(
        "golden {} bytes, fresh {} bytes; first difference at byte {at}:\n  golden: …{}…\n  fresh:  …{}…",
        golden.len(),
        fresh.len(),
        around(golden),
        around(fresh)
    )
}

#[test]
fn the_artifact_is_byte_identical_to_the_golden_file() {
    let golden = golden_artifact();
    let fresh = fresh_artifact();
    let version = format_version_of(&fresh);
    assert!(
        golden == fresh.as_slice(),
        "the compiled artifact differs from {}.\n{}\n\nThe artifact format of version {version} \
         must not change. If the change is meant, bump FORMAT_VERSION in engine/src/artifact.rs \
         and add the golden file of the new version with `{BLESS}` (keep this one: it checks that \
         older artifacts are refused). If only the compiled program changed and older artifacts \
         still load and give the same results, bless again with the same command.",
        show(&golden_path(version)),
        first_difference(golden, &fresh)
    );
    // Compiling is deterministic: twice in one process, the same bytes.
    assert!(fresh_artifact() == fresh, "two compilations differ");
}

/// Runs one golden request against a ruleset and gives the result text.
fn run(ruleset: &Ruleset, call: &str, request: &Json) -> String {
    let result = match call {
        "evaluate" => {
            let mut options = EvalOptions::default();
            if let Some(as_of) = request.get("as_of").and_then(Json::as_str) {
                options.as_of = Some(as_of.parse().unwrap());
            }
            options.trace = request.get("trace").and_then(Json::as_bool) == Some(true);
            options.approvals = request
                .get("approvals")
                .map(|a| Approvals::from_json(a).unwrap());
            ruleset.evaluate_str(&to_json_string(&request["input"]), &options)
        }
        "transitions" => TransitionsRequest::from_json(request)
            .and_then(|r| ruleset.transitions(&r))
            .map(|j| to_json_string(&j)),
        "apply" => ApplyRequest::from_json(request)
            .and_then(|r| ruleset.apply(&r))
            .map(|j| to_json_string(&j)),
        "fire_timer" => TimerRequest::from_json(request)
            .and_then(|r| ruleset.fire_timer(&r))
            .map(|j| to_json_string(&j)),
        other => panic!("unknown call `{other}`"),
    };
    result.unwrap_or_else(|e| panic!("`{call}` failed: {} {}", e.kind.as_str(), e.message))
}

/// The golden requests: (name, call, request), in name order.
fn cases() -> Vec<(String, String, Json)> {
    let dir = golden_dir().join("cases");
    let mut cases: Vec<(String, String, Json)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter_map(|path| {
            let file = path.file_name()?.to_str()?;
            let name = file.strip_suffix(".request.json")?.to_string();
            let case: Json = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", show(&path)));
            let call = case["call"]
                .as_str()
                .expect("a case names its call")
                .to_string();
            Some((name, call, case["request"].clone()))
        })
        .collect();
    cases.sort_by(|a, b| a.0.cmp(&b.0));
    cases
}

#[test]
fn the_golden_artifact_loads_and_gives_the_golden_results() {
    let loaded = Ruleset::from_artifact(golden_artifact())
        .unwrap_or_else(|e| panic!("the golden artifact does not load: {e}"));
    let fresh = compile_source();
    assert_eq!(loaded.name(), fresh.name());
    assert_eq!(loaded.version(), fresh.version());
    assert_eq!(loaded.hash(), fresh.hash());
    assert_eq!(loaded.canonical(), fresh.canonical());
    let cases = cases();
    let calls: Vec<&str> = cases.iter().map(|(_, call, _)| call.as_str()).collect();
    for call in ["evaluate", "transitions", "apply", "fire_timer"] {
        assert!(calls.contains(&call), "no golden case calls `{call}`");
    }
    let mut failures = Vec::new();
    for (name, call, request) in &cases {
        let from_golden = run(&loaded, call, request);
        let from_fresh = run(&fresh, call, request);
        if from_golden != from_fresh {
            failures.push(format!(
                "{name}: the golden artifact and the fresh compilation disagree\n{}",
                first_difference(from_golden.as_bytes(), from_fresh.as_bytes())
            ));
            continue;
        }
        let path = golden_dir()
            .join("cases")
            .join(format!("{name}.result.json"));
        if blessing() {
            std::fs::write(&path, &from_fresh).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(golden) if golden == from_fresh => {}
            Ok(golden) => failures.push(format!(
                "{name}: the result differs from {}\n{}",
                show(&path),
                first_difference(golden.as_bytes(), from_fresh.as_bytes())
            )),
            Err(e) => failures.push(format!("{name}: {}: {e}", show(&path))),
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n\nIf the results changed on purpose, bless them with `{BLESS}`.",
        failures.join("\n\n")
    );
}

#[test]
fn an_artifact_of_another_format_version_is_refused() {
    let golden = golden_artifact();
    let current = format_version_of(golden);
    let text = std::str::from_utf8(golden).unwrap();
    let field = format!("\"format_version\":{current}");
    assert_eq!(text.matches(&field).count(), 1, "{field} appears once");
    Ruleset::from_artifact(golden).expect("the golden artifact itself loads");
    for other in [2, 99] {
        assert_ne!(other, current);
        let changed = text.replacen(&field, &format!("\"format_version\":{other}"), 1);
        let error = refused(
            &format!("an artifact of version {other}"),
            changed.as_bytes(),
        );
        assert_eq!(error.kind.as_str(), "invalid_request");
        assert!(
            error.message.contains(&format!("version {other}"))
                && error.message.contains(&format!("version {current}")),
            "the message names neither or only one of the versions {other} and {current}: {}",
            error.message
        );
    }
    // No version at all, or one that is not a number: refused, naming the version read.
    for (what, changed) in [
        (
            "an artifact without a version",
            text.replacen(&format!("{field},"), "", 1),
        ),
        (
            "an artifact with a text version",
            text.replacen(&field, &format!("\"format_version\":\"{current}\""), 1),
        ),
    ] {
        assert_ne!(changed, text);
        let error = refused(what, changed.as_bytes());
        assert!(
            error.message.contains(&format!("version {current}")),
            "{}",
            error.message
        );
    }
    // The golden artifacts of older versions, kept when the format moved on, are refused.
    for entry in std::fs::read_dir(golden_dir()).unwrap() {
        let path = entry.unwrap().path();
        let Some(version) = path
            .file_name()
            .and_then(|f| f.to_str())
            .and_then(|f| f.strip_prefix("artifact-v")?.strip_suffix(".json"))
            .and_then(|v| v.parse::<u64>().ok())
        else {
            continue;
        };
        if version == current {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let error = refused(&show(&path), &bytes);
        assert!(
            error.message.contains(&format!("version {version}"))
                && error.message.contains(&format!("version {current}")),
            "{}: {}",
            show(&path),
            error.message
        );
    }
}

/// Loads bytes, turning a panic into a failure that says which bytes caused it.
fn load(what: &str, bytes: &[u8]) -> Result<Ruleset, ordo_engine::EvalError> {
    catch_unwind(AssertUnwindSafe(|| Ruleset::from_artifact(bytes)))
        .unwrap_or_else(|_| panic!("loading {what} panicked"))
}

fn refused(what: &str, bytes: &[u8]) -> ordo_engine::EvalError {
    match load(what, bytes) {
        Ok(_) => panic!("{what} loaded"),
        Err(error) => {
            assert_eq!(error.kind, ErrorKind::InvalidRequest, "{what}: {error}");
            assert!(!error.message.is_empty(), "{what}: an empty message");
            error
        }
    }
}

#[test]
fn damaged_bytes_fail_with_an_error_never_a_panic() {
    let golden = golden_artifact();
    let len = golden.len();

    // Every truncation is an error: the cuts near either end all, the others sampled.
    let mut cuts: Vec<usize> = (0..len.min(256)).collect();
    cuts.extend((256..len).step_by(31));
    cuts.extend(len.saturating_sub(256)..len);
    for cut in cuts {
        refused(&format!("the artifact cut to {cut} bytes"), &golden[..cut]);
    }

    // Garbage, and JSON that is not an artifact.
    let mut noise = Vec::new();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..4096 {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        noise.push(state.to_le_bytes()[0]);
    }
    let mut with_tail = golden.to_vec();
    with_tail.extend_from_slice(b"}garbage");
    let mut invalid_utf8 = golden.to_vec();
    invalid_utf8.insert(len / 2, 0xff);
    let reversed: Vec<u8> = golden.iter().rev().copied().collect();
    let garbage: [(&str, &[u8]); 14] = [
        ("no bytes", b""),
        ("a word", b"garbage"),
        ("binary noise", &noise),
        ("a short noise", &noise[..7]),
        ("NUL and high bytes", b"\x00\xff\xfe\x80"),
        ("null", b"null"),
        ("an array", b"[]"),
        ("an empty object", b"{}"),
        ("a number", b"42"),
        ("a string", b"\"ordo-artifact\""),
        (
            "a bare format",
            br#"{"format":"ordo-artifact","format_version":3}"#,
        ),
        ("the artifact with trailing bytes", &with_tail),
        ("the artifact with an invalid UTF-8 byte", &invalid_utf8),
        ("the artifact reversed", &reversed),
    ];
    for (what, bytes) in garbage {
        refused(what, bytes);
    }

    // Well-formed JSON whose parts do not agree: each is detected.
    let artifact: Json = serde_json::from_slice(golden).unwrap();
    let damaged = |edit: &dyn Fn(&mut Json)| {
        let mut json = artifact.clone();
        edit(&mut json);
        serde_json::to_vec(&json).unwrap()
    };
    let cases: [(&str, Vec<u8>, &str); 6] = [
        (
            "another format",
            damaged(&|j| j["format"] = "zip".into()),
            "not an ordo artifact",
        ),
        (
            "an edited canonical form",
            damaged(&|j| {
                j["canonical"] = format!("{} ", j["canonical"].as_str().unwrap()).into();
            }),
            "damaged",
        ),
        (
            "another hash",
            damaged(&|j| j["hash"] = format!("sha256:{}", "0".repeat(64)).into()),
            "damaged",
        ),
        (
            "another program digest",
            damaged(&|j| j["program_digest"] = format!("sha256:{}", "0".repeat(64)).into()),
            "damaged",
        ),
        (
            "another name",
            damaged(&|j| j["name"] = "other".into()),
            "damaged",
        ),
        (
            "no program",
            damaged(&|j| {
                j.as_object_mut().unwrap().remove("program");
            }),
            "damaged",
        ),
    ];
    for (what, bytes, says) in cases {
        let error = refused(what, &bytes);
        assert!(error.message.contains(says), "{what}: {}", error.message);
    }

    // A byte changed anywhere: an error or (rarely, where the change means nothing) a ruleset,
    // never a panic.
    for at in (0..len).step_by((len / 400).max(1)) {
        let mut bytes = golden.to_vec();
        bytes[at] = if bytes[at] == b'7' { b'8' } else { b'7' };
        let _ = load(&format!("the artifact with byte {at} changed"), &bytes);
    }
}

/// Replaces every string `from` in a JSON tree with `to`.
fn rename_everywhere(value: &mut Json, from: &str, to: &str) {
    match value {
        Json::String(s) if s == from => *s = to.to_string(),
        Json::Array(items) => items
            .iter_mut()
            .for_each(|i| rename_everywhere(i, from, to)),
        Json::Object(fields) => fields
            .values_mut()
            .for_each(|f| rename_everywhere(f, from, to)),
        _ => {}
    }
}

/// The artifact's bytes after its program was edited, with the program digest recomputed.
fn reseal(artifact: &mut Json) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let digest: String = Sha256::digest(to_json_string(&artifact["program"]).as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    artifact["program_digest"] = Json::String(format!("sha256:{digest}"));
    to_json_string(artifact).into_bytes()
}

/// Sets every field `key` of a JSON tree to `to`.
fn set_everywhere(value: &mut Json, key: &str, to: &Json) {
    match value {
        Json::Array(items) => items.iter_mut().for_each(|i| set_everywhere(i, key, to)),
        Json::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                if name == key {
                    *field = to.clone();
                } else {
                    set_everywhere(field, key, to);
                }
            }
        }
        _ => {}
    }
}

/// A forged program whose local variables sit at a slot no compiler gives out (the evaluator
/// once sized its stack by it and aborted on a 100 GB allocation): evaluating it is an error
/// naming the slot, for each construct that binds a local.
#[test]
fn a_forged_local_slot_is_an_error_not_an_abort() {
    let source = r#"ruleset forged version "1.0.0"
input { items: List<Int> }
fn twice(n: Int) -> Int = n * 2
output doubled = [twice(i) for i in items]
output big = sum(i for i in items if i > 1)
constraint positive for i in items: i > 0 else error "item {i} is not positive"
price quote currency "EUR" {
  for i in items {
    line item "item" qty 1 at 1.00
  }
}
"#;
    let ruleset = Ruleset::compile(source).unwrap_or_else(|d| panic!("{d}"));
    let input = r#"{"items": [1, 2, 3]}"#;
    let options = EvalOptions::default();
    ruleset
        .evaluate_str(input, &options)
        .expect("the ruleset evaluates before it is forged");
    for key in ["slot", "id_slot"] {
        let mut artifact: Json = serde_json::from_slice(&ruleset.to_artifact().unwrap()).unwrap();
        set_everywhere(&mut artifact["program"], key, &Json::from(u32::MAX));
        let bytes = reseal(&mut artifact);
        let forged = load("the artifact with a forged slot", &bytes).expect("it loads");
        let error = catch_unwind(AssertUnwindSafe(|| forged.evaluate_str(input, &options)))
            .unwrap_or_else(|_| panic!("a forged `{key}` panics"))
            .expect_err("a forged slot is refused");
        assert!(error.message.contains("local slot"), "{key}: {error:?}");
    }
}

/// An artifact whose program was edited and its digest recomputed passes the integrity
/// checks: the digest detects damage, not forgery. Names in it may then hold what no
/// identifier can (a quote, a backslash, a control character); results stay valid JSON.
#[test]
fn a_forged_artifact_with_names_that_need_escapes_still_writes_valid_json() {
    let mut artifact: Json = serde_json::from_slice(&fresh_artifact()).unwrap();
    let forged = "n\"e\\t\u{1}";
    rename_everywhere(&mut artifact["program"], "net", forged);
    let bytes = reseal(&mut artifact);

    let ruleset = load("the forged artifact", &bytes).expect("a resealed artifact loads");
    let (_, call, request) = cases()
        .into_iter()
        .find(|(name, _, _)| name == "contract_order_granted")
        .unwrap();
    let text = run(&ruleset, &call, &request);
    let result: Json = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("the result is not JSON ({e}): {text}"));
    assert!(
        result["quotes"]["quote"]["subtotals"].get(forged).is_some(),
        "the forged subtotal name is a key of the result: {text}"
    );
}
