"""The whole access-matrix policy: every installed app's rules, collected through the plugins.

Each app's plugin.py names the module holding its `PAGES` and `API` rules (and, optionally,
`NAMESPACES`); a route two apps both claim is an error, so no app can loosen another's rule.
"""

from __future__ import annotations

from fangkong.core import plugins
from fangkong.core.tests.access_expectations import Rule


def collect() -> tuple[dict[str, Rule], dict[str, Rule], dict[str, Rule]]:
    """(PAGES, API, NAMESPACES) of every installed app, in INSTALLED_APPS order."""
    pages: dict[str, Rule] = {}
    api: dict[str, Rule] = {}
    namespaces: dict[str, Rule] = {}
    for app in plugins.installed():
        if not app.plugin.access_rules:
            continue
        module = plugins.resolve(app.plugin.access_rules)
        for collected, declared in (
            (pages, getattr(module, "PAGES", {})),
            (api, getattr(module, "API", {})),
            (namespaces, getattr(module, "NAMESPACES", {})),
        ):
            twice = sorted(set(collected) & set(declared))
            if twice:
                raise ValueError(f"{app.label} declares access rules other apps already declare: {twice}")
            collected.update(declared)
    return pages, api, namespaces


PAGES, API, NAMESPACES = collect()
