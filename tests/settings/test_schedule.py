"""Schedule settings: awake hours, time zone, override; one line per mistake; a protected
stack sleeps only on purpose."""

from __future__ import annotations

import pytest

from components.settings import SettingsError
from components.settings.schedule import FORMAT
from tests.conftest import settings_for


def errors(**overrides: object) -> str:
    with pytest.raises(SettingsError) as caught:
        settings_for("mwaa", protect="false", **overrides)
    return str(caught.value)


def test_default_is_always_awake() -> None:
    s = settings_for("mwaa").schedule
    assert (s.awake_hours, s.timezone, s.awake, s.scheduled) == ("", "UTC", "", False)


def test_a_working_week_parses_into_windows() -> None:
    s = settings_for(
        "mwaa", protect="false", awakeHours="Mon-Fri 07:00-19:00; Sat,Sun 10:00-24:00"
    ).schedule
    assert [(w.days, w.start_minute, w.end_minute) for w in s.windows] == [
        ((0, 1, 2, 3, 4), 420, 1140),
        ((5, 6), 600, 1440),
    ]
    assert s.scheduled


@pytest.mark.parametrize(
    ("value", "line"),
    [
        ("weekdays", "awakeHours: 'weekdays' window 'weekdays' is not '<days> HH:MM-HH:MM'"),
        ("Mon-Fry 07:00-19:00", "'Fry' is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)"),
        ("Mon-Fri 07:00-07:00", "is empty or crosses midnight"),
        ("Mon-Fri 22:00-06:00", "is empty or crosses midnight"),
        ("Mon-Fri 07:00-25:00", "25:00 is not a time 00:00-24:00"),
        ("Fri-Mon 07:00-19:00", "Fri-Mon runs backwards"),
        ("Mon-Fri 07:00-19:00; Wed 18:00-22:00", "overlap on Wed"),
        ("Mon,Mon 07:00-19:00", "names a day twice"),
    ],
)
def test_each_mistake_is_one_line_naming_awake_hours(value: str, line: str) -> None:
    message = errors(awakeHours=value)
    assert len(message.splitlines()) == 1
    assert message.startswith("awakeHours: ")
    assert line in message


def test_unknown_time_zone_and_override_are_refused() -> None:
    message = errors(timezone="Europe/Berlim", awake="maybe")
    assert "timezone: 'Europe/Berlim' is not an IANA time zone" in message
    assert "awake: 'maybe' is not one of true, false" in message


def test_a_protected_stack_refuses_a_schedule_unless_it_says_so() -> None:
    with pytest.raises(SettingsError) as caught:
        settings_for("eks", protect="true", awakeHours="Mon-Fri 07:00-19:00")
    assert str(caught.value) == (
        "awakeHours: a protected stack (protect: true) does not sleep by accident; set "
        "sleepWhileProtected: true if it should (docs/sleep.md)"
    )
    with pytest.raises(SettingsError, match=r"^awake: false: a protected stack"):
        settings_for("eks", protect="true", awake="false")
    allowed = settings_for(
        "eks", protect="true", awakeHours="Mon-Fri 07:00-19:00", sleepWhileProtected="true"
    )
    assert allowed.schedule.scheduled
    # Staying awake needs no permission.
    assert settings_for("eks", protect="true", awake="true").schedule.awake == "true"


def test_every_mistake_of_awake_hours_is_its_own_line() -> None:
    value = "Mon-Fry 07:00-19:00; Sat 25:00-26:00; weekends; Tue 10:00-09:00"
    lines = errors(awakeHours=value).splitlines()
    assert [line.split(f"awakeHours: {value!r} ", 1)[1] for line in lines] == [
        "window 'Mon-Fry 07:00-19:00': 'Fry' is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)",
        "window 'Sat 25:00-26:00': 25:00 is not a time 00:00-24:00",
        "window 'Sat 25:00-26:00': 26:00 is not a time 00:00-24:00",
        f"window 'weekends' is not {FORMAT}",
        "window 'Tue 10:00-09:00' is empty or crosses midnight (end before start); split it at "
        "24:00 into two windows",
    ]
    # Mistakes of other keys still come one a line beside them.
    both = errors(awakeHours="Mon 07:00-07:00; Tue 07:00-07:00", timezone="Mars/Base")
    assert len(both.splitlines()) == 3


@pytest.mark.parametrize(
    "value",
    [
        "Mon-Sun 00:00-24:00",
        "Mon-Fri 00:00-24:00; Sat,Sun 00:00-24:00",
        "Mon-Sun 00:00-12:00; Mon-Sun 12:00-24:00",  # touching windows join
    ],
)
def test_a_schedule_that_covers_the_whole_week_is_refused_as_always_awake(value: str) -> None:
    message = errors(awakeHours=value)
    assert message == (
        f"awakeHours: {value!r} covers the whole week: that is always awake; leave awakeHours "
        "empty (or set awake: true for a while) instead"
    )


def test_a_week_with_a_gap_is_a_schedule() -> None:
    for value in (
        "Mon-Sun 00:00-23:59",
        "Mon-Sat 00:00-24:00",
        "Mon-Sun 00:00-12:00; Mon-Sun 12:01-24:00",
    ):
        assert settings_for("mwaa", protect="false", awakeHours=value).schedule.scheduled
