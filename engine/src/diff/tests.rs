use serde_json::json;

use super::*;
use crate::json::EvalOptions;

const V1: &str = r#"ruleset shop version "1.0.0"
enum Size { s, m, l }
input { size: Size  quantity: Int  coupon: Text? }
table price: Size -> Decimal { s => 10.00  m => 12.00  l => 15.00 }
output total = price[size] * quantity
constraint max: quantity <= 100 else error "too many"
"#;

fn diff_of(old: &str, new: &str) -> RulesetDiff {
    let (a, b) = (
        Ruleset::compile(old).unwrap(),
        Ruleset::compile(new).unwrap(),
    );
    RulesetDiff::between(
        &a,
        &ordo_dsl::parse(old).unwrap(),
        &b,
        &ordo_dsl::parse(new).unwrap(),
    )
}

#[test]
fn comments_and_layout_change_nothing() {
    let reformatted = V1
        .replace("output total", "// the total\noutput   total")
        .replace("version \"1.0.0\"", "version \"1.0.1\"");
    let d = diff_of(V1, &reformatted);
    assert!(d.schema.is_empty() && d.rules.is_empty(), "{}", d.render());
}

#[test]
fn a_removed_field_and_a_price_change_are_reported() {
    let v2 = V1
        .replace("  coupon: Text?", "")
        .replace("l => 15.00", "l => 16.00")
        .replace("version \"1.0.0\"", "version \"1.1.0\"");
    let d = diff_of(V1, &v2);
    assert_eq!(d.schema.len(), 1);
    assert_eq!(
        (
            d.schema[0].path.as_str(),
            d.schema[0].change,
            d.schema[0].breaking
        ),
        ("coupon", "removed", true)
    );
    assert_eq!(
        d.rules,
        vec![RuleChange {
            kind: "table",
            id: "price".into(),
            change: "changed"
        }]
    );
    assert!(d.unannounced_break());
    let announced = v2.replace("version \"1.1.0\"", "version \"2.0.0\"");
    assert!(!diff_of(V1, &announced).unannounced_break());
}

#[test]
fn compatible_schema_changes_are_not_breaking() {
    let v2 = V1
        .replace("quantity: Int", "quantity: Decimal")
        .replace("enum Size { s, m, l }", "enum Size { s, m, l, xl }")
        .replace("l => 15.00 }", "l => 15.00  xl => 18.00 }")
        .replace("coupon: Text?", "coupon: Text?  gift: Bool = false");
    let d = diff_of(V1, &v2);
    let changes: Vec<(&str, &str, bool)> = d
        .schema
        .iter()
        .map(|c| (c.path.as_str(), c.change, c.breaking))
        .collect();
    assert_eq!(
        changes,
        vec![
            ("size", "values_added", false),
            ("quantity", "type_changed", false),
            ("gift", "added", false)
        ]
    );
    let v3 = V1.replace("coupon: Text?", "coupon: Text");
    assert!(
        diff_of(V1, &v3)
            .schema
            .iter()
            .any(|c| c.change == "became_required" && c.breaking)
    );
}

#[test]
fn result_changes_name_their_paths() {
    let v2 = V1.replace("l => 15.00", "l => 16.00");
    let (a, b) = (
        Ruleset::compile(V1).unwrap(),
        Ruleset::compile(&v2).unwrap(),
    );
    let changes = compare_results(
        &a,
        &b,
        &json!({"size": "l", "quantity": 3}),
        &EvalOptions::default(),
    );
    assert_eq!(
        changes,
        vec![ValueChange {
            path: "outputs.total".into(),
            before: json!("45.00"),
            after: json!("48.00")
        }]
    );
    assert!(
        compare_results(
            &a,
            &b,
            &json!({"size": "s", "quantity": 3}),
            &EvalOptions::default()
        )
        .is_empty()
    );
}
