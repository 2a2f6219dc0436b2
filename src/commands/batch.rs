//! `ordo eval FILE --batch inputs.jsonl`: one JSON input per line in, one result (or one error
//! with its line number) per line out, in the inputs' order, on every core, in bounded memory.
//!
//! A reader thread cuts the input into chunks of lines; workers evaluate chunks; the writer
//! prints them in order. The channels are bounded, so at most a few chunks per worker are in
//! memory whatever the file's size.

use std::collections::BTreeMap;
use std::io::{BufRead, BufWriter, Write};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

use ordo_engine::{EvalError, EvalOptions, Ruleset, parse_json, text::parse_date};
use serde_json::{Value as Json, json};

/// Lines per chunk: enough to make a chunk's hand-over cheap beside its evaluation.
const CHUNK_LINES: usize = 256;

/// How a batch runs.
pub struct Batch<'a> {
    pub ruleset: &'a Ruleset,
    pub options: EvalOptions,
    /// The input field whose date is each line's `as_of` (`quoted_on`); an absent or `null`
    /// field takes `options.as_of`.
    pub as_of_field: Option<&'a str>,
    pub jobs: usize,
}

/// What a batch did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub results: usize,
    pub errors: usize,
}

/// A chunk of lines: its number in the file, and each line with its number.
type Chunk = (usize, Vec<(usize, String)>);

impl Batch<'_> {
    /// Evaluates every line of `input`, writing one line per input line to `out`. An input that
    /// cannot be read stops the batch with an error (what was written stays in order).
    pub fn run(
        &self,
        input: impl BufRead + Send,
        out: &mut impl Write,
    ) -> std::io::Result<Summary> {
        let jobs = self.jobs.max(1);
        let (chunk_tx, chunk_rx) = sync_channel::<Chunk>(jobs * 2);
        let (done_tx, done_rx) = sync_channel::<(usize, Vec<(String, bool)>)>(jobs * 2);
        let chunk_rx = Arc::new(Mutex::new(chunk_rx));
        std::thread::scope(|scope| {
            let reader = scope.spawn(move || read_chunks(input, &chunk_tx));
            for _ in 0..jobs {
                let (chunk_rx, done_tx) = (Arc::clone(&chunk_rx), done_tx.clone());
                scope.spawn(move || self.work(&chunk_rx, &done_tx));
            }
            // Only the workers hold the chunks' receiver and the results' sender now: when
            // they stop, the reader's sends fail and the writer's loop ends.
            drop(chunk_rx);
            drop(done_tx);
            let written = write_in_order(&done_rx, out);
            // Let the reader and the workers finish even when writing failed (their channels
            // close once `done_rx` and `chunk_rx` are dropped).
            drop(done_rx);
            let read = reader.join().unwrap_or_else(|_| {
                Err(std::io::Error::other(
                    "the input reader stopped unexpectedly",
                ))
            });
            let summary = written?;
            read?;
            Ok(summary)
        })
    }

    /// Takes chunks until there are none, evaluating each line.
    fn work(
        &self,
        chunks: &Mutex<Receiver<Chunk>>,
        done: &SyncSender<(usize, Vec<(String, bool)>)>,
    ) {
        loop {
            let next = match chunks.lock() {
                Ok(rx) => rx.recv(),
                Err(_) => return,
            };
            let Ok((index, lines)) = next else {
                return;
            };
            let results = lines
                .iter()
                .map(|(number, line)| self.line(*number, line))
                .collect();
            if done.send((index, results)).is_err() {
                return;
            }
        }
    }

    /// One line's output: the result's compact JSON, or `{"line", "error"}`; and whether it is
    /// a result.
    fn line(&self, number: usize, line: &str) -> (String, bool) {
        match self.evaluate(line) {
            Ok(text) => (text, true),
            Err(error) => (
                ordo_engine::to_json_string(&json!({"line": number, "error": error.to_json()})),
                false,
            ),
        }
    }

    fn evaluate(&self, line: &str) -> Result<String, EvalError> {
        let Some(field) = self.as_of_field else {
            return self.ruleset.evaluate_str(line, &self.options);
        };
        let input = parse_json(line)?;
        let mut options = self.options.clone();
        match input.get(field) {
            None | Some(Json::Null) => {}
            Some(Json::String(date)) => options.as_of = Some(parse_date(date)?),
            Some(_) => {
                return Err(EvalError::at_path(
                    ordo_engine::ErrorKind::InvalidInput,
                    field.to_string(),
                    format!(
                        "`{field}` gives the evaluation date: it must be a date \"YYYY-MM-DD\""
                    ),
                ));
            }
        }
        Ok(ordo_engine::to_json_string(
            &self.ruleset.evaluate(&input, &options)?,
        ))
    }
}

/// Reads lines into chunks; blank lines are skipped (but counted).
fn read_chunks(input: impl BufRead, chunks: &SyncSender<Chunk>) -> std::io::Result<()> {
    let mut lines = Vec::with_capacity(CHUNK_LINES);
    let mut index = 0;
    for (i, line) in input.lines().enumerate() {
        let line = line.map_err(|e| {
            std::io::Error::new(e.kind(), format!("cannot read input line {}: {e}", i + 1))
        })?;
        if !line.trim().is_empty() {
            lines.push((i + 1, line));
        }
        if lines.len() == CHUNK_LINES {
            if chunks.send((index, std::mem::take(&mut lines))).is_err() {
                return Ok(());
            }
            index += 1;
        }
    }
    if !lines.is_empty() {
        let _ = chunks.send((index, lines));
    }
    Ok(())
}

/// Writes chunks in their order as they come back (holding the ones that come early).
fn write_in_order(
    done: &Receiver<(usize, Vec<(String, bool)>)>,
    out: &mut impl Write,
) -> std::io::Result<Summary> {
    let mut out = BufWriter::new(out);
    let mut waiting: BTreeMap<usize, Vec<(String, bool)>> = BTreeMap::new();
    let mut next = 0;
    let mut summary = Summary::default();
    for (index, results) in done {
        waiting.insert(index, results);
        while let Some(results) = waiting.remove(&next) {
            for (text, ok) in results {
                writeln!(out, "{text}")?;
                if ok {
                    summary.results += 1;
                } else {
                    summary.errors += 1;
                }
            }
            next += 1;
        }
    }
    out.flush()?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    const SOURCE: &str = "ruleset t version \"1.0.0\"\neffective 2026-01-01\ninput { n: Int  on: Date? = none }\ntable p: Int -> Decimal { _ => 1.50 }\ntable p: Int -> Decimal effective 2026-06-01 { _ => 2.50 }\noutput double = n * 2\noutput price = p[n]\n";

    fn run(lines: &str, jobs: usize, as_of_field: Option<&str>) -> (Vec<Json>, Summary) {
        let ruleset = Ruleset::compile(SOURCE).unwrap();
        let batch = Batch {
            ruleset: &ruleset,
            options: EvalOptions::default(),
            as_of_field,
            jobs,
        };
        let mut out = Vec::new();
        let summary = batch.run(lines.as_bytes(), &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        (
            text.lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
            summary,
        )
    }

    #[test]
    fn keeps_the_order_and_puts_errors_in_place() {
        let mut lines = String::new();
        for n in 0..2000 {
            if n == 777 {
                lines.push_str("{\"n\": \"seven\"}\n");
            } else {
                lines.push_str(&format!("{{\"n\": {n}}}\n"));
            }
        }
        let (results, summary) = run(&lines, 4, None);
        assert_eq!(
            summary,
            Summary {
                results: 1999,
                errors: 1
            }
        );
        assert_eq!(results.len(), 2000);
        for (n, result) in results.iter().enumerate() {
            if n == 777 {
                assert_eq!(result["line"], 778);
                assert_eq!(result["error"]["kind"], "invalid_input");
            } else {
                assert_eq!(result["outputs"]["double"], (n * 2).to_string());
            }
        }
    }

    #[test]
    fn one_job_gives_the_same_bytes_as_many() {
        let lines: String = (0..600).map(|n| format!("{{\"n\": {n}}}\n")).collect();
        assert_eq!(run(&lines, 1, None).0, run(&lines, 3, None).0);
    }

    #[test]
    fn a_field_gives_each_line_its_date() {
        let lines = "{\"n\": 1, \"on\": \"2026-07-01\"}\n\n{\"n\": 1}\n{\"n\": 1, \"on\": 5}\n";
        let (results, summary) = run(lines, 2, Some("on"));
        assert_eq!(
            summary,
            Summary {
                results: 2,
                errors: 1
            }
        );
        assert_eq!(results[0]["outputs"]["price"], "2.50");
        assert_eq!(results[1]["outputs"]["price"], "1.50");
        assert_eq!(results[2]["line"], 4);
    }
}
