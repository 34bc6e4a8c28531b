"""The public self-report page and its printable QR poster."""

from __future__ import annotations

import segno
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from fangkong.places.models import PlaceType
from fangkong.places.selectors import get_place_for_user
from fangkong.screening.forms import (
    SelfReportForm,
)
from fangkong.screening.selectors import (
    community_for_token,
    self_report_token,
)
from fangkong.screening.services import (
    AlreadyReported,
    RateLimited,
    SelfReportInput,
    submit_self_report,
)


@login_required
@permission_required("screening.view_keyperson", raise_exception=True)
@require_GET
def poster(request: HttpRequest, community_id: int) -> HttpResponse:
    community = get_place_for_user(request.user, community_id)
    if community.type != PlaceType.COMMUNITY:
        raise Http404
    url = request.build_absolute_uri(reverse("screening:self_report", args=[self_report_token(community)]))
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(scale=8, dark="#000", light="#fff")
    return render(request, "screening/poster.html", {"community": community, "url": url, "qr_svg": mark_safe(svg)})  # noqa: S308 - segno's own SVG


@never_cache
@require_http_methods(["GET", "POST"])
def self_report(request: HttpRequest, token: str) -> HttpResponse:
    community = community_for_token(token)
    form = SelfReportForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            submit_self_report(
                community=community,
                data=SelfReportInput(
                    name=data["name"],
                    document_type=data["document_type"],
                    document_number=data["document_number"],
                    phone=data["phone"],
                    reporter=data["reporter"],
                    organisation=data["organisation"],
                    came_from=data["came_from"],
                    arrived_on=data["arrived_on"],
                    symptoms=[str(dict(SelfReportForm.SYMPTOMS)[s]) for s in data["symptoms"]],
                    address=data["address"],
                ),
                request=request,
            )
        except RateLimited:
            form.add_error(None, _("Too many reports from this phone or network; please call the community instead."))
            status = 429
        except AlreadyReported:
            return render(
                request, "screening/self_report_done.html", {"community": community, "already": True}, status=200
            )
        except ValidationError as exc:
            for field, errors in (
                exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]
            ):
                form.add_error(field if field in form.fields else None, errors)
        else:
            return render(request, "screening/self_report_done.html", {"community": community})
    elif request.method == "POST":
        status = 200
    return render(request, "screening/self_report.html", {"community": community, "form": form}, status=status)
