from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CheckpointsConfig(AppConfig):
    name = "fangkong.checkpoints"
    verbose_name = _("Checkpoints")

    def ready(self) -> None:
        from fangkong.checkpoints.landing import MY_GATE, OPEN_ALERTS
        from fangkong.checkpoints.timeline import passage_events
        from fangkong.core.landing import register_widget
        from fangkong.people.timeline import register_provider

        register_provider(passage_events)
        register_widget(MY_GATE)
        register_widget(OPEN_ALERTS)
