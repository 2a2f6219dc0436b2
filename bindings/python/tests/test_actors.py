"""Actors with ids and roles (spec §24) in every workflow call: a role as text, a mapping
``{"id", "roles"}`` or an ``ordo.Actor``, all read the same way as the engine's requests."""

from __future__ import annotations

import datetime as dt

import pytest

import ordo

UTC = dt.timezone.utc

SOURCE = """ruleset desk version "1.0.0"

roles sales, finance, workshop

input {
  owner_id: Text
  note: Text = ""
}

workflow claim {
  state open initial owner sales
  state done final

  transition close: open -> done by sales, finance when (actor.id ?? "") != owner_id
}

trigger opened on enter open {
  emit "opened" { by: actor.id ?? "nobody" }
}

trigger closed on transition close {
  emit "closed" { by: actor.id ?? "nobody" }
}

trigger noted on change note {
  emit "noted" { by: actor.id ?? "nobody" }
}

trigger waiting on stay open after 1 days when "finance" in actor.roles {
  emit "waiting" { by: actor.id ?? "nobody" }
}
"""

INPUT = {"owner_id": "ana"}
EVENT = {
    "instance": "C-1",
    "seq": 1,
    "at": dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    "entered_at": dt.datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
}


@pytest.fixture(scope="module")
def desk():
    return ordo.compile(SOURCE)


def close_of(result):
    return next(t for t in result["transitions"] if t["id"] == "close")


def test_the_actor_class():
    ana = ordo.Actor("ana", ["sales", "finance"])
    assert ana.id == "ana" and ana.roles == ("sales", "finance")
    assert ordo.Actor.role("sales") == ordo.Actor(None, ("sales",))
    with pytest.raises(TypeError):
        ordo.Actor("ana", "sales")
    assert "Actor" in ordo.__all__


@pytest.mark.parametrize(
    "actor, enabled",
    [
        # A role alone has no id: `actor.id ?? ""` is not the owner.
        ("finance", True),
        ({"id": "ana", "roles": ["sales"]}, False),
        ({"id": "ben", "roles": ["finance"]}, True),
        (ordo.Actor("ana", ["sales", "finance"]), False),
        (ordo.Actor("ben", ["workshop", "finance"]), True),
        (ordo.Actor.role("sales"), True),
    ],
)
def test_guards_see_the_actors_id_and_roles(desk, actor, enabled):
    result = desk.transitions(workflow="claim", state="open", actor=actor, input=INPUT)
    close = close_of(result)
    assert close["enabled"] is enabled
    if not enabled:
        assert close["reasons"] == [{"kind": "guard", "guard": '(actor.id ?? "") != owner_id'}]


def test_by_matches_any_of_the_roles(desk):
    for actor in ({"id": "wes", "roles": ["workshop"]}, ordo.Actor("wes", ["workshop"]), "workshop"):
        close = close_of(desk.transitions(workflow="claim", state="open", actor=actor, input=INPUT))
        assert {"kind": "role", "allowed": ["sales", "finance"]} in close["reasons"]
    close = close_of(desk.transitions(workflow="claim", state="open",
                                      actor=ordo.Actor("wes", ["workshop", "sales"]), input=INPUT))
    assert close["enabled"] is True


def test_every_operation_takes_an_actor_with_an_id(desk):
    ben = ordo.Actor("ben", ["finance"])
    started = desk.start(workflow="claim", input=INPUT, event=EVENT, actor=ben)
    assert [a["args"] for a in started["actions"]] == [{"event": "opened", "by": "ben"}]
    applied = desk.apply(workflow="claim", state="open", transition="close", actor={"id": "ben", "roles": ["finance"]},
                         input=INPUT, event=EVENT)
    assert [a["args"] for a in applied["actions"]] == [{"event": "closed", "by": "ben"}]
    updated = desk.update(workflow="claim", state="open", input={**INPUT, "note": "x"}, previous_input=INPUT,
                          event=EVENT, actor=ben)
    assert [a["args"] for a in updated["actions"]] == [{"event": "noted", "by": "ben"}]
    late = {**EVENT, "seq": 2, "at": dt.datetime(2026, 3, 3, 9, 0, tzinfo=UTC)}
    fired = desk.fire_timer(workflow="claim", state="open", trigger="waiting", input=INPUT, event=late, actor=ben)
    assert fired["fired"] is True
    assert [a["args"] for a in fired["actions"]] == [{"event": "waiting", "by": "ben"}]
    # The timer's condition reads the roles: a sales actor does not fire it.
    quiet = desk.fire_timer(workflow="claim", state="open", trigger="waiting", input=INPUT, event=late,
                            actor="sales")
    assert quiet["fired"] is False
    # A role alone, as before: no id.
    started = desk.start(workflow="claim", input=INPUT, event=EVENT, actor="sales")
    assert [a["args"] for a in started["actions"]] == [{"event": "opened", "by": "nobody"}]


def test_an_apply_refused_for_the_actor(desk):
    with pytest.raises(ordo.EvaluationError) as raised:
        desk.apply(workflow="claim", state="open", transition="close", actor=ordo.Actor("ana", ["sales"]),
                   input=INPUT, event=EVENT)
    assert raised.value.kind == "transition"


def test_bad_actors_are_refused_with_their_path(desk):
    with pytest.raises(ordo.InputError) as raised:
        desk.transitions(workflow="claim", state="open", actor={"id": "ana", "role": ["sales"]}, input=INPUT)
    assert raised.value.kind == "unknown_field"
    assert raised.value.path == "actor.role"
    with pytest.raises(ordo.InputError) as raised:
        desk.transitions(workflow="claim", state="open", actor={"id": "ana", "roles": "sales"}, input=INPUT)
    assert raised.value.path == "actor.roles"
    with pytest.raises(ordo.InputError) as raised:
        desk.transitions(workflow="claim", state="open", actor=42, input=INPUT)
    assert raised.value.path == "actor"
    with pytest.raises(ordo.InputError) as raised:
        desk.transitions(workflow="claim", state="open", actor=ordo.Actor(7, ["sales"]), input=INPUT)  # type: ignore[arg-type]
    assert raised.value.path == "actor.id"
