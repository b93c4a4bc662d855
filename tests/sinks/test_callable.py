"""Python functions as sinks, sync and async, for a watch embedded in a service."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from tests.sinks.conftest import MakeEnvelope
from tickettailor._core.errors import UsageError
from tickettailor.sinks import AsyncCallableSink, CallableSink
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.sink import Sink, SinkError


def test_a_function_receives_each_envelope(make_env: MakeEnvelope) -> None:
    got: list[Envelope] = []
    sink = CallableSink(got.append)
    envelopes = [make_env(), make_env()]
    for envelope in envelopes:
        sink.send(envelope)
    assert got == envelopes
    assert isinstance(sink, Sink)


def to_crm(envelope: Envelope) -> None:
    raise ConnectionError("crm is down")


def test_an_exception_becomes_a_retryable_error(make_env: MakeEnvelope) -> None:
    sink = CallableSink(to_crm)
    assert sink.name == f"python:{__name__}.to_crm"
    with pytest.raises(SinkError) as caught:
        sink.send(make_env())
    assert caught.value.permanent is False
    assert str(caught.value) == f"python:{__name__}.to_crm raised ConnectionError: crm is down"
    assert isinstance(caught.value.__cause__, ConnectionError)


def test_a_function_can_park_an_envelope_as_a_dead_letter(make_env: MakeEnvelope) -> None:
    def reject(envelope: Envelope) -> None:
        raise SinkError("no such list in the mailing tool", permanent=True)

    with pytest.raises(SinkError, match="no such list") as caught:
        CallableSink(reject, name="mailer").send(make_env())
    assert caught.value.permanent is True


async def async_append(envelope: Envelope) -> None:
    await asyncio.sleep(0)


def test_async_functions_are_pointed_to_the_async_adapter(make_env: MakeEnvelope) -> None:
    with pytest.raises(UsageError, match="is async: wrap it in AsyncCallableSink"):
        CallableSink(async_append)
    # A sync wrapper that hands back a coroutine is caught at delivery, not silently lost.
    sneaky = CallableSink(lambda envelope: async_append(envelope), name="sneaky")
    with pytest.raises(SinkError, match="returned an awaitable, so nothing was delivered"):
        sneaky.send(make_env())


def test_async_function_on_a_private_loop(make_env: MakeEnvelope) -> None:
    got: list[tuple[Envelope, str]] = []

    async def deliver(envelope: Envelope) -> None:
        await asyncio.sleep(0)
        got.append((envelope, threading.current_thread().name))

    sink = AsyncCallableSink(deliver, name="service")
    envelopes = [make_env(), make_env()]
    for envelope in envelopes:
        sink.send(envelope)
    assert [e for e, _ in got] == envelopes
    assert {thread for _, thread in got} == {"tickettailor service"}  # one loop, reused
    sink.close()
    assert "tickettailor service" not in {t.name for t in threading.enumerate()}


def test_async_failures_and_timeouts_are_retryable(make_env: MakeEnvelope) -> None:
    async def broken(envelope: Envelope) -> None:
        raise RuntimeError("pool exhausted")

    released = threading.Event()

    async def stuck(envelope: Envelope) -> None:
        while not released.is_set():
            await asyncio.sleep(0.01)

    failing = AsyncCallableSink(broken, name="broken")
    with pytest.raises(SinkError, match="broken raised RuntimeError: pool exhausted") as caught:
        failing.send(make_env())
    assert caught.value.permanent is False
    failing.close()
    slow = AsyncCallableSink(stuck, name="stuck", timeout=0.2)
    with pytest.raises(SinkError, match=r"stuck did not finish within 0\.2s"):
        slow.send(make_env())
    released.set()
    slow.close()


@pytest.fixture
def service_loop() -> Iterator[asyncio.AbstractEventLoop]:
    """An application's event loop, running in its own thread."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


def test_async_function_on_the_services_own_loop(
    service_loop: asyncio.AbstractEventLoop, make_env: MakeEnvelope
) -> None:
    seen: list[asyncio.AbstractEventLoop] = []

    async def deliver(envelope: Envelope) -> None:
        seen.append(asyncio.get_running_loop())

    sink = AsyncCallableSink(deliver, loop=service_loop)
    sink.send(make_env())
    assert seen == [service_loop]

    # Called from that loop itself, send() would deadlock: it refuses and says what to do.
    async def from_inside() -> None:
        with pytest.raises(UsageError, match=r"call `await sink\.asend"):
            sink.send(make_env())
        await sink.asend(make_env())

    asyncio.run_coroutine_threadsafe(from_inside(), service_loop).result(10)
    assert seen == [service_loop, service_loop]


def test_a_loop_that_is_not_running_is_an_error_not_a_hang(make_env: MakeEnvelope) -> None:
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(SinkError, match="event loop it was given is not running"):
            AsyncCallableSink(async_append, loop=loop).send(make_env())
    finally:
        loop.close()
