"""The native Arrow path of evaluate_arrow / evaluate_frame (Arrow arrays read and written in
Rust) against the per-row `evaluate` and against the conversion through Python values."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, Dict, List, Optional

import pytest

import ordo
from ordo import _frame

from conftest import BIKES, DATA, EXAMPLES

pa = pytest.importorskip("pyarrow")

UTC = dt.timezone.utc


def nest(row: Dict[str, Any], separators: Dict[str, str], fields: set) -> Dict[str, Any]:
    """The input `evaluate` would get for a row of an input table: columns of other names left
    out, dotted names nested, None and NaN left out, texts of separated columns split."""
    out: Dict[str, Any] = {}
    for name, value in row.items():
        if name.split(".")[0] not in fields:
            continue
        if value is None or (isinstance(value, float) and value != value):
            continue
        if name in separators and isinstance(value, str):
            value = [part.strip() for part in value.split(separators[name]) if part.strip()]
        target = out
        *parents, last = name.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[last] = value
    return out


def expected_table(ruleset, table, separators=None, as_of=None) -> "pa.Table":
    """The result table built from one `evaluate` call per row (exceptions as error rows)."""
    items: List[Any] = []
    fields = {path.split(".")[0] for path, _ in ruleset._input_kinds()}
    for index, row in enumerate(table.to_pylist()):
        day = as_of[index] if isinstance(as_of, list) else as_of
        try:
            items.append(ruleset.evaluate(nest(row, separators or {}, fields), as_of=day))
        except ordo.OrdoError as error:
            items.append(error)
    return _frame.results_table(ruleset, items)


def lists_table(ruleset, table, separators=None, as_of=None, floats="shortest") -> "pa.Table":
    """The result table of the conversion through Python values (each column `to_pylist`)."""
    kinds = dict(ruleset._input_kinds())
    pairs = _frame._input_columns(table, kinds, None, [])
    return _frame._evaluate_lists(
        ruleset, table, pairs, separators or {}, as_of, None, "columns", floats
    )


def json_columns(ruleset) -> List[str]:
    return [name for name, kind, _ in ruleset._frame_columns() if kind == "json"]


def plain(value: Any) -> Any:
    """A JSON value with every number as its decimal text (Python's `json.dumps` of a result
    writes decimals as strings, the engine's canonical JSON as numbers)."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return format(Decimal(str(value)), "f")
    return value


def assert_same(ruleset, native: "pa.Table", expected: "pa.Table", exact_json: bool) -> None:
    """Equal column by column; canonical JSON columns compared as JSON values when the expected
    table was written by Python's `json.dumps`."""
    assert native.schema == expected.schema
    loose = set() if exact_json else set(json_columns(ruleset))
    for name in native.column_names:
        got, want = native.column(name).to_pylist(), expected.column(name).to_pylist()
        if name in loose:
            got = [None if v is None else plain(json.loads(v, parse_float=Decimal)) for v in got]
            want = [None if v is None else plain(json.loads(v, parse_float=Decimal)) for v in want]
        assert got == want, name


def check(ruleset, table, separators=None, as_of=None, **options) -> "pa.Table":
    native = ruleset.evaluate_arrow(
        table, separator=(next(iter(separators.values())) if separators else None),
        as_of=as_of, **options
    )
    assert native.schema == ruleset.result_schema()
    assert_same(ruleset, native, lists_table(ruleset, table, separators, as_of), exact_json=True)
    assert_same(ruleset, native, expected_table(ruleset, table, separators, as_of), exact_json=False)
    return native


@pytest.fixture(scope="module")
def bikes():
    return ordo.load(BIKES)


@pytest.fixture(scope="module")
def typed():
    return ordo.load(DATA / "typed.ordo")


@pytest.fixture(scope="module")
def conveyors():
    return ordo.load(EXAMPLES / "conveyors" / "conveyors.ordo")


def bikes_table(rows: int = 300) -> "pa.Table":
    frames = ["city", "trekking", "gravel", "cargo", "tandem"]
    return pa.table(
        {
            "frame": [frames[i % 5] if i % 37 else None for i in range(rows)],
            "size": pa.array([("m", "l", None)[i % 3] for i in range(rows)]).dictionary_encode(),
            "quantity": pa.array([1 + (i * 7) % 40 if i % 23 else None for i in range(rows)], pa.int32()),
            "accessories": [("rack;lights", "", None, " fenders ; lock ")[i % 4] for i in range(rows)],
            "fleet_discount": [(0.05, None, float("nan"), 0.1, 1e-7, 0.2)[i % 6] for i in range(rows)],
            "ship_to.country": [("DE", "AT", "CH", "US")[i % 4] for i in range(rows)],
            "ship_to.express": [(True, False, None)[i % 3] for i in range(rows)],
            "order_id": [f"o{i}" for i in range(rows)],
        }
    )


def test_bikes_rows_with_nulls_floats_and_separated_lists(bikes):
    table = bikes_table()
    out = check(bikes, table, separators={"accessories": ";"})
    kinds = set(out.column("error_kind").to_pylist())
    # Unknown frames, missing quantities and tiny floats fail as their own rows only.
    assert "missing_input" in kinds and None in kinds and len(kinds) > 2
    assert out.num_rows == table.num_rows


def test_bikes_per_row_as_of(bikes):
    table = bikes_table(120).drop_null()
    days = [(dt.date(2026, 3, 1), dt.date(2026, 8, 1), None)[i % 3] for i in range(table.num_rows)]
    with_days = table.append_column("day", pa.array(days, pa.date32()))
    native = bikes.evaluate_arrow(with_days, separator=";", as_of="day")
    separators = {"accessories": ";"}
    assert_same(bikes, native, expected_table(bikes, table, separators, days), exact_json=False)
    assert_same(bikes, native, lists_table(bikes, with_days.drop_columns(["day"]), separators, days), True)
    totals = native.column("quote.total").to_pylist()
    assert any(t is not None for t in totals)


def test_bikes_pandas_and_polars_frames(bikes):
    pd = pytest.importorskip("pandas")
    table = bikes_table(200)
    frame = table.to_pandas()
    out = bikes.evaluate_frame(frame, separator=";")
    assert list(out.columns) == bikes.result_schema().names
    expected = expected_table(bikes, table, {"accessories": ";"})
    got = pa.Table.from_pandas(out, preserve_index=False).cast(bikes.result_schema())
    assert_same(bikes, got, expected, exact_json=False)
    assert isinstance(out, pd.DataFrame)
    pl = pytest.importorskip("polars")
    polars_out = bikes.evaluate_frame(pl.from_arrow(table), separator=";")
    assert_same(bikes, polars_out.to_arrow().cast(bikes.result_schema()), expected, exact_json=False)


def test_typed_columns_every_kind(typed):
    table = pa.table(
        {
            "code": ["a", "b", None, "d"],
            "count": pa.array([1, 2, 3, None], pa.int64()),
            "price": pa.array([Decimal("12.50"), Decimal("0.10"), Decimal("-3.00"), None], pa.decimal128(9, 2)),
            "rate": ["5%", None, "0.25", "7.5%"],
            "start": pa.array([dt.date(2026, 1, 31), dt.date(2026, 2, 28), None, dt.date(2026, 5, 1)], pa.date32()),
            "at": pa.array(
                [dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC), None,
                 dt.datetime(2026, 3, 1, 9, 0, 0, 250000, tzinfo=UTC), None],
                pa.timestamp("us", tz="UTC"),
            ),
            "wait": pa.array([dt.timedelta(days=2, hours=3), None, dt.timedelta(seconds=30), None], pa.duration("s")),
            "colors": pa.array([["red", "blue"], [], None, ["green"]], pa.list_(pa.string())),
            "lines": pa.array(
                [[{"sku": "x", "qty": 2}, {"sku": "y", "qty": 3}], [], None, [{"sku": "z", "qty": None}]],
                pa.list_(pa.struct([("sku", pa.string()), ("qty", pa.int64())])),
            ),
        }
    )
    out = check(typed, table)
    assert out.column("later").type == pa.date32()
    assert out.column("moment").type == pa.timestamp("us", tz="UTC")
    assert out.column("wait_out").to_pylist()[0] == dt.timedelta(days=2, hours=3)
    assert out.column("tiny").to_pylist()[0] == "0.00000125"


def test_typed_refusals_name_the_cell(typed):
    base = {"code": ["a", "b"], "count": [1, 2], "price": ["1.5", "2"], "start": ["2026-01-01", "2026-01-02"]}
    naive = pa.table({**base, "at": pa.array([dt.datetime(2026, 3, 1, 9), None], pa.timestamp("ms"))})
    out = check(typed, naive)
    assert out.column("error_kind").to_pylist() == ["invalid_input", None]
    assert out.column("error_path").to_pylist() == ["at", None]
    fraction = pa.table({**base, "wait": pa.array([dt.timedelta(seconds=1.5), None], pa.duration("ms"))})
    assert check(typed, fraction).column("error_path").to_pylist() == ["wait", None]
    floats = pa.table({**base, "price": [float("inf"), 1.25]})
    out = check(typed, floats)
    assert out.column("error_kind").to_pylist() == ["invalid_input", None]
    rejected = typed.evaluate_arrow(floats, floats="reject")
    assert rejected.column("error_path").to_pylist() == ["price", "price"]


def test_floats_exact_and_binary_columns_go_through_python(typed):
    table = pa.table({"code": ["a"], "count": [1], "price": [0.5], "start": ["2026-01-01"]})
    out = typed.evaluate_arrow(table, floats="exact")
    assert out.column("gross").to_pylist() == [str(typed.evaluate(
        {"code": "a", "count": 1, "price": 0.5, "start": "2026-01-01"}, floats="exact")["outputs"]["gross"])]
    binary = pa.table({"code": pa.array([b"a"], pa.binary()), "count": [1], "price": ["1"], "start": ["2026-01-01"]})
    assert typed.evaluate_arrow(binary).column("error_path").to_pylist() == ["code"]


def conveyor_rows(count: int) -> List[Dict[str, Any]]:
    quote = json.loads((EXAMPLES / "conveyors" / "quote.json").read_text())
    rows = []
    for i in range(count):
        positions = quote["positions"][: 1 + i % len(quote["positions"])]
        rows.append(
            {
                "customer": dict(quote["customer"], account="K-1023" if i % 17 == 5 else "K-10234"),
                "site": {"country": ("DE", "AT", "FR")[i % 3]},
                "quoted_on": ("2026-06-22", "2026-07-15", None)[i % 3],
                "positions": positions,
                "installation": (True, False, None)[i % 3],
            }
        )
    return rows


def test_conveyors_nested_records_and_lists_of_records(conveyors):
    rows = conveyor_rows(60)
    table = pa.Table.from_pylist(rows)
    # Struct columns (customer, site) and a list of structs (positions); the same with dotted
    # columns for the nested fields.
    out = check(conveyors, table)
    assert out.column("error_path").to_pylist().count("customer.account") == len(
        [i for i in range(60) if i % 17 == 5])
    flat = table.flatten()
    assert "customer.account" in flat.column_names
    native = conveyors.evaluate_arrow(flat)
    assert_same(conveyors, native, out, exact_json=True)


def test_many_rows_in_many_batches_keep_their_order(bikes):
    table = bikes_table(2000)
    batches = pa.Table.from_batches(table.to_batches(max_chunksize=333))
    native = bikes.evaluate_arrow(batches, separator=";")
    assert native.num_rows == 2000
    assert_same(bikes, native, lists_table(bikes, table, {"accessories": ";"}), exact_json=True)


def test_errors_raise_gives_the_first_failing_row(bikes):
    table = bikes_table(40)
    with pytest.raises(ordo.OrdoError) as raised:
        bikes.evaluate_arrow(table, separator=";", errors="raise")
    first = next(i for i, k in enumerate(expected_table(bikes, table, {"accessories": ";"})
                                          .column("error_kind").to_pylist()) if k)
    assert raised.value.index == first


def test_empty_table(bikes):
    empty = bikes_table(0)
    out = bikes.evaluate_arrow(empty, separator=";")
    assert out.num_rows == 0 and out.schema == bikes.result_schema()
