"""Network: NAT gateways, public IPv4 addresses, VPC endpoints, load balancers (declared or
from Ingresses)."""

from __future__ import annotations

from collections.abc import Mapping

from finops.pricing.base import (
    ALB_GROUP_ANNOTATION,
    LEGACY_CLASS_ANNOTATION,
    NAT_GATEWAY,
    VPC_ENDPOINT,
    Context,
    Resource,
    input_text,
    line,
    unpriced,
)
from finops.report import LineItem


def price_nat_gateway(res: Resource, ctx: Context) -> list[LineItem]:
    table = ctx.prices["vpc"]
    gateways = max(1, len(ctx.of_type(NAT_GATEWAY)))
    total_gb = egress_gb(ctx)
    note = (
        "regional NAT gateway: billed per active AZ"
        if res.get("availabilityMode") == "regional"
        else ""
    )
    return [
        line(res, "NAT gateway", ctx.hours, "h", table["nat_gateway_hourly"], note=note),
        line(
            res,
            f"NAT data processed (1/{gateways} of {total_gb:g} GB)",
            total_gb / gateways,
            "GB",
            table["nat_gateway_gb"],
            note=f"usage egress_gb_per_month.{ctx.platform}",
        ),
    ]


def egress_gb(ctx: Context) -> float:
    """GB a month leaving the private subnets: the same traffic whichever way it goes (NAT
    gateways or interface endpoints), so the two egress modes compare like for like."""
    return float(ctx.usage["egress_gb_per_month"].get(ctx.platform, 0.0))


def _interface_endpoints(ctx: Context) -> int:
    return sum(1 for r in ctx.of_type(VPC_ENDPOINT) if r.get("vpcEndpointType") == "Interface")


def price_eip(res: Resource, ctx: Context) -> list[LineItem]:
    return [
        line(res, "public IPv4 address", ctx.hours, "h", ctx.prices["vpc"]["public_ipv4_hourly"])
    ]


def price_vpc_endpoint(res: Resource, ctx: Context) -> list[LineItem]:
    table = ctx.prices["vpc"]
    kind = input_text(res, ctx, "vpcEndpointType", "Gateway")  # API default
    service = res.get("serviceName") if isinstance(res.get("serviceName"), str) else "service"
    if kind == "Gateway":
        return [line(res, f"gateway endpoint {service} (free)", 1, "endpoint", 0.0)]
    if kind != "Interface":
        return unpriced(res, ctx, f"endpoint type {kind!r} is not modelled")
    subnets = res.get("subnetIds")
    if not isinstance(subnets, list) or not subnets:
        return unpriced(
            res, ctx, "interface endpoint without known subnetIds (one hourly charge per AZ)"
        )
    endpoints = max(1, _interface_endpoints(ctx))
    total_gb = egress_gb(ctx)
    return [
        line(
            res,
            f"interface endpoint {service}, {len(subnets)} AZs",
            len(subnets) * ctx.hours,
            "AZ-h",
            table["interface_endpoint_hourly_per_az"],
        ),
        line(
            res,
            f"interface endpoint data processed (1/{endpoints} of {total_gb:g} GB)",
            total_gb / endpoints,
            "GB",
            table["interface_endpoint_gb"],
            note=f"usage egress_gb_per_month.{ctx.platform}",
        ),
    ]


def price_ingress(res: Resource, ctx: Context) -> list[LineItem]:
    annotations = res.get("metadata.annotations")
    annotations = annotations if isinstance(annotations, Mapping) else {}
    ingress_class = res.get("spec.ingressClassName") or annotations.get(LEGACY_CLASS_ANNOTATION)
    if ingress_class != "alb":
        return [
            line(
                res, f"Ingress of class {ingress_class!r} (no AWS load balancer)", 1, "ingress", 0.0
            )
        ]
    group = annotations.get(ALB_GROUP_ANNOTATION)
    return alb_lines(res, ctx, group if isinstance(group, str) else f"ingress:{res.name}")


def price_load_balancer(res: Resource, ctx: Context) -> list[LineItem]:
    """A load balancer the program owns (the EKS platform's internal ALB)."""
    kind = res.get("loadBalancerType") or "application"
    if kind != "application":
        return [line(res, f"{kind} load balancer (not priced)", 1, "load balancer", 0.0)]
    return alb_lines(res, ctx, f"lb:{res.name}", note="declared by the program")


def alb_lines(
    res: Resource,
    ctx: Context,
    group: str,
    note: str = "created by the AWS Load Balancer Controller",
) -> list[LineItem]:
    """One ALB per ingress group; later members of a group share it."""
    if group in ctx.alb_groups:
        return [line(res, f"shares the ALB of group {group!r}", 1, "ingress", 0.0)]
    ctx.alb_groups.add(group)
    table = ctx.prices["elb"]
    lcu = float(ctx.usage["alb_average_lcu"])
    return [
        line(
            res,
            f"Application Load Balancer ({group})",
            ctx.hours,
            "h",
            table["alb_hourly"],
            note=note,
        ),
        line(
            res,
            f"ALB capacity, {lcu:g} LCU average",
            lcu * ctx.hours,
            "LCU-h",
            table["alb_lcu_hourly"],
            note="usage alb_average_lcu",
        ),
    ]
