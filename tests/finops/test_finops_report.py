"""The report as the plan shows it (JSON, text, markdown), usage overrides, odd inputs, data."""

from __future__ import annotations

import json
import re
from datetime import date

import pytest
import yaml
from finops_helpers import UNKNOWN, items, monthly, res, warned

from finops import PRICED_TYPES, estimate, stack_usage
from finops.data import PRICES_FILE, USAGE_FILE
from tests.conftest import planned

NAT = "aws:ec2/natGateway:NatGateway"
SPOT_GROUP = res(
    "aws:eks/nodeGroup:NodeGroup",
    "workers",
    instanceTypes=["m7g.large"],
    capacityType="SPOT",
    scalingConfig={"desiredSize": 1},
)


def test_json_shape_puts_a_number_under_cost_monthly_total() -> None:
    report = estimate([res(NAT, "nat"), res("aws:kms/key:Key", "key")])
    document = json.loads(json.dumps({"cost": report.to_dict()}))
    cost = document["cost"]
    assert list(cost) == ["currency", "monthly_total", "line_items", "warnings", "assumptions"]
    assert cost["currency"] == "USD"
    assert isinstance(cost["monthly_total"], float)
    # NAT 730 x 0.045 = 32.85 + 10 GB x 0.045 = 0.45 (no platform) + key 1.00
    assert cost["monthly_total"] == pytest.approx(34.30)
    assert list(cost["line_items"][0]) == [
        "resource",
        "type",
        "item",
        "quantity",
        "unit",
        "unit_price",
        "monthly",
        "note",
    ]
    assert cost["assumptions"]["region"] == "us-east-1"
    assert cost["assumptions"]["hours_per_month"] == 730
    assert cost["assumptions"]["usage"]["spot_factor"] == 0.35


def test_total_is_the_sum_of_the_line_items() -> None:
    report = estimate(planned("prod").resources())
    assert report.monthly_total == pytest.approx(sum(line.monthly for line in report.line_items))


def test_text_table_is_aligned_and_ends_with_the_total() -> None:
    report = estimate([res(NAT, "nat"), res("aws:kms/key:Key", "a-key-with-a-long-name")])
    table = [row for row in report.to_text().splitlines() if not row.startswith("warning:")]
    widths = {len(row) for row in table if not set(row) <= {"-"}}
    assert len(widths) == 1, table  # right-aligned money column: every row equally wide
    assert table[0].split() == ["Resource", "Item", "Quantity", "Unit", "Unit", "price", "Monthly"]
    assert table[-1].startswith("TOTAL") and table[-1].endswith("$34.30")


def test_markdown_table_has_a_row_per_item_a_total_and_the_warnings() -> None:
    report = estimate([res(NAT, "nat"), res("aws:eks/nodeGroup:NodeGroup", "odd|name")])
    text = report.to_markdown()
    rows = [row for row in text.splitlines() if row.startswith("|")]
    assert rows[0] == "| Resource | Item | Quantity | Unit | Unit price | Monthly |"
    assert rows[1] == "|---|---|---:|---|---:|---:|"
    assert len(rows) == 2 + len(report.line_items) + 1
    assert rows[-1] == "| **Total** | | | | | **$33.30** |"
    assert "odd\\|name" in text  # a pipe in a name must not break the table
    assert "**Estimated monthly cost: $33.30**" in text
    assert "Warnings:" in text and "desiredSize" in text


def test_usage_overrides_change_only_what_they_name() -> None:
    base = estimate([SPOT_GROUP, res(NAT, "nat")])
    changed = estimate(
        [SPOT_GROUP, res(NAT, "nat")],
        usage={"spot_factor": 0.5, "egress_gb_per_month": {"none": 100}},
    )
    # spot 730 x 0.0816 x 0.5 = 29.78 (was 20.85); NAT data 100 x 0.045 = 4.50 (was 0.45)
    assert items(changed, "workers")[0].monthly == 29.78
    assert items(base, "workers")[0].monthly == 20.85
    assert items(changed, "nat")[1].monthly == 4.50
    assert items(changed, "nat")[0].monthly == items(base, "nat")[0].monthly


def test_nested_usage_override_keeps_the_other_defaults() -> None:
    group = res(
        "aws:cloudwatch/logGroup:LogGroup", "task", name="airflow-x-Task", retentionInDays=7
    )
    report = estimate([group], usage={"logs": {"gb_per_month": {"mwaa_task": 20}}})
    assert items(report, "task")[0].monthly == 10.00  # 20 GB x 0.50
    assert report.assumptions["usage"]["logs"]["gb_per_month"]["mwaa_worker"] == 1.0


def test_stack_usage_reads_per_stack_overrides() -> None:
    assert stack_usage("dev") == {}
    assert stack_usage("no-such-stack") == {}


@pytest.mark.parametrize("bad", [UNKNOWN, None])
def test_unknown_values_warn_instead_of_crashing(bad: object) -> None:
    plan = [
        res("aws:mwaa/environment:Environment", "env", environmentClass=bad, minWorkers=bad),
        res(
            "aws:eks/nodeGroup:NodeGroup",
            "nodes",
            instanceTypes=bad,
            scalingConfig={"desiredSize": bad},
        ),
        res("aws:ec2/vpcEndpoint:VpcEndpoint", "vpce", vpcEndpointType="Interface", subnetIds=bad),
        res("aws:rds/instance:Instance", "db", instanceClass=bad, allocatedStorage=bad),
        res("aws:cloudwatch/logGroup:LogGroup", "logs", name=bad, retentionInDays=bad),
        res(
            "kubernetes:helm.sh/v3:Release",
            "monitoring",
            chart="kube-prometheus-stack",
            values={
                "prometheus": {
                    "prometheusSpec": {
                        "storageSpec": {
                            "volumeClaimTemplate": {
                                "spec": {"resources": {"requests": {"storage": bad}}}
                            }
                        }
                    }
                }
            },
        ),
    ]
    report = estimate(plan)
    assert warned(report, "nodes", "desiredSize")
    assert warned(report, "vpce", "subnetIds")
    assert warned(report, "db", "instance class")
    assert warned(report, "monitoring", "storage size")
    if bad == UNKNOWN:
        assert warned(report, "env", "environmentClass")
    assert {line.resource for line in report.line_items} >= {"env", "nodes", "vpce", "db", "logs"}
    assert monthly(report, "nodes") == 0
    # mw1.small default + its logs + Secrets Manager calls (4,500 tasks x 1.05 / 10k x 0.05)
    assert monthly(report, "env") == pytest.approx(358.70 + 1.00 + 0.02)


@pytest.mark.parametrize("token", sorted(PRICED_TYPES))
def test_every_priced_type_gives_a_line_item_even_without_inputs(token: str) -> None:
    for raw in ({"type": token, "name": "x", "inputs": {}}, {"type": token, "name": "x"}):
        report = estimate([raw])
        assert [line for line in report.line_items if line.resource == "x"], token


def test_unknown_types_and_junk_are_ignored() -> None:
    plan = [res("aws:iam/role:Role", "role"), {"type": "aws:ec2/vpc:Vpc"}, "not a dict"]
    report = estimate(plan)
    assert (report.line_items, report.monthly_total, report.warnings) == ([], 0.0, [])


def test_unpriced_region_is_a_warning_not_a_crash() -> None:
    report = estimate([res(NAT, "nat")], region="ap-south-2")
    assert report.monthly_total == 0 and warned(report, "ap-south-2", "us-east-1")


def test_every_price_entry_names_its_source_and_date() -> None:
    book = yaml.safe_load(PRICES_FILE.read_text())
    assert book["hours_per_month"] == 730
    for region, entries in book["regions"].items():
        for name, entry in entries.items():
            where = f"{region}.{name}"
            assert re.match(
                r"^https://(aws\.amazon\.com|docs\.aws\.amazon\.com)/", entry["source"]
            ), where
            assert date.fromisoformat(entry["as_of"]) <= date(2026, 12, 31), where
            assert entry.get("checked"), where


def test_price_list_covers_the_instance_families_the_program_uses() -> None:
    prices = yaml.safe_load(PRICES_FILE.read_text())["regions"]["us-east-1"]
    ec2 = prices["ec2"]["on_demand_hourly"]
    for family in ("t3", "t4g", "m5", "m6g", "m7g", "c6g", "c7g", "r6g", "r7g"):
        assert {f"{family}.large", f"{family}.xlarge"} <= set(ec2), family
    assert {"db.t4g.micro", "db.t4g.small", "db.t4g.medium", "db.t4g.large", "db.m7g.large"} <= set(
        prices["rds"]["instance_hourly"]
    )
    assert {"cache.t4g.micro", "cache.t4g.small", "cache.t4g.medium"} <= set(
        prices["elasticache"]["node_hourly"]
    )


def test_usage_file_documents_every_default() -> None:
    text = USAGE_FILE.read_text()
    defaults = yaml.safe_load(text)["defaults"]
    assert 0 < defaults["spot_factor"] < 1
    assert 0 < defaults["curve"]["slot_fill"] <= 1
    for key in defaults:
        block = text.split(f"\n  {key}:")[0].rsplit("\n\n", 1)[-1]
        assert "#" in block, f"usage default {key} has no comment saying why"
