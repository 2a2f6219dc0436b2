//! The hash chain over audit entries: each entry stores the hash of the one before it
//! (`prev_hash`) and its own (`entry_hash`), so editing, removing or reordering a stored entry
//! breaks the chain at that entry's successor (or at the entry itself).
//!
//! An entry's hash is the hex SHA-256 of its canonical encoding:
//!
//! ```text
//! "ordo-audit-chain-v1\n" field*
//! ```
//!
//! with the fields in this order: `prev_hash`, `id`, `at`, `caller`, `operation`, `ruleset`,
//! `version`, `hash`, `request`, `result_sha256`, `outcome`. A present field is a netstring
//! (`<byte length in decimal>:<bytes>,`; integers as their decimal text), an absent one (a
//! `NULL` `version` or `hash`) is the single byte `~`. The lengths make the encoding
//! unambiguous: no two different entries encode alike.
//!
//! The first entry's `prev_hash` is [`GENESIS`]; after a prune it is the anchor, the hash of
//! the last pruned entry (kept in the store beside the log).

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::store::AuditRecord;

/// The `prev_hash` of the first entry of a log that was never pruned: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What starts every encoded entry (the encoding's version).
const DOMAIN: &[u8] = b"ordo-audit-chain-v1\n";

/// The hash of entry `id` holding `record`, chained after `prev_hash`.
pub fn entry_hash(prev_hash: &str, id: i64, record: &AuditRecord) -> String {
    let mut hasher = Sha256::new();
    hasher.update(DOMAIN);
    let mut field = |value: Option<&[u8]>| match value {
        Some(bytes) => {
            hasher.update(bytes.len().to_string().as_bytes());
            hasher.update(b":");
            hasher.update(bytes);
            hasher.update(b",");
        }
        None => hasher.update(b"~"),
    };
    field(Some(prev_hash.as_bytes()));
    field(Some(id.to_string().as_bytes()));
    field(Some(record.at.to_string().as_bytes()));
    field(Some(record.caller.as_bytes()));
    field(Some(record.operation.as_bytes()));
    field(Some(record.ruleset.as_bytes()));
    field(record.version.as_deref().map(str::as_bytes));
    field(record.hash.as_deref().map(str::as_bytes));
    field(Some(record.request.as_bytes()));
    field(Some(record.result_sha256.as_bytes()));
    field(Some(record.outcome.as_bytes()));
    let digest = hasher.finalize();
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Where a chain starts: the last pruned entry (none when nothing was pruned).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Anchor {
    /// The id of the last pruned entry.
    pub id: i64,
    /// Its `entry_hash`: the `prev_hash` of the first entry kept.
    pub hash: String,
}

/// Why the chain breaks at an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakReason {
    /// The entry has no chain hashes (written outside the server).
    Missing,
    /// Its `prev_hash` is not the hash of the entry before it (an entry before it was
    /// changed, removed or inserted).
    PreviousMismatch,
    /// Its fields do not hash to its `entry_hash` (the entry itself was changed).
    HashMismatch,
    /// Its id is not past the one before it (or past the anchor).
    OutOfOrder,
}

impl BreakReason {
    /// A sentence for people.
    pub fn describe(self) -> &'static str {
        match self {
            BreakReason::Missing => "the entry has no chain hashes",
            BreakReason::PreviousMismatch => {
                "its prev_hash is not the hash of the entry before it (an earlier entry was changed, removed or inserted)"
            }
            BreakReason::HashMismatch => {
                "its fields do not hash to its entry_hash (it was changed)"
            }
            BreakReason::OutOfOrder => "its id does not follow the entry before it",
        }
    }
}

/// The first entry at which the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Break {
    /// The entry's id.
    pub id: i64,
    pub reason: BreakReason,
}

/// What a verification found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChainStatus {
    /// Entries checked (every stored entry, up to the first break).
    pub checked: u64,
    /// Where the chain starts (none: at [`GENESIS`]).
    pub anchor: Option<Anchor>,
    /// The id and hash of the last entry checked (the chain's head when intact).
    pub head: Option<Anchor>,
    /// The first broken link; none when the chain is intact.
    pub first_break: Option<Break>,
}

impl ChainStatus {
    /// Whether every entry links to the one before it.
    pub fn intact(&self) -> bool {
        self.first_break.is_none()
    }
}

/// Checks entries one at a time, in id order, and stops at the first broken link.
#[derive(Debug)]
pub struct Verifier {
    anchor: Option<Anchor>,
    previous: Option<Anchor>,
    checked: u64,
    first_break: Option<Break>,
}

impl Verifier {
    /// A verifier of a chain starting at `anchor` (none: at [`GENESIS`]).
    pub fn new(anchor: Option<Anchor>) -> Verifier {
        Verifier {
            previous: anchor.clone(),
            anchor,
            checked: 0,
            first_break: None,
        }
    }

    /// Checks the next entry; `false` once the chain is broken (later entries are not
    /// checked).
    pub fn check(
        &mut self,
        id: i64,
        record: &AuditRecord,
        prev_hash: Option<&str>,
        stored_hash: Option<&str>,
    ) -> bool {
        if self.first_break.is_some() {
            return false;
        }
        let expected_prev = self.previous.as_ref().map_or(GENESIS, |p| p.hash.as_str());
        let reason = match (prev_hash, stored_hash) {
            _ if self.previous.as_ref().is_some_and(|p| id <= p.id) => {
                Some(BreakReason::OutOfOrder)
            }
            (Some(prev), Some(stored)) => {
                if prev != expected_prev {
                    Some(BreakReason::PreviousMismatch)
                } else if entry_hash(prev, id, record) != stored {
                    Some(BreakReason::HashMismatch)
                } else {
                    None
                }
            }
            _ => Some(BreakReason::Missing),
        };
        self.checked += 1;
        if let Some(reason) = reason {
            self.first_break = Some(Break { id, reason });
            return false;
        }
        self.previous = Some(Anchor {
            id,
            hash: stored_hash.unwrap_or_default().to_string(),
        });
        true
    }

    /// What was found.
    pub fn finish(self) -> ChainStatus {
        ChainStatus {
            checked: self.checked,
            head: self.previous,
            anchor: self.anchor,
            first_break: self.first_break,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(request: &str) -> AuditRecord {
        AuditRecord {
            violations: Vec::new(),
            at: 1,
            caller: "ci".into(),
            operation: "evaluate".into(),
            ruleset: "demo".into(),
            version: Some("1.0.0".into()),
            hash: None,
            request: request.into(),
            result_sha256: "ab".into(),
            outcome: "ok".into(),
        }
    }

    /// A chain of `n` entries: (id, record, prev, hash).
    fn chain(n: i64) -> Vec<(i64, AuditRecord, String, String)> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|id| {
                let record = record(&format!("{{\"n\":{id}}}"));
                let hash = entry_hash(&prev, id, &record);
                let entry = (id, record, prev.clone(), hash.clone());
                prev = hash;
                entry
            })
            .collect()
    }

    fn verify(entries: &[(i64, AuditRecord, String, String)]) -> ChainStatus {
        let mut verifier = Verifier::new(None);
        for (id, record, prev, hash) in entries {
            verifier.check(*id, record, Some(prev), Some(hash));
        }
        verifier.finish()
    }

    #[test]
    fn the_encoding_is_fixed() {
        // Changing the encoding breaks every stored chain: this value must not change. (It is
        // the SHA-256 of the documented encoding, computed independently of this code.)
        assert_eq!(
            entry_hash(GENESIS, 1, &record("{}")),
            "77b3ed6273de3d92efae9db071fce137f4db68dc5fa0ac2e9237892cea309216"
        );
    }

    #[test]
    fn absent_and_empty_fields_differ() {
        let mut empty = record("{}");
        empty.hash = Some(String::new());
        assert_ne!(
            entry_hash(GENESIS, 1, &record("{}")),
            entry_hash(GENESIS, 1, &empty)
        );
        // Moving bytes from one field to the next changes the hash (lengths are encoded).
        let mut a = record("{}");
        a.caller = "ab".into();
        a.operation = "c".into();
        let mut b = record("{}");
        b.caller = "a".into();
        b.operation = "bc".into();
        assert_ne!(entry_hash(GENESIS, 1, &a), entry_hash(GENESIS, 1, &b));
    }

    #[test]
    fn an_intact_chain_verifies() {
        let status = verify(&chain(5));
        assert!(status.intact());
        assert_eq!(status.checked, 5);
        assert_eq!(status.head.map(|h| h.id), Some(5));
    }

    #[test]
    fn an_edited_entry_breaks_at_itself() {
        let mut entries = chain(5);
        if let Some(entry) = entries.get_mut(2) {
            entry.1.outcome = "forged".into();
        }
        let status = verify(&entries);
        assert_eq!(
            status.first_break,
            Some(Break {
                id: 3,
                reason: BreakReason::HashMismatch
            })
        );
        assert_eq!(status.checked, 3);
    }

    #[test]
    fn a_removed_entry_breaks_at_its_successor() {
        let mut entries = chain(5);
        entries.remove(1);
        let status = verify(&entries);
        assert_eq!(
            status.first_break,
            Some(Break {
                id: 3,
                reason: BreakReason::PreviousMismatch
            })
        );
    }

    #[test]
    fn a_chain_continues_from_its_anchor() {
        let entries = chain(5);
        let (kept, pruned): (Vec<_>, Vec<_>) = entries.into_iter().partition(|e| e.0 > 2);
        let last = pruned.last().map(|e| Anchor {
            id: e.0,
            hash: e.3.clone(),
        });
        let mut verifier = Verifier::new(last);
        for (id, record, prev, hash) in &kept {
            assert!(verifier.check(*id, record, Some(prev), Some(hash)));
        }
        assert!(verifier.finish().intact());
        // Without the anchor the first kept entry does not link.
        assert!(!verify(&kept).intact());
    }
}
