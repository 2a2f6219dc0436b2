use super::*;

const SOURCE: &str = r#"ruleset t version "1.0.0"
enum Tier { gold, silver }
type Item = { price: Decimal  qty: Int }
input {
  /// The customer's tier.
  tier: Tier = gold
  items: List<Item> = []
  customer: { region: Text }
}
let subtotal = sum(i.price * i.qty for i in items)
output discount = match tier { gold => 10%  _ => 0% }
output where = customer.region
fn twice(x: Int) -> Int = x * 2
output tiers = Tier.silver
"#;

fn index() -> Index {
    Index::build(&ordo_dsl::parse(SOURCE).expect("parses"))
}

/// The declaration named at the `nth` occurrence of `needle`.
fn at<'a>(index: &'a Index, needle: &str, nth: usize) -> Option<&'a Declaration> {
    let offset = SOURCE.match_indices(needle).nth(nth)?.0;
    index.declaration(index.at(offset)?)
}

#[test]
fn names_resolve_to_their_declarations() {
    let index = index();
    let tier = at(&index, "tier", 2).expect("tier in match");
    assert_eq!((tier.kind, tier.name.as_str()), (Kind::Input, "tier"));
    assert_eq!(tier.doc, vec![" The customer's tier.".to_string()]);
    let gold = at(&index, "gold =>", 0).expect("gold pattern");
    assert_eq!(gold.kind, Kind::EnumValue);
    let silver = at(&index, "silver\n", 0).expect("Tier.silver");
    assert_eq!(
        (silver.kind, silver.name.as_str()),
        (Kind::EnumValue, "silver")
    );
}

#[test]
fn fields_resolve_through_declared_types_and_records() {
    let index = index();
    let price = at(&index, "price *", 0).expect("i.price");
    assert_eq!((price.kind, price.name.as_str()), (Kind::Field, "price"));
    let region = at(&index, "region\n", 0).expect("customer.region");
    assert_eq!(region.kind, Kind::Field);
    let i = at(&index, "i.qty", 0).expect("i");
    assert_eq!(i.kind, Kind::Local);
}

#[test]
fn parameters_are_scoped_to_their_function() {
    let index = index();
    let x = at(&index, "x * 2", 0).expect("x");
    assert_eq!(x.kind, Kind::Parameter);
    let offset = SOURCE.find("x * 2").unwrap_or(0);
    assert!(index.locals_at(offset).any(|(_, d)| d.name == "x"));
    assert!(!index.locals_at(0).any(|(_, d)| d.name == "x"));
}

#[test]
fn occurrences_list_the_declaration_then_every_use() {
    let index = index();
    let id = index.named("items").expect("items");
    let occurrences = index.occurrences(id);
    assert_eq!(occurrences.len(), 2);
    let spans: Vec<&str> = occurrences
        .iter()
        .map(|s| SOURCE.get(s.start..s.end).unwrap_or(""))
        .collect();
    assert_eq!(spans, ["items", "items"]);
    let tier_type = index.named("Tier").expect("Tier");
    assert_eq!(index.occurrences(tier_type).len(), 3);
}
