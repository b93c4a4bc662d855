"""How a sandbox is set up: its keys (one box office each), data size, limits, clock."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

KEY_PATTERN = re.compile(r"sk_[0-9]{4}_[0-9]{6}_[a-f0-9]{32}")

# Permission names a key can be limited to (Box Office Settings -> API in the real
# dashboard). A key with permissions=None may read everything.
PERMISSIONS = (
    "overview",
    "event_series",
    "events",
    "orders",
    "issued_tickets",
    "check_ins",
    "holds",
    "discounts",
    "vouchers",
    "products",
    "memberships",
    "waitlist_signups",
)


def generate_key() -> str:
    """A fresh random key in the real format ``sk_<4 digits>_<6 digits>_<32 hex>``."""
    return (
        f"sk_{secrets.randbelow(9000) + 1000}_{secrets.randbelow(900000) + 100000}_"
        f"{secrets.token_hex(16)}"
    )


def seed_key(seed: int) -> str:
    """The sandbox's default key for ``seed``, in the real format: the same on every
    start, so a connection saved once keeps working across restarts. Not a secret: it
    only opens a sandbox, and anyone can compute it."""
    digest = hashlib.sha256(f"tickettailor sandbox key, seed {seed}".encode()).digest()
    first = int.from_bytes(digest[:4], "big") % 9000 + 1000
    second = int.from_bytes(digest[4:8], "big") % 900000 + 100000
    return f"sk_{first}_{second}_{digest[8:24].hex()}"


@dataclass(frozen=True)
class KeySpec:
    """One API key: its own box office. ``permissions`` None means every resource."""

    key: str
    permissions: frozenset[str] | None = None

    def __repr__(self) -> str:  # the key is a secret: never in a repr
        return f"KeySpec(key='***', permissions={self.permissions!r})"

    def may(self, permission: str) -> bool:
        return self.permissions is None or permission in self.permissions


@dataclass(frozen=True)
class ChangeRates:
    """How often the simulator changes what was sold, per order it sells: ``cancel=0.03``
    is 3 cancellations for every 100 orders. The defaults are a busy, ordinary box office.

    - ``cancel``: an order cancelled with a full refund, every ticket voided
      (``ORDER.UPDATED`` and one ``ISSUED_TICKET.UPDATED`` per ticket).
    - ``refund``: a partial refund (a half or a quarter) with no void: the order stays
      ``completed`` (``ORDER.UPDATED`` only; no ticket changes).
    - ``void``: one ticket voided, its order untouched (``ISSUED_TICKET.UPDATED``).
    - ``pending``: the share of sales paid offline, ``pending`` until ``confirm`` (the
      rate at which a pending order is paid, ``ORDER.UPDATED``).
    - ``event_move``: an upcoming event postponed by an hour, a day or a week;
      ``event_status``: an upcoming event's sales closed or reopened; ``sold_out``: an
      upcoming event's last seats go (each ``EVENT.UPDATED``).
    - ``check_in``: people scanned at events in progress (no webhook).
    """

    cancel: float = 0.03
    refund: float = 0.01
    void: float = 0.02
    pending: float = 0.02
    confirm: float = 0.02
    event_move: float = 0.002
    event_status: float = 0.001
    sold_out: float = 0.001
    check_in: float = 0.8

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not 0 <= value <= (1 if name == "pending" else 100):
                limit = "a share between 0 and 1" if name == "pending" else "between 0 and 100"
                raise ValueError(f"ChangeRates.{name} must be {limit}, got {value!r}")


@dataclass(frozen=True)
class SandboxConfig:
    """Everything a sandbox needs; the same config (and clock) gives the same data.

    - ``keys``: API keys (strings or :class:`KeySpec`); each is its own box office,
      generated from ``seed`` and the key's position in this list.
    - ``orders`` / ``events``: data size per box office.
    - ``rate_limit``: ``(requests, window_seconds)`` per key, or None for no limit.
    - ``db``: SQLite file path (reused when it already holds the same data set), or
      None for memory.
    - ``resource_url``: the host used in absolute URLs (webhook ``resource_url``).
    - ``clock``: unix seconds now; injectable so tests and the simulator control time.
    - ``anchor``: the instant the generated history ends (unix seconds); None means the
      start of the current UTC day by ``clock``, so a day's runs agree.
    - ``sales_per_minute``: live simulated sales per box office (0: none); see simulator.py.
    - ``changes``: how often the simulator cancels, refunds, voids, confirms payments and
      changes events, per order sold (:class:`ChangeRates`).
    - ``webhooks``: subscriptions ``URL`` or ``URL#EVENT,EVENT``; ``webhook_secret`` signs
      them; ``webhook_time_scale`` multiplies the retry schedule (tests use 0.001).
    - ``faults``: fault rules in the ``--faults`` text or JSON form (the faults package).
    """

    keys: Sequence[str | KeySpec] = ("sk_1000_100000_" + "0" * 32,)
    seed: int = 1
    orders: int = 1000
    events: int = 12
    rate_limit: tuple[int, int] | None = (10000, 1800)
    db: str | None = None
    resource_url: str = "https://api.tickettailor.com"
    clock: Callable[[], float] = field(default=time.time)
    anchor: int | None = None
    gzip: bool = True
    sales_per_minute: float = 0.0
    changes: ChangeRates = field(default_factory=ChangeRates)
    webhooks: Sequence[str] = ()
    webhook_secret: str | None = field(default=None, repr=False)
    webhook_time_scale: float = 1.0
    faults: str = ""

    def __repr__(self) -> str:
        return (
            f"SandboxConfig(keys=<{len(self.keys)} keys>, seed={self.seed}, "
            f"orders={self.orders}, events={self.events}, rate_limit={self.rate_limit}, "
            f"db={self.db!r}, anchor={self.anchor}, sales_per_minute={self.sales_per_minute}, "
            f"webhooks=<{len(self.webhooks)}>, faults={self.faults!r})"
        )

    def key_specs(self) -> list[KeySpec]:
        specs = [k if isinstance(k, KeySpec) else KeySpec(k) for k in self.keys]
        if not specs:
            raise ValueError("SandboxConfig needs at least one API key")
        if not 0 <= self.sales_per_minute <= 100_000:
            raise ValueError(
                f"sales_per_minute must be between 0 and 100000, got {self.sales_per_minute}"
            )
        if len({s.key for s in specs}) != len(specs):
            raise ValueError("SandboxConfig keys must be distinct")
        for spec in specs:
            if spec.permissions is not None:
                unknown = spec.permissions - set(PERMISSIONS)
                if unknown:
                    raise ValueError(
                        f"unknown permission(s) {sorted(unknown)}; use some of {PERMISSIONS}"
                    )
        return specs

    def anchor_time(self) -> int:
        if self.anchor is not None:
            return self.anchor
        now = int(self.clock())
        return now - now % 86400
