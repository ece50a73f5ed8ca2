"""A process's line in /proc/<pid>/stat, read one way for everything that needs it (the
platform's supervisor, the benchmark's CPU counters and its stop/continue).

The line is `pid (comm) state ppid ...`: `comm` can hold spaces and parentheses, so the
fields are what follows its last `)`. `stat_fields(pid)[0]` is field 3 of proc(5) (state),
so field N is `[N - 3]`."""

from __future__ import annotations

from pathlib import Path

PROC = Path("/proc")
# Indexes into stat_fields() for the fields of proc(5) used here.
STATE = 0  # field 3
PPID = 1  # field 4
SESSION = 3  # field 6
CPU_TIMES = slice(11, 15)  # fields 14-17: utime, stime, cutime, cstime
START_TIME = 19  # field 22


def stat_fields(pid: int | str, proc: Path = PROC) -> list[str] | None:
    """The fields of /proc/<pid>/stat from field 3 (state) on; None when the process is
    gone (or its line cannot be read)."""
    try:
        # Bytes: a command name need not be UTF-8 (what follows it is ASCII).
        line = (proc / str(pid) / "stat").read_bytes().decode(errors="replace")
        fields = line.rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields or None


def all_stat_fields(proc: Path = PROC) -> dict[int, list[str]]:
    """Pid -> stat_fields, for every process there is now (one gone meanwhile is left out)."""
    found = {}
    for entry in proc.glob("[0-9]*"):
        fields = stat_fields(entry.name, proc)
        if fields is not None:
            found[int(entry.name)] = fields
    return found
