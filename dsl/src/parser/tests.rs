use super::*;
use crate::ast::*;

fn parse_ok(source: &str) -> Ruleset {
    match parse(source) {
        Ok(ruleset) => ruleset,
        Err(diags) => panic!("{}", diags.render("test.ordo", source)),
    }
}

fn expr_of(text: &str) -> Expr {
    let ruleset = parse_ok(&format!("ruleset t version \"1.0.0\"\nlet x = {text}\n"));
    match ruleset.items.into_iter().next() {
        Some(Item::Value(v)) => v.value,
        other => panic!("not a value: {other:?}"),
    }
}

/// A compact S-expression of an expression tree, to state precedence in one line.
fn sexp(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Number(n) | ExprKind::Percent(n) => n.to_string(),
        ExprKind::Name(i) => i.name.clone(),
        ExprKind::Bool(b) => b.to_string(),
        ExprKind::Unary { op, operand } => format!("({op:?} {})", sexp(operand)),
        ExprKind::Binary { op, lhs, rhs } => {
            format!("({} {} {})", op.as_str(), sexp(lhs), sexp(rhs))
        }
        ExprKind::Field { target, field } => format!("{}.{}", sexp(target), field.name),
        ExprKind::Index {
            target,
            keys,
            optional,
            at,
        } => {
            let keys: Vec<String> = keys.iter().map(sexp).collect();
            let mut text = format!("{}[{}]", sexp(target), keys.join(", "));
            if *optional {
                text.push('?');
            }
            if let Some(at) = at {
                text.push_str(&format!(" at {}", sexp(at)));
            }
            text
        }
        ExprKind::InRange {
            value,
            lo,
            hi,
            half_open,
        } => {
            format!(
                "(range {} {} {} {half_open})",
                sexp(value),
                sexp(lo),
                sexp(hi)
            )
        }
        ExprKind::List(items) => {
            format!("[{}]", items.iter().map(sexp).collect::<Vec<_>>().join(" "))
        }
        other => format!("{other:?}"),
    }
}

#[test]
fn precedence_follows_the_reference() {
    assert_eq!(sexp(&expr_of("1 + 2 * 3")), "(+ 1 (* 2 3))");
    assert_eq!(
        sexp(&expr_of("a or b and not c == d")),
        "(or a (and b (Not (== c d))))"
    );
    assert_eq!(
        sexp(&expr_of("a implies b implies c")),
        "(implies a (implies b c))"
    );
    assert_eq!(sexp(&expr_of("-a.b * 2")), "(* (Neg a.b) 2)");
    assert_eq!(
        sexp(&expr_of("x + 1 in 10..<50")),
        "(range (+ x 1) 10 50 true)"
    );
    assert_eq!(sexp(&expr_of("t[k].f ?? 0 + 1")), "(?? t[k].f (+ 0 1))");
    assert_eq!(
        sexp(&expr_of("extras contains heater and x in [a]")),
        "(and (contains extras heater) (in x [a]))"
    );
}

#[test]
fn contains_is_a_call_before_a_parenthesis_and_an_operator_after_an_operand() {
    // The built-in `contains(t, p)`: the reserved word with `(` directly after it.
    match expr_of("contains(\"abc\", \"b\")").kind {
        ExprKind::Call { function, args } => {
            assert_eq!(function.name, "contains");
            assert_eq!(args.len(), 2);
        }
        other => panic!("not a call: {other:?}"),
    }
    match expr_of("not contains(name, \"x\") and tags contains a").kind {
        ExprKind::Binary {
            op: BinaryOp::And,
            lhs,
            rhs,
        } => {
            assert!(matches!(
                &lhs.kind,
                ExprKind::Unary { op: UnaryOp::Not, operand }
                    if matches!(&operand.kind, ExprKind::Call { function, .. } if function.name == "contains")
            ));
            assert_eq!(sexp(&rhs), "(contains tags a)");
        }
        other => panic!("not `and`: {other:?}"),
    }
    // After an operand the word is the operator, also when a parenthesis follows it.
    assert_eq!(sexp(&expr_of("tags contains a")), "(contains tags a)");
    assert_eq!(sexp(&expr_of("tags contains(a)")), "(contains tags a)");
    // Only the built-in's word: other reserved words still cannot be called.
    assert!(parse("ruleset t version \"1\"\nlet x = match(1)\n").is_err());
    // With a space, `contains (` is not a call.
    assert!(parse("ruleset t version \"1\"\nlet x = contains (\"a\", \"b\")\n").is_err());
    // `contains` is still no name.
    assert!(parse("ruleset t version \"1\"\nlet contains = 1\n").is_err());
}

#[test]
fn reserved_words_are_not_names_but_contextual_ones_are() {
    let source = "ruleset t version \"1\"\ninput { total: Int, currency: Text, line: Int }\nlet of = total\n";
    let ruleset = parse_ok(source);
    assert_eq!(ruleset.items.len(), 2);
    let err = parse("ruleset t version \"1\"\nlet match = 1\n").unwrap_err();
    assert_eq!(err.0[0].kind, DiagnosticKind::Syntax);
    assert!(err.0[0].hint.as_deref().unwrap_or("").contains("reserved"));
}

#[test]
fn literals_keep_their_written_form() {
    assert!(matches!(expr_of("1850.00").kind, ExprKind::Number(n) if n.to_string() == "1850.00"));
    assert!(matches!(expr_of("8.1%").kind, ExprKind::Percent(n) if n.to_string() == "8.1"));
    assert!(matches!(
        expr_of("2 weeks").kind,
        ExprKind::Duration {
            unit: DurationUnit::Weeks,
            ..
        }
    ));
    assert!(matches!(expr_of("2026-03-01").kind, ExprKind::Date(_)));
    assert!(matches!(
        expr_of("2 \t weeks").kind,
        ExprKind::Duration { .. }
    ));
    match expr_of(r#""a \"{x}\" \{b\}""#).kind {
        ExprKind::Text(parts) => {
            assert_eq!(parts.len(), 3);
            assert_eq!(parts[0], TextPart::Literal("a \"".into()));
            assert_eq!(parts[2], TextPart::Literal("\" {b}".into()));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn bad_literals_are_all_reported() {
    let err = parse(
        "ruleset t version \"1\"\nlet a = 2026-02-30\nlet b = 99999999999999999999999999999999\n",
    )
    .unwrap_err();
    assert_eq!(err.len(), 2, "{err:?}");
    assert!(err.0[0].message.contains("calendar date"));
}

#[test]
fn comprehensions_in_both_forms() {
    match expr_of("sum(e.amount for e in items if e.amount > 0)").kind {
        ExprKind::Comprehension {
            form: ComprehensionForm::For,
            filter: Some(_),
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    match expr_of("any(x in extras: cost[x] > 100)").kind {
        ExprKind::Comprehension {
            form: ComprehensionForm::Quantifier,
            ..
        } => {}
        other => panic!("{other:?}"),
    }
    match expr_of("min(a, b, 3)").kind {
        ExprKind::Call { args, .. } => assert_eq!(args.len(), 3),
        other => panic!("{other:?}"),
    }
}

#[test]
fn decision_rows_and_doc_comments() {
    let source = "ruleset t version \"1\"\n// plain\n/// Where it ships.\n/// Second line.\ndecision shipping hit collect  sum {\n  | a | b || zone | fee |\n  | \"DE\", \"AT\" | <= 500 || \"home\" | 0.00 |\n  | - | 1..<5 || \"x\" | 1 |\n  | none | -1 || \"y\" | 2 |\n}\n";
    let ruleset = parse_ok(source);
    let Some(Item::Decision(d)) = ruleset.items.first() else {
        panic!()
    };
    assert_eq!(d.doc, vec![" Where it ships.", " Second line."]);
    assert_eq!(d.hit, HitPolicy::CollectSum);
    assert_eq!((d.inputs.len(), d.outputs.len(), d.rows.len()), (2, 2, 3));
    assert!(matches!(d.rows[0].tests[0].kind, UnaryTestKind::Values(ref v) if v.len() == 2));
    assert!(matches!(
        d.rows[0].tests[1].kind,
        UnaryTestKind::Compare(CompareOp::Le, _)
    ));
    assert!(matches!(d.rows[1].tests[0].kind, UnaryTestKind::Any));
    assert!(matches!(
        d.rows[1].tests[1].kind,
        UnaryTestKind::Range {
            half_open: true,
            ..
        }
    ));
    assert!(matches!(d.rows[2].tests[0].kind, UnaryTestKind::None));
    assert!(matches!(d.rows[2].tests[1].kind, UnaryTestKind::Values(_)));
    assert_eq!(ruleset.comments.len(), 3);
    assert!(!ruleset.comments[0].doc && ruleset.comments[1].doc);
}

#[test]
fn syntax_errors_point_at_the_token() {
    let source = "ruleset t version \"1\"\nlet a = 1 +\n}\n";
    let err = parse(source).unwrap_err();
    let d = &err.0[0];
    assert_eq!(d.kind, DiagnosticKind::Syntax);
    assert_eq!(&source[d.span.start..d.span.end], "}");
    assert!(
        d.message.contains("expected an expression"),
        "{}",
        d.message
    );
}

#[test]
fn deep_nesting_is_refused_without_overflow() {
    let deep = format!(
        "ruleset t version \"1\"\nlet a = {}1{}\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let err = parse(&deep).unwrap_err();
    assert!(err.0[0].message.contains("nest"));
    let long = format!(
        "ruleset t version \"1\"\nlet a = 1{}\n",
        " + 1".repeat(5000)
    );
    assert!(parse(&long).is_err());
}

#[test]
fn the_spec_examples_parse() {
    let source = include_str!("../../../examples/bikes/bikes.ordo");
    parse_ok(source);
}

#[test]
fn spans_end_at_the_last_character_of_code() {
    let source = "ruleset t version \"1\"\ninput {\n  a: Int = 1 // one\n\n  b: Text\n}\nlet x = a + 1   // trailing\n\n// next\nlet y = \"a // b\"\n";
    let ruleset = parse_ok(source);
    let Some(Item::Input(input)) = ruleset.items.first() else {
        panic!()
    };
    let field = &input.fields[0];
    assert_eq!(&source[field.span.start..field.span.end], "a: Int = 1");
    let Some(Item::Value(x)) = ruleset.items.get(1) else {
        panic!()
    };
    assert_eq!(&source[x.span.start..x.span.end], "let x = a + 1");
    let Some(Item::Value(y)) = ruleset.items.get(2) else {
        panic!()
    };
    assert_eq!(&source[y.span.start..y.span.end], "let y = \"a // b\"");
    assert_eq!(ruleset.comments.len(), 3);
}

#[test]
fn a_duration_does_not_span_lines() {
    let ruleset = parse_ok(
        "ruleset t version \"1.0.0\"\nenum E { hours, days }\n\
         table t: E -> Int {\n  hours => 0\n  days => 1\n}\n",
    );
    let rows = ruleset
        .items
        .iter()
        .find_map(|item| match item {
            Item::Table(t) => Some(t.rows.len()),
            _ => None,
        })
        .unwrap_or_default();
    assert_eq!(rows, 2);
}

#[test]
fn a_parenthesized_part_is_inside_the_span_of_its_expression() {
    let head = "ruleset t version \"1.0.0\"\nlet x = ";
    for (text, whole) in [
        ("(a ?? \"\") != b", "(a ?? \"\") != b"),
        ("a != ( b + 1 )", "a != ( b + 1 )"),
        ("((a))", "((a))"),
        ("(a) * (b)", "(a) * (b)"),
    ] {
        let source = format!("{head}{text}\n");
        let ruleset = parse_ok(&source);
        let Some(Item::Value(v)) = ruleset.items.first() else {
            panic!("not a value");
        };
        assert_eq!(v.value.span.text(&source), whole);
    }
    // A call's parentheses are the call's, not its argument's.
    let source = format!("{head}max(a, b) + 1\n");
    let ruleset = parse_ok(&source);
    let Some(Item::Value(v)) = ruleset.items.first() else {
        panic!("not a value");
    };
    let ExprKind::Binary { lhs, .. } = &v.value.kind else {
        panic!("not a sum");
    };
    let ExprKind::Call { args, .. } = &lhs.kind else {
        panic!("not a call: {:?}", lhs.kind);
    };
    assert_eq!(args[0].span.text(&source), "a");
}
