"""The dask recipe (examples/python/reprice_dask.py) on a LocalCluster of processes gives the
same frame as one serial evaluate_frame, Decimal scale included."""

from __future__ import annotations

import importlib.util
import sys

import pytest

import ordo
from conftest import BIKES, EXAMPLES

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
pytest.importorskip("dask.dataframe")
pytest.importorskip("dask.distributed")


def recipe():
    path = EXAMPLES / "python" / "reprice_dask.py"
    spec = importlib.util.spec_from_file_location("reprice_dask", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["reprice_dask"] = module
    spec.loader.exec_module(module)
    return module


def test_dask_matches_serial():
    reprice = recipe()
    bikes = ordo.load(BIKES)
    book = reprice.order_book(3000)
    priced, _ = reprice.reprice(book, bikes, workers=2, partitions=6)
    serial = reprice.price(book, bikes)
    pd.testing.assert_frame_equal(priced, serial)
    assert str(priced["quote.total"].dtype) == "decimal128(38, 2)[pyarrow]"
    assert priced["error_kind"].isna().all()
    # Orders are priced at their own dates: the July price list raised cargo frames.
    cargo = book["frame"] == "cargo"
    assert priced.loc[cargo, "unit_price_eur"].nunique() > 1
