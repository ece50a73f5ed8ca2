"""One platform at a time on the CPU: while a configuration runs, the other platforms'
Airflow processes are stopped (SIGSTOP), and continued (SIGCONT) before their own run.

Why: platforms that run nothing still spend CPU (the schedulers' loops, a DAG processor
re-parsing its files), and on two cores that CPU is taken from the run. In the runs of
2026-12-07 afternoon the idle platforms beside a run spent 0.3 to 1.0 of the two cores, and
not alike for each configuration: Airflow's defaults re-parse every DAG file every 30 s, the
program every 120 s, so the program's runs had the busier neighbours (1.0 core against the
defaults' 0.85; docs/benchmark.md). A run alone measures its configuration, not the
neighbours'.

A platform is stopped only at a moment none of its processes is inside a database
transaction (no PgBouncer server connection linked to a client, read once they are all
stopped): PgBouncer ends a transaction left idle for 60 s (the program's
`idle_transaction_timeout`), and a process stopped inside one would find its connection
gone when it continues. Otherwise the processes continue and it is tried again. The servers
(PostgreSQL, PgBouncer, Redis, moto) keep running: they answer that check, and spend next
to nothing idle."""

from __future__ import annotations

import signal
import time
from collections.abc import Callable
from pathlib import Path

from local.bench import probes
from local.platform import Platform, Supervisor

# Long enough for a transaction the API server leaked (apache/airflow#65712) to be ended by
# PgBouncer's idle_transaction_timeout (60 s), after which the platform can be stopped.
STOP_TIMEOUT_S = 120.0
# After the stop signals, until every process is stopped and PgBouncer has read whatever
# they sent just before: then the linked servers are what the stopped processes hold.
SETTLE_S = 0.3
RETRY_S = 0.5


def airflow_processes(p: Platform) -> list[str]:
    """The platform's Airflow processes (schedulers, DAG processor, triggerer, worker, API
    server), by the names the supervisor started them under; not its servers."""
    return [process.name for process in p.config.processes]


def _signal(p: Platform, sig: signal.Signals) -> None:
    sup = Supervisor(p.state)
    for name in airflow_processes(p):
        sup.signal(name, sig)


def stopped(pid: int, proc: Path = Path("/proc")) -> bool:
    """Whether `pid` is stopped by a signal (state T) or gone."""
    try:
        state = (proc / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state in ("T", "t", "Z", "X")


def _all_stopped(p: Platform) -> bool:
    sup = Supervisor(p.state)
    return all(stopped(pid) for name in airflow_processes(p) for pid in sup.processes(name))


def freeze(
    p: Platform,
    *,
    in_use: Callable[[Platform], int] = probes.servers_in_use,
    timeout: float = STOP_TIMEOUT_S,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    all_stopped: Callable[[Platform], bool] = _all_stopped,
) -> int:
    """Stop the platform's Airflow processes outside any transaction; returns the attempts
    it took. Raises RuntimeError (the processes continued) when a transaction stays open
    past `timeout` seconds."""
    deadline = clock() + timeout
    attempts = 0
    while True:
        attempts += 1
        _signal(p, signal.SIGSTOP)
        while not all_stopped(p) and clock() < deadline:
            sleep(0.05)
        sleep(SETTLE_S)
        linked = in_use(p)
        if not linked and all_stopped(p):
            return attempts
        _signal(p, signal.SIGCONT)
        if clock() > deadline:
            raise RuntimeError(
                f"{p.state}: {linked} PgBouncer server connection(s) stayed inside a "
                f"transaction for {timeout:.0f} s; the platform was not stopped"
            )
        sleep(RETRY_S)


def thaw(p: Platform) -> None:
    """Continue the platform's Airflow processes (nothing happens to running ones)."""
    _signal(p, signal.SIGCONT)
