"""The key person list, its export, the detail page and adding a key person by hand."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from operator import itemgetter
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from fangkong.audit.models import AuditAction
from fangkong.audit.services import exported, record
from fangkong.core.exports import Column, xlsx_response
from fangkong.core.htmx import is_htmx_target
from fangkong.core.masking import mask_document, mask_phone
from fangkong.core.paging import CountedPaginator
from fangkong.people.selectors import describe_search, find_by_document
from fangkong.people.services import record_full_view
from fangkong.places.labels import labels_by_path, with_place_labels
from fangkong.places.models import Place
from fangkong.places.selectors import breadcrumb, get_place_for_user, jurisdiction_roots
from fangkong.protocols.models import MeasureKind
from fangkong.protocols.selectors import (
    active_protocol,
    all_category_names,
    category_names,
    district_of,
)
from fangkong.screening.forms import (
    AddKeyPersonForm,
    CategoryForm,
    KeyPersonFilterForm,
    TravelForm,
)
from fangkong.screening.models import TRANSITIONS, ClearState, KeyPerson
from fangkong.screening.selectors import (
    get_key_person_for_user,
    key_persons_for,
    responsible_candidates,
    routable_places,
    timeline,
    travel_history,
)
from fangkong.screening.services import (
    SourceInput,
    add_key_person,
    release_refusal,
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
