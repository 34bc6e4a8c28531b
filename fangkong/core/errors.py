"""Domain errors every app can raise: the API answers them with 409, pages with a message."""

from __future__ import annotations

from typing import Any


class Conflict(Exception):
    """The request is understood but the present state forbids it (room taken, conditions unmet …).

    `message` is a complete sentence for the user; `details` lists the individual reasons
    (e.g. each unmet release condition) when there are several.
    """

    def __init__(self, message: Any, details: list[str] | None = None):
        super().__init__(str(message))
        self.message = str(message)
        self.details = [str(d) for d in details or []]
