"""issue 21, item 5: an MWAA update the provider sends without WorkerReplacementStrategy (a
version, requirements or options change once the state reads GRACEFUL) is named by the plan,
with the command that makes it graceful; a plan that changes none of that says nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import planned
from tools import plan as planner
from tools.worker_replacement import OUTPUT, updates_without_strategy


def deployed(**changes: str) -> dict[str, Any]:
    """The dev stack's outputs as the last deployment exported them, with `changes`."""
    outputs = json.loads(json.dumps(planned("dev").outputs, default=str))
    outputs[OUTPUT] = {**outputs[OUTPUT], **changes}
    return outputs


def test_dev_exports_what_makes_an_update_replace_the_workers() -> None:
    inputs = planned("dev").outputs[OUTPUT]
    assert inputs["airflowVersion"] == planned("dev").settings.airflow.version
    assert {"environmentClass", "requirements", "configuration"} <= set(inputs)


def test_an_airflow_upgrade_is_named_with_the_command_that_makes_it_graceful() -> None:
    plan = planned("dev")
    version = plan.settings.airflow.version
    [note] = planner.strategy_notes(plan, deployed(airflowVersion="3.2.1"))
    assert "the Airflow version changed" in note
    assert (
        f"aws mwaa update-environment --name airflow-dev --airflow-version {version} "
        "--worker-replacement-strategy GRACEFUL"
    ) in note


def test_a_requirements_or_options_change_is_named_too() -> None:
    plan = planned("dev")
    [note] = planner.strategy_notes(plan, deployed(requirements="0" * 16, configuration="1" * 16))
    assert "requirements.txt, the Airflow configuration options changed" in note
    assert "--requirements-s3-object-version" in note
    assert "--worker-replacement-strategy GRACEFUL" in note


def test_no_change_of_those_inputs_and_no_previous_outputs_say_nothing() -> None:
    plan = planned("dev")
    assert planner.strategy_notes(plan, deployed()) == []
    assert planner.strategy_notes(plan, {}) == []  # a deployment from before this output
    assert planner.strategy_notes(planned("prod"), deployed(airflowVersion="3.2.1")) == []


def test_make_plan_previous_prints_the_warning(tmp_path: Path, capsys: Any) -> None:
    previous = tmp_path / "outputs.json"
    previous.write_text(json.dumps(deployed(airflowVersion="3.2.1")))
    assert planner.main(["--stack", "dev", "--previous", str(previous)]) == 0
    out = capsys.readouterr().out
    assert "warning: MWAA update without GRACEFUL" in out


def test_the_strategy_named_is_the_stacks() -> None:
    before = {OUTPUT: {"airflowVersion": "3.2.1"}}
    after = {OUTPUT: {"airflowVersion": "3.3.1"}, "mwaaEnvironmentName": "airflow-x"}
    [note] = updates_without_strategy(before, after, "FORCED")
    assert "--worker-replacement-strategy FORCED" in note
