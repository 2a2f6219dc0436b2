"""The exceptions of ordo.

Every exception raised by ordo is an :class:`OrdoError`. Run-time errors carry the engine's
stable error ``kind`` (spec §17) and, where it applies, the JSON ``path`` of the offending input
value or the id of the ``rule`` that failed:

- :class:`InputError` (also a :class:`ValueError`) — what the caller passed is wrong: ``missing_input``, ``invalid_input``,
  ``unknown_field``, ``invalid_request`` (a malformed argument, approvals or request, an unknown
  ruleset or version in a :class:`~ordo.Registry` — :class:`VersionNotFound`, also a
  :class:`LookupError` —, a damaged artifact). ``errors()`` lists every problem found.
- :class:`EvaluationError` — the rules could not produce a result for a valid input:
  ``no_match``, ``multiple_matches``, ``missing_key``, ``out_of_bands``, ``division_by_zero``,
  ``overflow``, ``transition``, ``unknown_currency``, ``missing_as_of``, ``invalid_value``. A
  refused transition (kind ``transition``) carries its ``reasons``.
- :class:`CompileError` — the ruleset source does not compile; ``diagnostics`` lists every
  problem with its line and column.
- :class:`OrdoError` itself, of kind ``internal`` — the engine failed through no fault of the
  input or the rules (a compiled ruleset it cannot serialise to an artifact); a bug to report.

The exceptions pickle, so they cross process pools intact.
"""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, Union, cast

from ordo._results import EngineError, ErrorKind, TransitionReason

__all__ = [
    "OrdoError",
    "CompileError",
    "InputError",
    "EvaluationError",
    "VersionNotFound",
    "Diagnostic",
]

#: One problem of a :class:`CompileError` (``kind``, ``code``, ``message``, ``file``, ``line``,
#: ``column``, ``end_line``, ``end_column``, ``span``, ``labels``, ``hint``).
Diagnostic = Dict[str, Any]


class OrdoError(Exception):
    """The base class of every ordo exception.

    ``str(error)`` is the engine's rendering: ``kind: message``, then where and the hint.
    """

    #: The stable error kind (``"missing_input"``, ``"no_match"``, ``"compile"``, ...).
    kind: Union[ErrorKind, Literal["compile"]]
    #: The engine's message, without the location and hint.
    message: str
    #: The JSON path of the offending input value (``"ship_to.country"``, ``"extras[1]"``).
    path: Optional[str]
    #: The id of the rule (table, decision, bands, constraint, price line...) that failed.
    rule: Optional[str]
    #: A suggestion (``"did you mean `quantity`?"``).
    hint: Optional[str]
    #: Further problems of the same input, each a dict with ``kind``, ``message``, ``path``...
    more: List[EngineError]

    def __init__(
        self,
        text: str = "",
        *,
        kind: str = "error",
        message: Optional[str] = None,
        path: Optional[str] = None,
        rule: Optional[str] = None,
        hint: Optional[str] = None,
        more: Optional[List[EngineError]] = None,
    ) -> None:
        super().__init__(text)
        self.kind = cast(ErrorKind, kind)  # the engine's kinds, or "compile"
        self.message = text if message is None else message
        self.path = path
        self.rule = rule
        self.hint = hint
        self.more = list(more or [])

    def to_dict(self) -> Dict[str, Any]:
        """The error as the engine's JSON error object (``kind``, ``message``, and ``path``,
        ``rule``, ``hint``, ``more`` where present): an :class:`~ordo.EngineError`, except
        that a :class:`CompileError`'s kind is ``compile``."""
        out: Dict[str, Any] = {"kind": self.kind, "message": self.message}
        for key in ("path", "rule", "hint"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.more:
            out["more"] = self.more
        return out


class InputError(OrdoError, ValueError):
    """The input or another argument is wrong (kinds ``missing_input``, ``invalid_input``,
    ``unknown_field``, ``invalid_request``); ``path`` names the offending value. Also a
    :class:`ValueError`."""

    def errors(self) -> List[EngineError]:
        """Every problem found, the first and then ``more``, each as the engine's JSON error
        object (``kind``, ``message``, ``path``, ``hint``...) — like pydantic's
        ``ValidationError.errors()``."""
        first = self.to_dict()
        first.pop("more", None)
        rest = [{k: v for k, v in error.items() if k != "more"} for error in self.more]
        return cast(List[EngineError], [first, *rest])


class VersionNotFound(InputError, LookupError):
    """A :class:`~ordo.Registry` has no such ruleset, or no version of it matches (kind
    ``invalid_request``). Also a :class:`LookupError`."""


class EvaluationError(OrdoError):
    """A rule could not be evaluated for this input (``no_match``, ``out_of_bands``,
    ``transition``, ...); ``rule`` names the rule that failed. A refused transition has
    ``reasons``: why it may not be taken, as :meth:`~ordo.Ruleset.transitions` lists them
    (empty when it fails for another cause, such as an unknown transition)."""

    #: Why a transition was refused (kind ``transition``); empty otherwise.
    reasons: List[TransitionReason]

    def __init__(
        self,
        text: str = "",
        *,
        kind: str = "error",
        message: Optional[str] = None,
        path: Optional[str] = None,
        rule: Optional[str] = None,
        hint: Optional[str] = None,
        more: Optional[List[EngineError]] = None,
        reasons: Optional[List[TransitionReason]] = None,
    ) -> None:
        super().__init__(
            text, kind=kind, message=message, path=path, rule=rule, hint=hint, more=more
        )
        self.reasons = list(reasons or [])


class CompileError(OrdoError):
    """The ruleset does not compile. ``str(error)`` shows every problem with its source line;
    ``diagnostics`` has one dict per problem with ``kind``, ``code``, ``message``, ``file``,
    ``line``, ``column``, ``end_line``, ``end_column``, ``span``, ``labels`` and ``hint``."""

    #: One dict per problem, in source order.
    diagnostics: List[Dict[str, Any]]

    def __init__(
        self,
        text: str = "",
        *,
        diagnostics: Optional[List[Dict[str, Any]]] = None,
        message: Optional[str] = None,
        hint: Optional[str] = None,
    ) -> None:
        super().__init__(text, kind="compile", message=message, hint=hint)
        self.diagnostics = list(diagnostics or [])

    def to_dict(self) -> Dict[str, Any]:
        """``kind`` (``"compile"``), ``message`` (the first problem's), ``hint`` where
        present, and ``diagnostics``: every problem with its position."""
        out = super().to_dict()
        out["diagnostics"] = list(self.diagnostics)
        return out

