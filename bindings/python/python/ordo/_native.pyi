"""Type stubs of the native part of ordo (re-exported by the `ordo` package)."""

import datetime
import os
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
    final,
)

from ordo._actor import Actor
from ordo._batch import BatchResult
from ordo._results import (
    ApplyResult,
    ConfigureResult,
    EvaluationResult,
    StartResult,
    TimerResult,
    TransitionsResult,
    UpdateResult,
)

__all__ = ["Ruleset", "Registry", "compile", "load", "__version__"]

__version__: str

#: An evaluation date: a date, a datetime or ``pandas.Timestamp`` (its date) or
#: ``"YYYY-MM-DD"``.
_AsOf = Union[datetime.date, str, None]
#: How binary floats read: their ``repr`` (``"shortest"``), their exact binary value
#: (``"exact"``), or refused (``"reject"``).
_Floats = Literal["shortest", "exact", "reject"]
#: The evaluation date of each input of a batch: one for all, one per input, or a callable
#: given each input.
_BatchAsOf = Union[_AsOf, Sequence[_AsOf], Callable[[Any], _AsOf]]
#: The grants of each input of a batch: one mapping for all, or one per input.
_BatchApprovals = Union[Mapping[str, Any], Sequence[Optional[Mapping[str, Any]]], None]
_Op = Literal["evaluate", "configure", "transitions", "apply", "fire_timer", "start", "update"]
#: Who acts: a role (``"sales"``), ``{"id": "ana", "roles": ["sales", "finance"]}`` or an
#: :class:`~ordo.Actor`.
_Actor = Union[str, Mapping[str, Any], Actor, None]

@final
class Ruleset:
    """A compiled ruleset: immutable, thread-safe, picklable (as its compiled artifact).

    Results convert the engine's JSON by the ruleset's declared types: ``Int`` → ``int``,
    ``Decimal``/``Percent`` → ``decimal.Decimal`` with the engine's scale, ``Date`` →
    ``datetime.date``, ``DateTime`` → aware ``datetime.datetime`` (UTC), ``Duration`` →
    ``datetime.timedelta``; quote amounts, quantities, unit prices, subtotals and totals are
    ``Decimal``; texts, enums and sets stay strings.

    Inputs may be any ``Mapping``, ``list``, ``tuple``, ``set``/``frozenset`` (sets of enum
    values), ``str``, ``bool``, ``None``, ``int``, ``Decimal`` (exact, scale kept), ``date``,
    aware ``datetime`` (and ``pandas.Timestamp``), ``timedelta``, numpy scalars, and ``float``
    as ``floats`` says (by default ``Decimal(repr(x))``); NaN, ``pandas.NA`` and ``NaT`` are
    absent. Anything else raises :class:`~ordo.InputError` with the value's ``path``.
    """

    @property
    def name(self) -> str:
        """The ruleset's name."""
    @property
    def version(self) -> str:
        """The ruleset's semantic version."""
    @property
    def hash(self) -> str:
        """The content hash, ``sha256:`` and 64 hex digits."""
    @property
    def effective(self) -> Optional[datetime.date]:
        """The first day this version applies, if it declares one."""
    @property
    def output_names(self) -> List[str]:
        """The names of the outputs, in declaration order."""
    def evaluate(
        self,
        input: Mapping[str, Any],
        *,
        as_of: _AsOf = None,
        trace: bool = False,
        approvals: Optional[Mapping[str, Any]] = None,
        floats: _Floats = "shortest",
    ) -> EvaluationResult:
        """Evaluates one complete input: ``ruleset``, ``as_of``, ``valid``, ``violations``,
        ``outputs``, ``quotes``, ``approvals`` (and ``trace``). Raises :class:`~ordo.InputError`
        or :class:`~ordo.EvaluationError`."""
    def evaluate_json(
        self,
        text: str,
        *,
        as_of: _AsOf = None,
        trace: bool = False,
        approvals: Optional[Mapping[str, Any]] = None,
    ) -> str:
        """Evaluates JSON text; returns the engine's canonical JSON text, byte-identical to the
        CLI, the HTTP server and WASM."""
    def evaluate_many(
        self,
        inputs: Iterable[Mapping[str, Any]],
        *,
        as_of: _BatchAsOf = None,
        trace: bool = False,
        approvals: _BatchApprovals = None,
        floats: _Floats = "shortest",
    ) -> BatchResult:
        """Evaluates many inputs on all cores with the interpreter released. One item per input,
        in order: the result dict, or the exception instance for that input (returned, not
        raised). ``as_of`` and ``approvals`` may be given per input. A DataFrame raises
        :class:`TypeError` (use :meth:`evaluate_frame`)."""
    def evaluate_frame(
        self,
        frame: Any,
        *,
        columns: Union[Sequence[str], Mapping[str, str], None] = None,
        as_of: Any = None,
        approvals: Any = None,
        errors: Literal["columns", "raise"] = "columns",
        separator: Union[str, Mapping[str, str], None] = None,
        floats: _Floats = "shortest",
    ) -> Any:
        """Evaluates each row of a pandas or polars DataFrame; returns a frame of the same kind
        with the result columns of :meth:`result_schema`."""
    def evaluate_arrow(
        self,
        table: Any,
        *,
        columns: Union[Sequence[str], Mapping[str, str], None] = None,
        as_of: Any = None,
        approvals: Any = None,
        errors: Literal["columns", "raise"] = "columns",
        separator: Union[str, Mapping[str, str], None] = None,
        floats: _Floats = "shortest",
    ) -> Any:
        """:meth:`evaluate_frame` for a pyarrow Table or RecordBatch; returns a pyarrow Table."""
    def result_schema(self, kind: Literal["arrow", "pandas", "polars"] = "arrow") -> Any:
        """The result columns of :meth:`evaluate_frame` and their types."""
    def input_schema(self) -> Dict[str, Any]:
        """The input as a JSON Schema (draft 2020-12)."""
    def _frame_columns(self) -> List[Tuple[str, str, Optional[int]]]: ...
    def _input_kinds(self) -> List[Tuple[str, str]]: ...
    def _evaluate_columns(
        self,
        columns: Sequence[Tuple[str, List[Any]]],
        rows: int,
        *,
        as_of: Any = None,
        approvals: Any = None,
        floats: _Floats = "shortest",
    ) -> Dict[str, Any]: ...
    def _evaluate_arrow(
        self,
        table: Any,
        separators: Mapping[str, str],
        *,
        as_of: Any = None,
        approvals: Any = None,
        floats: _Floats = "shortest",
    ) -> Optional[Tuple[Any, List[Tuple[int, BaseException]]]]: ...
    def result_to_json(self, result: Mapping[str, Any], *, op: _Op = "evaluate") -> str:
        """A result of this ruleset back to the engine's canonical JSON text (decimals keep
        their scale); ``op`` names the method that returned it."""
    def configure(
        self,
        partial: Mapping[str, Any],
        *,
        as_of: _AsOf = None,
        complete: bool = False,
        defaults: Literal["unknown", "apply"] = "unknown",
        context: Optional[Sequence[str]] = None,
    ) -> ConfigureResult:
        """_Option availability for a partial input: per finite field, the values still
        possible and the constraints blocking the others, with the outputs and quotes so far."""
    def transitions(
        self,
        *,
        workflow: str,
        state: str,
        actor: _Actor = None,
        input: Mapping[str, Any],
        approvals: Optional[Mapping[str, Any]] = None,
        as_of: _AsOf = None,
    ) -> TransitionsResult:
        """The next actions from ``state`` for ``actor`` (a role, ``{"id", "roles"}`` or an
        :class:`~ordo.Actor`): each transition, enabled or with every reason it is not."""
    def apply(
        self,
        *,
        workflow: str,
        state: str,
        transition: str,
        actor: _Actor = None,
        input: Mapping[str, Any],
        event: Optional[Mapping[str, Any]] = None,
        approvals: Optional[Mapping[str, Any]] = None,
        as_of: _AsOf = None,
    ) -> ApplyResult:
        """Applies a transition: ``from``, ``to``, the triggers' ``actions`` and the ``timers``
        armed. ``event`` is ``{"instance", "seq", "at", "entered_at"}`` (datetimes or RFC 3339
        text). Raises :class:`~ordo.EvaluationError` (kind ``transition``) when not allowed."""
    def fire_timer(
        self,
        *,
        workflow: str,
        state: str,
        trigger: str,
        input: Mapping[str, Any],
        event: Mapping[str, Any],
        actor: _Actor = None,
        approvals: Optional[Mapping[str, Any]] = None,
        as_of: _AsOf = None,
    ) -> TimerResult:
        """A timer fell due (a ``stay`` or ``at`` trigger, or ``sla:STATE``): the actions, if it
        still applies."""
    def start(
        self,
        *,
        workflow: str,
        input: Mapping[str, Any],
        event: Mapping[str, Any],
        actor: _Actor = None,
        approvals: Optional[Mapping[str, Any]] = None,
        as_of: _AsOf = None,
    ) -> StartResult:
        """Starts an instance: the initial ``state``, its ``owner`` and SLA ``due`` time, the
        ``enter`` triggers' ``actions`` and the ``timers`` it arms."""
    def update(
        self,
        *,
        workflow: str,
        state: str,
        input: Mapping[str, Any],
        previous_input: Mapping[str, Any],
        event: Mapping[str, Any],
        actor: _Actor = None,
        approvals: Optional[Mapping[str, Any]] = None,
        as_of: _AsOf = None,
    ) -> UpdateResult:
        """The data changed: ``on change``/``on becomes`` ``actions``, ``timers`` to re-arm and
        timers to ``cancel``."""
    def to_artifact(self) -> bytes:
        """The compiled artifact, loadable without the source."""
    @classmethod
    def from_artifact(cls, data: bytes) -> "Ruleset":
        """Loads a compiled artifact, checking its format version and integrity."""
    def __reduce__(self) -> Any: ...

@final
class Registry:
    """Many versions of many rulesets, resolved by version, requirement, ``latest`` or date."""

    def __init__(self) -> None: ...
    def add(self, ruleset: Ruleset) -> None:
        """Adds a version; the same name and version with other content raises InputError."""
    def load_dir(self, path: Union[str, "os.PathLike[str]"]) -> int:
        """Adds every ``.ordo`` and ``.artifact`` file of a directory; returns how many."""
    def resolve(
        self, name: str, version: Optional[str] = None, *, as_of: _AsOf = None
    ) -> Ruleset:
        """The version ``version`` selects (``"latest"``, ``"1.2.0"``, ``"^1.2"``), or with
        ``as_of`` the version in effect that day, which then also evaluates at that date.
        Raises :class:`~ordo.VersionNotFound`."""
    def evaluate(
        self,
        name: str,
        input: Mapping[str, Any],
        *,
        as_of: _AsOf = None,
        version: Optional[str] = None,
        trace: bool = False,
        approvals: Optional[Mapping[str, Any]] = None,
        floats: _Floats = "shortest",
    ) -> EvaluationResult:
        """Resolves the version in effect on ``as_of`` and evaluates at that same date."""
    def __reduce__(self) -> Any: ...
    @staticmethod
    def _from_artifacts(artifacts: Sequence[bytes]) -> "Registry": ...
    def names(self) -> List[str]:
        """The registered names, sorted."""
    def versions(self, name: str) -> List[str]:
        """The versions of ``name``, ascending."""
    def __contains__(self, name: object, /) -> bool: ...
    def __len__(self) -> int: ...

def compile(
    source: str, *, filename: Optional[str] = None, files: Optional[Dict[str, str]] = None
) -> Ruleset:
    """Compiles ruleset source text; raises :class:`~ordo.CompileError` with every problem."""

def load(path: Union[str, "os.PathLike[str]"]) -> Ruleset:
    """Loads a ``.ordo`` source file (compiled) or a compiled artifact file."""
