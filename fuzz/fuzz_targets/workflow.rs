//! The workflow requests on the `orders` and `tickets` examples: `transitions`, `apply`,
//! `fire_timer`, `start` and `update`, built as the JSON hosts send (known names mostly, others
//! sometimes; generated inputs, actors, events and approvals) and read through `from_json`.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use ordo_engine::{
    ApplyRequest, StartRequest, TimerRequest, TransitionsRequest, UpdateRequest, parse_json,
};
use ordo_fuzz::json::{Mode, input_text};
use ordo_fuzz::{AS_OF, AT, Example, example, name_or_other};

/// The names a workflow of an example knows.
struct Names {
    example: &'static str,
    workflow: &'static str,
    states: &'static [&'static str],
    transitions: &'static [&'static str],
    triggers: &'static [&'static str],
    roles: &'static [&'static str],
    /// Chain, then its steps.
    approvals: &'static [(&'static str, &'static [&'static str])],
    facts: &'static [&'static str],
}

const WORKFLOWS: &[Names] = &[
    Names {
        example: "orders",
        workflow: "order",
        states: &[
            "draft",
            "submitted",
            "approved",
            "in_production",
            "shipped",
            "delivered",
            "cancelled",
        ],
        transitions: &[
            "submit",
            "approve",
            "send_back",
            "start",
            "ship",
            "deliver",
            "cancel",
        ],
        triggers: &[
            "large_order",
            "approval_reminder",
            "production_slot",
            "handover",
        ],
        roles: &["sales", "sales_manager", "finance", "workshop", "logistics"],
        approvals: &[("deal_desk", &["manager", "finance", "manager_two"])],
        facts: &["quote.net", "discount", "customer.country", "product"],
    },
    Names {
        example: "tickets",
        workflow: "ticket",
        states: &["new", "working", "on_hold", "solved"],
        transitions: &["take", "hold", "resume", "solve"],
        triggers: &[
            "welcome",
            "first_response_late",
            "deadline",
            "customer_answered",
            "reassigned",
        ],
        roles: &["agent", "lead", "ops"],
        approvals: &[],
        facts: &[],
    },
];

fn string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}

fn actor(u: &mut Unstructured<'_>, names: &Names) -> Result<String> {
    Ok(match u.int_in_range(0..=3)? {
        0 => "null".into(),
        1 => {
            let id = name_or_other(u, &["mara", "lena", "ops-bot"])?;
            let roles = (0..u.int_in_range(0..=2)?)
                .map(|_| name_or_other(u, names.roles).map(|r| string(&r)))
                .collect::<Result<Vec<_>>>()?;
            format!(
                "{{\"id\": {}, \"roles\": [{}]}}",
                string(&id),
                roles.join(", ")
            )
        }
        _ => string(&name_or_other(u, names.roles)?),
    })
}

fn event(u: &mut Unstructured<'_>, names: &Names) -> Result<String> {
    let mut event = format!(
        "{{\"instance\": {}, \"seq\": {}, \"at\": {}",
        string(&name_or_other(u, &["SO-1042", "T-1001"])?),
        u.int_in_range(0..=5u64)?,
        string(u.choose(AT)?)
    );
    if u.arbitrary()? {
        event.push_str(&format!(", \"entered_at\": {}", string(u.choose(AT)?)));
    }
    if u.ratio(1, 4)? {
        event.push_str(&format!(
            ", \"previous_state\": {}",
            string(&name_or_other(u, names.states)?)
        ));
    }
    event.push('}');
    Ok(event)
}

fn approvals(u: &mut Unstructured<'_>, names: &Names) -> Result<String> {
    let mut chains = Vec::new();
    for (chain, steps) in names.approvals {
        let mut granted = Vec::new();
        for step in *steps {
            if u.arbitrary()? {
                let mut grants = Vec::new();
                for _ in 0..u.int_in_range(1..=2)? {
                    let by = name_or_other(u, &["mara", "lena", "otto"])?;
                    let mut facts = Vec::new();
                    for fact in names.facts {
                        if u.arbitrary()? {
                            let value =
                                *u.choose(&["\"24288.00\"", "\"0.12\"", "\"AT\"", "12", "null"])?;
                            facts.push(format!("{}: {value}", string(fact)));
                        }
                    }
                    grants.push(format!(
                        "{{\"by\": {}, \"facts\": {{{}}}}}",
                        string(&by),
                        facts.join(", ")
                    ));
                }
                granted.push(format!("{}: [{}]", string(step), grants.join(", ")));
            }
        }
        chains.push(format!("{}: {{{}}}", string(chain), granted.join(", ")));
    }
    Ok(format!("{{{}}}", chains.join(", ")))
}

fn run(u: &mut Unstructured<'_>) -> Result<()> {
    let names = u.choose(WORKFLOWS)?;
    let example: &Example = example(names.example);
    let ruleset = &example.ruleset;
    let input = if u.ratio(1, 6)? {
        (*u.choose(&example.inputs)?).to_string()
    } else {
        input_text(u, ruleset, Mode::Complete)?
    };
    let mut fields = vec![
        format!(
            "\"workflow\": {}",
            string(&name_or_other(u, &[names.workflow])?)
        ),
        format!("\"state\": {}", string(&name_or_other(u, names.states)?)),
        format!("\"input\": {input}"),
        format!("\"actor\": {}", actor(u, names)?),
    ];
    if u.arbitrary()? {
        fields.push(format!("\"as_of\": {}", string(u.choose(AS_OF)?)));
    }
    if u.arbitrary()? {
        fields.push(format!("\"event\": {}", event(u, names)?));
    }
    if !names.approvals.is_empty() && u.arbitrary()? {
        fields.push(format!("\"approvals\": {}", approvals(u, names)?));
    }
    let operation = u.int_in_range(0..=4)?;
    match operation {
        1 => fields.push(format!(
            "\"transition\": {}",
            string(&name_or_other(u, names.transitions)?)
        )),
        2 => fields.push(format!(
            "\"trigger\": {}",
            string(&name_or_other(u, names.triggers)?)
        )),
        4 => {
            let previous = if u.arbitrary()? {
                input_text(u, ruleset, Mode::Complete)?
            } else {
                (*u.choose(&example.inputs)?).to_string()
            };
            fields.push(format!("\"previous_input\": {previous}"));
        }
        _ => {}
    }
    let request = format!("{{{}}}", fields.join(", "));
    let Ok(json) = parse_json(&request) else {
        return Ok(());
    };
    let _ = match operation {
        0 => TransitionsRequest::from_json(&json).and_then(|r| ruleset.transitions(&r)),
        1 => ApplyRequest::from_json(&json).and_then(|r| ruleset.apply(&r)),
        2 => TimerRequest::from_json(&json).and_then(|r| ruleset.fire_timer(&r)),
        3 => StartRequest::from_json(&json).and_then(|r| ruleset.start(&r)),
        _ => UpdateRequest::from_json(&json).and_then(|r| ruleset.update(&r)),
    };
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
