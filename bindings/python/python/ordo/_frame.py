"""DataFrames and Arrow tables in, DataFrames and Arrow tables out.

:meth:`ordo.Ruleset.evaluate_frame` (pandas, polars) and :meth:`ordo.Ruleset.evaluate_arrow`
(pyarrow) evaluate one input per row. A frame becomes a pyarrow Table; its input columns, named
by input path, go to the native module through the Arrow C data interface, which reads each
row's input straight from the Arrow buffers, evaluates every row on all cores with the
interpreter released and writes the result columns as Arrow arrays — no Python object per cell.
Column types the native reading leaves out (binary, ``floats="exact"`` on a float column...)
go through Python values instead: each column becomes one list in Arrow's own conversion (nulls,
NaN and ``pandas.NA`` are ``None``, decimal columns give ``Decimal``...), with the same results.

Input columns: a column named by a dotted path (``ship_to.country``) fills that nested field;
``columns`` selects columns (a list) or renames them (a mapping ``{column: path}``); without it,
every column whose name (or its first dotted part) is an input field is used and the others are
left out. A missing value leaves its field absent (its default applies). A list column fills a
list or set field; ``separator`` splits text columns for list and set fields (``"rack;lights"``).

Result columns (:func:`result_schema`): the outputs in declaration order (``Int`` → int64,
``Bool`` → bool, texts and enums → string, ``Date`` → date32, ``DateTime`` → timestamp[us, UTC],
``Duration`` → duration[s], sets and lists of texts → list<string>, ``Decimal``/``Percent`` →
string holding the exact decimal (a computed decimal's scale is not known in advance, and a fixed
Arrow scale would round it), records and other lists → their canonical JSON text); per price
block its ``NAME.total`` and ``NAME.SUBTOTAL`` as ``decimal128(38, s)`` with the currency's scale
``s`` (string when the currency is not a constant); ``valid``; ``violations`` (the ids of the
violated constraints, a list<string>); ``error_kind``, ``error_path``, ``error_message``, set for
the rows that failed (their other columns are null).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple, Union

if TYPE_CHECKING:
    from ordo._native import Ruleset, _Floats

__all__ = ["evaluate_frame", "evaluate_arrow", "result_schema", "results_table"]

_ERROR_COLUMNS = ("error_kind", "error_path", "error_message")


def _module(name: str) -> Any:
    """An optional library (imported by name: none of them is a dependency of ordo)."""
    try:
        return importlib.import_module(name)
    except ImportError as missing:  # pragma: no cover - depends on the environment
        raise ImportError(
            f"this needs {name} (pip install {name}); ordo itself does not depend on it"
        ) from missing


def _arrow() -> Any:
    return _module("pyarrow")


def _arrow_type(pa: Any, kind: str, scale: Optional[int]) -> Any:
    if kind == "money":
        return pa.decimal128(38, scale)
    return {
        "bool": pa.bool_(),
        "int": pa.int64(),
        "decimal": pa.string(),
        "text": pa.string(),
        "date": pa.date32(),
        "datetime": pa.timestamp("us", tz="UTC"),
        "duration": pa.duration("s"),
        "text_list": pa.list_(pa.string()),
        "json": pa.string(),
    }[kind]


def _arrow_schema(ruleset: "Ruleset") -> Any:
    pa = _arrow()
    fields = [
        pa.field(name, _arrow_type(pa, kind, scale))
        for name, kind, scale in ruleset._frame_columns()
    ]
    fields.append(pa.field("valid", pa.bool_()))
    fields.append(pa.field("violations", pa.list_(pa.string())))
    fields.extend(pa.field(name, pa.string()) for name in _ERROR_COLUMNS)
    return pa.schema(fields)


def result_schema(ruleset: "Ruleset", kind: str = "arrow") -> Any:
    """The result columns and their types: a ``pyarrow.Schema`` (``"arrow"``), or an empty
    pandas (``"pandas"``, Arrow-backed dtypes, usable as dask ``meta``) or polars
    (``"polars"``) DataFrame."""
    schema = _arrow_schema(ruleset)
    if kind == "arrow":
        return schema
    if kind == "pandas":
        pandas = _module("pandas")
        return schema.empty_table().to_pandas(types_mapper=pandas.ArrowDtype)
    if kind == "polars":
        return _module("polars").from_arrow(schema.empty_table())
    raise ValueError(f'kind must be "arrow", "pandas" or "polars", not {kind!r}')


def _to_table(frame: Any) -> Tuple[Any, str]:
    """The frame as a pyarrow Table, and which library it came from."""
    pa = _arrow()
    module = type(frame).__module__.split(".")[0]
    if module == "pandas" and hasattr(frame, "columns"):
        return pa.Table.from_pandas(frame, preserve_index=False), "pandas"
    if module == "polars" and hasattr(frame, "to_arrow"):
        return frame.to_arrow(), "polars"
    if isinstance(frame, pa.Table):
        return frame, "arrow"
    if isinstance(frame, pa.RecordBatch):
        return pa.Table.from_batches([frame]), "arrow"
    raise TypeError(
        f"expected a pandas or polars DataFrame or a pyarrow Table, not {type(frame).__name__}"
    )


def _input_columns(
    table: Any,
    kinds: Dict[str, str],
    columns: Union[None, Sequence[str], Mapping[str, str]],
    skip: Sequence[str],
) -> List[Tuple[str, str]]:
    """``(column, input path)`` pairs."""
    if columns is None:
        roots = {path.split(".")[0] for path in kinds}
        return [
            (name, name)
            for name in table.column_names
            if name not in skip and name.split(".")[0] in roots
        ]
    if isinstance(columns, Mapping):
        pairs = [(str(column), str(path)) for column, path in columns.items()]
    elif isinstance(columns, str):
        raise TypeError("columns must be a list of column names or a mapping, not a string")
    else:
        pairs = [(str(column), str(column)) for column in columns]
    missing = [column for column, _ in pairs if column not in table.column_names]
    if missing:
        raise KeyError(f"no such column(s): {', '.join(missing)}")
    return pairs


def _split(values: List[Any], separator: str) -> List[Any]:
    return [
        [part.strip() for part in value.split(separator) if part.strip()]
        if isinstance(value, str)
        else value
        for value in values
    ]


def _per_row(table: Any, value: Any) -> Any:
    """A column name becomes that column's values; anything else is passed on."""
    if isinstance(value, str) and value in table.column_names:
        return table.column(value).to_pylist()
    return value


def _evaluate_table(
    ruleset: "Ruleset",
    table: Any,
    *,
    columns: Union[None, Sequence[str], Mapping[str, str]],
    as_of: Any,
    approvals: Any,
    errors: str,
    separator: Union[None, str, Mapping[str, str]],
    floats: "_Floats",
) -> Any:
    if errors not in ("columns", "raise"):
        raise ValueError(f'errors must be "columns" or "raise", not {errors!r}')
    kinds = dict(ruleset._input_kinds())
    skip = [v for v in (as_of, approvals) if isinstance(v, str) and v in table.column_names]
    pairs = _input_columns(table, kinds, columns, skip)
    separators: Dict[str, str] = {}
    for column, path in pairs:
        sep = separator.get(column) if isinstance(separator, Mapping) else separator
        if sep is not None and kinds.get(path) == "list":
            if not isinstance(sep, str) or not sep:
                raise ValueError(f"the separator of column {column!r} must be a non-empty text")
            separators[path] = sep
    native = ruleset._evaluate_arrow(
        _native_input(table, pairs),
        separators,
        as_of=_per_row(table, as_of),
        approvals=_per_row(table, approvals),
        floats=floats,
    )
    if native is None:
        # A column type only Python's conversion reads (binary, floats="exact"...).
        return _evaluate_lists(ruleset, table, pairs, separators, as_of, approvals, errors, floats)
    result, failed = native
    _raise_first(failed, errors)
    return result


def _native_input(table: Any, pairs: List[Tuple[str, str]]) -> Any:
    """The input columns as a table whose columns are named by input path (dictionary-encoded
    columns, pandas' categoricals, decoded)."""
    pa = _arrow()
    arrays = []
    for column, _ in pairs:
        values = table.column(column)
        if pa.types.is_dictionary(values.type):
            values = values.cast(values.type.value_type)
        arrays.append(values)
    return pa.Table.from_arrays(arrays, names=[path for _, path in pairs])


def _raise_first(failed: List[Tuple[int, BaseException]], errors: str) -> None:
    if errors == "raise" and failed:
        index, error = failed[0]
        error.index = index  # type: ignore[attr-defined]
        raise error


def _evaluate_lists(
    ruleset: "Ruleset",
    table: Any,
    pairs: List[Tuple[str, str]],
    separators: Dict[str, str],
    as_of: Any,
    approvals: Any,
    errors: str,
    floats: "_Floats",
) -> Any:
    """Each input column as a list of Python values (Arrow's conversion), for the column types
    the native reading of Arrow arrays leaves to Python."""
    lists: List[Tuple[str, List[Any]]] = []
    for column, path in pairs:
        values = table.column(column).to_pylist()
        if path in separators:
            values = _split(values, separators[path])
        lists.append((path, values))
    out = ruleset._evaluate_columns(
        lists,
        table.num_rows,
        as_of=_per_row(table, as_of),
        approvals=_per_row(table, approvals),
        floats=floats,
    )
    failed: List[Tuple[int, BaseException]] = out.pop("__errors__")
    _raise_first(failed, errors)
    return _build_table(ruleset, out, failed, table.num_rows)


def _build_table(
    ruleset: "Ruleset",
    columns: Dict[str, List[Any]],
    failed: List[Tuple[int, BaseException]],
    rows: int,
) -> Any:
    pa = _arrow()
    schema = _arrow_schema(ruleset)
    error_values: Dict[str, List[Optional[str]]] = {
        name: [None] * rows for name in _ERROR_COLUMNS
    }
    for index, error in failed:
        error_values["error_kind"][index] = getattr(error, "kind", type(error).__name__)
        error_values["error_path"][index] = getattr(error, "path", None)
        error_values["error_message"][index] = getattr(error, "message", str(error))
    columns.update(error_values)
    arrays = [pa.array(columns[field.name], type=field.type) for field in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def evaluate_arrow(ruleset: "Ruleset", table: Any, **options: Any) -> Any:
    """:meth:`ordo.Ruleset.evaluate_arrow`."""
    table, _ = _to_table(table)
    return _evaluate_table(ruleset, table, **options)


def evaluate_frame(ruleset: "Ruleset", frame: Any, **options: Any) -> Any:
    """:meth:`ordo.Ruleset.evaluate_frame`."""
    table, library = _to_table(frame)
    result = _evaluate_table(ruleset, table, **options)
    if library == "pandas":
        pandas = _module("pandas")
        out = result.to_pandas(types_mapper=pandas.ArrowDtype)
        out.index = frame.index
        return out
    if library == "polars":
        return _module("polars").from_arrow(result)
    return result


def _cell(result: Any, name: str, kind: str, outputs: Dict[str, Any]) -> Any:
    """One result column's value from a result dict."""
    if name in outputs:
        value = outputs[name]
    else:
        block, _, part = name.partition(".")
        quote = result["quotes"].get(block)
        if quote is None:
            return None
        value = quote["total"] if part == "total" else quote["subtotals"].get(part)
    if value is None:
        return None
    if kind == "decimal":
        return format(value, "f")
    if kind == "json":
        import json

        return json.dumps(value, default=lambda v: format(v, "f") if hasattr(v, "as_tuple") else str(v))
    return value


def results_table(ruleset: "Ruleset", items: Sequence[Any]) -> Any:
    """The results of :meth:`~ordo.Ruleset.evaluate_many` as the table of
    :meth:`~ordo.Ruleset.evaluate_frame` (for :meth:`ordo.BatchResult.to_frame`)."""
    spec = ruleset._frame_columns()
    output_names = set(ruleset.output_names)
    columns: Dict[str, List[Any]] = {name: [] for name, _, _ in spec}
    columns["valid"] = []
    columns["violations"] = []
    failed: List[Tuple[int, BaseException]] = []
    for index, item in enumerate(items):
        if isinstance(item, BaseException):
            failed.append((index, item))
            for values in columns.values():
                values.append(None)
            continue
        outputs = {k: v for k, v in item["outputs"].items() if k in output_names}
        for name, kind, _ in spec:
            columns[name].append(_cell(item, name, kind, outputs))
        columns["valid"].append(item["valid"])
        columns["violations"].append([v["id"] for v in item["violations"]])
    return _build_table(ruleset, columns, failed, len(items))
