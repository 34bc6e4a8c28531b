"""Staff pages of the public self-reports (居民报备): the list, one report with the register's possible
match, and the two ways to turn a report into a key person (issue 16 A1)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record
from fangkong.core.masking import mask_name
from fangkong.core.paging import CountedPaginator
from fangkong.people.selectors import get_person_for_user, register_matches_for
from fangkong.people.services import DuplicatePerson, PlaceOutsideJurisdiction
from fangkong.screening.selectors import get_self_report_for_user, self_reports_for
from fangkong.screening.services import confirm_self_report, register_self_report


@login_required
@permission_required("screening.view_keyperson", raise_exception=True)
@require_GET
def self_report_list(request: HttpRequest) -> HttpResponse:
    open_only = request.GET.get("open") == "1"
    page = CountedPaginator(self_reports_for(request.user, open_only=open_only), settings.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "screening/self_reports.html", {"page": page, "open_only": open_only})


@login_required
@permission_required("screening.view_keyperson", raise_exception=True)
@require_GET
def self_report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_self_report_for_user(request.user, pk)
    full = request.user.has_perm("people.view_full_person")
    if full:
        record(
            actor=request.user,
            action=AuditAction.VIEW_FULL,
            obj=report,
            summary=f"self-report {report.pk}: {mask_name(report.name)} {report.masked_document}",
            request=request,
        )
    # Only persons of the viewer's own jurisdiction, with the same document and name: a community never
    # learns that the typed document belongs to someone registered elsewhere.
    matches = (
        register_matches_for(
            request.user, document_type=report.document_type, document_number=report.document_number, name=report.name
        )
        if report.key_person_id is None
        else []
    )
    return render(
        request,
        "screening/self_report_detail.html",
        {
            "report": report,
            "full": full,
            "matches": matches,
            "can_change": request.user.has_perm("screening.change_keyperson"),
            "can_register": request.user.has_perm("people.add_person"),
        },
    )


@login_required
@permission_required("screening.change_keyperson", raise_exception=True)
@require_POST
def self_report_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_self_report_for_user(request.user, pk)
    raw = request.POST.get("person", "")
    if not raw.isdigit() or not 0 < int(raw) < 2**63:
        messages.error(request, _("Choose the person of the register this report is."))
        return redirect("screening:self_report_detail", report.pk)
    person = get_person_for_user(request.user, int(raw))
    try:
        kp = confirm_self_report(actor=request.user, report=report, person=person, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("screening:self_report_detail", report.pk)
    messages.success(request, _("The report is linked to the register; the key person is in the reporting community."))
    return redirect("screening:detail", kp.pk)


@login_required
@permission_required("screening.change_keyperson", raise_exception=True)
@permission_required("people.add_person", raise_exception=True)
@require_POST
def self_report_register(request: HttpRequest, pk: int) -> HttpResponse:
    report = get_self_report_for_user(request.user, pk)
    try:
        kp = register_self_report(actor=request.user, report=report, request=request)
    except DuplicatePerson as exc:
        messages.error(request, exc.message_for(request.user))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except (PlaceOutsideJurisdiction, PermissionDenied):
        messages.error(request, _("Only staff of the reporting community can register the reporter."))
    else:
        messages.success(request, _("The reporter is registered as a floating resident and screened."))
        return redirect("screening:detail", kp.pk)
    return redirect("screening:self_report_detail", report.pk)
