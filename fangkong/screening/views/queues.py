"""The work queue and the queue of key persons with no place yet."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required, permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from fangkong.core.paging import CountedPaginator
from fangkong.places.labels import with_place_labels
from fangkong.screening.selectors import (
    key_persons_for,
    routable_places,
    work_queue,
)
from fangkong.screening.views.key_persons import _categories


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
