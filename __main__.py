"""Apache Airflow on AWS: one program, the platform chosen per stack.

Reads like the architecture: settings, network, the alert topic, what the DAGs share, the
chosen Airflow platform (MWAA or EKS + the official chart), its observability, a few outputs.
"""

from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.alerting import Alerting, AlertingArgs
from components.eks import EksPlatform, EksPlatformArgs
from components.mwaa import MwaaAirflow, MwaaArgs
from components.network import Network, NetworkArgs
from components.observability import Observability, ObservabilityArgs
from components.schedule import desired_phase, next_change, now
from components.settings import from_pulumi
from components.workspace import AirflowWorkspace, WorkspaceArgs

HERE = Path(__file__).resolve().parent

settings = from_pulumi()
name = settings.environment_name
retention = settings.stack_settings.log_retention_days
# Awake, waking or asleep: a function of the settings and the time (docs/sleep.md), so a
# deploy at any hour converges to what the schedule says.
at = now()
phase = desired_phase(settings.schedule, settings.architecture, at)
asleep = phase == "asleep"
paging = phase == "awake"

# Providers are the only resources declared here: every AWS resource inherits the
# cost-allocation tags through the provider's default tags.
aws_provider = aws.Provider("aws", region=settings.region, default_tags={"tags": settings.tags})
opts = pulumi.ResourceOptions(providers={"aws": aws_provider})

network = Network(
    name,
    NetworkArgs(
        settings=settings.network,
        log_retention_days=retention,
        protect=settings.protect,
        architecture=settings.architecture,
        mwaa_private_web_server=settings.mwaa_private_web_server,
        asleep=asleep,
    ),
    opts=opts,
)
alerting = Alerting(
    name,
    AlertingArgs(
        settings=settings.alerting,
        environment_name=name,
        architecture=settings.architecture,
        budget_tag=("Environment", settings.stack),
        protect=settings.protect,
        paging=paging,
    ),
    opts=opts,
)
workspace = AirflowWorkspace(
    name,
    WorkspaceArgs(
        environment_name=name,
        alert_topic_arn=alerting.topic_arn,
        chat_topic_arn=alerting.chat_topic_arn,
        alert_key_arn=alerting.key_arn,
        protect=settings.protect,
        state_backup_days=settings.stack_settings.state_backup_days,
    ),
    opts=opts,
)

if settings.architecture == "mwaa":
    platform = MwaaAirflow(
        name,
        MwaaArgs(
            mwaa=settings.mwaa,
            airflow=settings.airflow,
            environment_name=name,
            vpc_id=network.vpc_id,
            vpc_cidr=network.vpc_cidr,
            subnet_ids=network.mwaa_subnet_ids,
            task_policy_json=workspace.task_policy_json,
            dags_dir=HERE / "dags",
            extras_dir=HERE / "mwaa",
            log_retention_days=retention,
            protect=settings.protect,
            internet_egress=network.internet_egress,
            egress_ready=network.egress_ready,
            shared_vpc=network.shared_vpc,
            access=settings.access,
            asleep=asleep,
        ),
        opts=opts,
    ).platform
else:
    platform = EksPlatform(
        name,
        EksPlatformArgs(
            eks=settings.eks,
            airflow=settings.airflow,
            environment_name=name,
            vpc_id=network.vpc_id,
            vpc_cidr=network.vpc_cidr,
            private_subnet_ids=network.private_subnet_ids,
            public_subnet_ids=network.public_subnet_ids,
            task_policy_json=workspace.task_policy_json,
            data_key_arn=workspace.key_arn,
            log_retention_days=retention,
            protect=settings.protect,
            cost_tags=settings.tags,
            internet_egress=network.internet_egress,
            egress_ready=network.egress_ready,
            access=settings.access,
            asleep=asleep,
            scheduled=settings.schedule.scheduled,
        ),
        opts=opts,
    ).platform

observability = Observability(
    name,
    ObservabilityArgs(
        platform=platform,
        thresholds=settings.observability,
        eks=settings.eks if settings.architecture == "eks" else None,
        alert_topic_arn=alerting.topic_arn,
        chat_topic_arn=alerting.chat_topic_arn,
        alert_key_arn=alerting.key_arn,
        log_retention_days=retention,
        protect=settings.protect,
        paging=paging,
        sleeps=settings.schedule.scheduled,
        waking=phase == "waking",
    ),
    opts=opts,
)

pulumi.export("architecture", settings.architecture)
pulumi.export("webUrl", platform.web_url)
pulumi.export("dagLocation", platform.dag_location)
pulumi.export("alertTopicArn", alerting.topic_arn)
pulumi.export("chatTopicArn", alerting.chat_topic_arn)
pulumi.export("dataBucket", workspace.data_bucket)
pulumi.export("dashboard", observability.dashboard_name)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("phase", phase)
change = next_change(settings.schedule, settings.architecture, at)
pulumi.export("nextPhaseChange", f"{change[1]} at {change[0].isoformat()}" if change else "never")
for key, value in platform.exports.items():
    pulumi.export(key, value)
