"""The place tree (属地): district → street → community → grid → compound → building → household."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from fangkong.core.masking import mask_phone
from fangkong.core.validators import validate_clean_text, validate_phone


class PlaceType(models.TextChoices):
    DISTRICT = "district", _("District")
    STREET = "street", _("Street / township")
    COMMUNITY = "community", _("Community / village")
    GRID = "grid", _("Grid")
    COMPOUND = "compound", _("Compound / courtyard")
    BUILDING = "building", _("Building")
    HOUSEHOLD = "household", _("Household")


# Which node types may sit directly under which. Villages without compounds put
# households straight under the grid; courtyards (庭院) often have no buildings.
ALLOWED_CHILDREN: dict[str, tuple[str, ...]] = {
    PlaceType.DISTRICT: (PlaceType.STREET,),
    PlaceType.STREET: (PlaceType.COMMUNITY,),
    PlaceType.COMMUNITY: (PlaceType.GRID,),
    PlaceType.GRID: (PlaceType.COMPOUND, PlaceType.HOUSEHOLD),
    PlaceType.COMPOUND: (PlaceType.BUILDING, PlaceType.HOUSEHOLD),
    PlaceType.BUILDING: (PlaceType.HOUSEHOLD,),
    PlaceType.HOUSEHOLD: (),
}
ROOT_TYPES = (PlaceType.DISTRICT,)
# Depth in the tree of each type when the tree is full; used to name the level of a child.
LEVEL_ORDER = [t.value for t in PlaceType]
CODED_TYPES = (PlaceType.DISTRICT, PlaceType.STREET, PlaceType.COMMUNITY)

division_code_validator = RegexValidator(
    r"^\d{12}$", _("A statistical division code has 12 digits."), code="division_code"
)


def split_aliases(raw: str) -> list[str]:
    """The names of an `aliases` text: separated by commas (either width), 、 or semicolons."""
    return [part.strip() for part in re.split(r"[,，、;；]", raw or "") if part.strip()]


def check_placement(child_type: str, parent: Place | None) -> None:
    """Raise ValidationError if a node of child_type may not sit under parent."""
    if parent is None:
        if child_type not in ROOT_TYPES:
            raise ValidationError(
                _("A %(type)s needs a parent place; only a district stands at the top."),
                code="needs_parent",
                params={"type": PlaceType(child_type).label},
            )
        return
    if child_type not in ALLOWED_CHILDREN[parent.type]:
        allowed = ", ".join(str(PlaceType(t).label) for t in ALLOWED_CHILDREN[parent.type]) or _("nothing")
        raise ValidationError(
            _("A %(child)s cannot sit under a %(parent)s (allowed under it: %(allowed)s)."),
            code="wrong_parent",
            params={
                "child": PlaceType(child_type).label,
                "parent": PlaceType(parent.type).label,
                "allowed": allowed,
            },
        )


class Place(MP_Node):
    """属地: one node of the jurisdiction tree.

    `path` (materialised) makes "everything under X" one indexed prefix query.
    """

    scope_path_field = "path"

    # No node_order_by: sorted insertion would renumber siblings' paths, and paths are
    # copied onto persons. Children are appended; pages sort by name.
    steplen = 4

    type = models.CharField(_("type"), max_length=16, choices=PlaceType.choices, db_index=True)
    name = models.CharField(_("name"), max_length=100, validators=[validate_clean_text])
    code = models.CharField(
        _("division code"),
        max_length=12,
        blank=True,
        validators=[division_code_validator],
    )
    address = models.CharField(_("address"), max_length=200, blank=True, validators=[validate_clean_text])
    # Other names the place goes by in addresses (an estate's old name, a building's letter), for routing by address.
    aliases = models.CharField(
        _("other names"),
        max_length=300,
        blank=True,
        # A database default too: the demo loader and benches insert places with raw SQL.
        db_default="",
        validators=[validate_clean_text],
        help_text=_("Other names used in addresses, separated by commas."),
    )
    is_ownerless = models.BooleanField(
        _("ownerless compound"),
        default=False,
        help_text=_("No property management (无主庭院): needs an assigned cadre."),
    )
    cadre_name = models.CharField(_("assigned cadre"), max_length=50, blank=True, validators=[validate_clean_text])
    cadre_phone = models.CharField(_("cadre phone"), max_length=11, blank=True, validators=[validate_phone])
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        indexes = [
            # Place search by name within a subtree (place browser, place picker).
            models.Index(fields=["type", "name"], name="place_type_name"),
            # Children of a place: treebeard's get_children runs depth = d AND path BETWEEN … (default opclass).
            models.Index(fields=["depth", "path"], name="place_depth_path"),
            # "Grids (or compounds) under X": type = … AND path LIKE 'prefix%' on the landing page.
            models.Index(
                fields=["type", "path"],
                name="place_type_path",
                opclasses=["varchar_pattern_ops", "varchar_pattern_ops"],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(is_ownerless=False) | models.Q(type=PlaceType.COMPOUND),
                name="place_only_compounds_ownerless",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def path_label(self) -> str:
        """The name from the community down; lists attach it for all rows at once (places.labels)."""
        from fangkong.places.labels import place_label

        return place_label(self)

    @property
    def alias_list(self) -> list[str]:
        return split_aliases(self.aliases)

    @property
    def type_label(self) -> str:
        return str(PlaceType(self.type).label)

    @property
    def masked_cadre_phone(self) -> str:
        return mask_phone(self.cadre_phone)

    @property
    def child_types(self) -> tuple[str, ...]:
        return ALLOWED_CHILDREN[self.type]

    def clean(self) -> None:
        if self.code and self.type not in CODED_TYPES:
            raise ValidationError({"code": _("Only districts, streets and communities carry a division code.")})
        if self.is_ownerless and self.type != PlaceType.COMPOUND:
            raise ValidationError({"is_ownerless": _("Only a compound can be ownerless.")})
        if self.type == PlaceType.COMPOUND and self.is_ownerless and not self.cadre_name:
            raise ValidationError({"cadre_name": _("An ownerless compound needs an assigned cadre.")})


class PlaceCount(models.Model):
    """Rolled-up counts below a place, so landing pages never aggregate a million persons.

    `key` is a PlaceType value (descendants of that type, the place itself
    excluded) or one of the population keys below (persons attached to the place
    or anywhere under it). Kept exact by the services that write places and
    persons, in the same transaction; `rebuild_counts` recomputes them from
    scratch after bulk loads or to repair.
    """

    PERSONS = "persons"
    FLOATING = "floating"

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="counts")
    key = models.CharField(max_length=20)
    n = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("place count")
        verbose_name_plural = _("place counts")
        constraints = [models.UniqueConstraint(fields=["place", "key"], name="placecount_unique_key")]

    def __str__(self) -> str:
        return f"{self.place_id}:{self.key}={self.n}"
