"""Re-pricing an order book with dask: `evaluate_frame` on every partition, on a LocalCluster of
processes, with `result_schema("pandas")` as the `meta` dask needs to know the result columns.

    python examples/python/reprice_dask.py [--rows 1000000] [--workers 2] [--partitions 16]

Each order is priced at its own quote date (`as_of="quote_date"`); accessories come as
`;`-separated text, as from a CSV. The script prices the book serially too (unless
`--no-serial`) and checks that both give the same frame, Decimal scale included.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import pandas

import ordo

ROOT = Path(__file__).resolve().parents[2]
BIKES = ROOT / "examples" / "bikes" / "bikes.ordo"

FRAMES = ["city", "trekking", "gravel", "cargo"]
GROUPSETS = ["basic", "sport", "pro", "electric"]
ACCESSORIES = ["", "lights", "rack;lights", "fenders;lock;lights"]
DEALERS = ["direct", "registered", "premium"]
COUNTRIES = ["DE", "AT", "NL", "FR", "CH", "US"]


def order_book(rows: int) -> pandas.DataFrame:
    """A generated order book: one quote per row, quote dates across 2026."""
    index = pandas.RangeIndex(rows)
    i = index.to_numpy()
    frame = pandas.Series(FRAMES).take(i % 4).to_numpy()
    groupset = pandas.Series(GROUPSETS).take((i // 4) % 4).to_numpy()
    quantity = 1 + (i * 7) % 40
    start = dt.date(2026, 1, 1)
    return pandas.DataFrame(
        {
            "order_id": [f"Q{n:07d}" for n in i],
            "frame": frame,
            "size": pandas.Series(["m", "l"]).take(i % 2).to_numpy(),
            "groupset": groupset,
            "accessories": pandas.Series(ACCESSORIES).take(i % 4).to_numpy(),
            "quantity": quantity,
            "dealer": pandas.Series(DEALERS).take(i % 3).to_numpy(),
            "ship_to.country": pandas.Series(COUNTRIES).take(i % 6).to_numpy(),
            "ship_to.express": i % 5 == 0,
            "fleet_discount": [0.05 if q >= 10 and n % 2 else None for n, q in zip(i, quantity)],
            "quote_date": [start + dt.timedelta(days=int(n % 365)) for n in i],
        },
        index=index,
    )


def price(part: pandas.DataFrame, ruleset: ordo.Ruleset) -> pandas.DataFrame:
    """One partition priced: the result columns, the partition's index kept."""
    return ruleset.evaluate_frame(part, separator=";", as_of="quote_date")


def reprice(book: pandas.DataFrame, ruleset: ordo.Ruleset, *, workers: int, partitions: int):
    """The book priced on a LocalCluster of `workers` processes; returns (frame, seconds)."""
    import dask.dataframe as dd
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True) as cluster, Client(
        cluster
    ):
        started = time.perf_counter()
        # The bound method pickles with its ruleset (as the compiled artifact): nothing of this
        # script needs to be importable by the workers.
        lazy = dd.from_pandas(book, npartitions=partitions).map_partitions(
            ruleset.evaluate_frame,
            separator=";",
            as_of="quote_date",
            meta=ruleset.result_schema("pandas"),
        )
        priced = lazy.compute()
        return priced, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--partitions", type=int, default=16)
    parser.add_argument("--no-serial", action="store_true")
    args = parser.parse_args()

    bikes = ordo.load(BIKES)
    book = order_book(args.rows)
    priced, took = reprice(book, bikes, workers=args.workers, partitions=args.partitions)
    print(f"dask: {args.rows} orders in {took:.2f} s ({args.rows / took:,.0f} rows/s), "
          f"{args.workers} worker processes, {args.partitions} partitions")
    print(f"failed rows: {int(priced['error_kind'].notna().sum())}; "
          f"total of totals: {priced['quote.total'].sum()}")
    if not args.no_serial:
        started = time.perf_counter()
        serial = price(book, bikes)
        took = time.perf_counter() - started
        print(f"serial evaluate_frame: {took:.2f} s ({args.rows / took:,.0f} rows/s)")
        pandas.testing.assert_frame_equal(priced, serial)
        print("identical to the serial result")


if __name__ == "__main__":
    main()
