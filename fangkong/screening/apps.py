from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ScreeningConfig(AppConfig):
    name = "fangkong.screening"
    verbose_name = _("Screening")

    def ready(self) -> None:
        from fangkong.audit.display import register_value_labels
        from fangkong.core.landing import register_widget
        from fangkong.imports.categories import register_category_provider
        from fangkong.people.timeline import register_provider
        from fangkong.protocols.selectors import all_category_names
        from fangkong.screening import signals  # noqa: F401
        from fangkong.screening.landing import KEY_PERSONS_DUE
        from fangkong.screening.pushlists import push_category_choices
        from fangkong.screening.timeline import key_person_events

        register_provider(key_person_events)
        register_widget(KEY_PERSONS_DUE)
        register_value_labels("screening.keyperson", "category", all_category_names)
        register_category_provider(push_category_choices)
