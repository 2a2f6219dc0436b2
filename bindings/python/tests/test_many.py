"""`evaluate_many`: results in input order, per-item errors in place, same results as a loop."""

from __future__ import annotations

import gc
from decimal import Decimal

import pytest

import ordo
from conftest import DATA


@pytest.fixture(scope="module")
def faults():
    return ordo.load(DATA / "faults.ordo")


def test_order_and_errors_in_place(faults):
    inputs = [
        {"segment": "retail", "region": "north", "units": 4},
        {"segment": "partner", "region": "north", "units": 4},  # no row matches
        {"segment": "retail", "region": "north"},  # missing input
        {"segment": "retail", "region": "south", "units": 10},
        {"segment": "retail", "region": "north", "units": object()},  # no JSON form
    ]
    results = faults.evaluate_many(inputs)
    assert len(results) == 5
    assert results[0]["outputs"]["freight_cost"] == Decimal("48.00")
    assert isinstance(results[1], ordo.EvaluationError) and results[1].kind == "no_match"
    assert isinstance(results[2], ordo.InputError) and results[2].path == "units"
    assert results[3]["outputs"]["rate"] == Decimal("0.04")
    assert isinstance(results[4], ordo.InputError) and results[4].path == "units"


def test_large_batch_matches_a_loop(bikes, bikes_quote):
    # Enough inputs to be split across threads and chunks; every tenth fails.
    frames = ["city", "trekking", "gravel", "cargo"]
    inputs = []
    for i in range(3000):
        item = {**bikes_quote, "frame": frames[i % 4], "quantity": 1 + i % 40, "size": "m"}
        if i % 10 == 7:
            item["quantity"] = "many"
        inputs.append(item)
    many = bikes.evaluate_many(inputs, as_of="2026-08-01")
    assert len(many) == len(inputs)
    for i, (item, got) in enumerate(zip(inputs, many)):
        if i % 10 == 7:
            assert isinstance(got, ordo.InputError), i
            assert got.path == "quantity"
            continue
        expected = bikes.evaluate(item, as_of="2026-08-01")
        assert bikes.result_to_json(got) == bikes.result_to_json(expected), i


def test_any_iterable_and_empty(bikes, bikes_quote):
    assert bikes.evaluate_many([]) == []
    results = bikes.evaluate_many(bikes_quote for _ in range(3))
    assert len(results) == 3 and all(r["valid"] for r in results)
    with pytest.raises(TypeError):
        bikes.evaluate_many(42)


def test_trace_option(bikes, bikes_quote):
    (result,) = bikes.evaluate_many([bikes_quote], trace=True)
    assert "trace" in result


def test_an_iterator_that_fails_stops_the_batch(bikes, bikes_quote):
    def inputs():
        for _ in range(1000):
            yield bikes_quote
        raise RuntimeError("the source broke")

    with pytest.raises(RuntimeError, match="the source broke"):
        bikes.evaluate_many(inputs())
    assert gc.isenabled()
    # The ruleset is still usable afterwards.
    assert len(bikes.evaluate_many([bikes_quote] * 200)) == 200


def test_garbage_collector_state_is_restored(bikes, bikes_quote):
    assert gc.isenabled()
    bikes.evaluate_many([bikes_quote] * 300)
    assert gc.isenabled()
    gc.disable()
    try:
        bikes.evaluate_many([bikes_quote] * 300)
        assert not gc.isenabled()
    finally:
        gc.enable()


DEALS = """ruleset deals version "1.0.0"
roles sales_manager, finance
input {
  owner_id: Text
  amount: Decimal
}
approval deal_desk requested_by owner_id {
  step manager "Sales manager" by sales_manager when amount > 1000
  step finance "Finance" by finance quorum 2 when amount > 50000
}
output done = approvals.deal_desk.complete
"""


def test_approvals_apply_to_every_input():
    deals = ordo.compile(DEALS)
    inputs = [{"owner_id": "ana", "amount": "5000"}, {"owner_id": "ben", "amount": "5000"}]
    grants = {"deal_desk": {"manager": {"by": "ben", "facts": {"amount": "5000"}}}}
    results = deals.evaluate_many(inputs, approvals=grants)
    assert results == [deals.evaluate(i, approvals=grants) for i in inputs]
    assert results[0]["outputs"]["done"] is True
    # The requester cannot approve their own deal.
    step = results[1]["approvals"]["deal_desk"]["steps"][0]
    assert step["status"] == "pending"
    assert step["refused"] == [{"by": "ben", "reason": "self_approval"}]
    assert results[1]["outputs"]["done"] is False
