"""Golden-signal dashboards and alarms for either platform; Prometheus, Alertmanager and
Grafana on EKS.

CloudWatch is the common ground: one dashboard per stack (latency, traffic, errors,
saturation) and alarms on what the platform exposes in `AirflowPlatform.watch`, every one
reaching the alert topic on ALARM and on recovery through the alerting EventBridge rule.
On EKS the kube-prometheus-stack adds the Airflow StatsD view: the alert rules and
dashboards under `monitoring/` (data, tested with promtool), Alertmanager publishing to the
same topic, Grafana reading Prometheus and CloudWatch.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as k8s
import pulumi_random as random
import yaml

from components.aws_helpers import Account, customer_key, logs_key_statement, policy_document
from components.irsa import ROLE_ARN_ANNOTATION, ServiceAccount, aws_managed_policy, irsa_role
from components.platform import AirflowPlatform, KubernetesAccess, WatchTargets
from components.settings import EksSettings, ObservabilitySettings

MONITORING = Path(__file__).resolve().parent.parent / "monitoring"
PROMETHEUS_STACK_CHART = "kube-prometheus-stack"
PROMETHEUS_STACK_VERSION = "88.5.3"  # prometheus-community, 2026-08 (Alertmanager v0.34)
PROMETHEUS_STACK_REPO = "https://prometheus-community.github.io/helm-charts"
MONITORING_NAMESPACE = "monitoring"
STATSD_PORT = "statsd-scrape"
PERIOD = 300  # seconds: AWS's recommended MWAA alarms all evaluate 5-minute periods


@dataclass(frozen=True)
class AlarmSpec:
    """One CloudWatch alarm: a single metric, or metric queries (math or Metrics Insights)."""

    role: str
    description: str
    comparison: str
    threshold: float
    evaluation_periods: int
    datapoints: int
    missing: str
    """treat_missing_data, chosen per alarm: what silence means for that signal."""
    namespace: str | None = None
    metric: str | None = None
    statistic: str | None = None
    dimensions: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    queries: Sequence[aws.cloudwatch.MetricAlarmMetricQueryArgs] = ()
    period: int = PERIOD


def mwaa_alarms(env: pulumi.Input[str], t: ObservabilitySettings) -> list[AlarmSpec]:
    """MWAA alarms: AWS's recommended set plus the Airflow signals that matter."""
    executor = {"Function": "Executor", "Environment": env}
    alarms = [
        AlarmSpec(
            role="scheduler-heartbeat",
            description="No scheduler heartbeat for 15 minutes: nothing gets scheduled. The "
            "canary DAG keeps the environment busy, so silence is a failure, not idleness.",
            namespace="AmazonMWAA",
            metric="SchedulerHeartbeat",
            statistic="Sum",
            dimensions={"Function": "Scheduler", "Environment": env},
            comparison="LessThanThreshold",
            threshold=1,
            evaluation_periods=3,
            datapoints=3,
            missing="breaching",
        ),
        AlarmSpec(
            role="oldest-queued-task",
            description="A task has waited in the queue longer than the threshold: workers "
            "are saturated or gone. No data means an empty queue.",
            namespace="AWS/MWAA",
            metric="ApproximateAgeOfOldestTask",
            statistic="Maximum",
            dimensions={"Environment": env},
            comparison="GreaterThanThreshold",
            threshold=t.queued_task_age_seconds,
            evaluation_periods=3,
            datapoints=3,
            missing="notBreaching",
        ),
        AlarmSpec(
            role="queued-not-running",
            description="Tasks are queued while none runs, for 15 minutes: workers cannot "
            "take work (scaling, broker or image problem).",
            queries=[
                _metric_query("queued", "AmazonMWAA", "QueuedTasks", "Maximum", executor),
                _metric_query("running", "AmazonMWAA", "RunningTasks", "Maximum", executor),
                _expression(
                    "stuck",
                    "IF(FILL(queued, 0) > 0 AND FILL(running, 0) == 0, 1, 0)",
                    "queued while none runs",
                ),
            ],
            comparison="GreaterThanOrEqualToThreshold",
            threshold=1,
            evaluation_periods=3,
            datapoints=3,
            missing="notBreaching",
        ),
        AlarmSpec(
            role="task-failures",
            description="Task failures in 15 minutes reached the threshold.",
            queries=[
                _expression(
                    "failures",
                    pulumi.Output.concat(
                        'SELECT SUM(TaskInstanceFailures) FROM "AmazonMWAA" WHERE Environment = \'',
                        env,
                        "'",
                    ),
                    "task failures",
                    period=900,
                )
            ],
            comparison="GreaterThanOrEqualToThreshold",
            threshold=t.task_failures,
            evaluation_periods=1,
            datapoints=1,
            missing="notBreaching",
            period=900,
        ),
        AlarmSpec(
            role="import-errors",
            description="At least one DAG file fails to import: its DAGs are gone from Airflow.",
            namespace="AmazonMWAA",
            metric="ImportErrors",
            statistic="Maximum",
            dimensions={"Function": "DAG Processing", "Environment": env},
            comparison="GreaterThanOrEqualToThreshold",
            threshold=1,
            evaluation_periods=2,
            datapoints=2,
            missing="notBreaching",
        ),
    ]
    for cluster, periods in (("Scheduler", 3), ("BaseWorker", 6), ("WebServer", 3)):
        for metric, limit in (
            ("CPUUtilization", t.cpu_percent),
            ("MemoryUtilization", t.memory_percent),
        ):
            alarms.append(
                AlarmSpec(
                    role=f"{cluster.lower()}-{metric.removesuffix('Utilization').lower()}",
                    description=f"{cluster} {metric} above {limit}%: it is saturated.",
                    namespace="AWS/MWAA",
                    metric=metric,
                    statistic="Average",
                    dimensions={"Cluster": cluster, "Environment": env},
                    comparison="GreaterThanThreshold",
                    threshold=limit,
                    evaluation_periods=periods,
                    datapoints=periods,
                    missing="notBreaching",
                )
            )
    database = {"DatabaseRole": "WRITER", "Environment": env}
    alarms += [
        AlarmSpec(
            role="db-cpu",
            description=f"Metadata database CPU above {t.cpu_percent}%.",
            namespace="AWS/MWAA",
            metric="CPUUtilization",
            statistic="Average",
            dimensions=database,
            comparison="GreaterThanThreshold",
            threshold=t.cpu_percent,
            evaluation_periods=3,
            datapoints=3,
            missing="notBreaching",
        ),
        AlarmSpec(
            role="db-freeable-memory",
            description=f"Metadata database freeable memory below {t.db_freeable_memory_mib} MiB.",
            namespace="AWS/MWAA",
            metric="FreeableMemory",
            statistic="Average",
            dimensions=database,
            comparison="LessThanThreshold",
            threshold=t.db_freeable_memory_mib * 1024 * 1024,
            evaluation_periods=3,
            datapoints=3,
            missing="notBreaching",
        ),
    ]
    return alarms


def eks_alarms(watch: WatchTargets, t: ObservabilitySettings) -> list[AlarmSpec]:
    """EKS alarms: the managed data stores, the nodes, the load balancer, the pods."""
    alarms: list[AlarmSpec] = []
    if watch.db_instance_id is not None:
        db = {"DBInstanceIdentifier": watch.db_instance_id}
        storage, memory = t.db_free_storage_gib, t.db_freeable_memory_mib
        for th in (
            Threshold("db-cpu", "Metadata database CPU", "AWS/RDS", "CPUUtilization",
                      ">", t.cpu_percent, "Average"),
            Threshold("db-free-storage", f"Metadata database free storage below {storage} GiB",
                      "AWS/RDS", "FreeStorageSpace", "<", storage * 1024**3, "Minimum"),
            Threshold("db-connections", "Metadata database connections", "AWS/RDS",
                      "DatabaseConnections", ">", t.db_connections, "Maximum"),
            Threshold("db-freeable-memory", f"Metadata database freeable memory below {memory} MiB",
                      "AWS/RDS", "FreeableMemory", "<", memory * 1024 * 1024, "Average"),
        ):  # fmt: skip
            alarms.append(_simple(th, db))
    for i, cache_id in enumerate(watch.cache_cluster_ids):
        node = {"CacheClusterId": cache_id}
        for th in (
            Threshold(f"cache-{i}-cpu", "Broker node engine CPU", "AWS/ElastiCache",
                      "EngineCPUUtilization", ">", t.cpu_percent, "Average"),
            Threshold(f"cache-{i}-memory", "Broker node memory", "AWS/ElastiCache",
                      "DatabaseMemoryUsagePercentage", ">", t.memory_percent, "Average"),
            Threshold(f"cache-{i}-evictions", "Broker evicted keys: Celery messages are lost",
                      "AWS/ElastiCache", "Evictions", ">", 0, "Sum", periods=1),
        ):  # fmt: skip
            alarms.append(_simple(th, node))
    if watch.eks_cluster is not None and watch.node_groups:
        minimum = sum(g.min_size for g in watch.node_groups)
        alarms.append(
            AlarmSpec(
                role="node-count",
                description=f"Fewer than {minimum} nodes (the node groups' minimum): capacity "
                "was lost. No data means Container Insights or the cluster is gone.",
                namespace="ContainerInsights",
                metric="cluster_node_count",
                statistic="Minimum",
                dimensions={"ClusterName": watch.eks_cluster},
                comparison="LessThanThreshold",
                threshold=minimum,
                evaluation_periods=3,
                datapoints=3,
                missing="breaching",
            )
        )
    if watch.eks_cluster is not None and watch.airflow_namespace:
        # Container Insights publishes restarts per pod only (ClusterName, Namespace,
        # PodName): a Metrics Insights query takes the worst pod of the namespace.
        query = pulumi.Output.concat(
            "SELECT MAX(pod_number_of_container_restarts) "
            'FROM SCHEMA("ContainerInsights", ClusterName, Namespace, PodName) '
            "WHERE ClusterName = '",
            watch.eks_cluster,
            f"' AND Namespace = '{watch.airflow_namespace}'",
        )
        alarms.append(
            AlarmSpec(
                role="pod-restarts",
                description="An Airflow container restarted more than 3 times in its pod's "
                "life: a crash loop or repeated OOM kills. No data: no Airflow pod reported.",
                queries=[_expression("restarts", query, "container restarts", period=PERIOD)],
                comparison="GreaterThanThreshold",
                threshold=3,
                evaluation_periods=2,
                datapoints=2,
                missing="notBreaching",
            )
        )
    if watch.load_balancer_arn_suffix is not None:
        lb = {"LoadBalancer": watch.load_balancer_arn_suffix}
        alarms.append(
            AlarmSpec(
                role="alb-5xx",
                description="The Airflow UI/API answered more than 5 server errors in 5 minutes "
                "(load balancer and targets).",
                queries=[
                    _metric_query("elb", "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "Sum", lb),
                    _metric_query(
                        "target", "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "Sum", lb
                    ),
                    _expression("errors", "FILL(elb, 0) + FILL(target, 0)", "5xx responses"),
                ],
                comparison="GreaterThanThreshold",
                threshold=5,
                evaluation_periods=2,
                datapoints=2,
                missing="notBreaching",
            )
        )
    return alarms


_OPERATORS = {">": "GreaterThanThreshold", "<": "LessThanThreshold"}


class Threshold(NamedTuple):
    """A plain threshold on one metric."""

    role: str
    what: str
    namespace: str
    metric: str
    op: str
    threshold: float
    statistic: str
    periods: int = 3


def _simple(th: Threshold, dimensions: Mapping[str, pulumi.Input[str]]) -> AlarmSpec:
    # Data-store and pod metrics are published while the resource lives: silence is not a
    # failure of that signal (the node-count and heartbeat alarms cover loss).
    return AlarmSpec(
        role=th.role,
        description=f"{th.what} ({th.op} {th.threshold:g}).",
        namespace=th.namespace,
        metric=th.metric,
        statistic=th.statistic,
        dimensions=dimensions,
        comparison=_OPERATORS[th.op],
        threshold=th.threshold,
        evaluation_periods=th.periods,
        datapoints=th.periods,
        missing="notBreaching",
    )


def _metric_query(
    qid: str, namespace: str, metric: str, stat: str, dimensions: Mapping[str, pulumi.Input[str]]
) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=qid,
        metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
            namespace=namespace,
            metric_name=metric,
            dimensions=dict(dimensions),
            period=PERIOD,
            stat=stat,
        ),
        return_data=False,
    )


def _expression(
    qid: str, expression: pulumi.Input[str], label: str, period: int | None = None
) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
    return aws.cloudwatch.MetricAlarmMetricQueryArgs(
        id=qid, expression=expression, label=label, period=period, return_data=True
    )


# ------------------------------------------------------------------------- dashboard


def _widget(title: str, metrics: list[list[Any]], x: int, y: int, region: Any) -> dict[str, Any]:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": 8,
        "height": 6,
        "properties": {
            "title": title,
            "view": "timeSeries",
            "region": region,
            "period": PERIOD,
            "metrics": metrics,
        },
    }


def _search(namespace: str, metric: str, env: Any, stat: str, label: str) -> list[Any]:
    expression = pulumi.Output.format(
        'SEARCH(\'Namespace="{0}" MetricName="{1}" Environment="{2}"\', \'{3}\', {4})',
        namespace,
        metric,
        env,
        stat,
        PERIOD,
    )
    return [{"expression": expression, "label": label}]


def dashboard_rows(
    architecture: str, watch: WatchTargets
) -> dict[str, list[tuple[str, list[list[Any]]]]]:
    """Golden signals -> widgets (title, metric lines) for the architecture."""
    if architecture == "mwaa":
        env = watch.mwaa_environment
        executor = ["Function", "Executor", "Environment", env]
        cluster = [
            ["AWS/MWAA", m, "Cluster", c, "Environment", env]
            for m in ("CPUUtilization", "MemoryUtilization")
            for c in ("Scheduler", "BaseWorker", "AdditionalWorker", "WebServer")
        ]
        return {
            "Latency": [
                (
                    "DAG run duration (s)",
                    [_search("AmazonMWAA", "DAGDurationSuccess", env, "Average", "success")],
                ),
                (
                    "Schedule delay (s)",
                    [_search("AmazonMWAA", "ScheduleDelay", env, "Average", "delay")],
                ),
                (
                    "DAG parse time (s)",
                    [
                        [
                            "AmazonMWAA",
                            "TotalParseTime",
                            "Function",
                            "DAG Processing",
                            "Environment",
                            env,
                        ]
                    ],
                ),
            ],
            "Traffic": [
                (
                    "Running and queued tasks",
                    [
                        ["AmazonMWAA", "RunningTasks", *executor],
                        ["AmazonMWAA", "QueuedTasks", *executor],
                    ],
                ),
                (
                    "Task throughput",
                    [_search("AmazonMWAA", "TaskInstanceSuccesses", env, "Sum", "succeeded")],
                ),
                (
                    "DAG bag size",
                    [
                        [
                            "AmazonMWAA",
                            "DagBagSize",
                            "Function",
                            "DAG Processing",
                            "Environment",
                            env,
                        ]
                    ],
                ),
            ],
            "Errors": [
                (
                    "Task failures",
                    [_search("AmazonMWAA", "TaskInstanceFailures", env, "Sum", "failed")],
                ),
                (
                    "DAG import errors",
                    [
                        [
                            "AmazonMWAA",
                            "ImportErrors",
                            "Function",
                            "DAG Processing",
                            "Environment",
                            env,
                        ]
                    ],
                ),
                (
                    "Failed DAG runs",
                    [_search("AmazonMWAA", "DAGDurationFailed", env, "SampleCount", "failed runs")],
                ),
            ],
            "Saturation": [
                ("Container CPU / memory (%)", cluster),
                (
                    "Open slots, oldest queued task (s)",
                    [
                        ["AmazonMWAA", "OpenSlots", *executor],
                        ["AWS/MWAA", "ApproximateAgeOfOldestTask", "Environment", env],
                    ],
                ),
                (
                    "Metadata database",
                    [
                        [
                            "AWS/MWAA",
                            "CPUUtilization",
                            "DatabaseRole",
                            "WRITER",
                            "Environment",
                            env,
                        ],
                        [
                            "AWS/MWAA",
                            "FreeableMemory",
                            "DatabaseRole",
                            "WRITER",
                            "Environment",
                            env,
                        ],
                        [
                            "AWS/MWAA",
                            "DatabaseConnections",
                            "DatabaseRole",
                            "WRITER",
                            "Environment",
                            env,
                        ],
                    ],
                ),
            ],
        }
    cluster_name = watch.eks_cluster
    lb = ["LoadBalancer", watch.load_balancer_arn_suffix]
    db = ["DBInstanceIdentifier", watch.db_instance_id]
    pods = ["ClusterName", cluster_name, "Namespace", watch.airflow_namespace]
    caches = [
        ["AWS/ElastiCache", "EngineCPUUtilization", "CacheClusterId", c]
        for c in watch.cache_cluster_ids
    ]
    return {
        "Latency": [
            ("UI/API response time (s)", [["AWS/ApplicationELB", "TargetResponseTime", *lb]]),
            (
                "Metadata DB latency (s)",
                [["AWS/RDS", "ReadLatency", *db], ["AWS/RDS", "WriteLatency", *db]],
            ),
        ],
        "Traffic": [
            ("UI/API requests", [["AWS/ApplicationELB", "RequestCount", *lb]]),
            (
                "Airflow pods running",
                [["ContainerInsights", "namespace_number_of_running_pods", *pods]],
            ),
        ],
        "Errors": [
            (
                "UI/API 5xx",
                [
                    ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", *lb],
                    ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", *lb],
                ],
            ),
            (
                "Airflow container restarts",
                [["ContainerInsights", "pod_number_of_container_restarts", *pods]],
            ),
            (
                "Broker evictions",
                [
                    ["AWS/ElastiCache", "Evictions", "CacheClusterId", c]
                    for c in watch.cache_cluster_ids
                ],
            ),
        ],
        "Saturation": [
            (
                "Nodes: count, CPU, memory",
                [
                    ["ContainerInsights", "cluster_node_count", "ClusterName", cluster_name],
                    ["ContainerInsights", "node_cpu_utilization", "ClusterName", cluster_name],
                    ["ContainerInsights", "node_memory_utilization", "ClusterName", cluster_name],
                ],
            ),
            (
                "Metadata DB CPU, connections",
                [["AWS/RDS", "CPUUtilization", *db], ["AWS/RDS", "DatabaseConnections", *db]],
            ),
            ("Broker CPU", caches),
        ],
    }


def dashboard_body(
    platform: AirflowPlatform, region: pulumi.Input[str], alarm_arns: Sequence[pulumi.Input[str]]
) -> dict[str, Any]:
    widgets: list[dict[str, Any]] = [
        {
            "type": "alarm",
            "x": 0,
            "y": 0,
            "width": 24,
            "height": 4,
            "properties": {"title": "Alarms", "alarms": list(alarm_arns)},
        }
    ]
    y = 4
    for signal, row in dashboard_rows(platform.architecture, platform.watch).items():
        widgets.append(
            {
                "type": "text",
                "x": 0,
                "y": y,
                "width": 24,
                "height": 1,
                "properties": {"markdown": f"## {signal}"},
            }
        )
        y += 1
        # A widget with no lines (no broker to show with the in-cluster queue) is refused by
        # PutDashboard: leave it out.
        shown = [(title, metrics) for title, metrics in row if metrics]
        for i, (title, metrics) in enumerate(shown):
            widgets.append(_widget(title, metrics, 8 * i, y, region))
        y += 6
    return {"widgets": widgets}


# ------------------------------------------------------------------------- Alertmanager


def alertmanager_config(topic_arn: str, region: str, environment: str) -> dict[str, Any]:
    """Alertmanager routes every alert to the stack's SNS topic (IRSA signs the calls)."""
    sns = {
        "topic_arn": topic_arn,
        "sigv4": {"region": region},
        "subject": (
            f"[{environment}] {{{{ .Status | toUpper }}}}: {{{{ .CommonLabels.alertname }}}}"
        ),
        "message": (
            "{{ range .Alerts }}{{ .Labels.severity }}: {{ .Annotations.summary }}\n"
            "{{ .Annotations.description }}\nrunbook: {{ .Annotations.runbook }}\n\n{{ end }}"
        ),
        "attributes": {"environment": environment, "source": "alertmanager"},
        "send_resolved": True,
    }
    return {
        "global": {"resolve_timeout": "5m"},
        "route": {
            "receiver": "sns",
            "group_by": ["alertname", "namespace"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
            "routes": [{"receiver": "null", "matchers": ['alertname = "Watchdog"']}],
        },
        # When the exporter is down, every Airflow metric alert fires too: say it once.
        "inhibit_rules": [
            {
                "source_matchers": ['alertname = "AirflowStatsdExporterDown"'],
                "target_matchers": [
                    'service = "airflow"',
                    'alertname != "AirflowStatsdExporterDown"',
                ],
                "equal": ["namespace"],
            },
            {
                "source_matchers": ['severity = "critical"'],
                "target_matchers": ['severity = "warning"'],
                "equal": ["alertname", "namespace"],
            },
        ],
        "receivers": [{"name": "sns", "sns_configs": [sns]}, {"name": "null"}],
    }


def rule_groups() -> dict[str, list[dict[str, Any]]]:
    """Every alert rule file under monitoring/rules, as PrometheusRule spec groups."""
    return {
        path.stem: yaml.safe_load(path.read_text())["groups"]
        for path in sorted((MONITORING / "rules").glob("*.yaml"))
    }


def grafana_dashboards() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((MONITORING / "dashboards").glob("*.json"))}


# ------------------------------------------------------------------------- component


@dataclass(frozen=True)
class ObservabilityArgs:
    platform: AirflowPlatform
    """What to watch (and, on EKS, where to install the metrics stack)."""
    thresholds: ObservabilitySettings
    eks: EksSettings | None
    """Prometheus retention and storage (EKS only)."""
    alert_topic_arn: pulumi.Input[str]
    alert_key_arn: pulumi.Input[str]
    log_retention_days: int
    protect: bool


class Observability(pulumi.ComponentResource):
    """Dashboard and alarms; on EKS also Container Insights and the Prometheus stack."""

    dashboard_name: pulumi.Output[str]
    alarm_arns: list[pulumi.Output[str]]
    grafana_url: pulumi.Output[str] | None

    def __init__(
        self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("airflow:observability:Observability", name, None, opts)
        platform = args.platform
        account = Account.lookup(self)
        specs = (
            mwaa_alarms(
                platform.watch.mwaa_environment or platform.environment_name, args.thresholds
            )
            if platform.architecture == "mwaa"
            else eks_alarms(platform.watch, args.thresholds)
        )
        alarms = [self._alarm(name, platform.environment_name, spec) for spec in specs]
        self.alarm_arns = [a.arn for a in alarms]
        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=f"{platform.environment_name}-golden-signals",
            dashboard_body=pulumi.Output.json_dumps(
                dashboard_body(platform, account.region, self.alarm_arns)
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.dashboard_name = dashboard.dashboard_name
        self.grafana_url = None
        if platform.kubernetes is not None and args.eks is not None:
            self._container_insights(name, platform.kubernetes, account, args)
            self._prometheus_stack(name, platform.kubernetes, account, args)
        self.register_outputs({"dashboardName": self.dashboard_name, "alarmArns": self.alarm_arns})

    def _alarm(self, name: str, env: str, spec: AlarmSpec) -> aws.cloudwatch.MetricAlarm:
        single = spec.metric is not None
        # Named `<environment>-<role>`: the alerting EventBridge rule routes this prefix.
        return aws.cloudwatch.MetricAlarm(
            f"{name}-{spec.role}",
            name=f"{env}-{spec.role}",
            alarm_description=spec.description,
            comparison_operator=spec.comparison,
            threshold=spec.threshold,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.datapoints,
            treat_missing_data=spec.missing,
            namespace=spec.namespace if single else None,
            metric_name=spec.metric if single else None,
            statistic=spec.statistic if single else None,
            dimensions=dict(spec.dimensions) if single else None,
            period=spec.period if single else None,
            metric_queries=None if single else list(spec.queries),
            # No alarm/OK actions: the alerting EventBridge rule routes every `<env>-*` alarm's
            # ALARM and recovery to the topic as one readable line. Direct actions would send
            # each transition twice, and an OK for every new alarm's first evaluation.
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _container_insights(
        self, name: str, kube: KubernetesAccess, account: Account, args: ObservabilityArgs
    ) -> None:
        """Container logs and metrics to CloudWatch, with retention we choose: the add-on
        would otherwise create its log groups without expiry."""
        groups = [
            pulumi.Output.format("/aws/containerinsights/{0}/{1}", kube.cluster_name, kind)
            for kind in ("application", "dataplane", "host", "performance")
        ]
        key = customer_key(
            f"{name}-container-logs",
            description=f"Container Insights logs of {args.platform.environment_name}",
            account=account,
            service_statements=[logs_key_statement(account, "/aws/containerinsights/*")],
            parent=self,
            protect=args.protect,
        )
        log_groups = [
            aws.cloudwatch.LogGroup(
                f"{name}-ci-{kind}",
                name=group,
                retention_in_days=args.log_retention_days,
                kms_key_id=key.arn,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
            )
            for kind, group in zip(
                ("application", "dataplane", "host", "performance"), groups, strict=True
            )
        ]
        role = irsa_role(
            f"{name}-cloudwatch-agent",
            oidc_issuer=kube.oidc_issuer,
            oidc_provider_arn=kube.oidc_provider_arn,
            service_accounts=[ServiceAccount("amazon-cloudwatch", "cloudwatch-agent")],
            managed_policy_arns=[
                aws_managed_policy(account.partition, "CloudWatchAgentServerPolicy"),
                aws_managed_policy(account.partition, "AWSXrayWriteOnlyAccess"),
            ],
            description="Container Insights agent",
            parent=self,
        )
        aws.eks.Addon(
            f"{name}-container-insights",
            cluster_name=kube.cluster_name,
            addon_name="amazon-cloudwatch-observability",
            service_account_role_arn=role.arn,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[*log_groups, *kube.depends_on]),
        )

    def _prometheus_stack(
        self, name: str, kube: KubernetesAccess, account: Account, args: ObservabilityArgs
    ) -> None:
        eks = args.eks
        assert eks is not None
        k8s_opts = pulumi.ResourceOptions(parent=self, provider=kube.provider)
        namespace = k8s.core.v1.Namespace(
            f"{name}-monitoring-ns",
            metadata={"name": MONITORING_NAMESPACE},
            opts=pulumi.ResourceOptions(
                parent=self, provider=kube.provider, depends_on=list(kube.depends_on)
            ),
        )
        release_name = PROMETHEUS_STACK_CHART
        alertmanager_sa = f"{release_name}-alertmanager"
        grafana_sa = f"{release_name}-grafana"
        alertmanager_role = irsa_role(
            f"{name}-alertmanager",
            oidc_issuer=kube.oidc_issuer,
            oidc_provider_arn=kube.oidc_provider_arn,
            service_accounts=[ServiceAccount(MONITORING_NAMESPACE, alertmanager_sa)],
            inline_policies={"publish": _publish_policy(args.alert_topic_arn, args.alert_key_arn)},
            description="Alertmanager publishes alerts to the stack's SNS topic",
            parent=self,
        )
        grafana_role = irsa_role(
            f"{name}-grafana",
            oidc_issuer=kube.oidc_issuer,
            oidc_provider_arn=kube.oidc_provider_arn,
            service_accounts=[ServiceAccount(MONITORING_NAMESPACE, grafana_sa)],
            inline_policies={"cloudwatch-read": GRAFANA_CLOUDWATCH_READ},
            description="Grafana reads CloudWatch metrics and logs (read-only)",
            parent=self,
        )
        password = random.RandomPassword(
            f"{name}-grafana-admin",
            length=32,
            special=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        admin_secret = k8s.core.v1.Secret(
            f"{name}-grafana-admin",
            metadata={"name": "grafana-admin", "namespace": namespace.metadata["name"]},
            string_data={"admin-user": "admin", "admin-password": password.result},
            opts=k8s_opts,
        )
        values = pulumi.Output.all(
            args.alert_topic_arn, account.region, alertmanager_role.arn, grafana_role.arn
        ).apply(
            lambda v: prometheus_stack_values(
                topic_arn=v[0],
                region=v[1],
                environment=args.platform.environment_name,
                alertmanager_role_arn=v[2],
                grafana_role_arn=v[3],
                eks=eks,
                node_selector=dict(kube.system_node_selector),
            )
        )
        release = k8s.helm.v3.Release(
            f"{name}-prometheus-stack",
            name=release_name,
            chart=PROMETHEUS_STACK_CHART,
            version=PROMETHEUS_STACK_VERSION,
            repository_opts={"repo": PROMETHEUS_STACK_REPO},
            namespace=namespace.metadata["name"],
            values=values,
            timeout=900,
            opts=pulumi.ResourceOptions(
                parent=self, provider=kube.provider, depends_on=[admin_secret, *kube.depends_on]
            ),
        )
        after_crds = pulumi.ResourceOptions(
            parent=self, provider=kube.provider, depends_on=[release]
        )
        k8s.apiextensions.CustomResource(
            f"{name}-statsd-monitor",
            api_version="monitoring.coreos.com/v1",
            kind="ServiceMonitor",
            metadata={"name": "airflow-statsd", "namespace": kube.airflow_namespace},
            spec=service_monitor_spec(kube.statsd_labels),
            opts=pulumi.ResourceOptions(
                parent=self, provider=kube.provider, depends_on=[release, *kube.airflow_ready]
            ),
        )
        for stem, groups in rule_groups().items():
            k8s.apiextensions.CustomResource(
                f"{name}-rules-{stem}",
                api_version="monitoring.coreos.com/v1",
                kind="PrometheusRule",
                metadata={"name": f"airflow-{stem}", "namespace": MONITORING_NAMESPACE},
                spec={"groups": groups},
                opts=after_crds,
            )
        for file_name, body in grafana_dashboards().items():
            k8s.core.v1.ConfigMap(
                f"{name}-dashboard-{Path(file_name).stem}",
                metadata={
                    "name": f"dashboard-{Path(file_name).stem}",
                    "namespace": MONITORING_NAMESPACE,
                    "labels": {"grafana_dashboard": "1"},
                },
                data={file_name: body},
                opts=after_crds,
            )
        self.grafana_url = pulumi.Output.concat(
            "kubectl -n ",
            MONITORING_NAMESPACE,
            " port-forward svc/",
            release_name,
            "-grafana 3000:80",
        )


def service_monitor_spec(statsd_labels: Mapping[str, str]) -> dict[str, Any]:
    """Scrape the Airflow chart's statsd-exporter Service (the chart ships no ServiceMonitor)."""
    return {
        "selector": {"matchLabels": dict(statsd_labels)},
        "endpoints": [{"port": STATSD_PORT, "interval": "30s", "scrapeTimeout": "10s"}],
    }


def prometheus_stack_values(
    *,
    topic_arn: str,
    region: str,
    environment: str,
    alertmanager_role_arn: str,
    grafana_role_arn: str,
    eks: EksSettings,
    node_selector: Mapping[str, str],
) -> dict[str, Any]:
    """kube-prometheus-stack values (pure: the tests render and check them)."""
    placement = {"nodeSelector": dict(node_selector)}
    return {
        "fullnameOverride": PROMETHEUS_STACK_CHART,
        "prometheus": {
            "prometheusSpec": {
                **placement,
                "retention": eks.prometheus_retention,
                # Pick up every ServiceMonitor and PrometheusRule, not only the chart's own.
                "serviceMonitorSelectorNilUsesHelmValues": False,
                "podMonitorSelectorNilUsesHelmValues": False,
                "ruleSelectorNilUsesHelmValues": False,
                "resources": {
                    "requests": {"cpu": "200m", "memory": "1Gi"},
                    "limits": {"memory": "2Gi"},
                },
                "storageSpec": {
                    "volumeClaimTemplate": {
                        "spec": {
                            "storageClassName": "gp3",
                            "accessModes": ["ReadWriteOnce"],
                            "resources": {
                                "requests": {"storage": f"{eks.prometheus_storage_gib}Gi"}
                            },
                        }
                    }
                },
            }
        },
        "alertmanager": {
            "serviceAccount": {
                "name": f"{PROMETHEUS_STACK_CHART}-alertmanager",
                "annotations": {ROLE_ARN_ANNOTATION: alertmanager_role_arn},
            },
            "config": alertmanager_config(topic_arn, region, environment),
            "alertmanagerSpec": {
                **placement,
                "replicas": 2,
                "resources": {
                    "requests": {"cpu": "50m", "memory": "128Mi"},
                    "limits": {"memory": "256Mi"},
                },
            },
        },
        "grafana": {
            **placement,
            "admin": {
                "existingSecret": "grafana-admin",
                "userKey": "admin-user",
                "passwordKey": "admin-password",
            },
            "serviceAccount": {
                "name": f"{PROMETHEUS_STACK_CHART}-grafana",
                "annotations": {ROLE_ARN_ANNOTATION: grafana_role_arn},
            },
            "additionalDataSources": [
                {
                    "name": "CloudWatch",
                    "type": "cloudwatch",
                    "access": "proxy",
                    "jsonData": {"authType": "default", "defaultRegion": region},
                }
            ],
            "sidecar": {
                "dashboards": {
                    "enabled": True,
                    "label": "grafana_dashboard",
                    "labelValue": "1",
                    "searchNamespace": "ALL",
                }
            },
            "resources": {
                "requests": {"cpu": "50m", "memory": "256Mi"},
                "limits": {"memory": "512Mi"},
            },
        },
        "prometheusOperator": {**placement},
        "kube-state-metrics": {**placement},
    }


def _publish_policy(topic_arn: pulumi.Input[str], key_arn: pulumi.Input[str]) -> pulumi.Output[str]:
    return policy_document(
        [
            {"Effect": "Allow", "Action": "sns:Publish", "Resource": topic_arn},
            {
                "Effect": "Allow",
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": key_arn,
            },
        ]
    )


# What Grafana's CloudWatch data source reads (its documented minimum), read-only.
GRAFANA_CLOUDWATCH_READ = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadMetricsAndAlarms",
                "Effect": "Allow",
                "Action": [
                    "cloudwatch:DescribeAlarmsForMetric",
                    "cloudwatch:DescribeAlarmHistory",
                    "cloudwatch:DescribeAlarms",
                    "cloudwatch:ListMetrics",
                    "cloudwatch:GetMetricData",
                    "cloudwatch:GetInsightRuleReport",
                ],
                "Resource": "*",
            },
            {
                "Sid": "ReadLogs",
                "Effect": "Allow",
                "Action": [
                    "logs:DescribeLogGroups",
                    "logs:GetLogGroupFields",
                    "logs:StartQuery",
                    "logs:StopQuery",
                    "logs:GetQueryResults",
                    "logs:GetLogEvents",
                ],
                "Resource": "*",
            },
            {
                "Sid": "ResolveNames",
                "Effect": "Allow",
                "Action": [
                    "ec2:DescribeTags",
                    "ec2:DescribeInstances",
                    "ec2:DescribeRegions",
                    "tag:GetResources",
                ],
                "Resource": "*",
            },
        ],
    }
)
