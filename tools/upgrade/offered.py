"""Step 1, offered where it must run: on the package index at all, in MWAA's version table
(components/settings/versions.py, with its source and date), rendered by the pinned chart
with the program's values and checked, and with an Amazon provider release that installs
with it."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema

from components.settings.versions import CHART_AIRFLOW_VERSIONS, MWAA_AIRFLOW_VERSIONS
from tools.upgrade import venvs
from tools.upgrade.report import StepResult, Verdict

VERSIONS_FILE = "components/settings/versions.py"
AIRFLOW_3 = ("api-server", "dag-processor", "scheduler", "triggerer", "worker")


def index_versions(package: str) -> list[str]:
    """The releases of `package` the package index this machine reads offers (pip's own
    `pip index versions`, the ordinary client), newest first; [] when it has none."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", package],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    for line in result.stdout.splitlines():
        if line.startswith("Available versions:"):
            return [v.strip() for v in line.split(":", 1)[1].split(",")]
    return []


def index_sources() -> str:
    """Where pip reads releases from, as its configuration says (files and PIP_* variables):
    the index, the extra indexes and find-links folders."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    found: dict[str, dict[str, None]] = {}  # ordered sets: a value set twice is named once
    for line in result.stdout.splitlines():
        key, _, value = line.partition("=")
        found.setdefault(key.rsplit(".", 1)[-1], {}).update(
            dict.fromkeys(value.strip("'\"").split())
        )
    named = {"index-url": "pip's index", "extra-index-url": "extra indexes",
             "find-links": "find-links"}  # fmt: skip
    found.setdefault("index-url", {"https://pypi.org/simple": None})
    return ", ".join(f"{label} {' '.join(found[key])}" for key, label in named.items()
                     if found.get(key))  # fmt: skip


def mwaa_verdict(version: str) -> tuple[bool, str]:
    if version in MWAA_AIRFLOW_VERSIONS:
        return True, f"MWAA offers {version} ({VERSIONS_FILE}, MWAA_AIRFLOW_VERSIONS)"
    return False, (
        f"prod only: breaks dev/prod parity: MWAA's table ({VERSIONS_FILE}) does not list "
        f"{version}; when AWS offers it, add it there citing the MWAA user guide's 'Apache "
        "Airflow versions' page or aws/amazon-mwaa-docker-images images/airflow/<version>"
    )


def chart_problems(version: str, chart: str | None) -> tuple[str, list[str]]:
    """Render the pinned Airflow chart with prod's values at `version` (as `make plan STACK=prod`
    declares the release) and check it: the values against the chart's schema, every object
    against Kubernetes' schema, Airflow 3's components and the migration job, every Airflow
    image at `version`. Returns (chart version, problems)."""
    from components.charts import lock
    from tools import plan as planner
    from tools.charts.helm import render_all
    from tools.charts.packages import read_member
    from tools.charts.releases import planned_releases
    from tools.charts.schemas import kube_schema_problems

    pin = lock()["airflow"]
    if chart and chart != pin.version:
        return chart, [
            f"chart {chart} is not the pinned one (charts.lock.yaml: airflow {pin.version}); "
            "pin it there and run `make charts` first"
        ]
    plan = planner.run("prod")
    kube = plan.settings.eks.kubernetes_version
    [release] = [
        r.request
        for r in planned_releases(plan.resources(), kube)
        if r.request.pin.chart == "airflow"
    ]
    values = {**release.values, "airflowVersion": version, "defaultAirflowTag": version}
    request = dataclasses.replace(release, values=values)
    problems: list[str] = []
    schema = json.loads(read_member(pin, "values.schema.json"))
    for error in jsonschema.Draft7Validator(schema).iter_errors(values):
        problems.append(f"values {'/'.join(map(str, error.path))}: {error.message}")
    [objects] = render_all([request])
    objects = [o for o in objects if o]
    for obj in objects:
        problems += kube_schema_problems(obj, kube) or []
    workloads = {
        o["metadata"]["name"]
        for o in objects
        if o.get("kind") in {"Deployment", "StatefulSet", "Job"}
    }
    for component in AIRFLOW_3:
        if not any(w.endswith(f"-{component}") for w in workloads):
            problems.append(f"the chart renders no {component} for Airflow {version}")
    if not any(w.endswith("-run-airflow-migrations") for w in workloads):
        problems.append("the chart renders no migration job")
    tags = {i.rsplit(":", 1)[1] for o in objects for i in _images(o) if "/airflow:" in i}
    wrong = {t for t in tags if not t.startswith("airflow-")} - {version}
    if wrong:
        problems.append(f"Airflow images at {sorted(wrong)}, not {version}")
    return pin.version, problems


def _images(obj: Any) -> list[str]:
    if isinstance(obj, dict):
        found = [c["image"] for k in ("containers", "initContainers") for c in obj.get(k) or []]
        return found + [i for v in obj.values() for i in _images(v)]
    if isinstance(obj, list):
        return [i for v in obj for i in _images(v)]
    return []


def amazon_provider(version: str, work: Path) -> tuple[bool, str]:
    """Whether an Amazon provider release resolves with Airflow `version` (Airflow's
    constraints files are out of reach here: the pinned uv resolves Airflow with the provider
    instead, and the release it picks is reported)."""
    result = venvs.resolve(
        [f"apache-airflow=={version}", "apache-airflow-providers-amazon"], work / "provider"
    )
    if result.returncode:
        return False, f"no Amazon provider release resolves with Airflow {version}: " + _why(
            result.stderr
        )
    release = venvs.read_lock(work / "provider/lock.txt").get("apache-airflow-providers-amazon")
    return True, f"Amazon provider {release} resolves with Airflow {version} (uv, package index)"


def _why(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    cause = next((line for line in lines if "because" in line.lower()), lines[0] if lines else "")
    return cause.removeprefix("╰─▶ ").removeprefix("cause: ")


def offered(
    from_version: str,
    to_version: str,
    chart: str | None,
    work: Path,
    available: Callable[[str], list[str]] = index_versions,
) -> StepResult:
    details: list[str] = []
    failures: list[str] = []
    on_index = available("apache-airflow")
    if to_version in on_index:
        details.append(f"Airflow {to_version} is on the package index")
    else:
        newest = on_index[0] if on_index else "none"
        failures.append(
            f"Airflow {to_version} is not on the package index this machine reads "
            f"({index_sources()}; newest there: {newest}): nothing to install, resolve or "
            "migrate with"
        )
    if from_version not in on_index:
        failures.append(f"Airflow {from_version} (FROM) is not on the package index")
    parity, line = mwaa_verdict(to_version)
    details.append(line)
    chart_version, problems = chart_problems(to_version, chart)
    if problems:
        failures += [f"chart {chart_version}: {p}" for p in problems[:10]]
    else:
        listed = "listed" if to_version in CHART_AIRFLOW_VERSIONS else "not yet listed"
        details.append(
            f"chart {chart_version} renders Airflow {to_version} with prod's values: schema, "
            f"Kubernetes schemas, Airflow 3 components, migration job, images all pass "
            f"({listed} in CHART_AIRFLOW_VERSIONS, {VERSIONS_FILE})"
        )
    if to_version in on_index:
        ok, line = amazon_provider(to_version, work)
        (details if ok else failures).append(line)
    if failures:
        return StepResult(1, "Offered where it must run", "fail", failures[0],
                          details=failures + details)  # fmt: skip
    verdict: Verdict = "pass" if parity else "warn"
    summary = "MWAA, the chart and an Amazon provider all take it" if parity else line_of(details)
    return StepResult(1, "Offered where it must run", verdict, summary, details=details,
                      data={"mwaa": parity, "chart": chart_version})  # fmt: skip


def line_of(details: list[str]) -> str:
    return next(d for d in details if d.startswith("prod only"))
