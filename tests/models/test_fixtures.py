"""Every reference fixture parses, and ``.raw`` gives back the JSON exactly."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tickettailor.models import (
    CheckIn,
    DeleteResult,
    Discount,
    Event,
    EventSeries,
    Hold,
    IssuedMembership,
    IssuedTicket,
    MembershipRedemption,
    MembershipType,
    Order,
    Overview,
    Product,
    TicketType,
    TTModel,
    Voucher,
    VoucherCode,
    WaitlistSignup,
    WebhookEnvelope,
    parse_object,
)

from .conftest import FIXTURES, load

MODEL_FIXTURES: dict[str, type[TTModel]] = {
    "order.json": Order,
    "issued_ticket.json": IssuedTicket,
    "event.json": Event,
    "ticket_type.json": TicketType,
    "synth_check_in.json": CheckIn,
    "synth_delete_result.json": DeleteResult,
    "synth_discount.json": Discount,
    "synth_event_series.json": EventSeries,
    "synth_hold.json": Hold,
    "synth_issued_membership.json": IssuedMembership,
    "synth_membership_redemption.json": MembershipRedemption,
    "synth_membership_type.json": MembershipType,
    "synth_overview.json": Overview,
    "synth_product.json": Product,
    "synth_voucher.json": Voucher,
    "synth_voucher_code.json": VoucherCode,
    "synth_waitlist_signup.json": WaitlistSignup,
    "synth_webhook_event_created_envelope.json": WebhookEnvelope,
}
# Bodies that are not resources: errors belong to the transport, ping is a dict, and a
# list page is read record by record (its empty data is checked below).
NOT_MODELS = {
    "error_403_forbidden.json",
    "synth_error_404.json",
    "synth_error_429.json",
    "synth_error_validation.json",
    "ping.json",
    "synth_list_empty.json",
}


def test_every_fixture_in_the_reference_is_covered() -> None:
    on_disk = {path.name for path in FIXTURES.glob("*.json")}
    assert on_disk, f"no fixtures found in {FIXTURES}"
    assert on_disk == set(MODEL_FIXTURES) | NOT_MODELS


@pytest.mark.parametrize(("name", "model"), sorted(MODEL_FIXTURES.items()))
def test_fixture_parses_and_raw_is_the_original_json(name: str, model: type[TTModel]) -> None:
    original = load(name)
    pristine = copy.deepcopy(original)
    parsed = model.from_api(original)
    assert isinstance(parsed, model)
    assert parsed.raw == pristine
    assert json.dumps(parsed.raw) == json.dumps(pristine)  # key order kept too
    assert original == pristine, "parsing must not change the caller's dict"
    assert getattr(parsed, "id", None) == pristine.get("id")


@pytest.mark.parametrize("name", sorted(n for n, m in MODEL_FIXTURES.items() if m.api_object))
def test_parse_object_picks_the_model_from_the_object_key(name: str) -> None:
    parsed = parse_object(load(name))
    assert type(parsed) is MODEL_FIXTURES[name]


def test_the_empty_list_page_has_no_records() -> None:
    page = load("synth_list_empty.json")
    assert [parse_object(item) for item in page["data"]] == []


def test_nested_models_keep_their_own_raw() -> None:
    order = Order.from_api(load("order.json"))
    assert order.issued_tickets is not None
    assert order.issued_tickets[1].raw == order.raw["issued_tickets"][1]
    assert order.event_summary is not None
    assert order.event_summary.start_date is not None
    assert order.event_summary.start_date.raw == order.raw["event_summary"]["start_date"]
    event = Event.from_api(load("event.json"))
    assert event.ticket_types is not None
    assert event.ticket_types[0].raw == load("ticket_type.json")


# --- hypothesis: unknown fields are kept, never an error ---------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _add_unknown(raw: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """``raw`` plus the new keys of ``extra`` (fields the API might add one day)."""
    return {**raw, **{k: v for k, v in extra.items() if k not in raw}}


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(MODEL_FIXTURES)),
    extra=st.dictionaries(st.text(min_size=1, max_size=12), JSON_VALUES, max_size=5),
)
def test_unknown_fields_are_kept_and_never_an_error(name: str, extra: dict[str, Any]) -> None:
    model = MODEL_FIXTURES[name]
    raw = _add_unknown(load(name), extra)
    pristine = copy.deepcopy(raw)
    parsed = model.from_api(raw)
    assert json.dumps(parsed.raw) == json.dumps(pristine)
    baseline = model.from_api(load(name))
    for key in extra.keys() - load(name).keys():
        if key in model.model_fields:
            continue  # a documented field the fixture lacks: typed, not "unknown"
        assert parsed.model_extra is not None
        assert parsed.model_extra[key] == pristine[key]
    # The typed view of the known fields is unchanged by what was added.
    for field in model.model_fields:
        if field not in extra or field in load(name):
            assert getattr(parsed, field) == getattr(baseline, field)


@settings(max_examples=25)
@given(extra=st.dictionaries(st.from_regex(r"[a-z]{1,6}_new", fullmatch=True), JSON_VALUES))
def test_unknown_fields_inside_nested_objects_are_kept(extra: dict[str, Any]) -> None:
    raw = load("order.json")
    raw["buyer_details"].update(extra)
    raw["line_items"][0].update(extra)
    order = Order.from_api(raw)
    assert order.buyer_details is not None
    assert order.line_items is not None
    for key, value in extra.items():
        assert getattr(order.buyer_details, key) == value
        assert order.line_items[0].raw[key] == value


def test_raw_survives_copy_and_pickle() -> None:
    order = Order.from_api(load("order.json"))
    pickled = pickle.loads(pickle.dumps(order))  # noqa: S301  # our own bytes, just made
    for clone in (copy.copy(order), copy.deepcopy(order), pickled):
        assert clone == order
        assert json.dumps(clone.raw) == json.dumps(order.raw)
        assert clone.issued_tickets is not None
        assert clone.issued_tickets[0].raw == order.raw["issued_tickets"][0]
