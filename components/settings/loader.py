"""The whole: every group of one stack, read from its config and validated in one place
(`load`), with the checks that span groups."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from typing import Any, TypeVar, get_args
from urllib.parse import urlparse

import pulumi
from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
)
from pydantic.fields import FieldInfo

from components.settings.access import CLEAR_SECRET_HINT, CLEAR_SECRET_KEYS, AccessSettings
from components.settings.airflow import AirflowSettings
from components.settings.alerting import AlertingSettings
from components.settings.base import (
    _ECR_REGISTRY,
    _ENV_NAME,
    _REGION,
    ENV_NAME_RULE,
    Architecture,
    SettingsError,
    _Group,
)
from components.settings.eks import EksSettings
from components.settings.mwaa import MwaaSettings
from components.settings.network import NetworkSettings
from components.settings.observability import ObservabilitySettings
from components.settings.schedule import ScheduleSettings
from components.settings.stack import StackSettings
from components.settings.versions import (
    CHART_AIRFLOW_VERSIONS,
    MWAA_AIRFLOW_VERSIONS,
    NO_GRACEFUL_REGIONS,
)


class Settings(BaseModel):
    """All settings of one stack. Components receive the groups they need."""

    model_config = ConfigDict(frozen=True)

    project: str
    stack: str
    region: str
    stack_settings: StackSettings
    network: NetworkSettings
    alerting: AlertingSettings
    airflow: AirflowSettings
    mwaa: MwaaSettings
    eks: EksSettings
    observability: ObservabilitySettings
    access: AccessSettings
    schedule: ScheduleSettings

    @property
    def architecture(self) -> Architecture:
        return self.stack_settings.architecture

    @property
    def environment_name(self) -> str:
        return self.stack_settings.environment_name or f"airflow-{self.stack}"

    @property
    def mwaa_private_web_server(self) -> bool:
        """MWAA with a PRIVATE_ONLY web server (the network gives it an `airflow.env` endpoint)."""
        return self.architecture == "mwaa" and not self.mwaa.public_webserver

    @property
    def protect(self) -> bool:
        return self.stack_settings.protect

    @property
    def tags(self) -> dict[str, str]:
        """Cost-allocation tags on every taggable resource (provider default tags)."""
        return {
            "Project": self.project,
            "Environment": self.stack,
            "ManagedBy": "pulumi",
            "Owner": self.stack_settings.owner,
            "CostCenter": self.stack_settings.cost_center,
        }

    @property
    def policy_exceptions(self) -> dict[str, str]:
        return {
            name.strip(): reason.strip()
            for name, _, reason in (e.partition(":") for e in self.stack_settings.policy_exceptions)
        }


GROUPS: dict[str, type[_Group]] = {
    "stack_settings": StackSettings,
    "network": NetworkSettings,
    "alerting": AlertingSettings,
    "airflow": AirflowSettings,
    "mwaa": MwaaSettings,
    "eks": EksSettings,
    "observability": ObservabilitySettings,
    "access": AccessSettings,
    "schedule": ScheduleSettings,
}


def known_keys() -> dict[str, FieldInfo]:
    """Every config key of the project, with its field (type, default, description)."""
    return {
        str(info.alias): info for group in GROUPS.values() for info in group.model_fields.values()
    }


def load(project: str, stack: str, config: Mapping[str, Any]) -> Settings:
    """Validate a stack's config (full keys, e.g. `airflow:azCount`) into Settings.

    Raises SettingsError listing every mistake, one line each, before anything is declared.
    """
    region = config.get("aws:region")
    prefix = f"{project}:"
    raw = {k[len(prefix) :]: _decode(v) for k, v in config.items() if k.startswith(prefix)}
    errors = _unknown_keys(raw)
    if not region:
        errors.append("aws:region: is required (pulumi config set aws:region <region>)")
    elif not _REGION.match(str(region)):
        errors.append(f"aws:region: {region!r} is not an AWS region name (e.g. us-east-1)")

    groups: dict[str, _Group] = {}
    for attr, group in GROUPS.items():
        aliases = {str(f.alias) for f in group.model_fields.values()}
        try:
            groups[attr] = group.model_validate({k: v for k, v in raw.items() if k in aliases})
        except ValidationError as exc:
            errors.extend(_describe(group, exc))
    if not errors:
        errors.extend(_cross_checks(stack, str(region), groups))
    if errors:
        raise SettingsError("\n".join(errors))
    network = groups["network"]
    assert isinstance(network, NetworkSettings)
    groups["network"] = network.resolved(str(raw["architecture"]))
    return Settings(project=project, stack=stack, region=str(region), **groups)  # type: ignore[arg-type]


def from_pulumi() -> Settings:
    """Read this stack's config the way `pulumi up` passes it to the program."""
    from pulumi.runtime import config as runtime_config

    config: dict[str, Any] = dict(runtime_config.get_config_env())
    config.update(runtime_config.CONFIG.get())
    return load(pulumi.get_project(), pulumi.get_stack(), config)


_G = TypeVar("_G", bound=_Group)


def _group(groups: Mapping[str, _Group], attr: str, kind: type[_G]) -> _G:
    """One validated group, typed as what it is."""
    group = groups[attr]
    assert isinstance(group, kind)
    return group


def _cross_checks(stack_name: str, region: str, groups: Mapping[str, _Group]) -> list[str]:
    stack = _group(groups, "stack_settings", StackSettings)
    eks = _group(groups, "eks", EksSettings)
    airflow = _group(groups, "airflow", AirflowSettings)
    network = _group(groups, "network", NetworkSettings)
    mwaa = _group(groups, "mwaa", MwaaSettings)
    access = _group(groups, "access", AccessSettings)
    schedule = _group(groups, "schedule", ScheduleSettings)
    errors = access.stack_errors(stack.architecture)
    if stack.protect and schedule.scheduled and not schedule.sleep_while_protected:
        what = "awakeHours" if schedule.awake_hours else "awake: false"
        errors.append(
            f"{what}: a protected stack (protect: true) does not sleep by accident; set "
            "sleepWhileProtected: true if it should (docs/sleep.md)"
        )
    if mwaa.endpoint_management == "CUSTOMER" and not network.existing:
        errors.append(
            "mwaaEndpointManagement: CUSTOMER needs existingVpcId (a shared VPC whose owner "
            "creates the endpoints); a VPC the program creates uses SERVICE"
        )
    if (
        stack.architecture == "mwaa"
        and mwaa.worker_replacement_strategy == "GRACEFUL"
        and region in NO_GRACEFUL_REGIONS
    ):
        errors.append(
            f"mwaaWorkerReplacementStrategy: GRACEFUL is not offered in {region} (MWAA has no "
            "graceful updates there yet); set FORCED"
        )
    if stack.architecture == "mwaa" and airflow.version not in MWAA_AIRFLOW_VERSIONS:
        errors.append(
            f"airflowVersion: {airflow.version!r} is not in MWAA's version table "
            f"({', '.join(MWAA_AIRFLOW_VERSIONS)}); if MWAA offers it, add it to "
            "MWAA_AIRFLOW_VERSIONS in components/settings/versions.py citing AWS's source (the "
            "MWAA user guide's 'Apache Airflow versions' page or aws/amazon-mwaa-docker-images "
            "images/airflow/<version>, with commit and date)"
        )
    derived = f"airflow-{stack_name}"
    if not stack.environment_name and not _ENV_NAME.match(derived):
        errors.append(
            f"environmentName: {derived!r} (from the stack name) {ENV_NAME_RULE}; "
            "set environmentName"
        )
    if stack.architecture == "eks":
        if not eks.dags_repo_url:
            errors.append(
                "dagsRepoUrl: is required on eks (the repository git-sync pulls dags/ from)"
            )
        if network.egress == "endpoints" and not network.existing:
            errors += _git_without_internet(eks)
        if network.egress == "endpoints" and not network.existing and not eks.image_registry:
            errors.append(
                "eksImageRegistry: is required on eks with egress endpoints (the charts' public "
                "registries are out of reach; an ECR pull-through cache, see docs/network.md)"
            )
        registry = _ECR_REGISTRY.match(eks.image_registry)
        if registry and registry.group(1) != region:
            errors.append(
                f"eksImageRegistry: is in {registry.group(1)}, not in aws:region {region} "
                "(the VPC's ECR endpoints reach only their own region)"
            )
        if airflow.version not in CHART_AIRFLOW_VERSIONS:
            errors.append(
                f"airflowVersion: {airflow.version!r} is not one the eks platform runs "
                f"({', '.join(CHART_AIRFLOW_VERSIONS)})"
            )
    return errors


def _git_without_internet(eks: EksSettings) -> list[str]:
    """git-sync's init container must clone before any Airflow pod is Ready: a Git host the VPC
    cannot reach fails the atomic Helm release, and with it the whole `pulumi up`."""
    host = urlparse(eks.dags_repo_url).hostname or eks.dags_repo_url
    if not eks.dags_repo_vpc_host:
        return [
            f"dagsRepoUrl: git-sync cannot reach {host} with egress endpoints (no internet): "
            "the pods never become Ready and the release rolls back; serve the repository "
            "from a Git host inside the VPC and name it in dagsRepoVpcHost, or use egress: nat"
        ]
    if eks.dags_repo_vpc_host != host:
        return [
            f"dagsRepoVpcHost: {eks.dags_repo_vpc_host!r} is not the host of dagsRepoUrl "
            f"({host}); git-sync clones from dagsRepoUrl"
        ]
    return []


def _decode(value: Any) -> Any:
    """Config values reach the program as strings; arrays arrive as JSON text."""
    if isinstance(value, str) and value[:1] in "[{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


# Settings the project dropped, with what replaced them.
RETIRED_KEYS = {
    "airflowChartVersion": "charts.lock.yaml pins every chart version now (docs/charts.md); "
    "remove it from the stack file",
    "eksPreviewRoleArns": "move its roles to eksViewerRoleArns: the CI preview role needs view "
    "only (bootstrap/README.md)",
}


def _unknown_keys(raw: Mapping[str, Any]) -> list[str]:
    known = list(known_keys())
    errors = []
    for key in sorted(set(raw) - set(known)):
        close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}?" if close else "see Pulumi.yaml for the known settings"
        hint = RETIRED_KEYS.get(key, hint)
        if key in CLEAR_SECRET_KEYS:
            errors.append(f"{key}: {CLEAR_SECRET_HINT}")
            continue
        errors.append(f"{key}: is not a setting of this project; {hint}")
    return errors


_PHRASES = {
    "greater_than_equal": "must be at least {ge}",
    "less_than_equal": "must be at most {le}",
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be a string",
    "tuple_type": "must be a list",
    "list_type": "must be a list",
    "missing": "is required",
}


def _describe(group: type[_Group], exc: ValidationError) -> list[str]:
    """Turn pydantic's errors into one line per mistake, naming the config key."""
    lines = []
    by_alias = {str(f.alias): f for f in group.model_fields.values()}
    for error in exc.errors():
        loc = error["loc"]
        key = str(loc[0]) if loc else ""
        where = key + "".join(f"[{i}]" for i in loc[1:])
        value = error.get("input")
        shown = "" if error["type"] == "missing" or not key else f"{value!r} "
        kind = error["type"]
        if kind == "value_error":
            message = str(error["msg"]).removeprefix("Value error, ")
            if not key:  # model validators already name their keys
                lines.extend(message.splitlines())
                continue
            shown = "" if message.startswith("entry ") else shown
            lines.extend(f"{where}: {shown}{line}" for line in message.splitlines())
        elif kind == "literal_error":
            allowed = ", ".join(str(a) for a in get_args(_annotation(by_alias[key])) if a != "")
            lines.append(f"{where}: {shown}is not one of {allowed}")
        else:
            phrase = _PHRASES.get(kind, str(error["msg"]).lower()).format(**error.get("ctx", {}))
            lines.append(f"{where}: {shown}{phrase}")
    return lines


def _annotation(field: FieldInfo) -> Any:
    annotation = field.annotation
    while get_args(annotation) and not isinstance(get_args(annotation)[0], str):
        annotation = get_args(annotation)[0]
    return annotation
