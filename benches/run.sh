#!/usr/bin/env bash
# Runs the whole criterion suite (compile, evaluate, decision_scaling, configure, zen),
# measures the CLI's peak memory and the compiled artifacts' sizes, and prints a Markdown
# summary (the figures, their confidence intervals, the scaling curves, the ratios to
# zen-engine and to the hand-written conveyors quote, and the targets met or missed) to paste
# into benches/RESULTS.md.
#
#   bash benches/run.sh                 # everything (about 10 minutes on 2 cores)
#   bash benches/run.sh zen configure   # some benchmarks only
#
# Uses $CARGO_TARGET_DIR (default: target). The summary is also written to
# $CARGO_TARGET_DIR/criterion/summary.md.
set -euo pipefail
cd "$(dirname "$0")/.."

TARGET="${CARGO_TARGET_DIR:-target}"
export CARGO_TARGET_DIR="$TARGET"
export CRITERION_HOME="$TARGET/criterion"
BENCHES=("$@")
if [ ${#BENCHES[@]} -eq 0 ]; then
  BENCHES=(compile evaluate decision_scaling configure zen)
fi
LOG="$TARGET/bench-logs"
mkdir -p "$LOG" "$CRITERION_HOME"

echo "== building (release CLI and benchmarks)" >&2
cargo build --release -p ordo --bin ordo >&2
cargo bench -p ordo --no-run >&2

START=$(date +%s)
UPTIME_BEFORE=$(uptime)
for bench in "${BENCHES[@]}"; do
  echo "== cargo bench --bench $bench" >&2
  cargo bench -p ordo --bench "$bench" 2>&1 | tee "$LOG/$bench.txt" >&2
done
ELAPSED=$(( $(date +%s) - START ))

# Peak memory of the CLI evaluating an example.
if ! [ -x /usr/bin/time ]; then
  if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    apt-get install -y time >/dev/null 2>&1 || true
  fi
fi
RSS=""
if [ -x /usr/bin/time ]; then
  /usr/bin/time -v "$TARGET/release/ordo" eval examples/bikes/bikes.ordo \
    --input examples/bikes/quote.json >/dev/null 2>"$LOG/time.txt" || true
  RSS=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$LOG/time.txt")
fi

python3 benches/summarize.py \
  --criterion "$CRITERION_HOME" \
  --logs "$LOG" \
  --rss-kb "${RSS:-}" \
  --elapsed "$ELAPSED" \
  --since "$START" \
  --load-before "$UPTIME_BEFORE" \
  --load-after "$(uptime)" \
  --benches "${BENCHES[@]}" | tee "$CRITERION_HOME/summary.md"
