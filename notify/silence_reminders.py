"""Pure: how a silence reminder reads — "silence N expires in 25m" / "silence N open for more than 1d".

`streams/alerts/silences.py` decides which reminders are due (`reminders_due`); this turns one into
the `reminder` template's variables, with durations a person reads at a glance.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping

from streams.alerts.silences import Reminder, Silence


def reminder_context(reminder: Reminder, silence: Silence, *, now: datetime, open_after: timedelta) -> Mapping[str, Any]:
    """The `reminder` template's variables for `reminder` about `silence` at `now`."""
    return {
        "incident_id": None,
        "silence_id": silence.id,
        "kind": str(reminder.kind),
        "remaining": duration_text(silence.effective_end - now),
        "open_after": duration_text(open_after),
        "comment": silence.comment,
        "drill": False,
    }


def duration_text(duration: timedelta) -> str:
    """`1d2h`, `25m`, `40s`: the two largest non-zero units, rounded down; never negative."""
    seconds = max(0, int(duration.total_seconds()))
    parts = [(seconds // 86400, "d"), (seconds % 86400 // 3600, "h"), (seconds % 3600 // 60, "m"), (seconds % 60, "s")]
    shown = [f"{value}{unit}" for value, unit in parts if value][:2]
    return "".join(shown) or "0s"
