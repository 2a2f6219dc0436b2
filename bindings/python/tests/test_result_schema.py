"""The Python types of results against the engine's result schema.

``engine/schema/result.schema.json`` is the one description of the result format; the engine's
tests validate real results against it. Here each object definition of the schema has a
``TypedDict`` in ``ordo`` (named in ``TYPED_DICTS``) with the same keys, required exactly where
the schema requires them, each annotated with the schema's type as Python sees it (decimals are
``Decimal``, ``as_of`` a ``date``, the ruleset's own values ``Any``). Real results of every
operation are then walked with the schema: their keys are those of their ``TypedDict`` and their
decimals are ``Decimal`` objects.
"""

from __future__ import annotations

import datetime as dt
import json
import typing
from decimal import Decimal
from typing import Any, Dict, List, Literal, Union

import pytest

import ordo
from conftest import BIKES, EXAMPLES, REPO, load_json

SCHEMA = json.loads((REPO / "engine" / "schema" / "result.schema.json").read_text(encoding="utf-8"))
DEFINITIONS: Dict[str, Any] = SCHEMA["$defs"]

#: Each TypedDict of ``ordo`` and the schema definition it describes.
TYPED_DICTS = {
    "EvaluationResult": "EvaluationResult",
    "RulesetIdentity": "RulesetIdentity",
    "Violation": "Violation",
    "InputNote": "InputNote",
    "Quote": "Quote",
    "QuoteLine": "QuoteLine",
    "PartialQuote": "PartialQuote",
    "PartialQuoteLine": "PartialQuoteLine",
    "ApprovalChain": "ApprovalChain",
    "ApprovalStep": "ApprovalStep",
    "RefusedGrant": "RefusedGrant",
    "StepRefusal": "StepRefusal",
    "TraceEntry": "TraceEntry",
    "TraceRow": "TraceRow",
    "EngineError": "EvalError",
    "ConfigureResult": "ConfigureResult",
    "ConfigureField": "ConfigureField",
    "ConfigureOption": "ConfigureOption",
    "BlockingConstraint": "BlockingConstraint",
    "WarningConstraint": "WarningConstraint",
    "DeadEnd": "DeadEnd",
    "SearchSummary": "SearchSummary",
    "TransitionsResult": "TransitionsResult",
    "TransitionStatus": "TransitionStatus",
    "RoleReason": "RoleReason",
    "GuardReason": "GuardReason",
    "ApprovalsReason": "ApprovalsReason",
    "PreviousReason": "PreviousReason",
    "ApplyResult": "ApplyResult",
    "StartResult": "StartResult",
    "UpdateResult": "UpdateResult",
    "TimerCancel": "TimerCancel",
    "TimerResult": "TimerResult",
    "TriggerAction": "TriggerAction",
    "Timer": "Timer",
}

#: The definitions that are not objects, as Python sees them.
ALIASES: Dict[str, Any] = {
    "Decimal": Decimal,
    "Date": dt.date,
    "Timestamp": str,
    "Value": Any,
    "TransitionReason": ordo.TransitionReason,
}

DEFINITION_OF = {definition: name for name, definition in TYPED_DICTS.items()}


def python_type(schema: Dict[str, Any]) -> Any:
    """The annotation a property of the schema has in Python."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return ALIASES[name] if name in ALIASES else getattr(ordo, DEFINITION_OF[name])
    if "const" in schema:
        return Literal[schema["const"]]
    if "enum" in schema:
        return Literal[tuple(schema["enum"])]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return Union[tuple(python_type(choice) for choice in schema[key])]
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    simple = {"string": str, "boolean": bool, "integer": int, "null": type(None)}
    members = []
    for name in types:
        if name == "array":
            members.append(List[python_type(schema["items"])])
        elif name == "object":
            members.append(Dict[str, python_type(schema["additionalProperties"])])
        else:
            members.append(simple[name])
    return Union[tuple(members)]


def test_every_object_of_the_schema_has_a_typed_dict_and_every_other_definition_a_type():
    for name, definition in DEFINITIONS.items():
        if "properties" in definition:
            assert name in DEFINITION_OF, f"no TypedDict describes the schema's {name}"
            assert DEFINITION_OF[name] in ordo.__all__
        else:
            assert name in ALIASES, f"no Python type describes the schema's {name}"


@pytest.mark.parametrize("typed_dict, definition", sorted(TYPED_DICTS.items()))
def test_each_typed_dict_has_the_keys_of_its_definition(typed_dict: str, definition: str):
    cls = getattr(ordo, typed_dict)
    schema = DEFINITIONS[definition]
    properties = schema["properties"]
    assert set(cls.__annotations__) == set(properties), f"{typed_dict} and {definition} differ"
    assert set(cls.__required_keys__) == set(schema["required"]), f"{typed_dict}: required keys"
    assert set(cls.__optional_keys__) == set(properties) - set(schema["required"])
    hints = typing.get_type_hints(cls)
    for key, property in properties.items():
        assert hints[key] == python_type(property), f"{typed_dict}.{key}: {hints[key]}"


def test_the_error_carries_the_engine_errors_fields():
    fields = DEFINITIONS["EvalError"]["properties"]
    assert set(ordo.OrdoError.__annotations__) == set(fields)
    with pytest.raises(ordo.InputError) as raised:
        ordo.load(BIKES).evaluate({"frame": "tandem"})
    conforms(raised.value.to_dict(), {"$ref": "#/$defs/EvalError"}, "error")
    assert raised.value.to_dict()["more"], "the error lists further problems"


def conforms(value: Any, schema: Dict[str, Any], at: str) -> None:
    """Asserts that a Python result is what the schema describes, as Python sees it."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name == "Decimal":
            assert isinstance(value, Decimal), f"{at}: {value!r} is not a Decimal"
        elif name == "Date":
            assert isinstance(value, dt.date), f"{at}: {value!r} is not a date"
        elif name == "Timestamp":
            assert isinstance(value, str), f"{at}: {value!r} is not text"
        elif name != "Value":
            definition = DEFINITIONS[name]
            if "properties" not in definition:
                return conforms(value, definition, at)
            typed_dict = getattr(ordo, DEFINITION_OF[name])
            assert isinstance(value, dict), f"{at}: {value!r} is not a dict"
            keys = set(value)
            assert typed_dict.__required_keys__ <= keys, f"{at}: lacks {typed_dict.__required_keys__ - keys}"
            assert keys <= set(typed_dict.__annotations__), f"{at}: has {keys - set(typed_dict.__annotations__)}"
            for key, item in value.items():
                conforms(item, definition["properties"][key], f"{at}.{key}")
        return None
    if "const" in schema:
        assert value == schema["const"], at
        return None
    if "enum" in schema:
        assert value in schema["enum"], f"{at}: {value!r}"
        return None
    for key in ("anyOf", "oneOf"):
        if key in schema:
            choices = schema[key]
            if value is None and {"type": "null"} in choices:
                return None
            failures = []
            for choice in choices:
                try:
                    conforms(value, choice, at)
                    return None
                except AssertionError as failure:
                    failures.append(str(failure))
            raise AssertionError(f"{at}: no choice fits: {failures}")
    types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    if value is None:
        assert "null" in types, f"{at} is None"
    elif isinstance(value, bool):
        assert "boolean" in types, f"{at}: {value!r}"
    elif isinstance(value, int):
        assert "integer" in types, f"{at}: {value!r}"
    elif isinstance(value, str):
        assert "string" in types, f"{at}: {value!r}"
    elif isinstance(value, list):
        assert "array" in types, f"{at}: {value!r}"
        for i, item in enumerate(value):
            conforms(item, schema["items"], f"{at}[{i}]")
    elif isinstance(value, dict):
        assert "object" in types, f"{at}: {value!r}"
        for key, item in value.items():
            conforms(item, schema["additionalProperties"], f"{at}.{key}")
    else:
        raise AssertionError(f"{at}: {value!r} is not plain data")
    return None


ORDERS = EXAMPLES / "orders" / "orders.ordo"
UTC = dt.timezone.utc
EVENT = {
    "instance": "SO-1042",
    "seq": 1,
    "at": dt.datetime(2026, 3, 2, 9, 15, tzinfo=UTC),
    "entered_at": dt.datetime(2026, 3, 2, 8, 40, tzinfo=UTC),
}


def results():
    """Real results of every operation: (what, definition, result)."""
    bikes = ordo.load(BIKES)
    quote = load_json(EXAMPLES / "bikes" / "quote.json")
    granted = {"discounts": {"lead": {"by": "ana", "facts": {"quantity": "12"}}}}
    yield "bikes evaluate", "EvaluationResult", bikes.evaluate(quote, as_of="2026-03-02")
    yield "bikes evaluate traced", "EvaluationResult", bikes.evaluate(quote, trace=True, approvals=granted)
    yield "bikes configure", "ConfigureResult", bikes.configure({"frame": "gravel"})
    yield "bikes configure complete", "ConfigureResult", bikes.configure(
        load_json(EXAMPLES / "bikes" / "invalid.json"), complete=True
    )
    freight = ordo.load(EXAMPLES / "freight" / "freight.ordo")
    for case in ("parcel", "pallet"):
        yield f"freight {case}", "EvaluationResult", freight.evaluate(
            load_json(EXAMPLES / "freight" / f"{case}.json"), as_of="2026-03-02", trace=True
        )
    orders = ordo.load(ORDERS)
    order = load_json(EXAMPLES / "orders" / "order.json")
    approvals = load_json(EXAMPLES / "orders" / "approvals.json")
    yield "orders evaluate", "EvaluationResult", orders.evaluate(order, trace=True, approvals=approvals)
    for state in ("draft", "submitted", "approved", "delivered"):
        for actor in (None, "sales", "sales_manager", "workshop"):
            yield f"orders transitions {state} {actor}", "TransitionsResult", orders.transitions(
                workflow="order", state=state, actor=actor, input=order, approvals=approvals
            )
    yield "orders apply", "ApplyResult", orders.apply(
        workflow="order", state="draft", transition="submit", actor="sales", input=order, event=EVENT
    )
    for at in (dt.datetime(2026, 3, 9, 9, 15, tzinfo=UTC), dt.datetime(2026, 3, 2, 9, 16, tzinfo=UTC)):
        yield f"orders fire_timer at {at}", "TimerResult", orders.fire_timer(
            workflow="order",
            state="submitted",
            trigger="approval_reminder",
            input=order,
            event={**EVENT, "at": at, "entered_at": dt.datetime(2026, 3, 2, 9, 15, tzinfo=UTC)},
        )


def test_real_results_have_the_keys_and_types_of_their_typed_dicts():
    seen = set()
    for what, definition, result in results():
        conforms(result, {"$ref": f"#/$defs/{definition}"}, what)
        seen.add(definition)
    assert seen == {"EvaluationResult", "ConfigureResult", "TransitionsResult", "ApplyResult", "TimerResult"}


def test_a_result_with_an_unknown_key_or_a_float_does_not_conform():
    bikes = ordo.load(BIKES)
    result = bikes.evaluate(load_json(EXAMPLES / "bikes" / "quote.json"))
    result["discount"] = Decimal("0.05")
    with pytest.raises(AssertionError, match="has"):
        conforms(result, {"$ref": "#/$defs/EvaluationResult"}, "result")
    result = bikes.evaluate(load_json(EXAMPLES / "bikes" / "quote.json"))
    result["quotes"]["quote"]["total"] = float(result["quotes"]["quote"]["total"])
    with pytest.raises(AssertionError, match="not a Decimal"):
        conforms(result, {"$ref": "#/$defs/EvaluationResult"}, "result")
