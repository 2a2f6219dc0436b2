"""Evaluations per second from Python: a loop of `Ruleset.evaluate` against one
`Ruleset.evaluate_many` call and one `Ruleset.evaluate_frame` call (the same orders as a pandas
DataFrame, as a CSV would give them), on the bikes example with 100,000 varied inputs.

Run with a release wheel installed (`ORDO_PY_PROFILE=release scripts/test-python` builds and
installs one into target/py-venv):

    target/py-venv/bin/python benches/python_bench.py [--count 100000] [--repeat 3]

It needs pandas and pyarrow for the `evaluate_frame` part (scripts/test-python installs them).
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from decimal import Decimal
from pathlib import Path

import ordo

ROOT = Path(__file__).resolve().parents[1]

FRAMES = ["city", "trekking", "gravel", "cargo"]
SIZES = ["m", "l"]
GROUPSETS = ["basic", "sport", "pro", "electric"]
ACCESSORIES = [[], ["lights"], ["rack", "lights"], ["fenders", "lock", "lights"]]
DEALERS = ["direct", "registered", "premium"]
COUNTRIES = ["DE", "AT", "NL", "FR", "CH", "US"]


def make_inputs(count: int) -> list:
    """Varied, valid orders (every frame, groupset, dealer and shipping zone)."""
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


def make_frame(inputs: list):
    """The orders as a flat pandas DataFrame: dotted columns for nested fields, accessories as
    `;`-separated text, fleet discounts as float64 (as read from a CSV)."""
    import pandas

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


def best_of(repeat: int, run) -> dict:
    """The fastest of `repeat` runs: wall time, CPU time of the process (all threads) and of
    the calling thread."""
    best = None
    for _ in range(repeat):
        wall, cpu, thread = time.perf_counter(), time.process_time(), time.thread_time()
        run()
        took = {
            "wall": time.perf_counter() - wall,
            "cpu": time.process_time() - cpu,
            "thread": time.thread_time() - thread,
        }
        if best is None or took["wall"] < best["wall"]:
            best = took
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    bikes = ordo.load(ROOT / "examples" / "bikes" / "bikes.ordo")
    inputs = make_inputs(args.count)

    # Same answers both ways, and no input fails.
    sample = inputs[:: max(1, args.count // 500)]
    many = bikes.evaluate_many(sample)
    assert all(isinstance(r, dict) for r in many), [r for r in many if not isinstance(r, dict)][:1]
    assert [bikes.result_to_json(r) for r in many] == [bikes.result_to_json(bikes.evaluate(i)) for i in sample]

    evaluate = bikes.evaluate

    # Both keep every result, as a caller of either would.
    def loop():
        return [evaluate(item) for item in inputs]

    def batch():
        return bikes.evaluate_many(inputs)

    frame = make_frame(inputs)
    # The frame gives the same totals as evaluate_many, and no row fails.
    out = bikes.evaluate_frame(frame, separator=";")
    assert out["error_kind"].isna().all()
    totals = [r["quotes"]["quote"]["total"] for r in bikes.evaluate_many(inputs[:2000])]
    assert list(out["quote.total"][:2000]) == totals

    def frame_run():
        return bikes.evaluate_frame(frame, separator=";")

    loop_t = best_of(args.repeat, loop)
    batch_t = best_of(args.repeat, batch)
    frame_t = best_of(args.repeat, frame_run)
    n = args.count
    cores = os.cpu_count() or 1
    print(f"python {platform.python_version()}, {cores} cores, ordo {ordo.__version__}, "
          f"{n} inputs, best of {args.repeat}, load average {os.getloadavg()[0]:.2f}")
    for name, t in (("evaluate (loop)", loop_t), ("evaluate_many", batch_t), ("evaluate_frame", frame_t)):
        print(f"{name:16s} {t['wall']:7.3f} s  {n / t['wall']:9,.0f} evaluations/s   "
              f"CPU {t['cpu'] * 1e6 / n:6.1f} us/eval, calling thread {t['thread'] * 1e6 / n:6.1f} us/eval")
    print(f"speed-up (wall)  {loop_t['wall'] / batch_t['wall']:7.2f}x  evaluate_many over the loop")
    print(f"speed-up (wall)  {loop_t['wall'] / frame_t['wall']:7.2f}x  evaluate_frame over the loop, "
          f"{batch_t['wall'] / frame_t['wall']:.2f}x over evaluate_many")
    # What the batch needs at least on `cores` idle cores: its total CPU spread over the cores,
    # but never less than the calling thread's serial share. Comparing with the loop's CPU time
    # gives the speed-up on an idle machine even when other work shares the cores.
    for name, t in (("evaluate_many", batch_t), ("evaluate_frame", frame_t)):
        floor = max(t["cpu"] / cores, t["thread"])
        print(f"speed-up of {name} (CPU bound on {cores} idle cores) {loop_t['cpu'] / floor:5.2f}x")


if __name__ == "__main__":
    main()
