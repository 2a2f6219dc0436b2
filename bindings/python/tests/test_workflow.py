"""Workflow queries and the configurator, with the request shapes of the conformance suite's
`orders` and `pumps` cases, compared with the CLI (`ordo workflow`, `ordo configure`)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

import ordo
from conftest import BIKES, EXAMPLES, json_text, load_json, run_cli

ORDERS = EXAMPLES / "orders" / "orders.ordo"
UTC = dt.timezone.utc

ORDER = {
    "product": "table_oak",
    "quantity": 12,
    "channel": "contract",
    "discount": Decimal("0.12"),
    "customer": {"name": "Hotel Adler", "country": "AT"},
}
SUBMIT = {
    "instance": "SO-1042",
    "seq": 1,
    "at": dt.datetime(2026, 3, 2, 9, 15, tzinfo=UTC),
    "entered_at": dt.datetime(2026, 3, 2, 8, 40, tzinfo=UTC),
}


def call(method, **kwargs):
    """Calls a request method."""
    return method(**kwargs)


@pytest.fixture(scope="module")
def orders():
    return ordo.load(ORDERS)


def write(tmp_path: Path, name: str, value) -> str:
    path = tmp_path / name
    path.write_text(json_text(value), encoding="utf-8")
    return str(path)


def test_next_actions(orders, cli, tmp_path):
    result = call(orders.transitions, workflow="order", state="draft", actor="sales", input=ORDER)
    assert result["state"] == "draft"
    assert result["owner"] == "sales"
    submit = next(t for t in result["transitions"] if t["id"] == "submit")
    assert submit == {"id": "submit", "to": "submitted", "enabled": True, "reasons": []}
    out = run_cli(cli, ["workflow", str(ORDERS), "--workflow", "order", "--state", "draft",
                        "--actor", "sales", "--input", "-", "--compact"], json_text(ORDER))
    assert out.returncode == 0, out.stderr.decode()
    assert orders.result_to_json(result, op="transitions") == out.stdout.decode().rstrip("\n")


def test_a_role_that_may_not_sees_why(orders):
    result = call(orders.transitions, workflow="order", state="draft", actor="workshop", input=ORDER)
    submit = next(t for t in result["transitions"] if t["id"] == "submit")
    assert submit["enabled"] is False
    assert {"kind": "role", "allowed": ["sales"]} in submit["reasons"]


def test_pending_approvals_block_a_transition(orders):
    big = {**ORDER, "quantity": 30}
    steps = orders.evaluate(big)["approvals"]["deal_desk"]["steps"]
    assert [s["id"] for s in steps] == ["manager", "finance"]
    # The manager's grant records the facts as the result returned them (Decimal, int, str).
    granted = {"deal_desk": {"manager": {"by": "mara", "facts": steps[0]["facts"]}}}
    result = call(orders.transitions, workflow="order", state="submitted", actor="sales_manager",
                  input=big, approvals=granted, as_of=dt.date(2026, 3, 3))
    approve = next(t for t in result["transitions"] if t["id"] == "approve")
    assert approve["enabled"] is False
    reason = next(r for r in approve["reasons"] if r["kind"] == "approvals")
    assert reason == {"kind": "approvals", "chain": "deal_desk", "pending": ["finance"], "stale": []}
    # A grant whose facts changed since is stale.
    changed = {"deal_desk": {"manager": {"by": "mara", "facts": {**steps[0]["facts"], "discount": Decimal("0.10")}}}}
    result = call(orders.transitions, workflow="order", state="submitted", actor="sales_manager",
                  input=big, approvals=changed)
    approve = next(t for t in result["transitions"] if t["id"] == "approve")
    reason = next(r for r in approve["reasons"] if r["kind"] == "approvals")
    assert reason["stale"] == ["manager"]


def test_apply_fires_triggers_and_arms_timers(orders, cli, tmp_path):
    result = call(orders.apply, workflow="order", state="draft", transition="submit", actor="sales",
                  input=ORDER, event=SUBMIT, as_of="2026-03-02")
    assert (result["from"], result["to"]) == ("draft", "submitted")
    [action] = result["actions"]
    assert action["trigger"] == "large_order" and action["action"] == "notify"
    assert action["args"]["to"] == "sales-leads"
    assert "Hotel Adler" in action["args"]["message"]
    # The submitted state's `stay … after 2 days` timer, due two days after the event.
    assert result["timers"] == [{"trigger": "approval_reminder", "due": "2026-03-04T09:15:00Z"}]
    out = run_cli(cli, ["workflow", str(ORDERS), "--workflow", "order", "--state", "draft",
                        "--actor", "sales", "--apply", "submit", "--as-of", "2026-03-02",
                        "--event", write(tmp_path, "event.json", {**SUBMIT, "at": "2026-03-02T09:15:00Z",
                                                                 "entered_at": "2026-03-02T08:40:00Z"}),
                        "--input", "-", "--compact"], json_text(ORDER))
    assert out.returncode == 0, out.stderr.decode()
    assert orders.result_to_json(result, op="apply") == out.stdout.decode().rstrip("\n")


def test_a_transition_that_may_not_be_applied(orders):
    with pytest.raises(ordo.EvaluationError) as raised:
        call(orders.apply, workflow="order", state="approved", transition="start", actor="workshop",
             input=ORDER, event={**SUBMIT, "seq": 3})
    assert raised.value.kind == "transition"


def test_a_due_timer(orders):
    event = {**SUBMIT, "seq": 2, "at": dt.datetime(2026, 3, 4, 9, 15, tzinfo=UTC)}
    result = call(orders.fire_timer, workflow="order", state="submitted", trigger="approval_reminder",
                  input=ORDER, event=event)
    kinds = [a["action"] for a in result["actions"]]
    assert kinds == ["notify", "escalate"]


def test_bad_requests_name_the_field(orders):
    with pytest.raises(ordo.InputError) as raised:
        call(orders.transitions, workflow="orders", state="draft", actor="sales", input=ORDER)
    assert raised.value.kind == "invalid_request"
    with pytest.raises(ordo.InputError) as raised:
        call(orders.apply, workflow="order", state="draft", transition="submit", actor="sales",
             input=ORDER, event={**SUBMIT, "at": dt.datetime(2026, 3, 2, 9, 15)})
    assert raised.value.path == "event.at"


def test_configure(cli):
    bikes = ordo.load(BIKES)
    partial = {"frame": "cargo", "quantity": 3}
    result = call(bikes.configure, partial=partial)
    size = result["fields"]["size"]
    assert size["selected"] is None and size["default"] == "m"
    available = {o["value"]: o["available"] for o in size["options"]}
    assert available == {"s": False, "m": True, "l": True, "xl": False}
    blocked = next(o for o in size["options"] if o["value"] == "s")["blocked_by"]
    assert blocked[0]["id"] == "cargo_sizes"
    assert result["fields"]["frame"]["selected"] == "cargo"
    # Outputs and quotes are converted as in an evaluation.
    unit_price = result["outputs"]["unit_price_eur"]
    assert unit_price is None or isinstance(unit_price, Decimal)
    out = run_cli(cli, ["configure", str(BIKES), "--input", "-", "--compact"], json_text(partial))
    assert out.returncode == 0, out.stderr.decode()
    assert bikes.result_to_json(result, op="configure") == out.stdout.decode().rstrip("\n")
    complete = call(bikes.configure, partial=partial, complete=True, as_of=dt.date(2026, 8, 1))
    assert complete["fields"]["size"]["options"]


def test_configure_applies_defaults_and_leaves_context_out(cli):
    bikes = ordo.load(BIKES)
    partial = {"frame": "gravel"}
    unknown = call(bikes.configure, partial=partial)
    applied = call(bikes.configure, partial=partial, defaults="apply", context=["dealer"])
    # The unit price reads the defaulted size and groupset: known only with defaults applied.
    assert unknown["outputs"]["unit_price_eur"] is None
    assert isinstance(applied["outputs"]["unit_price_eur"], Decimal)
    assert "dealer" in unknown["fields"] and "dealer" not in applied["fields"]
    assert applied["fields"]["size"]["selected"] is None
    args = ["configure", str(BIKES), "--input", "-", "--compact", "--defaults", "apply", "--context", "dealer"]
    out = run_cli(cli, args, json_text(partial))
    assert out.returncode == 0, out.stderr.decode()
    assert bikes.result_to_json(applied, op="configure") == out.stdout.decode().rstrip("\n")
    with pytest.raises(ordo.OrdoError) as raised:
        bikes.configure(partial, defaults="always")
    assert raised.value.path == "defaults"
    with pytest.raises(ordo.OrdoError) as raised:
        bikes.configure(partial, context=["dealr"])
    assert raised.value.path == "context[0]"


def test_result_to_json_rejects_an_unknown_op(orders):
    with pytest.raises(ordo.InputError):
        orders.result_to_json({}, op="nope")


def test_a_refused_transition_carries_its_reasons(orders):
    with pytest.raises(ordo.EvaluationError) as raised:
        call(orders.apply, workflow="order", state="draft", transition="submit", actor="workshop",
             input=ORDER, event=SUBMIT)
    assert raised.value.kind == "transition"
    assert {"kind": "role", "allowed": ["sales"]} in raised.value.reasons
    # Other transition failures have none.
    with pytest.raises(ordo.EvaluationError) as raised:
        call(orders.apply, workflow="order", state="draft", transition="nonesuch", actor="sales",
             input=ORDER, event=SUBMIT)
    assert raised.value.reasons == []
