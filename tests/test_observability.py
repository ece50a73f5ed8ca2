"""Observability: alarms that notify the topic, golden-signal dashboards, and on EKS the
Prometheus stack wired to SNS and CloudWatch."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest
import yaml

from components.alerting import event_routes
from components.charts import pinned
from components.observability import (
    Observability,
    ObservabilityArgs,
    alertmanager_config,
    prometheus_stack_values,
    service_monitor_spec,
)
from components.observability.prometheus import chat_message_template, json_text
from components.observability.prometheus import rule_groups as prometheus_rule_groups
from components.platform import AirflowPlatform, KubernetesAccess, NodeGroupWatch, WatchTargets
from tests.aws_model import operation_input, problems, to_api
from tests.chatbot import chat_problems
from tests.conftest import Declared, run_program, settings_for, shared_build, statements
from tests.eventbridge import alarm_event, matches
from tools.mocks import AwsMocks

ROOT = Path(__file__).resolve().parent.parent
TOPIC = "arn:aws:sns:us-east-1:111122223333:airflow-dev-alerts"
CHAT_TOPIC = "arn:aws:sns:us-east-1:111122223333:airflow-dev-alerts-chat"
TOPIC_KEY = "arn:aws:kms:us-east-1:111122223333:key/1111"
CLOUDWATCH = yaml.safe_load((ROOT / "monitoring" / "cloudwatch.yaml").read_text())
STATSD_LABELS = {"tier": "airflow", "component": "statsd", "release": "airflow"}
ISSUER = "oidc.eks.us-east-1.amazonaws.com/id/ABC123"
OIDC_ARN = f"arn:aws:iam::111122223333:oidc-provider/{ISSUER}"


def mwaa_platform(env: str) -> AirflowPlatform:
    out = pulumi.Output.from_input
    return AirflowPlatform(
        architecture="mwaa",
        environment_name=env,
        web_url=out("https://x.on.aws"),
        dag_location=out("s3://b/dags"),
        log_groups={},
        watch=WatchTargets(mwaa_environment=out(env)),
    )


def eks_platform(env: str) -> AirflowPlatform:
    out = pulumi.Output.from_input
    provider = k8s.Provider("k8s", kubeconfig="{}")
    return AirflowPlatform(
        architecture="eks",
        environment_name=env,
        web_url=out("https://internal-alb"),
        dag_location=out("repo@main:dags"),
        log_groups={},
        watch=WatchTargets(
            eks_cluster=out(env),
            db_instance_id=out(f"{env}-metadata"),
            db_allocated_storage_gib=20,
            cache_cluster_ids=[out(f"{env}-broker-001"), out(f"{env}-broker-002")],
            load_balancer_arn_suffix=out(f"app/{env}/0123456789abcdef"),
            node_groups=[NodeGroupWatch(out("system"), 3), NodeGroupWatch(out("workers"), 0)],
            airflow_namespace="airflow",
        ),
        kubernetes=KubernetesAccess(
            provider=provider,
            cluster_name=out(env),
            oidc_provider_arn=out(OIDC_ARN),
            oidc_issuer=out(ISSUER),
            airflow_namespace="airflow",
            statsd_labels=STATSD_LABELS,
            system_node_selector={"role": "system"},
            kubernetes_version="1.36",
        ),
    )


@shared_build
def build(arch: str, **overrides: Any) -> Declared:
    s = settings_for(arch, stack="dev", **overrides)

    def program() -> Observability:
        platform = (mwaa_platform if arch == "mwaa" else eks_platform)(s.environment_name)
        return Observability(
            s.environment_name,
            ObservabilityArgs(
                platform=platform,
                thresholds=s.observability,
                eks=s.eks if arch == "eks" else None,
                alert_topic_arn=TOPIC,
                chat_topic_arn=CHAT_TOPIC,
                alert_key_arn=TOPIC_KEY,
                log_retention_days=30,
                protect=s.protect,
            ),
        )

    return run_program(program)


def alarms(d: Declared) -> dict[str, Any]:
    return {a.inputs["name"]: a for a in d.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}


MWAA_ALARMS = {
    "scheduler-heartbeat", "oldest-queued-task", "queued-not-running", "task-failures",
    "import-errors", "scheduler-cpu", "scheduler-memory", "baseworker-cpu", "baseworker-memory",
    "webserver-cpu", "webserver-memory", "db-cpu", "db-freeable-memory", "state-backup-missing",
}  # fmt: skip
EKS_ALARMS = {
    "db-cpu", "db-free-storage", "db-connections", "db-freeable-memory", "cache-0-cpu",
    "cache-0-memory", "cache-0-evictions", "cache-1-cpu", "cache-1-memory", "cache-1-evictions",
    "node-count", "pod-restarts", "alb-5xx", "state-backup-missing",
}  # fmt: skip


@pytest.mark.parametrize(("arch", "expected"), [("mwaa", MWAA_ALARMS), ("eks", EKS_ALARMS)])
def test_every_alarm_reaches_the_topic_once_on_alarm_and_on_recovery(
    arch: str, expected: set[str]
) -> None:
    found = alarms(build(arch))
    assert set(found) == {f"airflow-dev-{role}" for role in expected}
    rule = {r.role: r for r in event_routes("airflow-dev", arch, "us-east-1", "111122223333")}
    for name, alarm in found.items():
        # One route: the alerting rule (which targets the topic, tests/test_alerting.py).
        # Actions of the alarm's own would notify every transition a second time.
        assert not alarm.inputs.get("alarmActions") and not alarm.inputs.get("okActions")
        assert alarm.inputs["treatMissingData"] in {"missing", "notBreaching"}
        assert alarm.inputs["alarmDescription"]
        for state, previous in (("ALARM", "OK"), ("ALARM", "INSUFFICIENT_DATA"), ("OK", "ALARM")):
            event = alarm_event(name, state, previous)
            assert matches(rule["alarms"].pattern, event), (name, state, previous)


@pytest.mark.parametrize("arch", ["mwaa", "eks"])
def test_alarm_arguments_satisfy_cloudwatch_put_metric_alarm(arch: str) -> None:
    shape = operation_input("cloudwatch", "PutMetricAlarm")
    for name, alarm in alarms(build(arch)).items():
        inputs = dict(alarm.inputs)
        if "dimensions" in inputs:  # a map in Pulumi, a list of Name/Value in the API
            inputs["dimensions"] = [
                {"name": k, "value": v} for k, v in inputs["dimensions"].items()
            ]
        if "metricQueries" in inputs:  # Pulumi's metricQueries are the API's Metrics
            inputs["metrics"] = [_metric_data_query(q) for q in inputs.pop("metricQueries")]
        call = to_api(shape, {k: v for k, v in inputs.items() if k != "name"} | {"alarmName": name})
        assert problems(shape, call) == [], name


def _metric_data_query(query: dict[str, Any]) -> dict[str, Any]:
    query = dict(query)
    metric = query.pop("metric", None)
    if metric:
        query["metricStat"] = {
            "metric": {
                "namespace": metric["namespace"],
                "metricName": metric["metricName"],
                "dimensions": [{"name": k, "value": v} for k, v in metric["dimensions"].items()],
            },
            "period": metric["period"],
            "stat": metric["stat"],
        }
    return query


def test_the_put_metric_alarm_check_catches_a_bad_alarm() -> None:
    shape = operation_input("cloudwatch", "PutMetricAlarm")
    bad = {"AlarmName": "x", "EvaluationPeriods": 0, "ComparisonOperator": "Bigger"}
    found = problems(shape, bad)
    assert any("EvaluationPeriods" in p for p in found)
    assert any("ComparisonOperator" in p for p in found)


def _dag_constant(name: str) -> str:
    """A string constant of dags/metadata_backup.py (Airflow is not in this venv)."""
    tree = ast.parse((Path(__file__).parents[1] / "dags" / "metadata_backup.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == name:
            return str(ast.literal_eval(node.value))
    raise AssertionError(f"{name} not in metadata_backup.py")


@pytest.mark.parametrize("arch", ["mwaa", "eks"])
def test_state_backup_alarm_fires_after_26_silent_hours_of_the_dags_metric(arch: str) -> None:
    a = alarms(build(arch))["airflow-dev-state-backup-missing"].inputs

    # What the DAG puts, with the dimension it sets (the environment name).
    assert a["namespace"] == _dag_constant("METRIC_NAMESPACE")
    assert a["metricName"] == _dag_constant("METRIC_NAME")
    assert a["dimensions"] == {"Environment": "airflow-dev"}
    assert (a["statistic"], a["comparisonOperator"], a["threshold"]) == (
        "Sum",
        "LessThanThreshold",
        1,
    )
    # Silence after data is what this alarm exists for (tests/test_alarm_states.py).
    assert a["treatMissingData"] == "missing"
    assert a["period"] * a["evaluationPeriods"] == 26 * 3600
    assert a["datapointsToAlarm"] == a["evaluationPeriods"]
    # PutMetricAlarm: period x evaluation periods <= 7 days, and <= 1 day under an hour.
    assert a["period"] >= 3600 and a["period"] * a["evaluationPeriods"] <= 7 * 86400


def test_mwaa_scheduler_heartbeat_treats_silence_as_failure() -> None:
    hb = alarms(build("mwaa"))["airflow-dev-scheduler-heartbeat"].inputs
    assert (hb["namespace"], hb["metricName"], hb["statistic"]) == (
        "AmazonMWAA",
        "SchedulerHeartbeat",
        "Sum",
    )
    assert hb["dimensions"] == {"Function": "Scheduler", "Environment": "airflow-dev"}
    assert (hb["comparisonOperator"], hb["threshold"]) == ("LessThanThreshold", 1)
    assert hb["treatMissingData"] == "missing"
    assert hb["evaluationPeriods"] == hb["datapointsToAlarm"] == 3


def test_mwaa_queued_while_none_runs_is_metric_math() -> None:
    queries = alarms(build("mwaa"))["airflow-dev-queued-not-running"].inputs["metricQueries"]
    by_id = {q["id"]: q for q in queries}
    assert by_id["queued"]["metric"]["metricName"] == "QueuedTasks"
    assert by_id["running"]["metric"]["metricName"] == "RunningTasks"
    assert "queued" in by_id["stuck"]["expression"] and "running" in by_id["stuck"]["expression"]
    assert [q["id"] for q in queries if q.get("returnData")] == ["stuck"]


def test_thresholds_come_from_settings() -> None:
    found = alarms(build("mwaa", alarmCpuPercent=80, alarmQueuedTaskAgeSeconds=600))
    assert found["airflow-dev-scheduler-cpu"].inputs["threshold"] == 80
    assert found["airflow-dev-oldest-queued-task"].inputs["threshold"] == 600
    assert found["airflow-dev-db-freeable-memory"].inputs["threshold"] == 512 * 1024 * 1024


def test_eks_node_count_alarms_below_the_node_groups_minimum() -> None:
    node = alarms(build("eks"))["airflow-dev-node-count"].inputs
    assert node["threshold"] == 3 and node["comparisonOperator"] == "LessThanThreshold"
    assert node["dimensions"] == {"ClusterName": "airflow-dev"}
    assert node["treatMissingData"] == "missing"


def dashboard(d: Declared) -> dict[str, Any]:
    return json.loads(d.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])


def referenced_metrics(body: dict[str, Any]) -> set[tuple[str, str]]:
    found = set()
    for widget in body["widgets"]:
        for line in widget.get("properties", {}).get("metrics", []):
            if isinstance(line[0], dict):
                expr = line[0]["expression"]
                ns = re.search(r'Namespace="([^"]+)"', expr)
                metric = re.search(r'MetricName="([^"]+)"', expr)
                assert ns and metric, expr
                found.add((ns.group(1), metric.group(1)))
            else:
                found.add((line[0], line[1]))
    return found


@pytest.mark.parametrize("arch", ["mwaa", "eks"])
def test_dashboard_shows_the_four_golden_signals_with_metrics_that_exist(arch: str) -> None:
    d = build(arch)
    body = dashboard(d)
    headers = [w["properties"]["markdown"] for w in body["widgets"] if w["type"] == "text"]
    assert headers == ["## Latency", "## Traffic", "## Errors", "## Saturation"]
    known = {(ns, m) for ns, names in CLOUDWATCH[arch].items() for m in names}
    used = referenced_metrics(body)
    assert used and used <= known, used - known
    other = "eks" if arch == "mwaa" else "mwaa"
    assert not {ns for ns, _ in used} & set(CLOUDWATCH[other]) - set(CLOUDWATCH[arch])
    alarm_widget = next(w for w in body["widgets"] if w["type"] == "alarm")
    assert sorted(alarm_widget["properties"]["alarms"]) == sorted(
        a.outputs["arn"] for a in alarms(d).values()
    )


def alarm_metrics(inputs: dict[str, Any]) -> list[tuple[str, str, tuple[str, ...]]]:
    """(namespace, metric, dimension names) of every metric an alarm reads."""
    if "metricName" in inputs:
        dims = tuple(sorted(inputs.get("dimensions", {})))
        return [(inputs["namespace"], inputs["metricName"], dims)]
    found = []
    for q in inputs["metricQueries"]:
        if "metric" in q:
            m = q["metric"]
            found.append((m["namespace"], m["metricName"], tuple(sorted(m["dimensions"]))))
        insights = re.match(
            r'SELECT \w+\((\w+)\) FROM (?:SCHEMA\()?"([\w/]+)"((?:, \w+)*)', q.get("expression", "")
        )
        if insights:
            metric, namespace, schema = insights.groups()
            dims = tuple(sorted(d.strip() for d in schema.split(",") if d.strip()))
            found.append((namespace, metric, dims))
    return found


@pytest.mark.parametrize("arch", ["mwaa", "eks"])
def test_alarms_use_metrics_and_dimension_sets_that_exist(arch: str) -> None:
    known = {(ns, m) for ns, names in CLOUDWATCH[arch].items() for m in names}
    sets = {k: {tuple(sorted(s)) for s in v} for k, v in CLOUDWATCH["dimension_sets"].items()}
    for alarm in alarms(build(arch)).values():
        used = alarm_metrics(alarm.inputs)
        assert used, alarm.name
        for namespace, metric, dims in used:
            assert (namespace, metric) in known, (alarm.name, metric)
            if dims:  # a SCHEMA-less Metrics Insights query aggregates every set
                assert dims in sets[f"{namespace}/{metric}"], (alarm.name, metric, dims)


def test_the_dimension_check_catches_a_set_aws_does_not_publish() -> None:
    inputs = {
        "namespace": "ContainerInsights",
        "metricName": "pod_number_of_container_restarts",
        "dimensions": {"ClusterName": "c", "Namespace": "airflow"},
    }
    ((namespace, metric, dims),) = alarm_metrics(inputs)
    published = {tuple(sorted(s)) for s in CLOUDWATCH["dimension_sets"][f"{namespace}/{metric}"]}
    assert dims not in published


def test_dashboard_leaves_out_widgets_with_nothing_to_show() -> None:
    from dataclasses import replace

    from components.observability import dashboard_body

    def body() -> dict[str, Any]:
        platform = eks_platform("airflow-dev")
        no_broker = replace(platform, watch=replace(platform.watch, cache_cluster_ids=()))
        return dashboard_body(no_broker, "us-east-1", [])

    widgets = run_program(body).value["widgets"]
    titles = [w["properties"].get("title") for w in widgets if w["type"] == "metric"]
    assert "Broker CPU" not in titles and "Broker evictions" not in titles
    assert all(w["properties"]["metrics"] for w in widgets if w["type"] == "metric")


def test_mwaa_has_no_kubernetes_stack() -> None:
    d = build("mwaa")
    assert not [r for r in d.registrations if r.type.startswith("kubernetes:")]
    assert d.of_type("aws:eks/addon:Addon") == []


def values() -> dict[str, Any]:
    s = settings_for("eks", prometheusRetention="30d", prometheusStorageGib=80)
    return prometheus_stack_values(
        topic_arn=TOPIC,
        chat_topic_arn=CHAT_TOPIC,
        region="us-east-1",
        environment="airflow-prod",
        alertmanager_role_arn="arn:aws:iam::111122223333:role/am",
        grafana_role_arn="arn:aws:iam::111122223333:role/grafana",
        eks=s.eks,
        node_selector={"role": "system"},
    )


def test_prometheus_retention_and_storage_from_settings() -> None:
    spec = values()["prometheus"]["prometheusSpec"]
    assert spec["retention"] == "30d"
    claim = spec["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert claim["resources"]["requests"]["storage"] == "80Gi"
    assert spec["ruleSelectorNilUsesHelmValues"] is False
    assert spec["serviceMonitorSelectorNilUsesHelmValues"] is False


def test_alertmanager_routes_every_alert_to_the_sns_topic_with_irsa() -> None:
    am = values()["alertmanager"]
    assert am["serviceAccount"]["annotations"] == {
        "eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/am"
    }
    config = am["config"]
    assert config["route"]["receiver"] == "sns"
    sns, chat = next(r for r in config["receivers"] if r["name"] == "sns")["sns_configs"]
    assert sns["topic_arn"] == TOPIC and chat["topic_arn"] == CHAT_TOPIC
    for each in (sns, chat):
        assert each["sigv4"] == {"region": "us-east-1"}
        assert each["send_resolved"] is True
    assert chat["message"] == chat_message_template("airflow-prod")


def test_grafana_reads_prometheus_and_cloudwatch_with_a_generated_password() -> None:
    grafana = values()["grafana"]
    (cloudwatch,) = grafana["additionalDataSources"]
    assert cloudwatch["type"] == "cloudwatch"
    assert cloudwatch["jsonData"] == {"authType": "default", "defaultRegion": "us-east-1"}
    assert grafana["admin"]["existingSecret"] == "grafana-admin"
    assert grafana["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"].endswith(
        "/grafana"
    )
    assert grafana["sidecar"]["dashboards"]["label"] == "grafana_dashboard"


def test_service_monitor_selects_the_statsd_service_labels_and_port() -> None:
    spec = service_monitor_spec(STATSD_LABELS)
    assert spec["selector"]["matchLabels"] == STATSD_LABELS
    assert [e["port"] for e in spec["endpoints"]] == ["statsd-scrape"]


def test_eks_stack_resources() -> None:
    d = build("eks")
    release = d.one("kubernetes:helm.sh/v3:Release")
    assert (release.inputs["chart"], release.inputs["version"]) == (
        "kube-prometheus-stack",
        pinned("kube-prometheus-stack").version,
    )
    monitors = d.of_type("kubernetes:monitoring.coreos.com/v1:ServiceMonitor")
    assert len(monitors) == 1
    assert monitors[0].inputs["spec"]["selector"]["matchLabels"] == STATSD_LABELS
    assert monitors[0].inputs["metadata"]["namespace"] == "airflow"
    rules = d.of_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    files = sorted(p.stem for p in (ROOT / "monitoring" / "rules").glob("*.yaml"))
    assert sorted(r.inputs["metadata"]["name"] for r in rules) == [f"airflow-{f}" for f in files]
    for rule in rules:
        stem = rule.inputs["metadata"]["name"].removeprefix("airflow-")
        expected = yaml.safe_load((ROOT / "monitoring" / "rules" / f"{stem}.yaml").read_text())
        assert rule.inputs["spec"]["groups"] == expected["groups"]
    maps = d.of_type("kubernetes:core/v1:ConfigMap")
    assert {m.inputs["metadata"]["labels"]["grafana_dashboard"] for m in maps} == {"1"}
    assert len(maps) == len(list((ROOT / "monitoring" / "dashboards").glob("*.json")))
    secret = d.one("kubernetes:core/v1:Secret")
    assert secret.inputs["metadata"]["name"] == "grafana-admin"
    password = d.one("random:index/randomPassword:RandomPassword")
    assert secret.inputs["stringData"]["admin-password"] == password.outputs["result"]


def role_named(d: Declared, suffix: str) -> Any:
    return next(r for r in d.of_type("aws:iam/role:Role") if r.name.endswith(suffix))


def test_alertmanager_role_publishes_only_to_the_topic_and_is_scoped_to_its_account() -> None:
    d = build("eks")
    role = role_named(d, "-alertmanager")
    (trust,) = statements(role.inputs["assumeRolePolicy"])
    assert trust["Condition"]["StringEquals"][f"{ISSUER}:sub"] == (
        "system:serviceaccount:monitoring:kube-prometheus-stack-alertmanager"
    )
    policy = next(
        p for p in d.of_type("aws:iam/rolePolicy:RolePolicy") if p.name.endswith("-publish")
    )
    doc = statements(policy.inputs["policy"])
    assert doc[0] == {"Effect": "Allow", "Action": "sns:Publish", "Resource": [TOPIC, CHAT_TOPIC]}
    assert doc[1]["Resource"] == TOPIC_KEY


def test_grafana_role_is_read_only() -> None:
    d = build("eks")
    policy = next(
        p for p in d.of_type("aws:iam/rolePolicy:RolePolicy") if p.name.endswith("-cloudwatch-read")
    )
    for statement in statements(policy.inputs["policy"]):
        for action in statement["Action"]:
            verb = action.split(":")[1]
            assert verb.startswith(("Describe", "List", "Get", "Start", "Stop")), action


def test_container_insights_add_on_with_its_own_role_and_log_retention() -> None:
    d = build("eks")
    addon = d.one("aws:eks/addon:Addon")
    assert addon.inputs["addonName"] == "amazon-cloudwatch-observability"
    assert addon.inputs["addonVersion"] == AwsMocks.addon_default_version(
        "amazon-cloudwatch-observability", "1.36"
    )
    role = role_named(d, "-cloudwatch-agent")
    assert addon.inputs["serviceAccountRoleArn"] == role.outputs["arn"]
    (trust,) = statements(role.inputs["assumeRolePolicy"])
    assert trust["Condition"]["StringEquals"][f"{ISSUER}:sub"] == (
        "system:serviceaccount:amazon-cloudwatch:cloudwatch-agent"
    )
    groups = {g.inputs["name"]: g for g in d.of_type("aws:cloudwatch/logGroup:LogGroup")}
    assert set(groups) == {
        f"/aws/containerinsights/airflow-dev/{k}"
        for k in ("application", "dataplane", "host", "performance")
    }
    assert {g.inputs["retentionInDays"] for g in groups.values()} == {30}
    assert {g.urn for g in groups.values()} <= set(addon.dependencies)


def amtool(tmp_path: Path, config: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    binary = shutil.which("amtool")
    assert binary, "amtool is missing: install Debian package prometheus-alertmanager"
    path = tmp_path / "alertmanager.yml"
    path.write_text(yaml.safe_dump(config))
    return subprocess.run(
        [binary, "check-config", str(path)], capture_output=True, text=True, check=False
    )


def test_rendered_alertmanager_config_passes_amtool(tmp_path: Path) -> None:
    result = amtool(
        tmp_path, alertmanager_config(TOPIC, "us-east-1", "airflow-prod", chat_topic_arn=CHAT_TOPIC)
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_amtool_check_fails_on_a_broken_config(tmp_path: Path) -> None:
    config = alertmanager_config(TOPIC, "us-east-1", "airflow-prod", chat_topic_arn=CHAT_TOPIC)
    config["route"]["receiver"] = "nobody"  # a route to a receiver that does not exist
    assert amtool(tmp_path, config).returncode != 0
    config = alertmanager_config(TOPIC, "us-east-1", "airflow-prod", chat_topic_arn=CHAT_TOPIC)
    del config["receivers"][0]["sns_configs"][0]["topic_arn"]  # SNS with no destination
    assert amtool(tmp_path, config).returncode != 0


def routed_to(tmp_path: Path, config: dict[str, Any], *labels: str) -> str:
    """The receiver amtool's route test picks for an alert with `labels`."""
    path = tmp_path / "routes.yml"
    path.write_text(yaml.safe_dump(config))
    binary = shutil.which("amtool")
    assert binary, "amtool is missing: install Debian package prometheus-alertmanager"
    done = subprocess.run(
        [binary, "config", "routes", "test", f"--config.file={path}", *labels],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip()


def test_watchdog_and_info_inhibitor_reach_nobody(tmp_path: Path) -> None:
    config = alertmanager_config(TOPIC, "us-east-1", "airflow-prod", chat_topic_arn=CHAT_TOPIC)
    assert routed_to(tmp_path, config, "alertname=Watchdog", "severity=none") == "null"
    assert routed_to(tmp_path, config, "alertname=InfoInhibitor", "severity=none") == "null"
    assert routed_to(tmp_path, config, "alertname=KubePodCrashLooping") != "null"


# ------------------------------------------------- what Alertmanager sends, rendered by amtool


def amtool_render(tmp_path: Path, template: str, data: dict[str, Any]) -> str:
    """Render an SNS message template the way Alertmanager does, with amtool's renderer."""
    binary = shutil.which("amtool")
    assert binary, "amtool is missing: install Debian package prometheus-alertmanager"
    (tmp_path / "none.tmpl").write_text('{{ define "unused" }}{{ end }}')
    (tmp_path / "data.json").write_text(json.dumps(data))
    result = subprocess.run(
        [
            binary,
            "template",
            "render",
            f"--template.glob={tmp_path}/*.tmpl",
            f"--template.text={template}",
            f"--template.data={tmp_path / 'data.json'}",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def rule_alerts() -> list[dict[str, Any]]:
    """Every alert rule of monitoring/rules as Alertmanager receives it, plus one whose texts
    carry what would break JSON (quotes, backslashes, line breaks, tabs)."""
    alerts = [
        {
            "labels": {"alertname": rule["alert"], "namespace": "airflow", **rule["labels"]},
            "annotations": rule.get("annotations", {}),
        }
        for groups in prometheus_rule_groups().values()
        for group in groups
        for rule in group["rules"]
        if "alert" in rule
    ]
    alerts.append(
        {
            "labels": {"alertname": 'Odd "one"', "severity": "warning"},
            "annotations": {
                "summary": 'DAG "etl" \\ failed',
                "description": "line 1\nline 2\tend",
                "runbook": 'https://runbooks.example.com/"odd"',
            },
        }
    )
    alerts.append(KUBE_PROMETHEUS_STACK_ALERT)
    return alerts


KUBE_PROMETHEUS_STACK_ALERT = {
    "labels": {"alertname": "KubePodCrashLooping", "namespace": "airflow", "severity": "warning"},
    "annotations": {
        "description": 'Pod airflow/airflow-worker-0 (worker) is in waiting state (reason: "'
        'CrashLoopBackOff").',
        "runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/"
        "kubepodcrashlooping",
        "summary": "Pod is crash looping.",
    },
}
"""A default rule of kube-prometheus-stack as Alertmanager receives it: runbook_url, not
runbook (the chart's rules annotate runbook_url)."""


def alertmanager_data(alerts: list[dict[str, Any]], status: str) -> dict[str, Any]:
    """Alertmanager's template data (github.com/prometheus/alertmanager/template.Data)."""
    common = {k: v for k, v in alerts[0]["labels"].items() if k == "alertname"}
    return {
        "receiver": "sns",
        "status": status,
        "alerts": [
            {
                "status": status,
                **a,
                "startsAt": "2026-11-21T08:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph",
                "fingerprint": f"{i:016x}",
            }
            for i, a in enumerate(alerts)
        ],
        "groupLabels": common,
        "commonLabels": common,
        "commonAnnotations": {
            k: v
            for k, v in alerts[0]["annotations"].items()
            if all(a["annotations"].get(k) == v for a in alerts)
        },
        "externalURL": "http://alertmanager:9093",
    }


def sns_configs() -> tuple[dict[str, Any], dict[str, Any]]:
    config = alertmanager_config(TOPIC, "us-east-1", "airflow-prod", chat_topic_arn=CHAT_TOPIC)
    readable, chat = next(r for r in config["receivers"] if r["name"] == "sns")["sns_configs"]
    return readable, chat


@pytest.mark.integration
@pytest.mark.parametrize("status", ["firing", "resolved"])
def test_every_alert_reaches_chat_as_a_chatbot_custom_notification(
    tmp_path: Path, status: str
) -> None:
    _, chat = sns_configs()
    assert chat["topic_arn"] == CHAT_TOPIC
    alerts = rule_alerts()
    for group in ([a] for a in alerts):
        message = amtool_render(tmp_path, chat["message"], alertmanager_data(group, status))
        assert chat_problems(message) == [], message
        content = json.loads(message)["content"]
        assert content["title"].startswith(f"[airflow-prod] {status.upper()}: ")
        assert group[0]["annotations"]["summary"] in content["description"]
        annotations = group[0]["annotations"]
        runbook = annotations.get("runbook") or annotations.get("runbook_url")
        assert content["nextSteps"] == ([f"Runbook: {runbook}"] if runbook else [])
    # A group of several alerts is one notification; their runbooks differ, so no common next
    # step, and each alert's runbook is in the description.
    message = amtool_render(tmp_path, chat["message"], alertmanager_data(alerts, status))
    assert chat_problems(message) == []
    content = json.loads(message)["content"]
    assert content["nextSteps"] == []
    runbooks = [
        a["annotations"].get("runbook") or a["annotations"].get("runbook_url") for a in alerts
    ]
    assert content["description"].count("Runbook: ") == len([r for r in runbooks if r])


def test_a_chart_default_rule_reaches_chat_with_its_runbook_url(tmp_path: Path) -> None:
    _, chat = sns_configs()
    data = alertmanager_data([KUBE_PROMETHEUS_STACK_ALERT], "firing")
    content = json.loads(amtool_render(tmp_path, chat["message"], data))["content"]
    url = KUBE_PROMETHEUS_STACK_ALERT["annotations"]["runbook_url"]
    assert content["nextSteps"] == [f"Runbook: {url}"]
    assert content["description"].count(url) == 1
    readable, _ = sns_configs()
    assert f"runbook: {url}" in amtool_render(tmp_path, readable["message"], data)


def test_the_chat_schema_refuses_what_chatbot_drops(tmp_path: Path) -> None:
    readable, _ = sns_configs()
    data = alertmanager_data(rule_alerts()[:1], "firing")
    plain = amtool_render(tmp_path, readable["message"], data)
    assert chat_problems(plain)  # the readable text would be dropped by Chatbot
    unescaped = chat_message_template("airflow-prod").replace(
        json_text(".Annotations.summary"), "{{ .Annotations.summary }}"
    )
    odd = alertmanager_data(
        [a for a in rule_alerts() if a["labels"]["alertname"] == 'Odd "one"'], "firing"
    )
    assert chat_problems(amtool_render(tmp_path, unescaped, odd))


def test_e_mail_keeps_the_readable_lines(tmp_path: Path) -> None:
    readable, _ = sns_configs()
    assert readable["topic_arn"] == TOPIC
    alert = rule_alerts()[0]
    text = amtool_render(tmp_path, readable["message"], alertmanager_data([alert], "firing"))
    assert text.startswith(f"{alert['labels']['severity']}: {alert['annotations']['summary']}")
    assert f"runbook: {alert['annotations']['runbook']}" in text
