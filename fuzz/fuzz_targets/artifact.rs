//! The compiled-artifact loader on corrupted bytes. An example's artifact is damaged in one of
//! two ways: its bytes are mutated (flipped, cut, repeated, spliced), or a value inside its
//! program is replaced and the program digest recomputed, so the loader goes past its integrity
//! checks into the program itself. Loading must fail with an error or give a ruleset that
//! evaluates the example's sample input without panicking.
#![no_main]

use std::sync::OnceLock;

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use ordo_engine::{EvalOptions, Ruleset, parse_json, to_json_string};
use ordo_fuzz::examples;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};

/// Each example's artifact.
fn artifacts() -> &'static [Vec<u8>] {
    static ARTIFACTS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    ARTIFACTS.get_or_init(|| {
        examples()
            .iter()
            .map(|e| e.ruleset.to_artifact().expect("an example's artifact"))
            .collect()
    })
}

fn sha256_hex(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Flips, cuts, repeats or splices the bytes.
fn mutate_bytes(u: &mut Unstructured<'_>, bytes: &mut Vec<u8>) -> Result<()> {
    for _ in 0..u.int_in_range(1..=4)? {
        if bytes.is_empty() {
            break;
        }
        let at = u.choose_index(bytes.len())?;
        match u.int_in_range(0..=4)? {
            0 => {
                let bit: u8 = u.int_in_range(0..=7)?;
                if let Some(b) = bytes.get_mut(at) {
                    *b ^= 1 << bit;
                }
            }
            1 => bytes.truncate(at),
            2 => {
                let end = (at + u.int_in_range(1..=64)?).min(bytes.len());
                bytes.drain(at..end);
            }
            3 => {
                let end = (at + u.int_in_range(1..=64)?).min(bytes.len());
                let copy: Vec<u8> = bytes.get(at..end).unwrap_or_default().to_vec();
                let to = u.choose_index(bytes.len())?;
                bytes.splice(to..to, copy);
            }
            _ => {
                let text: &str = u.arbitrary()?;
                bytes.splice(at..at, text.bytes());
            }
        }
    }
    Ok(())
}

/// Replaces a value of the program tree, chosen by walking down from the root.
fn replace_one(u: &mut Unstructured<'_>, value: &mut Json) -> Result<()> {
    let stop = u.ratio(1, 6)?;
    match value {
        Json::Array(items) if !items.is_empty() && !stop => {
            let i = u.choose_index(items.len())?;
            if let Some(item) = items.get_mut(i) {
                return replace_one(u, item);
            }
        }
        Json::Object(fields) if !fields.is_empty() && !stop => {
            let i = u.choose_index(fields.len())?;
            if let Some(field) = fields.values_mut().nth(i) {
                return replace_one(u, field);
            }
        }
        _ => {}
    }
    *value = replacement(u, value)?;
    Ok(())
}

/// A replacement: a nearby number, another string, or a value of another kind.
fn replacement(u: &mut Unstructured<'_>, old: &Json) -> Result<Json> {
    let text = match (old, u.int_in_range(0..=3)?) {
        (Json::Number(n), 0 | 1) => {
            let n = n.as_i64().unwrap_or(0);
            let delta: i64 = *u.choose(&[1, -1, 2, 1000, -1000, i64::from(u32::MAX)])?;
            n.saturating_add(delta).to_string()
        }
        (Json::String(s), 0 | 1) => {
            let mut s = s.clone();
            let edit: &str = u.arbitrary()?;
            if u.arbitrary()? {
                let mut half = s.len() / 2;
                while !s.is_char_boundary(half) {
                    half -= 1;
                }
                s.truncate(half);
            }
            s.push_str(edit);
            serde_json::to_string(&s).unwrap_or_default()
        }
        (Json::Array(items), 0) if !items.is_empty() => {
            let mut items = items.clone();
            items.pop();
            return Ok(Json::Array(items));
        }
        _ => (*u.choose(&[
            "0",
            "1",
            "4294967295",
            "4294967296",
            "-1",
            "\"\"",
            "\"x\"",
            "\"1e400\"",
            "\"79228162514264337593543950336\"",
            "null",
            "true",
            "[]",
            "{}",
            "[0]",
            "[[0,0]]",
        ])?)
        .to_string(),
    };
    Ok(parse_json(&text).unwrap_or(Json::Null))
}

/// Replaces a value inside the program and recomputes the program digest.
fn reseal(u: &mut Unstructured<'_>, bytes: &[u8]) -> Result<Vec<u8>> {
    let Ok(mut artifact) = serde_json::from_slice::<Json>(bytes) else {
        return Ok(bytes.to_vec());
    };
    if let Some(program) = artifact.get_mut("program") {
        for _ in 0..u.int_in_range(1..=3)? {
            replace_one(u, program)?;
        }
        let digest = sha256_hex(to_json_string(program).as_bytes());
        if let Some(fields) = artifact.as_object_mut() {
            fields.insert("program_digest".into(), Json::String(digest));
        }
    }
    Ok(to_json_string(&artifact).into_bytes())
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let index = u.choose_index(examples().len())?;
    let (Some(example), Some(original)) = (examples().get(index), artifacts().get(index)) else {
        return Ok(());
    };
    let bytes = if u.arbitrary()? {
        let mut bytes = original.clone();
        mutate_bytes(u, &mut bytes)?;
        bytes
    } else {
        reseal(u, original)?
    };
    let Ok(loaded) = Ruleset::from_artifact(&bytes) else {
        return Ok(());
    };
    let options = EvalOptions::default();
    for input in &example.inputs {
        let _ = loaded.evaluate_str(input, &options);
    }
    // What loads is a ruleset like any other: it writes an artifact that loads again.
    if let Ok(again) = loaded.to_artifact() {
        let _ = Ruleset::from_artifact(&again);
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
