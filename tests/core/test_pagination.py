"""Lazy lists: limit as a total, pages, stopping, cursor loops, and partitioned backfill."""

from __future__ import annotations

import asyncio
import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import httpx2
import pytest

from tests.core.both import MODES, make_client
from tests.core.fakeapi import RATE_HEADERS, FakeAPI, order
from tickettailor import AsyncClient, Client, MalformedResponseError, PaginationError, UsageError
from tickettailor._core.pagination import PAGES_PER_WORKER, Backfill, Schedule


def ids(records: list) -> list[str]:
    return [r.id for r in records]


@pytest.mark.parametrize("mode", MODES)
def test_walks_every_page_oldest_first(mode: str) -> None:
    api = FakeAPI(250)
    client = make_client(mode, transport=api.transport)
    got = client.orders.list()
    assert ids(got) == [f"or_{i}" for i in range(1, 251)]
    assert [r.url.params.get("starting_after") for r in api.requests] == [None, "or_100", "or_200"]
    assert all(r.url.params["limit"] == "100" for r in api.requests)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("limit", "sizes"), [(0, []), (1, ["1"]), (130, ["100", "30"]), (200, ["100", "100"])]
)
def test_limit_is_the_total_and_page_size_follows_it(
    mode: str, limit: int, sizes: list[str]
) -> None:
    api = FakeAPI(250)  # the read-ahead asks for what the limit leaves, nothing beyond
    client = make_client(mode, transport=api.transport)
    assert len(client.orders.list(limit=limit)) == limit
    assert [r.url.params["limit"] for r in api.requests] == sizes


@pytest.mark.parametrize("mode", MODES)
def test_next_pages_rebuild_our_own_filters(mode: str) -> None:
    api = FakeAPI(250, start=1_000, step=1)
    client = make_client(mode, transport=api.transport)
    got = client.orders.list(created_gte=1_010, status="completed")
    assert len(got) == 250 - 9
    for request in api.requests:  # dots kept, not the links.next underscore rewrite
        assert request.url.params["created_at.gte"] == "1010"
        assert "created_at_gte" not in request.url.params
        assert request.url.params["status"] == "completed"


@pytest.mark.parametrize("mode", MODES)
def test_stops_on_an_empty_page_even_if_next_is_set(mode: str) -> None:
    api = FakeAPI()
    api.script.extend(
        [
            httpx2.Response(
                200, json={"data": [order(1, 5)], "links": {"next": "/orders?starting_after=or_1"}}
            ),
            httpx2.Response(
                200, json={"data": [], "links": {"next": "/orders?starting_after=or_1"}}
            ),
        ]
    )
    client = make_client(mode, transport=api.transport)
    assert ids(client.orders.list()) == ["or_1"]
    assert len(api.requests) == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_repeated_cursor_raises_instead_of_looping(mode: str) -> None:
    page = {"data": [order(1, 5), order(2, 6)], "links": {"next": "/orders?starting_after=or_2"}}
    api = FakeAPI()
    api.script.extend([httpx2.Response(200, json=page)] * 3)
    client = make_client(mode, transport=api.transport)
    with pytest.raises(PaginationError, match="or_2"):
        client.orders.list()
    assert len(api.requests) == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_page_without_ids_falls_back_to_links_next(mode: str) -> None:
    first = {
        "data": [{"object": "order"}],
        "links": {"next": "/orders?starting_after=or_7&limit=100"},
    }
    api = FakeAPI()
    api.script.extend(
        [
            httpx2.Response(200, json=first),
            httpx2.Response(200, json={"data": [], "links": {"next": None}}),
        ]
    )
    client = make_client(mode, transport=api.transport)
    assert len(client.orders.list()) == 1
    assert api.requests[1].url.params["starting_after"] == "or_7"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("body", [[1, 2], {"items": []}, {"data": "x"}])
def test_a_list_body_of_the_wrong_shape_is_malformed(mode: str, body: object) -> None:
    api = FakeAPI()
    api.script.append(httpx2.Response(200, json=body))
    client = make_client(mode, transport=api.transport)
    with pytest.raises(MalformedResponseError):
        client.orders.list()


def test_sync_pages_view_and_lazy_iteration() -> None:
    api = FakeAPI(250)
    client = Client("sk_x", base_url="http://tt.test", transport=api.transport, test_mode=True)
    pager = client.orders.list(limit=150)
    assert api.requests == []  # nothing fetched until iterated
    pages = list(pager.pages())
    assert [len(p) for p in pages] == [100, 50]
    assert pages[0].next_cursor == "or_100"
    assert pages[-1].next_cursor is None
    first = next(iter(client.orders.list()))
    assert first.id == "or_1"


def test_async_pages_and_awaiting_the_first_page() -> None:
    api = FakeAPI(250)

    async def main() -> None:
        async with AsyncClient(
            "sk_x", base_url="http://tt.test", transport=api.transport, test_mode=True
        ) as client:
            page = await client.orders.list()
            assert len(page) == 100
            assert page.next_cursor == "or_100"
            sizes = [len(p) async for p in client.orders.list(limit=205).pages()]
            assert sizes == [100, 100, 5]

    asyncio.run(main())


def uneven_api() -> FakeAPI:
    """Sparse, then dense, then sparse again: 40 orders a day apart, 1,500 a second
    apart, 40 a day apart."""
    api = FakeAPI(0)
    times = [1_000_000 + i * 86_400 for i in range(40)]
    times += [times[-1] + 86_400 + i for i in range(1_500)]
    times += [times[-1] + 86_400 * (i + 1) for i in range(40)]
    api.orders = [order(i + 1, t) for i, t in enumerate(times)]
    return api


def answer(api: FakeAPI, path: str, query: list[tuple[str, str]]) -> object:
    return api.list_orders(httpx2.Request("GET", "http://tt.test/v1" + path, params=query)).json()


@dataclass
class Walked:
    """What a backfill schedule did, its requests answered in the order they were sent
    (as at an even latency)."""

    ids: list[str]
    requests: list[tuple[str, list[tuple[str, str]]]]
    busy: list[int]  # requests in flight each time one was answered


def walk_schedule(api: FakeAPI, workers: int) -> Walked:
    first, last = api.orders[0]["created_at"], api.orders[-1]["created_at"]
    backfill = Backfill("created_at", first, last + 1, workers)
    schedule = Schedule("/orders", [], backfill, first, limit=None)
    flying: list[tuple[object, tuple[str, list[tuple[str, str]]]]] = []
    walked = Walked([], [], [])
    while not schedule.over:
        while (raw := schedule.take()) is not None:
            walked.ids += [r["id"] for r in raw[0]]
        for piece, step in list(schedule.starts()):
            piece.pending = object()
            flying.append((piece, step))
            walked.requests.append(step)
        if not flying:
            continue
        walked.busy.append(len(flying))
        held = sum(len(p.pages) + (p.pending is not None) for p in schedule.pieces)
        assert held <= schedule.cap + 1  # the consumer's page may always come
        piece, step = flying.pop(0)
        schedule.land(piece, answer(api, *step))  # type: ignore[arg-type]  # our pieces
    return walked


@pytest.mark.parametrize("workers", [1, 4, 8])
def test_schedule_keeps_every_worker_busy_and_order_and_memory(workers: int) -> None:
    api = uneven_api()
    walked = walk_schedule(api, workers)
    assert walked.ids == [r["id"] for r in api.orders]  # as a sequential walk gives them
    dense = walked.busy[5:-5]
    assert sum(dense) / len(dense) >= min(workers, 3.5)


@pytest.mark.parametrize("workers", [4, 8])
def test_a_sparse_stretch_after_a_dense_one_is_not_cut_into_empty_pieces(workers: int) -> None:
    # Pieces cut past the dense stretch were guessed as dense as it: the free workers
    # cut them again and again (370 requests for these 16 pages), until a finished
    # piece's density was passed on to the pieces after it.
    api = uneven_api()
    walked = walk_schedule(api, workers)
    assert walked.ids == [r["id"] for r in api.orders]
    assert len(walked.requests) <= 1_580 / 100 * 1.5, len(walked.requests)


@pytest.mark.parametrize("workers", [4, 8])
def test_pieces_of_evenly_spread_records_end_on_full_pages(workers: int) -> None:
    # Where the density is steady, each piece is cut a whole number of pages past
    # where it has got to: its last page is full, so the backfill sends about as many
    # requests as a sequential walk (pieces of 250 records sent 45-48 here).
    api = FakeAPI(4000, start=1_000_000, step=60)
    walked = walk_schedule(api, workers)
    assert walked.ids == [r["id"] for r in api.orders]
    assert len(walked.requests) <= 40 + 2, len(walked.requests)
    assert sum(walked.busy[3:-3]) / len(walked.busy[3:-3]) >= 0.75 * workers


def shared_seconds_api() -> FakeAPI:
    """Sparse, then bursts of 20 orders in the same second: every cut in the bursts
    falls on a second that several records share."""
    api = FakeAPI(0)
    times = [1_000_000 + i * 86_400 for i in range(30)]
    times += [times[-1] + 86_400 + i // 20 for i in range(4_000)]
    times += [times[-1] + 3_600 * (i + 1) for i in range(30)]
    api.orders = [order(i + 1, t) for i, t in enumerate(times)]
    return api


@pytest.mark.parametrize("workers", [3, 8])
def test_a_cut_in_a_second_many_records_share_loses_and_repeats_none(workers: int) -> None:
    api = shared_seconds_api()
    walked = walk_schedule(api, workers)
    assert walked.ids == [r["id"] for r in api.orders]
    shared = {t for t, n in Counter(r["created_at"] for r in api.orders).items() if n > 1}
    cuts = {int(dict(q)["created_at.gte"]) for _, q in walked.requests} - {1_000_000}
    assert len(cuts & shared) >= 5  # really cut inside bursts


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("concurrency", [3, 8])
@pytest.mark.parametrize("data", [uneven_api, shared_seconds_api])
def test_backfill_of_uneven_data_is_the_sequential_walk(
    mode: str, concurrency: int, data: Callable[[], FakeAPI]
) -> None:
    api = data()
    client = make_client(mode, transport=api.transport)
    sequential = ids(client.orders.list(created_gte=1_000_000, created_lt=30_000_000))
    assert sequential == [r["id"] for r in api.orders]
    api.requests.clear()
    got = client.orders.list(created_gte=1_000_000, created_lt=30_000_000, concurrency=concurrency)
    assert ids(got) == sequential
    # Pieces are cut where the data is; few requests are wasted on part-filled pages.
    assert len(api.requests) <= len(sequential) / 100 * 1.5, len(api.requests)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("concurrency", [2, 4, 8])
def test_backfill_yields_every_record_once_oldest_first(mode: str, concurrency: int) -> None:
    api = FakeAPI(1000, start=1_000_000, step=7)
    client = make_client(mode, transport=api.transport)
    got = client.orders.list(
        created_gte=1_000_000, created_lt=1_000_000 + 7 * 1001, concurrency=concurrency
    )
    assert ids(got) == [f"or_{i}" for i in range(1, 1001)]
    # Evenly spread: every piece ends on a full page, so no more requests than a
    # sequential walk's 10 (pieces of 250 records sent 11-12).
    assert len(api.requests) == 10, len(api.requests)
    ends: dict[int, int] = {}  # a piece's end, once cut: the smallest seen
    for r in api.requests:
        start, end = int(r.url.params["created_at.gte"]), int(r.url.params["created_at.lt"])
        ends[start] = min(end, ends.get(start, end))
    windows = sorted(ends.items())
    assert len(windows) >= 2  # really split
    assert all(a[1] == b[0] for a, b in itertools.pairwise(windows))  # adjacent, no gaps


@pytest.mark.parametrize("mode", MODES)
def test_backfill_without_bounds_finds_the_oldest_and_honours_limit(mode: str) -> None:
    api = FakeAPI(300, start=1_000_000, step=10)
    client = make_client(mode, transport=api.transport)
    got = client.orders.list(concurrency=3, limit=120, status="completed")
    assert ids(got) == [f"or_{i}" for i in range(1, 121)]
    assert api.requests[0].url.params["limit"] == "1"  # the probe for the oldest record
    assert all(r.url.params["status"] == "completed" for r in api.requests)


@pytest.mark.parametrize("mode", MODES)
def test_backfill_of_an_empty_list_is_empty(mode: str) -> None:
    client = make_client(mode, transport=FakeAPI().transport)
    assert client.orders.list(concurrency=4) == []


@pytest.mark.parametrize("mode", MODES)
def test_backfill_shares_the_key_rate_budget(mode: str) -> None:
    low = {**RATE_HEADERS, "x-rate-limit-remaining": "5", "x-rate-limit-reset": "60"}
    api = FakeAPI(2000, start=1_000_000, step=1)
    original = api.list_orders

    def low_budget(request: httpx2.Request) -> httpx2.Response:
        response = original(request)
        return httpx2.Response(200, json=response.json(), headers=low)

    api.list_orders = low_budget  # type: ignore[method-assign]  # the server reports a low budget
    client = make_client(mode, transport=api.transport)
    got = client.orders.list(created_gte=1_000_000, created_lt=1_003_000, concurrency=4)
    assert len(got) == 2000
    assert sum(client.clock.slept) > 0  # the windows were paced, not fired at once


@pytest.mark.parametrize("mode", MODES)
def test_backfill_argument_errors(mode: str) -> None:
    client = make_client(mode, transport=FakeAPI().transport)
    with pytest.raises(UsageError, match="concurrency"):
        client.orders.list(concurrency=0)
    with pytest.raises(UsageError, match="not both"):
        client.orders.list(concurrency=2, starting_after="or_1")
    with pytest.raises(UsageError, match="no created_at filter"):
        client.events.list(concurrency=2)
    with pytest.raises(UsageError, match="limit"):
        client.orders.list(limit=-1)


@pytest.mark.parametrize("mode", MODES)
def test_an_overlapping_page_does_not_yield_a_record_twice(mode: str) -> None:
    api = FakeAPI()
    api.script.extend(
        [
            httpx2.Response(
                200,
                json={
                    "data": [order(1, 5), order(2, 6)],
                    "links": {"next": "/orders?starting_after=or_2"},
                },
            ),
            httpx2.Response(
                200, json={"data": [order(2, 6), order(3, 7)], "links": {"next": None}}
            ),
        ]
    )
    client = make_client(mode, transport=api.transport)
    assert ids(client.orders.list()) == ["or_1", "or_2", "or_3"]


def test_backfill_can_be_abandoned_early() -> None:
    api = FakeAPI(2000, start=1_000_000, step=3)
    client = Client("sk_x", base_url="http://tt.test", transport=api.transport, test_mode=True)
    pager = client.orders.list(created_gte=1_000_000, created_lt=1_010_000, concurrency=4)
    taken = []
    for record in pager:
        taken.append(record.id)
        if len(taken) == 10:
            break
    assert taken == [f"or_{i}" for i in range(1, 11)]
    requests_then = len(api.requests)
    assert requests_then < 40  # only the first windows were started, not all 32


def test_first_page_is_one_request() -> None:
    api = FakeAPI(250)
    client = Client("sk_x", base_url="http://tt.test", transport=api.transport, test_mode=True)
    page = client.orders.list().first_page()
    assert [len(page), page.next_cursor, len(api.requests)] == [100, "or_100", 1]

    async def main() -> None:
        async with AsyncClient(
            "sk_x", base_url="http://tt.test", transport=api.transport, test_mode=True
        ) as tt:
            await tt.orders.list()

    asyncio.run(main())
    assert len(api.requests) == 2


@pytest.mark.parametrize("mode", MODES)
def test_backfill_never_runs_far_ahead_of_the_consumer(mode: str) -> None:
    # Uneven data: everything in the first stretch of the range, so the first two
    # windows (one each for the two workers) hold about 30 pages each.
    api = FakeAPI(6000, start=1_000_000, step=20)
    ahead: list[int] = []  # requests made beyond the pages consumed, at each page
    args = {"created_gte": 1_000_000, "created_lt": 2_000_000, "concurrency": 2}
    if mode == "sync":
        with Client(
            "sk_x", base_url="http://tt.test", transport=api.transport, test_mode=True
        ) as tt:
            for _page in tt.orders.list(**args).pages():
                ahead.append(len(api.requests) - len(ahead) - 1)
    else:

        async def main() -> None:
            async with AsyncClient(
                "sk_x", base_url="http://tt.test", transport=api.transport, test_mode=True
            ) as tt:
                async for _page in tt.orders.list(**args).pages():
                    ahead.append(len(api.requests) - len(ahead) - 1)

        asyncio.run(main())
    assert len(ahead) >= 60
    # The pages buffered or in flight; never those whole windows (about 60 pages).
    assert max(ahead) <= 2 * PAGES_PER_WORKER + 1
