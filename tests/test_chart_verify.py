"""issue 21, item 3: the chart the release installs is the chart the tests rendered. The
repository's package is compared with the tested one file by file; a planted change fails the
check (the pull-request workflow runs it against the real repositories)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from components.charts import PinnedChart, lock
from tools.charts.packages import ChartPackageError, package
from tools.charts.verify import differences, main, record, verify

CHART = "cluster-autoscaler"


def repacked(pin: PinnedChart, folder: Path, change: dict[str, bytes] | None = None) -> Path:
    """The tested package re-packed (new mtimes: another sha256), with `change` applied."""
    target = folder / pin.package
    with tarfile.open(package(pin)) as src, tarfile.open(target, "w:gz") as out:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None  # type: ignore[union-attr]
            if data is not None and member.name in (change or {}):
                data = (change or {})[member.name]
            member.mtime += 3600
            if data is not None:
                member.size = len(data)
                out.addfile(member, io.BytesIO(data))
            else:
                out.addfile(member)
    return target


def test_the_same_files_in_another_package_pass_and_give_its_digest(tmp_path: Path) -> None:
    pin = lock()[CHART]
    digest = verify(pin, repacked)
    assert digest != pin.sha256  # another tar, the same chart


def test_a_planted_change_fails_the_check_naming_the_file(tmp_path: Path) -> None:
    pin = lock()[CHART]
    planted = f"{CHART}/templates/deployment.yaml"
    with pytest.raises(
        ChartPackageError, match=rf"not the chart the tests rendered: changed: {planted}"
    ):
        verify(pin, lambda p, folder: repacked(p, folder, {planted: b"kind: Evil\n"}))
    assert differences(package(pin), repacked(pin, tmp_path, {planted: b"x"})) == [
        f"changed: {planted}"
    ]


def test_the_command_fails_when_one_repository_serves_another_chart(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def pull(pin: PinnedChart, folder: Path) -> Path:
        change = {f"{pin.chart}/Chart.yaml": b"name: other\n"} if pin.chart == CHART else None
        return repacked(pin, folder, change)

    assert main([], pull=pull) == 1
    err = capsys.readouterr().err
    assert f"error: {CHART}: " in err and "changed: cluster-autoscaler/Chart.yaml" in err


def test_a_recorded_digest_must_match() -> None:
    pin = lock()[CHART]
    recorded = PinnedChart(**{**pin.__dict__, "repository_digest": "0" * 64})
    with pytest.raises(ChartPackageError, match="records repositoryDigest 0000"):
        verify(recorded, repacked)


def test_record_fills_only_that_charts_empty_digest() -> None:
    text = (Path(__file__).parents[1] / "charts.lock.yaml").read_text()
    changed = record(text, "keda", "ab" * 32)
    assert f'repositoryDigest: "{"ab" * 32}"' in changed
    assert changed.count('repositoryDigest: ""') == text.count('repositoryDigest: ""') - 1
    assert record(changed, "airflow", "cd" * 32).count("ab" * 32) == 1
