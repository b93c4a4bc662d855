"""Memberships (reference §3.11): membership types, issued memberships and their
redemptions at events. Records are kept as JSON in ``objects``."""

from __future__ import annotations

import hashlib
from typing import Any

from tickettailor.sandbox.api.reading import Resource, render_objects
from tickettailor.sandbox.api.routes import Endpoint, record_routes, write
from tickettailor.sandbox.api.writing import (
    COMMON_READ_ONLY,
    Change,
    api_bool,
    bad,
    conflict,
    date_marker,
    deleted,
    insert_object,
    path_id,
    read_object,
    render_object,
    save_object,
    set_given,
    take_id,
    voided,
)
from tickettailor.sandbox.dates import iso_utc
from tickettailor.sandbox.errors import ApiError, not_found
from tickettailor.sandbox.forms import Form
from tickettailor.sandbox.params import parse_id
from tickettailor.sandbox.schema import ObjectRow

MEMBERSHIP_TYPES = Resource("memberships", "mt", "objects", ObjectRow, (),
                            render_objects("membership_type", "mt"),
                            kind="membership_type")  # fmt: skip
ISSUED_MEMBERSHIPS = Resource("memberships", "im", "objects", ObjectRow, (),
                              render_objects("issued_membership", "im"),
                              kind="issued_membership")  # fmt: skip

_VALIDITY = {"relative": "relative", "fixed": "fixed"}


def _membership_type_fields(change: Change, form: Form, create: bool) -> dict[str, Any]:
    form.read_only(COMMON_READ_ONLY)
    values = {
        "name": form.text("name", required=create, max_length=255),
        "valid_from_type": form.choice("valid_from_type", _VALIDITY, required=create),
        "valid_to_type": form.choice("valid_to_type", _VALIDITY, required=create),
        "valid_from_date": date_marker(change, form.timestamp("valid_from_date")),
        "valid_to_date": date_marker(change, form.timestamp("valid_to_date")),
        "valid_to_relative_days": form.integer("valid_to_relative_days", low=1, high=36_500),
        "max_redemptions": form.integer("max_redemptions", low=1),
        "photo_required": api_bool(form.flag("photo_required")),
    }
    if create and values["valid_to_type"] == "fixed" and values["valid_to_date"] is None:
        form.error("valid_to_date", "Value is required when valid_to_type is fixed.")
    if (
        create
        and values["valid_to_type"] == "relative"
        and values["valid_to_relative_days"] is None
    ):
        form.error("valid_to_relative_days", "Value is required when valid_to_type is relative.")
    return values


def create_membership_type(change: Change, form: Form, _ids: tuple[str, ...]) -> Any:
    values = _membership_type_fields(change, form, True)
    form.check()
    mid = take_id(change, "membership_type")
    body = {
        "conditions_and_benefits": [],
        **values,
        "photo_required": values["photo_required"] or "false",
    }
    insert_object(change, "membership_type", mid, dict(sorted(body.items())))
    return render_object(change, "membership_type", "mt", mid)


def update_membership_type(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
    mid = path_id(ids[0], "mt")
    body, _parent = read_object(change, "membership_type", mid)
    values = _membership_type_fields(change, form, False)
    form.check()
    for key, value in values.items():
        set_given(body, key, value)
    save_object(change, "membership_type", mid, body)
    return render_object(change, "membership_type", "mt", mid)


def _valid_until(change: Change, mtype: dict[str, Any]) -> int:
    if mtype.get("valid_to_type") == "fixed" and mtype.get("valid_to_date"):
        return int(mtype["valid_to_date"]["$date"])
    return change.now + int(mtype.get("valid_to_relative_days") or 365) * 86400


def create_issued_membership(change: Change, form: Form, _ids: tuple[str, ...]) -> Any:
    form.read_only(COMMON_READ_ONLY | {"code", "is_valid", "redemptions", "voided_at"})
    raw = form.text("membership_type_id", required=True)
    first = form.text("first_name", required=True, max_length=255)
    last = form.text("last_name", required=True, max_length=255)
    email = form.text("email", required=True, max_length=255)
    mid = parse_id(raw, "mt") if raw else None
    if raw and mid is None:
        form.error("membership_type_id", "Value must be a membership type id like mt_123.", raw)
    form.check()
    assert mid is not None  # required (checked above)
    try:
        mtype, _parent = read_object(change, "membership_type", mid)
    except ApiError:
        raise bad("membership_type_id", f"Membership type {raw} does not exist.") from None
    iid = take_id(change, "issued_membership")
    until = _valid_until(change, mtype)
    code = "MM" + hashlib.sha256(f"{change.prefix}im{iid}".encode()).hexdigest()[:7].upper()
    body = {
        "benefits": [],
        "code": code,
        "email": email,
        "first_name": first,
        "full_name": f"{first} {last}",
        "is_valid": "true" if until > change.now else "false",
        "issue_date": date_marker(change, change.now),
        "last_name": last,
        "max_redemptions": mtype.get("max_redemptions"),
        "membership_type_id": f"mt_{mid}",
        "membership_type_name": mtype["name"],
        "redemption_collection": [],
        "redemptions": 0,
        "valid_from": date_marker(change, change.now),
        "valid_to": date_marker(change, until),
        "voided_at": None,
    }
    insert_object(change, "issued_membership", iid, body, parent=mid)
    change.emit("ISSUED_MEMBERSHIP.CREATED", "issued_memberships", iid)
    return render_object(change, "issued_membership", "im", iid)


def update_issued_membership(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
    iid = path_id(ids[0], "im")
    body, _parent = read_object(change, "issued_membership", iid)
    form.read_only(
        COMMON_READ_ONLY | {"code", "is_valid", "redemptions", "voided_at", "membership_type_id"}
    )
    for key in ("first_name", "last_name", "email"):
        set_given(body, key, form.text(key, max_length=255))
    valid_to = form.timestamp("valid_to")
    form.check()
    body["full_name"] = f"{body['first_name']} {body['last_name']}"
    if valid_to is not None:
        body["valid_to"] = date_marker(change, valid_to)
        body["is_valid"] = (
            "true" if valid_to > change.now and body["voided_at"] is None else "false"
        )
    save_object(change, "issued_membership", iid, body)
    change.emit("ISSUED_MEMBERSHIP.UPDATED", "issued_memberships", iid)
    return render_object(change, "issued_membership", "im", iid)


def void_issued_membership(change: Change, _form: Form, ids: tuple[str, ...]) -> Any:
    iid = path_id(ids[0], "im")
    body, _parent = read_object(change, "issued_membership", iid)
    if body.get("voided_at") is not None:
        raise bad("issued_membership_id", f"Issued membership im_{iid} is already voided.")
    body["voided_at"], body["is_valid"] = change.now, "false"
    save_object(change, "issued_membership", iid, body)
    change.emit("ISSUED_MEMBERSHIP.UPDATED", "issued_memberships", iid)
    return voided("im", iid, "issued_membership")


def redeem_membership(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
    event_id = path_id(ids[0], "ev")
    if change.one("SELECT 1 FROM {p}events WHERE id = ?", (event_id,)) is None:
        raise not_found()
    raw = form.text("issued_membership_id", required=True)
    description = form.text("description", max_length=1000) or ""
    iid = parse_id(raw, "im") if raw else None
    if raw and iid is None:
        form.error(
            "issued_membership_id", "Value must be an issued membership id like im_123.", raw
        )
    form.check()
    assert iid is not None  # required (checked above)
    try:
        body, _parent = read_object(change, "issued_membership", iid)
    except ApiError:
        raise bad("issued_membership_id", f"Issued membership {raw} does not exist.") from None
    if body["is_valid"] != "true":
        raise bad("issued_membership_id", f"Issued membership {raw} is not valid.")
    limit = body.get("max_redemptions")
    if limit is not None and body["redemptions"] >= limit:
        raise bad("issued_membership_id", f"Issued membership {raw} has no redemptions left.")
    redemption = {
        "object": "issued_membership_redemption",
        "id": f"ir_{take_id(change, 'redemption')}",
        "created_at": iso_utc(change.now),
        "description": description,
        "issued_membership_id": f"im_{iid}",
        "linked_event_id": f"ev_{event_id}",
        "linked_order_id": None,
    }
    body["redemption_collection"].append(redemption)
    body["redemptions"] += 1
    save_object(change, "issued_membership", iid, body)
    change.emit("ISSUED_MEMBERSHIP.UPDATED", "issued_memberships", iid)
    return redemption


def delete_membership_type(change: Change, _form: Form, ids: tuple[str, ...]) -> Any:
    mid = path_id(ids[0], "mt")
    read_object(change, "membership_type", mid)
    if change.one(
        "SELECT 1 FROM {p}objects WHERE kind = 'issued_membership' AND parent_id = ?", (mid,)
    ):
        raise conflict("This membership type has issued memberships, so it cannot be deleted.")
    change.execute("DELETE FROM {p}objects WHERE kind = 'membership_type' AND id = ?", (mid,))
    return deleted("mt", mid, "membership_type")


ROUTES: list[Endpoint] = [
    *record_routes(
        "membership_types",
        MEMBERSHIP_TYPES,
        create_membership_type,
        update_membership_type,
        delete_membership_type,
    ),
    *record_routes(
        "issued_memberships",
        ISSUED_MEMBERSHIPS,
        create_issued_membership,
        update_issued_membership,
    ),
    write("POST", "issued_memberships/{id}/void", "memberships", void_issued_membership),
    write("POST", "issued_membership_redemptions/{id}", "memberships", redeem_membership, 201),
]
