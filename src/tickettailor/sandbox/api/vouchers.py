"""Vouchers and their codes (reference §3.9): the lists, one voucher, create / update /
delete, and voiding one code. Records are kept as JSON in ``objects``."""

from __future__ import annotations

import re
from typing import Any

from tickettailor.sandbox.api.reading import Resource, render_objects
from tickettailor.sandbox.api.routes import (
    Endpoint,
    nested_listing,
    record_routes,
    write,
)
from tickettailor.sandbox.api.writing import (
    COMMON_READ_ONLY,
    Change,
    api_bool,
    date_marker,
    deleted,
    insert_object,
    link_ids,
    path_id,
    read_object,
    render_object,
    save_object,
    set_given,
    take_id,
    voided,
)
from tickettailor.sandbox.errors import not_found
from tickettailor.sandbox.forms import Form
from tickettailor.sandbox.schema import ObjectRow

VOUCHERS = Resource("vouchers", "vo", "objects", ObjectRow, (), render_objects("voucher", "vo"),
                    kind="voucher")  # fmt: skip
VOUCHER_CODES = Resource("vouchers", "vc", "objects", ObjectRow, (),
                         render_objects("voucher_code", "vc"), kind="voucher_code",
                         parent_column="parent_id")  # fmt: skip
_TYPES = {"promo": "PROMO", "gift_card": "GIFT_CARD"}
_CODE = re.compile(r"[A-Za-z0-9_-]{3,40}")


def create(change: Change, form: Form, _ids: tuple[str, ...]) -> Any:
    form.read_only(COMMON_READ_ONLY | {"available_codes", "total_codes", "currency"})
    name = form.text("name", required=True, max_length=255)
    value = form.integer("value", required=True, high=10**8)
    kind = form.choice("voucher_type", _TYPES) or "PROMO"
    codes = form.text_list("codes") or []
    series = form.id_list("event_series_ids", "es") or []
    expiry = form.timestamp("expiry")
    form.choice("interval", {"30": "30", "90": "90", "365": "365"})
    partial, any_event = form.flag("partial_redemption"), form.flag("usable_on_any_event")
    for code in codes:
        if not _CODE.fullmatch(code):
            form.error("codes", "A code is 3 to 40 letters, digits, - or _.", code)
    if len(set(codes)) != len(codes):
        form.error("codes", "Each code must be different.")
    form.check()
    vid = take_id(change, "voucher")
    body = {
        "available_codes": len(codes),
        "currency": change.settings.currency,
        "event_series_ids": [f"es_{s}" for s in series],
        "expiry": date_marker(change, expiry),
        "name": name,
        "partial_redemption": api_bool(partial) or "false",
        "total_codes": len(codes),
        "type": kind,
        "usable_on_any_event": api_bool(any_event) or ("false" if series else "true"),
        "value": value,
    }
    insert_object(change, "voucher", vid, body)
    for code in codes:
        cid = take_id(change, "voucher_code")
        code_body = {
            "code": code,
            "expiry": body["expiry"],
            "value": value,
            "voucher_id": f"vo_{vid}",
        }
        insert_object(change, "voucher_code", cid, code_body, parent=vid)
    return render_object(change, "voucher", "vo", vid)


def update(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
    vid = path_id(ids[0], "vo")
    body, _parent = read_object(change, "voucher", vid)
    form.read_only(COMMON_READ_ONLY | {"available_codes", "total_codes", "currency", "type"})
    set_given(body, "name", form.text("name", max_length=255))
    set_given(body, "value", form.integer("value", high=10**8))
    expiry = form.timestamp("expiry")
    set_given(body, "partial_redemption", api_bool(form.flag("partial_redemption")))
    set_given(body, "usable_on_any_event", api_bool(form.flag("usable_on_any_event")))
    series = form.id_map("event_series_ids", "es")
    form.check()
    if expiry is not None:
        body["expiry"] = date_marker(change, expiry)
    link_ids(body, "event_series_ids", "es", series)
    save_object(change, "voucher", vid, body)
    return render_object(change, "voucher", "vo", vid)


def delete(change: Change, _form: Form, ids: tuple[str, ...]) -> Any:
    """The voucher and its unredeemed codes."""
    vid = path_id(ids[0], "vo")
    read_object(change, "voucher", vid)
    change.execute("DELETE FROM {p}objects WHERE kind = 'voucher' AND id = ?", (vid,))
    change.execute("DELETE FROM {p}objects WHERE kind = 'voucher_code' AND parent_id = ?", (vid,))
    return deleted("vo", vid, "voucher")


def void_code(change: Change, _form: Form, ids: tuple[str, ...]) -> Any:
    vid, cid = path_id(ids[0], "vo"), path_id(ids[1], "vc")
    body, _parent = read_object(change, "voucher", vid)
    if read_object(change, "voucher_code", cid)[1] != vid:
        raise not_found()
    change.execute("DELETE FROM {p}objects WHERE kind = 'voucher_code' AND id = ?", (cid,))
    body["available_codes"] = max(0, int(body["available_codes"]) - 1)
    save_object(change, "voucher", vid, body)
    return voided("vc", cid, "voucher_code")


ROUTES: list[Endpoint] = [
    *record_routes("vouchers", VOUCHERS, create, update, delete),
    nested_listing("vouchers/{id}/codes", VOUCHER_CODES, "objects", "vo", "voucher"),
    write("POST", "vouchers/{id}/codes/{id}/void", "vouchers", void_code),
]
