//! The JSON form of a result (spec §16), written straight to text
//! ([`Evaluation::to_json_string`]) or built as a tree ([`Evaluation::to_json`]), both through
//! the one [`WriteJson`] definition below, so the two forms always agree.

use std::sync::atomic::Ordering;

use serde_json::Value as Json;

use super::approvals::ChainsJson;
use super::sink::{Sink, WriteJson, key, to_text, to_text_sized, to_tree};
use super::values::{QuoteJson, TraceJson, TypedValue};
use crate::ruleset::{Evaluation, MIN_RESULT_BUFFER, Ruleset};

impl Evaluation<'_> {
    /// The result as a JSON tree.
    pub fn to_json(&self) -> Json {
        to_tree(self)
    }

    /// The result as compact JSON text, byte-identical to `to_json_string(&self.to_json())`.
    pub fn to_json_string(&self) -> String {
        let guess = &self.ruleset.result_length;
        let text = to_text_sized(self, guess.load(Ordering::Relaxed));
        // The next result's buffer starts as large as this one needed, rounded up, so that a
        // ruleset's results rarely grow theirs (and a small result's buffer is small, which
        // allocators hand out fastest). Kept unless it changes by more than half: evaluations
        // on many threads do not all write the shared guess.
        let length = text.len().next_power_of_two().max(MIN_RESULT_BUFFER);
        let current = guess.load(Ordering::Relaxed);
        if length > current || length < current / 2 {
            guess.store(length, Ordering::Relaxed);
        }
        text
    }

    /// One output's value in the JSON form the result gives it (`outputs.NAME` of
    /// [`Self::to_json`]), without building the rest of the result; `None` for a name that is
    /// not an output. For hosts that take a few values from many results (a table's columns).
    pub fn output_json(&self, name: &str) -> Option<Json> {
        let program = self.ruleset.program();
        self.outputs
            .iter()
            .find(|(g, _)| g.name == name)
            .map(|(g, value)| {
                to_tree(&TypedValue {
                    program,
                    value,
                    ty: &g.ty,
                })
            })
    }
}

impl WriteJson for Evaluation<'_> {
    fn write_json<S: Sink>(&self, sink: &mut S) {
        let program = self.ruleset.program();
        sink.begin_object();
        sink.fixed_key(key!("ruleset"));
        // The same for every result of the ruleset: written once, when it was compiled.
        sink.prewritten(identity_text(self.ruleset), &Identity::of(self.ruleset));
        sink.fixed_key(key!("as_of"));
        match self.as_of {
            Some(date) => sink.date(date),
            None => sink.null(),
        }
        sink.fixed_key(key!("valid"));
        sink.bool(self.valid);
        sink.fixed_key(key!("violations"));
        sink.begin_array();
        for v in &self.violations {
            sink.begin_object();
            sink.fixed_key(key!("id"));
            sink.plain(&v.constraint.id);
            sink.fixed_key(key!("severity"));
            sink.plain(v.constraint.severity.as_str());
            if let Some(at) = &v.at {
                sink.fixed_key(key!("at"));
                sink.text(at);
            }
            sink.fixed_key(key!("message"));
            sink.text(&v.message);
            sink.end_object();
        }
        sink.end_array();
        if !self.input_notes.is_empty() {
            // Present only when a fallback was taken (spec §20).
            sink.fixed_key(key!("input_notes"));
            sink.begin_array();
            for note in self.input_notes {
                sink.begin_object();
                sink.fixed_key(key!("path"));
                sink.text(&note.path);
                sink.fixed_key(key!("received"));
                sink.text(&note.received);
                sink.fixed_key(key!("read_as"));
                sink.text(&note.read_as);
                sink.end_object();
            }
            sink.end_array();
        }
        sink.fixed_key(key!("outputs"));
        sink.begin_object();
        for (g, value) in &self.outputs {
            sink.name_key(&g.name);
            TypedValue {
                program,
                value,
                ty: &g.ty,
            }
            .write_json(sink);
        }
        sink.end_object();
        sink.fixed_key(key!("quotes"));
        sink.begin_object();
        for (g, quote) in &self.quotes {
            sink.name_key(&g.name);
            QuoteJson {
                quote,
                trace: self.trace.is_some(),
            }
            .write_json(sink);
        }
        sink.end_object();
        sink.fixed_key(key!("approvals"));
        ChainsJson {
            program,
            inputs: self.inputs,
            chains: &self.approvals,
        }
        .write_json(sink);
        if let Some(trace) = &self.trace {
            sink.fixed_key(key!("trace"));
            TraceJson { program, trace }.write_json(sink);
        }
        sink.end_object();
    }
}

/// The ruleset's identity as JSON text, written once per ruleset: every result starts with it.
pub(crate) fn identity_text(ruleset: &Ruleset) -> &str {
    ruleset
        .identity_text
        .get_or_init(|| to_text(&Identity::of(ruleset)))
}

/// `{"name", "version", "hash"}` as every result names its ruleset.
pub(crate) struct Identity<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub hash: &'a str,
}

impl<'a> Identity<'a> {
    pub fn of(ruleset: &'a Ruleset) -> Self {
        Identity {
            name: ruleset.name(),
            version: ruleset.version(),
            hash: ruleset.hash(),
        }
    }
}

impl WriteJson for Identity<'_> {
    fn write_json<S: Sink>(&self, sink: &mut S) {
        sink.begin_object();
        sink.fixed_key(key!("name"));
        sink.plain(self.name);
        sink.fixed_key(key!("version"));
        sink.plain(self.version);
        sink.fixed_key(key!("hash"));
        sink.plain(self.hash);
        sink.end_object();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;
    use proptest::prelude::*;

    /// A date alone, as results write `as_of`.
    struct Date(NaiveDate);

    impl WriteJson for Date {
        fn write_json<S: Sink>(&self, sink: &mut S) {
            sink.date(self.0);
        }
    }

    #[test]
    fn an_output_alone_is_what_the_whole_result_writes() {
        let ruleset = Ruleset::compile(
            "ruleset r version \"1.0.0\"\nenum Color { red, blue }\ninput {\n  qty: Int\n  color: Color\n  day: Date\n  note: Text?\n}\noutput double = qty * 2\noutput half = qty / 2\noutput shade = color\noutput next = day + 1 days\noutput noted = note\noutput pair = { n: qty, c: color }\n",
        )
        .expect("compiles");
        let input = ruleset
            .read_input_str(r#"{"qty": 3, "color": "blue", "day": "2026-02-28"}"#)
            .expect("reads");
        let result = ruleset
            .run(&input, &crate::EvalOptions::default())
            .expect("evaluates");
        let whole = result.to_json();
        for name in ["double", "half", "shade", "next", "noted", "pair"] {
            assert_eq!(
                result.output_json(name).as_ref(),
                whole.get("outputs").and_then(|o| o.get(name)),
                "{name}"
            );
        }
        assert_eq!(result.output_json("missing"), None);
    }

    proptest! {
        #[test]
        fn dates_are_written_as_chrono_writes_them(days in -800_000i32..4_000_000) {
            let date = NaiveDate::from_num_days_from_ce_opt(days).unwrap_or_default();
            prop_assert_eq!(to_text(&Date(date)), format!("\"{date}\""));
            prop_assert_eq!(to_tree(&Date(date)), Json::String(date.to_string()));
        }
    }
}
