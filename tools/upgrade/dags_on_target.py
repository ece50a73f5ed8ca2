"""Step 3, the DAGs on the target: every DAG in dags/ imports in the target's Airflow with no
import error and no warning raised from our files, and `airflow config lint` of the target
finds nothing in the options either stack runs with (as the local platform applies them)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from components.settings import Settings
from local.config import DAGS_FOLDER, Ports, Secrets, local_config
from tools.upgrade.report import StepResult

NAME = "DAGs on the target"
PROBE = Path(__file__).with_name("dag_probe.py")
# A lint finding the program answers on purpose (section.key -> why), as tests/local/e2e's.
DELIBERATE = {"core.executor": "both platforms run Celery: MWAA on SQS, the chart's Celery"}
CHANGED_DEFAULT = re.compile(r"^Changed default value of `(?P<key>\w+)` in `(?P<section>\w+)`")
SAFE_ENV = {
    "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
    "AWS_EC2_METADATA_DISABLED": "true", "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
}  # fmt: skip


@dataclass(frozen=True)
class Parsed:
    """What the target's Airflow made of the DAG folder."""

    dag_ids: list[str]
    import_errors: dict[str, str]
    warnings: list[str]


def probe(venv: Path, dags: Path) -> Parsed:
    with tempfile.TemporaryDirectory(prefix="upgrade-dags-") as home:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "AIRFLOW_HOME": home,
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            **SAFE_ENV,
        }
        result = subprocess.run(
            [str(venv / "bin/python"), str(PROBE), str(dags)],
            env=env, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
    if result.returncode:
        tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return Parsed([], {"(probe)": tail}, [])
    return Parsed(**json.loads(result.stdout.strip().splitlines()[-1]))


def lint_findings(report: str) -> list[str]:
    """`airflow config lint`'s findings (its "  - ..." lines), without the deliberate ones
    (DELIBERATE: a default Airflow 3 changed that the program sets on purpose)."""
    found = []
    for line in report.splitlines():
        if not line.startswith("  - "):
            continue
        finding = line[4:].strip()
        changed = CHANGED_DEFAULT.match(finding)
        if changed and f"{changed['section']}.{changed['key']}" in DELIBERATE:
            continue
        found.append(finding)
    return found


def config_lint(venv: Path, settings: Settings) -> tuple[bool, list[str]]:
    """`airflow config lint` of the venv's Airflow over the stack's options (the local
    platform's configuration of that stack); (whether the lint ran, its findings)."""
    with tempfile.TemporaryDirectory(prefix="upgrade-lint-") as home:
        ports = Ports(8080, 1, 2, 3, 4, 5, 6)
        secrets = Secrets("db", "redis", "Zm9v" * 11, "jwt", "api", "admin")
        cfg = local_config(settings, ports=ports, secrets=secrets, state=Path(home),
                           ca_file=Path(home) / "ca.crt", account_id="000000000000")  # fmt: skip
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **cfg.env,
               "AIRFLOW_HOME": home, **SAFE_ENV}  # fmt: skip
        result = subprocess.run(
            [str(venv / "bin/airflow"), "config", "lint"],
            env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    report = result.stdout + result.stderr
    ran = "Found issues" in report or "No issues found" in report
    return ran, lint_findings(report)


def dags_on_target(
    version: str, venv: Path, stacks: dict[str, Settings], dags: Path = DAGS_FOLDER
) -> StepResult:
    # Three Airflow processes side by side: each spends most of its time importing Airflow.
    with ThreadPoolExecutor(max_workers=3) as pool:
        parsing = pool.submit(probe, venv, dags)
        lints = {stack: pool.submit(config_lint, venv, s) for stack, s in stacks.items()}
        found = parsing.result()
    errors = sorted(found.import_errors.items())
    failures = [f"import error in {Path(p).name}: {e}" for p, e in errors]
    failures += [f"warning from our code: {w}" for w in found.warnings]
    imported = ", ".join(found.dag_ids)
    details = [f"{len(found.dag_ids)} DAGs import on Airflow {version}: {imported}"]
    for stack in stacks:
        ran, findings = lints[stack].result()
        if not ran:
            failures.append(f"airflow config lint did not run on Airflow {version} ({stack})")
        failures += [f"config lint ({stack}): {f}" for f in findings]
        if ran and not findings:
            details.append(f"`airflow config lint` finds nothing in {stack}'s options")
    if failures:
        return StepResult(3, NAME, "fail", failures[0], details=failures + details)
    return StepResult(3, NAME, "pass", details[0] + "; config lint clean on "
                      + " and ".join(stacks), details=details)  # fmt: skip
