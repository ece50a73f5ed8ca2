"""The rehearsal's order: each step timed, the first failure stops it, the report written
whatever happened."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from components.settings import Settings
from local.config import DAGS_FOLDER, REPO
from local.platform import stack_settings
from tools.upgrade import venvs
from tools.upgrade.dags_on_target import dags_on_target
from tools.upgrade.dependencies import dependency_diff
from tools.upgrade.offered import index_versions, offered
from tools.upgrade.rehearsal import Rehearsal, migration, platforms_stopped, rollback
from tools.upgrade.report import Report, StepResult

BUILD = REPO / "build/upgrade"
NAMES = {
    1: "Offered where it must run",
    2: "Dependency diff",
    3: "DAGs on the target",
    4: "Metadata migration, on a copy",
    5: "Rollback, rehearsed",
}


@dataclass(frozen=True)
class Options:
    to_version: str
    from_version: str
    state: Path | None = None
    sql: Path | None = None
    """SQL run on FROM's database before the copy is migrated (`Rehearsal.sql`)."""
    chart: str | None = None
    last_step: int = 5
    """3: the fast version (`make test`): no platform is started."""
    constraints: Path | None = None
    dags: Path = DAGS_FOLDER
    out: Path | None = None
    available: Callable[[str], list[str]] = index_versions


def folder(options: Options) -> Path:
    return options.out or BUILD / f"{options.from_version}-to-{options.to_version}"


def shown(path: Path) -> Path:
    """`path` as a user in the repository types it."""
    return path.relative_to(REPO) if path.is_relative_to(REPO) else path


def commands(options: Options) -> list[str]:
    to = options.to_version
    return [
        f"# 1. this rehearsal passed: {shown(folder(options))}/report.md",
        "make state-export STACK=prod STATE_DOC=before-upgrade.json   # and STACK=dev",
        "make pre-upgrade-snapshot STACK=prod",
        f"# 2. the one setting: airflowVersion {to} in Pulumi.dev.yaml and Pulumi.prod.yaml,",
        f"#    the pins in tests/dags/requirements-airflow.txt to {to}'s",
        "make test && make preview STACK=dev && make up STACK=dev",
        "make preview STACK=prod && make up STACK=prod",
    ]


def rehearse(options: Options, echo: Callable[[str], None] = print) -> Report:
    out = folder(options)
    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    report = Report(
        from_version=options.from_version,
        to_version=options.to_version,
        chart=options.chart or "pinned",
        state=(str(options.state) if options.state else "the e2e's (canary runs, a failed run)")
        + (f", then {options.sql}" if options.sql else ""),
        started=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        commands=commands(options),
    )
    context: dict[str, Path] = {}
    rehearsal_steps: Rehearsal | None = None

    def step(number: int, action: Callable[[], StepResult]) -> bool:
        echo(f"== step {number} of {len(NAMES)}: {NAMES[number]}")
        began = time.monotonic()
        try:
            result = action()
        except Exception as error:  # the report says what broke, and is still written
            line = (str(error).strip().splitlines() or [""])[0][:300]
            result = StepResult(number, NAMES[number], "fail", f"{type(error).__name__}: {line}")
        result.seconds = round(time.monotonic() - began, 1)
        report.steps.append(result)
        echo(f"   {result.verdict}: {result.summary} ({result.seconds:.0f} s)")
        return result.verdict != "fail"

    def deps() -> StepResult:
        result, resolved = dependency_diff(
            options.from_version, options.to_version, work, options.constraints
        )
        if resolved is not None:
            context["to_lock"] = resolved.lock
        return result

    def dags() -> StepResult:
        try:
            venv = venvs.venv_for(options.to_version, context["to_lock"])
        except venvs.VenvError as error:
            return StepResult(3, NAMES[3], "fail", str(error))
        context["to_venv"] = venv
        stacks: dict[str, Settings] = {s: stack_settings(s) for s in ("dev", "prod")}
        return dags_on_target(options.to_version, venv, stacks, options.dags)

    def migrate() -> StepResult:
        nonlocal rehearsal_steps
        from_lock = work / f"resolve-{options.from_version}/lock.txt"
        try:
            from_venv = venvs.venv_for(options.from_version, from_lock)
        except venvs.VenvError as error:
            return StepResult(4, NAMES[4], "fail", str(error))
        rehearsal_steps = Rehearsal(work, from_venv, context["to_venv"], options.sql, echo=echo)
        return migration(rehearsal_steps, options.from_version, options.to_version, options.state)

    def roll_back() -> StepResult:
        assert rehearsal_steps is not None
        return rollback(rehearsal_steps, options.from_version, options.to_version)

    actions: list[tuple[int, Callable[[], StepResult]]] = [
        (1, lambda: offered(options.from_version, options.to_version, options.chart, work,
                            options.available)),
        (2, deps),
        (3, dags),
        (4, migrate),
        (5, roll_back),
    ]  # fmt: skip
    holder = Rehearsal(work, Path(), Path())
    with platforms_stopped(holder):
        for number, action in actions[: options.last_step]:
            if not step(number, action):
                break
    ran = {s.number for s in report.steps}
    failed = report.failed
    for number in range(1, options.last_step + 1):
        if number not in ran:
            why = f"not run: step {failed.number} failed: {failed.summary}" if failed else "not run"
            report.steps.append(StepResult(number, NAMES[number], "skipped", why))
    report.write(out)
    return report
