"""Who acts in a workflow request (spec §24)."""

from dataclasses import dataclass, field
from typing import Optional, Tuple

__all__ = ["Actor"]


@dataclass(frozen=True)
class Actor:
    """An actor with an id and the roles it holds; a transition's ``by`` matches when any of
    the roles is allowed, and guards and triggers read ``actor.id`` and ``actor.roles``.

    Every workflow method takes ``actor=`` as a role (``"sales"``), a mapping
    (``{"id": "ana", "roles": ["sales", "finance"]}``) or an ``Actor``::

        ordo.Actor("ana", ["sales", "finance"])
        ordo.Actor.role("sales")
    """

    id: Optional[str]
    roles: Tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if isinstance(self.roles, str):
            raise TypeError("roles must be a list of role names, not one string")
        object.__setattr__(self, "roles", tuple(self.roles))

    @classmethod
    def role(cls, role: str) -> "Actor":
        """An actor known only by one role (what ``actor="sales"`` means)."""
        return cls(None, (role,))
