"""The runtime lock holds what production runs and nothing of the development tools (issue 16 A6f)."""

from __future__ import annotations

import re
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[3]
DEV_TOOLS = {"pytest", "playwright", "schemathesis", "mypy", "ruff", "hypothesis", "pip-audit", "django-stubs"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "-r")):
            name, version = line.split("==")
            pins[_norm(name.split("[")[0])] = version
    return pins


def _project() -> dict[str, list[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {"runtime": project["dependencies"], "dev": project["optional-dependencies"]["dev"]}


def _closure(requirements: list[str]) -> set[str]:
    """Every distribution the requirements pull in, as installed here, with their extras' markers."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        req = todo.pop()
        name = _norm(req.name)
        key = name + "[" + ",".join(sorted(req.extras)) + "]"
        if key in seen:
            continue
        seen.add(key)
        for raw in metadata.requires(req.name) or []:
            sub = Requirement(raw)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in (req.extras or {""})):
                todo.append(sub)
    return {key.split("[")[0] for key in seen}


def test_the_runtime_lock_has_no_development_tool() -> None:
    runtime = _pins(ROOT / "requirements.lock")
    assert not DEV_TOOLS & set(runtime)
    assert set(_pins(ROOT / "requirements-dev.lock")) >= DEV_TOOLS
    assert "-r requirements.lock" in (ROOT / "requirements-dev.lock").read_text()


def test_the_runtime_lock_pins_everything_production_imports() -> None:
    runtime = _pins(ROOT / "requirements.lock")
    missing = _closure(_project()["runtime"]) - set(runtime)
    assert not missing, f"runtime dependencies missing from requirements.lock: {sorted(missing)}"


def test_the_two_locks_do_not_overlap_and_match_what_is_installed() -> None:
    runtime, dev = _pins(ROOT / "requirements.lock"), _pins(ROOT / "requirements-dev.lock")
    assert not set(runtime) & set(dev)
    for name, version in {**runtime, **dev}.items():
        assert metadata.version(name) == version, name
