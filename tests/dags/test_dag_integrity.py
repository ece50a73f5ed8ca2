"""Every DAG in dags/ imports in real Airflow 3.3.1 and follows the house rules."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from airflow.dag_processing.dagbag import DagBag

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"
EXPECTED_DAG_IDS = {"canary", "s3_etl", "failure_notification", "metadata_backup"}
MAX_ACTIVE_RUNS_LIMIT = 5

# Every way DAG code can reach a Variable or a Connection in Airflow 3.3.1: the public
# APIs (Task SDK and the legacy models/hooks) and the secrets-backend loops behind them.
LOOKUP_PATHS = [
    "airflow.sdk.definitions.variable.Variable.get",
    "airflow.sdk.definitions.connection.Connection.get",
    "airflow.sdk.execution_time.context._get_variable",
    "airflow.sdk.execution_time.context._get_connection",
    "airflow.sdk.execution_time.supervisor.ensure_secrets_backend_loaded",
    "airflow.models.variable.Variable.get",
    "airflow.models.variable.ensure_secrets_loaded",
    "airflow.models.connection.Connection.get_connection_from_secrets",
    "airflow.configuration.ensure_secrets_loaded",  # models.connection imports it per call
    "airflow.hooks.base.BaseHook.get_connection",
]


class ParseTimeLookupError(RuntimeError):
    """Raised when DAG code looks up a Variable or Connection while being parsed."""


@contextlib.contextmanager
def lookups_forbidden() -> Iterator[None]:
    """Make every Variable/Connection lookup raise, and forget cached DAG helper modules."""
    for name in [m for m in sys.modules if m == "common" or m.startswith("common.")]:
        del sys.modules[name]  # so `common` is imported again, under the guard
    with contextlib.ExitStack() as stack:
        for target in LOOKUP_PATHS:
            error = ParseTimeLookupError(f"Variable/Connection lookup at parse time: {target}")
            stack.enter_context(mock.patch(target, side_effect=error))
        yield


def _dagbag() -> DagBag:
    return DagBag(dag_folder=str(DAGS_FOLDER))  # examples off: AIRFLOW__CORE__LOAD_EXAMPLES


def test_dags_import_without_errors(dagbag: DagBag) -> None:
    assert dagbag.import_errors == {}


def test_expected_dags_exist(dagbag: DagBag) -> None:
    assert set(dagbag.dag_ids) >= EXPECTED_DAG_IDS


def test_the_backup_dag_starts_unpaused(dagbag: DagBag) -> None:
    """Both platforms create DAGs paused; metadata_backup must run without a person."""
    assert dagbag.dags["metadata_backup"].is_paused_upon_creation is False


def test_helper_modules_are_not_parsed_as_dag_files(dagbag: DagBag) -> None:
    parsed = [Path(path) for path in dagbag.file_last_changed]
    assert parsed, "DagBag parsed no file"
    assert all(path.parent == DAGS_FOLDER for path in parsed), parsed


# The expected ids are always included, so a DAG that fails to import fails here too.
@pytest.mark.parametrize("dag_id", sorted(set(_dagbag().dag_ids) | EXPECTED_DAG_IDS))
class TestHouseRules:
    """The rules every DAG follows, whoever wrote it."""

    def test_has_tags(self, dagbag: DagBag, dag_id: str) -> None:
        assert dagbag.dags[dag_id].tags

    def test_has_documentation(self, dagbag: DagBag, dag_id: str) -> None:
        doc = dagbag.dags[dag_id].doc_md
        assert doc and doc.strip()

    def test_no_catchup(self, dagbag: DagBag, dag_id: str) -> None:
        assert dagbag.dags[dag_id].catchup is False

    def test_bounded_active_runs(self, dagbag: DagBag, dag_id: str) -> None:
        assert 1 <= dagbag.dags[dag_id].max_active_runs <= MAX_ACTIVE_RUNS_LIMIT

    def test_default_args_name_an_owner_and_retry(self, dagbag: DagBag, dag_id: str) -> None:
        args = dagbag.dags[dag_id].default_args
        assert args.get("owner") not in (None, "", "airflow")
        assert args.get("retries", 0) >= 1
        assert isinstance(args.get("retry_delay"), timedelta)

    def test_every_task_has_owner_retries_and_alert(self, dagbag: DagBag, dag_id: str) -> None:
        for task in dagbag.dags[dag_id].tasks:
            assert task.owner not in ("", "airflow"), task.task_id
            assert task.retries >= 1, task.task_id
            callbacks = {f"{cb.__module__}.{cb.__name__}" for cb in task.on_failure_callback}
            assert "common.alerts.notify_failure" in callbacks, task.task_id


def test_parsing_looks_up_no_variable_or_connection() -> None:
    with lookups_forbidden():
        dagbag = _dagbag()
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) >= EXPECTED_DAG_IDS


BAD_TOP_LEVEL_LOOKUPS = {
    "sdk_variable": "from airflow.sdk import Variable\nVALUE = Variable.get('data_bucket')",
    "models_variable": "from airflow.models import Variable\nVALUE = Variable.get('data_bucket')",
    "sdk_connection": "from airflow.sdk import Connection\nVALUE = Connection.get('data_lake')",
    "hook_connection": (
        "from airflow.providers.amazon.aws.hooks.s3 import S3Hook\n"
        "VALUE = S3Hook(aws_conn_id='data_lake').get_connection('data_lake')"
    ),
}


@pytest.mark.parametrize("lookup", sorted(BAD_TOP_LEVEL_LOOKUPS))
def test_guard_reports_a_top_level_lookup(tmp_path: Path, lookup: str) -> None:
    """The guard above is only worth something if it catches a bad DAG."""
    bad_dag = tmp_path / "bad_dag.py"
    bad_dag.write_text(
        f"{BAD_TOP_LEVEL_LOOKUPS[lookup]}\n"
        "from airflow.sdk import dag\n\n"
        "@dag(schedule=None)\n"
        "def bad():\n"
        "    pass\n\n"
        "bad()\n"
    )
    with lookups_forbidden():
        dagbag = DagBag(dag_folder=str(tmp_path))
    assert list(dagbag.import_errors) == [str(bad_dag)]
    assert "lookup at parse time" in dagbag.import_errors[str(bad_dag)]
