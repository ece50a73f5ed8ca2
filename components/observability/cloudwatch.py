"""CloudWatch, the common ground of both platforms: golden-signal alarms per architecture,
the dashboard layout, and (EKS) Container Insights with log groups whose retention we set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import pulumi
import pulumi_aws as aws

from components.aws_helpers import (
    Account,
    assuming,
    customer_key,
    eks_addon_version,
    logs_key_statement,
)
from components.irsa import ServiceAccount, aws_managed_policy, irsa_role
from components.platform import AirflowPlatform, KubernetesAccess, WatchTargets
from components.settings import ObservabilitySettings
from components.workspace import STATE_BACKUP_NAMESPACE

if TYPE_CHECKING:
    from components.observability import ObservabilityArgs

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


# dags/metadata_backup.py counts each state backup here (components/workspace.py allows it);
# one constant, which tests/test_observability.py checks against the DAG's.
BACKUP_NAMESPACE = STATE_BACKUP_NAMESPACE
BACKUP_METRIC = "BackupsWritten"
BACKUP_SILENCE_HOURS = 26  # a daily DAG, plus two hours for a slow or retried run


def state_backup_alarm(env: pulumi.Input[str]) -> AlarmSpec:
    """No state backup for 26 hours. Hourly sums over 26 periods: a single backup in the
    window keeps it OK; a window without any goes INSUFFICIENT_DATA (missing data is missing,
    SILENCE_ALARM_ROLES), which the alerting rule forwards once the alarm has been OK, so a new
    stack waiting for its first backup pages no one. PutMetricAlarm allows period x evaluation
    periods up to 7 days once the period is an hour or more, so 26 x 1 h is allowed."""
    return AlarmSpec(
        role="state-backup-missing",
        description=f"No Airflow state backup (metadata_backup DAG) for {BACKUP_SILENCE_HOURS} "
        "hours: the state a rebuilt environment would get back is getting old.",
        namespace=BACKUP_NAMESPACE,
        metric=BACKUP_METRIC,
        statistic="Sum",
        dimensions={"Environment": env},
        comparison="LessThanThreshold",
        threshold=1,
        evaluation_periods=BACKUP_SILENCE_HOURS,
        datapoints=BACKUP_SILENCE_HOURS,
        missing="missing",
        period=3600,
    )


def mwaa_alarms(env: pulumi.Input[str], t: ObservabilitySettings) -> list[AlarmSpec]:
    """MWAA alarms: AWS's recommended set plus the Airflow signals that matter."""
    executor = {"Function": "Executor", "Environment": env}
    alarms = [
        AlarmSpec(
            role="scheduler-heartbeat",
            description="No scheduler heartbeat for 15 minutes: nothing gets scheduled. The "
            "canary DAG keeps the environment busy, so silence after heartbeats is a failure "
            "(INSUFFICIENT_DATA, forwarded); a new environment's silence is not.",
            namespace="AmazonMWAA",
            metric="SchedulerHeartbeat",
            statistic="Sum",
            dimensions={"Function": "Scheduler", "Environment": env},
            comparison="LessThanThreshold",
            threshold=1,
            evaluation_periods=3,
            datapoints=3,
            missing="missing",
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
                "was lost. Silence after data (INSUFFICIENT_DATA, forwarded) means Container "
                "Insights or the cluster is gone; a new cluster's silence is not.",
                namespace="ContainerInsights",
                metric="cluster_node_count",
                statistic="Minimum",
                dimensions={"ClusterName": watch.eks_cluster},
                comparison="LessThanThreshold",
                threshold=minimum,
                evaluation_periods=3,
                datapoints=3,
                missing="missing",
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


# ------------------------------------------------------------------------- Container Insights


def container_insights(
    parent: pulumi.Resource,
    name: str,
    kube: KubernetesAccess,
    account: Account,
    args: ObservabilityArgs,
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
        parent=parent,
        protect=args.protect,
    )
    log_groups = [
        aws.cloudwatch.LogGroup(
            f"{name}-ci-{kind}",
            name=group,
            retention_in_days=args.log_retention_days,
            kms_key_id=key.arn,
            opts=pulumi.ResourceOptions(parent=parent, protect=args.protect),
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
        parent=parent,
    )
    aws.eks.Addon(
        f"{name}-container-insights",
        cluster_name=kube.cluster_name,
        addon_name="amazon-cloudwatch-observability",
        addon_version=eks_addon_version(
            "amazon-cloudwatch-observability", kube.kubernetes_version, parent
        ),
        service_account_role_arn=role.arn,
        resolve_conflicts_on_create="OVERWRITE",
        resolve_conflicts_on_update="OVERWRITE",
        opts=assuming(
            role,
            opts=pulumi.ResourceOptions(parent=parent, depends_on=[*log_groups, *kube.depends_on]),
        ),
    )
