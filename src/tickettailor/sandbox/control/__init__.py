"""The control plane: every sandbox-only route under ``/_sandbox`` (docs/sandbox.md).

/_sandbox, /_sandbox/clock, /orders, /issued_tickets, /simulator   box_office.py
/_sandbox/events/{id}/move, /status, /sold-out                      events.py
/_sandbox/webhooks...                                               webhooks.py
/_sandbox/faults...                                                 faults.py (served by
                                                                    the fault middleware)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.routing import Route

from tickettailor.sandbox.control.box_office import Control, box_office_routes
from tickettailor.sandbox.control.events import event_routes
from tickettailor.sandbox.control.webhooks import webhook_routes

if TYPE_CHECKING:
    from tickettailor.sandbox.app import Sandbox


def control_routes(sandbox: Sandbox) -> list[Route]:
    """Starlette routes of the control API for ``sandbox`` (its webhook sender set)."""
    assert sandbox.webhooks is not None  # create_app makes it first
    return [
        *webhook_routes(sandbox.webhooks),
        *box_office_routes(sandbox),
        *event_routes(sandbox, Control(sandbox)),
    ]
