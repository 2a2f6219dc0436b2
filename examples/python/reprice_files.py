"""Re-pricing an order book kept as Parquet files with dask: each worker reads its own
partitions (`dd.read_parquet`) and loads the ruleset once (`ordo.Loader`), so neither the book
nor the compiled ruleset travels in the task graph.

    python examples/python/reprice_files.py [--rows 200000] [--files 8] [--workers 2] [--dir DIR]

The script writes the generated book of `reprice_dask.py` as `--files` Parquet files (into a
temporary folder unless `--dir`), prices it on a LocalCluster of processes, and checks the
result against one serial `evaluate_frame` of the whole book.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas

import ordo

ROOT = Path(__file__).resolve().parents[2]
BIKES = ROOT / "examples" / "bikes" / "bikes.ordo"


def write_book(folder: Path, rows: int, files: int) -> pandas.DataFrame:
    """The order book of `reprice_dask.py` as `files` Parquet files in `folder`."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("reprice_dask", Path(__file__).with_name("reprice_dask.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    book = module.order_book(rows)
    step = -(-rows // files)
    for part, start in enumerate(range(0, rows, step)):
        book.iloc[start : start + step].to_parquet(folder / f"part-{part:03d}.parquet", index=False)
    return book


def price(part: pandas.DataFrame, loader: ordo.Loader) -> pandas.DataFrame:
    """One partition priced, its order ids kept beside the result columns."""
    out = loader.evaluate_frame(part, separator=";", as_of="quote_date")
    out.insert(0, "order_id", part["order_id"].astype("string[pyarrow]"))
    return out


def meta(loader: ordo.Loader) -> pandas.DataFrame:
    """The empty frame dask needs to know the result's columns and types."""
    out = loader.result_schema("pandas")
    out.insert(0, "order_id", pandas.Series([], dtype="string[pyarrow]"))
    return out


def reprice(folder: Path, loader: ordo.Loader, *, workers: int):
    """The book in `folder` priced on `workers` processes; returns (frame, seconds, how many
    times each worker loaded the ruleset)."""
    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True) as cluster, Client(
        cluster
    ) as client:
        started = time.perf_counter()
        # The graph holds file names and the loader (a path): each worker reads its files.
        book = dd.read_parquet(str(folder / "*.parquet"), dtype_backend="pyarrow")
        priced = book.map_partitions(price, loader, meta=meta(loader)).compute()
        took = time.perf_counter() - started
        loads = client.run(ordo._loader.load_count)
    return priced.reset_index(drop=True), took, loads


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as temporary:
        folder = args.dir or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        book = write_book(folder, args.rows, args.files)
        loader = ordo.Loader(BIKES)
        priced, took, loads = reprice(folder, loader, workers=args.workers)
        print(f"dask: {args.rows} orders from {args.files} files in {took:.2f} s "
              f"({args.rows / took:,.0f} rows/s); ruleset loads per worker: {sorted(loads.values())}")
        serial = price(book, loader).reset_index(drop=True)
        pandas.testing.assert_frame_equal(priced, serial, check_dtype=False)
        print("identical to the serial result")


if __name__ == "__main__":
    main()
