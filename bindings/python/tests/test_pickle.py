"""A Ruleset travels as its compiled artifact: pickle, multiprocessing (spawn), files."""

from __future__ import annotations

import copy
import multiprocessing
import pickle

import pytest

import ordo
from conftest import DATA

PRICING_INPUTS = [{"plan": plan, "seats": seats} for plan in ("basic", "pro") for seats in (1, 5, 444)]


@pytest.fixture(scope="module")
def pricing():
    return ordo.load(DATA / "pricing.ordo")


def test_artifact_round_trip(pricing):
    data = pricing.to_artifact()
    assert isinstance(data, bytes) and data
    loaded = ordo.Ruleset.from_artifact(data)
    assert (loaded.name, loaded.version, loaded.hash) == (pricing.name, pricing.version, pricing.hash)
    for item in PRICING_INPUTS:
        assert loaded.result_to_json(loaded.evaluate(item)) == pricing.result_to_json(pricing.evaluate(item))


def test_damaged_artifact_is_refused(pricing):
    data = bytearray(pricing.to_artifact())
    with pytest.raises(ordo.InputError) as raised:
        ordo.Ruleset.from_artifact(b"not an artifact")
    assert raised.value.kind == "invalid_request"
    # Change one digit of the canonical hash: the integrity check notices.
    at = data.index(b"sha256:") + 7
    data[at] = ord("0") if data[at] != ord("0") else ord("1")
    with pytest.raises(ordo.InputError):
        ordo.Ruleset.from_artifact(bytes(data))


def test_load_reads_an_artifact_file(pricing, tmp_path):
    path = tmp_path / "pricing.ordoc"
    path.write_bytes(pricing.to_artifact())
    assert ordo.load(path).hash == pricing.hash


def test_pickle(pricing):
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        loaded = pickle.loads(pickle.dumps(pricing, protocol=protocol))
        assert isinstance(loaded, ordo.Ruleset)
        assert loaded.hash == pricing.hash
        assert loaded.evaluate(PRICING_INPUTS[-1]) == pricing.evaluate(PRICING_INPUTS[-1])
    assert copy.deepcopy(pricing).hash == pricing.hash


def test_pickle_an_example_with_tables(bikes, bikes_quote):
    data = bikes.to_artifact()
    assert ordo.Ruleset.from_artifact(data).hash == bikes.hash
    loaded = pickle.loads(pickle.dumps(bikes))
    assert loaded.result_to_json(loaded.evaluate(bikes_quote)) == bikes.result_to_json(bikes.evaluate(bikes_quote))


def _total(ruleset: ordo.Ruleset, item: dict):
    return ruleset.evaluate(item)["quotes"]["quote"]["total"]


def test_spawned_process_pool(pricing):
    expected = [_total(pricing, item) for item in PRICING_INPUTS]
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        totals = pool.starmap(_total, [(pricing, item) for item in PRICING_INPUTS])
    assert totals == expected


def _evaluate_or_error(ruleset: ordo.Ruleset, item: dict):
    try:
        return ruleset.evaluate(item)
    except ordo.OrdoError as error:
        return error


def test_errors_come_back_from_a_pool(pricing):
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        error = pool.apply(_evaluate_or_error, (pricing, {"plan": "gold", "seats": 1}))
        with pytest.raises(ordo.InputError):
            pool.apply(pricing.evaluate, ({"seats": 1},))
    assert isinstance(error, ordo.InputError) and error.path == "plan"
