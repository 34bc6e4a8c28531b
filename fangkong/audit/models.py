"""Append-only audit log (审计日志)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    VIEW_FULL = "view_full", _("Viewed full record")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")
    MOVE = "move", _("Moved")
    MERGE = "merge", _("Merged")
    EXPORT = "export", _("Exported")
    IMPORT = "import", _("Imported")
    LOGIN = "login", _("Logged in")
    LOGOUT = "logout", _("Logged out")
    LOGIN_FAILED = "login_failed", _("Failed login")
    TOKEN_CREATED = "token_created", _("API token created")
    TOKEN_REVOKED = "token_revoked", _("API token revoked")
    SEARCH = "search", _("Searched personal data")


class AppendOnlyError(RuntimeError):
    pass


class AuditEvent(models.Model):
    """One thing a user did to personal data or to the system. Never edited, never deleted."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("user"),
    )
    actor_username = models.CharField(_("username"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("object type"), max_length=50, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    # {"field": ["old", "new"]} with personal values already masked.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    # The summary written out in every UI language when recorded ({"zh-hans": "…", "en": "…"}), so each
    # reader sees it in theirs and a row never changes afterwards; null for rows whose summary is plain text.
    summary_i18n = models.JSONField(_("summary in each language"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [
            # "Who looked at this person": object lookups in the audit browser.
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object"),
            # "What did this user do": per-user history.
            models.Index(fields=["actor", "at"], name="audit_actor"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AppendOnlyError("Audit events cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("Audit events cannot be deleted.")

    @property
    def summary_text(self) -> str:
        """The summary in the reader's language (the active one), else as recorded."""
        if self.summary_i18n:
            return str(self.summary_i18n.get(get_language() or "", self.summary))
        return self.summary

    @property
    def object_label(self) -> str:
        from fangkong.audit.display import object_type_label

        return object_type_label(self.object_type)

    @property
    def change_lines(self) -> list[tuple[str, str]]:
        from fangkong.audit.display import change_lines

        return change_lines(self.object_type, self.changes)
