"""Screening pages: key person list/detail/timeline, work queue, unplaced queue, coverage board,
sweeps on a phone, and the public self-report page with its printable QR poster."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from operator import itemgetter
from typing import Any
from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fangkong.audit.models import AuditAction
from fangkong.audit.services import exported, record, say
from fangkong.core.exports import Column, xlsx_response
from fangkong.core.htmx import is_htmx_target
from fangkong.core.masking import mask_document, mask_phone
from fangkong.core.paging import CountedPaginator
from fangkong.people.selectors import describe_search, find_by_document, get_person_for_user
from fangkong.people.services import StaleVersion, record_full_view
from fangkong.places.labels import labels_by_path, with_place_labels
from fangkong.places.models import Place, PlaceType
from fangkong.places.selectors import breadcrumb, get_place_for_user, jurisdiction_roots
from fangkong.protocols.models import MeasureKind
from fangkong.protocols.selectors import (
    active_protocol,
    all_category_names,
    category_names,
    district_of,
    user_district,
)
from fangkong.screening.forms import (
    AddKeyPersonForm,
    CategoryForm,
    DeadlineForm,
    KeyPersonFilterForm,
    RouteForm,
    SelfReportForm,
    SweepForm,
    TransitionForm,
    TravelForm,
    VisitForm,
)
from fangkong.screening.models import TRANSITIONS, ClearState, KeyPerson, VisitOutcome
from fangkong.screening.selectors import (
    community_for_token,
    coverage,
    get_key_person_for_user,
    get_push_batch_for_user,
    get_sweep_for_user,
    household_residents,
    key_persons_for,
    key_persons_under_other_protocol,
    push_batches_for,
    responsible_candidates,
    routable_places,
    self_report_token,
    sweep_household,
    sweep_households,
    sweep_progress,
    sweeps_for,
    timeline,
    travel_history,
    work_queue,
)
from fangkong.screening.services import (
    AlreadyReported,
    RateLimited,
    SelfReportInput,
    SourceInput,
    TransitionNotAllowed,
    add_key_person,
    add_travel,
    apply_protocol,
    assign_worker,
    hand_over,
    protocol_changes,
    record_visit,
    release_refusal,
    route_key_person,
    set_category,
    set_push_deadline,
    start_sweep,
    submit_self_report,
    transition,
)

FILTER_KEYS = ("place", "q", "category", "clear_state", "overdue", "unplaced", "outside", "source")


def _place_param(user: Any, raw: str) -> Place | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    return get_place_for_user(user, int(raw))


def _filtered(request: HttpRequest) -> tuple[Any, Place | None, KeyPersonFilterForm, str]:
    place = _place_param(request.user, request.GET.get("place", ""))
    form = KeyPersonFilterForm(request.GET)
    qs = key_persons_for(request.user, place=place, **form.filters())
    query = urlencode({k: request.GET[k] for k in FILTER_KEYS if request.GET.get(k)})
    return qs, place, form, query


def _categories(user: Any) -> dict[str, str]:
    return all_category_names()


@login_required
@permission_required("screening.view_keyperson", raise_exception=True)
@require_GET
def key_person_list(request: HttpRequest) -> HttpResponse:
    qs, place, form, query = _filtered(request)
    paginator = CountedPaginator(qs.select_related("person", "place", "worker"), settings.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = with_place_labels(page.object_list, "place")
    context = {
        "page": page,
        "form": form,
        "place": place,
        "filter_query": query,
        "category_names": _categories(request.user),
        "now": timezone.now(),
        "title": _("Key persons"),
    }
    if is_htmx_target(request, "kp-results"):
        response = render(request, "screening/_results.html", context)
    else:
        context["crumbs"] = breadcrumb(request.user, place) if place else []
        response = render(request, "screening/list.html", context)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


EXPORT_CHUNK = 2000


def _export_rows(qs: Any) -> Iterator[dict[str, Any]]:
    rows = qs.values(
        "id",
        "person__name",
        "person__document_number",
        "person__phone",
        "category",
        "clear_state",
        "measure_kind",
        "place__name",
        "place__path",
        "is_unplaced",
        "outside_district",
        "due_at",
        "identified_at",
        "verified_at",
        "controlled_at",
        "created_at",
    ).iterator(chunk_size=EXPORT_CHUNK)
    while chunk := list(islice(rows, EXPORT_CHUNK)):
        places = labels_by_path((r["place__path"], r["place__name"]) for r in chunk if r["place__path"])
        for row in chunk:
            row["place"] = places.get(row["place__path"] or "", "")
        yield from chunk


def _export_columns() -> list[Column]:
    categories = all_category_names()
    states = {k: str(v) for k, v in ClearState.choices}
    measures = {k: str(v) for k, v in MeasureKind.choices}
    yes = str(_("Yes"))
    return [
        Column(pgettext_lazy("person", "Name"), lambda r: r["person__name"], 12),
        Column(gettext_lazy("Document number"), lambda r: mask_document(r["person__document_number"]), 22),
        Column(gettext_lazy("Mobile phone"), lambda r: mask_phone(r["person__phone"]), 14),
        Column(gettext_lazy("Category"), lambda r: categories.get(r["category"], r["category"]), 18),
        Column(gettext_lazy("State"), lambda r: states.get(r["clear_state"], ""), 10),
        Column(gettext_lazy("Measure"), lambda r: measures.get(r["measure_kind"], ""), 14),
        Column(gettext_lazy("Place"), itemgetter("place"), 30),
        Column(gettext_lazy("Unplaced"), lambda r: yes if r["is_unplaced"] else "", 8),
        Column(gettext_lazy("To hand over"), lambda r: yes if r["outside_district"] else "", 8),
        Column(gettext_lazy("Identify by"), lambda r: r["due_at"], 18),
        Column(gettext_lazy("Identified"), lambda r: r["identified_at"], 18),
        Column(gettext_lazy("Verified"), lambda r: r["verified_at"], 18),
        Column(gettext_lazy("Controlled"), lambda r: r["controlled_at"], 18),
        Column(gettext_lazy("Created"), lambda r: r["created_at"], 18),
    ]


@login_required
@permission_required("screening.view_keyperson", raise_exception=True)
@require_GET
def key_person_export(request: HttpRequest) -> HttpResponseBase:
    qs, _place, _form, _query = _filtered(request)
    response, count = xlsx_response(_export_columns(), _export_rows(qs), filename="key-persons")
    # The search term may be an ID number or a phone: the log gets it masked, as for persons.
    filters = {k: request.GET[k] for k in FILTER_KEYS if request.GET.get(k)}
    if "q" in filters:
        filters["q"] = describe_search(filters["q"])
    record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="screening.keyperson",
        summary=exported(gettext_lazy("Key persons"), count),
        changes={"filters": filters, "rows": count},
        request=request,
    )
    return response


@login_required
@permission_required("screening.change_keyperson", raise_exception=True)
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    qs = work_queue(request.user, mine_only=mine)
    page = CountedPaginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = with_place_labels(page.object_list, "place")
    return render(
        request,
        "screening/queue.html",
        {"page": page, "mine": mine, "category_names": _categories(request.user), "now": timezone.now()},
    )


@login_required
@permission_required("screening.assign_keyperson", raise_exception=True)
@require_GET
def unplaced(request: HttpRequest) -> HttpResponse:
    qs = key_persons_for(request.user, unplaced=True, clear_state="open").select_related("person", "place")
    outside = key_persons_for(request.user, outside=True, clear_state="open").select_related("person", "place")
    page = CountedPaginator(qs, settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "screening/unplaced.html",
        {
            "page": page,
            "outside": outside[:200],
            "outside_count": outside.count(),
            "places": list(routable_places(request.user).values("pk", "name", "type")),
            "category_names": _categories(request.user),
        },
    )


def _actions(user: Any, kp: KeyPerson, release_note: str = "") -> list[tuple[str, str]]:
    """The steps the page offers: never "released" where it is refused (a measure releases the person)."""
    if not user.has_perm("screening.change_keyperson"):
        return []
    steps = TRANSITIONS.get(kp.clear_state, ())
    return [(to, str(ClearState(to).label)) for to in steps if not (to == ClearState.RELEASED and release_note)]


@login_required
@permission_required("screening.view_keyperson", raise_exception=True)
@require_GET
def key_person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    kp = get_key_person_for_user(request.user, pk)
    full = request.user.has_perm("people.view_full_person")
    if full:
        record_full_view(actor=request.user, person=kp.person, request=request)
    protocol = active_protocol(district_of(kp.place)).protocol
    categories = category_names(protocol)
    release_note = release_refusal(kp) if ClearState.RELEASED in TRANSITIONS.get(kp.clear_state, ()) else ""
    return render(
        request,
        "screening/detail.html",
        {
            "kp": kp,
            "person": kp.person,
            "full": full,
            "crumbs": breadcrumb(request.user, kp.place),
            "category_names": all_category_names(),
            "category_form": CategoryForm(
                initial={"category": kp.category, "version": kp.version}, categories=categories
            ),
            "travel_form": TravelForm(),
            "actions": _actions(request.user, kp, release_note),
            "release_note": release_note,
            "sources": list(kp.sources.select_related("push_list", "created_by").order_by("reported_at")),
            "travels": travel_history(kp),
            "timeline": timeline(kp),
            "can_change": request.user.has_perm("screening.change_keyperson"),
            "workers": responsible_candidates(kp) if request.user.has_perm("screening.change_keyperson") else [],
            "can_route": request.user.has_perm("screening.assign_keyperson"),
            "places": list(routable_places(request.user).values("pk", "name", "type"))
            if request.user.has_perm("screening.assign_keyperson")
            else [],
            "measure_labels": dict(MeasureKind.choices),
            "protocol": protocol,
        },
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


@login_required
@permission_required("screening.add_keyperson", raise_exception=True)
@require_http_methods(["GET", "POST"])
def add_view(request: HttpRequest) -> HttpResponse:
    roots = jurisdiction_roots(request.user)
    if not roots:
        raise PermissionDenied
    protocol = active_protocol(district_of(roots[0])).protocol
    form = AddKeyPersonForm(request.POST or None, categories=category_names(protocol))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = find_by_document(request.user, data["document_type"], data["document_number"].strip().upper())
        if person is None:
            form.add_error(
                "document_number", _("No person with this document in your jurisdiction; register them first.")
            )
        else:
            try:
                kp, created = add_key_person(
                    actor=request.user,
                    person=person,
                    source=SourceInput(
                        kind=data["kind"],
                        detail=data["detail"],
                        came_from=data["came_from"],
                        arrived_on=data["arrived_on"],
                    ),
                    category=data["category"],
                    request=request,
                )
            except ValidationError as exc:
                for field, errors in (
                    exc.message_dict.items() if hasattr(exc, "error_dict") else [("__all__", exc.messages)]
                ):
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(
                    request, _("Key person added.") if created else _("Already a key person; the source was added.")
                )
                return redirect("screening:detail", kp.pk)
    return render(request, "screening/add.html", {"form": form})


@login_required
@permission_required("screening.view_coverage", raise_exception=True)
@require_http_methods(["GET", "POST"])
def push_lists(request: HttpRequest) -> HttpResponse:
    """Each push list: what became of it, how many are still to identify, and its deadline (HQ may move it)."""
    if request.method == "POST":
        if not request.user.has_perm("screening.assign_keyperson"):
            raise PermissionDenied
        form = DeadlineForm(request.POST)
        if form.is_valid():
            batch = get_push_batch_for_user(request.user, form.cleaned_data["batch"])
            try:
                set_push_deadline(actor=request.user, batch=batch, deadline_at=form.cleaned_data["deadline_at"],
                                  request=request)  # fmt: skip
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, _("The deadline was changed."))
        else:
            messages.error(request, " ".join(str(m) for ms in form.errors.values() for m in ms))
        return redirect("screening:push_lists")
    page = CountedPaginator(push_batches_for(request.user), settings.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "screening/push_lists.html", {"page": page, "category_names": all_category_names()})


# --- coverage board ---------------------------------------------------------------------------


def _board_place(request: HttpRequest) -> Place:
    place = _place_param(request.user, request.GET.get("place", ""))
    if place is not None:
        return place
    roots = jurisdiction_roots(request.user)
    if not roots:
        raise PermissionDenied
    return roots[0]


@login_required
@permission_required("screening.view_coverage", raise_exception=True)
@require_GET
def coverage_board(request: HttpRequest) -> HttpResponse:
    place = _board_place(request)
    totals, rows = coverage(place)
    categories = all_category_names()
    states = [(s, str(ClearState(s).label)) for s in ClearState.values]
    chart = {
        "places": [r.place.name if r.place else str(_("Held here")) for r in rows],
        "states": [label for _s, label in states],
        "series": [[r.by_state.get(s, 0) for r in rows] for s, _l in states],
        "categories": [{"name": categories.get(c, c), "value": n} for c, n in sorted(totals.by_category.items())],
    }
    return render(
        request,
        "screening/coverage.html",
        {
            "place": place,
            "totals": totals,
            "rows": rows,
            "states": states,
            "category_names": categories,
            "chart": chart,
            "crumbs": breadcrumb(request.user, place),
            "drillable": place.type in (PlaceType.DISTRICT, PlaceType.STREET, PlaceType.COMMUNITY),
        },
    )


def _count(attribute: str, key: str) -> Any:
    return lambda row: getattr(row, attribute).get(key, 0)


@login_required
@permission_required("screening.view_coverage", raise_exception=True)
@require_GET
def coverage_export(request: HttpRequest) -> HttpResponseBase:
    place = _board_place(request)
    totals, rows = coverage(place)
    categories = all_category_names()
    codes = sorted({c for r in rows for c in r.by_category})
    columns = [
        Column(gettext_lazy("Place"), lambda r: r.place.name if r.place else str(_("Held here")), 18),
        Column(gettext_lazy("Key persons"), lambda r: r.total, 10),
        *[Column(ClearState(s).label, _count("by_state", s), 10) for s in ClearState.values],
        Column(gettext_lazy("Overdue"), lambda r: r.overdue, 8),
        Column(gettext_lazy("Unplaced"), lambda r: r.unplaced, 8),
        Column(gettext_lazy("To hand over"), lambda r: r.outside, 8),
        Column(gettext_lazy("Households to sweep"), lambda r: r.households, 10),
        Column(gettext_lazy("Households visited"), lambda r: r.visited, 10),
        *[Column(categories.get(c, c), _count("by_category", c), 12) for c in codes],
    ]
    response, count = xlsx_response(columns, iter([*rows, totals]), filename="screening-coverage")
    record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="screening.keyperson",
        summary=say(
            gettext_lazy("Screening coverage of %(place)s exported: %(rows)s rows"), place=place.name, rows=count
        ),
        request=request,
    )
    return response


# --- sweeps -------------------------------------------------------------------------------------


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


# --- self-report ----------------------------------------------------------------------------------


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


# --- applying a new protocol ------------------------------------------------------------------


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
