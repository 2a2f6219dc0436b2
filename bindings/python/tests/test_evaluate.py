"""Evaluating the examples, and how values cross between Python and the engine."""

from __future__ import annotations

import datetime as dt
import json
import threading
from decimal import Decimal

import pytest

import ordo
from conftest import BIKES, DATA, EXAMPLES, FREIGHT, json_text, load_json

UTC = dt.timezone.utc


def test_module_surface():
    assert ordo.__version__
    for name in ordo.__all__:
        assert hasattr(ordo, name), name
    assert ordo.Ruleset.__module__ == "ordo"
    assert ordo.Ruleset.evaluate.__doc__


def test_identity(bikes):
    assert bikes.name == "bikes"
    assert bikes.version == "2.0.0"
    assert bikes.hash.startswith("sha256:") and len(bikes.hash) == 7 + 64
    assert bikes.effective == dt.date(2026, 1, 1)
    assert bikes.output_names == ["unit_price_eur", "weight_kg", "delivery_days"]
    assert "bikes 2.0.0" in repr(bikes)


def test_compile_source_text_equals_load():
    source = BIKES.read_text(encoding="utf-8")
    assert ordo.compile(source).hash == ordo.load(BIKES).hash
    assert ordo.load(str(BIKES)).hash == ordo.load(BIKES).hash


def test_bikes_quote(bikes, bikes_quote):
    result = bikes.evaluate(bikes_quote)
    assert list(result) == ["ruleset", "as_of", "valid", "violations", "outputs", "quotes", "approvals"]
    assert result["ruleset"] == {"name": "bikes", "version": "2.0.0", "hash": bikes.hash}
    assert result["as_of"] == dt.date(2026, 1, 1)
    assert result["valid"] is True
    quote = result["quotes"]["quote"]
    assert quote["currency"] == "EUR"
    bikes_line = quote["lines"][0]
    assert bikes_line["id"] == "bikes"
    assert bikes_line["quantity"] == Decimal("12")
    assert bikes_line["unit_price"] == Decimal("847.50")
    # The total is the sum of the lines, in exact decimal arithmetic.
    assert quote["total"] == sum(line["amount"] for line in quote["lines"])
    assert result["outputs"]["delivery_days"] == 5
    assert isinstance(result["outputs"]["delivery_days"], int)
    assert result["outputs"]["weight_kg"] == Decimal("206.4")


def test_freight_examples():
    freight = ordo.load(FREIGHT)
    for name in ("parcel.json", "pallet.json"):
        result = freight.evaluate(load_json(EXAMPLES / "freight" / name))
        assert result["ruleset"]["name"] == "freight"
        for quote in result["quotes"].values():
            assert all(isinstance(line["amount"], (Decimal, type(None))) for line in quote["lines"])


def test_decimal_scale_is_kept():
    pricing = ordo.load(DATA / "pricing.ordo")
    result = pricing.evaluate({"plan": "pro", "seats": 444})
    line = result["quotes"]["quote"]["lines"][0]
    assert str(line["amount"]) == "111000.00"
    assert line["amount"].as_tuple().exponent == -2
    assert str(result["quotes"]["quote"]["subtotals"]["list"]) == "111000.00"
    assert str(result["outputs"]["seat_price_eur"]) == "250.00"
    assert str(line["quantity"]) == "444"


def test_types_of_outputs(typed):
    moment = dt.datetime(2026, 3, 1, 9, 0, 0, 250000, tzinfo=UTC)
    result = typed.evaluate(
        {
            "code": "42",
            "count": 3,
            "price": Decimal("12.50"),
            "start": dt.date(2026, 2, 27),
            "at": moment,
            "colors": {"red", "blue"},
            "lines": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 5}],
        }
    )
    out = result["outputs"]
    # A Text output stays a string even when it looks like a number.
    assert out["label"] == "42" and isinstance(out["label"], str)
    assert out["doubled"] == 6 and type(out["doubled"]) is int
    assert out["gross"] == Decimal("13.1250") and str(out["gross"]) == "13.1250"
    assert out["rate_out"] == Decimal("0.05")
    assert out["later"] == dt.date(2026, 3, 2) and type(out["later"]) is dt.date
    assert out["wait_out"] == dt.timedelta(days=3)
    assert out["moment"] == moment
    assert sorted(out["colors_out"]) == ["blue", "red"]
    assert out["totals"] == [Decimal("12.50"), Decimal("25.00")]
    assert out["line_qty"] == 7
    assert out["first_line"] == {"sku": "x", "qty": 3}
    assert str(out["tiny"]) in ("0.00000125", "0.0000012500", "0.000001250")


def test_optional_output_is_none(typed):
    result = typed.evaluate({"code": "x", "count": 1, "price": "1", "start": "2026-01-01"})
    assert result["outputs"]["moment"] is None


def test_result_to_json_is_canonical(typed, bikes, bikes_quote):
    text = json_text(bikes_quote)
    assert bikes.result_to_json(bikes.evaluate(bikes_quote)) == bikes.evaluate_json(text)
    assert bikes.result_to_json(bikes.evaluate(bikes_quote, trace=True)) == bikes.evaluate_json(text, trace=True)
    typed_input = {
        "code": "42", "count": 3, "price": "0.0000012", "start": "2026-02-27",
        "at": "2026-03-01T09:00:00.250Z", "wait": "P1DT2H", "colors": ["blue"],
    }
    text = json.dumps(typed_input)
    result = typed.evaluate(typed_input, trace=True)
    assert typed.result_to_json(result) == typed.evaluate_json(text, trace=True)


def test_trace_values_are_typed(bikes, bikes_quote):
    result = bikes.evaluate(bikes_quote, trace=True)
    entries = {entry["id"]: entry for entry in result["trace"]}
    assert entries["unit_price"]["value"] == Decimal("847.50")
    assert entries["delivery_days"]["value"] == 5


def test_inputs_accept_python_types(typed):
    base = {"code": "c", "count": 2, "start": dt.date(2026, 1, 10)}
    for price in (Decimal("2.50"), "2.50", 2.5):
        result = typed.evaluate({**base, "price": price})
        assert result["outputs"]["totals"][0] == Decimal("2.5")
    assert typed.evaluate({**base, "price": 2})["outputs"]["totals"] == [2, 4]
    assert typed.evaluate({**base, "price": 10**20})["outputs"]["totals"][0] == 10**20
    # A Decimal keeps its scale on the way in.
    assert str(typed.evaluate({**base, "price": Decimal("2.50")})["outputs"]["totals"][0]) == "2.50"
    # Percent from a string with a percent sign, sets from frozensets, tuples as lists.
    result = typed.evaluate({**base, "price": 1, "rate": "12%", "colors": frozenset({"green"}),
                             "lines": ({"sku": "a", "qty": 1},)})
    assert result["outputs"]["rate_out"] == Decimal("0.12")
    assert result["outputs"]["colors_out"] == ["green"]
    # Durations and aware datetimes in any zone.
    cet = dt.timezone(dt.timedelta(hours=1))
    result = typed.evaluate({**base, "price": 1, "wait": dt.timedelta(hours=36),
                             "at": dt.datetime(2026, 3, 1, 10, 0, tzinfo=cet)})
    assert result["outputs"]["wait_out"] == dt.timedelta(hours=36)
    assert result["outputs"]["moment"] == dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    # Big integers and Decimals in exponent form.
    result = typed.evaluate({**base, "price": Decimal("1E+3")})
    assert result["outputs"]["totals"][0] == Decimal("1000")


def test_floats_read_as_their_repr_by_default(typed):
    base = {"code": "c", "count": 2, "start": "2026-01-10"}
    assert typed.evaluate({**base, "price": 0.25})["outputs"]["totals"][0] == Decimal("0.25")
    assert typed.evaluate({**base, "price": 2.0})["outputs"]["totals"][0] == Decimal("2")
    # 0.1 is read as the JSON text `0.1` would be, not as its binary value.
    assert typed.evaluate({**base, "price": 0.1})["outputs"]["totals"][0] == Decimal("0.1")
    with pytest.raises(ordo.InputError) as raised:
        typed.evaluate({**base, "price": float("inf")})
    assert raised.value.path == "price"
    assert raised.value.kind == "invalid_input"
    assert raised.value.hint == "pass None for a missing value"
    with pytest.raises(ordo.InputError) as raised:
        typed.evaluate({**base, "price": Decimal("NaN")})
    assert raised.value.path == "price"


def test_unconvertible_values_name_their_path(typed):
    base = {"code": "c", "count": 2, "price": 1, "start": "2026-01-10"}
    with pytest.raises(ordo.InputError) as raised:
        typed.evaluate({**base, "lines": [{"sku": "a", "qty": 1}, {"sku": object(), "qty": 1}]})
    assert raised.value.path == "lines[1].sku"
    assert raised.value.kind == "invalid_input"
    with pytest.raises(ordo.InputError) as raised:
        typed.evaluate({**base, "at": dt.datetime(2026, 3, 1, 9, 0)})
    assert raised.value.path == "at"
    assert "time zone" in str(raised.value)
    with pytest.raises(ordo.InputError) as raised:
        typed.evaluate({**base, "wait": dt.timedelta(seconds=1.5)})
    assert raised.value.path == "wait"
    with pytest.raises(ordo.InputError) as raised:
        typed.evaluate({1: "x"})
    assert raised.value.path == ""


def test_decimal_into_text_field_is_refused(typed):
    with pytest.raises(ordo.InputError) as raised:
        typed.evaluate({"code": Decimal("4.20"), "count": 1, "price": 1, "start": "2026-01-01"})
    assert raised.value.path == "code"


def test_as_of_as_date_or_text(bikes, bikes_quote):
    january = bikes.evaluate({**bikes_quote, "frame": "cargo"}, as_of=dt.date(2026, 3, 1))
    july = bikes.evaluate({**bikes_quote, "frame": "cargo"}, as_of="2026-07-15")
    assert january["as_of"] == dt.date(2026, 3, 1)
    assert july["as_of"] == dt.date(2026, 7, 15)
    # The July price list raised cargo frames.
    assert july["outputs"]["unit_price_eur"] > january["outputs"]["unit_price_eur"]
    with pytest.raises(ordo.InputError) as raised:
        bikes.evaluate(bikes_quote, as_of="1 March")
    assert raised.value.kind == "invalid_request"
    with pytest.raises(ordo.InputError):
        bikes.evaluate(bikes_quote, as_of=20260301)


def test_approvals_are_passed(bikes, bikes_quote):
    pending = bikes.evaluate(bikes_quote)["approvals"]["discounts"]
    step = pending["steps"][0]
    assert step["status"] == "pending"
    assert step["facts"]["quantity"] == 12
    assert step["facts"]["fleet_discount"] == Decimal("0.05")
    granted = {"discounts": {"lead": {"by": "ana", "facts": step["facts"]}}}
    # The facts as returned (int, Decimal, list) go back in as they are.
    result = bikes.evaluate(bikes_quote, approvals=granted)
    assert result["approvals"]["discounts"]["steps"][0]["status"] == "granted"
    assert result["approvals"]["discounts"]["complete"] is True


def test_evaluate_releases_the_interpreter(bikes, bikes_quote):
    # Several Python threads evaluating at once all get the same, correct result.
    expected = bikes.result_to_json(bikes.evaluate(bikes_quote))
    seen = []

    def work():
        for _ in range(50):
            seen.append(bikes.result_to_json(bikes.evaluate(bikes_quote)))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 200 and set(seen) == {expected}


def test_load_reports_missing_files(tmp_path):
    with pytest.raises(FileNotFoundError):
        ordo.load(tmp_path / "absent.ordo")


def test_readme_example(capsys, monkeypatch):
    readme = (DATA.parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("```python\n") + len("```python\n")
    code = readme[start:readme.index("```", start)]
    monkeypatch.chdir(BIKES.parents[2])
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)
    assert capsys.readouterr().out == "1166.08\n"
    assert len(namespace["results"]) == 50
    assert all(isinstance(r, dict) for r in namespace["results"])
    assert isinstance(namespace["result"]["quotes"]["quote"]["total"], Decimal)
