"""Protocols (防控方案) as data: categories of key persons and the measure each one gets.

A protocol is versioned data, never code: when the national rules change (the
8th edition's 14+7 became the 9th edition's 7+3), HQ adds a protocol and makes
it active; key persons already under a measure keep the schedule they were
given (a snapshot on the key person) until HQ explicitly applies the new one.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.core.validators import validate_clean_text
from fangkong.places.models import Place


class MeasureKind(models.TextChoices):
    CENTRAL_QUARANTINE = "central_quarantine", _("Central quarantine")
    HOME_QUARANTINE = "home_quarantine", _("Home quarantine")
    HOME_MONITORING = "home_monitoring", _("Home health monitoring")
    DAILY_CHECK = "daily_check", _("Daily health check")
    NONE = "none", _("No measure")


class RiskLevel(models.TextChoices):
    HIGH = "high", _("High risk")
    MEDIUM = "medium", _("Medium risk")
    LOW = "low", _("Low risk")


RISK_RANK = {RiskLevel.HIGH: 3, RiskLevel.MEDIUM: 2, RiskLevel.LOW: 1}

# No protocol may accept a reading outside these (°C): beyond them it is a typing or device error,
# and stored health reports are held to them by a database constraint.
READING_LIMITS = (Decimal("34.0"), Decimal("43.0"))


def _celsius(label: Any, default: str) -> models.DecimalField:
    return models.DecimalField(label, max_digits=3, decimal_places=1, default=Decimal(default))


class Protocol(models.Model):
    """防控方案: one version of the rules for one disease."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    disease = models.CharField(_("disease"), max_length=60, validators=[validate_clean_text])
    name = models.CharField(_("name"), max_length=120, validators=[validate_clean_text])
    edition = models.CharField(_("edition"), max_length=60, blank=True, validators=[validate_clean_text])
    effective_from = models.DateField(_("effective from"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_preset = models.BooleanField(_("built-in preset"), default=False, editable=False)
    # Body temperature (read through protocols.selectors.body_temperature): at or above fever_at is a
    # fever (发热); a reading outside a range is refused as a measuring error, not stored.
    fever_at = _celsius(_("fever at (°C)"), "37.3")
    gate_temperature_min = _celsius(_("lowest reading at checkpoints (°C)"), "35.0")
    gate_temperature_max = _celsius(_("highest reading at checkpoints (°C)"), "42.0")
    report_temperature_min = _celsius(_("lowest reading in health reports (°C)"), "34.0")
    report_temperature_max = _celsius(_("highest reading in health reports (°C)"), "43.0")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("protocol")
        verbose_name_plural = _("protocols")
        ordering = ["disease", "-effective_from", "name"]
        permissions = [
            ("activate_protocol", _("Can choose the district's active protocol")),
            ("apply_protocol", _("Can apply a new protocol to key persons under a measure")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    gate_temperature_min__lt=models.F("gate_temperature_max"),
                    report_temperature_min__lt=models.F("report_temperature_max"),
                    gate_temperature_min__gte=READING_LIMITS[0],
                    report_temperature_min__gte=READING_LIMITS[0],
                    gate_temperature_max__lte=READING_LIMITS[1],
                    report_temperature_max__lte=READING_LIMITS[1],
                ),
                name="protocol_temperature_ranges",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A category of key person (密接, 次密接, 入境人员 …) and the measure the protocol gives it."""

    protocol = models.ForeignKey(Protocol, on_delete=models.CASCADE, related_name="categories")
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=60, validators=[validate_clean_text])
    description = models.CharField(_("description"), max_length=300, blank=True)
    release_conditions = models.TextField(_("release conditions"), blank=True)
    # The category a push list's persons get when the upload names none.
    is_push_default = models.BooleanField(_("default for push lists"), default=False)
    # The category a fever found at a checkpoint makes (发热患者): a fever must be followed up within hours.
    is_fever_default = models.BooleanField(_("default for a fever at a checkpoint"), default=False)
    # Hours from report to identification (人员清); empty: the source's own deadline, if any.
    identify_within_hours = models.PositiveSmallIntegerField(
        _("identify within (hours)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    # The returnee category for a stay in an area of this risk level (高风险区来返人员: "high"). A pushed
    # person whose travel names such an area gets it in place of a returnee category of lower risk.
    returnee_risk_level = models.CharField(
        _("for returnees from areas of risk level"), max_length=10, choices=RiskLevel.choices, blank=True
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["protocol", "order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["protocol", "code"], name="category_unique_code"),
            models.UniqueConstraint(
                fields=["protocol"], condition=models.Q(is_push_default=True), name="category_one_push_default"
            ),
            models.UniqueConstraint(
                fields=["protocol"], condition=models.Q(is_fever_default=True), name="category_one_fever_default"
            ),
            models.UniqueConstraint(
                fields=["protocol", "returnee_risk_level"],
                condition=~models.Q(returnee_risk_level=""),
                name="category_one_per_returnee_risk_level",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def measure_kind(self) -> str:
        """The measure a person of this category starts under: the first phase's kind."""
        phases = list(self.phases.all())
        return phases[0].kind if phases else MeasureKind.NONE

    @property
    def total_days(self) -> int:
        return sum(p.days for p in self.phases.all())


class Phase(models.Model):
    """One phase of a measure (e.g. 7 days central quarantine), with the days tests are due."""

    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("measure"), max_length=24, choices=MeasureKind.choices)
    days = models.PositiveSmallIntegerField(_("days"))
    # Day numbers within the phase (1 = the phase's first day) on which a nucleic-acid test is due.
    test_days = models.JSONField(_("test days"), default=list, blank=True)

    class Meta:
        verbose_name = _("measure phase")
        verbose_name_plural = _("measure phases")
        ordering = ["category", "order"]
        constraints = [
            models.UniqueConstraint(fields=["category", "order"], name="phase_unique_order"),
            models.CheckConstraint(condition=models.Q(days__gt=0), name="phase_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.days}"

    def clean(self) -> None:
        days = self.test_days
        if not isinstance(days, list) or not all(isinstance(d, int) and not isinstance(d, bool) for d in days):
            raise ValidationError({"test_days": _("Test days are a list of day numbers, e.g. [1, 4, 7].")})
        wrong = [d for d in days if d < 1 or d > (self.days or 0)]
        if wrong:
            raise ValidationError(
                {"test_days": _("Test days must lie between 1 and %(days)d.") % {"days": self.days or 0}}
            )


class ActiveProtocol(models.Model):
    """The protocol a district works by now. Exactly one row per district; changes are audited."""

    district = models.OneToOneField(
        Place, on_delete=models.CASCADE, related_name="active_protocol", verbose_name=_("district")
    )
    protocol = models.ForeignKey(
        Protocol, on_delete=models.PROTECT, related_name="activations", verbose_name=_("protocol")
    )
    activated_at = models.DateTimeField(_("activated"), auto_now=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("activated by")
    )

    class Meta:
        verbose_name = _("active protocol")
        verbose_name_plural = _("active protocols")

    def __str__(self) -> str:
        return f"{self.district} · {self.protocol}"


class Granularity(models.TextChoices):
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")
    COUNTY = "county", _("County / district")
    STREET = "street", _("Street / township")


class RiskArea(models.Model):
    """风险地区: an area declared high/medium/low risk for a span of days.

    `name` is the full administrative name (e.g. 北京市朝阳区望京街道); a travel
    record matches an area when one name is a prefix of the other and the dates overlap.
    """

    name = models.CharField(_("area"), max_length=120, validators=[validate_clean_text])
    level = models.CharField(_("risk level"), max_length=10, choices=RiskLevel.choices)
    granularity = models.CharField(_("granularity"), max_length=10, choices=Granularity.choices)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True, help_text=_("Empty while still at risk."))
    source = models.CharField(_("source"), max_length=100, blank=True, validators=[validate_clean_text])
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("risk area")
        verbose_name_plural = _("risk areas")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "level", "starts_on"], name="riskarea_unique_span"),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True) | models.Q(ends_on__gte=models.F("starts_on")),
                name="riskarea_ends_after_start",
            ),
        ]
        indexes = [
            # Matching a travel record: areas active on a date.
            models.Index(fields=["starts_on", "ends_on"], name="riskarea_span"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_level_display()})"

    def clean(self) -> None:
        if self.ends_on and self.starts_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": _("The end date lies before the start date.")})
