//! Small rulesets built from pieces of the language: enums, an input block, tables, bands,
//! functions, `let`s and outputs, a decision table, constraints and a price block, with
//! expressions that are mostly well-typed (so that many compile and reach evaluation) and
//! sometimes not (so that the checker's errors are exercised too).
//!
//! Expressions nest at most [`MAX_NESTING`] levels: far below `ordo_dsl::MAX_DEPTH`, where
//! deep nesting is refused by design (and deep lists are slow in pest, a known grammar issue).

use arbitrary::{Result, Unstructured};

/// The deepest an expression is nested here.
pub const MAX_NESTING: usize = 5;

/// The types the generator writes expressions of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Int,
    Decimal,
    Percent,
    Bool,
    Text,
    Date,
    DateTime,
    Duration,
    /// The enum `E` (members `a`, `b`, `c`).
    Enum,
    /// `Set<E>`.
    SetE,
    /// `List<Int>`.
    ListInt,
    /// `Int?`.
    OptInt,
    /// `Text?`.
    OptText,
}

const SCALARS: &[Ty] = &[
    Ty::Int,
    Ty::Decimal,
    Ty::Percent,
    Ty::Bool,
    Ty::Text,
    Ty::Date,
    Ty::Enum,
    Ty::Int,
    Ty::Decimal,
    Ty::Bool,
];

const INPUT_TYPES: &[Ty] = &[
    Ty::Int,
    Ty::Decimal,
    Ty::Percent,
    Ty::Bool,
    Ty::Text,
    Ty::Date,
    Ty::DateTime,
    Ty::Duration,
    Ty::Enum,
    Ty::SetE,
    Ty::ListInt,
    Ty::OptInt,
    Ty::OptText,
];

fn type_name(ty: Ty) -> &'static str {
    match ty {
        Ty::Int => "Int",
        Ty::Decimal => "Decimal",
        Ty::Percent => "Percent",
        Ty::Bool => "Bool",
        Ty::Text => "Text",
        Ty::Date => "Date",
        Ty::DateTime => "DateTime",
        Ty::Duration => "Duration",
        Ty::Enum => "E",
        Ty::SetE => "Set<E>",
        Ty::ListInt => "List<Int>",
        Ty::OptInt => "Int?",
        Ty::OptText => "Text?",
    }
}

fn is_numeric(ty: Ty) -> bool {
    matches!(ty, Ty::Int | Ty::Decimal | Ty::Percent)
}

/// The generator's state: the names in scope with their types, and the text written.
struct Gen {
    out: String,
    scope: Vec<(String, Ty)>,
    /// Names of the bands (Decimal → Decimal) and tables (E → Decimal) declared so far.
    bands: Vec<String>,
    tables: Vec<String>,
    functions: Vec<String>,
}

/// A generated ruleset's source text.
pub fn ruleset_text(u: &mut Unstructured<'_>) -> Result<String> {
    let mut g = Gen {
        out: String::new(),
        scope: Vec::new(),
        bands: Vec::new(),
        tables: Vec::new(),
        functions: Vec::new(),
    };
    g.out.push_str("ruleset gen version \"1.0.0\"\n");
    if u.ratio(1, 3)? {
        g.out.push_str("effective 2026-01-01\n");
    }
    g.out.push_str("\nenum E { a, b, c }\n\ninput {\n");
    let inputs = u.int_in_range(1..=5)?;
    for i in 0..inputs {
        let ty = *u.choose(INPUT_TYPES)?;
        let name = format!("in{i}");
        g.out.push_str(&format!("  {name}: {}", type_name(ty)));
        if is_numeric(ty) && u.ratio(1, 4)? {
            let (lo, hi) = (u.int_in_range(-5..=5)?, u.int_in_range(0..=200)?);
            let op = *u.choose(&["..", "..<"])?;
            g.out.push_str(&format!(" in {lo}{op}{hi}"));
        }
        if u.ratio(1, 4)? {
            g.out.push_str(" = ");
            g.literal(u, ty)?;
        }
        g.out.push('\n');
        g.scope.push((name, ty));
    }
    g.out.push_str("}\n");

    let declarations = u.int_in_range(1..=8)?;
    for i in 0..declarations {
        g.out.push('\n');
        match u.int_in_range(0..=9)? {
            0 => g.table(u, i)?,
            1 => g.bands_decl(u, i)?,
            2 => g.function(u, i)?,
            3 => g.decision(u, i)?,
            4 => g.constraint(u, i)?,
            5 => g.price(u, i)?,
            _ => g.value(u, i)?,
        }
    }
    Ok(g.out)
}

impl Gen {
    /// `open`, an expression of type `ty`, `close`: a call or a lookup with one argument.
    fn wrapped(
        &mut self,
        u: &mut Unstructured<'_>,
        open: &str,
        ty: Ty,
        close: &str,
        d: usize,
    ) -> Result<()> {
        self.push(open);
        self.expr(u, ty, d)?;
        self.push(close);
        Ok(())
    }

    fn push(&mut self, text: &str) {
        self.out.push_str(text);
    }

    fn names_of(&self, ty: Ty) -> Vec<String> {
        self.scope
            .iter()
            .filter(|(_, t)| *t == ty)
            .map(|(n, _)| n.clone())
            .collect()
    }

    fn table(&mut self, u: &mut Unstructured<'_>, i: u32) -> Result<()> {
        let name = format!("t{i}");
        self.push(&format!("table {name}: E -> Decimal {{\n"));
        for member in ["a", "b", "c"] {
            if u.ratio(3, 4)? {
                self.push(&format!("  {member} => "));
                self.literal(u, Ty::Decimal)?;
                self.push("\n");
            }
        }
        if u.ratio(1, 3)? {
            self.push("  _ => 0\n");
        }
        self.push("}\n");
        self.tables.push(name);
        Ok(())
    }

    fn bands_decl(&mut self, u: &mut Unstructured<'_>, i: u32) -> Result<()> {
        let name = format!("b{i}");
        self.push(&format!("bands {name} {{\n"));
        let mut from: i32 = u.int_in_range(-2..=2)?;
        for _ in 0..u.int_in_range(1..=3)? {
            let to = from + u.int_in_range(1..=20)?;
            let op = *u.choose(&["..", "..<"])?;
            self.push(&format!("  {from}{op}{to} => "));
            self.literal(u, Ty::Decimal)?;
            self.push("\n");
            from = to + i32::from(op == "..");
        }
        if u.ratio(1, 2)? {
            self.push(&format!("  {from}.. => 0\n"));
        }
        self.push("}\n");
        self.bands.push(name);
        Ok(())
    }

    fn function(&mut self, u: &mut Unstructured<'_>, i: u32) -> Result<()> {
        let name = format!("f{i}");
        let param = *u.choose(&[Ty::Int, Ty::Decimal, Ty::Bool])?;
        let result = *u.choose(SCALARS)?;
        self.push(&format!(
            "fn {name}(x: {}) -> {} = ",
            type_name(param),
            type_name(result)
        ));
        // Inside a function only its parameters (and constants) are in scope.
        let saved = std::mem::replace(&mut self.scope, vec![("x".to_string(), param)]);
        let functions = std::mem::take(&mut self.functions);
        self.expr(u, result, 0)?;
        self.scope = saved;
        self.functions = functions;
        self.push("\n");
        if param == Ty::Int && result == Ty::Int {
            self.functions.push(name);
        }
        Ok(())
    }

    fn value(&mut self, u: &mut Unstructured<'_>, i: u32) -> Result<()> {
        let ty = *u.choose(SCALARS)?;
        let (keyword, name) = if u.ratio(1, 2)? {
            ("let", format!("v{i}"))
        } else {
            ("output", format!("o{i}"))
        };
        self.push(&format!("{keyword} {name}"));
        if u.ratio(1, 4)? {
            self.push(&format!(": {}", type_name(ty)));
        }
        self.push(" = ");
        self.expr(u, ty, 0)?;
        self.push("\n");
        self.scope.push((name, ty));
        Ok(())
    }

    fn decision(&mut self, u: &mut Unstructured<'_>, i: u32) -> Result<()> {
        let name = format!("d{i}");
        let hit = *u.choose(&[
            "",
            " hit first",
            " hit unique",
            " hit any",
            " hit collect sum",
        ])?;
        let conditions: Vec<Ty> = (0..u.int_in_range(1..=2)?)
            .map(|_| {
                u.choose(&[Ty::Int, Ty::Decimal, Ty::Enum, Ty::Bool])
                    .copied()
            })
            .collect::<Result<_>>()?;
        self.push(&format!("decision {name}{hit} {{\n  |"));
        for ty in &conditions {
            self.push(" ");
            self.expr(u, *ty, 2)?;
            self.push(" |");
        }
        self.push("| out |\n");
        let rows = u.int_in_range(1..=4)?;
        for row in 0..rows {
            self.push("  |");
            for ty in &conditions {
                self.push(" ");
                let any = row + 1 == rows && u.ratio(1, 2)?;
                if any {
                    self.push("-");
                } else {
                    self.unary_test(u, *ty)?;
                }
                self.push(" |");
            }
            self.push("| ");
            self.literal(u, Ty::Int)?;
            self.push(" |\n");
        }
        self.push("}\n");
        self.scope.push((name, Ty::Int));
        Ok(())
    }

    fn unary_test(&mut self, u: &mut Unstructured<'_>, ty: Ty) -> Result<()> {
        match ty {
            Ty::Int | Ty::Decimal => match u.int_in_range(0..=2)? {
                0 => {
                    let op = *u.choose(&["<", "<=", ">", ">=", "==", "!="])?;
                    self.push(op);
                    self.push(" ");
                    self.literal(u, ty)
                }
                1 => {
                    let lo = u.int_in_range(-3..=10)?;
                    let hi = lo + u.int_in_range(0..=10)?;
                    let op = *u.choose(&["..", "..<"])?;
                    self.push(&format!("{lo}{op}{hi}"));
                    Ok(())
                }
                _ => self.literal(u, ty),
            },
            Ty::Enum => {
                let members = *u.choose(&["a", "b", "c", "a, b", "b, c"])?;
                self.push(members);
                Ok(())
            }
            _ => self.literal(u, ty),
        }
    }

    fn constraint(&mut self, u: &mut Unstructured<'_>, i: u32) -> Result<()> {
        let lists = self.names_of(Ty::ListInt);
        let each = !lists.is_empty() && u.ratio(1, 4)?;
        self.push(&format!("constraint c{i}"));
        if each {
            let list = u.choose(&lists)?.clone();
            self.push(&format!(" for x in {list}"));
            self.scope.push(("x".into(), Ty::Int));
        }
        self.push(": ");
        self.expr(u, Ty::Bool, 0)?;
        let severity = *u.choose(&["error", "warning", "review"])?;
        self.push(&format!("\n  else {severity} "));
        self.expr(u, Ty::Text, 3)?;
        self.push("\n");
        if each {
            self.scope.pop();
        }
        Ok(())
    }

    fn price(&mut self, u: &mut Unstructured<'_>, i: u32) -> Result<()> {
        let name = format!("p{i}");
        let currency = *u.choose(&["\"EUR\"", "\"CHF\"", "\"JPY\"", "\"XXX\"", "\"eur\""])?;
        self.push(&format!(
            "price {name} currency {currency} {{\n  line l1 \"Item\" qty "
        ));
        self.expr(u, Ty::Int, 3)?;
        self.push(" at ");
        self.expr(u, Ty::Decimal, 3)?;
        self.push("\n");
        let lists = self.names_of(Ty::ListInt);
        if !lists.is_empty() && u.ratio(1, 3)? {
            let list = u.choose(&lists)?.clone();
            self.push(&format!(
                "  for x in {list} {{\n    line each \"Each {{x}}\" = "
            ));
            self.scope.push(("x".into(), Ty::Int));
            self.expr(u, Ty::Decimal, 3)?;
            self.scope.pop();
            self.push("\n  }\n");
        }
        self.push("  subtotal sub \"Subtotal\"\n");
        if u.ratio(1, 2)? {
            self.push("  discount off \"Discount\" = ");
            self.expr(u, Ty::Percent, 3)?;
            self.push(" of sub\n");
        }
        if u.ratio(1, 2)? {
            self.push("  surcharge fee \"Fee\" = ");
            self.expr(u, Ty::Decimal, 3)?;
            if u.ratio(1, 3)? {
                self.push(" when ");
                self.expr(u, Ty::Bool, 3)?;
            }
            self.push("\n");
        }
        self.push("  subtotal net \"Net\"\n  tax vat \"VAT\" = ");
        self.expr(u, Ty::Percent, 4)?;
        self.push(" of net\n}\n");
        // `p.total` reads as a decimal.
        self.scope.push((format!("{name}.total"), Ty::Decimal));
        Ok(())
    }

    fn literal(&mut self, u: &mut Unstructured<'_>, ty: Ty) -> Result<()> {
        let text = match ty {
            Ty::Int => (*u.choose(&["0", "1", "2", "3", "10", "12", "100", "99999999999"])?).into(),
            Ty::Decimal => {
                (*u.choose(&["0.00", "1.5", "2", "12.40", "0.001", "1000000.00", "3"])?).into()
            }
            Ty::Percent => (*u.choose(&["0%", "10%", "12.5%", "100%", "19%", "250%"])?).into(),
            Ty::Bool => (*u.choose(&["true", "false"])?).into(),
            Ty::Text => (*u.choose(&["\"\"", "\"DE\"", "\"a \\\"b\\\"\"", "\"×\""])?).into(),
            Ty::Date => (*u.choose(&["2026-01-01", "2024-02-29", "2026-12-31"])?).into(),
            Ty::DateTime => "2026-03-02T09:15:00Z".to_string(),
            Ty::Duration => (*u.choose(&["1 day", "3 days", "2 hours", "90 minutes"])?).into(),
            Ty::Enum => (*u.choose(&["a", "b", "c"])?).into(),
            Ty::SetE => (*u.choose(&["{}", "{a}", "{a, c}"])?).into(),
            Ty::ListInt => (*u.choose(&["[]", "[1]", "[1, 2, 3]"])?).into(),
            Ty::OptInt => (*u.choose(&["none", "1"])?).into(),
            Ty::OptText => (*u.choose(&["none", "\"x\""])?).into(),
        };
        self.push(&text);
        Ok(())
    }

    /// An expression of type `ty` (usually), at nesting `depth`.
    fn expr(&mut self, u: &mut Unstructured<'_>, ty: Ty, depth: usize) -> Result<()> {
        let names = self.names_of(ty);
        if depth >= MAX_NESTING || u.ratio(1, 4)? {
            return if !names.is_empty() && u.ratio(1, 2)? {
                let name = u.choose(&names)?.clone();
                self.push(&name);
                Ok(())
            } else {
                self.literal(u, ty)
            };
        }
        let d = depth + 1;
        if u.ratio(1, 40)? {
            // Anything at all: an expression of another type, for the checker to refuse.
            let other = *u.choose(INPUT_TYPES)?;
            return self.expr(u, other, d);
        }
        if u.ratio(1, 10)? {
            self.push("if ");
            self.expr(u, Ty::Bool, d)?;
            self.push(" then ");
            self.expr(u, ty, d)?;
            self.push(" else ");
            return self.expr(u, ty, d);
        }
        if u.ratio(1, 12)? {
            self.push("(");
            self.expr(u, ty, d)?;
            self.push(")");
            return Ok(());
        }
        match ty {
            Ty::Int | Ty::Decimal | Ty::Percent => self.numeric(u, ty, d),
            Ty::Bool => self.boolean(u, d),
            Ty::Text => match u.int_in_range(0..=4)? {
                0 => {
                    self.push("\"n = {");
                    let inner = *u.choose(&[Ty::Int, Ty::Decimal, Ty::Enum, Ty::Date, Ty::Bool])?;
                    self.expr(u, inner, d)?;
                    self.push("}\"");
                    Ok(())
                }
                1 => {
                    let f = *u.choose(&["upper", "lower"])?;
                    self.push(&format!("{f}("));
                    self.expr(u, Ty::Text, d)?;
                    self.push(")");
                    Ok(())
                }
                2 => {
                    self.expr(u, Ty::OptText, d)?;
                    self.push(" ?? ");
                    self.expr(u, Ty::Text, d)
                }
                _ => self.literal(u, Ty::Text),
            },
            Ty::Date => {
                self.push("add_days(");
                self.expr(u, Ty::Date, d)?;
                self.push(", ");
                self.expr(u, Ty::Int, d)?;
                self.push(")");
                Ok(())
            }
            Ty::Enum => {
                self.push("match ");
                self.expr(u, Ty::Int, d)?;
                self.push(" { 1 => b, 2 => c, _ => a }");
                Ok(())
            }
            Ty::ListInt => {
                self.push("[");
                self.expr(u, Ty::Int, d)?;
                self.push(", ");
                self.expr(u, Ty::Int, d)?;
                self.push("]");
                Ok(())
            }
            _ => self.literal(u, ty),
        }
    }

    fn numeric(&mut self, u: &mut Unstructured<'_>, ty: Ty, d: usize) -> Result<()> {
        match u.int_in_range(0..=13)? {
            0..=3 => {
                let op = if ty == Ty::Int {
                    *u.choose(&["+", "-", "*"])?
                } else {
                    *u.choose(&["+", "-", "*", "/"])?
                };
                self.expr(u, ty, d)?;
                self.push(&format!(" {op} "));
                self.expr(u, ty, d)
            }
            4 => {
                self.push("-");
                self.expr(u, ty, d)
            }
            5 => {
                let f = *u.choose(&["min", "max"])?;
                self.push(&format!("{f}("));
                self.expr(u, ty, d)?;
                self.push(", ");
                self.expr(u, ty, d)?;
                self.push(")");
                Ok(())
            }
            6 if ty == Ty::Int => {
                let f = *u.choose(&["len", "sum", "count"])?;
                self.wrapped(u, &format!("{f}("), Ty::ListInt, ")", d)
            }
            7 if ty == Ty::Int => {
                self.push("sum(x * 2 for x in ");
                self.expr(u, Ty::ListInt, d)?;
                self.push(" if x > ");
                self.literal(u, Ty::Int)?;
                self.push(")");
                Ok(())
            }
            8 if ty == Ty::Int => {
                self.push("days_between(");
                self.expr(u, Ty::Date, d)?;
                self.push(", ");
                self.expr(u, Ty::Date, d)?;
                self.push(")");
                Ok(())
            }
            8 if ty == Ty::Decimal => {
                let f = *u.choose(&["round", "floor", "ceil", "abs"])?;
                self.push(&format!("{f}("));
                self.expr(u, Ty::Decimal, d)?;
                if f == "round" && u.ratio(1, 2)? {
                    self.push(", ");
                    self.literal(u, Ty::Int)?;
                }
                self.push(")");
                Ok(())
            }
            9 if ty == Ty::Decimal && !self.tables.is_empty() => {
                let table = u.choose(&self.tables)?.clone();
                self.wrapped(u, &format!("{table}["), Ty::Enum, "]", d)
            }
            10 if ty == Ty::Decimal && !self.bands.is_empty() => {
                let bands = u.choose(&self.bands)?.clone();
                self.wrapped(u, &format!("{bands}["), Ty::Decimal, "]", d)
            }
            11 if ty == Ty::Int && !self.functions.is_empty() => {
                let function = u.choose(&self.functions)?.clone();
                self.wrapped(u, &format!("{function}("), Ty::Int, ")", d)
            }
            12 if ty == Ty::Int => {
                self.expr(u, Ty::OptInt, d)?;
                self.push(" ?? ");
                self.expr(u, Ty::Int, d)
            }
            13 if ty == Ty::Decimal => {
                self.push("clamp(");
                self.expr(u, ty, d)?;
                self.push(", 0, ");
                self.literal(u, ty)?;
                self.push(")");
                Ok(())
            }
            _ => {
                let names = self.names_of(ty);
                if names.is_empty() {
                    self.literal(u, ty)
                } else {
                    let name = u.choose(&names)?.clone();
                    self.push(&name);
                    Ok(())
                }
            }
        }
    }

    fn boolean(&mut self, u: &mut Unstructured<'_>, d: usize) -> Result<()> {
        match u.int_in_range(0..=9)? {
            0 | 1 => {
                let ty = *u.choose(&[Ty::Int, Ty::Decimal, Ty::Percent, Ty::Date])?;
                let op = *u.choose(&["==", "!=", "<", "<=", ">", ">="])?;
                self.expr(u, ty, d)?;
                self.push(&format!(" {op} "));
                self.expr(u, ty, d)
            }
            2 | 3 => {
                let op = *u.choose(&["and", "or", "implies"])?;
                self.expr(u, Ty::Bool, d)?;
                self.push(&format!(" {op} "));
                self.expr(u, Ty::Bool, d)
            }
            4 => {
                self.push("not ");
                self.expr(u, Ty::Bool, d)
            }
            5 => {
                self.expr(u, Ty::Enum, d)?;
                let op = *u.choose(&[" == ", " != "])?;
                self.push(op);
                self.literal(u, Ty::Enum)
            }
            6 => {
                self.expr(u, Ty::Int, d)?;
                let lo = u.int_in_range(-3..=10)?;
                let hi = lo + u.int_in_range(0..=20)?;
                self.push(&format!(" in {lo}..{hi}"));
                Ok(())
            }
            7 => {
                self.expr(u, Ty::SetE, d)?;
                self.push(" contains ");
                self.literal(u, Ty::Enum)
            }
            8 => {
                let q = *u.choose(&["any", "all"])?;
                self.push(&format!("{q}(y in "));
                self.expr(u, Ty::ListInt, d)?;
                self.push(": y > ");
                self.expr(u, Ty::Int, d)?;
                self.push(")");
                Ok(())
            }
            _ => {
                let f = *u.choose(&["is_some(", "starts_with("])?;
                self.push(f);
                if f == "is_some(" {
                    self.expr(u, Ty::OptInt, d)?;
                } else {
                    self.expr(u, Ty::Text, d)?;
                    self.push(", \"D\"");
                }
                self.push(")");
                Ok(())
            }
        }
    }
}
