"""Checkpoints and passages for tests, made through the services."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fangkong.checkpoints.models import Checkpoint
from fangkong.checkpoints.services import (
    CheckpointInput,
    RegistrationInput,
    RegistrationResult,
    register,
    save_checkpoint,
)
from fangkong.places.models import Place


def make_checkpoint(
    actor: Any, place: Place, *, name: str = "东门", type: str = "community_gate", **extra: Any
) -> Checkpoint:
    return save_checkpoint(actor=actor, data=CheckpointInput(name=name, type=type, place=place, **extra))


def passage(checkpoint: Checkpoint, **values: Any) -> RegistrationInput:
    values.setdefault("client_id", str(uuid.uuid4()))
    values.setdefault("direction", "in")
    return RegistrationInput(checkpoint_id=checkpoint.pk, **values)


@dataclass
class Passed:
    """A registration result with loosely typed parts, so tests can read them without None checks."""

    status: str
    registration: Any
    alert: Any
    errors: dict[str, list[str]]


def pass_gate(actor: Any, checkpoint: Checkpoint, **values: Any) -> Passed:
    result: RegistrationResult = register(actor=actor, data=passage(checkpoint, **values))
    return Passed(result.status, result.registration, result.alert, result.errors)
