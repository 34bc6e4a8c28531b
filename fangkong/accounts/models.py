"""Users, their memberships (place × role) and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.places.models import Place


class Role(models.TextChoices):
    HQ_ADMIN = "hq_admin", _("HQ administrator")
    HQ_GROUP = "hq_group", _("HQ group member")
    STREET_ADMIN = "street_admin", _("Street administrator")
    COMMUNITY_WORKER = "community_worker", _("Community worker")
    GRID_WORKER = "grid_worker", _("Grid worker")
    CHECKPOINT_STAFF = "checkpoint_staff", _("Checkpoint staff")
    SITE_STAFF = "site_staff", _("Quarantine site staff")
    TESTING_STAFF = "testing_staff", _("Testing staff")
    INSPECTOR = "inspector", _("Inspector")
    VIEWER = "viewer", _("Read-only viewer")


class HqGroup(models.TextChoices):
    """一办六组三专班: the HQ's working groups and task forces."""

    OFFICE = "office", _("HQ office")
    SOCIAL_CONTROL = "social_control", _("Social control group")
    MEDICAL = "medical", _("Medical group")
    SUPPLIES = "supplies", _("Supplies group")
    PUBLICITY = "publicity", _("Publicity and public-opinion group")
    QUARANTINE_TRANSFER = "quarantine_transfer", _("Quarantine and transfer task force")
    TRACING = "tracing", _("Tracing task force")
    TESTING = "testing", _("Testing task force")
    VACCINATION = "vaccination", _("Vaccination group")


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class Membership(models.Model):
    """A user's role at a place: they see that place and everything below it."""

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    place = models.ForeignKey(
        Place,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("place"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    hq_group = models.CharField(_("HQ group"), max_length=32, choices=HqGroup.choices, blank=True)
    is_backup = models.BooleanField(_("backup (B role)"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "place", "role"], name="membership_unique_role_at_place"),
            models.CheckConstraint(
                condition=models.Q(role="hq_group") | models.Q(hq_group=""),
                name="membership_group_only_for_hq_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.place}"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """Per-user API token. Only its SHA-256 is stored; the token is shown once at creation."""

    PREFIX = "fk_"

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("user"),
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(_("starts with"), max_length=12)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # Optional: a token for a device lent out for a campaign should stop working on its own.
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired
