"""The month of a stack that sleeps: its awake graph for the awake hours, its asleep graph
for the rest (docs/sleep.md).

Both graphs are priced by `estimate` as if they ran all month; a resource in both (what
stays: keys, buckets, log groups, secrets, the EKS control plane, ElastiCache) costs its full
month, a resource only in the awake graph (the MWAA environment, NAT gateways, endpoints,
nodes) its share of the hours. The awake hours include the early wake (the platform is
billed while it is being created), so the share is `components.schedule.awake_fraction`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from finops.report import CostReport

HOURS_A_MONTH = 730
# Asleep, no task runs: nothing the task runs drive (the secrets backend's API calls) is billed
# in the asleep graph; the awake graph carries the month's task runs, weighted by the awake share.
# Nor is anything written to the platform's logs: the MWAA environment is gone, and an EKS
# stack has no node for Container Insights' agents. What stays and still talks (the EKS control
# plane, whatever crosses the VPC's flow logs) is priced as by day.
SLEEPING_LOGS = (
    "mwaa_task",
    "mwaa_worker",
    "mwaa_scheduler",
    "mwaa_dagprocessing",
    "mwaa_webserver",
    "container_insights_application",
    "container_insights_dataplane",
    "container_insights_host",
)
ASLEEP_USAGE: dict[str, Any] = {
    "airflow_tasks_per_month": {"mwaa": 0, "eks": 0},
    "logs": {"gb_per_month": dict.fromkeys(SLEEPING_LOGS, 0.0)},
}


@dataclass(frozen=True)
class ScheduleCost:
    """The month with the schedule and always on, side by side."""

    always_on: float
    """The awake graph all month (what the stack costs without the schedule)."""
    asleep: float
    """The asleep graph all month (what stays, what cannot sleep)."""
    awake_fraction: float
    """Share of the month the platform exists (awake hours plus the early wake)."""

    @property
    def scheduled(self) -> float:
        """The month with the schedule."""
        f = self.awake_fraction
        return round(f * self.always_on + (1 - f) * self.asleep, 2)

    @property
    def awake_hours(self) -> float:
        return round(self.awake_fraction * HOURS_A_MONTH, 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "always_on_monthly": self.always_on,
            "scheduled_monthly": self.scheduled,
            "asleep_monthly": self.asleep,
            "awake_hours_a_month": self.awake_hours,
            "awake_fraction": round(self.awake_fraction, 4),
        }


def schedule_cost(awake: CostReport, asleep: CostReport, awake_fraction: float) -> ScheduleCost:
    if not 0 <= awake_fraction <= 1:
        raise ValueError(f"awake_fraction: {awake_fraction} is not between 0 and 1")
    return ScheduleCost(awake.monthly_total, asleep.monthly_total, awake_fraction)


def staying(asleep: CostReport) -> list[tuple[str, str, float]]:
    """What costs money while asleep, by resource: (name, type, USD a month), dearest first."""
    totals: dict[tuple[str, str], float] = {}
    for line in asleep.line_items:
        key = (line.resource, line.type)
        totals[key] = totals.get(key, 0.0) + line.monthly
    return sorted(
        ((name, token, round(cost, 2)) for (name, token), cost in totals.items() if cost > 0),
        key=lambda row: -row[2],
    )
