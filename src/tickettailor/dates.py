"""Reading the dates people type, as the library's filters and the command line do.

Public API: ``parse_instant("-7d")``, ``parse_instant("2026-11-01", tz="Europe/London")``,
``day_bounds("today")``, ``to_unix(...)``, ``resolve_tz("UTC")``. Accepted: ISO 8601
dates and date-times, unix seconds, ``now`` / ``today`` / ``yesterday``, and offsets
such as ``-7d`` or ``+2w``; anything else raises ``DateParseError`` naming the accepted
formats (``ACCEPTED_FORMATS``), never a silent guess.
"""

from __future__ import annotations

from tickettailor._core.dates import (
    ACCEPTED_FORMATS,
    day_bounds,
    parse_instant,
    resolve_tz,
    to_unix,
)
from tickettailor._core.errors import DateParseError

__all__ = [
    "ACCEPTED_FORMATS",
    "DateParseError",
    "day_bounds",
    "parse_instant",
    "resolve_tz",
    "to_unix",
]
