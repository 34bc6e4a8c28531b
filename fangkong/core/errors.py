"""Domain errors every app can raise: one base class the API maps by its status, pages show by its message.

An app's exception subclasses `DomainError` (or `Conflict`) and says its HTTP `status`; the API answers
`{"message": ..., "errors": ...}` with that status, without the api package knowing the app. An error
that needs more (e.g. an answer that depends on the caller) declares its own handler in the app's
plugin.py (`AppPlugin.api_errors`).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _


class DomainError(Exception):
    """A request the domain refuses. `message` is a complete sentence for the user; `details` lists
    the individual reasons when there are several; `errors` (field -> messages) blames input fields."""

    status: int = 409

    def __init__(self, message: Any = "", details: list[str] | None = None):
        super().__init__(str(message))
        self._message = message
        self.details = [str(d) for d in details or []]

    @property
    def message(self) -> str:
        return str(self._message)

    @property
    def errors(self) -> dict[str, list[str]]:
        return {"__all__": self.details} if self.details else {}


class Conflict(DomainError):
    """The request is understood but the present state forbids it (room taken, conditions unmet …)."""

    status = 409


class PlaceNotInJurisdiction(DomainError):
    """A place (named by an input field) that does not exist or lies outside the actor's jurisdiction:
    the same answer for both, so ids cannot be probed."""

    status = 404

    def __init__(self, place_id: int | None = None, field: str = "place_id"):
        super().__init__(place_id)
        self.place_id = place_id
        self.field = field

    @property
    def message(self) -> str:
        return str(_("Not found"))

    @property
    def errors(self) -> dict[str, list[str]]:
        return {self.field: [str(_("No such place in your jurisdiction."))]}
