"""EKS platform: the surface it offers the rest of the program, and the shared test builder.

`build()` runs a Network plus an `EksPlatform` under the project's mocks (the way `__main__.py`
wires them) and also records each registration's `ignoreChanges` and dependencies, which the
other `test_eks_*` modules use to check ordering and autoscaler ownership.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import pulumi
import pytest
from pulumi.runtime.sync_await import _sync_await

from components.eks import EksPlatform, EksPlatformArgs
from components.network import Network, NetworkArgs
from tests.conftest import Declared, settings_for
from tools.mocks import AwsMocks, RecordingMonitor, Registration, run_mocked

# What Airflow may do, as the workspace component would hand it over.
TASK_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadAirflowSecrets",
                "Effect": "Allow",
                "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                "Resource": [
                    "arn:aws:secretsmanager:us-east-1:111122223333:secret:airflow/connections/*",
                    "arn:aws:secretsmanager:us-east-1:111122223333:secret:airflow/variables/*",
                ],
            }
        ],
    }
)
ADMIN_ROLE = "arn:aws:iam::111122223333:role/platform-admins"
DATA_KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/workspace-data-key"


class OptionsMonitor(RecordingMonitor):
    """The project's recording monitor, also keeping ignoreChanges and dependencies."""

    def __init__(self, mocks: AwsMocks) -> None:
        super().__init__(mocks)
        self.ignore_changes: dict[str, list[str]] = {}
        self.dependencies: dict[str, set[str]] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        self.ignore_changes[response.urn] = list(request.ignoreChanges)
        self.dependencies[response.urn] = set(request.dependencies)
        return response


@dataclass
class Built(Declared):
    """A platform run: registrations, the platform object's resolved surface, options."""

    ignore_changes: dict[str, list[str]]
    dependencies: dict[str, set[str]]
    kubeconfig_secret: bool

    def depends_on(self, resource: Registration, other: Registration) -> bool:
        return other.urn in self.dependencies[resource.urn]

    def release(self, chart: str) -> Registration:
        found = [
            r for r in self.of_type("kubernetes:helm.sh/v3:Release") if r.inputs["chart"] == chart
        ]
        assert len(found) == 1, f"expected one {chart} release"
        return found[0]


def _platform(name: str, settings: Any, protect: bool) -> EksPlatform:
    network = Network(name, NetworkArgs(settings.network, 30, protect))
    return EksPlatform(
        name,
        EksPlatformArgs(
            eks=settings.eks,
            airflow=settings.airflow,
            environment_name=settings.environment_name,
            vpc_id=network.vpc_id,
            vpc_cidr=network.vpc_cidr,
            private_subnet_ids=network.private_subnet_ids,
            public_subnet_ids=network.public_subnet_ids,
            task_policy_json=pulumi.Output.from_input(TASK_POLICY),
            data_key_arn=DATA_KEY_ARN,
            log_retention_days=settings.stack_settings.log_retention_days,
            protect=settings.protect,
        ),
    )


def _surface(platform: EksPlatform) -> pulumi.Output[dict[str, Any]]:
    p = platform.platform
    watch, access = p.watch, p.kubernetes
    assert access is not None
    return pulumi.Output.all(
        web_url=p.web_url,
        dag_location=p.dag_location,
        log_groups=pulumi.Output.all(**p.log_groups),
        eks_cluster=watch.eks_cluster,
        db_instance_id=watch.db_instance_id,
        cache_cluster_ids=pulumi.Output.all(*watch.cache_cluster_ids),
        lb_suffix=watch.load_balancer_arn_suffix,
        tg_suffix=watch.target_group_arn_suffix,
        node_groups=pulumi.Output.all(*[g.name for g in watch.node_groups]),
        oidc_provider_arn=access.oidc_provider_arn,
        oidc_issuer=access.oidc_issuer,
        exports=pulumi.Output.all(**p.exports),
    )


@cache
def _build(stack: str, overrides: tuple[tuple[str, Any], ...]) -> Built:
    settings = settings_for("eks", stack=stack, **dict(overrides))
    mocks = AwsMocks(region=settings.region, zones=6)
    monitor = OptionsMonitor(mocks)
    holder: dict[str, Any] = {}

    def program() -> None:
        platform = _platform(settings.environment_name, settings, settings.protect)
        holder["platform"] = platform
        holder["surface"] = _surface(platform)

    run_mocked(program, mocks, project="airflow", stack=stack, preview=False, monitor=monitor)
    platform: EksPlatform = holder["platform"]
    surface = _sync_await(holder["surface"].future())
    secret = _sync_await(platform.platform.exports["kubeconfig"].is_secret())  # type: ignore[union-attr]
    return Built(
        list(mocks.registrations),
        {"surface": surface, "platform": platform.platform, "settings": settings},
        monitor.ignore_changes,
        monitor.dependencies,
        bool(secret),
    )


def build(stack: str = "test", **overrides: Any) -> Built:
    """The prod-shaped EKS platform (settings overridable by config key), built once per key."""
    frozen = tuple(
        sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in overrides.items())
    )
    return _build(stack, frozen)


# ------------------------------------------------------------------------------- the surface


def test_web_url_is_the_internal_alb_over_http_without_a_certificate() -> None:
    d = build()
    alb = d.one("aws:lb/loadBalancer:LoadBalancer")
    assert d.value["surface"]["web_url"] == f"http://{alb.outputs['dnsName']}"


def test_web_url_is_https_on_the_host_name_the_certificate_covers() -> None:
    # No ACM certificate can cover `internal-…elb.amazonaws.com`: with the ALB's own name as
    # base URL every login redirect would fail TLS.
    cert = "arn:aws:acm:us-east-1:111122223333:certificate/0f6b3a1e-2b7c-4a8e-9c1d-1234567890ab"
    d = build(eksCertificateArn=cert, webHostname="airflow.example.com")
    alb = d.one("aws:lb/loadBalancer:LoadBalancer")
    assert d.value["surface"]["web_url"] == "https://airflow.example.com"
    assert "elb.amazonaws.com" not in d.value["surface"]["web_url"]
    release = d.release("airflow")
    assert release.inputs["values"]["config"]["api"]["base_url"] == "https://airflow.example.com"
    # The DNS record to create: webHostname -> this name.
    assert d.value["surface"]["exports"]["loadBalancerDnsName"] == alb.outputs["dnsName"]


def test_dag_location_names_repository_branch_and_folder() -> None:
    d = build(dagsRepoBranch="release", dagsRepoSubPath="pipelines/dags")
    assert d.value["surface"]["dag_location"] == (
        "https://github.com/example-org/airflow-on-aws.git@release:pipelines/dags"
    )


def test_log_groups_name_the_control_plane_group() -> None:
    d = build()
    group = d.named("airflow-test-cluster-control-plane-logs")
    assert d.value["surface"]["log_groups"] == {"cluster": group.outputs["name"]}
    assert group.outputs["name"] == "/aws/eks/airflow-test/cluster"


def test_watch_targets_point_at_what_exists() -> None:
    d = build()
    surface, watch = d.value["surface"], d.value["platform"].watch
    db = d.one("aws:rds/instance:Instance")
    cache = d.one("aws:elasticache/replicationGroup:ReplicationGroup")
    alb = d.one("aws:lb/loadBalancer:LoadBalancer")
    tg = d.one("aws:lb/targetGroup:TargetGroup")
    groups = {g.outputs["nodeGroupName"] for g in d.of_type("aws:eks/nodeGroup:NodeGroup")}
    assert surface["eks_cluster"] == "airflow-test"
    assert surface["db_instance_id"] == db.outputs["identifier"]
    assert watch.db_allocated_storage_gib == 20
    assert surface["cache_cluster_ids"] == sorted(cache.outputs["memberClusters"])
    assert len(surface["cache_cluster_ids"]) == 2
    assert surface["lb_suffix"] == alb.outputs["arnSuffix"]
    assert surface["tg_suffix"] == tg.outputs["arnSuffix"]
    assert set(surface["node_groups"]) == groups
    assert [g.min_size for g in watch.node_groups] == [3, 0]
    assert watch.airflow_namespace == "airflow"
    assert watch.mwaa_environment is None


def test_in_cluster_queue_has_no_cache_to_watch() -> None:
    d = build(queueMode="in-cluster")
    assert d.value["surface"]["cache_cluster_ids"] == []


def test_kubernetes_access_for_the_observability_stack() -> None:
    d = build()
    access = d.value["platform"].kubernetes
    cluster = d.one("eks:index:Cluster")
    assert d.value["surface"]["oidc_provider_arn"] == cluster.outputs["oidcProviderArn"]
    assert d.value["surface"]["oidc_issuer"] == cluster.outputs["oidcIssuer"]
    assert not d.value["surface"]["oidc_issuer"].startswith("https://")
    assert access.airflow_namespace == "airflow"
    assert access.statsd_labels == {"tier": "airflow", "component": "statsd", "release": "airflow"}
    assert access.system_node_selector == {"role": "system"}
    waits_for = {type(r).__name__ for r in access.depends_on}
    assert {"NodeGroup", "Addon", "StorageClass"} <= waits_for
    provider = d.one("pulumi:providers:kubernetes")
    assert json.loads(provider.inputs["kubeconfig"]) == cluster.outputs["kubeconfig"]


def test_exports_with_the_kubeconfig_kept_secret() -> None:
    d = build()
    exports = d.value["surface"]["exports"]
    cluster = d.one("eks:index:Cluster")
    assert set(exports) == {
        "clusterName",
        "kubeconfig",
        "apiServerUrl",
        "dbEndpoint",
        "logBucket",
        "loadBalancerDnsName",
        "signInRedirectUrl",
    }
    assert exports["signInRedirectUrl"] == (
        f"http://{d.one('aws:lb/loadBalancer:LoadBalancer').outputs['dnsName']}"
        "/auth/oauth-authorized/oidc"
    )
    assert exports["clusterName"] == "airflow-test"
    assert exports["apiServerUrl"].startswith("https://") and ".eks." in exports["apiServerUrl"]
    assert exports["dbEndpoint"] == d.one("aws:rds/instance:Instance").outputs["endpoint"]
    assert exports["logBucket"] == d.one("aws:s3/bucket:Bucket").outputs["bucket"]
    assert json.loads(exports["kubeconfig"]) == cluster.outputs["kubeconfig"]
    assert d.kubeconfig_secret is True


def test_components_nest_under_the_platform() -> None:
    d = build()
    platform = d.one("airflow:eks:EksPlatform")
    children = {r.type for r in d.children_of(platform)}
    assert children == {
        "airflow:eks_cluster:EksCluster",
        "airflow:eks_data:AirflowData",
        "airflow:eks_airflow:AirflowRelease",
    }


def test_platform_args_are_validated() -> None:
    s = settings_for("eks")
    with pytest.raises(ValueError, match=r"^environment_name"):
        EksPlatformArgs(
            s.eks, s.airflow, "", "vpc", "10.0.0.0/16", ["a", "b"], [], "{}", DATA_KEY_ARN, 30
        )
    with pytest.raises(ValueError, match=r"^private_subnet_ids"):
        EksPlatformArgs(
            s.eks, s.airflow, "env", "vpc", "10.0.0.0/16", ["a"], [], "{}", DATA_KEY_ARN, 30
        )
