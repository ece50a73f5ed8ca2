"""local.bench.probes: CPU from /proc, PgBouncer's SHOW STATS, and moto's recording read as
calls per service and operation."""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path

import pytest

from local.bench import probes
from local.bench.probes import (
    count_calls,
    parse_show_pools,
    parse_show_stats,
    process_cpu,
    wait_until_still,
)
from local.platform import Supervisor


def test_a_process_cpu_is_its_own_and_its_reaped_childrens(tmp_path: Path) -> None:
    ticks = probes.CLOCK_TICKS
    (tmp_path / "42").mkdir()
    # pid (comm with a space) state ppid ... utime stime cutime cstime (fields 14-17)
    fields = ["S", "1"] + ["0"] * 9 + [str(ticks * 2), str(ticks), str(ticks * 3), "0"]
    (tmp_path / "42" / "stat").write_text("42 (airflow worker) " + " ".join(fields) + " 0 0")
    assert process_cpu(42, tmp_path) == 6.0
    assert process_cpu(43, tmp_path) == 0.0, "a process gone costs nothing more"


@pytest.mark.integration
def test_cpu_seconds_follow_a_session_that_burns_cpu(tmp_path: Path) -> None:
    sup = Supervisor(tmp_path)
    sup.start("busy", ["python3", "-c", "import time\nt=time.time()\nwhile time.time()-t<5: pass"])
    try:
        time.sleep(1.5)
        first = probes.cpu_seconds(sup)["busy"]
        time.sleep(1.5)
        second = probes.cpu_seconds(sup)["busy"]
        assert 0 < first < second
    finally:
        sup.stop_all(timeout=5)


@pytest.mark.integration
def test_cpu_seconds_count_a_child_that_left_the_session(tmp_path: Path) -> None:
    # As PostgreSQL's backends do: setsid() in the child, which its parent still reaps.
    busy = "import time\nt=time.time()\nwhile time.time()-t<5: pass"
    child = f"import os\nos.setsid()\nexec({busy!r})"
    parent = f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {child!r}])"
    sup = Supervisor(tmp_path)
    sup.start("postgres", ["python3", "-c", parent])
    try:
        time.sleep(3)
        session_only = sum(process_cpu(pid) for pid in sup.processes("postgres"))
        # The parent waits (no CPU); the busy child is outside the session.
        assert probes.cpu_seconds(sup)["postgres"] > session_only + 0.05, "the child is missing"
    finally:
        sup.stop_all(timeout=5)


SHOW_STATS = (
    "database\ttotal_xact_count\ttotal_query_count\ttotal_received\ttotal_wait_time\n"
    "airflow-metadata\t120\t900\t5000\t2500\n"
    "pgbouncer\t3\t3\t0\t0\n"
    "(2 rows)\n"
)


def test_show_stats_of_the_metadata_database() -> None:
    assert parse_show_stats(SHOW_STATS, "airflow-metadata") == {
        "statements": 900,
        "transactions": 120,
        "wait_us": 2500,
    }
    with pytest.raises(ValueError, match="no database 'other'"):
        parse_show_stats(SHOW_STATS, "other")


# SHOW POOLS as the platform's PgBouncer 1.18 prints it: in the metadata database's pool,
# two servers linked to clients (transactions under way) and one client waiting.
SHOW_POOLS = (
    "database\tuser\tcl_active\tcl_waiting\tcl_active_cancel_req\tcl_waiting_cancel_req\t"
    "sv_active\tsv_active_cancel\tsv_being_canceled\tsv_idle\tsv_used\tsv_tested\t"
    "sv_login\tmaxwait\tmaxwait_us\tpool_mode\n"
    "airflow-metadata\tairflow\t26\t1\t0\t0\t2\t0\t0\t0\t8\t0\t0\t0\t0\ttransaction\n"
    "pgbouncer\tpgbouncer\t1\t0\t0\t0\t1\t0\t0\t0\t0\t0\t0\t0\t0\tstatement\n"
    "(2 rows)\n"
)


def test_show_pools_counts_what_the_metadata_pool_has_under_way() -> None:
    """Linked servers and waiting clients; clients merely connected (cl_active counts idle
    ones too) and servers idle or used are nothing under way."""
    assert parse_show_pools(SHOW_POOLS, "airflow-metadata") == 3
    idle = SHOW_POOLS.replace("\t26\t1\t0\t0\t2\t", "\t26\t0\t0\t0\t0\t")
    assert parse_show_pools(idle, "airflow-metadata") == 0
    assert parse_show_pools(SHOW_POOLS, "nothing") == 0
    # A PgBouncer before 1.18 has no cancel columns: the others still count.
    older = "database\tcl_active\tcl_waiting\tsv_active\nairflow-metadata\t3\t0\t1\n"
    assert parse_show_pools(older, "airflow-metadata") == 1


def _entry(service: str, **extra: object) -> str:
    auth = f"AWS4-HMAC-SHA256 Credential=local/20261207/us-east-1/{service}/aws4_request, Sig=x"
    entry: dict[str, object] = {"headers": {"Authorization": auth}, "method": "POST",
                                "url": "http://127.0.0.1:5000/", "body": "",
                                "body_encoded": False}  # fmt: skip
    entry.update(extra)
    return json.dumps(entry)


def test_recorded_requests_become_calls_per_operation() -> None:
    target = {"X-Amz-Target": "secretsmanager.GetSecretValue"}
    recording = "\n".join(
        [
            _entry("secretsmanager", headers={**json.loads(_entry("secretsmanager"))["headers"],
                                             **target}),
            _entry("secretsmanager", headers={**json.loads(_entry("secretsmanager"))["headers"],
                                             "x-amz-target": "secretsmanager.GetSecretValue"}),
            _entry("s3", method="PUT", url="http://127.0.0.1:5000/bucket/logs/k.log",
                   body=base64.b64encode(b"Action=not-a-query").decode(), body_encoded=True),
            _entry("sns", body="Action=Publish&TopicArn=arn"),
            _entry("sts", url="http://127.0.0.1:5000/?Action=GetCallerIdentity"),
        ]
    )  # fmt: skip
    assert count_calls(recording + "\n") == {
        "s3.PUT": 1,
        "secretsmanager.GetSecretValue": 2,
        "sns.Publish": 1,
        "sts.GetCallerIdentity": 1,
    }


@pytest.mark.skipif(not os.access("/proc/self/stat", os.R_OK), reason="needs /proc")
def test_this_process_has_spent_some_cpu() -> None:
    assert process_cpu(os.getpid()) > 0


def test_aws_calls_are_read_once_the_recording_stops_growing() -> None:
    """The last tasks' log uploads land after their DAG runs end: the counts are read when
    two reads `settle` seconds apart agree, and a recording that never settles gives up at
    the timeout."""
    sizes, slept = iter([100, 180, 199, 199, 250]), list[float]()
    wait_until_still(lambda: next(sizes), 5.0, 60.0, sleep=slept.append)
    assert slept == [5.0, 5.0, 5.0] and next(sizes) == 250
    now = [0.0]

    def tick(seconds: float) -> None:
        now[0] += seconds

    growing = iter(range(1000))
    wait_until_still(lambda: next(growing), 5.0, 12.0, sleep=tick, clock=lambda: now[0])
    assert now[0] == 15.0
