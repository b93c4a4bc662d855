"""The webhook sender: a queue of deliveries and the background worker that POSTs them
on Ticket Tailor's retry schedule (the package doc)."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx2

from tickettailor.sandbox.webhook_sender.subscriptions import (
    DISABLE_AFTER_SECONDS,
    MAX_ATTEMPTS,
    WIRE_EVENTS,
    Delivery,
    Subscription,
    WebhookConfigError,
    check_url,
    parse_events,
)
from tickettailor.sandbox.webhook_sender.wire import SIGNATURE_HEADER, encode_json, sign


@dataclass(frozen=True)
class _Job:
    delivery: Delivery
    scheduled: bool  # False for a test-hook extra send, which never reschedules
    stale_seconds: float = 0.0


class WebhookSender:
    """Queue envelopes on ``emit`` and deliver them from a background worker.

    ``time_scale`` multiplies every schedule duration (retry offsets and
    ``disable_after``); ``clock`` returns unix seconds and drives ``created_at``,
    ``t`` and the schedule. With a clock that does not follow real time, call
    ``wake()`` after moving it (the worker also re-reads it every ``poll`` seconds).
    """

    def __init__(
        self,
        subscriptions: Iterable[Subscription] = (),
        *,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.time,
        max_attempts: int = MAX_ATTEMPTS,
        disable_after: float | None = DISABLE_AFTER_SECONDS,
        timeout: float = 10.0,
        first_id: int = 1,
        workers: int = 4,
        poll: float = 1.0,
        log_size: int = 1000,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        if time_scale <= 0:
            raise WebhookConfigError("time_scale must be above 0 (1.0 is real time)")
        if not 1 <= max_attempts <= MAX_ATTEMPTS:
            raise WebhookConfigError(f"max_attempts must be between 1 and {MAX_ATTEMPTS}")
        self.time_scale = time_scale
        self.max_attempts = max_attempts
        self.disable_after = disable_after
        self._clock = clock
        self._poll = poll
        self._log_size = log_size
        self._ids = itertools.count(first_id)
        self._sub_ids = itertools.count(1)
        self._subscriptions: dict[str, Subscription] = {}
        self._deliveries: OrderedDict[str, Delivery] = OrderedDict()
        self._finished: list[tuple[int, str]] = []  # heap of finished deliveries by number
        self._queue: list[tuple[float, int, _Job]] = []
        self._seq = itertools.count()
        self._in_flight = 0
        self._cond = threading.Condition()
        self._worker: threading.Thread | None = None
        self._stopping = False
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook-send")
        self._http = httpx2.Client(
            timeout=timeout,
            follow_redirects=False,  # a redirect is a failed delivery (reference §7.5)
            trust_env=False,  # receivers are usually on loopback: never via a proxy
            transport=transport,
            headers={"User-Agent": "TicketTailor-Webhooks (tickettailor sandbox)"},
        )
        for subscription in subscriptions:
            self.add_subscription(subscription)

    # Subscriptions ---------------------------------------------------------------

    def add_subscription(self, subscription: Subscription) -> Subscription:
        with self._cond:
            while not subscription.id or subscription.id in self._subscriptions:
                subscription.id = f"sub_{next(self._sub_ids)}"
            self._subscriptions[subscription.id] = subscription
            return subscription

    def subscribe(
        self, url: str, events: Iterable[str] = (), secret: str | None = None
    ) -> Subscription:
        subscription = Subscription(url=check_url(url), events=parse_events(events), secret=secret)
        return self.add_subscription(subscription)

    def subscriptions(self) -> list[Subscription]:
        with self._cond:
            return list(self._subscriptions.values())

    def enable(self, subscription_id: str) -> Subscription:
        """Switch a disabled subscription back on, as the dashboard requires by hand."""
        with self._cond:
            subscription = self._get_subscription(subscription_id)
            subscription.enabled = True
            subscription.failing_since = None
            return subscription

    def remove(self, subscription_id: str) -> None:
        with self._cond:
            subscription = self._get_subscription(subscription_id)
            del self._subscriptions[subscription_id]
            self._abandon(subscription)

    def _get_subscription(self, subscription_id: str) -> Subscription:
        try:
            return self._subscriptions[subscription_id]
        except KeyError:
            known = ", ".join(self._subscriptions) or "none"
            raise WebhookConfigError(
                f"no webhook subscription {subscription_id!r} (known: {known})"
            ) from None

    # Emitting --------------------------------------------------------------------

    def emit(
        self,
        event: str,
        resource_url: str,
        payload: dict[str, Any],
        *,
        occurred_at: float | None = None,
    ) -> list[str]:
        """Queue one delivery per interested subscription; returns their ids at once."""
        event = event.upper()
        if event not in WIRE_EVENTS:
            raise WebhookConfigError(f"unknown webhook event {event!r}")
        if not resource_url.startswith(("http://", "https://")):
            raise WebhookConfigError(f"resource_url must be absolute, got {resource_url!r}")
        when = self._clock() if occurred_at is None else occurred_at
        created_at = datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M:%S")
        ids: list[str] = []
        with self._cond:
            if self._stopping:  # shutting down: nothing would send it
                return ids
            for subscription in self._subscriptions.values():
                if not subscription.wants(event):
                    continue
                number = next(self._ids)
                delivery_id = f"wh_{number}"
                envelope = {
                    "id": delivery_id,
                    "created_at": created_at,
                    "event": event,
                    "resource_url": resource_url,
                    "payload": payload,
                }
                body = encode_json(envelope).encode("ascii")
                delivery = Delivery(delivery_id, event, subscription, body, created_at, number)
                delivery.next_attempt_at = self._clock()
                self._remember(delivery)
                self._push(delivery.next_attempt_at, _Job(delivery, scheduled=True))
                ids.append(delivery_id)
            self._start_locked()
        return ids

    def resend(self, delivery_id: str, *, stale_seconds: float = 0.0) -> None:
        """Test hook: send a delivery once more now (a duplicate), optionally with ``t``
        set ``stale_seconds`` in the past (a stale signature). The schedule is untouched."""
        if stale_seconds < 0:
            raise WebhookConfigError("stale_seconds must be 0 or more")
        with self._cond:
            delivery = self._deliveries.get(delivery_id)
            if delivery is None:
                raise WebhookConfigError(f"no webhook delivery {delivery_id!r} in the log")
            self._push(self._clock(), _Job(delivery, scheduled=False, stale_seconds=stale_seconds))
            self._start_locked()

    # Log -------------------------------------------------------------------------

    def deliveries(self) -> list[dict[str, Any]]:
        """The delivery log, oldest first, as plain JSON-ready dicts (no secrets)."""
        with self._cond:
            return [delivery.describe() for delivery in self._deliveries.values()]

    def delivery(self, delivery_id: str) -> dict[str, Any] | None:
        with self._cond:
            found = self._deliveries.get(delivery_id)
            return found.describe() if found else None

    def _remember(self, delivery: Delivery) -> None:
        self._deliveries[delivery.id] = delivery
        self._trim()

    def _finish(self, delivery: Delivery, state: str) -> None:
        delivery.state = state
        delivery.next_attempt_at = None
        heapq.heappush(self._finished, (delivery.number, delivery.id))

    def _trim(self) -> None:
        # On each emit: drop the oldest finished deliveries; pending ones always stay.
        while len(self._deliveries) > self._log_size and self._finished:
            self._deliveries.pop(heapq.heappop(self._finished)[1], None)

    # Worker ----------------------------------------------------------------------

    def wake(self) -> None:
        """Make the worker re-read the clock now (after moving an injected clock)."""
        with self._cond:
            self._cond.notify_all()

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Wait until nothing is due at the current clock time and nothing is in flight."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self._idle_locked():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.05))
            return True

    def _idle_locked(self) -> bool:
        due = bool(self._queue) and self._queue[0][0] <= self._clock()
        return self._in_flight == 0 and not due

    def _push(self, due: float, job: _Job) -> None:
        heapq.heappush(self._queue, (due, next(self._seq), job))
        self._cond.notify_all()

    def _start_locked(self) -> None:
        if self._worker is None and not self._stopping:
            self._worker = threading.Thread(target=self._run, name="webhook-sender", daemon=True)
            self._worker.start()

    def _run(self) -> None:
        while True:
            with self._cond:
                jobs = self._take_due_locked()
                while not jobs and not self._stopping:
                    wait = self._poll
                    if self._queue:
                        wait = min(wait, max(self._queue[0][0] - self._clock(), 0.0))
                    self._cond.wait(wait)
                    jobs = self._take_due_locked()
                if self._stopping:
                    return
                self._in_flight += len(jobs)
            for job in jobs:
                self._pool.submit(self._attempt, job)

    def _take_due_locked(self) -> list[_Job]:
        now = self._clock()
        jobs = []
        while self._queue and self._queue[0][0] <= now:
            job = heapq.heappop(self._queue)[2]
            if job.delivery.state == "pending" or not job.scheduled:
                jobs.append(job)
        return jobs

    def _attempt(self, job: _Job) -> None:
        try:
            status = self._post(job)
            with self._cond:
                self._record(job, status)
        finally:
            with self._cond:
                self._in_flight -= 1
                self._cond.notify_all()

    def _post(self, job: _Job) -> int | str:
        delivery = job.delivery
        headers = {"Content-Type": "application/json"}
        with self._cond:
            now = self._clock()
            if job.scheduled:
                delivery.attempts += 1
                if delivery.first_attempt_at is None:
                    delivery.first_attempt_at = now
            else:
                delivery.extra_sends += 1
        secret = delivery.subscription.secret
        if secret is not None:
            headers[SIGNATURE_HEADER] = sign(secret, int(now - job.stale_seconds), delivery.body)
        try:
            response = self._http.post(
                delivery.subscription.url, content=delivery.body, headers=headers
            )
        except Exception as error:  # any failure to deliver is a failed attempt, retried
            return type(error).__name__
        return response.status_code

    def _record(self, job: _Job, status: int | str) -> None:
        delivery = job.delivery
        delivery.last_status = status
        subscription = delivery.subscription
        now = self._clock()
        if isinstance(status, int) and 200 <= status < 300:
            subscription.failing_since = None
            if job.scheduled:
                self._finish(delivery, "delivered")
            return
        if not job.scheduled or delivery.state != "pending":
            return
        if subscription.failing_since is None:
            subscription.failing_since = now
        limit = self.disable_after
        if limit is not None and now - subscription.failing_since >= limit * self.time_scale:
            subscription.enabled = False
            self._abandon(subscription)
            return
        if delivery.attempts >= self.max_attempts:
            self._finish(delivery, "failed")
            return
        assert delivery.first_attempt_at is not None  # set by the first scheduled attempt
        offset = (delivery.attempts + 1) ** 4 * self.time_scale
        delivery.next_attempt_at = delivery.first_attempt_at + offset
        self._push(delivery.next_attempt_at, _Job(delivery, scheduled=True))

    def _abandon(self, subscription: Subscription) -> None:
        for delivery in list(self._deliveries.values()):
            if delivery.subscription is subscription and delivery.state == "pending":
                self._finish(delivery, "abandoned")

    # Shutdown --------------------------------------------------------------------

    def close(self, timeout: float = 15.0) -> int:
        """Stop the worker, finish in-flight POSTs, drop what is still scheduled.

        Returns how many deliveries were still pending. Safe to call twice."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            worker = self._worker
        if worker is not None:
            worker.join(timeout)
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._http.close()
        with self._cond:
            pending = [d for d in self._deliveries.values() if d.state == "pending"]
            for delivery in pending:
                delivery.state = "abandoned"
            self._queue.clear()
            return len(pending)

    def __enter__(self) -> WebhookSender:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
