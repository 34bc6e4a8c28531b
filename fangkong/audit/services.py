"""The one way to write to the audit log."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction, AuditEvent


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as the rate limits see it (behind a trusted proxy: the address it saw)."""
    from fangkong.core.ratelimit import client_ip as address

    if request is None:
        return None
    return address(request) or None


@dataclass(frozen=True)
class Said:
    """A summary to be written out in every UI language: a translatable template and its values."""

    template: Any  # a gettext_lazy string with %(name)s placeholders
    params: dict[str, Any] = field(default_factory=dict)  # values; choice labels (lazy) render per language

    def render(self, language: str) -> str:
        with translation.override(language):
            return str(self.template) % {k: str(v) for k, v in self.params.items()}


class Joined(list[Any]):
    """Labels listed in a summary, joined the way the rendering language lists things."""

    def __str__(self) -> str:
        return str(gettext_lazy(", ")).join(str(item) for item in self)


def say(template: Any, **params: Any) -> Said:
    """`summary=say(_("key person %(id)s: %(before)s → %(after)s"), id=..., before=State(a).label, ...)`."""
    return Said(template, params)


def exported(what: Any, rows: int, *, masked: bool = True) -> Said:
    """The summary of an export: what was exported (a lazy label), how many rows, masked or not."""
    if masked:
        return say(gettext_lazy("%(what)s exported (masked): %(rows)s rows"), what=what, rows=rows)
    return say(gettext_lazy("%(what)s exported UNMASKED: %(rows)s rows"), what=what, rows=rows)


def record(
    *,
    actor: Any,
    action: AuditAction | str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    summary: str | Said = "",
    changes: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Append one event. `summary` and `changes` must already be masked by the caller.

    A `say(...)` summary is stored in every UI language (and in English in `summary`); the audit
    browser shows each reader theirs. Codes in `changes` are shown as their labels when read.
    """
    summary_i18n = None
    if isinstance(summary, Said):
        summary_i18n = {code: summary.render(code)[:300] for code, _name in settings.LANGUAGES}
        summary = summary.render("en")
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if authenticated else None,
        actor_username=getattr(actor, "username", "") if authenticated else "",
        ip_address=client_ip(request),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        summary=summary[:300],
        summary_i18n=summary_i18n,
        changes=changes or {},
    )
