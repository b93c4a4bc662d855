"""Read-ahead from the raw bytes: the next page's request leaves before the current
page is decoded, with the cursor read from the tail of the body, and the decoded page
has the last word (repeats, the last page, malformed bodies, a wrong guess)."""

from __future__ import annotations

import gzip
import json
import zlib
from typing import Any

import httpx2
import pytest

from tests.core.both import MODES, make_client
from tests.core.fakeapi import RATE_HEADERS, FakeAPI, order
from tickettailor import Client, MalformedResponseError, PaginationError
from tickettailor._core.pagination import Backfill, Schedule, peek_cursor, peek_last
from tickettailor._core.transport import Undecoded


def ids(records: list[Any]) -> list[str]:
    return [r.id for r in records]


def cursors(requests: list[httpx2.Request]) -> list[str | None]:
    return [r.url.params.get("starting_after") for r in requests]


def page_bytes(data: list[Any], next_link: str | None, **dumps: Any) -> bytes:
    body = {"data": data, "links": {"next": next_link, "previous": None}}
    return json.dumps(body, **dumps).encode()


class Pages:
    """A list API keyed by ``starting_after`` (a dropped request must not take the
    next one's answer), serving raw bodies and recording every request."""

    def __init__(self, bodies: dict[str | None, bytes]) -> None:
        self.bodies = bodies
        self.requests: list[httpx2.Request] = []

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        body = self.bodies[request.url.params.get("starting_after")]
        return httpx2.Response(
            200, content=body, headers={**RATE_HEADERS, "content-type": "application/json"}
        )

    @property
    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self.handle)


def test_the_cursor_is_read_from_the_tail_of_the_raw_bytes() -> None:
    records = [order(1, 5), order(2, 6)]
    assert peek_cursor(page_bytes(records, "/orders?starting_after=or_2&limit=100")) == "or_2"
    pretty = page_bytes(records, "/v1/orders?starting_after=or_2", indent=2)
    assert peek_cursor(pretty + b"\n") == "or_2"
    assert peek_cursor(page_bytes(records, None)) is None  # the last page
    assert peek_cursor(b"<html>Bad gateway</html>") is None


def test_a_cursor_that_is_not_the_envelopes_own_is_not_read() -> None:
    # ``links`` first: what comes last is a record, whose strings may say anything.
    trap = {"id": "or_1", "note": '"links": {"next": "/orders?starting_after=or_666"}}'}
    links_first = {"links": {"next": "/orders?starting_after=or_1"}, "data": [trap]}
    assert peek_cursor(json.dumps(links_first).encode()) is None
    nested = {"data": [{"id": "or_1", "links": {"next": "/orders?starting_after=or_9"}}]}
    assert peek_cursor(json.dumps(nested).encode()) is None
    truncated = page_bytes([order(1, 5)], "/orders?starting_after=or_1")[:-1]
    assert peek_cursor(truncated) is None


@pytest.mark.parametrize("mode", MODES)
def test_the_next_request_leaves_before_the_page_is_decoded(mode: str) -> None:
    # The first page's records are broken JSON, its links intact: the request for the
    # second page is sent from the raw bytes, then decoding fails as it always did.
    good = page_bytes([order(1, 5)], "/orders?starting_after=or_1")
    broken = good.replace(b'"id": "or_1"', b'"id": or_1', 1)
    api = Pages({None: broken, "or_1": page_bytes([order(2, 6)], None)})
    client = make_client(mode, transport=api.transport)
    with pytest.raises(MalformedResponseError, match="not JSON"):
        client.orders.list()
    assert cursors(api.requests) in ([None, "or_1"], [None])  # async: may be cancelled unsent
    if mode == "sync":
        assert cursors(api.requests) == [None, "or_1"]


@pytest.mark.parametrize("mode", MODES)
def test_a_body_without_a_readable_tail_falls_back_to_the_full_decode(mode: str) -> None:
    first = {"links": {"next": "/orders?starting_after=or_1"}, "data": [order(1, 5)]}
    api = Pages({None: json.dumps(first).encode(), "or_1": page_bytes([order(2, 6)], None)})
    client = make_client(mode, transport=api.transport)
    assert ids(client.orders.list()) == ["or_1", "or_2"]
    assert cursors(api.requests) == [None, "or_1"]


@pytest.mark.parametrize("mode", MODES)
def test_a_wrong_guess_is_dropped_and_the_decoded_cursor_followed(mode: str) -> None:
    # links.next names or_9, but the page's last record is or_2: the records decide.
    api = Pages(
        {
            None: page_bytes([order(1, 5), order(2, 6)], "/orders?starting_after=or_9"),
            "or_2": page_bytes([order(3, 7)], None),
            "or_9": page_bytes([order(10, 9)], None),
        }
    )
    client = make_client(mode, transport=api.transport)
    assert ids(client.orders.list()) == ["or_1", "or_2", "or_3"]
    sent = cursors(api.requests)
    assert [c for c in sent if c != "or_9"] == [None, "or_2"]
    assert sent.count("or_9") <= 1


@pytest.mark.parametrize("mode", MODES)
def test_a_repeated_cursor_in_the_raw_bytes_sends_nothing_more(mode: str) -> None:
    same = page_bytes([order(1, 5), order(2, 6)], "/orders?starting_after=or_2")
    api = Pages({None: same, "or_2": same})
    client = make_client(mode, transport=api.transport)
    with pytest.raises(PaginationError, match="or_2"):
        client.orders.list()
    assert cursors(api.requests) == [None, "or_2"]


@pytest.mark.parametrize("mode", MODES)
def test_the_last_page_sends_no_request_after_it(mode: str) -> None:
    api = FakeAPI(200)
    client = make_client(mode, transport=api.transport)
    assert len(client.orders.list()) == 200
    assert cursors(api.requests) == [None, "or_100"]  # the second page's next is null


@pytest.mark.parametrize("mode", MODES)
def test_links_next_without_v1_is_not_followed_as_a_url(mode: str) -> None:
    # The live links.next has no /v1 and rewrites dots to underscores: only its
    # starting_after is used, with our own path and filters.
    api = FakeAPI(150, start=1_000, step=1)
    client = make_client(mode, transport=api.transport)
    assert len(client.orders.list(created_gte=1_010)) == 141
    second = api.requests[1]
    assert second.url.path == "/v1/orders"
    assert second.url.params["created_at.gte"] == "1010"
    assert second.url.params["starting_after"] == "or_109"


def wire(body: bytes, encoding: str) -> httpx2.Response:
    """A response as a server sends it: the body compressed, not read yet."""
    if encoding == "gzip":
        packed = gzip.compress(body)
    else:  # raw deflate, as some servers send "deflate"
        squeeze = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        packed = squeeze.compress(body) + squeeze.flush()
    headers = {**RATE_HEADERS, "content-encoding": encoding, "content-type": "application/json"}
    return httpx2.Response(200, headers=headers, stream=httpx2.ByteStream(packed))


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_compressed_pages_are_read_as_they_came(mode: str, encoding: str) -> None:
    api = FakeAPI(250)

    def handle(request: httpx2.Request) -> httpx2.Response:
        return wire(api.handle(request).content, encoding)

    client = make_client(mode, transport=httpx2.MockTransport(handle))
    assert ids(client.orders.list()) == [f"or_{i}" for i in range(1, 251)]
    backfill = client.orders.list(created_gte=0, created_lt=2_000_000_000, concurrency=3)
    assert ids(backfill) == [f"or_{i}" for i in range(1, 251)]


@pytest.mark.parametrize("mode", MODES)
def test_a_body_that_does_not_inflate_is_malformed(mode: str) -> None:
    def handle(request: httpx2.Request) -> httpx2.Response:
        headers = {**RATE_HEADERS, "content-encoding": "gzip"}
        return httpx2.Response(200, headers=headers, stream=httpx2.ByteStream(b"not gzip"))

    client = make_client(mode, transport=httpx2.MockTransport(handle))
    with pytest.raises(MalformedResponseError, match="does not inflate"):
        client.orders.list()


def test_backfill_pages_wait_as_the_compressed_bytes_they_came_as() -> None:
    # The pages of a later piece wait until the earlier piece is given out: as gzip
    # bytes, not as decoded records (a fortieth of the memory).
    api = FakeAPI(400, start=1_000_000, step=10)
    gzipped = httpx2.MockTransport(lambda request: wire(api.handle(request).content, "gzip"))
    core = Client("sk_x", base_url="http://tt.test", transport=gzipped, test_mode=True)._core
    backfill = Backfill("created_at", 1_000_000, 1_004_001, 2)
    schedule = Schedule("/orders", [], backfill, 1_000_000, limit=None)
    later = schedule._piece(1_002_000, 1_004_001)  # a piece after the consumer's
    schedule.pieces.append(later)
    schedule.pieces[0].hi = 1_002_000
    step = later.walk.next_request()
    assert step is not None
    request = core.build_request("GET", step[0], params=step[1])
    body = core.send(request, idempotent=True, decode=False).body
    schedule.land(later, body)
    held = later.pages[0]
    assert held.body.wire[:2] == b"\x1f\x8b"  # gzip's magic number: still compressed
    assert held.body._content is None  # and not inflated alongside
    assert [r["id"] for r in held.page()[0]] == [f"or_{i}" for i in range(200, 300)]


def test_the_last_record_is_read_alone_from_the_raw_bytes() -> None:
    data = [order(1, 5), order(2, 6)]
    raw = page_bytes(data, "/orders?starting_after=or_2", separators=(",", ":"))
    assert peek_last(raw, "or_2") == data[-1]
    assert peek_last(raw, "or_1") is None  # not the last record
    assert peek_last(raw, "or_3") is None  # not there at all
    spaced = page_bytes(data, "/orders?starting_after=or_2")  # "id": "or_2": not read
    assert peek_last(spaced, "or_2") is None
    nested = page_bytes([{"id": "x", "child": {"id": "or_2"}}], None, separators=(",", ":"))
    assert peek_last(nested, "or_2") is None  # an inner object's id is not a record's


class Decodes:
    """Counts full decodes of undecoded bodies."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = Undecoded.json

        def counted(body: Undecoded) -> Any:
            self.count += 1
            return original(body)

        monkeypatch.setattr(Undecoded, "json", counted)


@pytest.mark.parametrize("mode", MODES)
def test_backfill_pages_are_decoded_once(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pages that wait for the consumer are read from their tail on arrival (links,
    # last record) and decoded only when given out: once each, as in a sequential walk.
    api = FakeAPI(2_000, start=1_000_000, step=3)
    gzipped = httpx2.MockTransport(lambda request: wire(api.handle(request).content, "gzip"))
    client = make_client(mode, transport=gzipped)
    decodes = Decodes(monkeypatch)
    got = client.orders.list(created_gte=1_000_000, created_lt=1_006_001, concurrency=4)
    assert ids(got) == [f"or_{i}" for i in range(1, 2_001)]
    assert decodes.count == len(api.requests)


@pytest.mark.parametrize("mode", MODES)
def test_backfill_of_overlapping_pages_yields_each_record_once(mode: str) -> None:
    # A server whose next page repeats the previous page's last record.
    api = FakeAPI(1_000, start=1_000_000, step=3)

    def overlapping(request: httpx2.Request) -> httpx2.Response:
        after = request.url.params.get("starting_after")
        if after is not None:
            back = f"or_{int(after.split('_')[1]) - 1}"
            request.url = request.url.copy_merge_params({"starting_after": back})
        return api.handle(request)

    client = make_client(mode, transport=httpx2.MockTransport(overlapping))
    got = client.orders.list(created_gte=1_000_000, created_lt=1_003_001, concurrency=4)
    assert ids(got) == [f"or_{i}" for i in range(1, 1_001)]
