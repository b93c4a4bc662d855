"""A worker's HTTP port: ``/metrics`` (Prometheus), ``/healthz``, ``/readyz`` and ``/``.

``/healthz`` answers 200 while the process runs; ``/readyz`` 200 once the worker's
last tick reached the database (it holds or can claim work), 503 otherwise. ``/`` is
the fleet's status page (``tickettailor.fleet.page``), rendered on the server.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

if TYPE_CHECKING:
    from tickettailor.fleet.worker import Worker

__all__ = ["serve"]


class WorkerCollector:
    """Reads the worker's counters and the fleet's lag at each scrape."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    def collect(self) -> Any:
        w, stats = self.worker, self.worker.stats
        held = GaugeMetricFamily("tickettailor_leases_held", "Box offices this worker holds")
        held.add_metric([], len(w.runners))
        yield held
        for name, value, text in (
            ("cycles", stats.cycles, "Watch cycles run"),
            ("delivered", stats.delivered, "Envelopes delivered to sinks"),
            ("fetch_errors", stats.fetch_errors, "Cycles whose fetch failed"),
            ("key_refused", stats.refused, "Cycles whose API key was refused (403)"),
            ("claims", stats.claims, "Leases claimed"),
            ("leases_lost", stats.lost, "Leases lost to another worker or a removal"),
        ):
            family = CounterMetricFamily(f"tickettailor_{name}", text)
            family.add_metric([], value)
            yield family
        yield from self._api()
        yield from self._fleet()

    def _api(self) -> Any:
        """This worker's API requests per box office (those it holds or held)."""
        requests = CounterMetricFamily(
            "tickettailor_api_requests",
            "API requests answered, per box office (this worker's, retries included)",
            labels=["box_office"],
        )
        limited = CounterMetricFamily(
            "tickettailor_api_rate_limited",
            "API answers with status 429, per box office",
            labels=["box_office"],
        )
        remaining = GaugeMetricFamily(
            "tickettailor_rate_limit_remaining",
            "The last X-Rate-Limit-Remaining the API sent, per box office",
            labels=["box_office"],
        )
        forwarded = CounterMetricFamily(
            "tickettailor_webhooks_forwarded",
            "Webhook deliveries moved from the inbox into the outbox, per box office",
            labels=["box_office"],
        )
        for name, calls in sorted(self.worker.api.snapshot().items()):
            requests.add_metric([name], calls.requests)
            limited.add_metric([name], calls.rate_limited)
            if calls.remaining is not None:
                remaining.add_metric([name], calls.remaining)
        for name, count in sorted(self.worker.stats.webhooks.items()):
            forwarded.add_metric([name], count)
        yield requests
        yield limited
        yield remaining
        yield forwarded

    def _fleet(self) -> Any:
        from tickettailor.fleet.status import fleet_rows

        try:
            rows = fleet_rows(self.worker.dsn, self.worker.schema)
        except Exception:  # a scrape never fails because the database does
            return
        lag = GaugeMetricFamily(
            "tickettailor_lag_seconds",
            "Seconds since the last successful poll, per box office and resource",
            labels=["box_office", "resource"],
        )
        backlog = GaugeMetricFamily(
            "tickettailor_outbox_backlog", "Pending outbox rows", labels=["box_office", "sink"]
        )
        refused = GaugeMetricFamily(
            "tickettailor_key_refused", "1 when the API refused the key", labels=["box_office"]
        )
        for row in rows:
            refused.add_metric([row.name], 1.0 if row.refused else 0.0)
            for resource, seconds in row.lag.items():
                if seconds is not None:
                    lag.add_metric([row.name, resource], seconds)
            for sink, pending in row.backlog_by_sink.items():
                backlog.add_metric([row.name, sink], pending)
        yield lag
        yield backlog
        yield refused


def serve(worker: Worker, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """Start the HTTP port in a thread; ``shutdown()`` the result to stop it."""
    registry = CollectorRegistry()
    registry.register(WorkerCollector(worker))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            if path == "/metrics":
                self._send(200, CONTENT_TYPE_LATEST, generate_latest(registry))
            elif path == "/healthz":
                self._send(200, "text/plain", b"ok\n")
            elif path == "/readyz":
                ready = worker.ready
                self._send(
                    200 if ready else 503, "text/plain", b"ready\n" if ready else b"not ready\n"
                )
            elif path == "/":
                from tickettailor.fleet.page import render_page

                html = render_page(worker.dsn, worker.schema)
                self._send(200, "text/html; charset=utf-8", html.encode())
            else:
                self._send(404, "text/plain", b"not found\n")

        def _send(self, code: int, kind: str, body: bytes) -> None:
            self.send_response(code)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
