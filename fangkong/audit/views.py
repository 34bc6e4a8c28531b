"""Audit log browser for HQ: filter, page, export. There is deliberately no way to edit or delete a row."""

from __future__ import annotations

import builtins
from operator import itemgetter

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from fangkong.audit.display import changes_text, object_type_label
from fangkong.audit.forms import AuditFilterForm
from fangkong.audit.models import AuditAction, AuditEvent
from fangkong.audit.selectors import audit_events, object_types
from fangkong.audit.services import exported, record
from fangkong.core.exports import Column, xlsx_response

EXPORT_FIELDS = (
    "at",
    "actor_username",
    "ip_address",
    "action",
    "object_type",
    "object_id",
    "summary",
    "summary_i18n",
    "changes",
)


def export_columns() -> builtins.list[Column]:  # the module has a view named list
    """Columns over `values(*EXPORT_FIELDS)` dicts; action labels translated once per export."""
    actions = {k: str(v) for k, v in AuditAction.choices}
    language = get_language() or ""
    return [
        Column(_("time"), itemgetter("at"), 20),
        Column(_("username"), itemgetter("actor_username"), 16),
        Column(_("address"), lambda e: e["ip_address"] or "", 16),
        Column(_("action"), lambda e: actions.get(e["action"], e["action"]), 18),
        Column(_("object type"), lambda e: object_type_label(e["object_type"]), 18),
        Column(_("object id"), itemgetter("object_id"), 10),
        Column(_("summary"), lambda e: (e["summary_i18n"] or {}).get(language, e["summary"]), 40),
        # Changes were masked when recorded; their codes are exported as labels.
        Column(_("changes"), lambda e: changes_text(e["object_type"], e["changes"]), 40),
    ]


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
@require_GET
def list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    filters = form.filters()
    page = Paginator(audit_events(filters), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        # Typed as codes (the filter's value), suggested with their names.
        "object_types": [(t, object_type_label(t)) for t in object_types()],
        "target": "#audit-results",
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request and htmx.target == "audit-results":
        return render(request, "audit/_results.html", context)
    return render(request, "audit/list.html", context)


@login_required
@permission_required("audit.view_auditevent", raise_exception=True)
@require_GET
def export(request: HttpRequest) -> HttpResponseBase:
    filters = AuditFilterForm(request.GET or None).filters()
    rows = audit_events(filters).values(*EXPORT_FIELDS).iterator(chunk_size=2000)
    response, count = xlsx_response(export_columns(), rows, filename="audit-log")
    described = filters.described()
    record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type=AuditEvent._meta.label_lower,
        summary=exported(_("Audit log"), count),
        changes={"filters": described, "rows": count},
        request=request,
    )
    return response
