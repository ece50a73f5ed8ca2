"""Counters that do not depend on the machine's load: what each process has spent on the
CPU, what PgBouncer forwarded to PostgreSQL, and which AWS calls reached the moto server.

Each probe returns a snapshot; the runner subtracts the one taken before a run from the one
taken after it."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import subprocess
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from local import procfs
from local.platform import Platform, Supervisor

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int, proc: Path = procfs.PROC) -> float:
    """CPU-seconds of `pid` and of its children it has reaped (utime, stime, cutime, cstime:
    /proc/<pid>/stat fields 14-17). A task process that ended is in its parent's cutime;
    one still running is counted as itself. 0 when the process is gone."""
    fields = procfs.stat_fields(pid, proc)
    if fields is None:
        return 0.0
    return sum(int(v) for v in fields[procfs.CPU_TIMES]) / CLOCK_TICKS


def children(proc: Path = procfs.PROC) -> dict[int, list[int]]:
    """Parent pid -> its live children's pids (/proc/<pid>/stat field 4)."""
    tree: dict[int, list[int]] = {}
    for pid, fields in procfs.all_stat_fields(proc).items():
        with contextlib.suppress(IndexError, ValueError):
            tree.setdefault(int(fields[procfs.PPID]), []).append(pid)
    return tree


def _with_descendants(pids: Iterable[int], tree: dict[int, list[int]]) -> set[int]:
    found, todo = set(), list(pids)
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo += tree.get(pid, [])
    return found


def cpu_seconds(sup: Supervisor, names: Iterable[str] | None = None) -> dict[str, float]:
    """CPU-seconds so far of each process the platform started: its whole session and
    every descendant, also those that left the session (PostgreSQL's backends call
    setsid(), so they are not in the postmaster's session)."""
    tree = children()
    return {
        name: round(sum(process_cpu(p) for p in _with_descendants(sup.processes(name), tree)), 2)
        for name in (sup.names() if names is None else names)
    }


def _metadata_url(platform: Platform) -> Any:
    return urlparse(platform.config.env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])


def _admin(platform: Platform, command: str) -> str:
    """`psql -A -F <tab>` output of one command on PgBouncer's admin console: the program's
    ini makes Airflow's user a stats user."""
    url = _metadata_url(platform)
    return subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", str(url.port), "-U", str(url.username),
         "-AF", "\t", "-c", command, "pgbouncer"],
        env={**os.environ, "PGPASSWORD": str(url.password)},
        capture_output=True, text=True, check=True, timeout=60,
    ).stdout  # fmt: skip


def _rows(text: str) -> list[dict[str, str]]:
    lines = [line.split("\t") for line in text.splitlines() if "\t" in line]
    if not lines:
        return []
    header, rows = lines[0], lines[1:]
    return [dict(zip(header, row, strict=False)) for row in rows]


def pgbouncer_stats(platform: Platform) -> dict[str, int]:
    """PgBouncer's SHOW STATS for the metadata database: statements (`total_query_count`)
    and transactions (`total_xact_count`) it has forwarded to PostgreSQL."""
    database = _metadata_url(platform).path.lstrip("/")
    return parse_show_stats(_admin(platform, "SHOW STATS"), database)


def pool_in_use(platform: Platform) -> int:
    """The metadata database's PgBouncer pool busy now: server connections linked to a
    client (in transaction pooling, only inside a transaction or a statement), clients
    waiting for one, and cancel requests under way."""
    database = _metadata_url(platform).path.lstrip("/")
    return parse_show_pools(_admin(platform, "SHOW POOLS"), database)


# SHOW POOLS columns of what is under way in a pool (PgBouncer 1.x; the cancel columns
# since 1.18, absent before).
BUSY_POOL_COLUMNS = (
    "sv_active",
    "cl_waiting",
    "sv_active_cancel",
    "sv_being_canceled",
    "cl_active_cancel_req",
    "cl_waiting_cancel_req",
)


def parse_show_pools(text: str, database: str) -> int:
    """`psql -A -F <tab>` output of SHOW POOLS -> what `database`'s pools have under way
    (BUSY_POOL_COLUMNS, summed)."""
    return sum(
        int(r.get(column) or 0)
        for r in _rows(text)
        if r.get("database") == database
        for column in BUSY_POOL_COLUMNS
    )


def parse_show_stats(text: str, database: str) -> dict[str, int]:
    """`psql -A -F <tab>` output of SHOW STATS -> statements and transactions of `database`,
    and how long its clients waited for a server connection (`total_wait_time`, µs): the
    time a pool too small for the load would add."""
    for values in _rows(text):
        if values.get("database") == database:
            return {
                "statements": int(values["total_query_count"]),
                "transactions": int(values["total_xact_count"]),
                "wait_us": int(values["total_wait_time"]),
            }
    raise ValueError(f"PgBouncer's SHOW STATS has no database {database!r}")


def _moto(platform: Platform, action: str, method: str = "POST") -> bytes:
    url = f"http://127.0.0.1:{platform.ports.moto}/moto-api/recorder/{action}"
    request = urllib.request.Request(url, data=b"" if method == "POST" else None, method=method)
    with urllib.request.urlopen(request, timeout=60) as response:
        return bytes(response.read())


def start_recording(platform: Platform) -> None:
    """Empty moto's request recording and record from now on."""
    _moto(platform, "reset-recording")
    _moto(platform, "start-recording")


def aws_calls(platform: Platform, settle: float = 5.0, timeout: float = 60.0) -> dict[str, int]:
    """The calls recorded since `start_recording`, as 'service.Operation' -> count, once the
    recording has stopped growing for `settle` seconds: the last tasks' log uploads reach S3
    after their DAG runs have ended (up to 9 of 200 PUTs were missed without the wait)."""
    wait_until_still(lambda: len(_moto(platform, "download-recording", "GET")), settle, timeout)
    _moto(platform, "stop-recording")
    return count_calls(_moto(platform, "download-recording", "GET").decode())


def wait_until_still(
    size: Callable[[], int],
    settle: float,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> None:
    """Until `size()` is the same `settle` seconds apart, or `timeout` seconds have passed."""
    deadline = clock() + timeout
    last = size()
    while clock() < deadline:
        sleep(settle)
        now = size()
        if now == last:
            return
        last = now


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name), "")


def operation(entry: Mapping[str, Any]) -> str:
    """'service.Operation' of one recorded request: the service from the signature's
    credential scope (.../<region>/<service>/aws4_request), the operation from
    X-Amz-Target (JSON APIs such as Secrets Manager), the Action parameter (query APIs
    such as SNS, STS) or the HTTP method (S3's REST API)."""
    headers = entry.get("headers", {})
    scope = _header(headers, "authorization").split("Credential=", 1)[-1].split(",")[0]
    parts = scope.split("/")
    service = parts[3] if len(parts) > 3 else "unsigned"
    target = _header(headers, "x-amz-target")
    if target:
        return f"{service}.{target.rsplit('.', 1)[-1]}"
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode(errors="replace")
    action = parse_qs(urlparse(entry.get("url", "")).query).get("Action") or (
        parse_qs(body).get("Action") if service != "s3" else None
    )
    if action:
        return f"{service}.{action[0]}"
    return f"{service}.{entry.get('method', '?')}"


def count_calls(recording: str) -> dict[str, int]:
    """moto's recording (one JSON request per line) -> 'service.Operation' -> count."""
    counts = Counter(operation(json.loads(line)) for line in recording.splitlines() if line)
    return dict(sorted(counts.items()))
