"""Previewing what applying a new protocol would change."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangkong.places.labels import with_place_labels
from fangkong.protocols.models import MeasureKind
from fangkong.protocols.selectors import (
    active_protocol,
    user_district,
)
from fangkong.screening.selectors import (
    key_persons_under_other_protocol,
)
from fangkong.screening.services import (
    apply_protocol,
    protocol_changes,
)


@login_required
@permission_required("protocols.apply_protocol", raise_exception=True)
@require_http_methods(["GET", "POST"])
def apply_preview(request: HttpRequest) -> HttpResponse:
    """Who would change, and how, if the active protocol were applied to key persons already under a measure."""
    district = user_district(request.user)
    if district is None:
        raise PermissionDenied
    protocol = active_protocol(district).protocol
    candidates = list(key_persons_under_other_protocol(request.user, protocol)[:500])
    changes = protocol_changes(with_place_labels(candidates, "place"), protocol)
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("key_person") if v.isdigit()]
        changed = apply_protocol(
            actor=request.user, protocol=protocol, key_person_ids=ids, candidates=candidates, request=request
        )
        messages.success(
            request, _("%(n)d key persons were rescheduled under %(name)s.") % {"n": changed, "name": protocol.name}
        )
        return redirect("screening:apply_protocol")
    return render(
        request,
        "screening/apply_protocol.html",
        {"protocol": protocol, "changes": changes, "measure_labels": dict(MeasureKind.choices)},
    )
