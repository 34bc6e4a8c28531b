from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    name = "fangkong.transfers"
    verbose_name = _("Transfers")

    def ready(self) -> None:
        from fangkong.core.landing import register_widget
        from fangkong.people.timeline import register_provider
        from fangkong.transfers import signals  # noqa: F401
        from fangkong.transfers.landing import ARRIVALS
        from fangkong.transfers.timeline import transfer_events

        register_provider(transfer_events)
        register_widget(ARRIVALS)
