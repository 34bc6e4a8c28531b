"""A forgotten scope must be hard to write: pages and API modules never query personal tables themselves."""

import ast
from pathlib import Path

import fangkong
from fangkong.core.scoped import scoped_models

PACKAGE = Path(fangkong.__file__).parent
# Models holding personal data or place-owned rows; reads go through selectors, writes through services.
# Every scoped model (a copy of a place path: place-owned rows) is guarded; so are these unscoped ones.
UNSCOPED_GUARDED = {"Place", "Membership", "AuditEvent", "ApiToken"}
GUARDED_MODELS = UNSCOPED_GUARDED | {entry.model.__name__ for entry in scoped_models()}
ENTRY_MODULES = ("views.py", "api.py")
# Packages of page or API modules (a views.py split by topic).
ENTRY_PACKAGES = ("views", "api")


def _direct_queries(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"objects", "_default_manager"}
            and isinstance(node.value, ast.Name)
            and node.value.id in GUARDED_MODELS
        ):
            found.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def test_views_and_api_modules_read_personal_tables_only_through_selectors():
    offenders = []
    modules = [p for name in ENTRY_MODULES for p in PACKAGE.rglob(name)]
    modules += [p for name in ENTRY_PACKAGES for d in PACKAGE.rglob(name) if d.is_dir() for p in d.glob("*.py")]
    assert modules, "no views or API modules found"
    for module in modules:
        offenders.extend(_direct_queries(module))
    assert offenders == [], "query these through a scoped selector instead:\n" + "\n".join(offenders)


def test_every_scoped_model_is_guarded():
    assert "Person" in GUARDED_MODELS
    assert {"KeyPerson", "Measure", "Checkpoint"} <= GUARDED_MODELS
