"""Pulumi mocks that answer the way AWS and Kubernetes would.

Shared by the unit tests and the offline `make plan`: ids, ARNs, endpoints and zone names look
like a real preview's, so what the program composes from them (ARNs in policies, URLs,
connection strings) can be read and checked. Every registration is recorded with its parent,
provider and inputs, the shape the cost estimator and the policy rules consume.
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks

ACCOUNT_ID = "111122223333"  # AWS's documentation account; mocks only.


@dataclass
class Registration:
    """One resource the program declared, as the engine saw it."""

    type: str
    name: str
    urn: str
    parent: str
    provider: str
    custom: bool
    protect: bool
    inputs: dict[str, Any]
    dependencies: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    id: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The plain shape policy rules and the cost estimator read."""
        data: dict[str, Any] = {
            "type": self.type,
            "name": self.name,
            "id": self.id,
            "urn": self.urn,
            "inputs": self.inputs,
        }
        if self.provider:
            # A provider reference is `<provider urn>::<provider id>`; rules want its name.
            data["provider"] = self.provider.rsplit("::", 1)[0].split("::")[-1]
        return data


def _short(name: str, n: int = 8) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:n]


def _uuid(name: str) -> str:
    return str(uuid.UUID(hashlib.md5(name.encode()).hexdigest()))


_EC2_PREFIX = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2/flowLog:FlowLog": "fl",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
}


@dataclass(frozen=True)
class ExistingSubnet:
    """A subnet that exists before the program runs (an existing or shared VPC's)."""

    vpc_id: str
    zone_letter: str
    cidr: str
    public: bool = False


# The network team's VPC the offline plan and the tests look up (existingVpcId and friends):
# three private subnets in zones a, b and d, two public ones, a second VPC whose subnet must
# never be accepted, and two subnets sharing one zone. Ids are made up, well formed.
EXAMPLE_VPC_ID = "vpc-0a1b2c3d4e5f60718"
OTHER_VPC_ID = "vpc-0f1e2d3c4b5a69788"
NO_DNS_VPC_ID = "vpc-0c0d0e0f101112131"
# A shared VPC (AWS RAM): owned by the network team's account, its subnets shared with ours.
SHARED_VPC_ID = "vpc-0d5e6f7a8b9c0d1e2"
NETWORK_ACCOUNT_ID = "444455556666"  # another of AWS's documentation accounts
VPC_OWNERS = {SHARED_VPC_ID: NETWORK_ACCOUNT_ID}
EXAMPLE_VPCS = {
    EXAMPLE_VPC_ID: "10.80.0.0/16",
    OTHER_VPC_ID: "10.90.0.0/16",
    NO_DNS_VPC_ID: "10.70.0.0/16",  # DNS hostnames off, as a VPC made from the CLI starts
    SHARED_VPC_ID: "10.60.0.0/16",
}
EXAMPLE_SUBNETS = {
    "subnet-0aa11bb22cc33dd44": ExistingSubnet(EXAMPLE_VPC_ID, "a", "10.80.0.0/19"),
    "subnet-0ee55ff6600778899": ExistingSubnet(EXAMPLE_VPC_ID, "b", "10.80.32.0/19"),
    "subnet-0123456789abcdef0": ExistingSubnet(EXAMPLE_VPC_ID, "d", "10.80.64.0/19"),
    "subnet-0a0a0a0a0a0a0a0a1": ExistingSubnet(EXAMPLE_VPC_ID, "a", "10.80.96.0/19"),
    # In zone c: us-east-1c is use1-az3 in the mocks, a zone EKS refuses.
    "subnet-0c3c3c3c3c3c3c3c7": ExistingSubnet(EXAMPLE_VPC_ID, "c", "10.80.128.0/19"),
    "subnet-0b1b1b1b1b1b1b1b2": ExistingSubnet(EXAMPLE_VPC_ID, "a", "10.80.200.0/24", True),
    "subnet-0c2c2c2c2c2c2c2c3": ExistingSubnet(EXAMPLE_VPC_ID, "b", "10.80.201.0/24", True),
    "subnet-0d3d3d3d3d3d3d3d4": ExistingSubnet(OTHER_VPC_ID, "b", "10.90.0.0/19"),
    "subnet-0e4e4e4e4e4e4e4e5": ExistingSubnet(NO_DNS_VPC_ID, "a", "10.70.0.0/19"),
    "subnet-0a7b7b7b7b7b7b7b8": ExistingSubnet(SHARED_VPC_ID, "a", "10.60.0.0/19"),
    "subnet-0a6a6a6a6a6a6a6a7": ExistingSubnet(SHARED_VPC_ID, "b", "10.60.32.0/19"),
    "subnet-0f5f5f5f5f5f5f5f6": ExistingSubnet(NO_DNS_VPC_ID, "b", "10.70.32.0/19"),
}
EXAMPLE_PRIVATE_SUBNET_IDS = [
    "subnet-0aa11bb22cc33dd44",
    "subnet-0ee55ff6600778899",
    "subnet-0123456789abcdef0",
]
# The ECR registry (this account's, in the stacks' region) whose pull-through cache rules
# mirror the charts' public registries: eksImageRegistry of the examples without NAT.
EXAMPLE_IMAGE_REGISTRY = f"{ACCOUNT_ID}.dkr.ecr.us-east-1.amazonaws.com"
# A Git host inside the VPC (git-sync cannot leave a VPC without NAT): dagsRepoUrl and
# dagsRepoVpcHost of the examples without NAT.
EXAMPLE_VPC_GIT_HOST = "git.airflow.internal"
EXAMPLE_VPC_GIT = {
    "dagsRepoUrl": f"https://{EXAMPLE_VPC_GIT_HOST}/data/airflow-dags.git",
    "dagsRepoVpcHost": EXAMPLE_VPC_GIT_HOST,
}
SHARED_PRIVATE_SUBNET_IDS = ["subnet-0a7b7b7b7b7b7b7b8", "subnet-0a6a6a6a6a6a6a6a7"]
# A subnet the deploying role may not describe (EC2 answers UnauthorizedOperation): exists or
# not, the lookup cannot tell.
DENIED_SUBNET_ID = "subnet-0deadbeef0deadbee"


class AwsMocks(pulumi.runtime.Mocks):
    """Answers resource registrations and invokes with realistic AWS values."""

    def __init__(
        self,
        region: str,
        zones: int = 6,
        vpcs: dict[str, str] | None = None,
        subnets: dict[str, ExistingSubnet] | None = None,
    ) -> None:
        self.region = region
        self.zones = [f"{region}{letter}" for letter in "abcdef"[:zones]]
        self.registrations: list[Registration] = []
        # What already exists in the account: answers getVpc / getSubnet like EC2 would.
        self.vpcs = dict(EXAMPLE_VPCS if vpcs is None else vpcs)
        self.subnets = dict(EXAMPLE_SUBNETS if subnets is None else subnets)

    # ------------------------------------------------------------------ invokes
    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        handler = _INVOKES.get(args.token)
        return handler(self, dict(args.args)) if handler is not None else ({}, [])

    def _zones_invoke(self, a: dict[str, Any]) -> tuple[dict, list[tuple[str, str]]]:
        # Letters map to zone ids in order here; real accounts shuffle the mapping.
        parts = self.region.split("-")
        prefix = f"{parts[0]}{parts[1][0]}{parts[-1]}"
        zones = [(name, f"{prefix}-az{i + 1}") for i, name in enumerate(self.zones)]
        excluded = set(a.get("excludeZoneIds") or []) | set(a.get("excludeNames") or [])
        zones = [(n, z) for n, z in zones if n not in excluded and z not in excluded]
        return {
            "names": [n for n, _ in zones],
            "zoneIds": [z for _, z in zones],
            "id": self.region,
            "state": "available",
        }, []

    @staticmethod
    def addon_default_version(addon: str, kubernetes_version: str) -> str:
        """A synthetic answer shaped like DescribeAddonVersions' default version
        (`v<x.y.z>-eksbuild.<n>`), different for each add-on and Kubernetes version, so a
        test sees which Kubernetes version an add-on was looked up for."""
        minor = kubernetes_version.split(".")[1]
        return f"v1.{minor}.{len(addon)}-eksbuild.1"

    def _addon_version(self, a: dict[str, Any]) -> tuple[dict, list[tuple[str, str]]]:
        addon, version = str(a["addonName"]), str(a["kubernetesVersion"])
        return {
            "id": addon,
            "addonName": addon,
            "kubernetesVersion": version,
            "version": self.addon_default_version(addon, version),
        }, []

    def _caller_identity(self, a: dict[str, Any]) -> tuple[dict, list[tuple[str, str]]]:
        return {
            "accountId": ACCOUNT_ID,
            "arn": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/deployer/session",
            "userId": "AROAEXAMPLE:session",
            "id": ACCOUNT_ID,
        }, []

    def _existing_secret(self, a: dict[str, Any]) -> tuple[dict, list[tuple[str, str]]]:
        # A secret the operator created once (e.g. the Docker Hub credential): Secrets
        # Manager appends a random six-character suffix to the name in the ARN.
        name = a.get("name") or "unnamed"
        arn = f"arn:aws:secretsmanager:{self.region}:{ACCOUNT_ID}:secret:{name}-AbCdEf"
        return {"arn": arn, "id": arn, "name": name}, []

    def _region_invoke(self, a: dict[str, Any]) -> tuple[dict, list[tuple[str, str]]]:
        return {
            "region": self.region,
            "name": self.region,
            "endpoint": f"ec2.{self.region}.amazonaws.com",
            "description": self.region,
            "id": self.region,
        }, []

    def _partition(self, a: dict[str, Any]) -> tuple[dict, list[tuple[str, str]]]:
        return {
            "partition": "aws",
            "dnsSuffix": "amazonaws.com",
            "reverseDnsPrefix": "com.amazonaws",
            "id": "aws",
        }, []

    def _prefix_list(self, a: dict[str, Any]) -> tuple[dict, list[tuple[str, str]]]:
        return {"id": "pl-63a5400a", "name": a.get("name", ""), "cidrBlocks": []}, []

    def _zone_id(self, letter: str) -> str:
        parts = self.region.split("-")
        return f"{parts[0]}{parts[1][0]}{parts[-1]}-az{'abcdef'.index(letter) + 1}"

    def _existing_vpc(self, a: dict[str, Any]) -> tuple[dict, list[tuple[str, str]]]:
        vpc_id = str(a.get("id", ""))
        if vpc_id not in self.vpcs:
            return {}, [("id", f"no matching EC2 VPC found ({vpc_id})")]
        return {
            "id": vpc_id,
            "arn": self._arn("ec2", f"vpc/{vpc_id}"),
            "cidrBlock": self.vpcs[vpc_id],
            "enableDnsSupport": True,
            "enableDnsHostnames": vpc_id != NO_DNS_VPC_ID,
            "ownerId": VPC_OWNERS.get(vpc_id, ACCOUNT_ID),
            "state": "available",
            "tags": {},
        }, []

    def _existing_subnet(self, a: dict[str, Any]) -> tuple[dict, list[tuple[str, str]]]:
        subnet_id = str(a.get("id", ""))
        subnet = self.subnets.get(subnet_id)
        if subnet_id == DENIED_SUBNET_ID:
            return {}, [
                ("id", "reading EC2 Subnets: UnauthorizedOperation: You are not authorized to "
                 "perform this operation.")
            ]  # fmt: skip
        if subnet is None:
            return {}, [("id", f"no matching EC2 Subnet found ({subnet_id})")]
        return {
            "id": subnet_id,
            "arn": self._arn("ec2", f"subnet/{subnet_id}"),
            "vpcId": subnet.vpc_id,
            "availabilityZone": f"{self.region}{subnet.zone_letter}",
            "availabilityZoneId": self._zone_id(subnet.zone_letter),
            "cidrBlock": subnet.cidr,
            "mapPublicIpOnLaunch": subnet.public,
            "ownerId": VPC_OWNERS.get(subnet.vpc_id, ACCOUNT_ID),
            "state": "available",
            "tags": {},
        }, []

    # ------------------------------------------------------------------ resources
    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict]:
        inputs = dict(args.inputs)
        outputs = dict(inputs)
        rid = self._id(args.typ, args.name, inputs)
        outputs.update(self._computed(args.typ, args.name, rid, inputs))
        return rid, outputs

    def _arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        account = ACCOUNT_ID if service not in {"s3"} else ""
        return f"arn:aws:{service}:{region}:{account}:{resource}"

    def _id(self, typ: str, name: str, inputs: dict[str, Any]) -> str:
        if typ in _EC2_PREFIX:
            return f"{_EC2_PREFIX[typ]}-0{_short(name, 16)}"
        if typ == "aws:ec2/eip:Eip":
            return f"eipalloc-0{_short(name, 16)}"
        if typ == "aws:kms/key:Key":
            return _uuid(name)
        if typ not in _NAMED_IDS:
            return f"{name}-id"
        generated = inputs.get(_NAMED_IDS[typ]) or f"{name}-{_short(name, 7)}"
        return self._arn("sns", generated) if typ == "aws:sns/topic:Topic" else generated

    def _computed(self, typ: str, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        module = typ.split(":")[1].split("/", maxsplit=1)[0] if typ.count(":") == 2 else ""
        if module in {"ec2", "vpc"}:
            out["arn"] = self._arn("ec2", f"{typ.rsplit(':', 1)[-1].lower()}/{rid}")
        handler = _OUTPUTS.get(typ)
        if handler is not None:
            out.update(handler(self, name, rid, inputs))
        elif typ.startswith("kubernetes:") and "metadata" in inputs:
            meta = {"name": name, "namespace": "default", **dict(inputs.get("metadata") or {})}
            out["metadata"] = {**meta, "uid": _uuid(name)}
        elif typ.startswith("aws:") and module and "arn" not in out:
            out["arn"] = self._arn(module, f"{typ.rsplit(':', 1)[-1].lower()}/{name}")
        return out

    # One small function per resource type whose computed outputs the program reads.
    def _vpc(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"defaultSecurityGroupId": f"sg-0{_short(name + 'dsg', 16)}", "ownerId": ACCOUNT_ID}

    def _eip(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"allocationId": rid, "publicIp": f"3.{int(_short(name, 2), 16)}.10.20"}

    def _launch_template(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"latestVersion": 1, "defaultVersion": 1, "name": inputs.get("name") or name}

    def _bucket(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {
            "bucket": rid,
            "arn": f"arn:aws:s3:::{rid}",
            "bucketRegionalDomainName": f"{rid}.s3.{self.region}.amazonaws.com",
            "region": self.region,
        }

    def _object(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        # A file's version follows its path (not the asset object's address): two runs of the
        # program see the same versions, as S3 would for unchanged files.
        content = json.dumps(inputs.get("source", ""), default=lambda o: getattr(o, "path", str(o)))
        return {"versionId": _short(name + content, 32), "etag": _short(name, 32)}

    def _key(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"keyId": rid, "arn": self._arn("kms", f"key/{rid}")}

    def _alias(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"arn": self._arn("kms", str(inputs.get("name", "")))}

    def _role(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {
            "name": rid,
            "arn": f"arn:aws:iam::{ACCOUNT_ID}:role/{rid}",
            "uniqueId": f"AROA{_short(name, 17).upper()}",
        }

    def _policy(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"name": rid, "arn": f"arn:aws:iam::{ACCOUNT_ID}:policy/{rid}"}

    def _oidc(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"arn": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{inputs.get('url', '')}"}

    def _log_group(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"name": rid, "arn": self._arn("logs", f"log-group:{rid}")}

    def _topic(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"arn": rid, "name": rid.rsplit(":", 1)[-1]}

    def _platform_endpoint(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        app = str(inputs.get("platformApplicationArn", "")).split(":app/")[-1]
        return {"arn": self._arn("sns", f"endpoint/{app}/{_uuid(name)}")}

    def _subscription(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"arn": f"{inputs.get('topic', '')}:{_uuid(name)}"}

    def _secret(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        secret = inputs.get("name") or name
        return {"arn": self._arn("secretsmanager", f"secret:{secret}-{_short(name, 6)}")}

    def _mwaa(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        region = self.region
        return {
            "arn": self._arn("airflow", f"environment/{rid}"),
            "webserverUrl": f"{_uuid(name)}-vpce.c2.airflow.{region}.on.aws",
            "serviceRoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/"
            "airflow.amazonaws.com/AWSServiceRoleForAmazonMWAA",
            "status": "AVAILABLE",
            "databaseVpcEndpointService": f"com.amazonaws.vpce.{region}.vpce-svc-0{_short(name)}",
            "webserverVpcEndpointService": f"com.amazonaws.vpce.{region}.vpce-svc-1{_short(name)}",
        }

    def _rds(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        ident = inputs.get("identifier") or name
        host = f"{ident}.c{_short(name, 10)}.{self.region}.rds.amazonaws.com"
        secret = self._arn("secretsmanager", f"secret:rds!db-{_uuid(name)}")
        return {
            "identifier": ident,
            "address": host,
            "endpoint": f"{host}:5432",
            "port": 5432,
            "arn": self._arn("rds", f"db:{ident}"),
            "resourceId": f"db-{_short(name, 26).upper()}",
            "masterUserSecrets": [{"secretArn": secret, "secretStatus": "active"}],
        }

    def _replication_group(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        group = inputs.get("replicationGroupId") or name
        count = int(inputs.get("numCacheClusters") or 1)
        host = f"{group}.{_short(name, 6)}.use1.cache.amazonaws.com"
        return {
            "arn": self._arn("elasticache", f"replicationgroup:{group}"),
            "primaryEndpointAddress": f"master.{host}",
            "readerEndpointAddress": f"replica.{host}",
            "memberClusters": [f"{group}-{i + 1:03d}" for i in range(count)],
            "port": 6379,
        }

    def _named(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"name": inputs.get("name") or name}

    def _load_balancer(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        lb = inputs.get("name") or name
        suffix = f"app/{lb}/{_short(name, 16)}"
        return {
            "arn": self._arn("elasticloadbalancing", f"loadbalancer/{suffix}"),
            "arnSuffix": suffix,
            "dnsName": f"internal-{lb}-{_short(name, 9)}.{self.region}.elb.amazonaws.com",
            "zoneId": "Z35SXDOTRQ7X7K",
        }

    def _target_group(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        suffix = f"targetgroup/{inputs.get('name') or name}/{_short(name, 16)}"
        return {"arn": self._arn("elasticloadbalancing", suffix), "arnSuffix": suffix}

    def _listener(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        path = f"listener/app/{name}/{_short(name, 16)}"
        return {"arn": self._arn("elasticloadbalancing", path)}

    def _node_group(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        path = f"nodegroup/{inputs.get('clusterName', '')}/{name}/{_uuid(name)}"
        return {
            "arn": self._arn("eks", path),
            "nodeGroupName": inputs.get("nodeGroupName") or name,
            "status": "ACTIVE",
        }

    def _addon(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        path = f"addon/{inputs.get('clusterName', '')}/{inputs.get('addonName', '')}"
        return {"arn": self._arn("eks", path)}

    def _password(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        length = int(inputs.get("length") or 32)
        return {"result": ("Pw" + _short(name, 64) * 2)[:length]}

    def _bytes(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"base64": "dGVzdC1mZXJuZXQta2V5LTMyLWJ5dGVzLWxvbmctLS0=", "hex": _short(name, 64)}

    def _random_id(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        hex_ = _short(name, 2 * int(inputs.get("byteLength") or 8))
        return {"hex": hex_, "dec": str(int(hex_, 16)), "b64Url": hex_}

    def _release(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        namespace = inputs.get("namespace", "default")
        return {
            "status": {"status": "deployed", "namespace": namespace},
            "name": inputs.get("name") or name,
        }

    def _budget(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"arn": f"arn:aws:budgets::{ACCOUNT_ID}:budget/{inputs.get('name') or name}"}

    def _eks_cluster(self, name: str, rid: str, inputs: dict[str, Any]) -> dict[str, Any]:
        cluster = inputs.get("name") or name
        issuer_id = _short(name, 32).upper()
        issuer = f"oidc.eks.{self.region}.amazonaws.com/id/{issuer_id}"
        endpoint = f"https://{issuer_id}.gr7.{self.region}.eks.amazonaws.com"
        kubeconfig = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "kubernetes",
                    "cluster": {
                        "server": endpoint,
                        "certificate-authority-data": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t",
                    },
                }
            ],
            "contexts": [{"name": "aws", "context": {"cluster": "kubernetes", "user": "aws"}}],
            "current-context": "aws",
            "users": [
                {
                    "name": "aws",
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "aws",
                            "args": ["eks", "get-token", "--cluster-name", cluster],
                        }
                    },
                }
            ],
        }
        return {
            "kubeconfig": kubeconfig,
            "kubeconfigJson": json.dumps(kubeconfig),
            "oidcIssuer": issuer,
            "oidcProviderUrl": issuer,
            "oidcProviderArn": f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{issuer}",
            "clusterSecurityGroupId": f"sg-0{_short(name + 'cluster', 16)}",
            "nodeSecurityGroupId": f"sg-0{_short(name + 'node', 16)}",
        }


# Types whose id is a name the program may give (input key), else generated from the logical name.
_NAMED_IDS: dict[str, str] = {
    "aws:s3/bucket:Bucket": "bucket",
    "aws:iam/role:Role": "name",
    "aws:iam/policy:Policy": "name",
    "aws:sns/topic:Topic": "name",
    "aws:cloudwatch/logGroup:LogGroup": "name",
    "aws:mwaa/environment:Environment": "name",
}

_OUTPUTS: dict[str, Any] = {
    "aws:ec2/vpc:Vpc": AwsMocks._vpc,
    "aws:ec2/eip:Eip": AwsMocks._eip,
    "aws:ec2/launchTemplate:LaunchTemplate": AwsMocks._launch_template,
    "aws:s3/bucket:Bucket": AwsMocks._bucket,
    "aws:s3/bucketObjectv2:BucketObjectv2": AwsMocks._object,
    "aws:kms/key:Key": AwsMocks._key,
    "aws:kms/alias:Alias": AwsMocks._alias,
    "aws:iam/role:Role": AwsMocks._role,
    "aws:iam/policy:Policy": AwsMocks._policy,
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": AwsMocks._oidc,
    "aws:cloudwatch/logGroup:LogGroup": AwsMocks._log_group,
    "aws:sns/topic:Topic": AwsMocks._topic,
    "aws:sns/platformEndpoint:PlatformEndpoint": AwsMocks._platform_endpoint,
    "aws:sns/topicSubscription:TopicSubscription": AwsMocks._subscription,
    "aws:secretsmanager/secret:Secret": AwsMocks._secret,
    "aws:mwaa/environment:Environment": AwsMocks._mwaa,
    "aws:rds/instance:Instance": AwsMocks._rds,
    "aws:elasticache/replicationGroup:ReplicationGroup": AwsMocks._replication_group,
    "aws:elasticache/subnetGroup:SubnetGroup": AwsMocks._named,
    "aws:rds/subnetGroup:SubnetGroup": AwsMocks._named,
    "aws:rds/parameterGroup:ParameterGroup": AwsMocks._named,
    "aws:lb/loadBalancer:LoadBalancer": AwsMocks._load_balancer,
    "aws:lb/targetGroup:TargetGroup": AwsMocks._target_group,
    "aws:lb/listener:Listener": AwsMocks._listener,
    "aws:eks/nodeGroup:NodeGroup": AwsMocks._node_group,
    "aws:eks/addon:Addon": AwsMocks._addon,
    "eks:index:Cluster": AwsMocks._eks_cluster,
    "random:index/randomPassword:RandomPassword": AwsMocks._password,
    "random:index/randomBytes:RandomBytes": AwsMocks._bytes,
    "random:index/randomId:RandomId": AwsMocks._random_id,
    "kubernetes:helm.sh/v3:Release": AwsMocks._release,
    "aws:budgets/budget:Budget": AwsMocks._budget,
}


_INVOKES = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": AwsMocks._zones_invoke,
    "aws:index/getCallerIdentity:getCallerIdentity": AwsMocks._caller_identity,
    "aws:index/getRegion:getRegion": AwsMocks._region_invoke,
    "aws:index/getPartition:getPartition": AwsMocks._partition,
    "aws:ec2/getManagedPrefixList:getManagedPrefixList": AwsMocks._prefix_list,
    "aws:ec2/getVpc:getVpc": AwsMocks._existing_vpc,
    "aws:ec2/getSubnet:getSubnet": AwsMocks._existing_subnet,
    "aws:eks/getAddonVersion:getAddonVersion": AwsMocks._addon_version,
    "aws:secretsmanager/getSecret:getSecret": AwsMocks._existing_secret,
}


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """The mock monitor, remembering each registration's parent, URN and provider."""

    def __init__(self, mocks: AwsMocks) -> None:
        super().__init__(mocks)
        self.aws_mocks = mocks

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            registration = self.resources[response.urn]
            self.aws_mocks.registrations.append(
                Registration(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    parent=request.parent,
                    provider=request.provider,
                    custom=bool(request.custom),
                    protect=bool(request.protect),
                    dependencies=list(request.dependencies),
                    inputs=_inputs(request),
                    outputs=dict(registration.state),
                    id=registration.id or "",
                )
            )
        return response


def _inputs(request: Any) -> dict[str, Any]:
    from pulumi.runtime import rpc

    return dict(_reveal(rpc.deserialize_properties(request.object)))


_SECRET_SIG = ("4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270")


def _reveal(value: Any) -> Any:
    """Inputs as the provider would receive them: secret wrappers opened (tests read them)."""
    if isinstance(value, dict):
        if value.get(_SECRET_SIG[0]) == _SECRET_SIG[1]:
            return _reveal(value.get("value"))
        return {k: _reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_reveal(v) for v in value]
    return value


class InlineExecutor(ThreadPoolExecutor):
    """Runs what is submitted at once, on the caller's thread. Pulumi's runtime sends every
    engine call (register, invoke) to the event loop's executor so a gRPC round trip does not
    block the loop; the mock monitor answers in microseconds, and the thread hop (a queue, a
    wake-up of the loop's selector) cost more than the answer: about a tenth of a plan's CPU."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:
            future.set_exception(exc)
        return future


# The SDK function (pulumi.runtime.resource) that walks the stack for every resource.
STACK_TRACE_HOOK = "_get_stack_trace"


@functools.cache
def _no_stack_trace() -> Any:
    """An empty stack trace, as the SDK itself sends when it cannot find the user's frame."""
    from pulumi.runtime.proto import source_pb2

    return source_pb2.StackTrace()


def run_mocked(
    program: Callable[[], None],
    mocks: pulumi.runtime.Mocks,
    *,
    project: str,
    stack: str,
    preview: bool,
    monitor: pulumi_mocks.MockMonitor | None = None,
    logger: Any = None,
    config: dict[str, str] | None = None,
) -> None:
    """Run `program` as a Pulumi program under `mocks` (the offline plan, the unit tests).

    Two things the runtime does for a real engine are left out, as nothing under mocks reads
    them: the stack trace the SDK walks and resolves to file URIs for every resource (the
    engine prints it beside diagnostics; the mock monitor drops it: a fifth of a plan's CPU),
    and the thread per engine call (InlineExecutor); both are put back when the program has
    run. tests/test_mocks.py checks the SDK still has the hook this replaces."""
    from pulumi.runtime import resource as runtime_resource
    from pulumi.runtime import settings as runtime_settings
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

    hook = getattr(runtime_resource, STACK_TRACE_HOOK, None)
    loop = _ensure_event_loop()
    executor = getattr(loop, "_default_executor", None)
    if hook is not None:
        setattr(runtime_resource, STACK_TRACE_HOOK, _no_stack_trace)
    loop.set_default_executor(InlineExecutor(max_workers=1))
    runtime_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(
        mocks, project=project, stack=stack, preview=preview, monitor=monitor, logger=logger
    )
    if config is not None:
        pulumi.runtime.set_all_config(config)
    try:
        _sync_await(run_pulumi_func(program))
    finally:
        # What else runs in the process (a real engine, another event loop user) gets the
        # runtime as it was.
        if hook is not None:
            setattr(runtime_resource, STACK_TRACE_HOOK, hook)
        loop._default_executor = executor
