# pyright: strict
"""Type-checked with `mypy --strict` and pyright (strict) by scripts/test-python, not run: the
stubs and TypedDicts describe what the API returns, so that typical code type-checks without
casts."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import List, Optional, Tuple

import ordo


def total(ruleset: ordo.Ruleset, quote: dict[str, object]) -> Decimal:
    result: ordo.EvaluateResult = ruleset.evaluate(quote, as_of=datetime.date(2026, 3, 1))
    q: ordo.Quote = result["quotes"]["quote"]
    line: ordo.Line = q["lines"][0]
    assert line["kind"] in ("line", "discount", "surcharge", "tax")
    violations: List[ordo.Violation] = result["violations"]
    return q["total"] if not violations else Decimal(0)


def batch(ruleset: ordo.Ruleset, quotes: List[dict[str, object]]) -> List[Tuple[int, str]]:
    results = ruleset.evaluate_many(quotes, as_of=lambda q: "2026-03-01", floats="exact")
    mask: List[bool] = results.ok_mask
    firsts: List[Optional[ordo.EvaluateResult]] = results.results
    assert len(mask) == len(firsts)
    return [(index, error.kind) for index, error in results.errors]


def errors(ruleset: ordo.Ruleset) -> None:
    try:
        ruleset.evaluate({})
    except ordo.InputError as error:
        problems: List[ordo.EngineError] = error.errors()
        kind: ordo.ErrorKind = problems[0]["kind"]
        print(kind)
    try:
        ordo.compile("")
    except ordo.CompileError as error:
        print(error.to_dict()["diagnostics"])


def workflow(ruleset: ordo.Ruleset) -> Optional[str]:
    listed: ordo.Transitions = ruleset.transitions(workflow="w", state="s", input={})
    applied: ordo.ApplyResult = ruleset.apply(
        workflow="w", state="s", transition="t", input={}, actor=ordo.Actor.role("sales")
    )
    timers: List[ordo.Timer] = applied["timers"]
    try:
        ruleset.apply(workflow="w", state="s", transition="t", input={})
    except ordo.EvaluationError as refused:
        print([reason["kind"] for reason in refused.reasons])
    return listed["owner"] if timers else None


def registry(path: str) -> ordo.Ruleset:
    reg = ordo.Registry()
    reg.load_dir(path)
    try:
        return reg.resolve("bikes", as_of=datetime.datetime(2026, 3, 1, 12, 0))
    except ordo.VersionNotFound:
        raise
