"""One small function per priced resource type: planned inputs in, line items out.

`PRICERS` maps each priced Pulumi type token to its pricer. Each pricer reads the inputs as
the Pulumi engine sees them (camelCase wire names, checked against the installed pulumi-aws
7.51 / pulumi-eks 4.4 SDKs), never crashes on a missing or unknown value, and says in a
warning what it could not price.
"""

from __future__ import annotations

from finops.pricing.base import (
    ADDON,
    BUCKET,
    BUDGET,
    COMPOSITE_ALARM,
    DASHBOARD,
    EIP,
    EKS_CLUSTER,
    EVENT_RULE,
    HELM_RELEASE,
    INGRESS,
    KMS_KEY,
    LOAD_BALANCER,
    LOG_GROUP,
    MANAGED_NODE_GROUP,
    METRIC_ALARM,
    MWAA,
    NAT_GATEWAY,
    NODE_GROUP,
    PULL_THROUGH_RULE,
    RDS_INSTANCE,
    REPLICATION_GROUP,
    SECRET,
    SNS_SUBSCRIPTION,
    SNS_TOPIC,
    VPC_ENDPOINT,
    Context,
    Pricer,
    Resource,
    line,
)
from finops.pricing.helm import price_helm_release
from finops.pricing.network import (
    price_eip,
    price_ingress,
    price_load_balancer,
    price_nat_gateway,
    price_vpc_endpoint,
)
from finops.pricing.observability import (
    price_composite_alarm,
    price_dashboard,
    price_kms_key,
    price_log_group,
    price_metric_alarm,
    price_secret,
)
from finops.pricing.platforms import (
    price_addon,
    price_eks_cluster,
    price_mwaa,
    price_node_group,
)
from finops.pricing.stores import (
    price_bucket,
    price_pull_through_cache,
    price_rds_instance,
    price_replication_group,
)
from finops.report import LineItem


def zero_note(item: str, price_key: str) -> Pricer:
    def pricer(res: Resource, ctx: Context) -> list[LineItem]:
        return [line(res, item, 1, "resource", 0.0, note=str(ctx.prices[price_key]["note"]))]

    return pricer


PRICERS: dict[str, Pricer] = {
    MWAA: price_mwaa,
    EKS_CLUSTER: price_eks_cluster,
    NODE_GROUP: price_node_group,
    MANAGED_NODE_GROUP: price_node_group,
    NAT_GATEWAY: price_nat_gateway,
    EIP: price_eip,
    VPC_ENDPOINT: price_vpc_endpoint,
    RDS_INSTANCE: price_rds_instance,
    REPLICATION_GROUP: price_replication_group,
    INGRESS: price_ingress,
    LOAD_BALANCER: price_load_balancer,
    KMS_KEY: price_kms_key,
    METRIC_ALARM: price_metric_alarm,
    COMPOSITE_ALARM: price_composite_alarm,
    DASHBOARD: price_dashboard,
    LOG_GROUP: price_log_group,
    SECRET: price_secret,
    PULL_THROUGH_RULE: price_pull_through_cache,
    ADDON: price_addon,
    BUCKET: price_bucket,
    HELM_RELEASE: price_helm_release,
    BUDGET: zero_note("AWS Budgets budget", "budgets"),
    SNS_TOPIC: zero_note("SNS topic (alert volume: negligible)", "sns"),
    SNS_SUBSCRIPTION: zero_note("SNS subscription", "sns"),
    EVENT_RULE: zero_note("EventBridge rule (AWS service events)", "eventbridge"),
}
