"""The MWAA-versus-EKS cost curve: marginal costs, the crossover, and the picture."""

from __future__ import annotations

from pathlib import Path

import pytest

from finops import estimate
from finops.curve import (
    Comparison,
    EksDesign,
    Model,
    MwaaDesign,
    compare_stacks,
    crossover,
    designs_from_plan,
    marginal_cost_per_100_tasks,
    monthly_cost,
    mwaa_capacity,
    pods_per_node,
)
from tests.conftest import absolute_imports, planned


@pytest.fixture(scope="module")
def model() -> Model:
    return Model.load()


@pytest.fixture(scope="module")
def baselines() -> tuple[float, float]:
    return planned("dev").cost.monthly_total, planned("prod").cost.monthly_total


def test_mwaa_marginal_cost_of_the_first_100_tasks(model: Model) -> None:
    # mw1.small: 5 tasks/worker x 0.9 fill = 4.5; 100 tasks -> 23 workers, 22 beyond the
    # included one: 22 x 730 x 0.055 = 883.30
    assert marginal_cost_per_100_tasks(MwaaDesign(), 0, model) == pytest.approx(883.30)


def test_eks_marginal_cost_of_the_first_100_tasks(model: Model) -> None:
    # 16 tasks/pod x 0.9 = 14.4 -> 7 pods; m7g.large (2 vCPU, 8 GiB) less 0.4 vCPU / 1.5 GiB
    # reserved fits min(3.2 // 0.5, 6.5 // 3.0) = 2 pods -> 4 nodes, 3 beyond the baseline's
    # one: 3 x (730 x 0.02856 + 40 GiB x 0.08 + 24 M x 0.21) = 3 x 29.0888 = 87.27
    assert pods_per_node(EksDesign(), model) == 2
    assert marginal_cost_per_100_tasks(EksDesign(), 0, model) == pytest.approx(87.27, abs=0.01)


@pytest.mark.parametrize("start", [0, 100, 200, 300, 400])
def test_eks_adds_at_most_a_fifth_of_what_mwaa_adds_per_100_tasks(start: int, model: Model) -> None:
    mwaa = marginal_cost_per_100_tasks(MwaaDesign(), start, model)
    eks = marginal_cost_per_100_tasks(EksDesign(), start, model)
    assert eks <= mwaa / 5, (start, mwaa, eks)


def test_average_marginal_cost_over_the_whole_range(model: Model) -> None:
    mwaa = (monthly_cost(MwaaDesign(), 500, 0, model) - monthly_cost(MwaaDesign(), 0, 0, model)) / 5
    eks = (monthly_cost(EksDesign(), 500, 0, model) - monthly_cost(EksDesign(), 0, 0, model)) / 5
    assert eks <= mwaa / 5


def test_mwaa_steps_up_a_class_when_25_workers_are_not_enough(model: Model) -> None:
    # mw1.small holds 25 x 4.5 = 112.5 tasks; 113 need mw1.medium: ceil(113 / 9) = 13 workers
    assert mwaa_capacity(112, MwaaDesign(), model) == ("mw1.small", 25)
    assert mwaa_capacity(113, MwaaDesign(), model) == ("mw1.medium", 13)
    # the environment price steps too: 730 x (0.74 + 12 x 0.11) - 730 x 0.49 = 1146.10
    assert monthly_cost(MwaaDesign(), 113, 0, model) == pytest.approx(1146.10)


def test_baselines_come_from_the_parameter(model: Model) -> None:
    assert monthly_cost(MwaaDesign(), 0, 624.17, model) == pytest.approx(624.17)
    assert monthly_cost(EksDesign(), 0, 189.14, model) == pytest.approx(189.14)


def test_crossover_of_the_planned_stacks(baselines: tuple[float, float], model: Model) -> None:
    mwaa_idle, eks_idle = baselines
    cross = crossover(mwaa_idle, eks_idle, model=model)
    assert cross is not None and 0 <= cross <= 500
    # above it EKS is cheaper at every load; just below it, it is not
    for tasks in range(cross, 501, 25):
        assert monthly_cost(EksDesign(), tasks, eks_idle, model) < monthly_cost(
            MwaaDesign(), tasks, mwaa_idle, model
        )
    if cross:
        before = cross - 1
        assert monthly_cost(EksDesign(), before, eks_idle, model) >= monthly_cost(
            MwaaDesign(), before, mwaa_idle, model
        )


def test_crossover_by_hand(model: Model) -> None:
    # MWAA 410.49 idle; 5 tasks need 2 workers: +730 x 0.055 = 450.64 > EKS 433.19 (one
    # pod fits the baseline node); 4 tasks still fit the included worker: 410.49 < 433.19
    assert crossover(410.49, 433.19, model=model) == 5
    assert crossover(500.00, 400.00, model=model) == 0  # EKS cheaper from the start
    assert crossover(100.00, 10_000.00, model=model) is None  # never within 500 tasks


def test_designs_are_read_from_a_plan() -> None:
    mwaa, no_eks = designs_from_plan(planned("dev").resources())
    no_mwaa, eks = designs_from_plan(planned("prod").resources())
    assert (no_eks, no_mwaa) == (None, None)
    assert mwaa == MwaaDesign("mw1.small", 1)
    assert eks == EksDesign("m7g.large", "SPOT", baseline_nodes=1, disk_gib=40, disk_type="gp3")


def test_compare_stacks_prices_and_reads_both_plans(model: Model) -> None:
    dev, prod = planned("dev").resources(), planned("prod").resources()
    comparison = compare_stacks(dev, prod)
    mwaa, _ = designs_from_plan(dev)
    _, eks = designs_from_plan(prod)
    assert comparison == Comparison(
        estimate(dev).monthly_total,
        estimate(prod).monthly_total,
        mwaa or MwaaDesign(),
        eks or EksDesign(),
        crossover(estimate(dev).monthly_total, estimate(prod).monthly_total, mwaa, eks, model),
    )


def test_compare_stacks_needs_each_platform_in_its_plan() -> None:
    dev, prod = planned("dev").resources(), planned("prod").resources()
    with pytest.raises(ValueError, match="MWAA stack's plan holds no MWAA environment"):
        compare_stacks(prod, prod)
    with pytest.raises(ValueError, match="EKS stack's plan holds no node group"):
        compare_stacks(dev, dev)


def test_finops_takes_plans_from_its_caller_and_imports_no_tools() -> None:
    """finops is the lower floor: `tools/` plans and passes the resources in, never the reverse."""
    root = Path(__file__).resolve().parents[2] / "finops"
    for path in sorted(root.rglob("*.py")):
        for name in absolute_imports(path):
            assert name.split(".")[0] not in ("tools", "components"), f"{path}: {name}"
