"""What the generator's parts share: deterministic barcodes, random tokens, rising ids
and the plan of one event."""

from __future__ import annotations

import hashlib
import random
import unicodedata
from dataclasses import dataclass

DAY = 86400
_B62 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
B62_MOD = 62**6
_B62_MUL = 1_580_030_173  # coprime with 62, so barcode() is a bijection on ids < 62**6


def box_seed(seed: int, number: int) -> int:
    digest = hashlib.sha256(f"tickettailor-sandbox:{seed}:{number}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


_B62_3: list[str] = []  # every 3-character base-62 string, built on first use
_B62_INDEX = {c: i for i, c in enumerate(_B62)}
_B62_INV = pow(_B62_MUL, -1, B62_MOD)


def barcode(ticket_id: int, salt: int) -> str:
    """Six letters and digits, a bijection of the ticket id: generated tickets store no
    barcode (a million tickets, no column, no index) and a barcode filter inverts it."""
    if not _B62_3:
        _B62_3.extend(a + b + c for a in _B62 for b in _B62 for c in _B62)
    number = (ticket_id * _B62_MUL + salt) % B62_MOD
    high, low = divmod(number, 238_328)
    return _B62_3[high] + _B62_3[low]


def barcode_ticket(code: str, salt: int) -> int | None:
    """The ticket id whose derived barcode is ``code`` (None if it cannot be one)."""
    if len(code) != 6 or any(c not in _B62_INDEX for c in code):
        return None
    number = 0
    for char in code:
        number = number * 62 + _B62_INDEX[char]
    return ((number - salt) * _B62_INV) % B62_MOD


def hex_text(rng: random.Random, length: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(length))


def alnum(rng: random.Random, length: int, alphabet: str = _B62) -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


class Ids:
    """Per-type rising ids with small gaps (real ids are global sequences)."""

    def __init__(self, rng: random.Random, number: int) -> None:
        self.rng = rng
        self.next: dict[str, int] = {}
        self.number = number

    def take(self, kind: str, base: int) -> int:
        current = self.next.get(kind, base + self.number * 40_000_000)
        step = 1 if self.rng.random() < 0.9 else 2
        self.next[kind] = current + step
        return current


@dataclass
class PlannedEvent:
    index: int
    series: int  # index into series list
    created_at: int
    start: int
    end: int
    status: str
    id: int = 0


def ascii_name(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())
