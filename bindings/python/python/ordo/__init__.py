"""ordo: an embeddable rules and pricing engine.

Compile a ruleset once, then evaluate it against inputs::

    import ordo

    bikes = ordo.load("examples/bikes/bikes.ordo")
    result = bikes.evaluate({"frame": "city", "quantity": 2, "ship_to": {"country": "DE"}})
    result["quotes"]["quote"]["total"]   # Decimal('1166.08')

Decimals come back as :class:`decimal.Decimal` with their scale, ``Int`` values as ``int``,
dates as :class:`datetime.date`. See :meth:`Ruleset.evaluate` for the conversion rules,
:mod:`ordo._results` for the types of results (``EvaluationResult``, ``ConfigureResult``, ...,
the engine's result schema as typed dicts) and :mod:`ordo._errors` for the exceptions.
"""

from ordo._actor import Actor
from ordo._errors import CompileError, EvaluationError, InputError, OrdoError
from ordo._native import Registry, Ruleset, __version__, compile, load
from ordo._results import (
    ApplyResult,
    PreviousReason,
    StartResult,
    TimerCancel,
    UpdateResult,
    ApprovalChain,
    ApprovalsReason,
    ApprovalStep,
    RefusedGrant,
    StepRefusal,
    BlockingConstraint,
    ConfigureField,
    ConfigureOption,
    WarningConstraint,
    ConfigureResult,
    DeadEnd,
    EngineError,
    EvaluationResult,
    GuardReason,
    PartialQuote,
    PartialQuoteLine,
    Quote,
    QuoteLine,
    RoleReason,
    RulesetIdentity,
    SearchSummary,
    Timer,
    TimerResult,
    TraceEntry,
    TraceRow,
    TransitionReason,
    TransitionStatus,
    TransitionsResult,
    TriggerAction,
    Violation,
    InputNote,
)

__all__ = [
    "Actor",
    "ApplyResult",
    "PreviousReason",
    "StartResult",
    "TimerCancel",
    "UpdateResult",
    "ApprovalChain",
    "ApprovalStep",
    "RefusedGrant",
    "StepRefusal",
    "ApprovalsReason",
    "BlockingConstraint",
    "CompileError",
    "ConfigureField",
    "ConfigureOption",
    "WarningConstraint",
    "ConfigureResult",
    "DeadEnd",
    "EngineError",
    "EvaluationError",
    "EvaluationResult",
    "GuardReason",
    "InputError",
    "OrdoError",
    "PartialQuote",
    "PartialQuoteLine",
    "Quote",
    "QuoteLine",
    "Registry",
    "RoleReason",
    "Ruleset",
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
    "InputNote",
    "__version__",
    "compile",
    "load",
]
