"""The landing page: the panels each app declares for the user's roles (core.landing)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from fangkong.core.landing import landing_for
from fangkong.core.scoping import jurisdiction_paths, sees_everything


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if not sees_everything(request.user) and not jurisdiction_paths(request.user):
        if request.GET.get("place"):
            raise Http404
        return render(request, "core/home.html", {"no_jurisdiction": True})
    return render(request, "core/home.html", {"landing": landing_for(request)})
