"""EKS settings: cluster, nodes, chart, database and broker of the eks architecture."""

from __future__ import annotations

import ipaddress
import re

from pydantic import (
    SecretStr,
    field_validator,
    model_validator,
)

from components.settings.base import (
    _ACM_ARN,
    _CACHE_NODE,
    _CLIENT_NETWORKS,
    _DB_CLASS,
    _DNS_NAME,
    _DURATION,
    _ECR_REGISTRY,
    _GIT_URL,
    _GRAVITON,
    _INSTANCE_TYPE,
    _ROLE_ARN,
    MAX_WEB_CLIENT_CIDRS,
    CapacityType,
    NodeArch,
    QueueMode,
    _check,
    _Group,
    _key,
    _unique,
)
from components.settings.versions import EKS_STANDARD_VERSIONS

# CreatePullThroughCacheRule's patterns (botocore ecr model): the credential's secret name
# and the repository prefix.
_PULL_THROUGH_SECRET = re.compile(r"^ecr-pullthroughcache/[a-zA-Z0-9/_+=.@-]+$")
_ECR_PREFIX = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")


class EksSettings(_Group):
    """EKS + the official Airflow chart (architecture eks)."""

    kubernetes_version: str = _key(
        "eksKubernetesVersion",
        "1.36",
        "EKS Kubernetes version (one in standard support; 1.36 is supported the longest).",
    )
    public_endpoint: bool = _key(
        "eksPublicEndpoint", False, "Open the API server endpoint to eksPublicAccessCidrs."
    )
    public_access_cidrs: tuple[str, ...] = _key(
        "eksPublicAccessCidrs", (), "CIDRs allowed to the public endpoint (never 0.0.0.0/0)."
    )
    api_access_cidrs: tuple[str, ...] = _key(
        "eksApiAccessCidrs",
        (),
        "Private networks beyond the VPC (VPN, peered runners) allowed to the private API.",
    )
    admin_role_arns: tuple[str, ...] = _key(
        "eksAdminRoleArns", (), "IAM roles given cluster-admin through EKS access entries."
    )
    viewer_role_arns: tuple[str, ...] = _key(
        "eksViewerRoleArns",
        (),
        "IAM roles given read-only access (AmazonEKSViewPolicy, no Secrets), e.g. people on "
        "call and the CI preview role (bootstrap/README.md says why that is enough).",
    )
    image_registry: str = _key(
        "eksImageRegistry",
        "",
        "ECR registry (<account>.dkr.ecr.<region>.amazonaws.com) whose pull-through cache rules "
        "mirror the charts' public registries; every chart image is pulled through it. "
        "Required on eks with egress endpoints (docs/network.md).",
    )
    docker_hub_secret: str = _key(
        "eksDockerHubSecret",
        "ecr-pullthroughcache/docker-hub",
        "Secrets Manager secret (name starting ecr-pullthroughcache/, JSON username and "
        "accessToken of a Docker Hub account) of the ECR pull-through cache rule the program "
        "declares for Docker Hub images when eksImageRegistry is empty: no image is pulled "
        "anonymously from Docker Hub (docs/deploy-safety.md).",
    )
    docker_hub_cache_prefix: str = _key(
        "eksDockerHubCachePrefix",
        "docker-hub",
        "ECR repository prefix of that rule (one rule per prefix per account and region: give "
        "each stack sharing an account and region its own).",
    )
    node_arch: NodeArch = _key(
        "eksNodeArch", "arm64", "CPU architecture of all nodes: arm64 (Graviton) or x86_64."
    )
    system_instance_types: tuple[str, ...] = _key(
        "eksSystemInstanceTypes", ("t4g.medium",), "Instance types of the on-demand system group."
    )
    system_min_nodes: int = _key("eksSystemMinNodes", 3, "System group minimum.", ge=1, le=100)
    system_desired_nodes: int = _key(
        "eksSystemDesiredNodes", 3, "System group desired.", ge=1, le=100
    )
    system_max_nodes: int = _key("eksSystemMaxNodes", 6, "System group maximum.", ge=1, le=100)
    worker_instance_types: tuple[str, ...] = _key(
        "eksWorkerInstanceTypes",
        ("m7g.large", "m6g.large", "c7g.xlarge", "m7g.xlarge"),
        "Instance types of the Celery worker group (several, for spot capacity).",
    )
    worker_capacity_type: CapacityType = _key(
        "eksWorkerCapacityType", "SPOT", "Worker group capacity: SPOT or ON_DEMAND."
    )
    worker_min_nodes: int = _key("eksWorkerMinNodes", 0, "Worker group minimum.", ge=0, le=500)
    worker_desired_nodes: int = _key(
        "eksWorkerDesiredNodes", 1, "Worker group desired.", ge=0, le=500
    )
    worker_max_nodes: int = _key("eksWorkerMaxNodes", 10, "Worker group maximum.", ge=1, le=500)
    node_disk_gib: int = _key(
        "eksNodeDiskGib", 40, "gp3 root volume per node (GiB).", ge=20, le=1000
    )
    certificate_arn: str = _key(
        "eksCertificateArn", "", "ACM certificate ARN; when set the ALB serves HTTPS on 443."
    )
    web_hostname: str = _key(
        "webHostname",
        "",
        "Host name of the Airflow UI (e.g. airflow.example.com): Airflow's base URL and the "
        "webUrl output. Required with eksCertificateArn, which must cover it (no certificate "
        "can cover the ALB's own DNS name); point a CNAME or alias record at the "
        "loadBalancerDnsName output.",
    )
    web_client_cidrs: tuple[str, ...] = _key(
        "eksWebClientCidrs",
        (),
        "Private networks beyond the VPC (VPN, peered VPCs) whose clients open the Airflow UI: "
        "RFC 1918 or 100.64.0.0/10 (CGNAT, used by VPNs), at most "
        f"{MAX_WEB_CLIENT_CIDRS}. The ALB security group admits them (two rules each, 80 and "
        "443, of its 60 inbound rules). Separate from eksApiAccessCidrs, which opens the "
        "Kubernetes API: people who use the UI need not reach the control plane.",
    )
    scheduler_replicas: int = _key("airflowSchedulerReplicas", 2, "Schedulers (2+).", ge=2, le=10)
    api_server_replicas: int = _key("airflowApiServerReplicas", 2, "API servers (2+).", ge=2, le=10)
    min_workers: int = _key(
        "airflowMinWorkers", 1, "KEDA minimum Celery workers (0 = scale to zero).", ge=0, le=200
    )
    max_workers: int = _key("airflowMaxWorkers", 10, "KEDA maximum Celery workers.", ge=1, le=200)
    worker_concurrency: int = _key(
        "airflowWorkerConcurrency", 16, "Tasks per Celery worker.", ge=1, le=128
    )
    dags_repo_url: str = _key(
        "dagsRepoUrl", "", "https:// Git repository git-sync pulls dags/ from (required on eks)."
    )
    dags_repo_branch: str = _key("dagsRepoBranch", "main", "Branch git-sync follows.")
    dags_repo_vpc_host: str = _key(
        "dagsRepoVpcHost",
        "",
        "Host of dagsRepoUrl, reachable from inside the VPC (a Git server in the VPC): required "
        "on eks with egress endpoints, where git-sync cannot reach the internet.",
    )
    dags_repo_subpath: str = _key(
        "dagsRepoSubPath", "dags", "Folder of the DAGs in the repository."
    )
    dags_repo_username: str = _key(
        "dagsRepoUsername", "", "git-sync user for a private https repo."
    )
    dags_repo_token: SecretStr = _key(
        "dagsRepoToken", SecretStr(""), "git-sync token for a private https repo (secret)."
    )
    db_instance_class: str = _key(
        "dbInstanceClass", "db.t4g.small", "RDS PostgreSQL instance class."
    )
    db_allocated_storage_gib: int = _key(
        "dbAllocatedStorageGib", 20, "RDS storage (GiB).", ge=20, le=65536
    )
    db_max_allocated_storage_gib: int = _key(
        "dbMaxAllocatedStorageGib", 100, "RDS storage autoscaling ceiling (GiB).", ge=20, le=65536
    )
    db_multi_az: bool = _key("dbMultiAz", True, "RDS Multi-AZ standby.")
    db_backup_retention_days: int = _key(
        "dbBackupRetentionDays", 7, "RDS automated backup retention (7-35 days).", ge=7, le=35
    )
    queue_mode: QueueMode = _key(
        "queueMode",
        "elasticache",
        "Celery broker: elasticache (managed) or in-cluster (chart Redis).",
    )
    cache_node_type: str = _key("cacheNodeType", "cache.t4g.micro", "ElastiCache node type.")
    cache_multi_az: bool = _key(
        "cacheMultiAz", True, "ElastiCache replica in a second zone + failover."
    )
    prometheus_retention: str = _key(
        "prometheusRetention", "15d", "Prometheus retention (e.g. 15d)."
    )
    prometheus_storage_gib: int = _key(
        "prometheusStorageGib", 50, "Prometheus volume (GiB).", ge=10, le=16384
    )

    @field_validator("kubernetes_version")
    @classmethod
    def _k8s(cls, value: str) -> str:
        allowed = ", ".join(EKS_STANDARD_VERSIONS)
        _check(
            value in EKS_STANDARD_VERSIONS, f"is not an EKS version in standard support ({allowed})"
        )
        return value

    @field_validator("public_access_cidrs")
    @classmethod
    def _public_cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            try:
                network = ipaddress.ip_network(item, strict=True)
            except ValueError:
                raise ValueError(f"entry {item!r} is not a CIDR") from None
            _check(
                network.prefixlen > 0, f"entry {item!r} opens the endpoint to the whole internet"
            )
        return value

    @field_validator("web_client_cidrs")
    @classmethod
    def _web_client_cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        _check(
            len(value) <= MAX_WEB_CLIENT_CIDRS,
            f"lists {len(value)} networks, at most {MAX_WEB_CLIENT_CIDRS} are allowed (each "
            "takes 2 of the 60 inbound rules of the ALB security group); list wider networks",
        )
        for item in value:
            try:
                network = ipaddress.IPv4Network(item, strict=True)
            except ValueError:
                raise ValueError(f"entry {item!r} is not an IPv4 CIDR") from None
            _check(
                any(network.subnet_of(allowed) for allowed in _CLIENT_NETWORKS),
                f"entry {item!r} is not in RFC 1918 (10.0.0.0/8, 172.16.0.0/12, "
                "192.168.0.0/16) or 100.64.0.0/10 (CGNAT)",
            )
        _unique(list(value), "networks")
        return value

    @field_validator("api_access_cidrs")
    @classmethod
    def _api_cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            try:
                network = ipaddress.IPv4Network(item, strict=True)
            except ValueError:
                raise ValueError(f"entry {item!r} is not an IPv4 CIDR") from None
            _check(network.is_private, f"entry {item!r} is not a private network")
        return value

    @field_validator("image_registry")
    @classmethod
    def _image_registry(cls, value: str) -> str:
        _check(
            value == "" or bool(_ECR_REGISTRY.match(value)),
            "is not an ECR registry host (<account>.dkr.ecr.<region>.amazonaws.com)",
        )
        return value

    @field_validator("docker_hub_secret")
    @classmethod
    def _docker_hub_secret(cls, value: str) -> str:
        _check(
            bool(_PULL_THROUGH_SECRET.match(value)),
            "is not a secret name ECR's pull-through cache accepts "
            "(ecr-pullthroughcache/ then letters, digits, /_+=.@-)",
        )
        return value

    @field_validator("docker_hub_cache_prefix")
    @classmethod
    def _docker_hub_cache_prefix(cls, value: str) -> str:
        _check(
            bool(_ECR_PREFIX.match(value)) and 2 <= len(value) <= 30,
            "is not an ECR repository prefix (2-30 lowercase letters and digits, "
            "separated by . _ - or /)",
        )
        return value

    @field_validator("admin_role_arns", "viewer_role_arns")
    @classmethod
    def _roles(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            _check(bool(_ROLE_ARN.match(item)), f"entry {item!r} is not an IAM role ARN")
        return value

    @field_validator("system_instance_types", "worker_instance_types")
    @classmethod
    def _instance_types(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        _check(1 <= len(value) <= 20, "needs 1 to 20 instance types")
        for item in value:
            _check(bool(_INSTANCE_TYPE.match(item)), f"entry {item!r} is not an EC2 instance type")
        _unique(list(value), "instance types")
        return value

    @field_validator("certificate_arn")
    @classmethod
    def _certificate(cls, value: str) -> str:
        _check(value == "" or bool(_ACM_ARN.match(value)), "is not an ACM certificate ARN")
        return value

    @field_validator("web_hostname")
    @classmethod
    def _hostname(cls, value: str) -> str:
        _check(
            value == "" or bool(_DNS_NAME.match(value)),
            "is not a DNS host name (lower-case labels, e.g. airflow.example.com)",
        )
        return value

    @field_validator("dags_repo_url")
    @classmethod
    def _repo(cls, value: str) -> str:
        _check(
            value == "" or bool(_GIT_URL.match(value)),
            "is not an https:// repository URL (private ones use dagsRepoUsername/dagsRepoToken)",
        )
        return value

    @field_validator("dags_repo_branch")
    @classmethod
    def _branch(cls, value: str) -> str:
        _check(
            bool(re.match(r"^[\w./-]{1,255}$", value)) and ".." not in value, "is not a branch name"
        )
        return value

    @field_validator("dags_repo_subpath")
    @classmethod
    def _subpath(cls, value: str) -> str:
        _check(
            bool(re.match(r"^[\w.-]+(/[\w.-]+)*$", value)) and ".." not in value,
            "is not a relative folder path",
        )
        return value

    @field_validator("db_instance_class")
    @classmethod
    def _db_class(cls, value: str) -> str:
        _check(bool(_DB_CLASS.match(value)), "is not an RDS instance class (e.g. db.t4g.small)")
        return value

    @field_validator("cache_node_type")
    @classmethod
    def _cache(cls, value: str) -> str:
        _check(
            bool(_CACHE_NODE.match(value)), "is not an ElastiCache node type (e.g. cache.t4g.micro)"
        )
        return value

    @field_validator("prometheus_retention")
    @classmethod
    def _prom_retention(cls, value: str) -> str:
        _check(bool(_DURATION.match(value)), "is not a Prometheus duration (e.g. 15d, 720h)")
        return value

    @model_validator(mode="after")
    def _one_access_entry_per_role(self) -> EksSettings:
        # EKS refuses a second access entry for a principal (ResourceInUseException).
        errors = [
            f"eksViewerRoleArns: {arn!r} is also in eksAdminRoleArns; list each role in one "
            "of them only (EKS refuses a second access entry for a principal)"
            for arn in sorted(set(self.admin_role_arns) & set(self.viewer_role_arns))
        ]
        for key, arns in (
            ("eksAdminRoleArns", self.admin_role_arns),
            ("eksViewerRoleArns", self.viewer_role_arns),
        ):
            errors += [
                f"{key}: {arn!r} is listed twice (EKS refuses a second access entry for a "
                "principal)"
                for arn in sorted({a for a in arns if arns.count(a) > 1})
            ]
        if errors:
            raise ValueError("\n".join(errors))
        return self

    @model_validator(mode="after")
    def _cross(self) -> EksSettings:
        errors = []
        for group in ("System", "Worker"):
            low, want, high = (
                getattr(self, f"{group.lower()}_{k}_nodes") for k in ("min", "desired", "max")
            )
            if not low <= want <= high:
                errors.append(
                    f"eks{group}DesiredNodes: needs eks{group}MinNodes <= eks{group}DesiredNodes "
                    f"<= eks{group}MaxNodes, got {low} <= {want} <= {high}"
                )
        for key, types in (
            ("eksSystemInstanceTypes", self.system_instance_types),
            ("eksWorkerInstanceTypes", self.worker_instance_types),
        ):
            wrong = [t for t in types if bool(_GRAVITON.match(t)) != (self.node_arch == "arm64")]
            if wrong:
                errors.append(
                    f"{key}: {', '.join(wrong)} do not run {self.node_arch} (eksNodeArch)"
                )
        if self.min_workers > self.max_workers:
            errors.append(
                f"airflowMinWorkers: {self.min_workers} is more than airflowMaxWorkers "
                f"{self.max_workers}"
            )
        if self.db_max_allocated_storage_gib < self.db_allocated_storage_gib:
            errors.append("dbMaxAllocatedStorageGib: must be at least dbAllocatedStorageGib")
        if self.certificate_arn and not self.web_hostname:
            errors.append(
                "webHostname: required when eksCertificateArn is set (the host name the "
                "certificate covers; it cannot cover the ALB's own DNS name)"
            )
        if self.public_endpoint and not self.public_access_cidrs:
            errors.append("eksPublicAccessCidrs: must list CIDRs when eksPublicEndpoint is true")
        if bool(self.dags_repo_username) != bool(self.dags_repo_token.get_secret_value()):
            errors.append("dagsRepoToken: dagsRepoUsername and dagsRepoToken must be set together")
        if errors:
            raise ValueError("\n".join(errors))
        return self
