//! `ordo repl [FILE]`: an interactive session over a ruleset: set inputs, evaluate any
//! expression in the ruleset's scope, explain values, reload the file after editing it.
//!
//! On a terminal the line editor keeps a history (`~/.ordo_history`), completes names and
//! commands with Tab, and continues the input while a bracket or string is open. With piped
//! standard input the lines are read plainly, with no prompt, so the session can be scripted.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{CompletionType, Config, Editor};

use crate::repl::helper::{ReplHelper, incomplete};
use crate::repl::{Next, Session};

#[derive(clap::Args)]
pub struct Args {
    /// The ruleset file (without one, expressions see only the built-ins).
    file: Option<PathBuf>,
}

/// Exit 0 at the end of an interactive session; a piped session exits 1 when any of its
/// commands failed.
pub fn run(args: &Args) -> u8 {
    let mut session = Session::start(args.file.clone());
    if std::io::stdin().is_terminal() {
        interactive(&mut session);
        0
    } else {
        piped(&mut session);
        u8::from(session.errors > 0)
    }
}

fn piped(session: &mut Session) {
    let stdin = std::io::stdin();
    let mut pending = String::new();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        pending.push_str(&line);
        pending.push('\n');
        if incomplete(&pending) {
            continue;
        }
        let text = std::mem::take(&mut pending);
        if session.handle(&text) == Next::Quit {
            return;
        }
    }
    if !pending.trim().is_empty() {
        session.handle(&pending);
    }
}

fn history_file() -> Option<PathBuf> {
    std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".ordo_history"))
}

fn interactive(session: &mut Session) {
    let config = Config::builder()
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .build();
    let mut editor: Editor<ReplHelper, DefaultHistory> = match Editor::with_config(config) {
        Ok(editor) => editor,
        Err(error) => {
            eprintln!("error: cannot start the line editor ({error}); reading plain lines");
            piped(session);
            return;
        }
    };
    editor.set_helper(Some(ReplHelper {
        names: session.names.clone(),
    }));
    let history = history_file();
    if let Some(path) = &history {
        // No history yet is normal.
        let _ = editor.load_history(path);
    }
    crate::output::outln!("{}", session.banner());
    loop {
        match editor.readline("ordo> ") {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                }
                if session.handle(&line) == Next::Quit {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(error) => {
                eprintln!("error: {error}");
                break;
            }
        }
    }
    if let Some(path) = &history
        && let Err(error) = editor.save_history(path)
    {
        eprintln!(
            "warning: could not save the history to {}: {error}",
            path.display()
        );
    }
}
