"""Finding the header row of a sheet and mapping its columns to fields."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from fangkong.core.validators import to_halfwidth
from fangkong.imports.kinds import KINDS, KindSpec
from fangkong.imports.models import SavedMapping

HEADER_SEARCH_ROWS = 20
_NOISE = re.compile(r"[\s*＊:：()（）\[\]【】<>《》\"'“”‘’.。,，、_\-—/\\|#№]+")


def normalize_header(text: str) -> str:
    """Header text as compared: half-width, lower case, no spaces, stars, colons or brackets."""
    return _NOISE.sub("", to_halfwidth(text or "")).lower()


def _synonym_index(spec: KindSpec) -> dict[str, str]:
    index: dict[str, str] = {}
    for f in spec.fields:
        for synonym in (f.name, *f.synonyms):
            index.setdefault(normalize_header(synonym), f.name)
    return index


def match_field(spec: KindSpec, header: str) -> str | None:
    key = normalize_header(header)
    if not key:
        return None
    index = _synonym_index(spec)
    if key in index:
        return index[key]
    # "身份证号码(必填)" or "联系电话1": a known synonym plus decoration.
    best: tuple[int, str] | None = None
    for synonym, name in index.items():
        fits = len(synonym) >= 2 and key.startswith(synonym) and len(key) - len(synonym) <= 4
        if fits and (best is None or len(synonym) > best[0]):
            best = (len(synonym), name)
    return best[1] if best else None


def auto_mapping(kind: str, headers: list[str]) -> dict[int, str]:
    """Column index → field for every recognised header; each field at most once (first column wins)."""
    spec = KINDS[kind]
    mapping: dict[int, str] = {}
    used: set[str] = set()
    for index, header in enumerate(headers):
        name = match_field(spec, header)
        if name and name not in used:
            mapping[index] = name
            used.add(name)
    return mapping


def detect_header_row(kind: str, rows: list[list[str]]) -> int:
    """The row among the first ones that names the most known fields (title rows and blanks skipped)."""
    best_index, best_score = 0, 0
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        score = len(auto_mapping(kind, row))
        if score > best_score:
            best_index, best_score = index, score
    if best_score == 0:
        # Nothing recognised: the first non-blank row is the best guess for a manual mapping.
        for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
            if any(cell for cell in row):
                return index
    return best_index


def headers_key(headers: list[str]) -> tuple[list[str], str]:
    normalized = [normalize_header(h) for h in headers]
    while normalized and not normalized[-1]:
        normalized.pop()
    digest = hashlib.sha256(json.dumps(normalized, ensure_ascii=False).encode()).hexdigest()
    return normalized, digest


def saved_mapping_for(owner: Any, kind: str, headers: list[str]) -> dict[int, str] | None:
    _normalized, digest = headers_key(headers)
    saved = SavedMapping.objects.filter(owner=owner, kind=kind, headers_hash=digest).first()
    if saved is None:
        return None
    valid = {f.name for f in KINDS[kind].fields}
    return {int(col): name for col, name in saved.mapping.items() if name in valid}


def mapping_for(owner: Any, kind: str, headers: list[str]) -> dict[int, str]:
    saved = saved_mapping_for(owner, kind, headers) if owner is not None else None
    return saved if saved is not None else auto_mapping(kind, headers)
