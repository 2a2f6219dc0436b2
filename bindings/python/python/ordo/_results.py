"""The results of ordo as Python types.

One ``TypedDict`` per object of the engine's result schema (``engine/schema/result.schema.json``,
the one description of the result format every host shares), with the values Python gets:
decimals (quote amounts, quantities, unit prices, subtotals, totals) are
:class:`decimal.Decimal`, ``as_of`` is a :class:`datetime.date`, timestamps of workflow answers
stay RFC 3339 text, and the ruleset's own values (outputs, approval facts, trace values, trigger
arguments) are converted by their declared types (``Any`` here). Keys the engine writes only
sometimes are optional keys. ``tests/test_result_schema.py`` checks these types against the
schema and against real results.
"""

import datetime
from decimal import Decimal
from typing import Any, Dict, List, Literal, Optional, TypedDict, Union

__all__ = [
    "ErrorKind",
    "EvaluateResult",
    "Line",
    "Transitions",
    "ApplyResult",
    "ApprovalChain",
    "ApprovalStep",
    "RefusedGrant",
    "StepRefusal",
    "ApprovalsReason",
    "BlockingConstraint",
    "ConfigureField",
    "ConfigureOption",
    "WarningConstraint",
    "ConfigureResult",
    "DeadEnd",
    "EngineError",
    "EvaluationResult",
    "GuardReason",
    "PartialQuote",
    "PreviousReason",
    "StartResult",
    "TimerCancel",
    "UpdateResult",
    "PartialQuoteLine",
    "Quote",
    "QuoteLine",
    "RoleReason",
    "RulesetIdentity",
    "SearchSummary",
    "Timer",
    "TimerResult",
    "TraceEntry",
    "TraceRow",
    "TransitionReason",
    "TransitionStatus",
    "TransitionsResult",
    "TriggerAction",
    "Violation",
]

class RulesetIdentity(TypedDict):
    """Which ruleset answered: name, semantic version, ``sha256:`` content hash."""

    name: str
    version: str
    hash: str


class _ViolationKeys(TypedDict):
    id: str
    severity: Literal["error", "warning", "review"]
    message: str


class Violation(_ViolationKeys, total=False):
    """A violated constraint; ``at`` (the failing element's path) for a constraint over
    elements."""

    at: str


class InputNote(TypedDict):
    """An unknown enum text read as its field's ``fallback``."""

    path: str
    received: str
    read_as: str


class _QuoteLineKeys(TypedDict):
    id: str
    kind: Literal["line", "discount", "surcharge", "tax"]
    label: str
    amount: Decimal


class QuoteLine(_QuoteLineKeys, total=False):
    """One line of a quote: ``quantity`` and ``unit_price`` for ``qty Q at U`` lines,
    ``explain`` in a traced result."""

    quantity: Decimal
    unit_price: Decimal
    explain: str


class Quote(TypedDict):
    """A price block's quote: lines, subtotals by name, total."""

    currency: str
    lines: List[QuoteLine]
    subtotals: Dict[str, Decimal]
    total: Decimal


class _PartialQuoteLineKeys(TypedDict):
    id: str
    kind: Literal["line", "discount", "surcharge", "tax"]
    label: str
    amount: Optional[Decimal]


class PartialQuoteLine(_PartialQuoteLineKeys, total=False):
    """A line of the quote of a partial input (``configure``): ``None`` while not known."""

    quantity: Decimal
    unit_price: Decimal


class PartialQuote(TypedDict):
    """The quote of a partial input (``configure``): what can already be computed."""

    currency: str
    lines: List[PartialQuoteLine]
    subtotals: Dict[str, Optional[Decimal]]
    total: Optional[Decimal]


class RefusedGrant(TypedDict):
    """A grant of a step that does not count: its approver (empty when it named none) and
    why."""

    by: str
    reason: Literal[
        "no_approver", "wrong_role", "self_approval", "duplicate_approver", "out_of_order"
    ]


class _ApprovalStepKeys(TypedDict):
    id: str
    label: str
    role: Optional[str]
    status: Literal["granted", "pending", "stale"]
    granted_by: List[str]
    depends_on: List[str]
    facts: Dict[str, Any]


class ApprovalStep(_ApprovalStepKeys, total=False):
    """A required approval step: ``roles`` when several may grant it, ``parallel_group`` for
    a step of a ``parallel`` group, ``needed`` for a step with a quorum, ``refused`` when some
    grant does not count."""

    roles: List[str]
    parallel_group: int
    needed: int
    refused: List[RefusedGrant]


class ApprovalChain(TypedDict):
    """An approval chain: complete when every required step is granted."""

    complete: bool
    steps: List[ApprovalStep]


class TraceRow(TypedDict):
    """A matched decision row (1-based) and its source line."""

    row: int
    line: int


class _TraceEntryKeys(TypedDict):
    kind: Literal["let", "output", "decision", "constraint"]
    id: str
    reads: Dict[str, Any]


class TraceEntry(_TraceEntryKeys, total=False):
    """A trace entry: a ``constraint`` has ``holds``, the other kinds a ``value``; a decision
    its matched ``rows``."""

    value: Any
    holds: Optional[bool]
    rows: List[TraceRow]


class _EvaluationResultKeys(TypedDict):
    ruleset: RulesetIdentity
    as_of: Optional[datetime.date]
    valid: bool
    violations: List[Violation]
    outputs: Dict[str, Any]
    quotes: Dict[str, Quote]
    approvals: Dict[str, ApprovalChain]


class EvaluationResult(_EvaluationResultKeys, total=False):
    """The result of :meth:`~ordo.Ruleset.evaluate`; ``trace`` when asked for,
    ``input_notes`` when an enum ``fallback`` was taken."""

    input_notes: List[InputNote]
    trace: List[TraceEntry]


class BlockingConstraint(TypedDict):
    """A constraint that rules an option out."""

    id: str
    message: str


class DeadEnd(TypedDict):
    """Why an option leads only to dead ends."""

    reason: str


class _ConfigureOptionKeys(TypedDict):
    value: Union[str, bool]
    available: bool


class WarningConstraint(TypedDict):
    """A ``warning`` or ``review`` constraint that choosing an option would violate."""

    id: str
    severity: Literal["warning", "review"]
    message: str


class ConfigureOption(_ConfigureOptionKeys, total=False):
    """A candidate value: available, or not with ``blocked_by`` or (``complete``) a
    ``dead_end``; ``warned_by`` lists the warnings and reviews it would raise."""

    blocked_by: List[BlockingConstraint]
    dead_end: DeadEnd
    warned_by: List[WarningConstraint]


class ConfigureField(TypedDict):
    """A configurable field: the value chosen so far, its default (``None``: none), its
    options."""

    selected: Any
    default: Any
    options: List[ConfigureOption]


class SearchSummary(TypedDict):
    """What the dead-end search of ``complete`` spent."""

    evaluations: int
    budget: int
    bound_hit: bool


class _ConfigureResultKeys(TypedDict):
    ruleset: RulesetIdentity
    fields: Dict[str, ConfigureField]
    violations: List[Violation]
    outputs: Dict[str, Any]
    quotes: Dict[str, PartialQuote]


class ConfigureResult(_ConfigureResultKeys, total=False):
    """The answer of :meth:`~ordo.Ruleset.configure`; ``search`` with ``complete``."""

    search: SearchSummary


class RoleReason(TypedDict):
    """The actor's role may not take the transition."""

    kind: Literal["role"]
    allowed: List[str]


class GuardReason(TypedDict):
    """The transition's guard is false."""

    kind: Literal["guard"]
    guard: str


class StepRefusal(TypedDict):
    """A grant of a required chain's step that does not count: the step, its approver and
    why."""

    step: str
    by: str
    reason: Literal[
        "no_approver", "wrong_role", "self_approval", "duplicate_approver", "out_of_order"
    ]


class _ApprovalsReasonKeys(TypedDict):
    kind: Literal["approvals"]
    chain: str
    pending: List[str]
    stale: List[str]


class ApprovalsReason(_ApprovalsReasonKeys, total=False):
    """An approval chain the transition requires is not complete; ``refused`` when some
    grant does not count."""

    refused: List[StepRefusal]


class PreviousReason(TypedDict):
    """``-> previous``, and the event names no previous state."""

    kind: Literal["previous"]


TransitionReason = Union[RoleReason, GuardReason, ApprovalsReason, PreviousReason]


class TransitionStatus(TypedDict):
    """An outgoing transition: enabled, or with every reason it is not."""

    id: str
    to: Optional[str]
    enabled: bool
    reasons: List[TransitionReason]


class _TransitionsResultKeys(TypedDict):
    workflow: str
    state: str
    owner: Optional[str]
    transitions: List[TransitionStatus]


class TransitionsResult(_TransitionsResultKeys, total=False):
    """The answer of :meth:`~ordo.Ruleset.transitions` (next actions); ``due`` with an SLA."""

    due: str


class TriggerAction(TypedDict):
    """An action as data, with its idempotency key."""

    trigger: str
    action: Literal["notify", "escalate", "task", "emit"]
    args: Dict[str, Any]
    key: str


class Timer(TypedDict):
    """A timer the new state arms, due at an RFC 3339 time."""

    trigger: str
    due: str


_ApplyResultKeys = TypedDict(
    "_ApplyResultKeys",
    {
        "workflow": str,
        "transition": str,
        "from": str,
        "to": str,
        "owner": Optional[str],
        "actions": List[TriggerAction],
        "timers": List[Timer],
    },
)


class ApplyResult(_ApplyResultKeys, total=False):
    """The answer of :meth:`~ordo.Ruleset.apply` (``from`` is a keyword); ``due`` with an SLA."""

    due: str


class _StartResultKeys(TypedDict):
    workflow: str
    state: str
    owner: Optional[str]
    actions: List[TriggerAction]
    timers: List[Timer]


class StartResult(_StartResultKeys, total=False):
    """The answer of starting an instance (spec §24); ``due`` with an SLA."""

    due: str


class TimerCancel(TypedDict):
    """A timer an update cancels."""

    trigger: str


class UpdateResult(TypedDict):
    """The answer of an update (spec §24): edge and change actions, timers re-armed, cancelled."""

    workflow: str
    state: str
    actions: List[TriggerAction]
    timers: List[Timer]
    cancel: List[TimerCancel]


class _TimerResultKeys(TypedDict):
    trigger: str
    fired: bool
    actions: List[TriggerAction]


class TimerResult(_TimerResultKeys, total=False):
    """The answer of :meth:`~ordo.Ruleset.fire_timer`: ``reason`` when it did not fire."""

    reason: str


#: The engine's stable error kinds (spec §17).
ErrorKind = Literal[
    "missing_input",
    "invalid_input",
    "unknown_field",
    "no_match",
    "multiple_matches",
    "missing_key",
    "out_of_bands",
    "division_by_zero",
    "overflow",
    "transition",
    "unknown_currency",
    "missing_as_of",
    "invalid_value",
    "invalid_request",
    "index_out_of_range",
    "duplicate_key",
    "internal",
]


class _EngineErrorKeys(TypedDict):
    kind: ErrorKind
    message: str


class EngineError(_EngineErrorKeys, total=False):
    """An engine error as JSON (:meth:`ordo.OrdoError.to_dict`, and each of ``more``)."""

    path: str
    rule: str
    hint: str
    more: List["EngineError"]


#: Short names of the result types.
EvaluateResult = EvaluationResult
Line = QuoteLine
Transitions = TransitionsResult
