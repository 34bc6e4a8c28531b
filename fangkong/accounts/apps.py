from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "fangkong.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from fangkong.accounts import roles, signals  # noqa: F401

        post_migrate.connect(roles.ensure_role_groups, dispatch_uid="fangkong_role_groups")
