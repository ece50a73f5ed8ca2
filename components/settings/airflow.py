"""Airflow settings shared by both platforms: version and options."""

from __future__ import annotations

import re

from pydantic import (
    field_validator,
    model_validator,
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
from components.settings.versions import AIRFLOW_3_RENAMED_OPTIONS, airflow_major

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

    @model_validator(mode="after")
    def _names_of_this_version(self) -> AirflowSettings:
        # An option under the other major version's name would reach Airflow beside the
        # program's own and be ignored there: the stack's value would silently not apply.
        airflow_3 = airflow_major(self.version) >= 3
        unread = (  # the names this version does not read -> the name it reads instead
            {old: new for new, old in AIRFLOW_3_RENAMED_OPTIONS.items()}
            if airflow_3
            else dict(AIRFLOW_3_RENAMED_OPTIONS)
        )
        other = "Airflow 2's" if airflow_3 else "Airflow 3's"
        errors = [
            f"airflowConfigOptions: {key} is {other} name, which Airflow {self.version} does "
            f"not read; set {unread[key]}"
            for key in self.options
            if key in unread
        ]
        if errors:
            raise ValueError("\n".join(errors))
        return self

    @property
    def options(self) -> dict[str, str]:
        """The extra options as a map `section.key -> value`."""
        return dict(entry.split("=", 1) for entry in self.config_options)
