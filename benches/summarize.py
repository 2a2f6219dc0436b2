"""Summarises a criterion run of ordo's benchmark suite as Markdown (called by benches/run.sh).

Reads every `<group>/<bench>/new/{benchmark,estimates}.json` under the criterion directory that
was written during this run, and the benchmarks' logs (artifact sizes), then prints the figures
(median with criterion's 95% confidence interval), the decision-table scaling curve, the ratios
to zen-engine and the targets, each marked met or missed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path


def fmt(ns: float) -> str:
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def load(criterion: Path, since: float) -> dict[str, dict]:
    """`group/function` -> {median, lo, hi} in nanoseconds."""
    out: dict[str, dict] = {}
    for bench_file in criterion.glob("**/new/benchmark.json"):
        if bench_file.stat().st_mtime < since:
            continue
        estimates_file = bench_file.with_name("estimates.json")
        if not estimates_file.exists():
            continue
        bench = json.loads(bench_file.read_text())
        est = json.loads(estimates_file.read_text())
        median = est["median"]
        out[bench["full_id"]] = {
            "median": median["point_estimate"],
            "lo": median["confidence_interval"]["lower_bound"],
            "hi": median["confidence_interval"]["upper_bound"],
        }
    return out


def figure(data: dict, key: str) -> str:
    e = data.get(key)
    if e is None:
        return "—"
    return f"{fmt(e['median'])} [{fmt(e['lo'])} … {fmt(e['hi'])}]"


def median(data: dict, key: str) -> float | None:
    e = data.get(key)
    return None if e is None else e["median"]


def machine() -> list[str]:
    model = ""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        m = re.search(r"Model name:\s*(.+)", lscpu)
        model = m.group(1).strip() if m else ""
    except OSError:
        pass
    return [
        f"- date: {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- `nproc`: {os.cpu_count()}; `lscpu` model: {model or 'unknown'}; {platform.machine()}",
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--criterion", required=True)
    ap.add_argument("--logs", required=True)
    ap.add_argument("--rss-kb", default="")
    ap.add_argument("--elapsed", default="")
    ap.add_argument("--since", type=float, default=0)
    ap.add_argument("--load-before", default="")
    ap.add_argument("--load-after", default="")
    ap.add_argument("--benches", nargs="*", default=[])
    args = ap.parse_args()

    data = load(Path(args.criterion), args.since)
    logs = Path(args.logs)
    lines: list[str] = ["### Machine and load", ""]
    lines += machine()
    lines.append(f"- load before: `{args.load_before.strip()}`")
    lines.append(f"- load after: `{args.load_after.strip()}`")
    if args.elapsed:
        lines.append(f"- suite wall time: {int(args.elapsed) // 60} min {int(args.elapsed) % 60} s")
    lines.append("")
    lines.append("Figures: criterion's median with its 95% confidence interval.")
    lines.append("")

    # Every figure, grouped.
    groups: dict[str, list[str]] = {}
    for key in sorted(data):
        group, _, _ = key.partition("/")
        groups.setdefault(group, []).append(key)
    lines += ["### All figures", "", "| benchmark | median [95% CI] |", "|---|---|"]
    for group in groups:
        for key in groups[group]:
            lines.append(f"| `{key}` | {figure(data, key)} |")
    lines.append("")

    # Scaling curves.
    sizes = [100, 1000, 10000, 100000]
    if any(f"decision_unique/{n}" in data for n in sizes):
        lines += [
            "### Decision-table scaling (evaluation only)",
            "",
            "| rows | hit unique | × 100 rows | hit first | × 100 rows |",
            "|---:|---|---:|---|---:|",
        ]
        for n in sizes:
            row = [f"{n:,}"]
            for hit in ["unique", "first"]:
                key = f"decision_{hit}/{n}"
                base = median(data, f"decision_{hit}/100")
                m = median(data, key)
                row.append(figure(data, key))
                row.append(f"{m / base:.2f}" if m and base else "—")
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")

    # zen comparison.
    targets: list[tuple[str, str, bool | None]] = []
    pairs = [
        # The ratios performance work must keep (evaluation is not to slow down as the
        # language grows).
        ("table100_evaluate", "100-row table, evaluation only", 15),
        ("table100_json_to_json", "100-row table, JSON text → JSON text", 10),
        ("pricing_evaluate", "pricing, evaluation only", None),
        ("pricing_json_to_json", "pricing, JSON text → JSON text", 7),
    ]
    if any(f"{p}/ordo" in data for p, _, _ in pairs):
        lines += [
            "### ordo and zen-engine",
            "",
            "| workload | ordo | zen-engine | zen ÷ ordo |",
            "|---|---|---|---:|",
        ]
        for prefix, label, target in pairs:
            o, z = median(data, f"{prefix}/ordo"), median(data, f"{prefix}/zen")
            ratio = z / o if o and z else None
            lines.append(
                f"| {label} | {figure(data, f'{prefix}/ordo')} | "
                f"{figure(data, f'{prefix}/zen')} | {f'{ratio:.1f}×' if ratio else '—'} |"
            )
            if target is not None:
                targets.append(
                    (
                        f"ordo ≥ {target}× zen-engine: {label}",
                        f"{ratio:.1f}×" if ratio else "not measured",
                        None if ratio is None else ratio >= target,
                    )
                )
        lines.append("")

    # The conveyors quote by the engine and written by hand (benches/evaluate.rs).
    if any(k.startswith("conveyors_quote/by_hand_") for k in data):
        lines += [
            "### The conveyors quote by the engine and by hand",
            "",
            "| positions | engine | by hand | engine ÷ by hand |",
            "|---:|---|---|---:|",
        ]
        for n in ["10", "200"]:
            engine = f"conveyors_quote/positions_{n}"
            by_hand = f"conveyors_quote/by_hand_positions_{n}"
            e, h = median(data, engine), median(data, by_hand)
            lines.append(
                f"| {n} | {figure(data, engine)} | {figure(data, by_hand)} | "
                f"{f'{e / h:.2f}×' if e and h else '—'} |"
            )
        lines.append("")

    # Targets.
    u100, u10k = median(data, "decision_unique/100"), median(data, "decision_unique/10000")
    f100, f10k = median(data, "decision_first/100"), median(data, "decision_first/10000")
    for label, a, b in [("unique", u100, u10k), ("first", f100, f10k)]:
        ok = None if not (a and b) else b <= 2 * a
        targets.append(
            (
                f"10k rows within 2× of 100 rows (hit {label})",
                f"{b / a:.2f}×" if a and b else "not measured",
                ok,
            )
        )
    q = median(data, "bikes_quote/evaluate_str")
    targets.append(
        (
            "bikes quote JSON → JSON under 5 µs (median)",
            fmt(q) if q else "not measured",
            None if q is None else q < 5_000,
        )
    )
    cq = median(data, "conveyors_quote/positions_10")
    targets.append(
        (
            "conveyors quote, 10 positions, JSON → JSON under 15 µs (median)",
            fmt(cq) if cq else "not measured",
            None if cq is None else cq < 15_000,
        )
    )
    cfg = median(data, "configure/fields30_constraints200")
    targets.append(
        (
            "configure, 30 fields × 8 values, 200 constraints, under 5 ms (median)",
            fmt(cfg) if cfg else "not measured",
            None if cfg is None else cfg < 5_000_000,
        )
    )
    lines += ["### Targets", "", "| target | measured | |", "|---|---|---|"]
    for label, value, ok in targets:
        mark = "—" if ok is None else ("met" if ok else "**missed**")
        lines.append(f"| {label} | {value} | {mark} |")
    lines.append("")

    # Batch on two threads.
    one, two = median(data, "batch_1000/1_thread"), median(data, "batch_1000/2_threads")
    if one and two:
        lines += [
            "### Batch of 1000 bikes quotes",
            "",
            f"- 1 thread: {figure(data, 'batch_1000/1_thread')} "
            f"({1000 / (one / 1e9):,.0f} evaluations/s)",
            f"- 2 threads: {figure(data, 'batch_1000/2_threads')} "
            f"({1000 / (two / 1e9):,.0f} evaluations/s); speed-up {one / two:.2f}×",
            "",
        ]

    # Memory and artifacts.
    lines += ["### Memory and artifacts", ""]
    if args.rss_kb:
        lines.append(
            "- peak RSS of `ordo eval examples/bikes/bikes.ordo --input "
            f"examples/bikes/quote.json`: {int(args.rss_kb):,} KiB"
        )
    compile_log = logs / "compile.txt"
    if compile_log.exists():
        for m in re.finditer(
            r"artifact (\w+): (\d+) bytes \(source (\d+) bytes\)", compile_log.read_text()
        ):
            lines.append(
                f"- compiled artifact `{m.group(1)}`: {int(m.group(2)):,} bytes "
                f"(source {int(m.group(3)):,} bytes)"
            )
    configure_log = logs / "configure.txt"
    if configure_log.exists():
        for m in re.finditer(r"configure generated: (.+)", configure_log.read_text()):
            lines.append(f"- {m.group(1)}")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
