from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "fangkong.people"
    verbose_name = _("People")

    def ready(self) -> None:
        from fangkong.core.landing import register_widget
        from fangkong.people.landing import COVERAGE_WIDGET

        register_widget(COVERAGE_WIDGET)
