#![allow(
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a benchmark whose setup fails must stop loudly; results are read by JSON index"
)]
//! ordo side by side with zen-engine (GoRules' JDM engine, in Rust) on two workloads:
//!
//! - `table`: a decision table of 100 rows, three inputs (a text equality column and two
//!   numeric range columns), two outputs, first hit;
//! - `pricing`: a cart priced from line items × unit prices, tier, volume and coupon discount
//!   rates, rounding to cents, shipping and VAT (an ordo price block; in zen a JDM graph of
//!   expression and decision-table nodes).
//!
//! zen gets its fast path: the decision is created once (`create_decision`), compiled once
//! (`Decision::compile`: bytecode and table indexes), and evaluated inside one current-thread
//! tokio runtime; a timed batch of evaluations runs inside a single `block_on`. Both engines
//! get the same generated inputs, and the bench checks that they give the same answers
//! (numerically) before timing anything. Each workload is timed twice: evaluation only (inputs
//! already converted: ordo's values read by `Ruleset::read_input` into `Ruleset::run`, whose
//! result stays in ordo's values, and a zen `Variable` into zen's evaluate, whose result is a
//! zen `Variable`) and JSON
//! text in → JSON text out.

mod common;

use std::fmt::Write as _;
use std::hint::black_box;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::Sequence;
use criterion::{Criterion, criterion_group, criterion_main};
use ordo_engine::{EvalOptions, Ruleset};
use rust_decimal::Decimal;
use serde_json::{Value as Json, json};
use tokio::runtime::Runtime;
use zen_engine::model::DecisionContent;
use zen_engine::{Decision, DecisionEngine, Variable};

// ---------------------------------------------------------------------------------------------
// Workload (a): a 100-row decision table
// ---------------------------------------------------------------------------------------------

const COUNTRIES: [&str; 11] = [
    "DE", "AT", "CH", "FR", "NL", "BE", "IT", "ES", "PL", "CZ", "DK",
];
/// Weight bands (kg) and order value bands: `lo..<hi`, or `>= lo` when open.
const WEIGHTS: [(u32, Option<u32>); 3] = [(0, Some(5)), (5, Some(30)), (30, None)];
const VALUES: [(u32, Option<u32>); 3] = [(0, Some(100)), (100, Some(1000)), (1000, None)];

/// The rows of the table: (country, weight band, value band, fee, days); 99 rows, then a
/// catch-all row makes 100.
fn table_rows() -> Vec<(&'static str, usize, usize, String, u32)> {
    let mut rows = Vec::new();
    for country in COUNTRIES {
        for w in 0..WEIGHTS.len() {
            for v in 0..VALUES.len() {
                let i = rows.len();
                let fee = format!("{}.{:02}", 4 + (i * 7) % 40, (i * 37) % 100);
                rows.push((country, w, v, fee, 1 + (i % 6) as u32));
            }
        }
    }
    rows
}

fn ordo_band(band: (u32, Option<u32>)) -> String {
    match band {
        (lo, Some(hi)) => format!("{lo}..<{hi}"),
        (lo, None) => format!(">= {lo}"),
    }
}

fn zen_band(band: (u32, Option<u32>)) -> String {
    match band {
        (lo, Some(hi)) => format!("[{lo}..{hi})"),
        (lo, None) => format!(">= {lo}"),
    }
}

fn band(list: &[(u32, Option<u32>)], i: usize) -> (u32, Option<u32>) {
    list.get(i).copied().unwrap_or((0, None))
}

fn table_ordo() -> String {
    let mut s = String::from(
        "ruleset shipping version \"1.0.0\"\n\n\
         input {\n  country: Text\n  weight: Decimal\n  value: Decimal\n}\n\n\
         decision shipping hit first {\n  | country | weight | value || fee | days |\n",
    );
    for (country, w, v, fee, days) in table_rows() {
        let _ = writeln!(
            s,
            "  | \"{country}\" | {} | {} || {fee} | {days} |",
            ordo_band(band(&WEIGHTS, w)),
            ordo_band(band(&VALUES, v))
        );
    }
    s.push_str("  | - | - | - || 49.00 | 10 |\n}\n\n");
    s.push_str("output fee = shipping.fee\noutput days = shipping.days\n");
    s
}

fn table_zen() -> Json {
    let mut rules: Vec<Json> = table_rows()
        .into_iter()
        .enumerate()
        .map(|(i, (country, w, v, fee, days))| {
            json!({
                "_id": format!("r{i}"),
                "c": format!("\"{country}\""),
                "w": zen_band(band(&WEIGHTS, w)),
                "v": zen_band(band(&VALUES, v)),
                "f": fee,
                "d": days.to_string(),
            })
        })
        .collect();
    rules.push(json!({"_id": "r99", "c": "", "w": "", "v": "", "f": "49.00", "d": "10"}));
    json!({
        "nodes": [
            {"id": "in", "name": "request", "type": "inputNode", "content": {}},
            {"id": "dt", "name": "shipping", "type": "decisionTableNode", "content": {
                "hitPolicy": "first",
                "inputs": [
                    {"id": "c", "name": "Country", "field": "country"},
                    {"id": "w", "name": "Weight", "field": "weight"},
                    {"id": "v", "name": "Value", "field": "value"}
                ],
                "outputs": [
                    {"id": "f", "name": "Fee", "field": "fee"},
                    {"id": "d", "name": "Days", "field": "days"}
                ],
                "rules": rules
            }},
            {"id": "out", "name": "response", "type": "outputNode", "content": {}}
        ],
        "edges": [
            {"id": "e1", "sourceId": "in", "targetId": "dt"},
            {"id": "e2", "sourceId": "dt", "targetId": "out"}
        ]
    })
}

/// Inputs as JSON text: countries of the table and some that only the catch-all matches,
/// weights and values across every band (with decimals, and exactly on band edges).
fn table_inputs(count: usize) -> Vec<String> {
    let mut seq = Sequence::new(7);
    let countries: Vec<&str> = COUNTRIES.iter().copied().chain(["US", "JP"]).collect();
    (0..count)
        .map(|i| {
            let country = countries
                .get(seq.below(countries.len()))
                .copied()
                .unwrap_or("DE");
            let weight = match i % 4 {
                0 => format!("{}", [0, 5, 30].get(seq.below(3)).copied().unwrap_or(0)),
                _ => format!("{}.{}", seq.below(60), seq.below(10)),
            };
            let value = format!("{}.{:02}", seq.below(2500), seq.below(100));
            format!(r#"{{"country": "{country}", "weight": {weight}, "value": {value}}}"#)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Workload (b): pricing a cart
// ---------------------------------------------------------------------------------------------

const PRICING_ORDO: &str = r#"ruleset cart version "1.0.0"

enum Tier { bronze, silver, gold }

input {
  items: List<{ sku: Text, qty: Int, price: Decimal }>
  tier: Tier = bronze
  coupon: Text?
  country: Text
}

table tier_rate: Tier -> Percent {
  bronze => 0%
  silver => 3%
  gold => 5%
}

table coupon_rate: Text -> Percent {
  "SAVE10" => 10%
  "SAVE5" => 5%
  _ => 0%
}

table vat_rate: Text -> Percent {
  "DE" => 19%
  "AT" => 20%
  "FR" => 20%
  "NL" => 21%
  _ => 0%
}

let list_total = sum(i.qty * i.price for i in items)

decision volume_rate hit first {
  | list_total || rate |
  | >= 2000    || 4%   |
  | >= 500     || 2%   |
  | -          || 0%   |
}

decision shipping_fee hit first {
  | country    | list_total || fee   |
  | "DE", "AT" | >= 100     || 0.00  |
  | "DE", "AT" | -          || 4.90  |
  | "FR", "NL" | >= 250     || 0.00  |
  | "FR", "NL" | -          || 9.90  |
  | -          | -          || 24.90 |
}

price quote currency "EUR" {
  for i in items {
    line item "{i.sku}" qty i.qty at i.price
  }
  subtotal list "List price"
  discount tier "Tier discount" = tier_rate[tier] of list
  discount volume "Volume discount" = volume_rate of list
  discount coupon "Coupon" = coupon_rate[coupon ?? ""] of list
  subtotal net "Net"
  surcharge shipping "Shipping" = shipping_fee
  tax vat "VAT" = vat_rate[country] of total
}
"#;

fn expression_node(id: &str, pass_through: bool, expressions: &[(&str, &str)]) -> Json {
    let expressions: Vec<Json> = expressions
        .iter()
        .enumerate()
        .map(|(i, (key, value))| json!({"id": format!("{id}{i}"), "key": key, "value": value}))
        .collect();
    json!({"id": id, "name": id, "type": "expressionNode", "content": {
        "passThrough": pass_through, "expressions": expressions
    }})
}

/// A first-hit table node that passes its input through: `inputs` are (id, field), each rule
/// gives one cell per input and then the output's cell.
fn table_node(id: &str, inputs: &[(&str, &str)], output: &str, rules: &[&[&str]]) -> Json {
    let input_fields: Vec<Json> = inputs
        .iter()
        .map(|(column, field)| json!({"id": column, "name": field, "field": field}))
        .collect();
    let rules: Vec<Json> = rules
        .iter()
        .enumerate()
        .map(|(r, cells)| {
            let mut rule = serde_json::Map::new();
            rule.insert("_id".into(), json!(format!("{id}_r{r}")));
            for (i, cell) in cells.iter().enumerate() {
                let column = inputs.get(i).map_or("out", |(column, _)| *column);
                rule.insert(column.into(), json!(cell));
            }
            Json::Object(rule)
        })
        .collect();
    json!({"id": id, "name": id, "type": "decisionTableNode", "content": {
        "hitPolicy": "first",
        "passThrough": true,
        "inputs": input_fields,
        "outputs": [{"id": "out", "name": output, "field": output}],
        "rules": rules
    }})
}

fn pricing_zen() -> Json {
    let nodes = vec![
        json!({"id": "in", "name": "request", "type": "inputNode", "content": {}}),
        expression_node(
            "list",
            true,
            &[("list", "sum(map(items, #.qty * #.price))")],
        ),
        table_node(
            "tier",
            &[("t", "tier")],
            "tierRate",
            &[&["\"silver\"", "0.03"], &["\"gold\"", "0.05"], &["", "0"]],
        ),
        table_node(
            "volume",
            &[("l", "list")],
            "volumeRate",
            &[&[">= 2000", "0.04"], &[">= 500", "0.02"], &["", "0"]],
        ),
        table_node(
            "coupon",
            &[("c", "coupon")],
            "couponRate",
            &[&["\"SAVE10\"", "0.10"], &["\"SAVE5\"", "0.05"], &["", "0"]],
        ),
        table_node(
            "shipping",
            &[("c", "country"), ("l", "list")],
            "shipping",
            &[
                &["\"DE\", \"AT\"", ">= 100", "0"],
                &["\"DE\", \"AT\"", "", "4.90"],
                &["\"FR\", \"NL\"", ">= 250", "0"],
                &["\"FR\", \"NL\"", "", "9.90"],
                &["", "", "24.90"],
            ],
        ),
        table_node(
            "vat",
            &[("c", "country")],
            "vatRate",
            &[
                &["\"DE\"", "0.19"],
                &["\"AT\", \"FR\"", "0.20"],
                &["\"NL\"", "0.21"],
                &["", "0"],
            ],
        ),
        expression_node(
            "totals",
            false,
            &[
                ("list", "list"),
                ("tierDiscount", "round(list * tierRate, 2)"),
                ("volumeDiscount", "round(list * volumeRate, 2)"),
                ("couponDiscount", "round(list * couponRate, 2)"),
                (
                    "net",
                    "list - $.tierDiscount - $.volumeDiscount - $.couponDiscount",
                ),
                ("shipping", "shipping"),
                ("vat", "round(($.net + shipping) * vatRate, 2)"),
                ("total", "$.net + shipping + $.vat"),
            ],
        ),
        json!({"id": "out", "name": "response", "type": "outputNode", "content": {}}),
    ];
    let order = [
        "in", "list", "tier", "volume", "coupon", "shipping", "vat", "totals", "out",
    ];
    let edges: Vec<Json> = order
        .windows(2)
        .enumerate()
        .filter_map(|(i, pair)| match pair {
            [from, to] => Some(json!({"id": format!("e{i}"), "sourceId": from, "targetId": to})),
            _ => None,
        })
        .collect();
    json!({"nodes": nodes, "edges": edges})
}

/// Carts as JSON text: one to five items, every tier, coupon and shipping zone.
fn pricing_inputs(count: usize) -> Vec<String> {
    const PRICES: [&str; 7] = [
        "4.99", "12.50", "19.90", "99.00", "249.00", "0.35", "1299.99",
    ];
    const TIERS: [&str; 3] = ["bronze", "silver", "gold"];
    const COUPONS: [Option<&str>; 4] = [None, Some("SAVE10"), Some("SAVE5"), Some("WELCOME")];
    const COUNTRIES: [&str; 6] = ["DE", "AT", "FR", "NL", "US", "CH"];
    let mut seq = Sequence::new(11);
    (0..count)
        .map(|_| {
            let items: Vec<String> = (0..1 + seq.below(5))
                .map(|n| {
                    let price = PRICES
                        .get(seq.below(PRICES.len()))
                        .copied()
                        .unwrap_or("1.00");
                    format!(
                        r#"{{"sku": "P{n}", "qty": {}, "price": {price}}}"#,
                        1 + seq.below(20)
                    )
                })
                .collect();
            let tier = TIERS.get(seq.below(3)).copied().unwrap_or("bronze");
            let country = COUNTRIES.get(seq.below(6)).copied().unwrap_or("DE");
            let coupon = match COUPONS.get(seq.below(4)).copied().flatten() {
                Some(code) => format!(r#", "coupon": "{code}""#),
                None => String::new(),
            };
            format!(
                r#"{{"items": [{}], "tier": "{tier}", "country": "{country}"{coupon}}}"#,
                items.join(", ")
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Running both engines
// ---------------------------------------------------------------------------------------------

/// A number of a result as a decimal: ordo writes decimals as strings, zen as numbers.
fn decimal(value: &Json, what: &str) -> Decimal {
    let text = match value {
        Json::String(s) => s.clone(),
        Json::Number(n) => n.to_string(),
        other => panic!("{what}: not a number: {other}"),
    };
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .unwrap_or_else(|e| panic!("{what}: {text}: {e}"))
}

fn zen_decision(graph: Json) -> Decision {
    let content: DecisionContent =
        serde_json::from_value(graph).expect("the JDM graph deserialises");
    let engine = DecisionEngine::default();
    let mut decision = engine
        .create_decision(Arc::new(content))
        .expect("a graph decision");
    decision.compile();
    decision
}

fn zen_eval(rt: &Runtime, decision: &Decision, input: &Variable) -> Json {
    let response = rt
        .block_on(decision.evaluate(input.clone()))
        .unwrap_or_else(|e| panic!("zen: {e}"));
    serde_json::to_value(&response.result).expect("a zen result serialises")
}

/// zen: JSON text → `Variable` → evaluate → JSON text (what a host exchanging JSON does).
async fn zen_str(decision: &Decision, text: &str) -> Option<String> {
    let input: Variable = serde_json::from_str(text).ok()?;
    let response = decision.evaluate(input).await.ok()?;
    serde_json::to_string(&response.result).ok()
}

struct Workload {
    name: &'static str,
    ordo: Ruleset,
    zen: Decision,
    texts: Vec<String>,
    parsed: Vec<Json>,
    /// The inputs read into ordo's values (`Ruleset::read_input`), as zen's are `Variable`s.
    inputs: Vec<ordo_engine::Input>,
    variables: Vec<Variable>,
}

impl Workload {
    fn new(name: &'static str, ordo_source: &str, zen_graph: Json, texts: Vec<String>) -> Self {
        let ordo = common::compile(name, ordo_source);
        let zen = zen_decision(zen_graph);
        let parsed: Vec<Json> = texts
            .iter()
            .map(|t| ordo_engine::parse_json(t).unwrap_or_else(|e| panic!("{t}: {}", e.message)))
            .collect();
        let variables: Vec<Variable> = parsed.iter().map(|v| Variable::from(v.clone())).collect();
        let inputs = parsed
            .iter()
            .map(|v| {
                ordo.read_input(v)
                    .unwrap_or_else(|e| panic!("{v}: {}", e.message))
            })
            .collect();
        Workload {
            name,
            ordo,
            zen,
            texts,
            parsed,
            inputs,
            variables,
        }
    }
}

fn check_table(rt: &Runtime, w: &Workload) {
    let options = EvalOptions::default();
    let mut catch_all = 0;
    for (input, variable) in w.parsed.iter().zip(&w.variables) {
        let ours = w
            .ordo
            .evaluate(input, &options)
            .unwrap_or_else(|e| panic!("ordo {input}: {}", e.message));
        let theirs = zen_eval(rt, &w.zen, variable);
        for key in ["fee", "days"] {
            let (a, b) = (
                decimal(&ours["outputs"][key], key),
                decimal(&theirs[key], key),
            );
            assert_eq!(a, b, "{}: {key} differs for {input}", w.name);
        }
        if ours["outputs"]["days"] == json!("10") {
            catch_all += 1;
        }
    }
    assert!(catch_all > 0 && catch_all < w.parsed.len() / 2);
}

fn check_pricing(rt: &Runtime, w: &Workload) {
    let options = EvalOptions::default();
    let mut discounted = 0;
    for (input, variable) in w.parsed.iter().zip(&w.variables) {
        let ours = w
            .ordo
            .evaluate(input, &options)
            .unwrap_or_else(|e| panic!("ordo {input}: {}", e.message));
        let quote = &ours["quotes"]["quote"];
        let theirs = zen_eval(rt, &w.zen, variable);
        let pairs = [
            ("list", &quote["subtotals"]["list"]),
            ("net", &quote["subtotals"]["net"]),
            ("total", &quote["total"]),
        ];
        for (key, value) in pairs {
            let (a, b) = (decimal(value, key), decimal(&theirs[key], key));
            assert_eq!(a, b, "{}: {key} differs for {input}", w.name);
        }
        if quote["subtotals"]["list"] != quote["subtotals"]["net"] {
            discounted += 1;
        }
    }
    assert!(discounted > 0, "some carts get a discount");
}

/// Times `iters` zen evaluations inside one `block_on` (no per-call runtime entry).
fn zen_timed<F, Fut>(rt: &Runtime, iters: u64, mut one: F) -> Duration
where
    F: FnMut(u64) -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    rt.block_on(async {
        let start = Instant::now();
        for i in 0..iters {
            black_box(one(i).await);
        }
        start.elapsed()
    })
}

fn bench_workload(c: &mut Criterion, rt: &Runtime, w: &Workload) {
    let options = EvalOptions::default();
    let n = w.parsed.len();
    let pick = |i: u64| (i as usize) % n;

    let mut group = c.benchmark_group(format!("{}_evaluate", w.name));
    group.bench_function("ordo", |b| {
        let mut i = 0u64;
        b.iter(|| {
            i += 1;
            w.inputs
                .get(pick(i))
                .map(|input| w.ordo.run(black_box(input), &options).is_ok())
        });
    });
    group.bench_function("zen", |b| {
        b.iter_custom(|iters| {
            zen_timed(rt, iters, |i| {
                let input = w.variables.get(pick(i)).cloned();
                async move {
                    match input {
                        Some(input) => w.zen.evaluate(black_box(input)).await.is_ok(),
                        None => false,
                    }
                }
            })
        });
    });
    group.finish();

    let mut group = c.benchmark_group(format!("{}_json_to_json", w.name));
    group.bench_function("ordo", |b| {
        let mut i = 0u64;
        b.iter(|| {
            i += 1;
            w.texts
                .get(pick(i))
                .map(|text| w.ordo.evaluate_str(black_box(text), &options).is_ok())
        });
    });
    group.bench_function("zen", |b| {
        b.iter_custom(|iters| {
            zen_timed(rt, iters, |i| {
                let text = w.texts.get(pick(i));
                async move {
                    match text {
                        Some(text) => zen_str(&w.zen, black_box(text)).await.is_some(),
                        None => false,
                    }
                }
            })
        });
    });
    group.finish();
}

fn bench_zen(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime");

    let table = Workload::new("table100", &table_ordo(), table_zen(), table_inputs(64));
    check_table(&rt, &table);
    let pricing = Workload::new("pricing", PRICING_ORDO, pricing_zen(), pricing_inputs(64));
    check_pricing(&rt, &pricing);
    // The JSON text paths give the same answers as the parsed paths.
    for w in [&table, &pricing] {
        for text in &w.texts {
            let ours = w
                .ordo
                .evaluate_str(text, &EvalOptions::default())
                .expect("ordo evaluates the text");
            assert!(ours.contains("\"outputs\""));
            let theirs = rt
                .block_on(zen_str(&w.zen, text))
                .expect("zen evaluates the text");
            assert!(theirs.starts_with('{'));
        }
    }
    println!(
        "zen comparison: {} table inputs and {} carts agree between ordo and zen",
        table.parsed.len(),
        pricing.parsed.len()
    );

    bench_workload(c, &rt, &table);
    bench_workload(c, &rt, &pricing);
}

criterion_group! {
    name = benches;
    config = common::criterion();
    targets = bench_zen
}
criterion_main!(benches);
