"""Screening pages: key person list/detail/timeline, work queue, unplaced queue, coverage board,
sweeps on a phone, and the public self-report page with its printable QR poster.

One module per page group; this package re-exports the views, so `screening/urls.py` reads `views.<name>`.
"""

from fangkong.screening.views.actions import (
    STALE,
    category_view,
    hand_over_view,
    route_view,
    transition_view,
    travel_view,
    worker_view,
)
from fangkong.screening.views.coverage import (
    coverage_board,
    coverage_export,
)
from fangkong.screening.views.key_persons import (
    EXPORT_CHUNK,
    FILTER_KEYS,
    add_view,
    key_person_detail,
    key_person_export,
    key_person_list,
)
from fangkong.screening.views.protocol import (
    apply_preview,
)
from fangkong.screening.views.push_lists import (
    push_lists,
)
from fangkong.screening.views.queues import (
    queue,
    unplaced,
)
from fangkong.screening.views.self_report import (
    poster,
    self_report,
)
from fangkong.screening.views.sweeps import (
    sweep_detail,
    sweep_list,
    sweep_visit,
)

__all__ = [
    "EXPORT_CHUNK",
    "FILTER_KEYS",
    "STALE",
    "add_view",
    "apply_preview",
    "category_view",
    "coverage_board",
    "coverage_export",
    "hand_over_view",
    "key_person_detail",
    "key_person_export",
    "key_person_list",
    "poster",
    "push_lists",
    "queue",
    "route_view",
    "self_report",
    "sweep_detail",
    "sweep_list",
    "sweep_visit",
    "transition_view",
    "travel_view",
    "unplaced",
    "worker_view",
]
