"""NAT gateways or interface endpoints: what the stack costs a month with each egress.

`compare_egress` takes the planned resources (from `tools/plan.py`) and the shape of the
network the program would build either way (NAT gateway count, zones, endpoint services),
swaps the egress resources of the plan for each option, and prices both whole stacks with the
same estimator. Nothing here knows the program: the caller passes the shape in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from finops.estimator import estimate
from finops.pricing.base import EIP, NAT_GATEWAY, VPC_ENDPOINT


@dataclass(frozen=True)
class EgressShape:
    """The egress the program builds in each mode, for one stack."""

    nat_gateways: int
    """NAT gateways with `egress: nat` (one per zone or one), each with a public IPv4."""
    zones: int
    """Zones (private subnets) each interface endpoint has a network interface in."""
    endpoint_services: Sequence[str]
    """Interface endpoint services with `egress: endpoints` (e.g. `ecr.api`)."""
    nat_endpoint_services: Sequence[str] = ()
    """Interface endpoint services the VPC gets with `egress: nat` too (e.g. `airflow.env`)."""
    nat_endpoint_zones: int = 0
    """Zones each of those has a network interface in."""


@dataclass(frozen=True)
class EgressComparison:
    """Monthly totals of the whole stack with each egress mode."""

    current: str
    nat_monthly: float
    endpoints_monthly: float
    nat_gateways: int
    interface_endpoints: int

    @property
    def difference(self) -> float:
        """endpoints minus nat: negative when endpoints are cheaper."""
        return round(self.endpoints_monthly - self.nat_monthly, 2)

    def to_dict(self) -> dict[str, Any]:
        return {
            "current": self.current,
            "nat_monthly": self.nat_monthly,
            "endpoints_monthly": self.endpoints_monthly,
            "difference": self.difference,
            "nat_gateways": self.nat_gateways,
            "interface_endpoints": self.interface_endpoints,
        }

    def to_text(self) -> str:
        cheaper = "endpoints" if self.difference < 0 else "nat"
        return (
            f"egress nat ({self.nat_gateways} NAT gateways): ${self.nat_monthly:,.2f}/month; "
            f"egress endpoints ({self.interface_endpoints} interface endpoints): "
            f"${self.endpoints_monthly:,.2f}/month; {cheaper} is cheaper by "
            f"${abs(self.difference):,.2f}/month (this stack: {self.current})"
        )


def _is_egress(resource: Mapping[str, Any]) -> bool:
    kind = resource.get("type")
    if kind in (NAT_GATEWAY, EIP):
        return True
    inputs = resource.get("inputs")
    return (
        kind == VPC_ENDPOINT
        and isinstance(inputs, Mapping)
        and inputs.get("vpcEndpointType") == "Interface"
    )


def egress_resources(mode: str, shape: EgressShape, region: str) -> list[dict[str, Any]]:
    """The priced resources of one egress mode, in the plan's resource-dict shape."""
    if mode == "nat":
        return [
            {"type": kind, "name": f"egress-nat-{i}", "inputs": {}}
            for i in range(shape.nat_gateways)
            for kind in (NAT_GATEWAY, EIP)
        ] + _interface_endpoints(shape.nat_endpoint_services, shape.nat_endpoint_zones, region)
    return _interface_endpoints(shape.endpoint_services, shape.zones, region)


def _interface_endpoints(services: Sequence[str], zones: int, region: str) -> list[dict[str, Any]]:
    subnets = [f"private-{z}" for z in range(zones)]
    return [
        {
            "type": VPC_ENDPOINT,
            "name": f"egress-{service}",
            "inputs": {
                "vpcEndpointType": "Interface",
                "serviceName": f"com.amazonaws.{region}.{service}",
                "subnetIds": subnets,
            },
        }
        for service in services
    ]


def compare_egress(
    resources: Sequence[Mapping[str, Any]],
    shape: EgressShape,
    *,
    current: str,
    region: str,
    usage: Mapping[str, Any] | None = None,
) -> EgressComparison:
    """Price the stack with NAT and with endpoints (everything else as planned)."""
    base = [r for r in resources if not _is_egress(r)]
    totals = {
        mode: estimate([*base, *egress_resources(mode, shape, region)], region, usage).monthly_total
        for mode in ("nat", "endpoints")
    }
    return EgressComparison(
        current=current,
        nat_monthly=totals["nat"],
        endpoints_monthly=totals["endpoints"],
        nat_gateways=shape.nat_gateways,
        interface_endpoints=len(shape.endpoint_services),
    )
