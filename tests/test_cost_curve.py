"""`python -m tools.cost_curve`: the cost curve of the stacks as planned (tools/cost_curve.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import planned
from tools import cost_curve
from tools.plan import plan_resources

ROOT = Path(__file__).resolve().parents[1]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def as_planned(stack: str) -> list[dict[str, object]]:
    """The offline plan's resources, from the session's cached plan (no second planning)."""
    return planned(stack).resources()


def test_draws_the_planned_stacks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "curve" / "cost.png"
    assert cost_curve.main(["--out", str(out)], plan=as_planned) == 0
    assert out.read_bytes()[:8] == PNG_MAGIC
    printed = capsys.readouterr().out
    # The baselines are the planned stacks' estimates: one source of truth, no second copy.
    assert f"MWAA idle ${planned('dev').cost.monthly_total:,.2f}" in printed
    assert f"EKS idle ${planned('prod').cost.monthly_total:,.2f}" in printed
    assert "EKS cheaper from 5 concurrent tasks" in printed


def test_a_stack_without_its_platform_is_an_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cost.png"
    with pytest.raises(SystemExit) as exited:
        cost_curve.main(["--out", str(out)], plan=lambda stack: as_planned("dev"))
    assert exited.value.code == 1
    assert "EKS stack's plan holds no node group" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.integration
def test_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tools.cost_curve", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "--out" in done.stdout


def test_the_curve_prices_dev_awake_even_at_night(monkeypatch: pytest.MonkeyPatch) -> None:
    # dev ships a working-week schedule; at 03:00 on a Sunday it is asleep, with no
    # environment. The curve compares the platforms as they run, so it plans dev awake.
    monkeypatch.setenv("AIRFLOW_STACK_AT", "2026-12-06T03:00:00+01:00")
    types = {r["type"] for r in plan_resources("dev")}
    assert "aws:mwaa/environment:Environment" in types
