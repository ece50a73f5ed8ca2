"""Monthly cost of a planned stack, from the plan's resource dicts alone.

`estimate(resources)` takes what `tools/plan.py` collects under Pulumi mocks
(`{"type", "name", "inputs", "provider"?}` per resource) and prices every resource whose
type is in `PRICED_TYPES` from `prices.yaml` and `usage.yaml`. Other types are ignored.
Nothing here calls AWS or Pulumi: the same plan always gives the same estimate.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from finops.data import hours_per_month, price_book, resolve_usage
from finops.pricing import PRICERS, Context, Resource
from finops.report import CostReport, LineItem

PRICED_TYPES: frozenset[str] = frozenset(PRICERS)


def estimate(
    resources: Iterable[Mapping[str, Any]],
    region: str = "us-east-1",
    usage: Mapping[str, Any] | None = None,
) -> CostReport:
    """Price the planned `resources` for one month in `region`.

    `usage` overrides the documented defaults of usage.yaml, key by key (nested mappings are
    merged; see `finops.data.stack_usage` for the per-stack overrides kept in that file).
    Never raises on odd inputs: what cannot be priced becomes a warning.
    """
    planned = [Resource.from_plan(raw) for raw in resources if isinstance(raw, Mapping)]
    merged_usage = resolve_usage(usage)
    book = price_book()
    assumptions = _assumptions(region, merged_usage, book)
    if region not in book["regions"]:
        warning = f"no prices for region {region!r} (priced: {', '.join(sorted(book['regions']))})"
        return CostReport(monthly_total=0.0, warnings=[warning], assumptions=assumptions)
    ctx = Context(book["regions"][region], merged_usage, hours_per_month(), planned)
    items: list[LineItem] = []
    for resource in planned:
        pricer = PRICERS.get(resource.type)
        if pricer is not None:
            items += pricer(resource, ctx)
    total = round(sum(item.monthly for item in items), 2)
    return CostReport(
        monthly_total=total, line_items=items, warnings=ctx.warnings, assumptions=assumptions
    )


def _assumptions(region: str, usage: Mapping[str, Any], book: Mapping[str, Any]) -> dict[str, Any]:
    prices = book["regions"].get(region, {})
    return {
        "region": region,
        "hours_per_month": book["hours_per_month"],
        "pricing": "on-demand list prices; free tiers, taxes, transfer out and requests ignored",
        "prices_as_of": {
            name: entry.get("as_of") for name, entry in prices.items() if isinstance(entry, Mapping)
        },
        "usage": dict(usage),
    }
