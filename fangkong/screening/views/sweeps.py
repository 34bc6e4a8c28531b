"""Door-to-door sweeps on a phone."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from fangkong.people.selectors import get_person_for_user
from fangkong.places.labels import with_place_labels
from fangkong.places.selectors import get_place_for_user
from fangkong.screening.forms import (
    SweepForm,
    VisitForm,
)
from fangkong.screening.models import VisitOutcome
from fangkong.screening.selectors import (
    get_sweep_for_user,
    household_residents,
    routable_places,
    sweep_household,
    sweep_households,
    sweep_progress,
    sweeps_for,
)
from fangkong.screening.services import (
    record_visit,
    start_sweep,
)


@login_required
@permission_required("screening.view_sweeptask", raise_exception=True)
@require_http_methods(["GET", "POST"])
def sweep_list(request: HttpRequest) -> HttpResponse:
    form = SweepForm(request.POST or None)
    if request.method == "POST":
        if not request.user.has_perm("screening.add_sweeptask"):
            raise PermissionDenied
        if form.is_valid():
            try:
                place = get_place_for_user(request.user, form.cleaned_data["place"])
                task = start_sweep(actor=request.user, place=place, name=form.cleaned_data["name"], request=request)
            except Http404:
                form.add_error("place", _("No such place in your jurisdiction."))
            except ValidationError as exc:
                form.add_error(None, exc.messages)
            else:
                return redirect("screening:sweep", task.pk)
    tasks = with_place_labels(sweeps_for(request.user)[:100], "place")
    return render(
        request,
        "screening/sweeps.html",
        {
            "tasks": [(t, sweep_progress(t)) for t in tasks],
            "form": form,
            "places": list(routable_places(request.user).values("pk", "name", "type")),
        },
    )


@login_required
@permission_required("screening.view_sweeptask", raise_exception=True)
@require_GET
def sweep_detail(request: HttpRequest, pk: int) -> HttpResponse:
    task = get_sweep_for_user(request.user, pk)
    only_open = request.GET.get("open") == "1"
    return render(
        request,
        "screening/sweep.html",
        {
            "task": task,
            "rows": with_place_labels(sweep_households(task, request.user, only_open=only_open), "household"),
            "progress": sweep_progress(task),
            "outcomes": VisitOutcome.choices,
            "only_open": only_open,
            "can_visit": request.user.has_perm("screening.add_sweepvisit") and task.closed_at is None,
        },
    )


@login_required
@permission_required("screening.add_sweepvisit", raise_exception=True)
@require_http_methods(["GET", "POST"])
def sweep_visit(request: HttpRequest, pk: int, household_id: int) -> HttpResponse:
    task = get_sweep_for_user(request.user, pk)
    household = sweep_household(task, request.user, household_id)
    residents = list(household_residents(household, request.user))
    form = VisitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        person_id = form.cleaned_data.get("person")
        found = None
        if form.cleaned_data["outcome"] == VisitOutcome.KEY_PERSON_FOUND and person_id:
            found = next((p for p in residents if p.pk == person_id), None) or get_person_for_user(
                request.user, person_id
            )
        try:
            record_visit(
                actor=request.user,
                task=task,
                household=household,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                found_person=found,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages)
        else:
            return redirect(reverse("screening:sweep", args=[task.pk]) + f"#h{household.pk}")
    return render(
        request,
        "screening/visit.html",
        {"task": task, "household": household, "residents": residents, "form": form, "outcomes": VisitOutcome.choices},
    )
