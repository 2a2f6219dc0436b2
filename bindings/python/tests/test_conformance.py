"""The conformance suite run through Python.

Every case is run with the Python API and judged by the suite's rules (README.md of the suite).
Each `evaluate` case is also run through the CLI (`ordo eval --compact`): the engine's JSON text
from `Ruleset.evaluate_json`, and the Python result written back with `Ruleset.result_to_json`,
must both equal the CLI's output byte for byte; a failing case must raise the same error. The
other operations are compared with `ordo workflow` / `ordo configure` the same way. The suite's
folder is $ORDO_CONFORMANCE, else ../shared/conformance beside the repository; without it these
tests are skipped.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, List, Optional

import pytest

import ordo
from conftest import conformance_dir, json_text, load_json, run_cli

SUITE = conformance_dir()


def collect():
    if SUITE is None:
        return [pytest.param(None, None, None, marks=pytest.mark.skip(reason="no conformance suite (set ORDO_CONFORMANCE)"))]
    params = []
    for folder in sorted(p for p in SUITE.iterdir() if (p / "cases.json").is_file()):
        cases = load_json(folder / "cases.json")
        if isinstance(cases, dict):
            params.append(pytest.param(folder, None, cases, id=f"{folder.name}: compile error"))
            continue
        for i, case in enumerate(cases):
            name = case.get("name", f"case {i + 1}")
            params.append(pytest.param(folder, i, case, id=f"{folder.name}: {name}"))
    return params


_compiled = {}


def ruleset_of(folder: Path) -> ordo.Ruleset:
    if folder not in _compiled:
        _compiled[folder] = ordo.load(folder / "ruleset.ordo")
    return _compiled[folder]


def as_decimal(text: Any) -> Optional[Decimal]:
    if not isinstance(text, str):
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def mismatch(expected: Any, actual: Any, path: str = "") -> Optional[str]:
    """Where `actual` does not match the partial expectation, by the suite's rules."""
    where = f"`{path}`" if path else "the result"
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key, value in expected.items():
            child = f"{path}.{key}" if path else key
            if key not in actual:
                return f"`{child}` is missing"
            found = mismatch(value, actual[key], child)
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return f"{where} has {len(actual)} element(s), expected {len(expected)}: {actual!r}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            found = mismatch(e, a, f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(expected, str) and isinstance(actual, str):
        x, y = as_decimal(expected), as_decimal(actual)
        if (x is not None and y is not None and x == y) or expected == actual:
            return None
        return f"{where} is {actual!r}, expected {expected!r}"
    if type(expected) is type(actual) and expected == actual:
        return None
    return f"{where} is {actual!r}, expected {expected!r}"


def judge(case: dict, result: Optional[Any], error: Optional[ordo.OrdoError]) -> None:
    if "expect_error" in case:
        assert error is not None, f"expected the error {case['expect_error']}, but it succeeded"
        found = mismatch(case["expect_error"], error.to_dict(), "error")
        assert found is None, f"{found}\nthe error was: {error}"
    else:
        assert "expect" in case, "the case has neither `expect` nor `expect_error`"
        assert error is None, f"unexpected error: {error}"
        found = mismatch(case["expect"], result)
        assert found is None, found


def run(method, **kwargs):
    try:
        return method(**kwargs), None
    except ordo.OrdoError as error:
        return None, error


def write(tmp_path: Path, name: str, value: Any) -> str:
    path = tmp_path / name
    path.write_text(json_text(value), encoding="utf-8")
    return str(path)


def compare_with_cli(cli, args: List[str], stdin: str, canonical: Optional[str], error) -> None:
    out = run_cli(cli, [*args, "--compact", "--format", "json"], stdin)
    stdout = out.stdout.decode("utf-8").rstrip("\n")
    if out.returncode == 0:
        assert error is None, f"the CLI succeeded but Python raised {error!r}"
        assert canonical == stdout
    else:
        assert error is not None, f"the CLI failed ({out.stderr.decode()}) but Python succeeded"
        cli_error = json.loads(stdout, parse_float=Decimal)["error"]
        assert error.to_dict() == cli_error


@pytest.mark.parametrize("folder, index, case", collect())
def test_case(folder, index, case, cli, tmp_path):
    if index is None:
        expected = case["compile_error"]
        with pytest.raises(ordo.CompileError) as raised:
            ordo.load(folder / "ruleset.ordo")
        lines = expected.get("lines", [])
        hits = [d for d in raised.value.diagnostics
                if d["kind"] == expected["kind"] and (not lines or d["line"] in lines)]
        assert hits, f"expected a {expected['kind']} error at line {lines}: {raised.value.diagnostics}"
        return
    ruleset = ruleset_of(folder)
    source = str(folder / "ruleset.ordo")
    op = case.get("op", "evaluate")
    data = case.get("input")
    as_of = case.get("as_of")
    approvals = case.get("approvals")
    common = ["--input", "-"]
    if as_of:
        common += ["--as-of", as_of]
    if approvals is not None:
        common += ["--approvals", write(tmp_path, "approvals.json", approvals)]
    if op == "evaluate":
        result, error = run(ruleset.evaluate, input=data, as_of=as_of, approvals=approvals)
        canonical = None if result is None else ruleset.result_to_json(result)
        if result is not None:
            engine_text = ruleset.evaluate_json(json_text(data), as_of=as_of, approvals=approvals)
            assert canonical == engine_text
        compare_with_cli(cli, ["eval", source, *common], json_text(data), canonical, error)
    elif op == "configure":
        result, error = run(ruleset.configure, partial=data, as_of=as_of, complete=bool(case.get("complete")))
        canonical = None if result is None else ruleset.result_to_json(result, op=op)
        extra = ["--complete"] if case.get("complete") else []
        compare_with_cli(cli, ["configure", source, *common, *extra], json_text(data), canonical, error)
    elif op in ("transitions", "apply"):
        request = {key: case.get(key) for key in ("workflow", "state", "actor", "approvals", "as_of")}
        args = ["workflow", source, "--workflow", case["workflow"], "--state", case["state"], *common]
        if case.get("actor"):
            args += ["--actor", case["actor"]]
        if op == "apply":
            request.update(transition=case["transition"], event=case.get("event"))
            args += ["--apply", case["transition"]]
            if case.get("event") is not None:
                args += ["--event", write(tmp_path, "event.json", case["event"])]
        method = ruleset.transitions if op == "transitions" else ruleset.apply
        result, error = run(method, input=data, **request)
        canonical = None if result is None else ruleset.result_to_json(result, op=op)
        compare_with_cli(cli, args, json_text(data), canonical, error)
    else:
        pytest.fail(f"unknown op `{op}`")
    actual = None if canonical is None else json.loads(canonical, parse_float=Decimal)
    judge(case, actual, error)
