"""The nightly sync job: decides a day's change log with the rules of examples/sync/sync.ordo.

The connectors of the CRM, the ERP (Odoo) and accounting write every field they saw change as
one JSON line (`id`, `record`, `kind`, `field`, `system`, `state`, `old_value`, `new_value`,
`changed_at`, `last_synced_at`). The job

1. groups the lines by record: the rules compare the changes of one field of one record, so
   every change of a record goes into the same batch;
2. packs the groups into batches of about `batch_size` changes and evaluates them with
   `Ruleset.evaluate_many` (on every core);
3. when a batch fails as a whole (a line without a required field, a timestamp that is not one),
   evaluates its records one by one, so only the broken record's changes are reported as
   `error` with the engine's message and path;
4. writes the reconciliation report: totals per decision and per system, the review queue, the
   rejected changes with their reasons, the contested records, and every decision (JSON lines).

    python examples/python/sync_job.py changes.jsonl --report report.json \
        --decisions decisions.jsonl
    python examples/python/sync_job.py --generate 100000 --seed 7 > changes.jsonl

The engine decides; this file only moves data. Nothing here knows which system owns a field.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, TextIO

import ordo

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "examples" / "sync" / "sync.ordo"
ACTIONS = ("push", "pull", "revert", "review", "reject")
SYSTEMS = ("crm", "erp", "accounting", "unknown")

Change = Dict[str, Any]


def read_log(lines: Iterable[str]) -> List[Change]:
    """The changes of a JSONL log (blank lines skipped); a line that is not JSON raises
    `ValueError` naming its number."""
    changes = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            changes.append(json.loads(line))
        except json.JSONDecodeError as error:
            raise ValueError(f"line {number} is not JSON: {error}") from error
    return changes


def batches(changes: List[Change], batch_size: int) -> List[List[Change]]:
    """The changes grouped by record, in the order each record first appears, packed into
    batches of about `batch_size` (a record with more changes gets a batch of its own)."""
    groups: Dict[Any, List[Change]] = defaultdict(list)
    for change in changes:
        groups[(change.get("kind"), change.get("record"))].append(change)
    packed: List[List[Change]] = []
    current: List[Change] = []
    for group in groups.values():
        if current and len(current) + len(group) > batch_size:
            packed.append(current)
            current = []
        current.extend(group)
    if current:
        packed.append(current)
    return packed


class Report:
    """What the job found, batch by batch."""

    def __init__(self, ruleset: ordo.Ruleset) -> None:
        self.ruleset = ruleset
        self.decisions: List[Dict[str, Any]] = []
        self.violations: List[Dict[str, Any]] = []
        self.input_notes: List[Dict[str, Any]] = []
        self.errors: List[Dict[str, Any]] = []
        self.actions: Counter = Counter()
        self.by_system: Dict[str, Counter] = defaultdict(Counter)
        self.contested: List[str] = []

    def add(self, batch: List[Change], result: Dict[str, Any]) -> None:
        outputs = result["outputs"]
        for decision in outputs["decisions"]:
            outcome = decision["outcome"]
            self.decisions.append(
                {
                    "change": decision["change"],
                    "record": decision["record"],
                    "field": decision["field"],
                    "system": decision["system"],
                    **outcome,
                }
            )
            self.actions[outcome["action"]] += 1
            self.by_system[decision["system"]][outcome["action"]] += 1
        self.contested.extend(outputs["summary"]["contested_records"])
        for violation in result["violations"]:
            # `at` is the change's place in the batch (`changes[3]`): name it by its id.
            index = int(violation["at"][len("changes[") : -1])
            self.violations.append(
                {
                    "change": batch[index].get("id"),
                    "rule": violation["id"],
                    "severity": violation["severity"],
                    "message": violation["message"],
                }
            )
        for note in result.get("input_notes", []):
            index = int(note["path"][len("changes[") : note["path"].index("]")])
            self.input_notes.append({"change": batch[index].get("id"), **note})

    def fail(self, batch: List[Change], error: ordo.OrdoError) -> None:
        for change in batch:
            self.errors.append(
                {
                    "change": change.get("id"),
                    "record": change.get("record"),
                    "kind": error.kind,
                    "message": error.message,
                    "path": error.path,
                }
            )

    def summary(self, changes: int, seconds: float) -> Dict[str, Any]:
        return {
            "ruleset": {
                "name": self.ruleset.name,
                "version": self.ruleset.version,
                "hash": self.ruleset.hash,
            },
            "changes": changes,
            "decided": len(self.decisions),
            "errors": len(self.errors),
            "actions": {action: self.actions[action] for action in ACTIONS},
            "by_system": {
                system: {action: self.by_system[system][action] for action in ACTIONS}
                for system in SYSTEMS
                if system in self.by_system
            },
            "contested_records": len(self.contested),
            "seconds": round(seconds, 3),
        }

    def to_json(self, changes: int, seconds: float) -> Dict[str, Any]:
        """The reconciliation report: the summary, then what a person must act on."""
        return {
            "summary": self.summary(changes, seconds),
            "review": [d for d in self.decisions if d["action"] == "review"],
            "rejected": [d for d in self.decisions if d["action"] == "reject"],
            "violations": self.violations,
            "input_notes": self.input_notes,
            "errors": self.errors,
            "contested_records": self.contested,
        }


def run(
    ruleset: ordo.Ruleset,
    changes: List[Change],
    *,
    batch_size: int = 200,
    as_of: Optional[str] = None,
) -> Report:
    """Decides every change of the log; a batch that fails as a whole is retried record by
    record, so one broken line costs only its own record."""
    report = Report(ruleset)
    packed = batches(changes, batch_size)
    results = ruleset.evaluate_many([{"changes": b} for b in packed], as_of=as_of)
    for batch, result in zip(packed, results):
        if not isinstance(result, ordo.OrdoError):
            report.add(batch, result)
            continue
        for group in batches(batch, 1):
            try:
                report.add(group, ruleset.evaluate({"changes": group}, as_of=as_of))
            except ordo.OrdoError as error:
                report.fail(group, error)
    return report


# --- A generated change log, for tests and the benchmark ------------------------------------

_FIELDS = {
    "contact": [("phone", "crm"), ("email", "crm"), ("name", "crm"), ("country", "crm"), ("job_title", "crm")],
    "account": [("vat_id", "accounting"), ("credit_limit", "accounting"), ("payment_terms", "erp"), ("name", "crm"), ("phone", "crm"), ("country", "crm")],
    "product": [("name", "erp"), ("uom", "erp"), ("weight_kg", "erp"), ("description", "erp")],
    "price": [("list_price", "erp"), ("currency", "erp")],
    "order": [("discount", "crm"), ("commitment_date", "crm"), ("note", "crm"), ("state", "erp")],
    "invoice": [("payment_state", "accounting"), ("amount_total", "erp"), ("invoice_date", "erp")],
}
_HOLDERS = {
    "contact": ["crm", "erp"],
    "account": ["crm", "erp", "accounting"],
    "product": ["crm", "erp"],
    "price": ["crm", "erp"],
    "order": ["crm", "erp"],
    "invoice": ["erp", "accounting"],
}
_PREFIX = {"contact": "C", "account": "A", "product": "P", "price": "P", "order": "SO", "invoice": "INV"}


def _value(rng: random.Random, field: str) -> str:
    if field == "phone":
        return rng.choice(["0711 / ", "+49 (0)711 ", "0049 711 ", "+41 44 "]) + str(rng.randint(100000, 9999999))
    if field == "email":
        return f"{rng.choice(['Buyer', 'info', 'k.weber'])}{rng.randint(1, 999)}@Kunde-{rng.randint(1, 99)}.de"
    if field == "country":
        return rng.choice(["DE", "Deutschland", "at", "Schweiz", "FRA", "Polen"])
    if field == "vat_id":
        return f"de {rng.randint(100000000, 999999999)}"
    if field in ("credit_limit", "list_price", "amount_total", "weight_kg"):
        return f"{rng.randint(1, 60000)},{rng.randint(0, 99):02d}"
    if field == "discount":
        return f"{rng.randint(0, 45)} %"
    if field == "uom":
        return rng.choice(["Stück", "pcs", "kg", "Meter", "h"])
    if field == "currency":
        return rng.choice(["EUR", "eur", "CHF"])
    if field in ("commitment_date", "invoice_date"):
        return f"2026-{rng.randint(3, 12):02d}-{rng.randint(1, 28):02d}"
    if field == "state":
        return rng.choice(["sale", "done", "cancel"])
    if field == "payment_state":
        return rng.choice(["paid", "partial", "not_paid"])
    return rng.choice(["Flansch DN50", "Buyer", "Kessler Stahlbau GmbH", "Call before delivery"])


def generate(count: int, *, seed: int = 7, day: str = "2026-03-02") -> Iterator[Change]:
    """A day's change log of `count` changes: mostly owners' changes, some by other systems,
    some fields changed on both sides, and a few broken values and unknown systems."""
    rng = random.Random(seed)
    start = datetime.fromisoformat(day).replace(tzinfo=timezone.utc)
    synced = start + timedelta(hours=5)
    kinds = list(_FIELDS)
    for n in range(count):
        kind = rng.choice(kinds)
        field, owner = rng.choice(_FIELDS[kind])
        roll = rng.random()
        system = owner if roll < 0.7 else rng.choice(_HOLDERS[kind])
        if roll > 0.995:
            system = "shopware"
        state = ""
        if kind == "order":
            state = rng.choice(["draft", "sent", "sale"])
        elif kind == "invoice":
            state = rng.choice(["draft", "posted"])
        changed = synced + timedelta(seconds=rng.randint(60, 15 * 3600))
        yield {
            "id": f"{day}/{n:06d}",
            # Few enough records that some fields change on both sides the same day.
            "record": f"{_PREFIX[kind]}-{rng.randint(1, max(count // 4, 2))}",
            "kind": kind,
            "field": field,
            "system": system,
            "state": state,
            "old_value": _value(rng, field),
            "new_value": _value(rng, field) if roll < 0.99 else "n/a",
            "changed_at": changed.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "last_synced_at": synced.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


def _write_jsonl(rows: Iterable[Dict[str, Any]], out: TextIO) -> None:
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, sort_keys=False))
        out.write("\n")


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("log", nargs="?", help="the day's change log (JSON lines)")
    parser.add_argument("--rules", default=str(RULES), help="the sync ruleset")
    parser.add_argument("--report", help="write the reconciliation report here (else stdout)")
    parser.add_argument("--decisions", help="write every decision here (JSON lines)")
    parser.add_argument("--batch-size", type=int, default=200)
    parser.add_argument("--as-of", help="the evaluation date (YYYY-MM-DD)")
    parser.add_argument("--generate", type=int, metavar="N", help="print a generated log of N changes")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    if args.generate is not None:
        _write_jsonl(generate(args.generate, seed=args.seed), sys.stdout)
        return 0
    if not args.log:
        parser.error("give a change log, or --generate N")

    ruleset = ordo.load(args.rules)
    with open(args.log, encoding="utf-8") as f:
        changes = read_log(f)
    started = time.perf_counter()
    report = run(ruleset, changes, batch_size=args.batch_size, as_of=args.as_of)
    seconds = time.perf_counter() - started

    text = json.dumps(report.to_json(len(changes), seconds), ensure_ascii=False, indent=2)
    if args.report:
        Path(args.report).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    if args.decisions:
        with open(args.decisions, "w", encoding="utf-8") as out:
            _write_jsonl(report.decisions, out)
    summary = report.summary(len(changes), seconds)
    print(
        f"{summary['decided']} of {summary['changes']} changes decided in {seconds:.2f} s: "
        + ", ".join(f"{n} {a}" for a, n in summary["actions"].items())
        + f"; {summary['errors']} in error",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
