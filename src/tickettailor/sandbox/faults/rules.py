"""Fault rules: what can go wrong, where and how often, and their text and JSON forms
(the module doc of ``tickettailor.sandbox.faults`` describes both)."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

KINDS = ("status", "429", "latency", "drop", "malformed", "html", "repeat")
MAX_LATENCY = 600.0
_RULE_KEYS = {"kind", "path", "method", "probability", "count", "burst", "retry_after", "id"}
_ALIASES = {"p": "probability", "n": "count"}


class FaultSpecError(ValueError):
    """A fault rule that cannot be used as written; the message says how to fix it."""


@dataclass
class FaultRule:
    kind: str  # one of KINDS
    path: str = "/v1/*"  # glob (fnmatch, whole path) or "re:<regex>" (searched)
    method: str | None = None
    probability: float = 1.0
    count: int | None = None  # most times the rule fires (each firing covers a burst)
    burst: int = 1
    status: int | None = None  # for status and html
    seconds: float = 0.0  # for latency
    rows: int = 1  # for repeat
    retry_after: int = 1  # for 429
    id: int = 0  # given by the injector
    matched: int = 0  # matching requests seen
    fired: int = 0  # requests this rule answered (or delayed)
    triggers: int = 0  # times it started firing (what count limits)
    burst_left: int = field(default=0, repr=False)
    pattern: re.Pattern[str] = field(default=re.compile(""), repr=False)

    @property
    def spec(self) -> str:
        argument = {
            "status": self.status,
            "html": self.status,
            "latency": self.seconds,
            "repeat": self.rows,
            "429": self.burst if self.burst > 1 else None,
        }.get(self.kind)
        return self.kind if argument is None else f"{self.kind}:{argument:g}"

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.spec,
            "path": self.path,
            "method": self.method,
            "probability": self.probability,
            "count": self.count,
            "burst": self.burst,
            "retry_after": self.retry_after,
            "matched": self.matched,
            "fired": self.fired,
        }

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and method != self.method:
            return False
        return self.pattern.search(path) is not None


# --- parsing -------------------------------------------------------------------------


def _number(name: str, value: Any, low: float, high: float, *, whole: bool) -> Any:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(value) if whole and not isinstance(value, float) else float(value)
    except (TypeError, ValueError):
        kind = "a whole number" if whole else "a number"
        raise FaultSpecError(f"{name} must be {kind}, got {value!r}") from None
    if whole and number != int(number):
        raise FaultSpecError(f"{name} must be a whole number, got {value!r}")
    if not low <= number <= high:
        raise FaultSpecError(f"{name} must be between {low:g} and {high:g}, got {value!r}")
    return int(number) if whole else number


def _kind(text: str, rule: FaultRule) -> None:
    name, _, argument = text.strip().lower().partition(":")
    if name not in KINDS:
        raise FaultSpecError(
            f"unknown fault kind {text.strip()!r}; use one of status:5xx, 429[:burst], "
            "latency:SECONDS, drop, malformed, html[:5xx], repeat[:rows]"
        )
    rule.kind = name
    if name in ("drop", "malformed") and argument:
        raise FaultSpecError(f"fault kind {name!r} takes no argument, got {text.strip()!r}")
    if name == "status":
        rule.status = _number("status", argument or 503, 500, 599, whole=True)
    elif name == "html":
        rule.status = _number("html status", argument or 502, 500, 599, whole=True)
    elif name == "latency":
        if not argument:
            raise FaultSpecError("latency needs seconds, e.g. latency:1.5")
        rule.seconds = _number("latency seconds", argument, 0, MAX_LATENCY, whole=False)
    elif name == "repeat":
        rule.rows = _number("repeat rows", argument or 1, 1, 100, whole=True)
    elif name == "429" and argument:
        rule.burst = _number("429 burst", argument, 1, 100_000, whole=True)


def _compile(path: str) -> re.Pattern[str]:
    if path.startswith("re:"):
        try:
            return re.compile(path[3:])
        except re.error as error:
            raise FaultSpecError(f"path regex {path[3:]!r} is invalid: {error}") from None
    if not path.startswith(("/", "*")):
        raise FaultSpecError(
            f"path {path!r} must be a glob starting with / (e.g. /v1/orders*) or re:<regex>"
        )
    return re.compile(fnmatch.translate(path))


def parse_rule(data: Mapping[str, Any]) -> FaultRule:
    """One rule from its JSON form, e.g. {"kind": "status:503", "path": "/v1/orders*"}."""
    data = {_ALIASES.get(key, key): value for key, value in data.items()}
    unknown = sorted(set(data) - _RULE_KEYS)
    if unknown:
        raise FaultSpecError(
            f"unknown fault field {', '.join(unknown)}; use kind, path, method, "
            "probability (p), count (n), burst, retry_after"
        )
    if not isinstance(data.get("kind"), str):
        raise FaultSpecError('a fault rule needs a kind, e.g. "status:503" or "drop"')
    rule = FaultRule(kind="")
    _kind(data["kind"], rule)
    path = data.get("path", rule.path)
    if not isinstance(path, str) or not path:
        raise FaultSpecError("path must be a glob like /v1/orders* or re:<regex>")
    rule.path, rule.pattern = path, _compile(path)
    method = data.get("method")
    if method is not None:
        if not isinstance(method, str) or not method.isalpha():
            raise FaultSpecError(f"method must be an HTTP method like GET, got {method!r}")
        rule.method = method.upper()
    if "probability" in data:
        rule.probability = _number("probability", data["probability"], 0, 1, whole=False)
    if data.get("count") is not None:
        rule.count = _number("count", data["count"], 1, 10**9, whole=True)
    if "burst" in data:
        rule.burst = _number("burst", data["burst"], 1, 100_000, whole=True)
    if "retry_after" in data:
        rule.retry_after = _number("retry_after", data["retry_after"], 0, 86400, whole=True)
    return rule


def _text_rule(text: str) -> dict[str, Any]:
    kind, *fields = (part.strip() for part in text.split(","))
    data: dict[str, Any] = {"kind": kind}
    for item in fields:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise FaultSpecError(f"expected key=value after the kind, got {item!r}")
        data[key.strip().lower()] = value.strip()
    return data


def parse_faults(text: str) -> list[FaultRule]:
    """Rules from the ``--faults`` text form or its JSON form (see the module doc)."""
    text = text.strip()
    if not text.startswith(("[", "{")):
        return parse_items([part.strip() for part in text.split(";") if part.strip()])
    try:
        loaded = json.loads(text)
    except ValueError as error:
        raise FaultSpecError(f"faults JSON is not valid: {error}") from None
    return parse_items(loaded if isinstance(loaded, list) else [loaded])


def parse_items(items: Sequence[Any]) -> list[FaultRule]:
    rules = []
    for number, item in enumerate(items, start=1):
        try:
            data = _text_rule(item) if isinstance(item, str) else item
            if not isinstance(data, Mapping):
                raise FaultSpecError("each rule must be a JSON object")
            rules.append(parse_rule(data))
        except FaultSpecError as error:
            raise FaultSpecError(f"fault rule {number} ({str(item)[:80]}): {error}") from None
    return rules
