"""`ordo.Registry`: versions resolved by requirement, `latest` and date."""

from __future__ import annotations

import datetime as dt

import pytest

import ordo

TEMPLATE = """ruleset rates version "{version}"
{effective}
input {{ amount: Decimal }}
output fee = amount * {rate}
"""


def version(v: str, rate: str, effective: str = "") -> ordo.Ruleset:
    line = f"effective {effective}" if effective else ""
    return ordo.compile(TEMPLATE.format(version=v, effective=line, rate=rate))


@pytest.fixture()
def registry():
    registry = ordo.Registry()
    registry.add(version("1.0.0", "0.01", "2026-01-01"))
    registry.add(version("1.2.0", "0.02", "2026-04-01"))
    registry.add(version("1.10.1", "0.03", "2026-07-01"))
    registry.add(version("2.0.0", "0.04", "2027-01-01"))
    return registry


def test_listing(registry):
    assert registry.names() == ["rates"]
    assert registry.versions("rates") == ["1.0.0", "1.2.0", "1.10.1", "2.0.0"]
    assert len(registry) == 4
    assert "rates" in registry and "other" not in registry
    assert "4 version" in repr(registry)


@pytest.mark.parametrize(
    "selector, expected",
    [
        (None, "2.0.0"),
        ("latest", "2.0.0"),
        ("1.2.0", "1.2.0"),
        ("^1.2", "1.10.1"),
        ("~1.2", "1.2.0"),
        (">=1.0, <1.5", "1.2.0"),
    ],
)
def test_resolve_by_version(registry, selector, expected):
    ruleset = registry.resolve("rates", selector) if selector else registry.resolve("rates")
    assert ruleset.version == expected


def test_resolve_by_date(registry):
    assert registry.resolve("rates", as_of=dt.date(2026, 5, 1)).version == "1.2.0"
    assert registry.resolve("rates", as_of="2026-07-01").version == "1.10.1"
    assert registry.resolve("rates", "2026-12-31").version == "1.10.1"
    with pytest.raises(ordo.InputError) as raised:
        registry.resolve("rates", as_of=dt.date(2025, 1, 1))
    assert raised.value.kind == "invalid_request"


def test_resolved_rulesets_evaluate(registry):
    ruleset = registry.resolve("rates", "^1")
    assert str(ruleset.evaluate({"amount": "100.00"})["outputs"]["fee"]) == "3.0000"


def test_errors(registry):
    with pytest.raises(ordo.InputError) as raised:
        registry.resolve("rate")
    assert "rates" in (raised.value.hint or "")
    with pytest.raises(ordo.InputError):
        registry.resolve("rates", "^3")
    with pytest.raises(ordo.InputError):
        registry.resolve("rates", "not a version")
    with pytest.raises(ordo.InputError):
        registry.resolve("rates", "1.0.0", as_of="2026-01-01")
    # A published version never changes; the identical one may be added again.
    registry.add(version("1.0.0", "0.01", "2026-01-01"))
    with pytest.raises(ordo.InputError) as raised:
        registry.add(version("1.0.0", "0.05", "2026-01-01"))
    assert "different content" in str(raised.value)
    with pytest.raises(TypeError):
        registry.add("not a ruleset")
