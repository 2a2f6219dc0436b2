#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! A reader that closes `ordo`'s standard output early (`ordo eval ... | head`) stops the
//! command quietly with status 0: no panic message, never exit code 101.

use std::io::Read;
use std::process::{Command, Stdio};

/// Runs `ordo` with its standard output a pipe whose reader is closed before `ordo` writes,
/// and returns the exit code and standard error.
fn with_closed_stdout(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ordo"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Closing the read end now: every write `ordo` makes finds the pipe closed.
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code(), stderr)
}

#[test]
fn a_closed_pipe_stops_every_printing_command_quietly() {
    let large = [
        "eval",
        "examples/conveyors/conveyors.ordo",
        "-i",
        "examples/conveyors/large.json",
        "--trace",
    ];
    let commands: [&[&str]; 4] = [
        &large,
        &["graph", "examples/conveyors/conveyors.ordo"],
        &["check", "examples/bikes/bikes.ordo"],
        &["lint", "examples/bikes/bikes.ordo", "--format", "json"],
    ];
    for args in commands {
        let (code, stderr) = with_closed_stdout(args);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "{args:?}: {stderr}");
        assert_ne!(code, Some(101), "{args:?}: {stderr}");
        assert_eq!(code, Some(0), "{args:?}: {stderr}");
    }
}

#[test]
fn the_large_output_does_not_fit_a_pipe() {
    // The test above relies on `eval --trace` writing more than a pipe buffer holds (64 KiB),
    // so the closed pipe is met even if the reader were closed late.
    let out = Command::new(env!("CARGO_BIN_EXE_ordo"))
        .args([
            "eval",
            "examples/conveyors/conveyors.ordo",
            "-i",
            "examples/conveyors/large.json",
            "--trace",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(out.stdout.len() > 64 * 1024, "{} bytes", out.stdout.len());
}
