"""Schedule settings: awake hours, time zone, override; one line per mistake; a protected
stack sleeps only on purpose."""

from __future__ import annotations

import pytest

from components.settings import SettingsError
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
