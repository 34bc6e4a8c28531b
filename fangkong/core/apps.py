from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "fangkong.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from fangkong.core import (
            lookups,  # noqa: F401  (registers field__any_of)
            ratelimit,  # noqa: F401  (registers the shared-cache deploy check)
        )
