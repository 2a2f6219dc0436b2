//! JSON text generated from a ruleset's input schema: mostly values of the declared types
//! (edge cases included: extreme numbers, leap days, offsets, escapes), sometimes a value of
//! the wrong type, a missing, `null`, repeated or unknown field, in varying key order and
//! layout. Written as text, so that the text reader and the tree reader both see it.

use arbitrary::{Result, Unstructured};
use ordo_engine::Ruleset;
use ordo_engine::schema::{EnumDef, Type};

/// How the generated input treats the schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every required field present (unless a mistake drops one).
    Complete,
    /// Fields often left out: a configurator's partial input.
    Partial,
}

/// Writes a JSON object for the ruleset's inputs.
pub fn input_text(u: &mut Unstructured<'_>, ruleset: &Ruleset, mode: Mode) -> Result<String> {
    let schema = ruleset.schema();
    let fields: Vec<(String, Type)> = schema
        .inputs()
        .map(|f| (f.name().to_string(), f.ty().clone()))
        .collect();
    let mut writer = Writer {
        out: String::new(),
        enums: schema.enums(),
        mode,
        // Out of ten, how often a value is of the wrong kind; chosen once per input so that
        // most inputs are entirely well-typed.
        mischief: if chance(u, 1, 3)? {
            u.int_in_range(1..=3)?
        } else {
            0
        },
    };
    writer.record(u, &fields, 0)?;
    Ok(writer.out)
}

/// Arbitrary JSON text of any shape (no schema), a few levels deep.
pub fn any_json(u: &mut Unstructured<'_>) -> Result<String> {
    let mut writer = Writer {
        out: String::new(),
        enums: &[],
        mode: Mode::Partial,
        mischief: 10,
    };
    writer.wild(u, 0)?;
    Ok(writer.out)
}

/// Deep enough for the examples' nesting (records of lists of records), far from any limit.
const MAX_DEPTH: usize = 6;

struct Writer<'e> {
    out: String,
    enums: &'e [EnumDef],
    mode: Mode,
    mischief: u32,
}

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "12",
    "100",
    "0.5",
    "0.12",
    "1.0",
    "1.50",
    "-0",
    "-0.0",
    "1e3",
    "1E-2",
    "2.5e1",
    "0.0000000000000000000000000001",
    "0.00000000000000000000000000001",
    "2147483647",
    "2147483648",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "18446744073709551616",
    "79228162514264337593543950335",
    "79228162514264337593543950336",
    "-79228162514264337593543950335",
    "7922816251426433759354395033.5",
    "1e28",
    "1e29",
    "1e-29",
    "1e400",
    "123456789012345678901234567890",
    "3.14159265358979323846264338327950288",
];

const NUMBER_STRINGS: &[&str] = &[
    "\"0.05\"",
    "\"12\"",
    "\"12.4\"",
    "\"-3\"",
    "\"1e3\"",
    "\"\"",
    "\" 1\"",
    "\"1,5\"",
    "\"NaN\"",
    "\"inf\"",
    "\"12%\"",
    "\"79228162514264337593543950336\"",
    "\"0.0000000000000000000000000001\"",
    "\"+1\"",
    "\".5\"",
    "\"5.\"",
];

const TEXTS: &[&str] = &[
    "\"\"",
    "\"DE\"",
    "\"AT\"",
    "\"Hotel Adler\"",
    "\"a \\\"quoted\\\" word\"",
    "\"back\\\\slash\"",
    "\"tab\\tnew\\nline\"",
    "\"\\u00e9\\u00fc\"",
    "\"\\ud83d\\ude00\"",
    "\"\\u0000\"",
    "\"× ünïcode 🚲\"",
    "\"{braces}\"",
    "\"\\/\"",
    "\"K-10234\"",
    "\"PO-4471\"",
];

const DATES: &[&str] = &[
    "\"2026-03-02\"",
    "\"2026-01-01\"",
    "\"2024-02-29\"",
    "\"2026-02-29\"",
    "\"2026-12-31\"",
    "\"0000-01-01\"",
    "\"0001-01-01\"",
    "\"9999-12-31\"",
    "\"2026-13-01\"",
    "\"2026-00-10\"",
    "\"2026-3-2\"",
    "\"20260302\"",
    "\"2026-03-02T00:00:00Z\"",
    "\"+2026-03-02\"",
    "\"-0001-01-01\"",
];

const DATETIMES: &[&str] = &[
    "\"2026-03-02T09:15:00Z\"",
    "\"2026-04-02T08:00:00Z\"",
    "\"2026-03-02T09:15:00+01:00\"",
    "\"2026-03-02T09:15:00.123456789Z\"",
    "\"2026-03-29T01:30:00Z\"",
    "\"2026-10-25T00:30:00Z\"",
    "\"9999-12-31T23:59:59Z\"",
    "\"9999-12-31T23:59:59-23:59\"",
    "\"0000-01-01T00:00:00+23:59\"",
    "\"1970-01-01T00:00:00Z\"",
    "\"2026-03-02 09:15:00Z\"",
    "\"2026-03-02T24:00:00Z\"",
    "\"2026-03-02T23:59:60Z\"",
    "\"2026-03-02\"",
    "\"2026-03-02t09:15:00z\"",
];

const DURATIONS: &[&str] = &[
    "\"P1D\"",
    "\"PT1H\"",
    "\"PT90M\"",
    "\"P2DT3H\"",
    "\"P1W\"",
    "\"PT0S\"",
    "\"-P1D\"",
    "\"P\"",
    "\"PT\"",
    "\"P1Y\"",
    "\"P1M\"",
    "\"PT1.5H\"",
    "\"P99999999999999999999D\"",
    "\"P15250W\"",
    "\"P106751991167300D\"",
    "\"PT9223372036854775807S\"",
    "\"3 days\"",
];

impl Writer<'_> {
    fn space(&mut self, u: &mut Unstructured<'_>) -> Result<()> {
        let space = *u.choose(&["", "", "", " ", "\n  ", "\t", "\r\n"])?;
        self.out.push_str(space);
        Ok(())
    }

    /// Writes `text` as a JSON string literal.
    fn string(&mut self, text: &str) {
        self.out
            .push_str(&serde_json::to_string(text).unwrap_or_default());
    }

    fn pick(&mut self, u: &mut Unstructured<'_>, pool: &[&str]) -> Result<()> {
        let text = *u.choose(pool)?;
        self.out.push_str(text);
        Ok(())
    }

    fn record(
        &mut self,
        u: &mut Unstructured<'_>,
        fields: &[(String, Type)],
        depth: usize,
    ) -> Result<()> {
        let mut order: Vec<usize> = (0..fields.len()).collect();
        if chance(u, 1, 4)? {
            // Keys out of declaration order.
            for i in (1..order.len()).rev() {
                let j = u.int_in_range(0..=i)?;
                order.swap(i, j);
            }
        }
        self.out.push('{');
        let mut first = true;
        for index in order {
            let Some((name, ty)) = fields.get(index) else {
                continue;
            };
            let leave_out = match self.mode {
                Mode::Complete => chance(u, 1, 40)? || (is_optional(ty) && chance(u, 1, 3)?),
                Mode::Partial => chance(u, 1, 3)?,
            };
            if leave_out {
                continue;
            }
            let times = if chance(u, 1, 50)? { 2 } else { 1 };
            for _ in 0..times {
                if !first {
                    self.out.push(',');
                }
                first = false;
                self.space(u)?;
                self.string(name);
                self.out.push(':');
                self.space(u)?;
                if chance(u, 1, 30)? {
                    self.out.push_str("null");
                } else {
                    self.value(u, ty, depth + 1)?;
                }
            }
        }
        if chance(u, 1, 40)? {
            // A field the schema does not declare.
            if !first {
                self.out.push(',');
            }
            let name = *u.choose(&["extra", "Quantity", "", "customer.name", "__proto__"])?;
            self.string(name);
            self.out.push(':');
            self.wild(u, depth + 1)?;
        }
        self.space(u)?;
        self.out.push('}');
        Ok(())
    }

    fn list<F>(&mut self, u: &mut Unstructured<'_>, mut element: F) -> Result<()>
    where
        F: FnMut(&mut Self, &mut Unstructured<'_>) -> Result<()>,
    {
        let len = u.int_in_range(0..=4)?;
        self.out.push('[');
        for i in 0..len {
            if i > 0 {
                self.out.push(',');
                self.space(u)?;
            }
            element(self, u)?;
        }
        self.out.push(']');
        Ok(())
    }

    fn enum_value(&mut self, u: &mut Unstructured<'_>, id: usize) -> Result<()> {
        let values: &[String] = self.enums.get(id).map_or(&[], |e| &e.values);
        if values.is_empty() || chance(u, 1, 12)? {
            let other = *u.choose(&["unknown", "", "DESK", "desk ", "_", "l"])?;
            self.string(other);
        } else {
            let value = u.choose(values)?.clone();
            self.string(&value);
        }
        Ok(())
    }

    fn value(&mut self, u: &mut Unstructured<'_>, ty: &Type, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH || (!u.is_empty() && u.int_in_range(0..=9)? < self.mischief) {
            return self.wild(u, depth);
        }
        match ty {
            Type::Bool => self.pick(u, &["true", "false"]),
            Type::Int => {
                if chance(u, 1, 2)? {
                    let n: i16 = u.arbitrary()?;
                    self.out.push_str(&n.to_string());
                    Ok(())
                } else {
                    self.number(u)
                }
            }
            Type::Decimal | Type::Percent => self.number(u),
            Type::Text => {
                if chance(u, 1, 4)? {
                    let text: &str = u.arbitrary()?;
                    let text: String = text.chars().take(40).collect();
                    self.string(&text);
                    Ok(())
                } else {
                    self.pick(u, TEXTS)
                }
            }
            Type::Date => {
                if chance(u, 1, 3)? {
                    let (y, m, d) = (
                        u.int_in_range(1990..=2100)?,
                        u.int_in_range(1..=12)?,
                        u.int_in_range(1..=31)?,
                    );
                    self.out.push_str(&format!("\"{y:04}-{m:02}-{d:02}\""));
                    Ok(())
                } else {
                    self.pick(u, DATES)
                }
            }
            Type::DateTime => {
                if chance(u, 1, 3)? {
                    let (y, m, d) = (
                        u.int_in_range(1990..=2100)?,
                        u.int_in_range(1..=12)?,
                        u.int_in_range(1..=28)?,
                    );
                    let (h, min) = (u.int_in_range(0..=23)?, u.int_in_range(0..=59)?);
                    self.out
                        .push_str(&format!("\"{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:00Z\""));
                    Ok(())
                } else {
                    self.pick(u, DATETIMES)
                }
            }
            Type::Duration => self.pick(u, DURATIONS),
            Type::Enum(id) => self.enum_value(u, *id as usize),
            Type::Set(id) => {
                let id = *id as usize;
                self.list(u, |w, u| w.enum_value(u, id))
            }
            Type::Record(record) => self.record(u, &record.fields, depth),
            Type::List(element) => self.list(u, |w, u| w.value(u, element, depth + 1)),
            Type::Optional(inner) => {
                if chance(u, 1, 3)? {
                    self.out.push_str("null");
                    Ok(())
                } else {
                    self.value(u, inner, depth)
                }
            }
            Type::None | Type::Unknown => self.wild(u, depth),
        }
    }

    fn number(&mut self, u: &mut Unstructured<'_>) -> Result<()> {
        match u.int_in_range(0..=5)? {
            0 => self.pick(u, NUMBER_STRINGS),
            1 => {
                let (whole, cents): (i32, u8) = (u.arbitrary()?, u.arbitrary()?);
                self.out.push_str(&format!("\"{whole}.{cents:02}\""));
                Ok(())
            }
            2 => {
                let n: i64 = u.arbitrary()?;
                self.out.push_str(&n.to_string());
                Ok(())
            }
            _ => self.pick(u, NUMBERS),
        }
    }

    /// A value of any kind.
    fn wild(&mut self, u: &mut Unstructured<'_>, depth: usize) -> Result<()> {
        let kind = if depth > MAX_DEPTH {
            u.int_in_range(0..=6)?
        } else {
            u.int_in_range(0..=8)?
        };
        match kind {
            0 => self.pick(u, &["null", "true", "false"]),
            1 => self.number(u),
            2 => self.pick(u, TEXTS),
            3 => self.pick(u, DATES),
            4 => self.pick(u, DATETIMES),
            5 => self.pick(u, DURATIONS),
            6 => {
                let text: &str = u.arbitrary()?;
                let text: String = text.chars().take(16).collect();
                self.string(&text);
                Ok(())
            }
            7 => self.list(u, |w, u| w.wild(u, depth + 1)),
            _ => {
                let len = u.int_in_range(0..=3)?;
                self.out.push('{');
                for i in 0..len {
                    if i > 0 {
                        self.out.push(',');
                    }
                    let key = *u.choose(&["a", "name", "country", "x", ""])?;
                    self.string(key);
                    self.out.push(':');
                    self.wild(u, depth + 1)?;
                }
                self.out.push('}');
                Ok(())
            }
        }
    }
}

fn is_optional(ty: &Type) -> bool {
    matches!(ty, Type::Optional(_))
}

/// True `numerator` times in `denominator`, and never once the data is used up: `ratio` of
/// an exhausted [`Unstructured`] is always true, which would make every short input a
/// mistake (every field left out, every value wild).
fn chance(u: &mut Unstructured<'_>, numerator: u8, denominator: u8) -> Result<bool> {
    if u.is_empty() {
        Ok(false)
    } else {
        u.ratio(numerator, denominator)
    }
}
