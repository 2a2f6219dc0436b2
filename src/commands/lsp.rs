//! `ordo lsp`: the language server editors start (see docs/editors.md).

#[derive(clap::Args)]
pub struct Args {
    /// Accepted for editors that pass it; standard input and output are the only transport.
    #[arg(long)]
    stdio: bool,
}

/// Exit 0 when the client shut the server down, 1 on a protocol or I/O failure.
pub fn run(_args: &Args) -> u8 {
    match crate::lsp::run() {
        Ok(()) => 0,
        Err(message) => {
            eprintln!("error: ordo lsp: {message}");
            1
        }
    }
}
