"""The MWAA-versus-EKS cost curve of the stacks as planned, drawn to a PNG.

    python -m tools.cost_curve --out cost.png [--region us-east-1]   (make cost-curve OUT=...)

Plans `dev` (MWAA) and `prod` (EKS) offline, like `make plan`, and hands their resources to
`finops.curve`, which prices them and draws the curve. See finops/README.md "The cost curve".
"""

from __future__ import annotations

import argparse
import gc
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from finops.curve import compare_stacks, render
from tools.plan import PlanError, plan_resources

MWAA_STACK = "dev"
EKS_STACK = "prod"

Planner = Callable[[str], Sequence[Mapping[str, Any]]]


def main(argv: Sequence[str] | None = None, plan: Planner = plan_resources) -> int:
    """Draw the curve; `plan` gives a stack's planned resources (the offline plan by default)."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.cost_curve", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--out", type=Path, required=True, help="PNG file to write")
    parser.add_argument("--region", default="us-east-1", help="price list region")
    args = parser.parse_args(argv)
    try:
        comparison = compare_stacks(plan(MWAA_STACK), plan(EKS_STACK), args.region)
    except (PlanError, ValueError) as error:
        parser.exit(1, f"error: {error} (stacks {MWAA_STACK} and {EKS_STACK})\n")
    out = render(
        args.out,
        mwaa_baseline=comparison.mwaa_baseline,
        eks_baseline=comparison.eks_baseline,
        mwaa=comparison.mwaa,
        eks=comparison.eks,
        region=args.region,
        source=f"{MWAA_STACK} and {EKS_STACK} as planned",
    )
    cross = comparison.crossover
    where = (
        f"from {cross} concurrent tasks" if cross is not None else "at no load up to the maximum"
    )
    print(
        f"wrote {out}: MWAA idle ${comparison.mwaa_baseline:,.2f}, "
        f"EKS idle ${comparison.eks_baseline:,.2f}, EKS cheaper {where}"
    )
    return 0


if __name__ == "__main__":
    gc.disable()  # a short-lived command, as tools.plan's main: the collector only slows it
    raise SystemExit(main())
