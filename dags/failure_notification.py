"""
### Failure notification

Exercises the failure alert that every DAG uses (`common/alerts.py`): when a task fails,
a short message with the DAG, task, run, error and log link goes to the stack's SNS alert
topic (Airflow Variable `alert_topic_arn`), and a Chatbot card to its chat topic
(`chat_topic_arn`).

Runs only when triggered. With the default params it succeeds and sends nothing; trigger
it with `{"fail": true}` to make `maybe_fail` fail on purpose and check that the alert
arrives.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Param, dag, task
from common.alerts import notify_failure

try:  # Airflow 3.1+ (3.3.1 deprecates the airflow.exceptions name)
    from airflow.sdk.exceptions import AirflowFailException
except ImportError:  # Airflow 3.0.x, the version a rollback returns to
    from airflow.exceptions import AirflowFailException


@dag(
    dag_id="failure_notification",
    schedule=None,
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    dagrun_timeout=timedelta(minutes=10),
    default_args={
        "owner": "platform",
        "retries": 1,
        "retry_delay": timedelta(minutes=1),
        "on_failure_callback": notify_failure,
    },
    params={
        "fail": Param(False, type="boolean", description="Fail on purpose to test the alert."),
    },
    tags=["platform", "alerting"],
    doc_md=__doc__,
)
def failure_notification():
    @task
    def maybe_fail(params: dict | None = None) -> str:
        """Succeed, unless the run was triggered with ``fail`` set."""
        if params and params["fail"]:
            # AirflowFailException skips the retries: the alert arrives at once.
            raise AirflowFailException("Failing on purpose (param fail=true) to test alerts.")
        return "No failure requested."

    maybe_fail()


failure_notification()
