"""Apache Airflow on AWS: one program, the platform chosen per stack.

Reads like the architecture: settings, network, the alert topic, the chosen Airflow platform
(MWAA or EKS + the official chart), its observability, a few outputs.
"""

import pulumi
import pulumi_aws as aws

from components.network import Network, NetworkArgs
from components.settings import from_pulumi

settings = from_pulumi()
name = settings.environment_name

# Providers are the only resources declared here: every AWS resource inherits the
# cost-allocation tags through the provider's default tags.
aws_provider = aws.Provider("aws", region=settings.region, default_tags={"tags": settings.tags})
platform_opts = pulumi.ResourceOptions(providers={"aws": aws_provider})

network = Network(
    name,
    NetworkArgs(
        settings=settings.network,
        log_retention_days=settings.stack_settings.log_retention_days,
        protect=settings.protect,
    ),
    opts=platform_opts,
)

pulumi.export("architecture", settings.architecture)
pulumi.export("vpcId", network.vpc_id)
