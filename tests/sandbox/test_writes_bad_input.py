"""Bad input to any write endpoint is a clear 4xx, never a 500 or a traceback.

Every route of writes.WRITES gets empty, malformed, oversized and wrongly shaped values
for every field name the write endpoints know, on real and on unknown ids."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
from hypothesis import HealthCheck, given, settings

from tests.conftest import TEST_KEY
from tests.sandbox._util import SyncASGI, basic
from tickettailor.sandbox import SandboxConfig, api, create_app
from tickettailor.sandbox.api.routes import ID
from tickettailor.sandbox.forms import parse_form

SOURCE = "".join(p.read_text("utf-8") for p in sorted(Path(api.__file__).parent.glob("*.py")))
FIELDS = sorted(set(re.findall(r'form\.\w+\(\s*"([a-z_]+)"', SOURCE)) | {"id", "object"})
ROUTES = [(e.method, e.path.replace("{id}", ID)) for e in api.ROUTES if e.write is not None]
VALUES = [
    "",
    " ",
    "0",
    "-1",
    "+5",
    "1.5",
    "99999999999999999999",
    "true",
    "abc",
    "tt_1",
    "ev_0",
    "x" * 3000,
    "é€😀",
    "2026-02-30",
    "25:99:00",
    "ho_abc",
]


@pytest.fixture(scope="module")
def api() -> Iterator[SyncASGI]:
    app = create_app(
        SandboxConfig(
            keys=(TEST_KEY,),
            seed=2,
            orders=60,
            events=6,
            rate_limit=None,
            clock=lambda: 1_790_000_000,
        )
    )
    client = SyncASGI(app)
    yield client
    client.close()
    app.state.sandbox.close()


@pytest.fixture(scope="module")
def ids(api: SyncASGI) -> dict[str, str]:
    """A real id per prefix, for the path parts of the routes."""
    found: dict[str, str] = {}

    def first(path: str) -> dict[str, Any] | None:
        data = api.get(path, headers=basic(TEST_KEY)).json().get("data") or [None]
        return data[0]  # type: ignore[no-any-return]

    for path, prefix in (
        ("/v1/event_series", "es"),
        ("/v1/orders", "or"),
        ("/v1/issued_tickets", "it"),
        ("/v1/holds", "ho"),
        ("/v1/discounts", "di"),
        ("/v1/vouchers", "vo"),
        ("/v1/products", "pr"),
        ("/v1/membership_types", "mt"),
        ("/v1/issued_memberships", "im"),
    ):
        record = first(path)
        if record:
            found[prefix] = record["id"]
    event = first(f"/v1/event_series/{found['es']}/events")
    assert event is not None
    found["ev"] = event["id"]
    found["tt"] = event["ticket_types"][0]["id"]
    codes = first(f"/v1/vouchers/{found['vo']}/codes")
    if codes:
        found["vc"] = codes["id"]
    return found


def fill(pattern: str, ids: dict[str, str], real: bool) -> str:
    """The route with each id group replaced by a real id of its kind, or an unknown one."""

    def one(m: re.Match[str]) -> str:
        prefix = _PREFIX.get(m.group(1), "zz")
        value = ids.get(prefix, f"{prefix}_1") if real else f"{prefix}_999999999"
        return f"{m.group(1)}/{value}"

    return "/v1/" + re.sub(r"([a-z_]+)/\(\[a-z\]\{2\}_\[\^/\]\+\)", one, pattern)


_PREFIX = {
    "event_series": "es",
    "events": "ev",
    "ticket_types": "tt",
    "orders": "or",
    "issued_tickets": "it",
    "holds": "ho",
    "discounts": "di",
    "vouchers": "vo",
    "codes": "vc",
    "products": "pr",
    "membership_types": "mt",
    "issued_memberships": "im",
    "issued_membership_redemptions": "ev",
    "overrides": "ov",
    "ticket_groups": "tg",
    "bundles": "bu",
    "waitlist_signup": "ws",
}


def test_every_route_pattern_is_filled() -> None:
    for _method, pattern in ROUTES:
        assert "(" not in fill(pattern, {}, real=False), pattern


forms = st.dictionaries(
    st.sampled_from(FIELDS).flatmap(
        lambda name: st.sampled_from(
            [name, f"{name}[]", f"{name}[tt_1]", f"{name}[x][y]", f"{name}[ev_1]"]
        )
    ),
    st.sampled_from(VALUES),
    max_size=6,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(route=st.sampled_from(ROUTES), real=st.booleans(), form=forms)
def test_bad_forms_never_answer_500(
    api: SyncASGI, ids: dict[str, str], route: tuple[str, str], real: bool, form: dict[str, str]
) -> None:
    method, pattern = route
    path = fill(pattern, ids, real)
    response = api.request(method, path, data=form, headers=basic(TEST_KEY))
    assert response.status_code < 500, (method, path, form, response.text)
    body = response.json()
    if response.status_code >= 400:
        assert body["status"] == response.status_code
        assert body["message"]
        for error in body.get("errors", []):
            assert error["field"]
            assert error["messages"]


def test_every_route_with_an_empty_body_and_a_json_body(api: SyncASGI, ids: dict[str, str]) -> None:
    for method, pattern in ROUTES:
        for real in (True, False):
            path = fill(pattern, ids, real)
            for kwargs in ({}, {"json": {"name": "x", "price": 1}}):
                response = api.request(method, path, headers=basic(TEST_KEY), **kwargs)
                assert response.status_code < 500, (method, path, response.text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab[]=&%2²-0.+ \x00é"), max_size=40))
def test_any_body_parses_as_a_php_form_without_error(body: str) -> None:
    form = parse_form(body.encode(), "application/x-www-form-urlencoded")
    assert isinstance(form, dict)


def test_php_bracket_semantics() -> None:
    body = b"a=1&b[]=x&b[]=y&b[7]=z&b[]=w&m%5Btt_1%5D=2&c.d=3&e[x][y]=4&a=last"
    assert parse_form(body, "application/x-www-form-urlencoded") == {
        "a": "last",
        "b": {"0": "x", "1": "y", "7": "z", "8": "w"},
        "m": {"tt_1": "2"},
        "c_d": "3",
        "e": {"x": {"y": "4"}},
    }
    assert parse_form(b'{"a": 1}', "application/json") == {}
    assert parse_form(b"a=1", None) == {}
