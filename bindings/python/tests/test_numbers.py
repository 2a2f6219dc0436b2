"""Numbers and values as users have them: floats, numpy scalars, NaN, any Mapping, datetimes."""

from __future__ import annotations

import datetime as dt
import errno
import types
from decimal import Decimal

import pytest

import ordo

BASE = {"code": "c", "count": 2, "start": "2026-01-10"}


def price_of(ruleset, value, **options):
    return ruleset.evaluate({**BASE, "price": value}, **options)["outputs"]["totals"][0]


def test_floats_modes(typed):
    assert price_of(typed, 0.1) == Decimal("0.1")
    assert price_of(typed, 0.1, floats="shortest") == Decimal("0.1")
    exact = price_of(typed, 0.5, floats="exact")
    assert exact == Decimal("0.5")
    # The exact binary value of 0.1 has 55 decimals: more than the engine's 28-digit decimals.
    with pytest.raises(ordo.InputError):
        price_of(typed, 0.1, floats="exact")
    with pytest.raises(ordo.InputError) as raised:
        price_of(typed, 0.5, floats="reject")
    assert raised.value.path == "price"
    assert "Decimal" in raised.value.hint
    with pytest.raises(ordo.InputError) as raised:
        price_of(typed, 1, floats="nearest")
    assert raised.value.kind == "invalid_request"


def test_float_matches_json_text(bikes, bikes_quote):
    quote = {**bikes_quote, "fleet_discount": 0.05}
    from_float = bikes.result_to_json(bikes.evaluate(quote))
    as_text = bikes.evaluate_json(
        '{"frame": "trekking", "size": "l", "groupset": "sport", "accessories": ["lights", "rack"],'
        ' "quantity": 12, "dealer": "registered", "fleet_discount": 0.05,'
        ' "ship_to": {"country": "DE"}}'
    )
    assert from_float == as_text


def test_nan_is_absent(typed, bikes, bikes_quote):
    # An absent optional field with a default takes its default.
    with_nan = bikes.evaluate({**bikes_quote, "fleet_discount": float("nan")})
    without = {k: v for k, v in bikes_quote.items() if k != "fleet_discount"}
    assert bikes.result_to_json(with_nan) == bikes.result_to_json(bikes.evaluate(without))
    # A required field given as NaN is missing, never the text "NaN".
    with pytest.raises(ordo.InputError) as raised:
        typed.evaluate({**BASE, "price": float("nan")})
    assert raised.value.kind == "missing_input"
    assert raised.value.path == "price"


def test_numpy_scalars(typed):
    np = pytest.importorskip("numpy")
    result = typed.evaluate(
        {**BASE, "count": np.int64(3), "price": np.float32(0.5), "code": np.str_("c")}
    )
    assert result["outputs"]["totals"][0] == Decimal("0.5")
    assert price_of(typed, np.float64(0.1)) == Decimal("0.1")


def test_numpy_nan_and_bool(bikes, bikes_quote):
    np = pytest.importorskip("numpy")
    quote = {**bikes_quote, "fleet_discount": np.float64("nan")}
    quote["ship_to"] = {"country": "DE", "express": np.bool_(True)}
    plain = {k: v for k, v in bikes_quote.items() if k != "fleet_discount"}
    plain["ship_to"] = {"country": "DE", "express": True}
    assert bikes.result_to_json(bikes.evaluate(quote)) == bikes.result_to_json(
        bikes.evaluate(plain)
    )


def test_pandas_missing_values(bikes, bikes_quote):
    pd = pytest.importorskip("pandas")
    result = bikes.evaluate({**bikes_quote, "salesperson": pd.NA, "fleet_discount": pd.NA})
    assert result["valid"]


def test_any_mapping(bikes, bikes_quote):
    proxy = types.MappingProxyType(
        {**bikes_quote, "ship_to": types.MappingProxyType(bikes_quote["ship_to"])}
    )
    assert bikes.result_to_json(bikes.evaluate(proxy)) == bikes.result_to_json(
        bikes.evaluate(bikes_quote)
    )


def test_datetime_as_of_is_its_date(bikes, bikes_quote):
    day = bikes.evaluate(bikes_quote, as_of=dt.date(2026, 8, 1))
    moment = bikes.evaluate(bikes_quote, as_of=dt.datetime(2026, 8, 1, 23, 30))
    assert moment["as_of"] == dt.date(2026, 8, 1)
    assert bikes.result_to_json(day) == bikes.result_to_json(moment)
    pd = pytest.importorskip("pandas")
    stamp = bikes.evaluate(bikes_quote, as_of=pd.Timestamp("2026-08-01 10:00"))
    assert stamp["as_of"] == dt.date(2026, 8, 1)


def test_timestamp_for_datetime_fields(typed):
    pd = pytest.importorskip("pandas")
    at = pd.Timestamp("2026-03-01 09:00", tz="Europe/Berlin")
    result = typed.evaluate({**BASE, "price": 1, "at": at}, trace=True)
    plain = typed.evaluate(
        {**BASE, "price": 1, "at": dt.datetime(2026, 3, 1, 8, 0, tzinfo=dt.timezone.utc)},
        trace=True,
    )
    assert typed.result_to_json(result) == typed.result_to_json(plain)


def test_load_of_a_missing_file_keeps_filename_and_errno(tmp_path):
    missing = tmp_path / "nowhere.ordo"
    with pytest.raises(FileNotFoundError) as raised:
        ordo.load(missing)
    assert raised.value.errno == errno.ENOENT
    assert raised.value.filename == str(missing)


def test_missing_as_of_hint_names_the_python_argument():
    ruleset = ordo.compile(
        'ruleset dated version "1.0.0"\n'
        "input { n: Int }\n"
        "table rate: Int -> Int effective 2026-01-01 { 1 => 2 }\n"
        "output r = rate[n]\n"
    )
    with pytest.raises(ordo.EvaluationError) as raised:
        ruleset.evaluate({"n": 1})
    assert raised.value.kind == "missing_as_of"
    assert "as_of=" in raised.value.hint
    assert "--as-of" not in str(raised.value)


def test_result_to_json_validates(bikes, bikes_quote):
    result = bikes.evaluate(bikes_quote)
    broken = dict(result)
    del broken["valid"]
    with pytest.raises(ordo.InputError) as raised:
        bikes.result_to_json(broken)
    assert "valid" in str(raised.value)
    quote = dict(result["quotes"]["quote"])
    quote["total"] = "a lot"
    with pytest.raises(ordo.InputError):
        bikes.result_to_json({**result, "quotes": {"quote": quote}})
    transitions_like = {"workflow": "w"}
    with pytest.raises(ordo.InputError):
        bikes.result_to_json(transitions_like, op="transitions")
