"""Scoped models: rows that keep a copy of a place's materialised path, and the registry of them all.

A model whose rows belong to a place copies that place's `path` into a column of its own (`place_path`,
`scope_path`, …) so that scoping is one indexed prefix scan on its own table. Each such model inherits
`ScopedModel` and names the column in `scope_path_field` (and, should it copy more than one path, every
copy in `copied_path_fields`). Inheriting is the registration: core never lists the apps.

When a place moves, `rewrite_copied_paths` rewrites every copy under it, one UPDATE per model and
column, inside the moving transaction; a system check makes sure each copy has an index leading with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from django.core import checks
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr

_declared: list[type[models.Model]] = []


class ScopedModel(models.Model):
    """Abstract base of every model holding a copy of a place path. Adds no column."""

    # The column scope_to_user() filters on.
    scope_path_field: ClassVar[str]
    # Every column holding a copied place path; empty means (scope_path_field,).
    copied_path_fields: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _declared.append(cls)


@dataclass(frozen=True)
class ScopedEntry:
    model: type[models.Model]
    path_fields: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.model._meta.label


def scoped_models() -> list[ScopedEntry]:
    """Every concrete scoped model with the path columns it holds itself, ordered by label."""
    entries: dict[str, ScopedEntry] = {}
    for model in _declared:
        meta = model._meta
        if meta.abstract or meta.proxy or meta.swapped:
            continue
        names = getattr(model, "copied_path_fields", ()) or (model.scope_path_field,)  # type: ignore[attr-defined]
        # A column inherited from a concrete parent is the parent's to rewrite.
        own = tuple(name for name in names if meta.get_field(name).model is model)
        if own:
            entries[meta.label] = ScopedEntry(model, own)
    return [entries[label] for label in sorted(entries)]


def rewrite_copied_paths(*, old_path: str, new_path: str) -> int:
    """A place moved from `old_path` to `new_path`: rewrite every copy of a path under it. Returns rows changed.

    Call inside the moving transaction. Set-based: one UPDATE per model and column, whatever the subtree holds.
    """
    changed = 0
    cut = len(old_path) + 1
    for entry in scoped_models():
        manager = entry.model._base_manager
        for name in entry.path_fields:
            changed += manager.filter(**{f"{name}__startswith": old_path}).update(
                **{name: Concat(Value(new_path), Substr(F(name), cut))}
            )
    return changed


def _leads_index(model: type[models.Model], name: str) -> bool:
    field = model._meta.get_field(name)
    if getattr(field, "db_index", False) or getattr(field, "unique", False):
        return True
    leading = [index.fields[0].lstrip("-") for index in model._meta.indexes if index.fields]
    leading += [c.fields[0] for c in model._meta.constraints if isinstance(c, models.UniqueConstraint) and c.fields]
    return name in leading


@checks.register(checks.Tags.models)
def check_scoped_models(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Each copied path is a CharField with an index that leads with it (the scoped lists and the move need it)."""
    errors: list[checks.CheckMessage] = []
    for entry in scoped_models():
        if app_configs is not None and entry.model._meta.app_config not in app_configs:
            continue
        for name in entry.path_fields:
            field = entry.model._meta.get_field(name)
            if not isinstance(field, models.CharField):
                errors.append(
                    checks.Error(f"{entry.label}.{name} copies a place path but is not a CharField.", id="core.E101")
                )
            elif not _leads_index(entry.model, name):
                errors.append(
                    checks.Error(
                        f"{entry.label}.{name} copies a place path but no index leads with it.",
                        hint=f"Add models.Index(fields=['{name}', ...], opclasses=['varchar_pattern_ops', ...]).",
                        obj=entry.model,
                        id="core.E102",
                    )
                )
    return errors
