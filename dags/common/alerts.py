"""Failure alerts shared by every DAG: one short SNS message per failed task, per channel.

Use it as ``default_args["on_failure_callback"]``. Two topics, two formats:

- the alert topic (Airflow Variable ``alert_topic_arn``, Secrets Manager secret
  ``airflow/variables/alert_topic_arn``) gets a readable message for e-mail, SMS, HTTPS, push;
- the chat topic (Variable ``chat_topic_arn``) gets the same failure as an AWS Chatbot custom
  notification, the only text Chatbot delivers to Slack and Teams.

The Variables are read when a task fails, never while the DAG file is parsed.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import quote

log = logging.getLogger(__name__)

ALERT_TOPIC_VARIABLE = "alert_topic_arn"
CHAT_TOPIC_VARIABLE = "chat_topic_arn"
# No connection: the hook uses the worker's own IAM role (MWAA execution role or the
# EKS worker's IRSA role), so an alert still goes out when a connection is what broke.
ALERT_AWS_CONN_ID = None
_SUBJECT_LIMIT = 100  # SNS rejects longer subjects.
_ERROR_LIMIT = 500


def notify_failure(context: dict[str, Any]) -> None:
    """Publish the failure to the alert topic (readable) and the chat topic (Chatbot JSON).

    Never raises: a broken alert must not hide the task failure that triggered it, and one
    channel failing does not keep the other from hearing about it.
    """
    topic_arn = _variable(ALERT_TOPIC_VARIABLE)
    if not topic_arn:
        log.warning("Variable %r is not set; failure alert not sent", ALERT_TOPIC_VARIABLE)
    else:
        subject, message = format_failure(context)
        _publish(topic_arn, message=message, subject=subject)
    chat_topic_arn = _variable(CHAT_TOPIC_VARIABLE)
    if not chat_topic_arn:
        log.info("Variable %r is not set; no chat notification", CHAT_TOPIC_VARIABLE)
    else:
        _publish(chat_topic_arn, message=json.dumps(format_chat(context)))


def _variable(key: str) -> str | None:
    try:
        from airflow.sdk import Variable

        return Variable.get(key, default=None)
    except Exception:
        log.exception("Could not read Variable %r", key)
        return None


def _publish(topic_arn: str, **message: str) -> None:
    try:
        from airflow.providers.amazon.aws.hooks.sns import SnsHook

        # The topic's region is part of its ARN: arn:aws:sns:<region>:<account>:<name>.
        hook = SnsHook(aws_conn_id=ALERT_AWS_CONN_ID, region_name=topic_arn.split(":")[3])
        hook.publish_to_target(target_arn=topic_arn, **message)
        log.info("Failure alert published to %s", topic_arn)
    except Exception:
        log.exception("Could not publish the failure alert to %s", topic_arn)


def format_failure(context: dict[str, Any]) -> tuple[str, str]:
    """Return (subject, message) describing the failed task instance in ``context``."""
    ti = context["ti"]
    error = _error(context)
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


def format_chat(context: dict[str, Any]) -> dict[str, Any]:
    """The failure as an AWS Chatbot custom notification (version 1.0, source custom)."""
    ti = context["ti"]
    return {
        "version": "1.0",
        "source": "custom",
        "content": {
            "textType": "client-markdown",
            "title": f"Airflow task failed: {ti.dag_id}.{ti.task_id}",
            "description": (
                f"Task *{ti.task_id}* of DAG *{ti.dag_id}* failed on try {ti.try_number} "
                f"(run {ti.run_id}).\n{_error(context)}"
            ),
            "nextSteps": [f"Read the task log: {_log_url(ti)}"],
            "keywords": ["airflow", "task-failure", str(ti.dag_id)],
        },
        "metadata": {
            "threadId": f"{ti.dag_id}/{ti.run_id}",
            "additionalContext": {"dag_id": str(ti.dag_id), "task_id": str(ti.task_id)},
        },
    }


def _error(context: dict[str, Any]) -> str:
    return str(context.get("exception") or "unknown error")[:_ERROR_LIMIT]


def _log_url(ti: Any) -> str:
    """The task's log page; workers set ``ti.log_url``, local test runs may not."""
    if getattr(ti, "log_url", None):
        return str(ti.log_url)
    from airflow.configuration import conf

    base_url = conf.get("api", "base_url", fallback="http://localhost:8080/").rstrip("/")
    return f"{base_url}/dags/{ti.dag_id}/runs/{quote(ti.run_id)}/tasks/{ti.task_id}"
