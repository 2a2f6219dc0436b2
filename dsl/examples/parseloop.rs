//! A fixed amount of parsing for instruction counts (`valgrind --tool=callgrind`), without
//! building the engine (benches/RESULTS.md, "Parsing"):
//!
//! - `parseloop FILE N`: parses FILE N times with `ordo_dsl::parse` (as `evalloop --parse`);
//! - `parseloop --full FILE N`: the same through `grammar/ordo.pest` alone, without the fast
//!   grammar.
//!
//! Run it with two values of N and divide the difference of the counts by the difference of
//! the Ns for the cost of one parse.

use std::error::Error;

use ordo_dsl::parse_paths::parse_full;

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (parse, file, n): (fn(&str) -> bool, _, _) = match args.as_slice() {
        [flag, file, n] if flag == "--full" => (|s| parse_full(s).is_ok(), file, n),
        [file, n] => (|s| ordo_dsl::parse(s).is_ok(), file, n),
        _ => return Err("usage: parseloop [--full] FILE N".into()),
    };
    let source = std::fs::read_to_string(file)?;
    for _ in 0..n.parse::<usize>()? {
        std::hint::black_box(parse(std::hint::black_box(&source)));
    }
    Ok(())
}
