"""`make plan STACK=prod` lists each chart with the number of manifests Helm renders for it,
and each image with where it is pulled from."""

from __future__ import annotations

from tests.charts.conftest import prod_stack
from tests.conftest import planned
from tools import plan as planner
from tools.charts.images import how_pulled, images


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


def test_the_plan_lists_every_prod_image_with_where_it_is_pulled_from() -> None:
    # issue 21, item 2: the operator reads, before `pulumi up`, where each image comes from;
    # none from Docker Hub anonymously (10 pulls per hour per address).
    plan = planned("prod")
    listed = {(i["chart"], i["image"]): i["pulled"] for i in planner.image_sources(plan)}
    rendered = {
        (chart, image)
        for chart, objects in prod_stack().renders.items()
        for _, image in images(objects)
    }
    assert set(listed) == rendered
    assert not [key for key, how in listed.items() if "Docker Hub, ANONYMOUS" in how]
    airflow = next(how for (chart, image), how in listed.items() if "/apache/airflow:" in image)
    assert airflow == "ECR pull-through cache of Docker Hub (authenticated)"
    text, markdown = planner.to_text(plan), planner.to_markdown(plan)
    for (chart, image), how in listed.items():
        assert image in text and f"| {chart} | `{image}` | {how} |" in markdown


def test_an_anonymous_docker_hub_pull_is_named_in_the_plan() -> None:
    assert how_pulled("apache/airflow:3.3.1", "docker-hub") == (
        "Docker Hub, ANONYMOUS (10 anonymous pulls per hour per IP address)"
    )
    assert how_pulled("docker.io/grafana/grafana:13.2.0", "").startswith("Docker Hub, ANONYMOUS")
