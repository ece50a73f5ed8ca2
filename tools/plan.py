"""Offline plan: run the Pulumi program under mocks for one stack, no AWS, no Pulumi CLI.

    python -m tools.plan --stack dev [--format text|json|markdown] [--at 2026-12-08T22:00Z]

Reads `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the CLI does (project defaults applied,
secure values replaced by placeholders), runs `__main__.py`, and reports the resource tree
grouped by component, the key settings, the estimated monthly cost and the policy findings.
A stack that sleeps (docs/sleep.md) is planned as it is at `--at` (default: now), with its
phase, its next change and its month with the schedule beside the month always on.
Bad settings fail with the same lines `pulumi up` shows.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import runpy
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from components.charts import pinned
from components.schedule import AT_VARIABLE, next_change, parse_time, phase_at
from components.yaml_files import read_yaml
from tools.worker_replacement import load_previous, updates_without_strategy

ROOT = Path(__file__).resolve().parent.parent
SECRET_PLACEHOLDER = "plan-placeholder-secret"


class PlanError(Exception):
    """The stack cannot be planned; the message is what the user should read."""


@dataclass
class Plan:
    """Everything one offline run of the program produced."""

    project: str
    stack: str
    config: dict[str, str]
    registrations: list[Any]
    outputs: dict[str, Any]
    settings: Any
    seconds: float
    """Wall-clock time of the run (what a user waits; varies with the machine's load)."""
    cpu_seconds: float
    """CPU time of the process during the run: the budget tests hold, load-independent."""
    cost: Any = None
    findings: list[Any] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the program warned about (`pulumi.log.warn`), as `pulumi preview` shows it."""
    egress: Any = None
    """The stack's monthly cost with NAT and with interface endpoints (created VPCs)."""
    at: Any = None
    """The time the program decided the stack's phase for."""
    phase: str | None = None
    """What the program decided the stack is at `at`: awake, waking or asleep."""
    root: Path = ROOT
    """The project directory planned."""
    schedule: Any = None
    """A stack that sleeps: the month with the schedule and always on (finops.schedule)."""
    staying: list[Any] = field(default_factory=list)
    """A stack that sleeps: what costs money while asleep, (name, type, USD a month)."""

    def resources(self) -> list[dict[str, Any]]:
        """Planned resources as plain dicts (type, name, inputs, provider)."""
        return [r.as_dict() for r in self.registrations]

    def components(self) -> list[Any]:
        """The program's own ComponentResources (type tokens `airflow:<module>:<Type>`)."""
        return [r for r in self.registrations if not r.custom and r.type.startswith("airflow:")]

    def cloud_resources(self) -> list[Any]:
        """Everything else but providers: custom resources, and remote components such as
        pulumi-eks's Cluster, which a real preview expands into the resources it manages."""
        return [r for r in self.registrations if not r.type.startswith(("pulumi:", "airflow:"))]


def stack_config(stack: str, root: Path = ROOT) -> tuple[str, dict[str, str]]:
    """The project name and the config map the CLI would hand the program for `stack`."""
    project_file = root / "Pulumi.yaml"
    stack_file = root / f"Pulumi.{stack}.yaml"
    if not stack_file.exists():
        known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))
        raise PlanError(f"stack {stack!r} has no Pulumi.{stack}.yaml (known: {', '.join(known)})")
    project = read_yaml(project_file)
    name = str(project["name"])
    declared: dict[str, Any] = project.get("config") or {}
    values: dict[str, Any] = (read_yaml(stack_file) or {}).get("config") or {}

    config: dict[str, str] = {}
    for key, spec in declared.items():
        full = key if ":" in key else f"{name}:{key}"
        if isinstance(spec, dict) and "default" in spec:
            config[full] = _wire(spec["default"])
        elif isinstance(spec, dict) and "value" in spec:
            config[full] = _wire(spec["value"])
    for key, value in values.items():
        config[key] = _wire(value)
    missing = [
        k
        for k, spec in declared.items()
        if ":" not in k
        and isinstance(spec, dict)
        and "default" not in spec
        and f"{name}:{k}" not in config
    ]
    if missing:
        raise PlanError(f"Stack '{stack}' is missing configuration value '{missing[0]}'")
    return name, config


def _wire(value: Any) -> str:
    """Config values as the CLI passes them: strings, structured values as JSON."""
    if isinstance(value, dict) and set(value) == {"secure"}:
        return SECRET_PLACEHOLDER
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value)


def run(
    stack: str,
    root: Path = ROOT,
    overrides: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Plan:
    """Run the program for `stack` under mocks and return what it declared, as the program
    decides at `at` (default: now; the program reads it from $AIRFLOW_STACK_AT)."""
    import pulumi
    from pulumi.runtime import settings as runtime_settings
    from pulumi.runtime.sync_await import _sync_await

    from components.settings import SettingsError
    from tools.mocks import AwsMocks, RecordingMonitor, run_mocked

    started = time.perf_counter()
    cpu_started = time.process_time()
    project, config = stack_config(stack, root)
    config.update({k: _wire(v) for k, v in (overrides or {}).items()})
    mocks = AwsMocks(region=config.get("aws:region", "us-east-1"))
    notes = _NoteCollector()
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))

    namespace: dict[str, Any] = {}

    def program() -> None:
        namespace.update(runpy.run_path(str(root / "__main__.py"), run_name="__pulumi_plan__"))

    saved = os.environ.get(AT_VARIABLE)
    if at is not None:
        os.environ[AT_VARIABLE] = at.isoformat()
    try:
        run_mocked(
            program,
            mocks,
            project=project,
            stack=stack,
            preview=True,
            monitor=RecordingMonitor(mocks),
            logger=notes.logger(stack),
            config=config,
        )
    except SettingsError as exc:
        raise PlanError(str(exc)) from None
    finally:
        notes.detach()
        if at is not None:
            _restore(AT_VARIABLE, saved)
    stack_resource = runtime_settings.get_root_resource()
    outputs = {
        k: _sync_await(pulumi.Output.from_input(v).future())
        for k, v in getattr(stack_resource, "outputs", {}).items()
    }
    return Plan(
        project=project,
        stack=stack,
        config=config,
        registrations=list(mocks.registrations),
        outputs=outputs,
        settings=namespace.get("settings"),
        seconds=time.perf_counter() - started,
        cpu_seconds=time.process_time() - cpu_started,
        notes=notes.messages,
        at=namespace.get("at"),
        phase=namespace.get("phase"),
        root=root,
    )


def _restore(variable: str, value: str | None) -> None:
    if value is None:
        os.environ.pop(variable, None)
    else:
        os.environ[variable] = value


class _NoteCollector(logging.Handler):
    """Keeps the warnings the program logs (the engine's log, under mocks a logger)."""

    def __init__(self) -> None:
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []
        self._logger = logging.getLogger(__name__)

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message not in self.messages:
            self.messages.append(message)

    def logger(self, stack: str) -> logging.Logger:
        """The stack's logger (one per stack name, reused by every run), collecting into this
        run until `detach`."""
        self._logger = logging.getLogger(f"tools.plan.{stack}")
        self._logger.propagate = False
        self._logger.setLevel(logging.WARNING)
        self._logger.addHandler(self)
        return self._logger

    def detach(self) -> None:
        """Stop collecting: the next run of the same stack gets its own notes."""
        self._logger.removeHandler(self)


def plan_resources(stack: str) -> list[dict[str, Any]]:
    """The planned resources of `stack` awake, as plain dicts: the cost curve compares the
    platforms as they run, whatever the hour (a sleeping dev has no environment to price)."""
    project, _ = stack_config(stack, ROOT)
    return run(stack, overrides={f"{project}:awake": True}).resources()


# ---------------------------------------------------------------------- report


def component_tree(plan: Plan) -> list[tuple[int, str, str, Counter[str]]]:
    """Components depth-first from the stack: (depth, type, name, resources by type)."""
    components = plan.components()
    counts: dict[str, Counter[str]] = {c.urn: Counter() for c in components}
    for r in plan.cloud_resources():
        if r.parent in counts:
            counts[r.parent][r.type] += 1
    children: dict[str, list[Any]] = {}
    for c in components:
        children.setdefault(c.parent, []).append(c)
    known = {c.urn for c in components}
    tree: list[tuple[int, str, str, Counter[str]]] = []

    def visit(component: Any, depth: int) -> None:
        tree.append((depth, component.type, component.name, counts[component.urn]))
        for child in children.get(component.urn, []):
            visit(child, depth + 1)

    for root in (c for c in components if c.parent not in known):
        visit(root, 0)
    return tree


def _short_type(token: str) -> str:
    return token.rsplit(":", maxsplit=1)[-1] if token.count(":") == 2 else token


def key_settings(plan: Plan) -> dict[str, Any]:
    s = plan.settings
    if s is None:
        return {}
    common = {
        "architecture": s.architecture,
        "environment": s.environment_name,
        "region": s.region,
        **_network_settings(s.network),
        "Airflow": s.airflow.version,
        "protect stateful resources": s.protect,
        "log retention (days)": s.stack_settings.log_retention_days,
    }
    if s.architecture == "mwaa":
        m = s.mwaa
        common |= {
            "MWAA class": m.environment_class,
            "workers": f"{m.min_workers}-{m.max_workers}",
            "web access": "PUBLIC_ONLY" if m.public_webserver else "PRIVATE_ONLY",
        }
    else:
        e = s.eks
        common |= {
            "Kubernetes": e.kubernetes_version,
            "chart": f"airflow {pinned('airflow').version}",
            "worker nodes": f"{e.worker_capacity_type} {e.worker_min_nodes}-{e.worker_max_nodes}",
            "Celery workers (KEDA)": f"{e.min_workers}-{e.max_workers}",
            "database": f"{e.db_instance_class}{' Multi-AZ' if e.db_multi_az else ''}",
            "queue": e.queue_mode,
        }
    outputs = plan.outputs
    common |= {
        "alert topic": _name_of(outputs.get("alertTopicArn")) + " (e-mail, SMS, HTTPS, push)",
        "chat topic": _name_of(outputs.get("chatTopicArn")) + " (Slack, Teams via AWS Chatbot)",
        "web UI": outputs.get("webUrl", "unknown"),
    }
    return common


def _network_settings(network: Any) -> dict[str, Any]:
    if network.existing:
        return {
            "network": f"existing VPC {network.existing_vpc_id}",
            "private subnets": ", ".join(network.existing_private_subnet_ids),
        }
    egress = f"NAT {network.nat_strategy}" if network.egress == "nat" else "interface endpoints"
    return {"network": f"created VPC {network.cidr}", "availability zones": network.az_count,
            "egress": egress}  # fmt: skip


def chart_summary(plan: Plan) -> list[dict[str, Any]]:
    """Each Helm release: chart, pinned version and, when Helm is cached (`make charts`), how
    many manifests it renders. The plan never downloads: without Helm the count is None."""
    if plan.settings is None or plan.settings.architecture != "eks":
        return []
    from tools.charts.helm import HelmError, helm_cached, manifest_count
    from tools.charts.packages import ChartPackageError
    from tools.charts.releases import planned_releases

    releases = planned_releases(plan.resources(), plan.settings.eks.kubernetes_version)
    summary = []
    for r in releases:
        count: int | None = None
        if helm_cached():
            try:
                count = manifest_count(r.request)
            except (ChartPackageError, HelmError):
                count = None
        summary.append(
            {
                "release": r.request.release,
                "namespace": r.request.namespace,
                "chart": r.request.pin.chart,
                "version": r.request.pin.version,
                "manifests": count,
            }
        )
    return summary


def image_sources(plan: Plan) -> list[dict[str, str]]:
    """Every image the stack's releases run, with the registry it is pulled from and how
    (Docker Hub's anonymous pulls are capped at 10 an hour per address). Read from the
    releases as rendered with the planned values, so it needs Helm cached (`make charts`):
    without it, an empty list and the text says so."""
    if plan.settings is None or plan.settings.architecture != "eks":
        return []
    from tools.charts.helm import HelmError, helm_cached, template
    from tools.charts.images import host, how_pulled, images
    from tools.charts.packages import ChartPackageError
    from tools.charts.releases import planned_releases

    if not helm_cached():
        return []
    eks = plan.settings.eks
    cache = "" if eks.image_registry else eks.docker_hub_cache_prefix
    found = []
    for r in planned_releases(plan.resources(), eks.kubernetes_version):
        try:
            objects = template(r.request)
        except (ChartPackageError, HelmError):
            continue
        for image in sorted({image for _, image in images(objects)}):
            found.append(
                {
                    "chart": r.request.pin.chart,
                    "image": image,
                    "registry": host(image),
                    "pulled": how_pulled(image, cache),
                }
            )
    return found


def _name_of(arn: Any) -> str:
    """The resource name at the end of an ARN (`arn:aws:sns:<region>:<account>:<name>`)."""
    return str(arn).rsplit(":", maxsplit=1)[-1] if arn else "unknown"


def to_dict(plan: Plan) -> dict[str, Any]:
    cloud = plan.cloud_resources()
    return {
        "project": plan.project,
        "stack": plan.stack,
        "settings": key_settings(plan),
        "resources": {
            "total": len(cloud),
            "by_type": dict(sorted(Counter(r.type for r in cloud).items())),
            "components": [
                {"type": t, "name": n, "depth": d, "resources": sum(c.values())}
                for d, t, n, c in component_tree(plan)
            ],
            "items": [
                {"type": r.type, "name": r.name, "parent": r.parent.split("::")[-1]} for r in cloud
            ],
        },
        "charts": chart_summary(plan),
        "images": image_sources(plan),
        "outputs": {k: v for k, v in plan.outputs.items() if not _is_secret_output(k)},
        "cost": plan.cost.to_dict() if plan.cost is not None else None,
        "sleep": sleep_summary(plan),
        "egress": plan.egress.to_dict() if plan.egress is not None else None,
        "notes": list(plan.notes),
        "policy": [_finding_dict(f) for f in plan.findings],
    }


def _is_secret_output(name: str) -> bool:
    return name.lower() in {"kubeconfig"}


def _finding_dict(finding: Any) -> dict[str, Any]:
    if hasattr(finding, "as_dict"):
        return dict(finding.as_dict())
    return dict(vars(finding))


def to_text(plan: Plan) -> str:
    lines = [f"Plan for stack {plan.stack} ({plan.project}), offline under mocks", ""]
    lines += [f"  {k:<28} {v}" for k, v in key_settings(plan).items()]
    lines += ["", "Resources by component:"]
    for d, t, n, counts in component_tree(plan):
        total = sum(counts.values())
        lines.append(f"{'  ' * (d + 1)}{n} ({t}): {total} resources")
        for token, count in sorted(counts.items()):
            lines.append(f"{'  ' * (d + 2)}{count:>3} x {_short_type(token)}")
    lines.append(f"Total: {len(plan.cloud_resources())} cloud resources")
    lines += _chart_lines(chart_summary(plan))
    lines += _image_lines(plan)
    lines += ["", "Cost:"]
    lines.append(plan.cost.to_text() if plan.cost is not None else "  (estimator not available)")
    if plan.egress is not None:
        lines += ["Egress:", f"  {plan.egress.to_text()}"]
    lines += ["", "Sleep (docs/sleep.md):", *_sleep_lines(plan)]
    lines += ["", "Notes:"]
    lines += [f"  warning: {note}" for note in plan.notes] or ["  none"]
    lines += ["", "Policy findings:"]
    lines += _findings_lines(plan) or ["  none"]
    lines.append(f"\nPlanned in {plan.seconds:.2f} s ({plan.cpu_seconds:.2f} s CPU)")
    return "\n".join(lines)


def sleep_summary(plan: Plan) -> dict[str, Any]:
    """The stack's phase at the plan's time, its next change, and (when it sleeps) the month
    with the schedule beside the month always on, and what costs money while asleep."""
    s = plan.settings
    if s is None or plan.at is None:
        return {}
    change = next_change(s.schedule, s.architecture, plan.at)
    summary: dict[str, Any] = {
        "at": plan.at.isoformat(),
        "phase": phase_at(s.schedule, s.architecture, plan.at),
        "next_change": {"at": change[0].isoformat(), "phase": change[1]} if change else None,
        "awake_hours": s.schedule.awake_hours or "always",
        "timezone": s.schedule.timezone,
        "override": s.schedule.awake or None,
    }
    if plan.schedule is not None:
        summary["cost"] = plan.schedule.to_dict()
        summary["staying"] = [{"resource": n, "type": t, "monthly": c} for n, t, c in plan.staying]
    return summary


def _sleep_lines(plan: Plan) -> list[str]:
    summary = sleep_summary(plan)
    if not summary:
        return ["  (not planned at a time)"]
    change = summary["next_change"]
    lines = [
        f"  at {summary['at']}: {summary['phase']}"
        + (f"; next: {change['phase']} at {change['at']}" if change else "; it never changes"),
        f"  awake hours: {summary['awake_hours']} ({summary['timezone']})"
        + (f", override awake: {summary['override']}" if summary["override"] else ""),
    ]
    cost = summary.get("cost")
    if cost:
        lines += [
            f"  month with the schedule: ${cost['scheduled_monthly']:,.2f} "
            f"({cost['awake_hours_a_month']} h awake, early wake included); "
            f"always on: ${cost['always_on_monthly']:,.2f}; asleep all month: "
            f"${cost['asleep_monthly']:,.2f}",
            "  what stays and costs while asleep:",
        ]
        lines += [
            f"    {row['resource']:<44} {_short_type(row['type']):<18} ${row['monthly']:>8,.2f}"
            for row in summary["staying"]
        ]
    return lines


def _chart_lines(charts: list[dict[str, Any]]) -> list[str]:
    if not charts:
        return []
    lines = ["", "Helm charts (charts.lock.yaml):"]
    for c in charts:
        rendered = (
            f"{c['manifests']} manifests"
            if c["manifests"] is not None
            else "not rendered (run `make charts` to cache Helm)"
        )
        lines.append(
            f"  {c['chart']:<30} {c['version']:<9} {c['namespace']}/{c['release']}: {rendered}"
        )
    return lines


def _image_lines(plan: Plan) -> list[str]:
    if plan.settings is None or plan.settings.architecture != "eks":
        return []
    found = image_sources(plan)
    if not found:
        return ["", "Images: not listed (run `make charts` to cache Helm)"]
    lines = ["", "Images (as rendered; where each node pulls them from):"]
    lines += [f"  {i['chart']:<30} {i['image']}\n{'':<34}{i['pulled']}" for i in found]
    return lines


def _findings_lines(plan: Plan) -> list[str]:
    out = []
    for f in plan.findings:
        d = _finding_dict(f)
        tag = f"excepted: {d['excepted']}" if d.get("excepted") else d.get("level", "")
        out.append(f"  [{tag}] {d.get('policy')}: {d.get('resource_name', '')} {d.get('message')}")
    return out


def to_markdown(plan: Plan) -> str:
    cloud = plan.cloud_resources()
    lines = [f"### Plan: `{plan.stack}` ({len(cloud)} resources)", ""]
    lines += ["| setting | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in key_settings(plan).items()]
    lines += ["", "| component | type | resources |", "|---|---|---:|"]
    lines += [
        f"| {'&nbsp;' * 2 * d}{n} | `{t}` | {sum(c.values())} |"
        for d, t, n, c in component_tree(plan)
    ]
    charts = chart_summary(plan)
    if charts:
        lines += ["", "| Helm chart | version | release | manifests |", "|---|---|---|---:|"]
        lines += [
            f"| {c['chart']} | {c['version']} | {c['namespace']}/{c['release']} | "
            f"{c['manifests'] if c['manifests'] is not None else 'not rendered'} |"
            for c in charts
        ]
    if plan.settings is not None and plan.settings.architecture == "eks":
        found = image_sources(plan)
        lines += ["", "| Helm chart | image | pulled from |", "|---|---|---|"]
        lines += [f"| {i['chart']} | `{i['image']}` | {i['pulled']} |" for i in found] or [
            "| (not listed: run `make charts`) | | |"
        ]
    lines += ["", "#### Estimated monthly cost", ""]
    lines.append(plan.cost.to_markdown() if plan.cost is not None else "_estimator not available_")
    if plan.egress is not None:
        lines += ["", f"Egress: {plan.egress.to_text()}"]
    lines += ["", "#### Sleep", "", *(f"- {line.strip()}" for line in _sleep_lines(plan))]
    if plan.notes:
        lines += ["", "#### Notes", "", *(f"- {note}" for note in plan.notes)]
    lines += ["", "#### Policy findings", ""]
    findings = _findings_lines(plan)
    lines += [f"- {line.strip()}" for line in findings] or ["None."]
    return "\n".join(lines)


def enrich(plan: Plan) -> Plan:
    """Add the cost estimate and the policy findings to a plan."""
    resources = plan.resources()
    if plan.settings is None:
        return plan
    try:
        from finops import estimate, stack_usage
    except ImportError:
        pass
    else:
        usage = stack_usage(plan.stack)
        plan.cost = estimate(resources, region=plan.settings.region, usage=usage)
        plan.egress = _egress(plan, resources, usage)
        if plan.settings.schedule.scheduled:
            _schedule(plan, usage)
    try:
        from policy.rules.registry import evaluate
    except ImportError:
        pass
    else:
        plan.findings = list(evaluate(resources, plan.settings.policy_exceptions))
    return plan


def _schedule(plan: Plan, usage: dict[str, Any]) -> None:
    """Price the month of the stack awake and asleep. The plan itself is one of the two graphs
    (whichever phase it was planned in); the other is planned with the override."""
    from components.schedule import awake_fraction
    from finops import estimate
    from finops.schedule import ASLEEP_USAGE, schedule_cost, staying

    s = plan.settings
    reports = {}
    for awake, same_phase in (("true", "awake"), ("false", "asleep")):
        if plan.phase == same_phase:
            graph = plan
        else:
            overrides = {**plan.config, f"{plan.project}:awake": awake}
            graph = run(plan.stack, plan.root, overrides=overrides, at=plan.at)
        asleep = ASLEEP_USAGE if awake == "false" else {}
        reports[awake] = estimate(graph.resources(), region=s.region, usage={**usage, **asleep})
    fraction = awake_fraction(s.schedule, s.architecture)
    plan.schedule = schedule_cost(reports["true"], reports["false"], fraction)
    plan.staying = staying(reports["false"])


def _egress(plan: Plan, resources: list[dict[str, Any]], usage: dict[str, Any]) -> Any:
    """NAT versus interface endpoints for a VPC the program creates (None for an existing
    one: its egress is not ours to price)."""
    from components.network import (
        interface_endpoint_services,
        nat_endpoint_services,
        nat_endpoint_zones,
    )
    from components.settings import ARCHITECTURE_DEFAULTS
    from finops.egress import EgressShape, compare_egress

    s = plan.settings
    network = s.network
    if network.existing:
        return None
    # With egress endpoints natStrategy is empty: the NAT option is the architecture's.
    strategy = network.nat_strategy or ARCHITECTURE_DEFAULTS[s.architecture]["natStrategy"]
    shape = EgressShape(
        nat_gateways=1 if strategy == "single" else network.az_count,
        zones=network.az_count,
        endpoint_services=interface_endpoint_services(s.architecture),
        nat_endpoint_services=nat_endpoint_services(s.mwaa_private_web_server),
        nat_endpoint_zones=nat_endpoint_zones(strategy),
    )
    return compare_egress(resources, shape, current=network.egress, region=s.region, usage=usage)


def strategy_notes(plan: Plan, previous: dict[str, Any]) -> list[str]:
    """MWAA: the planned changes that pulumi-aws would send without the worker replacement
    strategy (tools/worker_replacement.py)."""
    if plan.settings is None or plan.settings.architecture != "mwaa":
        return []
    strategy = plan.settings.mwaa.worker_replacement_strategy
    return updates_without_strategy(previous, plan.outputs, strategy)


def main(argv: list[str] | None = None) -> int:
    # A short-lived command: the provider SDKs build thousands of classes on import and the
    # cyclic collector would rescan them again and again (about a third of the run time).
    gc.disable()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    parser.add_argument(
        "--previous",
        type=Path,
        help="`pulumi stack output --json` of the last deployment: warn on MWAA updates that "
        "would go out without the worker replacement strategy",
    )
    parser.add_argument(
        "--at", default="", help="plan the stack as it is at this ISO time (default: now)"
    )
    args = parser.parse_args(argv)
    try:
        at = parse_time(args.at) if args.at else None
    except ValueError as exc:
        print(f"error: --at: {exc}", file=sys.stderr)
        return 2
    try:
        plan = enrich(run(args.stack, at=at))
    except PlanError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.previous is not None:
        plan.notes += strategy_notes(plan, load_previous(args.previous))
    render = {"text": to_text, "markdown": to_markdown}.get(args.format)
    print(render(plan) if render else json.dumps(to_dict(plan), indent=2, default=str))
    mandatory = [
        f
        for f in plan.findings
        if _finding_dict(f).get("level") == "mandatory" and not _finding_dict(f).get("excepted")
    ]
    return 1 if mandatory else 0


if __name__ == "__main__":
    sys.exit(main())
