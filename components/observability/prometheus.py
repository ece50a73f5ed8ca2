"""The Prometheus view on EKS: kube-prometheus-stack values, Alertmanager routing to the
alert topic, the alert rules and Grafana dashboards under `monitoring/` (data, tested with
promtool), and the ServiceMonitor on the Airflow chart's statsd exporter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.aws_helpers import Account, assuming, policy_document
from components.charts import pinned
from components.eks.releases import pinned_release
from components.irsa import ROLE_ARN_ANNOTATION, ServiceAccount, irsa_role
from components.platform import KubernetesAccess
from components.settings import EksSettings
from components.yaml_files import read_yaml

if TYPE_CHECKING:
    from components.observability import ObservabilityArgs

MONITORING = Path(__file__).resolve().parents[2] / "monitoring"
PROMETHEUS_STACK = pinned("kube-prometheus-stack")  # version: charts.lock.yaml
PROMETHEUS_STACK_CHART = PROMETHEUS_STACK.chart
MONITORING_NAMESPACE = "monitoring"
STATSD_PORT = "statsd-scrape"
WAKE_RULES = MONITORING / "sleep" / "wake.yaml"
WAKE_GATE = "AirflowWaking"
"""The alert of WAKE_RULES that fires while a woken platform is not yet healthy."""
# kube-prometheus-stack scrape targets EKS does not expose.
EKS_HIDDEN_COMPONENTS = ("kubeScheduler", "kubeControllerManager", "kubeEtcd", "kubeProxy")


# ------------------------------------------------------------------------- Alertmanager


def json_text(expression: str) -> str:
    """A Go-template action printing `expression` as the inside of a JSON string.

    Alertmanager's template functions have no JSON encoder (before v0.28), so backslashes,
    quotes and line breaks are escaped with `reReplaceAll`, other control characters dropped.
    """
    return (
        f'{{{{ {expression} | reReplaceAll `\\\\` `\\\\` | reReplaceAll `"` `\\"`'
        " | reReplaceAll `\\n` `\\n` | reReplaceAll `[\\x00-\\x1f]` ` ` }}"
    )


RUNBOOK = "or {0}.runbook {0}.runbook_url"
"""Go-template expression for an alert's runbook: this program's rules annotate `runbook`,
kube-prometheus-stack's default rules `runbook_url`."""


def chat_message_template(environment: str) -> str:
    """Alertmanager's SNS message for the chat topic: an AWS Chatbot custom notification
    (version 1.0, source custom) with the alerts' summaries and runbooks, and the group's
    common runbook, if any, once as the next step. A runbook is the annotation `runbook` (this
    program's rules) or `runbook_url` (kube-prometheus-stack's default rules).
    Rendered by the tests with amtool and validated against Chatbot's schema."""
    title = f"[{environment}] {{{{ .Status | toUpper }}}}: " + json_text(".CommonLabels.alertname")
    description = (
        "{{ range .Alerts }}*"
        + json_text(".Labels.severity | toUpper")
        + "* "
        + json_text(".Annotations.summary")
        + "\\n"
        + json_text(".Annotations.description")
        + "{{ with "
        + RUNBOOK.format(".Annotations")
        + " }}\\nRunbook: "
        + json_text(".")
        + "{{ end }}\\n\\n{{ end }}"
    )
    next_steps = (
        "{{ with "
        + RUNBOOK.format(".CommonAnnotations")
        + ' }}"Runbook: '
        + json_text(".")
        + '"{{ end }}'
    )
    return (
        '{"version": "1.0", "source": "custom", "content": {"textType": "client-markdown", '
        f'"title": "{title}", "description": "{description}", "nextSteps": [{next_steps}], '
        f'"keywords": ["{environment}", "prometheus", "{{{{ .Status }}}}"]}}, '
        f'"metadata": {{"additionalContext": {{"environment": "{environment}"}}}}}}'
    )


def alertmanager_config(
    topic_arn: str,
    region: str,
    environment: str,
    *,
    chat_topic_arn: str,
    sleeps: bool = False,
    waking: bool = False,
) -> dict[str, Any]:
    """Alertmanager routes every alert to the stack's two SNS topics (IRSA signs the calls):
    readable text to the alert topic, Chatbot custom notifications to the chat topic.

    On a stack that sleeps (docs/sleep.md), the wake gate `AirflowWaking` (monitoring/sleep)
    holds back every other alert while it fires, and while the program declares the stack
    `waking` every alert goes to nobody."""
    sns = {
        "topic_arn": topic_arn,
        "sigv4": {"region": region},
        "subject": (
            f"[{environment}] {{{{ .Status | toUpper }}}}: {{{{ .CommonLabels.alertname }}}}"
        ),
        "message": (
            "{{ range .Alerts }}{{ .Labels.severity }}: {{ .Annotations.summary }}\n"
            "{{ .Annotations.description }}\n"
            "{{ with " + RUNBOOK.format(".Annotations") + " }}runbook: {{ . }}\n{{ end }}"
            "\n{{ end }}"
        ),
        "attributes": {"environment": environment, "source": "alertmanager"},
        "send_resolved": True,
    }
    chat = {
        **sns,
        "topic_arn": chat_topic_arn,
        "message": chat_message_template(environment),
        "attributes": {"environment": environment, "source": "alertmanager-chat"},
    }
    # The wake gate reaches nobody itself; until the woken platform has reported healthy,
    # what its start-up trips (absent heartbeats, unavailable deployments, young counters)
    # waits.
    gate = f'alertname = "{WAKE_GATE}"'
    gate_routes = [{"receiver": "null", "matchers": [gate]}] if sleeps else []
    gate_inhibits = (
        [{"source_matchers": [gate], "target_matchers": [f'alertname != "{WAKE_GATE}"']}]
        if sleeps
        else []
    )
    return {
        "global": {"resolve_timeout": "5m"},
        "route": {
            # Waking: the platform is being created, nothing it says reaches people yet.
            "receiver": "null" if waking else "sns",
            "group_by": ["alertname", "namespace"],
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
            # Watchdog always fires and InfoInhibitor fires while any info alert does: both
            # exist for inhibition and dead-man's switches, not for people.
            "routes": [
                {"receiver": "null", "matchers": ['alertname = "Watchdog"']},
                {"receiver": "null", "matchers": ['alertname = "InfoInhibitor"']},
                *gate_routes,
            ],
        },
        "inhibit_rules": [
            *gate_inhibits,
            # When the exporter is down, every Airflow metric alert fires too: say it once.
            {
                "source_matchers": ['alertname = "AirflowStatsdExporterDown"'],
                "target_matchers": [
                    'service = "airflow"',
                    'alertname != "AirflowStatsdExporterDown"',
                ],
                "equal": ["namespace"],
            },
            # The chart's own rule, which replacing its config would drop: InfoInhibitor fires
            # while info alerts fire in a namespace without a warning or critical one, and
            # keeps those info alerts from people.
            {
                "source_matchers": ['alertname = "InfoInhibitor"'],
                "target_matchers": ['severity = "info"'],
                "equal": ["namespace"],
            },
            {
                "source_matchers": ['severity = "critical"'],
                "target_matchers": ['severity = "warning"'],
                "equal": ["alertname", "namespace"],
            },
        ],
        "receivers": [{"name": "sns", "sns_configs": [sns, chat]}, {"name": "null"}],
    }


def rule_groups(*, sleeps: bool = False) -> dict[str, list[dict[str, Any]]]:
    """Every alert rule file under monitoring/rules, as PrometheusRule spec groups; on a stack
    that sleeps also the wake gate (monitoring/sleep/wake.yaml)."""
    paths = sorted((MONITORING / "rules").glob("*.yaml"))
    return {
        path.stem: read_yaml(path)["groups"] for path in [*paths, *([WAKE_RULES] if sleeps else [])]
    }


def grafana_dashboards() -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((MONITORING / "dashboards").glob("*.json"))}


def prometheus_stack(
    parent: pulumi.Resource,
    name: str,
    kube: KubernetesAccess,
    account: Account,
    args: ObservabilityArgs,
) -> pulumi.Output[str]:
    eks = args.eks
    assert eks is not None
    k8s_opts = pulumi.ResourceOptions(parent=parent, provider=kube.provider)
    namespace = k8s.core.v1.Namespace(
        f"{name}-monitoring-ns",
        metadata={"name": MONITORING_NAMESPACE},
        opts=pulumi.ResourceOptions(
            parent=parent, provider=kube.provider, depends_on=list(kube.depends_on)
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
        inline_policies={
            "publish": _publish_policy(
                [args.alert_topic_arn, args.chat_topic_arn], args.alert_key_arn
            )
        },
        description="Alertmanager publishes alerts to the stack's SNS topic",
        parent=parent,
    )
    grafana_role = irsa_role(
        f"{name}-grafana",
        oidc_issuer=kube.oidc_issuer,
        oidc_provider_arn=kube.oidc_provider_arn,
        service_accounts=[ServiceAccount(MONITORING_NAMESPACE, grafana_sa)],
        inline_policies={"cloudwatch-read": GRAFANA_CLOUDWATCH_READ},
        description="Grafana reads CloudWatch metrics and logs (read-only)",
        parent=parent,
    )
    password = random.RandomPassword(
        f"{name}-grafana-admin",
        length=32,
        special=False,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    admin_secret = k8s.core.v1.Secret(
        f"{name}-grafana-admin",
        metadata={"name": "grafana-admin", "namespace": namespace.metadata["name"]},
        string_data={"admin-user": "admin", "admin-password": password.result},
        opts=k8s_opts,
    )
    values = pulumi.Output.all(
        args.alert_topic_arn,
        account.region,
        alertmanager_role.arn,
        grafana_role.arn,
        args.chat_topic_arn,
    ).apply(
        lambda v: prometheus_stack_values(
            topic_arn=v[0],
            chat_topic_arn=v[4],
            region=v[1],
            environment=args.platform.environment_name,
            alertmanager_role_arn=v[2],
            grafana_role_arn=v[3],
            eks=eks,
            node_selector=dict(kube.system_node_selector),
            sleeps=args.sleeps,
            waking=args.waking,
        )
    )
    release = pinned_release(
        f"{name}-prometheus-stack",
        PROMETHEUS_STACK,
        release_name=release_name,
        namespace=namespace.metadata["name"],
        values=values,
        registry=eks.image_registry,
        docker_hub=kube.docker_hub,
        timeout=900,
        opts=assuming(
            alertmanager_role,
            grafana_role,
            opts=pulumi.ResourceOptions(
                parent=parent, provider=kube.provider, depends_on=[admin_secret, *kube.depends_on]
            ),
        ),
    )
    after_crds = pulumi.ResourceOptions(parent=parent, provider=kube.provider, depends_on=[release])
    k8s.apiextensions.CustomResource(
        f"{name}-statsd-monitor",
        api_version="monitoring.coreos.com/v1",
        kind="ServiceMonitor",
        metadata={"name": "airflow-statsd", "namespace": kube.airflow_namespace},
        spec=service_monitor_spec(kube.statsd_labels),
        opts=pulumi.ResourceOptions(
            parent=parent, provider=kube.provider, depends_on=[release, *kube.airflow_ready]
        ),
    )
    for stem, groups in rule_groups(sleeps=args.sleeps).items():
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
    return pulumi.Output.concat(
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
    chat_topic_arn: str,
    region: str,
    environment: str,
    alertmanager_role_arn: str,
    grafana_role_arn: str,
    eks: EksSettings,
    node_selector: Mapping[str, str],
    sleeps: bool = False,
    waking: bool = False,
) -> dict[str, Any]:
    """kube-prometheus-stack values (pure: the tests render and check them). `sleeps`: the
    stack has a sleep schedule; `waking`: the program declares it waking (docs/sleep.md)."""
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
            "config": alertmanager_config(
                topic_arn,
                region,
                environment,
                chat_topic_arn=chat_topic_arn,
                sleeps=sleeps,
                waking=waking,
            ),
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
            # The chart's `helm test` pod (root, no limits, no policy): never run by the
            # release, and checkov's largest finding (tools/charts/checkov.py).
            "testFramework": {"enabled": False},
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
        # EKS runs the scheduler, controller manager and etcd out of reach and binds kube-proxy's
        # metrics to localhost: scraping them only makes KubeSchedulerDown and friends fire.
        **{component: {"enabled": False} for component in EKS_HIDDEN_COMPONENTS},
        "prometheusOperator": {**placement},
        "kube-state-metrics": {**placement},
    }


def _publish_policy(
    topic_arns: list[pulumi.Input[str]], key_arn: pulumi.Input[str]
) -> pulumi.Output[str]:
    return policy_document(
        [
            {"Effect": "Allow", "Action": "sns:Publish", "Resource": topic_arns},
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
