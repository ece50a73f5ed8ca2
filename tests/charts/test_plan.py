"""`make plan STACK=prod` lists each chart with the number of manifests Helm renders for it."""

from __future__ import annotations

from tests.charts.conftest import prod_stack
from tests.conftest import planned
from tools import plan as planner


def test_the_plan_counts_what_helm_renders() -> None:
    stack = prod_stack()
    plan = planned("prod")
    charts = {c["chart"]: c for c in planner.to_dict(plan)["charts"]}
    assert {name: c["manifests"] for name, c in charts.items()} == {
        name: len(objects) for name, objects in stack.renders.items()
    }
    lines = planner.to_text(plan).splitlines()
    for name, objects in stack.renders.items():
        line = next(li for li in lines if li.strip().startswith(f"{name} "))
        assert line.endswith(f": {len(objects)} manifests"), line
