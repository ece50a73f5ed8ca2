"""One platform at a time on the CPU: while a configuration runs, the other platforms'
Airflow processes are stopped (SIGSTOP), and continued (SIGCONT) before their own run.

Why: platforms that run nothing still spend CPU (the schedulers' loops, a DAG processor
re-parsing its files), and on two cores that CPU is taken from the run. In the runs of
2026-12-07 afternoon the idle platforms beside a run spent 0.3 to 1.0 of the two cores, and
not alike for each configuration: Airflow's defaults re-parse every DAG file every 30 s, the
program every 120 s, so the program's runs had the busier neighbours (1.0 core against the
defaults' 0.85; docs/benchmark.md, "Each run alone"). A run alone measures its
configuration, not the neighbours'.

A platform is stopped only at a moment when none of its processes is in the middle of
something a stop would break, read once they are all stopped: no PgBouncer server
connection linked to a client and no client waiting for one (a transaction: PgBouncer ends
one left idle for 60 s, the program's `idle_transaction_timeout`, and the process would find
its connection gone), and no DAG file being parsed (the DAG processor kills a parse that
has run longer than its 50 s timeout, counted on a clock that goes on while it is stopped,
and the file's DAGs would be marked stale). Otherwise the processes continue and it is
tried again, after the other platforms (`freeze`). The servers (PostgreSQL, PgBouncer,
Redis, moto) keep running: they answer that check, and spend next to nothing idle."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from local import procfs
from local.bench import probes
from local.platform import Platform, Supervisor

# Long enough for a transaction the API server's deadlock holds (apache/airflow#65712;
# docs/benchmark.md, "Not a leak") to be ended by PgBouncer's idle_transaction_timeout
# (60 s), after which the platform can be stopped.
STOP_TIMEOUT_S = 120.0
# After the stop signals, until every process is stopped and PgBouncer has read whatever
# they sent just before: then the linked servers are what the stopped processes hold.
SETTLE_S = 0.3
RETRY_S = 0.5
# How long one attempt waits for its processes to stop: SIGSTOP takes effect at once, except
# on a process in uninterruptible sleep (state D, waiting on the disk); such an attempt gives
# up and the other platforms get their turn, rather than waiting out the whole timeout.
STOP_WAIT_S = 5.0
DAG_PROCESSOR = "dag-processor"


def airflow_processes(p: Platform) -> list[str]:
    """The platform's Airflow processes (schedulers, DAG processor, triggerer, worker, API
    server), by the names the supervisor started them under; not its servers."""
    return [process.name for process in p.config.processes]


def _signal(p: Platform, sig: signal.Signals) -> None:
    sup = Supervisor(p.state)
    for name in airflow_processes(p):
        sup.signal(name, sig)


def stopped(pid: int, proc: Path = procfs.PROC) -> bool:
    """Whether `pid` is stopped by a signal (state T) or gone."""
    fields = procfs.stat_fields(pid, proc)
    return fields is None or fields[procfs.STATE] in ("T", "t", "Z", "X")


def _all_stopped(p: Platform) -> bool:
    sup = Supervisor(p.state)
    return all(stopped(pid) for name in airflow_processes(p) for pid in sup.processes(name))


def parsing(p: Platform) -> int:
    """DAG files being parsed now: the DAG processor manager's children (its session's
    processes other than the restart loop and the manager itself)."""
    sup = Supervisor(p.state)
    leader = sup.pid(DAG_PROCESSOR)
    if leader is None:
        return 0
    tree = probes.children()
    managers = set(tree.get(leader, []))
    return sum(len(tree.get(manager, [])) for manager in managers)


def busy(p: Platform) -> str:
    """What of the platform a stop would break now ('' when nothing): a transaction
    (PgBouncer's pool), a DAG file's parse."""
    found = []
    if in_use := probes.pool_in_use(p):
        found.append(f"{in_use} PgBouncer connection(s) inside a transaction or waiting")
    if parses := parsing(p):
        found.append(f"{parses} DAG file parse(s)")
    return ", ".join(found)


def freeze(
    platforms: Sequence[Platform],
    *,
    busy: Callable[[Platform], str] = busy,
    timeout: float = STOP_TIMEOUT_S,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Stop each platform's Airflow processes at a moment nothing of it is `busy`; returns
    the attempts it took. One attempt at each platform in turn: one found busy continues
    until its next turn, one stopped stays stopped, so a platform at rest is not kept waiting
    behind a busy one, and what the stopped ones no longer spend speeds the others' work
    (platforms that all just started parse and migrate at once). Raises RuntimeError (those
    not stopped continued) when none more could be stopped for `timeout` seconds."""
    todo = list(platforms)
    attempts = 0
    deadline = clock() + timeout
    while todo:
        doing = []
        for p in todo:
            attempts += 1
            if reason := _stop(p, busy, sleep, clock, deadline):
                doing.append((p, reason))
        if len(doing) < len(todo):
            deadline = clock() + timeout  # one more stopped: the others get the time anew
        todo = [p for p, _ in doing]
        if todo and clock() > deadline:
            raise RuntimeError(
                "; ".join(
                    f"{p.state}: not stopped, busy for {timeout:.0f} s: {reason}"
                    for p, reason in doing
                )
            )
        if todo:
            sleep(RETRY_S)
    return attempts


def _stop(
    p: Platform,
    busy: Callable[[Platform], str],
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    deadline: float,
) -> str:
    """One attempt: stop the platform's processes and read what it is doing; '' when
    nothing (it stays stopped), else that (its processes continued)."""
    _signal(p, signal.SIGSTOP)
    give_up = min(deadline, clock() + STOP_WAIT_S)
    while not _all_stopped(p) and clock() < give_up:
        sleep(0.05)
        _signal(p, signal.SIGSTOP)  # a process started since the last signal
    sleep(SETTLE_S)
    doing = busy(p) if _all_stopped(p) else "a process that would not stop"
    if doing:
        _signal(p, signal.SIGCONT)
    return doing


def thaw(p: Platform) -> None:
    """Continue the platform's Airflow processes (nothing happens to running ones)."""
    _signal(p, signal.SIGCONT)
