"""FinOps: what a planned stack costs a month, and how MWAA and EKS costs grow with load.

`estimate(resources, region=..., usage=...)` prices the resource dicts `tools/plan.py`
collects; `finops.curve` compares the MWAA and EKS stacks `tools/cost_curve.py` plans and
draws their cost curve. See finops/README.md.
"""

from finops.data import stack_usage
from finops.estimator import PRICED_TYPES, estimate
from finops.report import CostReport, LineItem

__all__ = ["PRICED_TYPES", "CostReport", "LineItem", "estimate", "stack_usage"]
