"""Shared fixtures: the repository's examples, the CLI to compare with, the conformance suite."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any, List, Optional

import pytest

import ordo

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "examples"
BIKES = EXAMPLES / "bikes" / "bikes.ordo"
FREIGHT = EXAMPLES / "freight" / "freight.ordo"
DATA = Path(__file__).resolve().parent / "data"


def conformance_dir() -> Optional[Path]:
    """The conformance suite: $ORDO_CONFORMANCE, else ../shared/conformance beside the repo."""
    configured = os.environ.get("ORDO_CONFORMANCE")
    folder = Path(configured) if configured else REPO.parent / "shared" / "conformance"
    return folder if folder.is_dir() else None


def cli_path() -> Optional[Path]:
    """The `ordo` CLI built by `cargo build --bin ordo`: $ORDO_CLI, else the target dir's."""
    configured = os.environ.get("ORDO_CLI")
    if configured:
        return Path(configured)
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    candidate = target / "debug" / "ordo"
    if candidate.is_file():
        return candidate
    found = shutil.which("ordo")
    return Path(found) if found else None


@pytest.fixture(scope="session")
def cli() -> Path:
    path = cli_path()
    if path is None or not path.is_file():
        pytest.fail(
            "the ordo CLI is needed to compare results byte for byte: run `cargo build --bin ordo` "
            "or set ORDO_CLI"
        )
    return path


def run_cli(cli: Path, args: List[str], stdin: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(cli), *args],
        input=stdin.encode("utf-8"),
        capture_output=True,
        check=False,
        timeout=120,
    )


def load_json(path: Path) -> Any:
    """JSON with its decimals as Decimal, as a Python caller should read money."""
    return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)


def json_text(value: Any) -> str:
    """Compact JSON of plain values, Decimals written as the numbers they are."""

    def encode(v: Any) -> str:
        if isinstance(v, Decimal):
            return format(v, "f")
        if isinstance(v, dict):
            return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + encode(x) for k, x in v.items()) + "}"
        if isinstance(v, (list, tuple)):
            return "[" + ",".join(encode(x) for x in v) + "]"
        return json.dumps(v, ensure_ascii=False)

    return encode(value)


@pytest.fixture(scope="session")
def bikes() -> ordo.Ruleset:
    return ordo.load(BIKES)


@pytest.fixture(scope="session")
def bikes_quote() -> dict:
    return load_json(EXAMPLES / "bikes" / "quote.json")


@pytest.fixture(scope="session")
def typed() -> ordo.Ruleset:
    return ordo.load(DATA / "typed.ordo")
