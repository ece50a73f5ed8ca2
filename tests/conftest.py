"""Shared fixtures: run a piece of the program under the project's mocks and look at what it
declared (inputs in camelCase, as the engine sees them)."""

from __future__ import annotations

import ast
import dataclasses
import functools
import gc
import json
import os
import subprocess
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi.runtime.sync_await import _sync_await

from components.schedule import AT_VARIABLE, parse_time
from components.settings import Settings, load
from tools import plan as planner
from tools.mocks import AwsMocks, RecordingMonitor, Registration, run_mocked

# What a network the program creates is made of: none of it may be declared on an existing VPC
# (tests/test_network_modes.py for the component, tests/test_stack_network.py for the stacks).
NETWORK_TYPES = frozenset(
    {
        "aws:ec2/vpc:Vpc",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/eip:Eip",
        "aws:ec2/internetGateway:InternetGateway",
        "aws:ec2/routeTable:RouteTable",
        "aws:ec2/routeTableAssociation:RouteTableAssociation",
        "aws:ec2/route:Route",
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "aws:ec2/flowLog:FlowLog",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
    }
)

BASE_CONFIG = {"aws:region": "us-east-1"}

# The program decides awake or asleep from the time (docs/sleep.md): the suite plans every
# stack at one fixed time, a Wednesday noon in Berlin, when the dev schedule is awake.
# Tests of sleep pass their own time (tools.plan.run(at=...)).
AWAKE_AT = "2026-12-09T11:00:00+00:00"
os.environ[AT_VARIABLE] = AWAKE_AT


@dataclass
class Declared:
    """What a program run declared."""

    registrations: list[Registration]
    value: Any

    def of_type(self, token: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == token]

    def one(self, token: str, name: str | None = None) -> Registration:
        found = [r for r in self.of_type(token) if name is None or r.name == name]
        assert len(found) == 1, (
            f"expected one {token} {name or ''}, found {[r.name for r in found]}"
        )
        return found[0]

    def named(self, name: str) -> Registration:
        found = [r for r in self.registrations if r.name == name]
        assert len(found) == 1, f"expected one resource named {name}, found {len(found)}"
        return found[0]

    def children_of(self, parent: Registration) -> list[Registration]:
        return [r for r in self.registrations if r.parent == parent.urn]


def run_program(
    fn: Callable[[], Any],
    *,
    stack: str = "test",
    project: str = "airflow",
    region: str = "us-east-1",
    zones: int = 6,
) -> Declared:
    """Run `fn` as a Pulumi program under mocks; return its registrations and its return
    value (resolved, when it is an Output)."""
    mocks = AwsMocks(region=region, zones=zones)
    result: dict[str, Any] = {}

    def program() -> None:
        result["value"] = fn()

    run_mocked(
        program, mocks, project=project, stack=stack, preview=False, monitor=RecordingMonitor(mocks)
    )
    value = result.get("value")
    if isinstance(value, pulumi.Output):
        value = _sync_await(value.future())
    return Declared(list(mocks.registrations), value)


def plan_of(
    stack: str, overrides: Mapping[str, Any] | None = None, at: str = AWAKE_AT
) -> planner.Plan:
    """The whole program planned for a stack file with `overrides` (config keys) at `at`,
    once per test process: the modules that look at one stack variant share its plan."""
    return _plan_of(*_key(stack, overrides, at))


@functools.cache
def _plan_of(stack: str, overrides: str, at: str) -> planner.Plan:
    return planner.run(stack, overrides=json.loads(overrides), at=parse_time(at))


def planned(
    stack: str, overrides: Mapping[str, Any] | None = None, at: str = AWAKE_AT
) -> planner.Plan:
    """plan_of with the cost estimate and the policy findings (tools.plan.enrich), on a copy:
    what plan_of returns stays as planned."""
    return _planned(*_key(stack, overrides, at))


def _key(stack: str, overrides: Mapping[str, Any] | None, at: str) -> tuple[str, str, str]:
    return stack, json.dumps(dict(overrides or {}), sort_keys=True), parse_time(at).isoformat()


@functools.cache
def _planned(stack: str, overrides: str, at: str) -> planner.Plan:
    return planner.enrich(dataclasses.replace(_plan_of(stack, overrides, at)))


def shared_build(build: Callable[..., Declared]) -> Callable[..., Declared]:
    """`build` run once per test process for each distinct set of arguments: the tests that
    read the same component with the same settings share one run (they only read it)."""
    built: dict[str, Declared] = {}

    @functools.wraps(build)
    def shared(*args: Any, **kwargs: Any) -> Declared:
        key = json.dumps([args, kwargs], sort_keys=True)  # a value JSON cannot hold: TypeError
        if key not in built:
            built[key] = build(*args, **kwargs)
        return built[key]

    return shared


def absolute_imports(path: Path) -> list[str]:
    """The modules a Python file imports by absolute name (relative imports left out)."""
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.append(node.module or "")
    return names


def settings_for(arch: str = "mwaa", stack: str = "test", **overrides: Any) -> Settings:
    """Validated settings for architecture `arch` from config keys (project prefix optional)."""
    config: dict[str, Any] = {**BASE_CONFIG, "airflow:architecture": arch}
    if arch == "eks":
        config["airflow:dagsRepoUrl"] = "https://github.com/example-org/airflow-on-aws.git"
    for key, value in overrides.items():
        config[key if ":" in key else f"airflow:{key}"] = (
            json.dumps(value) if isinstance(value, list | tuple) else value
        )
    return load("airflow", stack, config)


def policy(doc: Any) -> dict[str, Any]:
    """An IAM/KMS/bucket policy as a dict, whether it arrived as JSON text or a dict."""
    return json.loads(doc) if isinstance(doc, str) else dict(doc)


def statements(doc: Any) -> list[Mapping[str, Any]]:
    found = policy(doc)["Statement"]
    return found if isinstance(found, list) else [found]


@pytest.fixture
def run() -> Iterator[Callable[..., Declared]]:
    yield run_program


def as_typed_make_env() -> dict[str, str]:
    """The environment of `make` as a user types it: not a sub-make of `make test`, whose
    MAKELEVEL and MAKEFLAGS would add 'Entering directory' lines and pass on its flags."""
    return {k: v for k, v in os.environ.items() if k not in {"MAKELEVEL", "MAKEFLAGS", "MFLAGS"}}


def make_dry_run(*args: str) -> str:
    """What `make -n <args>` prints in the repository, as a user types it."""
    return subprocess.run(
        ["make", "--no-print-directory", "-n", *args], cwd=Path(__file__).resolve().parent.parent,
        env=as_typed_make_env(), capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip


@pytest.fixture
def offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """Credentials for moto's mocks only: never a profile or a key of the machine's."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    }.items():
        monkeypatch.setenv(name, value)


def pytest_configure(config: pytest.Config) -> None:
    # A plan under mocks allocates millions of small objects (an Output, a future and a task
    # per input), and the suite keeps its plans: with Python's default thresholds the cycle
    # collector walked that heap over and over, a fifth of the suite's CPU. Collect once per
    # three million allocations instead (cycles are still freed; a worker peaks under 700 MB).
    gc.set_threshold(3_000_000, 50, 50)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    # pytest's last act is a full collection (its check for unraisable exceptions), which would
    # walk every plan the suite cached, 2 to 2.5 s per worker. With the thresholds above the
    # suite's garbage is all in the two young generations: collect those (their finalizers
    # still report to pytest's check), then freeze what is left, the cached plans and what
    # was imported, out of the last collection's sight.
    gc.collect(1)
    gc.freeze()


ROLE_TYPES = ("aws:iam/rolePolicy:RolePolicy", "aws:iam/rolePolicyAttachment:RolePolicyAttachment")


def assumers_missing_grants(registrations: list[Registration]) -> dict[str, list[str]]:
    """Resources that carry a role the program made (its ARN is among their inputs, as an
    execution/service/node role or a service-account annotation) without depending on every
    policy and attachment of that role: {resource: [missing grants]}.

    Dependencies are the ones the engine receives (explicit `depends_on` plus inputs'), as
    recorded by the mock monitor.
    """
    roles = [r for r in registrations if r.type == "aws:iam/role:Role"]
    grants: dict[str, list[Registration]] = {}
    for role in roles:
        handles = {role.id, role.outputs.get("name"), role.outputs.get("arn")}
        grants[str(role.outputs["arn"])] = [
            g for g in registrations if g.type in ROLE_TYPES and g.inputs.get("role") in handles
        ]
    missing: dict[str, list[str]] = {}
    for r in registrations:
        if r.type.startswith("aws:iam/") or not r.custom:
            continue
        text = json.dumps(r.inputs, default=str)
        for arn, granted in grants.items():
            if arn in text:
                absent = [g.name for g in granted if g.urn not in r.dependencies]
                if absent:
                    missing.setdefault(r.name, []).extend(absent)
    return missing


def assumers_of(registrations: list[Registration]) -> set[str]:
    """Names of the resources that carry a role the program made."""
    arns = [str(r.outputs["arn"]) for r in registrations if r.type == "aws:iam/role:Role"]
    return {
        r.name
        for r in registrations
        if r.custom
        and not r.type.startswith("aws:iam/")
        and any(a in json.dumps(r.inputs, default=str) for a in arns)
    }
