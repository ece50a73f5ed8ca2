"""MWAA settings: the managed environment of the mwaa architecture."""

from __future__ import annotations

from pydantic import (
    field_validator,
    model_validator,
)

from components.settings.base import (
    _WINDOW,
    EndpointManagement,
    MwaaClass,
    WorkerReplacement,
    _check,
    _Group,
    _key,
)


class MwaaSettings(_Group):
    """Amazon MWAA (architecture mwaa). Limits from the MWAA CreateEnvironment API."""

    environment_class: MwaaClass = _key("mwaaEnvironmentClass", "mw1.small", "Environment class.")
    min_workers: int = _key(
        "mwaaMinWorkers", 1, "Minimum workers (1-25; 1 on mw1.micro).", ge=1, le=25
    )
    max_workers: int = _key(
        "mwaaMaxWorkers", 5, "Maximum workers (1-25; 1 on mw1.micro).", ge=1, le=25
    )
    schedulers: int = _key("mwaaSchedulers", 2, "Schedulers (2-5; 1 on mw1.micro).", ge=1, le=5)
    min_webservers: int = _key("mwaaMinWebservers", 2, "Minimum web servers (2-5).", ge=1, le=5)
    max_webservers: int = _key("mwaaMaxWebservers", 2, "Maximum web servers (2-5).", ge=1, le=5)
    maintenance_window: str = _key(
        "mwaaMaintenanceWindow", "SUN:03:00", "Weekly maintenance start, DAY:HH:(00|30) UTC."
    )
    public_webserver: bool = _key(
        "mwaaPublicWebserver", False, "Opt in to a public web server (PUBLIC_ONLY)."
    )
    endpoint_management: EndpointManagement = _key(
        "mwaaEndpointManagement",
        "SERVICE",
        "Who creates MWAA's VPC endpoints: SERVICE (MWAA) or CUSTOMER (the owner of a shared "
        "VPC, from the endpoint services the stack exports; needs existingVpcId).",
    )
    worker_replacement_strategy: WorkerReplacement = _key(
        "mwaaWorkerReplacementStrategy",
        "GRACEFUL",
        "How an update replaces workers: GRACEFUL (running tasks finish, up to 12 hours, "
        "before a worker stops) or FORCED (workers stop at once; their running tasks fail).",
    )

    @field_validator("maintenance_window")
    @classmethod
    def _window(cls, value: str) -> str:
        _check(bool(_WINDOW.match(value)), "is not DAY:HH:MM with DAY MON..SUN and MM 00 or 30")
        return value

    @model_validator(mode="after")
    def _limits(self) -> MwaaSettings:
        errors = []
        if self.min_workers > self.max_workers:
            errors.append(
                f"mwaaMinWorkers: {self.min_workers} is more than mwaaMaxWorkers {self.max_workers}"
            )
        if self.min_webservers > self.max_webservers:
            errors.append(
                f"mwaaMinWebservers: {self.min_webservers} is more than mwaaMaxWebservers "
                f"{self.max_webservers}"
            )
        micro = self.environment_class == "mw1.micro"
        low = 1 if micro else 2
        # mw1.micro runs the scheduler and the worker in one container (AWS launch post,
        # "Amazon MWAA micro environments"): one worker, never more.
        for key, value in (
            ("mwaaMinWorkers", self.min_workers),
            ("mwaaMaxWorkers", self.max_workers),
        ):
            if micro and value != 1:
                errors.append(f"{key}: {value} is not allowed on mw1.micro, which runs exactly 1")
        for key, value in (
            ("mwaaSchedulers", self.schedulers),
            ("mwaaMinWebservers", self.min_webservers),
            ("mwaaMaxWebservers", self.max_webservers),
        ):
            if micro and value != 1:
                errors.append(f"{key}: {value} is not allowed on mw1.micro, which runs exactly 1")
            elif value < low:
                errors.append(f"{key}: {value} must be at least 2 (mw1.micro: exactly 1)")
        if errors:
            raise ValueError("\n".join(errors))
        return self
