"""Which UTC times the scheduled workflow must run at: every edge of a schedule (the early
wake, the window's opening, its close) in winter and in summer time, since GitHub's cron is
UTC. Runs at times that are no edge in one half of the year do nothing (tools/sleep/edge.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from components.schedule import awake_intervals, wake_lead
from components.settings import ScheduleSettings

# Two weeks far from any clock change: one in winter, one in summer (either hemisphere).
REFERENCE_WEEKS = (datetime(2026, 1, 12, tzinfo=UTC), datetime(2026, 7, 13, tzinfo=UTC))
CRON_DAYS = ("1", "2", "3", "4", "5", "6", "0")  # cron's day of week for Mon..Sun


def edges_utc(schedule: ScheduleSettings, architecture: str) -> set[tuple[int, int, int]]:
    """(weekday 0 = Monday, hour, minute) in UTC of every edge, both halves of the year."""
    lead = wake_lead(schedule, architecture)
    found = set()
    for start in REFERENCE_WEEKS:
        end = start + timedelta(days=7)
        for opens, closes in awake_intervals(schedule, start, end):
            for edge in (opens - lead, opens, closes):
                if start <= edge < end:
                    found.add((edge.weekday(), edge.hour, edge.minute))
    return found


def _field(text: str, low: int, high: int) -> set[int]:
    values: set[int] = set()
    for part in text.split(","):
        if part == "*":
            values |= set(range(low, high + 1))
        elif "-" in part:
            a, b = part.split("-")
            values |= set(range(int(a), int(b) + 1))
        else:
            values.add(int(part))
    return values


def fires_at(cron: str) -> set[tuple[int, int, int]]:
    """(weekday 0 = Monday, hour, minute) a five-field cron (numbers, lists, ranges, *) fires."""
    minute, hour, day, month, weekday = cron.split()
    if (day, month) != ("*", "*"):
        raise ValueError(f"{cron!r}: only day-of-week crons are understood")
    days = {(d - 1) % 7 for d in _field(weekday, 0, 6)}
    return {(d, h, m) for d in days for h in _field(hour, 0, 23) for m in _field(minute, 0, 59)}


def missing_edges(
    crons: list[str], schedule: ScheduleSettings, architecture: str
) -> list[tuple[int, int, int]]:
    fired = set().union(*(fires_at(c) for c in crons)) if crons else set()
    return sorted(edges_utc(schedule, architecture) - fired)
