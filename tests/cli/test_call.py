"""call METHOD PATH: any request, key added; body printed; exit 1 on HTTP errors."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from tests.cli.conftest import Run, sent
from tests.conftest import TEST_KEY
from tickettailor import Client


def test_get_with_query_prints_the_body(tt: Run, client: Client) -> None:
    result = tt("call", "GET", "/v1/events", "-q", "limit=2", "-q", "status=published")
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert len(body["data"]) == 2
    assert {e["status"] for e in body["data"]} == {"published"}
    assert (
        body == client.request("GET", "/v1/events", params={"limit": 2, "status": "published"}).body
    )


def test_path_without_v1_and_include_headers(tt: Run) -> None:
    result = tt("call", "get", "/overview", "-i")
    assert result.exit_code == 0
    head, _, body = result.stdout.partition("\n\n")
    lines = head.splitlines()
    assert lines[0] == "HTTP 200"
    assert any(line.lower().startswith("content-type: application/json") for line in lines)
    assert "box_office_name" in json.loads(body)


def test_http_error_still_prints_the_body_and_exits_1(tt: Run) -> None:
    result = tt("call", "GET", "/v1/orders/or_0", "-i")
    assert result.exit_code == 1
    assert result.stdout.startswith("HTTP 404")
    body = json.loads(result.stdout.partition("\n\n")[2])
    assert body["status"] == 404
    assert "404" in result.stderr


def test_form_fields_go_out_exactly_as_typed_with_php_brackets(wire: Run) -> None:
    seen = sent(
        wire(
            "call", "POST", "/v1/holds",
            "-f", "event_id=ev_1",
            "-f", "note=VIP & friends",
            "-f", "ticket_type_id[tt_1]=2",
            "-f", "codes[]=A",
            "-f", "codes[]=B",
        )
    )  # fmt: skip
    assert seen["method"] == "POST"
    assert seen["path"] == "/v1/holds"
    assert seen["headers"]["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(seen["body"]) == [
        ("event_id", "ev_1"),
        ("note", "VIP & friends"),
        ("ticket_type_id[tt_1]", "2"),
        ("codes[]", "A"),
        ("codes[]", "B"),
    ]


def test_auth_is_added_and_headers_and_query_pass_through(wire: Run) -> None:
    result = wire("call", "GET", "/v1/events", "-q", "limit=2", "-q", "start_at.gte=5",
                  "-H", "X-Trace: abc")  # fmt: skip
    seen = sent(result)
    assert seen["query"] == "limit=2&start_at.gte=5"
    assert seen["headers"]["x-trace"] == "abc"
    # The header was sent; echoed back, its token is redacted like the key itself.
    assert seen["headers"]["authorization"] == "Basic [redacted]"
    assert TEST_KEY not in result.stderr


def test_raw_body_file_stdin_and_json(wire: Run, tmp_path: Path) -> None:
    body = tmp_path / "body.txt"
    body.write_text("issued_ticket_id=it_0&quantity=1")
    from_file = sent(wire("call", "POST", "/v1/check_ins", "-d", f"@{body}"))
    assert from_file["body"] == "issued_ticket_id=it_0&quantity=1"
    assert from_file["headers"]["content-type"] == "application/x-www-form-urlencoded"
    from_stdin = sent(wire("call", "POST", "/v1/check_ins", "-d", "@-", input="a=1"))
    assert from_stdin["body"] == "a=1"
    typed = sent(wire("call", "POST", "/v1/x", "-d", "raw text", "-H", "Content-Type: text/plain"))
    assert typed["body"] == "raw text"
    assert typed["headers"]["content-type"] == "text/plain"
    as_json = sent(wire("call", "POST", "/v1/check_ins", "--json", '{"a": [1, 2]}'))
    assert json.loads(as_json["body"]) == {"a": [1, 2]}
    assert as_json["headers"]["content-type"] == "application/json"


def test_piped_body_is_the_bytes_received(wire: Run) -> None:
    result = wire("call", "GET", "/v1/teapot")
    assert result.exit_code == 1  # 418 is an HTTP error
    assert json.loads(result.stdout)["path"] == "/v1/teapot"


def test_bad_arguments_are_usage_errors(tt: Run) -> None:
    assert tt("call", "FETCH", "/v1/events").exit_code == 2
    bad_query = tt("call", "GET", "/v1/events", "-q", "limit")
    assert bad_query.exit_code == 2
    assert "NAME=VALUE" in bad_query.stderr
    bad_header = tt("call", "GET", "/v1/events", "-H", "NoColon")
    assert bad_header.exit_code == 2
    assert "'Name: value'" in bad_header.stderr
    two_bodies = tt("call", "POST", "/v1/holds", "-f", "a=1", "-d", "a=1")
    assert two_bodies.exit_code == 2
    bad_json = tt("call", "POST", "/v1/holds", "--json", "{nope")
    assert bad_json.exit_code == 2
    assert "--json" in bad_json.stderr


def test_refuses_to_send_the_key_elsewhere(tt: Run) -> None:
    result = tt("call", "GET", "https://example.com/v1/events")
    assert result.exit_code == 2
    assert "example.com" in result.stderr


@pytest.mark.parametrize(
    ("piped", "body"),
    [("a=1\n", "a=1"), ("a=1\r\n", "a=1"), ("a=1\n\n", "a=1\n"), ("a=1", "a=1")],
)
def test_piped_data_loses_one_final_newline_as_with_curl(wire: Run, piped: str, body: str) -> None:
    assert sent(wire("call", "POST", "/v1/check_ins", "-d", "@-", input=piped))["body"] == body
