"""Request bodies the way the real API (PHP) reads them, and field validation.

Bodies are ``application/x-www-form-urlencoded`` with PHP bracket names: ``a[]=x``
appends to a list, ``a[k]=v`` sets a key of a map (reference §1.3). Any other body (JSON
included) reaches PHP as an empty form, so it is one here too.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote_plus

from tickettailor.sandbox.errors import TIMESTAMP_MESSAGE, validation
from tickettailor.sandbox.params import parse_id

REQUIRED = "Value is required and can't be empty"
READ_ONLY = "This value is read-only and cannot be written."
_BRACKETS = re.compile(r"\[([^\[\]]*)\]")
_GROUPS = re.compile(r"(?:\[[^\[\]]*\])*")
_INT = re.compile(r"[+-]?[0-9]{1,12}")
_UNIX = re.compile(r"[0-9]{1,12}")
_INDEX = re.compile(r"-?[0-9]{1,18}")  # ASCII only: "²".isdigit() is true, int("²") fails

# A PHP array: keys in insertion order; ``a[]`` takes the next integer key.
PhpArray = dict[str, Any]


def is_form(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "application/x-www-form-urlencoded"


def parse_form(body: bytes, content_type: str | None) -> PhpArray:
    """``$_POST`` for this body: nested dicts for bracket names, last value wins."""
    if not body or not is_form(content_type):
        return {}
    out: PhpArray = {}
    for part in body.decode("utf-8", "replace").split("&"):
        if not part:
            continue
        raw_name, _, raw_value = part.partition("=")
        name, value = unquote_plus(raw_name), unquote_plus(raw_value)
        base, bracket, rest = name.partition("[")
        # PHP keeps the well-formed bracket groups at the start and drops the rest
        keys = _BRACKETS.findall(_GROUPS.match(bracket + rest).group(0)) if bracket else []  # type: ignore[union-attr]  # _GROUPS matches every string (maybe empty)
        base = base.replace(".", "_").replace(" ", "_")
        if not base:
            continue
        _assign(out, [base, *keys], value)
    return out


def _assign(target: PhpArray, keys: list[str], value: str) -> None:
    for position, key in enumerate(keys):
        if key == "" and position > 0:
            numeric = [int(k) for k in target if _INDEX.fullmatch(k)]
            key = str(max(numeric) + 1 if numeric else 0)
        if position == len(keys) - 1:
            target[key] = value
            return
        child = target.get(key)
        if not isinstance(child, dict):
            child = {}
            target[key] = child
        target = child


class Form:
    """Typed reads of one form; errors are collected and raised together by ``check``."""

    def __init__(self, data: PhpArray) -> None:
        self.data = data
        self.errors: list[dict[str, Any]] = []

    def has(self, name: str) -> bool:
        return name in self.data

    def error(self, name: str, message: str, value: Any = None) -> None:
        item: dict[str, Any] = {"field": name}
        if isinstance(value, str) and value:
            item["value"] = value
        item["messages"] = [message]
        self.errors.append(item)

    def check(self) -> None:
        if self.errors:
            raise validation(self.errors)

    def read_only(self, names: set[str] | frozenset[str]) -> None:
        """Echoing a read-only field back is a 400 (reference §1.3, trap T4)."""
        for name in self.data:
            if name in names:
                self.error(name, READ_ONLY)

    def _scalar(self, name: str, required: bool) -> str | None:
        if name not in self.data:
            if required:
                self.error(name, REQUIRED)
            return None
        value = self.data[name]
        if isinstance(value, dict):
            self.error(name, "Value must be a single value, not an array.")
            return None
        if value == "":
            self.error(name, REQUIRED)  # omit an optional field rather than send it empty
            return None
        return str(value)

    def text(self, name: str, *, required: bool = False, max_length: int = 1000) -> str | None:
        value = self._scalar(name, required)
        if value is not None and len(value) > max_length:
            self.error(name, f"Value must be at most {max_length} characters.", value[:40])
            return None
        return value

    def integer(
        self, name: str, *, required: bool = False, low: int = 0, high: int = 10**9
    ) -> int | None:
        value = self._scalar(name, required)
        if value is None:
            return None
        if not _INT.fullmatch(value) or not low <= int(value) <= high:
            self.error(name, f"Value must be a whole number between {low} and {high}.", value)
            return None
        return int(value)

    def number(self, name: str, *, low: float = 0, high: float = 100) -> float | int | None:
        value = self._scalar(name, False)
        if value is None:
            return None
        try:
            parsed = float(value)
        except ValueError:
            parsed = float("nan")
        if not low <= parsed <= high:
            self.error(name, f"Value must be a number between {low:g} and {high:g}.", value)
            return None
        return int(parsed) if parsed == int(parsed) else parsed

    def timestamp(self, name: str, *, required: bool = False) -> int | None:
        if name not in self.data:
            if required:
                self.error(name, TIMESTAMP_MESSAGE)
            return None
        value = self.data[name]
        if not isinstance(value, str) or not _UNIX.fullmatch(value):
            self.error(name, TIMESTAMP_MESSAGE, value if isinstance(value, str) else None)
            return None
        return int(value)

    def flag(self, name: str) -> bool | None:
        value = self._scalar(name, False)
        if value is None:
            return None
        lowered = value.lower()
        if lowered not in ("true", "false", "1", "0"):
            self.error(name, "Value must be true or false.", value)
            return None
        return lowered in ("true", "1")

    def choice(self, name: str, options: dict[str, str], *, required: bool = False) -> str | None:
        """One of ``options`` (accepted spelling, any case -> stored value)."""
        value = self._scalar(name, required)
        if value is None:
            return None
        stored = options.get(value.lower())
        if stored is None:
            allowed = ", ".join(sorted(set(options.values())))
            self.error(name, f"Value must be one of: {allowed}.", value)
        return stored

    def id_map(
        self, name: str, prefix: str, *, message: str | None = None, low: int = 0
    ) -> dict[int, int] | None:
        """``name[<prefix>_N]=<int>`` entries as {N: int}; None when the field is absent."""
        if name not in self.data:
            return None
        raw = self.data[name]
        shape = message or (
            f"Value must be an array in the following format: ['{name}' => {prefix}_ID => number]"
        )
        if not isinstance(raw, dict) or not raw:
            self.error(name, shape)
            return None
        out: dict[int, int] = {}
        for key, value in raw.items():
            oid = parse_id(key, prefix)
            if oid is None or not isinstance(value, str) or not _INT.fullmatch(value):
                self.error(name, shape)
                return None
            if int(value) < low:
                self.error(f"{name}[{key}]", f"Value must be {low} or more.", value)
                return None
            out[oid] = int(value)
        return out

    def id_list(self, name: str, prefix: str) -> list[int] | None:
        """``name[]=<prefix>_N`` entries; None when absent."""
        if name not in self.data:
            return None
        raw = self.data[name]
        values = list(raw.values()) if isinstance(raw, dict) else [raw]
        out = []
        for value in values:
            oid = parse_id(value, prefix) if isinstance(value, str) else None
            if oid is None:
                self.error(name, f"Each value must be an id like {prefix}_123.", str(value))
                return None
            out.append(oid)
        return out

    def text_list(self, name: str) -> list[str] | None:
        if name not in self.data:
            return None
        raw = self.data[name]
        values = list(raw.values()) if isinstance(raw, dict) else [raw]
        if any(not isinstance(v, str) or not v for v in values):
            self.error(name, "Each value must be a non-empty text.")
            return None
        return [str(v) for v in values]
