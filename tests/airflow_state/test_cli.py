"""`python -m tools.airflow_state`: files in and out, --dry-run, refusals, the stack lookup."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from common.airflow_state import AirflowApi

from tests.airflow_state.fake_airflow import FakeAirflow
from tests.airflow_state.helpers import PLANTED, source_airflow
from tools.airflow_state.__main__ import main, stack_target

URL = ["--url", "http://127.0.0.1:19999"]


def target() -> FakeAirflow:
    fake = FakeAirflow()
    fake.add_dag("canary")
    fake.add_dag("s3_etl")
    return fake


def test_export_writes_a_document_without_secrets(tmp_path: Path, capsys) -> None:
    out = tmp_path / "state.json"
    assert main(["export", *URL, "--out", str(out)], api=AirflowApi(source_airflow())) == 0

    assert PLANTED not in out.read_text()
    assert json.loads(out.read_text())["schema_version"] == "1.0"
    captured = capsys.readouterr()
    assert PLANTED not in captured.out + captured.err
    assert "warning: connection partner_db: password left out" in captured.err


def test_dry_run_prints_the_changes_and_writes_nothing(tmp_path: Path, capsys) -> None:
    doc = tmp_path / "state.json"
    main(["export", *URL, "--out", str(doc)], api=AirflowApi(source_airflow()))
    fake = target()
    before = fake.snapshot()

    code = main(["import", *URL, "--in", str(doc), "--dry-run"], api=AirflowApi(fake))

    out = capsys.readouterr().out
    assert code == 0
    assert "would pool warehouse: create" in out
    assert "would dag s3_etl: pause" in out
    assert fake.snapshot() == before
    assert {method for method, _ in fake.calls} == {"GET"}


def test_import_twice_reports_nothing_to_change(tmp_path: Path, capsys) -> None:
    doc = tmp_path / "state.json"
    main(["export", *URL, "--out", str(doc)], api=AirflowApi(source_airflow()))
    fake = target()
    assert main(["import", *URL, "--in", str(doc)], api=AirflowApi(fake)) == 0
    capsys.readouterr()

    assert main(["import", *URL, "--in", str(doc)], api=AirflowApi(fake)) == 0
    assert capsys.readouterr().out.strip() == "nothing to change"


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        json.dumps({"schema_version": "7.0"}),
        json.dumps({"schema_version": "1.0", "pools": "none"}),
    ],
)
def test_a_refused_document_is_one_line_exit_2_and_nothing_written(
    tmp_path: Path, capsys, text: str
) -> None:
    doc = tmp_path / "state.json"
    doc.write_text(text)
    fake = target()
    before = fake.snapshot()

    code = main(["import", *URL, "--in", str(doc)], api=AirflowApi(fake))

    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("error: ") and err.strip().endswith("nothing was written")
    assert fake.snapshot() == before


def test_stacks_say_which_transport_and_environment() -> None:
    dev, prod = stack_target("dev"), stack_target("prod")
    assert (dev.architecture, dev.environment_name) == ("mwaa", "airflow-dev")
    assert (prod.architecture, prod.environment_name) == ("eks", "airflow-prod")


def test_an_eks_stack_without_url_or_port_forward_is_told_how(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="--port-forward"):
        main(["export", "--stack", "prod", "--out", str(tmp_path / "s.json")])
