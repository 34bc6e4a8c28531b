from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "fangkong.monitoring"
    verbose_name = _("Health monitoring")

    def ready(self) -> None:
        from fangkong.monitoring import receivers  # noqa: F401
