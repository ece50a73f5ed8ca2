"""Schedule settings: the hours a non-production stack is awake (it sleeps the rest).

`awakeHours` is a list of windows separated by `;`, each `<days> <HH:MM>-<HH:MM>` in
`timezone`: days are one day (`Sat`), a range (`Mon-Fri`) or a comma list (`Mon,Wed`).
`24:00` ends a window at midnight; a window over midnight is two windows. Empty: always awake.
What the stack is at a given time is `components.schedule.phase_at`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import field_validator

from components.settings.base import _check, _Group, _key

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WINDOW = re.compile(r"^(?P<days>[A-Za-z,-]+)\s+(?P<start>\d{2}:\d{2})-(?P<end>\d{2}:\d{2})$")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
FORMAT = "'<days> HH:MM-HH:MM' (e.g. 'Mon-Fri 07:00-19:00'), windows separated by ';'"


@dataclass(frozen=True)
class Window:
    """One awake window: weekdays (0 = Monday) and minutes after local midnight."""

    days: tuple[int, ...]
    start_minute: int
    end_minute: int
    text: str


def parse_windows(text: str) -> tuple[Window, ...]:
    """The windows of an `awakeHours` value; ValueError names every mistake, one a line."""
    errors: list[str] = []
    windows = [w for part in text.split(";") if (w := _window(part.strip(), errors))]
    for i, a in enumerate(windows):
        for b in windows[i + 1 :]:
            shared = set(a.days) & set(b.days)
            if shared and a.start_minute < b.end_minute and b.start_minute < a.end_minute:
                errors.append(f"windows {a.text!r} and {b.text!r} overlap on {DAYS[min(shared)]}")
    if not errors and _whole_week(windows):
        errors.append(
            "covers the whole week: that is always awake; leave awakeHours empty (or set "
            "awake: true for a while) instead"
        )
    _check(not errors, "\n".join(errors))
    return tuple(windows)


def _window(part: str, errors: list[str]) -> Window | None:
    """One window, or None with its mistakes added to `errors`."""
    match = _WINDOW.match(part)
    if not match:
        errors.append(f"window {part!r} is not {FORMAT}")
        return None
    found = len(errors)
    days = _days(match["days"], part, errors)
    start, end = match["start"], match["end"]
    for value in (start, end):
        if not _TIME.match(value):
            errors.append(f"window {part!r}: {value} is not a time 00:00-24:00")
    if len(errors) == found and not _minutes(start) < _minutes(end):
        errors.append(
            f"window {part!r} is empty or crosses midnight (end before start); split it at "
            "24:00 into two windows"
        )
    if len(errors) > found:
        return None
    return Window(days, _minutes(start), _minutes(end), part)


def _days(text: str, part: str, errors: list[str]) -> tuple[int, ...]:
    found: list[int] = []
    for item in text.split(","):
        first, _, last = item.partition("-")
        names = [first, last] if last else [first]
        wrong = [name for name in names if name.title() not in DAYS]
        for name in wrong:
            errors.append(f"window {part!r}: {name!r} is not a day ({', '.join(DAYS)})")
        if wrong:
            continue
        lo, hi = DAYS.index(first.title()), DAYS.index((last or first).title())
        if lo > hi:
            errors.append(f"window {part!r}: {item} runs backwards; write e.g. Sat-Sun, Mon-Fri")
        found += range(lo, hi + 1)
    if len(found) != len(set(found)):
        errors.append(f"window {part!r} names a day twice")
    return tuple(sorted(found))


def _whole_week(windows: list[Window]) -> bool:
    """Whether the windows leave no minute of the week asleep (touching windows join)."""
    for day in range(len(DAYS)):
        reached = 0
        for window in sorted((w for w in windows if day in w.days), key=lambda w: w.start_minute):
            if window.start_minute > reached:
                return False
            reached = max(reached, window.end_minute)
        if reached < 24 * 60:
            return False
    return True


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


class ScheduleSettings(_Group):
    """When a non-production stack is awake; it sleeps outside these hours."""

    awake_hours: str = _key(
        "awakeHours",
        "",
        "Hours the stack is awake, e.g. 'Mon-Fri 07:00-19:00' (windows separated by ';', "
        "24:00 ends a day); outside them it sleeps (docs/sleep.md). Empty: always awake.",
    )
    timezone: str = _key(
        "timezone", "UTC", "IANA time zone of awakeHours, e.g. Europe/Berlin (daylight saving "
        "follows it)."
    )  # fmt: skip
    awake: Literal["", "true", "false"] = _key(
        "awake",
        "",
        "Override of the schedule: true keeps the stack awake (an evening of work), false "
        "keeps it asleep (a long weekend); empty follows awakeHours.",
    )
    sleep_while_protected: bool = _key(
        "sleepWhileProtected",
        False,
        "A protected stack (protect: true) may have awakeHours only with this on: a stack "
        "that matters never sleeps by accident.",
    )
    wake_lead_minutes: int = _key(
        "wakeLeadMinutes",
        0,
        "Minutes before a window opens that the stack wakes, so it is ready when the window "
        "opens; 0: the platform's (MWAA 45: AWS documents 20-30 minutes to create an "
        "environment, plus the network and the state import; EKS 20).",
        ge=0,
        le=240,
    )

    @field_validator("awake_hours")
    @classmethod
    def _awake_hours(cls, value: str) -> str:
        if value.strip():
            parse_windows(value)
        return value.strip()

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            _check(False, "is not an IANA time zone (e.g. Europe/Berlin, America/New_York, UTC)")
        _check(value in available_timezones() or value == "UTC", "is not an IANA time zone")
        return value

    @property
    def windows(self) -> tuple[Window, ...]:
        return parse_windows(self.awake_hours) if self.awake_hours else ()

    @property
    def scheduled(self) -> bool:
        """The stack sleeps at some hours (a schedule or an override to sleep)."""
        return bool(self.awake_hours) or self.awake == "false"
