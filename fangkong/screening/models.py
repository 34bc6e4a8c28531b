"""Screening (排查): key persons (重点人员), where they came from, and the "three clears" (三清).

A key person is one Person under screening: found through one or more sources
(a push list, a checkpoint, a sweep …), routed to the community or grid that must
deal with them, and moved through identified → verified → controlled, each step
stamped with when and by whom. Released persons stay as history; the same person
can become a key person again later.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoped import ScopedModel
from fangkong.core.validators import validate_clean_text
from fangkong.imports.models import PushList
from fangkong.people.models import Person
from fangkong.places.models import Place
from fangkong.protocols.models import MeasureKind, Protocol, RiskArea, RiskLevel


class ClearState(models.TextChoices):
    NEW = "new", _("Not yet identified")
    IDENTIFIED = "identified", _("Identified")  # 人员清: found and contacted
    VERIFIED = "verified", _("Verified")  # 信息核查清: identity, travel and contacts checked
    CONTROLLED = "controlled", _("Controlled")  # 管控措施清: measure in force
    RELEASED = "released", _("Released")


# The state machine: the only steps a key person may take, one clear at a time.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    ClearState.NEW: (ClearState.IDENTIFIED,),
    ClearState.IDENTIFIED: (ClearState.VERIFIED,),
    ClearState.VERIFIED: (ClearState.CONTROLLED,),
    ClearState.CONTROLLED: (ClearState.RELEASED,),
    ClearState.RELEASED: (),
}
OPEN_STATES = (ClearState.NEW, ClearState.IDENTIFIED, ClearState.VERIFIED, ClearState.CONTROLLED)


class SourceKind(models.TextChoices):
    PUSH_LIST = "pushlist", _("Big-data push list")
    CHECKPOINT = "checkpoint", _("Checkpoint escalation")
    SWEEP = "sweep", _("Door-to-door sweep")
    SELF_REPORT = "self_report", _("Resident self-report")
    TIP_OFF = "tip_off", _("Tip-off")
    PHARMACY = "pharmacy", _("Pharmacy purchase of fever/cough medicine")
    FEVER_CLINIC = "fever_clinic", _("Fever clinic")
    TRACING = "tracing", _("Tracing")


class KeyPerson(ScopedModel):
    """重点人员: one person under screening, routed to a community or grid."""

    scope_path_field = "place_path"

    # Indexed by keyperson_person below (the person's history reads every record of a person).
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="key_person_records", db_index=False)
    category = models.CharField(_("category"), max_length=40)
    # Indexes only where a query needs them: every index costs time on each of a push list's rows.
    protocol = models.ForeignKey(
        Protocol,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("protocol"),
        db_index=False,
    )
    # The community or grid responsible; while unplaced, the place the list was imported into.
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="key_persons", verbose_name=_("place"), db_index=False
    )
    place_path = models.CharField(max_length=255, editable=False)
    is_unplaced = models.BooleanField(_("unplaced"), default=False)
    outside_district = models.BooleanField(_("outside the district, to hand over"), default=False)
    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="key_persons",
        verbose_name=_("responsible worker"),
        # No index: "my key persons" are read within the worker's own grid or community, which
        # keyperson_scope_id narrows to a few rows; an index here would cost time on every pushed row.
        db_index=False,
    )
    clear_state = models.CharField(_("state"), max_length=12, choices=ClearState.choices, default=ClearState.NEW)
    due_at = models.DateTimeField(_("identify by"), null=True, blank=True)
    identified_at = models.DateTimeField(_("identified"), null=True, blank=True)
    identified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    controlled_at = models.DateTimeField(_("controlled"), null=True, blank=True)
    controlled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    measure_kind = models.CharField(_("measure"), max_length=24, choices=MeasureKind.choices, default=MeasureKind.NONE)
    measure_started_on = models.DateField(_("measure started"), null=True, blank=True)
    # The measure's phases with dates, copied when it starts: a later protocol never rewrites
    # it unless HQ applies that protocol to this person.
    schedule = models.JSONField(_("schedule"), default=list, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("key person")
        verbose_name_plural = _("key persons")
        permissions = [
            ("assign_keyperson", _("Can route unplaced key persons to a community or grid")),
            ("view_coverage", _("Can see the screening coverage board")),
        ]
        constraints = [
            # Dedupe across sources: one open record per person; more sources attach to it.
            models.UniqueConstraint(
                fields=["person"], condition=~models.Q(clear_state="released"), name="keyperson_one_open_per_person"
            ),
        ]
        indexes = [
            # Scoped lists and the coverage board: place_path LIKE 'prefix%'.
            models.Index(
                fields=["place_path", "id"], name="keyperson_scope_id", opclasses=["varchar_pattern_ops", "int8_ops"]
            ),
            # The person's history and a merge: every record of one person, released ones included (the
            # open-record unique index holds only the open one).
            models.Index(fields=["person"], name="keyperson_person"),
            # No index on (clear_state, due_at) nor on (worker, clear_state): every list, the work
            # queue included, filters by scope first, and each index costs time on every row of a
            # 100,000-row push list.
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.get_clear_state_display()}"

    @property
    def is_overdue(self) -> bool:
        from django.utils import timezone

        return self.clear_state == ClearState.NEW and self.due_at is not None and self.due_at < timezone.now()


class PushBatch(models.Model):
    """What screening made of one push list: its deadline to identify everyone and the outcome."""

    push_list = models.OneToOneField(PushList, on_delete=models.PROTECT, related_name="screening_batch")
    deadline_at = models.DateTimeField(_("identify by"))
    category = models.CharField(_("category"), max_length=40)
    created = models.PositiveIntegerField(_("new key persons"), default=0)
    merged = models.PositiveIntegerField(_("already key persons"), default=0)
    unplaced = models.PositiveIntegerField(_("unplaced"), default=0)
    outside = models.PositiveIntegerField(_("outside the district"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("push-list batch")
        verbose_name_plural = _("push-list batches")

    def __str__(self) -> str:
        return f"{self.push_list} → {self.deadline_at:%Y-%m-%d %H:%M}"


class KeyPersonSource(models.Model):
    """One way a key person came to the command's attention; several sources make one key person."""

    # Indexed by keypersonsource_one_per_push_list, which leads with it.
    key_person = models.ForeignKey(KeyPerson, on_delete=models.CASCADE, related_name="sources", db_index=False)
    kind = models.CharField(_("source"), max_length=16, choices=SourceKind.choices)
    push_list = models.ForeignKey(
        PushList, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    came_from = models.CharField(_("came from"), max_length=200, blank=True)
    arrived_on = models.DateField(_("arrived on"), null=True, blank=True)
    detail = models.CharField(_("detail"), max_length=300, blank=True, validators=[validate_clean_text])
    reported_at = models.DateTimeField(_("reported"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("key-person source")
        verbose_name_plural = _("key-person sources")
        constraints = [
            # The same push list naming a person twice is still one source.
            # NULLs are distinct, so sources without a push list are not limited.
            models.UniqueConstraint(fields=["key_person", "push_list"], name="keypersonsource_one_per_push_list"),
        ]

    def __str__(self) -> str:
        return f"{self.key_person_id}:{self.kind}"


class TravelRecord(models.Model):
    """Where a key person was and when, with the risk area that place was in at the time (if any)."""

    key_person = models.ForeignKey(KeyPerson, on_delete=models.CASCADE, related_name="travels")
    place_text = models.CharField(_("place"), max_length=200, validators=[validate_clean_text])
    from_date = models.DateField(_("from"), null=True, blank=True)
    to_date = models.DateField(_("until"))
    risk_area = models.ForeignKey(
        RiskArea, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("risk area")
    )
    risk_level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("travel record")
        verbose_name_plural = _("travel records")
        ordering = ["-to_date", "-id"]

    def __str__(self) -> str:
        return f"{self.place_text} {self.to_date}"


class EventKind(models.TextChoices):
    STATE = "state", _("State changed")
    PLACE = "place", _("Routed")
    WORKER = "worker", _("Worker assigned")
    CATEGORY = "category", _("Category changed")
    MEASURE = "measure", _("Measure changed")
    TRAVEL = "travel", _("Travel recorded")
    SOURCE = "source", _("Source added")


class KeyPersonEvent(models.Model):
    """The key person's timeline: who did what and when. Push-list sources appear through their rows."""

    key_person = models.ForeignKey(KeyPerson, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField(_("event"), max_length=10, choices=EventKind.choices)
    from_value = models.CharField(max_length=100, blank=True)
    to_value = models.CharField(max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("key-person event")
        verbose_name_plural = _("key-person events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.key_person_id}:{self.kind} {self.from_value}->{self.to_value}"


class VisitOutcome(models.TextChoices):
    VISITED = "visited", _("Visited")
    NOBODY_HOME = "nobody_home", _("Nobody home")
    REFUSED = "refused", _("Refused")
    KEY_PERSON_FOUND = "key_person_found", _("Key person found")


class SweepTask(ScopedModel):
    """地毯式排查: a door-to-door sweep of every household of a community or grid."""

    scope_path_field = "place_path"

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="sweeps", verbose_name=_("place"))
    place_path = models.CharField(max_length=255, editable=False)
    name = models.CharField(_("name"), max_length=100, validators=[validate_clean_text])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    class Meta:
        verbose_name = _("sweep")
        verbose_name_plural = _("sweeps")
        indexes = [
            models.Index(
                fields=["place_path", "id"], name="sweep_scope_id", opclasses=["varchar_pattern_ops", "int8_ops"]
            )
        ]

    def __str__(self) -> str:
        return self.name


class SweepVisit(ScopedModel):
    """The latest outcome of one household in a sweep."""

    scope_path_field = "household_path"

    task = models.ForeignKey(SweepTask, on_delete=models.CASCADE, related_name="visits")
    household = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+")
    household_path = models.CharField(max_length=255, editable=False)
    outcome = models.CharField(_("outcome"), max_length=20, choices=VisitOutcome.choices)
    note = models.CharField(_("note"), max_length=200, blank=True, validators=[validate_clean_text])
    visited_at = models.DateTimeField(_("visited"), auto_now=True)
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("household visit")
        verbose_name_plural = _("household visits")
        constraints = [models.UniqueConstraint(fields=["task", "household"], name="sweepvisit_one_per_household")]
        indexes = [
            # Visits scoped by household and the rewrite when a place moves: household_path LIKE 'prefix%'.
            models.Index(
                fields=["household_path", "id"],
                name="sweepvisit_scope_id",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.household_id} {self.outcome}"


class SelfReport(ScopedModel):
    """居民报备: what a resident (or a shop or firm for someone) typed on the community's public page.

    An anonymous submission is a report, not a register entry: it holds only what the submitter typed and
    links to a person of the register only when that person lives inside the community and the name agrees,
    or when staff whose jurisdiction holds the person confirm the match (issue 16 A1).
    """

    scope_path_field = "place_path"

    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("community"))
    place_path = models.CharField(max_length=255, editable=False)
    name = models.CharField(_("name as typed"), max_length=50)
    document_type = models.CharField(_("document type"), max_length=16)
    document_number = models.CharField(_("document number as typed"), max_length=20)
    phone = models.CharField(_("mobile phone as typed"), max_length=11)
    address = models.CharField(_("address as typed"), max_length=200, blank=True)
    came_from = models.CharField(_("came from"), max_length=200)
    arrived_on = models.DateField(_("arrived on"))
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    # The day it was made, in the district's time zone: one report per document and community a day.
    reported_on = models.DateField(_("reported on"))
    reported_at = models.DateTimeField(_("reported"), auto_now_add=True)
    key_person = models.ForeignKey(
        KeyPerson,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="self_reports",
        verbose_name=_("key person"),
        db_index=False,
    )
    linked_at = models.DateTimeField(_("linked"), null=True, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("self-report")
        verbose_name_plural = _("self-reports")
        constraints = [
            # Idempotency of the public page: the same document reported twice the same day in the same
            # community is one report, however many submissions race (the loser answers "already received").
            models.UniqueConstraint(
                fields=["place", "document_type", "document_number", "reported_on"],
                name="selfreport_one_per_document_per_day",
            ),
        ]
        indexes = [
            # The community's list of reports: place_path LIKE 'prefix%' ORDER BY id DESC.
            models.Index(
                fields=["place_path", "id"], name="selfreport_scope_id", opclasses=["varchar_pattern_ops", "int8_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.reported_on}"

    @property
    def masked_document(self) -> str:
        from fangkong.core.masking import mask_document

        return mask_document(self.document_number)

    @property
    def masked_phone(self) -> str:
        from fangkong.core.masking import mask_phone

        return mask_phone(self.phone)
