"""Quarantine (隔离管控): central sites and their rooms, each person's measure and where they are.

A Measure is one key person's measure under the protocol (e.g. 14 days central, 7 home,
7 monitoring), with its dated phases copied when it starts. While it is active the person
is in exactly one place: a room of a central site (an active Placement) or their home.
Release ends the measure once every phase is over, every required test is negative and no
alert is open; it issues a certificate (解除隔离告知书) whose code anyone can verify.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoped import ScopedModel
from fangkong.core.validators import validate_clean_text
from fangkong.people.models import Person
from fangkong.places.models import Place
from fangkong.protocols.models import MeasureKind, Protocol
from fangkong.screening.models import KeyPerson


class SiteKind(models.TextChoices):
    HOTEL = "hotel", _("Hotel")
    FACILITY = "facility", _("Facility")


class SiteStatus(models.TextChoices):
    IN_USE = "in_use", _("In use")
    RESERVE = "reserve", _("Reserve")
    DISINFECTING = "disinfecting", _("Being disinfected")
    CLOSED = "closed", _("Closed")


class Site(ScopedModel):
    """集中隔离点: a hotel or facility with rooms for central quarantine."""

    scope_path_field = "place_path"

    name = models.CharField(_("name"), max_length=100, validators=[validate_clean_text])
    kind = models.CharField(_("type"), max_length=10, choices=SiteKind.choices, default=SiteKind.HOTEL)
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="quarantine_sites", db_index=False)
    # Copy of place.path so scoping is one prefix scan.
    place_path = models.CharField(max_length=255, editable=False)
    address = models.CharField(_("address"), max_length=200, validators=[validate_clean_text])
    status = models.CharField(_("status"), max_length=12, choices=SiteStatus.choices, default=SiteStatus.RESERVE)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True, validators=[validate_clean_text])
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    free_rooms_warning = models.PositiveIntegerField(
        _("warn below free rooms"), default=5, help_text=_("The capacity board warns when fewer rooms are free.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("quarantine site")
        verbose_name_plural = _("quarantine sites")
        permissions = [
            ("activate_site", _("Can activate a reserve quarantine site")),
            ("view_capacity", _("Can see the quarantine capacity board")),
        ]
        indexes = [
            # Scoped site list: place_path LIKE 'prefix%' ORDER BY id.
            models.Index(
                fields=["place_path", "id"], name="qsite_scope_id", opclasses=["varchar_pattern_ops", "int8_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name


class StaffRole(models.TextChoices):
    MANAGER = "manager", _("Site manager")
    MEDICAL = "medical", _("Medical")
    SECURITY = "security", _("Security")
    PSYCHOLOGICAL = "psychological", _("Psychological counsellor")
    CLEANING = "cleaning", _("Cleaning and disinfection")


class SiteStaff(models.Model):
    """One staff member on a site's roster, with the shift they work."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="staff")
    name = models.CharField(_("staff name"), max_length=50, validators=[validate_clean_text])
    role = models.CharField(_("role"), max_length=14, choices=StaffRole.choices)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    shift_starts = models.TimeField(_("shift starts"))
    shift_ends = models.TimeField(_("shift ends"), help_text=_("Earlier than the start for a night shift."))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("site staff member")
        verbose_name_plural = _("site staff")
        ordering = ["site", "role", "shift_starts", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    def on_duty_at(self, moment: dt.time) -> bool:
        if self.shift_starts <= self.shift_ends:
            return self.shift_starts <= moment < self.shift_ends
        return moment >= self.shift_starts or moment < self.shift_ends


class RoomType(models.TextChoices):
    SINGLE = "single", _("Single room")
    DOUBLE = "double", _("Double room")
    FAMILY = "family", _("Family room")


class RoomStatus(models.TextChoices):
    FREE = "free", _("Free")
    OCCUPIED = "occupied", _("Occupied")
    CLEANING = "cleaning", _("Cleaning")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")


class Room(models.Model):
    """A room of a site. `occupants` is kept by the placement services under a row lock."""

    site = models.ForeignKey(Site, on_delete=models.CASCADE, related_name="rooms", db_index=False)
    number = models.CharField(_("room"), max_length=20, validators=[validate_clean_text])
    floor = models.SmallIntegerField(_("floor"), default=1)
    room_type = models.CharField(_("room type"), max_length=10, choices=RoomType.choices, default=RoomType.SINGLE)
    capacity = models.PositiveSmallIntegerField(_("capacity"), default=1)
    status = models.CharField(_("status"), max_length=16, choices=RoomStatus.choices, default=RoomStatus.FREE)
    occupants = models.PositiveSmallIntegerField(_("occupants"), default=0, editable=False)
    note = models.CharField(_("note"), max_length=200, blank=True, validators=[validate_clean_text])

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["site", "floor", "number"]
        constraints = [
            # Also serves the room list of a site and the capacity board's GROUP BY site.
            models.UniqueConstraint(fields=["site", "number"], name="room_unique_number"),
            # The last line of defence against double booking, whatever the code above it does.
            models.CheckConstraint(condition=models.Q(occupants__lte=models.F("capacity")), name="room_not_overfull"),
            models.CheckConstraint(condition=models.Q(capacity__gte=1), name="room_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.number}"


class MeasureStatus(models.TextChoices):
    ACTIVE = "active", _("Under measure")
    RELEASED = "released", _("Released")


class Measure(ScopedModel):
    """管控措施: one person's measure, its dated phases, and how it ended."""

    scope_path_field = "place_path"

    key_person = models.ForeignKey(KeyPerson, on_delete=models.PROTECT, related_name="measures", db_index=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="measures", db_index=False)
    # The community or grid responsible for the person (the key person's place).
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="+", db_index=False)
    place_path = models.CharField(max_length=255, editable=False)
    protocol = models.ForeignKey(Protocol, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    category = models.CharField(_("category"), max_length=40)
    status = models.CharField(_("status"), max_length=10, choices=MeasureStatus.choices, default=MeasureStatus.ACTIVE)
    started_on = models.DateField(_("started"))
    # The last day under the measure; moves with an extension or an early release.
    ends_on = models.DateField(_("ends"))
    # Where the person is now: a site (then `placements` has the room) or home.
    site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="measures", verbose_name=_("site")
    )
    at_home = models.BooleanField(_("at home"), default=False)
    # Part of every report link: changing it invalidates the links handed out before.
    report_key = models.CharField(max_length=32, editable=False)
    released_at = models.DateTimeField(_("released"), null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    early_release_reason = models.CharField(_("reason for early release"), max_length=300, blank=True)
    certificate_code = models.CharField(_("certificate number"), max_length=24, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("measure")
        verbose_name_plural = _("measures")
        permissions = [
            ("release_measure", _("Can release a person from a measure")),
            ("extend_measure", _("Can extend a measure or release early")),
            ("place_person", _("Can place persons in quarantine rooms")),
        ]
        constraints = [
            # A person is under at most one measure at a time.
            models.UniqueConstraint(fields=["person"], condition=models.Q(status="active"), name="measure_one_active"),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("started_on")), name="measure_ends_after"),
        ]
        indexes = [
            # Scoped lists: place_path LIKE 'prefix%' and status.
            models.Index(
                fields=["place_path", "status"],
                name="measure_scope_status",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            # Expected releases and today's lists: active measures by end day.
            models.Index(fields=["status", "ends_on"], name="measure_status_ends"),
            models.Index(fields=["key_person"], name="measure_key_person"),
            # The person's history: every measure of one person (measure_one_active holds only the active one).
            models.Index(fields=["person"], name="measure_person"),
            # The daily lists: measures starting on a day.
            models.Index(fields=["started_on"], name="measure_started"),
        ]

    def __str__(self) -> str:
        return f"{self.person.name} · {self.started_on:%Y-%m-%d}–{self.ends_on:%Y-%m-%d}"

    @property
    def is_active(self) -> bool:
        return self.status == MeasureStatus.ACTIVE

    def phase_on(self, day: dt.date) -> MeasurePhase | None:
        return next((p for p in self.phases.all() if p.starts_on <= day <= p.ends_on), None)

    @property
    def current_phase(self) -> MeasurePhase | None:
        return self.phase_on(timezone.localdate())

    @property
    def current_kind(self) -> str:
        today = timezone.localdate()
        phase = self.phase_on(today)
        if phase is not None:
            return phase.kind
        phases = list(self.phases.all())
        return phases[0].kind if phases and today < phases[0].starts_on else ""

    @property
    def needs_room(self) -> bool:
        """Due in central quarantine but not placed at a site."""
        return self.is_active and self.site_id is None and self.current_kind == MeasureKind.CENTRAL_QUARANTINE


class MeasurePhase(models.Model):
    """One dated phase of a measure (e.g. central quarantine from the 1st to the 14th)."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(_("order"))
    kind = models.CharField(_("measure"), max_length=24, choices=MeasureKind.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))

    class Meta:
        verbose_name = _("measure phase")
        verbose_name_plural = _("measure phases")
        ordering = ["measure", "order"]
        constraints = [
            models.UniqueConstraint(fields=["measure", "order"], name="measurephase_unique_order"),
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="measurephase_dates"),
        ]
        indexes = [
            # The daily lists: phases starting today or tomorrow.
            models.Index(fields=["starts_on"], name="measurephase_starts"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.starts_on:%m-%d}–{self.ends_on:%m-%d}"

    @property
    def days(self) -> int:
        return (self.ends_on - self.starts_on).days + 1


class Placement(ScopedModel):
    """A stay in one room, from placement to the move, transfer or release that ended it."""

    scope_path_field = "place_path"

    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="placements")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="placements", db_index=False)
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="placements")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="placements", db_index=False)
    place_path = models.CharField(max_length=255, editable=False)
    placed_at = models.DateTimeField(_("placed"), default=timezone.now)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(_("left"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.CharField(_("why it ended"), max_length=100, blank=True)
    # The day the central phase ends: the capacity board's expected releases.
    expected_end = models.DateField(_("expected to leave"))

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        ordering = ["-placed_at", "-id"]
        constraints = [
            # A person is in at most one room at a time.
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(ended_at__isnull=True), name="placement_one_active"
            ),
        ]
        indexes = [
            # The site's current guests and the capacity board.
            models.Index(fields=["site", "ended_at"], name="placement_site_active"),
            # Expected departures per day across the district.
            models.Index(fields=["expected_end"], condition=models.Q(ended_at__isnull=True), name="placement_expected"),
            # Scoped placements and the rewrite when a place moves: place_path LIKE 'prefix%'.
            models.Index(
                fields=["place_path", "placed_at"],
                name="placement_scope_placed",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.room}"

    @property
    def is_active(self) -> bool:
        return self.ended_at is None


class TestOutcome(models.TextChoices):
    NEGATIVE = "negative", _("Negative")
    POSITIVE = "positive", _("Positive")
    PENDING = "pending", _("Pending")


class MeasureTest(models.Model):
    """A test the protocol requires on one day of the measure, and its result once recorded."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="tests")
    due_on = models.DateField(_("due"))
    sampled_on = models.DateField(_("sampled"), null=True, blank=True)
    outcome = models.CharField(_("result"), max_length=10, choices=TestOutcome.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded"), null=True, blank=True)

    class Meta:
        verbose_name = _("required test")
        verbose_name_plural = _("required tests")
        ordering = ["measure", "due_on"]
        constraints = [models.UniqueConstraint(fields=["measure", "due_on"], name="measuretest_one_per_day")]
        indexes = [
            # Today's test tasks across a scope.
            models.Index(fields=["due_on", "outcome"], name="measuretest_due"),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.due_on} {self.outcome or '-'}"


class MeasureEventKind(models.TextChoices):
    STARTED = "started", _("Measure started")
    PLACED = "placed", _("Placed in a room")
    MOVED = "moved", _("Moved")
    LEFT_SITE = "left_site", _("Left the site")
    HOME = "home", _("At home")
    TEST = "test", _("Test recorded")
    EXTENDED = "extended", _("Extended")
    RELEASED = "released", _("Released")
    EARLY_RELEASE = "early_release", _("Released early")
    RESCHEDULED = "rescheduled", _("Schedule changed")


class MeasureEvent(models.Model):
    """The measure's history: who did what, when, and why."""

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT)
    kind = models.CharField(_("event"), max_length=14, choices=MeasureEventKind.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("measure event")
        verbose_name_plural = _("measure events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.measure_id}:{self.kind}"
