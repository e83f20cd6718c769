"""Reading a study's trials: the ranking by dev error. Pure functions of stored records."""

from __future__ import annotations

import math
from collections.abc import Iterable

from hpsearch.trial import TrialRecord, TrialState

# Completed trials first; then those that stopped early with an error still worth showing;
# never a diverged or failed trial above a completed one.
_STATE_ORDER = {
    TrialState.COMPLETE: 0,
    TrialState.TIMED_OUT: 1,
    TrialState.DIVERGED: 2,
    TrialState.FAILED: 3,
    TrialState.INTERRUPTED: 4,
    TrialState.RUNNING: 5,
}


def rank_key(record: TrialRecord) -> tuple:
    """Dev error, then dev cost, then duration; a missing or NaN error is never best."""
    return (
        _STATE_ORDER[record.state],
        _finite_or_inf(record.dev_error),
        _finite_or_inf(record.dev_cost),
        record.duration_s,
        record.number,
    )


def rank(records: Iterable[TrialRecord]) -> list[TrialRecord]:
    """The trials, best first."""
    return sorted(records, key=rank_key)


def _finite_or_inf(value: float | None) -> float:
    return value if value is not None and math.isfinite(value) else math.inf
