"""The local platform's first start on a fresh machine: what makes it fast is tested here, not
timed (docs/local-platform.md has the measured figures). The venvs are installed with a
pinned uv (pip only when uv cannot be had), from requirement files that keep the Airflow
lock, and `make local` builds both venvs and the Debian servers side by side."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from local.config import REPO
from tests.conftest import as_typed_make_env

SCRIPTS = REPO / "scripts"
AIRFLOW_REQUIREMENTS = REPO / "tests/dags/requirements-airflow.txt"

# A stand-in uv: logs its arguments and makes `uv venv DIR` a venv whose python is this one.
FAKE_UV = f"""#!/usr/bin/env bash
echo "$*" >>"$UV_LOG"
if [[ $1 == venv ]]; then
    dir=${{@: -1}}
    mkdir -p "$dir/bin" && ln -sf {sys.executable} "$dir/bin/python"
fi
"""


def _run_venv_script(tmp_path: Path, uv: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("# nothing to install\n")
    log = tmp_path / "uv.log"
    env = {**os.environ, "UV": uv, "UV_LOG": str(log)}
    result = subprocess.run(
        ["bash", str(SCRIPTS / "venv.sh"), str(tmp_path / "venv"), str(requirements)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return result, log


@pytest.mark.integration
def test_venvs_are_installed_with_uv_when_it_can_be_had(tmp_path: Path) -> None:
    fake = tmp_path / "uv"
    fake.write_text(FAKE_UV)
    fake.chmod(0o755)
    result, log = _run_venv_script(tmp_path, str(fake))
    assert result.returncode == 0, result.stderr
    calls = log.read_text().splitlines()
    venv = tmp_path / "venv"
    assert calls[0].startswith("venv ") and "--seed" in calls[0], calls
    assert calls[1] == (
        f"pip install --quiet --python {venv}/bin/python -r {tmp_path / 'requirements.txt'}"
    ), calls


# A stand-in uv whose installs fail, as uv does behind a mirror only pip.conf names: it logs
# the index, certificate and find-links settings it was given, then fails.
FAILING_UV = f"""#!/usr/bin/env bash
echo "$* index=${{UV_DEFAULT_INDEX:-}} extra=${{UV_INDEX:-}} links=${{UV_FIND_LINKS:-}} \
cert=${{SSL_CERT_FILE:-}}" >>"$UV_LOG"
if [[ $1 == venv ]]; then
    dir=${{@: -1}}
    {sys.executable} -m venv "$dir"
    exit
fi
exit 2
"""


@pytest.mark.integration
def test_a_failing_uv_install_falls_back_to_pip_with_pips_settings_mapped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "uv"
    fake.write_text(FAILING_UV)
    fake.chmod(0o755)
    monkeypatch.setenv("PIP_INDEX_URL", "https://mirror.example/simple")
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "https://extra.example/simple")
    monkeypatch.setenv("PIP_FIND_LINKS", "/srv/wheels")
    monkeypatch.setenv("PIP_CERT", "/etc/ssl/corp.pem")
    monkeypatch.setenv("PIP_NO_INDEX", "1")  # pip installs nothing here: no network needed
    result, log = _run_venv_script(tmp_path, str(fake))
    assert result.returncode == 0, result.stderr
    assert "retrying with pip" in result.stderr
    install = log.read_text().splitlines()[-1]
    assert install.startswith("pip install"), install
    assert install.endswith(
        "index=https://mirror.example/simple extra=https://extra.example/simple "
        "links=/srv/wheels cert=/etc/ssl/corp.pem"
    ), install
    assert (tmp_path / "venv/bin/python").exists()


@pytest.mark.integration
def test_venvs_fall_back_to_pip_without_uv(tmp_path: Path) -> None:
    result, log = _run_venv_script(tmp_path, "none")
    assert result.returncode == 0, result.stderr
    assert "installing" in result.stderr and "with pip" in result.stderr
    assert not log.exists(), "uv was called although it is unavailable"
    assert (tmp_path / "venv/bin/python").exists()


def test_uv_is_a_pinned_release_from_pypi() -> None:
    script = (SCRIPTS / "uv.sh").read_text()
    version = re.search(r"^UV_VERSION=(\S+)", script, re.MULTILINE)
    assert version and re.fullmatch(r"\d+\.\d+\.\d+", version.group(1)), "uv is not pinned"
    assert '"uv==$UV_VERSION"' in script
    # The venv script never lets uv fetch a Python of its own.
    assert "UV_PYTHON_DOWNLOADS=never" in (SCRIPTS / "venv.sh").read_text()


def test_the_airflow_venv_keeps_the_lock_and_its_stamp() -> None:
    requirements = AIRFLOW_REQUIREMENTS.read_text().splitlines()
    assert "-c constraints-airflow.txt" in requirements, "the full lock is not applied"
    script = (SCRIPTS / "airflow-venv.sh").read_text()
    requirement_set = re.search(r"^REQUIREMENT_SET=\((.*)\)", script, re.MULTILINE)
    assert requirement_set, "airflow-venv.sh has no REQUIREMENT_SET"
    for name in ("$REQUIREMENTS", "tests/dags/constraints-airflow.txt", "dags/requirements.txt"):
        assert name in requirement_set.group(1).replace('"', "").split(), (
            f"{name} does not rebuild the venv"
        )
    assert 'bash scripts/venv.sh "$VENV" "$REQUIREMENTS"' in script
    # The stamp is written after the install, so an interrupted one is redone.
    assert script.index("scripts/venv.sh") < script.index('>"$stamp"')


def _make_dry_run(*args: str) -> subprocess.CompletedProcess[str]:
    """`make -n` as a user types it (tests.conftest.as_typed_make_env)."""
    env = as_typed_make_env()
    return subprocess.run(
        ["make", "--no-print-directory", "-n", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


def test_make_local_builds_the_venvs_and_the_servers_side_by_side() -> None:
    dry_run = _make_dry_run("-B", "local-install")
    assert dry_run.returncode == 0, dry_run.stderr
    dry = dry_run.stdout
    parallel = dry.splitlines()[0].split()
    assert "-j3" in parallel, "the installs do not run side by side"
    assert sorted(parallel[-3:]) == sorted([".venv/.installed", "airflow-venv", "local-packages"])
    # uv is installed once, before either venv is built with it; apt waits for nothing.
    assert dry.count("scripts/uv.sh") == 1, dry
    uv = dry.index("scripts/uv.sh")
    assert uv < dry.index("scripts/venv.sh .venv requirements-dev.txt"), dry
    assert uv < dry.index("scripts/airflow-venv.sh"), dry
    assert "scripts/ensure-local-packages.sh" in dry
    # make local installs first, then starts (its steps, through tools/progress.py).
    steps = _make_dry_run("local").stdout
    assert '-m tools.progress "make local" local-install local-up' in steps, "make local skips it"
    database = _make_dry_run("-p", "local").stdout
    assert re.search(r"^local-packages:\s*$", database, re.MULTILINE), "apt waits for uv"


@pytest.mark.integration
def test_the_servers_system_services_are_disabled_after_apt_installs_them(
    tmp_path: Path,
) -> None:
    # A fresh systemd host without PostgreSQL and Redis (PgBouncer and openssl there):
    # apt-get and systemctl are stand-ins that log their arguments.
    root, bin_dir, log = tmp_path / "root", tmp_path / "bin", tmp_path / "calls"
    for present in ("usr/sbin/pgbouncer", "usr/bin/openssl"):
        (root / present).parent.mkdir(parents=True, exist_ok=True)
        (root / present).touch()
    bin_dir.mkdir()
    for tool, answer in (("apt-get", ""), ("systemctl", ""), ("id", "echo 0")):
        (bin_dir / tool).write_text(f'#!/usr/bin/env bash\necho "{tool} $*" >>{log}\n{answer}\n')
        (bin_dir / tool).chmod(0o755)

    def run() -> list[str]:
        log.unlink(missing_ok=True)
        env = {**os.environ, "ROOT": str(root), "PATH": f"{bin_dir}:{os.environ['PATH']}"}
        subprocess.run(
            ["bash", str(SCRIPTS / "ensure-local-packages.sh")], env=env, check=True, timeout=60,
            capture_output=True,
        )  # fmt: skip
        return [c for c in log.read_text().splitlines() if not c.startswith("id")]

    calls = run()
    assert calls[-1].startswith("apt-get install"), calls  # no systemd running: nothing to stop
    (root / "run/systemd/system").mkdir(parents=True)
    calls = run()
    assert calls[-1].startswith("systemctl disable --now "), calls
    assert sorted(calls[-1].split()[3:]) == ["postgresql", "redis-server"], calls


def _fake_pythons(bin_dir: Path, fits: dict[str, bool]) -> None:
    """Stand-in interpreters: the version check (`-c`) passes or fails as `fits` says."""
    bin_dir.mkdir(exist_ok=True)
    for name, ok in fits.items():
        (bin_dir / name).write_text(
            f'#!/bin/sh\n[ "$1" = -V ] && echo "Python {"3.11.9" if ok else "3.13.5"}"\n'
            f'[ "$1" = -V ] || exit {0 if ok else 1}\n'
        )
        (bin_dir / name).chmod(0o755)
    # What the script needs besides: bash, dirname and a failing uv (no Python download here).
    for tool in ("bash", "dirname"):
        (bin_dir / tool).symlink_to(shutil.which(tool) or f"/usr/bin/{tool}")
    (bin_dir / "uv").write_text("#!/bin/sh\nexit 1\n")
    (bin_dir / "uv").chmod(0o755)


def _airflow_python(bin_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [shutil.which("bash") or "/bin/bash", str(SCRIPTS / "airflow-python.sh")],
        env={"PATH": str(bin_dir), "UV": str(bin_dir / "uv"), **env},
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip


def test_the_airflow_venv_takes_a_fitting_python_from_path(tmp_path: Path) -> None:
    # Debian 13: python3 is 3.13; a python3.11 beside it is the one Airflow's lock fits.
    bin_dir = tmp_path / "bin"
    _fake_pythons(bin_dir, {"python3": False, "python3.11": True, "python3.10": True})
    result = _airflow_python(bin_dir)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(bin_dir / "python3.11")


def test_without_a_fitting_python_the_airflow_venv_fails_in_one_line(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    _fake_pythons(bin_dir, {"python3": False})
    result = _airflow_python(bin_dir)
    assert result.returncode == 1 and result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: .venv-airflow needs Python 3.10 to 3.12"), line
    assert "python3.X-venv" in line
    refused = _airflow_python(bin_dir, AIRFLOW_PYTHON=str(bin_dir / "python3"))
    assert refused.returncode == 1 and "AIRFLOW_PYTHON=" in refused.stderr
    assert "3.13.5" in refused.stderr
