//! `native CONTRACTS INPUT N`: the hand-written quote evaluated N times in each of 7 rounds;
//! prints the best round's time per quote.

use conveyors_by_hand::conveyors;

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [csv, input, n] = args.as_slice() else {
        return Err("usage: native CONTRACTS INPUT N".into());
    };
    let read = |path: &str| std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"));
    let contracts = conveyors::Contracts::parse(&read(csv)?)?;
    let text = read(input)?;
    let n: u32 = n.parse().map_err(|e| format!("N: {e}"))?;
    let as_of = "2026-08-03".parse().map_err(|_| "a date")?;
    let mut best = f64::MAX;
    for _ in 0..7 {
        let start = std::time::Instant::now();
        for _ in 0..n {
            std::hint::black_box(conveyors::evaluate(
                std::hint::black_box(&text),
                as_of,
                &contracts,
            )?);
        }
        best = best.min(start.elapsed().as_secs_f64() / f64::from(n));
    }
    println!("by hand, native: {:.2} µs", best * 1e6);
    Ok(())
}
