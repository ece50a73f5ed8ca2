"""Which steps take a stack from the phase it was deployed in to the phase it should be in.

Pure: no clock, no cloud. Each step is safe to repeat (the export writes a new document, the
import changes only what differs, `pulumi up` converges), so the scheduled workflow can run
often: a run with nothing to do does nothing, a missed edge is done by the next run.
"""

from __future__ import annotations

from typing import Literal

from components.schedule import Phase

Step = Literal[
    "export",  # state export to the data bucket, while the platform still runs
    "up",  # pulumi up as the time says (asleep: the platform goes; awake: paging on)
    "up-waking",  # pulumi up with paging held off (the platform comes back)
    "wait-healthy",  # until the platform reports healthy (MWAA AVAILABLE, EKS nodes + DB)
    "import",  # the newest state export into the platform
    "count-backup",  # the imported state counts as a backup (the missing-backup alarm)
    "refresh",  # pulumi up --refresh: RDS restarts a stopped instance after 7 days
]


UPS: frozenset[Step] = frozenset({"up", "up-waking", "refresh"})


def steps(
    desired: Phase,
    applied: Phase | None,
    *,
    daily: bool = False,
    stops_database: bool = False,
    interrupted: bool = False,
    deploy: bool = False,
) -> list[Step]:
    """The steps from `applied` (None: deployed before sleep existed, i.e. awake) to
    `desired`. `daily`: the workflow's once-a-day run; `stops_database`: an EKS stack, whose
    stopped RDS instance must be stopped again if RDS started it; `interrupted`: the last
    `pulumi up` stopped part way, so what exists is `applied` but the rest of the graph may
    not be (the up is done again); `deploy`: a push (deploy.yml), whose new code needs a
    `pulumi up` even where the phase needs none."""
    plan = _steps(desired, applied, daily, stops_database, interrupted)
    return plan if not deploy or UPS & set(plan) else [*plan, "up"]


def _steps(
    desired: Phase, applied: Phase | None, daily: bool, stops_database: bool, interrupted: bool
) -> list[Step]:
    if interrupted:
        if desired != "asleep":
            # Whatever came up part way is brought up with paging held, then imported.
            return _steps(desired, "asleep", False, False, False)
        to_sleep = _steps(desired, applied, False, False, False)
        return to_sleep if "up" in to_sleep else [*to_sleep, "up"]
    was = applied or "awake"
    if desired == "asleep":
        if was == "asleep":
            return ["refresh"] if daily and stops_database else []
        # Awake or waking, the platform runs (a waking one schedules runs too, and may hold
        # the only copy of its state if the night's export is gone): export before it goes.
        return ["export", "up"]
    if was == "awake" or (was == "waking" and desired == "waking"):
        # Awake and paging already (desired "waking" cannot undo a finished wake); or waking
        # already: the run that woke it imported, and the window's run checks again.
        return []
    plan: list[Step] = []
    if was == "asleep":
        plan.append("up-waking")
    plan += ["wait-healthy", "import", "count-backup"]
    if desired == "awake":
        plan.append("up")
    return plan
