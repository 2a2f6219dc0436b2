//! Running the `ordo` binary from integration tests, and compiling the examples in-process.
#![allow(dead_code, clippy::unwrap_used)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use ordo_engine::{DataFiles, Ruleset};

/// Runs `ordo` in the repository root with `stdin` as its standard input (closed when `None`).
pub fn ordo_with(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ordo"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        let mut input = input;
        input.write_all(text.as_bytes()).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// Runs `ordo` in the repository root without standard input.
pub fn ordo(args: &[&str]) -> Output {
    ordo_with(args, None)
}

/// The example ruleset `examples/NAME/NAME.ordo`, compiled with the data files beside it.
pub fn example(name: &str) -> Ruleset {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .join(format!("{name}.ordo"));
    let source = std::fs::read_to_string(&path).unwrap();
    let files = DataFiles::read_beside(&path, Ruleset::data_files_of(&source)).unwrap();
    Ruleset::compile_with_files(&source, &files)
        .unwrap_or_else(|d| panic!("{}", d.render(&path.display().to_string(), &source)))
}
