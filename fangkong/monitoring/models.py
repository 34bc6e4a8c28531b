"""Health monitoring (健康监测): home quarantine and monitoring records, care teams, deliveries,
twice-daily health reports and the alerts they raise.

A HomeCare record exists for each measure while the person is at home (居家隔离 / 居家健康监测):
the household, the care team (包保, "four-to-one" 四包一, six in Laocheng), the door seal or sensor,
and the necessities delivered to the door. Everyone under a measure, at home or at a site, reports
temperature and symptoms morning and afternoon (HealthReport), by their personal link or through
the site medic or the care team. A missed report, a fever or symptoms raise a HealthAlert; an open
alert blocks release.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.scoped import ScopedModel
from fangkong.core.validators import validate_clean_text, validate_phone
from fangkong.places.models import Place
from fangkong.protocols.models import READING_LIMITS
from fangkong.quarantine.models import Measure

# Outside this range a reading is a typing or device error, not a human body temperature.
MIN_TEMPERATURE, MAX_TEMPERATURE = READING_LIMITS


class HomeCare(ScopedModel):
    """居家隔离/居家健康监测: one measure's home record (household, care team, seal, deliveries)."""

    scope_path_field = "place_path"

    measure = models.OneToOneField(Measure, on_delete=models.CASCADE, related_name="home_care")
    household = models.ForeignKey(
        Place, on_delete=models.PROTECT, related_name="+", verbose_name=_("household"), db_index=False
    )
    # The measure's place (the responsible community or grid): who looks after the person.
    place_path = models.CharField(max_length=255, editable=False)
    team_size = models.PositiveSmallIntegerField(
        _("care team size"),
        default=4,
        help_text=_("Members the care team should have: four (四包一) or, e.g. in Laocheng, six (六包一)."),
    )
    seal_applied_at = models.DateTimeField(_("door seal applied"), null=True, blank=True)
    seal_removed_at = models.DateTimeField(_("door seal removed"), null=True, blank=True)
    sensor_id = models.CharField(_("door sensor number"), max_length=40, blank=True, validators=[validate_clean_text])
    sensor_notes = models.CharField(
        _("seal / sensor notes"), max_length=200, blank=True, validators=[validate_clean_text]
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("home care record")
        verbose_name_plural = _("home care records")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(team_size__gte=1, team_size__lte=12), name="homecare_team_size_range"
            ),
        ]
        indexes = [
            # Scoped home-care list: place_path LIKE 'prefix%' ORDER BY id DESC.
            models.Index(
                fields=["place_path", "id"], name="homecare_scope_id", opclasses=["varchar_pattern_ops", "int8_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"home care {self.measure_id}"

    @property
    def sealed(self) -> bool:
        return self.seal_applied_at is not None and self.seal_removed_at is None


class TeamRole(models.TextChoices):
    CADRE = "cadre", _("Section-level cadre")
    GRID_WORKER = "grid_worker", _("Grid worker")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    MEDIC = "medic", _("Medic")
    OTHER = "other", _("Other (e.g. police, district leader)")


# The four members of a "four-to-one" team; a larger team adds others.
CORE_ROLES = (TeamRole.CADRE, TeamRole.GRID_WORKER, TeamRole.COMMUNITY_WORKER, TeamRole.MEDIC)


class CareTeamMember(models.Model):
    """包保: one member of the person's care team, with a phone the family can call."""

    home_care = models.ForeignKey(HomeCare, on_delete=models.CASCADE, related_name="team")
    role = models.CharField(_("role"), max_length=20, choices=TeamRole.choices)
    name = models.CharField(_("name"), max_length=50, validators=[validate_clean_text])
    phone = models.CharField(_("mobile phone"), max_length=11, validators=[validate_phone])
    duty = models.CharField(_("duty"), max_length=50, blank=True, validators=[validate_clean_text])
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_teams",
        verbose_name=_("account"),
    )
    added_at = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("care team member")
        verbose_name_plural = _("care team members")
        ordering = ["home_care", "role", "id"]
        constraints = [
            # The same person twice on one team is a double entry, not a bigger team.
            models.UniqueConstraint(fields=["home_care", "phone"], name="careteam_unique_phone"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class DeliveryStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class Delivery(models.Model):
    """Daily necessities asked for by the household and brought to the door."""

    home_care = models.ForeignKey(HomeCare, on_delete=models.CASCADE, related_name="deliveries")
    items = models.CharField(_("items"), max_length=300, validators=[validate_clean_text])
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.REQUESTED
    )
    requested_at = models.DateTimeField(_("requested"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True, validators=[validate_clean_text])

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="delivered") | models.Q(delivered_at__isnull=False),
                name="delivery_delivered_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.home_care_id}: {self.items[:20]}"


class Slot(models.TextChoices):
    MORNING = "morning", _("Morning")
    AFTERNOON = "afternoon", _("Afternoon")


class Symptom(models.TextChoices):
    FEVER = "fever", _("Fever")
    COUGH = "cough", _("Cough")
    SORE_THROAT = "sore_throat", _("Sore throat")
    FATIGUE = "fatigue", _("Fatigue")
    TASTE_SMELL = "taste_smell", _("Loss of taste or smell")
    DIARRHOEA = "diarrhoea", _("Diarrhoea")
    BREATH = "breath", _("Shortness of breath")
    OTHER = "other", _("Other")


class ReportSource(models.TextChoices):
    SELF = "self", _("Self (personal link)")
    SITE_MEDIC = "site_medic", _("Site medic")
    CARE_TEAM = "care_team", _("Care team")


class HealthReport(ScopedModel):
    """One temperature-and-symptoms report of one person for one slot (morning or afternoon) of a day."""

    scope_path_field = "place_path"

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="health_reports", db_index=False)
    place_path = models.CharField(max_length=255, editable=False)
    date = models.DateField(_("date"))
    slot = models.CharField(_("slot"), max_length=10, choices=Slot.choices)
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    other_symptom = models.CharField(_("other symptom"), max_length=100, blank=True, validators=[validate_clean_text])
    source = models.CharField(_("reported by"), max_length=12, choices=ReportSource.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("reported at"), auto_now_add=True)
    corrected_at = models.DateTimeField(_("corrected"), null=True, blank=True)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("health report")
        verbose_name_plural = _("health reports")
        ordering = ["-date", "-slot", "-id"]
        constraints = [
            # Twice a day means once per slot; the personal link and the staff cannot both report it.
            # Also serves the measure's report list and the "who has not reported" anti-join.
            models.UniqueConstraint(fields=["measure", "date", "slot"], name="healthreport_one_per_slot"),
            models.CheckConstraint(
                condition=models.Q(temperature__gte=MIN_TEMPERATURE, temperature__lte=MAX_TEMPERATURE),
                name="healthreport_human_temperature",
            ),
        ]
        indexes = [
            # Reports of a day across a scope (the due board's counts).
            models.Index(
                fields=["place_path", "date"],
                name="healthreport_scope_date",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.date} {self.slot} {self.temperature}"

    def symptom_labels(self) -> list[str]:
        labels = dict(Symptom.choices)
        out = [str(labels.get(s, s)) for s in self.symptoms if s != Symptom.OTHER]
        if self.other_symptom:
            out.append(self.other_symptom)
        elif Symptom.OTHER in self.symptoms:
            out.append(str(Symptom.OTHER.label))
        return out


class AlertKind(models.TextChoices):
    MISSED_REPORT = "missed_report", _("Missed report")
    FEVER = "fever", _("Fever")
    SYMPTOMS = "symptoms", _("Symptoms")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class AlertStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class HealthAlert(ScopedModel):
    """A missed report, a fever or symptoms: raised once per measure, kind and slot; closed with a note."""

    scope_path_field = "place_path"

    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="health_alerts", db_index=False)
    place_path = models.CharField(max_length=255, editable=False)
    kind = models.CharField(_("alert"), max_length=14, choices=AlertKind.choices)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    date = models.DateField(_("date"))
    slot = models.CharField(_("slot"), max_length=10, choices=Slot.choices)
    report = models.ForeignKey(
        HealthReport, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts", db_index=False
    )
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    # The key person's responsible worker when the alert was raised.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="health_alerts",
        verbose_name=_("responsible worker"),
    )
    status = models.CharField(_("status"), max_length=8, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    close_note = models.CharField(_("what was done"), max_length=300, blank=True, validators=[validate_clean_text])

    class Meta:
        verbose_name = _("health alert")
        verbose_name_plural = _("health alerts")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Sweeps run again and again: one alert per measure, kind and slot, whoever raises it.
            # Also serves the measure's alert list and the release check (measure, status).
            models.UniqueConstraint(fields=["measure", "kind", "date", "slot"], name="healthalert_one_per_slot"),
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(closed_at__isnull=False),
                name="healthalert_closed_has_time",
            ),
        ]
        indexes = [
            # Scoped alert list: place_path LIKE 'prefix%' AND status ORDER BY created_at DESC.
            models.Index(
                fields=["place_path", "status", "created_at"],
                name="healthalert_scope_status",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops", "timestamptz_ops"],
            ),
            # "My alerts" of a responsible worker.
            models.Index(fields=["assigned_to", "status"], name="healthalert_assigned"),
        ]

    def __str__(self) -> str:
        return f"{self.measure_id} {self.kind} {self.date} {self.slot}"

    @property
    def is_open(self) -> bool:
        return self.status == AlertStatus.OPEN
