"""What a worker does on a key person's page: move its state, route, assign, hand over, recategorise, travel."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from fangkong.people.services import StaleVersion
from fangkong.places.selectors import get_place_for_user
from fangkong.protocols.selectors import (
    active_protocol,
    category_names,
    district_of,
)
from fangkong.screening.forms import (
    CategoryForm,
    RouteForm,
    TransitionForm,
    TravelForm,
)
from fangkong.screening.models import ClearState, KeyPerson
from fangkong.screening.selectors import (
    get_key_person_for_user,
    responsible_candidates,
)
from fangkong.screening.services import (
    TransitionNotAllowed,
    add_travel,
    assign_worker,
    hand_over,
    route_key_person,
    set_category,
    transition,
)


def _back(kp: KeyPerson, request: HttpRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("screening:detail", kp.pk)


STALE = gettext_lazy("Someone else changed this key person in the meantime; here is the current record.")


@login_required
@permission_required("screening.change_keyperson", raise_exception=True)
@require_POST
def transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    kp = get_key_person_for_user(request.user, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The change could not be read; reload the page and try again."))
        return _back(kp, request)
    try:
        transition(
            actor=request.user,
            key_person=kp,
            to=form.cleaned_data["to"],
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
            request=request,
        )
    except StaleVersion:
        messages.error(request, STALE)
    except TransitionNotAllowed as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            _("%(name)s: %(state)s.") % {"name": kp.person.name, "state": ClearState(form.cleaned_data["to"]).label},
        )
    return _back(kp, request)


@login_required
@permission_required("screening.assign_keyperson", raise_exception=True)
@require_POST
def route_view(request: HttpRequest, pk: int) -> HttpResponse:
    kp = get_key_person_for_user(request.user, pk)
    form = RouteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a community or grid."))
        return _back(kp, request)
    try:
        place = get_place_for_user(request.user, form.cleaned_data["place"])
        route_key_person(
            actor=request.user,
            key_person=kp,
            place=place,
            expected_version=form.cleaned_data["version"],
            request=request,
        )
    except Http404:
        messages.error(request, _("No such place in your jurisdiction."))
    except StaleVersion:
        messages.error(request, STALE)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("%(name)s was routed to %(place)s.") % {"name": kp.person.name, "place": place.name}
        )
    return _back(kp, request)


@login_required
@permission_required("screening.change_keyperson", raise_exception=True)
@require_POST
def worker_view(request: HttpRequest, pk: int) -> HttpResponse:
    kp = get_key_person_for_user(request.user, pk)
    raw, version = request.POST.get("worker", ""), request.POST.get("version", "")
    candidates = {u.pk: u for u in responsible_candidates(kp)}
    worker = candidates.get(int(raw)) if raw.isdigit() else None
    if raw and worker is None:
        messages.error(request, _("Choose a worker posted at this place or above it."))
        return _back(kp, request)
    try:
        assign_worker(actor=request.user, key_person=kp, worker=worker,
                      expected_version=int(version) if version.isdigit() else 0, request=request)  # fmt: skip
    except StaleVersion:
        messages.error(request, STALE)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(kp, request)


@login_required
@permission_required("screening.assign_keyperson", raise_exception=True)
@require_POST
def hand_over_view(request: HttpRequest, pk: int) -> HttpResponse:
    kp = get_key_person_for_user(request.user, pk)
    version = request.POST.get("version", "")
    try:
        hand_over(
            actor=request.user,
            key_person=kp,
            note=request.POST.get("note", ""),
            expected_version=int(version) if version.isdigit() else 0,
            request=request,
        )
    except StaleVersion:
        messages.error(request, STALE)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("%(name)s was handed over.") % {"name": kp.person.name})
    return _back(kp, request)


@login_required
@permission_required("screening.change_keyperson", raise_exception=True)
@require_POST
def category_view(request: HttpRequest, pk: int) -> HttpResponse:
    kp = get_key_person_for_user(request.user, pk)
    protocol = active_protocol(district_of(kp.place)).protocol
    form = CategoryForm(request.POST, categories=category_names(protocol))
    if not form.is_valid():
        messages.error(request, _("The active protocol has no such category."))
        return _back(kp, request)
    try:
        set_category(
            actor=request.user,
            key_person=kp,
            category=form.cleaned_data["category"],
            expected_version=form.cleaned_data["version"],
            request=request,
        )
    except StaleVersion:
        messages.error(request, STALE)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(kp, request)


@login_required
@permission_required("screening.change_keyperson", raise_exception=True)
@require_POST
def travel_view(request: HttpRequest, pk: int) -> HttpResponse:
    kp = get_key_person_for_user(request.user, pk)
    form = TravelForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
        return _back(kp, request)
    try:
        add_travel(
            actor=request.user,
            key_person=kp,
            place_text=form.cleaned_data["place_text"],
            from_date=form.cleaned_data["from_date"],
            to_date=form.cleaned_data["to_date"],
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _back(kp, request)
