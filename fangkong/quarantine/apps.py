from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuarantineConfig(AppConfig):
    name = "fangkong.quarantine"
    verbose_name = _("Quarantine")

    def ready(self) -> None:
        from fangkong.core.landing import register_widget
        from fangkong.people.timeline import register_provider
        from fangkong.quarantine import receivers  # noqa: F401
        from fangkong.quarantine.landing import MY_SITE
        from fangkong.quarantine.timeline import measure_events, placement_events

        register_provider(measure_events)
        register_provider(placement_events)
        register_widget(MY_SITE)
