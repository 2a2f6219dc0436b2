"""A ruleset named by where it comes from, compiled once per process.

A :class:`Ruleset` pickles as its compiled artifact, so every task that carries one reads the
artifact again. A :class:`Loader` pickles as its source alone (a path, or artifact bytes) and
compiles it on first use in each process, then keeps it: dask, Spark or ``multiprocessing``
workers load the ruleset once however many partitions they price.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any, Dict, Tuple, Union

from ordo._native import Ruleset, load

__all__ = ["Loader"]

_LOADED: Dict[Tuple[str, str], Ruleset] = {}
_LOCK = threading.Lock()
#: How many rulesets this process compiled through a Loader (tests read it in workers).
_LOADS = 0


def load_count() -> int:
    """How many times a :class:`Loader` compiled or read a ruleset in this process."""
    return _LOADS


class Loader:
    """A ruleset by its source: a ``.ordo`` file or compiled artifact (a path), or artifact
    bytes (``Ruleset.to_artifact()``). It pickles as that source; :meth:`ruleset` compiles it
    once per process (again when the file changes) and returns the same :class:`Ruleset` after.

    ``evaluate_frame``, ``evaluate_arrow`` and ``result_schema`` call the ruleset's, so a
    loader's bound method can be handed to ``map_partitions`` or ``mapInArrow`` directly.
    """

    __slots__ = ("source",)

    def __init__(self, source: Union[str, "os.PathLike[str]", bytes]) -> None:
        self.source: Union[str, bytes] = bytes(source) if isinstance(source, (bytes, bytearray)) else os.fspath(source)

    def __reduce__(self) -> Tuple[Any, ...]:
        return (Loader, (self.source,))

    def __repr__(self) -> str:
        if isinstance(self.source, bytes):
            return f"Loader(<artifact of {len(self.source)} bytes>)"
        return f"Loader({self.source!r})"

    def _key(self) -> Tuple[str, str]:
        if isinstance(self.source, bytes):
            return ("artifact", hashlib.sha256(self.source).hexdigest())
        # A changed file is loaded again.
        return ("path", f"{Path(self.source).resolve()}:{os.stat(self.source).st_mtime_ns}")

    def ruleset(self) -> Ruleset:
        """The ruleset, compiled on first use in this process."""
        global _LOADS
        key = self._key()
        with _LOCK:
            found = _LOADED.get(key)
            if found is None:
                if isinstance(self.source, bytes):
                    found = Ruleset.from_artifact(self.source)
                else:
                    found = load(self.source)
                _LOADED[key] = found
                _LOADS += 1
            return found

    def evaluate_frame(self, frame: Any, **options: Any) -> Any:
        """:meth:`ordo.Ruleset.evaluate_frame` of the loaded ruleset."""
        return self.ruleset().evaluate_frame(frame, **options)

    def evaluate_arrow(self, table: Any, **options: Any) -> Any:
        """:meth:`ordo.Ruleset.evaluate_arrow` of the loaded ruleset."""
        return self.ruleset().evaluate_arrow(table, **options)

    def result_schema(self, kind: str = "arrow") -> Any:
        """:meth:`ordo.Ruleset.result_schema` of the loaded ruleset."""
        return self.ruleset().result_schema(kind)  # type: ignore[arg-type]
