"""DataFrames and Arrow tables: evaluate_frame (pandas, polars), evaluate_arrow, result_schema."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

import ordo

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")

ROWS = {
    "frame": ["city", "trekking", "cargo", "gravel"],
    "size": ["m", "l", None, "s"],
    "quantity": [2, 12, 20, None],
    "accessories": ["rack;lights", None, "child_seat", ""],
    "fleet_discount": [None, 0.05, float("nan"), None],
    "ship_to.country": ["DE", "DE", "CH", "US"],
    "order_id": ["A", "B", "C", "D"],
}


def row_input(i: int) -> dict:
    """The input evaluate_frame builds for row i, written by hand."""
    out: dict = {"ship_to": {"country": ROWS["ship_to.country"][i]}, "frame": ROWS["frame"][i]}
    for key in ("size", "quantity"):
        if ROWS[key][i] is not None and ROWS[key][i] == ROWS[key][i]:
            out[key] = ROWS[key][i]
    acc = ROWS["accessories"][i]
    if acc is not None:
        out["accessories"] = [a for a in acc.split(";") if a]
    fd = ROWS["fleet_discount"][i]
    if fd is not None and fd == fd:
        out["fleet_discount"] = fd
    return out


def check_against_evaluate(bikes, table: "pa.Table") -> None:
    rows = table.to_pylist()
    for i, row in enumerate(rows):
        try:
            expected = bikes.evaluate(row_input(i))
        except ordo.OrdoError as error:
            assert row["error_kind"] == error.kind
            assert row["error_message"] == error.message
            assert row["valid"] is None and row["quote.total"] is None
            continue
        assert row["error_kind"] is None
        assert row["valid"] == expected["valid"]
        assert row["violations"] == [v["id"] for v in expected["violations"]]
        assert row["quote.total"] == expected["quotes"]["quote"]["total"]
        assert row["quote.net"] == expected["quotes"]["quote"]["subtotals"]["net"]
        assert row["delivery_days"] == expected["outputs"]["delivery_days"]
        assert Decimal(row["unit_price_eur"]) == expected["outputs"]["unit_price_eur"]
        assert row["unit_price_eur"] == format(expected["outputs"]["unit_price_eur"], "f")


def test_result_schema(bikes):
    schema = bikes.result_schema()
    assert schema.field("quote.total").type == pa.decimal128(38, 2)
    assert schema.field("quote.list").type == pa.decimal128(38, 2)
    assert schema.field("delivery_days").type == pa.int64()
    assert schema.field("unit_price_eur").type == pa.string()
    assert schema.field("violations").type == pa.list_(pa.string())
    assert schema.names[-3:] == ["error_kind", "error_path", "error_message"]
    meta = bikes.result_schema("pandas")
    assert len(meta) == 0 and list(meta.columns) == schema.names


def test_pandas_frame(bikes):
    frame = pd.DataFrame(ROWS, index=[10, 11, 12, 13])
    out = bikes.evaluate_frame(frame, separator=";")
    assert list(out.index) == [10, 11, 12, 13]
    assert list(out.columns) == bikes.result_schema().names
    assert str(out["quote.total"].dtype) == "decimal128(38, 2)[pyarrow]"
    check_against_evaluate(bikes, pa.Table.from_pandas(out, preserve_index=False))
    # Row 3 has no quantity: missing_input, named.
    assert out["error_kind"][13] == "missing_input" and out["error_path"][13] == "quantity"
    assert out["quote.total"][11] == bikes.evaluate(row_input(1))["quotes"]["quote"]["total"]


def test_polars_frame(bikes):
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame(ROWS, strict=False)
    out = bikes.evaluate_frame(frame, separator=";")
    assert isinstance(out, pl.DataFrame)
    check_against_evaluate(bikes, out.to_arrow())


def test_arrow_table_with_list_column_and_renames(bikes):
    table = pa.table(
        {
            "model": ["city", "trekking"],
            "qty": pa.array([2, 12], pa.int32()),
            "extras": pa.array([["rack", "lights"], None], pa.list_(pa.string())),
            "country": ["DE", "DE"],
            "discount": pa.array([None, Decimal("0.05")], pa.decimal128(5, 2)),
        }
    )
    out = bikes.evaluate_arrow(
        table,
        columns={
            "model": "frame",
            "qty": "quantity",
            "extras": "accessories",
            "country": "ship_to.country",
            "discount": "fleet_discount",
        },
    )
    assert isinstance(out, pa.Table)
    first = bikes.evaluate({"frame": "city", "quantity": 2, "accessories": ["rack", "lights"],
                            "ship_to": {"country": "DE"}})
    second = bikes.evaluate({"frame": "trekking", "quantity": 12, "fleet_discount": Decimal("0.05"),
                             "ship_to": {"country": "DE"}})
    assert out.column("quote.total").to_pylist() == [
        first["quotes"]["quote"]["total"], second["quotes"]["quote"]["total"]]


def test_as_of_column_and_errors_raise(bikes):
    frame = pd.DataFrame(
        {"frame": ["cargo", "cargo"], "quantity": [1, 1], "ship_to.country": ["DE", "DE"],
         "day": [dt.date(2026, 3, 1), dt.date(2026, 8, 1)]}
    )
    out = bikes.evaluate_frame(frame, as_of="day")
    march = bikes.evaluate({"frame": "cargo", "quantity": 1, "ship_to": {"country": "DE"}}, as_of="2026-03-01")
    august = bikes.evaluate({"frame": "cargo", "quantity": 1, "ship_to": {"country": "DE"}}, as_of="2026-08-01")
    assert list(out["quote.total"]) == [march["quotes"]["quote"]["total"], august["quotes"]["quote"]["total"]]
    assert march["quotes"]["quote"]["total"] != august["quotes"]["quote"]["total"]
    bad = pd.DataFrame({"frame": ["city", "tandem"], "quantity": [1, 1], "ship_to.country": ["DE", "DE"]})
    with pytest.raises(ordo.InputError) as raised:
        bikes.evaluate_frame(bad, errors="raise")
    assert raised.value.index == 1 and raised.value.path == "frame"


def test_input_schema(bikes):
    schema = bikes.input_schema()
    assert schema["type"] == "object" and "frame" in schema["required"]
    assert schema["properties"]["frame"]["enum"] == ["city", "trekking", "gravel", "cargo"]
    assert schema["properties"]["ship_to"]["properties"]["express"]["default"] is False
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate({"frame": "city", "quantity": 2, "ship_to": {"country": "DE"}}, schema)
