"""The native Arrow path (`evaluate_arrow`, `evaluate_frame`) against the JSON text path
(`evaluate_json`), row by row: every example input of `examples/` and tricky values (decimal
scales, nulls and NaN, nested list<struct> columns, dates, time stamps, durations, texts that
need escapes, rows that fail). Each row is written as the JSON text it stands for, evaluated
with `evaluate_json`, and its result compared with the native row, column by column."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import pytest

import ordo

from conftest import DATA, EXAMPLES

pa = pytest.importorskip("pyarrow")

UTC = dt.timezone.utc
AS_OF = dt.date(2026, 6, 1)


def text_of(value: Any) -> str:
    """A cell as JSON text, as the native path reads it (floats as `Decimal(repr(x))`)."""
    if value is None or (isinstance(value, float) and value != value):
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dt.datetime):
        return '"' + value.astimezone(UTC).isoformat().replace("+00:00", "Z") + '"'
    if isinstance(value, dt.date):
        return '"' + value.isoformat() + '"'
    if isinstance(value, dt.timedelta):
        return '"' + duration_text(value) + '"'
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k) + ":" + text_of(v) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(text_of(v) for v in value) + "]"
    raise TypeError(f"no JSON text for {value!r}")


def duration_text(value: dt.timedelta) -> str:
    seconds = int(value.total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{n}{u}" for n, u in ((hours, "H"), (minutes, "M"), (seconds, "S")) if n)
    return f"P{days}D" + (f"T{time}" if time else "") if days else f"PT{time or '0S'}"


def row_text(row: Dict[str, Any], separators: Dict[str, str]) -> str:
    """A table row (dotted column names) as the JSON input text it stands for: null and NaN
    cells absent, dotted names nested, separated texts split."""
    out: Dict[str, Any] = {}
    for name, value in row.items():
        if value is None or (isinstance(value, float) and value != value):
            continue
        if name in separators and isinstance(value, str):
            value = [p.strip() for p in value.split(separators[name]) if p.strip()]
        target = out
        *parents, last = name.split(".")
        for parent in parents:
            target = target.setdefault(parent, {})
        target[last] = value
    return text_of(out)


def parse_duration(text: str) -> dt.timedelta:
    match = re.fullmatch(r"(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", text)
    assert match, text
    sign, days, hours, minutes, seconds = match.groups()
    value = dt.timedelta(
        days=int(days or 0), hours=int(hours or 0), minutes=int(minutes or 0),
        seconds=int(seconds or 0),
    )
    return -value if sign else value


def expected_cell(kind: str, scale: Optional[int], value: Any) -> Any:
    """A value of the result's JSON as the native column holds it."""
    if value is None:
        return None
    if kind == "int":
        return int(value)
    if kind == "decimal":
        return value if isinstance(value, str) else format(value, "f")
    if kind == "money":
        return Decimal(value)
    if kind == "date":
        return dt.date.fromisoformat(value)
    if kind == "datetime":
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if kind == "duration":
        return parse_duration(value)
    return value


def result_value(result: Dict[str, Any], name: str, outputs: List[str]) -> Any:
    if name in outputs:
        return result["outputs"].get(name)
    block, _, part = name.partition(".")
    quote = result["quotes"].get(block)
    if quote is None:
        return None
    return quote["total"] if part == "total" else quote["subtotals"].get(part)


def compare(
    ruleset: "ordo.Ruleset",
    table: "pa.Table",
    separators: Optional[Dict[str, str]] = None,
    as_of: Any = AS_OF,
) -> Tuple[int, int]:
    """Asserts that every row of `evaluate_arrow(table)` is what `evaluate_json` gives for its
    text; returns (rows evaluated, rows failed)."""
    separators = separators or {}
    native = ruleset.evaluate_arrow(
        table, as_of=as_of, separator=dict(separators) or None
    )
    assert native.schema == ruleset.result_schema()
    spec = ruleset._frame_columns()
    outputs = list(ruleset.output_names)
    kinds = dict(ruleset._input_kinds())
    inputs = [c for c in table.column_names if c in kinds or c.split(".")[0] in kinds]
    rows = native.to_pylist()
    failed = 0
    for index, (source, got) in enumerate(zip(table.select(inputs).to_pylist(), rows)):
        text = row_text(source, separators)
        try:
            result = json.loads(ruleset.evaluate_json(text, as_of=as_of), parse_float=Decimal)
        except ordo.OrdoError as error:
            failed += 1
            assert (got["error_kind"], got["error_path"], got["error_message"]) == (
                error.kind, error.path, error.message
            ), (index, text)
            assert all(got[name] is None for name, _, _ in spec), (index, text)
            assert got["valid"] is None and got["violations"] is None
            continue
        where = f"row {index}: {text}"
        assert got["error_kind"] is None, (where, got["error_message"])
        assert got["valid"] == result["valid"], where
        assert got["violations"] == [v["id"] for v in result["violations"]], where
        for name, kind, scale in spec:
            want = expected_cell(kind, scale, result_value(result, name, outputs))
            cell = got[name]
            if kind == "json" and cell is not None:
                cell = json.loads(cell, parse_float=Decimal)
            assert cell == want, (where, name, cell, want)
            if kind == "money" and cell is not None:
                # The currency's scale is kept, whatever scale the engine's amount has.
                assert cell.as_tuple().exponent == -(scale or 0), (where, name, cell)
    return len(rows), failed


def example_rulesets() -> List[Path]:
    return sorted(EXAMPLES.glob("*/*.ordo")) + sorted(EXAMPLES.glob("*/next/*.ordo"))


def example_inputs(ruleset: "ordo.Ruleset", folder: Path) -> List[Dict[str, Any]]:
    """The JSON files of an example that are inputs of its ruleset (not requests)."""
    fields = {path.split(".")[0] for path, _ in ruleset._input_kinds()}
    found = []
    for path in sorted(folder.rglob("*.json")):
        document = json.loads(path.read_text(), parse_float=Decimal)
        if isinstance(document, dict) and document and set(document) <= fields:
            found.append(document)
    return found


@pytest.mark.parametrize("source", example_rulesets(), ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_every_example_input_gives_the_json_paths_result(source: Path) -> None:
    ruleset = ordo.load(source)
    folder = source.parent.parent if source.parent.name == "next" else source.parent
    documents = example_inputs(ruleset, folder)
    if not documents:
        pytest.skip("no input among the example's files")
    for document in documents:
        table = pa.Table.from_pylist([document])
        compare(ruleset, table)
        # The same row with its structs as dotted columns (`customer.country`).
        compare(ruleset, table.flatten())


def test_conveyors_positions_as_list_of_structs() -> None:
    """Many rows of nested positions, with absent fields inside the structs and rows that
    fail, from the conveyors example."""
    ruleset = ordo.load(EXAMPLES / "conveyors" / "conveyors.ordo")
    base = json.loads((EXAMPLES / "conveyors" / "quote.json").read_text(), parse_float=Decimal)
    rows = []
    for i in range(40):
        row = json.loads(json.dumps(base, default=str), parse_float=Decimal)
        row["positions"] = row["positions"][: 1 + i % len(row["positions"])]
        if i % 7 == 3:
            row["positions"][0]["qty"] = -1
        if i % 11 == 5:
            row["positions"][0]["model"] = "no such model"
        if i % 5 == 1:
            del row["site"]
        rows.append(row)
    tables = [pa.Table.from_pylist([r]) for r in rows]
    table = pa.concat_tables(tables, promote_options="permissive")
    assert pa.types.is_list(table.schema.field("positions").type)
    evaluated, failed = compare(ruleset, table)
    assert evaluated == 40 and 0 < failed < 40


def typed_table() -> "pa.Table":
    """Every input type of `typed.ordo`, with the values that are easy to get wrong."""
    lines_type = pa.list_(pa.struct([("sku", pa.string()), ("qty", pa.int64())]))
    return pa.table(
        {
            "code": ["A", 'quote "q"\\ \n\t é 💶', "", None, "x", "y", "z", "w"],
            "count": pa.array([1, 2, 0, 3, None, -4, 5, 2**40], pa.int64()),
            "price": pa.array(
                [Decimal("12.50"), Decimal("-0.05"), Decimal("0.00"), Decimal("1"),
                 Decimal("3.10"), None, Decimal("99999999.99"), Decimal("0.01")],
                pa.decimal128(12, 2),
            ),
            "rate": [0.05, float("nan"), 0.1, None, 1e-7, 0.3, 1 / 3, 0.2],
            "start": pa.array(
                [dt.date(2026, 2, 28), dt.date(1970, 1, 1), dt.date(2024, 2, 29), None,
                 dt.date(2026, 12, 31), dt.date(2026, 1, 1), dt.date(1999, 12, 31),
                 dt.date(2026, 6, 1)],
                pa.date32(),
            ),
            "at": pa.array(
                [dt.datetime(2026, 3, 1, 9, 0, tzinfo=UTC), None,
                 dt.datetime(2026, 3, 1, 9, 0, 0, 123456, tzinfo=UTC), None,
                 dt.datetime(1969, 12, 31, 23, 59, 59, tzinfo=UTC), None, None, None],
                pa.timestamp("us", tz="UTC"),
            ),
            "wait": pa.array(
                [dt.timedelta(hours=1, minutes=30), None, dt.timedelta(0),
                 dt.timedelta(days=2, seconds=5), None, None, None, None],
                pa.duration("s"),
            ),
            "colors": pa.array(
                [["red", "blue"], [], None, ["green", "green"], ["purple"], None, None, None],
                pa.list_(pa.string()),
            ),
            "lines": pa.array(
                [[{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}], [], None,
                 [{"sku": None, "qty": 1}], [{"sku": "c", "qty": None}], None,
                 [{"sku": "é\"", "qty": 3}], None],
                lines_type,
            ),
        }
    )


def test_tricky_values_give_the_json_paths_result() -> None:
    ruleset = ordo.load(DATA / "typed.ordo")
    evaluated, failed = compare(ruleset, typed_table())
    # The rows with no code or count, a member of no enum and a line without a field fail.
    assert evaluated == 8 and 0 < failed < 8


def test_dates_as_of_each_row() -> None:
    """A per-row `as_of` reaches the same version and date as `evaluate_json(as_of=...)`."""
    ruleset = ordo.load(EXAMPLES / "bikes" / "bikes.ordo")
    document = json.loads((EXAMPLES / "bikes" / "quote.json").read_text(), parse_float=Decimal)
    days = [dt.date(2026, 1, 15), dt.date(2026, 7, 15), dt.date(2025, 6, 1)]
    table = pa.Table.from_pylist([document] * len(days))
    native = ruleset.evaluate_arrow(table, as_of=days).to_pylist()
    text = row_text(table.slice(0, 1).to_pylist()[0], {})
    for day, got in zip(days, native):
        try:
            result = json.loads(ruleset.evaluate_json(text, as_of=day), parse_float=Decimal)
        except ordo.OrdoError as error:
            assert (got["error_kind"], got["error_message"]) == (error.kind, error.message)
            continue
        assert got["quote.total"] == Decimal(result["quotes"]["quote"]["total"])


def test_bikes_rows_with_separators_nulls_and_floats() -> None:
    ruleset = ordo.load(EXAMPLES / "bikes" / "bikes.ordo")
    rows = 200
    table = pa.table(
        {
            "frame": [("city", "trekking", "gravel", "cargo", "tandem")[i % 5] for i in range(rows)],
            "quantity": pa.array([1 + (i * 7) % 40 if i % 23 else None for i in range(rows)], pa.int32()),
            "accessories": [("rack;lights", "", None, " fenders ; lock ", "rack;;rack")[i % 5]
                            for i in range(rows)],
            "fleet_discount": [(0.05, None, float("nan"), 0.1, 1e-7, 0.2, 1.5)[i % 7] for i in range(rows)],
            "dealer": [("direct", "registered", "premium", None)[i % 4] for i in range(rows)],
            "ship_to.country": [("DE", "AT", "CH", "US", None)[i % 5] for i in range(rows)],
            "ship_to.express": [(True, False, None)[i % 3] for i in range(rows)],
            "salesperson": [(None, "ana", "bo \"b\"")[i % 3] for i in range(rows)],
        }
    )
    evaluated, failed = compare(ruleset, table, separators={"accessories": ";"})
    assert evaluated == rows and 0 < failed < rows


def test_frames_give_the_arrow_tables_result() -> None:
    """pandas and polars frames of the same rows give the same columns as the Arrow table."""
    ruleset = ordo.load(DATA / "typed.ordo")
    table = typed_table().drop_columns(["lines", "colors"])
    expected = ruleset.evaluate_arrow(table, as_of=AS_OF).to_pylist()
    pd = pytest.importorskip("pandas")
    frame = table.to_pandas(types_mapper=pd.ArrowDtype)
    got = pa.Table.from_pandas(ruleset.evaluate_frame(frame, as_of=AS_OF), preserve_index=False)
    assert got.to_pylist() == expected
    pl = pytest.importorskip("polars")
    got = ruleset.evaluate_frame(pl.from_arrow(table), as_of=AS_OF).to_arrow()
    assert got.to_pylist() == expected
