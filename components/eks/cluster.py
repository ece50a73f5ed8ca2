"""The EKS cluster Airflow runs on: control plane, managed node groups, add-ons, autoscaling.

Node autoscaling uses the Kubernetes Cluster Autoscaler rather than Karpenter. The platform's
capacity is two EKS managed node groups with fixed roles (an on-demand system group and a
Celery worker group on spot with several instance types), and Cluster Autoscaler scales
exactly those groups through their Auto Scaling groups: EKS keeps owning node lifecycle (AMI
updates, graceful drains, spot rebalancing), the groups stay visible and bounded in the
program (their min/max are settings and alarms watch them), and it adds no CRDs, no
interruption queue and no extra controller role that can launch arbitrary instances. Karpenter
packs mixed workloads faster and cheaper at scale, but for two node pools whose scaling
driver is already KEDA (Celery queue length -> worker pods -> pending pods -> nodes), its gains
are small and its blast radius larger. Cluster Autoscaler's minor version must match the
cluster's: the pinned chart (charts.lock.yaml) deploys it, with the image tag chosen per
Kubernetes version (CLUSTER_AUTOSCALER_IMAGES), since no chart release ships 1.36 yet.

Add-ons: pulumi-eks manages `kube-proxy` as an EKS add-on; with no default node group it does
not create `coredns` (it would stay DEGRADED without nodes), so this component adds `coredns`
after the node groups exist. `vpc-cni` is taken over from the self-managed bootstrap copy by an
EKS add-on declared here (`use_default_vpc_cni` stops pulumi-eks from declaring its own) so it
can run with its own IRSA role (AmazonEKS_CNI_Policy is not on the node role) and enforce
Kubernetes NetworkPolicies (`enableNetworkPolicy`). `aws-ebs-csi-driver` (IRSA) provisions the
encrypted default gp3 StorageClass.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks
import pulumi_kubernetes as k8s

from components.aws_helpers import (
    Account,
    GrantedRole,
    assuming,
    customer_key,
    eks_addon_version,
    logs_key_statement,
    policy_document,
    service_trust,
)
from components.charts import pinned
from components.eks.images import docker_hub_cache, pull_through_repository_arns
from components.eks.releases import pinned_release
from components.irsa import (
    ROLE_ARN_ANNOTATION,
    ServiceAccount,
    aws_managed_policy,
    irsa_role,
)
from components.settings import EksSettings

CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
SYSTEM_LABELS = {"role": "system"}
WORKER_LABELS = {"role": "airflow-worker"}
WORKER_TAINT = {"key": "dedicated", "value": "airflow-worker", "effect": "NoSchedule"}
CLUSTER_ADMIN_POLICY = "AmazonEKSClusterAdminPolicy"
CLUSTER_VIEW_POLICY = "AmazonEKSViewPolicy"
AMI_TYPES = {"arm64": "AL2023_ARM_64_STANDARD", "x86_64": "AL2023_x86_64_STANDARD"}
# Service accounts the add-ons run as (their IRSA trust names exactly these).
CLUSTER_AUTOSCALER_SA = ServiceAccount("kube-system", "cluster-autoscaler")
LOAD_BALANCER_CONTROLLER_SA = ServiceAccount("kube-system", "aws-load-balancer-controller")
EBS_CSI_SA = ServiceAccount("kube-system", "ebs-csi-controller-sa")
VPC_CNI_SA = ServiceAccount("kube-system", "aws-node")
LBC_POLICY_FILE = (
    Path(__file__).resolve().parent.parent / "data" / "aws-load-balancer-controller-iam-policy.json"
)


# Chart 9.59.0 (charts.lock.yaml) ships Cluster Autoscaler 1.35.0, the release for Kubernetes
# 1.35. Cluster Autoscaler's minor must match the cluster's. No chart ships 1.36 yet, so the
# image tag is pinned per Kubernetes version (kubernetes/autoscaler tags
# cluster-autoscaler-1.35.0/1.36.1).
CLUSTER_AUTOSCALER_CHART = pinned("cluster-autoscaler")
CLUSTER_AUTOSCALER_IMAGES = {"1.35": "v1.35.0", "1.36": "v1.36.1"}
# aws/eks-charts stable/aws-load-balancer-controller 3.5.0 = controller v3.5.0 (2026-08-03).
LOAD_BALANCER_CONTROLLER_CHART = pinned("aws-load-balancer-controller")


@dataclass(frozen=True)
class EksClusterArgs:
    settings: EksSettings
    """Kubernetes version, endpoint access, admins, node groups."""
    cluster_name: str
    """Physical EKS cluster name (also the control-plane log group's and autoscaler tags')."""
    vpc_id: pulumi.Input[str]
    """VPC of the cluster."""
    private_subnet_ids: Sequence[pulumi.Input[str]]
    """One private subnet per zone: control-plane ENIs and every node."""
    log_retention_days: int
    """Retention of the control-plane log group."""
    protect: bool
    """Protect the key and log group; turn on EKS deletion protection."""
    api_access_cidrs: Sequence[str] = ()
    """Networks whose clients (deployers, kubectl) reach the private API endpoint on 443."""
    instance_tags: Mapping[str, str] = field(default_factory=dict)
    """Cost-allocation tags for the nodes' instances and volumes: the provider's default
    tags reach the launch template, not what the node group launches from it."""
    internet_egress: bool | None = True
    """Whether the VPC reaches the internet (None: an existing VPC, its owner's to say). Without
    it, the controllers are told not to call the AWS APIs that have no VPC endpoint."""
    egress_ready: Sequence[pulumi.Resource] = ()
    """The network's egress (NAT or endpoints, routes): the control plane and the node groups
    are created after it (nodes must reach ECR, EKS, STS to join) and deleted before it."""

    asleep: bool = False
    """The stack sleeps (docs/sleep.md): node groups at zero, the database stopped."""
    scheduled: bool = False
    """The stack has a sleep schedule: Pulumi owns the node groups' desired size (zero asleep,
    the setting awake) and declares the database's desired state."""

    def __post_init__(self) -> None:
        if len(self.private_subnet_ids) < 2:
            raise ValueError("private_subnet_ids: EKS needs subnets in at least two zones")
        if not self.cluster_name:
            raise ValueError("cluster_name: must not be empty")
        if self.settings.kubernetes_version not in CLUSTER_AUTOSCALER_IMAGES:
            raise ValueError(
                f"settings.kubernetes_version: no Cluster Autoscaler pinned for "
                f"{self.settings.kubernetes_version} (CLUSTER_AUTOSCALER_IMAGES)"
            )


def _sizes(args: EksClusterArgs, low: int, want: int, high: int) -> tuple[int, int, int]:
    """(min, desired, max) of a node group: zero nodes while asleep (EKS keeps max >= 1)."""
    return (0, 0, high) if args.asleep else (low, want, high)


def eks_key_statement(account: Account) -> dict[str, Any]:
    """Let EKS use the secrets key for principals of this account.

    Creating the cluster makes EKS call kms:DescribeKey and kms:CreateGrant as the deploying
    principal; the grant then lets the cluster role envelope-encrypt Secrets. The statement
    limits that use to calls EKS makes in this region for this account.
    """
    return {
        "Sid": "EksSecretsEnvelopeEncryption",
        "Effect": "Allow",
        "Principal": {"AWS": account.root},
        "Action": [
            "kms:Encrypt",
            "kms:Decrypt",
            "kms:ReEncrypt*",
            "kms:GenerateDataKey*",
            "kms:DescribeKey",
            "kms:CreateGrant",
            "kms:ListGrants",
        ],
        "Resource": "*",
        "Condition": {
            "StringEquals": {
                "kms:ViaService": pulumi.Output.concat("eks.", account.region, ".amazonaws.com"),
                "kms:CallerAccount": account.account_id,
            }
        },
    }


def cluster_autoscaler_policy(cluster_name: str) -> list[dict[str, Any]]:
    """The autoscaler's IAM statements: it may resize only this cluster's groups.

    AWS EKS Best Practices (cluster-autoscaling): writes are conditioned on the discovery tags
    EKS puts on every managed node group's Auto Scaling group; reads cannot be scoped.
    """
    return [
        {
            "Sid": "ScaleThisClustersGroups",
            "Effect": "Allow",
            "Action": [
                "autoscaling:SetDesiredCapacity",
                "autoscaling:TerminateInstanceInAutoScalingGroup",
            ],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true",
                    f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned",
                }
            },
        },
        {
            "Sid": "DescribeCapacity",
            "Effect": "Allow",
            "Action": [
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
                "autoscaling:DescribeTags",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirements",
                "eks:DescribeNodegroup",
            ],
            "Resource": "*",
        },
    ]


def load_balancer_controller_policy() -> str:
    """The controller's published IAM policy (see data/*.md for source and version)."""
    return json.dumps(json.loads(LBC_POLICY_FILE.read_text(encoding="utf-8")))


def autoscaler_tags(cluster_name: str, labels: Mapping[str, str], taint: bool) -> dict[str, str]:
    """Discovery tags plus node-template hints so the autoscaler can scale a group from zero."""
    tags = {
        "k8s.io/cluster-autoscaler/enabled": "true",
        f"k8s.io/cluster-autoscaler/{cluster_name}": "owned",
    }
    for key, value in labels.items():
        tags[f"k8s.io/cluster-autoscaler/node-template/label/{key}"] = value
    if taint:
        tags[f"k8s.io/cluster-autoscaler/node-template/taint/{WORKER_TAINT['key']}"] = (
            f"{WORKER_TAINT['value']}:{WORKER_TAINT['effect']}"
        )
    return tags


class EksCluster(pulumi.ComponentResource):
    """EKS control plane, system + worker managed node groups, add-ons, autoscaler, ALB
    controller, and a Kubernetes provider for what runs on top."""

    cluster_name: pulumi.Output[str]
    kubeconfig_json: pulumi.Output[str]
    api_server_url: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str]
    oidc_issuer: pulumi.Output[str]
    node_security_group_id: pulumi.Output[str]
    cluster_security_group_id: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    provider: k8s.Provider
    system_nodes: aws.eks.NodeGroup
    worker_nodes: aws.eks.NodeGroup
    ready: list[pulumi.Resource]
    """What every Kubernetes resource waits for: nodes to run on, CNI, DNS."""
    storage_ready: list[pulumi.Resource]
    """What a workload with persistent volumes waits for (EBS CSI driver, gp3 class)."""
    load_balancer_controller: k8s.helm.v3.Release
    docker_hub: pulumi.Input[str]
    """`<registry>/<prefix>` of the stack's Docker Hub pull-through cache ("" with
    eksImageRegistry, which carries every image)."""

    def __init__(
        self, name: str, args: EksClusterArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("airflow:eks_cluster:EksCluster", name, None, opts)
        settings = args.settings
        self._name = name
        self._account = Account.lookup(self)
        self._settings = settings
        self.docker_hub = docker_hub_cache(
            settings.image_registry,
            settings.docker_hub_cache_prefix,
            self._account.account_id,
            self._account.region,
        )
        child = pulumi.ResourceOptions(parent=self)
        partition = self._account.partition

        log_group_name = f"/aws/eks/{args.cluster_name}/cluster"
        key = customer_key(
            f"{name}-key",
            description=f"Kubernetes secrets and control-plane logs of {args.cluster_name}",
            account=self._account,
            service_statements=[
                logs_key_statement(self._account, log_group_name),
                eks_key_statement(self._account),
            ],
            parent=self,
            protect=args.protect,
        )
        # EKS would create this group itself, without retention or encryption; created first,
        # EKS writes into it.
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-control-plane-logs",
            name=log_group_name,
            retention_in_days=args.log_retention_days,
            kms_key_id=key.arn,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )

        cluster = eks.Cluster(
            f"{name}-eks",
            name=args.cluster_name,
            version=settings.kubernetes_version,
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type="STANDARD"),
            vpc_id=args.vpc_id,
            private_subnet_ids=list(args.private_subnet_ids),
            endpoint_private_access=True,
            endpoint_public_access=settings.public_endpoint,
            public_access_cidrs=list(settings.public_access_cidrs)
            if settings.public_endpoint
            else None,
            enabled_cluster_log_types=list(CONTROL_PLANE_LOG_TYPES),
            encryption_config_key_arn=key.arn,
            authentication_mode=eks.AuthenticationMode.API,
            access_entries={
                **self._access_entries(
                    "admin", settings.admin_role_arns, CLUSTER_ADMIN_POLICY, partition
                ),
                **self._access_entries(
                    "viewer", settings.viewer_role_arns, CLUSTER_VIEW_POLICY, partition
                ),
            },
            create_oidc_provider=True,
            skip_default_node_group=True,
            use_default_vpc_cni=True,
            deletion_protection=args.protect,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[log_group, *args.egress_ready]),
        )
        # The name is ours, but read through an output of the cluster it makes everything that
        # uses it (node groups, add-ons) wait until the cluster exists.
        self.cluster_name = cluster.urn.apply(lambda _: args.cluster_name)
        self.kubeconfig_json = cluster.kubeconfig_json
        self.api_server_url = cluster.kubeconfig_json.apply(_server_of)
        self.oidc_provider_arn = cluster.oidc_provider_arn
        self.oidc_issuer = cluster.oidc_issuer
        self.node_security_group_id = cluster.node_security_group_id
        self.cluster_security_group_id = cluster.cluster_security_group_id
        self.log_group_name = log_group.name
        # pulumi-eks's cluster security group admits only the nodes; whoever deploys the
        # charts (a runner, a VPN or bastion inside the VPC) must reach the private endpoint.
        for i, cidr in enumerate(args.api_access_cidrs):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-api-from-{i}",
                security_group_id=self.cluster_security_group_id,
                cidr_ipv4=cidr,
                ip_protocol="tcp",
                from_port=443,
                to_port=443,
                description="Kubernetes API for deployers and operators",
                opts=pulumi.ResourceOptions(parent=self),
            )

        vpc_cni = self._vpc_cni(args)
        self.system_nodes, self.worker_nodes = self._node_groups(args, depends_on=[vpc_cni])
        nodes: list[pulumi.Resource] = [self.system_nodes, self.worker_nodes]
        coredns = aws.eks.Addon(
            f"{name}-coredns",
            cluster_name=self.cluster_name,
            addon_name="coredns",
            addon_version=eks_addon_version("coredns", args.settings.kubernetes_version, self),
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            opts=pulumi.ResourceOptions(parent=self, depends_on=nodes),
        )
        self.ready = [*nodes, vpc_cni, coredns]

        self.provider = k8s.Provider(
            f"{name}-k8s",
            kubeconfig=cluster.kubeconfig_json,
            enable_server_side_apply=True,
            opts=child,
        )
        self.storage_ready = self._storage(args)
        self._cluster_autoscaler(args)
        self.load_balancer_controller = self._load_balancer_controller(args)

        self.register_outputs(
            {
                "clusterName": self.cluster_name,
                "oidcProviderArn": self.oidc_provider_arn,
                "nodeSecurityGroupId": self.node_security_group_id,
                "controlPlaneLogGroup": self.log_group_name,
            }
        )

    # ------------------------------------------------------------------ helpers
    def k8s_opts(
        self, *extra: pulumi.Resource, parent: pulumi.Resource | None = None
    ) -> pulumi.ResourceOptions:
        """Options for a Kubernetes resource: this cluster's provider, after the nodes."""
        return pulumi.ResourceOptions(
            parent=parent or self, provider=self.provider, depends_on=[*self.ready, *extra]
        )

    def irsa(
        self,
        role: str,
        service_accounts: Sequence[ServiceAccount],
        *,
        inline_policies: Mapping[str, pulumi.Input[str]] | None = None,
        managed_policies: Sequence[str] = (),
        parent: pulumi.Resource | None = None,
    ) -> GrantedRole:
        """An IRSA role of this cluster, named `<cluster component>-<role>-irsa`."""
        return irsa_role(
            f"{self._name}-{role}-irsa",
            oidc_issuer=self.oidc_issuer,
            oidc_provider_arn=self.oidc_provider_arn,
            service_accounts=service_accounts,
            inline_policies=inline_policies,
            managed_policy_arns=[
                aws_managed_policy(self._account.partition, p) for p in managed_policies
            ],
            parent=parent or self,
        )

    @staticmethod
    def _access_entries(
        kind: str,
        role_arns: Sequence[str],
        policy: str,
        partition: pulumi.Output[str],
    ) -> dict[str, eks.AccessEntryArgs]:
        """EKS access entries giving `role_arns` an AWS-managed access policy, cluster-wide."""
        policy_arn = pulumi.Output.format(
            "arn:{0}:eks::aws:cluster-access-policy/{1}", partition, policy
        )
        return {
            f"{kind}-{i}": eks.AccessEntryArgs(
                principal_arn=arn,
                access_policies={
                    kind: eks.AccessPolicyAssociationArgs(
                        policy_arn=policy_arn,
                        access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                    )
                },
            )
            for i, arn in enumerate(role_arns)
        }

    def _vpc_cni(self, args: EksClusterArgs) -> aws.eks.Addon:
        # Before the nodes: a node is Ready only once the CNI runs on it.
        role = self.irsa("vpc-cni", [VPC_CNI_SA], managed_policies=["AmazonEKS_CNI_Policy"])
        return aws.eks.Addon(
            f"{self._name}-vpc-cni",
            cluster_name=self.cluster_name,
            addon_name="vpc-cni",
            addon_version=eks_addon_version("vpc-cni", args.settings.kubernetes_version, self),
            service_account_role_arn=role.arn,
            configuration_values=json.dumps({"enableNetworkPolicy": "true"}),
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            opts=assuming(role, opts=pulumi.ResourceOptions(parent=self)),
        )

    def _docker_hub_cache(self, role: aws.iam.Role) -> list[pulumi.Resource]:
        """The stack's ECR pull-through cache rule for Docker Hub, authenticated with the
        eksDockerHubSecret credential (Docker Hub allows 10 anonymous pulls per hour per IP
        address; authenticated pulls through ECR are not anonymous), and the nodes' right to
        fill it. The node groups wait for both: no pod pulls before the rule exists."""
        s, name = self._settings, self._name
        secret = aws.secretsmanager.get_secret_output(
            name=s.docker_hub_secret, opts=pulumi.InvokeOutputOptions(parent=self)
        )
        rule = aws.ecr.PullThroughCacheRule(
            f"{name}-docker-hub-cache",
            ecr_repository_prefix=s.docker_hub_cache_prefix,
            upstream_registry_url="registry-1.docker.io",
            credential_arn=secret.arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
        fill = aws.iam.RolePolicy(
            f"{name}-node-docker-hub-cache",
            role=role.name,
            policy=policy_document(
                [
                    {
                        "Effect": "Allow",
                        "Action": ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
                        "Resource": [
                            self._account.arn("ecr", f"repository/{s.docker_hub_cache_prefix}/*")
                        ],
                    }
                ]
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return [rule, fill]

    def _node_groups(
        self, args: EksClusterArgs, depends_on: Sequence[pulumi.Resource]
    ) -> tuple[aws.eks.NodeGroup, aws.eks.NodeGroup]:
        name, s = self._name, args.settings
        role = aws.iam.Role(
            f"{name}-node-role",
            assume_role_policy=service_trust(["ec2.amazonaws.com"]),
            description=f"EKS nodes of {args.cluster_name}",
            opts=pulumi.ResourceOptions(parent=self),
        )
        # The CNI policy is on the aws-node IRSA role, not here: pods cannot borrow it.
        grants: list[pulumi.Resource] = [
            aws.iam.RolePolicyAttachment(
                f"{name}-node-{policy}",
                role=role.name,
                policy_arn=aws_managed_policy(self._account.partition, policy),
                opts=pulumi.ResourceOptions(parent=self),
            )
            for policy in ("AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly")
        ]
        if s.image_registry:
            # The first pull of an image through a pull-through cache rule creates its ECR
            # repository and imports the image: the puller needs both (ECR user guide,
            # "IAM permissions required to sync an upstream registry"), on the rules' prefixes.
            grants.append(
                aws.iam.RolePolicy(
                    f"{name}-node-pull-through",
                    role=role.name,
                    policy=policy_document(
                        [
                            {
                                "Effect": "Allow",
                                "Action": ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
                                "Resource": pull_through_repository_arns(
                                    s.image_registry, self._account.partition
                                ),
                            }
                        ]
                    ),
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )
        if not s.image_registry:
            grants += self._docker_hub_cache(role)
        nodes = GrantedRole(role, tuple(grants))
        after = [*depends_on, *args.egress_ready]
        system = self._node_group(
            f"{name}-system",
            args,
            nodes,
            instance_types=s.system_instance_types,
            capacity_type="ON_DEMAND",
            sizes=_sizes(args, s.system_min_nodes, s.system_desired_nodes, s.system_max_nodes),
            labels=SYSTEM_LABELS,
            tainted=False,
            depends_on=after,
        )
        workers = self._node_group(
            f"{name}-workers",
            args,
            nodes,
            instance_types=s.worker_instance_types,
            capacity_type=s.worker_capacity_type,
            sizes=_sizes(args, s.worker_min_nodes, s.worker_desired_nodes, s.worker_max_nodes),
            labels=WORKER_LABELS,
            tainted=True,
            depends_on=after,
        )
        return system, workers

    def _node_group(
        self,
        group: str,
        args: EksClusterArgs,
        role: GrantedRole,
        *,
        instance_types: Sequence[str],
        capacity_type: str,
        sizes: tuple[int, int, int],
        labels: Mapping[str, str],
        tainted: bool,
        depends_on: Sequence[pulumi.Resource],
    ) -> aws.eks.NodeGroup:
        role_label = labels["role"]
        node_name = f"{args.cluster_name}-{role_label}"
        template = aws.ec2.LaunchTemplate(
            f"{group}-lt",
            description=f"{role_label} nodes of {args.cluster_name}",
            update_default_version=True,
            # Only the node security group: the ALB controller, RDS and ElastiCache rules
            # all reference it, and it is the one group on every pod ENI.
            vpc_security_group_ids=[self.node_security_group_id],
            metadata_options={
                "http_endpoint": "enabled",
                "http_tokens": "required",
                # System nodes: 2 hops, so the Container Insights agent and the EBS CSI
                # controller can read instance metadata from their pods (they authenticate
                # with IRSA). Worker nodes run DAG code: 1 hop, so no task can reach the
                # node role; host-network agents (CNI, kube-proxy) still reach IMDS.
                "http_put_response_hop_limit": 1 if tainted else 2,
                "instance_metadata_tags": "disabled",
            },
            block_device_mappings=[
                {
                    "device_name": "/dev/xvda",  # AL2023 root volume
                    "ebs": {
                        "volume_size": args.settings.node_disk_gib,
                        "volume_type": "gp3",
                        "encrypted": "true",
                        "delete_on_termination": "true",
                    },
                }
            ],
            tag_specifications=[
                {"resource_type": kind, "tags": {**args.instance_tags, "Name": node_name}}
                for kind in ("instance", "volume", "network-interface")
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        low, want, high = sizes
        return aws.eks.NodeGroup(
            group,
            cluster_name=self.cluster_name,
            version=args.settings.kubernetes_version,
            node_role_arn=role.arn,
            subnet_ids=list(args.private_subnet_ids),
            ami_type=AMI_TYPES[args.settings.node_arch],
            capacity_type=capacity_type,
            instance_types=list(instance_types),
            scaling_config={"min_size": low, "desired_size": want, "max_size": high},
            update_config={"max_unavailable": 1},
            labels=dict(labels),
            taints=[
                {
                    "key": WORKER_TAINT["key"],
                    "value": WORKER_TAINT["value"],
                    "effect": "NO_SCHEDULE",
                }
            ]
            if tainted
            else None,
            launch_template={"id": template.id, "version": template.latest_version.apply(str)},
            tags={"Name": node_name, **autoscaler_tags(args.cluster_name, labels, tainted)},
            opts=assuming(
                role,
                opts=pulumi.ResourceOptions(
                    parent=self,
                    depends_on=list(depends_on),
                    # The autoscaler owns the current size; Pulumi owns the bounds. On a stack
                    # that sleeps Pulumi owns the size too: zero asleep, the setting awake.
                    ignore_changes=[] if args.scheduled else ["scalingConfig.desiredSize"],
                ),
            ),
        )

    def _storage(self, args: EksClusterArgs) -> list[pulumi.Resource]:
        role = self.irsa(
            "ebs-csi", [EBS_CSI_SA], managed_policies=["service-role/AmazonEBSCSIDriverPolicy"]
        )
        addon = aws.eks.Addon(
            f"{self._name}-ebs-csi",
            cluster_name=self.cluster_name,
            addon_name="aws-ebs-csi-driver",
            addon_version=eks_addon_version(
                "aws-ebs-csi-driver", args.settings.kubernetes_version, self
            ),
            service_account_role_arn=role.arn,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            opts=assuming(role, opts=pulumi.ResourceOptions(parent=self, depends_on=self.ready)),
        )
        gp3 = k8s.storage.v1.StorageClass(
            f"{self._name}-gp3",
            metadata={
                "name": "gp3",
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
            },
            provisioner="ebs.csi.aws.com",
            parameters={"type": "gp3", "encrypted": "true", "fsType": "ext4"},
            volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True,
            reclaim_policy="Delete",
            opts=self.k8s_opts(addon),
        )
        return [addon, gp3]

    def _cluster_autoscaler(self, args: EksClusterArgs) -> k8s.helm.v3.Release:
        role = self.irsa(
            "cluster-autoscaler",
            [CLUSTER_AUTOSCALER_SA],
            inline_policies={
                "scaling": policy_document(cluster_autoscaler_policy(args.cluster_name))
            },
        )
        return pinned_release(
            f"{self._name}-cluster-autoscaler",
            CLUSTER_AUTOSCALER_CHART,
            release_name="cluster-autoscaler",
            namespace=CLUSTER_AUTOSCALER_SA.namespace,
            values=self._autoscaler_values(args, role.arn),
            registry=args.settings.image_registry,
            docker_hub=self.docker_hub,
            timeout=600,
            opts=assuming(role, opts=self.k8s_opts()),
        )

    def _autoscaler_values(
        self, args: EksClusterArgs, role_arn: pulumi.Output[str]
    ) -> dict[str, Any]:
        private = args.internet_egress is False
        return {
            "cloudProvider": "aws",
            "awsRegion": self._account.region,
            "image": {"tag": CLUSTER_AUTOSCALER_IMAGES[args.settings.kubernetes_version]},
            "autoDiscovery": {"clusterName": args.cluster_name},
            "rbac": {
                "serviceAccount": {
                    "create": True,
                    "name": CLUSTER_AUTOSCALER_SA.name,
                    "annotations": {ROLE_ARN_ANNOTATION: role_arn},
                }
            },
            "nodeSelector": dict(SYSTEM_LABELS),
            "extraArgs": {
                "balance-similar-node-groups": True,
                "expander": "least-waste",
                # Without internet the pricing API (no VPC endpoint) is out of reach: the
                # instance list compiled into the image (EKS user guide, private clusters).
                **({"aws-use-static-instance-list": True} if private else {}),
            },
            "resources": {
                "requests": {"cpu": "100m", "memory": "300Mi"},
                "limits": {"cpu": "500m", "memory": "600Mi"},
            },
        }

    def _load_balancer_controller(self, args: EksClusterArgs) -> k8s.helm.v3.Release:
        role = self.irsa(
            "lb-controller",
            [LOAD_BALANCER_CONTROLLER_SA],
            inline_policies={"controller": load_balancer_controller_policy()},
        )
        return pinned_release(
            f"{self._name}-lb-controller",
            LOAD_BALANCER_CONTROLLER_CHART,
            release_name="aws-load-balancer-controller",
            namespace=LOAD_BALANCER_CONTROLLER_SA.namespace,
            values=self._load_balancer_controller_values(args, role.arn),
            registry=args.settings.image_registry,
            docker_hub=self.docker_hub,
            timeout=600,
            opts=assuming(role, opts=self.k8s_opts()),
        )

    def _load_balancer_controller_values(
        self, args: EksClusterArgs, role_arn: pulumi.Output[str]
    ) -> dict[str, Any]:
        return {
            "clusterName": args.cluster_name,
            # Set explicitly, so the controller never depends on instance metadata.
            "region": self._account.region,
            "vpcId": args.vpc_id,
            "replicaCount": 2,
            # The program creates no LoadBalancer Services (its ALB is its own). Without
            # this the controller's Service webhook rejects every new Service while its
            # pods start, racing the other releases installed alongside it.
            "enableServiceMutatorWebhook": False,
            "serviceAccount": {
                "create": True,
                "name": LOAD_BALANCER_CONTROLLER_SA.name,
                "annotations": {ROLE_ARN_ANNOTATION: role_arn},
            },
            "nodeSelector": dict(SYSTEM_LABELS),
            "resources": {
                "requests": {"cpu": "50m", "memory": "128Mi"},
                "limits": {"cpu": "250m", "memory": "256Mi"},
            },
            # Shield, WAF and WAF Classic have no VPC endpoint: without internet the
            # controller must not call them (EKS user guide, private clusters).
            **(
                {"enableShield": False, "enableWaf": False, "enableWafv2": False}
                if args.internet_egress is False
                else {}
            ),
        }


def _server_of(kubeconfig: Any) -> str:
    """The API server URL inside a kubeconfig (JSON text or parsed)."""
    config = json.loads(kubeconfig) if isinstance(kubeconfig, str) else kubeconfig
    return str(config["clusters"][0]["cluster"]["server"])
