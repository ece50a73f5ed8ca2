"""Settings: defaults per architecture, and one clear line per mistake, naming the setting."""

from __future__ import annotations

from typing import Any

import pytest

from components.settings import SettingsError, load
from tests.conftest import settings_for
from tools.mocks import (
    EXAMPLE_IMAGE_REGISTRY,
    EXAMPLE_PRIVATE_SUBNET_IDS,
    EXAMPLE_VPC_GIT,
    EXAMPLE_VPC_ID,
)


def test_architecture_defaults_differ_between_mwaa_and_eks() -> None:
    dev = settings_for("mwaa")
    prod = settings_for("eks")
    assert (dev.network.az_count, dev.network.nat_strategy) == (2, "single")
    assert (prod.network.az_count, prod.network.nat_strategy) == (3, "per-az")


def test_values_arrive_as_config_strings() -> None:
    s = settings_for("mwaa", azCount="3", protect="false", alertEmails='["a@example.com"]')
    assert s.network.az_count == 3
    assert s.protect is False
    assert s.alerting.emails == ("a@example.com",)


def test_environment_name_defaults_to_stack() -> None:
    assert settings_for("mwaa", stack="dev").environment_name == "airflow-dev"
    assert settings_for("mwaa", environmentName="data-af").environment_name == "data-af"


def test_tags_carry_cost_allocation_keys() -> None:
    s = settings_for("mwaa", stack="dev", owner="team-a", costCenter="cc-42")
    assert s.tags == {
        "Project": "airflow",
        "Environment": "dev",
        "ManagedBy": "pulumi",
        "Owner": "team-a",
        "CostCenter": "cc-42",
    }


def test_existing_network_keeps_no_zone_count_or_nat_of_its_own() -> None:
    s = settings_for("eks", existingVpcId=VPC, existingPrivateSubnetIds=SUBNETS)
    assert s.network.existing and s.network.existing_private_subnet_ids == tuple(SUBNETS)
    assert (s.network.az_count, s.network.nat_strategy) == (0, "")  # not ours to choose


def test_micro_is_a_valid_dev_choice_with_its_limits() -> None:
    s = settings_for(
        "mwaa",
        mwaaEnvironmentClass="mw1.micro",
        mwaaSchedulers=1,
        mwaaMinWebservers=1,
        mwaaMaxWebservers=1,
        mwaaMaxWorkers=1,
    )
    assert (s.mwaa.schedulers, s.mwaa.min_workers, s.mwaa.max_workers) == (1, 1, 1)


def test_a_typo_in_a_new_network_key_is_named_with_the_closest_key() -> None:
    with pytest.raises(SettingsError) as err:
        settings_for("mwaa", existingVpcID=VPC, egres="endpoints", mwaaEndpointManagment="CUSTOMER")
    assert str(err.value).splitlines() == [
        "egres: is not a setting of this project; did you mean egress?",
        "existingVpcID: is not a setting of this project; did you mean existingVpcId?",
        "mwaaEndpointManagment: is not a setting of this project; did you mean "
        "mwaaEndpointManagement?",
    ]


def test_a_stack_still_pinning_the_chart_version_is_told_about_the_lock() -> None:
    with pytest.raises(SettingsError) as err:
        settings_for("eks", airflowChartVersion="1.18.0")
    assert str(err.value).splitlines() == [
        "airflowChartVersion: is not a setting of this project; charts.lock.yaml pins every "
        "chart version now (docs/charts.md); remove it from the stack file"
    ]


def test_every_mistake_is_reported_on_its_own_line() -> None:
    with pytest.raises(SettingsError) as err:
        settings_for("mwaa", azCount=1, vpcCidr="nope", alertEmails=["x@"])
    lines = str(err.value).splitlines()
    assert len(lines) == 3
    assert {line.split(":")[0] for line in lines} == {"azCount", "vpcCidr", "alertEmails"}


VPC = EXAMPLE_VPC_ID
SUBNETS = EXAMPLE_PRIVATE_SUBNET_IDS[:2]
PUSH_APP = "arn:aws:sns:us-east-1:111122223333:app/GCM/oncall"
PUSH_ENDPOINT = (
    "arn:aws:sns:us-east-1:111122223333:endpoint/GCM/oncall/5d2e3b3c-1111-2222-3333-444455556666"
)

CERT = "arn:aws:acm:us-east-1:111122223333:certificate/0f6b3a1e-2b7c-4a8e-9c1d-1234567890ab"
ROLE = "arn:aws:iam::111122223333:role/airflow-github-preview-prod"
BAD: list[tuple[str, dict[str, Any], str]] = [
    # (architecture, settings, the one line expected)
    ("mwaa", {"architecture": "kubernetes"}, "architecture: 'kubernetes' is not one of mwaa, eks"),
    ("mwaa", {"vpcCidr": "10.0.0.0/33"}, "vpcCidr: '10.0.0.0/33' is not an IPv4 network"),
    ("mwaa", {"vpcCidr": "10.0.0.1/16"}, "vpcCidr: '10.0.0.1/16' is not an IPv4 network"),
    ("mwaa", {"vpcCidr": "10.0.0.0/8"}, "vpcCidr: '10.0.0.0/8' must be a /16 to /22 network"),
    ("mwaa", {"vpcCidr": "8.8.0.0/16"}, "vpcCidr: '8.8.0.0/16' must be a private"),
    ("mwaa", {"azCount": 1}, "azCount: 1 must be 2 to 6 (0: the architecture's default)"),
    ("mwaa", {"azCount": -1}, "azCount: -1 must be 2 to 6"),
    ("mwaa", {"azCount": 7}, "azCount: 7 must be 2 to 6"),
    ("mwaa", {"azCount": "two"}, "azCount: 'two' must be a whole number"),
    ("mwaa", {"natStrategy": "none"}, "natStrategy: 'none' is not one of single, per-az"),
    ("mwaa", {"protect": "maybe"}, "protect: 'maybe' must be true or false"),
    # network modes
    ("mwaa", {"egress": "none"}, "egress: 'none' is not one of nat, endpoints"),
    ("mwaa", {"egress": "endpoints", "natStrategy": "single"}, "natStrategy: has no effect with"),
    ("eks", {"egress": "endpoints"}, "eksImageRegistry: is required on eks with egress endpoints"),
    # issue 21, item 1: git-sync's clone needs a Git host the VPC reaches, or the release fails
    (
        "eks",
        {"egress": "endpoints", "eksImageRegistry": EXAMPLE_IMAGE_REGISTRY},
        "dagsRepoUrl: git-sync cannot reach github.com with egress endpoints (no internet)",
    ),
    (
        "eks",
        {
            "egress": "endpoints",
            "eksImageRegistry": EXAMPLE_IMAGE_REGISTRY,
            **EXAMPLE_VPC_GIT,
            "dagsRepoVpcHost": "git.airflow.internl",
        },
        "dagsRepoVpcHost: 'git.airflow.internl' is not the host of dagsRepoUrl",
    ),
    (
        "eks",
        {"eksImageRegistry": "docker.io"},
        "eksImageRegistry: 'docker.io' is not an ECR registry host",
    ),
    (
        "eks",
        {"egress": "endpoints", "eksImageRegistry": "111122223333.dkr.ecr.eu-west-1.amazonaws.com"},
        "eksImageRegistry: is in eu-west-1, not in aws:region us-east-1",
    ),
    # issue 21, item 2: Docker Hub images through an authenticated pull-through cache
    (
        "eks",
        {"eksDockerHubSecret": "docker-hub-token"},
        "eksDockerHubSecret: 'docker-hub-token' is not a secret name ECR's pull-through cache "
        "accepts (ecr-pullthroughcache/",
    ),
    (
        "eks",
        {"eksDockerHubCachePrefix": "Docker_Hub"},
        "eksDockerHubCachePrefix: 'Docker_Hub' is not an ECR repository prefix",
    ),
    (
        "eks",
        {"eksDockerHubCachePrefix": "airflow-production-eu/docker-hub"},
        "eksDockerHubCachePrefix: 'airflow-production-eu/docker-hub' is not an ECR repository",
    ),
    ("mwaa", {"existingVpcId": "vpc-123"}, "existingVpcId: 'vpc-123' is not a VPC id"),
    ("mwaa", {"existingVpcId": VPC}, "existingPrivateSubnetIds: needs at least two subnets"),
    (
        "mwaa",
        {"existingVpcId": VPC, "existingPrivateSubnetIds": [SUBNETS[0], SUBNETS[0]]},
        "dd44'] has duplicate subnet ids",
    ),
    (
        "mwaa",
        {"existingVpcId": VPC, "existingPrivateSubnetIds": ["subnet-12"]},
        "existingPrivateSubnetIds: entry 'subnet-12' is not a subnet id",
    ),
    (
        "eks",
        {"existingVpcId": VPC, "existingPrivateSubnetIds": SUBNETS, "existingPublicSubnetIds": []},
        "existingPublicSubnetIds: is not a setting of this project",
    ),
    ("mwaa", {"existingPrivateSubnetIds": SUBNETS}, "existingVpcId: is required when existingPriv"),
    *[
        (
            "mwaa",
            {"existingVpcId": VPC, "existingPrivateSubnetIds": SUBNETS, key: value},
            f"{key}: applies only to a VPC the program creates; remove it when existingVpcId",
        )
        for key, value in (
            ("vpcCidr", "10.1.0.0/16"),
            ("azCount", 3),
            ("natStrategy", "per-az"),
            ("egress", "endpoints"),
        )
    ],
    (
        "mwaa",
        {"mwaaEndpointManagement": "CUSTOMER"},
        "mwaaEndpointManagement: CUSTOMER needs existingVpcId",
    ),
    (
        "mwaa",
        {"mwaaEndpointManagement": "customer"},
        "mwaaEndpointManagement: 'customer' is not one of SERVICE, CUSTOMER",
    ),
    (
        "mwaa",
        {"mwaaWorkerReplacementStrategy": "ROLLING"},
        "mwaaWorkerReplacementStrategy: 'ROLLING' is not one of GRACEFUL, FORCED",
    ),
    (
        "mwaa",
        {"aws:region": "ca-west-1"},
        "mwaaWorkerReplacementStrategy: GRACEFUL is not offered in ca-west-1",
    ),
    (
        "mwaa",
        {"aws:region": "ap-southeast-5"},
        "mwaaWorkerReplacementStrategy: GRACEFUL is not offered in ap-southeast-5",
    ),
    ("mwaa", {"azCont": 3}, "azCont: is not a setting of this project; did you mean azCount?"),
    ("mwaa", {"logRetentionDays": 10}, "logRetentionDays: 10 is not a CloudWatch retention period"),
    ("mwaa", {"environmentName": "9lives"}, "environmentName: '9lives' is not 2-24 lower-case"),
    ("mwaa", {"environmentName": "a" * 25}, "environmentName: 'aaaaaaaaaaaaaaaaaaaaaaaaa' is not"),
    ("mwaa", {"environmentName": "data_af"}, "environmentName: 'data_af' is not 2-24"),
    ("mwaa", {"environmentName": "Data-AF"}, "environmentName: 'Data-AF' is not 2-24"),
    ("mwaa", {"owner": "bad<tag>"}, "owner: 'bad<tag>' is not a valid tag value"),
    (
        "mwaa",
        {"policyExceptions": ["s3-versioning"]},
        "policyExceptions: entry 's3-versioning' is not",
    ),
    ("mwaa", {"aws:region": "mars-1"}, "aws:region: 'mars-1' is not an AWS region name"),
    # alerting
    ("mwaa", {"alertEmails": ["ops@"]}, "alertEmails: entry 'ops@' is not a valid e-mail address"),
    ("mwaa", {"alertEmails": ["a@b.io", "a@b.io"]}, "alertEmails: "),
    (
        "mwaa",
        {"alertSmsNumbers": ["0612345678"]},
        "alertSmsNumbers: entry '0612345678' is not an E.164",
    ),
    (
        "mwaa",
        {"alertHttpsEndpoints": ["http://x.io"]},
        "alertHttpsEndpoints: entry 'http://x.io' is not",
    ),
    ("mwaa", {"slackTeamId": "T0123ABCD"}, "slackChannelId: must be set together with slackTeamId"),
    ("mwaa", {"slackChannelId": "lower"}, "slackChannelId: 'lower' is not a Slack id"),
    ("mwaa", {"teamsTenantId": "not-a-uuid"}, "teamsTenantId: 'not-a-uuid' is not a UUID"),
    ("mwaa", {"teamsChannelId": "19:abc@thread.tacv2"}, "teamsTenantId, teamsTeamId: must be set"),
    ("mwaa", {"pushPlatformApplicationArn": "arn:aws:sns:x"}, "pushPlatformApplicationArn: "),
    (
        "mwaa",
        {"pushEndpointArns": [PUSH_ENDPOINT]},
        "pushEndpointArns: needs pushPlatformApplicationArn",
    ),
    (
        "mwaa",
        {
            "pushPlatformApplicationArn": PUSH_APP.replace("oncall", "other"),
            "pushEndpointArns": [PUSH_ENDPOINT],
        },
        "pushEndpointArns: entry 'arn:aws:sns:us-east-1:111122223333:endpoint/GCM/oncall/",
    ),
    ("mwaa", {"monthlyBudgetUsd": 0}, "monthlyBudgetUsd: 0 must be at least 1"),
    ("mwaa", {"budgetThresholdsPercent": [0]}, "budgetThresholdsPercent: entry 0 is not between"),
    ("mwaa", {"budgetThresholdsPercent": []}, "budgetThresholdsPercent: [] needs one or two"),
    (
        "mwaa",
        {"budgetThresholdsPercent": [50, 80, 100]},
        "budgetThresholdsPercent: [50, 80, 100] n",
    ),
    # airflow
    (
        "mwaa",
        {"airflowVersion": "3.4.0"},
        "airflowVersion: '3.4.0' is not in MWAA's version table (2.7.2, 2.8.1, 2.9.2, 2.10.1, "
        "2.10.3, 2.11.0, 3.0.6, 3.2.1, 3.3.1); if MWAA offers it, add it to "
        "MWAA_AIRFLOW_VERSIONS in components/settings/versions.py citing AWS's source",
    ),
    ("mwaa", {"airflowVersion": "3.3"}, "airflowVersion: '3.3' is not an Airflow release number"),
    ("mwaa", {"airflowConfigOptions": ["nokey"]}, "airflowConfigOptions: entry 'nokey' is not"),
    ("mwaa", {"airflowConfigOptions": ["core.load_examples=True"]}, "which the program manages"),
    ("eks", {"airflowConfigOptions": ["api.base_url=http://x"]}, "sets api.base_url, which"),
    (
        "eks",
        {"airflowConfigOptions": ["core.hostname_callable=socket.getfqdn"]},
        "sets core.hostname_callable, which the program manages",
    ),
    # The parse interval's section is [dag_processor] on Airflow 3 and [scheduler] on Airflow 2;
    # each version ignores the other's name, which would also be sent beside the program's.
    (
        "mwaa",
        {"airflowConfigOptions": ["scheduler.min_file_process_interval=30"]},
        "airflowConfigOptions: scheduler.min_file_process_interval is Airflow 2's name, which "
        "Airflow 3.3.1 does not read; set dag_processor.min_file_process_interval",
    ),
    (
        "mwaa",
        {
            "airflowVersion": "2.11.0",
            "airflowConfigOptions": ["dag_processor.min_file_process_interval=30"],
        },
        "airflowConfigOptions: dag_processor.min_file_process_interval is Airflow 3's name, "
        "which Airflow 2.11.0 does not read; set scheduler.min_file_process_interval",
    ),
    (
        "eks",
        {"airflowConfigOptions": ["scheduler.min_file_process_interval=30"]},
        "scheduler.min_file_process_interval is Airflow 2's name, which Airflow 3.3.1 does",
    ),
    ("mwaa", {"airflowLogLevel": "TRACE"}, "airflowLogLevel: 'TRACE' is not one of CRITICAL"),
    # mwaa
    (
        "mwaa",
        {"mwaaEnvironmentClass": "mw1.huge"},
        "mwaaEnvironmentClass: 'mw1.huge' is not one of",
    ),
    ("mwaa", {"mwaaMinWorkers": 0}, "mwaaMinWorkers: 0 must be at least 1"),
    ("mwaa", {"mwaaMaxWorkers": 26}, "mwaaMaxWorkers: 26 must be at most 25"),
    ("mwaa", {"mwaaMinWorkers": 5, "mwaaMaxWorkers": 2}, "mwaaMinWorkers: 5 is more than"),
    ("mwaa", {"mwaaSchedulers": 1}, "mwaaSchedulers: 1 must be at least 2"),
    ("mwaa", {"mwaaSchedulers": 6}, "mwaaSchedulers: 6 must be at most 5"),
    (
        "mwaa",
        {"mwaaEnvironmentClass": "mw1.micro"},
        "mwaaSchedulers: 2 is not allowed on mw1.micro",
    ),
    (
        "mwaa",
        {"mwaaEnvironmentClass": "mw1.micro"},
        "mwaaMaxWorkers: 5 is not allowed on mw1.micro, which runs exactly 1",
    ),
    ("mwaa", {"mwaaMinWebservers": 3}, "mwaaMinWebservers: 3 is more than mwaaMaxWebservers"),
    ("mwaa", {"mwaaMaintenanceWindow": "SUN:03:15"}, "mwaaMaintenanceWindow: 'SUN:03:15' is not"),
    ("mwaa", {"mwaaPublicWebserver": "yes please"}, "mwaaPublicWebserver: 'yes please' must be"),
    # eks
    ("eks", {"dagsRepoUrl": ""}, "dagsRepoUrl: is required on eks"),
    ("eks", {"dagsRepoUrl": "ftp://x"}, "dagsRepoUrl: 'ftp://x' is not an https:// repository"),
    ("eks", {"eksKubernetesVersion": "1.29"}, "eksKubernetesVersion: '1.29' is not an EKS version"),
    ("eks", {"eksPublicAccessCidrs": ["0.0.0.0/0"]}, "opens the endpoint to the whole internet"),
    ("eks", {"eksPublicAccessCidrs": ["1.2.3.4/40"]}, "eksPublicAccessCidrs: entry '1.2.3.4/40'"),
    ("eks", {"eksPublicEndpoint": True}, "eksPublicAccessCidrs: must list CIDRs"),
    (
        "eks",
        {"eksApiAccessCidrs": ["0.0.0.0/0"]},
        "eksApiAccessCidrs: entry '0.0.0.0/0' is not a priv",
    ),
    (
        "eks",
        {"eksApiAccessCidrs": ["10.0.0.0/40"]},
        "eksApiAccessCidrs: entry '10.0.0.0/40' is not",
    ),
    ("eks", {"eksAdminRoleArns": ["admin"]}, "eksAdminRoleArns: entry 'admin' is not an IAM role"),
    ("eks", {"eksViewerRoleArns": ["arn:aws:iam::1:role/x"]}, "eksViewerRoleArns: entry 'arn:aws"),
    (
        "eks",
        {"eksWorkerInstanceTypes": ["m7g.huge"]},
        "entry 'm7g.huge' is not an EC2 instance type",
    ),
    ("eks", {"eksWorkerInstanceTypes": []}, "eksWorkerInstanceTypes: [] needs 1 to 20"),
    ("eks", {"eksWorkerInstanceTypes": ["m5.large"]}, "m5.large do not run arm64"),
    ("eks", {"eksSystemMinNodes": 4}, "eksSystemDesiredNodes: needs eksSystemMinNodes <="),
    ("eks", {"eksWorkerDesiredNodes": 11}, "eksWorkerDesiredNodes: needs eksWorkerMinNodes <="),
    ("eks", {"eksWorkerMinNodes": -1}, "eksWorkerMinNodes: -1 must be at least 0"),
    ("eks", {"eksNodeDiskGib": 8}, "eksNodeDiskGib: 8 must be at least 20"),
    (
        "eks",
        {"eksCertificateArn": "arn:aws:acm:x"},
        "eksCertificateArn: 'arn:aws:acm:x' is not an ACM",
    ),
    (
        "eks",
        {"eksCertificateArn": CERT},
        "webHostname: required when eksCertificateArn is set",
    ),
    ("eks", {"webHostname": "Airflow.Example.com"}, "webHostname: 'Airflow.Example.com' is not"),
    ("eks", {"webHostname": "https://a.example.com"}, "webHostname: 'https://a.example.com' is"),
    ("eks", {"webHostname": "intranet"}, "webHostname: 'intranet' is not a DNS host name"),
    ("eks", {"webHostname": "a-.example.com"}, "webHostname: 'a-.example.com' is not a DNS"),
    ("eks", {"webHostname": f"{'a' * 64}.example.com"}, "webHostname: 'aaaaaaaaaaaaaaaaaa"),
    (
        "eks",
        {"eksPreviewRoleArns": [ROLE]},
        "eksPreviewRoleArns: is not a setting of this project; move its roles to eksViewerRoleArns",
    ),
    (
        "eks",
        {"eksViewerRoleArns": ["arn:aws:iam::111122223333:user/ci"]},
        "eksViewerRoleArns: entry 'arn:aws:iam::111122223333:user/ci' is not an IAM role",
    ),
    (
        "eks",
        {
            "eksAdminRoleArns": [ROLE],
            "eksViewerRoleArns": ["arn:aws:iam::111122223333:role/b", ROLE],
        },
        f"eksViewerRoleArns: '{ROLE}' is also in eksAdminRoleArns; list each role in one",
    ),
    ("eks", {"eksViewerRoleArns": [ROLE, ROLE]}, f"eksViewerRoleArns: '{ROLE}' is listed twice"),
    ("eks", {"eksAdminRoleArns": [ROLE, ROLE]}, f"eksAdminRoleArns: '{ROLE}' is listed twice"),
    ("eks", {"eksWebClientCidrs": ["8.8.8.0/24"]}, "eksWebClientCidrs: entry '8.8.8.0/24' is not"),
    ("eks", {"eksWebClientCidrs": ["10.8.0.1/16"]}, "eksWebClientCidrs: entry '10.8.0.1/16' is"),
    (
        "eks",
        {"eksWebClientCidrs": ["127.0.0.0/8"]},
        "eksWebClientCidrs: entry '127.0.0.0/8' is not",
    ),
    (
        "eks",
        {"eksWebClientCidrs": ["100.0.0.0/8"]},
        "eksWebClientCidrs: entry '100.0.0.0/8' is not",
    ),
    (
        "eks",
        {"eksWebClientCidrs": [f"10.{i}.0.0/16" for i in range(26)]},
        "lists 26 networks, at most 25 are allowed (each takes 2 of the 60 inbound rules",
    ),
    (
        "eks",
        {"eksWebClientCidrs": ["10.8.0.0/16"] * 2},
        "'10.8.0.0/16'] has duplicate networks",
    ),
    ("eks", {"airflowSchedulerReplicas": 1}, "airflowSchedulerReplicas: 1 must be at least 2"),
    ("eks", {"airflowApiServerReplicas": 1}, "airflowApiServerReplicas: 1 must be at least 2"),
    ("eks", {"airflowMinWorkers": 9, "airflowMaxWorkers": 3}, "airflowMinWorkers: 9 is more than"),
    ("eks", {"airflowVersion": "2.10.3"}, "airflowVersion: '2.10.3' is not one the eks platform"),
    ("eks", {"dagsRepoBranch": "a..b"}, "dagsRepoBranch: 'a..b' is not a branch name"),
    ("eks", {"dagsRepoSubPath": "/abs"}, "dagsRepoSubPath: '/abs' is not a relative folder"),
    ("eks", {"dagsRepoUsername": "bot"}, "dagsRepoToken: dagsRepoUsername and dagsRepoToken"),
    (
        "eks",
        {"dbInstanceClass": "t4g.small"},
        "dbInstanceClass: 't4g.small' is not an RDS instance",
    ),
    ("eks", {"dbAllocatedStorageGib": 10}, "dbAllocatedStorageGib: 10 must be at least 20"),
    (
        "eks",
        {"dbMaxAllocatedStorageGib": 50, "dbAllocatedStorageGib": 60},
        "dbMaxAllocatedStorageGib:",
    ),
    ("eks", {"dbBackupRetentionDays": 3}, "dbBackupRetentionDays: 3 must be at least 7"),
    ("eks", {"queueMode": "sqs"}, "queueMode: 'sqs' is not one of elasticache, in-cluster"),
    ("eks", {"cacheNodeType": "t4g.micro"}, "cacheNodeType: 't4g.micro' is not an ElastiCache"),
    (
        "eks",
        {"prometheusRetention": "forever"},
        "prometheusRetention: 'forever' is not a Prometheus",
    ),
    ("eks", {"prometheusStorageGib": 0}, "prometheusStorageGib: 0 must be at least 10"),
    ("eks", {"eksNodeArch": "riscv"}, "eksNodeArch: 'riscv' is not one of arm64, x86_64"),
    ("eks", {"eksWorkerCapacityType": "RESERVED"}, "eksWorkerCapacityType: 'RESERVED' is not one"),
    ("eks", {"airflowWorkerConcurrency": 0}, "airflowWorkerConcurrency: 0 must be at least 1"),
    ("eks", {"eksSystemMaxNodes": 0}, "eksSystemMaxNodes: 0 must be at least 1"),
    ("eks", {"eksWorkerMaxNodes": 501}, "eksWorkerMaxNodes: 501 must be at most 500"),
    ("eks", {"eksSystemInstanceTypes": ["t3.medium"]}, "eksSystemInstanceTypes: t3.medium do not"),
    ("eks", {"dagsRepoUrl": "git@github.com:org/repo.git"}, "dagsRepoUrl: 'git@github.com:org/r"),
    # observability
    ("mwaa", {"alarmCpuPercent": 101}, "alarmCpuPercent: 101 must be at most 100"),
    ("mwaa", {"alarmQueuedTaskAgeSeconds": 0}, "alarmQueuedTaskAgeSeconds: 0 must be at least 60"),
    ("mwaa", {"alarmTaskFailures": 0}, "alarmTaskFailures: 0 must be at least 1"),
    ("mwaa", {"alarmMemoryPercent": 0}, "alarmMemoryPercent: 0 must be at least 1"),
    ("mwaa", {"alarmDbFreeableMemoryMib": 8}, "alarmDbFreeableMemoryMib: 8 must be at least 16"),
    ("mwaa", {"alarmDbFreeStorageGib": 0}, "alarmDbFreeStorageGib: 0 must be at least 1"),
    ("mwaa", {"alarmDbConnections": 0}, "alarmDbConnections: 0 must be at least 1"),
]


@pytest.mark.parametrize(
    ("architecture", "overrides", "expected"), BAD, ids=[b[2][:40] for b in BAD]
)
def test_bad_setting_is_refused_with_one_named_line(
    architecture: str, overrides: dict[str, Any], expected: str
) -> None:
    with pytest.raises(SettingsError) as err:
        settings_for(architecture, **overrides)
    message = str(err.value)
    assert expected in message
    assert all(":" in line and not line.startswith(" ") for line in message.splitlines())


def test_environment_name_derived_from_a_long_stack_name_is_refused() -> None:
    with pytest.raises(SettingsError) as err:
        settings_for("mwaa", stack="data-platform-staging-eu")
    assert str(err.value) == (
        "environmentName: 'airflow-data-platform-staging-eu' (from the stack name) is not 2-24 "
        "lower-case letters, digits and hyphens, starting with a letter; set environmentName"
    )
    assert settings_for(
        "mwaa", stack="data-platform-staging-eu", environmentName="af-stg-eu"
    ).environment_name == ("af-stg-eu")


def test_forced_updates_work_where_graceful_ones_are_not_offered() -> None:
    s = settings_for(
        "mwaa", **{"aws:region": "ca-west-1", "mwaaWorkerReplacementStrategy": "FORCED"}
    )
    assert s.mwaa.worker_replacement_strategy == "FORCED"
    assert settings_for("eks", **{"aws:region": "ap-southeast-5"}).region == "ap-southeast-5"


def test_region_is_required() -> None:
    with pytest.raises(SettingsError, match=r"^aws:region: is required"):
        load("airflow", "dev", {"airflow:architecture": "mwaa"})


def test_architecture_is_required() -> None:
    with pytest.raises(SettingsError, match=r"^architecture: is required$"):
        load("airflow", "dev", {"aws:region": "us-east-1"})


def test_other_namespaces_are_not_checked() -> None:
    s = load(
        "airflow",
        "dev",
        {"aws:region": "us-east-1", "airflow:architecture": "mwaa", "aws:profile": "x"},
    )
    assert s.region == "us-east-1"


def test_policy_exceptions_become_a_map() -> None:
    s = settings_for(
        "mwaa", policyExceptions=["rds-multi-az: dev runs a single instance on purpose"]
    )
    assert s.policy_exceptions == {"rds-multi-az": "dev runs a single instance on purpose"}


def test_airflow_options_become_a_map() -> None:
    s = settings_for("mwaa", airflowConfigOptions=["core.default_timezone=utc", "webserver.x=a=b"])
    assert s.airflow.options == {"core.default_timezone": "utc", "webserver.x": "a=b"}


def test_pulumi_up_reads_the_cli_config_and_fails_with_the_same_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`pulumi up` hands the program its config as PULUMI_CONFIG (JSON of strings)."""
    import json

    import pulumi
    from pulumi.runtime import config as runtime_config

    from components.settings import from_pulumi

    token = runtime_config.CONFIG.set({})  # nothing set in-process: only the CLI's config
    monkeypatch.setattr(pulumi, "get_project", lambda: "airflow")
    monkeypatch.setattr(pulumi, "get_stack", lambda: "dev")
    config = {
        "aws:region": "us-east-1",
        "airflow:architecture": "mwaa",
        "airflow:azCount": "2",
        "airflow:alertEmails": '["oncall@example.com"]',
    }
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(config))
    assert from_pulumi().alerting.emails == ("oncall@example.com",)
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({**config, "airflow:architecture": "k8s"}))
    with pytest.raises(SettingsError) as err:
        from_pulumi()
    assert str(err.value) == "architecture: 'k8s' is not one of mwaa, eks"
    assert isinstance(err.value, pulumi.RunError)  # printed without a stack trace
    runtime_config.CONFIG.reset(token)


def test_web_hostname_and_client_networks_are_accepted() -> None:
    eks = settings_for(
        "eks",
        eksCertificateArn=CERT,
        webHostname="airflow.data.example.com",
        eksWebClientCidrs=["10.8.0.0/16", "192.168.10.0/24", "100.64.0.0/10"],
    ).eks
    assert eks.web_hostname == "airflow.data.example.com"
    assert eks.web_client_cidrs == ("10.8.0.0/16", "192.168.10.0/24", "100.64.0.0/10")
    many = [f"10.{i}.0.0/16" for i in range(25)]
    assert settings_for("eks", eksWebClientCidrs=many).eks.web_client_cidrs == tuple(many)


def test_a_git_host_inside_the_vpc_lets_eks_run_without_internet() -> None:
    """issue 21, item 1: egress endpoints on eks load once dagsRepoVpcHost names the host of
    dagsRepoUrl (a Git server in the VPC), and git-sync is given that URL."""
    s = settings_for(
        "eks", egress="endpoints", eksImageRegistry=EXAMPLE_IMAGE_REGISTRY, **EXAMPLE_VPC_GIT
    )
    assert s.eks.dags_repo_url == EXAMPLE_VPC_GIT["dagsRepoUrl"]
    assert s.eks.dags_repo_vpc_host == EXAMPLE_VPC_GIT["dagsRepoVpcHost"]
    # With NAT, or on an existing VPC (its owner's to say), a public Git host is fine.
    assert settings_for("eks").eks.dags_repo_vpc_host == ""
