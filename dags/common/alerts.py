"""Failure alerts shared by every DAG: one short SNS message per failed task.

Use it as ``default_args["on_failure_callback"]``. The SNS topic ARN is the Airflow
Variable ``alert_topic_arn`` (Secrets Manager secret ``airflow/variables/alert_topic_arn``);
it is read when a task fails, never while the DAG file is parsed.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

log = logging.getLogger(__name__)

ALERT_TOPIC_VARIABLE = "alert_topic_arn"
# No connection: the hook uses the worker's own IAM role (MWAA execution role or the
# EKS worker's IRSA role), so an alert still goes out when a connection is what broke.
ALERT_AWS_CONN_ID = None
_SUBJECT_LIMIT = 100  # SNS rejects longer subjects.
_ERROR_LIMIT = 500


def notify_failure(context: dict[str, Any]) -> None:
    """Publish a short, human-readable failure message to the stack's alert topic.

    Never raises: a broken alert must not hide the task failure that triggered it.
    """
    try:
        from airflow.sdk import Variable

        topic_arn = Variable.get(ALERT_TOPIC_VARIABLE, default=None)
        if not topic_arn:
            log.warning("Variable %r is not set; failure alert not sent", ALERT_TOPIC_VARIABLE)
            return

        from airflow.providers.amazon.aws.hooks.sns import SnsHook

        subject, message = format_failure(context)
        # The topic's region is part of its ARN: arn:aws:sns:<region>:<account>:<name>.
        hook = SnsHook(aws_conn_id=ALERT_AWS_CONN_ID, region_name=topic_arn.split(":")[3])
        hook.publish_to_target(target_arn=topic_arn, message=message, subject=subject)
        log.info("Failure alert published to %s", topic_arn)
    except Exception:
        log.exception("Could not publish the failure alert")


def format_failure(context: dict[str, Any]) -> tuple[str, str]:
    """Return (subject, message) describing the failed task instance in ``context``."""
    ti = context["ti"]
    error = str(context.get("exception") or "unknown error")[:_ERROR_LIMIT]
    subject = f"Airflow task failed: {ti.dag_id}.{ti.task_id}"[:_SUBJECT_LIMIT]
    message = "\n".join(
        [
            "An Airflow task failed.",
            f"DAG: {ti.dag_id}",
            f"Task: {ti.task_id}",
            f"Run: {ti.run_id}",
            f"Try: {ti.try_number}",
            f"Error: {error}",
            f"Log: {_log_url(ti)}",
        ]
    )
    return subject, message


def _log_url(ti: Any) -> str:
    """The task's log page; workers set ``ti.log_url``, local test runs may not."""
    if getattr(ti, "log_url", None):
        return str(ti.log_url)
    from airflow.configuration import conf

    base_url = conf.get("api", "base_url", fallback="http://localhost:8080/").rstrip("/")
    return f"{base_url}/dags/{ti.dag_id}/runs/{quote(ti.run_id)}/tasks/{ti.task_id}"
