"""The report a pull request shows: every step with its verdict and time, the first failure
is the run's verdict, the commands to do it for real; JSON with the same content."""

from __future__ import annotations

import json
from pathlib import Path

from tools.upgrade.report import Report, StepResult


def report(*steps: StepResult) -> Report:
    return Report("3.0.6", "3.3.1", "1.21.0", "e2e", "2026-12-07 04:00 UTC", list(steps),
                  ["make up STACK=prod"])  # fmt: skip


def test_a_failed_step_makes_the_verdict_and_is_named() -> None:
    r = report(
        StepResult(1, "Offered where it must run", "warn", "prod only: breaks dev/prod parity"),
        StepResult(2, "Dependency diff", "fail", "our pin x==1 conflicts", seconds=3.2),
        StepResult(3, "DAGs on the target", "skipped", "not run: step 2 failed"),
    )
    assert r.verdict == "fail"
    assert r.failed is not None and r.failed.number == 2
    md = r.to_markdown()
    assert "| 2. Dependency diff | ❌ fail | 3 s | our pin x==1 conflicts |" in md
    assert "| 3. DAGs on the target | ⏭ skipped |" in md
    # No commands to do it for real while a step fails.
    assert "make up STACK=prod" not in md
    assert "Not yet: step 2 (Dependency diff) failed" in md


def test_a_passing_rehearsal_gives_the_commands_to_do_it_for_real() -> None:
    md = report(StepResult(1, "Offered", "pass", "ok")).to_markdown()
    assert "### To do it for real" in md and "make up STACK=prod" in md


def test_warnings_alone_pass_with_a_warning_verdict(tmp_path: Path) -> None:
    r = report(StepResult(1, "Offered", "warn", "prod only"), StepResult(2, "Deps", "pass", "ok"))
    assert r.verdict == "warn" and r.failed is None
    md, js = r.write(tmp_path)
    data = json.loads(js.read_text())
    assert data["verdict"] == "warn"
    assert [s["verdict"] for s in data["steps"]] == ["warn", "pass"]
    assert md.read_text().startswith("## Airflow upgrade rehearsal: 3.0.6 → 3.3.1")


def test_a_pipe_in_a_finding_does_not_break_the_table() -> None:
    md = report(StepResult(1, "Offered", "fail", "a | b")).to_markdown()
    assert "| a \\| b |" in md
