"""Golden-signal dashboards and alarms for either platform; Prometheus, Alertmanager and
Grafana on EKS.

CloudWatch is the common ground (`cloudwatch`): one dashboard per stack (latency, traffic,
errors, saturation) and alarms on what the platform exposes in `AirflowPlatform.watch`, every
one reaching the alert topic on ALARM and on recovery through the alerting EventBridge rule.
On EKS the kube-prometheus-stack adds the Airflow StatsD view (`prometheus`): the alert rules
and dashboards under `monitoring/` (data, tested with promtool), Alertmanager publishing to
the same topic, Grafana reading Prometheus and CloudWatch.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.aws_helpers import Account
from components.observability.cloudwatch import (
    AlarmSpec,
    container_insights,
    dashboard_body,
    eks_alarms,
    mwaa_alarms,
    state_backup_alarm,
)
from components.observability.prometheus import (
    alertmanager_config,
    prometheus_stack,
    prometheus_stack_values,
    service_monitor_spec,
)
from components.platform import AirflowPlatform
from components.settings import EksSettings, ObservabilitySettings

__all__ = [
    "Observability",
    "ObservabilityArgs",
    "alertmanager_config",
    "dashboard_body",
    "prometheus_stack_values",
    "service_monitor_spec",
]


# ------------------------------------------------------------------------- component


@dataclass(frozen=True)
class ObservabilityArgs:
    platform: AirflowPlatform
    """What to watch (and, on EKS, where to install the metrics stack)."""
    thresholds: ObservabilitySettings
    eks: EksSettings | None
    """Prometheus retention and storage (EKS only)."""
    alert_topic_arn: pulumi.Input[str]
    """Readable alerts (e-mail, SMS, HTTPS, push)."""
    chat_topic_arn: pulumi.Input[str]
    """Chatbot custom notifications (Slack, Teams)."""
    alert_key_arn: pulumi.Input[str]
    log_retention_days: int
    protect: bool
    paging: bool = True
    """The stack is awake (docs/sleep.md); asleep and waking the alarms' actions are off (the
    alerting rules that route them are disabled too)."""
    sleeps: bool = False
    """The stack has a sleep schedule: on EKS, Prometheus evaluates the wake gate
    (monitoring/sleep) and Alertmanager holds back every alert while it fires."""
    waking: bool = False
    """The platform is being created (docs/sleep.md): on EKS, Alertmanager routes every alert
    to nobody. Asleep the nodes are at zero and the release keeps the day's values, so going
    to sleep upgrades no release on nodes that are leaving."""


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
        specs = [*specs, state_backup_alarm(platform.environment_name)]
        alarms = [self._alarm(name, platform.environment_name, spec, args.paging) for spec in specs]
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
            container_insights(self, name, platform.kubernetes, account, args)
            self.grafana_url = prometheus_stack(self, name, platform.kubernetes, account, args)
        self.register_outputs({"dashboardName": self.dashboard_name, "alarmArns": self.alarm_arns})

    def _alarm(
        self, name: str, env: str, spec: AlarmSpec, paging: bool
    ) -> aws.cloudwatch.MetricAlarm:
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
            actions_enabled=paging,
            # No alarm/OK actions: the alerting EventBridge rule routes every `<env>-*` alarm's
            # ALARM and recovery to the topic as one readable line. Direct actions would send
            # each transition twice, and an OK for every new alarm's first evaluation.
            opts=pulumi.ResourceOptions(parent=self),
        )
