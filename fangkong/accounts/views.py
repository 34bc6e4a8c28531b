"""Account pages: the user's own API tokens."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from fangkong.accounts.forms import TokenForm
from fangkong.accounts.models import User
from fangkong.accounts.selectors import get_token_for_user, tokens_for
from fangkong.accounts.services import issue_token, revoke_token


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    new_token = None
    status = 200
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            token, raw = issue_token(
                user=cast(User, request.user),
                name=form.cleaned_data["name"].strip(),
                valid_days=form.cleaned_data["valid_days"],
                request=request,
            )
            # Rendered, not redirected: the raw value exists only in this response and is never stored.
            new_token = {"token": token, "raw": raw}
            form = TokenForm()
        else:
            status = 422
    else:
        form = TokenForm()
    context = {"form": form, "tokens": tokens_for(request.user), "new_token": new_token}
    return render(request, "accounts/tokens.html", context, status=status)


@login_required
@require_POST
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_token_for_user(request.user, pk)
    if token.revoked_at is None:
        revoke_token(actor=request.user, token=token, request=request)
        messages.success(request, _("Token “%(name)s” revoked: it no longer works.") % {"name": token.name})
    return redirect("accounts:tokens")
