"""The benchmark's Markdown: per size, each configuration's medians with their spread and
each comparison with its baseline; then how the per-task figures grow with the size."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from local.bench.dags import DAGS
from local.bench.figures import (
    MIN_REPEATS,
    IdleRate,
    Run,
    Spread,
    calls_over_runs,
    compare,
    counted,
    idle_rates,
    others_cores,
    summarise,
)

BASELINE = "defaults"
# A tuning candidate ('program+<change>') is judged against the program it would change.
CANDIDATE_BASELINE = "program"


def baseline(config: str) -> str:
    """What `config` is compared with: the program for a candidate, else the defaults."""
    return CANDIDATE_BASELINE if config.startswith(CANDIDATE_BASELINE + "+") else BASELINE


def _group(runs: Sequence[Run]) -> dict[int, dict[str, list[Run]]]:
    groups: dict[int, dict[str, list[Run]]] = {}
    for r in runs:
        groups.setdefault(r.tasks, {}).setdefault(r.config, []).append(r)
    return groups


def _load_line(runs: Sequence[Run]) -> list[str]:
    """How busy the machine was: wall times depend on it, CPU-seconds per task much less;
    and how much of it the other platforms took while each configuration ran."""
    loads = [x for r in runs for x in r.load]
    lines = []
    if loads:
        lines.append(
            f"Load average (1 min) at the runs' starts and ends: {min(loads):.1f} to "
            f"{max(loads):.1f}."
        )
    by_config: dict[str, list[float]] = {}
    for r in runs:
        cores = others_cores(r)
        if cores is not None:
            by_config.setdefault(r.config, []).append(cores)
    if by_config:
        lines.append(
            "Cores the other platforms took during the runs: "
            + "; ".join(f"{config} {min(v):.2f} to {max(v):.2f}" for config, v in by_config.items())
            + "."
        )
    return [*lines, ""] if lines else []


def _common(summaries: Iterable[Mapping[str, Spread]]) -> list[str]:
    """The figures every summary has, in the first one's order (older runs lack some)."""
    first, *rest = summaries
    return [f for f in first if all(f in s for s in rest)]


def size_table(
    tasks: int,
    by_config: dict[str, list[Run]],
    idle: Mapping[tuple[str, int], IdleRate],
    warmups: Mapping[str, int] | None = None,
) -> str:
    summaries = {config: summarise(runs, idle) for config, runs in by_config.items()}
    configs = list(summaries)
    pairs = [(c, baseline(c)) for c in configs if c != baseline(c) and baseline(c) in summaries]
    repeats = ", ".join(
        f"{c} x{len(by_config[c])}"
        + (f" after {n} warm-up" if (n := (warmups or {}).get(c, 0)) else "")
        for c in configs
    )
    head = ["figure (median, range)", *configs, *(f"{c} vs {b}" for c, b in pairs)]
    lines = [
        f"#### {tasks} tasks ({DAGS} DAGs; runs: {repeats})",
        "",
        *_load_line([r for runs in by_config.values() for r in runs]),
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for figure in _common(summaries.values()):
        cells = [summaries[c][figure].text() for c in configs]
        cells += [compare(summaries[c][figure], summaries[b][figure]) for c, b in pairs]
        lines.append(f"| {figure} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def growth(a: Spread, b: Spread) -> str:
    """How a per-task figure changed from the small size (a) to the large (b): the ratio of
    the medians, and whether the ranges are apart (it grew or fell) or overlap (flat)."""
    if not a.median:
        return "n/a"
    ratio = f"{b.median / a.median:.2f}x"
    if min(a.runs, b.runs) < MIN_REPEATS:
        return f"{ratio}, fewer than {MIN_REPEATS} runs"
    return ratio if not a.overlaps(b) else f"{ratio}, ranges overlap"


def scale_table(
    groups: dict[int, dict[str, list[Run]]], idle: Mapping[tuple[str, int], IdleRate]
) -> str:
    sizes = sorted(groups)
    if len(sizes) < 2:
        return ""
    small, large = sizes[0], sizes[-1]
    configs = [c for c in groups[small] if c in groups[large]]
    head = ["figure", *(f"{c}: {small} → {large}" for c in configs)]
    lines = [
        f"#### Growth from {small} to {large} tasks (per task; ratio of medians)",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    summaries = {
        (size, c): summarise(groups[size][c], idle) for size in (small, large) for c in configs
    }
    for figure in _common(summaries.values()):
        cells = []
        for c in configs:
            a: Spread = summaries[(small, c)][figure]
            b: Spread = summaries[(large, c)][figure]
            cells.append(f"{a.text()} → {b.text()} ({growth(a, b)})")
        lines.append(f"| {figure} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown(runs: Sequence[Run]) -> str:
    """The tables of the counted runs; the warm-up rounds are only counted in each header."""
    measured = counted(runs)
    warmups = Counter((r.tasks, r.config) for r in runs if r.repeat < 1)
    groups = _group(measured)
    idle = idle_rates(measured)
    parts = [
        size_table(tasks, groups[tasks], idle, {c: warmups[(tasks, c)] for c in groups[tasks]})
        for tasks in sorted(groups)
    ]
    scale = scale_table(groups, idle)
    return "\n\n".join([*parts, *([scale] if scale else [])]) + "\n"


def aws_lines(runs: Sequence[Run]) -> str:
    """Which AWS operations each configuration called, per task over all its runs (warm-up
    rounds included: their calls were made), and in which runs (calls that come with a
    worker's start land in one run only)."""
    lines = []
    for tasks, by_config in sorted(_group(runs).items()):
        for config, rs in by_config.items():
            ops = sorted({op for r in rs for op in r.aws})
            text = (
                ", ".join(
                    f"{op} {calls_over_runs(rs, op):.3f} (runs: "
                    + ", ".join(str(r.aws.get(op, 0)) for r in rs)
                    + ")"
                    for op in ops
                )
                or "none"
            )
            lines.append(f"- {config}, {tasks} tasks: {text}")
    return "\n".join(lines) + "\n"
