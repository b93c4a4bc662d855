"""Where the client takes its key, server, time zone and test mode from."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx2
import pytest

from tickettailor import AsyncClient, Client, DateParseError, UsageError
from tickettailor._core.profiles import Profile, save_profile

ENV_KEY = "sk_1111_111111_" + "1" * 32
SAVED_KEY = "sk_2222_222222_" + "2" * 32
WORK_KEY = "sk_3333_333333_" + "3" * 32


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in (
        "TICKETTAILOR_API_KEY",
        "TICKETTAILOR_BASE_URL",
        "TICKETTAILOR_PROFILE",
        "TICKETTAILOR_TZ",
        "TICKETTAILOR_TEST_MODE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TICKETTAILOR_CONFIG_DIR", str(tmp_path))


def sent_with(client: Client) -> tuple[str, str]:
    """(the key the client sends, the URL it sends to), from one real request."""
    seen: list[httpx2.Request] = []
    client._core._http._transport = httpx2.MockTransport(
        lambda r: seen.append(r) or httpx2.Response(200, json={"version": "1.0"})
    )  # swap the wire only
    client.ping()
    token = seen[0].headers["authorization"].removeprefix("Basic ")
    return base64.b64decode(token).decode().removesuffix(":"), str(seen[0].url)


def test_precedence_of_keys_and_servers(monkeypatch: pytest.MonkeyPatch) -> None:
    save_profile(Profile("home", SAVED_KEY, "http://saved.test"), make_default=True)
    save_profile(Profile("work", WORK_KEY, None))
    assert sent_with(Client()) == (SAVED_KEY, "http://saved.test/v1/ping")  # the default profile
    monkeypatch.setenv("TICKETTAILOR_API_KEY", ENV_KEY)
    assert sent_with(Client()) == (
        ENV_KEY,
        "https://api.tickettailor.com/v1/ping",
    )  # env beats default
    assert sent_with(Client(profile="work"))[0] == WORK_KEY  # a named profile beats env
    assert sent_with(Client(profile="home")) == (SAVED_KEY, "http://saved.test/v1/ping")
    monkeypatch.setenv("TICKETTAILOR_BASE_URL", "http://env.test/v1/")
    assert sent_with(Client(profile="home"))[1] == "http://env.test/v1/ping"
    assert sent_with(Client(WORK_KEY, base_url="http://arg.test")) == (
        WORK_KEY,
        "http://arg.test/v1/ping",
    )


def test_unknown_profile_and_bad_base_url_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="No saved profile named 'nope'"):
        Client(profile="nope")
    with pytest.raises(UsageError, match="is not an http"):
        Client(WORK_KEY, base_url="api.tickettailor.com")
    with pytest.raises(UsageError, match="is not an http"):
        AsyncClient(WORK_KEY, base_url="ftp://x.test")


def test_time_zone_is_checked_up_front(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DateParseError, match="Mars/Olympus"):
        Client(WORK_KEY, tz="Mars/Olympus")
    monkeypatch.setenv("TICKETTAILOR_TZ", "Europe/Lisbon")
    assert Client(WORK_KEY)._core.tz == "Europe/Lisbon"  # the resolved setting


def test_test_mode_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not Client(WORK_KEY).clock.instant
    monkeypatch.setenv("TICKETTAILOR_TEST_MODE", "1")
    assert Client(WORK_KEY).clock.instant
    assert not Client(WORK_KEY, test_mode=False).clock.instant


def test_repr_shows_the_server_not_the_key() -> None:
    for client in (
        Client(WORK_KEY, base_url="http://x.test"),
        AsyncClient(WORK_KEY, base_url="http://x.test"),
    ):
        assert repr(client) in (
            "Client(base_url='http://x.test')",
            "AsyncClient(base_url='http://x.test')",
        )
        assert WORK_KEY not in repr(client._core)  # the core too
        assert WORK_KEY not in repr(client.__dict__)
