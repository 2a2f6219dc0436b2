//! The engine's modules are layers, each depending only on those below it (see
//! `docs/architecture.md`). This test reads the engine's source and checks it: every
//! `crate::module` a file names must be in a lower layer, or one of the few edges allowed within
//! a layer; `compile` and `eval` stand side by side with no arrow between them; only the JSON
//! layer and the features above it name `serde_json`; and the modules form no cycle.
//!
//! A file's own test module (`#[cfg(test)]` and everything after it, or a `tests.rs`) is not
//! read: tests may reach anywhere.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Each top-level module of `engine/src` and its layer.
const LAYERS: &[(&str, u8)] = &[
    // 1. Values and numbers.
    ("error", 1),
    ("cancel", 1),
    ("num", 1),
    ("scalar", 1),
    ("sort", 1),
    ("data_files", 1),
    ("date_text", 1),
    ("types", 1),
    ("value", 1),
    // 2. The compiled form.
    ("ir", 2),
    // 3. Compiling and evaluating, side by side.
    ("compile", 3),
    ("hash", 3),
    ("eval", 3),
    // 4. The handle and its typed results.
    ("ruleset", 4),
    // 5. JSON.
    ("json", 5),
    // 6. Features.
    ("adhoc", 6),
    ("artifact", 6),
    ("configure", 6),
    ("diff", 6),
    ("lint", 6),
    ("registry", 6),
    ("testing", 6),
    ("workflow", 6),
];

/// The edges allowed within one layer.
const SAME_LAYER: &[(&str, &str)] = &[
    ("num", "error"),
    ("cancel", "error"),
    ("value", "num"),
    ("value", "date_text"),
    ("value", "types"),
    ("scalar", "num"),
    ("scalar", "types"),
    ("scalar", "value"),
    ("scalar", "date_text"),
    ("compile", "hash"),
    // The lint's reachability check enumerates finite fields as the configurator does.
    ("lint", "configure"),
    ("registry", "artifact"),
    // Workflow tests fire a state's SLA timer by the name the workflow operations give it.
    ("testing", "workflow"),
];

/// The first layer whose modules may name `serde_json`.
const JSON_LAYER: u8 = 5;

fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file belongs to (`None` for `lib.rs`).
fn module_of(file: &Path) -> Option<String> {
    let relative = file.strip_prefix(source_dir()).ok()?;
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib").then(|| name.to_string())
}

/// The file's text without its test module.
fn code_of(file: &Path) -> String {
    if file.file_name().is_some_and(|n| n == "tests.rs") {
        return String::new();
    }
    let text = fs::read_to_string(file).unwrap_or_default();
    let end = text.find("#[cfg(test)]").unwrap_or(text.len());
    text[..end]
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules named by `crate::NAME` paths, including `use crate::{a, b::c}` lists.
fn modules_named(code: &str) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(list) = rest.strip_prefix('{') {
            // A brace list: the names at its top level.
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in list.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        named.insert(first_segment(&list[start..i]));
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        named.insert(first_segment(&list[start..i]));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            named.insert(first_segment(rest));
        }
    }
    named.remove("");
    named
}

fn first_segment(path: &str) -> String {
    path.trim()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

fn layer_of(module: &str) -> Option<u8> {
    LAYERS.iter().find(|(m, _)| *m == module).map(|(_, l)| *l)
}

/// Every module's dependencies on other modules, with the file that names each.
fn dependencies() -> BTreeMap<String, BTreeMap<String, String>> {
    let mut files = Vec::new();
    rust_files(&source_dir(), &mut files);
    assert!(files.len() > 20, "the engine's source was not found");
    let mut deps: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for file in files {
        let Some(module) = module_of(&file) else {
            continue;
        };
        let shown = file
            .strip_prefix(source_dir())
            .unwrap_or(&file)
            .display()
            .to_string();
        for named in modules_named(&code_of(&file)) {
            if named != module {
                deps.entry(module.clone())
                    .or_default()
                    .entry(named)
                    .or_insert_with(|| shown.clone());
            }
        }
        deps.entry(module).or_default();
    }
    deps
}

#[test]
fn every_module_has_a_layer() {
    for module in dependencies().keys() {
        assert!(
            layer_of(module).is_some(),
            "module `{module}` has no layer: add it to LAYERS here and to docs/architecture.md"
        );
    }
}

#[test]
fn modules_depend_only_on_lower_layers() {
    let mut wrong = Vec::new();
    for (module, named) in dependencies() {
        let Some(layer) = layer_of(&module) else {
            continue;
        };
        for (other, file) in named {
            let Some(other_layer) = layer_of(&other) else {
                continue;
            };
            let allowed = other_layer < layer
                || (other_layer == layer
                    && SAME_LAYER.contains(&(module.as_str(), other.as_str())));
            if !allowed {
                wrong.push(format!(
                    "{file}: `{module}` (layer {layer}) uses `{other}` (layer {other_layer})"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "dependencies against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn compile_and_eval_do_not_know_each_other() {
    let deps = dependencies();
    for (a, b) in [
        ("compile", "eval"),
        ("eval", "compile"),
        ("ir", "eval"),
        ("ir", "compile"),
    ] {
        assert!(
            !deps.get(a).is_some_and(|named| named.contains_key(b)),
            "`{a}` uses `{b}`"
        );
    }
}

#[test]
fn only_the_json_layer_and_above_name_serde_json() {
    let mut files = Vec::new();
    rust_files(&source_dir(), &mut files);
    let mut wrong = Vec::new();
    for file in files {
        let Some(module) = module_of(&file) else {
            continue;
        };
        if layer_of(&module).is_some_and(|l| l < JSON_LAYER)
            && code_of(&file).contains("serde_json")
        {
            wrong.push(file.display().to_string());
        }
    }
    assert!(
        wrong.is_empty(),
        "below the JSON layer, these name serde_json:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_modules_form_no_cycle() {
    let deps = dependencies();
    // Depth-first search with colours: a grey module met again closes a cycle.
    fn visit(
        module: &str,
        deps: &BTreeMap<String, BTreeMap<String, String>>,
        state: &mut BTreeMap<String, u8>,
        path: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        match state.get(module) {
            Some(1) => {
                let start = path.iter().position(|m| m == module).unwrap_or(0);
                let mut cycle = path[start..].to_vec();
                cycle.push(module.to_string());
                return Some(cycle);
            }
            Some(_) => return None,
            None => {}
        }
        state.insert(module.to_string(), 1);
        path.push(module.to_string());
        for next in deps.get(module).into_iter().flat_map(|d| d.keys()) {
            if let Some(cycle) = visit(next, deps, state, path) {
                return Some(cycle);
            }
        }
        path.pop();
        state.insert(module.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for module in deps.keys() {
        if let Some(cycle) = visit(module, &deps, &mut state, &mut Vec::new()) {
            panic!("the modules form a cycle: {}", cycle.join(" -> "));
        }
    }
}

#[test]
fn the_reader_sees_brace_lists_and_paths() {
    let named =
        modules_named("use crate::{ir::Program, value::Value};\nlet x = crate::num::add(a, b);");
    let expected: BTreeSet<String> = ["ir", "value", "num"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(named, expected);
}
