from django.apps import AppConfig


class PluginAppConfig(AppConfig):
    """A tiny app that plugs itself in; installed only by test_plugins.py."""

    name = "fangkong.core.tests.plugin_app"
    label = "plugin_app"
