"""Whole-stack tests of the network modes: dev and prod on an existing VPC, and with
`egress: endpoints`, planned the way `make plan` plans them."""

from __future__ import annotations

import ipaddress
import json
from collections import Counter
from typing import Any

import pytest

from components.eks.images import upstreams
from components.network import endpoint_data
from tests.aws_model import operation_input, problems, to_api
from tests.conftest import NETWORK_TYPES, planned
from tools import plan as planner
from tools.mocks import (
    EXAMPLE_IMAGE_REGISTRY,
    EXAMPLE_PRIVATE_SUBNET_IDS,
    EXAMPLE_VPC_GIT,
    EXAMPLE_VPC_ID,
    SHARED_PRIVATE_SUBNET_IDS,
    SHARED_VPC_ID,
)

# Stack files set azCount and natStrategy; a stack on an existing VPC leaves them out, which
# is what setting them to the architecture's default ('0' / '') means.
EXISTING = {
    "airflow:existingVpcId": EXAMPLE_VPC_ID,
    "airflow:existingPrivateSubnetIds": EXAMPLE_PRIVATE_SUBNET_IDS,
    "airflow:azCount": 0,
    "airflow:natStrategy": "",
}
ENDPOINTS = {
    "airflow:egress": "endpoints",
    "airflow:natStrategy": "",
    "airflow:eksImageRegistry": EXAMPLE_IMAGE_REGISTRY,
    **{f"airflow:{key}": value for key, value in EXAMPLE_VPC_GIT.items()},
}
PULL_THROUGH_RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule"


def variant(stack: str, mode: str) -> planner.Plan:
    return planned(stack, EXISTING if mode == "existing" else ENDPOINTS)


def by_type(plan: planner.Plan) -> Counter[str]:
    return Counter(r.type for r in plan.cloud_resources())


# ---------------------------------------------------------------------- existing VPC


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_existing_vpc_declares_no_network_resource(stack: str) -> None:
    types = set(by_type(variant(stack, "existing")))
    assert types & NETWORK_TYPES == set()
    assert NETWORK_TYPES & set(by_type(planned(stack)))  # the default stack does create them


def test_dev_mwaa_runs_in_two_of_the_given_subnets() -> None:
    plan = variant("dev", "existing")
    (env,) = [r for r in plan.registrations if r.type == "aws:mwaa/environment:Environment"]
    assert env.inputs["networkConfiguration"]["subnetIds"] == EXAMPLE_PRIVATE_SUBNET_IDS[:2]
    (sg,) = [r for r in plan.registrations if r.type == "aws:ec2/securityGroup:SecurityGroup"]
    assert sg.inputs["vpcId"] == EXAMPLE_VPC_ID
    assert plan.outputs["vpcId"] == EXAMPLE_VPC_ID


def test_prod_eks_uses_exactly_the_given_subnets_everywhere() -> None:
    plan = variant("prod", "existing")
    subnet_inputs = {
        "eks:index:Cluster": "privateSubnetIds",
        "aws:eks/nodeGroup:NodeGroup": "subnetIds",
        "aws:rds/subnetGroup:SubnetGroup": "subnetIds",
        "aws:elasticache/subnetGroup:SubnetGroup": "subnetIds",
        "aws:lb/loadBalancer:LoadBalancer": "subnets",
    }
    seen = Counter()
    for r in plan.registrations:
        key = subnet_inputs.get(r.type)
        if key is not None:
            assert r.inputs[key] == EXAMPLE_PRIVATE_SUBNET_IDS, r.name
            seen[r.type] += 1
    assert set(seen) == set(subnet_inputs)
    vpc_inputs = [r.inputs["vpcId"] for r in plan.registrations if r.custom and "vpcId" in r.inputs]
    assert vpc_inputs and set(vpc_inputs) == {EXAMPLE_VPC_ID}


@pytest.mark.parametrize("mode", ["existing", "endpoints"])
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_alarms_alerting_and_platform_hold_in_every_network_mode(stack: str, mode: str) -> None:
    plan, default = variant(stack, mode), planned(stack)
    same = [
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "aws:cloudwatch/compositeAlarm:CompositeAlarm",
        "aws:cloudwatch/dashboard:Dashboard",
        "aws:cloudwatch/eventRule:EventRule",
        "aws:sns/topic:Topic",
        "aws:budgets/budget:Budget",
        "aws:mwaa/environment:Environment",
        "eks:index:Cluster",
        "kubernetes:helm.sh/v3:Release",
    ]
    assert {t: by_type(plan)[t] for t in same} == {t: by_type(default)[t] for t in same}
    assert sum(by_type(plan)[t] for t in same[:2]) > 0
    assert plan.outputs["webUrl"] and plan.outputs["alertTopicArn"]


@pytest.mark.parametrize("mode", ["existing", "endpoints"])
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_policy_pack_has_zero_findings_in_every_network_mode(stack: str, mode: str) -> None:
    assert variant(stack, mode).findings == []


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_existing_vpc_plan_notes_that_flow_logs_are_not_ours(stack: str) -> None:
    plan = variant(stack, "existing")
    assert any(n.startswith(f"existing VPC {EXAMPLE_VPC_ID}: no flow logs") for n in plan.notes)
    assert plan.egress is None  # not ours to price
    assert "no flow logs" in planner.to_text(plan)


# ---------------------------------------------------------------------- egress endpoints


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_endpoints_stack_has_no_nat_or_public_address(stack: str) -> None:
    types = by_type(variant(stack, "endpoints"))
    assert types["aws:ec2/natGateway:NatGateway"] == 0
    assert types["aws:ec2/eip:Eip"] == 0
    assert types["aws:ec2/internetGateway:InternetGateway"] == 0


# --------------------------------------------------------- MWAA's private web server, with NAT


def _interface_endpoints(plan: planner.Plan) -> list[Any]:
    return [
        r
        for r in plan.registrations
        if r.type == "aws:ec2/vpcEndpoint:VpcEndpoint"
        and r.inputs["vpcEndpointType"] == "Interface"
    ]


def test_dev_with_nat_reaches_its_private_web_servers_api_through_an_airflow_env_endpoint() -> None:
    # AWS refuses a private web server's InvokeRestApi from outside the VPC: the workers'
    # metadata_backup calls and the state transfer must reach MWAA's env. host by private DNS.
    plan = planned("dev")
    assert plan.settings.network.egress == "nat" and not plan.settings.mwaa.public_webserver
    (endpoint,) = _interface_endpoints(plan)
    assert endpoint.inputs["serviceName"] == "com.amazonaws.us-east-1.airflow.env"
    assert endpoint.inputs["privateDnsEnabled"] is True
    (env,) = [r for r in plan.registrations if r.type == "aws:mwaa/environment:Environment"]
    network = env.inputs["networkConfiguration"]
    # One NAT gateway (dev): one interface, in the NAT's zone (tests/test_network.py).
    assert endpoint.inputs["subnetIds"] == network["subnetIds"][:1]
    (sg,) = [r for r in plan.registrations if r.id in endpoint.inputs["securityGroupIds"]]
    (https,) = [
        r
        for r in plan.registrations
        if r.type == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
        and r.inputs["securityGroupId"] == sg.id
    ]
    subnets = [r for r in plan.registrations if r.id in network["subnetIds"]]
    assert len(subnets) == 2
    for subnet in subnets:  # the workers' subnets are inside the admitted range, on 443
        assert ipaddress.ip_network(subnet.inputs["cidrBlock"]).subnet_of(
            ipaddress.ip_network(https.inputs["cidrIpv4"])
        )
    assert (https.inputs["ipProtocol"], https.inputs["fromPort"], https.inputs["toPort"]) == (
        "tcp",
        443,
        443,
    )
    (workers_out,) = [
        r
        for r in plan.registrations
        if r.type == "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
        and r.inputs["securityGroupId"] in network["securityGroupIds"]
    ]
    assert (workers_out.inputs["cidrIpv4"], workers_out.inputs["ipProtocol"]) == ("0.0.0.0/0", "-1")
    # Priced like every interface endpoint: one interface per zone (here one), every hour.
    (item,) = [
        i
        for i in plan.cost.line_items
        if i.type == "aws:ec2/vpcEndpoint:VpcEndpoint" and i.unit == "AZ-h"
    ]
    assert (item.quantity, item.unit_price) == (730, 0.01)


def test_a_public_web_server_or_eks_with_nat_has_no_interface_endpoint() -> None:
    public = planner.run("dev", overrides={"airflow:mwaaPublicWebserver": True})
    assert _interface_endpoints(public) == []
    assert _interface_endpoints(planned("prod")) == []


def _documents(plan: planner.Plan) -> list[tuple[str, dict[str, Any]]]:
    """Identity policies (inline and standalone) and role trust policies, parsed."""
    found = []
    for r in plan.registrations:
        for key in ("policy", "assumeRolePolicy"):
            text = r.inputs.get(key)
            if r.type.startswith("aws:iam/") and isinstance(text, str) and text.startswith("{"):
                found.append((key, json.loads(text)))
    return found


def granted_prefixes(plan: planner.Plan) -> set[str]:
    """Every AWS service prefix the stack's IAM grants: inline and standalone policies, AWS
    managed policies attached (by the data's mapping), and IRSA (sts) from trust policies."""
    data = endpoint_data()
    prefixes: set[str] = set()
    for key, doc in _documents(plan):
        statements = doc["Statement"] if isinstance(doc["Statement"], list) else [doc["Statement"]]
        for statement in statements:
            if statement.get("Effect") != "Allow":
                continue
            actions = (
                statement["Action"]
                if isinstance(statement["Action"], list)
                else [statement["Action"]]
            )
            if key == "assumeRolePolicy":
                # The pods of an IRSA role call STS to assume it.
                prefixes |= {"sts"} if "sts:AssumeRoleWithWebIdentity" in actions else set()
            else:
                prefixes |= {a.split(":", 1)[0] for a in actions}
    for r in plan.registrations:
        if r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
            managed = str(r.inputs["policyArn"]).rsplit("/", 1)[-1]
            assert managed in data["managed_policies"], f"{managed}: map it in vpc-endpoints.yaml"
            prefixes |= set(data["managed_policies"][managed])
    return prefixes


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_service_the_iam_policies_grant_has_an_endpoint(stack: str) -> None:
    plan = variant(stack, "endpoints")
    data = endpoint_data()
    endpoints = [r for r in plan.registrations if r.type == "aws:ec2/vpcEndpoint:VpcEndpoint"]
    region = plan.settings.region
    services = {e.inputs["serviceName"].removeprefix(f"com.amazonaws.{region}.") for e in endpoints}
    prefixes = granted_prefixes(plan)
    assert {"logs", "kms", "secretsmanager", "sns"} <= prefixes  # the derivation found policies
    missing = {}
    for prefix in sorted(prefixes - set(data["not_needed"])):
        wanted = data["iam_prefixes"].get(prefix)
        assert wanted, f"{prefix}: granted but neither mapped nor explained in vpc-endpoints.yaml"
        if not set(wanted) <= services:
            missing[prefix] = sorted(set(wanted) - services)
    assert missing == {}


def test_every_not_needed_entry_has_a_reason_and_no_listed_service_is_unused() -> None:
    data = endpoint_data()
    assert all(len(str(reason)) > 30 for reason in data["not_needed"].values())
    mapped = {s for services in data["iam_prefixes"].values() for s in services}
    for arch, services in data["interface_endpoints"].items():
        assert len(services) == len(set(services)), arch
        assert set(services) <= mapped, f"{arch}: an endpoint no IAM prefix maps to"


def docker_hub_cache_monthly(stack: str) -> float:
    """What the stack file's own Docker Hub pull-through cache costs (issue 21, item 2): the
    endpoints variant leaves Docker Hub to eksImageRegistry's rules and declares none."""
    items = planned(stack).cost.line_items
    return sum(item.monthly for item in items if item.type == PULL_THROUGH_RULE)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_plan_prices_the_endpoints_and_prints_nat_versus_endpoints(stack: str) -> None:
    plan = variant(stack, "endpoints")
    zones = plan.settings.network.az_count
    interface = [
        item
        for item in plan.cost.line_items
        if item.type == "aws:ec2/vpcEndpoint:VpcEndpoint" and item.unit == "AZ-h"
    ]
    assert len(interface) == len(plan.egress and [1] * plan.egress.interface_endpoints)
    assert all(item.quantity == zones * 730 and item.unit_price == 0.01 for item in interface)
    egress = plan.egress
    assert egress.current == "endpoints"
    assert egress.endpoints_monthly == plan.cost.monthly_total  # this stack as planned
    # The stack file's NAT; it declares its own Docker Hub pull-through cache, which this
    # variant leaves to eksImageRegistry's rules (issue 21, item 2).
    docker_hub_cache = sum(
        item.monthly for item in planned(stack).cost.line_items if item.type == PULL_THROUGH_RULE
    )
    assert egress.nat_monthly == round(planned(stack).cost.monthly_total - docker_hub_cache, 2)
    assert egress.difference == round(egress.endpoints_monthly - egress.nat_monthly, 2)
    text = planner.to_text(plan)
    assert "Egress:" in text and f"${egress.nat_monthly:,.2f}/month" in text
    assert f"${egress.endpoints_monthly:,.2f}/month" in text
    assert "Egress:" in planner.to_markdown(plan)
    assert planner.to_dict(plan)["egress"]["difference"] == egress.difference


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_default_stack_plan_also_compares_with_endpoints(stack: str) -> None:
    plan = planned(stack)
    assert plan.egress.current == "nat"
    assert plan.egress.nat_monthly == plan.cost.monthly_total
    endpoints = variant(stack, "endpoints").cost.monthly_total + docker_hub_cache_monthly(stack)
    assert plan.egress.endpoints_monthly == round(endpoints, 2)


def test_endpoints_plan_warns_what_still_needs_the_internet() -> None:
    dev = variant("dev", "endpoints").notes
    assert any("PyPI" in n and "--find-links" in n and "CodeArtifact" in n for n in dev)
    prod = variant("prod", "endpoints").notes
    registries = ("docker.io", "quay.io", "registry.k8s.io", "ghcr.io", "public.ecr.aws")
    assert any(
        EXAMPLE_IMAGE_REGISTRY in n and all(r in n for r in registries) and "pull-through" in n
        for n in prod
    )
    # A Git host outside the VPC is no longer a note but a settings error (issue 21, item 1):
    # the variant's Git host is inside the VPC, and nothing about git-sync is left to say.
    assert not any("git-sync" in n for n in prod)
    # NAT: nothing to say about the network (the shipped stacks map no team yet: that note is
    # the sign-in's, docs/sign-in.md)
    for stack in ("dev", "prod"):
        assert [n for n in planned(stack).notes if not n.startswith("accessTeams:")] == []


def _money(value: float) -> str:
    return f"**${value:,.2f}**"


def test_docs_network_modes_and_micro_costs_match_the_plan() -> None:
    docs = planner.ROOT / "docs"
    section = (docs / "network.md").read_text()
    for stack in ("dev", "prod"):
        for plan in (planned(stack), variant(stack, "endpoints"), variant(stack, "existing")):
            assert _money(plan.cost.monthly_total) in section, (stack, plan.cost.monthly_total)
    micro = planner.enrich(
        planner.run(
            "dev",
            overrides={
                "airflow:mwaaEnvironmentClass": "mw1.micro",
                **{f"airflow:{k}": 1 for k in ("mwaaSchedulers", "mwaaMinWebservers",
                                               "mwaaMaxWebservers", "mwaaMaxWorkers")},
            },
        )
    )  # fmt: skip
    mwaa = (docs / "mwaa.md").read_text()
    assert f"{_money(micro.cost.monthly_total)} a month on mw1.micro" in mwaa
    assert f"against {_money(planned('dev').cost.monthly_total)} on mw1.small" in mwaa


# ---------------------------------------------------------------------- waiting for egress

EGRESS_TYPES = {
    "aws:ec2/natGateway:NatGateway",
    "aws:ec2/routeTable:RouteTable",
    "aws:ec2/routeTableAssociation:RouteTableAssociation",
    "aws:ec2/vpcEndpoint:VpcEndpoint",
}
PLATFORM_TYPES = {
    "aws:mwaa/environment:Environment",
    "eks:index:Cluster",
    "aws:eks/nodeGroup:NodeGroup",
}


@pytest.mark.parametrize("mode", ["nat", "endpoints"])
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_platform_waits_for_the_egress_and_goes_before_it(stack: str, mode: str) -> None:
    # Recorded dependencies: create waits for every NAT gateway, route, association and
    # endpoint; destroy removes the environment or the cluster and nodes first.
    plan = planned(stack) if mode == "nat" else variant(stack, "endpoints")
    egress = {r.urn: r for r in plan.registrations if r.type in EGRESS_TYPES}
    assert {r.type for r in egress.values()} >= EGRESS_TYPES - (
        {"aws:ec2/natGateway:NatGateway"} if mode == "endpoints" else set()
    )
    platform = [r for r in plan.registrations if r.type in PLATFORM_TYPES]
    assert platform
    for resource in platform:
        missing = sorted(egress[u].name for u in set(egress) - set(resource.dependencies))
        assert missing == [], f"{resource.name} does not wait for {missing}"


# ---------------------------------------------------------------------- EKS without NAT


def _release_values(plan: planner.Plan, chart: str) -> dict[str, Any]:
    (release,) = [
        r
        for r in plan.registrations
        if r.type == "kubernetes:helm.sh/v3:Release" and r.inputs["chart"] == chart
    ]
    return dict(release.inputs["values"])


@pytest.mark.parametrize("mode", ["nat", "endpoints"])
def test_controllers_leave_the_apis_without_endpoints_alone(mode: str) -> None:
    # EKS user guide, private clusters: Cluster Autoscaler's pricing calls and the load
    # balancer controller's Shield and WAF calls have no VPC endpoint.
    plan = planned("prod") if mode == "nat" else variant("prod", "endpoints")
    private = mode == "endpoints"
    autoscaler = _release_values(plan, "cluster-autoscaler")["extraArgs"]
    assert autoscaler.get("aws-use-static-instance-list") is (True if private else None)
    controller = _release_values(plan, "aws-load-balancer-controller")
    for flag in ("enableShield", "enableWaf", "enableWafv2"):
        assert controller.get(flag) is (False if private else None), flag


def test_nodes_may_fill_the_pull_through_cache_and_nothing_else() -> None:
    plan = variant("prod", "endpoints")
    (policy,) = [
        r
        for r in plan.registrations
        if r.type == "aws:iam/rolePolicy:RolePolicy" and r.name.endswith("-node-pull-through")
    ]
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    assert sorted(statement["Action"]) == ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"]
    account, region = EXAMPLE_IMAGE_REGISTRY.split(".")[0], plan.settings.region
    assert sorted(statement["Resource"]) == [
        f"arn:aws:ecr:{region}:{account}:repository/{prefix}/*"
        for prefix in sorted(upstreams().values())
    ]
    node_groups = [r for r in plan.registrations if r.type == "aws:eks/nodeGroup:NodeGroup"]
    assert node_groups and all(policy.urn in g.dependencies for g in node_groups)
    names = {r.name for r in planned("prod").registrations}
    assert not any(n.endswith("-node-pull-through") for n in names)  # public registries: none


def test_prod_pulls_docker_hub_through_an_authenticated_cache_it_declares() -> None:
    # Docker Hub allows 10 anonymous pulls per hour per IP address (issue 21, item 2): prod
    # declares an ECR pull-through cache rule for Docker Hub whose credential is the Secrets
    # Manager secret eksDockerHubSecret names, and its nodes may fill that cache only.
    plan = planned("prod")
    eks = plan.settings.eks
    (rule,) = [r for r in plan.registrations if r.type == PULL_THROUGH_RULE]
    assert rule.inputs["upstreamRegistryUrl"] == "registry-1.docker.io"
    assert rule.inputs["ecrRepositoryPrefix"] == eks.docker_hub_cache_prefix == "docker-hub"
    account, region = EXAMPLE_IMAGE_REGISTRY.split(".")[0], plan.settings.region
    # The looked-up secret's ARN (Secrets Manager adds a random suffix to the name).
    assert rule.inputs["credentialArn"].startswith(
        f"arn:aws:secretsmanager:{region}:{account}:secret:{eks.docker_hub_secret}-"
    )
    # What ECR's API accepts (botocore's model: lengths and the secret-name pattern).
    create = operation_input("ecr", "CreatePullThroughCacheRule")
    assert problems(create, to_api(create, rule.inputs)) == []
    (policy,) = [
        r
        for r in plan.registrations
        if r.type == "aws:iam/rolePolicy:RolePolicy" and r.name.endswith("-node-docker-hub-cache")
    ]
    (statement,) = json.loads(policy.inputs["policy"])["Statement"]
    assert sorted(statement["Action"]) == ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"]
    assert statement["Resource"] == [f"arn:aws:ecr:{region}:{account}:repository/docker-hub/*"]
    node_groups = [r for r in plan.registrations if r.type == "aws:eks/nodeGroup:NodeGroup"]
    assert node_groups
    assert all({rule.urn, policy.urn} <= set(g.dependencies) for g in node_groups)
    # With eksImageRegistry the operator's rules carry every image: the stack declares none.
    operators = variant("prod", "endpoints").registrations
    assert not [r for r in operators if r.type == PULL_THROUGH_RULE]


# ---------------------------------------------------------------------- shared VPC

SHARED = {
    **EXISTING,
    "airflow:existingVpcId": SHARED_VPC_ID,
    "airflow:existingPrivateSubnetIds": SHARED_PRIVATE_SUBNET_IDS,
}


def test_shared_vpc_with_service_endpoints_fails_the_preview_naming_the_setting() -> None:
    # The VPC is another account's (getVpc's ownerId is not the caller's): MWAA cannot create
    # its endpoints there.
    with pytest.raises(planner.PlanError, match=r"^mwaaEndpointManagement: SERVICE cannot"):
        planner.run("dev", overrides=SHARED)


def test_shared_vpc_with_customer_endpoints_exports_what_the_owner_needs() -> None:
    plan = planner.run("dev", overrides={**SHARED, "airflow:mwaaEndpointManagement": "CUSTOMER"})
    (sg,) = [r for r in plan.registrations if r.type == "aws:ec2/securityGroup:SecurityGroup"]
    assert plan.outputs["mwaaSubnetIds"] == SHARED_PRIVATE_SUBNET_IDS
    assert plan.outputs["mwaaSecurityGroupId"] == sg.id
    assert plan.outputs["mwaaDatabaseVpcEndpointService"].startswith("com.amazonaws.vpce.")


def test_own_existing_vpc_keeps_service_endpoints() -> None:
    assert variant("dev", "existing").outputs["vpcId"] == EXAMPLE_VPC_ID  # same account: fine
    assert planner.run("prod", overrides=SHARED).outputs["vpcId"] == SHARED_VPC_ID  # EKS: no MWAA
