"""Checkpoints (卡点/卡口): gates, traffic and mobile checkpoints, and every passage registered there.

A registration is one person (or vehicle) passing one checkpoint in one direction, with
the "three codes" (三码) and a temperature. Abnormal passages raise an Alert that the
community and the HQ duty desk work from, and hand the person to screening as a key
person with the checkpoint as source.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.masking import mask_document, mask_phone
from fangkong.core.scoped import ScopedModel
from fangkong.core.validators import validate_clean_text
from fangkong.people.models import Person
from fangkong.places.models import Place


class CheckpointType(models.TextChoices):
    TRAFFIC = "traffic", _("Traffic checkpoint")
    COMMUNITY_GATE = "community_gate", _("Community gate")
    MOBILE = "mobile", _("Mobile checkpoint")
    STATION = "station", _("Station")
    VENUE = "venue", _("Venue")


class CheckpointStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")
    SUSPENDED = "suspended", _("Suspended")


class Checkpoint(ScopedModel):
    """卡点: one place where passages are registered."""

    scope_path_field = "place_path"

    name = models.CharField(_("name"), max_length=100, validators=[validate_clean_text])
    type = models.CharField(_("type"), max_length=16, choices=CheckpointType.choices)
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="checkpoints", verbose_name=_("place"), db_index=False
    )
    # Copy of place.path so scoping is one prefix scan.
    place_path = models.CharField(max_length=255, editable=False)
    location = models.CharField(_("location"), max_length=200, blank=True, validators=[validate_clean_text])
    opening_hours = models.CharField(
        _("opening hours"), max_length=100, blank=True, help_text=_("e.g. 24h, or 06:00-22:00")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=CheckpointStatus.choices, default=CheckpointStatus.OPEN
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        indexes = [
            # Scoped checkpoint list: place_path LIKE 'prefix%' ORDER BY id.
            models.Index(
                fields=["place_path", "id"], name="checkpoint_scope_id", opclasses=["varchar_pattern_ops", "int8_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.name


class KitItem(models.TextChoices):
    """The standard kit: "seven ones" (七个一) and "four items" (四件套)."""

    TEAM = "team", _("One team")
    ROOM = "room", _("One room")
    TABLE = "table", _("One table")
    FLAG = "flag", _("One flag")
    VEHICLE = "vehicle", _("One vehicle")
    SIGN_SET = "sign_set", _("One sign set")
    RULE_BOOK = "rule_book", _("One rule book")
    REGISTER_BOOK = "register_book", _("Register book")
    DUTY_ROSTER = "duty_roster", _("Duty roster")
    THERMOMETER = "thermometer", _("Thermometer")


class KitCheck(models.Model):
    """Whether one kit item is present at a checkpoint."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="kit")
    item = models.CharField(_("item"), max_length=16, choices=KitItem.choices)
    present = models.BooleanField(_("present"), default=False)
    note = models.CharField(_("note"), max_length=100, blank=True, validators=[validate_clean_text])
    checked_at = models.DateTimeField(_("checked"), auto_now=True)

    class Meta:
        verbose_name = _("kit item")
        verbose_name_plural = _("kit items")
        constraints = [models.UniqueConstraint(fields=["checkpoint", "item"], name="kitcheck_one_per_item")]

    def __str__(self) -> str:
        return f"{self.checkpoint_id}:{self.item}={self.present}"


class Shift(models.Model):
    """三定 (fixed person, post, time): one person on one post for one stretch of time."""

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="shifts", db_index=False)
    staff_name = models.CharField(_("staff"), max_length=50, validators=[validate_clean_text])
    staff_phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    post = models.CharField(_("post"), max_length=50, validators=[validate_clean_text])
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    is_backup = models.BooleanField(_("backup"), default=False)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "is_backup", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start")
        ]
        indexes = [
            # The roster of one checkpoint and "who is on duty now": checkpoint = ? AND starts_at <= now.
            models.Index(fields=["checkpoint", "starts_at"], name="shift_checkpoint_start"),
        ]

    def __str__(self) -> str:
        return f"{self.staff_name} {self.post} {self.starts_at:%m-%d %H:%M}"


class Direction(models.TextChoices):
    IN = "in", _("In")
    OUT = "out", _("Out")


class HealthCode(models.TextChoices):
    GREEN = "green", _("Green")
    YELLOW = "yellow", _("Yellow")
    RED = "red", _("Red")


class ItineraryCode(models.TextChoices):
    NORMAL = "normal", _("Normal")
    STARRED = "starred", _("Starred (risk-area city)")


class Vaccination(models.TextChoices):
    NONE = "none", _("Not vaccinated")
    PARTIAL = "partial", _("Partly vaccinated")
    FULL = "full", _("Fully vaccinated")
    BOOSTER = "booster", _("Booster")


class NextStep(models.TextChoices):
    """What the gate must do with the person, most urgent first."""

    PASS = "pass", _("Let pass")
    HOLD = "hold", _("Hold on site and wait for the community")
    FEVER_CLINIC = "fever_clinic", _("Transfer to the fever clinic (closed loop)")
    REFUSE = "refuse", _("Refuse passage")


class RegistrationSource(models.TextChoices):
    GATE = "gate", _("Gate staff")
    API = "api", _("Gate device / API")
    SELF = "self", _("Self check-in")


class Registration(ScopedModel):
    """登记: one person (or vehicle) passing one checkpoint in one direction."""

    scope_path_field = "place_path"

    # Made by the gate device before it goes online: a replay of the same id is the same registration.
    client_id = models.UUIDField(_("client id"), unique=True, default=uuid.uuid4)
    checkpoint = models.ForeignKey(
        Checkpoint, on_delete=models.PROTECT, related_name="registrations", verbose_name=_("checkpoint"), db_index=False
    )
    place_path = models.CharField(max_length=255, editable=False)
    # Unknown outsiders have no Person: what they gave is kept below as given.
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    name = models.CharField(_("name"), max_length=50, blank=True)
    document_type = models.CharField(_("document type"), max_length=16, blank=True)
    document_number = models.CharField(_("document number"), max_length=20, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True)
    health_code = models.CharField(_("health code"), max_length=6, choices=HealthCode.choices, blank=True)
    itinerary_code = models.CharField(_("itinerary code"), max_length=8, choices=ItineraryCode.choices, blank=True)
    vaccination = models.CharField(_("vaccination"), max_length=8, choices=Vaccination.choices, blank=True)
    latest_test_on = models.DateField(_("latest test"), null=True, blank=True)
    vehicle_plate = models.CharField(_("vehicle plate"), max_length=12, blank=True)
    passengers = models.PositiveSmallIntegerField(_("passengers"), null=True, blank=True)
    came_from = models.CharField(_("came from"), max_length=100, blank=True)
    reason = models.CharField(_("reason"), max_length=100, blank=True)
    destination = models.CharField(_("destination"), max_length=100, blank=True)
    occurred_at = models.DateTimeField(_("time"))
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    source = models.CharField(_("source"), max_length=5, choices=RegistrationSource.choices, default="gate")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    is_abnormal = models.BooleanField(_("abnormal"), default=False)
    next_step = models.CharField(_("next step"), max_length=12, choices=NextStep.choices, default=NextStep.PASS)
    # The batch request that inserted the row: tells a batch which of its rows it inserted itself and which a
    # concurrent replay got in first (looked up together with client_id, so no index of its own).
    batch_id = models.UUIDField(null=True, blank=True, editable=False)
    # Kept, never dropped: a time in the future or older than an offline queue holds (see services).
    flags = models.JSONField(_("flags"), default=list, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        indexes = [
            # Co-location by checkpoint: checkpoint = ? AND occurred_at BETWEEN ? AND ?.
            models.Index(fields=["checkpoint", "occurred_at"], name="registration_checkpoint_time"),
            # Co-location by person and the gate status lookup: person = ? AND occurred_at ...
            models.Index(fields=["person", "occurred_at"], name="registration_person_time"),
            # Scoped list, newest first: place_path LIKE 'prefix%' ORDER BY occurred_at DESC.
            models.Index(
                fields=["place_path", "occurred_at"],
                name="registration_scope_time",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.checkpoint_id} {self.direction} {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def masked_document(self) -> str:
        return mask_document(self.document_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class Alert(ScopedModel):
    """预警: an abnormal passage, on the alert list of the checkpoint's community and the HQ duty desk."""

    scope_path_field = "place_path"

    registration = models.OneToOneField(Registration, on_delete=models.CASCADE, related_name="alert")
    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="+", db_index=False)
    place_path = models.CharField(max_length=255, editable=False)
    reasons = models.JSONField(_("reasons"), default=list)
    next_step = models.CharField(_("next step"), max_length=12, choices=NextStep.choices)
    key_person = models.ForeignKey(
        "screening.KeyPerson", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    outcome = models.CharField(_("outcome"), max_length=200, blank=True, validators=[validate_clean_text])

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        indexes = [
            # The alert list: scoped, open first, newest first.
            models.Index(
                fields=["place_path", "created_at"],
                name="alert_scope_time",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"alert {self.pk} {self.next_step}"


class DailyReport(ScopedModel):
    """卡点日报: one checkpoint's figures for one day, confirmed and submitted by its staff."""

    scope_path_field = "place_path"

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.CASCADE, related_name="daily_reports", db_index=False)
    place_path = models.CharField(max_length=255, editable=False)
    day = models.DateField(_("day"))
    figures = models.JSONField(_("figures"), default=dict)
    submitted_at = models.DateTimeField(_("submitted"), auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("daily checkpoint report")
        verbose_name_plural = _("daily checkpoint reports")
        constraints = [models.UniqueConstraint(fields=["checkpoint", "day"], name="dailyreport_one_per_day")]
        indexes = [
            # The roll-up of one day: day = ? AND place_path LIKE 'prefix%'.
            models.Index(
                fields=["day", "place_path"],
                name="dailyreport_day_scope",
                opclasses=["date_ops", "varchar_pattern_ops"],
            ),
            # Scoped report history and the rewrite when a place moves: place_path LIKE 'prefix%'.
            models.Index(
                fields=["place_path", "day"],
                name="dailyreport_scope_day",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.checkpoint_id} {self.day}"
