//! Decision tables: the index that narrows the rows to test without scanning them all, and
//! the hit policies that turn the matching rows into a value.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::ir::{CompareOp, DecisionRow, Expr, KeyIndex, KeyValue, Test};
use crate::value::Value;

/// Per input column, an optional index from the column's value to the rows that may match.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(from = "StoredIndex")]
pub struct DecisionIndex {
    pub columns: Vec<ColumnIndex>,
    /// For a table of at most 128 rows, the same lists as sets of bits, intersected
    /// in a few instructions where walking the lists takes hundreds. Made from `columns`
    /// when they are built or loaded, never stored.
    #[serde(skip)]
    bits: Option<Vec<ColumnBits>>,
}

/// What an artifact stores of a [`DecisionIndex`]: its columns.
#[derive(Deserialize)]
struct StoredIndex {
    columns: Vec<ColumnIndex>,
}

impl From<StoredIndex> for DecisionIndex {
    fn from(stored: StoredIndex) -> DecisionIndex {
        DecisionIndex::of_columns(stored.columns)
    }
}

/// Rows as the bits of a number: row `r` is bit `r`.
type RowBits = u128;

/// One column's index as sets of rows: what [`ColumnIndex::rows_for`] gives, as bits.
#[derive(Debug, Clone)]
enum ColumnBits {
    None,
    Equality {
        /// The rows for each key, the rows for any key among them.
        by_key: KeyIndex<RowBits>,
        always: RowBits,
    },
    /// By region, as [`ColumnIndex::Ranges`] numbers them.
    Ranges(Vec<RowBits>),
}

impl ColumnBits {
    /// The column's lists as bits, or `None` when a row number does not fit.
    fn of(column: &ColumnIndex) -> Option<ColumnBits> {
        fn bits(lists: &[&[u32]]) -> Option<RowBits> {
            let mut bits: RowBits = 0;
            for row in lists.iter().copied().flatten() {
                bits |= 1u128.checked_shl(*row)?;
            }
            Some(bits)
        }
        Some(match column {
            ColumnIndex::None => ColumnBits::None,
            ColumnIndex::Equality {
                rows_by_key,
                always,
            } => {
                let mut by_key = KeyIndex::default();
                for (key, rows) in rows_by_key.iter() {
                    by_key.insert(key.clone(), bits(&[rows, always])?);
                }
                ColumnBits::Equality {
                    by_key,
                    always: bits(&[always])?,
                }
            }
            ColumnIndex::Ranges { regions, .. } => ColumnBits::Ranges(
                regions
                    .iter()
                    .map(|rows| bits(&[rows]))
                    .collect::<Option<_>>()?,
            ),
        })
    }
}

/// How one column narrows the candidate rows.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub enum ColumnIndex {
    /// The column has tests that cannot be indexed.
    None,
    /// Equality tests: rows by key, plus the rows that match any key (`-`, `!=`, ...).
    Equality {
        rows_by_key: KeyIndex<Vec<u32>>,
        always: Vec<u32>,
    },
    /// Numeric tests: the number line cut at every bound into regions (even index: the open
    /// interval before a breakpoint; odd: the breakpoint itself), each with its candidate rows.
    Ranges {
        breakpoints: Vec<Decimal>,
        regions: Vec<Vec<u32>>,
    },
}

/// The most region entries a range index may hold per row before it is not worth it.
const RANGE_INDEX_BUDGET_PER_ROW: usize = 16;

impl DecisionIndex {
    /// Builds the index of every column whose tests are constant.
    pub fn build(rows: &[DecisionRow], columns: usize) -> DecisionIndex {
        DecisionIndex::of_columns((0..columns).map(|c| index_column(rows, c)).collect())
    }

    /// The index of these columns, with their bits when every row number fits (looked at
    /// first: a large table's lists are not turned into bits only to find a row past 128).
    fn of_columns(columns: Vec<ColumnIndex>) -> DecisionIndex {
        let fits = columns
            .iter()
            .all(|c| c.last_rows().all(|row| row < RowBits::BITS));
        let bits = fits
            .then(|| columns.iter().map(ColumnBits::of).collect())
            .flatten();
        DecisionIndex { columns, bits }
    }

    /// The candidate rows for these column values, in row order, or `None` when no column
    /// index applies (then every row is a candidate).
    #[cfg(test)]
    pub fn candidates(&self, values: &[Value]) -> Option<Vec<u32>> {
        self.candidate_rows(values).map(Iterator::collect)
    }

    /// [`Self::candidates`] by walking the lists, as a table of more than 128 rows does,
    /// and the columns it covers.
    #[cfg(test)]
    fn walked_candidates(&self, values: &[Value]) -> Option<(Vec<u32>, u64)> {
        let walked = DecisionIndex {
            columns: self.columns.clone(),
            bits: None,
        };
        walked
            .candidate_rows(values)
            .map(|c| (c.covered(), c.collect()))
            .map(|(covered, rows)| (rows, covered))
    }

    /// As [`Self::candidates`], without collecting: the rows of the most selective column's
    /// lists that are in the lists of every other indexed column too. Every row it gives
    /// passes the tests of all those columns (an index is exact: it is built only from
    /// constant tests), so the columns in [`Candidates::covered`] need not be tested again.
    pub fn candidate_rows(&self, values: &[Value]) -> Option<Candidates<'_>> {
        if let Some(bits) = &self.bits {
            return candidate_bits(&self.columns, bits, values);
        }
        // Filled in place: lists gathered apart and then moved in were copied once more.
        let mut found = Candidates {
            bits: None,
            walk: Merge { a: &[], b: &[] },
            lists: [RowLists::EMPTY; MAX_INTERSECTED],
            count: 0,
            covered: 0,
        };
        // Past the mask's 64 columns, or past the first few indexed ones, rows are tested as
        // usual.
        for (index, (column, value)) in self.columns.iter().zip(values).enumerate().take(64) {
            let Some(rows) = column.rows_for(value) else {
                continue;
            };
            let Some(slot) = found.lists.get_mut(found.count) else {
                break;
            };
            *slot = rows;
            found.count += 1;
            found.covered |= 1 << index;
        }
        // Walk the shortest list (moved first); the others are only looked up.
        let indexed = found.lists.get_mut(..found.count)?;
        let (shortest, _) = indexed
            .iter()
            .enumerate()
            .min_by_key(|(_, rows)| rows.len())?;
        indexed.swap(0, shortest);
        let walked = indexed.first().copied().unwrap_or(RowLists::EMPTY);
        found.walk = Merge {
            a: walked.keyed,
            b: walked.always,
        };
        Some(found)
    }
}

/// [`DecisionIndex::candidate_rows`] of a small table: the rows every indexed column allows,
/// intersected as bits.
fn candidate_bits<'a>(
    columns: &'a [ColumnIndex],
    bits: &[ColumnBits],
    values: &[Value],
) -> Option<Candidates<'a>> {
    let mut rows = RowBits::MAX;
    let mut covered = 0u64;
    // Past the mask's 64 columns, rows are tested as usual.
    for (index, ((column, bits), value)) in
        columns.iter().zip(bits).zip(values).enumerate().take(64)
    {
        let allowed = match (column, bits) {
            (ColumnIndex::Equality { .. }, ColumnBits::Equality { by_key, always }) => {
                let Some(key) = KeyValue::of(value) else {
                    continue;
                };
                by_key.get(&key).copied().unwrap_or(*always)
            }
            (ColumnIndex::Ranges { breakpoints, .. }, ColumnBits::Ranges(regions)) => {
                let Value::Number(n) = value else {
                    continue;
                };
                let region = region_of(breakpoints, *n);
                regions.get(region).copied().unwrap_or(0)
            }
            _ => continue,
        };
        rows &= allowed;
        covered |= 1 << index;
    }
    (covered != 0).then_some(Candidates {
        bits: Some(rows),
        walk: Merge { a: &[], b: &[] },
        lists: [RowLists::EMPTY; MAX_INTERSECTED],
        count: 0,
        covered,
    })
}

/// The region of a range index that `n` falls in (see [`ColumnIndex::Ranges`]).
fn region_of(breakpoints: &[Decimal], n: Decimal) -> usize {
    match breakpoints.binary_search_by(|b| crate::num::cmp(*b, n)) {
        Ok(i) => 2 * i + 1,
        Err(i) => 2 * i,
    }
}

/// How many indexed columns one lookup intersects at most.
const MAX_INTERSECTED: usize = 6;

impl ColumnIndex {
    /// The last row of each of the column's lists (the largest: lists are in row order).
    fn last_rows(&self) -> impl Iterator<Item = u32> + '_ {
        let (keyed, others): (Option<&KeyIndex<Vec<u32>>>, &[Vec<u32>]) = match self {
            ColumnIndex::None => (None, &[]),
            ColumnIndex::Equality {
                rows_by_key,
                always,
            } => (Some(rows_by_key), std::slice::from_ref(always)),
            ColumnIndex::Ranges { regions, .. } => (None, regions),
        };
        keyed
            .into_iter()
            .flat_map(KeyIndex::iter)
            .map(|(_, rows)| rows)
            .chain(others)
            .filter_map(|rows| rows.last().copied())
    }

    /// The rows this column's index allows for `value`, or `None` when it does not apply.
    fn rows_for(&self, value: &Value) -> Option<RowLists<'_>> {
        match self {
            ColumnIndex::None => None,
            ColumnIndex::Equality {
                rows_by_key,
                always,
            } => {
                let key = KeyValue::of(value)?;
                Some(RowLists {
                    keyed: rows_by_key.get(&key).map_or(&[][..], Vec::as_slice),
                    always: always.as_slice(),
                })
            }
            ColumnIndex::Ranges {
                breakpoints,
                regions,
            } => {
                let Value::Number(n) = value else {
                    return None;
                };
                Some(RowLists {
                    keyed: regions
                        .get(region_of(breakpoints, *n))
                        .map_or(&[][..], Vec::as_slice),
                    always: &[],
                })
            }
        }
    }
}

/// The rows one column allows: two sorted lists (rows for the value, rows for any value).
#[derive(Debug, Clone, Copy)]
struct RowLists<'a> {
    keyed: &'a [u32],
    always: &'a [u32],
}

impl RowLists<'_> {
    const EMPTY: RowLists<'static> = RowLists {
        keyed: &[],
        always: &[],
    };

    fn len(&self) -> usize {
        self.keyed.len() + self.always.len()
    }

    /// Whether `row` is in the lists, each first stepped past the rows before it: asked for
    /// rows in increasing order (the candidates'), so a list is walked once in all, and a
    /// candidate near the last costs a step or two instead of a search of the whole list.
    fn advance_to(&mut self, row: u32) -> bool {
        advance_to(&mut self.keyed, row) || advance_to(&mut self.always, row)
    }
}

/// Steps `list` (sorted) past the rows before `row`: whether `row` is then its first. The next
/// few rows are looked at one by one, the rest is searched.
fn advance_to(list: &mut &[u32], row: u32) -> bool {
    const LOOKED_AT: usize = 8;
    let past = match list.iter().take(LOOKED_AT).position(|r| *r >= row) {
        Some(at) => at,
        None => list.partition_point(|r| *r < row),
    };
    *list = list.get(past..).unwrap_or_default();
    list.first() == Some(&row)
}

/// The candidate rows of a decision, in row order: see [`DecisionIndex::candidate_rows`].
#[derive(Debug, Clone)]
pub struct Candidates<'a> {
    /// A small table's candidates, as bits (the lists below are then not used).
    bits: Option<RowBits>,
    walk: Merge<'a>,
    /// The indexed columns' lists, the walked one first.
    lists: [RowLists<'a>; MAX_INTERSECTED],
    count: usize,
    covered: u64,
}

impl Candidates<'_> {
    /// The columns (bit `i` for column `i`) whose tests every candidate passes.
    pub fn covered(&self) -> u64 {
        self.covered
    }
}

impl Iterator for Candidates<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        if let Some(bits) = &mut self.bits {
            if *bits == 0 {
                return None;
            }
            let row = bits.trailing_zeros();
            *bits &= *bits - 1;
            return Some(row);
        }
        let others = self.lists.get_mut(1..self.count).unwrap_or_default();
        self.walk
            .by_ref()
            .find(|row| others.iter_mut().all(|list| list.advance_to(*row)))
    }
}

/// Two sorted row lists merged in row order, each row once.
#[derive(Debug, Clone)]
struct Merge<'a> {
    a: &'a [u32],
    b: &'a [u32],
}

impl Iterator for Merge<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        let row = match (self.a.first(), self.b.first()) {
            (Some(&x), Some(&y)) => x.min(y),
            (Some(&x), None) => x,
            (None, Some(&y)) => y,
            (None, None) => return None,
        };
        // Step past the row in both lists (a row in both comes once).
        if self.a.first() == Some(&row) {
            self.a = self.a.get(1..).unwrap_or_default();
        }
        if self.b.first() == Some(&row) {
            self.b = self.b.get(1..).unwrap_or_default();
        }
        Some(row)
    }
}

fn constant(expr: &Expr) -> Option<&Value> {
    match expr {
        Expr::Const(v) => Some(v),
        _ => None,
    }
}

fn constant_number(expr: &Expr) -> Option<Decimal> {
    constant(expr).and_then(Value::as_number)
}

fn index_column(rows: &[DecisionRow], column: usize) -> ColumnIndex {
    if rows.len() < 8 {
        // Scanning a handful of rows is cheaper than any lookup.
        return ColumnIndex::None;
    }
    let tests: Vec<&Test> = rows.iter().filter_map(|r| r.tests.get(column)).collect();
    if tests.len() != rows.len() {
        return ColumnIndex::None;
    }
    equality_index(&tests)
        .or_else(|| range_index(&tests))
        .unwrap_or(ColumnIndex::None)
}

fn equality_index(tests: &[&Test]) -> Option<ColumnIndex> {
    let mut rows_by_key: KeyIndex<Vec<u32>> = KeyIndex::default();
    let mut always = Vec::new();
    let mut keyed = 0;
    for (row, test) in tests.iter().enumerate() {
        let row = row as u32;
        match test {
            Test::OneOf(values) => {
                for value in values {
                    let key = constant(value).and_then(KeyValue::of)?;
                    let entry = rows_by_key.entry(key).or_default();
                    if entry.last() != Some(&row) {
                        entry.push(row);
                    }
                }
                keyed += 1;
            }
            Test::Compare(CompareOp::Eq, value) => {
                let key = constant(value).and_then(KeyValue::of)?;
                rows_by_key.entry(key).or_default().push(row);
                keyed += 1;
            }
            Test::IsNone => {
                rows_by_key.entry(KeyValue::None).or_default().push(row);
                keyed += 1;
            }
            Test::Any => always.push(row),
            // A numeric comparison: leave it to the range index.
            Test::Compare(..) | Test::Range { .. } => return None,
        }
    }
    (keyed > 0).then_some(ColumnIndex::Equality {
        rows_by_key,
        always,
    })
}

fn range_index(tests: &[&Test]) -> Option<ColumnIndex> {
    let mut breakpoints = Vec::new();
    for test in tests {
        match test {
            Test::Any => {}
            Test::Compare(_, v) => breakpoints.push(constant_number(v)?),
            Test::Range { lo, hi, .. } => {
                breakpoints.push(constant_number(lo)?);
                breakpoints.push(constant_number(hi)?);
            }
            Test::OneOf(values) => {
                for v in values {
                    breakpoints.push(constant_number(v)?);
                }
            }
            Test::IsNone => return None,
        }
    }
    crate::sort::sort(&mut breakpoints);
    breakpoints.dedup();
    let region_count = 2 * breakpoints.len() + 1;
    // Each test matches a few runs of consecutive regions, found by binary search: the index
    // is built in O(rows · log breakpoints + entries), never rows × regions.
    let mut spans: Vec<(u32, RegionSpans)> = Vec::with_capacity(tests.len());
    let budget = tests.len() * RANGE_INDEX_BUDGET_PER_ROW;
    let mut entries = 0usize;
    for (row, test) in tests.iter().enumerate() {
        let runs = test_regions(test, &breakpoints)?;
        entries += runs.iter().map(|r| r.len()).sum::<usize>();
        if entries > budget {
            return None;
        }
        spans.push((row as u32, runs));
    }
    let mut regions: Vec<Vec<u32>> = vec![Vec::new(); region_count];
    for (row, runs) in spans {
        for run in runs {
            for rows in regions.get_mut(run).into_iter().flatten() {
                rows.push(row);
            }
        }
    }
    Some(ColumnIndex::Ranges {
        breakpoints,
        regions,
    })
}

/// The runs of regions a test matches, in increasing order and disjoint.
type RegionSpans = Vec<std::ops::Range<usize>>;

/// The regions (between and at the sorted, distinct `breakpoints`: region `2i + 1` is
/// breakpoint `i`, region `2i` the numbers strictly between breakpoints `i - 1` and `i`) that
/// every number of which passes `test`; `None` when a bound is not a constant number or is
/// not a breakpoint.
#[allow(clippy::single_range_in_vec_init)] // runs of regions, not the regions themselves
fn test_regions(test: &Test, breakpoints: &[Decimal]) -> Option<RegionSpans> {
    let last = 2 * breakpoints.len() + 1;
    let at = |v: &Expr| -> Option<usize> {
        let v = constant_number(v)?;
        breakpoints.binary_search(&v).ok().map(|i| 2 * i + 1)
    };
    let runs = match test {
        Test::Any => vec![0..last],
        Test::IsNone => Vec::new(),
        Test::Compare(op, v) => {
            let k = at(v)?;
            match op {
                CompareOp::Eq => vec![k..k + 1],
                CompareOp::Ne => vec![0..k, k + 1..last],
                CompareOp::Lt => vec![0..k],
                CompareOp::Le => vec![0..k + 1],
                CompareOp::Gt => vec![k + 1..last],
                CompareOp::Ge => vec![k..last],
            }
        }
        Test::Range { lo, hi, half_open } => {
            let (lo, hi) = (at(lo)?, at(hi)?);
            let end = if *half_open { hi } else { hi + 1 };
            vec![lo..end.max(lo)]
        }
        Test::OneOf(values) => {
            let mut points = values.iter().map(at).collect::<Option<Vec<usize>>>()?;
            crate::sort::sort(&mut points);
            points.dedup();
            points.into_iter().map(|k| k..k + 1).collect()
        }
    };
    Some(runs.into_iter().filter(|r| !r.is_empty()).collect())
}

/// Whether `n` passes a test of constant numbers (the oracle of [`test_regions`] in tests).
#[cfg(test)]
fn test_number(test: &Test, n: Decimal) -> Option<bool> {
    Some(match test {
        Test::Any => true,
        Test::Compare(op, v) => {
            let v = constant_number(v)?;
            match op {
                CompareOp::Eq => n == v,
                CompareOp::Ne => n != v,
                CompareOp::Lt => n < v,
                CompareOp::Le => n <= v,
                CompareOp::Gt => n > v,
                CompareOp::Ge => n >= v,
            }
        }
        Test::Range { lo, hi, half_open } => {
            let (lo, hi) = (constant_number(lo)?, constant_number(hi)?);
            n >= lo && if *half_open { n < hi } else { n <= hi }
        }
        Test::OneOf(values) => values.iter().filter_map(constant_number).any(|v| v == n),
        Test::IsNone => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(n: i64) -> Expr {
        Expr::Const(Value::Number(Decimal::from(n)))
    }

    use proptest::prelude::*;

    fn row(test: Test) -> DecisionRow {
        DecisionRow {
            tests: vec![test],
            value: Expr::Const(Value::None),
            line: 0,
        }
    }

    /// A number inside region `region` (region `2i + 1` is breakpoint `i`).
    fn region_point(region: usize, breakpoints: &[Decimal]) -> Decimal {
        let i = region / 2;
        if region % 2 == 1 {
            return breakpoints[i];
        }
        let below = i.checked_sub(1).and_then(|j| breakpoints.get(j)).copied();
        let above = breakpoints.get(i).copied();
        match (below, above) {
            (Some(lo), Some(hi)) => (lo + hi) / Decimal::TWO,
            (Some(lo), None) => lo + Decimal::ONE,
            (None, Some(hi)) => hi - Decimal::ONE,
            (None, None) => Decimal::ZERO,
        }
    }

    #[test]
    fn region_runs_are_the_regions_a_test_passes() {
        let breakpoints: Vec<Decimal> = [0, 5, 10, 20].map(Decimal::from).to_vec();
        let ops = [
            CompareOp::Eq,
            CompareOp::Ne,
            CompareOp::Lt,
            CompareOp::Le,
            CompareOp::Gt,
            CompareOp::Ge,
        ];
        let mut tests = vec![Test::Any, Test::OneOf(vec![num(10), num(0), num(10)])];
        for v in [0, 5, 10, 20] {
            tests.extend(ops.iter().map(|op| Test::Compare(*op, num(v))));
            for w in [0, 5, 10, 20] {
                for half_open in [false, true] {
                    tests.push(Test::Range {
                        lo: num(v),
                        hi: num(w),
                        half_open,
                    });
                }
            }
        }
        for test in &tests {
            let runs = test_regions(test, &breakpoints).expect("constant bounds");
            let from_runs: Vec<usize> = runs.into_iter().flatten().collect();
            let probed: Vec<usize> = (0..2 * breakpoints.len() + 1)
                .filter(|r| test_number(test, region_point(*r, &breakpoints)) == Some(true))
                .collect();
            assert_eq!(from_runs, probed, "{test:?}");
        }
    }

    /// The index of a table of disjoint bands has one entry per band: building it is linear in
    /// the rows (a quadratic build, rows × regions, would have made 100k rows take minutes).
    #[test]
    fn a_large_band_table_indexes_each_row_once() {
        let rows: Vec<DecisionRow> = (0..100_000)
            .map(|i| {
                row(Test::Range {
                    lo: num(i * 10),
                    hi: num(i * 10 + 10),
                    half_open: true,
                })
            })
            .collect();
        let index = DecisionIndex::build(&rows, 1);
        let ColumnIndex::Ranges { regions, .. } = &index.columns[0] else {
            panic!("a range index");
        };
        assert_eq!(regions.iter().map(Vec::len).sum::<usize>(), 200_000);
        assert_eq!(
            index.candidates(&[Value::Number(Decimal::from(123_455))]),
            Some(vec![12_345])
        );
    }

    #[test]
    fn range_index_narrows_to_the_matching_bands() {
        let rows: Vec<DecisionRow> = (0..20)
            .map(|i| {
                row(Test::Range {
                    lo: num(i * 10),
                    hi: num(i * 10 + 10),
                    half_open: true,
                })
            })
            .chain([row(Test::Any)])
            .collect();
        let index = DecisionIndex::build(&rows, 1);
        assert!(matches!(index.columns[0], ColumnIndex::Ranges { .. }));
        assert_eq!(
            index.candidates(&[Value::Number(Decimal::from(35))]),
            Some(vec![3, 20])
        );
        assert_eq!(
            index.candidates(&[Value::Number(Decimal::from(40))]),
            Some(vec![4, 20])
        );
        assert_eq!(
            index.candidates(&[Value::Number(Decimal::from(-5))]),
            Some(vec![20])
        );
    }

    #[test]
    fn equality_index_keeps_wildcards() {
        let rows: Vec<DecisionRow> = (0..10)
            .map(|i| {
                row(Test::OneOf(vec![Expr::Const(Value::text(&format!(
                    "k{i}"
                )))]))
            })
            .chain([row(Test::Any)])
            .collect();
        let index = DecisionIndex::build(&rows, 1);
        assert_eq!(index.candidates(&[Value::text("k4")]), Some(vec![4, 10]));
        assert_eq!(index.candidates(&[Value::text("zz")]), Some(vec![10]));
    }

    /// Whether a constant test passes for a number (the meaning the evaluator gives it).
    fn passes(test: &Test, n: Decimal) -> bool {
        let c = |e: &Expr| constant_number(e).unwrap_or_default();
        match test {
            Test::Any => true,
            Test::IsNone => false,
            Test::OneOf(values) => values.iter().any(|v| c(v) == n),
            Test::Compare(op, v) => match op {
                CompareOp::Eq => n == c(v),
                CompareOp::Ne => n != c(v),
                CompareOp::Lt => n < c(v),
                CompareOp::Le => n <= c(v),
                CompareOp::Gt => n > c(v),
                CompareOp::Ge => n >= c(v),
            },
            Test::Range { lo, hi, half_open } => {
                n >= c(lo) && if *half_open { n < c(hi) } else { n <= c(hi) }
            }
        }
    }

    fn number_test() -> impl Strategy<Value = Test> {
        let op = prop_oneof![
            Just(CompareOp::Eq),
            Just(CompareOp::Ne),
            Just(CompareOp::Lt),
            Just(CompareOp::Le),
            Just(CompareOp::Gt),
            Just(CompareOp::Ge),
        ];
        prop_oneof![
            1 => Just(Test::Any),
            3 => (op, 0i64..20).prop_map(|(op, v)| Test::Compare(op, num(v))),
            3 => (0i64..20, 0i64..10, any::<bool>()).prop_map(|(lo, w, half_open)| Test::Range {
                lo: num(lo),
                hi: num(lo + w),
                half_open,
            }),
            2 => proptest::collection::vec(0i64..20, 1..3)
                .prop_map(|vs| Test::OneOf(vs.into_iter().map(num).collect())),
        ]
    }

    proptest! {
            /// The candidates include every row that matches, and every candidate passes the tests
            /// of the columns that chose it (so the evaluator may skip those tests).
            #[test]
            fn candidates_are_complete_and_exact_for_their_columns(
                tests in proptest::collection::vec((number_test(), number_test()), 8..40),
                probes in proptest::collection::vec((-2i64..44, -2i64..44), 1..10),
            ) {
                let rows: Vec<DecisionRow> = tests
                    .into_iter()
                    .map(|(a, b)| DecisionRow { tests: vec![a, b], value: Expr::Const(Value::None), line: 0 })
                    .collect();
                let index = DecisionIndex::build(&rows, 2);
                for (x, y) in probes {
                    // Halves too: values between the bounds.
                    let point = [Decimal::new(x, 0) / Decimal::TWO, Decimal::new(y, 0) / Decimal::TWO];
                    let values = point.map(Value::Number);
                    let Some(candidates) = index.candidate_rows(&values) else { continue };
                    let covered = candidates.covered();
                    prop_assert!(covered != 0);
                    let candidates: Vec<u32> = candidates.collect();
                    for (i, r) in rows.iter().enumerate() {
                        let passes_column = |c: usize| {
                            r.tests.get(c).zip(point.get(c)).is_some_and(|(t, n)| passes(t, *n))
                        };
                        let candidate = candidates.contains(&(i as u32));
                        if passes_column(0) && passes_column(1) {
                            prop_assert!(candidate, "row {} at {:?} is missing", i, point);
                        }
                        for c in 0..2 {
                            if candidate && covered & (1 << c) != 0 {
                                prop_assert!(passes_column(c), "row {} fails column {} at {:?}", i, c, point);
                            }
                        }
                    }
                }
            }

            /// A small table's candidates, intersected as bits, are the rows and columns walking
            /// its lists gives (tables past 128 rows walk them).
            #[test]
            fn bits_give_the_candidates_the_lists_give(
                tests in proptest::collection::vec(
                    (proptest::option::of(0u8..6), number_test()),
                    8..200,
                ),
                probes in proptest::collection::vec((0u8..8, -2i64..44), 1..10),
            ) {
                let rows: Vec<DecisionRow> = tests
                    .into_iter()
                    .map(|(key, number)| {
                        let key = match key {
                            Some(k) => Test::OneOf(vec![Expr::Const(Value::text(&format!("k{k}")))]),
                            None => Test::Any,
                        };
                        DecisionRow { tests: vec![key, number], value: Expr::Const(Value::None), line: 0 }
                    })
                    .collect();
                let index = DecisionIndex::build(&rows, 2);
                prop_assert_eq!(index.bits.is_some(), rows.len() <= 128);
                for (k, y) in probes {
                    let values = [
                        Value::text(&format!("k{k}")),
                        Value::Number(Decimal::new(y, 0) / Decimal::TWO),
                    ];
                    let found = index
                        .candidate_rows(&values)
                        .map(|c| (c.covered(), c.collect::<Vec<u32>>()))
                        .map(|(covered, rows)| (rows, covered));
                    prop_assert_eq!(found, index.walked_candidates(&values));
                }
            }
    }
}
