"""Step 2, the dependency diff: Airflow, its providers and everything dags/requirements.txt
pins or pulls in, FROM against TO, and which of our pins conflict with TO. Both sides are
resolved by the pinned uv (the pinned version reads the repository's lock)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tools.upgrade import venvs
from tools.upgrade.report import StepResult

NAME = "Dependency diff"


@dataclass(frozen=True)
class Resolved:
    version: str
    lock: Path
    packages: dict[str, str]


def installed_lock() -> Resolved:
    """The pinned version as it is installed: the repository's full lock."""
    return Resolved(venvs.pinned_airflow(), venvs.CONSTRAINTS, venvs.read_lock(venvs.CONSTRAINTS))


def resolve_version(version: str, work: Path, constraints: Path | None) -> Resolved | str:
    """The DAG venv's set at Airflow `version`; a one-line reason when it does not resolve."""
    folder = work / f"resolve-{version}"
    lines = venvs.requirement_lines(version)
    history = venvs.from_history(version, folder) if version != venvs.pinned_airflow() else None
    if constraints is None and version == venvs.pinned_airflow():
        constraints = venvs.CONSTRAINTS
    elif constraints is None and history is not None:
        lines, constraints = history.lines, history.constraints
    result = venvs.resolve(lines, folder, constraints)
    if result.returncode == 0:
        lock = folder / "lock.txt"
        return Resolved(version, lock, venvs.read_lock(lock))
    return conflict_line(version, work, constraints, result.stderr)


def conflict_line(version: str, work: Path, constraints: Path | None, stderr: str) -> str:
    """Which of our pins, unpinned alone, lets Airflow `version` resolve: those conflict."""
    pinned = venvs.pins(venvs.REQUIREMENTS)
    for pin in [p for p in pinned if venvs.normalize(p.name) != "apache-airflow"]:
        relaxed = frozenset({venvs.normalize(pin.name)})
        trial = work / f"relax-{venvs.normalize(pin.name)}"
        lines = venvs.requirement_lines(version, relax=relaxed)
        if venvs.resolve(lines, trial, constraints).returncode == 0:
            chosen = venvs.read_lock(trial / "lock.txt").get(venvs.normalize(pin.name), "?")
            return (
                f"our pin {pin.name}=={pin.version} ({pin.source}) conflicts with Airflow "
                f"{version}; unpinned it resolves to {chosen}"
            )
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    cause = next((line for line in lines if "because" in line.lower()), lines[-1] if lines else "")
    return f"Airflow {version} with our pins does not resolve: {cause}"


def pulled_in(lock: Path, roots: set[str]) -> set[str]:
    """`roots` and everything they pull in, from the `# via` annotations of a uv lock."""
    needs: dict[str, set[str]] = {}
    for raw in lock.read_text().splitlines():
        requirement, _, via = raw.partition("# via ")
        match = venvs.PIN.match(requirement.strip())
        if match:
            for parent in via.split(","):
                needs.setdefault(venvs.normalize(parent.strip()), set()).add(
                    venvs.normalize(match["name"])
                )
    found, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name not in found:
            found.add(name)
            todo += needs.get(name, ())
    return found


def dependency_diff(
    from_version: str, to_version: str, work: Path, constraints: Path | None = None
) -> tuple[StepResult, Resolved | None]:
    pinned = from_version == venvs.pinned_airflow()
    before = installed_lock() if pinned else resolve_version(from_version, work, None)
    after = resolve_version(to_version, work, constraints)
    for side, resolved in (("FROM", before), ("TO", after)):
        if isinstance(resolved, str):
            return StepResult(2, NAME, "fail", resolved, details=[f"{side}: {resolved}"]), None
    assert isinstance(before, Resolved) and isinstance(after, Resolved)
    dag_pins = {venvs.normalize(p.name) for p in venvs.pins(venvs.DAG_REQUIREMENTS)}
    watched = pulled_in(after.lock, dag_pins) | {
        n for n in {*before.packages, *after.packages} if n.startswith("apache-airflow")
    }
    before_packages = {**before.packages, "apache-airflow": from_version}
    after_packages = {**after.packages, "apache-airflow": to_version}
    rows = sorted(
        (name, before_packages.get(name, "-"), after_packages.get(name, "-"))
        for name in watched
        if before_packages.get(name) != after_packages.get(name)
    )
    others = sorted(
        n for n in {*before_packages, *after_packages} - watched
        if before_packages.get(n) != after_packages.get(n)
    )  # fmt: skip
    details = [f"`{name}` {old} → {new}" for name, old, new in rows]
    details.append(
        f"{len(others)} other package(s) of the venv change (report.json lists them); "
        f"our pins resolve with Airflow {to_version} without conflict"
    )
    source = (
        "the repository's lock" if to_version == venvs.pinned_airflow() or constraints
        else "the package index (Airflow's constraints files are not reachable here)"
    )  # fmt: skip
    summary = (
        f"{len(rows)} of Airflow, providers and the DAGs' packages change; no pin conflicts "
        f"(TO resolved from {source})"
    )
    data = {
        "changed": [{"name": n, "from": a, "to": b} for n, a, b in rows],
        "other_changes": [
            {"name": n, "from": before_packages.get(n, "-"), "to": after_packages.get(n, "-")}
            for n in others
        ],
        "to_lock": str(after.lock),
    }
    return StepResult(2, NAME, "pass", summary, details=details, data=data), after
