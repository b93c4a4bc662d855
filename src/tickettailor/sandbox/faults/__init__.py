"""Fault injection: an ASGI middleware that makes the sandbox's /v1 API misbehave on purpose.

Each rule names a path pattern, an optional method, how often it fires and what goes
wrong. Kinds (the ``kind`` text of a rule):

    status:503     a 5xx with a JSON error body (any 500-599)
    429 / 429:N    rate limited, with Retry-After and X-Rate-Limit-* headers; N = burst size
    latency:1.5    wait that many seconds, then answer normally (adds to other faults)
    drop           close the connection without any response
    malformed      the real answer cut in half, as 200 application/json
    html / html:520  a Cloudflare HTML error page (502 unless given)
    repeat / repeat:N  a list page whose data starts with the last N rows (default 1) of
                   the previous page served for that path and key

How often: ``probability`` (default 1) per matching request, at most ``count`` times
(``count=5`` alone is "the first 5 matching requests"); each time a rule fires it also
takes the next ``burst - 1`` matching requests. Draws come from one ``random.Random(seed)``
and happen only for rules with a probability below 1, so a run is repeatable.

Text form (the ``--faults`` option): rules separated by ``;``, fields by ``,``, the kind
first: ``status:503,path=/v1/orders*,p=0.2; 429:3,count=1; latency:2,path=re:^/v1/events``.
JSON form (the control API, or ``--faults`` starting with ``[`` or ``{``): objects with the
keys kind, path, method, probability, count, burst, retry_after.

Control API (never faulted; control/faults.py): GET {control} lists the rules, POST adds
(one rule, a list, ``{"rules": [...]}`` or ``{"spec": "<text form>"}``), DELETE clears,
DELETE {control}/ID removes one. Faults apply to paths under /v1 only.
"""

from __future__ import annotations

from tickettailor.sandbox.faults.injector import FaultInjector
from tickettailor.sandbox.faults.rules import (
    KINDS,
    FaultRule,
    FaultSpecError,
    parse_faults,
    parse_rule,
)

__all__ = ["KINDS", "FaultInjector", "FaultRule", "FaultSpecError", "parse_faults", "parse_rule"]
