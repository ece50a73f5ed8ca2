"""The MWAA-versus-EKS cost curve: monthly cost against concurrent running tasks.

Both designs start from their idle baseline (a parameter: the plan passes each stack's
estimated total) and grow with the same price list and usage assumptions as the estimate:

- MWAA: a worker runs `tasks_per_worker[class] * slot_fill` tasks; workers beyond the one
  included in the environment bill per hour; past `max_workers` (25) the environment steps
  up to the next class, whose environment and worker rates then apply.
- EKS: a Celery worker pod runs `worker_concurrency * slot_fill` tasks; pods pack onto
  worker nodes by their CPU and memory requests; every node beyond the baseline's costs
  its (spot) hours, its root volume and its Container Insights observations.

The load is held for the whole month (730 h): the curve is the price of sustaining that
concurrency. Every function takes the planned resources (or figures drawn from them) as
arguments; `python -m tools.cost_curve --out cost.png` plans the stacks and draws the picture.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finops.data import dig, hours_per_month, region_prices, resolve_usage
from finops.estimator import estimate
from finops.pricing.base import (
    ADDON,
    CONTAINER_INSIGHTS_ADDON,
    HELM_RELEASE,
    MANAGED_NODE_GROUP,
    MWAA,
    NODE_GROUP,
    Context,
    Resource,
    number,
)
from finops.pricing.platforms import find_launch_template

# The seed documents' totals, which showed no arithmetic (drawn for comparison only).
SEED_MWAA = 624.17
SEED_EKS = 189.14


@dataclass(frozen=True)
class MwaaDesign:
    environment_class: str = "mw1.small"
    min_workers: int = 1


@dataclass(frozen=True)
class EksDesign:
    instance_type: str = "m7g.large"
    capacity_type: str = "SPOT"
    baseline_nodes: int = 1
    """Worker nodes already running (and priced) in the idle baseline."""
    disk_gib: float = 40
    disk_type: str = "gp3"
    worker_concurrency: int = 16
    container_insights: bool = True


Design = MwaaDesign | EksDesign


@dataclass(frozen=True)
class Model:
    """Prices and usage for one region, as the estimate uses them."""

    prices: Mapping[str, Any]
    usage: Mapping[str, Any]
    hours: float

    @classmethod
    def load(cls, region: str = "us-east-1", usage: Mapping[str, Any] | None = None) -> Model:
        return cls(region_prices(region), resolve_usage(usage), hours_per_month())

    @property
    def curve(self) -> Mapping[str, Any]:
        return self.usage["curve"]


# ---------------------------------------------------------------- MWAA


def mwaa_capacity(tasks: float, design: MwaaDesign, model: Model) -> tuple[str, int]:
    """Environment class and workers that run `tasks` at once, stepping up classes at 25 workers."""
    capacity = model.prices["mwaa_capacity"]
    order = list(capacity["class_order"])
    start = order.index(design.environment_class) if design.environment_class in order else 0
    for env_class in order[start:]:
        per_worker = capacity["tasks_per_worker"][env_class] * float(model.curve["slot_fill"])
        workers = max(design.min_workers, math.ceil(tasks / per_worker))
        if workers <= capacity["max_workers"]:
            return env_class, workers
    raise ValueError(f"{tasks:g} concurrent tasks exceed the largest MWAA environment")


def _mwaa_hourly(env_class: str, workers: int, model: Model) -> float:
    table = model.prices["mwaa"]
    extra = max(0, workers - table["included_workers"])
    return float(
        table["environment_hourly"][env_class]
        + extra * table["additional_worker_hourly"][env_class]
    )


def mwaa_monthly(tasks: float, design: MwaaDesign, baseline: float, model: Model) -> float:
    env_class, workers = mwaa_capacity(tasks, design, model)
    idle = _mwaa_hourly(design.environment_class, design.min_workers, model)
    return baseline + model.hours * (_mwaa_hourly(env_class, workers, model) - idle)


# ---------------------------------------------------------------- EKS


def pods_per_node(design: EksDesign, model: Model) -> int:
    eks = model.curve["eks"]
    vcpu, memory = model.prices["ec2_specs"]["vcpu_memory_gib"][design.instance_type]
    by_cpu = math.floor((vcpu - eks["node_reserved_cpu"]) / eks["worker_pod_cpu"])
    by_memory = math.floor(
        (memory - eks["node_reserved_memory_gib"]) / eks["worker_pod_memory_gib"]
    )
    fits = min(by_cpu, by_memory)
    if fits < 1:
        raise ValueError(f"a worker pod does not fit on {design.instance_type}")
    return fits


def node_monthly(design: EksDesign, model: Model) -> float:
    """What one more worker node costs a month: hours, root volume, observations."""
    hourly = model.prices["ec2"]["on_demand_hourly"][design.instance_type]
    if design.capacity_type == "SPOT":
        hourly *= float(model.usage["spot_factor"])
    cost = (
        hourly * model.hours + design.disk_gib * model.prices["ebs"]["gb_month"][design.disk_type]
    )
    if design.container_insights:
        observations = float(model.usage["container_insights"]["observations_per_node_month"]) / 1e6
        cost += (
            observations * model.prices["cloudwatch"]["container_insights_per_million_observations"]
        )
    return float(cost)


def eks_monthly(tasks: float, design: EksDesign, baseline: float, model: Model) -> float:
    per_pod = design.worker_concurrency * float(model.curve["slot_fill"])
    pods = math.ceil(tasks / per_pod)
    nodes = max(design.baseline_nodes, math.ceil(pods / pods_per_node(design, model)))
    pvc = float(model.curve["eks"]["worker_pvc_gib"]) * model.prices["ebs"]["gb_month"]["gp3"]
    return baseline + (nodes - design.baseline_nodes) * node_monthly(design, model) + pods * pvc


# ---------------------------------------------------------------- the public questions


def monthly_cost(
    design: Design, tasks: float, baseline: float, model: Model | None = None
) -> float:
    """Monthly USD for `design` sustaining `tasks` concurrent tasks, from its idle `baseline`."""
    model = model or Model.load()
    if isinstance(design, MwaaDesign):
        return mwaa_monthly(tasks, design, baseline, model)
    return eks_monthly(tasks, design, baseline, model)


def marginal_cost_per_100_tasks(
    design: Design, start: float = 0, model: Model | None = None
) -> float:
    """What 100 more concurrent tasks, from `start`, add to the monthly bill of `design`."""
    model = model or Model.load()
    return monthly_cost(design, start + 100, 0.0, model) - monthly_cost(design, start, 0.0, model)


def curves(
    mwaa: MwaaDesign,
    eks: EksDesign,
    mwaa_baseline: float,
    eks_baseline: float,
    model: Model | None = None,
) -> tuple[list[int], list[float], list[float]]:
    """Tasks 0..max_tasks and both designs' monthly cost at each."""
    model = model or Model.load()
    tasks = list(range(int(model.curve["max_tasks"]) + 1))
    return (
        tasks,
        [mwaa_monthly(t, mwaa, mwaa_baseline, model) for t in tasks],
        [eks_monthly(t, eks, eks_baseline, model) for t in tasks],
    )


def crossover(
    mwaa_baseline: float,
    eks_baseline: float,
    mwaa: MwaaDesign | None = None,
    eks: EksDesign | None = None,
    model: Model | None = None,
) -> int | None:
    """The smallest task count from which EKS is cheaper at every load up to max_tasks.

    0 when EKS is cheaper everywhere; None when it is not cheaper at max_tasks.
    """
    tasks, mwaa_costs, eks_costs = curves(
        mwaa or MwaaDesign(), eks or EksDesign(), mwaa_baseline, eks_baseline, model
    )
    not_cheaper = [t for t, m, e in zip(tasks, mwaa_costs, eks_costs, strict=True) if e >= m]
    if not not_cheaper:
        return 0
    return not_cheaper[-1] + 1 if not_cheaper[-1] < tasks[-1] else None


# ---------------------------------------------------------------- designs from a plan


def designs_from_plan(
    resources: Iterable[Mapping[str, Any]],
) -> tuple[MwaaDesign | None, EksDesign | None]:
    """The curve's parameters read from a plan's resource dicts (None where absent)."""
    planned = [Resource.from_plan(raw) for raw in resources]
    mwaa: MwaaDesign | None = None
    for res in planned:
        if res.type == MWAA:
            env_class = res.get("environmentClass")
            mwaa = MwaaDesign(
                env_class if isinstance(env_class, str) else "mw1.small",
                int(number(res.get("minWorkers")) or 1),
            )
    return mwaa, _eks_design(planned)


def _eks_design(planned: list[Resource]) -> EksDesign | None:
    groups = [r for r in planned if r.type in (NODE_GROUP, MANAGED_NODE_GROUP)]
    if not groups:
        return None
    named = [g for g in groups if "worker" in g.name]
    spot = [g for g in groups if g.get("capacityType") == "SPOT"]
    group = (
        named or spot or sorted(groups, key=lambda g: number(g.get("scalingConfig.maxSize")) or 0)
    )[-1]
    template = find_launch_template(group, Context({}, {}, 0.0, planned))
    types = group.get("instanceTypes")
    size = number(template.get("blockDeviceMappings.0.ebs.volumeSize")) if template else None
    kind = template.get("blockDeviceMappings.0.ebs.volumeType") if template else None
    concurrency = next(
        (
            number(dig(r.inputs, "values.config.celery.worker_concurrency"))
            for r in planned
            if r.type == HELM_RELEASE and str(r.get("chart")).endswith("airflow")
        ),
        None,
    )
    return EksDesign(
        instance_type=types[0] if isinstance(types, list) and types else "m7g.large",
        capacity_type=str(group.get("capacityType") or "ON_DEMAND"),
        baseline_nodes=int(number(group.get("scalingConfig.desiredSize")) or 0),
        disk_gib=size or number(group.get("diskSize")) or 20,
        disk_type=kind if isinstance(kind, str) else "gp3",
        worker_concurrency=int(concurrency or 16),
        container_insights=any(
            r.type == ADDON and r.get("addonName") == CONTAINER_INSIGHTS_ADDON for r in planned
        ),
    )


@dataclass(frozen=True)
class Comparison:
    """The MWAA stack against the EKS stack, both as planned."""

    mwaa_baseline: float
    """The MWAA stack's estimated idle total, USD a month."""
    eks_baseline: float
    """The EKS stack's estimated idle total, USD a month."""
    mwaa: MwaaDesign
    """The MWAA environment's class and minimum workers, read from its plan."""
    eks: EksDesign
    """The Celery worker nodes and pods, read from the EKS plan."""
    crossover: int | None
    """Concurrent tasks from which EKS is cheaper at every load (None: not up to max_tasks)."""


def compare_stacks(
    mwaa_resources: Sequence[Mapping[str, Any]],
    eks_resources: Sequence[Mapping[str, Any]],
    region: str = "us-east-1",
) -> Comparison:
    """Price two planned stacks, read their designs, and find where EKS becomes cheaper."""
    mwaa, _ = designs_from_plan(mwaa_resources)
    _, eks = designs_from_plan(eks_resources)
    if mwaa is None:
        raise ValueError("the MWAA stack's plan holds no MWAA environment")
    if eks is None:
        raise ValueError("the EKS stack's plan holds no node group")
    mwaa_baseline = estimate(mwaa_resources, region=region).monthly_total
    eks_baseline = estimate(eks_resources, region=region).monthly_total
    cross = crossover(mwaa_baseline, eks_baseline, mwaa, eks, Model.load(region))
    return Comparison(mwaa_baseline, eks_baseline, mwaa, eks, cross)


# ---------------------------------------------------------------- the picture


def render(
    out: Path,
    *,
    mwaa_baseline: float,
    eks_baseline: float,
    mwaa: MwaaDesign | None = None,
    eks: EksDesign | None = None,
    region: str = "us-east-1",
    usage: Mapping[str, Any] | None = None,
    source: str = "",
) -> Path:
    """Draw the curve to `out` (PNG) and return the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    mwaa, eks, model = mwaa or MwaaDesign(), eks or EksDesign(), Model.load(region, usage)
    series = curves(mwaa, eks, mwaa_baseline, eks_baseline, model)
    tasks, mwaa_costs, _ = series
    cross = crossover(mwaa_baseline, eks_baseline, mwaa, eks, model)
    fig, ax = plt.subplots(figsize=(11, 6.5), dpi=110)
    _draw_series(ax, series, mwaa, eks)
    _draw_seed_lines(ax)
    _draw_crossover(ax, cross)
    _draw_inset(ax, series, cross)
    ax.set_title(f"Airflow on AWS ({region}): monthly cost against concurrent running tasks")
    ax.set_xlabel("concurrent running tasks, sustained all month")
    ax.set_ylabel("USD per month")
    ax.set_xlim(0, tasks[-1])
    ax.set_ylim(0, max(mwaa_costs) * 1.05)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=9)
    _draw_class_steps(ax, tasks, mwaa_costs, mwaa, model)
    # Between the curves: MWAA is above this box at every load, EKS below it.
    ax.text(
        0.99,
        0.21,
        assumptions_text(mwaa, eks, model, source),
        transform=ax.transAxes,
        fontsize=7.5,
        ha="right",
        va="bottom",
        multialignment="left",
        family="monospace",
        parse_math=False,
        bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.9, "edgecolor": "0.7"},
    )
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, format="png")
    plt.close(fig)
    return out


Series = tuple[list[int], list[float], list[float]]


def _draw_series(ax: Any, series: Series, mwaa: MwaaDesign, eks: EksDesign) -> None:
    tasks, mwaa_costs, eks_costs = series
    ax.step(
        tasks,
        mwaa_costs,
        where="post",
        color="tab:orange",
        lw=2,
        label=f"MWAA {mwaa.environment_class}, idle ${mwaa_costs[0]:,.2f}",
    )
    ax.step(
        tasks,
        eks_costs,
        where="post",
        color="tab:blue",
        lw=2,
        label=f"EKS, {eks.capacity_type.lower()} {eks.instance_type} workers, "
        f"idle ${eks_costs[0]:,.2f}",
    )


def _draw_seed_lines(ax: Any) -> None:
    for value, color, who in ((SEED_MWAA, "tab:orange", "MWAA"), (SEED_EKS, "tab:blue", "EKS")):
        ax.axhline(
            value, color=color, ls=":", lw=1.2, label=f"seed document's {who} figure ${value:,.2f}"
        )


def _draw_crossover(ax: Any, cross: int | None) -> None:
    if cross is None:
        return
    ax.axvline(
        cross,
        color="tab:green",
        ls="--",
        lw=1.2,
        label=f"crossover: EKS cheaper from {cross} tasks",
    )


def _draw_class_steps(
    ax: Any, tasks: list[int], mwaa_costs: list[float], mwaa: MwaaDesign, model: Model
) -> None:
    """Label where MWAA must step up to a larger environment class (25 workers are full)."""
    previous = mwaa.environment_class
    for count in tasks:
        env_class, _ = mwaa_capacity(count, mwaa, model)
        if env_class != previous:
            ax.annotate(
                f"{env_class}",
                (count, mwaa_costs[count]),
                xytext=(-40, 12),
                textcoords="offset points",
                fontsize=8,
                color="tab:orange",
                arrowprops={"arrowstyle": "-", "color": "tab:orange"},
            )
            previous = env_class


def _draw_inset(ax: Any, series: Series, cross: int | None) -> None:
    """A zoom on the first tasks, where the crossover sits."""
    tasks, mwaa_costs, eks_costs = series
    span = max(40, (cross or 0) * 2)
    inset = ax.inset_axes((0.05, 0.40, 0.26, 0.30))
    inset.step(tasks[: span + 1], mwaa_costs[: span + 1], where="post", color="tab:orange", lw=1.5)
    inset.step(tasks[: span + 1], eks_costs[: span + 1], where="post", color="tab:blue", lw=1.5)
    if cross is not None:
        inset.axvline(cross, color="tab:green", ls="--", lw=1)
        inset.annotate(
            f"{cross} tasks",
            (cross, eks_costs[cross]),
            xytext=(4, 18),
            textcoords="offset points",
            fontsize=8,
            color="tab:green",
        )
    inset.set_title(f"zoom: 0-{span} tasks", fontsize=8)
    inset.tick_params(labelsize=7)
    inset.grid(alpha=0.3)


def assumptions_text(mwaa: MwaaDesign, eks: EksDesign, model: Model, source: str) -> str:
    curve, eks_usage = model.curve, model.curve["eks"]
    per_worker = model.prices["mwaa_capacity"]["tasks_per_worker"][mwaa.environment_class]
    as_of = model.prices["mwaa"]["as_of"]
    max_workers = model.prices["mwaa_capacity"]["max_workers"]
    pods = pods_per_node(eks, model)
    lines = [
        f"On-demand list prices as of {as_of}, {model.hours:g} h/month; load held all month",
        f"Baselines: {source or 'given'}",
        f"MWAA: {per_worker} tasks/worker ({mwaa.environment_class}), "
        f"min {mwaa.min_workers} worker(s), max {max_workers}, then next class",
        f"EKS: {eks.worker_concurrency} tasks/pod, pod {eks_usage['worker_pod_cpu']} vCPU / "
        f"{eks_usage['worker_pod_memory_gib']} GiB, {pods} pods per {eks.instance_type}",
        f"     spot = {model.usage['spot_factor']} x on-demand; "
        f"per node ${node_monthly(eks, model):,.2f}/month "
        f"(hours, {eks.disk_gib:g} GiB {eks.disk_type}, observations)",
        f"Slot fill (worker utilisation) {curve['slot_fill']} for both designs",
        f"+100 tasks from idle: MWAA ${marginal_cost_per_100_tasks(mwaa, 0, model):,.2f}, "
        f"EKS ${marginal_cost_per_100_tasks(eks, 0, model):,.2f} a month",
    ]
    return "\n".join(lines)
