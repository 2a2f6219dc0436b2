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
