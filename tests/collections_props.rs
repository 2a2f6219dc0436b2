#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Property tests of the collection constructs of the language (spec §19–§21) on generated
//! rulesets and inputs, each against a direct computation in Rust: constraints over elements
//! report exactly the failing elements with their paths, price lines over lists get positional
//! or keyed ids (or `duplicate_key`), comprehensions agree with aggregates and with the list
//! built-ins, composite-key lookups take the most specific row, refinements reject exactly the
//! values out of range, each with its JSON path, and fallbacks are noted.

use std::str::FromStr;

use ordo_engine::{ErrorKind, EvalError, EvalOptions, Ruleset};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};

const MODELS: [&str; 3] = ["m0", "m1", "m2"];
const EXTRAS: [&str; 4] = ["x0", "x1", "x2", "x3"];

fn compile(source: &str) -> Ruleset {
    match Ruleset::compile(source) {
        Ok(ruleset) => ruleset,
        Err(diagnostics) => panic!("{}\n{source}", diagnostics.render("generated.ordo", source)),
    }
}

fn evaluate(source: &str, input: &Json) -> Result<Json, EvalError> {
    compile(source).evaluate(input, &EvalOptions::default())
}

fn dec(json: &Json) -> Decimal {
    Decimal::from_str(json.as_str().unwrap()).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Conditions: a small grammar over an element's quantity and model, rendered as ordo source
// and evaluated directly.

#[derive(Debug, Clone, Copy)]
enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

impl Op {
    fn text(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }

    fn holds(self, a: i64, b: i64) -> bool {
        match self {
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
            Op::Eq => a == b,
            Op::Ne => a != b,
        }
    }
}

fn op() -> impl Strategy<Value = Op> {
    prop::sample::select(vec![Op::Lt, Op::Le, Op::Gt, Op::Ge, Op::Eq, Op::Ne])
}

/// An element as the conditions see it.
#[derive(Debug, Clone, Copy)]
struct Elem {
    qty: i64,
    model: usize,
}

#[derive(Debug, Clone)]
enum Cond {
    /// `QTY OP n`
    Qty(Op, i64),
    /// `QTY OP limit`, an input.
    QtyLimit(Op),
    /// `QTY in lo..hi` or `QTY in lo..<hi`
    QtyIn(i64, i64, bool),
    /// `MODEL == m` or `MODEL != m`
    Model(bool, usize),
    /// `MODEL in [m, ...]`
    ModelIn(Vec<usize>),
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
    Implies(Box<Cond>, Box<Cond>),
}

impl Cond {
    fn render(&self, qty: &str, model: &str) -> String {
        match self {
            Cond::Qty(op, n) => format!("{qty} {} {n}", op.text()),
            Cond::QtyLimit(op) => format!("{qty} {} limit", op.text()),
            Cond::QtyIn(lo, hi, half_open) => {
                format!("{qty} in {lo}..{}{hi}", if *half_open { "<" } else { "" })
            }
            Cond::Model(eq, m) => {
                format!("{model} {} {}", if *eq { "==" } else { "!=" }, MODELS[*m])
            }
            Cond::ModelIn(ms) => {
                let ms: Vec<&str> = ms.iter().map(|m| MODELS[*m]).collect();
                format!("{model} in [{}]", ms.join(", "))
            }
            Cond::Not(c) => format!("not ({})", c.render(qty, model)),
            Cond::And(a, b) => format!("({}) and ({})", a.render(qty, model), b.render(qty, model)),
            Cond::Or(a, b) => format!("({}) or ({})", a.render(qty, model), b.render(qty, model)),
            Cond::Implies(a, b) => format!(
                "({}) implies ({})",
                a.render(qty, model),
                b.render(qty, model)
            ),
        }
    }

    fn holds(&self, e: Elem, limit: i64) -> bool {
        match self {
            Cond::Qty(op, n) => op.holds(e.qty, *n),
            Cond::QtyLimit(op) => op.holds(e.qty, limit),
            Cond::QtyIn(lo, hi, half_open) => {
                *lo <= e.qty
                    && if *half_open {
                        e.qty < *hi
                    } else {
                        e.qty <= *hi
                    }
            }
            Cond::Model(eq, m) => (e.model == *m) == *eq,
            Cond::ModelIn(ms) => ms.contains(&e.model),
            Cond::Not(c) => !c.holds(e, limit),
            Cond::And(a, b) => a.holds(e, limit) && b.holds(e, limit),
            Cond::Or(a, b) => a.holds(e, limit) || b.holds(e, limit),
            Cond::Implies(a, b) => !a.holds(e, limit) || b.holds(e, limit),
        }
    }
}

/// Conditions over a quantity, and over a model too when `with_model`.
fn cond(with_model: bool) -> impl Strategy<Value = Cond> {
    let qty = prop_oneof![
        (op(), -3i64..12).prop_map(|(op, n)| Cond::Qty(op, n)),
        op().prop_map(Cond::QtyLimit),
        (-3i64..10, 0i64..6, any::<bool>()).prop_map(|(lo, w, h)| Cond::QtyIn(lo, lo + w, h)),
    ];
    let leaf = if with_model {
        prop_oneof![
            3 => qty,
            1 => (any::<bool>(), 0usize..3).prop_map(|(eq, m)| Cond::Model(eq, m)),
            1 => prop::sample::subsequence(vec![0usize, 1, 2], 1..=3).prop_map(Cond::ModelIn),
        ]
        .boxed()
    } else {
        qty.boxed()
    };
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|c| Cond::Not(Box::new(c))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Cond::Or(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Cond::Implies(Box::new(a), Box::new(b))),
        ]
    })
}

const SEVERITIES: [&str; 3] = ["error", "warning", "review"];

fn items_json(items: &[Elem]) -> Json {
    Json::Array(
        items
            .iter()
            .enumerate()
            .map(|(k, e)| json!({"pos": format!("P{k}"), "model": MODELS[e.model], "qty": e.qty}))
            .collect(),
    )
}

fn elem() -> impl Strategy<Value = Elem> {
    (-3i64..12, 0usize..3).prop_map(|(qty, model)| Elem { qty, model })
}

// ---------------------------------------------------------------------------------------------
// Constraints over elements.

/// A ruleset with constraints `c0, c1, ...` over the input list `items`, then `d` over the
/// items whose model is not `m0` (a list that is not an input).
fn elements_source(conds: &[(Cond, usize)], derived: &(Cond, usize)) -> String {
    let mut s = String::from(
        "ruleset elements version \"1.0.0\"\n\
         enum Model { m0, m1, m2 }\n\
         type Item = { pos: Text, model: Model, qty: Int }\n\
         input {\n  items: List<Item>\n  limit: Int\n}\n\
         constraint few: len(items) <= 6 else warning \"{len(items)} items\"\n",
    );
    for (j, (c, severity)) in conds.iter().enumerate() {
        s.push_str(&format!(
            "constraint c{j} for i in items: {}\n  else {} \"c{j}: {{i.pos}} has {{i.qty}} of {{i.model}}\"\n",
            c.render("i.qty", "i.model"),
            SEVERITIES[*severity]
        ));
    }
    s.push_str(&format!(
        "constraint d for i in [x for x in items if x.model != m0]: {}\n  else {} \"d: {{i.pos}}\"\n",
        derived.0.render("i.qty", "i.model"),
        SEVERITIES[derived.1]
    ));
    s
}

/// The violations the constraints of [`elements_source`] give, computed directly.
fn expected_violations(
    conds: &[(Cond, usize)],
    derived: &(Cond, usize),
    items: &[Elem],
    limit: i64,
) -> (bool, Vec<Json>) {
    let mut valid = true;
    let mut out = Vec::new();
    if items.len() > 6 {
        let message = format!("{} items", items.len());
        out.push(json!({"id": "few", "severity": "warning", "message": message}));
    }
    for (j, (c, severity)) in conds.iter().enumerate() {
        for (k, e) in items.iter().enumerate() {
            if !c.holds(*e, limit) {
                valid &= *severity != 0;
                out.push(json!({
                    "id": format!("c{j}"),
                    "severity": SEVERITIES[*severity],
                    "at": format!("items[{k}]"),
                    "message": format!("c{j}: P{k} has {} of {}", e.qty, MODELS[e.model]),
                }));
            }
        }
    }
    let kept = items.iter().enumerate().filter(|(_, e)| e.model != 0);
    for (position, (k, e)) in kept.enumerate() {
        if !derived.0.holds(*e, limit) {
            valid &= derived.1 != 0;
            out.push(json!({
                "id": "d",
                "severity": SEVERITIES[derived.1],
                "at": format!("d[{position}]"),
                "message": format!("d: P{k}"),
            }));
        }
    }
    (valid, out)
}

/// A ruleset with one constraint over the input set `extras`.
fn set_source(allowed: &[usize]) -> String {
    let allowed: Vec<&str> = allowed.iter().map(|x| EXTRAS[*x]).collect();
    format!(
        "ruleset sets version \"1.0.0\"\n\
         enum Extra {{ x0, x1, x2, x3 }}\n\
         input {{ extras: Set<Extra> }}\n\
         constraint allowed for e in extras: e in [{}] else error \"{{e}} is not allowed\"\n",
        allowed.join(", ")
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// A constraint over elements reports exactly the elements for which a direct evaluation
    /// of its condition fails, in order, with `items[k]` (an input list) or `d[k]` (a derived
    /// list) and the element's message; `valid` iff no `error` one fails.
    #[test]
    fn element_constraints_report_exactly_the_failing_elements(
        conds in prop::collection::vec((cond(true), 0usize..3), 1..4),
        derived in (cond(true), 0usize..3),
        items in prop::collection::vec(elem(), 0..9),
        limit in -2i64..10,
    ) {
        let source = elements_source(&conds, &derived);
        let input = json!({"items": items_json(&items), "limit": limit});
        let result = evaluate(&source, &input).unwrap();
        let (valid, violations) = expected_violations(&conds, &derived, &items, limit);
        prop_assert_eq!(&result["violations"], &Json::Array(violations), "\n{}\n{}", source, input);
        prop_assert_eq!(&result["valid"], &json!(valid));
    }
}

/// The smallest case of the property below.
#[test]
fn set_constraint_names_the_position_as_received() {
    let source = set_source(&[0]);
    let result = evaluate(&source, &json!({"extras": ["x1", "x0"]})).unwrap();
    // `x1` is `extras[0]` as received; the engine says `extras[1]`.
    assert_eq!(
        result["violations"],
        json!([{"id": "allowed", "severity": "error", "at": "extras[0]", "message": "x1 is not allowed"}])
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Over an input set, each failing element is a violation in collection (enum declaration)
    /// order, `at` the element's position in the array as received (spec §19).
    #[test]
    fn set_constraints_name_the_position_as_received(
        allowed in prop::sample::subsequence(vec![0usize, 1, 2, 3], 1..=3),
        received in prop::sample::subsequence(vec![0usize, 1, 2, 3], 0..=4).prop_shuffle(),
    ) {
        let source = set_source(&allowed);
        let input = json!({"extras": received.iter().map(|x| EXTRAS[*x]).collect::<Vec<_>>()});
        let result = evaluate(&source, &input).unwrap();
        let mut expected = Vec::new();
        for (x, name) in EXTRAS.iter().enumerate() {
            if let Some(k) = received.iter().position(|r| *r == x)
                && !allowed.contains(&x)
            {
                expected.push(json!({"id": "allowed", "severity": "error",
                    "at": format!("extras[{k}]"), "message": format!("{name} is not allowed")}));
            }
        }
        prop_assert_eq!(&result["valid"], &json!(expected.is_empty()));
        prop_assert_eq!(&result["violations"], &Json::Array(expected), "\n{}\n{}", source, input);
    }
}

// ---------------------------------------------------------------------------------------------
// Price lines over lists and sets.

#[derive(Debug, Clone, Copy)]
enum Key {
    Pos,
    Qty,
    Model,
    Label,
}

impl Key {
    fn expr(self) -> &'static str {
        match self {
            Key::Pos => "i.pos",
            Key::Qty => "i.qty",
            Key::Model => "i.model",
            Key::Label => "\"{i.model}/{i.pos}\"",
        }
    }

    fn of(self, item: &Line) -> String {
        match self {
            Key::Pos => item.pos.to_string(),
            Key::Qty => item.qty.to_string(),
            Key::Model => MODELS[item.model].to_string(),
            Key::Label => format!("{}/{}", MODELS[item.model], item.pos),
        }
    }
}

#[derive(Debug, Clone)]
struct Line {
    pos: &'static str,
    qty: i64,
    model: usize,
}

fn line() -> impl Strategy<Value = Line> {
    (
        prop::sample::select(vec!["A", "B", "C-10", "D", "E", "F", "G", "H"]),
        1i64..6,
        0usize..3,
    )
        .prop_map(|(pos, qty, model)| Line { pos, qty, model })
}

fn lines_source(key: Key) -> String {
    format!(
        "ruleset lines version \"1.0.0\"\n\
         enum Model {{ m0, m1, m2 }}\n\
         enum Extra {{ x0, x1, x2, x3 }}\n\
         type Item = {{ pos: Text, model: Model, qty: Int }}\n\
         input {{\n  items: List<Item>\n  extras: Set<Extra> = {{}}\n}}\n\
         price quote currency \"EUR\" {{\n\
         \x20 for i in items key {} {{\n\
         \x20   line unit \"{{i.pos}}\" qty i.qty at 2.50\n\
         \x20   line big \"Big {{i.pos}}\" = 1.00 when i.qty > 3\n\
         \x20 }}\n\
         \x20 for i in items {{\n\
         \x20   line each \"{{i.pos}}\" qty i.qty at 1.00\n\
         \x20 }}\n\
         \x20 for i in [x for x in items if x.model != m0] {{\n\
         \x20   line kept \"{{i.pos}}\" = 1.00\n\
         \x20 }}\n\
         \x20 for e in extras {{\n\
         \x20   line extra \"{{e}}\" = 3.00\n\
         \x20 }}\n\
         }}\n",
        key.expr()
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Keyed line ids are the keys (or the evaluation fails with `duplicate_key` when two
    /// elements share one), positional ids are `ID[0]..ID[n-1]` (over a derived list too), and
    /// lines over a set keep `ID[value]` in declaration order; every id of a quote is unique.
    #[test]
    fn line_ids_are_positions_keys_or_set_values(
        key in prop::sample::select(vec![Key::Pos, Key::Qty, Key::Model, Key::Label]),
        items in prop::collection::vec(line(), 0..6),
        extras in prop::sample::subsequence(vec![0usize, 1, 2, 3], 0..=4).prop_shuffle(),
    ) {
        let source = lines_source(key);
        let items_json: Vec<Json> = items
            .iter()
            .map(|i| json!({"pos": i.pos, "qty": i.qty, "model": MODELS[i.model]}))
            .collect();
        let extras_json: Vec<&str> = extras.iter().map(|x| EXTRAS[*x]).collect();
        let input = json!({"items": items_json, "extras": extras_json});
        let result = evaluate(&source, &input);

        let keys: Vec<String> = items.iter().map(|i| key.of(i)).collect();
        let duplicated = (0..keys.len()).any(|a| keys[a + 1..].contains(&keys[a]));
        if duplicated {
            let error = result.expect_err("two elements share a key");
            prop_assert_eq!(error.kind, ErrorKind::DuplicateKey, "{}", error.message);
            return Ok(());
        }
        let result = result.unwrap();
        let ids: Vec<&str> = result["quotes"]["quote"]["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap())
            .collect();
        let mut expected = Vec::new();
        for (item, k) in items.iter().zip(&keys) {
            expected.push(format!("unit[{k}]"));
            if item.qty > 3 {
                expected.push(format!("big[{k}]"));
            }
        }
        expected.extend((0..items.len()).map(|k| format!("each[{k}]")));
        let kept = items.iter().filter(|i| i.model != 0).count();
        expected.extend((0..kept).map(|k| format!("kept[{k}]")));
        for (x, name) in EXTRAS.iter().enumerate() {
            if extras.contains(&x) {
                expected.push(format!("extra[{name}]"));
            }
        }
        prop_assert_eq!(&ids, &expected, "\n{}\n{}", source, input);
        for (a, id) in ids.iter().enumerate() {
            prop_assert!(!ids[a + 1..].contains(id), "{} twice", id);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Comprehensions against aggregates, and the list built-ins against direct computations.

/// An Int expression of `x`.
#[derive(Debug, Clone)]
enum Term {
    X,
    Const(i64),
    Add(Box<Term>, Box<Term>),
    Mul(Box<Term>, i64),
    Neg(Box<Term>),
    Abs(Box<Term>),
    Max(Box<Term>, i64),
    If(Cond, Box<Term>, Box<Term>),
}

impl Term {
    fn render(&self) -> String {
        match self {
            Term::X => "x".into(),
            Term::Const(n) => format!("({n})"),
            Term::Add(a, b) => format!("({} + {})", a.render(), b.render()),
            Term::Mul(a, n) => format!("({} * {n})", a.render()),
            Term::Neg(a) => format!("(-{})", a.render()),
            Term::Abs(a) => format!("abs({})", a.render()),
            Term::Max(a, n) => format!("max({}, {n})", a.render()),
            Term::If(c, a, b) => format!(
                "(if {} then {} else {})",
                c.render("x", "-"),
                a.render(),
                b.render()
            ),
        }
    }

    fn value(&self, x: i64, limit: i64) -> i64 {
        match self {
            Term::X => x,
            Term::Const(n) => *n,
            Term::Add(a, b) => a.value(x, limit) + b.value(x, limit),
            Term::Mul(a, n) => a.value(x, limit) * n,
            Term::Neg(a) => -a.value(x, limit),
            Term::Abs(a) => a.value(x, limit).abs(),
            Term::Max(a, n) => a.value(x, limit).max(*n),
            Term::If(c, a, b) => {
                if c.holds(Elem { qty: x, model: 0 }, limit) {
                    a.value(x, limit)
                } else {
                    b.value(x, limit)
                }
            }
        }
    }
}

fn term() -> impl Strategy<Value = Term> {
    let leaf = prop_oneof![Just(Term::X), (-5i64..6).prop_map(Term::Const)];
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Term::Add(Box::new(a), Box::new(b))),
            (inner.clone(), -3i64..4).prop_map(|(a, n)| Term::Mul(Box::new(a), n)),
            inner.clone().prop_map(|a| Term::Neg(Box::new(a))),
            inner.clone().prop_map(|a| Term::Abs(Box::new(a))),
            (inner.clone(), -3i64..4).prop_map(|(a, n)| Term::Max(Box::new(a), n)),
            (cond(false), inner.clone(), inner).prop_map(|(c, a, b)| Term::If(
                c,
                Box::new(a),
                Box::new(b)
            )),
        ]
    })
}

fn lists_source(e: &Term, c: &Cond) -> String {
    let e = e.render();
    let c = c.render("x", "-");
    format!(
        "ruleset lists version \"1.0.0\"\n\
         enum Model {{ m0, m1, m2 }}\n\
         input {{\n  xs: List<Int>\n  limit: Int\n  ws: List<Decimal>\n  ts: List<Text>\n  \
         ms: List<Model>\n  ds: List<Date>\n  ns: List<Int?>\n}}\n\
         output sum_list = sum([{e} for x in xs])\n\
         output sum_agg = sum({e} for x in xs)\n\
         output sum_list_if = sum([{e} for x in xs if {c}])\n\
         output sum_agg_if = sum({e} for x in xs if {c})\n\
         output len_if = len([x for x in xs if {c}])\n\
         output count_if = count(x for x in xs if {c})\n\
         output mapped = [{e} for x in xs if {c}]\n\
         output first_x = first(xs)\n\
         output last_x = last(xs)\n\
         output first_or = first(xs) ?? -1000\n\
         output first_at = if len(xs) == 0 then -1000 else xs[0]\n\
         output last_or = last(xs) ?? -1000\n\
         output last_at = if len(xs) == 0 then -1000 else xs[len(xs) - 1]\n\
         output first_kept = first([x for x in xs if {c}])\n\
         output sorted_x = sort(xs)\n\
         output sorted_w = sort(ws)\n\
         output sorted_t = sort(ts)\n\
         output sorted_m = sort(ms)\n\
         output sorted_d = sort(ds)\n\
         output distinct_w = distinct(ws)\n\
         output distinct_t = distinct(ts)\n\
         output distinct_m = distinct(ms)\n\
         output distinct_n = distinct(ns)\n\
         output reversed_x = reverse(xs)\n\
         output reversed_twice_w = reverse(reverse(ws))\n\
         output reversed_twice_t = reverse(reverse(ts))\n"
    )
}

/// Decimals written with 0 to 2 decimal places, so that equal values differ in scale.
fn decimal_text() -> impl Strategy<Value = String> {
    (-4i64..5, 0u32..3).prop_map(|(n, scale)| Decimal::new(n * 10i64.pow(scale), scale).to_string())
}

/// The texts of a JSON array of texts.
fn strings(values: &Json) -> Vec<String> {
    let values = values.as_array().unwrap();
    values
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn model_names(models: &[usize]) -> Vec<String> {
    models.iter().map(|m| MODELS[*m].to_string()).collect()
}

fn decimal_eq(a: &str, b: &str) -> bool {
    Decimal::from_str(a).unwrap() == Decimal::from_str(b).unwrap()
}

/// The elements of `xs` in the order of a stable sort by `key`.
fn stable_sorted<T: Clone, K: Ord>(xs: &[T], key: impl Fn(&T) -> K) -> Vec<T> {
    let mut out = xs.to_vec();
    out.sort_by_key(|x| key(x));
    out
}

/// First occurrences, in order, by `eq`.
fn first_occurrences<T: Clone>(xs: &[T], eq: impl Fn(&T, &T) -> bool) -> Vec<T> {
    let mut out: Vec<T> = Vec::new();
    for x in xs {
        if !out.iter().any(|k| eq(k, x)) {
            out.push(x.clone());
        }
    }
    out
}

#[derive(Debug, Clone)]
struct Lists {
    xs: Vec<i64>,
    ws: Vec<String>,
    ts: Vec<String>,
    ms: Vec<usize>,
    ds: Vec<String>,
    ns: Vec<Option<i64>>,
}

fn lists() -> impl Strategy<Value = Lists> {
    let text = prop::sample::select(vec!["a", "B", "b", "ä", "Z", "é", "ab", "", "a b"]);
    let date = prop::sample::select(vec![
        "2025-12-31",
        "2026-01-01",
        "2026-02-28",
        "2026-10-01",
        "2027-01-01",
    ]);
    (
        prop::collection::vec(-6i64..8, 0..8),
        prop::collection::vec(decimal_text(), 0..8),
        prop::collection::vec(text.prop_map(String::from), 0..8),
        prop::collection::vec(0usize..3, 0..8),
        prop::collection::vec(date.prop_map(String::from), 0..6),
        prop::collection::vec(prop::option::of(-3i64..4), 0..6),
    )
        .prop_map(|(xs, ws, ts, ms, ds, ns)| Lists {
            xs,
            ws,
            ts,
            ms,
            ds,
            ns,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// `sum([e for x in xs (if c)])` is `sum(e for x in xs (if c))`, `len` of a filtered list
    /// is `count` with the filter, `first`/`last` are indexing, `sort` is a stable sort,
    /// `distinct` keeps first occurrences, `reverse` is its own inverse — all
    /// against direct computations.
    #[test]
    fn comprehensions_agree_with_aggregates_and_builtins(
        e in term(),
        c in cond(false),
        l in lists(),
        limit in -3i64..6,
    ) {
        let source = lists_source(&e, &c);
        let input = json!({
            "xs": l.xs, "limit": limit, "ws": l.ws, "ts": l.ts,
            "ms": l.ms.iter().map(|m| MODELS[*m]).collect::<Vec<_>>(), "ds": l.ds, "ns": l.ns,
        });
        let result = evaluate(&source, &input).unwrap();
        let out = &result["outputs"];
        let context = format!("\n{source}\n{input}");

        let holds = |x: i64| c.holds(Elem { qty: x, model: 0 }, limit);
        let all: i64 = l.xs.iter().map(|x| e.value(*x, limit)).sum();
        let kept: Vec<i64> = l.xs.iter().copied().filter(|x| holds(*x)).collect();
        let kept_sum: i64 = kept.iter().map(|x| e.value(*x, limit)).sum();

        prop_assert_eq!(&out["sum_list"], &out["sum_agg"], "{}", context);
        prop_assert_eq!(dec(&out["sum_agg"]), Decimal::from(all), "{}", context);
        prop_assert_eq!(&out["sum_list_if"], &out["sum_agg_if"], "{}", context);
        prop_assert_eq!(dec(&out["sum_agg_if"]), Decimal::from(kept_sum), "{}", context);
        prop_assert_eq!(&out["len_if"], &out["count_if"], "{}", context);
        prop_assert_eq!(dec(&out["count_if"]), Decimal::from(kept.len()), "{}", context);
        let mapped: Vec<Decimal> = out["mapped"].as_array().unwrap().iter().map(dec).collect();
        let direct: Vec<Decimal> =
            kept.iter().map(|x| Decimal::from(e.value(*x, limit))).collect();
        prop_assert_eq!(mapped, direct, "{}", context);

        let text = |n: Option<&i64>| n.map_or(Json::Null, |n| json!(n.to_string()));
        prop_assert_eq!(&out["first_x"], &text(l.xs.first()), "{}", context);
        prop_assert_eq!(&out["last_x"], &text(l.xs.last()), "{}", context);
        prop_assert_eq!(&out["first_or"], &out["first_at"], "{}", context);
        prop_assert_eq!(&out["last_or"], &out["last_at"], "{}", context);
        prop_assert_eq!(&out["first_kept"], &text(kept.first()), "{}", context);

        let xs: Vec<String> = l.xs.iter().map(i64::to_string).collect();
        let sorted_x: Vec<String> =
            stable_sorted(&l.xs, |x| *x).iter().map(i64::to_string).collect();
        prop_assert_eq!(strings(&out["sorted_x"]), sorted_x, "{}", context);
        // Decimals by value, equal values (`1`, `1.0`) in their original order.
        let sorted_w = stable_sorted(&l.ws, |w| Decimal::from_str(w).unwrap());
        prop_assert_eq!(strings(&out["sorted_w"]), sorted_w, "{}", context);
        // Texts by Unicode scalar values.
        let sorted_t = stable_sorted(&l.ts, |t| t.chars().collect::<Vec<char>>());
        prop_assert_eq!(strings(&out["sorted_t"]), sorted_t, "{}", context);
        // Enum values in declaration order.
        let sorted_m = model_names(&stable_sorted(&l.ms, |m| *m));
        prop_assert_eq!(strings(&out["sorted_m"]), sorted_m, "{}", context);
        let sorted_d = stable_sorted(&l.ds, Clone::clone);
        prop_assert_eq!(strings(&out["sorted_d"]), sorted_d, "{}", context);

        // Equal decimals of different scales are one value: the first is kept.
        let distinct_w = first_occurrences(&l.ws, |a, b| decimal_eq(a, b));
        prop_assert_eq!(strings(&out["distinct_w"]), distinct_w, "{}", context);
        let distinct_t = first_occurrences(&l.ts, |a, b| a == b);
        prop_assert_eq!(strings(&out["distinct_t"]), distinct_t, "{}", context);
        let distinct_m = model_names(&first_occurrences(&l.ms, |a, b| a == b));
        prop_assert_eq!(strings(&out["distinct_m"]), distinct_m, "{}", context);
        // `none` is one value among the others.
        let distinct_n: Vec<Json> =
            first_occurrences(&l.ns, |a, b| a == b).iter().map(|n| text(n.as_ref())).collect();
        prop_assert_eq!(out["distinct_n"].as_array().unwrap(), &distinct_n, "{}", context);

        let mut reversed = xs.clone();
        reversed.reverse();
        prop_assert_eq!(strings(&out["reversed_x"]), reversed, "{}", context);
        prop_assert_eq!(strings(&out["reversed_twice_w"]), l.ws, "{}", context);
        prop_assert_eq!(strings(&out["reversed_twice_t"]), l.ts, "{}", context);
    }
}

// ---------------------------------------------------------------------------------------------
// Composite keys with `_` components.

const CODES: [&str; 2] = ["A", "B"];

/// A row `(code, model) => value` of a composite-key table; `None` is `_`.
type Row = (Option<usize>, Option<usize>, i64);

fn wildcards(row: &Row) -> usize {
    usize::from(row.0.is_none()) + usize::from(row.1.is_none())
}

/// Whether a row's pattern matches the key.
fn matches(row: &Row, code: usize, model: usize) -> bool {
    row.0.is_none_or(|c| c == code) && row.1.is_none_or(|m| m == model)
}

/// Rows that compile: no pattern twice, no two with as many `_` that can match one key.
fn rows() -> impl Strategy<Value = Vec<Row>> {
    let component = |n: usize| prop::option::of(0..n);
    prop::collection::vec(
        (component(CODES.len()), component(MODELS.len()), 0i64..100),
        1..7,
    )
    .prop_map(|generated| {
        let mut kept: Vec<Row> = Vec::new();
        for row in generated {
            let meets = |other: &Row| {
                    row.0.is_none() || other.0.is_none() || row.0 == other.0
                } && (row.1.is_none() || other.1.is_none() || row.1 == other.1);
            if !kept
                .iter()
                .any(|k| wildcards(k) == wildcards(&row) && meets(k))
            {
                kept.push(row);
            }
        }
        kept
    })
}

fn composite_source(rows: &[Row]) -> String {
    let mut s = String::from(
        "ruleset composite version \"1.0.0\"\n\
         enum Model { m0, m1, m2 }\n\
         input { code: Text, m: Model }\n\
         table t: (Text, Model) -> Int {\n",
    );
    for (code, model, value) in rows {
        let code = code.map_or("_".to_string(), |c| format!("\"{}\"", CODES[c]));
        let model = model.map_or("_", |m| MODELS[m]);
        s.push_str(&format!("  ({code}, {model}) => {value}\n"));
    }
    s.push_str("}\noutput found = t[code, m]?\n");
    s
}

/// The smallest case of the property below.
#[test]
fn composite_key_row_with_a_wildcard_matches() {
    let source = composite_source(&[(Some(0), None, 1)]);
    let result = evaluate(&source, &json!({"code": "A", "m": "m0"})).unwrap();
    // `("A", _) => 1` matches `t["A", m0]`; the engine answers `none`.
    assert_eq!(result["outputs"]["found"], json!("1"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `t[k1, k2]?` is the value of the matching row with the fewest `_` components, `none`
    /// where no row matches (spec §21) — for every key, against a direct search of the rows.
    #[test]
    fn composite_lookups_take_the_most_specific_row(rows in rows()) {
        let source = composite_source(&rows);
        let ruleset = compile(&source);
        for (code, code_text) in CODES.iter().chain(&["C"]).enumerate() {
            for (model, model_text) in MODELS.iter().enumerate() {
                let input = json!({"code": code_text, "m": model_text});
                let result = ruleset.evaluate(&input, &EvalOptions::default()).unwrap();
                let expected = rows
                    .iter()
                    .filter(|row| matches(row, code, model))
                    .min_by_key(|row| wildcards(row))
                    .map_or(Json::Null, |row| json!(row.2.to_string()));
                prop_assert_eq!(&result["outputs"]["found"], &expected, "\n{}\n{}", source, input);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Refinements and fallbacks.

#[derive(Debug, Clone)]
struct Refined {
    lo: i64,
    hi: i64,
    half_open: bool,
    message: bool,
    max_len: usize,
}

impl Refined {
    fn range(&self) -> String {
        format!(
            "{}..{}{}",
            self.lo,
            if self.half_open { "<" } else { "" },
            self.hi
        )
    }

    fn in_range(&self, qty: i64) -> bool {
        self.lo <= qty
            && if self.half_open {
                qty < self.hi
            } else {
                qty <= self.hi
            }
    }

    fn source(&self) -> String {
        let message = if self.message {
            " else \"Quantity out of range\""
        } else {
            ""
        };
        format!(
            "ruleset refined version \"1.0.0\"\n\
             type Item = {{ pos: Text matching \"[A-Z]-[0-9]+\", qty: Int in {}{message} }}\n\
             input {{\n  items: List<Item> len 0..{}\n  discount: Percent in 0%..40% = 0%\n}}\n\
             output total = sum(i.qty for i in items)\n",
            self.range(),
            self.max_len
        )
    }
}

fn refined() -> impl Strategy<Value = Refined> {
    (-5i64..6, 1i64..8, any::<bool>(), any::<bool>(), 0usize..8).prop_map(
        |(lo, width, half_open, message, max_len)| Refined {
            lo,
            hi: lo + width,
            half_open,
            message,
            max_len,
        },
    )
}

/// Positions, valid (`A-1`, `Z-42`) or not.
fn position() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["A-1", "Z-42", "a-1", "A1", "B-"])
}

/// The problems of an input error: the first one and the ones after it.
fn problems(error: &EvalError) -> Vec<(ErrorKind, Option<String>, String)> {
    std::iter::once(error)
        .chain(error.more.iter())
        .map(|e| (e.kind, e.path.clone(), e.message.clone()))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// An input whose values all satisfy their refinements evaluates; otherwise the evaluation
    /// is `invalid_input` listing every broken value in reading order with its JSON path
    /// (`items[3].qty`) and the field's message or one naming the refinement.
    #[test]
    fn refinements_reject_exactly_the_values_out_of_range(
        r in refined(),
        items in prop::collection::vec((-8i64..14, position()), 0..9),
        discount in prop::option::of(0u32..50),
    ) {
        let source = r.source();
        let items_json: Vec<Json> =
            items.iter().map(|(qty, pos)| json!({"pos": pos, "qty": qty})).collect();
        let mut input = json!({ "items": items_json });
        if let Some(d) = discount {
            input["discount"] = json!(format!("{d}%"));
        }
        let mut expected = Vec::new();
        for (k, (qty, pos)) in items.iter().enumerate() {
            if !["A-1", "Z-42"].contains(pos) {
                let path = format!("items[{k}].pos");
                let message = format!("`{path}` must match \"[A-Z]-[0-9]+\"");
                expected.push((ErrorKind::InvalidInput, Some(path), message));
            }
            if !r.in_range(*qty) {
                let path = format!("items[{k}].qty");
                let message = if r.message {
                    "Quantity out of range".to_string()
                } else {
                    format!("`{path}` must be in {}", r.range())
                };
                expected.push((ErrorKind::InvalidInput, Some(path), message));
            }
        }
        if items.len() > r.max_len {
            let message = format!("`items` must have a length in 0..{}", r.max_len);
            expected.push((ErrorKind::InvalidInput, Some("items".into()), message));
        }
        if discount.is_some_and(|d| d > 40) {
            let message = "`discount` must be in 0%..40%".to_string();
            expected.push((ErrorKind::InvalidInput, Some("discount".into()), message));
        }
        let context = format!("\n{source}\n{input}");
        match evaluate(&source, &input) {
            Ok(result) => {
                prop_assert!(expected.is_empty(), "accepted, expected {:?}{}", expected, context);
                let total: i64 = items.iter().map(|(qty, _)| qty).sum();
                prop_assert_eq!(dec(&result["outputs"]["total"]), Decimal::from(total));
            }
            Err(error) => prop_assert_eq!(problems(&error), expected, "{}", context),
        }
    }

    /// Unknown enum texts read as the fallback, each noted in reading order with its path;
    /// `input_notes` is present exactly when a fallback was taken.
    #[test]
    fn fallbacks_are_noted_in_reading_order(
        segment in prop::sample::select(vec!["retail", "oem", "reseller", "Retail", "other"]),
        kinds in prop::collection::vec(
            prop::sample::select(vec!["air", "water", "oil", "", "AIR"]),
            0..6,
        ),
    ) {
        let source = "ruleset notes version \"1.0.0\"\n\
            enum Segment { retail, oem, other }\n\
            enum Cooling { air, water, unknown }\n\
            type Part = { cooling: Cooling fallback unknown }\n\
            input {\n  segment: Segment fallback other\n  parts: List<Part> = []\n}\n\
            output segment_read = segment\n\
            output coolings = [p.cooling for p in parts]\n";
        let input = json!({"segment": segment,
            "parts": kinds.iter().map(|k| json!({"cooling": k})).collect::<Vec<_>>()});
        let result = evaluate(source, &input).unwrap();
        let mut notes = Vec::new();
        let segment_read = if ["retail", "oem", "other"].contains(&segment) {
            segment
        } else {
            notes.push(json!({"path": "segment", "received": segment, "read_as": "other"}));
            "other"
        };
        let mut coolings = Vec::new();
        for (k, kind) in kinds.iter().enumerate() {
            if ["air", "water"].contains(kind) {
                coolings.push(*kind);
            } else {
                let path = format!("parts[{k}].cooling");
                notes.push(json!({"path": path, "received": kind, "read_as": "unknown"}));
                coolings.push("unknown");
            }
        }
        prop_assert_eq!(&result["outputs"]["segment_read"], &json!(segment_read));
        prop_assert_eq!(&result["outputs"]["coolings"], &json!(coolings));
        let context = format!("\n{input}\n{result}");
        if notes.is_empty() {
            prop_assert!(result.get("input_notes").is_none(), "{}", context);
        } else {
            prop_assert_eq!(&result["input_notes"], &Json::Array(notes), "{}", context);
        }
    }
}
