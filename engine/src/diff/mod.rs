//! What changed between two versions of a ruleset (spec §1.6): the input schema (added,
//! removed and retyped fields, and whether old inputs still work), the rules added, removed or
//! changed by id, and how the results of given inputs change.

mod data;
mod results;
mod rules;
mod schema;

use serde_json::{Value as Json, json};

use crate::ruleset::Ruleset;
pub use data::DataChange;
pub use results::{ValueChange, compare_results};
pub use rules::RuleChange;
pub use schema::SchemaChange;

/// The differences between an old and a new version.
#[derive(Debug, Clone)]
pub struct RulesetDiff {
    /// The old version's identity: `name`, `version` and `hash`.
    pub old: Json,
    /// The new version's identity: `name`, `version` and `hash`.
    pub new: Json,
    /// Changes of the input schema.
    pub schema: Vec<SchemaChange>,
    /// Rules added, removed or changed.
    pub rules: Vec<RuleChange>,
    /// Rows of data-file tables added, removed or changed.
    pub data: Vec<DataChange>,
    /// The major version is higher in the new version (a breaking change is announced).
    pub major_bump: bool,
}

impl RulesetDiff {
    /// Compares two compiled versions with their sources (the sources give rule identity).
    pub fn between(
        old: &Ruleset,
        old_source: &ordo_dsl::ast::Ruleset,
        new: &Ruleset,
        new_source: &ordo_dsl::ast::Ruleset,
    ) -> RulesetDiff {
        let major = |r: &Ruleset| semver::Version::parse(r.version()).map(|v| v.major).ok();
        RulesetDiff {
            old: old.identity_json(),
            new: new.identity_json(),
            schema: schema::diff(old.program(), new.program()),
            rules: rules::diff(old_source, new_source),
            data: data::diff(old.program(), new.program()),
            major_bump: matches!((major(old), major(new)), (Some(a), Some(b)) if b > a),
        }
    }

    /// True when an input valid for the old version may be refused by the new one.
    pub fn breaking(&self) -> bool {
        self.schema.iter().any(|c| c.breaking)
    }

    /// A breaking schema change must come with a major version bump.
    pub fn unannounced_break(&self) -> bool {
        self.breaking() && !self.major_bump
    }

    /// The diff as a JSON report, with `breaking` computed from the schema changes.
    pub fn to_json(&self) -> Json {
        json!({
            "old": self.old,
            "new": self.new,
            "breaking": self.breaking(),
            "major_bump": self.major_bump,
            "schema": self.schema.iter().map(SchemaChange::to_json).collect::<Vec<_>>(),
            "rules": self.rules.iter().map(RuleChange::to_json).collect::<Vec<_>>(),
            "data": self.data.iter().map(DataChange::to_json).collect::<Vec<_>>(),
        })
    }

    /// The diff for people.
    pub fn render(&self) -> String {
        let id = |j: &Json| {
            format!(
                "{} {}",
                j["name"].as_str().unwrap_or("?"),
                j["version"].as_str().unwrap_or("?")
            )
        };
        let mut out = format!("{} → {}\n", id(&self.old), id(&self.new));
        out.push_str("input schema:\n");
        if self.schema.is_empty() {
            out.push_str("  unchanged\n");
        }
        for change in &self.schema {
            out.push_str(&format!("  {}\n", change.describe()));
        }
        out.push_str("rules:\n");
        if self.rules.is_empty() {
            out.push_str("  unchanged\n");
        }
        for change in &self.rules {
            out.push_str(&format!(
                "  {} {} `{}`\n",
                change.change, change.kind, change.id
            ));
        }
        for change in &self.data {
            out.push_str(&format!(
                "  table `{}` ({}): {} rows added, {} removed, {} changed\n",
                change.table, change.file, change.added, change.removed, change.changed
            ));
        }
        if self.unannounced_break() {
            out.push_str(
                "the input schema changed incompatibly but the major version did not change\n",
            );
        }
        out
    }
}

#[cfg(test)]
mod tests;
