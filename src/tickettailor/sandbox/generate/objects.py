"""Generated records kept as JSON in ``objects``: holds, discounts, vouchers and their
codes, products, membership types and issued memberships, waitlist signups."""

from __future__ import annotations

import json
import random
from typing import Any

from tickettailor.sandbox import names
from tickettailor.sandbox.generate.basics import DAY, Ids, PlannedEvent, alnum, ascii_name


def holds(
    rng: random.Random,
    ids: Ids,
    evs: list[PlannedEvent],
    tts: list[list[tuple[int, str, int, int]]],
    inventory: dict[tuple[int, int], list[int]],
    anchor: int,
    objects: list[tuple[Any, ...]],
) -> None:
    planned: list[tuple[int, int, int, int, str]] = []
    for e in evs:
        # The first upcoming event always has a hold, so every box office shows one.
        if e.start > anchor and (not planned or rng.random() < 0.4):
            tid = tts[e.series][0][0]
            inv = inventory[(e.id, tid)]
            free = inv[0] - inv[1] - inv[3] - inv[2]
            qty = min(free, rng.randint(1, 4))
            if qty > 0:
                inv[2] += qty
                at = rng.randint(e.created_at + 60, anchor - 60)
                note = rng.choice(("Reserved for press", "Band guest list", "Sponsor's seats"))
                planned.append((at, e.id, tid, qty, note))
    for at, ev_id, tid, qty, note in sorted(planned):
        hid = ids.take("ho", 100_600)
        body = {
            "note": note,
            "quantities": [{"ticket_type_id": f"tt_{tid}", "quantity": qty}],
            "total_on_hold": qty,
        }
        objects.append(("hold", hid, at, at, None, ev_id, None, json.dumps(body)))


def extras(
    rng: random.Random,
    ids: Ids,
    box: dict[str, Any],
    evs: list[PlannedEvent],
    series_ids: list[int],
    series_created: list[int],
    tts: list[list[tuple[int, str, int, int]]],
    anchor: int,
    objects: list[tuple[Any, ...]],
) -> None:
    """Discounts, vouchers and codes, products, memberships, waitlist signups."""
    tz = box["timezone"]
    start = min(series_created)
    planned: list[tuple[int, str, dict[str, Any], int | None, int | None, str | None]] = []

    def when() -> int:
        return rng.randint(start, anchor - 60)

    all_tts = [t[0] for group in tts for t in group]
    for i in range(rng.randint(4, 10)):
        fixed = rng.random() < 0.6
        code = f"{rng.choice(('SAVE', 'FRIENDS', 'EARLY', 'PRESS'))}{10 + i}"
        scoped = rng.sample(all_tts, min(len(all_tts), rng.randint(0, 2)))
        expires = anchor + rng.randint(10, 200) * DAY if rng.random() < 0.5 else None
        planned.append((when(), "discount", {
            "booking_fee_amount": 0 if fixed else None,
            "booking_fee_percentage": None,
            "code": code,
            "expires": {"$date": expires, "$tz": tz} if expires else None,
            "face_value_amount": rng.choice((200, 300, 500)) if fixed else None,
            "face_value_percentage": None if fixed else rng.choice((10, 15, 25)),
            "max_redemptions": rng.choice((None, 10, 50, 100)),
            "name": f"{code.title()} offer",
            "products": [],
            "ticket_types": [f"tt_{t}" for t in sorted(scoped)],
            "times_redeemed": rng.randint(0, 9),
            "type": "fixed_amount" if fixed else "percentage",
        }, None, None, code))  # fmt: skip
    for _ in range(rng.randint(2, 4)):
        gift = rng.random() < 0.5
        n_codes = rng.randint(1, 12)
        expiry = anchor + rng.randint(30, 365) * DAY
        planned.append((when(), "voucher", {
            "available_codes": n_codes,
            "currency": box["currency"],
            "event_series_ids": [],
            "expiry": {"$date": expiry, "$tz": tz},
            "name": "Gift card" if gift else "Promo vouchers",
            "partial_redemption": "true" if gift else "false",
            "total_codes": n_codes,
            "type": "GIFT_CARD" if gift else "PROMO",
            "usable_on_any_event": "true",
            "value": rng.choice((1000, 2500, 5000)),
        }, None, None, None))  # fmt: skip
    for k in range(rng.randint(1, 3)):
        planned.append((when(), "product", {
            "booking_fee": 0,
            "currency": box["currency"].upper(),
            "description": ("Programme", "Tote bag", "Season pass")[k],
            "event_series_ids": None,
            "fulfilment_reference_id": None,
            "fulfilment_type": "NONE",
            "image": None,
            "instructions": None,
            "issued_count": rng.randint(0, 40),
            "linked_to_all_event_series": "true",
            "name": ("Programme", "Tote bag", "Season pass")[k],
            "price": (500, 1200, 9900)[k],
            "quantity": rng.randint(50, 200),
            "quantity_per_event_occurrence": None,
            "sell_in_store": rng.choice(("true", "false")),
            "status": "ON_SALE",
            "variant": None,
        }, None, None, None))  # fmt: skip
    for k in range(rng.randint(1, 2)):
        valid_to = anchor + rng.randint(60, 300) * DAY
        planned.append((when(), "membership_type", {
            "conditions_and_benefits": [],
            "max_redemptions": rng.choice((None, 8, 12)),
            "name": ("Members 2026", "Friends of the House")[k],
            "photo_required": "false",
            "valid_from_date": None,
            "valid_from_type": "relative",
            "valid_to_date": {"$date": valid_to, "$tz": tz},
            "valid_to_relative_days": None,
            "valid_to_type": "fixed",
        }, None, None, None))  # fmt: skip
    waitlisted = 0
    for e in evs:
        # Some future events have a waiting list (always at least one, when any exists).
        if e.start > anchor and e.status == "published" and (rng.random() < 0.3 or not waitlisted):
            waitlisted += 1
            for _ in range(rng.randint(1, 5)):
                first = ascii_name(names.FIRST_NAMES[rng.randrange(len(names.FIRST_NAMES))])
                planned.append((rng.randint(e.created_at + 60, anchor - 60), "waitlist_signup", {
                    "email": f"{first}{rng.randrange(1000)}@example.com",
                    "event_id": f"ev_{e.id}",
                }, series_ids[e.series], e.id, None))  # fmt: skip
    planned.sort(key=lambda p: p[0])
    bases = {
        "discount": 598_900, "voucher": 1_200, "product": 80_700, "membership_type": 9_700,
        "waitlist_signup": 33_000,
    }  # fmt: skip
    membership_types: list[tuple[int, dict[str, Any], int]] = []
    for at, kind, body, parent, event, ocode in planned:
        oid = ids.take(kind, bases[kind])
        if kind == "product":
            body["created_at"] = body["updated_at"] = {"$date": at, "$tz": tz}
        if kind == "waitlist_signup":
            body["created_at"] = {"$date": at, "$tz": tz}
        objects.append((kind, oid, at, at, parent, event, ocode, json.dumps(body)))
        if kind == "voucher":
            for _ in range(body["total_codes"]):
                cid = ids.take("voucher_code", 4_400)
                vcode = "GIFT-" if body["type"] == "GIFT_CARD" else "PROMO-"
                objects.append(("voucher_code", cid, at, at, oid, None, None, json.dumps({
                    "code": vcode + alnum(rng, 6, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"),
                    "expiry": body["expiry"],
                    "value": body["value"],
                    "voucher_id": f"vo_{oid}",
                })))  # fmt: skip
        if kind == "membership_type":
            membership_types.append((oid, body, at))
    memberships(rng, ids, box, membership_types, anchor, objects)


def memberships(
    rng: random.Random,
    ids: Ids,
    box: dict[str, Any],
    types: list[tuple[int, dict[str, Any], int]],
    anchor: int,
    objects: list[tuple[Any, ...]],
) -> None:
    tz = box["timezone"]
    planned = []
    for mt_id, body, created in types:
        for _ in range(rng.randint(3, 12)):
            planned.append((rng.randint(created + 60, anchor - 60), mt_id, body))
    planned.sort(key=lambda p: p[0])
    for at, mt_id, body in planned:
        im = ids.take("issued_membership", 159_900)
        fi = rng.randrange(len(names.FIRST_NAMES))
        la = rng.randrange(len(names.LAST_NAMES))
        fn, ln = names.FIRST_NAMES[fi], names.LAST_NAMES[la]
        redemptions = []
        for _ in range(rng.randint(0, 2)):
            rt = rng.randint(at + 60, anchor)
            redemptions.append({
                "object": "issued_membership_redemption",
                "id": f"ir_{ids.take('redemption', 214_900)}",
                "created_at": {"$iso": rt},
                "description": "",
                "issued_membership_id": f"im_{im}",
                "linked_event_id": None,
                "linked_order_id": None,
            })  # fmt: skip
        valid_to = body["valid_to_date"]["$date"]
        objects.append(("issued_membership", im, at, at, mt_id, None, None, json.dumps({
            "benefits": [],
            "code": "MM" + alnum(rng, 7, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"),
            "email": f"{ascii_name(fn)}.{ascii_name(ln)}@example.com",
            "first_name": fn,
            "full_name": f"{fn} {ln}",
            "is_valid": "true" if valid_to > anchor else "false",
            "issue_date": {"$date": at, "$tz": tz},
            "last_name": ln,
            "max_redemptions": body["max_redemptions"],
            "membership_type_id": f"mt_{mt_id}",
            "membership_type_name": body["name"],
            "redemption_collection": redemptions,
            "redemptions": len(redemptions),
            "valid_from": {"$date": at, "$tz": tz},
            "valid_to": {"$date": valid_to, "$tz": tz},
            "voided_at": None,
        })))  # fmt: skip
