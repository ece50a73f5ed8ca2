"""The scheduled workflow (.github/workflows/sleep.yml) runs at every edge of dev's schedule,
as the deploy role, through tools/sleep."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from tools.sleep.__main__ import settings_of
from tools.sleep.cron import edges_utc, fires_at, missing_edges

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "sleep.yml"
DEPLOY = ROOT / ".github" / "workflows" / "deploy.yml"


def load(path: Path) -> dict[Any, Any]:
    spec: dict[Any, Any] = yaml.safe_load(path.read_text())
    return spec


def crons() -> list[str]:
    return [entry["cron"] for entry in load(WORKFLOW)[True]["schedule"]]  # YAML 1.1: on = True


def test_the_crons_cover_every_edge_of_dev_in_winter_and_summer() -> None:
    schedule = settings_of("dev").schedule
    edges = edges_utc(schedule, "mwaa")
    # Mon-Fri: the early wake, the opening and the close, each at two UTC hours (CET, CEST).
    assert len(edges) == 5 * 3 * 2
    assert (0, 5, 15) in edges and (0, 4, 15) in edges  # Monday's wake, winter and summer
    assert missing_edges(crons(), schedule, "mwaa") == []


def test_a_missing_edge_is_reported() -> None:
    schedule = settings_of("dev").schedule
    without_close = [c for c in crons() if not c.startswith("0 17,18")]
    assert missing_edges(without_close, schedule, "mwaa") == sorted(
        (day, hour, 0) for day in range(5) for hour in (17, 18)
    )
    later = settings_of("dev", {"airflow:awakeHours": "Mon-Fri 08:00-20:00"}).schedule
    assert missing_edges(crons(), later, "mwaa")


def test_cron_fields_are_read_as_github_does() -> None:
    assert fires_at("15 4,5 * * 1-5") >= {(0, 4, 15), (4, 5, 15)}
    assert (5, 4, 15) not in fires_at("15 4,5 * * 1-5")  # Saturday
    assert (6, 2, 30) in fires_at("30 2 * * *")  # Sunday is 0 in cron


def test_it_runs_the_edge_as_the_deploy_role_one_deployment_at_a_time() -> None:
    sleep, deploy = load(WORKFLOW)["jobs"]["dev"], load(DEPLOY)["jobs"]["dev"]
    assert sleep["concurrency"]["group"] == deploy["concurrency"]["group"]

    def role(job: dict[str, Any]) -> str:
        (step,) = [
            s for s in job["steps"]
            if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
        ]  # fmt: skip
        return str(step["with"]["role-to-assume"])

    assert role(sleep) == role(deploy) == "${{ vars.AWS_DEPLOY_ROLE_ARN_DEV }}"
    run = " ".join(s.get("run", "") for s in sleep["steps"])
    assert "python -m tools.sleep edge --stack dev" in run
    assert "--daily" in run


def test_a_push_deploys_dev_through_the_sleep_edge_not_a_bare_up() -> None:
    job = load(DEPLOY)["jobs"]["dev"]
    uses = [s.get("uses", "").split("@")[0] for s in job["steps"]]
    runs = [s.get("run", "") for s in job["steps"]]
    (deploy,) = [i for i, run in enumerate(runs) if "python -m tools.sleep deploy" in run]
    assert '--stack dev --pulumi-stack "$PULUMI_STACK"' in runs[deploy]
    assert job["steps"][deploy]["env"]["PULUMI_STACK"] == "${{ vars.PULUMI_ORG }}/dev"
    # After the credentials and the CLI; the action installs the CLI and runs nothing itself.
    assert uses.index("aws-actions/configure-aws-credentials") < deploy
    assert uses.index("pulumi/actions") < deploy
    assert "command" not in job["steps"][uses.index("pulumi/actions")]["with"]
    assert not any("pulumi up" in run for run in runs)
