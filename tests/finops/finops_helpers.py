"""Small builders shared by the FinOps tests: plan dicts as tools/plan.py hands them over."""

from __future__ import annotations

from typing import Any

from finops import CostReport, LineItem

UNKNOWN = "04da6b54-80a4-46f7-96ec-b56ff0331ba9"  # Pulumi's unknown-value sentinel


def res(type_: str, logical: str, **inputs: Any) -> dict[str, Any]:
    return {"type": type_, "name": logical, "inputs": inputs}


def items(report: CostReport, resource: str) -> list[LineItem]:
    return [line for line in report.line_items if line.resource == resource]


def monthly(report: CostReport, resource: str) -> float:
    """USD a month for one resource, summed over its line items (to the cent)."""
    return round(sum(line.monthly for line in items(report, resource)), 2)


def warned(report: CostReport, *words: str) -> bool:
    return any(all(word in warning for word in words) for warning in report.warnings)
