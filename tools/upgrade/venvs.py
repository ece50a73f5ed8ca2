"""Airflow at any version, as the DAG venv has it: the requirement set of
tests/dags/requirements-airflow.txt (dags/requirements.txt included) with Airflow's pin
changed, resolved by the pinned uv (scripts/uv.sh) and installed into `.venv-upgrade/<v>/`.

The pinned version keeps the repository's full lock (constraints-airflow.txt) and its venv
(.venv-airflow). Another version has no lock here: Airflow's published constraints files are
on GitHub, out of reach of the build machine, so uv resolves it from the package index
(newest releases Airflow's own requirements allow), unless a constraints file is passed.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from local.config import REPO

REQUIREMENTS = REPO / "tests/dags/requirements-airflow.txt"
CONSTRAINTS = REPO / "tests/dags/constraints-airflow.txt"
DAG_REQUIREMENTS = REPO / "dags/requirements.txt"
PINNED_VENV = REPO / ".venv-airflow"
VENVS = REPO / ".venv-upgrade"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<extras>\[[^]]*\])?==(?P<version>\S+)")


class VenvError(RuntimeError):
    """A venv could not be resolved or built; the message is one line."""


@dataclass(frozen=True)
class Pin:
    name: str
    version: str
    source: str
    """The file that pins it (repository-relative)."""
    line: str


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(*files: Path) -> list[Pin]:
    """Every `name==version` line of the files (and of the files they `-r` include)."""
    found: list[Pin] = []
    for path in files:
        for raw in path.read_text().splitlines():
            line = raw.split("#", 1)[0].strip()
            if line.startswith("-r "):
                found += pins((path.parent / line[3:].strip()).resolve())
            elif match := PIN.match(line):
                source = path.relative_to(REPO) if path.is_relative_to(REPO) else path
                found.append(Pin(match["name"], match["version"], str(source), line))
    return found


def pinned_airflow() -> str:
    return next(p.version for p in pins(REQUIREMENTS) if normalize(p.name) == "apache-airflow")


def requirement_lines(version: str, *, relax: frozenset[str] = frozenset()) -> list[str]:
    """The DAG venv's requirement set with Airflow at `version`; names in `relax` unpinned
    (to find which of our pins conflicts)."""
    lines = [f"apache-airflow=={version}"]
    for pin in pins(REQUIREMENTS):
        if normalize(pin.name) == "apache-airflow":
            continue
        lines.append(pin.name if normalize(pin.name) in relax else pin.line)
    return lines


@dataclass(frozen=True)
class LockedSet:
    """A requirement set this repository once ran, with its lock, from git history."""

    lines: list[str]
    constraints: Path
    commit: str


def _git(*args: str) -> str:
    result = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True,
                            check=False)  # fmt: skip
    return result.stdout if result.returncode == 0 else ""


def from_history(version: str, work: Path) -> LockedSet | None:
    """The DAG venv's requirement set and lock at the newest commit that pinned Airflow
    `version` (the set this project ran it with: for 3.0.6, Celery provider 3.12.2; the
    pinned 3.23.1 crashes 3.0.6's scheduler), or None when no commit did."""
    files = [str(p.relative_to(REPO)) for p in (REQUIREMENTS, CONSTRAINTS, DAG_REQUIREMENTS)]
    for commit in _git("log", "--format=%H", "--", files[0]).split():
        text = _git("show", f"{commit}:{files[0]}")
        if f"apache-airflow=={version}" not in text.split():
            continue
        dag_text = _git("show", f"{commit}:{files[2]}")
        lines = [
            line.split("#", 1)[0].strip()
            for line in (text + "\n" + dag_text).splitlines()
            if line.split("#", 1)[0].strip() and not line.startswith(("-c", "-r"))
        ]
        work.mkdir(parents=True, exist_ok=True)
        constraints = work / "history-constraints.txt"
        constraints.write_text(_git("show", f"{commit}:{files[1]}"))
        return LockedSet(lines, constraints, commit[:7])
    return None


def uv() -> str:
    result = subprocess.run(
        ["bash", str(REPO / "scripts/uv.sh")], capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise VenvError("the pinned uv is unavailable (scripts/uv.sh): " + result.stderr.strip())
    return result.stdout.strip()


def airflow_python() -> str:
    result = subprocess.run(
        ["bash", str(REPO / "scripts/airflow-python.sh")], capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    if result.returncode:
        raise VenvError(result.stderr.strip() or "no Python 3.10-3.12 for Airflow")
    return result.stdout.strip()


def _uv_env() -> dict[str, str]:
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    for pip, name in (("PIP_INDEX_URL", "UV_DEFAULT_INDEX"), ("PIP_EXTRA_INDEX_URL", "UV_INDEX"),
                      ("PIP_FIND_LINKS", "UV_FIND_LINKS")):  # fmt: skip
        if os.environ.get(pip):
            env[name] = os.environ[pip]
    return env


def resolve(
    lines: list[str], work: Path, constraints: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`uv pip compile` of `lines` into work/lock.txt (returned process: its stderr says why
    a resolution failed). Without constraints, uv starts from the repository's lock as
    preferences (an existing output file is one): every package stays at the version the
    DAG venv proved where the target allows it, instead of the index's newest (Celery's
    newest broke Airflow 3.0.6's Celery executor: `cannot import name 'retry'`)."""
    work.mkdir(parents=True, exist_ok=True)
    if constraints is None:
        shutil.copyfile(CONSTRAINTS, work / "lock.txt")
    req = work / "requirements.txt"
    req.write_text("\n".join(lines) + "\n")
    command = [uv(), "pip", "compile", "--quiet", "--python", airflow_python(), str(req),
               "-o", str(work / "lock.txt"), "--no-header",
               "--annotation-style", "line"]  # fmt: skip
    if constraints:
        command += ["-c", str(constraints)]
    return subprocess.run(command, capture_output=True, text=True, env=_uv_env(), check=False)


def read_lock(path: Path) -> dict[str, str]:
    """name (normalized) -> version of a lock or constraints file."""
    found = {}
    for raw in path.read_text().splitlines():
        if match := PIN.match(raw.split("#", 1)[0].strip()):
            found[normalize(match["name"])] = match["version"]
    return found


def venv_for(version: str, lock: Path) -> Path:
    """The venv of `version`: .venv-airflow for the pinned one (scripts/airflow-venv.sh
    keeps it current), else .venv-upgrade/<version>/ installed from `lock` (rebuilt only when
    the lock changes)."""
    if version == pinned_airflow():
        if subprocess.run(["bash", str(REPO / "scripts/airflow-venv.sh")], check=False).returncode:
            raise VenvError("scripts/airflow-venv.sh failed (its output is above)")
        return PINNED_VENV
    venv = VENVS / version
    stamp = venv / ".lock.sha256"
    wanted = hashlib.sha256(lock.read_bytes()).hexdigest()
    if (venv / "bin/python").exists() and stamp.exists() and stamp.read_text() == wanted:
        return venv
    tool = uv()
    env = _uv_env()
    subprocess.run(["rm", "-rf", str(venv)], check=True)
    made = subprocess.run(
        [tool, "venv", "--quiet", "--seed", "--python", airflow_python(), str(venv)],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    installed = made.returncode == 0 and subprocess.run(
        [tool, "pip", "install", "--quiet", "--python", str(venv / "bin/python"), "-r", str(lock)],
        capture_output=True, text=True, env=env, check=False,
    ).returncode == 0  # fmt: skip
    if not installed:
        raise VenvError(f"uv could not build {venv.relative_to(REPO)} from {lock}")
    stamp.write_text(wanted)
    return venv
