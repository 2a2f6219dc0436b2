"""Frames and Arrow tables against the per-row bridge: 10,000 bikes and 10,000 conveyors quotes
priced by a loop of `Ruleset.evaluate` (dicts in, dicts out), a loop of `evaluate_json` (JSON
text in and out), `evaluate_frame` on pandas and polars frames and `evaluate_arrow` on a pyarrow
table. Each way runs `--repeat` times in turns; the minimum and the median wall time are given,
with the CPU time of the process and of the calling thread (the serial share).

Run with a release wheel installed (`ORDO_PY_PROFILE=release scripts/test-python` builds and
installs one into target/py-venv):

    target/py-venv/bin/python benches/python_frames_bench.py [--rows 10000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Dict, List

import pandas
import polars
import pyarrow

import ordo

ROOT = Path(__file__).resolve().parents[1]

FRAMES = ["city", "trekking", "gravel", "cargo"]
SIZES = ["m", "l"]
GROUPSETS = ["basic", "sport", "pro", "electric"]
ACCESSORIES = [[], ["lights"], ["rack", "lights"], ["fenders", "lock", "lights"]]
DEALERS = ["direct", "registered", "premium"]
COUNTRIES = ["DE", "AT", "NL", "FR", "CH", "US"]


def bikes_inputs(count: int) -> List[Dict[str, Any]]:
    """Varied, valid bike orders (as benches/python_bench.py)."""
    inputs = []
    for i in range(count):
        frame = FRAMES[i % 4]
        groupset = GROUPSETS[(i // 4) % 4]
        if frame == "gravel" and groupset == "electric":
            groupset = "pro"
        quantity = 1 + (i * 7) % 40
        inputs.append(
            {
                "frame": frame,
                "size": SIZES[i % 2],
                "groupset": groupset,
                "accessories": ACCESSORIES[i % 4] if frame != "gravel" else [],
                "quantity": quantity,
                "dealer": DEALERS[i % 3],
                "ship_to": {"country": COUNTRIES[i % 6], "express": i % 5 == 0},
                "fleet_discount": Decimal("0.05") if quantity >= 10 and i % 2 else Decimal("0"),
            }
        )
    return inputs


def bikes_frame(inputs: List[Dict[str, Any]]) -> pandas.DataFrame:
    """The orders as a CSV gives them: dotted columns, `;`-separated accessories, float
    discounts."""
    return pandas.DataFrame(
        {
            "frame": [i["frame"] for i in inputs],
            "size": [i["size"] for i in inputs],
            "groupset": [i["groupset"] for i in inputs],
            "accessories": [";".join(i["accessories"]) for i in inputs],
            "quantity": [i["quantity"] for i in inputs],
            "dealer": [i["dealer"] for i in inputs],
            "ship_to.country": [i["ship_to"]["country"] for i in inputs],
            "ship_to.express": [i["ship_to"]["express"] for i in inputs],
            "fleet_discount": [float(i["fleet_discount"]) for i in inputs],
        }
    )


def conveyors_inputs(count: int) -> List[Dict[str, Any]]:
    """Quotes of 1 to 10 positions each, from the example quote, every key present in every
    position (as a table of records holds them)."""
    quote = json.loads((ROOT / "examples" / "conveyors" / "quote.json").read_text())
    keys = sorted({k for p in quote["positions"] for k in p})
    positions = [{k: p.get(k) for k in keys} for p in quote["positions"]]
    out = []
    for i in range(count):
        out.append(
            {
                "customer": quote["customer"],
                "site": {"country": ("DE", "AT", "NL")[i % 3]},
                "quoted_on": ("2026-06-22", "2026-07-15")[i % 2],
                "positions": positions[: 1 + i % len(positions)],
                "installation": i % 4 != 0,
            }
        )
    return out


def timed(repeat: int, runs: Dict[str, Callable[[], Any]]) -> Dict[str, List[Dict[str, float]]]:
    """Every run `repeat` times, in turns, so that the machine's load falls on all alike."""
    took: Dict[str, List[Dict[str, float]]] = {name: [] for name in runs}
    for _ in range(repeat):
        for name, run in runs.items():
            wall, cpu, thread = time.perf_counter(), time.process_time(), time.thread_time()
            run()
            took[name].append(
                {
                    "wall": time.perf_counter() - wall,
                    "cpu": time.process_time() - cpu,
                    "thread": time.thread_time() - thread,
                }
            )
    return took


def report(title: str, rows: int, took: Dict[str, List[Dict[str, float]]]) -> None:
    base = statistics.median(t["wall"] for t in took["evaluate (loop)"])
    base_min = min(t["wall"] for t in took["evaluate (loop)"])
    print(f"\n{title}, {rows} rows")
    print(f"{'':24s} {'min':>9s} {'median':>9s} {'rows/s (median)':>16s} {'CPU/row':>9s} "
          f"{'thread/row':>10s} {'× loop (median)':>16s} {'× loop (min)':>13s}")
    for name, runs in took.items():
        walls = [t["wall"] for t in runs]
        best, median = min(walls), statistics.median(walls)
        cpu = statistics.median(t["cpu"] for t in runs) * 1e6 / rows
        thread = statistics.median(t["thread"] for t in runs) * 1e6 / rows
        print(f"{name:24s} {best * 1e3:7.1f}ms {median * 1e3:7.1f}ms {rows / median:16,.0f} "
              f"{cpu:7.1f}µs {thread:8.1f}µs {base / median:15.2f}× {base_min / best:12.2f}×")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    n = args.rows
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, ordo {ordo.__version__}, "
          f"pyarrow {pyarrow.__version__}, pandas {pandas.__version__}, polars {polars.__version__}, "
          f"load average {os.getloadavg()[0]:.2f}")

    bikes = ordo.load(ROOT / "examples" / "bikes" / "bikes.ordo")
    inputs = bikes_inputs(n)
    texts = [json.dumps(i, default=str) for i in inputs]
    frame = bikes_frame(inputs)
    table = pyarrow.Table.from_pandas(frame, preserve_index=False)
    polars_frame = polars.from_arrow(table)
    # The same totals every way.
    totals = [r["quotes"]["quote"]["total"] for r in (bikes.evaluate(i) for i in inputs[:500])]
    assert list(bikes.evaluate_frame(frame, separator=";")["quote.total"][:500]) == totals
    assert bikes.evaluate_arrow(table, separator=";").column("quote.total").to_pylist()[:500] == totals
    evaluate, evaluate_json = bikes.evaluate, bikes.evaluate_json
    took = timed(args.repeat, {
        "evaluate (loop)": lambda: [evaluate(i) for i in inputs],
        "evaluate_json (loop)": lambda: [evaluate_json(t) for t in texts],
        "evaluate_frame (pandas)": lambda: bikes.evaluate_frame(frame, separator=";"),
        "evaluate_frame (polars)": lambda: bikes.evaluate_frame(polars_frame, separator=";"),
        "evaluate_arrow": lambda: bikes.evaluate_arrow(table, separator=";"),
    })
    report("bikes quotes", n, took)

    conveyors = ordo.load(ROOT / "examples" / "conveyors" / "conveyors.ordo")
    inputs = conveyors_inputs(n)
    texts = [json.dumps(i) for i in inputs]
    table = pyarrow.Table.from_pylist(inputs)
    frame = table.to_pandas()
    polars_frame = polars.from_arrow(table)
    totals = [r["quotes"]["quote"]["total"] for r in (conveyors.evaluate(i) for i in inputs[:200])]
    arrow_out = conveyors.evaluate_arrow(table)
    assert arrow_out.column("error_kind").null_count == n, arrow_out.column("error_message")[:3]
    assert arrow_out.column("quote.total").to_pylist()[:200] == totals
    evaluate, evaluate_json = conveyors.evaluate, conveyors.evaluate_json
    took = timed(args.repeat, {
        "evaluate (loop)": lambda: [evaluate(i) for i in inputs],
        "evaluate_json (loop)": lambda: [evaluate_json(t) for t in texts],
        "evaluate_frame (pandas)": lambda: conveyors.evaluate_frame(frame),
        "evaluate_frame (polars)": lambda: conveyors.evaluate_frame(polars_frame),
        "evaluate_arrow": lambda: conveyors.evaluate_arrow(table),
    })
    report("conveyors quotes (1–10 positions)", n, took)
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
