"""Person pages: list with filters and export, detail (full values audited), create/edit, merge."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
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
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from fangkong.audit.models import AuditAction
from fangkong.audit.services import exported, record
from fangkong.core.exports import Column, xlsx_response
from fangkong.core.htmx import is_htmx_target
from fangkong.core.masking import mask_address, mask_document, mask_phone
from fangkong.core.paging import CountedPaginator
from fangkong.core.validators import normalize_document_number, normalize_id_number
from fangkong.people.forms import MergeSearchForm, PersonFilterForm, PersonForm
from fangkong.people.models import DocumentType, Person, ResidentType, Sex
from fangkong.people.selectors import (
    count_persons_from_rollup,
    describe_search,
    find_by_document,
    get_person_for_user,
    persons_for,
)
from fangkong.people.services import (
    DuplicatePerson,
    PlaceOutsideJurisdiction,
    StaleVersion,
    create_person,
    duplicate_elsewhere_message,
    merge_persons,
    record_full_view,
    update_person,
)
from fangkong.people.timeline import event_counts, timeline_for
from fangkong.places.forms import apply_service_error
from fangkong.places.labels import labels_by_path, with_place_labels
from fangkong.places.models import Place
from fangkong.places.selectors import breadcrumb, get_place_for_user, places_for

FILTER_KEYS = ("place", "q", "resident_type", "tag")


def _filter_place(user: Any, raw: str) -> Place | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isdigit():
        # A place id that cannot exist is the same as one outside the jurisdiction.
        raise Http404
    return get_place_for_user(user, int(raw))


def _filtered(request: HttpRequest) -> tuple[Any, Place | None, dict[str, str], PersonFilterForm]:
    """The person list's queryset for the query string; shared by the page and the export."""
    place = _filter_place(request.user, request.GET.get("place", ""))
    form = PersonFilterForm(request.GET)
    filters = form.filters()
    qs = persons_for(
        request.user, place=place, q=filters["q"], resident_type=filters["resident_type"], tag=filters["tag"]
    )
    return qs, place, filters, form


def _filter_query(place: Place | None, filters: dict[str, str]) -> str:
    params = {"place": str(place.pk) if place else "", **filters}
    return urlencode({k: v for k, v in params.items() if v})


@login_required
@permission_required("people.view_person", raise_exception=True)
@require_GET
def person_list(request: HttpRequest) -> HttpResponse:
    qs, place, filters, form = _filtered(request)
    # One LIMIT/OFFSET query for the page; the total comes from the rolled-up counts when
    # only a place narrows the list, else from one COUNT.
    known = count_persons_from_rollup(request.user, place=place, **filters)
    paginator = CountedPaginator(qs.select_related("place"), settings.PAGE_SIZE, count=known)
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = with_place_labels(page.object_list, "place")
    query = _filter_query(place, filters)
    context = {
        "page": page,
        "form": form,
        "place": place,
        "filters": filters,
        "filter_query": query,
        "can_export_unmasked": request.user.has_perm("people.export_unmasked_person"),
    }
    if is_htmx_target(request, "person-results"):
        response = render(request, "people/_results.html", context)
    else:
        context["crumbs"] = breadcrumb(request.user, place) if place else []
        response = render(request, "people/list.html", context)
    # The same URL answers with a partial or a page; caches must keep them apart.
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


EXPORT_FIELDS = (
    "id",
    "name",
    "document_type",
    "document_number",
    "sex",
    "birth_date",
    "phone",
    "place__name",
    "place__path",
    "address",
    "registered_residence",
    "resident_type",
)
EXPORT_CHUNK = 2000


def _export_rows(qs: Any) -> Iterator[dict[str, Any]]:
    """Plain dicts read in chunks, each chunk's tags in one query: no model instances for a million rows."""
    rows = qs.values(*EXPORT_FIELDS).iterator(chunk_size=EXPORT_CHUNK)
    while chunk := list(islice(rows, EXPORT_CHUNK)):
        tags: dict[int, list[str]] = defaultdict(list)
        links = (
            Person.tags.through.objects.filter(person_id__in=[row["id"] for row in chunk])
            .order_by("tag__name")
            .values_list("person_id", "tag__name")
        )
        for person_id, tag in links:
            tags[person_id].append(tag)
        places = labels_by_path((row["place__path"], row["place__name"]) for row in chunk)
        for row in chunk:
            row["tags"] = ", ".join(tags.get(row["id"], ()))
            row["place"] = places[row["place__path"]]
            yield row


def _export_columns(*, unmasked: bool) -> list[Column]:
    """Columns over _export_rows' dicts; choice labels translated once per export, not once per cell."""
    document_types = {k: str(v) for k, v in DocumentType.choices}
    sexes = {k: str(v) for k, v in Sex.choices if k}
    resident_types = {k: str(v) for k, v in ResidentType.choices}

    def masked(key: str, mask: Callable[[str], str]) -> Callable[[dict[str, Any]], str]:
        if unmasked:
            return itemgetter(key)
        return lambda row: mask(row[key])

    return [
        Column(pgettext_lazy("person", "Name"), itemgetter("name"), 12),
        Column(gettext_lazy("Document type"), lambda r: document_types.get(r["document_type"], ""), 16),
        Column(gettext_lazy("Document number"), masked("document_number", mask_document), 22),
        Column(gettext_lazy("Sex"), lambda r: sexes.get(r["sex"], ""), 6),
        Column(gettext_lazy("Birth date"), itemgetter("birth_date"), 12),
        Column(gettext_lazy("Mobile phone"), masked("phone", mask_phone), 14),
        Column(gettext_lazy("Place"), itemgetter("place"), 30),
        Column(gettext_lazy("Current address"), masked("address", mask_address), 28),
        Column(gettext_lazy("Registered residence"), masked("registered_residence", mask_address), 28),
        Column(gettext_lazy("Resident type"), lambda r: resident_types.get(r["resident_type"], ""), 14),
        Column(gettext_lazy("Tags"), itemgetter("tags"), 16),
    ]


@login_required
@permission_required("people.view_person", raise_exception=True)
@require_GET
def person_export(request: HttpRequest) -> HttpResponseBase:
    unmasked = request.GET.get("unmasked") == "1"
    if unmasked and not request.user.has_perm("people.export_unmasked_person"):
        raise PermissionDenied
    qs, place, filters, _form = _filtered(request)
    response, count = xlsx_response(_export_columns(unmasked=unmasked), _export_rows(qs), filename="persons")
    summary = {
        "place": f"{place.type} {place.pk}" if place else "",
        "q": describe_search(filters["q"]),
        "resident_type": filters["resident_type"],
        "tag": filters["tag"],
    }
    record(
        actor=request.user,
        action=AuditAction.EXPORT,
        object_type="people.person",
        summary=exported(gettext_lazy("Persons"), count, masked=not unmasked),
        changes={"filters": summary, "rows": count, "unmasked": unmasked},
        request=request,
    )
    return response


@login_required
@permission_required("people.view_person", raise_exception=True)
@require_GET
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    full = request.user.has_perm("people.view_full_person")
    history = timeline_for(request.user, person)
    if full:
        record_full_view(actor=request.user, person=person, request=request, history=event_counts(history))
    merged_into = person.merged_into
    return render(
        request,
        "people/detail.html",
        {
            "person": person,
            "full": full,
            "history": history,
            "masked_residence": mask_address(person.registered_residence),
            "crumbs": breadcrumb(request.user, person.place),
            "tags": list(person.tags.all()),
            "merged_into_visible": bool(
                merged_into and persons_for(request.user, include_merged=True).filter(pk=merged_into.pk).exists()
            ),
            "can_edit": request.user.has_perm("people.change_person") and person.merged_into_id is None,
            "can_merge": request.user.has_perm("people.merge_person") and person.merged_into_id is None,
        },
    )


def _save_person(request: HttpRequest, form: PersonForm, person: Person | None) -> tuple[Person | None, dict[str, Any]]:
    """Run the service for a valid form; on a domain error put it on the form and return what the page shows."""
    extra: dict[str, Any] = {}
    try:
        if person is None:
            saved = create_person(actor=request.user, data=form.to_input(), request=request)
        else:
            saved = update_person(
                actor=request.user,
                person=person,
                data=form.to_input(),
                # A missing version can never match, so a form without one is treated as stale.
                expected_version=form.cleaned_data.get("version") or 0,
                request=request,
            )
    except ValidationError as exc:
        apply_service_error(form, exc)
    except DuplicatePerson as exc:
        visible = persons_for(request.user, include_merged=True).filter(pk=exc.existing.pk).exists()
        extra["duplicate"] = exc.existing if visible else None
        extra["duplicate_elsewhere"] = not visible
        message = _("A person with this document is already registered.") if visible else duplicate_elsewhere_message()
        form.add_error("document_number", message)
    except StaleVersion:
        extra["stale"] = True
        form.add_error(
            None,
            _(
                "Someone else changed this record while you were editing it. "
                "Reload the page and enter your changes again."
            ),
        )
    except PlaceOutsideJurisdiction:
        form.add_error("place", _("Choose a place inside your jurisdiction."))
    else:
        return saved, extra
    return None, extra


@login_required
@permission_required("people.add_person", raise_exception=True)
@require_http_methods(["GET", "POST"])
def person_create(request: HttpRequest) -> HttpResponse:
    places = places_for(request.user)
    initial: dict[str, Any] = {}
    raw_place = request.GET.get("place", "")
    if raw_place.isdigit() and places.filter(pk=int(raw_place)).exists():
        initial["place"] = int(raw_place)
    form = PersonForm(request.POST or None, places=places, initial=initial)
    extra: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        saved, extra = _save_person(request, form, None)
        if saved is not None:
            messages.success(request, _("The person was registered."))
            return redirect("people:detail", pk=saved.pk)
    return render(request, "people/form.html", {"form": form, "person": None, **extra})


@login_required
@permission_required("people.change_person", raise_exception=True)
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    if person.merged_into_id is not None:
        messages.error(request, _("This record was merged into another person and can no longer be edited."))
        return redirect("people:detail", pk=person.pk)
    # The form shows the full record, so it is a full view: same permission, same audit row.
    if not request.user.has_perm("people.view_full_person"):
        raise PermissionDenied
    if request.method == "GET":
        record_full_view(actor=request.user, person=person, request=request)
    form = PersonForm(request.POST or None, places=places_for(request.user), initial=PersonForm.initial_for(person))
    extra: dict[str, Any] = {}
    if request.method == "POST" and form.is_valid():
        saved, extra = _save_person(request, form, person)
        if saved is not None:
            messages.success(request, _("The changes were saved."))
            return redirect("people:detail", pk=saved.pk)
    return render(request, "people/form.html", {"form": form, "person": person, **extra})


def _normalised_document(document_type: str, raw: str) -> str:
    if document_type == DocumentType.RESIDENT_ID:
        return normalize_id_number(raw)
    return normalize_document_number(raw)


@login_required
@permission_required("people.merge_person", raise_exception=True)
@require_http_methods(["GET", "POST"])
def person_merge(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_person_for_user(request.user, pk)
    if person.merged_into_id is not None:
        messages.error(request, _("This record was already merged into another person."))
        return redirect("people:detail", pk=person.pk)
    if request.method == "POST" and "other" in request.POST:
        other_id = request.POST.get("other", "")
        if not other_id.isdigit():
            raise Http404
        chosen = get_person_for_user(request.user, int(other_id))
        keep_other = request.POST.get("keep") == "other"
        survivor, duplicate = (chosen, person) if keep_other else (person, chosen)
        try:
            kept = merge_persons(actor=request.user, survivor=survivor, duplicate=duplicate, request=request)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
            return redirect("people:merge", pk=person.pk)
        messages.success(request, _("The two records were merged."))
        return redirect("people:detail", pk=kept.pk)

    # The search is a POST so a document number never lands in a URL (and so in access logs).
    form = MergeSearchForm(request.POST if request.method == "POST" else None)
    other: Person | None = None
    searched = False
    if form.is_bound and form.is_valid():
        searched = True
        number = _normalised_document(form.cleaned_data["document_type"], form.cleaned_data["document_number"])
        other = find_by_document(request.user, form.cleaned_data["document_type"], number)
        if other is not None and other.pk == person.pk:
            form.add_error("document_number", _("That is this person's own document."))
            other = None
        elif other is not None and other.merged_into_id is not None:
            form.add_error("document_number", _("That record was already merged into another person."))
            other = None
    return render(
        request,
        "people/merge.html",
        {
            "person": person,
            "other": other,
            "pair": [(person, "this"), (other, "other")] if other else [],
            "form": form,
            "searched": searched,
            "crumbs": breadcrumb(request.user, person.place),
        },
    )
