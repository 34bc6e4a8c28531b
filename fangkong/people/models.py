"""People (人口底数): every resident, floating or registered, attached to a place."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from fangkong.core.masking import mask_address, mask_document, mask_phone
from fangkong.core.scoped import ScopedModel
from fangkong.core.validators import validate_clean_text
from fangkong.places.models import Place


class DocumentType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card")
    PASSPORT = "passport", _("Passport")
    HK_MACAU_PASS = "hk_macau_pass", _("Hong Kong/Macau travel permit")
    OTHER = "other", _("Other document")


class Sex(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
    UNKNOWN = "", _("Unknown")


class ResidentType(models.TextChoices):
    REGISTERED = "registered", _("Registered (户籍)")
    PERMANENT = "permanent", _("Permanent resident (常住)")
    FLOATING = "floating", _("Floating (流动)")
    TEMPORARY = "temporary", _("Temporary (临时)")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=30, unique=True, validators=[validate_clean_text])

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(ScopedModel):
    """人: one natural person, identified by (document type, normalised number)."""

    scope_path_field = "place_path"

    name = models.CharField(pgettext_lazy("person", "name"), max_length=50, validators=[validate_clean_text])
    document_type = models.CharField(_("document type"), max_length=16, choices=DocumentType.choices)
    document_number = models.CharField(_("document number"), max_length=20)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True)
    place = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        related_name="persons",
        verbose_name=_("household / place"),
        help_text=_("Actual residence: the household, or the lowest place known."),
    )
    # Copy of place.path so scoping is one indexed prefix scan on this table; kept
    # in step by people.services and places.services.move_place (core.scoped).
    place_path = models.CharField(max_length=255, editable=False)
    address = models.CharField(
        _("current address"),
        max_length=200,
        blank=True,
        validators=[validate_clean_text],
    )
    registered_residence = models.CharField(
        _("registered residence (户籍地)"),
        max_length=200,
        blank=True,
        validators=[validate_clean_text],
    )
    resident_type = models.CharField(
        _("resident type"),
        max_length=16,
        choices=ResidentType.choices,
        default=ResidentType.PERMANENT,
    )
    # Columns of imported rosters that have no field of their own, kept as they came.
    extra = models.JSONField(_("other data"), default=dict, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="persons", verbose_name=_("tags"))
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_from",
        verbose_name=_("merged into"),
        db_index=False,  # the partial index person_merged_into below
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("persons")
        permissions = [
            ("view_full_person", _("Can see full ID numbers, phones and addresses")),
            ("export_unmasked_person", _("Can export unmasked personal data")),
            ("merge_person", _("Can merge duplicate persons")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "document_number"],
                name="person_unique_document",
            ),
            models.CheckConstraint(condition=~models.Q(name=""), name="person_name_not_empty"),
        ]
        indexes = [
            # Scoped person list: WHERE place_path LIKE 'prefix%' ORDER BY id.
            # varchar_pattern_ops so PostgreSQL uses it for LIKE 'prefix%' under any collation.
            models.Index(
                fields=["place_path", "id"],
                name="person_scope_id",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            # Lookup by phone at gates and in search.
            models.Index(fields=["phone"], name="person_phone"),
            # Search by name inside a scope.
            models.Index(fields=["name"], name="person_name"),
            # Who was merged into a person. Only merged records: a full index would take an entry for
            # every person (almost all NULL), which every insert of an imported list pays for.
            models.Index(
                fields=["merged_into"], name="person_merged_into", condition=models.Q(merged_into__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.masked_document})"

    @property
    def masked_document(self) -> str:
        return mask_document(self.document_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)

    @property
    def masked_address(self) -> str:
        return mask_address(self.address)
