"""EKS cluster: control plane, node groups, add-ons, Cluster Autoscaler, ALB controller."""

from __future__ import annotations

import json

import pytest

from components.charts import pinned
from components.eks.cluster import (
    CLUSTER_AUTOSCALER_CHART,
    CLUSTER_AUTOSCALER_IMAGES,
    LBC_POLICY_FILE,
    LOAD_BALANCER_CONTROLLER_CHART,
    cluster_autoscaler_policy,
)
from components.settings import EKS_STANDARD_VERSIONS
from tests.conftest import policy, statements
from tests.test_eks_platform import ADMIN_ROLE, Built, build
from tools.mocks import AwsMocks, Registration

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
ADDON = "aws:eks/addon:Addon"
ROLE = "aws:iam/role:Role"
CLUSTER = "eks:index:Cluster"


def group(d: Built, role: str) -> Registration:
    return d.named(f"airflow-test-cluster-{role}")


def private_subnets(d: Built) -> list[str]:
    """Ids of the private subnets, sorted (registration order is not deterministic)."""
    return sorted(r.id for r in d.of_type("aws:ec2/subnet:Subnet") if "private" in r.name)


def role_trusted_by(d: Built, subject: str) -> Registration:
    """The one IAM role whose web-identity trust names `subject`."""
    found = []
    for role in d.of_type(ROLE):
        for s in statements(role.inputs["assumeRolePolicy"]):
            subs = next(iter(s.get("Condition", {}).get("StringEquals", {}).values()), None)
            if subs == subject or (isinstance(subs, list) and subject in subs):
                found.append(role)
    assert len(found) == 1, f"expected one role trusted by {subject}, found {len(found)}"
    return found[0]


def policies_of(d: Built, role: Registration) -> tuple[list[dict], list[str]]:
    inline = [
        policy(p.inputs["policy"])
        for p in d.of_type("aws:iam/rolePolicy:RolePolicy")
        if p.inputs["role"] == role.id
    ]
    managed = [
        a.inputs["policyArn"]
        for a in d.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.inputs["role"] == role.outputs["name"]
    ]
    return inline, managed


# ------------------------------------------------------------------------ control plane


def test_version_from_settings_in_standard_support() -> None:
    cluster = build().one(CLUSTER)
    assert cluster.inputs["version"] == "1.36"  # the newest, in standard support the longest
    assert cluster.inputs["upgradePolicy"] == {"supportType": "STANDARD"}
    assert cluster.inputs["name"] == "airflow-test"
    assert build(eksKubernetesVersion="1.35").one(CLUSTER).inputs["version"] == "1.35"


def test_private_endpoint_and_no_public_endpoint_by_default() -> None:
    cluster = build().one(CLUSTER)
    assert cluster.inputs["endpointPrivateAccess"] is True
    assert cluster.inputs["endpointPublicAccess"] is False
    assert "publicAccessCidrs" not in cluster.inputs


def test_public_endpoint_is_limited_to_the_listed_cidrs() -> None:
    cidrs = ["203.0.113.0/24", "198.51.100.7/32"]
    cluster = build(eksPublicEndpoint=True, eksPublicAccessCidrs=cidrs).one(CLUSTER)
    assert cluster.inputs["endpointPublicAccess"] is True
    assert cluster.inputs["publicAccessCidrs"] == cidrs


def test_all_control_plane_logs_go_to_a_pre_created_encrypted_group() -> None:
    d = build()
    cluster = d.one(CLUSTER)
    assert cluster.inputs["enabledClusterLogTypes"] == [
        "api",
        "audit",
        "authenticator",
        "controllerManager",
        "scheduler",
    ]
    logs = d.named("airflow-test-cluster-control-plane-logs")
    key = d.named("airflow-test-cluster-key")
    assert logs.inputs["name"] == "/aws/eks/airflow-test/cluster"
    assert logs.inputs["retentionInDays"] == 30
    assert logs.inputs["kmsKeyId"] == key.outputs["arn"]
    assert d.depends_on(cluster, logs), "EKS must find the group, not create its own"
    grant = next(s for s in statements(key.inputs["policy"]) if s.get("Sid") == "CloudWatchLogs")
    context = grant["Condition"]["ArnLike"]["kms:EncryptionContext:aws:logs:arn"]
    assert context.endswith(":log-group:/aws/eks/airflow-test/cluster")


def test_secrets_are_encrypted_with_a_rotating_customer_key_eks_may_use() -> None:
    d = build()
    key = d.named("airflow-test-cluster-key")
    assert d.one(CLUSTER).inputs["encryptionConfigKeyArn"] == key.outputs["arn"]
    assert key.inputs["enableKeyRotation"] is True
    eks_use = next(
        s
        for s in statements(key.inputs["policy"])
        if s.get("Sid") == "EksSecretsEnvelopeEncryption"
    )
    assert {"kms:CreateGrant", "kms:DescribeKey", "kms:Encrypt", "kms:Decrypt"} <= set(
        eks_use["Action"]
    )
    assert eks_use["Condition"]["StringEquals"]["kms:ViaService"] == "eks.us-east-1.amazonaws.com"


def test_api_authentication_with_cluster_admin_access_entries() -> None:
    other = "arn:aws:iam::111122223333:role/break-glass"
    cluster = build(eksAdminRoleArns=[ADMIN_ROLE, other]).one(CLUSTER)
    assert cluster.inputs["authenticationMode"] == "API"
    entries = cluster.inputs["accessEntries"]
    assert sorted(e["principalArn"] for e in entries.values()) == sorted([ADMIN_ROLE, other])
    for entry in entries.values():
        (association,) = entry["accessPolicies"].values()
        assert association["policyArn"] == (
            "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
        )
        assert association["accessScope"] == {"type": "cluster"}
    assert build().one(CLUSTER).inputs["accessEntries"] == {}


def test_deployers_in_the_vpc_and_listed_networks_reach_the_private_api() -> None:
    d = build(eksApiAccessCidrs=["172.16.0.0/12"])
    cluster = d.one(CLUSTER)
    rules = [
        r
        for r in d.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
        if r.inputs["securityGroupId"] == cluster.outputs["clusterSecurityGroupId"]
    ]
    assert sorted(r.inputs["cidrIpv4"] for r in rules) == ["10.40.0.0/16", "172.16.0.0/12"]
    assert {(r.inputs["fromPort"], r.inputs["toPort"]) for r in rules} == {(443, 443)}
    assert cluster.inputs["endpointPublicAccess"] is False


def test_viewer_roles_get_read_only_access_entries() -> None:
    viewer = "arn:aws:iam::111122223333:role/airflow-github-preview-prod"
    cluster = build(eksAdminRoleArns=[ADMIN_ROLE], eksViewerRoleArns=[viewer]).one(CLUSTER)
    policies = {
        entry["principalArn"]: next(iter(entry["accessPolicies"].values()))["policyArn"]
        for entry in cluster.inputs["accessEntries"].values()
    }
    assert policies == {
        ADMIN_ROLE: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
        viewer: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy",
    }


def test_oidc_for_irsa_no_default_node_group_private_subnets_only() -> None:
    d = build()
    cluster = d.one(CLUSTER)
    assert cluster.inputs["createOidcProvider"] is True
    assert cluster.inputs["skipDefaultNodeGroup"] is True
    assert sorted(cluster.inputs["privateSubnetIds"]) == private_subnets(d)
    assert "publicSubnetIds" not in cluster.inputs
    assert cluster.inputs["vpcId"] == d.one("aws:ec2/vpc:Vpc").id


def test_deletion_protection_follows_protect() -> None:
    assert build().one(CLUSTER).inputs["deletionProtection"] is True
    assert build(protect=False).one(CLUSTER).inputs["deletionProtection"] is False


@pytest.mark.parametrize("protect", [True, False])
def test_key_and_log_group_are_protected_when_settings_say_so(protect: bool) -> None:
    d = build(protect=protect)
    assert d.named("airflow-test-cluster-key").protect is protect
    assert d.named("airflow-test-cluster-control-plane-logs").protect is protect


# ---------------------------------------------------------------------------- node groups


def test_system_group_on_demand_spread_over_the_private_subnets_of_every_zone() -> None:
    d = build()
    system = group(d, "system")
    zones = {
        s.id: s.inputs["availabilityZone"]
        for s in d.of_type("aws:ec2/subnet:Subnet")
        if "private" in s.name
    }
    assert sorted(system.inputs["subnetIds"]) == private_subnets(d)
    assert len({zones[s] for s in system.inputs["subnetIds"]}) == 3
    assert system.inputs["capacityType"] == "ON_DEMAND"
    assert system.inputs["instanceTypes"] == ["t4g.medium"]
    assert system.inputs["scalingConfig"] == {"minSize": 3, "desiredSize": 3, "maxSize": 6}
    assert system.inputs["labels"] == {"role": "system"}
    assert "taints" not in system.inputs
    assert system.inputs["amiType"] == "AL2023_ARM_64_STANDARD"
    assert system.inputs["version"] == "1.36"


def test_worker_group_spot_graviton_types_labelled_and_tainted_for_celery() -> None:
    d = build()
    workers = group(d, "workers")
    assert sorted(workers.inputs["subnetIds"]) == private_subnets(d)
    assert workers.inputs["capacityType"] == "SPOT"
    types = workers.inputs["instanceTypes"]
    assert len(types) >= 3 and all(t.split(".")[0].endswith("g") for t in types)
    assert workers.inputs["amiType"] == "AL2023_ARM_64_STANDARD"
    assert workers.inputs["scalingConfig"] == {"minSize": 0, "desiredSize": 1, "maxSize": 10}
    assert workers.inputs["labels"] == {"role": "airflow-worker"}
    assert workers.inputs["taints"] == [
        {"key": "dedicated", "value": "airflow-worker", "effect": "NO_SCHEDULE"}
    ]


def test_capacity_type_and_architecture_follow_settings() -> None:
    d = build(
        eksWorkerCapacityType="ON_DEMAND",
        eksNodeArch="x86_64",
        eksSystemInstanceTypes=["t3.medium"],
        eksWorkerInstanceTypes=["m7i.large", "m6i.large"],
    )
    assert group(d, "workers").inputs["capacityType"] == "ON_DEMAND"
    for role in ("system", "workers"):
        assert group(d, role).inputs["amiType"] == "AL2023_x86_64_STANDARD"


def test_node_groups_carry_autoscaler_discovery_and_scale_from_zero_tags() -> None:
    d = build()
    workers, system = group(d, "workers").inputs["tags"], group(d, "system").inputs["tags"]
    for tags in (workers, system):
        assert tags["k8s.io/cluster-autoscaler/enabled"] == "true"
        assert tags["k8s.io/cluster-autoscaler/airflow-test"] == "owned"
    assert workers["k8s.io/cluster-autoscaler/node-template/label/role"] == "airflow-worker"
    assert workers["k8s.io/cluster-autoscaler/node-template/taint/dedicated"] == (
        "airflow-worker:NoSchedule"
    )
    assert system["k8s.io/cluster-autoscaler/node-template/label/role"] == "system"
    assert not any("/taint/" in k for k in system)


def test_the_autoscaler_owns_the_desired_size() -> None:
    d = build()
    for role in ("system", "workers"):
        assert d.ignore_changes[group(d, role).urn] == ["scalingConfig.desiredSize"]


@pytest.mark.parametrize("role", ["system", "workers"])
def test_launch_templates_require_imdsv2_and_encrypt_a_gp3_root_volume(role: str) -> None:
    d = build(eksNodeDiskGib=60)
    ng = group(d, role)
    template = d.named(f"{ng.name}-lt")
    assert ng.inputs["launchTemplate"]["id"] == template.id
    assert ng.inputs["launchTemplate"]["version"] == str(template.outputs["latestVersion"])
    metadata = template.inputs["metadataOptions"]
    assert metadata["httpTokens"] == "required"
    # Agents on system nodes read metadata; DAG code on workers must not reach the node role.
    assert metadata["httpPutResponseHopLimit"] == (2 if role == "system" else 1)
    (volume,) = template.inputs["blockDeviceMappings"]
    assert volume["deviceName"] == "/dev/xvda"
    assert volume["ebs"] == {
        "volumeSize": 60,
        "volumeType": "gp3",
        "encrypted": "true",
        "deleteOnTermination": "true",
    }
    names = {t["resourceType"]: t["tags"]["Name"] for t in template.inputs["tagSpecifications"]}
    label = "system" if role == "system" else "airflow-worker"
    assert names["instance"] == f"airflow-test-{label}"
    assert names["volume"] == f"airflow-test-{label}"
    cluster = d.one(CLUSTER)
    assert template.inputs["vpcSecurityGroupIds"] == [cluster.outputs["nodeSecurityGroupId"]]


def test_node_role_is_minimal_and_the_cni_policy_sits_on_an_irsa_role() -> None:
    d = build()
    node_role = d.named("airflow-test-cluster-node-role")
    assert statements(node_role.inputs["assumeRolePolicy"])[0]["Principal"] == {
        "Service": ["ec2.amazonaws.com"]
    }
    assert group(d, "system").inputs["nodeRoleArn"] == node_role.outputs["arn"]
    _, managed = policies_of(d, node_role)
    assert sorted(a.rsplit("/", 1)[-1] for a in managed) == [
        "AmazonEC2ContainerRegistryPullOnly",
        "AmazonEKSWorkerNodePolicy",
    ]
    cni_role = role_trusted_by(d, "system:serviceaccount:kube-system:aws-node")
    _, cni_managed = policies_of(d, cni_role)
    assert cni_managed == ["arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"]
    vpc_cni = d.named("airflow-test-cluster-vpc-cni")
    assert vpc_cni.inputs["serviceAccountRoleArn"] == cni_role.outputs["arn"]
    assert json.loads(vpc_cni.inputs["configurationValues"]) == {"enableNetworkPolicy": "true"}
    assert d.one(CLUSTER).inputs["useDefaultVpcCni"] is True  # the add-on above replaces it
    for role in ("system", "workers"):
        assert d.depends_on(group(d, role), vpc_cni), "nodes need the CNI to become Ready"


# ------------------------------------------------------------------------------- add-ons


def test_coredns_and_ebs_csi_are_added_once_nodes_exist() -> None:
    d = build()
    addons = {a.inputs["addonName"]: a for a in d.of_type(ADDON)}
    assert set(addons) == {"vpc-cni", "coredns", "aws-ebs-csi-driver"}
    for name in ("coredns", "aws-ebs-csi-driver"):
        assert d.depends_on(addons[name], group(d, "system"))
    ebs_role = role_trusted_by(d, "system:serviceaccount:kube-system:ebs-csi-controller-sa")
    assert addons["aws-ebs-csi-driver"].inputs["serviceAccountRoleArn"] == ebs_role.outputs["arn"]
    _, managed = policies_of(d, ebs_role)
    assert managed == ["arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"]
    assert all(a.inputs["clusterName"] == "airflow-test" for a in addons.values())


@pytest.mark.parametrize("version", EKS_STANDARD_VERSIONS)
def test_every_addon_runs_the_version_aws_pairs_with_the_cluster_version(version: str) -> None:
    # An add-on without a version keeps the default of the day it was created: after a
    # cluster upgrade it would lag. Pinned from the lookup, it moves with eksKubernetesVersion.
    addons = build(eksKubernetesVersion=version).of_type(ADDON)
    assert {a.inputs["addonName"]: a.inputs["addonVersion"] for a in addons} == {
        name: AwsMocks.addon_default_version(name, version)
        for name in ("vpc-cni", "coredns", "aws-ebs-csi-driver")
    }


def test_default_storage_class_is_encrypted_gp3_on_the_csi_driver() -> None:
    d = build()
    sc = d.one("kubernetes:storage.k8s.io/v1:StorageClass")
    assert sc.inputs["metadata"]["annotations"] == {
        "storageclass.kubernetes.io/is-default-class": "true"
    }
    assert sc.inputs["provisioner"] == "ebs.csi.aws.com"
    assert sc.inputs["parameters"]["type"] == "gp3"
    assert sc.inputs["parameters"]["encrypted"] == "true"
    assert sc.inputs["volumeBindingMode"] == "WaitForFirstConsumer"
    assert d.depends_on(sc, d.named("airflow-test-cluster-ebs-csi"))


def test_kubernetes_resources_use_the_cluster_provider_and_wait_for_the_nodes() -> None:
    d = build()
    provider = d.one("pulumi:providers:kubernetes")
    assert provider.inputs["enableServerSideApply"] == "true"  # provider config travels as text
    k8s_resources = [r for r in d.registrations if r.type.startswith("kubernetes:") and r.custom]
    assert len(k8s_resources) >= 10
    for r in k8s_resources:
        assert r.provider.startswith(provider.urn), r.name
        for role in ("system", "workers"):
            assert d.depends_on(r, group(d, role)), f"{r.name} does not wait for {role} nodes"


# ------------------------------------------------------------------------ autoscaling


def test_cluster_autoscaler_release_is_pinned_and_runs_on_system_nodes() -> None:
    d = build()
    release = d.release("cluster-autoscaler")
    assert pinned("cluster-autoscaler") == CLUSTER_AUTOSCALER_CHART
    assert release.inputs["version"] == CLUSTER_AUTOSCALER_CHART.version
    assert release.inputs["repositoryOpts"] == {"repo": CLUSTER_AUTOSCALER_CHART.repository}
    assert release.inputs["namespace"] == "kube-system"
    values = release.inputs["values"]
    assert values["autoDiscovery"] == {"clusterName": "airflow-test"}
    assert values["cloudProvider"] == "aws" and values["awsRegion"] == "us-east-1"
    assert values["nodeSelector"] == {"role": "system"}
    assert values["image"] == {"tag": "v1.36.1"}  # the autoscaler's minor is the cluster's
    assert build(eksKubernetesVersion="1.35").release("cluster-autoscaler").inputs["values"][
        "image"
    ] == {"tag": "v1.35.0"}
    sa = values["rbac"]["serviceAccount"]
    role = role_trusted_by(d, "system:serviceaccount:kube-system:cluster-autoscaler")
    assert sa["name"] == "cluster-autoscaler"
    assert sa["annotations"] == {"eks.amazonaws.com/role-arn": role.outputs["arn"]}


def test_cluster_autoscaler_may_only_resize_this_clusters_groups() -> None:
    d = build()
    role = role_trusted_by(d, "system:serviceaccount:kube-system:cluster-autoscaler")
    (inline,), managed = policies_of(d, role)
    assert managed == []
    by_sid = {s["Sid"]: s for s in inline["Statement"]}
    writes = by_sid["ScaleThisClustersGroups"]
    assert set(writes["Action"]) == {
        "autoscaling:SetDesiredCapacity",
        "autoscaling:TerminateInstanceInAutoScalingGroup",
    }
    assert writes["Condition"]["StringEquals"] == {
        "aws:ResourceTag/k8s.io/cluster-autoscaler/enabled": "true",
        "aws:ResourceTag/k8s.io/cluster-autoscaler/airflow-test": "owned",
    }
    reads = by_sid["DescribeCapacity"]["Action"]
    assert all(":Describe" in a or ":Get" in a for a in reads)
    assert "eks:DescribeNodegroup" in reads  # labels/taints of managed groups at zero nodes
    assert inline == {
        "Version": "2012-10-17",
        "Statement": cluster_autoscaler_policy("airflow-test"),
    }


# ------------------------------------------------------------------- ALB controller


def test_load_balancer_controller_release_and_its_irsa_role() -> None:
    d = build()
    release = d.release("aws-load-balancer-controller")
    chart = pinned("aws-load-balancer-controller")
    assert release.inputs["version"] == LOAD_BALANCER_CONTROLLER_CHART.version == chart.version
    assert release.inputs["repositoryOpts"] == {"repo": chart.repository}
    assert release.inputs["namespace"] == "kube-system"
    values = release.inputs["values"]
    assert values["clusterName"] == "airflow-test"
    assert values["vpcId"] == d.one("aws:ec2/vpc:Vpc").id
    assert values["region"] == "us-east-1"
    # No Service webhook: it would reject the other releases' Services while it starts.
    assert values["enableServiceMutatorWebhook"] is False
    role = role_trusted_by(d, "system:serviceaccount:kube-system:aws-load-balancer-controller")
    assert values["serviceAccount"]["name"] == "aws-load-balancer-controller"
    assert (
        values["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"]
        == (role.outputs["arn"])
    )
    (inline,), _ = policies_of(d, role)
    assert inline == json.loads(LBC_POLICY_FILE.read_text())


def test_controller_policy_file_is_the_published_document() -> None:
    document = json.loads(LBC_POLICY_FILE.read_text())
    actions = {a for s in document["Statement"] for a in s["Action"]}
    assert len(document["Statement"]) == 16 and len(actions) == 80
    assert not any(a == "*" or a.endswith(":*") for a in actions)
    # What a TargetGroupBinding needs: register pod IPs, open the node security group.
    assert {"elasticloadbalancing:RegisterTargets", "ec2:AuthorizeSecurityGroupIngress"} <= actions
    assert LBC_POLICY_FILE.with_suffix(".md").read_text().count("v3.5.0") >= 1


def test_every_kubernetes_version_settings_allow_has_an_autoscaler_pinned() -> None:
    assert set(CLUSTER_AUTOSCALER_IMAGES) == set(EKS_STANDARD_VERSIONS)
    for version, tag in CLUSTER_AUTOSCALER_IMAGES.items():
        assert tag.startswith(f"v{version}.")
