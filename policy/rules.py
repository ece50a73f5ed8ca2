"""The security baseline as pure functions over planned resources.

A resource is a plain dict, the same whether it comes from the offline plan (the inputs that
`pulumi.runtime.Mocks.new_resource` receives) or from CrossGuard (`args.props`):

    {
        "type": "aws:s3/bucket:Bucket",       # Pulumi type token
        "name": "airflow-dags",               # logical name
        "inputs": {...},                      # input properties, camelCase at every depth
        # optional:
        "provider": "aws-tagged",             # logical name (or reference) of an explicit provider
        "id": "airflow-dags-1a2b",            # physical id, when known (mocks return one)
        "urn": "urn:pulumi:...",
        "propertyDependencies": {"bucket": ["airflow-dags"]},  # input -> logical names
    }

Rules judge only what they can see. A value that is unknown during preview (Pulumi's sentinel
strings, see UNKNOWN_SENTINELS) means "cannot tell" and never produces a finding; an absent
input means the AWS default, which is judged like any other value.

This module is imported as `policy.rules` from the project root and as `rules` by the pack in
`policy/__main__.py`, so it imports nothing from the project.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

Level = Literal["mandatory", "advisory"]
Resource = Mapping[str, Any]
ResourceCheck = Callable[[Resource], list[str]]
StackCheck = Callable[[Sequence[Resource]], list[tuple[str, str]]]

# Pulumi's sentinels for values not known during preview: pulumi/runtime/rpc.py `UNKNOWN` and
# the typed variants in pulumi_policy/proxy.py.
UNKNOWN_SENTINELS: Final = frozenset(
    {
        "04da6b54-80e4-46f7-96ec-b56ff0331ba9",  # string (also the SDK's generic UNKNOWN)
        "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",  # boolean
        "3eeb2bf0-c639-47a8-9e75-3b44932eb421",  # number
        "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",  # array
        "030794c1-ac77-496b-92df-f27374a8bd58",  # asset
        "e48ece36-62e2-4504-bad9-02848725956a",  # archive
        "dd056dcd-154b-4c76-9bd3-c8f88648b5ff",  # object
    }
)

REQUIRED_TAGS: Final = ("Project", "Environment", "ManagedBy", "Owner", "CostCenter")
ADMIN_PORTS: Final = (22, 3389, 5432, 6379)
OPEN_CIDRS: Final = frozenset({"0.0.0.0/0", "::/0"})
EKS_LOG_TYPES: Final = ("api", "audit", "authenticator", "controllerManager", "scheduler")
MWAA_LOGS: Final = ("dagProcessingLogs", "schedulerLogs", "taskLogs", "webserverLogs", "workerLogs")
MIN_BACKUP_RETENTION_DAYS: Final = 7

AWS_PROVIDER: Final = "pulumi:providers:aws"
BUCKETS: Final = frozenset({"aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"})
EKS_COMPONENT: Final = "eks:index:Cluster"
EKS_CLUSTER: Final = "aws:eks/cluster:Cluster"
# The AWS provider does not apply default tags to Auto Scaling groups.
NO_DEFAULT_TAGS: Final = frozenset({"aws:autoscaling/group:Group"})

_KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_SERVICE_WILDCARD = re.compile(r"^[a-z0-9-]+:\*$", re.IGNORECASE)


class _Unknown:
    """Marks a value Pulumi cannot know yet: the rule cannot tell, so it stays silent."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
Verdict = str | _Unknown | None  # a problem, cannot tell, or fine


def _load_taggable_types() -> frozenset[str]:
    path = Path(__file__).with_name("taggable_types.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


# Every pulumi-aws resource type whose inputs include `tags` (generated from the installed SDK
# by policy/gen_taggable_types.py; a test keeps the list current).
TAGGABLE_TYPES: Final = _load_taggable_types()


# ---------------------------------------------------------------------------------------------
# Model
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """One rule of the baseline: a per-resource check or a stack check, never both."""

    name: str
    description: str
    level: Level
    resource_types: frozenset[str] = frozenset()
    check: ResourceCheck | None = None
    stack_check: StackCheck | None = None

    def __post_init__(self) -> None:
        if not _KEBAB.match(self.name):
            raise ValueError(f"policy name {self.name!r} is not kebab-case")
        if self.level not in ("mandatory", "advisory"):
            raise ValueError(f"policy {self.name}: level {self.level!r} is not mandatory/advisory")
        if (self.check is None) == (self.stack_check is None):
            raise ValueError(f"policy {self.name}: give exactly one of check and stack_check")
        if self.check is not None and not self.resource_types:
            raise ValueError(f"policy {self.name}: a per-resource check needs resource_types")


@dataclass(frozen=True)
class Finding:
    """A policy violation on one resource; `excepted` holds the reason when the stack excepts it."""

    policy: str
    level: Level
    resource_type: str
    resource_name: str
    message: str
    excepted: str | None = None

    @property
    def blocking(self) -> bool:
        """True when this finding must stop a deployment."""
        return self.level == "mandatory" and self.excepted is None


# ---------------------------------------------------------------------------------------------
# Reading values
# ---------------------------------------------------------------------------------------------


def is_unknown(value: object) -> bool:
    """True for values Pulumi cannot know during preview."""
    return value is UNKNOWN or (isinstance(value, str) and value in UNKNOWN_SENTINELS)


def dig(obj: Any, *path: str | int) -> Any:
    """The value at `path`: None when absent, UNKNOWN when it (or a parent) is unknown."""
    for key in path:
        if is_unknown(obj):
            return UNKNOWN
        if isinstance(key, int):
            if not _is_list(obj) or key >= len(obj):
                return None
            obj = obj[key]
        elif isinstance(obj, Mapping):
            obj = obj.get(key)
        else:
            return None
    return UNKNOWN if is_unknown(obj) else obj


def _is_list(value: object) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _as_list(value: object) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return list(value)
    return [value]


def _is_set(value: object) -> bool:
    """Set to something: an unknown value will be set too, just not known yet."""
    return value is not None and value not in ("", [], {})


def _inputs(resource: Resource) -> Mapping[str, Any]:
    inputs = resource.get("inputs")
    return inputs if isinstance(inputs, Mapping) else {}


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def policy_document(value: object) -> Mapping[str, Any] | _Unknown | None:
    """An IAM-style policy document given as a dict or a JSON string."""
    if value is None or value == "":
        return None
    if is_unknown(value):
        return UNKNOWN
    if isinstance(value, str):
        if any(sentinel in value for sentinel in UNKNOWN_SENTINELS):
            return UNKNOWN
        try:
            value = json.loads(value)
        except ValueError:
            return UNKNOWN  # AWS rejects malformed JSON; nothing for a baseline rule to judge
    return value if isinstance(value, Mapping) else UNKNOWN


def statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The known statements of a policy document."""
    return [s for s in _as_list(document.get("Statement")) if isinstance(s, Mapping)]


def _principal_is_public(principal: object) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return "*" in _as_list(principal.get("AWS"))
    return False


def _condition_keys(statement: Mapping[str, Any]) -> list[str]:
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return []
    return [
        key.lower()
        for operator in condition.values()
        if isinstance(operator, Mapping)
        for key in operator
    ]


# ---------------------------------------------------------------------------------------------
# Per-resource checks
# ---------------------------------------------------------------------------------------------


def _must_be_true(resource: Resource, path: Sequence[str], message: str) -> list[str]:
    value = dig(_inputs(resource), *path)
    return [] if value is UNKNOWN or value is True else [message]


def _must_be_set(resource: Resource, path: Sequence[str], message: str) -> list[str]:
    return [] if _is_set(dig(_inputs(resource), *path)) else [message]


def check_kms_rotation(resource: Resource) -> list[str]:
    """Symmetric keys rotate; asymmetric and HMAC keys cannot, so they are left alone."""
    spec = dig(_inputs(resource), "customerMasterKeySpec")
    if spec is UNKNOWN or spec not in (None, "SYMMETRIC_DEFAULT"):
        return []
    return _must_be_true(resource, ["enableKeyRotation"], "enableKeyRotation is not true")


def check_kms_policy(resource: Resource) -> list[str]:
    return _must_be_set(
        resource, ["policy"], "no explicit key policy: the account default grants the whole account"
    )


def check_sns_encrypted(resource: Resource) -> list[str]:
    return _must_be_set(resource, ["kmsMasterKeyId"], "kmsMasterKeyId is not set")


def check_sns_not_public(resource: Resource) -> list[str]:
    document = policy_document(dig(_inputs(resource), "policy"))
    if not isinstance(document, Mapping):
        return []
    return [
        f"statement {s.get('Sid', i)!r} allows any principal without a condition"
        for i, s in enumerate(statements(document))
        if s.get("Effect") == "Allow"
        and _principal_is_public(s.get("Principal"))
        and not _condition_keys(s)
    ]


def check_log_group_encrypted(resource: Resource) -> list[str]:
    return _must_be_set(resource, ["kmsKeyId"], "kmsKeyId is not set")


def check_log_group_retention(resource: Resource) -> list[str]:
    value = dig(_inputs(resource), "retentionInDays")
    if value is UNKNOWN:
        return []
    days = _number(value)
    if days is None or days <= 0:
        return ["retentionInDays is not set: logs are kept (and billed) forever"]
    return []


def check_rds_encrypted(resource: Resource) -> list[str]:
    return _must_be_true(resource, ["storageEncrypted"], "storageEncrypted is not true")


def check_rds_not_public(resource: Resource) -> list[str]:
    value = dig(_inputs(resource), "publiclyAccessible")
    return ["publiclyAccessible is true"] if value is True else []


def check_rds_multi_az(resource: Resource) -> list[str]:
    return _must_be_true(resource, ["multiAz"], "multiAz is not true")


def check_rds_backups(resource: Resource) -> list[str]:
    value = dig(_inputs(resource), "backupRetentionPeriod")
    if value is UNKNOWN:
        return []
    days = _number(value)
    if days is None or days < MIN_BACKUP_RETENTION_DAYS:
        return [f"backupRetentionPeriod is {value!r}, below {MIN_BACKUP_RETENTION_DAYS} days"]
    return []


def check_rds_deletion_protection(resource: Resource) -> list[str]:
    return _must_be_true(resource, ["deletionProtection"], "deletionProtection is not true")


def check_rds_final_snapshot(resource: Resource) -> list[str]:
    """Only a database declared disposable (unprotected, skipFinalSnapshot) may go unsnapshotted."""
    inputs = _inputs(resource)
    protected = dig(inputs, "deletionProtection")
    skip = dig(inputs, "skipFinalSnapshot")
    identifier = dig(inputs, "finalSnapshotIdentifier")
    if protected is True and skip is True:
        return ["deletionProtection is on but skipFinalSnapshot would drop the data on delete"]
    if skip is UNKNOWN or skip is True or _is_set(identifier):
        return []
    return ["finalSnapshotIdentifier is not set (and skipFinalSnapshot is not true)"]


def check_elasticache_encryption(resource: Resource) -> list[str]:
    return _must_be_true(
        resource, ["atRestEncryptionEnabled"], "atRestEncryptionEnabled is not true"
    ) + _must_be_true(
        resource, ["transitEncryptionEnabled"], "transitEncryptionEnabled is not true"
    )


def check_elasticache_auth(resource: Resource) -> list[str]:
    inputs = _inputs(resource)
    if any(_is_set(dig(inputs, key)) for key in ("authToken", "authTokenWo", "userGroupIds")):
        return []
    return ["neither authToken nor userGroupIds is set: any client in the network can connect"]


def check_elasticache_failover(resource: Resource) -> list[str]:
    return _must_be_true(
        resource, ["automaticFailoverEnabled"], "automaticFailoverEnabled is not true"
    )


def _eks(resource: Resource, component: Sequence[str], cluster: Sequence[str]) -> Any:
    path = component if resource.get("type") == EKS_COMPONENT else cluster
    return dig(_inputs(resource), *path)


def check_eks_endpoint(resource: Resource) -> list[str]:
    messages = []
    private = _eks(resource, ["endpointPrivateAccess"], ["vpcConfig", "endpointPrivateAccess"])
    if private is not UNKNOWN and private is not True:
        messages.append("endpointPrivateAccess is not true")
    public = _eks(resource, ["endpointPublicAccess"], ["vpcConfig", "endpointPublicAccess"])
    if public is UNKNOWN or public is False:
        return messages
    cidrs = _eks(resource, ["publicAccessCidrs"], ["vpcConfig", "publicAccessCidrs"])
    if cidrs is UNKNOWN:
        return messages
    # Public access defaults to on, and publicAccessCidrs to 0.0.0.0/0.
    if not cidrs or OPEN_CIDRS & set(_as_list(cidrs)):
        messages.append("the public endpoint is open to the internet: restrict publicAccessCidrs")
    return messages


def check_eks_logs(resource: Resource) -> list[str]:
    types = dig(_inputs(resource), "enabledClusterLogTypes")
    if types is UNKNOWN:
        return []
    missing = [t for t in EKS_LOG_TYPES if t not in _as_list(types)]
    return [f"control-plane logs off: {', '.join(missing)}"] if missing else []


def check_eks_secrets_encryption(resource: Resource) -> list[str]:
    key = _eks(resource, ["encryptionConfigKeyArn"], ["encryptionConfig", "provider", "keyArn"])
    return [] if _is_set(key) else ["Kubernetes secrets are not encrypted with a KMS key"]


def check_eks_access_entries(resource: Resource) -> list[str]:
    mode = _eks(resource, ["authenticationMode"], ["accessConfig", "authenticationMode"])
    if mode is UNKNOWN or mode == "API":
        return []
    return [f"authenticationMode is {mode!r}, not 'API' (access entries only, no aws-auth)"]


def check_imdsv2(resource: Resource) -> list[str]:
    tokens = dig(_inputs(resource), "metadataOptions", "httpTokens")
    if tokens is UNKNOWN or tokens == "required":
        return []
    return [f"metadataOptions.httpTokens is {tokens!r}, not 'required' (IMDSv2)"]


def check_mwaa_private(resource: Resource) -> list[str]:
    mode = dig(_inputs(resource), "webserverAccessMode")
    if mode is UNKNOWN or mode in (None, "PRIVATE_ONLY"):  # the API defaults to PRIVATE_ONLY
        return []
    return [f"webserverAccessMode is {mode!r}: the Airflow UI is reachable from the internet"]


def check_mwaa_key(resource: Resource) -> list[str]:
    return _must_be_set(resource, ["kmsKey"], "kmsKey is not set (AWS-owned key)")


def check_mwaa_logging(resource: Resource) -> list[str]:
    inputs = _inputs(resource)
    off = [
        name
        for name in MWAA_LOGS
        if dig(inputs, "loggingConfiguration", name, "enabled") not in (True, UNKNOWN)
    ]
    return [f"logging off: {', '.join(off)}"] if off else []


def _documents(resource: Resource) -> list[Any]:
    inputs = _inputs(resource)
    if resource.get("type") == "aws:iam/role:Role":
        inline = dig(inputs, "inlinePolicies")
        return [dig(p, "policy") for p in _as_list(inline) if isinstance(p, Mapping)]
    return [dig(inputs, "policy")]


def check_iam_wildcards(resource: Resource) -> list[str]:
    messages = []
    for raw in _documents(resource):
        document = policy_document(raw)
        if not isinstance(document, Mapping):
            continue
        for statement in statements(document):
            if statement.get("Effect") != "Allow":
                continue
            if "NotAction" in statement:
                messages.append("an Allow statement uses NotAction: it grants almost everything")
            broad = [
                a
                for a in _as_list(statement.get("Action"))
                if isinstance(a, str) and (a == "*" or _SERVICE_WILDCARD.match(a))
            ]
            if broad:
                messages.append(f"an Allow statement grants {', '.join(broad)}")
    return messages


def check_trust_policy(resource: Resource) -> list[str]:
    document = policy_document(dig(_inputs(resource), "assumeRolePolicy"))
    if not isinstance(document, Mapping):
        return []
    messages = []
    for statement in statements(document):
        if statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        if _principal_is_public(principal):
            messages.append("the trust policy lets any principal assume the role")
        web_identity = "sts:AssumeRoleWithWebIdentity" in _as_list(statement.get("Action"))
        federated = isinstance(principal, Mapping) and "Federated" in principal
        if web_identity and federated:
            keys = _condition_keys(statement)
            if not any(k.endswith(":sub") for k in keys):
                messages.append("a web-identity trust has no condition on the token's sub claim")
    return messages


_ADMIN_POLICIES = ("AdministratorAccess", "PowerUserAccess")


def _is_admin_policy(arn: object) -> bool:
    if not isinstance(arn, str) or is_unknown(arn):
        return False
    name = arn.rsplit("/", 1)[-1]
    return name in _ADMIN_POLICIES or name.endswith("FullAccess")


def check_admin_attachments(resource: Resource) -> list[str]:
    inputs = _inputs(resource)
    if resource.get("type") == "aws:iam/role:Role":
        arns = _as_list(dig(inputs, "managedPolicyArns"))
    else:
        arns = [dig(inputs, "policyArn")]
    return [f"attaches the broad managed policy {arn}" for arn in arns if _is_admin_policy(arn)]


def _open_admin_ports(protocol: Any, from_port: Any, to_port: Any, cidrs: Iterable[Any]) -> str:
    """A message when the rule opens an admin port to the internet, else ''."""
    open_cidrs = sorted({c for c in cidrs if isinstance(c, str) and c in OPEN_CIDRS})
    if not open_cidrs or is_unknown(protocol) or protocol is None:
        return ""
    proto = str(protocol).lower()
    if proto in ("-1", "all"):
        ports = list(ADMIN_PORTS)
    elif proto in ("tcp", "6", "udp", "17"):
        low, high = _number(from_port), _number(to_port)
        if low is None or high is None:
            return ""
        ports = [p for p in ADMIN_PORTS if low <= p <= high]
    else:
        return ""
    if not ports:
        return ""
    return f"ingress from {', '.join(open_cidrs)} opens admin port(s) {', '.join(map(str, ports))}"


def check_security_group_ingress(resource: Resource) -> list[str]:
    inputs = _inputs(resource)
    kind = resource.get("type")
    if kind == "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule":
        rules = [
            (
                inputs.get("ipProtocol"),
                inputs.get("fromPort"),
                inputs.get("toPort"),
                [inputs.get("cidrIpv4"), inputs.get("cidrIpv6")],
            )
        ]
    elif kind == "aws:ec2/securityGroupRule:SecurityGroupRule":
        if inputs.get("type") != "ingress":
            return []
        rules = [
            (
                inputs.get("protocol"),
                inputs.get("fromPort"),
                inputs.get("toPort"),
                _as_list(inputs.get("cidrBlocks")) + _as_list(inputs.get("ipv6CidrBlocks")),
            )
        ]
    else:
        rules = [
            (
                dig(rule, "protocol"),
                dig(rule, "fromPort"),
                dig(rule, "toPort"),
                _as_list(dig(rule, "cidrBlocks")) + _as_list(dig(rule, "ipv6CidrBlocks")),
            )
            for rule in _as_list(dig(inputs, "ingress"))
            if isinstance(rule, Mapping)
        ]
    messages = [_open_admin_ports(*rule) for rule in rules]
    return [m for m in messages if m]


# ---------------------------------------------------------------------------------------------
# Stack checks: a resource and the companions that configure it
# ---------------------------------------------------------------------------------------------


def _identifiers(resource: Resource) -> set[str]:
    """The names by which another resource may point at this one."""
    inputs = _inputs(resource)
    candidates = [resource.get("name"), resource.get("id"), resource.get("urn")]
    candidates += [dig(inputs, key) for key in ("bucket", "arn", "id")]
    return {c for c in candidates if isinstance(c, str) and c and not is_unknown(c)}


def _link(
    companions: Sequence[Resource], targets: Sequence[Resource], key: str
) -> tuple[dict[str, list[Resource]], bool]:
    """Targets' logical names -> companions pointing at them via input `key`.

    The flag is True when some companion points at a target nobody can know yet (an unknown
    value without property dependencies): then a missing companion cannot be proven.
    """
    by_identifier: dict[str, str] = {}
    for target in targets:
        for identifier in _identifiers(target):
            by_identifier.setdefault(identifier, target["name"])
    linked: dict[str, list[Resource]] = {target["name"]: [] for target in targets}
    undecided = False
    for companion in companions:
        value = dig(_inputs(companion), key)
        hits = set()
        if isinstance(value, str) and value in by_identifier:
            hits.add(by_identifier[value])
        if not hits:
            dependencies = dig(companion.get("propertyDependencies") or {}, key)
            hits = {name for name in _as_list(dependencies) if name in linked}
        if not hits and value is UNKNOWN:
            undecided = True
        for name in hits:
            linked[name].append(companion)
    return linked, undecided


def _companion_rule(
    target_types: frozenset[str],
    companion_types: frozenset[str],
    key: str,
    missing: str,
    judge: Callable[[Resource], Verdict],
) -> StackCheck:
    """Every target has a companion (via input `key`) that the judge accepts."""

    def check(resources: Sequence[Resource]) -> list[tuple[str, str]]:
        targets = [r for r in resources if r.get("type") in target_types]
        companions = [r for r in resources if r.get("type") in companion_types]
        linked, undecided = _link(companions, targets, key)
        findings: list[tuple[str, str]] = []
        for target in targets:
            found = linked[target["name"]]
            if not found:
                if not undecided:
                    findings.append((target["name"], missing))
                continue
            verdicts = [(companion["name"], judge(companion)) for companion in found]
            if any(v is None or v is UNKNOWN for _, v in verdicts):
                continue
            findings.extend((name, v) for name, v in verdicts if isinstance(v, str))
        return findings

    return check


def _types(*names: str) -> frozenset[str]:
    """Type tokens, each with its deprecated `...V2` twin that pulumi-aws 7 still ships."""
    tokens = set(names)
    for name in names:
        module, kind = name.rsplit(":", 1)
        head, member = module.rsplit("/", 1)
        tokens.add(f"{head}/{member}V2:{kind}V2")
    return frozenset(tokens)


def _judge_versioning(resource: Resource) -> Verdict:
    status = dig(_inputs(resource), "versioningConfiguration", "status")
    if status == "Enabled":
        return None
    if status is UNKNOWN:
        return UNKNOWN
    return f"versioning status is {status!r}, not 'Enabled'"


_PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)


def _judge_public_access_block(resource: Resource) -> Verdict:
    values = {flag: dig(_inputs(resource), flag) for flag in _PUBLIC_ACCESS_FLAGS}
    off = [flag for flag, value in values.items() if value is not True and value is not UNKNOWN]
    if off:
        return f"public access block leaves {', '.join(off)} off"
    return UNKNOWN if UNKNOWN in values.values() else None


def _judge_sse_kms(resource: Resource) -> Verdict:
    rules = dig(_inputs(resource), "rules")
    if rules is UNKNOWN:
        return UNKNOWN
    seen = []
    for rule in _as_list(rules):
        algorithm = dig(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")
        key = dig(rule, "applyServerSideEncryptionByDefault", "kmsMasterKeyId")
        if algorithm is UNKNOWN:
            return UNKNOWN
        if algorithm in ("aws:kms", "aws:kms:dsse") and _is_set(key):
            return None
        seen.append(f"{algorithm!r} (kmsMasterKeyId {'set' if _is_set(key) else 'unset'})")
    return f"default encryption is {', '.join(seen) or 'absent'}, not SSE-KMS with a customer key"


def _denies_plain_http(statement: Mapping[str, Any]) -> bool:
    if statement.get("Effect") != "Deny":
        return False
    condition = statement.get("Condition")
    if not isinstance(condition, Mapping):
        return False
    for operator, clauses in condition.items():
        if not str(operator).startswith("Bool") or not isinstance(clauses, Mapping):
            continue
        for key, value in clauses.items():
            if key.lower() == "aws:securetransport" and any(
                str(v).lower() == "false" for v in _as_list(value)
            ):
                return True
    return False


def _judge_tls_only(resource: Resource) -> Verdict:
    document = policy_document(dig(_inputs(resource), "policy"))
    if document is UNKNOWN:
        return UNKNOWN
    if isinstance(document, Mapping) and any(map(_denies_plain_http, statements(document))):
        return None
    return "bucket policy does not deny requests with aws:SecureTransport false"


def _judge_lifecycle(resource: Resource) -> Verdict:
    rules = dig(_inputs(resource), "rules")
    if rules is UNKNOWN:
        return UNKNOWN
    statuses = [dig(rule, "status") for rule in _as_list(rules)]
    if "Enabled" in statuses:
        return None
    if UNKNOWN in statuses:
        return UNKNOWN
    return "lifecycle configuration has no enabled rule"


def _judge_default_security_group(resource: Resource) -> Verdict:
    inputs = _inputs(resource)
    values = [dig(inputs, "ingress"), dig(inputs, "egress")]
    if any(_is_list(v) and len(v) > 0 for v in values):
        return "the default security group still has rules: leave ingress and egress empty"
    return UNKNOWN if UNKNOWN in values else None


def _accept(_resource: Resource) -> Verdict:
    return None


def _tag_keys(tags: object) -> set[str] | _Unknown:
    """Keys with a value, from a tag map or an Auto Scaling style list of {key, value}."""
    if is_unknown(tags):
        return UNKNOWN
    if isinstance(tags, Mapping):
        return {k for k, v in tags.items() if _is_set(v)}
    keys = set()
    for item in _as_list(tags):
        if isinstance(item, Mapping) and _is_set(dig(item, "value")):
            key = dig(item, "key")
            if isinstance(key, str) and not is_unknown(key):
                keys.add(key)
    return keys


def _provider_name(reference: object) -> str | None:
    """A provider's logical name from a name or a `urn:pulumi:...::name::id` reference."""
    if not isinstance(reference, str) or not reference:
        return None
    if reference.startswith("urn:pulumi:"):
        parts = reference.split("::")
        return parts[3] if len(parts) > 3 else None
    return reference


def _default_tags(provider: Resource) -> set[str] | _Unknown:
    value = dig(_inputs(provider), "defaultTags")
    if isinstance(value, str) and not is_unknown(value):
        try:  # provider inputs travel as JSON strings
            value = json.loads(value)
        except ValueError:
            return UNKNOWN
    return _tag_keys(dig(value, "tags"))


def check_required_tags(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    """Each taggable AWS resource carries the required tags, itself or via its provider."""
    providers = {r["name"]: r for r in resources if r.get("type") == AWS_PROVIDER}
    findings = []
    for resource in resources:
        kind = resource.get("type")
        if kind not in TAGGABLE_TYPES:
            continue
        keys = _tag_keys(dig(_inputs(resource), "tags"))
        if "tagsAll" in _inputs(resource):  # a refreshed state already merges provider tags
            keys = _union(keys, _tag_keys(dig(_inputs(resource), "tagsAll")))
        provider = _provider_name(resource.get("provider"))
        if provider is not None and kind not in NO_DEFAULT_TAGS:
            if provider not in providers:
                continue  # its default tags are out of sight: cannot tell
            keys = _union(keys, _default_tags(providers[provider]))
        if isinstance(keys, _Unknown):
            continue
        missing = [tag for tag in REQUIRED_TAGS if tag not in keys]
        if missing:
            where = "itself or in its provider's defaultTags"
            findings.append((resource["name"], f"missing tags {', '.join(missing)} ({where})"))
    return findings


def _union(a: set[str] | _Unknown, b: set[str] | _Unknown) -> set[str] | _Unknown:
    if isinstance(a, _Unknown) or isinstance(b, _Unknown):
        return UNKNOWN
    return a | b


# ---------------------------------------------------------------------------------------------
# The baseline
# ---------------------------------------------------------------------------------------------

_RDS = frozenset({"aws:rds/instance:Instance", "aws:rds/cluster:Cluster"})
_EKS = frozenset({EKS_COMPONENT, EKS_CLUSTER})
_IAM_DOCUMENTS = frozenset(
    {
        "aws:iam/policy:Policy",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/userPolicy:UserPolicy",
        "aws:iam/groupPolicy:GroupPolicy",
        "aws:iam/role:Role",
    }
)
_IAM_ATTACHMENTS = frozenset(
    {
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:iam/userPolicyAttachment:UserPolicyAttachment",
        "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
        "aws:iam/policyAttachment:PolicyAttachment",
        "aws:iam/role:Role",
    }
)
_SECURITY_GROUP_RULES = frozenset(
    {
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "aws:ec2/securityGroupRule:SecurityGroupRule",
        "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
    }
)
_VPC = frozenset({"aws:ec2/vpc:Vpc"})
_REPLICATION_GROUP = frozenset({"aws:elasticache/replicationGroup:ReplicationGroup"})
_MWAA = frozenset({"aws:mwaa/environment:Environment"})


def _rule(
    name: str, level: Level, types: Iterable[str], check: ResourceCheck, description: str
) -> Policy:
    return Policy(name, description, level, resource_types=frozenset(types), check=check)


def _stack_rule(name: str, level: Level, check: StackCheck, description: str) -> Policy:
    return Policy(name, description, level, stack_check=check)


POLICIES: Final[tuple[Policy, ...]] = (
    # S3: every bucket is configured by its companion resources.
    _stack_rule(
        "s3-bucket-versioning",
        "mandatory",
        _companion_rule(
            BUCKETS,
            _types("aws:s3/bucketVersioning:BucketVersioning"),
            "bucket",
            "no BucketVersioning with status Enabled",
            _judge_versioning,
        ),
        "Every S3 bucket has versioning enabled.",
    ),
    _stack_rule(
        "s3-bucket-public-access-block",
        "mandatory",
        _companion_rule(
            BUCKETS,
            frozenset({"aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"}),
            "bucket",
            "no BucketPublicAccessBlock",
            _judge_public_access_block,
        ),
        "Every S3 bucket has a public access block with all four settings true.",
    ),
    _stack_rule(
        "s3-bucket-sse-kms",
        "mandatory",
        _companion_rule(
            BUCKETS,
            _types(
                "aws:s3/bucketServerSideEncryptionConfiguration:"
                "BucketServerSideEncryptionConfiguration"
            ),
            "bucket",
            "no BucketServerSideEncryptionConfiguration",
            _judge_sse_kms,
        ),
        "Every S3 bucket encrypts by default with SSE-KMS and a customer managed key.",
    ),
    _stack_rule(
        "s3-bucket-tls-only",
        "mandatory",
        _companion_rule(
            BUCKETS,
            frozenset({"aws:s3/bucketPolicy:BucketPolicy"}),
            "bucket",
            "no BucketPolicy denying aws:SecureTransport false",
            _judge_tls_only,
        ),
        "Every S3 bucket has a policy that denies requests not made over TLS.",
    ),
    _stack_rule(
        "s3-bucket-lifecycle",
        "mandatory",
        _companion_rule(
            BUCKETS,
            _types("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"),
            "bucket",
            "no BucketLifecycleConfiguration",
            _judge_lifecycle,
        ),
        "Every S3 bucket has a lifecycle configuration with an enabled rule.",
    ),
    # KMS, SNS, CloudWatch Logs
    _rule(
        "kms-key-rotation",
        "mandatory",
        ["aws:kms/key:Key"],
        check_kms_rotation,
        "Symmetric KMS keys rotate automatically.",
    ),
    _rule(
        "kms-key-policy",
        "mandatory",
        ["aws:kms/key:Key"],
        check_kms_policy,
        "KMS keys have an explicit key policy.",
    ),
    _rule(
        "sns-topic-encrypted",
        "mandatory",
        ["aws:sns/topic:Topic"],
        check_sns_encrypted,
        "SNS topics are encrypted with a KMS key.",
    ),
    _rule(
        "sns-topic-not-public",
        "mandatory",
        ["aws:sns/topic:Topic", "aws:sns/topicPolicy:TopicPolicy"],
        check_sns_not_public,
        "SNS topic policies allow no unconditioned public principal.",
    ),
    _rule(
        "log-group-encrypted",
        "mandatory",
        ["aws:cloudwatch/logGroup:LogGroup"],
        check_log_group_encrypted,
        "CloudWatch log groups are encrypted with a KMS key.",
    ),
    _rule(
        "log-group-retention",
        "mandatory",
        ["aws:cloudwatch/logGroup:LogGroup"],
        check_log_group_retention,
        "CloudWatch log groups have a finite retention.",
    ),
    # RDS
    _rule(
        "rds-storage-encrypted",
        "mandatory",
        _RDS,
        check_rds_encrypted,
        "RDS storage is encrypted.",
    ),
    _rule(
        "rds-not-public",
        "mandatory",
        _RDS,
        check_rds_not_public,
        "RDS databases are not publicly accessible.",
    ),
    _rule(
        "rds-multi-az",
        "advisory",
        ["aws:rds/instance:Instance"],
        check_rds_multi_az,
        "RDS instances run Multi-AZ.",
    ),
    _rule(
        "rds-backup-retention",
        "mandatory",
        _RDS,
        check_rds_backups,
        "RDS keeps automated backups for at least 7 days.",
    ),
    _rule(
        "rds-deletion-protection",
        "advisory",
        _RDS,
        check_rds_deletion_protection,
        "RDS databases have deletion protection.",
    ),
    _rule(
        "rds-final-snapshot",
        "mandatory",
        _RDS,
        check_rds_final_snapshot,
        "RDS databases take a named final snapshot unless declared disposable.",
    ),
    # ElastiCache
    _rule(
        "elasticache-encryption",
        "mandatory",
        _REPLICATION_GROUP,
        check_elasticache_encryption,
        "ElastiCache encrypts at rest and in transit.",
    ),
    _rule(
        "elasticache-auth",
        "mandatory",
        _REPLICATION_GROUP,
        check_elasticache_auth,
        "ElastiCache requires authentication (AUTH token or RBAC user group).",
    ),
    _rule(
        "elasticache-automatic-failover",
        "advisory",
        _REPLICATION_GROUP,
        check_elasticache_failover,
        "ElastiCache fails over automatically.",
    ),
    # EKS and nodes
    _rule(
        "eks-private-endpoint",
        "mandatory",
        _EKS,
        check_eks_endpoint,
        "The EKS API has a private endpoint; a public one is off or CIDR-restricted.",
    ),
    _rule(
        "eks-control-plane-logs",
        "mandatory",
        _EKS,
        check_eks_logs,
        "EKS sends all five control-plane log types to CloudWatch.",
    ),
    _rule(
        "eks-secrets-encryption",
        "mandatory",
        _EKS,
        check_eks_secrets_encryption,
        "EKS encrypts Kubernetes secrets with a KMS key.",
    ),
    _rule(
        "eks-access-entries",
        "mandatory",
        _EKS,
        check_eks_access_entries,
        "EKS uses access entries only (authenticationMode API).",
    ),
    _rule(
        "ec2-imdsv2",
        "mandatory",
        ["aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance"],
        check_imdsv2,
        "Instances and launch templates require IMDSv2 tokens.",
    ),
    # MWAA
    _rule(
        "mwaa-private-webserver",
        "advisory",
        _MWAA,
        check_mwaa_private,
        "The MWAA web server is private.",
    ),
    _rule(
        "mwaa-customer-key",
        "mandatory",
        _MWAA,
        check_mwaa_key,
        "MWAA encrypts with a customer managed KMS key.",
    ),
    _rule(
        "mwaa-logging",
        "mandatory",
        _MWAA,
        check_mwaa_logging,
        "MWAA sends all five Airflow log types to CloudWatch.",
    ),
    # IAM
    _rule(
        "iam-no-wildcard-actions",
        "mandatory",
        _IAM_DOCUMENTS,
        check_iam_wildcards,
        "IAM policies allow no '*' or 'service:*' action and no NotAction.",
    ),
    _rule(
        "iam-trust-policy-scoped",
        "mandatory",
        ["aws:iam/role:Role"],
        check_trust_policy,
        "Role trust policies name their principals; web-identity trusts pin the sub claim.",
    ),
    _rule(
        "iam-no-admin-managed-policies",
        "mandatory",
        _IAM_ATTACHMENTS,
        check_admin_attachments,
        "No AdministratorAccess, PowerUserAccess or *FullAccess managed policy is attached.",
    ),
    # Network
    _rule(
        "sg-no-public-admin-ports",
        "mandatory",
        _SECURITY_GROUP_RULES,
        check_security_group_ingress,
        "No security group opens ports 22, 3389, 5432 or 6379 to 0.0.0.0/0 or ::/0.",
    ),
    _stack_rule(
        "vpc-default-security-group-closed",
        "mandatory",
        _companion_rule(
            _VPC,
            frozenset({"aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"}),
            "vpcId",
            "the VPC's default security group is not managed, so it keeps AWS's default rules",
            _judge_default_security_group,
        ),
        "Every VPC manages its default security group and leaves it without rules.",
    ),
    _stack_rule(
        "vpc-flow-logs",
        "mandatory",
        _companion_rule(
            _VPC,
            frozenset({"aws:ec2/flowLog:FlowLog"}),
            "vpcId",
            "no FlowLog for this VPC",
            _accept,
        ),
        "Every VPC has a flow log.",
    ),
    # Tags
    _stack_rule(
        "required-tags",
        "mandatory",
        check_required_tags,
        f"Every taggable AWS resource carries {', '.join(REQUIRED_TAGS)} "
        "(its own tags plus its provider's defaultTags).",
    ),
)

POLICY_NAMES: Final = frozenset(p.name for p in POLICIES)


# ---------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------


def parse_exceptions(entries: Iterable[object] | None) -> dict[str, str]:
    """Parse the `policyExceptions` setting: a list of "policy-name: reason" strings."""
    exceptions: dict[str, str] = {}
    errors = []
    for index, entry in enumerate(entries or []):
        where = f"policyExceptions[{index}]"
        if not isinstance(entry, str) or ":" not in entry:
            errors.append(f"{where}: expected 'policy-name: reason', got {entry!r}")
            continue
        name, reason = (part.strip() for part in entry.split(":", 1))
        if name not in POLICY_NAMES:
            errors.append(f"{where}: unknown policy {name!r}")
        elif not reason:
            errors.append(f"{where}: {name} needs a reason after the colon")
        elif name in exceptions:
            errors.append(f"{where}: {name} is excepted twice")
        else:
            exceptions[name] = reason
    if errors:
        raise ValueError("\n".join(errors))
    return exceptions


def _resource_findings(policy: Policy, resources: Sequence[Resource]) -> list[tuple[str, str, str]]:
    if policy.check is not None:
        return [
            (str(r.get("type")), str(r.get("name")), message)
            for r in resources
            if r.get("type") in policy.resource_types
            for message in policy.check(r)
        ]
    assert policy.stack_check is not None
    types = {r.get("name"): str(r.get("type")) for r in resources}
    return [(types.get(name, ""), name, msg) for name, msg in policy.stack_check(resources)]


def evaluate(
    resources: Sequence[Resource], exceptions: Mapping[str, str] | None = None
) -> list[Finding]:
    """Judge planned resources against every policy; excepted findings carry the reason."""
    exceptions = exceptions or {}
    unknown = sorted(set(exceptions) - POLICY_NAMES)
    if unknown:
        raise ValueError(f"policy exceptions name unknown policies: {', '.join(unknown)}")
    return [
        Finding(policy.name, policy.level, kind, name, message, exceptions.get(policy.name))
        for policy in POLICIES
        for kind, name, message in _resource_findings(policy, resources)
    ]
