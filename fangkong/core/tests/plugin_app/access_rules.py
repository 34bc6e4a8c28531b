from __future__ import annotations

from fangkong.core.tests.access_expectations import ANYONE, SIGNED_IN, Rule

PAGES: dict[str, Rule] = {"plugin_app:page": Rule(frozenset({SIGNED_IN}))}
API: dict[str, Rule] = {"fangkong_core_tests_plugin_app_api_ping": Rule(frozenset({ANYONE}))}
