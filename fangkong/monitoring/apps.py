from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "fangkong.monitoring"
    verbose_name = _("Health monitoring")

    def ready(self) -> None:
        from fangkong.core.landing import register_widget
        from fangkong.monitoring import receivers  # noqa: F401
        from fangkong.monitoring.landing import HEALTH_ALERTS, REPORTS_DUE
        from fangkong.monitoring.timeline import health_report_events
        from fangkong.people.timeline import register_provider

        register_provider(health_report_events)
        register_widget(HEALTH_ALERTS)
        register_widget(REPORTS_DUE)
