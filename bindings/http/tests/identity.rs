#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Who the caller is: tokens read again on SIGHUP without a restart.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{ServeProcess, TempDir};

const FIRST: &str = "first-token-0123456789abcdef";
const SECOND: &str = "second-token-0123456789abcdef";

fn tokens_file(token: &str) -> String {
    format!("[[tokens]]\ntoken = \"{token}\"\ncaller = \"ops\"\nroles = [\"admin\"]\n")
}

fn hang_up(process: &ServeProcess) {
    let status = Command::new("kill")
        .args(["-HUP", &process.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Waits (bounded) until `token` gets `status` from `/v1/rulesets`.
fn until_status(process: &ServeProcess, token: &str, status: u16) -> u16 {
    let mut last = 0;
    for _ in 0..200 {
        last = process.client(Some(token)).get("/v1/rulesets").status;
        if last == status {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    last
}

#[test]
fn sighup_reads_the_tokens_again_without_a_restart() {
    let dir = TempDir::new("sighup");
    let tokens = dir.path("tokens.toml");
    std::fs::write(&tokens, tokens_file(FIRST)).unwrap();
    let db = dir.path("ordo.db");
    let mut process = ServeProcess::start(&[
        "--db",
        db.to_str().unwrap(),
        "--tokens",
        tokens.to_str().unwrap(),
    ]);
    assert_eq!(process.client(Some(FIRST)).get("/v1/rulesets").status, 200);
    assert_eq!(process.client(Some(SECOND)).get("/v1/rulesets").status, 401);
    std::fs::write(&tokens, tokens_file(SECOND)).unwrap();
    hang_up(&process);
    assert_eq!(until_status(&process, SECOND, 200), 200);
    assert_eq!(process.client(Some(FIRST)).get("/v1/rulesets").status, 401);
    // An invalid file changes nothing, and the server keeps running.
    std::fs::write(&tokens, "[[tokens]]\ntoken = \"short\"\n").unwrap();
    hang_up(&process);
    std::fs::write(&tokens, tokens_file(FIRST)).unwrap();
    hang_up(&process);
    assert_eq!(until_status(&process, FIRST, 200), 200);
    assert!(process.child.try_wait().unwrap().is_none());
    assert_eq!(process.terminate(), Some(0));
}
