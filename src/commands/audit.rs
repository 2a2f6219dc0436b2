//! `ordo audit`: operate the audit log of a server's store — verify its hash chain, export
//! old entries to JSON Lines, and prune them (export first; the only way entries are deleted).

use std::path::PathBuf;

use ordo_http::audit_ops::{self, AuditOpsError};
use ordo_http::chain::ChainStatus;

use super::Format;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: AuditCommand,
}

#[derive(clap::Subcommand)]
enum AuditCommand {
    /// Check the hash chain of every entry; exit 1 at the first broken link (its id is named).
    Verify {
        /// The store: a SQLite file or a PostgreSQL URL (as `ordo serve --db`).
        db: PathBuf,
        /// How to print the result.
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Write the entries before a date to a new JSON Lines file (one entry a line, with its
    /// chain hashes); nothing is deleted.
    Export {
        /// The store: a SQLite file or a PostgreSQL URL.
        db: PathBuf,
        /// Entries before this date (YYYY-MM-DD, midnight UTC) or time (RFC 3339).
        #[arg(long, value_name = "DATE")]
        before: String,
        /// The file to write; an existing file is never overwritten.
        #[arg(long, value_name = "FILE.jsonl")]
        out: PathBuf,
    },
    /// Export the entries before a date to a new JSON Lines file (fsynced), then delete them,
    /// keeping the last one's hash as the chain's anchor; the prune is itself audited.
    Prune {
        /// The store: a SQLite file or a PostgreSQL URL.
        db: PathBuf,
        /// Entries before this date (YYYY-MM-DD, midnight UTC) or time (RFC 3339).
        #[arg(long, value_name = "DATE")]
        before: String,
        /// The export written before anything is deleted; an existing file is never
        /// overwritten.
        #[arg(long, value_name = "FILE.jsonl")]
        export: PathBuf,
        /// The caller the prune's audit entry names.
        #[arg(long, default_value = "ordo audit prune")]
        caller: String,
    },
}

/// Runs the subcommand; exit 1 on a broken chain or a failure, 2 on a bad date.
pub fn run(args: &Args) -> u8 {
    match &args.command {
        AuditCommand::Verify { db, format } => match audit_ops::verify(db) {
            Ok(status) => {
                print_status(&status, *format);
                u8::from(!status.intact())
            }
            Err(error) => fail(&error),
        },
        AuditCommand::Export { db, before, out } => {
            let Some(before) = parse_before(before) else {
                return 2;
            };
            match audit_ops::export(db, before, out) {
                Ok(summary) => {
                    println!(
                        "exported {} entries to {} ({} bytes, sha256 {})",
                        summary.entries,
                        summary.path.display(),
                        summary.bytes,
                        summary.sha256
                    );
                    if let Some(broken) = &summary.chain.first_break {
                        eprintln!(
                            "warning: the chain is broken at entry {}: {}",
                            broken.id,
                            broken.reason.describe()
                        );
                        return 1;
                    }
                    0
                }
                Err(error) => fail(&error),
            }
        }
        AuditCommand::Prune {
            db,
            before,
            export,
            caller,
        } => {
            let Some(before) = parse_before(before) else {
                return 2;
            };
            match audit_ops::prune(db, before, export, caller) {
                Ok(summary) => {
                    match (&summary.export.last, summary.audit_id) {
                        (Some(last), Some(audit_id)) => println!(
                            "pruned {} entries through id {} (exported to {}); anchor {}; recorded as entry {audit_id}",
                            summary.pruned,
                            last.id,
                            summary.export.path.display(),
                            last.hash,
                        ),
                        _ => println!("nothing to prune before that date"),
                    }
                    0
                }
                Err(error) => fail(&error),
            }
        }
    }
}

fn fail(error: &AuditOpsError) -> u8 {
    eprintln!("error: {error}");
    1
}

/// `YYYY-MM-DD` (midnight UTC) or an RFC 3339 time, as microseconds since the epoch.
fn parse_before(text: &str) -> Option<i64> {
    let parsed = ordo_engine::text::parse_date(text)
        .ok()
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|time| time.and_utc().timestamp_micros())
        .or_else(|| ordo_http::store::parse_time(text));
    if parsed.is_none() {
        eprintln!(
            "error: `{text}` is not a date (YYYY-MM-DD) or an RFC 3339 time (2026-03-01T09:00:00Z)"
        );
    }
    parsed
}

fn print_status(status: &ChainStatus, format: Format) {
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(status).unwrap_or_default()
        ),
        Format::Text => {
            let start = status.anchor.as_ref().map_or_else(String::new, |a| {
                format!(" from the anchor after entry {}", a.id)
            });
            match &status.first_break {
                None => println!(
                    "audit chain intact: {} entries checked{start}{}",
                    status.checked,
                    status.head.as_ref().map_or_else(String::new, |h| format!(
                        "; head: entry {} {}",
                        h.id, h.hash
                    ))
                ),
                Some(broken) => println!(
                    "audit chain BROKEN at entry {}: {} ({} entries checked{start})",
                    broken.id,
                    broken.reason.describe(),
                    status.checked
                ),
            }
        }
    }
}
