"""Quarantine's signals: what other apps may hook into (release conditions, a measure started or
ended, a person placed, what still stands between a measure and its person). Quarantine's own
receivers of other apps' signals live in receivers.py.
"""

from __future__ import annotations

from django.dispatch import Signal

# Receivers answer with a list of unmet conditions, each a sentence (kwargs: measure).
# Monitoring adds open alerts, transfers an unfinished transfer: release waits for all.
release_blockers = Signal()
# After a measure started (kwargs: measure, actor) or ended (kwargs: measure, actor, reason);
# sent inside the service's transaction.
measure_started = Signal()
measure_ended = Signal()
# The person left the site for the home phase (kwargs: measure, actor).
measure_went_home = Signal()
# The person was put in a room (kwargs: measure, placement, actor); sent inside place_person's transaction.
person_placed = Signal()
# What still stands between a measure and its person being where the measure says (kwargs: measure, user):
# receivers answer with a list of selectors.Todo (transfers: the transfer task, or a way to ask for one).
measure_todo = Signal()
