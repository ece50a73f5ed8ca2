"""Airflow on Amazon EKS (architecture `eks`): the cluster, its data stores, and the chart.

`EksPlatform` composes three components, each with one concern, and fills the platform surface
(`components.platform.AirflowPlatform`) that observability and alerting read:

- `EksCluster` (cluster.py): control plane, managed node groups, add-ons, Cluster
  Autoscaler, the AWS Load Balancer Controller, a Kubernetes provider;
- `AirflowData` (data.py): RDS PostgreSQL, ElastiCache (Valkey), the task-log bucket;
- `AirflowRelease` (airflow.py): KEDA, the official Airflow chart with its secrets and
  IRSA role, the internal ALB bound to the API server.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi

from components.eks.airflow import (
    NAMESPACE,
    AirflowRelease,
    AirflowReleaseArgs,
    statsd_labels,
)
from components.eks.cluster import SYSTEM_LABELS, EksCluster, EksClusterArgs
from components.eks.data import AirflowData, AirflowDataArgs
from components.eks.images import upstreams
from components.eks.sign_in import REDIRECT_PATH
from components.platform import (
    AirflowPlatform,
    KubernetesAccess,
    NodeGroupWatch,
    WatchTargets,
)
from components.settings import AccessSettings, AirflowSettings, EksSettings


@dataclass(frozen=True)
class EksPlatformArgs:
    eks: EksSettings
    """Cluster, nodes, chart, database, broker settings."""
    airflow: AirflowSettings
    """Airflow version and options (shared with MWAA)."""
    environment_name: str
    """Name of the environment: the EKS cluster's name and the prefix of physical names."""
    vpc_id: pulumi.Input[str]
    """VPC everything runs in."""
    vpc_cidr: str
    """VPC CIDR: who may reach the internal ALB."""
    private_subnet_ids: Sequence[pulumi.Input[str]]
    """One private subnet per zone: control plane ENIs, nodes, RDS, ElastiCache, ALB."""
    public_subnet_ids: Sequence[pulumi.Input[str]]
    """Public subnets (unused: nothing of this platform faces the internet)."""
    task_policy_json: pulumi.Input[str]
    """IAM policy for what Airflow itself may do (secrets, data bucket, alert topic)."""
    data_key_arn: pulumi.Input[str]
    """The workspace's KMS key (secrets and data): encrypts the state-transfer secret."""
    log_retention_days: int
    """Retention of every log group and of task logs in S3."""
    protect: bool = True
    """Protect stateful resources from deletion (prod); off for disposable stacks."""
    cost_tags: Mapping[str, str] = field(default_factory=dict)
    """Cost-allocation tags for what node groups launch (instances, volumes, ENIs)."""
    internet_egress: bool | None = True
    """Whether the VPC reaches the internet (None: an existing VPC, its owner's to say)."""
    egress_ready: Sequence[pulumi.Resource] = ()
    """The network's egress (NAT or endpoints, routes): cluster and nodes wait for it and are
    deleted before it."""
    access: AccessSettings = field(default_factory=AccessSettings)
    """Who signs in through the organisation's identity provider, with which role."""

    asleep: bool = False
    """The stack sleeps (docs/sleep.md): node groups at zero, the database stopped."""
    scheduled: bool = False
    """The stack has a sleep schedule: Pulumi owns the node groups' desired size (zero asleep,
    the setting awake) and declares the database's desired state."""

    def __post_init__(self) -> None:
        if not self.environment_name:
            raise ValueError("environment_name: must not be empty")
        if len(self.private_subnet_ids) < 2:
            raise ValueError("private_subnet_ids: the EKS platform needs two zones or more")


def internet_needs(eks: EksSettings, access: AccessSettings) -> list[str]:
    """What the platform still needs from outside the VPC when it has no NAT."""
    # A Git host outside the VPC is a settings error (dagsRepoVpcHost), not a warning.
    rules = ", ".join(f"{prefix} ({upstream})" for upstream, prefix in upstreams().items())
    needs = [
        f"egress endpoints: every chart image is pulled through {eks.image_registry}; it needs "
        f"ECR pull-through cache rules with the prefixes {rules}, see docs/network.md",
    ]
    if access.teams:
        # The API server fetches the provider's discovery document and keys, and exchanges
        # the sign-in code for a token, at the issuer: without NAT nobody can sign in unless
        # the VPC reaches it.
        needs.append(
            f"egress endpoints: the API server signs people in at accessOidcIssuer "
            f"{access.oidc_issuer}, which it cannot reach without NAT; sign-in fails unless "
            "the VPC reaches that host (a provider inside the network, or a proxy), see "
            "docs/sign-in.md"
        )
    return needs


class EksPlatform(pulumi.ComponentResource):
    """Self-managed Airflow on EKS behind the same surface as MWAA."""

    platform: AirflowPlatform
    cluster: EksCluster
    data: AirflowData
    airflow: AirflowRelease

    def __init__(
        self, name: str, args: EksPlatformArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("airflow:eks:EksPlatform", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.cluster = EksCluster(
            f"{name}-cluster",
            EksClusterArgs(
                settings=args.eks,
                cluster_name=args.environment_name,
                vpc_id=args.vpc_id,
                private_subnet_ids=args.private_subnet_ids,
                api_access_cidrs=(args.vpc_cidr, *args.eks.api_access_cidrs),
                log_retention_days=args.log_retention_days,
                protect=args.protect,
                instance_tags=args.cost_tags,
                internet_egress=args.internet_egress,
                egress_ready=args.egress_ready,
                asleep=args.asleep,
                scheduled=args.scheduled,
            ),
            opts=child,
        )
        self.data = AirflowData(
            f"{name}-data",
            AirflowDataArgs(
                settings=args.eks,
                environment_name=args.environment_name,
                vpc_id=args.vpc_id,
                private_subnet_ids=args.private_subnet_ids,
                node_security_group_id=self.cluster.node_security_group_id,
                log_retention_days=args.log_retention_days,
                protect=args.protect,
                asleep=args.asleep,
                scheduled=args.scheduled,
            ),
            opts=child,
        )
        self.airflow = AirflowRelease(
            f"{name}-app",
            AirflowReleaseArgs(
                airflow=args.airflow,
                eks=args.eks,
                environment_name=args.environment_name,
                cluster=self.cluster,
                data=self.data,
                task_policy_json=args.task_policy_json,
                data_key_arn=args.data_key_arn,
                vpc_id=args.vpc_id,
                vpc_cidr=args.vpc_cidr,
                private_subnet_ids=args.private_subnet_ids,
                protect=args.protect,
                access=args.access,
            ),
            opts=child,
        )
        if args.internet_egress is False:
            for warning in internet_needs(args.eks, args.access):
                pulumi.log.warn(warning, resource=self)
        self.platform = self._surface(args)
        self.register_outputs(
            {
                "webUrl": self.platform.web_url,
                "clusterName": self.cluster.cluster_name,
                "dbEndpoint": self.data.db_endpoint,
            }
        )

    def _surface(self, args: EksPlatformArgs) -> AirflowPlatform:
        cluster, data, airflow = self.cluster, self.data, self.airflow
        s = args.eks
        kubeconfig: pulumi.Output[str] = pulumi.Output.secret(cluster.kubeconfig_json)
        return AirflowPlatform(
            architecture="eks",
            environment_name=args.environment_name,
            web_url=airflow.web_url,
            dag_location=airflow.dag_location,
            log_groups={"cluster": cluster.log_group_name},
            watch=WatchTargets(
                eks_cluster=cluster.cluster_name,
                db_instance_id=data.db.identifier,
                db_allocated_storage_gib=s.db_allocated_storage_gib,
                cache_cluster_ids=data.cache_cluster_ids,
                load_balancer_arn_suffix=airflow.load_balancer_arn_suffix,
                target_group_arn_suffix=airflow.target_group_arn_suffix,
                node_groups=[
                    NodeGroupWatch(cluster.system_nodes.node_group_name, s.system_min_nodes),
                    NodeGroupWatch(cluster.worker_nodes.node_group_name, s.worker_min_nodes),
                ],
                airflow_namespace=NAMESPACE,
            ),
            kubernetes=KubernetesAccess(
                provider=cluster.provider,
                cluster_name=cluster.cluster_name,
                oidc_provider_arn=cluster.oidc_provider_arn,
                oidc_issuer=cluster.oidc_issuer,
                airflow_namespace=NAMESPACE,
                statsd_labels=statsd_labels(),
                system_node_selector=dict(SYSTEM_LABELS),
                kubernetes_version=s.kubernetes_version,
                depends_on=[*cluster.ready, *cluster.storage_ready],
                docker_hub=cluster.docker_hub,
                airflow_ready=[self.airflow.namespace],
            ),
            exports={
                "loadBalancerDnsName": airflow.load_balancer_dns_name,
                "clusterName": cluster.cluster_name,
                "kubeconfig": kubeconfig,
                "apiServerUrl": cluster.api_server_url,
                "dbEndpoint": data.db_endpoint,
                "logBucket": data.log_bucket,
                # What Airflow's application at the identity provider must allow.
                "signInRedirectUrl": pulumi.Output.concat(airflow.web_url, REDIRECT_PATH),
            },
        )
