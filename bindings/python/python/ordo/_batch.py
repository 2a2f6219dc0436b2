"""The result of :meth:`ordo.Ruleset.evaluate_many`."""

from __future__ import annotations

import importlib
from typing import Any, Iterator, List, Sequence, Tuple, Union, overload

from ordo._errors import OrdoError
from ordo._results import EvaluationResult

__all__ = ["BatchResult"]


class BatchResult(Sequence[Union[EvaluationResult, OrdoError]]):
    """The outcome of each input of a batch, in input order: its result dict, or the
    :class:`~ordo.InputError` / :class:`~ordo.EvaluationError` instance for that input
    (returned, not raised). A sequence of those items, with views of them::

        batch = ruleset.evaluate_many(quotes, as_of=dates)
        batch.ok_mask          # [True, False, ...]
        batch.errors           # [(1, InputError(...)), ...]
        batch.raise_first()    # raises the first error, if any
        batch.to_frame()       # a pandas DataFrame as evaluate_frame returns
    """

    __slots__ = ("_items", "_ruleset")

    def __init__(
        self, items: List[Union[EvaluationResult, OrdoError]], ruleset: Any = None
    ) -> None:
        self._items = items
        self._ruleset = ruleset

    @overload
    def __getitem__(self, index: int) -> Union[EvaluationResult, OrdoError]: ...
    @overload
    def __getitem__(self, index: slice) -> List[Union[EvaluationResult, OrdoError]]: ...
    def __getitem__(
        self, index: Union[int, slice]
    ) -> Union[EvaluationResult, OrdoError, List[Union[EvaluationResult, OrdoError]]]:
        return self._items[index]

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Union[EvaluationResult, OrdoError]]:
        return iter(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, BatchResult):
            return self._items == other._items
        if isinstance(other, list):
            return self._items == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        failed = sum(1 for item in self._items if isinstance(item, BaseException))
        return f"<ordo.BatchResult of {len(self._items)} input(s), {failed} failed>"

    @property
    def results(self) -> List[Union[EvaluationResult, None]]:
        """The result of each input, ``None`` where it failed."""
        return [None if isinstance(item, BaseException) else item for item in self._items]

    @property
    def errors(self) -> List[Tuple[int, OrdoError]]:
        """The inputs that failed, as ``(index, exception)``, in input order."""
        return [
            (index, item)
            for index, item in enumerate(self._items)
            if isinstance(item, BaseException)
        ]

    @property
    def ok_mask(self) -> List[bool]:
        """Per input, whether it evaluated (``True``) or failed."""
        return [not isinstance(item, BaseException) for item in self._items]

    def raise_first(self) -> None:
        """Raises the first input's error, if any input failed; its ``index`` is noted on the
        exception (``error.index``)."""
        for index, item in enumerate(self._items):
            if isinstance(item, BaseException):
                item.index = index  # type: ignore[attr-defined]
                raise item

    def to_frame(self) -> Any:
        """The results as a pandas DataFrame with the columns of
        :meth:`~ordo.Ruleset.evaluate_frame` (outputs, ``valid``, ``violations``, quote totals
        and subtotals, ``error_kind``/``error_path``/``error_message``)."""
        from ordo._frame import results_table

        if self._ruleset is None:
            raise TypeError("this BatchResult was not made by a ruleset")
        pandas = importlib.import_module("pandas")
        table = results_table(self._ruleset, self._items)
        return table.to_pandas(types_mapper=pandas.ArrowDtype)
