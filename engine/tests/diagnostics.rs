#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The checker's diagnostics, one row per problem it can report: every kind, and within each
//! kind every distinct situation (one row per message family, with the hint variants where the
//! hint differs). Each row compiles a small ruleset and checks the diagnostic it must give: its
//! kind and code, the exact source text its span covers, its message and its hint (or that it
//! has none). Only the engine's public API is used.

use ordo_engine::{DataFiles, Diagnostic, DiagnosticKind, Diagnostics, Ruleset};

const HEADER: &str = "ruleset t version \"1.0.0\"\n";

/// A ruleset: the common header, then `body`.
fn ruleset(body: &str) -> String {
    format!("{HEADER}{body}")
}

/// One compile error and what it must look like.
struct Row {
    /// The situation, shown when the row fails.
    name: &'static str,
    source: String,
    /// `DiagnosticKind::as_str()`.
    kind: &'static str,
    /// `DiagnosticKind::code()`.
    code: &'static str,
    /// The exact source text the span covers.
    span: String,
    /// A part of the message.
    message: &'static str,
    /// A part of the hint, or `None` when the diagnostic must have no hint.
    hint: Option<&'static str>,
    /// The data files the ruleset is compiled with.
    files: DataFiles,
    /// For a problem in a data file: its file, line and column.
    data: Option<(&'static str, usize, usize)>,
}

impl Row {
    /// The row with a data file given (`name`, `text`), whose problem is at `line`, `column`
    /// of the file `at` (when the problem is in a file).
    fn with_file(
        mut self,
        name: &str,
        text: &str,
        at: Option<(&'static str, usize, usize)>,
    ) -> Row {
        self.files.insert(name, text);
        self.data = at;
        self
    }
}

fn row(
    name: &'static str,
    source: String,
    kind: &'static str,
    code: &'static str,
    span: impl Into<String>,
    message: &'static str,
    hint: Option<&'static str>,
) -> Row {
    Row {
        name,
        source,
        kind,
        code,
        span: span.into(),
        message,
        hint,
        files: DataFiles::new(),
        data: None,
    }
}

/// Every kind, listed explicitly, with its stable name and code (spec §17).
const ALL_KINDS: [(DiagnosticKind, &str, &str); 10] = [
    (DiagnosticKind::Syntax, "syntax", "E0001"),
    (DiagnosticKind::UnknownName, "unknown_name", "E0002"),
    (DiagnosticKind::TypeMismatch, "type_mismatch", "E0003"),
    (DiagnosticKind::Cycle, "cycle", "E0004"),
    (DiagnosticKind::NonExhaustive, "non_exhaustive", "E0005"),
    (DiagnosticKind::Duplicate, "duplicate", "E0006"),
    (DiagnosticKind::Overlap, "overlap", "E0007"),
    (DiagnosticKind::Workflow, "workflow", "E0008"),
    (DiagnosticKind::Invalid, "invalid", "E0009"),
    (DiagnosticKind::InvalidData, "invalid_data", "E0010"),
];

/// Fails to build when a kind is added, so that the new kind gets its rows and its place in
/// [`ALL_KINDS`].
fn listed(kind: DiagnosticKind) -> bool {
    match kind {
        DiagnosticKind::Syntax
        | DiagnosticKind::UnknownName
        | DiagnosticKind::TypeMismatch
        | DiagnosticKind::Cycle
        | DiagnosticKind::NonExhaustive
        | DiagnosticKind::Duplicate
        | DiagnosticKind::Overlap
        | DiagnosticKind::Workflow
        | DiagnosticKind::Invalid
        | DiagnosticKind::InvalidData => ALL_KINDS.iter().any(|(k, _, _)| *k == kind),
    }
}

fn rows() -> Vec<Row> {
    let mut rows = vec![
        // syntax (E0001)
        row(
            "a parse error: an expression is missing",
            ruleset("input { qty: Int }\noutput x = qty +\n"),
            "syntax",
            "E0001",
            "",
            "expected an expression, found the end of the file",
            None,
        ),
        row(
            "a parse error: a reserved word used as a name",
            ruleset("input { match: Int }\n"),
            "syntax",
            "E0001",
            "match",
            "expected a name, found `match`",
            Some("`match` is a reserved word and cannot be used as a name"),
        ),
        row(
            "an empty file",
            "".to_string(),
            "syntax",
            "E0001",
            "",
            "expected `ruleset NAME version \"X.Y.Z\"`, found the end of the file",
            Some("every ruleset file starts with its header"),
        ),
        row(
            "a name with a letter outside ASCII",
            ruleset("enum Größe { small }\n"),
            "syntax",
            "E0001",
            "Größe",
            "`Größe` is not a valid name: `ö` is not an ASCII letter",
            Some("names (identifiers) are made of ASCII letters, digits and `_`"),
        ),
        row(
            "a version that is not a semantic version",
            "ruleset t version \"1.0\"\ninput { q: Int }\noutput x = q\n".to_string(),
            "invalid",
            "E0009",
            "\"1.0\"",
            "`1.0` is not a semantic version",
            Some("write MAJOR.MINOR.PATCH, e.g. \"1.0.0\""),
        ),
        row(
            "an open-ended band written with `..<`",
            ruleset("bands b {\n  1..<  => 1.00\n}\n"),
            "syntax",
            "E0001",
            "1..<  => 1.00",
            "an open-ended band is written `lo..`, not `lo..<`",
            None,
        ),
        row(
            "an unknown rounding mode in a price block",
            ruleset("price q currency \"EUR\" rounding half_sideways {\n  line a = 1.00\n}\n"),
            "syntax",
            "E0001",
            "half_sideways",
            "unknown rounding mode `half_sideways`",
            None,
        ),
        row(
            "a state flag written twice",
            ruleset(
                "workflow w {\n  state a initial initial\n  state b final\n  transition go: a -> b\n}\n",
            ),
            "syntax",
            "E0001",
            "initial",
            "this state flag is written twice",
            None,
        ),
        row(
            "a transition clause written twice",
            ruleset(
                "workflow w {\n  state a initial\n  state b final\n  transition go: a -> b when true when false\n}\n",
            ),
            "syntax",
            "E0001",
            "when false",
            "this transition clause is written twice",
            None,
        ),
        row(
            "a test with two `given`",
            ruleset(
                "input { qty: Int }\ntest \"t\" {\n  given { qty: 1 }\n  given { qty: 2 }\n}\n",
            ),
            "syntax",
            "E0001",
            "given { qty: 2 }",
            "a test has one `given`",
            None,
        ),
        row(
            "a test with two `as_of`",
            ruleset(
                "input { qty: Int }\ntest \"t\" {\n  given { qty: 1 }\n  as_of 2026-01-01\n  as_of 2026-01-02\n}\n",
            ),
            "syntax",
            "E0001",
            "as_of 2026-01-02",
            "a test has one `as_of`",
            None,
        ),
        row(
            "a number too large for a decimal",
            ruleset("output x = 12345678901234567890123456789012\n"),
            "syntax",
            "E0001",
            "12345678901234567890123456789012",
            "the number `12345678901234567890123456789012` does not fit a decimal: it is too large",
            Some("a decimal holds at most 28 digits after the point"),
        ),
        row(
            "a number with more than 28 digits after the point",
            ruleset("output x = 0.123456789012345678901234567890\n"),
            "syntax",
            "E0001",
            "0.123456789012345678901234567890",
            "it has 30 digits after the point, and a decimal holds at most 28",
            Some("a decimal holds at most 28 digits after the point"),
        ),
        row(
            "a date that is not in the calendar",
            ruleset("output x = 2026-02-30\n"),
            "syntax",
            "E0001",
            "2026-02-30",
            "`2026-02-30` is not a calendar date",
            None,
        ),
        row(
            "a decision row with the wrong number of cells",
            ruleset("input { qty: Int }\ndecision d {\n  | qty || a |\n  | 1 | 2 || 3 |\n}\n"),
            "syntax",
            "E0001",
            "| 1 | 2 || 3 |",
            "this row has 2 test(s) and 1 output(s); the header has 1 input(s) and 1 output(s)",
            None,
        ),
        // unknown_name (E0002)
        row(
            "an unknown name, with a suggestion",
            ruleset("input { quantity: Int }\noutput x = quantty * 2\n"),
            "unknown_name",
            "E0002",
            "quantty",
            "unknown name `quantty`",
            Some("did you mean `quantity`?"),
        ),
        row(
            "an unknown name, nothing close",
            ruleset("input { quantity: Int }\noutput x = zzz * 2\n"),
            "unknown_name",
            "E0002",
            "zzz",
            "unknown name `zzz`",
            None,
        ),
        row(
            "an unknown type",
            ruleset("enum Model { a, b }\ninput { m: Modle }\n"),
            "unknown_name",
            "E0002",
            "Modle",
            "unknown type `Modle`",
            Some("did you mean `Model`?"),
        ),
        row(
            "`P of S` naming no earlier subtotal, with a suggestion",
            ruleset(
                "price q currency \"EUR\" {\n  line a = 10.00\n  subtotal net\n  discount d = 10% of nett\n}\n",
            ),
            "unknown_name",
            "E0002",
            "nett",
            "`nett` names no earlier subtotal of this block",
            Some("did you mean `net`?"),
        ),
        row(
            "`P of S` naming no earlier subtotal, nothing close",
            ruleset(
                "price q currency \"EUR\" {\n  line a = 10.00\n  discount d = 10% of zzzzzz\n}\n",
            ),
            "unknown_name",
            "E0002",
            "zzzzzz",
            "`zzzzzz` names no earlier subtotal of this block",
            Some("write `total` or the id of a `subtotal` declared above this line"),
        ),
        row(
            "an undeclared role, with a suggestion",
            ruleset("roles sales\napproval c {\n  step s by saels\n}\n"),
            "unknown_name",
            "E0002",
            "saels",
            "unknown role `saels`",
            Some("did you mean `sales`?"),
        ),
        row(
            "an undeclared role, nothing close",
            ruleset("roles sales\napproval c {\n  step s by finance\n}\n"),
            "unknown_name",
            "E0002",
            "finance",
            "unknown role `finance`",
            Some("declare it: `roles finance`"),
        ),
        row(
            "a transition to a state the workflow lacks",
            ruleset(
                "workflow w {\n  state draft initial\n  state done final\n  transition go: draft -> done\n  transition oops: draft -> dnoe\n}\n",
            ),
            "unknown_name",
            "E0002",
            "dnoe",
            "workflow `w` has no state `dnoe`",
            Some("did you mean `done`?"),
        ),
        row(
            "a transition requiring an unknown approval chain",
            ruleset(
                "roles r\napproval desk {\n  step s by r\n}\nworkflow w {\n  state a initial\n  state b final\n  transition go: a -> b requires dsek\n}\n",
            ),
            "unknown_name",
            "E0002",
            "dsek",
            "unknown approval chain `dsek`",
            Some("did you mean `desk`?"),
        ),
        row(
            "a trigger on a state no workflow has",
            ruleset(
                "workflow w {\n  state a initial\n  state b final\n  transition go: a -> b\n}\ntrigger t on enter c {\n  emit \"x\"\n}\n",
            ),
            "unknown_name",
            "E0002",
            "c",
            "no workflow has a state `c`",
            Some("did you mean `a`?"),
        ),
        row(
            "a trigger on a transition no workflow has",
            ruleset(
                "workflow w {\n  state a initial\n  state b final\n  transition go: a -> b\n}\ntrigger t on transition og {\n  emit \"x\"\n}\n",
            ),
            "unknown_name",
            "E0002",
            "og",
            "no workflow has a transition `og`",
            Some("did you mean `go`?"),
        ),
        row(
            "a qualified enum value the enum lacks, with a suggestion",
            ruleset("enum Model { p100, p200 }\noutput x = Model.p300\n"),
            "unknown_name",
            "E0002",
            "p300",
            "enum `Model` has no value `p300`",
            Some("did you mean `p100`?"),
        ),
        row(
            "a qualified enum value the enum lacks, nothing close",
            ruleset("enum Model { p100, p200 }\noutput x = Model.zzzzz\n"),
            "unknown_name",
            "E0002",
            "zzzzz",
            "enum `Model` has no value `zzzzz`",
            Some("the values are p100, p200"),
        ),
        row(
            "a test expecting an unknown approval chain",
            ruleset(
                "roles r\ninput { qty: Int }\napproval desk {\n  step s by r when qty > 1\n}\ntest \"t\" {\n  given { qty: 1 }\n  expect approvals.dsek == []\n}\n",
            ),
            "unknown_name",
            "E0002",
            "dsek",
            "unknown approval chain `dsek`",
            Some("did you mean `desk`?"),
        ),
        row(
            "a record field that does not exist, with a suggestion",
            ruleset(
                "input { customer: { tier: Text, country: Text } }\nlet c = customer\noutput x = c.contry\n",
            ),
            "unknown_name",
            "E0002",
            "contry",
            "no field `contry` here",
            Some("did you mean `country`?"),
        ),
        row(
            "a record field that does not exist, nothing close",
            ruleset(
                "input { customer: { tier: Text, country: Text } }\nlet c = customer\noutput x = c.zzzzzzz\n",
            ),
            "unknown_name",
            "E0002",
            "zzzzzzz",
            "no field `zzzzzzz` here",
            Some("the fields are tier, country"),
        ),
        row(
            "a lookup in an unknown table",
            ruleset("table price: Text -> Int {\n  _ => 1\n}\noutput x = prcie[\"a\"]\n"),
            "unknown_name",
            "E0002",
            "prcie",
            "unknown table `prcie`",
            Some("did you mean `price`?"),
        ),
        row(
            "a call of an unknown function",
            ruleset("input { x: Decimal }\noutput y = rond(x)\n"),
            "unknown_name",
            "E0002",
            "rond",
            "unknown function `rond`",
            Some("did you mean `round`?"),
        ),
        row(
            "an unknown rounding mode in `round`, with a suggestion",
            ruleset("input { x: Decimal }\noutput y = round(x, 2, half_evn)\n"),
            "unknown_name",
            "E0002",
            "half_evn",
            "unknown rounding mode `half_evn`",
            Some("did you mean `half_even`?"),
        ),
        row(
            "an unknown rounding mode in `round`, nothing close",
            ruleset("input { x: Decimal }\noutput y = round(x, 2, sideways)\n"),
            "unknown_name",
            "E0002",
            "sideways",
            "unknown rounding mode `sideways`",
            Some("the modes are half_up, half_even, half_down, up, down, ceiling, floor"),
        ),
        row(
            "a bands price naming unknown bands",
            ruleset(
                "bands tiers {\n  1.. => 1.00\n}\ninput { q: Int }\noutput y = volume(q, tires)\n",
            ),
            "unknown_name",
            "E0002",
            "tires",
            "unknown bands `tires`",
            Some("did you mean `tiers`?"),
        ),
        row(
            "a comprehension with a function that does not aggregate",
            ruleset("input { xs: List<Int> }\noutput y = avg(x for x in xs)\n"),
            "unknown_name",
            "E0002",
            "avg",
            "`avg` does not aggregate a collection",
            None,
        ),
        // type_mismatch (E0003)
        row(
            "a value that does not have its declared type",
            ruleset("let a: Int = \"x\"\n"),
            "type_mismatch",
            "E0003",
            "\"x\"",
            "`a` is declared Int, but its value is Text",
            None,
        ),
        row(
            "`collect sum` with two output columns",
            ruleset(
                "input { q: Int }\ndecision d hit collect sum {\n  | q || a | b |\n  | - || 1 | 2 |\n}\n",
            ),
            "type_mismatch",
            "E0003",
            "collect sum",
            "`hit collect sum` needs exactly one output column",
            None,
        ),
        row(
            "`collect sum` over a text column",
            ruleset(
                "input { q: Int }\ndecision d hit collect sum {\n  | q || a |\n  | - || \"x\" |\n}\n",
            ),
            "type_mismatch",
            "E0003",
            "collect sum",
            "`hit collect sum` needs a number column, found Text",
            None,
        ),
        row(
            "a decision test of another type than its column",
            ruleset("input { q: Int }\ndecision d {\n  | q || a |\n  | \"x\" || 1 |\n}\n"),
            "type_mismatch",
            "E0003",
            "\"x\"",
            "this test is Text, but the column is Int",
            None,
        ),
        row(
            "an ordering test on a column that cannot be ordered with it",
            ruleset("input { q: Text }\ndecision d {\n  | q || a |\n  | < 5 || 1 |\n}\n"),
            "type_mismatch",
            "E0003",
            "5",
            "this test is Int, but the column is Text",
            None,
        ),
        row(
            "a `none` test on a column that is never none",
            ruleset("input { q: Int }\ndecision d {\n  | q || a |\n  | none || 1 |\n}\n"),
            "type_mismatch",
            "E0003",
            "none",
            "the column is Int, which is never `none`",
            None,
        ),
        row(
            "decision cells of one column with different types",
            ruleset(
                "input { q: Int }\ndecision d hit first {\n  | q || a |\n  | 1 || 1 |\n  | - || \"x\" |\n}\n",
            ),
            "type_mismatch",
            "E0003",
            "\"x\"",
            "the cells of an output column must have one type, found Int and Text",
            None,
        ),
        row(
            "table variants with different types",
            ruleset(
                "table t: Text -> Int {\n  _ => 1\n}\ntable t: Text -> Decimal effective 2026-01-01 {\n  _ => 1.0\n}\n",
            ),
            "type_mismatch",
            "E0003",
            "Text -> Decimal",
            "every variant of table `t` must have the type Text -> Int",
            None,
        ),
        row(
            "a table key that is not a constant",
            ruleset("input { k: Text }\ntable t: Text -> Int {\n  k => 1\n}\n"),
            "type_mismatch",
            "E0003",
            "k",
            "a table key must be a constant",
            None,
        ),
        row(
            "a table key of a type that cannot key a table",
            ruleset("table t: Duration -> Int {\n  3 days => 1\n}\n"),
            "type_mismatch",
            "E0003",
            "3 days",
            "this value cannot be a table key",
            None,
        ),
        row(
            "a table value of the wrong type",
            ruleset("table t: Text -> Int {\n  \"a\" => \"b\"\n}\n"),
            "type_mismatch",
            "E0003",
            "\"b\"",
            "a value of table `t` must be Int, found Text",
            None,
        ),
        row(
            "a band bound that is not a constant",
            ruleset("input { n: Int }\nbands b {\n  1..n => 1.00\n}\n"),
            "type_mismatch",
            "E0003",
            "n",
            "a band's upper bound must be a constant number",
            None,
        ),
        row(
            "a band value that is not a number",
            ruleset("bands b {\n  1.. => \"x\"\n}\n"),
            "type_mismatch",
            "E0003",
            "\"x\"",
            "a band's value must be a number, found Text",
            None,
        ),
        row(
            "a trigger delay that is not a duration",
            ruleset(
                "input { d: Int }\nworkflow w {\n  state a initial\n  state b final\n  transition go: a -> b\n}\ntrigger t on stay a after d {\n  emit \"x\"\n}\n",
            ),
            "type_mismatch",
            "E0003",
            "d",
            "the delay must be Duration, found Int",
            None,
        ),
        row(
            "an input default of the wrong type",
            ruleset("input { q: Int = \"x\" }\n"),
            "type_mismatch",
            "E0003",
            "\"x\"",
            "the default of `q` is Text, but the field is Int",
            None,
        ),
        row(
            "a test expectation comparing different types",
            ruleset(
                "input { q: Int }\noutput x = q\ntest \"t\" {\n  given { q: 1 }\n  expect x == \"1\"\n}\n",
            ),
            "type_mismatch",
            "E0003",
            "x == \"1\"",
            "cannot compare Int with Text",
            None,
        ),
        row(
            "a range test across types",
            ruleset("input { q: Int }\noutput x = q in \"a\"..\"b\"\n"),
            "type_mismatch",
            "E0003",
            "\"a\"",
            "cannot test whether Int is in a range of Text",
            None,
        ),
        row(
            "a duration of a fraction of a second",
            ruleset("output x = 0.001 minutes\n"),
            "type_mismatch",
            "E0003",
            "0.001 minutes",
            "a duration must be a whole number of seconds",
            None,
        ),
        row(
            "a constraint that is not a condition",
            ruleset("input { q: Int }\nconstraint c: q else error \"x\"\n"),
            "type_mismatch",
            "E0003",
            "q",
            "a constraint must be Bool, found Int",
            None,
        ),
        row(
            "a price line amount that is not a number",
            ruleset("price p currency \"EUR\" {\n  line a = \"x\"\n}\n"),
            "type_mismatch",
            "E0003",
            "\"x\"",
            "an amount must be a number, found Text",
            None,
        ),
        row(
            "`if` branches of different types",
            ruleset("input { q: Int }\noutput x = if q > 1 then 1 else \"x\"\n"),
            "type_mismatch",
            "E0003",
            "\"x\"",
            "the branches of `if` must have one type, found Int and Text",
            None,
        ),
        row(
            "a table used as a value",
            ruleset("table t: Text -> Int {\n  _ => 1\n}\noutput x = t\n"),
            "type_mismatch",
            "E0003",
            "t",
            "`t` is a table: look a value up with `t[key]`",
            None,
        ),
        row(
            "bands used as a value",
            ruleset("bands b {\n  1.. => 1.00\n}\noutput x = b\n"),
            "type_mismatch",
            "E0003",
            "b",
            "`b` is a bands declaration: use `volume(q, b)`, `graduated(q, b)` or `block(q, b)`",
            None,
        ),
        row(
            "an enum type used as a value",
            ruleset("enum Model { a, b }\noutput x = Model\n"),
            "type_mismatch",
            "E0003",
            "Model",
            "`Model` is not a value",
            None,
        ),
        row(
            "an enum value shared by two enums, unqualified",
            ruleset("enum A { x, y }\nenum B { x, z }\noutput o = x\n"),
            "type_mismatch",
            "E0003",
            "x",
            "`x` is a value of several enums",
            Some("qualify it: `A.x` or `B.x`"),
        ),
        row(
            "a field of something that is not a record",
            ruleset("input { q: Int }\nlet a = q\noutput x = a.b\n"),
            "type_mismatch",
            "E0003",
            "b",
            "`.b` needs a record, found Int",
            None,
        ),
        row(
            "an index on something that is neither a list nor a table",
            ruleset("output x = (5)[0]\n"),
            "type_mismatch",
            "E0003",
            // The parentheses are part of the indexed expression.
            "(5)",
            "only lists and tables can be indexed, found Int",
            None,
        ),
        row(
            "an index on a name that is not a table",
            ruleset("input { q: Int }\noutput x = q[1]\n"),
            "type_mismatch",
            "E0003",
            "q",
            "only lists and tables can be indexed, found Int",
            None,
        ),
        row(
            "a negated text",
            ruleset("output x = -\"a\"\n"),
            "type_mismatch",
            "E0003",
            "\"a\"",
            "`-` needs a number, found Text",
            None,
        ),
        row(
            "`==` across types",
            ruleset("input { q: Int }\noutput x = q == \"a\"\n"),
            "type_mismatch",
            "E0003",
            "q == \"a\"",
            "cannot compare Int with Text",
            None,
        ),
        row(
            "an ordering of an optional",
            ruleset("input { q: Int? }\noutput x = q < 1\n"),
            "type_mismatch",
            "E0003",
            "q < 1",
            "cannot order Int? and Int with `<`",
            Some("give it a default, e.g. `x ?? 0`"),
        ),
        row(
            "an optional where its value is declared",
            ruleset("input { q: Int? }\nlet y: Int = q\noutput x = y\n"),
            "type_mismatch",
            "E0003",
            "q",
            "`y` is declared Int, but its value is Int?",
            Some("give it a default, e.g. `x ?? 0`"),
        ),
        row(
            "an ordering of a text with a number",
            ruleset("input { q: Text }\noutput x = q < 1\n"),
            "type_mismatch",
            "E0003",
            "q < 1",
            "cannot order Text and Int with `<`",
            None,
        ),
        row(
            "`in` with a number on its right",
            ruleset("input { q: Int }\noutput x = q in 5\n"),
            "type_mismatch",
            "E0003",
            "5",
            "`in` needs a list or a set on its right, found Int",
            None,
        ),
        row(
            "`in` looking for a number among texts",
            ruleset("input { q: Int, xs: List<Text> }\noutput x = q in xs\n"),
            "type_mismatch",
            "E0003",
            "q in xs",
            "cannot look for Int in a collection of Text",
            None,
        ),
        row(
            "`contains` on a number",
            ruleset("input { q: Int }\noutput x = q contains 1\n"),
            "type_mismatch",
            "E0003",
            "q",
            "`contains` needs a set, a list or a text, found Int",
            None,
        ),
        row(
            "arithmetic with a text",
            ruleset("input { q: Int }\noutput x = q + \"a\"\n"),
            "type_mismatch",
            "E0003",
            "q + \"a\"",
            "`+` cannot combine Int and Text",
            Some("to build a text, interpolate: \"{a} {b}\""),
        ),
        row(
            "arithmetic with a date and a number",
            ruleset("input { q: Int, d: Date }\noutput x = q + d\n"),
            "type_mismatch",
            "E0003",
            "q + d",
            "`+` cannot combine Int and Date",
            None,
        ),
        row(
            "a set literal mixing an enum value and a number",
            ruleset("enum E { a, b }\noutput x = {a, 1}\n"),
            "type_mismatch",
            "E0003",
            "1",
            "sets hold values of one enum, found Int",
            None,
        ),
        row(
            "a set literal of no enum",
            ruleset("output x = {1}\n"),
            "type_mismatch",
            "E0003",
            "{1}",
            "cannot tell which enum this set holds",
            None,
        ),
        row(
            "a match pattern of another type",
            ruleset("input { q: Int }\noutput x = match q {\n  \"a\" => 1\n  _ => 2\n}\n"),
            "type_mismatch",
            "E0003",
            "\"a\"",
            "this pattern is Text, but the value matched is Int",
            None,
        ),
        row(
            "a match pattern that is not a constant",
            ruleset("input { q: Int, r: Int }\noutput x = match q {\n  r => 1\n  _ => 2\n}\n"),
            "type_mismatch",
            "E0003",
            "r",
            "a match pattern must be a constant",
            None,
        ),
        row(
            "a comprehension over a number",
            ruleset("input { q: Int }\noutput x = sum(y for y in q)\n"),
            "type_mismatch",
            "E0003",
            "q",
            "this must be a list or a set, found Int",
            None,
        ),
        row(
            "`sum` of texts",
            ruleset("input { xs: List<Text> }\noutput x = sum(y for y in xs)\n"),
            "type_mismatch",
            "E0003",
            "y",
            "`sum` needs numbers, found Text",
            None,
        ),
        row(
            "`count` with a predicate that is not a condition",
            ruleset("input { xs: List<Int> }\noutput x = count(y in xs: y)\n"),
            "type_mismatch",
            "E0003",
            "y",
            "`count` needs a condition, found Int",
            None,
        ),
        row(
            "`min` of booleans",
            ruleset("input { xs: List<Bool> }\noutput x = min(y for y in xs)\n"),
            "type_mismatch",
            "E0003",
            "y",
            "`min` needs numbers or dates, found Bool",
            None,
        ),
        row(
            "`any` with a predicate that is not a condition",
            ruleset("input { xs: List<Int> }\noutput x = any(y in xs: y)\n"),
            "type_mismatch",
            "E0003",
            "y",
            "`any` needs a condition, found Int",
            None,
        ),
        row(
            "`sum` of a single number",
            ruleset("input { q: Int }\noutput x = sum(q)\n"),
            "type_mismatch",
            "E0003",
            "q",
            "`sum` of one value needs a list or a set, found Int",
            None,
        ),
        row(
            "a built-in called with too many arguments",
            ruleset("output x = floor(1, 2)\n"),
            "type_mismatch",
            "E0003",
            "floor(1, 2)",
            "`floor` takes 1 argument(s), found 2",
            None,
        ),
        row(
            "a built-in argument of the wrong type",
            ruleset("output x = floor(\"a\")\n"),
            "type_mismatch",
            "E0003",
            "\"a\"",
            "this argument must be a number, found Text",
            None,
        ),
        row(
            "`round` without its places",
            ruleset("output x = round(1.5)\n"),
            "type_mismatch",
            "E0003",
            "round(1.5)",
            "`round` takes a number, the places, and an optional rounding mode",
            None,
        ),
        row(
            "a `round` mode that is not a name",
            ruleset("output x = round(1.5, 0, \"up\")\n"),
            "type_mismatch",
            "E0003",
            "\"up\"",
            "the rounding mode is a name such as `half_even`",
            None,
        ),
        row(
            "a bands price without its bands",
            ruleset("bands b {\n  1.. => 1.00\n}\noutput x = volume(1)\n"),
            "type_mismatch",
            "E0003",
            "volume(1)",
            "`volume` takes a quantity and a bands name: `volume(q, bands)`",
            None,
        ),
        row(
            "a bands price whose second argument is not a name",
            ruleset("bands b {\n  1.. => 1.00\n}\noutput x = volume(1, \"b\")\n"),
            "type_mismatch",
            "E0003",
            "\"b\"",
            "the second argument must name a `bands` declaration",
            None,
        ),
        row(
            "a set type of a non-enum element",
            ruleset("input { s: Set<Int> }\n"),
            "type_mismatch",
            "E0003",
            "Int",
            "sets hold enum values, not Int",
            Some("use `List<...>` for other element types"),
        ),
        row(
            "`contains` looking for a text in a list of numbers",
            ruleset("input { xs: List<Int> }\noutput x = xs contains \"a\"\n"),
            "type_mismatch",
            "E0003",
            "\"a\"",
            "the element looked for must be Int, found Text",
            None,
        ),
        row(
            "`??` with a fallback of another type",
            ruleset("input { q: Int? }\noutput x = q ?? \"a\"\n"),
            "type_mismatch",
            "E0003",
            "\"a\"",
            "both sides of `??` must have one type, found Int and Text",
            None,
        ),
        row(
            "a list literal mixing types",
            ruleset("output x = [1, \"a\"]\n"),
            "type_mismatch",
            "E0003",
            "\"a\"",
            "the elements of a list must have one type, found Int and Text",
            None,
        ),
        // cycle (E0004)
        row(
            "two values that depend on each other",
            ruleset("let a = b + 1\nlet b = a + 1\n"),
            "cycle",
            "E0004",
            "let a = b + 1",
            "these rules depend on each other in a cycle: a → b → a",
            Some("every value must be computable from the inputs: break the cycle"),
        ),
        row(
            "a constraint that reads `valid`",
            ruleset("input { q: Int }\nconstraint c: valid else error \"x\"\n"),
            "cycle",
            "E0004",
            "constraint c: valid else error \"x\"",
            "these rules depend on each other in a cycle: c → valid → c",
            Some("every value must be computable from the inputs: break the cycle"),
        ),
        row(
            "an approval step that reads its own chain's status",
            ruleset(
                "roles a\ninput { q: Int }\napproval desk {\n  step s by a when not approvals.desk.complete\n}\n",
            ),
            "cycle",
            "E0004",
            "s",
            "these rules depend on each other in a cycle: desk.s → approvals.desk → desk.s",
            Some("every value must be computable from the inputs: break the cycle"),
        ),
        // non_exhaustive (E0005)
        row(
            "an enum-keyed table missing values",
            ruleset(
                "enum Model { p100, p200, p300 }\ntable price: Model -> Int {\n  p100 => 1\n}\n",
            ),
            "non_exhaustive",
            "E0005",
            "price",
            "table `price` has no row for `p200`, `p300`",
            Some("add the missing rows or a default row `_ => ...`"),
        ),
        row(
            "a Bool-keyed table missing `false`",
            ruleset("table t: Bool -> Int {\n  true => 1\n}\n"),
            "non_exhaustive",
            "E0005",
            "t",
            "table `t` has no row for `false`",
            Some("add the missing rows or a default row `_ => ...`"),
        ),
        row(
            "a match over an enum missing values",
            ruleset(
                "enum Tier { gold, silver, bronze }\ninput { t: Tier }\noutput x = match t {\n  gold => 1\n}\n",
            ),
            "non_exhaustive",
            "E0005",
            "match t {\n  gold => 1\n}",
            "this `match` does not cover silver, bronze",
            Some("add the missing arms or a final `_ => ...` arm"),
        ),
        row(
            "a match over a Bool missing `false`",
            ruleset("input { b: Bool }\noutput x = match b {\n  true => 1\n}\n"),
            "non_exhaustive",
            "E0005",
            "match b {\n  true => 1\n}",
            "this `match` does not cover false",
            Some("add the missing arms or a final `_ => ...` arm"),
        ),
        row(
            "a match over numbers without `_`",
            ruleset("input { q: Int }\noutput x = match q {\n  1 => 1\n}\n"),
            "non_exhaustive",
            "E0005",
            "match q {\n  1 => 1\n}",
            "this `match` does not cover other Int values",
            Some("add the missing arms or a final `_ => ...` arm"),
        ),
        // duplicate (E0006)
        row(
            "an approval step that lists a fact twice",
            ruleset(
                "roles a\ninput { q: Int }\napproval desk {\n  step s by a facts q * 2, q * 2\n}\n",
            ),
            "duplicate",
            "E0006",
            "q * 2",
            "the fact `q * 2` is listed twice",
            None,
        ),
        row(
            "a decision output column named twice",
            ruleset("input { q: Int }\ndecision d {\n  | q || a | a |\n  | - || 1 | 2 |\n}\n"),
            "duplicate",
            "E0006",
            "a",
            "the output column `a` appears twice",
            None,
        ),
        row(
            "a table with two `_` rows",
            ruleset("table t: Text -> Int {\n  _ => 1\n  _ => 2\n}\n"),
            "duplicate",
            "E0006",
            "_",
            "this table has two `_` rows",
            None,
        ),
        row(
            "a table key with two rows",
            ruleset("table t: Text -> Int {\n  \"a\" => 1\n  \"a\" => 2\n}\n"),
            "duplicate",
            "E0006",
            "\"a\"",
            "this key already has a row",
            None,
        ),
        row(
            "a subtotal named like a field of every quote",
            ruleset("price p currency \"EUR\" {\n  line a = 1.00\n  subtotal total\n}\n"),
            "duplicate",
            "E0006",
            "total",
            "`total` is a field of every quote and cannot name a subtotal",
            None,
        ),
        row(
            "a price line id used twice",
            ruleset("price p currency \"EUR\" {\n  line a = 1.00\n  line a = 2.00\n}\n"),
            "duplicate",
            "E0006",
            "a",
            "the id `a` is used twice in this block",
            None,
        ),
        row(
            "a subtotal reusing a line id",
            ruleset("price p currency \"EUR\" {\n  line a = 1.00\n  subtotal a\n}\n"),
            "duplicate",
            "E0006",
            "a",
            "the id `a` is used twice in this block",
            None,
        ),
        row(
            "a constraint id declared twice",
            ruleset(
                "input { q: Int }\nconstraint c: q > 1 else error \"x\"\nconstraint c: q > 2 else error \"y\"\n",
            ),
            "duplicate",
            "E0006",
            "c",
            "the id `c` is declared twice",
            None,
        ),
        row(
            "an approval step declared twice",
            ruleset("roles r\napproval c {\n  step s by r\n  step s by r\n}\n"),
            "duplicate",
            "E0006",
            "s",
            "the step `s` is declared twice",
            None,
        ),
        row(
            "a workflow state declared twice",
            ruleset("workflow w {\n  state a initial\n  state a final\n}\n"),
            "duplicate",
            "E0006",
            "a",
            "the state `a` is declared twice",
            None,
        ),
        row(
            "a workflow transition declared twice",
            ruleset(
                "workflow w {\n  state a initial\n  state b final\n  transition go: a -> b\n  transition go: a -> b\n}\n",
            ),
            "duplicate",
            "E0006",
            "go",
            "the transition `go` is declared twice",
            None,
        ),
        row(
            "a trigger on a state of two workflows",
            ruleset(
                "workflow w {\n  state a initial\n  state b final\n  transition go: a -> b\n}\nworkflow v {\n  state a initial\n  state b final\n  transition go: a -> b\n}\ntrigger t on enter b {\n  emit \"x\"\n}\n",
            ),
            "duplicate",
            "E0006",
            "b",
            "several workflows have a state `b`; triggers must name it unambiguously",
            None,
        ),
        row(
            "an enum named like a built-in type",
            ruleset("enum Int { a, b }\n"),
            "duplicate",
            "E0006",
            "Int",
            "`Int` is a built-in type and cannot name an enum",
            None,
        ),
        row(
            "an enum value declared twice",
            ruleset("enum E { a, b, a }\n"),
            "duplicate",
            "E0006",
            "a",
            "enum `E` has the value `a` twice",
            None,
        ),
        row(
            "a table declared twice for the same date",
            ruleset("table t: Text -> Int {\n  _ => 1\n}\ntable t: Text -> Int {\n  _ => 2\n}\n"),
            "duplicate",
            "E0006",
            "t",
            "table `t` is declared twice with the same effective date",
            None,
        ),
        row(
            "a name declared twice",
            ruleset("input { q: Int }\nlet q = 1\n"),
            "duplicate",
            "E0006",
            "q",
            "the name `q` is declared twice",
            None,
        ),
        row(
            "a role declared twice",
            ruleset("roles r, s, r\n"),
            "duplicate",
            "E0006",
            "r",
            "the role `r` is declared twice",
            None,
        ),
        row(
            "a match pattern already covered",
            ruleset("input { q: Int }\noutput x = match q {\n  1 => 1\n  1 => 2\n  _ => 3\n}\n"),
            "duplicate",
            "E0006",
            "1",
            "this pattern is already covered by an earlier arm",
            None,
        ),
        // overlap (E0007)
        row(
            "an empty band",
            ruleset("bands b {\n  10..5 => 1.00\n}\n"),
            "overlap",
            "E0007",
            "10..5 => 1.00",
            "this band is empty: its upper bound is below its lower bound",
            None,
        ),
        row(
            "closed bands that share a bound",
            ruleset("bands b {\n  1..10 => 1.00\n  10..20 => 2.00\n}\n"),
            "overlap",
            "E0007",
            "10..20 => 2.00",
            "bands of `b` overlap",
            Some(
                "make each band start after the previous one ends (use `a..<b` for half-open bands)",
            ),
        ),
        row(
            "an open-ended band followed by another",
            ruleset("bands b {\n  1.. => 1.00\n  10..20 => 2.00\n}\n"),
            "overlap",
            "E0007",
            "10..20 => 2.00",
            "bands of `b` overlap",
            Some(
                "make each band start after the previous one ends (use `a..<b` for half-open bands)",
            ),
        ),
        row(
            "two composite-key rows with as many `_` that can match one key",
            ruleset(
                "table t: (Text, Int) -> Int {\n  (\"a\", 1) => 3\n  (\"a\", _) => 1\n  (\"b\", _) => 1\n  (_, 2) => 2\n  (_, _) => 0\n}\n",
            ),
            "overlap",
            "E0007",
            "(_, 2) => 2",
            "two rows of table `t` can match the same key",
            Some("make one of them more specific (fewer `_`)"),
        ),
        // workflow (E0008)
        row(
            "a workflow without an initial state",
            ruleset("workflow w {\n  state a\n  state b final\n  transition go: a -> b\n}\n"),
            "workflow",
            "E0008",
            "w",
            "workflow `w` has no initial state",
            Some("mark the state a new instance starts in: `state draft initial`"),
        ),
        row(
            "a workflow with two initial states",
            ruleset(
                "workflow w {\n  state a initial\n  state b initial\n  state c final\n  transition go: a -> c\n  transition go2: b -> c\n}\n",
            ),
            "workflow",
            "E0008",
            "state b initial",
            "workflow `w` has more than one initial state",
            None,
        ),
        row(
            "an unreachable state",
            ruleset(
                "workflow w {\n  state a initial\n  state b final\n  state c final\n  transition go: a -> b\n}\n",
            ),
            "workflow",
            "E0008",
            "state c final",
            "state `c` cannot be reached from the initial state",
            Some("add a transition into it, or remove it"),
        ),
        row(
            "a dead-end state",
            ruleset("workflow w {\n  state a initial\n  state b\n  transition go: a -> b\n}\n"),
            "workflow",
            "E0008",
            "state b",
            "state `b` is a dead end",
            Some("add a transition out of it, or mark it `final`"),
        ),
        // invalid (E0009)
        row(
            "an approval step with a quorum of 0",
            ruleset("roles a\napproval desk {\n  step s by a quorum 0\n}\n"),
            "invalid",
            "E0009",
            "0",
            "a quorum of 0 approvers cannot be met",
            Some("write `quorum N` with N at least 1"),
        ),
        row(
            "a subtotal inside `for`",
            ruleset(
                "input { xs: List<Int> }\nprice p currency \"EUR\" {\n  for x in xs {\n    line a = 1.00\n    subtotal s\n  }\n}\n",
            ),
            "invalid",
            "E0009",
            "subtotal s",
            "a subtotal cannot stand inside `for`",
            None,
        ),
        row(
            "an input default that is not a constant",
            ruleset("input { q: Int, r: Int = q }\n"),
            "invalid",
            "E0009",
            "q",
            "the default of `r` must be a constant",
            None,
        ),
        row(
            "a test input that is not a literal",
            ruleset(
                "input { q: Int }\noutput x = q\ntest \"t\" {\n  given { q: 1 + 1 }\n  expect x == 2\n}\n",
            ),
            "invalid",
            "E0009",
            "1 + 1",
            "a test input must be a literal value",
            Some("write numbers, texts, dates, enum values, lists, sets and records"),
        ),
    ];
    rows.extend(generated_rows());
    rows.extend(data_file_rows());
    rows
}

/// Rows whose source is too long to write out: the parser's limits.
fn generated_rows() -> Vec<Row> {
    let chain = vec!["1"; 66].join(" + ");
    let nested = format!("{}1{}", "(".repeat(70), ")".repeat(70));
    vec![
        row(
            "an expression chaining more than 64 operators",
            ruleset(&format!("output x = {chain}\n")),
            "syntax",
            "E0001",
            chain.clone(),
            "expressions nest more than 64 levels deep",
            Some("split the expression into named `let` values"),
        ),
        row(
            "brackets nested more than 64 deep",
            ruleset(&format!("output x = {nested}\n")),
            "syntax",
            "E0001",
            "(",
            "expressions nest more than 64 levels deep",
            Some("split the expression into named `let` values"),
        ),
    ]
}

fn describe(d: &Diagnostic, source: &str) -> String {
    format!(
        "  [{} {}] {} (span {:?}, hint {:?})",
        d.kind.as_str(),
        d.kind.code(),
        d.message,
        d.span.text(source),
        d.hint
    )
}

fn describe_all(diagnostics: &Diagnostics, source: &str) -> String {
    diagnostics
        .iter()
        .map(|d| describe(d, source))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Compiles the row's source and checks the diagnostic of the row's kind whose message matches.
/// Tables read from data files (spec §21): a missing file, bad cells and headers, overlapping
/// validity, and key types a cell cannot hold.
fn data_file_rows() -> Vec<Row> {
    const TABLE: &str =
        "enum Model { c10, c20 }\ntable price: (Text, Model) -> Decimal from \"p.csv\"\n";
    const DATED: &str = "table price: Text -> Decimal from \"p.csv\"\n";
    vec![
        row(
            "a data file that was not given",
            ruleset(TABLE),
            "invalid_data",
            "E0010",
            "\"p.csv\"",
            "the data file `p.csv` was not given",
            Some("pass it in `files`"),
        ),
        row(
            "a cell that is no value of its column's enum",
            ruleset(TABLE),
            "invalid_data",
            "E0010",
            "\"p.csv\"",
            "`c30` is not one of c10, c20",
            None,
        )
        .with_file(
            "p.csv",
            "customer,model,price\nC-1,c30,1.00\n",
            Some(("p.csv", 2, 5)),
        ),
        row(
            "a cell that is not a number",
            ruleset(TABLE),
            "invalid_data",
            "E0010",
            "\"p.csv\"",
            "`12,5` is not a number",
            None,
        )
        .with_file(
            "p.csv",
            "customer,model,price\nC-1,c10,\"12,5\"\n",
            Some(("p.csv", 2, 9)),
        ),
        row(
            "a header of the wrong width",
            ruleset(TABLE),
            "invalid_data",
            "E0010",
            "\"p.csv\"",
            "the header has 2 columns: 3 are expected",
            None,
        )
        .with_file("p.csv", "customer,price\n", Some(("p.csv", 1, 1))),
        row(
            "a validity that ends before it starts",
            ruleset(DATED),
            "invalid_data",
            "E0010",
            "\"p.csv\"",
            "`valid_to` 2026-01-01 is not after `valid_from` 2026-02-01",
            None,
        )
        .with_file(
            "p.csv",
            "k,v,valid_from,valid_to\na,1,2026-02-01,2026-01-01\n",
            Some(("p.csv", 2, 16)),
        ),
        row(
            "two rows of one key valid on the same day",
            ruleset(DATED),
            "overlap",
            "E0007",
            "\"p.csv\"",
            "the row on line 2 have the same key",
            None,
        )
        .with_file(
            "p.csv",
            "k,v,valid_from,valid_to\na,1,2026-01-01,2026-07-01\na,2,2026-06-01,\n",
            Some(("p.csv", 3, 1)),
        ),
        row(
            "two rows of one key in a file without validity",
            ruleset(DATED),
            "overlap",
            "E0007",
            "\"p.csv\"",
            "the row on line 2 have the same key",
            None,
        )
        .with_file("p.csv", "k,v\na,1\na,2\n", Some(("p.csv", 3, 1))),
        row(
            "a data file's value that a cell cannot hold",
            ruleset("table price: Text -> List<Int> from \"p.csv\"\n"),
            "type_mismatch",
            "E0003",
            "Text -> List<Int>",
            "`List<Int>` is not one",
            None,
        )
        .with_file("p.csv", "k,v\n", None),
    ]
}

fn check(row: &Row) -> Result<(), String> {
    let diagnostics = match Ruleset::compile_with_files(&row.source, &row.files) {
        Ok(_) => return Err("the ruleset compiled without an error".to_string()),
        Err(diagnostics) => diagnostics,
    };
    let Some(found) = diagnostics
        .iter()
        .find(|d| d.kind.as_str() == row.kind && d.message.contains(row.message))
    else {
        return Err(format!(
            "no `{}` diagnostic whose message contains {:?}; the diagnostics:\n{}",
            row.kind,
            row.message,
            describe_all(&diagnostics, &row.source)
        ));
    };
    let mut problems = Vec::new();
    if found.kind.code() != row.code {
        problems.push(format!(
            "the code is {}, expected {}",
            found.kind.code(),
            row.code
        ));
    }
    let covered = found.span.text(&row.source);
    if covered != row.span {
        problems.push(format!(
            "the span covers {covered:?} ({:?}), expected {:?}",
            found.span, row.span
        ));
    }
    let place = found
        .data
        .as_ref()
        .map(|d| (d.file.as_str(), d.line, d.column));
    if place != row.data {
        problems.push(format!(
            "the data file place is {place:?}, expected {:?}",
            row.data
        ));
    }
    match (row.hint, found.hint.as_deref()) {
        (None, None) => {}
        (Some(want), Some(hint)) if hint.contains(want) => {}
        (want, got) => problems.push(format!("the hint is {got:?}, expected {want:?}")),
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{}\n{}",
            problems.join("; "),
            describe(found, &row.source)
        ))
    }
}

#[test]
fn every_row_gives_its_diagnostic() {
    let rows = rows();
    let failures: Vec<String> = rows
        .iter()
        .filter_map(|row| check(row).err().map(|e| format!("row `{}`: {e}", row.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} rows failed:\n\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_kind_has_rows_and_its_stable_name_and_code() {
    let rows = rows();
    for (kind, name, code) in ALL_KINDS {
        assert!(listed(kind));
        assert_eq!(kind.as_str(), name, "{kind:?}");
        assert_eq!(kind.code(), code, "{kind:?}");
        assert_eq!(kind.to_string(), name, "{kind:?}");
        assert!(
            rows.iter().any(|r| r.kind == name),
            "no row for the kind `{name}`"
        );
    }
    for row in &rows {
        let Some((_, _, code)) = ALL_KINDS.iter().find(|(_, name, _)| *name == row.kind) else {
            panic!("row `{}`: `{}` is not a kind", row.name, row.kind);
        };
        assert_eq!(
            row.code, *code,
            "row `{}`: the code of `{}` is {code}",
            row.name, row.kind
        );
    }
}

#[test]
fn row_names_are_distinct() {
    let rows = rows();
    let mut names: Vec<&str> = rows.iter().map(|r| r.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(names.len(), before, "two rows share a name");
}
