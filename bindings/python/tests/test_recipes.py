"""The recipes of examples/python: dask reading Parquet partitions in its workers with a
`Loader`, Spark's `mapInArrow` with `result_schema()`; and the Loader itself."""

from __future__ import annotations

import importlib.util
import pickle
import shutil

import pytest

import ordo
from conftest import BIKES, EXAMPLES


def recipe(name: str):
    """The example script as a module. It is left out of `sys.modules`, so that cloudpickle
    sends its functions to the workers by value (the workers cannot import it)."""
    path = EXAMPLES / "python" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_loader_pickles_as_its_source_and_loads_once(tmp_path):
    loader = ordo.Loader(BIKES)
    again = pickle.loads(pickle.dumps(loader))
    assert again.source == str(BIKES) and len(pickle.dumps(loader)) < 500
    before = ordo._loader.load_count()
    first = again.ruleset()
    assert loader.ruleset() is first and ordo._loader.load_count() <= before + 1
    artifact = ordo.Loader(first.to_artifact())
    assert pickle.loads(pickle.dumps(artifact)).ruleset().hash == first.hash
    # A changed file is loaded again.
    copy = tmp_path / "bikes.ordo"
    shutil.copy(BIKES, copy)
    old = ordo.Loader(copy).ruleset()
    copy.write_text(BIKES.read_text().replace('version "', 'version "9', 1))
    import os

    os.utime(copy, ns=(1, os.stat(copy).st_mtime_ns + 1_000_000))
    assert ordo.Loader(copy).ruleset().version != old.version


def test_dask_workers_read_their_partitions(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    pytest.importorskip("dask.dataframe")
    pytest.importorskip("dask.distributed")
    files = recipe("reprice_files")
    book = files.write_book(tmp_path, 3000, 6)
    loader = ordo.Loader(BIKES)
    priced, _, loads = files.reprice(tmp_path, loader, workers=2)
    serial = files.price(book, loader).reset_index(drop=True)
    pd.testing.assert_frame_equal(priced, serial, check_dtype=False)
    assert str(priced["quote.total"].dtype) == "decimal128(38, 2)[pyarrow]"
    assert priced["error_kind"].isna().all()
    # Every worker compiled the ruleset at most once for its partitions.
    assert loads and all(count <= 1 for count in loads.values()), loads


def test_spark_map_in_arrow():
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java")
    spark_recipe = recipe("reprice_spark")
    loader = ordo.Loader(BIKES)
    book = spark_recipe.order_book(2000)
    spark = spark_recipe.session(4)
    try:
        priced, _ = spark_recipe.reprice(spark, book, loader, 4)
    finally:
        spark.stop()
    serial = loader.evaluate_frame(book, separator=";", as_of="quote_date")
    assert list(priced["order_id"]) == list(book["order_id"])
    assert list(priced["quote.total"]) == list(serial["quote.total"])
    assert list(priced["valid"]) == list(serial["valid"])
    assert priced["error_kind"].isna().all()
