"""The sync job of examples/python/sync_job.py: a day's change log decided with the rules of
examples/sync, batch by batch, into the reconciliation report."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

import ordo

from conftest import EXAMPLES

JOB_FILE = EXAMPLES / "python" / "sync_job.py"
RULES = EXAMPLES / "sync" / "sync.ordo"


def _load_job() -> Any:
    spec = importlib.util.spec_from_file_location("sync_job", JOB_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["sync_job"] = module
    spec.loader.exec_module(module)
    return module


job = _load_job()


@pytest.fixture(scope="module")
def rules() -> ordo.Ruleset:
    return ordo.load(str(RULES))


def _batch() -> List[Dict[str, Any]]:
    return json.loads((EXAMPLES / "sync" / "batch.json").read_text(encoding="utf-8"))["changes"]


def test_the_example_batch_is_decided_as_the_rules_decide_it(rules: ordo.Ruleset) -> None:
    changes = _batch()
    report = job.run(rules, changes, batch_size=200)
    direct = rules.evaluate({"changes": changes})
    assert [d["change"] for d in report.decisions] == [c["id"] for c in changes]
    expected = [d["outcome"]["action"] for d in direct["outputs"]["decisions"]]
    assert [d["action"] for d in report.decisions] == expected
    summary = report.summary(len(changes), 0.0)
    assert summary["actions"] == {"push": 5, "pull": 1, "revert": 2, "review": 3, "reject": 2}
    assert summary["errors"] == 0
    # Violations are named by the change they concern, not by its place in a batch.
    assert [(v["change"], v["severity"]) for v in report.violations] == [
        ("2026-03-02/0011", "error"),
        ("2026-03-02/0013", "error"),
        ("2026-03-02/0005", "review"),
    ]
    assert report.input_notes[0]["change"] == "2026-03-02/0013"
    assert report.input_notes[0]["received"] == "shopware"


def test_small_batches_decide_as_one_batch(rules: ordo.Ruleset) -> None:
    # Grouping by record keeps rivals together: batches of two records decide the same.
    changes = list(job.generate(600, seed=3))
    whole = job.run(rules, changes, batch_size=10_000)
    small = job.run(rules, changes, batch_size=25)
    key = lambda d: d["change"]  # noqa: E731
    assert sorted(whole.decisions, key=key) == sorted(small.decisions, key=key)
    assert whole.actions == small.actions
    assert sum(whole.actions.values()) == 600
    # The generated log has every kind of decision.
    assert all(whole.actions[action] > 0 for action in job.ACTIONS)


def test_a_broken_line_costs_only_its_own_record(rules: ordo.Ruleset) -> None:
    changes = _batch()
    del changes[2]["changed_at"]  # account A-300's VAT id change, by the CRM
    report = job.run(rules, changes, batch_size=200)
    errors = {e["change"] for e in report.errors}
    broken = {c["id"] for c in changes if c["record"] == "A-300"}
    assert errors == broken
    assert all(e["kind"] == "missing_input" for e in report.errors)
    assert len(report.decisions) == len(changes) - len(broken)


def test_the_command_line_writes_the_report(tmp_path: Path, rules: ordo.Ruleset) -> None:
    log = tmp_path / "changes.jsonl"
    with open(log, "w", encoding="utf-8") as out:
        job._write_jsonl(job.generate(300, seed=11), out)
    report_file = tmp_path / "report.json"
    decisions_file = tmp_path / "decisions.jsonl"
    assert (
        job.main([str(log), "--report", str(report_file), "--decisions", str(decisions_file)])
        == 0
    )
    report = json.loads(report_file.read_text(encoding="utf-8"))
    summary = report["summary"]
    assert summary["changes"] == 300
    assert summary["decided"] + summary["errors"] == 300
    assert summary["ruleset"]["hash"] == rules.hash
    assert sum(summary["actions"].values()) == summary["decided"]
    assert len(report["review"]) == summary["actions"]["review"]
    assert len(report["rejected"]) == summary["actions"]["reject"]
    lines = decisions_file.read_text(encoding="utf-8").splitlines()
    assert len(lines) == summary["decided"]
    first = json.loads(lines[0])
    assert set(first) == {"change", "record", "field", "system", "action", "targets", "value", "reason"}


def test_a_log_line_that_is_not_json_is_named() -> None:
    with pytest.raises(ValueError, match="line 2"):
        job.read_log(['{"id": "a"}', "{not json"])
