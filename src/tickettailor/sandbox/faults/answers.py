"""The canned answers of the faults: API error bodies, a Cloudflare HTML page, a body
cut in half, and a list page split into its rows (for ``repeat``)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from http import HTTPStatus

from starlette.types import Send

CLOUDFLARE_TITLES = {
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway time-out",
    520: "Web server is returning an unknown error",
    521: "Web server is down",
    522: "Connection timed out",
    524: "A timeout occurred",
}

CLOUDFLARE_PAGE = """<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<html class="no-js" lang="en-US">
<head>
<title>api.tickettailor.com | {status}: {title}</title>
<meta charset="UTF-8" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta name="robots" content="noindex, nofollow" />
<link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/main.css" />
</head>
<body>
<div id="cf-wrapper">
<div id="cf-error-details" class="p-0">
<header class="mx-auto pt-10 lg:pt-6 lg:px-8 w-240 lg:w-full mb-8">
<h1 class="inline-block sm:block sm:mb-2 font-light text-60 lg:text-4xl">
<span class="inline-block">{title}</span>
<span class="code-label">Error code {status}</span>
</h1>
</header>
<div class="cf-error-footer cf-wrapper w-240 lg:w-full py-10 sm:py-4 sm:px-8 mx-auto">
<p>Cloudflare Ray ID: <strong class="font-semibold">{ray}</strong> &bull;
Performance &amp; security by Cloudflare</p>
</div>
</div>
</div>
</body>
</html>
"""


def error_body(status: int, error_code: str, message: str) -> bytes:
    body = {"status": status, "error_code": error_code, "message": message}
    return json.dumps(body, separators=(",", ":")).encode()


def status_error(status: int) -> bytes:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Server Error"
    code = re.sub(r"[^A-Z]+", "_", phrase.upper()).strip("_")
    return error_body(
        status, code, f"{phrase}. The server could not handle the request; retry it later."
    )


def truncate(body: bytes) -> bytes:
    cut = body[: len(body) // 2]
    try:
        json.loads(cut)
    except ValueError:
        return cut
    return b'{"data":['  # the half happened to be valid JSON (e.g. a bare number)


_DECODER = json.JSONDecoder()
PAGE_PREFIX = '{"data":['


def split_page(text: str) -> tuple[list[str], str] | None:
    """The raw JSON text of each row of a compact list page, and what follows the rows.

    Rows are kept as the exact text the API wrote, so a repeated row is byte-identical."""
    if not text.startswith(PAGE_PREFIX):
        return None
    rows: list[str] = []
    position = len(PAGE_PREFIX)
    try:
        if text[position] == "]":
            return rows, text[position:]
        while True:
            end = _DECODER.raw_decode(text, position)[1]
            rows.append(text[position:end])
            if text[end] == "]":
                return rows, text[end:]
            if text[end] != ",":
                return None
            position = end + 1
    except (ValueError, IndexError):
        return None


async def respond(send: Send, status: int, headers: Iterable[tuple[str, str]], body: bytes) -> None:
    """Send a whole response: status, headers (with content-length) and body."""
    raw = [(k.lower().encode(), v.encode()) for k, v in headers]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})
