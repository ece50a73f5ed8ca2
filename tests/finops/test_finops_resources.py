"""Each priced resource kind against a hand-computed monthly cost (us-east-1, 730 h).

The arithmetic is written beside each expectation, from finops/prices.yaml and the
defaults of finops/usage.yaml, so a reviewer can check it without running anything.
"""

from __future__ import annotations

import pytest
from finops_helpers import items, monthly, res, warned

from finops import estimate

MWAA = "aws:mwaa/environment:Environment"
CLUSTER = "eks:index:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
INGRESS = "kubernetes:networking.k8s.io/v1:Ingress"
RELEASE = "kubernetes:helm.sh/v3:Release"
ALB = {"annotations": {"alb.ingress.kubernetes.io/group.name": "airflow"}}


def _template(name: str, gib: int, kind: str = "gp3") -> dict:
    devices = [{"deviceName": "/dev/xvda", "ebs": {"volumeSize": gib, "volumeType": kind}}]
    return res(TEMPLATE, name, blockDeviceMappings=devices)


def _group(name: str, instance: str, capacity: str, desired: int, **extra: object) -> dict:
    scaling = {"desiredSize": desired, "minSize": 0, "maxSize": 10}
    return res(
        NODE_GROUP,
        name,
        instanceTypes=[instance],
        capacityType=capacity,
        scalingConfig=scaling,
        **extra,
    )


# ---------------------------------------------------------------- MWAA


def test_mwaa_environment_with_extra_workers_schedulers_and_web_servers() -> None:
    env = res(
        MWAA,
        "env",
        environmentClass="mw1.small",
        minWorkers=3,
        maxWorkers=5,
        schedulers=3,
        minWebservers=3,
        maxWebservers=5,
    )
    report = estimate([env, res(LOG_GROUP, "task", name="airflow-env-Task", retentionInDays=30)])
    # environment 730 h x 0.49 = 357.70; 2 extra workers 2 x 730 x 0.055 = 80.30;
    # 1 extra scheduler 730 x 0.055 = 40.15; 1 extra web server 730 x 0.028 = 20.44;
    # metadata 10 GB x 0.10 = 1.00; Secrets Manager calls 4,500 tasks x 1.05 = 0.4725 x 10k
    # calls x 0.05 = 0.02  ->  499.61
    assert monthly(report, "env") == pytest.approx(499.61, abs=0.01)
    assert [line.monthly for line in items(report, "env")] == [
        357.70, 80.30, 40.15, 20.44, 1.00, 0.02
    ]  # fmt: skip


def test_mwaa_idle_baseline_includes_one_worker_two_schedulers_two_web_servers() -> None:
    env = res(
        MWAA,
        "env",
        environmentClass="mw1.medium",
        minWorkers=1,
        maxWorkers=10,
        schedulers=2,
        minWebservers=2,
    )
    report = estimate([env])
    # 730 x 0.74 = 540.20; metadata 1.00; MWAA-made task log group: 2 GB x 0.50 = 1.00
    assert monthly(report, "env") == pytest.approx(542.22, abs=0.01)  # + 0.02 secrets calls
    assert warned(report, "MWAA log groups are not pre-created")


# ---------------------------------------------------------------- EKS


def test_eks_control_plane_standard_support_has_no_warning() -> None:
    cluster = res(
        CLUSTER,
        "eks",
        version="1.35",
        upgradePolicy={"supportType": "STANDARD"},
        skipDefaultNodeGroup=True,
    )
    report = estimate([cluster])
    # 730 x 0.10 + Secrets Manager calls 45,000 tasks x 1.05 = 4.725 x 10k calls x 0.05 = 0.24
    assert monthly(report, "eks") == pytest.approx(73.24)
    assert report.warnings == []


@pytest.mark.parametrize("policy", [None, {"supportType": "EXTENDED"}])
def test_eks_extended_support_is_warned_with_its_price(policy: dict | None) -> None:
    inputs = {"version": "1.35", "skipDefaultNodeGroup": True}
    if policy:
        inputs["upgradePolicy"] = policy
    report = estimate([res(CLUSTER, "eks", **inputs)])
    assert monthly(report, "eks") == pytest.approx(73.24)
    # 0.60 x 730 = 438.00 a month once 1.35 leaves standard support
    assert warned(report, "EXTENDED", "$0.60/h", "$438.00/month", "1.35")


def test_pulumi_eks_default_node_group_is_priced_when_not_skipped() -> None:
    cluster = res(CLUSTER, "eks", version="1.35", upgradePolicy={"supportType": "STANDARD"})
    report = estimate([cluster])
    # control plane 73.00 + 2 x t3.medium 2 x 730 x 0.0416 = 60.74 + 2 x 20 GiB gp2 x 0.10 = 4.00
    assert monthly(report, "eks") == pytest.approx(137.98, abs=0.01)  # + 0.24 secrets calls
    assert warned(report, "skipDefaultNodeGroup")


def test_on_demand_node_group_with_launch_template_disk() -> None:
    plan = [
        _template("system-lt", 40),
        _group(
            "system",
            "t4g.medium",
            "ON_DEMAND",
            3,
            launchTemplate={"name": "system-lt", "version": "1"},
        ),
    ]
    report = estimate(plan)
    # 3 x 730 x 0.0336 = 73.58; disks 3 x 40 GiB x 0.08 = 9.60
    assert [line.monthly for line in items(report, "system")] == [73.58, 9.60]
    assert monthly(report, "system-lt") == 0  # the template itself is not a cost


def test_spot_node_group_costs_the_spot_factor_of_on_demand() -> None:
    plan = [
        _template("spot-template", 40),
        _group("workers", "m7g.large", "SPOT", 2, launchTemplate={"id": "spot-template_id"}),
    ]
    report = estimate(plan)  # mocks derive the template's id from its logical name
    # 0.0816 x 0.35 = 0.02856 /h; 2 x 730 x 0.02856 = 41.70; disks 2 x 40 x 0.08 = 6.40
    compute, disk = items(report, "workers")
    assert compute.unit_price == pytest.approx(0.02856)
    assert (compute.monthly, disk.monthly) == (41.70, 6.40)


def test_node_group_finds_its_template_by_name_convention_then_by_prefix() -> None:
    group = _group("workers", "m7g.large", "ON_DEMAND", 1, launchTemplate={"id": "lt-0abc"})
    exact = [_template("workers-lt", 80), _template("workers-lt-old", 10), group]
    prefix = [_template("workers-launch", 80), _template("system-lt", 10), group]
    # 730 x 0.0816 = 59.57; 80 GiB x 0.08 = 6.40
    assert monthly(estimate(exact), "workers") == pytest.approx(65.97, abs=0.01)
    assert monthly(estimate(prefix), "workers") == pytest.approx(65.97, abs=0.01)


def test_node_group_without_a_found_template_warns_and_uses_default_disk() -> None:
    plan = [_group("workers", "m7g.large", "ON_DEMAND", 1, launchTemplate={"id": "lt-0abc"})]
    report = estimate(plan)
    # 730 x 0.0816 = 59.57; default 20 GiB gp3 x 0.08 = 1.60
    assert monthly(report, "workers") == pytest.approx(61.17, abs=0.01)
    assert warned(report, "launch template not found")


def test_container_insights_prices_observations_per_node_and_its_own_log_groups() -> None:
    plan = [
        _group("system", "t4g.medium", "ON_DEMAND", 3),
        _group("workers", "m7g.large", "SPOT", 1),
        res("aws:eks/addon:Addon", "ci", addonName="amazon-cloudwatch-observability"),
        res("aws:eks/addon:Addon", "coredns", addonName="coredns"),
    ]
    report = estimate(plan)
    # 4 nodes x 24 M observations x 0.21 /M = 20.16; add-on-made log groups
    # (application 3 + dataplane 0.5 + host 0.5 GB) x 0.50 = 2.00
    assert [line.monthly for line in items(report, "ci")] == [20.16, 2.00]
    assert monthly(report, "coredns") == 0


# ---------------------------------------------------------------- network


def test_nat_gateway_hours_and_data_split_between_gateways_and_eip() -> None:
    plan = [
        res("aws:ec2/natGateway:NatGateway", "nat-a"),
        res("aws:ec2/natGateway:NatGateway", "nat-b"),
        res("aws:ec2/eip:Eip", "nat-a-ip", domain="vpc"),
        res(CLUSTER, "eks", upgradePolicy={"supportType": "STANDARD"}, skipDefaultNodeGroup=True),
    ]
    report = estimate(plan)
    # EKS platform: 100 GB a month, 50 GB per gateway x 0.045 = 2.25; 730 x 0.045 = 32.85
    assert [line.monthly for line in items(report, "nat-a")] == [32.85, 2.25]
    assert monthly(report, "nat-a-ip") == pytest.approx(3.65)  # 730 x 0.005


def test_interface_endpoint_bills_per_az_and_gateway_endpoint_is_free() -> None:
    plan = [
        res(
            "aws:ec2/vpcEndpoint:VpcEndpoint",
            "logs",
            vpcEndpointType="Interface",
            serviceName="com.amazonaws.us-east-1.logs",
            subnetIds=["a", "b", "c"],
        ),
        res("aws:ec2/vpcEndpoint:VpcEndpoint", "s3", vpcEndpointType="Gateway"),
    ]
    report = estimate(plan)
    # 3 AZ x 730 h x 0.01 = 21.90; the stack's egress (no platform: 10 GB) all through its one
    # interface endpoint, the same traffic NAT would carry: 10 x 0.01 = 0.10
    assert monthly(report, "logs") == pytest.approx(22.00)
    assert monthly(report, "s3") == 0
    assert len(items(report, "s3")) == 1
    assert report.warnings == []


def test_one_alb_per_ingress_group_and_none_for_other_classes() -> None:
    plan = [
        res(INGRESS, "ui", metadata=ALB, spec={"ingressClassName": "alb"}),
        res(INGRESS, "api", metadata=ALB, spec={"ingressClassName": "alb"}),
        res(INGRESS, "flower", metadata={}, spec={"ingressClassName": "alb"}),
        res(INGRESS, "nginx", metadata={}, spec={"ingressClassName": "nginx"}),
    ]
    report = estimate(plan)
    # one ALB: 730 x 0.0225 = 16.43 + 0.5 LCU x 730 x 0.008 = 2.92 -> 19.35
    assert monthly(report, "ui") == pytest.approx(19.35, abs=0.01)
    assert monthly(report, "api") == 0  # same group
    assert monthly(report, "flower") == pytest.approx(19.35, abs=0.01)  # no group: its own ALB
    assert monthly(report, "nginx") == 0


def test_a_declared_application_load_balancer_is_one_alb() -> None:
    plan = [
        res("aws:lb/loadBalancer:LoadBalancer", "ui-alb", loadBalancerType="application"),
        res("aws:lb/loadBalancer:LoadBalancer", "other", internal=True),  # type defaults to ALB
        res("aws:lb/loadBalancer:LoadBalancer", "nlb", loadBalancerType="network"),
    ]
    report = estimate(plan)
    # 730 x 0.0225 = 16.43 + 0.5 LCU x 730 x 0.008 = 2.92 -> 19.35 each
    assert monthly(report, "ui-alb") == pytest.approx(19.35, abs=0.01)
    assert monthly(report, "other") == pytest.approx(19.35, abs=0.01)
    assert monthly(report, "nlb") == 0


# ---------------------------------------------------------------- data stores


@pytest.mark.parametrize(("multi_az", "expected"), [(False, 25.66), (True, 51.32)])
def test_rds_single_and_multi_az_with_storage(multi_az: bool, expected: float) -> None:
    db = res(
        "aws:rds/instance:Instance",
        "db",
        engine="postgres",
        instanceClass="db.t4g.small",
        multiAz=multi_az,
        allocatedStorage=20,
        storageType="gp3",
        backupRetentionPeriod=7,
    )
    report = estimate([db])
    # single: 730 x 0.032 = 23.36 + 20 GB x 0.115 = 2.30; Multi-AZ doubles both: 46.72 + 4.60
    assert monthly(report, "db") == pytest.approx(expected)
    assert "free up to 100 %" in items(report, "db")[1].note


@pytest.mark.parametrize(("engine", "expected"), [("redis", 23.36), ("valkey", 18.69)])
def test_elasticache_prices_every_node(engine: str, expected: float) -> None:
    group = res(
        "aws:elasticache/replicationGroup:ReplicationGroup",
        "broker",
        engine=engine,
        nodeType="cache.t4g.micro",
        numCacheClusters=2,
    )
    # 2 x 730 x 0.016 = 23.36; Valkey 20 % less: 2 x 730 x 0.0128 = 18.69
    assert monthly(estimate([group]), "broker") == pytest.approx(expected)


def test_s3_bucket_storage_from_usage() -> None:
    report = estimate(
        [res("aws:s3/bucket:Bucket", "logs")], usage={"s3_gb_by_bucket": {"logs": 100}}
    )
    assert monthly(report, "logs") == pytest.approx(2.30)  # 100 GB x 0.023


# ---------------------------------------------------------------- security and observability


def test_kms_keys_and_secrets() -> None:
    plan = [res("aws:kms/key:Key", f"key-{i}", enableKeyRotation=True) for i in range(4)]
    plan += [res("aws:secretsmanager/secret:Secret", f"secret-{i}") for i in range(8)]
    report = estimate(plan)
    assert report.monthly_total == pytest.approx(7.20)  # 4 x 1.00 + 8 x 0.40
    assert "rotation" in items(report, "key-0")[0].note


def test_alarms_count_every_metric_of_a_metric_math_alarm() -> None:
    metric = {
        "namespace": "AWS/MWAA",
        "metricName": "CPUUtilization",
        "period": 300,
        "stat": "Average",
    }
    queries: list[dict[str, object]] = [{"id": f"m{i}", "metric": metric} for i in range(3)]
    queries.append({"id": "e", "expression": "MAX([m0, m1, m2])", "returnData": True})
    plan = [
        res("aws:cloudwatch/metricAlarm:MetricAlarm", "simple", metricName="x", period=300),
        res("aws:cloudwatch/metricAlarm:MetricAlarm", "math", metricQueries=queries),
        res("aws:cloudwatch/metricAlarm:MetricAlarm", "fast", metricName="x", period=10),
        res("aws:cloudwatch/dashboard:Dashboard", "board"),
    ]
    report = estimate(plan)
    assert monthly(report, "simple") == pytest.approx(0.10)  # 1 metric x 0.10
    assert monthly(report, "math") == pytest.approx(0.30)  # 3 metrics x 0.10, expression free
    assert monthly(report, "fast") == pytest.approx(0.30)  # high resolution x 0.30
    assert monthly(report, "board") == pytest.approx(3.00)


def test_log_groups_by_kind_with_retention_and_class() -> None:
    plan = [
        res(LOG_GROUP, "task", name="airflow-dev-Task", retentionInDays=30),
        res(LOG_GROUP, "flow", name="/aws/vpc/dev/flow-logs", retentionInDays=14),
        res(LOG_GROUP, "cp", name="/aws/eks/prod/cluster"),
        res(
            LOG_GROUP,
            "misc",
            name="/app/other",
            logGroupClass="INFREQUENT_ACCESS",
            retentionInDays=7,
        ),
    ]
    report = estimate(plan)
    # task: 2 GB x 0.50 = 1.00; storage 2 x (30 / 30.42) months x 0.15 x 0.03 = 0.01
    assert [line.monthly for line in items(report, "task")] == [1.00, 0.01]
    # flow logs: 3 GB x 0.50 = 1.50; storage 3 x 0.46 x 0.15 x 0.03 = 0.01
    assert [line.monthly for line in items(report, "flow")] == [1.50, 0.01]
    # control plane, no retention: 6 x 0.50 = 3.00; 12 months: 6 x 12 x 0.15 x 0.03 = 0.32
    assert [line.monthly for line in items(report, "cp")] == [3.00, 0.32]
    assert warned(report, "cp", "never expires")
    # infrequent access: 0.5 GB x 0.25 = 0.13 (0.125 rounds up)
    assert items(report, "misc")[0].unit_price == 0.25


def test_prometheus_volume_from_the_kube_prometheus_stack_release() -> None:
    storage = {"volumeClaimTemplate": {"spec": {"resources": {"requests": {"storage": "50Gi"}}}}}
    values = {"prometheus": {"prometheusSpec": {"storageSpec": storage}}}
    report = estimate([res(RELEASE, "monitoring", chart="kube-prometheus-stack", values=values)])
    assert monthly(report, "monitoring") == pytest.approx(4.00)  # 50 GiB x 0.08


def test_airflow_release_counts_idle_workers_and_the_charts_default_volumes() -> None:
    values = {
        "workers": {"keda": {"enabled": True, "minReplicaCount": 2, "maxReplicaCount": 10}},
        "ingress": {"web": {"enabled": True, "ingressClassName": "alb"}},
    }
    report = estimate([res(RELEASE, "airflow", chart="airflow", values=values)])
    pods, *rest = items(report, "airflow")
    assert (pods.quantity, pods.monthly) == (2, 0.0)
    # chart defaults: 10 retained worker PVCs x 100 GiB x 0.08 = 80.00; triggerer 100 GiB = 8.00;
    # Redis 1 GiB = 0.08; PostgreSQL 8 GiB = 0.64; ALB 16.43 + 2.92 = 19.35 -> 108.07
    assert [line.monthly for line in rest] == [80.00, 8.00, 0.08, 0.64, 16.43, 2.92]
    assert warned(report, "outlive scale-down")
    assert warned(report, "PostgreSQL is enabled")


def test_airflow_release_without_volumes_costs_nothing_itself() -> None:
    values = {
        "workers": {"replicas": 1, "persistence": {"enabled": False}},
        "triggerer": {"persistence": {"enabled": False}},
        "redis": {"enabled": False},
        "postgresql": {"enabled": False},
    }
    report = estimate([res(RELEASE, "airflow", chart="apache-airflow/airflow", values=values)])
    (pods,) = items(report, "airflow")
    assert (pods.quantity, pods.monthly) == (1, 0.0)
    assert "Celery worker pods at idle: 1" in pods.item
    assert report.warnings == []


def test_airflow_release_reads_worker_settings_where_chart_1_21_keeps_them() -> None:
    # Chart 1.21 reads workers.celery.* over the flat workers.* keys it deprecates.
    celery = {
        "keda": {"enabled": True, "minReplicaCount": 3, "maxReplicaCount": 10},
        "persistence": {"enabled": False},
    }
    values = {
        "workers": {"replicas": 7, "persistence": {"enabled": True}, "celery": celery},
        "triggerer": {"persistence": {"enabled": False}},
        "redis": {"enabled": False},
        "postgresql": {"enabled": False},
    }
    report = estimate([res(RELEASE, "airflow", chart="airflow", values=values)])
    (pods,) = items(report, "airflow")  # no worker volumes priced
    assert pods.quantity == 3
    assert "KEDA 3..10" in pods.item


def test_free_resources_are_listed_at_zero_with_their_unit_prices_in_the_note() -> None:
    plan = [
        res("aws:sns/topic:Topic", "alerts"),
        res("aws:sns/topicSubscription:TopicSubscription", "mail"),
        res("aws:budgets/budget:Budget", "budget"),
        res("aws:cloudwatch/eventRule:EventRule", "rule"),
    ]
    report = estimate(plan)
    assert report.monthly_total == 0
    assert "0.50 USD per million" in items(report, "alerts")[0].note
    assert "free" in items(report, "budget")[0].note
    assert len(report.line_items) == 4


# ---------------------------------------------------------------- Secrets Manager calls


@pytest.mark.parametrize(
    ("platform", "tasks"), [(res(MWAA, "env", environmentClass="mw1.small"), 4500),
                            (res("eks:index:Cluster", "env"), 45000)],
)  # fmt: skip
def test_secrets_manager_calls_are_priced_for_the_expected_tasks(
    platform: dict[str, object], tasks: int
) -> None:
    # usage.yaml: the configuration's budget (0.05 calls per task, what make test's guard
    # allows) plus one read per task by the DAGs; 0.05 USD per 10,000 calls.
    line = next(i for i in items(estimate([platform]), "env") if "Secrets Manager" in i.item)
    assert line.quantity == pytest.approx(tasks * 1.05 / 10_000)
    assert line.unit == "10k calls" and line.unit_price == 0.05
    # A configuration that called Secrets Manager for every task's log connection (0.30 per
    # task before the lookup pattern) would cost more, in proportion.
    worse = estimate([platform], usage={"secrets_manager_calls_per_task": 0.30})
    more = next(i for i in items(worse, "env") if "Secrets Manager" in i.item)
    assert more.quantity == pytest.approx(tasks * 1.30 / 10_000)
