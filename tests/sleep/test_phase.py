"""The desired state as a function of the settings and the time (components/schedule.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from components.schedule import awake_fraction, next_change, parse_time, phase_at
from tests.conftest import settings_for

WEEK_DAYS = "Mon-Fri 07:00-19:00"


def schedule(**overrides: str):  # type: ignore[no-untyped-def]
    return settings_for("mwaa", protect="false", **overrides).schedule


def at(text: str) -> datetime:
    return parse_time(text)


BERLIN = schedule(awakeHours=WEEK_DAYS, timezone="Europe/Berlin")


@pytest.mark.parametrize(
    ("when", "phase"),
    [
        ("2026-12-09T11:00:00Z", "awake"),  # Wednesday 12:00 in Berlin (UTC+1)
        ("2026-12-09T06:00:00Z", "awake"),  # 07:00 Berlin: the window opens
        ("2026-12-09T05:30:00Z", "waking"),  # 06:30 Berlin: within the 45 minutes before 07:00
        ("2026-12-09T05:14:59Z", "asleep"),  # 06:14:59 Berlin: before the early wake
        ("2026-12-09T18:00:00Z", "asleep"),  # 19:00 Berlin: the window has closed
        ("2026-12-12T11:00:00Z", "asleep"),  # Saturday noon
        ("2026-12-14T05:15:00Z", "waking"),  # Monday 06:15 Berlin: the wake after a weekend
    ],
)
def test_phase_follows_the_window_in_its_time_zone(when: str, phase: str) -> None:
    assert phase_at(BERLIN, "mwaa", at(when)) == phase


def test_summer_time_moves_the_window_in_utc() -> None:
    # 07:00 in Berlin is 05:00 UTC in July (UTC+2), 06:00 UTC in December (UTC+1).
    assert phase_at(BERLIN, "mwaa", at("2026-07-08T05:00:00Z")) == "awake"
    assert phase_at(BERLIN, "mwaa", at("2026-12-09T05:59:00Z")) == "waking"
    # The Monday clocks go forward (2026-03-29 is a Sunday): 07:00 local is still 07:00.
    assert phase_at(BERLIN, "mwaa", at("2026-03-30T05:00:00Z")) == "awake"


def test_the_override_wins_and_an_empty_schedule_never_sleeps() -> None:
    night = at("2026-12-09T23:00:00Z")
    assert phase_at(schedule(awakeHours=WEEK_DAYS, awake="true"), "mwaa", night) == "awake"
    noon = at("2026-12-09T11:00:00Z")
    assert phase_at(schedule(awakeHours=WEEK_DAYS, awake="false"), "mwaa", noon) == "asleep"
    assert phase_at(schedule(), "mwaa", night) == "awake"
    assert next_change(schedule(), "mwaa", night) is None
    assert next_change(schedule(awakeHours=WEEK_DAYS, awake="true"), "mwaa", night) is None


def test_next_change_names_the_next_edge_and_what_follows() -> None:
    friday_evening = at("2026-12-11T19:00:00Z")  # 20:00 Berlin, asleep
    assert next_change(BERLIN, "mwaa", friday_evening) == (
        at("2026-12-14T05:15:00Z"),
        "waking",
    )
    assert next_change(BERLIN, "mwaa", at("2026-12-14T05:30:00Z")) == (
        at("2026-12-14T06:00:00Z"),
        "awake",
    )
    assert next_change(BERLIN, "mwaa", at("2026-12-14T11:00:00Z")) == (
        at("2026-12-14T18:00:00Z"),
        "asleep",
    )


def test_eks_wakes_later_than_mwaa_and_the_lead_is_a_setting() -> None:
    when = at("2026-12-09T05:30:00Z")  # 06:30 Berlin
    assert phase_at(BERLIN, "eks", when) == "asleep"  # EKS: 20 minutes
    assert phase_at(BERLIN, "eks", when + timedelta(minutes=20)) == "waking"
    short = schedule(awakeHours=WEEK_DAYS, timezone="Europe/Berlin", wakeLeadMinutes="10")
    assert phase_at(short, "mwaa", when) == "asleep"


def test_touching_windows_are_one_and_the_lead_fills_short_gaps() -> None:
    # (The whole week in one window is refused as always awake: tests/settings.) Touching
    # windows join: nothing changes at noon; the 30 minutes before midnight are shorter than
    # MWAA's wake, so the platform never goes (only paging pauses).
    s = schedule(awakeHours="Mon-Sun 00:00-12:00; Mon-Sun 12:00-23:30")
    assert awake_fraction(s, "mwaa") == 1.0
    change = next_change(s, "mwaa", datetime(2026, 12, 9, tzinfo=UTC))
    assert change == (datetime(2026, 12, 9, 23, 30, tzinfo=UTC), "waking")
    # A 30-minute lunch gap is shorter than MWAA's 45-minute wake: never asleep at lunch.
    lunch = schedule(awakeHours="Mon-Fri 07:00-12:00; Mon-Fri 12:30-19:00")
    assert phase_at(lunch, "mwaa", at("2026-12-09T12:15:00Z")) == "waking"
    assert awake_fraction(lunch, "mwaa") == awake_fraction(schedule(awakeHours=WEEK_DAYS), "mwaa")


def test_the_awake_share_counts_the_early_wake() -> None:
    # 5 x (12 h + 45 min) of a 168-hour week.
    assert awake_fraction(BERLIN, "mwaa") == pytest.approx(5 * 12.75 / 168)
    assert awake_fraction(BERLIN, "eks") == pytest.approx(5 * (12 + 20 / 60) / 168)
    assert awake_fraction(schedule(), "mwaa") == 1.0
    assert awake_fraction(schedule(awake="false"), "mwaa") == 0.0
