//! A fixed amount of artifact work for instruction counts (`valgrind --tool=callgrind`), which
//! do not depend on the machine's load the way wall-clock timings do:
//!
//! - `artifactload --write RULESET ARTIFACT`: compiles RULESET (data files read beside it) and
//!   writes its compiled artifact to ARTIFACT.
//! - `artifactload ARTIFACT N`: loads ARTIFACT N times (`Ruleset::from_artifact`); run it with
//!   two values of N and divide the difference of the counts by the difference of the Ns for
//!   the cost of one load. The fastest and the median load times are printed too (indicative
//!   only on a loaded machine; dropping the loaded ruleset is not part of them).

use std::error::Error;
use std::path::Path;
use std::time::Instant;

use ordo_engine::{DataFiles, Ruleset};

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [flag, ruleset, artifact] if flag == "--write" => {
            let source = std::fs::read_to_string(ruleset)?;
            let files =
                DataFiles::read_beside(Path::new(ruleset), Ruleset::data_files_of(&source))?;
            let compiled = Ruleset::compile_with_files(&source, &files)
                .map_err(|d| d.render(ruleset, &source))?;
            std::fs::write(artifact, compiled.to_artifact()?)?;
        }
        [artifact, n] => {
            let bytes = std::fs::read(artifact)?;
            let mut times = Vec::new();
            for _ in 0..n.parse::<usize>()? {
                let start = Instant::now();
                let ruleset = Ruleset::from_artifact(std::hint::black_box(&bytes))?;
                times.push(start.elapsed());
                std::hint::black_box(ruleset.hash());
            }
            times.sort();
            if let (Some(fastest), Some(median)) = (times.first(), times.get(times.len() / 2)) {
                eprintln!("loads in {fastest:.1?} at best, {median:.1?} at the median");
            }
        }
        _ => {
            return Err(
                "usage: artifactload --write RULESET ARTIFACT | artifactload ARTIFACT N".into(),
            );
        }
    }
    Ok(())
}
