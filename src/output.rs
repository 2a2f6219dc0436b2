//! Writing to standard output. A reader that goes away early (`ordo eval ... | head`) is no
//! failure: the command stops quietly with status 0, as `ordo eval --batch` always has, rather
//! than panicking the way `println!` does on a closed pipe (exit 101). Any other write error is
//! reported on standard error with status 1.
//!
//! Rust starts programs with `SIGPIPE` ignored, so a closed pipe comes back from `write` as
//! [`io::ErrorKind::BrokenPipe`]; handling it here keeps the workspace free of `unsafe` (resetting
//! the signal would need `libc`) and works the same on every platform.

use std::io::{self, Write};

/// The status a command ends with when its reader closed standard output.
pub const CLOSED_PIPE_STATUS: i32 = 0;

/// Writes formatted text to standard output (what [`out!`] and [`outln!`] expand to); ends
/// the process on a closed pipe or another write error (see the module documentation).
pub fn write(args: std::fmt::Arguments<'_>) {
    let mut stdout = io::stdout().lock();
    if let Err(error) = stdout.write_fmt(args) {
        stop(&error);
    }
}

/// Ends the process after a failed write to standard output.
fn stop(error: &io::Error) -> ! {
    if error.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(CLOSED_PIPE_STATUS);
    }
    eprintln!("error: cannot write to standard output: {error}");
    std::process::exit(1);
}

/// `print!` that stops quietly when standard output is a closed pipe.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write(format_args!($($arg)*))
    };
}

/// `println!` that stops quietly when standard output is a closed pipe.
macro_rules! outln {
    () => {
        $crate::output::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

pub(crate) use {out, outln};
