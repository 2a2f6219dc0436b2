"""Every exception type with its fields."""

from __future__ import annotations

import pickle

import pytest

import ordo
from conftest import DATA


@pytest.fixture(scope="module")
def faults():
    return ordo.load(DATA / "faults.ordo")


CLEAN = {"segment": "retail", "region": "north", "units": 4, "split": 2}


def test_hierarchy():
    for cls in (ordo.CompileError, ordo.InputError, ordo.EvaluationError):
        assert issubclass(cls, ordo.OrdoError)
    assert issubclass(ordo.OrdoError, Exception)


def test_compile_error_diagnostics():
    source = 'ruleset demo version "1.0.0"\ninput { quantity: Int }\noutput double = quantity * 2\noutput bad = quantiy + 1\n'
    with pytest.raises(ordo.CompileError) as raised:
        ordo.compile(source, filename="demo.ordo")
    error = raised.value
    assert error.kind == "compile"
    assert error.diagnostics, "at least one diagnostic"
    first = error.diagnostics[0]
    for key in ("kind", "message", "line", "column", "hint"):
        assert key in first, key
    assert first["kind"] == "unknown_name"
    assert first["line"] == 4
    assert first["column"] == 14
    assert "quantity" in first["hint"]
    assert first["file"] == "demo.ordo"
    assert error.message == first["message"]
    # The rendering shows the file, the line and the hint.
    text = str(error)
    assert "demo.ordo" in text and "quantiy" in text


def test_compile_error_reports_every_problem():
    source = 'ruleset demo version "1.0.0"\ninput { q: Int }\noutput a = x\noutput b = y\n'
    with pytest.raises(ordo.CompileError) as raised:
        ordo.compile(source)
    lines = sorted(d["line"] for d in raised.value.diagnostics)
    assert lines == [3, 4]
    assert all(d["file"] == "<string>" for d in raised.value.diagnostics)


def test_syntax_error_is_a_compile_error():
    with pytest.raises(ordo.CompileError) as raised:
        ordo.compile("ruleset x version\n")
    assert raised.value.diagnostics[0]["kind"] == "syntax"
    assert raised.value.diagnostics[0]["line"] in (1, 2)


def test_missing_input(faults):
    with pytest.raises(ordo.InputError) as raised:
        faults.evaluate({"segment": "retail", "region": "north"})
    error = raised.value
    assert error.kind == "missing_input"
    assert error.path == "units"
    assert error.rule is None
    assert str(error).startswith("missing_input: ")


def test_invalid_input_with_hint(faults):
    with pytest.raises(ordo.InputError) as raised:
        faults.evaluate({**CLEAN, "segment": "retial"})
    error = raised.value
    assert error.kind == "invalid_input"
    assert error.path == "segment"
    assert error.hint and "retail" in error.hint


def test_unknown_field_and_further_problems(faults):
    with pytest.raises(ordo.InputError) as raised:
        faults.evaluate({"segment": "retail", "region": "north", "unitz": 4})
    error = raised.value
    # The first problem in schema order, then the others.
    assert (error.kind, error.path) == ("missing_input", "units")
    assert [(m["kind"], m["path"]) for m in error.more] == [("unknown_field", "unitz")]
    assert "units" in error.more[0]["hint"]


def test_deep_and_circular_values_are_refused_with_their_path(faults):
    deep = 1
    for _ in range(100_000):
        deep = {"a": deep}
    circular = []
    circular.append(circular)
    for value, path_start in ((deep, "units.a.a"), (circular, "units[0][0]")):
        with pytest.raises(ordo.InputError) as raised:
            faults.evaluate({**CLEAN, "units": value})
        assert raised.value.kind == "invalid_input"
        assert raised.value.path.startswith(path_start)
        assert "nests more than 128 levels deep" in str(raised.value)


def _else_if_chain(depth):
    chain = "".join(f"if x == {i} then {i} else " for i in range(depth))
    return f'ruleset deep version "1.0.0"\n\ninput {{\n  x: Int\n}}\n\noutput y = {chain}0\n'


def test_rulesets_at_the_depth_limit_run_and_deeper_ones_are_refused_on_a_small_thread():
    import threading

    outcome = {}

    def work():
        try:
            at_limit = ordo.compile(_else_if_chain(63))
            outcome["y"] = at_limit.evaluate({"x": 62})["outputs"]["y"]
            for depth in (64, 2_500, 100_000):
                with pytest.raises(ordo.CompileError) as raised:
                    ordo.compile(_else_if_chain(depth))
                assert "nest more than 64 levels deep" in str(raised.value)
            outcome["ok"] = True
        except BaseException as error:  # reported on the main thread
            outcome["error"] = error

    previous = threading.stack_size(1024 * 1024)
    try:
        thread = threading.Thread(target=work)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(previous)
    if "error" in outcome:
        raise outcome["error"]
    assert outcome == {"y": 62, "ok": True}


def test_invalid_request(faults):
    with pytest.raises(ordo.InputError) as raised:
        faults.evaluate(CLEAN, approvals={"nope": {}})
    assert raised.value.kind == "invalid_request"
    assert raised.value.path == "approvals.nope"


@pytest.mark.parametrize(
    "change, kind, rule",
    [
        ({"segment": "partner"}, "no_match", "channel"),
        ({"segment": "wholesale", "units": 70}, "multiple_matches", "channel"),
        ({"region": "east"}, "missing_key", "region_rate"),
        ({"split": 0}, "division_by_zero", "per_part"),
        ({"units": 101}, "out_of_bands", "freight"),
    ],
)
def test_evaluation_errors(faults, change, kind, rule):
    with pytest.raises(ordo.EvaluationError) as raised:
        faults.evaluate({**CLEAN, **change})
    error = raised.value
    assert error.kind == kind
    if kind == "division_by_zero":
        assert error.rule in (None, rule)
    else:
        assert error.rule == rule
    assert error.path is None
    assert error.to_dict()["kind"] == kind


def test_errors_pickle(faults):
    with pytest.raises(ordo.InputError) as raised:
        faults.evaluate({**CLEAN, "segment": "retial"})
    copy = pickle.loads(pickle.dumps(raised.value))
    assert type(copy) is ordo.InputError
    assert (copy.kind, copy.path, copy.hint, str(copy)) == (
        raised.value.kind, raised.value.path, raised.value.hint, str(raised.value))
    with pytest.raises(ordo.CompileError) as compile_raised:
        ordo.compile("ruleset x version\n")
    copy = pickle.loads(pickle.dumps(compile_raised.value))
    assert copy.diagnostics == compile_raised.value.diagnostics


def test_evaluate_json_raises_the_same_errors(faults):
    with pytest.raises(ordo.InputError) as raised:
        faults.evaluate_json("{not json")
    assert raised.value.kind == "invalid_request"
    with pytest.raises(ordo.EvaluationError) as raised:
        faults.evaluate_json('{"segment": "partner", "region": "north", "units": 4}')
    assert raised.value.kind == "no_match"



def test_evaluate_json_refuses_a_key_given_twice(faults):
    # A dict cannot hold a key twice; JSON text can, and is refused rather than read as the last.
    with pytest.raises(ordo.InputError) as raised:
        faults.evaluate_json('{"segment": "retail", "segment": "partner", "region": "north", "units": 4}')
    assert raised.value.kind == "invalid_input"
    assert raised.value.path == "segment"
    assert "appears twice" in str(raised.value)


def test_evaluate_json_skips_a_byte_order_mark(faults):
    import json

    text = json.dumps(CLEAN)
    assert faults.evaluate_json("\ufeff" + text) == faults.evaluate_json(text)


CONTRACTS = """ruleset contracts version "1.0.0"
effective 2026-01-01
enum Model { c10, c20 }
input { customer: Text  model: Model }
table contract_price: (Text, Model) -> Decimal from "contracts.csv"
output unit = contract_price[customer, model]? ?? 1.00
"""
CONTRACTS_CSV = (
    "customer,model,price,valid_from,valid_to\n"
    "C-1,c20,200.00,2026-01-01,2026-07-01\n"
    "C-1,c20,210.00,2026-07-01,\n"
)


def test_data_files_are_given_by_name_and_read_at_the_date():
    import datetime

    ruleset = ordo.compile(CONTRACTS, files={"contracts.csv": CONTRACTS_CSV})
    quote = {"customer": "C-1", "model": "c20"}
    assert str(ruleset.evaluate(quote, as_of=datetime.date(2026, 3, 1))["outputs"]["unit"]) == "200.00"
    assert str(ruleset.evaluate(quote, as_of=datetime.date(2026, 8, 1))["outputs"]["unit"]) == "210.00"
    changed = ordo.compile(CONTRACTS, files={"contracts.csv": CONTRACTS_CSV.replace("210.00", "211.00")})
    assert changed.hash != ruleset.hash


def test_data_files_are_read_beside_a_loaded_ruleset(tmp_path):
    (tmp_path / "contracts.ordo").write_text(CONTRACTS)
    (tmp_path / "contracts.csv").write_text(CONTRACTS_CSV)
    loaded = ordo.load(tmp_path / "contracts.ordo")
    assert loaded.hash == ordo.compile(CONTRACTS, files={"contracts.csv": CONTRACTS_CSV}).hash


def test_a_bad_data_cell_is_a_compile_error_with_its_place():
    with pytest.raises(ordo.CompileError) as caught:
        ordo.compile(CONTRACTS, files={"contracts.csv": CONTRACTS_CSV.replace("200.00", "lots")})
    first = caught.value.diagnostics[0]
    assert first["kind"] == "invalid_data"
    assert first["file"] == "contracts.csv"
    assert first["line"] == 2
