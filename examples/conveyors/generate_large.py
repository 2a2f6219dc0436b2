#!/usr/bin/env python3
"""Writes large.json: a 200-position conveyor quote for the benchmarks and the example tests.

Deterministic (a fixed linear congruential sequence, no random module), so the file only
changes when this script does. Every position is valid: a standard width the model is built
in, an incline the model climbs, a pull cord on sections over 10 m, a speed monitor on steep
inclines, and a load and speed the largest drive (4.0 kW) can move.

    python3 examples/conveyors/generate_large.py   # rewrites examples/conveyors/large.json
"""

import json
from decimal import Decimal
from pathlib import Path

POSITIONS = 200
MODELS = ["fb40", "fb60", "cb45", "mb50"]
MAX_WIDTH = {"fb40": 800, "fb60": 1200, "cb45": 800, "mb50": 1000}
MAX_INCLINE = {"fb40": 12, "fb60": 12, "cb45": 30, "mb50": 20}
WIDTHS = [300, 400, 500, 600, 650, 800, 1000, 1200]
LENGTHS = ["2.5", "4.0", "6.0", "7.5", "9.0", "12.0", "15.0", "18.0"]
SPEEDS = ["0.3", "0.5", "0.8", "1.0"]
EXTRAS = ["side_guards", "covers", "inverter"]
SENSORS = ["photo_eye", "inductive", "jam_detector"]


class Sequence:
    """Knuth's MMIX constants, as in benches/common/mod.rs."""

    def __init__(self, seed):
        self.state = seed

    def below(self, bound):
        self.state = (self.state * 6364136223846793005 + 1442695040888963407) % 2**64
        return (self.state >> 33) % bound


def required_kw(load, length, incline, speed):
    """The ruleset's `position_kw`: m·g·(μ + 0.0175·α)·v / 850."""
    return (
        load * length * Decimal("9.81") * (Decimal("0.33") + Decimal("0.0175") * incline) * speed
    ) / 850


def position(i, seq):
    model = MODELS[seq.below(len(MODELS))]
    widths = [w for w in WIDTHS if w <= MAX_WIDTH[model]]
    length = LENGTHS[seq.below(len(LENGTHS))]
    incline = 0 if seq.below(3) else seq.below(MAX_INCLINE[model] + 1)
    load = 5 * (1 + seq.below(12))
    speed = SPEEDS[seq.below(len(SPEEDS))]
    while required_kw(Decimal(load), Decimal(length), incline, Decimal(speed)) > 4:
        load -= 5
    p = {
        "pos": f"{i:03d}",
        "model": model,
        "width_mm": widths[seq.below(len(widths))],
        "length_m": length,
    }
    qty = 1 + seq.below(4) if seq.below(5) == 0 else 1
    if qty > 1:
        p["qty"] = qty
    if incline:
        p["incline_deg"] = incline
    p["load_kg_per_m"] = load
    p["speed_m_s"] = speed
    if seq.below(4) == 0:
        p["drive"] = "drum_motor"
    extras = [e for e in EXTRAS if seq.below(3) == 0]
    if Decimal(length) > 10:
        extras.append("pull_cord")
    if extras:
        p["extras"] = extras
    sensors = [SENSORS[seq.below(len(SENSORS))] for _ in range(seq.below(4))]
    if incline > 15:
        sensors.append("speed_monitor")
    if sensors:
        p["sensors"] = sensors
    return p


def main():
    seq = Sequence(2026)
    quote = {
        "customer": {"account": "K-10234", "sector": "logistics", "vat_id": "DE284611907"},
        "site": {"country": "DE"},
        "quoted_on": "2026-06-22",
        "positions": [position(i, seq) for i in range(1, POSITIONS + 1)],
    }
    lines = ",\n".join("    " + json.dumps(p, ensure_ascii=False) for p in quote["positions"])
    head = {k: v for k, v in quote.items() if k != "positions"}
    text = json.dumps(head, indent=2)[:-2] + ',\n  "positions": [\n' + lines + "\n  ]\n}\n"
    json.loads(text)
    Path(__file__).with_name("large.json").write_text(text)


if __name__ == "__main__":
    main()
