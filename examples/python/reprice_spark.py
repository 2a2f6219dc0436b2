"""Re-pricing an order book with PySpark: `mapInArrow` hands each task's rows to
`evaluate_arrow` as Arrow record batches, and `result_schema()` gives Spark the result's
schema. Each executor loads the ruleset once (`ordo.Loader`).

    python examples/python/reprice_spark.py [--rows 100000] [--partitions 8]

Needs pyspark (3.3 or later, for `mapInArrow`) and Java 17. The script checks the result
against one `evaluate_frame` of the whole book.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pandas
import pyarrow

import ordo

ROOT = Path(__file__).resolve().parents[2]
BIKES = ROOT / "examples" / "bikes" / "bikes.ordo"


def order_book(rows: int) -> pandas.DataFrame:
    """The generated book of `reprice_dask.py`."""
    spec = importlib.util.spec_from_file_location("reprice_dask", Path(__file__).with_name("reprice_dask.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.order_book(rows)


def result_schema(loader: ordo.Loader) -> pyarrow.Schema:
    """The columns of a priced batch: the order id, then the ruleset's result columns."""
    schema = loader.result_schema()
    return schema.insert(0, pyarrow.field("order_id", pyarrow.string()))


def spark_names(book: pandas.DataFrame) -> pandas.DataFrame:
    """Spark reads a dot in a column name as a field of a struct: `ship_to.country` becomes
    `ship_to__country` on the way in, and `columns=` maps it back to its input path."""
    return book.rename(columns=lambda name: name.replace(".", "__"))


def input_paths(names: Iterator[str]) -> dict:
    """`{spark column: input path}` of the input columns (the order id and date left out)."""
    return {name: name.replace("__", ".") for name in names if name not in ("order_id", "quote_date")}


def pricer(loader: ordo.Loader):
    """The function `mapInArrow` runs on each task's batches."""

    def price(batches: Iterator[pyarrow.RecordBatch]) -> Iterator[pyarrow.RecordBatch]:
        for batch in batches:
            out = loader.evaluate_arrow(
                batch,
                columns=input_paths(iter(batch.schema.names)),
                separator=";",
                as_of="quote_date",
            )
            out = out.add_column(0, "order_id", batch.column("order_id").cast(pyarrow.string()))
            yield from out.to_batches()

    return price


def spark_schema(schema: pyarrow.Schema) -> Any:
    """The Arrow schema as Spark's (decimal128(38, 2) → DecimalType(38, 2), list<string> →
    ArrayType(StringType), ...)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    return from_arrow_schema(schema)


def reprice(spark: Any, book: pandas.DataFrame, loader: ordo.Loader, partitions: int):
    """The book priced by Spark; returns (pandas frame ordered by order id, seconds)."""
    orders = spark.createDataFrame(spark_names(book)).repartition(partitions)
    started = time.perf_counter()
    priced = orders.mapInArrow(pricer(loader), spark_schema(result_schema(loader)))
    # `toArrow` is pyspark 4's; 3.x has only the private form of it.
    to_arrow = getattr(priced, "toArrow", None)
    table = to_arrow() if to_arrow else pyarrow.Table.from_batches(priced._collect_as_arrow())
    took = time.perf_counter() - started
    frame = table.to_pandas(types_mapper=pandas.ArrowDtype)
    return frame.sort_values("order_id").reset_index(drop=True), took


def session(partitions: int) -> Any:
    from pyspark.sql import SparkSession

    # The workers' Python is this one, where ordo is installed.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master("local[2]")
        .appName("ordo-reprice")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--partitions", type=int, default=8)
    args = parser.parse_args()

    loader = ordo.Loader(BIKES)
    book = order_book(args.rows)
    spark = session(args.partitions)
    try:
        priced, took = reprice(spark, book, loader, args.partitions)
    finally:
        spark.stop()
    print(f"spark: {args.rows} orders in {took:.2f} s ({args.rows / took:,.0f} rows/s)")
    serial = loader.evaluate_frame(book, separator=";", as_of="quote_date")
    assert list(priced["quote.total"]) == list(serial["quote.total"])
    print("totals identical to the serial result")


if __name__ == "__main__":
    main()
