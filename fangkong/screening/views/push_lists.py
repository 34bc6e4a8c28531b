"""Push lists received from upstream."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from fangkong.core.paging import CountedPaginator
from fangkong.protocols.selectors import (
    all_category_names,
)
from fangkong.screening.forms import (
    DeadlineForm,
)
from fangkong.screening.selectors import (
    get_push_batch_for_user,
    push_batches_for,
)
from fangkong.screening.services import (
    set_push_deadline,
)


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
