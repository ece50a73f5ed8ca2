"""A migration that fails stops the rehearsal at step 4 with its line: FROM (the pinned
version) runs and makes its state, then a table the target's migration creates is planted in
its database (3.2.0's `revoked_token`), and the target's `airflow db migrate` fails on the
copy. Starts the local platform: `make upgrade-test-e2e` (UPGRADE_E2E=1), not `make test`."""

from __future__ import annotations

import subprocess
from pathlib import Path

from local import platform as local
from tools.upgrade import venvs
from tools.upgrade.dependencies import resolve_version
from tools.upgrade.rehearsal import Rehearsal, migration, platforms_stopped

FROM = "3.0.6"


def plant_table(platform: local.Platform) -> None:
    sql = "create table revoked_token (jti varchar(32) primary key)"
    code = (
        "import os, sqlalchemy as sa\n"
        "engine = sa.create_engine(os.environ['AIRFLOW__DATABASE__SQL_ALCHEMY_CONN'])\n"
        f"with engine.begin() as c: c.execute(sa.text({sql!r}))\n"
    )
    python = local.venv_of(platform.state) / "bin/python"
    env = local.airflow_env(platform.config)
    subprocess.run([str(python), "-c", code], env=env, check=True)


def test_a_failing_migration_stops_step_4_with_its_line(tmp_path: Path) -> None:
    resolved = resolve_version(FROM, tmp_path, None)
    assert not isinstance(resolved, str), resolved
    from_venv = venvs.venv_for(FROM, resolved.lock)
    rehearsal = Rehearsal(tmp_path, from_venv, venvs.PINNED_VENV, before_migration=plant_table)
    with platforms_stopped(rehearsal):
        result = migration(rehearsal, FROM, venvs.pinned_airflow(), None)
    assert result.verdict == "fail"
    assert result.summary.startswith(f"the migration to {venvs.pinned_airflow()} failed: ")
    assert "revoked_token" in result.summary and "already exists" in result.summary
