from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    # Messages are asserted in their English source form; the UI's default language is Chinese.
    with translation.override("en"):
        yield
