"""Network settings: the VPC both platforms run in."""

from __future__ import annotations

import ipaddress

from pydantic import (
    field_validator,
    model_validator,
)

from components.settings.base import (
    _SUBNET_ID,
    _VPC_ID,
    ARCHITECTURE_DEFAULTS,
    DEFAULT_VPC_CIDR,
    Egress,
    NatStrategy,
    _check,
    _Group,
    _key,
    _unique,
)


class NetworkSettings(_Group):
    """The VPC both platforms run in: one the program creates, or an existing one."""

    cidr: str = _key(
        "vpcCidr", DEFAULT_VPC_CIDR, "VPC CIDR, /16 to /22, private (RFC 1918). Created VPC only."
    )
    az_count: int = _key(
        "azCount",
        0,
        "Availability zones to span (2-6); 0 means the architecture's default. Created VPC only.",
    )
    nat_strategy: NatStrategy = _key(
        "natStrategy",
        "",
        "NAT gateways: single (one, cheaper) or per-az (one per zone, survives a zone outage); "
        "empty means the architecture's default. Created VPC with egress nat only.",
    )
    egress: Egress = _key(
        "egress",
        "nat",
        "Internet egress of a created VPC: nat (NAT gateways) or endpoints (no internet; "
        "interface endpoints for every AWS service the platform calls, S3 gateway endpoint).",
    )
    existing_vpc_id: str = _key(
        "existingVpcId",
        "",
        "Run in this existing VPC (vpc-...) instead of creating one; needs "
        "existingPrivateSubnetIds.",
    )
    existing_private_subnet_ids: tuple[str, ...] = _key(
        "existingPrivateSubnetIds",
        (),
        "Private subnets of existingVpcId the platform runs in: two or more, in two or more zones.",
    )

    @field_validator("cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            network = ipaddress.IPv4Network(value, strict=True)
        except ValueError:
            raise ValueError("is not an IPv4 network in CIDR notation, e.g. 10.40.0.0/16") from None
        _check(16 <= network.prefixlen <= 22, "must be a /16 to /22 network")
        _check(network.is_private, "must be a private (RFC 1918) range")
        return value

    @field_validator("az_count")
    @classmethod
    def _zones(cls, value: int) -> int:
        _check(value == 0 or 2 <= value <= 6, "must be 2 to 6 (0: the architecture's default)")
        return value

    @field_validator("existing_vpc_id")
    @classmethod
    def _vpc_id(cls, value: str) -> str:
        _check(value == "" or bool(_VPC_ID.match(value)), "is not a VPC id (vpc-0123456789abcdef0)")
        return value

    @field_validator("existing_private_subnet_ids")
    @classmethod
    def _subnet_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for item in value:
            _check(
                bool(_SUBNET_ID.match(item)),
                f"entry {item!r} is not a subnet id (subnet-0123456789abcdef0)",
            )
        _unique(list(value), "subnet ids")
        return value

    @model_validator(mode="after")
    def _modes(self) -> NetworkSettings:
        errors = []
        created_only = {
            "vpcCidr": self.cidr != DEFAULT_VPC_CIDR,
            "azCount": self.az_count != 0,
            "natStrategy": self.nat_strategy != "",
            "egress": self.egress != "nat",
        }
        if self.existing:
            errors += [
                f"{key}: applies only to a VPC the program creates; remove it when "
                "existingVpcId is set"
                for key, is_set in created_only.items()
                if is_set
            ]
            if len(self.existing_private_subnet_ids) < 2:
                errors.append(
                    "existingPrivateSubnetIds: needs at least two subnets (in two zones) when "
                    "existingVpcId is set"
                )
        elif self.existing_private_subnet_ids:
            errors.append("existingVpcId: is required when existingPrivateSubnetIds is set")
        if self.egress == "endpoints" and self.nat_strategy and not self.existing:
            errors.append("natStrategy: has no effect with egress endpoints (no NAT); remove it")
        if errors:
            raise ValueError("\n".join(errors))
        return self

    @property
    def existing(self) -> bool:
        """True when the stack runs in an existing VPC (nothing of the network is created)."""
        return bool(self.existing_vpc_id)

    @property
    def network(self) -> ipaddress.IPv4Network:
        return ipaddress.IPv4Network(self.cidr)

    def resolved(self, architecture: str) -> NetworkSettings:
        """The settings with the architecture's zone count and NAT strategy filled in (created
        VPCs only, NAT only with egress nat: an existing VPC keeps 0 and '', "not ours")."""
        if self.existing:
            return self
        defaults = ARCHITECTURE_DEFAULTS[architecture]
        return self.model_copy(
            update={
                "az_count": self.az_count or defaults["azCount"],
                "nat_strategy": (self.nat_strategy or defaults["natStrategy"])
                if self.egress == "nat"
                else "",
            }
        )
