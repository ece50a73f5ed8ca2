"""Airflow's statsd names as the local platform sends them, and the Prometheus series the
chart's statsd-exporter makes of them.

The capture (monitoring/statsd-capture.yaml) is written by a real `make e2e` run
(STATSD_CAPTURE_WRITE=1, tests/local/e2e/test_metrics.py). The series come from it through the
mapping file of the pinned Airflow chart (`files/statsd-mappings.yml`, read from the package),
applied as statsd_exporter applies it: mappings in file order, `*` one dot-separated part of a
glob, regexes searched; an unmatched name keeps its dots as underscores. Counters and gauges
keep their name; a timer becomes a summary: `name{quantile}`, `name_sum`, `name_count`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from components.charts import pinned
from tools.charts.packages import read_member

CAPTURE = Path(__file__).resolve().parents[2] / "monitoring" / "statsd-capture.yaml"
TIMER_TYPES = frozenset({"ms", "h", "d"})
STATSD_TYPES = frozenset({"c", "g", "s", *TIMER_TYPES})

HEADER = """\
# Airflow's statsd names as the local platform sent them in a real `make e2e` run (the
# prod-like configuration, Airflow {version}, {date}), one `name|type` each: c counter,
# g gauge, ms timer. tests/monitoring/test_monitoring_capture.py derives the Prometheus series
# from them through the chart's statsd mappings and holds monitoring/metrics.yaml and the
# promtool input series to those series.
#
# Refresh after an Airflow upgrade (rewrites `captured`, keeps `not_sent`):
#   STATSD_CAPTURE_WRITE=1 E2E_PORT_BASE=18000 make e2e
"""
NOT_SENT_COMMENT = """\
# Names a rule or dashboard reads that a `make e2e` run gives Airflow no occasion to send, as
# Airflow's metrics registry names and types them, and why. The e2e and the unit test fail
# once one of them is captured (then move it to `captured`).
"""


@dataclass(frozen=True)
class Series:
    """A Prometheus series name and the names of its labels."""

    name: str
    labels: frozenset[str]


@dataclass(frozen=True)
class Capture:
    airflow_version: str
    captured: frozenset[str]
    """`name|type` lines a real run received."""
    not_sent: Mapping[str, str]
    """`name|type` -> why an e2e run never sends it."""


def parse_line(line: str) -> tuple[str, str] | None:
    """(name, type) of one statsd line `name:value|type[|@rate][|#tags]`, None if it is not."""
    name, _, rest = line.partition(":")
    fields = rest.split("|")
    if not name or len(fields) < 2 or fields[1] not in STATSD_TYPES:
        return None
    return name, fields[1]


def load(path: Path = CAPTURE) -> Capture:
    doc = yaml.safe_load(path.read_text())
    return Capture(
        airflow_version=str(doc["airflow_version"]),
        captured=frozenset(doc["captured"]),
        not_sent=dict(doc.get("not_sent") or {}),
    )


def write(names: Iterable[str], airflow_version: str, path: Path = CAPTURE) -> None:
    """Record a run's `name|type` lines (Airflow's own, `airflow.` prefix), keeping not_sent."""
    not_sent = load(path).not_sent if path.exists() else {}
    header = HEADER.format(version=airflow_version, date=datetime.now(UTC).date().isoformat())
    body = yaml.safe_dump(
        {
            "airflow_version": airflow_version,
            "captured": sorted(n for n in set(names) if n.startswith("airflow.")),
        },
        sort_keys=False,
        width=100,
    )
    not_sent_text = yaml.safe_dump({"not_sent": dict(sorted(not_sent.items()))}, width=100)
    path.write_text(f"{header}{body}{NOT_SENT_COMMENT}{not_sent_text}")


@dataclass(frozen=True)
class _Mapping:
    pattern: re.Pattern[str]
    glob: bool
    name: str
    labels: frozenset[str]


@cache
def chart_mappings() -> tuple[_Mapping, ...]:
    """The mappings of the pinned Airflow chart's statsd-exporter, in file order."""
    doc: dict[str, Any] = yaml.safe_load(
        read_member(pinned("airflow"), "files/statsd-mappings.yml")
    )
    mappings = []
    for entry in doc["mappings"]:
        glob = entry.get("match_type", "glob") == "glob"
        if glob:
            parts = (re.escape(part) for part in entry["match"].split("*"))
            pattern = re.compile("^" + "([^.]+)".join(parts) + "$")
        else:
            pattern = re.compile(entry["match"])
        labels = frozenset(entry.get("labels") or {})
        mappings.append(_Mapping(pattern, glob, entry["name"], labels))
    return tuple(mappings)


def prometheus_series(statsd_name: str, statsd_type: str) -> set[Series]:
    """The series the chart's statsd-exporter serves for one statsd name and type."""
    for mapping in chart_mappings():
        found = (
            mapping.pattern.match(statsd_name)
            if mapping.glob
            else mapping.pattern.search(statsd_name)
        )
        if found:
            base = Series(mapping.name, mapping.labels)
            break
    else:
        base = Series(re.sub(r"[^a-zA-Z0-9_]", "_", statsd_name), frozenset())
    if statsd_type not in TIMER_TYPES:
        return {base}
    return {
        Series(base.name, base.labels | {"quantile"}),
        Series(f"{base.name}_sum", base.labels),
        Series(f"{base.name}_count", base.labels),
    }


def series_of(lines: Iterable[str]) -> set[Series]:
    """Every series a set of `name|type` lines becomes."""
    series: set[Series] = set()
    for line in lines:
        name, _, statsd_type = line.rpartition("|")
        series |= prometheus_series(name, statsd_type)
    return series


def series_names(series: Iterable[Series]) -> set[str]:
    return {s.name for s in series}


_SELECTOR = re.compile(r"^\s*([A-Za-z_:][\w:]*)\s*(?:\{(.*)\})?\s*$")
_LABEL = re.compile(r"([A-Za-z_]\w*)\s*=")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def parse_selector(text: str) -> Series:
    """Name and label names of a promtool input series such as `m{a="b", c="d"}`."""
    found = _SELECTOR.match(text)
    if found is None:
        raise ValueError(f"not a series: {text!r}")
    labels = frozenset(_LABEL.findall(_QUOTED.sub('""', found.group(2) or "")))
    return Series(found.group(1), labels)
