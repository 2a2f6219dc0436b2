use super::*;
use crate::json::EvalOptions;
use crate::ruleset::Ruleset;

fn findings(source: &str) -> Vec<Finding> {
    let ruleset =
        Ruleset::compile(source).unwrap_or_else(|d| panic!("{}", d.render("t.ordo", source)));
    lint(&ruleset, &ordo_dsl::parse(source).unwrap())
}

fn ids(source: &str) -> Vec<&'static str> {
    findings(source).iter().map(|f| f.id).collect()
}

const HEAD: &str =
    "ruleset t version \"1.0.0\"\nenum Seg { retail, wholesale }\ninput { seg: Seg  units: Int }\n";

fn with(body: &str) -> String {
    format!("{HEAD}{body}")
}

#[test]
fn gaps_come_with_an_input_that_hits_no_row() {
    let source = with(
        "decision d {\n  | seg | units || c |\n  | retail | - || 1 |\n  | wholesale | < 10 || 2 |\n}\noutput o = d\n",
    );
    let found = findings(&source);
    let gap = found
        .iter()
        .find(|f| f.id == "decision.gap")
        .expect("a gap");
    let input = &gap.example.as_ref().unwrap()["input"];
    let ruleset = Ruleset::compile(&source).unwrap();
    let error = ruleset
        .evaluate(input, &EvalOptions::default())
        .unwrap_err();
    assert_eq!(
        (error.kind.as_str(), error.rule.as_deref()),
        ("no_match", Some("d"))
    );
    // With a catch-all row there is no gap.
    let complete = source.replace(
        "  | wholesale | < 10 || 2 |\n",
        "  | wholesale | < 10 || 2 |\n  | - | - || 3 |\n",
    );
    assert!(!ids(&complete).contains(&"decision.gap"));
}

#[test]
fn overlaps_come_with_an_input_that_hits_both_rows() {
    let source = with(
        "decision d {\n  | seg | units || c |\n  | retail | - || 1 |\n  | wholesale | < 100 || 2 |\n  | wholesale | >= 50 || 3 |\n}\noutput o = d\n",
    );
    let found = findings(&source);
    let overlap = found
        .iter()
        .find(|f| f.id == "decision.overlap")
        .expect("an overlap");
    assert!(overlap.message.contains("rows 2 and 3"));
    let input = &overlap.example.as_ref().unwrap()["input"];
    let error = Ruleset::compile(&source)
        .unwrap()
        .evaluate(input, &EvalOptions::default())
        .unwrap_err();
    assert_eq!(error.kind.as_str(), "multiple_matches");
    let disjoint = source.replace(">= 50", ">= 100");
    assert!(!ids(&disjoint).contains(&"decision.overlap"));
    // Under `first`, overlapping rows are how the table works.
    assert!(
        !ids(&source.replace("decision d {", "decision d hit first {"))
            .contains(&"decision.overlap")
    );
}

#[test]
fn shadowed_rows_under_first_are_found() {
    let source = with(
        "decision d hit first {\n  | units || c |\n  | >= 10 || 1 |\n  | >= 20 || 2 |\n  | - || 3 |\n}\noutput o = d\n",
    );
    let found = findings(&source);
    let row = found
        .iter()
        .find(|f| f.id == "decision.unreachable_row")
        .expect("row 2 never fires");
    assert_eq!(row.rule, "d row 2");
    assert!(!ids(&source.replace(">= 20", "< 5")).contains(&"decision.unreachable_row"));
}

#[test]
fn constraints_that_always_or_never_hold() {
    let always = with(
        "constraint c: seg == retail or seg == wholesale else error \"x\"\noutput o = units\n",
    );
    assert!(ids(&always).contains(&"constraint.always_holds"));
    let never = with(
        "constraint c: seg == retail and seg == wholesale else error \"x\"\noutput o = units\n",
    );
    let found = findings(&never);
    assert!(
        found
            .iter()
            .any(|f| f.id == "constraint.always_violated" && f.level == Level::Error)
    );
    let sometimes = with("constraint c: seg == retail else error \"x\"\noutput o = units\n");
    assert!(
        !ids(&sometimes)
            .iter()
            .any(|id| id.starts_with("constraint."))
    );
    // Numbers are not enumerated: unknown, so nothing is said.
    let numeric = with("constraint c: units > 5 or units <= 5 else error \"x\"\n");
    assert!(!ids(&numeric).iter().any(|id| id.starts_with("constraint.")));
}

const FLOW: &str = "roles a, b
workflow w {
  state s1 initial owner a
  state s2 owner b
  state s3 final
  transition go: s1 -> s2 by a when seg == retail and seg == wholesale
  transition done: s2 -> s3 by b
  transition skip: s1 -> s3 by a
}
";

#[test]
fn dead_transitions_unreachable_states_and_unrequired_steps() {
    let source = with(&format!(
        "{FLOW}approval desk {{ step boss \"Boss\" by b when seg == retail and seg == wholesale }}\noutput o = units\n"
    ));
    let found = ids(&source);
    assert!(found.contains(&"workflow.dead_transition"), "{found:?}");
    assert!(found.contains(&"workflow.unreachable_state"), "{found:?}");
    assert!(found.contains(&"approval.never_required"), "{found:?}");
    assert!(found.contains(&"approval.unused_chain"), "{found:?}");
    let healthy = source
        .replace("seg == retail and seg == wholesale", "seg == retail")
        .replace(
            "transition done: s2 -> s3 by b",
            "transition done: s2 -> s3 by b requires desk",
        );
    let found = ids(&healthy);
    assert!(
        !found
            .iter()
            .any(|id| id.starts_with("workflow.") || id.starts_with("approval.")),
        "{found:?}"
    );
}

#[test]
fn unused_declarations() {
    let source = format!(
        "{HEAD}input {{ spare: Text  c: {{ x: Int  y: Int }} }}\ntable t: Seg -> Int {{ retail => 1  wholesale => 2 }}\nlet unused_value = units * 2\noutput o = units + c.x\n"
    );
    let found = findings(&source);
    let rules: Vec<(&str, &str)> = found.iter().map(|f| (f.id, f.rule.as_str())).collect();
    assert!(rules.contains(&("unused.input", "spare")), "{rules:?}");
    assert!(rules.contains(&("unused.input", "c.y")), "{rules:?}");
    assert!(rules.contains(&("unused.input", "seg")), "{rules:?}");
    assert!(rules.contains(&("unused.table", "t")), "{rules:?}");
    assert!(rules.contains(&("unused.let", "unused_value")), "{rules:?}");
    assert!(!rules.contains(&("unused.input", "units")));
    assert!(!rules.contains(&("unused.input", "c.x")));
}

#[test]
fn enum_values_nobody_mentions_are_noted() {
    let source = with("output o = if seg == retail then units else 0\n");
    let found = findings(&source);
    let notes: Vec<&str> = found
        .iter()
        .filter(|f| f.id == "unused.enum_value")
        .map(|f| f.rule.as_str())
        .collect();
    assert_eq!(notes, ["Seg.wholesale"]);
    assert!(found.iter().all(|f| f.level == Level::Info));
}

#[test]
fn the_graph_follows_the_data() {
    let source = with(
        "table t: Seg -> Int { retail => 1  wholesale => 2 }\nlet w = t[seg] * units\noutput o = w\nconstraint c: units > 0 else error \"x\"\n",
    );
    let graph = graph::build(&ordo_dsl::parse(&source).unwrap());
    let edge = |a: &str, b: &str| {
        let (Some(a), Some(b)) = (
            graph.nodes.iter().position(|n| n.name == a),
            graph.nodes.iter().position(|n| n.name == b),
        ) else {
            return false;
        };
        graph.edges.contains(&(a, b))
    };
    assert!(
        edge("seg", "w")
            && edge("units", "w")
            && edge("t", "w")
            && edge("w", "o")
            && edge("units", "c")
    );
    assert!(!edge("seg", "o"));
    let focused = graph.focus("t").unwrap();
    let names: Vec<&str> = focused.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["t", "w", "o"]);
    assert!(graph.focus("nothing").is_none());
}

#[test]
fn percent_inputs_without_a_range_are_warned_about() {
    let source = format!(
        "{HEAD}type Line = {{ rate: Percent, capped: Percent in 0%..50% }}\n\
         type Spare = {{ rate: Percent }}\n\
         input {{ discount: Percent = 0%  bonus: Percent? in >= 0%  c: {{ tax: Percent? }}  lines: List<Line> = [] }}\n\
         fn spare(s: Spare) -> Percent = s.rate\n\
         output o = discount + (bonus ?? 0%) + (c.tax ?? 0%) + sum(l.rate + l.capped for l in lines) + units + spare({{ rate: 1% }})\n\
         output s = seg\n"
    );
    let found = findings(&source);
    let percent: Vec<(&str, Level)> = found
        .iter()
        .filter(|f| f.id == "input.unbounded_percent")
        .map(|f| (f.rule.as_str(), f.level))
        .collect();
    assert_eq!(
        percent,
        [
            ("Line.rate", Level::Warning),
            ("discount", Level::Warning),
            ("c.tax", Level::Warning)
        ],
        "{found:?}"
    );
    let discount = found.iter().find(|f| f.rule == "discount").unwrap();
    assert!(
        discount.message.contains("in 0%..100%"),
        "{}",
        discount.message
    );
    assert!(discount.message.contains("500 %"), "{}", discount.message);
}

#[test]
fn constraints_over_elements_are_decided_element_by_element() {
    let head = format!(
        "{HEAD}enum Extra {{ heater, rack }}\ntype Item = {{ seg: Seg, qty: Int, extra: Extra? }}\n\
         input {{ extras: Set<Extra> = {{}}  items: List<Item> = [] }}\noutput o = units + len(items)\n"
    );
    let with = |constraint: &str| format!("{head}{constraint}\n");
    let finding = |constraint: &str| {
        findings(&with(constraint))
            .into_iter()
            .find(|f| f.rule == "c" && f.id.starts_with("constraint."))
            .map(|f| (f.id, f.level, f.message))
    };
    // Over a set input: the element is every enum value.
    let (id, _, message) =
        finding("constraint c for e in extras: e == heater or e == rack else error \"x\"").unwrap();
    assert_eq!(id, "constraint.always_holds");
    assert!(message.contains("every element of `extras`"), "{message}");
    // Over a list of records: the finite fields the condition reads, with `none` for optional
    // ones.
    assert_eq!(
        finding(
            "constraint c for i in items: i.seg == retail or i.seg == wholesale else error \"x\""
        )
        .map(|f| f.0),
        Some("constraint.always_holds")
    );
    assert_eq!(
        finding(
            "constraint c for i in items: i.extra == heater or i.extra == rack else error \"x\""
        ),
        None,
        "`extra` may be none"
    );
    let (id, level, message) = finding(
        "constraint c for i in items: i.seg == retail and i.seg == wholesale else warning \"x\"",
    )
    .unwrap();
    assert_eq!((id, level), ("constraint.always_violated", Level::Warning));
    assert!(
        message.contains("every element of `items`") && message.contains("with an element"),
        "{message}"
    );
    // With other inputs the condition reads.
    assert_eq!(
        finding(
            "constraint c for i in items: seg == retail implies i.seg == wholesale else error \"x\""
        ),
        None
    );
    assert_eq!(
        finding(
            "constraint c for e in extras: seg == retail and seg == wholesale else error \"x\""
        )
        .map(|f| (f.0, f.2.contains("every element of `extras`"))),
        Some(("constraint.always_violated", true)),
        "an empty set violates nothing: the verdict is about elements"
    );
    // Undecided: a field that is not finite, the list read as a whole, a computed collection.
    for undecided in [
        "constraint c for i in items: i.qty > 0 or i.qty <= 0 else error \"x\"",
        "constraint c for i in items: len(items) > 0 or i.seg == retail or i.seg == wholesale else error \"x\"",
        "constraint c for s in [retail, wholesale]: s == retail or s == wholesale else error \"x\"",
    ] {
        assert_eq!(finding(undecided), None, "{undecided}");
    }
}

#[test]
fn constraints_against_the_refinements_of_the_inputs_they_compare() {
    let head = format!(
        "{HEAD}type Item = {{ qty: Int in 1..100 }}\n\
         input {{ qty: Int in 1..10  rate: Percent in 0%..<40%  loose: Int = 0  items: List<Item> = [] }}\n\
         output o = units + qty + loose + len(items) + rate\noutput s = seg\n"
    );
    let finding = |constraint: &str| {
        findings(&format!("{head}{constraint}\n"))
            .into_iter()
            .find(|f| f.rule == "c" && f.id.starts_with("constraint."))
            .map(|f| (f.id, f.level, f.message))
    };
    let (id, level, message) = finding("constraint c: qty > 20 else error \"x\"").unwrap();
    assert_eq!(
        (id, level),
        ("constraint.contradicts_refinement", Level::Warning)
    );
    assert!(message.contains("`qty in 1..10`"), "{message}");
    for never in [
        "constraint c: 20 <= qty else error \"x\"",
        "constraint c: qty in 11..20 else error \"x\"",
        "constraint c: qty == 0 or rate >= 40% else error \"x\"",
        "constraint c: not (qty < 11) else error \"x\"",
    ] {
        assert_eq!(
            finding(never).map(|f| f.0),
            Some("constraint.contradicts_refinement"),
            "{never}"
        );
    }
    for always in [
        "constraint c: qty <= 500 else error \"x\"",
        "constraint c: qty != 0 and rate < 40% else error \"x\"",
        "constraint c: seg == retail implies qty in 1..10 else error \"x\"",
    ] {
        assert_eq!(
            finding(always).map(|f| f.0),
            Some("constraint.always_holds"),
            "{always}"
        );
    }
    for unknown in [
        "constraint c: qty > 5 else error \"x\"",
        "constraint c: qty > 20 or seg == retail else error \"x\"",
        "constraint c: loose > 20 else error \"x\"",
        "constraint c: qty > units else error \"x\"",
    ] {
        assert_eq!(finding(unknown), None, "{unknown}");
    }
    // The refined fields of an element.
    let (id, _, message) =
        finding("constraint c for i in items: i.qty > 100 else error \"x\"").unwrap();
    assert_eq!(id, "constraint.contradicts_refinement");
    assert!(
        message.contains("element of `items`") && message.contains("`i.qty in 1..100`"),
        "{message}"
    );
    assert_eq!(
        finding("constraint c for i in items: i.qty >= 1 else error \"x\"").map(|f| f.0),
        Some("constraint.always_holds")
    );
}

#[test]
fn a_default_after_a_value_that_is_never_none_is_noted() {
    let source = with(
        "input { po: Text?  counts: List<Int> = [] }\ntable t: Seg -> Int { retail => 1  _ => 2 }\n\
         output a = units ?? 0\noutput b = t[seg]? ?? 0\noutput c = po ?? \"-\"\noutput d = first(counts) ?? 0\n",
    );
    let notes: Vec<(String, Level, String)> = findings(&source)
        .into_iter()
        .filter(|f| f.id == "coalesce.not_optional")
        .map(|f| (f.rule, f.level, f.message))
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    let (rule, level, message) = &notes[0];
    assert_eq!((rule.as_str(), *level), ("a", Level::Info));
    assert!(message.contains("Int, never `none`"), "{message}");
}

#[test]
fn functions_parameter_decisions_and_lists_are_followed() {
    let source = "ruleset parts version \"1.0.0\"\n\
        enum Model { c10, c20 }\nenum Cooling { air, water }\n\
        type Item = { pos: Text, model: Model, qty: Int in 1..100, cooling: Cooling = air }\n\
        input { customer: Text  items: List<Item> len 1..20  spare: Int = 0 }\n\
        table list_price: Model -> Decimal { c10 => 100.00  c20 => 250.00 }\n\
        table contract_price: (Text, Model) -> Decimal { (\"C-1\", c20) => 200.00 }\n\
        table unused_table: Model -> Int { c10 => 1  c20 => 2 }\n\
        fn price_of(customer: Text, m: Model) -> Decimal = contract_price[customer, m]? ?? list_price[m]\n\
        fn unused_fn(m: Model) -> Int = unused_table[m]\n\
        decision cooling_fee(i: Item) hit first {\n  | i.cooling | i.model || fee |\n  | air | - || 0.00 |\n  | water | c10 || 30.00 |\n  | water | - || 45.00 |\n}\n\
        price quote currency \"EUR\" {\n  for i in items key i.pos {\n    line unit \"{i.pos}\" qty i.qty at price_of(customer, i.model)\n    line water \"Water\" = cooling_fee(i) * i.qty when i.cooling == water\n  }\n}\n\
        output positions = [i.pos for i in items]\n\
        constraint no_water for i in items: not (i.model == c10 and i.cooling == water) else error \"{i.pos}\"\n";
    let found = findings(source);
    let rules: Vec<(&str, &str)> = found.iter().map(|f| (f.id, f.rule.as_str())).collect();
    assert_eq!(
        rules,
        [
            ("unused.input", "spare"),
            ("unused.table", "unused_table"),
            ("unused.fn", "unused_fn"),
        ],
        "{found:#?}"
    );
}

#[test]
fn the_graph_shows_functions_and_decisions_with_parameters() {
    let source = "ruleset parts version \"1.0.0\"\n\
        enum Model { c10, c20 }\n\
        type Item = { pos: Text, model: Model, qty: Int }\n\
        input { customer: Text  items: List<Item>  m: Model = c10 }\n\
        table list_price: Model -> Decimal { c10 => 100.00  c20 => 250.00 }\n\
        table contract_price: (Text, Model) -> Decimal { (\"C-1\", c20) => 200.00 }\n\
        fn base(m: Model) -> Decimal = list_price[m]\n\
        fn price_of(customer: Text, m: Model) -> Decimal = contract_price[customer, m]? ?? base(m)\n\
        decision fee(i: Item) hit first {\n  | i.model || fee |\n  | c10 || 30.00 |\n  | - || 45.00 |\n}\n\
        let total = sum(i.qty * price_of(customer, i.model) + fee(i) for i in items)\n\
        output o = total\n";
    let graph = graph::build(&ordo_dsl::parse(source).unwrap());
    let node = |name: &str| graph.nodes.iter().position(|n| n.name == name);
    let kind = |name: &str| node(name).and_then(|i| graph.nodes.get(i)).map(|n| n.kind);
    let edge = |a: &str, b: &str| matches!((node(a), node(b)), (Some(a), Some(b)) if graph.edges.contains(&(a, b)));
    assert_eq!(kind("price_of"), Some(graph::NodeKind::Function));
    assert_eq!(kind("base"), Some(graph::NodeKind::Function));
    assert_eq!(kind("fee"), Some(graph::NodeKind::Decision));
    assert_eq!(kind("Item"), None, "type declarations are not drawn");
    assert!(edge("contract_price", "price_of") && edge("base", "price_of"));
    assert!(edge("list_price", "base") && edge("price_of", "total") && edge("fee", "total"));
    assert!(edge("items", "total") && edge("customer", "total") && edge("total", "o"));
    // Parameters are the function's own, not the input `m` or `customer`.
    assert!(!edge("m", "base") && !edge("customer", "price_of") && node("m").is_none());
    let dot = graph.to_dot();
    assert!(
        dot.contains("[label=\"price_of\", shape=trapezium]"),
        "{dot}"
    );
    let mermaid = graph.to_mermaid();
    assert!(mermaid.contains("[/\"price_of\"\\]"), "{mermaid}");
}

#[test]
fn a_computed_requester_a_quorum_of_one_and_a_chain_nobody_reads() {
    let source = format!(
        "ruleset t version \"1.0.0\"\nenum Seg {{ retail, wholesale }}\n\
         input {{ seg: Seg  who: Text  units: Int }}\n{FLOW}\
         approval desk requested_by \"x{{who}}\" {{ step boss \"Boss\" by b quorum 1 when units > 1 }}\n\
         output o = units\n"
    );
    let found = ids(&source);
    assert!(found.contains(&"approval.requester_not_input"), "{found:?}");
    assert!(found.contains(&"approval.quorum_one"), "{found:?}");
    assert!(found.contains(&"approval.unused_chain"), "{found:?}");
    // An input requester, a real quorum, and a rule that reads the chain: nothing to say.
    let healthy = source
        .replace("\"x{who}\"", "who")
        .replace("quorum 1", "quorum 2")
        .replace("output o = units", "output o = approvals.desk.complete");
    let found = ids(&healthy);
    assert!(
        !found.iter().any(|id| id.starts_with("approval.")),
        "{found:?}"
    );
}

#[test]
fn a_becomes_condition_without_data_is_flagged() {
    let source = "ruleset t version \"1.0.0\"\ninput { blocked: Bool = false }\nworkflow w {\n  state a initial\n  state b final\n  transition go: a -> b\n}\ntrigger never on becomes 1 > 2 {\n  emit \"x\"\n}\ntrigger edge on becomes blocked {\n  emit \"y\"\n}\n";
    let ruleset = Ruleset::compile(source).unwrap();
    let ast = ordo_dsl::parse(source).unwrap();
    let flagged: Vec<String> = lint(&ruleset, &ast)
        .into_iter()
        .filter(|f| f.id == "trigger.becomes_constant")
        .map(|f| f.rule)
        .collect();
    assert_eq!(flagged, vec!["never".to_string()]);
}

#[test]
fn tables_with_computed_columns_are_noted_as_not_analysed() {
    // `units + 0` has a gap (units >= 10 matches no row), but computed columns are not
    // reduced to points: lint must say it did not check rather than stay silent.
    let computed = with(
        "decision d {\n  | seg | units + 0 || c |\n  | retail | - || 1 |\n  | wholesale | < 10 || 2 |\n}\noutput o = d\n",
    );
    let found = findings(&computed);
    let note = found
        .iter()
        .find(|f| f.id == "decision.not_analysed")
        .expect("a note");
    assert_eq!((note.level, note.rule.as_str()), (Level::Info, "d"));
    assert!(note.message.contains("`units + 0`"), "{}", note.message);
    assert!(!note.message.contains("`seg`"), "{}", note.message);
    assert!(!found.iter().any(|f| f.id == "decision.gap"));
    // The same table over the input itself is analysed: the gap is found, with no note.
    let plain = computed.replace("units + 0", "units");
    let ids = ids(&plain);
    assert!(ids.contains(&"decision.gap"));
    assert!(!ids.contains(&"decision.not_analysed"));
}

#[test]
fn every_column_that_is_not_analysed_is_named() {
    let source = "ruleset t version \"1.0.0\"\nenum F { a, b }\ntable sensitive: F -> Bool {\n  a => true\n  b => false\n}\ninput { field: F  other: F  day: Date }\ndecision d {\n  | sensitive[field] | field == other | day || c |\n  | true | - | - || 1 |\n  | - | true | - || 2 |\n}\noutput o = d\n";
    let found = findings(source);
    let note = found
        .iter()
        .find(|f| f.id == "decision.not_analysed")
        .expect("a note");
    for column in ["`sensitive[field]`", "`field == other`", "`day`"] {
        assert!(note.message.contains(column), "{column}: {}", note.message);
    }
    assert!(note.message.contains("columns"), "{}", note.message);
}

#[test]
fn tables_that_cannot_fail_are_not_noted() {
    // Under `first` with a catch-all row, neither `no_match` nor `multiple_matches` can happen.
    let source = with(
        "decision d hit first {\n  | units + 0 || c |\n  | < 10 || 1 |\n  | - || 2 |\n}\noutput o = d\n",
    );
    assert!(!ids(&source).contains(&"decision.not_analysed"));
}

#[test]
fn decisions_with_parameters_are_analysed_over_the_parameters() {
    let with_params =
        with("decision d(n: Int) {\n  | n || c |\n  | < 10 || 1 |\n}\noutput o = d(units)\n");
    let found = ids(&with_params);
    assert!(found.contains(&"decision.gap"), "{found:?}");
    assert!(!found.contains(&"decision.not_analysed"), "{found:?}");
    // A column computed from a parameter is not analysed: the note says so.
    let computed = with_params.replace("| n |", "| n * 2 |");
    let found = ids(&computed);
    assert!(found.contains(&"decision.not_analysed"), "{found:?}");
    assert!(!found.contains(&"decision.gap"), "{found:?}");
}

#[test]
fn a_field_of_an_optional_record_can_be_none() {
    // `r.seg` is `none` when `r` is absent: the table has a gap there.
    let source = "ruleset t version \"1.0.0\"\nenum Seg { retail, wholesale }\ninput { r: { seg: Seg }? }\ndecision d {\n  | r.seg || c |\n  | retail || 1 |\n  | wholesale || 2 |\n}\noutput o = d\n";
    let found = findings(source);
    let gap = found
        .iter()
        .find(|f| f.id == "decision.gap")
        .expect("a gap where `r` is absent");
    let input = &gap.example.as_ref().unwrap()["input"];
    let error = Ruleset::compile(source)
        .unwrap()
        .evaluate(input, &EvalOptions::default())
        .unwrap_err();
    assert_eq!(error.kind.as_str(), "no_match");
}

#[test]
fn notify_owner_where_a_state_may_have_none() {
    // `on change` runs in any state, `closed` has no owner; `-> previous` may return to `new`,
    // which has none. Triggers pinned to owned states say nothing.
    let source = "ruleset t version \"1.0.0\"\nroles agent\ninput { priority: Int = 1 }\nworkflow w {\n  state new initial\n  state open owner agent\n  state hold owner agent\n  state closed final\n  transition take: new -> open by agent\n  transition wait: new, open -> hold by agent\n  transition resume: hold -> previous by agent\n  transition close: open -> closed by agent\n}\ntrigger moved on change priority {\n  notify owner \"priority changed\"\n}\ntrigger back on transition resume {\n  notify owner \"resumed\"\n}\ntrigger kept on change priority in open, hold {\n  notify owner \"priority changed\"\n}\ntrigger told on transition take {\n  notify owner \"taken\"\n}\n";
    let found: Vec<(String, String)> = findings(source)
        .into_iter()
        .filter(|f| f.id == "workflow.notify_without_owner")
        .map(|f| (f.rule, f.message))
        .collect();
    let rules: Vec<&str> = found.iter().map(|(r, _)| r.as_str()).collect();
    assert_eq!(rules, vec!["moved", "back"], "{found:?}");
    assert!(found[0].1.contains("`new`, `closed`"), "{}", found[0].1);
    assert!(
        found[1].1.contains("`new`") && !found[1].1.contains("open`"),
        "{}",
        found[1].1
    );
    // With an owner everywhere the trigger can run, nothing is said.
    let owned = source
        .replace("state new initial", "state new initial owner agent")
        .replace("state closed final", "state closed final owner agent");
    assert!(!ids(&owned).contains(&"workflow.notify_without_owner"));
}

#[test]
fn timers_of_states_never_entered() {
    // `go` can never be taken, so `s2` is never entered: its stay, SLA and `at` timers are
    // never armed. A timer of `s2` or `s1` (`at ... in s1, s2`) still can be.
    let source = with(&format!(
        "{}\ntrigger late on stay s2 after 2 days {{\n  escalate b\n}}\ntrigger breached on breach s2 {{\n  escalate b\n}}\ntrigger dated on at 2026-03-01T00:00:00Z in s2 {{\n  escalate b\n}}\ntrigger either on at 2026-03-01T00:00:00Z in s1, s2 {{\n  escalate b\n}}\noutput o = units\n",
        FLOW.replace("state s2 owner b", "state s2 owner b sla 4 hours")
    ));
    let flagged: Vec<String> = findings(&source)
        .into_iter()
        .filter(|f| f.id == "workflow.timer_unreachable")
        .map(|f| f.rule)
        .collect();
    assert_eq!(flagged, vec!["late", "breached", "dated"]);
    let reachable = source.replace("seg == retail and seg == wholesale", "seg == retail");
    assert!(!ids(&reachable).contains(&"workflow.timer_unreachable"));
}
