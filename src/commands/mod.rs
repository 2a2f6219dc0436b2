//! One module per `ordo` subcommand.

pub mod audit;
pub mod batch;
pub mod check;
pub mod configure;
pub mod conformance;
pub mod diff;
pub mod eval;
pub mod fmt;
pub mod graph;
pub mod lint;
pub mod lsp;
pub mod repl;
mod request;
pub mod serve;
pub mod test;
pub mod workflow;

/// How a command prints its results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    /// For people.
    #[default]
    Text,
    /// For tools.
    Json,
}
