"""ordo: an embeddable rules and pricing engine.

Compile a ruleset once, then evaluate it against inputs::

    import ordo

    bikes = ordo.load("examples/bikes/bikes.ordo")
    result = bikes.evaluate({"frame": "city", "quantity": 2, "ship_to": {"country": "DE"}})
    result["quotes"]["quote"]["total"]   # Decimal('1166.08')

Decimals come back as :class:`decimal.Decimal` with their scale, ``Int`` values as ``int``,
dates as :class:`datetime.date`. See :meth:`Ruleset.evaluate` for the conversion rules and
:mod:`ordo._errors` for the exceptions.
"""

from ordo._errors import CompileError, EvaluationError, InputError, OrdoError
from ordo._native import Registry, Ruleset, __version__, compile, load

__all__ = [
    "CompileError",
    "EvaluationError",
    "InputError",
    "OrdoError",
    "Registry",
    "Ruleset",
    "__version__",
    "compile",
    "load",
]
