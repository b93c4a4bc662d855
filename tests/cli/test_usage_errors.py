"""Bad input is a usage error: exit 2 and one line naming the problem, never a traceback
(issue 10: bad --base-url; issue 11: call's URLs and headers)."""

from __future__ import annotations

import json

import httpx2
import pytest

from tests.cli.conftest import Run
from tests.conftest import TEST_KEY
from tickettailor import AsyncClient, Client, TicketTailorError, UsageError


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("Error: ")
    return lines[0]


@pytest.mark.parametrize("url", ["http://127.0.0.1:abc", "http://[::1", "http://h:1:2"])
def test_a_malformed_base_url_is_a_usage_error(bare: Run, url: str) -> None:
    result = bare("--api-key", TEST_KEY, "--base-url", url, "orders", "list")
    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert url in line
    assert "not a valid URL" in line
    assert "Traceback" not in result.output


@pytest.mark.parametrize("url", ["http://127.0.0.1:abc", "http://[::1"])
def test_the_library_raises_usage_error_from_the_constructor(url: str) -> None:
    for cls in (Client, AsyncClient):
        with pytest.raises(UsageError) as caught:
            cls(TEST_KEY, base_url=url)
        assert isinstance(caught.value, TicketTailorError)
        assert not isinstance(caught.value, httpx2.InvalidURL)


def test_a_malformed_absolute_path_is_a_usage_error(wire: Run) -> None:
    result = wire("call", "GET", "http://h:1:2/")
    assert result.exit_code == 2
    assert "'http://h:1:2/' is not a valid URL" in one_line(result.stderr)


def test_a_url_in_a_query_value_is_not_another_host(wire: Run) -> None:
    result = wire("call", "GET", "/v1/overview?next=http://x")
    assert result.exit_code == 0, result.output
    seen = json.loads(result.stdout)
    assert (seen["path"], seen["query"]) == ("/v1/overview", "next=http://x")


@pytest.mark.parametrize("header", ["X-A: b\r\nX-Injected: 1", "X-A: b\nc", "X-A: b\x00"])
def test_a_line_break_in_a_header_is_a_usage_error(wire: Run, header: str) -> None:
    result = wire("call", "GET", "/v1/ping", "-H", header)
    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert "line break" in line
    assert "network" not in line


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["orders", "list", "--format", "yaml"], "--format: 'yaml' is not one of"),
        (["orders", "list", "--limit", "x"], "--limit: must be a whole number"),
        (["orders", "list", "--limit", "0"], "--limit: must be 1 or more"),
        (["orders", "list", "--nope"], "No such option: --nope"),
        (["orders", "get"], "Missing argument 'ORDER_ID'"),
        (["ordrs"], "No such command 'ordrs'"),
        (["--tz", "Mars/X", "orders", "list"], "--tz: Unknown time zone 'Mars/X'"),
    ],
)
def test_command_line_mistakes_are_one_line_in_our_words(
    bare: Run, args: list[str], says: str
) -> None:
    result = bare(*args)
    assert result.exit_code == 2
    line = one_line(result.stderr)
    assert says in line
    assert "--help" in line  # where to look
    for leak in ("Value error", "Input should", "╭", "Invalid value for"):
        assert leak not in result.output
