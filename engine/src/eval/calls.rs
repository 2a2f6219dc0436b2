//! The calls of functions and decisions with parameters made so far in one evaluation, so that
//! a second call with the same arguments takes the first one's value. A call is pure within
//! one evaluation (its inputs, values and `as_of` do not change), and a per-element rule often
//! calls the same function several times for the same element.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::Arc;

use smallvec::SmallVec;

use crate::value::Value;

/// How many calls are remembered in all: a bound on the memory one evaluation keeps for them
/// (a list of a few hundred elements, each calling a dozen functions, stays under it).
const REMEMBERED_CALLS: usize = 4096;

/// How many calls there is room for when the first is remembered: a 10-position quote
/// remembers about 120, and each growth of the map moves every call already in it (2 % of a
/// 10-position quote's instructions when it started from 64).
const FIRST_ROOM: usize = 256;

/// The arguments of one call, kept inline for the few parameters most functions have.
pub(super) type Arguments = SmallVec<[Value; 4]>;

/// One remembered call: its arguments and its value.
#[derive(Debug)]
struct Call {
    arguments: Arguments,
    value: Value,
}

/// The remembered calls, by function and fingerprint of the arguments (a look-up costs the
/// same however many calls are remembered).
#[derive(Debug, Default)]
pub(super) struct Calls {
    /// Keys are already fingerprints: they are folded once more, not hashed again.
    remembered: HashMap<(u32, u64), Call, BuildHasherDefault<Fold>>,
}

impl Calls {
    /// The value of an earlier call of function `id` with the same arguments (see
    /// [`same_argument`]): the call of that fingerprint, if its arguments are these.
    pub(super) fn find<A: Borrow<Value>>(
        &self,
        id: u32,
        fingerprint: u64,
        arguments: &[A],
    ) -> Option<&Value> {
        let call = self.remembered.get(&(id, fingerprint))?;
        let same = call.arguments.len() == arguments.len()
            && call
                .arguments
                .iter()
                .zip(arguments)
                .all(|(a, b)| same_argument(a, b.borrow()));
        same.then_some(&call.value)
    }

    /// Remembers the value of a call of function `id`, unless as many calls as may be kept
    /// are, or another call has this fingerprint (it keeps its place: a call with the same
    /// fingerprint but other arguments is then made each time, which is rare and still right).
    pub(super) fn remember(
        &mut self,
        id: u32,
        fingerprint: u64,
        arguments: Arguments,
        value: Value,
    ) {
        if self.remembered.len() >= REMEMBERED_CALLS {
            return;
        }
        if self.remembered.capacity() == 0 {
            // A function called once is mostly called for each element of a list: room for
            // a few dozen calls at once rather than growing from a handful.
            self.remembered.reserve(FIRST_ROOM);
        }
        self.remembered
            .entry((id, fingerprint))
            .or_insert(Call { arguments, value });
    }
}

/// A fingerprint of a call's arguments: arguments that are [`same_argument`] have the same
/// fingerprint (the converse need not hold). A record or a list is known by the shared values
/// it points to, not by its parts: a per-element rule passes the same element, and reading
/// every part of it at each call would cost what remembering saves. (An equal record held
/// elsewhere then fingerprints apart, and its call is made again: the same value, computed.)
pub(super) fn fingerprint<A: Borrow<Value>>(arguments: &[A]) -> u64 {
    let mut hasher = Fold::default();
    for argument in arguments {
        let argument = argument.borrow();
        match argument {
            Value::Record(parts) | Value::List(parts) => {
                std::mem::discriminant(argument).hash(&mut hasher);
                hasher.write_usize(Arc::as_ptr(parts).cast::<Value>().addr());
            }
            // A number by its digits and scale, as `same_argument` compares it (the derived
            // hash of a decimal ignores the scale: consistent, but coarser).
            Value::Number(n) => hasher.write(&n.serialize()),
            other => other.hash(&mut hasher),
        }
    }
    hasher.finish()
}

/// Whether two arguments are the same value, down to a decimal's scale (`1.0` and `1.00` are
/// equal but interpolate differently, so a call with one cannot stand for a call with the
/// other): the same shared record or list (an element of the same collection, as a per-element
/// rule passes it), else the same parts.
pub(super) fn same_argument(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.serialize() == y.serialize(),
        (Value::Record(x), Value::Record(y)) | (Value::List(x), Value::List(y)) => {
            Arc::ptr_eq(x, y)
                || (x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| same_argument(a, b)))
        }
        _ => a == b,
    }
}

/// A small, fast hasher for fingerprints within one evaluation (no resistance to chosen
/// collisions is needed: a collision only costs a full comparison of the arguments).
#[derive(Default)]
struct Fold(u64);

impl Fold {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for Fold {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            if let Some(head) = word.get_mut(..rest.len()) {
                head.copy_from_slice(rest);
            }
            self.mix(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.mix(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }

    fn write_isize(&mut self, i: isize) {
        self.mix(i as u64);
    }

    fn write_i64(&mut self, i: i64) {
        self.mix(i as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rust_decimal::Decimal;

    fn number(mantissa: i64, scale: u32) -> Value {
        Value::Number(Decimal::new(mantissa, scale))
    }

    /// Scalars and records of scalars, built afresh each time (no sharing between two builds).
    fn value() -> impl Strategy<Value = Value> {
        let scalar = prop_oneof![
            any::<bool>().prop_map(Value::Bool),
            (-1000i64..1000, 0u32..4).prop_map(|(m, s)| number(m, s)),
            "[a-c]{0,3}".prop_map(|s| Value::text(&s)),
            (0u32..3, 0u32..4).prop_map(|(e, v)| Value::Enum(e, v)),
            Just(Value::None),
        ];
        prop_oneof![
            3 => scalar.clone(),
            1 => prop::collection::vec(scalar, 0..3).prop_map(|v| Value::Record(Arc::from(v))),
        ]
    }

    #[test]
    fn a_number_of_another_scale_is_another_argument() {
        let (one, one_point_zero) = (number(1, 0), number(10, 1));
        assert!(!same_argument(&one, &one_point_zero));
        let mut calls = Calls::default();
        let arguments: Arguments = smallvec::smallvec![one.clone()];
        calls.remember(0, fingerprint(&arguments), arguments, Value::text("1"));
        assert_eq!(
            calls.find(0, fingerprint(std::slice::from_ref(&one)), &[one]),
            Some(&Value::text("1"))
        );
        assert_eq!(
            calls.find(
                0,
                fingerprint(std::slice::from_ref(&one_point_zero)),
                &[one_point_zero]
            ),
            None
        );
    }

    #[test]
    fn a_shared_record_is_found_and_calls_are_kept_apart_by_function() {
        let record = Value::Record(Arc::from(vec![Value::text("010"), number(6, 0)]));
        let mut calls = Calls::default();
        let arguments: Arguments = smallvec::smallvec![record.clone(), number(2, 0)];
        calls.remember(1, fingerprint(&arguments), arguments, number(42, 0));
        let asked = [record.clone(), number(2, 0)];
        assert_eq!(
            calls.find(1, fingerprint(&asked), &asked),
            Some(&number(42, 0))
        );
        assert_eq!(calls.find(0, fingerprint(&asked), &asked), None);
        assert_eq!(calls.find(2, fingerprint(&asked), &asked), None);
        assert_eq!(calls.find(1, fingerprint(&asked[..1]), &asked[..1]), None);
    }

    #[test]
    fn only_so_many_calls_are_remembered() {
        let mut calls = Calls::default();
        for i in 0..=REMEMBERED_CALLS {
            let arguments: Arguments = smallvec::smallvec![number(i as i64, 0)];
            calls.remember(0, fingerprint(&arguments), arguments, number(i as i64, 0));
        }
        let first = [number(0, 0)];
        let last = [number(REMEMBERED_CALLS as i64, 0)];
        assert!(calls.find(0, fingerprint(&first), &first).is_some());
        assert!(calls.find(0, fingerprint(&last), &last).is_none());
    }

    /// A traced evaluation makes every call (nothing is remembered for it): the conveyors
    /// quote, whose per-position rules call the same functions many times over, comes out the
    /// same with the calls remembered as with every call made, at 10 positions and at 200 (past
    /// where fewer calls were remembered).
    #[test]
    fn remembered_calls_give_what_every_call_made_gives() {
        let source = include_str!("../../../examples/conveyors/conveyors.ordo");
        let files: crate::DataFiles = [(
            "contracts.csv",
            include_str!("../../../examples/conveyors/contracts.csv"),
        )]
        .into_iter()
        .collect();
        let ruleset =
            crate::Ruleset::compile_with_files(source, &files).unwrap_or_else(|e| panic!("{e:?}"));
        let options = crate::EvalOptions {
            as_of: crate::text::parse_date("2026-08-03").ok(),
            ..crate::EvalOptions::default()
        };
        let traced = crate::EvalOptions {
            trace: true,
            ..options.clone()
        };
        for text in [
            include_str!("../../../examples/conveyors/quote.json"),
            include_str!("../../../examples/conveyors/large.json"),
        ] {
            let remembered = ruleset
                .evaluate_str(text, &options)
                .unwrap_or_else(|e| panic!("{}", e.message));
            let mut every_call = ruleset
                .evaluate_str(text, &traced)
                .ok()
                .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
                .unwrap_or_default();
            let trace = every_call
                .as_object_mut()
                .and_then(|result| result.remove("trace"));
            assert!(trace.is_some_and(|t| t.as_array().is_some_and(|a| !a.is_empty())));
            // A trace also says how each line's amount was computed.
            let lines = every_call
                .pointer_mut("/quotes/quote/lines")
                .and_then(serde_json::Value::as_array_mut);
            for line in lines.into_iter().flatten() {
                let explain = line.as_object_mut().and_then(|l| l.remove("explain"));
                assert!(explain.is_some());
            }
            assert_eq!(crate::json::to_json_string(&every_call), remembered);
        }
    }

    proptest! {
        /// Arguments that are the same value have one fingerprint (for records: the same
        /// shared record), so a call with them always finds the one remembered before.
        #[test]
        fn the_same_arguments_find_the_same_value(
            arguments in prop::collection::vec(value(), 0..4),
            value in value(),
        ) {
            let copy: Vec<Value> = arguments.clone();
            prop_assert_eq!(fingerprint(&arguments), fingerprint(&copy));
            let mut calls = Calls::default();
            calls.remember(0, fingerprint(&arguments), arguments.iter().cloned().collect(), value.clone());
            prop_assert_eq!(calls.find(0, fingerprint(&copy), &copy), Some(&value));
        }

        /// A call is found only for arguments that are the same value as the remembered
        /// ones: whatever the fingerprints, a different argument never takes another's value.
        #[test]
        fn other_arguments_never_take_the_value(
            remembered in prop::collection::vec(value(), 0..3),
            asked in prop::collection::vec(value(), 0..3),
        ) {
            let mut calls = Calls::default();
            calls.remember(0, fingerprint(&remembered), remembered.iter().cloned().collect(), Value::Bool(true));
            let same = remembered.len() == asked.len()
                && remembered.iter().zip(&asked).all(|(a, b)| same_argument(a, b));
            let found = calls.find(0, fingerprint(&asked), &asked).is_some();
            prop_assert!(!found || same);
            // Fresh records fingerprint apart even when equal; scalars alike always meet.
            let scalars = asked.iter().all(|v| !matches!(v, Value::Record(_)));
            if same && scalars {
                prop_assert!(found);
            }
        }
    }
}
