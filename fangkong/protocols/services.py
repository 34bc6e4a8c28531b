"""Writes of protocols: choosing the district's active protocol, and keeping the risk-area list."""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.core.validators import When, validate_clean_text
from fangkong.imports.normalize import parse_date
from fangkong.imports.readers import ImportFileError, file_format, open_sheet
from fangkong.places.models import Place, PlaceType
from fangkong.protocols.models import ActiveProtocol, Granularity, Protocol, RiskArea, RiskLevel
from fangkong.protocols.presets import load_protocol_data


@transaction.atomic
def activate_protocol(
    *, actor: Any, district: Place, protocol: Protocol, request: HttpRequest | None = None
) -> ActiveProtocol:
    """Make `protocol` the district's one active protocol. Key persons keep their schedules."""
    if district.type != PlaceType.DISTRICT:
        raise ValidationError(_("Only a district has an active protocol."))
    current = ActiveProtocol.objects.select_for_update().filter(district=district).first()
    before = current.protocol.code if current else ""
    if current is None:
        current = ActiveProtocol(district=district)
    current.protocol = protocol
    current.activated_by = actor
    current.save()
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=current,
        summary=say(
            gettext_lazy("Active protocol of %(district)s: %(name)s"), district=district.name, name=protocol.name
        ),
        changes={"protocol": [before, protocol.code]},
        request=request,
    )
    return current


def protocol_data(protocol: Protocol) -> dict[str, Any]:
    """The protocol in the presets' JSON format (what HQ edits, and what load_protocol reads)."""
    return {
        "code": protocol.code,
        "disease": protocol.disease,
        "name": protocol.name,
        "edition": protocol.edition,
        "effective_from": protocol.effective_from.isoformat() if protocol.effective_from else None,
        "description": protocol.description,
        "categories": [
            {
                "code": c.code,
                "name": c.name,
                "description": c.description,
                "release_conditions": c.release_conditions,
                "push_default": c.is_push_default,
                "fever_default": c.is_fever_default,
                "identify_within_hours": c.identify_within_hours,
                "returnee_risk_level": c.returnee_risk_level,
                "phases": [{"kind": p.kind, "days": p.days, "test_days": list(p.test_days)} for p in c.phases.all()],
            }
            for c in protocol.categories.all()
        ],
    }


def _models() -> dict[str, Any]:
    from fangkong.protocols.models import Category, Phase

    return {"Protocol": Protocol, "Category": Category, "Phase": Phase}


@transaction.atomic
def copy_protocol(*, actor: Any, protocol: Protocol, request: HttpRequest | None = None) -> Protocol:
    """A new, editable version starting from `protocol` (the built-in presets are never edited in place)."""
    data = protocol_data(protocol)
    n = 2
    while Protocol.objects.filter(code=f"{protocol.code}-v{n}").exists():
        n += 1
    data["code"] = f"{protocol.code}-v{n}"[:60]
    data["name"] = (_("%(name)s (version %(n)d)") % {"name": protocol.name, "n": n})[:120]
    copy = load_protocol_data(data, models=_models())
    summary = say(gettext_lazy("Protocol %(name)s copied from %(source)s"), name=copy.name, source=protocol.name)
    record(actor=actor, action=AuditAction.CREATE, obj=copy, summary=summary, request=request)
    return copy


@transaction.atomic
def save_protocol_data(
    *, actor: Any, protocol: Protocol, data: dict[str, Any], request: HttpRequest | None = None
) -> Protocol:
    """Replace an HQ-made protocol's content. Key persons keep the schedules they were given."""
    if protocol.is_preset:
        raise ValidationError(_("A built-in protocol cannot be changed; make a new version of it and edit that."))
    if data.get("code") != protocol.code:
        raise ValidationError(_("The code of a protocol cannot change."))
    for key in ("disease", "name", "edition", "description"):
        validate_clean_text(str(data.get(key) or ""))
    effective = data.get("effective_from")
    if effective:
        try:
            dt.date.fromisoformat(str(effective))
        except ValueError:
            raise ValidationError(_("effective_from must be a date like 2022-06-28.")) from None
    saved = load_protocol_data(data, models=_models())
    record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=saved,
        summary=say(gettext_lazy("Protocol %(name)s edited"), name=saved.name),
        request=request,
    )
    return saved


# --- risk areas -------------------------------------------------------------------------


@dataclass
class RiskAreaInput:
    name: str
    level: str
    granularity: str
    starts_on: dt.date | None
    ends_on: dt.date | None = None
    source: str = ""


def _clean_area(data: RiskAreaInput) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    name = " ".join((data.name or "").split())
    if not name:
        errors["name"] = [_("Name the area, e.g. 北京市朝阳区望京街道.")]
    else:
        try:
            validate_clean_text(name)
        except ValidationError as exc:
            errors["name"] = exc.messages
    if data.level not in RiskLevel.values:
        errors["level"] = [_("The risk level must be high, medium or low.")]
    if data.granularity not in Granularity.values:
        errors["granularity"] = [_("The granularity must be province, city, county or street.")]
    if data.starts_on is None:
        errors["starts_on"] = [_("The date the area became at risk is required.")]
    elif data.starts_on > dt.date.today():
        errors["starts_on"] = [_("The start date is in the future.")]
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        errors["ends_on"] = [_("The end date lies before the start date.")]
    if errors:
        raise ValidationError(errors)
    return {
        "name": name[:120],
        "level": data.level,
        "granularity": data.granularity,
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "source": (data.source or "").strip()[:100],
    }


@transaction.atomic
def save_risk_area(
    *, actor: Any, data: RiskAreaInput, area: RiskArea | None = None, request: HttpRequest | None = None
) -> RiskArea:
    cleaned = _clean_area(data)
    duplicate = RiskArea.objects.filter(name=cleaned["name"], level=cleaned["level"], starts_on=cleaned["starts_on"])
    if area is not None:
        duplicate = duplicate.exclude(pk=area.pk)
    if duplicate.exists():
        raise ValidationError({"name": [_("This area is already listed with this level and start date.")]})
    created = area is None
    area = area or RiskArea()
    for key, value in cleaned.items():
        setattr(area, key, value)
    area.save()
    record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=area,
        summary=say(
            gettext_lazy("Risk area %(name)s (%(level)s) from %(start)s to %(end)s"),
            name=area.name,
            level=dict(RiskLevel.choices).get(area.level, area.level),
            start=str(area.starts_on),
            end=str(area.ends_on or "—"),
        ),
        request=request,
    )
    return area


@transaction.atomic
def delete_risk_area(*, actor: Any, area: RiskArea, request: HttpRequest | None = None) -> None:
    record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=area,
        summary=say(gettext_lazy("Risk area %(name)s removed"), name=area.name),
        request=request,
    )
    area.delete()


LEVEL_WORDS = {"高": RiskLevel.HIGH, "中": RiskLevel.MEDIUM, "低": RiskLevel.LOW}
GRANULARITY_WORDS = {
    "省": Granularity.PROVINCE,
    "市": Granularity.CITY,
    "县": Granularity.COUNTY,
    "区": Granularity.COUNTY,
    "街道": Granularity.STREET,
    "乡": Granularity.STREET,
    "镇": Granularity.STREET,
}
HEADERS = {
    "name": ("地区", "风险地区", "地区名称", "名称", "area", "name"),
    "level": ("风险等级", "等级", "level"),
    "granularity": ("级别", "区划级别", "粒度", "granularity"),
    "starts_on": ("开始日期", "起始日期", "开始时间", "from", "starts_on"),
    "ends_on": ("结束日期", "解除日期", "结束时间", "until", "ends_on"),
}


def parse_level(raw: str) -> str:
    value = raw.strip().lower()
    if value in RiskLevel.values:
        return value
    for word, level in LEVEL_WORDS.items():
        if value.startswith(word):
            return level
    return ""


def guess_granularity(raw: str, name: str) -> str:
    value = raw.strip().lower()
    if value in Granularity.values:
        return value
    for word, granularity in GRANULARITY_WORDS.items():
        if word in value:
            return granularity
    # No column: the name's last administrative suffix says it (…街道, …区, …市, …省).
    for suffix, by_name in NAME_SUFFIXES:
        if name.endswith(suffix):
            return by_name
    return ""


NAME_SUFFIXES = (
    ("街道", "street"),
    ("镇", "street"),
    ("乡", "street"),
    ("区", "county"),
    ("县", "county"),
    ("市", "city"),
    ("省", "province"),
)


@dataclass
class AreaImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)


@transaction.atomic
def import_risk_areas(*, actor: Any, upload: UploadedFile, request: HttpRequest | None = None) -> AreaImportResult:
    """Add the areas of an Excel/CSV list; a row already listed (same name, level, start) gets its end date."""
    name = Path(upload.name or "areas.xlsx").name
    with tempfile.NamedTemporaryFile(suffix=Path(name).suffix.lower()) as tmp:
        for chunk in upload.chunks():
            tmp.write(chunk)
        tmp.flush()
        path = Path(tmp.name)
        try:
            sheet = open_sheet(path, file_format(path, name))
            rows = list(sheet.rows())
        except ImportFileError as exc:
            raise ValidationError(exc.message) from None
    if not rows:
        raise ValidationError(_("The file contains no rows."))
    header = [cell.strip().lower() for cell in rows[0][1]]
    columns: dict[str, int] = {}
    for key, names in HEADERS.items():
        for index, cell in enumerate(header):
            if cell in names:
                columns[key] = index
                break
    missing = [key for key in ("name", "level", "starts_on") if key not in columns]
    if missing:
        raise ValidationError(
            _("The first row must name the columns 地区, 风险等级 and 开始日期 (missing: %(missing)s).")
            % {"missing": ", ".join(missing)}
        )
    result = AreaImportResult()

    def value_of(values: list[str], key: str) -> str:
        index = columns.get(key)
        return values[index].strip() if index is not None and index < len(values) else ""

    for index, values in rows[1:]:
        if not any(v.strip() for v in values):
            continue
        line = index + 1
        area_name = value_of(values, "name")
        level = parse_level(value_of(values, "level"))
        try:
            starts_on = parse_date(value_of(values, "starts_on"), when=When.PAST)
            ends_on = parse_date(value_of(values, "ends_on"))
        except ValidationError as exc:
            result.errors.append(_("Row %(row)d: %(message)s") % {"row": line, "message": exc.messages[0]})
            continue
        data = RiskAreaInput(
            name=area_name,
            level=level,
            granularity=guess_granularity(value_of(values, "granularity"), area_name),
            starts_on=starts_on,
            ends_on=ends_on,
            source=name,
        )
        try:
            cleaned = _clean_area(data)
        except ValidationError as exc:
            messages = [m for ms in exc.message_dict.values() for m in ms]
            result.errors.append(_("Row %(row)d: %(message)s") % {"row": line, "message": " ".join(messages)})
            continue
        _area, created = RiskArea.objects.update_or_create(
            name=cleaned["name"],
            level=cleaned["level"],
            starts_on=cleaned["starts_on"],
            defaults={k: v for k, v in cleaned.items() if k not in ("name", "level", "starts_on")},
        )
        if created:
            result.created += 1
        else:
            result.updated += 1
    record(
        actor=actor,
        action=AuditAction.IMPORT,
        object_type="protocols.riskarea",
        summary=say(
            gettext_lazy("Risk areas from %(file)s: %(created)s new, %(updated)s updated, %(rejected)s rejected"),
            file=name,
            created=result.created,
            updated=result.updated,
            rejected=len(result.errors),
        ),
        request=request,
    )
    return result
