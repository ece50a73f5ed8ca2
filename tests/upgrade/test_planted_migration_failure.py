"""A planted migration failure stops the rehearsal at step 4 with its one line, and the report
marks step 4 failed and what follows not run.

The whole command as a user runs it, nothing mocked: `python -m tools.upgrade --to <pinned>
--sql plant.sql`. Steps 1-3 run on the pinned version (this is also `make test`'s check that
they pass there); step 4 starts the pinned Airflow on the local platform (PostgreSQL,
PgBouncer, Redis, Celery, moto), makes its state, and runs the plant on its database with
psql: the database then records an Alembic revision no Airflow release has, as one last
migrated by a newer Airflow does. The copy's real `airflow db migrate` fails on it. FROM and TO
are the same version (its venv exists already): the plant alone makes the migration fail.
Run by `make upgrade-test-migration` (UPGRADE_TESTS=migration)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.config import REPO
from tools.upgrade import venvs

PINNED = venvs.pinned_airflow()
FOREIGN = "f00dfacef00d"  # no Airflow migration has this revision id
STEP_4 = "Metadata migration, on a copy"


@pytest.fixture
def out() -> Iterator[Path]:
    # As root the servers run as postgres, who must pass through this folder (mkdtemp: 0700).
    path = Path(tempfile.mkdtemp(prefix="airflow-upgrade-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_a_migration_that_fails_on_the_copy_stops_step_4_with_its_line(out: Path) -> None:
    plant = out / "plant.sql"
    plant.write_text(f"UPDATE alembic_version SET version_num = '{FOREIGN}';\n")

    result = subprocess.run(
        [sys.executable, "-m", "tools.upgrade", "--to", PINNED, "--sql", str(plant),
         "--out", str(out)],
        cwd=REPO, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert result.returncode == 1, result.stdout[-4000:] + result.stderr[-4000:]
    failed = f"the migration to {PINNED} failed: "
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"upgrade-test: step 4 ({STEP_4}) failed: {failed}"), line
    assert line.endswith(
        f"{failed}alembic.util.exc.CommandError: Can't locate revision identified by "
        f"'{FOREIGN}'; details: {out}/report.md"
    ), line

    report = json.loads((out / "report.json").read_text())
    verdicts = [(s["number"], s["verdict"]) for s in report["steps"]]
    assert [n for n, v in verdicts[:3] if v in ("pass", "warn")] == [1, 2, 3], verdicts
    assert verdicts[3:] == [(4, "fail"), (5, "skipped")]
    step_4, step_5 = report["steps"][3:]
    assert step_4["summary"] in line
    assert step_5["summary"] == f"not run: step 4 failed: {step_4['summary']}"
    assert report["verdict"] == "fail" and report["commands"] == []
    # Where the details are: the migration's own output, from the real `airflow db migrate`.
    migration = out / "work/platform-copy/migration.json"
    assert f"output: {migration}" in step_4["details"]
    record = json.loads(migration.read_text())
    assert record["returncode"] != 0 and FOREIGN in record["output"]

    md = (out / "report.md").read_text()
    assert f"| 4. {STEP_4} | ❌ fail |" in md
    assert "| 5. Rollback, rehearsed | ⏭ skipped | 0 s | not run: step 4 failed: " in md
    assert f"Not yet: step 4 ({STEP_4}) failed; fix it and rehearse again." in md
    assert "make up STACK=prod" not in md
