"""Data exchange (数据交换): uploaded spreadsheets, the jobs that import them, and their outcomes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoped import ScopedModel
from fangkong.people.models import Person
from fangkong.places.models import Place


class ImportKind(models.TextChoices):
    POPULATION = "population", _("Population roster")
    PUSHLIST = "pushlist", _("Big-data push list")


class JobStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded, awaiting confirmation")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# A push list's "identify within" option: a month at most.
MAX_DEADLINE_HOURS = 720


class ImportJob(ScopedModel):
    """One uploaded file and its import. Rows are committed in chunks; `checkpoint` says how far."""

    scope_path_field = "scope_path"

    kind = models.CharField(_("kind"), max_length=20, choices=ImportKind.choices)
    status = models.CharField(_("status"), max_length=20, choices=JobStatus.choices, default=JobStatus.UPLOADED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="import_jobs", verbose_name=_("uploaded by")
    )
    # The place rows are imported into (and routed below); its path scopes who may see the job.
    target_place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="import_jobs", verbose_name=_("import into")
    )
    scope_path = models.CharField(max_length=255, editable=False)
    original_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    content_hash = models.CharField(_("SHA-256"), max_length=64)
    size_bytes = models.BigIntegerField(_("size"), default=0)
    sheet_name = models.CharField(_("sheet"), max_length=100, blank=True)
    header_row = models.PositiveIntegerField(_("header row"), default=0)  # 0-based index in the sheet
    # {"<column index>": "<field name>"}; columns not in it are kept as raw extra data.
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    options = models.JSONField(_("options"), default=dict, blank=True)  # e.g. push list issuer and date
    rows_total = models.PositiveIntegerField(_("rows in file"), null=True, blank=True)
    # What the upload measured about the chosen sheet (readers.Sheet.facts()), so later steps don't re-read it.
    sheet_facts = models.JSONField(default=dict, blank=True, editable=False)
    checkpoint = models.PositiveIntegerField(_("rows committed"), default=0)
    accepted = models.PositiveIntegerField(_("accepted"), default=0)
    warnings = models.PositiveIntegerField(_("accepted with warnings"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    error = models.TextField(_("error"), blank=True)
    result_file = models.FileField(_("result file"), upload_to="imports/results/%Y/%m/", blank=True)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # When the follow-up step (services.run_followups: key persons from a push list, say) ran after "done".
    followed_up_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [
            # Job list scoped to a jurisdiction, newest first.
            models.Index(fields=["scope_path", "created_at"], name="importjob_scope_created"),
            # Re-upload of the same file: find the earlier job by kind and content.
            models.Index(fields=["kind", "content_hash"], name="importjob_kind_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name}"


class RowStatus(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    WARNING = "warning", _("Accepted with warnings")
    REJECTED = "rejected", _("Rejected")


class ImportRowIssue(models.Model):
    """A row that was not simply accepted: its warnings or the reasons it was rejected.

    Accepted rows store nothing here; the result file re-reads the source and
    marks every row without an issue as accepted.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="issues")
    row_number = models.PositiveIntegerField()  # 1-based row in the sheet, as a clerk sees it in Excel
    status = models.CharField(max_length=10, choices=RowStatus.choices)
    # {"field": ["message", …]}, with "" for row-level messages; never contains full ID numbers or phones.
    messages = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("row issue")
        verbose_name_plural = _("row issues")
        constraints = [models.UniqueConstraint(fields=["job", "row_number"], name="importrowissue_unique_row")]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row_number} {self.status}"


class SavedMapping(models.Model):
    """A header mapping a user confirmed, reused when a file with the same headers comes again."""

    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_mappings")
    name = models.CharField(_("name"), max_length=100)
    # Normalised header texts in column order; the lookup key.
    headers = models.JSONField(default=list)
    headers_hash = models.CharField(max_length=64)
    mapping = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("saved mapping")
        verbose_name_plural = _("saved mappings")
        constraints = [
            models.UniqueConstraint(fields=["owner", "kind", "headers_hash"], name="savedmapping_unique_headers")
        ]

    def __str__(self) -> str:
        return self.name


class PushList(ScopedModel):
    """大数据推送名单: one batch pushed by an upper level, with its date and issuer.

    Until screening exists, a push list is stored as its matched persons; the
    screening app will turn entries into key persons.
    """

    scope_path_field = "scope_path"

    job = models.OneToOneField(ImportJob, on_delete=models.PROTECT, related_name="push_list")
    issuer = models.CharField(_("issued by"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    scope_path = models.CharField(max_length=255, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("push list")
        verbose_name_plural = _("push lists")
        indexes = [
            # Scoped push lists and the rewrite when a place moves: scope_path LIKE 'prefix%'.
            models.Index(
                fields=["scope_path", "created_at"],
                name="pushlist_scope_created",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.issuer} {self.issued_on}"


class PushListEntry(ScopedModel):
    """One pushed person, matched to (or created as) a Person, with the row's other columns kept raw."""

    scope_path_field = "place_path"

    # No index of its own: the unique (push_list, row_number) constraint below serves lookups by list.
    push_list = models.ForeignKey(PushList, on_delete=models.CASCADE, related_name="entries", db_index=False)
    row_number = models.PositiveIntegerField()
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="push_entries")
    place_path = models.CharField(max_length=255)
    came_from = models.CharField(_("came from"), max_length=200, blank=True)
    arrived_on = models.DateField(_("arrived on"), null=True, blank=True)
    # The category code the row's own category column named (checked against the protocol); empty: the list's.
    category = models.CharField(_("category"), max_length=40, blank=True, default="")
    extra = models.JSONField(_("other columns"), default=dict, blank=True)
    # The row named a community or grid this district does not have: kept at the import's place to hand over.
    outside_district = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("push list entry")
        verbose_name_plural = _("push list entries")
        constraints = [
            # A retried chunk never adds the same row twice.
            models.UniqueConstraint(fields=["push_list", "row_number"], name="pushlistentry_unique_row"),
        ]
        indexes = [
            models.Index(
                fields=["place_path", "id"], name="pushentry_scope_id", opclasses=["varchar_pattern_ops", "int8_ops"]
            )
        ]

    def __str__(self) -> str:
        return f"{self.push_list_id}:{self.row_number}"
