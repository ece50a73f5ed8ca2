"""The benchmark's Markdown: per size, each configuration's medians with their spread and
each comparison with the defaults; then how the per-task figures grow with the size."""

from __future__ import annotations

from collections.abc import Sequence

from local.bench.figures import Run, Spread, compare, summarise

BASELINE = "defaults"


def _group(runs: Sequence[Run]) -> dict[int, dict[str, list[Run]]]:
    groups: dict[int, dict[str, list[Run]]] = {}
    for r in runs:
        groups.setdefault(r.tasks, {}).setdefault(r.config, []).append(r)
    return groups


def _load_line(runs: Sequence[Run]) -> list[str]:
    """How busy the machine was: wall times depend on it, CPU-seconds per task much less."""
    loads = [x for r in runs for x in r.load]
    if not loads:
        return []
    return [
        f"Load average (1 min) at the runs' starts and ends: {min(loads):.1f} to {max(loads):.1f}.",
        "",
    ]


def size_table(tasks: int, by_config: dict[str, list[Run]]) -> str:
    summaries = {config: summarise(runs) for config, runs in by_config.items()}
    configs = list(summaries)
    others = [c for c in configs if c != BASELINE] if BASELINE in summaries else []
    repeats = ", ".join(f"{c} x{len(by_config[c])}" for c in configs)
    head = ["figure (median, range)", *configs, *(f"{c} vs {BASELINE}" for c in others)]
    lines = [
        f"#### {tasks} tasks (20 DAGs; runs: {repeats})",
        "",
        *_load_line([r for runs in by_config.values() for r in runs]),
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for figure in summaries[configs[0]]:
        cells = [summaries[c][figure].text() for c in configs]
        cells += [compare(summaries[c][figure], summaries[BASELINE][figure]) for c in others]
        lines.append(f"| {figure} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def scale_table(groups: dict[int, dict[str, list[Run]]]) -> str:
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
    summaries = {(size, c): summarise(groups[size][c]) for size in (small, large) for c in configs}
    for figure in summaries[(small, configs[0])]:
        cells = []
        for c in configs:
            a: Spread = summaries[(small, c)][figure]
            b: Spread = summaries[(large, c)][figure]
            ratio = f"{b.median / a.median:.2f}x" if a.median else "n/a"
            cells.append(f"{a.text()} → {b.text()} ({ratio})")
        lines.append(f"| {figure} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def markdown(runs: Sequence[Run]) -> str:
    groups = _group(runs)
    parts = [size_table(tasks, groups[tasks]) for tasks in sorted(groups)]
    scale = scale_table(groups)
    return "\n\n".join([*parts, *([scale] if scale else [])]) + "\n"


def aws_lines(runs: Sequence[Run]) -> str:
    """Which AWS operations each configuration called, per task (medians)."""
    lines = []
    for tasks, by_config in sorted(_group(runs).items()):
        for config, rs in by_config.items():
            ops = sorted({op for r in rs for op in r.aws})
            per = {op: sorted(r.aws.get(op, 0) / r.tasks for r in rs)[len(rs) // 2] for op in ops}
            text = ", ".join(f"{op} {v:.2f}" for op, v in per.items()) or "none"
            lines.append(f"- {config}, {tasks} tasks: {text}")
    return "\n".join(lines) + "\n"
