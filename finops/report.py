"""The cost report: line items, totals and the three ways of showing them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CURRENCY = "USD"


@dataclass(frozen=True)
class LineItem:
    """One priced quantity of one planned resource, for one month."""

    resource: str
    """Logical name of the planned resource the cost belongs to."""
    type: str
    """Its Pulumi type token."""
    item: str
    """What is billed, in words a reviewer can check against the AWS bill."""
    quantity: float
    """How many units a month (hours, GB, keys, ...)."""
    unit: str
    """The unit of `quantity` and of `unit_price`."""
    unit_price: float
    """USD per unit."""
    monthly: float
    """USD a month, `quantity * unit_price` rounded to cents."""
    note: str = ""
    """Why, or what is not counted."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "resource": self.resource,
            "type": self.type,
            "item": self.item,
            "quantity": self.quantity,
            "unit": self.unit,
            "unit_price": self.unit_price,
            "monthly": self.monthly,
            "note": self.note,
        }


@dataclass
class CostReport:
    """The estimate for one planned stack."""

    monthly_total: float
    line_items: list[LineItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    assumptions: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with a stable key order (see finops/README.md)."""
        return {
            "currency": CURRENCY,
            "monthly_total": self.monthly_total,
            "line_items": [line.to_dict() for line in self.line_items],
            "warnings": list(self.warnings),
            "assumptions": self.assumptions,
        }

    def to_text(self) -> str:
        """An aligned table for the terminal."""
        header = ("Resource", "Item", "Quantity", "Unit", "Unit price", "Monthly")
        rows = [header, *(_cells(line) for line in self.line_items)]
        rows.append(("TOTAL", "", "", "", "", _money(self.monthly_total)))
        widths = [max(len(row[col]) for row in rows) for col in range(len(header))]
        right = {2, 4, 5}
        lines = [_text_row(row, widths, right) for row in rows]
        rule = "-" * len(lines[0])
        text = [lines[0], rule, *lines[1:-1], rule, lines[-1]]
        text += [f"warning: {warning}" for warning in self.warnings]
        return "\n".join(text) + "\n"

    def to_markdown(self) -> str:
        """A table for a pull-request comment."""
        out = [
            f"**Estimated monthly cost: ${self.monthly_total:,.2f}** "
            f"({self.assumptions.get('region', '')}, on-demand list prices, "
            f"{self.assumptions.get('hours_per_month', 730):g} h/month)",
            "",
            "| Resource | Item | Quantity | Unit | Unit price | Monthly |",
            "|---|---|---:|---|---:|---:|",
        ]
        out += [
            "| " + " | ".join(_md(cell) for cell in _cells(line)) + " |" for line in self.line_items
        ]
        out.append(f"| **Total** | | | | | **{_money(self.monthly_total)}** |")
        if self.warnings:
            out += ["", "Warnings:", *(f"- {_md(warning)}" for warning in self.warnings)]
        return "\n".join(out) + "\n"


def _cells(line: LineItem) -> tuple[str, str, str, str, str, str]:
    return (
        line.resource,
        line.item,
        f"{line.quantity:,.4g}" if line.quantity < 1000 else f"{line.quantity:,.0f}",
        line.unit,
        _price(line.unit_price),
        _money(line.monthly),
    )


def _price(value: float) -> str:
    """Unit prices keep up to five decimals (spot m7g.large is $0.02856/h), at least two."""
    whole, _, decimals = f"{value:,.5f}".partition(".")
    return f"${whole}.{decimals.rstrip('0').ljust(2, '0')}"


def _money(value: float) -> str:
    return f"${value:,.2f}"


def _text_row(row: tuple[str, ...], widths: list[int], right: set[int]) -> str:
    cells = [
        cell.rjust(w) if i in right else cell.ljust(w)
        for i, (cell, w) in enumerate(zip(row, widths, strict=True))
    ]
    return "  ".join(cells).rstrip()


def _md(cell: str) -> str:
    return cell.replace("|", "\\|").replace("\n", " ")
