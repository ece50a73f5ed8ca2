"""Whole-stack tests: run __main__.py for the dev and prod stack files, as `make plan` does."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import assumers_missing_grants, assumers_of, plan_of, planned
from tools import plan as planner
from tools.plan import PlanError

ROOT = Path(__file__).resolve().parent.parent
TAG_KEYS = {"Project", "Environment", "ManagedBy", "Owner", "CostCenter"}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_cloud_resource_sits_at_the_stack_root(stack: str) -> None:
    plan = planned(stack)
    at_root = [
        r.name
        for r in plan.cloud_resources()
        if r.parent.endswith("pulumi:pulumi:Stack::" + f"{plan.project}-{stack}")
        and not r.type.startswith("pulumi:providers:")
    ]
    assert at_root == []
    components = {r.type for r in plan.registrations if not r.custom}
    assert "airflow:network:Network" in components


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_aws_resource_carries_the_cost_allocation_tags(stack: str) -> None:
    plan = planned(stack)
    providers = {
        r.urn + "::" + r.id: r for r in plan.registrations if r.type == "pulumi:providers:aws"
    }
    assert len(providers) == 1
    provider = next(iter(providers.values()))
    default_tags = provider.inputs["defaultTags"]  # provider config travels as JSON text
    tags = (json.loads(default_tags) if isinstance(default_tags, str) else default_tags)["tags"]
    assert set(tags) == TAG_KEYS and tags["Environment"] == stack
    aws_resources = [r for r in plan.cloud_resources() if r.type.startswith("aws:")]
    assert aws_resources
    untagged = [r.name for r in aws_resources if r.provider not in providers]
    assert untagged == []


def test_dev_network_two_zones_one_nat() -> None:
    by_type = planned("dev").registrations
    subnets = [r for r in by_type if r.type == "aws:ec2/subnet:Subnet"]
    nats = [r for r in by_type if r.type == "aws:ec2/natGateway:NatGateway"]
    assert len(subnets) == 4 and len({s.inputs["availabilityZone"] for s in subnets}) == 2
    assert len(nats) == 1


def test_prod_network_three_zones_nat_per_zone() -> None:
    by_type = planned("prod").registrations
    subnets = [r for r in by_type if r.type == "aws:ec2/subnet:Subnet"]
    nats = [r for r in by_type if r.type == "aws:ec2/natGateway:NatGateway"]
    assert len(subnets) == 6 and len({s.inputs["availabilityZone"] for s in subnets}) == 3
    assert len(nats) == 3


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_both_stacks_have_endpoint_flow_logs_and_empty_default_sg(stack: str) -> None:
    types = [r.type for r in planned(stack).registrations]
    assert types.count("aws:ec2/flowLog:FlowLog") == 1
    assert "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup" in types
    endpoints = [
        r for r in planned(stack).registrations if r.type == "aws:ec2/vpcEndpoint:VpcEndpoint"
    ]
    assert any(e.inputs["vpcEndpointType"] == "Gateway" for e in endpoints)


def test_stack_files_choose_the_architecture() -> None:
    assert planned("dev").settings.architecture == "mwaa"
    assert planned("prod").settings.architecture == "eks"


def test_bad_config_fails_the_plan_with_the_settings_line() -> None:
    with pytest.raises(PlanError, match=r"^architecture: 'kubernetes' is not one of mwaa, eks$"):
        planner.run("dev", overrides={"airflow:architecture": "kubernetes"})
    with pytest.raises(PlanError, match=r"azCont: is not a setting of this project; did you mean"):
        planner.run("dev", overrides={"airflow:azCont": 3})


def test_unknown_stack_is_named() -> None:
    with pytest.raises(PlanError, match=r"stack 'qa' has no Pulumi.qa.yaml \(known: dev, prod\)"):
        planner.stack_config("qa")


def test_stack_missing_a_key_without_default_fails_like_the_cli(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.qa.yaml").write_text("config:\n  airflow:azCount: 2\n")
    with pytest.raises(
        PlanError, match=r"Stack 'qa' is missing configuration value 'architecture'"
    ):
        planner.stack_config("qa", tmp_path)


def test_secure_values_are_replaced_by_placeholders(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.qa.yaml").write_text(
        "config:\n  airflow:architecture: eks\n  airflow:azCount: 3\n"
        "  airflow:natStrategy: per-az\n  airflow:dagsRepoToken:\n    secure: AAABAxyz\n"
    )
    _, config = planner.stack_config("qa", tmp_path)
    assert config["airflow:dagsRepoToken"] == planner.SECRET_PLACEHOLDER
    assert config["airflow:protect"] == "true"  # Pulumi.yaml default, as the CLI applies it


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_plan_formats(stack: str) -> None:
    plan = planned(stack)
    data = json.loads(json.dumps(planner.to_dict(plan), default=str))
    assert data["stack"] == stack
    assert data["resources"]["total"] == len(plan.cloud_resources())
    assert data["settings"]["architecture"] == plan.settings.architecture
    assert isinstance(data["cost"]["monthly_total"], float)
    assert data["policy"] == []
    markdown = planner.to_markdown(plan)
    assert markdown.startswith(f"### Plan: `{stack}`")
    assert "#### Estimated monthly cost" in markdown and "#### Policy findings" in markdown
    text = planner.to_text(plan)
    assert "Resources by component:" in text and f"Total: {data['resources']['total']}" in text


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_plan_shows_both_alert_topics_and_the_web_ui(stack: str) -> None:
    plan = planned(stack)
    env = plan.settings.environment_name
    shown = planner.key_settings(plan)
    assert shown["alert topic"].startswith(f"{env}-alerts (e-mail")
    assert shown["chat topic"].startswith(f"{env}-alerts-chat (Slack, Teams")
    assert shown["web UI"] == plan.outputs["webUrl"]
    for text in (planner.to_text(plan), planner.to_markdown(plan)):
        assert f"{env}-alerts-chat" in text and str(plan.outputs["webUrl"]) in text


@pytest.mark.integration
def test_make_plan_command_prints_json() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "tools.plan", "--stack", "dev", "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["cost"]["monthly_total"] > 0


@pytest.mark.integration
def test_make_plan_reports_bad_config_in_one_line(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import sys; from tools import plan; "
         "sys.exit(plan.main(['--stack', 'nope']))"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        "error: stack 'nope' has no Pulumi.nope.yaml (known: dev, prod)"
    ]


def test_plan_refuses_an_airflow_version_mwaa_does_not_offer_naming_the_table() -> None:
    # The dev stack is MWAA: a version missing from MWAA's table stops the plan with one
    # line that says where to add it and with which source.
    with pytest.raises(PlanError) as err:
        planner.run("dev", overrides={"airflow:airflowVersion": "3.4.0"})
    lines = str(err.value).strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("airflowVersion: '3.4.0' is not in MWAA's version table")
    assert "components/settings/versions.py" in lines[0]
    assert "aws/amazon-mwaa-docker-images" in lines[0]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_plan_is_fast(stack: str) -> None:
    # CPU time, not wall-clock: a loaded 2-core CI machine stretches the wall clock, not the
    # work. A warm run takes about 0.5 s (dev) and 0.8 s (prod) of CPU; 2 s catches a plan
    # that does twice the work or more. The first run pays the imports, so it is not counted:
    # it is the run the other tests share (planned), made once per test process.
    planned(stack)
    assert planner.run(stack).cpu_seconds < 2.0


def test_plan_notes_belong_to_their_run() -> None:
    # One logger per stack, its handler removed after each run: no handler (and no notes of
    # an earlier run) piles up on it, however many plans a process runs.
    import logging

    first, second = plan_of("dev"), planner.run("dev")  # the suite's plan of dev, then one more
    assert first is not second
    assert first.notes == second.notes
    handlers = logging.getLogger("tools.plan.dev").handlers
    assert [h for h in handlers if isinstance(h, planner._NoteCollector)] == []


def test_the_suites_shared_plans_stay_as_planned_when_priced() -> None:
    # tests.conftest shares plans between modules: pricing one (tools.plan.enrich) must not
    # price the raw plan other tests read, or their checks would depend on test order.
    raw, priced = plan_of("dev"), planned("dev")
    assert raw.cost is None and raw.schedule is None and raw.findings == []
    assert priced.cost is not None and priced.schedule is not None
    assert priced.registrations is raw.registrations  # the same run, not a second one


def test_prod_nodes_launch_with_the_cost_allocation_tags() -> None:
    # Provider default tags reach the launch template, not the instances and volumes a node
    # group launches from it: those carry the tags through the template's tag specifications.
    templates = [
        r
        for r in planned("prod").registrations
        if r.type == "aws:ec2/launchTemplate:LaunchTemplate"
    ]
    assert len(templates) == 2
    for template in templates:
        specs = {s["resourceType"]: s["tags"] for s in template.inputs["tagSpecifications"]}
        for kind in ("instance", "volume"):
            assert set(specs[kind]) >= TAG_KEYS, (template.name, kind)
            assert specs[kind]["Environment"] == "prod"


def test_prod_service_monitor_selects_the_chart_statsd_service() -> None:
    from components.eks.airflow import statsd_labels

    regs = planned("prod").registrations
    (monitor,) = [r for r in regs if r.type.endswith(":ServiceMonitor")]
    assert monitor.inputs["spec"]["selector"]["matchLabels"] == statsd_labels()
    assert monitor.inputs["spec"]["endpoints"][0]["port"] == "statsd-scrape"
    (namespace,) = [
        r
        for r in regs
        if r.type == "kubernetes:core/v1:Namespace" and r.name.endswith("-namespace")
    ]
    assert namespace.urn in monitor.dependencies  # the airflow namespace exists first
    (release,) = [
        r
        for r in regs
        if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["chart"] == "airflow"
    ]
    assert release.inputs["values"]["statsd"]["enabled"] is True
    assert release.inputs["name"] == statsd_labels()["release"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_no_rendered_policy_document_allows_a_wildcard_action(stack: str) -> None:
    """IAM, key, bucket and topic policies: no Allow of `*` or `<service>:*`."""
    found = []
    for r in planned(stack).registrations:
        for key in ("policy", "assumeRolePolicy"):
            text = r.inputs.get(key)
            if not isinstance(text, str) or not text.startswith("{"):
                continue
            doc = json.loads(text)
            for statement in doc["Statement"]:
                actions = statement.get("Action", [])
                actions = actions if isinstance(actions, list) else [actions]
                if statement["Effect"] == "Allow" and any(
                    a == "*" or a.endswith(":*") for a in actions
                ):
                    found.append(f"{r.type} {r.name}: {statement.get('Sid', '')}")
    assert found == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_planned_alarm_is_routed_to_both_alert_topics(stack: str) -> None:
    from tests.eventbridge import matches

    regs = planned(stack).registrations
    env = planned(stack).settings.environment_name
    topics = {r.inputs["name"]: r for r in regs if r.type == "aws:sns/topic:Topic"}
    assert set(topics) == {f"{env}-alerts", f"{env}-alerts-chat"}
    rules = {r.outputs["name"]: r for r in regs if r.type == "aws:cloudwatch/eventRule:EventRule"}
    alarm_rule = rules[f"{env}-alarms"]
    targets = [r for r in regs if r.type == "aws:cloudwatch/eventTarget:EventTarget"]
    assert sorted(t.inputs["arn"] for t in targets if t.inputs["rule"] == f"{env}-alarms") == [
        topics[f"{env}-alerts"].outputs["arn"],
        topics[f"{env}-alerts-chat"].outputs["arn"],
    ]
    pattern = json.loads(alarm_rule.inputs["eventPattern"])
    alarms = [r for r in regs if r.type == "aws:cloudwatch/metricAlarm:MetricAlarm"]
    assert len(alarms) >= 13
    for alarm in alarms:
        name = alarm.inputs["name"]
        event = {
            "source": "aws.cloudwatch",
            "detail-type": "CloudWatch Alarm State Change",
            "resources": [f"arn:aws:cloudwatch:us-east-1:111122223333:alarm:{name}"],
            "detail": {"state": {"value": "ALARM"}, "previousState": {"value": "OK"}},
        }
        assert matches(pattern, event), name


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_whatever_assumes_a_role_waits_for_its_policies(stack: str) -> None:
    # Created before its permissions exist, or left running while they are removed on
    # destroy, an environment or add-on fails half-way; `assuming()` orders them.
    registrations = planned(stack).registrations
    assumers = assumers_of(registrations)
    expected = (
        {"airflow-dev-environment", "airflow-dev-flow-log"}
        if stack == "dev"
        else {
            f"airflow-prod-{name}"
            for name in (
                "cluster-vpc-cni",
                "cluster-ebs-csi",
                "cluster-system",
                "cluster-workers",
                "cluster-cluster-autoscaler",
                "cluster-lb-controller",
                "app-release",
                "container-insights",
                "prometheus-stack",
                "flow-log",
            )
        }
    )
    assert expected <= assumers
    assert assumers_missing_grants(registrations) == {}


def test_plan_shows_the_ui_host_name_behind_a_certificate() -> None:
    cert = "arn:aws:acm:us-east-1:111122223333:certificate/0f6b3a1e-2b7c-4a8e-9c1d-1234567890ab"
    plan = planner.enrich(
        planner.run(
            "prod",
            overrides={"airflow:eksCertificateArn": cert, "airflow:webHostname": "af.example.com"},
        )
    )
    assert planner.key_settings(plan)["web UI"] == "https://af.example.com"
    assert "https://af.example.com" in planner.to_text(plan)
    assert plan.outputs["loadBalancerDnsName"].endswith(".elb.amazonaws.com")


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_only_chatbot_notifications_are_sent_to_the_chat_topic(stack: str) -> None:
    # Chatbot drops anything but its custom-notification JSON (and native events): every
    # EventBridge target and Alertmanager sender on the chat topic must write that format,
    # and every one on the alert topic the readable line.
    from tests.chatbot import chat_problems
    from tests.eventbridge import render

    plan = planned(stack)
    env = plan.settings.environment_name
    regs = plan.registrations
    topics = {r.inputs["name"]: r.outputs["arn"] for r in regs if r.type == "aws:sns/topic:Topic"}
    chat, alerts = topics[f"{env}-alerts-chat"], topics[f"{env}-alerts"]
    targets = [r for r in plan.registrations if r.type == "aws:cloudwatch/eventTarget:EventTarget"]
    assert {t.inputs["arn"] for t in targets} == {chat, alerts}
    for target in targets:
        transformer = target.inputs["inputTransformer"]
        sample = {"v": {var: f"sample-{var}" for var in transformer["inputPaths"]}}
        paths = {var: f"$.v.{var}" for var in transformer["inputPaths"]}
        message = render(paths, transformer["inputTemplate"], sample)
        if target.inputs["arn"] == chat:
            assert chat_problems(message) == [], target.name
        else:
            assert message.startswith('"') and chat_problems(message), target.name
    senders = [
        sns
        for r in plan.registrations
        if r.type == "kubernetes:helm.sh/v3:Release" and "alertmanager" in r.inputs["values"]
        for receiver in r.inputs["values"]["alertmanager"]["config"]["receivers"]
        for sns in receiver.get("sns_configs", [])
    ]
    if stack == "prod":
        assert {s["topic_arn"] for s in senders} == {chat, alerts}
        for sns in senders:
            is_chat = sns["message"].startswith('{"version": "1.0", "source": "custom"')
            assert is_chat == (sns["topic_arn"] == chat)
    budgets = [r for r in plan.registrations if r.type == "aws:budgets/budget:Budget"]
    notified = {
        arn
        for b in budgets
        for n in b.inputs["notifications"]
        for arn in n["subscriberSnsTopicArns"]
    }
    assert notified == {chat, alerts}  # Chatbot reads Budgets messages natively


def test_both_stacks_and_the_dag_tests_run_one_airflow_version() -> None:
    # One setting, one version: MWAA, the chart's images and the Airflow the DAG tests and the
    # local platform run (tests/dags/requirements-airflow.txt) never drift apart.
    (mwaa,) = [
        r for r in planned("dev").registrations if r.type == "aws:mwaa/environment:Environment"
    ]
    (chart,) = [
        r
        for r in planned("prod").registrations
        if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["chart"] == "airflow"
    ]
    pins = Path(__file__).parent.joinpath("dags", "requirements-airflow.txt").read_text()
    (tested,) = [line.split("==")[1] for line in pins.splitlines() if "apache-airflow==" in line]
    versions = {
        mwaa.inputs["airflowVersion"],
        chart.inputs["values"]["airflowVersion"],
        chart.inputs["values"]["defaultAirflowTag"],
        tested,
    }
    assert versions == {"3.3.1"}  # MWAA's newest (docs/versions.md)
