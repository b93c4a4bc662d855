"""Money: integer minor units with their currency (reference section 1.4).

Amounts in the API are integers in the currency's smallest unit (``1450`` is 14.50),
except ``event.revenue`` and ``event_series.revenue``, which are major units and may be
fractional (``1522.5``): those models keep them as ``Decimal`` and say so. Currency
codes are lower-cased everywhere (products send ``"USD"``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import overload

from tickettailor.models._base import LowerStr, TTModel

__all__ = ["Currency", "Money"]


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in minor units (``amount``) of ``currency`` (lowercase ISO 4217)."""

    amount: int
    """The amount in minor units (``1450`` is 14.50)."""
    currency: str | None
    """The lower-case currency code, e.g. ``"gbp"``."""
    base_multiplier: int = 100
    """Minor units per major unit (100 for most currencies)."""

    @property
    def major(self) -> Decimal:
        """The amount in major units, exactly: ``Money(1450, "gbp").major == Decimal("14.50")``."""
        places = _places(self.base_multiplier)
        if places is None:
            return Decimal(self.amount) / Decimal(self.base_multiplier)
        return Decimal(self.amount).scaleb(-places)

    def __str__(self) -> str:
        code = (self.currency or "").upper()
        return f"{self.major} {code}".strip()


def _places(multiplier: int) -> int | None:
    """Decimal places for a power-of-ten multiplier (100 -> 2, 1 -> 0)."""
    text = str(multiplier)
    if multiplier > 0 and text.strip("0") == "1" and text.startswith("1"):
        return len(text) - 1
    return None


class Currency(TTModel):
    """The currency object on orders and issued tickets (``{base_multiplier, code}``)
    and on the overview (``{code, symbol}``)."""

    code: LowerStr
    """The ISO 4217 code, lower-cased, e.g. ``"gbp"``."""
    base_multiplier: int | None = None
    """Minor units per major unit (100 for most currencies)."""
    symbol: str | None = None
    """The currency symbol, e.g. ``"€"`` (overview only)."""

    @overload
    def money(self, amount: int) -> Money: ...
    @overload
    def money(self, amount: None) -> None: ...
    def money(self, amount: int | None) -> Money | None:
        """``amount`` minor units of this currency; None when ``amount`` is None."""
        if amount is None:
            return None
        return Money(amount, self.code, self.base_multiplier or 100)
