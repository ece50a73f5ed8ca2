"""What the rehearsal reads of the repository: our pins (the DAG venv's file and the
dags/requirements.txt it includes), the target's requirement set, MWAA's table."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.settings.versions import MWAA_AIRFLOW_VERSIONS
from tools.upgrade import venvs
from tools.upgrade.offered import mwaa_verdict


def test_pins_include_the_dags_requirements_through_the_r_line() -> None:
    found = {venvs.normalize(p.name): p for p in venvs.pins(venvs.REQUIREMENTS)}
    assert found["apache-airflow-providers-amazon"].source == "dags/requirements.txt"
    assert found["apache-airflow"].version == venvs.pinned_airflow()


def test_the_target_set_changes_airflow_alone_and_can_unpin_one_package() -> None:
    lines = venvs.requirement_lines("3.4.0")
    assert lines[0] == "apache-airflow==3.4.0"
    assert not [line for line in lines[1:] if line.startswith("apache-airflow==")]
    assert "apache-airflow-providers-amazon==" in " ".join(lines)
    relaxed = venvs.requirement_lines("3.4.0", relax=frozenset({"apache-airflow-providers-amazon"}))
    assert "apache-airflow-providers-amazon" in relaxed
    assert len(relaxed) == len(lines)


def test_a_version_mwaa_does_not_list_is_prod_only_and_names_the_table() -> None:
    assert "3.4.0" not in MWAA_AIRFLOW_VERSIONS
    ok, line = mwaa_verdict("3.4.0")
    assert not ok
    assert line.startswith("prod only: breaks dev/prod parity")
    assert "components/settings/versions.py" in line
    assert mwaa_verdict("3.3.1")[0]


def test_uv_lock_annotations_give_what_a_pin_pulls_in(tmp_path: Path) -> None:
    from tools.upgrade.dependencies import pulled_in

    lock = tmp_path / "lock.txt"
    lock.write_text(
        "apache-airflow-providers-amazon==9.34.0  # via -r requirements.txt\n"
        "boto3==1.40.0  # via apache-airflow-providers-amazon, moto\n"
        "botocore==1.40.0  # via boto3\n"
        "flask==3.1.0  # via apache-airflow\n"
    )
    assert pulled_in(lock, {"apache-airflow-providers-amazon"}) == {
        "apache-airflow-providers-amazon", "boto3", "botocore",
    }  # fmt: skip


def test_a_version_this_repository_once_pinned_comes_back_with_its_own_lock(
    tmp_path: Path,
) -> None:
    shallow = venvs._git("rev-parse", "--is-shallow-repository").strip() == "true"
    if shallow:
        pytest.skip("a shallow clone has no history (the workflow's upgrade job fetches it)")
    locked = venvs.from_history("3.0.6", tmp_path)
    assert locked is not None
    assert "apache-airflow==3.0.6" in locked.lines
    # The set 3.0.6 ran with here: the Celery provider of its day, not the pinned 3.23.1.
    assert "apache-airflow-providers-celery==3.12.2" in locked.lines
    assert "celery==5.6.3" in locked.constraints.read_text().split()
    assert venvs.from_history("3.99.0", tmp_path) is None
