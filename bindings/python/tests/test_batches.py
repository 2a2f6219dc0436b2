"""Batches: per-input dates and grants, BatchResult, and the Registry at a date."""

from __future__ import annotations

import datetime as dt
import pickle
from decimal import Decimal

import pytest

import ordo
from conftest import BIKES, DATA


def cargo(quantity: int) -> dict:
    return {"frame": "cargo", "size": "l", "quantity": quantity, "ship_to": {"country": "DE"}}


def test_per_input_dates_match_single_calls(bikes):
    inputs = [cargo(q) for q in range(1, 9)]
    dates = [dt.date(2026, 3, 1) if q % 2 else dt.date(2026, 8, 1) for q in range(1, 9)]
    batch = bikes.evaluate_many(inputs, as_of=dates)
    for item, day, result in zip(inputs, dates, batch):
        assert result["as_of"] == day
        assert bikes.result_to_json(result) == bikes.result_to_json(bikes.evaluate(item, as_of=day))
    by_callable = bikes.evaluate_many(inputs, as_of=lambda q: "2026-08-01" if q["quantity"] % 2 == 0 else "2026-03-01")
    assert [r["as_of"] for r in by_callable] == dates


def test_per_input_date_sequences_must_fit(bikes):
    with pytest.raises(ValueError, match="fewer"):
        bikes.evaluate_many([cargo(1), cargo(2)], as_of=[dt.date(2026, 3, 1)])
    with pytest.raises(ValueError, match="more"):
        bikes.evaluate_many([cargo(1)], as_of=["2026-03-01", "2026-03-02"])


def test_a_bad_date_fails_its_input_only(bikes):
    batch = bikes.evaluate_many([cargo(1), cargo(2)], as_of=["2026-03-01", "someday"])
    assert batch.ok_mask == [True, False]
    (index, error), = batch.errors
    assert index == 1 and isinstance(error, ordo.InputError)


def test_per_input_approvals(bikes, bikes_quote):
    quote = {**bikes_quote, "fleet_discount": "0.15", "salesperson": "ana"}
    grants = {"discounts": {"lead": {"by": "bo", "role": "sales_lead"}}}
    batch = bikes.evaluate_many([quote, quote], approvals=[grants, None])
    assert bikes.result_to_json(batch[0]) == bikes.result_to_json(bikes.evaluate(quote, approvals=grants))
    assert bikes.result_to_json(batch[1]) == bikes.result_to_json(bikes.evaluate(quote))


def test_batch_result(bikes, bikes_quote):
    inputs = [bikes_quote, {"frame": "city"}, bikes_quote]
    batch = bikes.evaluate_many(inputs)
    assert isinstance(batch, ordo.BatchResult) and len(batch) == 3
    assert batch.ok_mask == [True, False, True]
    assert batch.results[1] is None and batch.results[0] == batch[0]
    [(index, error)] = batch.errors
    assert index == 1 and isinstance(error, ordo.InputError) and error.kind == "missing_input"
    with pytest.raises(ordo.InputError) as raised:
        batch.raise_first()
    assert raised.value is error and raised.value.index == 1
    bikes.evaluate_many([bikes_quote]).raise_first()


def test_batch_to_frame(bikes, bikes_quote):
    pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    batch = bikes.evaluate_many([bikes_quote, {"frame": "city"}])
    frame = batch.to_frame()
    assert list(frame["valid"].astype(object)) == [True, None] or frame["valid"].isna()[1]
    assert frame["quote.total"][0] == batch[0]["quotes"]["quote"]["total"]
    assert frame["error_kind"][1] == "missing_input"


def test_a_dataframe_is_refused(bikes):
    pd = pytest.importorskip("pandas")
    with pytest.raises(TypeError, match="evaluate_frame"):
        bikes.evaluate_many(pd.DataFrame({"frame": ["city"]}))


TEMPLATE = """ruleset rates version "{version}"
effective {effective}
input {{ amount: Decimal }}
table surcharge: Text -> Decimal effective 2026-01-01 {{ "x" => 1.00 }}
table surcharge: Text -> Decimal effective 2026-05-01 {{ "x" => 2.00 }}
output fee = amount * {rate} + surcharge["x"]
"""


def rates(version: str, rate: str, effective: str) -> ordo.Ruleset:
    return ordo.compile(TEMPLATE.format(version=version, rate=rate, effective=effective))


@pytest.fixture()
def registry():
    registry = ordo.Registry()
    registry.add(rates("1.0.0", "0.01", "2026-01-01"))
    registry.add(rates("1.1.0", "0.02", "2026-03-01"))
    return registry


def test_registry_evaluates_at_the_date(registry):
    # In June, 1.1.0 is in effect, and its table's May version applies.
    result = registry.evaluate("rates", {"amount": 100}, as_of=dt.date(2026, 6, 1))
    assert result["ruleset"]["version"] == "1.1.0"
    assert result["as_of"] == dt.date(2026, 6, 1)
    assert result["outputs"]["fee"] == Decimal("4.00")
    # A version resolved for a date evaluates at that date, not at its effective date.
    resolved = registry.resolve("rates", as_of="2026-06-01")
    assert resolved.evaluate({"amount": 100})["outputs"]["fee"] == Decimal("4.00")
    assert resolved.evaluate({"amount": 100}, as_of="2026-03-01")["outputs"]["fee"] == Decimal("3.00")


def test_version_not_found(registry):
    with pytest.raises(ordo.VersionNotFound) as raised:
        registry.resolve("rates", as_of="2025-01-01")
    assert isinstance(raised.value, LookupError) and isinstance(raised.value, ordo.InputError)
    with pytest.raises(LookupError):
        registry.evaluate("nothing", {})


def test_load_dir_and_pickle(tmp_path, bikes):
    (tmp_path / "a.ordo").write_text(TEMPLATE.format(version="1.0.0", rate="0.01", effective="2026-01-01"))
    (tmp_path / "b.artifact").write_bytes(bikes.to_artifact())
    (tmp_path / "notes.txt").write_text("not a ruleset")
    registry = ordo.Registry()
    assert registry.load_dir(tmp_path) == 2
    assert registry.names() == ["bikes", "rates"]
    copy = pickle.loads(pickle.dumps(registry))
    assert copy.names() == registry.names() and len(copy) == 2
    with pytest.raises(FileNotFoundError):
        registry.load_dir(tmp_path / "none")


def test_error_details():
    try:
        ordo.compile("ruleset broken version \"1.0.0\"\ninput { n: Nope }\n")
    except ordo.CompileError as error:
        data = error.to_dict()
        assert data["kind"] == "compile" and data["diagnostics"][0]["line"] == 2
    else:
        raise AssertionError("compiled")
    bikes = ordo.load(BIKES)
    with pytest.raises(ValueError) as raised:
        bikes.evaluate({"frame": "tandem", "quantity": "many"})
    errors = raised.value.errors()
    assert len(errors) >= 2 and {e["path"] for e in errors} >= {"frame", "quantity"}
    assert pickle.loads(pickle.dumps(raised.value)).errors() == errors
