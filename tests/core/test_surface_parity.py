"""The sync and async clients offer the same calls, signature for signature."""

from __future__ import annotations

import inspect
from typing import Any

from tickettailor import AsyncClient, Client

KEY = "sk_0000_000000_" + "0" * 32


def public(obj: Any) -> dict[str, Any]:
    return {
        name: getattr(obj, name)
        for name in dir(obj)
        if not name.startswith("_") and callable(getattr(obj, name))
    }


def test_every_resource_and_call_has_the_same_signature_both_ways() -> None:
    sync = Client(KEY, base_url="http://tt.test")
    asynchronous = AsyncClient(KEY, base_url="http://tt.test")
    resources = [n for n in dir(sync) if not n.startswith("_")]
    resources = [n for n in resources if hasattr(getattr(sync, n), "_core")]
    assert len(resources) == 13
    checked = 0
    for name in resources:
        ours, theirs = public(getattr(sync, name)), public(getattr(asynchronous, name))
        assert ours.keys() == theirs.keys(), name
        for call, method in ours.items():
            twin = theirs[call]
            assert inspect.signature(method) == inspect.signature(twin), f"{name}.{call}"
            lists = call.startswith("list")  # lists hand back a pager: not awaited
            assert inspect.iscoroutinefunction(twin) != lists, f"{name}.{call}"
            assert method.__doc__ == twin.__doc__
            checked += 1
    assert checked > 60
    for call in ("request", "ping", "overview"):
        assert inspect.signature(getattr(sync, call)) == inspect.signature(
            getattr(asynchronous, call)
        )
        assert inspect.iscoroutinefunction(getattr(asynchronous, call))
    ours, theirs = inspect.signature(Client), inspect.signature(AsyncClient)
    assert list(ours.parameters) == list(theirs.parameters) == ["api_key", "options"]
    # The same options, but for the transport's type: sync or async.
    assert str(ours).replace("_Sync", "_Async") == str(theirs)
    sync.close()
