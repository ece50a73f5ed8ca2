"""Built-in reference designs: the target dev (MWAA) and prod (EKS) stacks as plan dicts.

The cost curve falls back on these when `tools.plan.plan_resources` cannot be imported, and
the tests use them to show the cost goals are reachable. They follow the designs agreed in
the FinOps issue; the real plan replaces them as soon as it exists:

- dev: MWAA mw1.small, workers 1..5, 2 schedulers, 2 web servers, 2 AZs, one NAT gateway,
  five pre-created MWAA log groups and a flow-log group (30-day retention), 4 KMS keys,
  20 alarms, 1 dashboard, 2 secrets, one DAG bucket, an SNS topic with one subscription.
- prod: EKS 1.36 (STANDARD support), 3 AZs with one NAT gateway each, system nodes
  3 x t4g.medium on-demand, Celery worker nodes 1 x m7g.large spot (0..10), 40 GiB gp3 per
  node, RDS db.t4g.small Multi-AZ 20 GiB gp3, ElastiCache 2 x cache.t4g.micro, one internal
  ALB, Prometheus with a 50 GiB volume, Container Insights, pre-created control-plane,
  Container Insights and flow-log groups (30-day retention), 6 KMS keys, 20 alarms,
  1 dashboard, 8 secrets, one log bucket, an SNS topic with one subscription.
"""

from __future__ import annotations

from typing import Any

Plan = list[dict[str, Any]]
RETENTION_DAYS = 30


def _res(type_: str, logical: str, **inputs: Any) -> dict[str, Any]:
    return {"type": type_, "name": logical, "inputs": inputs}


def _network(stack: str, azs: int, nats: int) -> Plan:
    plan = [_res("aws:ec2/vpc:Vpc", f"{stack}-network-vpc", cidrBlock="10.0.0.0/16")]
    for i in range(nats):
        plan.append(_res("aws:ec2/eip:Eip", f"{stack}-network-nat-eip-{i}", domain="vpc"))
        plan.append(
            _res(
                "aws:ec2/natGateway:NatGateway", f"{stack}-network-nat-{i}", subnetId=f"public-{i}"
            )
        )
    plan.append(
        _res(
            "aws:ec2/vpcEndpoint:VpcEndpoint",
            f"{stack}-network-s3",
            vpcEndpointType="Gateway",
            serviceName="com.amazonaws.us-east-1.s3",
        )
    )
    plan.append(_log_group(f"{stack}-network-flow-logs", f"/aws/vpc/{stack}-network/flow-logs"))
    plan += [_res("aws:ec2/subnet:Subnet", f"{stack}-network-private-{i}") for i in range(azs)]
    return plan


def _log_group(name: str, group_name: str) -> dict[str, Any]:
    return _res(
        "aws:cloudwatch/logGroup:LogGroup", name, name=group_name, retentionInDays=RETENTION_DAYS
    )


def _common(stack: str, keys: int, alarms: int, secrets: int) -> Plan:
    plan = [
        _res("aws:kms/key:Key", f"{stack}-key-{i}", enableKeyRotation=True) for i in range(keys)
    ]
    plan += [
        _res(
            "aws:cloudwatch/metricAlarm:MetricAlarm",
            f"{stack}-alarm-{i}",
            metricName="m",
            period=300,
        )
        for i in range(alarms)
    ]
    plan.append(_res("aws:cloudwatch/dashboard:Dashboard", f"{stack}-dashboard"))
    plan += [
        _res("aws:secretsmanager/secret:Secret", f"{stack}-secret-{i}") for i in range(secrets)
    ]
    plan.append(_res("aws:sns/topic:Topic", f"{stack}-alerts"))
    plan.append(
        _res(
            "aws:sns/topicSubscription:TopicSubscription", f"{stack}-alerts-email", protocol="email"
        )
    )
    plan.append(_res("aws:budgets/budget:Budget", f"{stack}-budget", budgetType="COST"))
    return plan


def dev_plan() -> Plan:
    """The reference MWAA stack."""
    plan = _network("dev", azs=2, nats=1)
    plan.append(_res("aws:s3/bucket:Bucket", "dev-mwaa-dags"))
    plan.append(
        _res(
            "aws:mwaa/environment:Environment",
            "dev-mwaa",
            environmentClass="mw1.small",
            minWorkers=1,
            maxWorkers=5,
            schedulers=2,
            minWebservers=2,
            maxWebservers=2,
        )
    )
    for kind in ("DAGProcessing", "Scheduler", "Task", "WebServer", "Worker"):
        plan.append(_log_group(f"dev-mwaa-logs-{kind.lower()}", f"airflow-dev-mwaa-{kind}"))
    return plan + _common("dev", keys=4, alarms=20, secrets=2)


def _node_group(
    name: str, instance: str, capacity: str, *, desired: int, low: int, high: int
) -> Plan:
    template = _res(
        "aws:ec2/launchTemplate:LaunchTemplate",
        f"{name}-lt",
        blockDeviceMappings=[
            {"deviceName": "/dev/xvda", "ebs": {"volumeSize": 40, "volumeType": "gp3"}}
        ],
    )
    group = _res(
        "aws:eks/nodeGroup:NodeGroup",
        name,
        instanceTypes=[instance],
        capacityType=capacity,
        amiType="AL2023_ARM_64_STANDARD",
        launchTemplate={"name": f"{name}-lt", "version": "$Latest"},
        scalingConfig={"desiredSize": desired, "minSize": low, "maxSize": high},
    )
    return [template, group]


def _airflow_values() -> dict[str, Any]:
    return {
        "executor": "CeleryExecutor",
        "config": {"celery": {"worker_concurrency": 16}},
        "workers": {
            "keda": {"enabled": True, "minReplicaCount": 0, "maxReplicaCount": 10},
            "persistence": {"enabled": False},
        },
        "triggerer": {"persistence": {"enabled": False}},
        "redis": {"enabled": False},
        "postgresql": {"enabled": False},
    }


def prod_plan() -> Plan:
    """The reference EKS stack."""
    plan = _network("prod", azs=3, nats=3)
    plan.append(
        _res(
            "eks:index:Cluster",
            "prod-eks",
            version="1.36",
            upgradePolicy={"supportType": "STANDARD"},
            skipDefaultNodeGroup=True,
            enabledClusterLogTypes=[
                "api",
                "audit",
                "authenticator",
                "controllerManager",
                "scheduler",
            ],
        )
    )
    plan.append(_log_group("prod-eks-cluster-logs", "/aws/eks/prod-eks/cluster"))
    plan += _node_group("prod-system", "t4g.medium", "ON_DEMAND", desired=3, low=3, high=4)
    plan += _node_group("prod-workers", "m7g.large", "SPOT", desired=1, low=0, high=10)
    plan.append(
        _res("aws:eks/addon:Addon", "prod-cloudwatch", addonName="amazon-cloudwatch-observability")
    )
    for kind in ("application", "dataplane", "host", "performance"):
        plan.append(_log_group(f"prod-ci-{kind}", f"/aws/containerinsights/prod-eks/{kind}"))
    plan.append(
        _res(
            "aws:rds/instance:Instance",
            "prod-metadata-db",
            engine="postgres",
            instanceClass="db.t4g.small",
            multiAz=True,
            allocatedStorage=20,
            storageType="gp3",
            backupRetentionPeriod=7,
        )
    )
    plan.append(
        _res(
            "aws:elasticache/replicationGroup:ReplicationGroup",
            "prod-broker",
            engine="redis",
            nodeType="cache.t4g.micro",
            numCacheClusters=2,
        )
    )
    plan.append(
        _res(
            "kubernetes:helm.sh/v3:Release",
            "prod-airflow",
            chart="airflow",
            values=_airflow_values(),
        )
    )
    plan.append(
        _res(
            "kubernetes:networking.k8s.io/v1:Ingress",
            "prod-airflow-ui",
            metadata={
                "annotations": {
                    "alb.ingress.kubernetes.io/scheme": "internal",
                    "alb.ingress.kubernetes.io/group.name": "airflow",
                }
            },
            spec={"ingressClassName": "alb"},
        )
    )
    storage = {"volumeClaimTemplate": {"spec": {"resources": {"requests": {"storage": "50Gi"}}}}}
    plan.append(
        _res(
            "kubernetes:helm.sh/v3:Release",
            "prod-monitoring",
            chart="kube-prometheus-stack",
            values={"prometheus": {"prometheusSpec": {"storageSpec": storage}}},
        )
    )
    plan.append(_res("aws:s3/bucket:Bucket", "prod-airflow-logs"))
    return plan + _common("prod", keys=6, alarms=20, secrets=8)


def reference_plan(stack: str) -> Plan:
    """`dev_plan()` or `prod_plan()` by stack name."""
    plans = {"dev": dev_plan, "prod": prod_plan}
    if stack not in plans:
        raise ValueError(f"no reference design for stack {stack!r}; known: {sorted(plans)}")
    return plans[stack]()
