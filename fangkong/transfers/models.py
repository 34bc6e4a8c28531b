"""Transfers (转运): vehicles, their crews and the runs that take persons under a measure
to a central quarantine site, to hospital or home.

A TransferTask is one run of one vehicle: planned, en route, arrived (or cancelled). While it
is planned or en route its passengers are "on the task" and nowhere else; the vehicle takes at
most as many passengers as it has seats, and after every run it is disinfected before it
takes the next one.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.masking import mask_document, mask_phone
from fangkong.core.scoped import ScopedModel
from fangkong.core.validators import to_halfwidth, validate_clean_text
from fangkong.people.models import Person
from fangkong.places.models import Place
from fangkong.quarantine.models import Measure, Site

# Province abbreviations on mainland plates.
PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
# Letters on plates skip I and O (they read as 1 and 0).
_L = "A-HJ-NP-Z"
_PLATE = re.compile(
    rf"^[{PLATE_PROVINCES}][A-Z]"
    rf"(?:[{_L}0-9]{{4}}[{_L}0-9挂学警]"  # ordinary plate: 5 characters, e.g. 豫C12345
    rf"|[A-HJK][{_L}0-9][0-9]{{4}}"  # new-energy small car: 豫CD12345
    rf"|[0-9]{{5}}[A-HJK])$"  # new-energy large vehicle: 豫C12345D
)
_PLATE_SEPARATORS = re.compile(r"[\s·•.\-]+")
MAX_SEATS = 60


def normalize_plate(raw: str) -> str:
    """`豫c·12345` → `豫C12345`: half-width, upper case, no separators."""
    return _PLATE_SEPARATORS.sub("", to_halfwidth(str(raw or "")).strip()).upper()


def validate_plate(value: str) -> None:
    if not _PLATE.match(normalize_plate(value)):
        raise ValidationError(
            _("“%(plate)s” is not a mainland plate such as 豫C12345 or, for a new-energy vehicle, 豫CD12345."),
            code="plate",
            params={"plate": value},
        )


class VehicleKind(models.TextChoices):
    AMBULANCE = "ambulance", _("Negative-pressure ambulance")
    BUS = "bus", _("Bus")
    VAN = "van", _("Van")
    CAR = "car", _("Car")


class VehicleStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    ON_TASK = "on_task", _("On a task")
    DISINFECTING = "disinfecting", _("Being disinfected")
    OUT_OF_SERVICE = "out_of_service", _("Out of service")


class Vehicle(ScopedModel):
    """转运车辆: a vehicle of the transfer pool, with its passenger seats."""

    scope_path_field = "place_path"

    plate = models.CharField(_("plate"), max_length=10, unique=True, validators=[validate_plate])
    kind = models.CharField(_("type"), max_length=10, choices=VehicleKind.choices, default=VehicleKind.VAN)
    seats = models.PositiveSmallIntegerField(
        _("passenger seats"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_SEATS)],
        help_text=_("Persons it may carry besides the crew."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=VehicleStatus.choices, default=VehicleStatus.AVAILABLE
    )
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="transfer_vehicles", verbose_name=_("place"), db_index=False
    )
    # Copy of place.path so scoping is one prefix scan.
    place_path = models.CharField(max_length=255, editable=False)
    note = models.CharField(_("note"), max_length=200, blank=True, validators=[validate_clean_text])
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(seats__gte=1) & models.Q(seats__lte=MAX_SEATS), name="vehicle_seats_range"
            ),
        ]
        indexes = [
            # Scoped vehicle list: place_path LIKE 'prefix%' ORDER BY id.
            models.Index(
                fields=["place_path", "id"], name="vehicle_scope_id", opclasses=["varchar_pattern_ops", "int8_ops"]
            ),
        ]

    def __str__(self) -> str:
        return self.plate


class TransferKind(models.TextChoices):
    TO_SITE = "to_site", _("To a central quarantine site")
    TO_HOSPITAL = "to_hospital", _("To hospital")
    TO_HOME = "to_home", _("Home")
    # A fever found at a checkpoint: taken to the fever clinic in a closed loop, with or without a measure.
    FEVER_CLINIC = "fever_clinic", _("To a fever clinic")


class TransferStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    EN_ROUTE = "en_route", _("En route")
    ARRIVED = "arrived", _("Arrived")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATUSES = (TransferStatus.PLANNED, TransferStatus.EN_ROUTE)


class TransferTask(ScopedModel):
    """转运任务: one run of one vehicle with its passengers and crew."""

    scope_path_field = "place_path"

    kind = models.CharField(_("transfer"), max_length=12, choices=TransferKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.PLANNED
    )
    # The community (or street) the task belongs to: the first passenger's, or the one chosen.
    place = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("place"), db_index=False
    )
    place_path = models.CharField(max_length=255, editable=False)
    from_address = models.CharField(_("from"), max_length=200, validators=[validate_clean_text])
    to_site = models.ForeignKey(
        Site,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers_in",
        verbose_name=_("quarantine site"),
    )
    to_text = models.CharField(
        _("destination"),
        max_length=200,
        blank=True,
        validators=[validate_clean_text],
        help_text=_("Hospital or address, when not a quarantine site."),
    )
    # A hospital transfer may be requested before a vehicle is free; it is assigned later.
    vehicle = models.ForeignKey(
        Vehicle,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasks",
        verbose_name=_("vehicle"),
        db_index=False,
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True, validators=[validate_clean_text])
    # Raised by another app (a fever at a gate, a report under monitoring), not planned by transfer staff:
    # it waits on the list of requests until a vehicle and crew are assigned.
    is_request = models.BooleanField(_("requested transfer"), default=False)
    # The checkpoint alert the request answers (a fever at a gate); one request per alert.
    source_alert = models.OneToOneField(
        "checkpoints.Alert",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="transfer_request",
        verbose_name=_("checkpoint alert"),
    )
    planned_at = models.DateTimeField(_("planned departure"))
    departed_at = models.DateTimeField(_("departed"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    # What happened to each passenger on arrival (placed, no free room …), for the record.
    arrival_note = models.CharField(_("on arrival"), max_length=1000, blank=True)
    disinfected_at = models.DateTimeField(_("vehicle disinfected"), null=True, blank=True)
    disinfected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("why cancelled"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("transfer task")
        verbose_name_plural = _("transfer tasks")
        constraints = [
            # A central-quarantine transfer names its site.
            models.CheckConstraint(
                condition=~models.Q(kind="to_site") | models.Q(to_site__isnull=False), name="transfer_to_site_named"
            ),
            models.CheckConstraint(
                condition=models.Q(arrived_at__isnull=True)
                | (models.Q(departed_at__isnull=False) & models.Q(arrived_at__gte=models.F("departed_at"))),
                name="transfer_arrives_after_departure",
            ),
            # A vehicle is booked by at most one planned or running task: no double booking.
            models.UniqueConstraint(
                fields=["vehicle"],
                condition=models.Q(status__in=["planned", "en_route"]),
                name="transfer_vehicle_one_active",
            ),
        ]
        indexes = [
            # Scoped task list: place_path LIKE 'prefix%' ORDER BY planned_at DESC.
            models.Index(
                fields=["place_path", "planned_at"],
                name="transfer_scope_planned",
                opclasses=["varchar_pattern_ops", "timestamptz_ops"],
            ),
            # A vehicle's runs, newest first, on the vehicle page.
            models.Index(fields=["vehicle", "planned_at"], name="transfer_vehicle_planned"),
            # Open tasks across the district (status filter of the list).
            models.Index(fields=["status", "planned_at"], name="transfer_status_planned"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def destination(self) -> str:
        if self.to_site_id is not None:
            return self.to_site.name if self.to_site else ""
        return self.to_text

    @property
    def needs_disinfection(self) -> bool:
        return self.status == TransferStatus.ARRIVED and self.vehicle_id is not None and self.disinfected_at is None


class CrewRole(models.TextChoices):
    DRIVER = "driver", _("Driver")
    MEDIC = "medic", _("Medic")
    SECURITY = "security", _("Security")
    PSYCHOLOGIST = "psychologist", _("Psychological counsellor")


class CrewMember(models.Model):
    """One member of a task's crew (转运专班): crews are put together per run."""

    task = models.ForeignKey(TransferTask, on_delete=models.CASCADE, related_name="crew")
    role = models.CharField(_("role"), max_length=14, choices=CrewRole.choices)
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50, validators=[validate_clean_text])
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True)

    class Meta:
        verbose_name = _("crew member")
        verbose_name_plural = _("crew")
        ordering = ["task", "role", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class TransferPassenger(models.Model):
    """One person on a task. `is_active` holds while the task is planned or en route.

    Persons go to a site or home under a measure; a fever at a gate goes to the fever clinic before
    any measure exists, so the measure is optional.
    """

    task = models.ForeignKey(TransferTask, on_delete=models.CASCADE, related_name="passengers")
    measure = models.ForeignKey(Measure, null=True, blank=True, on_delete=models.PROTECT, related_name="transfers")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", db_index=False)
    is_active = models.BooleanField(default=True)
    # Filled on arrival: the room the person was placed in, or why not.
    outcome = models.CharField(_("on arrival"), max_length=200, blank=True)
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("passenger")
        verbose_name_plural = _("passengers")
        ordering = ["task", "id"]
        constraints = [
            # A person is on at most one planned or running task.
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(is_active=True), name="transferpassenger_one_active"
            ),
            models.UniqueConstraint(fields=["task", "person"], name="transferpassenger_once_per_task"),
        ]
        indexes = [
            # The person's history: every transfer of one person (transferpassenger_one_active holds only one).
            models.Index(fields=["person"], name="transferpassenger_person"),
        ]

    def __str__(self) -> str:
        return f"{self.task_id}:{self.person_id}"

    @property
    def masked_document(self) -> str:
        return mask_document(self.person.document_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.person.phone)
