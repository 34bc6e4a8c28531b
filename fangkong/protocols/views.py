"""Protocol pages: the protocols and the district's active one, applying a new one (previewed), risk areas."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.core.paging import CountedPaginator
from fangkong.places.models import Place
from fangkong.protocols.forms import RiskAreaFilterForm, RiskAreaForm, RiskAreaImportForm
from fangkong.protocols.models import MeasureKind
from fangkong.protocols.selectors import (
    active_protocol,
    get_protocol,
    get_risk_area,
    protocols_with_categories,
    risk_areas,
    user_district,
)
from fangkong.protocols.services import (
    RiskAreaInput,
    activate_protocol,
    copy_protocol,
    delete_risk_area,
    import_risk_areas,
    protocol_data,
    save_protocol_data,
    save_risk_area,
)


def _district(request: HttpRequest) -> Place:
    district = user_district(request.user)
    if district is None:
        raise PermissionDenied
    return district


@login_required
@permission_required("protocols.view_protocol", raise_exception=True)
@require_GET
def protocol_list(request: HttpRequest) -> HttpResponse:
    district = _district(request)
    active = active_protocol(district)
    return render(
        request,
        "protocols/list.html",
        {
            "protocols": list(protocols_with_categories()),
            "active": active,
            "district": district,
            "measure_labels": dict(MeasureKind.choices),
        },
    )


@login_required
@permission_required("protocols.activate_protocol", raise_exception=True)
@require_POST
def activate(request: HttpRequest) -> HttpResponse:
    district = _district(request)
    raw = request.POST.get("protocol", "")
    if not raw.isdigit():
        messages.error(request, _("Choose a protocol."))
        return redirect("protocols:list")
    protocol = get_protocol(int(raw))
    activate_protocol(actor=request.user, district=district, protocol=protocol, request=request)
    messages.success(
        request,
        _("%(name)s is now the active protocol. Key persons under a measure keep their schedule until you apply it.")
        % {"name": protocol.name},
    )
    return redirect("protocols:list")


@login_required
@permission_required("protocols.change_protocol", raise_exception=True)
@require_POST
def copy(request: HttpRequest, pk: int) -> HttpResponse:
    protocol = copy_protocol(actor=request.user, protocol=get_protocol(pk), request=request)
    messages.success(request, _("A new version was made; edit it, then make it active."))
    return redirect("protocols:edit", protocol.pk)


@login_required
@permission_required("protocols.change_protocol", raise_exception=True)
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """HQ edits a protocol it made as data: the presets' JSON format, checked before it is saved."""
    protocol = get_protocol(pk)
    if protocol.is_preset:
        raise PermissionDenied
    text = json.dumps(protocol_data(protocol), ensure_ascii=False, indent=2)
    errors: list[str] = []
    if request.method == "POST":
        text = request.POST.get("data", "")
        try:
            data = json.loads(text)
            if not isinstance(data, dict):
                raise ValueError
        except ValueError:
            errors = [_("This is not a JSON object; compare it with the example below.")]
        else:
            try:
                save_protocol_data(actor=request.user, protocol=protocol, data=data, request=request)
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, _("The protocol was saved."))
                return redirect("protocols:list")
    return render(
        request,
        "protocols/edit.html",
        {"protocol": protocol, "text": text, "errors": errors, "kinds": MeasureKind.choices},
    )


# --- risk areas -------------------------------------------------------------------------


@login_required
@permission_required("protocols.view_riskarea", raise_exception=True)
@require_GET
def risk_area_list(request: HttpRequest) -> HttpResponse:
    form = RiskAreaFilterForm(request.GET)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    qs = risk_areas(q=data.get("q") or "", level=data.get("level") or "", active_on=data.get("active_on"))
    page = CountedPaginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "protocols/risk_areas.html",
        {"page": page, "form": form, "import_form": RiskAreaImportForm()},
    )


def _area_input(data: dict[str, Any]) -> RiskAreaInput:
    return RiskAreaInput(
        name=data["name"],
        level=data["level"],
        granularity=data["granularity"],
        starts_on=data["starts_on"],
        ends_on=data.get("ends_on"),
        source=data.get("source") or "",
    )


@login_required
@require_http_methods(["GET", "POST"])
def risk_area_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    area = get_risk_area(pk) if pk is not None else None
    if not request.user.has_perm("protocols.change_riskarea" if area else "protocols.add_riskarea"):
        raise PermissionDenied
    initial = (
        {k: getattr(area, k) for k in ("name", "level", "granularity", "starts_on", "ends_on", "source")}
        if area
        else None
    )
    form = RiskAreaForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            save_risk_area(actor=request.user, data=_area_input(form.cleaned_data), area=area, request=request)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            return redirect("protocols:risk_areas")
    return render(request, "protocols/risk_area_form.html", {"form": form, "area": area})


@login_required
@permission_required("protocols.delete_riskarea", raise_exception=True)
@require_POST
def risk_area_delete(request: HttpRequest, pk: int) -> HttpResponse:
    delete_risk_area(actor=request.user, area=get_risk_area(pk), request=request)
    return redirect("protocols:risk_areas")


@login_required
@permission_required("protocols.add_riskarea", raise_exception=True)
@require_POST
def risk_area_import(request: HttpRequest) -> HttpResponse:
    form = RiskAreaImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose an Excel or CSV file."))
        return redirect("protocols:risk_areas")
    try:
        result = import_risk_areas(actor=request.user, upload=form.cleaned_data["file"], request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("protocols:risk_areas")
    messages.success(
        request,
        _("%(created)d areas added, %(updated)d updated.") % {"created": result.created, "updated": result.updated},
    )
    for error in result.errors[:20]:
        messages.warning(request, error)
    return redirect("protocols:risk_areas")
