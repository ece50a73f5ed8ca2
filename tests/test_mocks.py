"""The runner every plan under mocks goes through (tools.mocks.run_mocked): what it leaves out
of Pulumi's runtime must stay left out, and must not change what a program declares."""

from __future__ import annotations

import threading
from typing import Any

import pulumi_aws as aws
from pulumi.runtime import resource as runtime_resource
from pulumi.runtime.sync_await import _ensure_event_loop

from tools.mocks import STACK_TRACE_HOOK, AwsMocks, InlineExecutor, RecordingMonitor, run_mocked


class Watching(RecordingMonitor):
    """Remembers the stack trace each registration carried and the thread that answered it."""

    def __init__(self, mocks: AwsMocks) -> None:
        super().__init__(mocks)
        self.frames: list[int] = []
        self.threads: set[int] = set()

    def RegisterResource(self, request: Any) -> Any:
        self.frames.append(len(request.stackTrace.frames))
        self.threads.add(threading.get_ident())
        return super().RegisterResource(request)


def test_the_sdk_still_has_the_stack_trace_hook_the_runner_replaces() -> None:
    # After a pulumi upgrade that renames it, every plan would walk the stack again (a fifth of
    # the unit suite's time): find the new hook in pulumi/runtime/resource.py.
    assert callable(getattr(runtime_resource, STACK_TRACE_HOOK, None))


def test_resources_are_registered_on_the_callers_thread_without_a_stack_trace() -> None:
    mocks = AwsMocks(region="us-east-1")
    monitor = Watching(mocks)

    def program() -> None:
        bucket = aws.s3.Bucket("data")
        aws.s3.BucketVersioning(
            "data", bucket=bucket.id, versioning_configuration={"status": "Enabled"}
        )

    run_mocked(program, mocks, project="airflow", stack="test", preview=True, monitor=monitor)
    assert [r.name for r in mocks.registrations] == ["data", "data"]
    assert monitor.frames == [0, 0, 0]  # the stack, then both resources
    assert monitor.threads == {threading.get_ident()}
    versioning = mocks.registrations[1]
    assert versioning.inputs["bucket"] == mocks.registrations[0].id


def test_the_runtime_is_as_it_was_after_the_program() -> None:
    loop = _ensure_event_loop()
    mocks = AwsMocks(region="us-east-1")
    run_mocked(lambda: None, mocks, project="airflow", stack="test", preview=True)
    assert getattr(runtime_resource, STACK_TRACE_HOOK).__module__ == "pulumi.runtime.resource"
    assert not isinstance(loop._default_executor, InlineExecutor)  # type: ignore[attr-defined]


def test_an_engine_call_that_fails_hands_its_error_to_the_awaiting_coroutine() -> None:
    # As a thread pool would: the coroutine that awaits the call raises it.
    def refuse() -> None:
        raise RuntimeError("refused")

    executor = InlineExecutor(max_workers=1)
    assert executor.submit(lambda: "answered").result() == "answered"
    failed = executor.submit(refuse).exception()
    assert isinstance(failed, RuntimeError)
    assert str(failed) == "refused"
