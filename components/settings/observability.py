"""Observability settings: dashboards, alarms and Prometheus."""

from __future__ import annotations

from components.settings.base import _Group, _key


class ObservabilitySettings(_Group):
    """Alarm thresholds (CloudWatch) shared by both platforms."""

    queued_task_age_seconds: int = _key(
        "alarmQueuedTaskAgeSeconds",
        1800,
        "Oldest queued task age that alarms (s).",
        ge=60,
        le=86400,
    )
    cpu_percent: int = _key("alarmCpuPercent", 90, "CPU utilisation that alarms (%).", ge=1, le=100)
    memory_percent: int = _key(
        "alarmMemoryPercent", 90, "Memory utilisation that alarms (%).", ge=1, le=100
    )
    task_failures: int = _key(
        "alarmTaskFailures", 5, "Task failures in 15 minutes that alarm.", ge=1, le=100000
    )
    db_freeable_memory_mib: int = _key(
        "alarmDbFreeableMemoryMib",
        512,
        "Metadata DB freeable memory floor (MiB).",
        ge=16,
        le=1048576,
    )
    db_free_storage_gib: int = _key(
        "alarmDbFreeStorageGib", 5, "Metadata DB free storage floor (GiB).", ge=1, le=65536
    )
    db_connections: int = _key(
        "alarmDbConnections", 150, "Metadata DB connections that alarm.", ge=1, le=100000
    )
