"""What every resource's rendering shares: the box office's settings, key order,
stored markers, and the texts and images every event and series carries.

Every object is built with ``object`` and ``id`` first and the other keys in
alphabetical order (reference §1.9); tests check this recursively. Helper objects
(dates, currency, venue, buyer details) carry no ``object`` key.
"""

from __future__ import annotations

import json
from typing import Any

from tickettailor.sandbox.dates import date_object, iso_utc
from tickettailor.sandbox.schema import SeriesRow

SBOOL = ("false", "true")


class BoxSettings:
    """What rendering needs to know about one box office (loaded once per request)."""

    def __init__(self, box: dict[str, Any], now: int) -> None:
        self.box = box
        self.now = now
        self.tz: str = box["timezone"]
        self.currency: str = box["currency"]
        self.currency_obj = {"base_multiplier": 100, "code": self.currency}
        self.slug: str = box["slug"]


def expand(value: Any) -> Any:
    """Turn the stored markers ``{"$date": unix, "$tz": tz}`` / ``{"$iso": unix}`` into
    their API forms, recursively."""
    if isinstance(value, dict):
        if "$date" in value:
            return dict(date_object(value["$date"], value["$tz"]))
        if "$iso" in value:
            return iso_utc(value["$iso"])
        return {k: expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v) for v in value]
    return value


def canonical(obj: dict[str, Any]) -> dict[str, Any]:
    """``object`` and ``id`` first, then the rest alphabetically (not recursive)."""
    head: dict[str, Any] = {k: obj[k] for k in ("object", "id") if k in obj}
    head.update({k: obj[k] for k in sorted(obj) if k not in ("object", "id")})
    return head


def generic(kind: str, prefix: str, oid: int, body_json: str) -> dict[str, Any]:
    body = expand(json.loads(body_json))
    body["object"] = kind
    body["id"] = f"{prefix}_{oid}"
    return canonical(body)


def revenue(cents: int) -> int | float:
    """Major units; an integer when whole, like PHP's output for the real API."""
    return cents // 100 if cents % 100 == 0 else cents / 100


def images() -> dict[str, str]:
    base = "https://uploads.tickettailorassets.com/c_fill,g_center,{}/v1/production/userfiles/global/abstract.jpg"
    return {
        "header": base.format("h_373,q_85,w_1172"),
        "thumbnail": base.format("h_250,q_85,w_250"),
    }


TEXTS = {
    "call_to_action": "Buy tickets",
    "tickets_available_at_message": "Tickets are available in {countdown}",
    "tickets_unavailable_at_message": "Tickets are no longer available",
    "waitlist_call_to_action": "Join waiting list",
    "waitlist_confirmation_message": "Done! You are on the waiting list.",
    "waitlist_event_page_text": (
        "Join our waiting list to be notified when tickets become available."
    ),
}


def series_description(name: str) -> str:
    return f"<p>{name}: an evening you won't forget. Doors open 30 minutes before the start.</p>"


def description(series: SeriesRow) -> str:
    """A series' description: the one written through the API (kept in ``attrs``), else
    the generated one."""
    attrs = json.loads(series.attrs) if series.attrs else {}
    return str(attrs.get("description") or series_description(series.name))
