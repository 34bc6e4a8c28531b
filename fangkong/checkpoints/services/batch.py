"""Registering a batch of passages from a device: set-based, one INSERT (or COPY) for the plain ones."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.audit.models import AuditAction
from fangkong.audit.services import record, say
from fangkong.checkpoints.models import (
    Checkpoint,
    CheckpointStatus,
    NextStep,
    Registration,
    RegistrationSource,
)
from fangkong.checkpoints.services.cleaning import RegistrationInput, RegistrationResult, _clean
from fangkong.checkpoints.services.escalation import assess
from fangkong.checkpoints.services.registration import register
from fangkong.core.engines import PerEngine
from fangkong.core.scoping import path_in_jurisdiction
from fangkong.people.models import Person
from fangkong.places.models import Place
from fangkong.protocols.selectors import BodyTemperature, body_temperature
from fangkong.screening.models import ClearState, KeyPerson


def register_batch(
    *, actor: Any, items: list[RegistrationInput], source: str = RegistrationSource.API, request: Any = None
) -> list[RegistrationResult]:
    """Each item on its own: the good ones are stored, the bad ones answered with their reasons.

    Set-based for the gate devices' 1,000-item batches: one query each for the checkpoints, the client ids
    already stored, the persons and their open key-person records, then one INSERT … ON CONFLICT DO NOTHING
    for every plain passage. Abnormal passages (a few) take the one-by-one path with its escalation.
    """
    now = timezone.now()
    today = timezone.localdate(now)
    checkpoints = _checkpoints_in_scope(actor, items)
    # The protocol's temperature rules, once per district (a batch's checkpoints lie in one or a few).
    by_district: dict[str, BodyTemperature] = {}
    for path in sorted({c.place_path[: Place.steplen] for c in checkpoints.values()} | {""}):
        by_district[path] = body_temperature(path or None)

    def rules_for(item: RegistrationInput) -> BodyTemperature:
        checkpoint = checkpoints.get(str(item.checkpoint_id))
        return by_district[checkpoint.place_path[: Place.steplen] if checkpoint else ""]

    cleaned = [_clean(item, rules=rules_for(item), now=now, today=today) for item in items]
    wanted_ids = [v["client_id"] for v, e in cleaned if "client_id" not in e]
    existing = set(Registration.objects.filter(client_id__any_of=wanted_ids).values_list("client_id", flat=True))
    persons = _persons_for([v for v, e in cleaned if not e])
    open_records = {
        kp.person_id: kp
        for kp in KeyPerson.objects.filter(person_id__any_of=[p.pk for p in persons.values() if p is not None]).exclude(
            clear_state=ClearState.RELEASED
        )
    }
    created_by = actor.pk if getattr(actor, "is_authenticated", False) else None
    results: list[RegistrationResult | None] = [None] * len(items)
    plain: list[tuple[int, tuple[Any, ...]]] = []
    seen: set[uuid.UUID] = set()
    for index, (item, (values, errors)) in enumerate(zip(items, cleaned, strict=True)):
        client_id = values.get("client_id")
        label = str(client_id or item.client_id or "")
        checkpoint = checkpoints.get(str(item.checkpoint_id))
        if checkpoint is None:
            errors.setdefault("checkpoint_id", []).append(_("No such checkpoint in your jurisdiction."))
        elif checkpoint.status != CheckpointStatus.OPEN:
            errors.setdefault("checkpoint_id", []).append(
                _("The checkpoint is %(status)s; registrations are not taken.")
                % {"status": checkpoint.get_status_display()}
            )
        if client_id is not None and (client_id in existing or client_id in seen):
            results[index] = RegistrationResult(label, "duplicate")
            continue
        if errors:
            results[index] = RegistrationResult(label, "rejected", errors=errors)
            continue
        assert checkpoint is not None
        assert client_id is not None
        seen.add(client_id)
        person = persons.get(_person_key(values))
        assessment = assess(values, open_records.get(person.pk) if person else None, rules=rules_for(item))
        if assessment.abnormal:
            results[index] = register(actor=actor, data=item, checkpoint=checkpoint, source=source, request=request)
            continue
        if person is not None and not values["name"]:
            values["name"] = person.name
        values.update(
            checkpoint_id=checkpoint.pk,
            place_path=checkpoint.place_path,
            person_id=person.pk if person else None,
            received_at=now,
            source=source,
            created_by_id=created_by,
            is_abnormal=False,
            next_step=NextStep.PASS,
        )
        plain.append((index, tuple(values[column] for column in PLAIN_COLUMNS)))
    inserted = _insert_new_passages([row for _index, row in plain])
    for index, row in plain:
        status = "created" if row[0] in inserted else "duplicate"
        results[index] = RegistrationResult(str(row[0]), status)
    final = [r for r in results if r is not None]
    created = sum(1 for r in final if r.status == "created")
    if created:
        record(
            actor=actor,
            action=AuditAction.CREATE,
            object_type="checkpoints.registration",
            summary=say(
                gettext_lazy("Registration batch: %(created)s of %(n)s registered"), created=created, n=len(items)
            ),
            request=request,
        )
    return final


# The columns of a plain passage, in the order register_batch builds its rows (client_id first).
PLAIN_COLUMNS = (
    "client_id", "checkpoint_id", "place_path", "person_id", "name", "document_type", "document_number", "phone",
    "direction", "temperature", "health_code", "itinerary_code", "vaccination", "latest_test_on", "vehicle_plate",
    "passengers", "came_from", "reason", "destination", "occurred_at", "received_at", "source", "created_by_id",
    "is_abnormal", "next_step", "flags",
)  # fmt: skip


# Up to this many passages go in as one INSERT … VALUES; more through COPY and a temporary table.
SMALL_BATCH = 50


def _insert_new_passages(rows: list[tuple[Any, ...]]) -> set[uuid.UUID]:
    """Insert the rows whose client id is new; the client ids this call inserted.

    A concurrent replay of the same batch may get some rows in first: ON CONFLICT leaves those alone, and only
    what this statement inserted comes back, so each side answers "created" exactly for its own rows.
    """
    if not rows:
        return set()
    return PASSAGES().insert_new(rows)


class PortablePassages:
    """Other engines: bulk_create ignoring conflicts; the rows of this call found again by a batch marker."""

    def insert_new(self, rows: list[tuple[Any, ...]]) -> set[uuid.UUID]:
        marker = uuid.uuid4()
        Registration.objects.bulk_create(
            [Registration(batch_id=marker, **dict(zip(PLAIN_COLUMNS, row, strict=True))) for row in rows],
            ignore_conflicts=True,
        )
        return set(
            Registration.objects.filter(client_id__in=[r[0] for r in rows], batch_id=marker).values_list(
                "client_id", flat=True
            )
        )


class PostgresPassages:
    """PostgreSQL: INSERT … ON CONFLICT DO NOTHING RETURNING; a big batch through COPY into a temporary table."""

    def insert_new(self, rows: list[tuple[Any, ...]]) -> set[uuid.UUID]:
        columns = ", ".join(PLAIN_COLUMNS)
        flags = PLAIN_COLUMNS.index("flags")
        if len(rows) <= SMALL_BATCH:
            # A gate's own few passages: one INSERT with the values, no temporary table.
            one = "(" + ", ".join("%s::jsonb" if column == "flags" else "%s" for column in PLAIN_COLUMNS) + ")"
            params = [json.dumps(value) if i == flags else value for row in rows for i, value in enumerate(row)]
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO checkpoints_registration ({columns}) VALUES {', '.join([one] * len(rows))}"  # noqa: S608
                    " ON CONFLICT (client_id) DO NOTHING RETURNING client_id",
                    params,
                )
                return {client_id for (client_id,) in cursor.fetchall()}
        with transaction.atomic(), connection.cursor() as cursor:
            # Per connection and emptied at every commit; persistent connections create it once.
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS incoming_registration ON COMMIT DELETE ROWS AS"  # noqa: S608
                f" SELECT {columns} FROM checkpoints_registration WITH NO DATA"
            )
            with cursor.copy(f"COPY incoming_registration ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row[:flags], json.dumps(row[flags]), *row[flags + 1 :]))
            cursor.execute(
                f"INSERT INTO checkpoints_registration ({columns}) SELECT {columns} FROM incoming_registration"  # noqa: S608
                " ON CONFLICT (client_id) DO NOTHING RETURNING client_id"
            )
            inserted = {client_id for (client_id,) in cursor.fetchall()}
            # Emptied here too: inside an outer transaction the commit that empties it may be far off.
            cursor.execute("DELETE FROM incoming_registration")
            return inserted


PASSAGES: PerEngine[PostgresPassages | PortablePassages] = PerEngine(
    postgresql=PostgresPassages(), portable=PortablePassages()
)


def _checkpoints_in_scope(actor: Any, items: list[RegistrationInput]) -> dict[str, Checkpoint]:
    ids = set()
    for item in items:
        try:
            pk = int(item.checkpoint_id)
        except (TypeError, ValueError):
            continue
        if 0 < pk < 2**63:
            ids.add(pk)
    return {
        str(c.pk): c
        for c in Checkpoint.objects.filter(pk__in=ids).select_related("place")
        if path_in_jurisdiction(actor, c.place_path)
    }


def _person_key(values: dict[str, Any]) -> tuple[str, str, str]:
    if values["document_number"]:
        return (values["document_type"], values["document_number"], "")
    return ("", "", values["phone"])


@dataclass(frozen=True)
class KnownPerson:
    pk: int
    name: str


def _persons_for(all_values: list[dict[str, Any]]) -> dict[tuple[str, str, str], KnownPerson | None]:
    """find_person for many passages: one query per document type (so the unique index serves it), one by
    phone, and one for the survivors of merged records."""
    numbers: dict[str, set[str]] = {}
    for v in all_values:
        if v["document_number"]:
            numbers.setdefault(v["document_type"], set()).add(v["document_number"])
    phones = {v["phone"] for v in all_values if not v["document_number"] and v["phone"]}
    found: dict[tuple[str, str, str], KnownPerson | None] = {}
    merged: dict[tuple[str, str, str], int] = {}
    for document_type, wanted in numbers.items():
        rows = Person.objects.filter(document_type=document_type, document_number__any_of=list(wanted)).values_list(
            "pk", "name", "document_number", "merged_into_id"
        )
        for pk, name, number, merged_into in rows:
            key = (document_type, number, "")
            if merged_into:
                merged[key] = merged_into
            else:
                found[key] = KnownPerson(pk, name)
    if merged:
        survivors = dict(Person.objects.filter(pk__in=set(merged.values())).values_list("pk", "name"))
        for key, pk in merged.items():
            found[key] = KnownPerson(pk, survivors[pk]) if pk in survivors else None
    if phones:
        by_phone: dict[str, list[KnownPerson]] = {}
        holders_of = Person.objects.filter(phone__any_of=list(phones), merged_into__isnull=True).values_list(
            "pk", "name", "phone"
        )
        for pk, name, phone in holders_of:
            by_phone.setdefault(phone, []).append(KnownPerson(pk, name))
        for phone, holders in by_phone.items():
            # A phone shared by a family says nothing about who is at the gate.
            found[("", "", phone)] = holders[0] if len(holders) == 1 else None
    return found
