"""
### Metadata backup

Exports this Airflow's state once a day into the data bucket, under
`airflow-state/date=<day>/state.json`: pools, the variables and connections created in the
metadata database (never a secret value: passwords and sensitive fields are left out and
listed in `omitted`), each DAG's paused state and latest successful run, and the last
two days of runs. The same document `python -m tools.airflow_state import` reads, so a
lost or replaced environment gets its state back (docs/state.md).

It calls its own platform's REST API: on MWAA through `InvokeRestApi` with the execution
role (MWAA sets `AIRFLOW_ENV_NAME`); on EKS the API server Service inside the cluster
(`AIRFLOW_STATE_API_URL`, as the read-only `state-backup` login whose credentials the
workers get from a Secret; it cannot change anything). Then it adds 1 to the CloudWatch
metric `AirflowState/BackupsWritten`; an alarm fires when that stays at zero for 26 hours.

Rerunning a day overwrites that day's object (the bucket keeps old versions). It starts
unpaused on a new environment, and an import never changes its paused state: each platform
backs itself up, whatever the other platform's document says.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime, timedelta

from airflow.sdk import dag, task
from common.alerts import notify_failure

log = logging.getLogger(__name__)

STATE_PREFIX = "airflow-state"
HISTORY_DAYS = 2
METRIC_NAMESPACE = "AirflowState"
METRIC_NAME = "BackupsWritten"


def environment_name() -> str:
    """MWAA sets AIRFLOW_ENV_NAME; the EKS chart sets AIRFLOW_STATE_ENVIRONMENT."""
    name = os.environ.get("AIRFLOW_ENV_NAME") or os.environ.get("AIRFLOW_STATE_ENVIRONMENT")
    if not name:
        raise RuntimeError("neither AIRFLOW_ENV_NAME (MWAA) nor AIRFLOW_STATE_ENVIRONMENT is set")
    return name


def own_api():
    """This platform's REST API: InvokeRestApi on MWAA, the in-cluster API server on EKS."""
    from common.airflow_state import AirflowApi, HttpTransport, MwaaTransport

    if os.environ.get("AIRFLOW_ENV_NAME"):
        import boto3

        return AirflowApi(MwaaTransport(boto3.client("mwaa"), os.environ["AIRFLOW_ENV_NAME"]))
    url = os.environ.get("AIRFLOW_STATE_API_URL")
    if not url:
        raise RuntimeError("AIRFLOW_STATE_API_URL is not set: which API server to export from?")
    return AirflowApi(
        HttpTransport(
            url, os.environ["AIRFLOW_STATE_USERNAME"], os.environ["AIRFLOW_STATE_PASSWORD"]
        )
    )


@dag(
    dag_id="metadata_backup",
    schedule="@daily",
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    # Both platforms create new DAGs paused (dags_are_paused_at_creation): a backup that
    # waits for someone to unpause it is no backup.
    is_paused_upon_creation=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=30),
    default_args={
        "owner": "platform",
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "execution_timeout": timedelta(minutes=15),
        "on_failure_callback": notify_failure,
    },
    tags=["platform", "backup"],
    doc_md=__doc__,
)
def metadata_backup():
    @task
    def export(bucket: str, day: str) -> str:
        """Write the state document for `day`; return its S3 URI."""
        from common.airflow_state import dump_document, export_state
        from common.airflow_state.storage import write_text

        env = environment_name()
        doc = export_state(own_api(), f"backup:{env}", history_days=HISTORY_DAYS)
        uri = f"s3://{bucket}/{STATE_PREFIX}/date={day}/state.json"
        write_text(uri, dump_document(doc))
        for line in doc["omitted"]:
            log.warning("Left out of the backup: %s", line)
        return uri

    @task
    def record(uri: str) -> None:
        """Count the backup, so silence (no backup for 26 hours) can alarm."""
        import boto3

        boto3.client("cloudwatch").put_metric_data(
            Namespace=METRIC_NAMESPACE,
            MetricData=[
                {
                    "MetricName": METRIC_NAME,
                    "Dimensions": [{"Name": "Environment", "Value": environment_name()}],
                    "Value": 1,
                    "Unit": "Count",
                }
            ],
        )
        log.info("Backup recorded: %s", uri)

    record(export(bucket="{{ var.value.data_bucket }}", day="{{ ds }}"))


metadata_backup()
