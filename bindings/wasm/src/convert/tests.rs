use serde_json::json;

use super::*;

#[test]
fn safe_integers_pass_as_json_integers() {
    assert_eq!(number_to_json(12.0, "quantity").unwrap(), json!(12));
    assert_eq!(number_to_json(-0.0, "x").unwrap(), json!(0));
    assert_eq!(
        number_to_json(MAX_SAFE_INTEGER, "x").unwrap(),
        json!(9_007_199_254_740_991_i64)
    );
    assert_eq!(
        number_to_json(-MAX_SAFE_INTEGER, "x").unwrap(),
        json!(-9_007_199_254_740_991_i64)
    );
}

#[test]
fn a_fraction_is_rejected_with_its_path_and_a_hint() {
    let error = number_to_json(0.1, "lines[1].amount").unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidInput);
    assert_eq!(error.path.as_deref(), Some("lines[1].amount"));
    assert!(error.message.contains("0.1"), "{}", error.message);
    assert_eq!(
        error.hint.as_deref(),
        Some("pass decimals as strings: \"0.1\"")
    );
}

#[test]
fn integers_past_two_to_the_53_are_rejected() {
    let error = number_to_json(MAX_SAFE_INTEGER + 1.0, "quantity").unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidInput);
    assert!(
        error.message.contains("9007199254740992"),
        "{}",
        error.message
    );
    assert!(number_to_json(1e21, "x").is_err());
}

#[test]
fn nan_and_infinity_are_rejected() {
    for (n, text) in [
        (f64::NAN, "NaN"),
        (f64::INFINITY, "Infinity"),
        (f64::NEG_INFINITY, "-Infinity"),
    ] {
        let error = number_to_json(n, "x").unwrap_err();
        assert_eq!(error.path.as_deref(), Some("x"));
        assert!(error.message.contains(text), "{}", error.message);
    }
}

#[test]
fn a_top_level_number_has_no_path() {
    let error = number_to_json(2.5, "").unwrap_err();
    assert_eq!(error.path, None);
    assert!(error.message.starts_with("the value"));
}

#[test]
fn paths_are_written_as_the_engine_writes_them() {
    assert_eq!(join_key("", "ship_to"), "ship_to");
    assert_eq!(join_key("ship_to", "country"), "ship_to.country");
    assert_eq!(join_index("extras", 1), "extras[1]");
}

#[test]
fn eval_options_are_read_in_camel_case() {
    let options = JsEvalOptions::from_json(
        json!({"asOf": "2026-03-01", "trace": true, "approvals": {"desk": {}}}),
    )
    .unwrap();
    let engine = options.into_engine().unwrap();
    assert_eq!(
        engine.as_of.map(|d| d.to_string()).as_deref(),
        Some("2026-03-01")
    );
    assert!(engine.trace);
    assert_eq!(
        engine.approvals,
        Some(Approvals::from_json(&json!({"desk": {}})).unwrap())
    );
}

#[test]
fn absent_options_are_the_defaults() {
    let options = JsEvalOptions::from_json(Json::Null).unwrap();
    let engine = options.into_engine().unwrap();
    assert!(engine.as_of.is_none() && !engine.trace && engine.approvals.is_none());
}

#[test]
fn an_unknown_option_is_an_invalid_request_naming_it() {
    let error = JsEvalOptions::from_json(json!({"as_of": "2026-03-01"})).unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidRequest);
    assert!(error.message.contains("as_of"), "{}", error.message);
    // `approvals` is still a known option, named among the others.
    let error =
        JsEvalOptions::from_json(json!({"approvals": {}, "trace": true, "bogus": 1})).unwrap_err();
    assert_eq!(
        error.message,
        "the options are not valid: unknown field `bogus`, expected one of `asOf`, `trace`, `approvals`, `at`"
    );
}

#[test]
fn approvals_are_taken_as_given_with_every_digit() {
    let huge: Json = serde_json::from_str("10000000000000000000000000000000000000000").unwrap();
    let approvals = json!({"desk": {"by": "ann", "facts": {"total": huge}}});
    let options = JsEvalOptions::from_json(json!({"approvals": approvals.clone()})).unwrap();
    assert_eq!(options.approvals, Some(approvals));
    let options = JsEvalOptions::from_json(json!({"approvals": null})).unwrap();
    assert!(options.approvals.is_none());
}

#[test]
fn a_bad_date_is_an_invalid_request() {
    let options = JsEvalOptions::from_json(json!({"asOf": "01.03.2026"})).unwrap();
    let error = options.into_engine().unwrap_err();
    assert_eq!(error.kind, ErrorKind::InvalidRequest);
    assert!(error.message.contains("asOf"), "{}", error.message);
}

#[test]
fn configure_options_become_the_engine_request() {
    let options: JsConfigureOptions =
        options_from_json(json!({"asOf": "2026-07-01", "complete": false})).unwrap();
    let request = options.into_request(json!({"frame": "cargo"})).unwrap();
    assert_eq!(
        request,
        ConfigureRequest::from_json(
            &json!({"input": {"frame": "cargo"}, "as_of": "2026-07-01", "complete": false})
        )
        .unwrap()
    );
    let bare = JsConfigureOptions::default()
        .into_request(json!({}))
        .unwrap();
    assert_eq!(
        bare,
        ConfigureRequest::from_json(&json!({"input": {}})).unwrap()
    );
}
