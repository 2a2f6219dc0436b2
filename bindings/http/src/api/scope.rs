//! Lists as a token limited to rulesets sees them: only the rows of its rulesets, paged as if
//! the others were not there. A row outside the token's rulesets is left out of a list (not
//! refused); reading one directly is `403` (see [`crate::auth::Caller::require_ruleset`]).

use std::collections::HashMap;

use super::AppState;
use super::instances::store_failed;
use crate::auth::Caller;
use crate::error::ApiError;

/// The most rows one list request looks at for a limited token; past it the page ends early
/// (shorter than `limit`) with a cursor from where the scan stopped.
pub(super) const MAX_SCANNED: usize = 10_000;

/// What one store read gave: the rows the caller may see (with their positions), how many
/// rows were read, and the position of the last one read.
pub(super) struct Batch<T> {
    pub kept: Vec<(i64, T)>,
    pub scanned: usize,
    pub last: Option<i64>,
}

/// A page of a filtered list.
pub(super) struct Page<T> {
    /// At most `limit` rows, in position order.
    pub items: Vec<(i64, T)>,
    /// The first visible row after the page, when the store had one.
    pub lookahead: Option<(i64, T)>,
    /// Whether rows may follow the page: pass `next` as the cursor.
    pub more: bool,
    /// Where the next page starts after (the last row of the page, or where the scan
    /// stopped).
    pub next: Option<i64>,
    /// The position of the last row read (visible or not).
    pub last_scanned: Option<i64>,
}

/// Gathers a page of visible rows from store reads: the caller reads `read()` rows after
/// `cursor()` and hands the visible ones to [`Filler::push`] until it answers the page, which
/// it does once `limit` visible rows and one more are found, the store has no more, or
/// [`MAX_SCANNED`] rows were read.
pub(super) struct Filler<T> {
    limit: usize,
    items: Vec<(i64, T)>,
    cursor: Option<i64>,
    scanned: usize,
    last_scanned: Option<i64>,
}

impl<T> Filler<T> {
    pub(super) fn new(limit: u32, after: Option<i64>) -> Filler<T> {
        Filler {
            limit: limit as usize,
            items: Vec::new(),
            cursor: after,
            scanned: 0,
            last_scanned: None,
        }
    }

    /// Where the next read starts after.
    pub(super) fn cursor(&self) -> Option<i64> {
        self.cursor
    }

    /// How many rows the next read takes.
    pub(super) fn read(&self) -> u32 {
        u32::try_from(self.limit + 1).unwrap_or(u32::MAX)
    }

    /// Takes a read's visible rows: the page once it is complete.
    pub(super) fn push(&mut self, batch: Batch<T>) -> Option<Page<T>> {
        let read = self.limit + 1;
        self.scanned += batch.scanned;
        self.last_scanned = batch.last.or(self.last_scanned);
        self.items.extend(batch.kept);
        if self.items.len() > self.limit {
            let mut items = std::mem::take(&mut self.items);
            let lookahead = items.drain(self.limit..).next();
            let next = items.last().map(|(pos, _)| *pos);
            return Some(Page {
                items,
                lookahead,
                more: true,
                next,
                last_scanned: self.last_scanned,
            });
        }
        let exhausted = batch.scanned < read;
        if exhausted || self.scanned >= MAX_SCANNED {
            return Some(Page {
                items: std::mem::take(&mut self.items),
                lookahead: None,
                more: !exhausted,
                next: if exhausted { None } else { self.last_scanned },
                last_scanned: self.last_scanned,
            });
        }
        self.cursor = batch.last;
        None
    }
}

/// Whether the caller may see the rows of each instance, remembered for one request (a
/// limited token's outbox and delivery rows name only their instance).
pub(super) struct InstanceScope<'c> {
    caller: &'c Caller,
    seen: HashMap<String, bool>,
}

impl<'c> InstanceScope<'c> {
    pub(super) fn new(caller: &'c Caller) -> InstanceScope<'c> {
        InstanceScope {
            caller,
            seen: HashMap::new(),
        }
    }

    /// Whether the caller's token may see instance `id` (an instance that is gone is not
    /// shown to a limited token).
    pub(super) async fn may_see(&mut self, state: &AppState, id: &str) -> Result<bool, ApiError> {
        if !self.caller.is_limited() {
            return Ok(true);
        }
        if let Some(known) = self.seen.get(id) {
            return Ok(*known);
        }
        let visible = state
            .ops()
            .instance(id)
            .await
            .map_err(store_failed)?
            .is_some_and(|instance| self.caller.may_use(&instance.ruleset));
        self.seen.insert(id.to_string(), visible);
        Ok(visible)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pages of rows 1..=`rows` of which those `visible` says are kept, read the way the list
    /// endpoints read the store.
    fn pages(rows: i64, limit: u32, visible: impl Fn(i64) -> bool) -> Vec<(Vec<i64>, bool)> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let mut filler = Filler::new(limit, after);
            let page = loop {
                let start = filler.cursor().unwrap_or(0);
                let read: Vec<i64> = (start + 1..=rows).take(filler.read() as usize).collect();
                let batch = Batch {
                    scanned: read.len(),
                    last: read.last().copied(),
                    kept: read
                        .iter()
                        .filter(|n| visible(**n))
                        .map(|n| (*n, ()))
                        .collect(),
                };
                if let Some(page) = filler.push(batch) {
                    break page;
                }
            };
            out.push((page.items.iter().map(|(n, _)| *n).collect(), page.more));
            if !page.more {
                return out;
            }
            after = page.next;
        }
    }

    #[test]
    fn pages_skip_hidden_rows_and_end_on_the_last_visible_one() {
        let even = pages(10, 2, |n| n % 2 == 0);
        assert_eq!(
            even,
            [(vec![2, 4], true), (vec![6, 8], true), (vec![10], false)]
        );
        assert_eq!(
            pages(4, 2, |_| true),
            [(vec![1, 2], true), (vec![3, 4], false)]
        );
        assert_eq!(pages(0, 5, |_| true), [(vec![], false)]);
    }

    #[test]
    fn a_scan_past_its_budget_ends_the_page_early_with_a_cursor() {
        // Only the last row is visible, far past one page's budget.
        let rows = i64::try_from(MAX_SCANNED).unwrap() * 2 + 5;
        let found = pages(rows, 10, |n| n == rows);
        assert!(found.len() >= 2, "{}", found.len());
        let (first, more) = &found[0];
        assert!(first.is_empty() && *more);
        assert_eq!(found.last().unwrap(), &(vec![rows], false));
    }
}
