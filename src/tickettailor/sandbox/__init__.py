"""A faithful local stand-in for the Ticket Tailor API: reads (issue 2), every write
endpoint, live simulated sales, outbound webhooks, faults and a control API (issue 5;
docs/sandbox.md).

It imports nothing from the rest of ``tickettailor``: it is an independent witness of
how the real API behaves (docs/api-notes.md says what it reproduces and why).

```python
from tickettailor.sandbox import SandboxConfig, create_app, serve_in_thread
app = create_app(SandboxConfig(keys=["sk_..."], seed=7, orders=5000))   # ASGI, in-process
with serve_in_thread(SandboxConfig(sales_per_minute=30)) as sb:         # real loopback HTTP
    print(sb.base_url, sb.key)                                          # sales flowing
```
"""

from __future__ import annotations

from tickettailor.sandbox.app import Sandbox, create_app, parse_key
from tickettailor.sandbox.config import (
    KEY_PATTERN,
    PERMISSIONS,
    ChangeRates,
    KeySpec,
    SandboxConfig,
    generate_key,
)
from tickettailor.sandbox.server import RunningSandbox, free_port, serve_in_thread

__all__ = [
    "KEY_PATTERN",
    "PERMISSIONS",
    "ChangeRates",
    "KeySpec",
    "RunningSandbox",
    "Sandbox",
    "SandboxConfig",
    "create_app",
    "free_port",
    "generate_key",
    "parse_key",
    "serve_in_thread",
]
