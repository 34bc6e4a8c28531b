from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    name = "fangkong.imports"
    verbose_name = _("Data exchange")

    def ready(self) -> None:
        # The import task is queued by its name (services never import tasks: tasks call services).
        from fangkong.imports import tasks  # noqa: F401
