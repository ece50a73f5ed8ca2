"""Airflow settings shared by both platforms: version and options."""

from __future__ import annotations

import re

from pydantic import (
    field_validator,
)

from components.settings.base import (
    _AIRFLOW_OPTION,
    MANAGED_AIRFLOW_OPTIONS,
    LogLevel,
    _check,
    _Group,
    _key,
    _unique,
)

# A release number; which releases each platform runs is the loader's cross check
# (versions.py's tables: MWAA's on a mwaa stack, the chart's on an eks stack).
_VERSION = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")


class AirflowSettings(_Group):
    """Airflow itself, the same on both platforms."""

    version: str = _key(
        "airflowVersion",
        "3.3.1",
        "Airflow version on both platforms (3.3.1: MWAA's newest, docs/versions.md).",
    )
    config_options: tuple[str, ...] = _key(
        "airflowConfigOptions",
        (),
        "Extra Airflow options, each 'section.key=value' (e.g. core.default_timezone=utc).",
    )
    log_level: LogLevel = _key("airflowLogLevel", "INFO", "Level of every Airflow log type.")

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        _check(bool(_VERSION.match(value)), "is not an Airflow release number (e.g. 3.3.1)")
        return value

    @field_validator("config_options")
    @classmethod
    def _options(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        keys = []
        for entry in value:
            key, sep, _ = entry.partition("=")
            _check(
                bool(sep) and "." in key and bool(_AIRFLOW_OPTION.match(key)),
                f"entry {entry!r} is not 'section.key=value' with a lower-case key",
            )
            _check(
                key not in MANAGED_AIRFLOW_OPTIONS,
                f"entry {entry!r} sets {key}, which the program manages",
            )
            keys.append(key)
        _unique(keys, "keys")
        return value

    @property
    def options(self) -> dict[str, str]:
        """The extra options as a map `section.key -> value`."""
        return dict(entry.split("=", 1) for entry in self.config_options)
