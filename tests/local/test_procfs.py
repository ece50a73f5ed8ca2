"""/proc/<pid>/stat read once, for the supervisor and the benchmark alike."""

from __future__ import annotations

import os
from pathlib import Path

from local import procfs


def test_the_fields_follow_the_last_parenthesis_of_a_command_name(tmp_path: Path) -> None:
    # A command name may hold spaces and ") ": the fields are what follows its last ")".
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "stat").write_text("42 (a) b (c) S 7 42 42 0 -1\n")
    fields = procfs.stat_fields(42, tmp_path)
    assert fields is not None
    assert fields[procfs.STATE] == "S"
    assert fields[procfs.PPID] == "7"
    assert fields[procfs.SESSION] == "42"


def test_a_command_name_that_is_not_utf8_is_read(tmp_path: Path) -> None:
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "stat").write_bytes(b"42 (\xff\xfe) S 7 42 42 0 -1\n")
    assert procfs.all_stat_fields(tmp_path)[42][procfs.PPID] == "7"


def test_a_process_that_is_gone_has_no_fields(tmp_path: Path) -> None:
    assert procfs.stat_fields(42, tmp_path) is None
    (tmp_path / "43").mkdir()
    (tmp_path / "43" / "stat").write_text("")
    assert procfs.stat_fields(43, tmp_path) is None
    assert procfs.all_stat_fields(tmp_path) == {}


def test_this_process_reads_as_itself() -> None:
    fields = procfs.stat_fields(os.getpid())
    assert fields is not None
    assert int(fields[procfs.PPID]) == os.getppid()
    assert int(fields[procfs.SESSION]) == os.getsid(0)
    assert os.getpid() in procfs.all_stat_fields()
