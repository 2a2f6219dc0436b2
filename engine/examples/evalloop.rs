//! A fixed amount of work for instruction counts (`valgrind --tool=callgrind`), which do not
//! depend on the machine's load the way criterion's timings do (benches/RESULTS.md):
//!
//! - `evalloop RULESET INPUT AS_OF N`: compiles RULESET, then evaluates INPUT (JSON text to
//!   JSON text, as the `conveyors_quote` bench) N times; run it with two values of N and divide
//!   the difference of the counts by the difference of the Ns for the cost of one evaluation.
//!   With `PRINT=1` in the environment the last result is printed (to compare results before
//!   and after a change); with `EVAL_ONLY=1` the input is read once and only evaluated N times
//!   (`Ruleset::run`, as the `zen` bench's evaluation-only figures).
//! - `evalloop --parse FILE N`: parses FILE N times (`ordo_dsl::parse`).

use std::error::Error;
use std::path::Path;

use ordo_engine::{DataFiles, EvalOptions, Ruleset, text::parse_date};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, file, n] if flag == "--parse" => {
            let source = std::fs::read_to_string(file)?;
            for _ in 0..n.parse::<usize>()? {
                std::hint::black_box(ordo_dsl::parse(std::hint::black_box(&source)).is_ok());
            }
        }
        [ruleset, input, as_of, n] => {
            let source = std::fs::read_to_string(ruleset)?;
            // Data files (`table ... from "FILE"`) are read beside the ruleset, as the CLI does.
            let files =
                DataFiles::read_beside(Path::new(ruleset), Ruleset::data_files_of(&source))?;
            let ruleset = Ruleset::compile_with_files(&source, &files)
                .map_err(|d| d.render(ruleset, &source))?;
            let text = std::fs::read_to_string(input)?;
            let options = EvalOptions {
                as_of: Some(parse_date(as_of).map_err(|e| e.message.clone())?),
                ..EvalOptions::default()
            };
            let mut result = String::new();
            if std::env::var_os("EVAL_ONLY").is_some() {
                let input = ruleset
                    .read_input_str(&text)
                    .map_err(|e| e.message.clone())?;
                for _ in 0..n.parse::<usize>()? {
                    let evaluation = ruleset
                        .run(std::hint::black_box(&input), &options)
                        .map_err(|e| e.message.clone())?;
                    std::hint::black_box(evaluation.valid());
                }
                return Ok(());
            }
            for _ in 0..n.parse::<usize>()? {
                result = ruleset
                    .evaluate_str(std::hint::black_box(&text), &options)
                    .map_err(|e| e.message.clone())?;
            }
            if std::env::var_os("PRINT").is_some() {
                println!("{result}");
            }
        }
        _ => return Err("usage: evalloop RULESET INPUT AS_OF N | evalloop --parse FILE N".into()),
    }
    Ok(())
}
