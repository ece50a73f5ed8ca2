"""The failure callback publishes one readable SNS message to the alert topic and one AWS
Chatbot custom notification to the chat topic, and never breaks a task."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from unittest import mock

import pytest
from airflow.utils.state import DagRunState

# Chatbot's custom-notification schema, shared with the infrastructure tests: scripts/test-dags.sh
# runs `python -m pytest` from the repository root, so `tests` is importable here too.
from tests.chatbot import chat_problems

TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:airflow-alerts"
CHAT_TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:airflow-alerts-chat"
LOG_URL = (
    "https://airflow.example.com/dags/s3_etl/runs/scheduled__2025-06-02T00:00:00+00:00"
    "/tasks/load?try_number=3"
)


@pytest.fixture
def notify_failure() -> Callable[[dict], None]:
    """The callback, imported at test time: the parse-time guard test owns module import."""
    from common.alerts import notify_failure

    return notify_failure


@pytest.fixture
def sns() -> Iterator[mock.MagicMock]:
    """SnsHook replaced by a mock class; ``sns.return_value`` is the hook the callback uses."""
    with mock.patch("airflow.providers.amazon.aws.hooks.sns.SnsHook", autospec=True) as hook_cls:
        yield hook_cls


@pytest.fixture
def topic(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AIRFLOW_VAR_ALERT_TOPIC_ARN", TOPIC_ARN)
    return TOPIC_ARN


@pytest.fixture
def chat_topic(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("AIRFLOW_VAR_CHAT_TOPIC_ARN", CHAT_TOPIC_ARN)
    return CHAT_TOPIC_ARN


def published(sns: mock.MagicMock) -> dict[str, dict]:
    """What the callback published, by topic ARN."""
    calls = sns.return_value.publish_to_target.call_args_list
    return {c.kwargs["target_arn"]: c.kwargs for c in calls}


def failure_context() -> dict:
    """What a worker passes to on_failure_callback (the fields the callback reads)."""
    ti = SimpleNamespace(
        dag_id="s3_etl",
        task_id="load",
        run_id="scheduled__2025-06-02T00:00:00+00:00",
        try_number=3,
        map_index=-1,
        log_url=LOG_URL,
    )
    return {
        "ti": ti,
        "task_instance": ti,
        "run_id": ti.run_id,
        "exception": PermissionError("AccessDenied: s3:PutObject on data-lake-bucket"),
    }


def test_publishes_one_message_to_the_topic(notify_failure, sns, topic: str) -> None:
    notify_failure(failure_context())

    sns.assert_called_once_with(aws_conn_id=None, region_name="eu-west-1")
    sns.return_value.publish_to_target.assert_called_once()
    kwargs = sns.return_value.publish_to_target.call_args.kwargs
    assert kwargs["target_arn"] == topic
    assert kwargs["subject"] == "Airflow task failed: s3_etl.load"
    for expected in ("DAG: s3_etl", "Task: load", "Try: 3", "AccessDenied", f"Log: {LOG_URL}"):
        assert expected in kwargs["message"]


def test_sns_errors_do_not_escape(notify_failure, sns, topic: str) -> None:
    sns.return_value.publish_to_target.side_effect = RuntimeError("SNS is down")
    notify_failure(failure_context())  # must not raise


def test_long_subject_is_cut_to_sns_limit(notify_failure, sns, topic: str) -> None:
    context = failure_context()
    context["ti"].task_id = "t" * 200
    notify_failure(context)
    assert len(sns.return_value.publish_to_target.call_args.kwargs["subject"]) == 100


@pytest.mark.usefixtures("airflow_db")
def test_failing_on_purpose_alerts_once(load_dag, sns, topic: str) -> None:
    """End to end: Airflow runs the task, it fails, Airflow calls the callback."""
    dag_run = load_dag("failure_notification").test(run_conf={"fail": True})

    assert dag_run.state == DagRunState.FAILED
    sns.return_value.publish_to_target.assert_called_once()
    kwargs = sns.return_value.publish_to_target.call_args.kwargs
    assert kwargs["target_arn"] == topic
    # dag.test() does not hand the exception to callbacks (workers do), so no error text.
    for expected in ("DAG: failure_notification", "Task: maybe_fail", "Log: http"):
        assert expected in kwargs["message"]


@pytest.mark.usefixtures("airflow_db")
def test_default_params_succeed_silently(load_dag, sns, topic: str) -> None:
    dag_run = load_dag("failure_notification").test()

    assert dag_run.state == DagRunState.SUCCESS
    sns.return_value.publish_to_target.assert_not_called()


@pytest.mark.usefixtures("airflow_db")
def test_no_topic_configured_warns_and_sends_nothing(load_dag, sns, monkeypatch) -> None:
    """End to end, since only a task's runtime answers "not found" for a Variable."""
    from common import alerts

    monkeypatch.delenv("AIRFLOW_VAR_ALERT_TOPIC_ARN", raising=False)
    with mock.patch.object(alerts, "log") as log:
        dag_run = load_dag("failure_notification").test(run_conf={"fail": True})

    assert dag_run.state == DagRunState.FAILED
    sns.assert_not_called()
    log.warning.assert_called_once()
    assert "not set" in log.warning.call_args.args[0]
    log.exception.assert_not_called()


def test_chat_gets_a_chatbot_custom_notification_and_e_mail_its_line(
    notify_failure, sns, topic: str, chat_topic: str
) -> None:
    context = failure_context()
    context["exception"] = ValueError('bad "quoted" value\nsecond line \\ end')
    notify_failure(context)

    sent = published(sns)
    assert set(sent) == {topic, chat_topic}
    assert "DAG: s3_etl" in sent[topic]["message"]  # e-mail keeps its readable text
    chat = sent[chat_topic]["message"]
    assert chat_problems(chat) == []
    content = json.loads(chat)["content"]
    assert content["title"] == "Airflow task failed: s3_etl.load"
    assert 'bad "quoted" value' in content["description"]
    assert content["nextSteps"] == [f"Read the task log: {LOG_URL}"]
    # Plain text never goes to the chat topic.
    with pytest.raises(json.JSONDecodeError):
        json.loads(sent[topic]["message"])


def test_one_channel_failing_does_not_silence_the_other(
    notify_failure, sns, topic: str, chat_topic: str
) -> None:
    sns.return_value.publish_to_target.side_effect = [RuntimeError("SNS is down"), None]
    notify_failure(failure_context())  # must not raise
    targets = [c.kwargs["target_arn"] for c in sns.return_value.publish_to_target.call_args_list]
    assert targets == [topic, chat_topic]


@pytest.mark.usefixtures("airflow_db")
def test_failing_on_purpose_reaches_chat_in_its_format(
    load_dag, sns, topic: str, chat_topic: str
) -> None:
    dag_run = load_dag("failure_notification").test(run_conf={"fail": True})

    assert dag_run.state == DagRunState.FAILED
    sent = published(sns)
    assert set(sent) == {topic, chat_topic}
    assert chat_problems(sent[chat_topic]["message"]) == []
    assert "failure_notification.maybe_fail" in sent[chat_topic]["message"]


def test_the_alert_dag_imports_on_the_rollback_version(monkeypatch: pytest.MonkeyPatch) -> None:
    """Airflow 3.0.6, the version README's rollback returns to, has AirflowFailException in
    airflow.exceptions only, not in airflow.sdk.exceptions: the DAG must import there too."""
    import importlib.util
    import warnings

    import airflow.exceptions
    import airflow.sdk.exceptions

    from tests.dags.conftest import DAGS_FOLDER

    # 3.0.6's layout: the class lives in airflow.exceptions, airflow.sdk.exceptions lacks it.
    fail = airflow.sdk.exceptions.AirflowFailException
    with warnings.catch_warnings():  # monkeypatch reads 3.3.1's deprecated name first
        warnings.simplefilter("ignore")
        monkeypatch.setattr(airflow.exceptions, "AirflowFailException", fail, raising=False)
    monkeypatch.delattr(airflow.sdk.exceptions, "AirflowFailException")
    spec = importlib.util.spec_from_file_location(
        "failure_notification_on_3_0", DAGS_FOLDER / "failure_notification.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.AirflowFailException is fail
