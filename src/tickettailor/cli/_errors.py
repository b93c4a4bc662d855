"""Errors as the command line reports them: one sentence with what to do, and an exit code.

Exit codes (defined in ``_context``, next to ``fail``): 0 success, 1 the API (or the
network) failed, 2 the user's input was wrong (bad option, unreadable date, unknown
profile, no key), 75 a watch state is in use by another watcher (``EXIT_BUSY``, from
sysexits' EX_TEMPFAIL: try again later), 130 interrupted with Ctrl-C.
"""

from __future__ import annotations

import re
import sys
from typing import TYPE_CHECKING

from tickettailor.cli._context import EXIT_API, EXIT_USAGE

if TYPE_CHECKING:
    from tickettailor import (
        APIError,
        APIStatusError,
        RateLimitError,
        TicketTailorError,
    )

__all__ = ["EXIT_BUSY", "explain"]

EXIT_BUSY = 75  # a watch state's lease is held by another watcher (EX_TEMPFAIL)


def explain(exc: TicketTailorError, *, server: str | None = None) -> tuple[str, int]:
    """The message to print for ``exc`` and the exit code to leave with.

    ``server``: the base URL in use, named when the error itself does not carry its
    request.
    """
    # Imported here: only a failing command needs the error tree (and its httpx2).
    from tickettailor import (
        APIError,
        APIStatusError,
        DateParseError,
        PaginationError,
        UsageError,
    )

    if isinstance(exc, DateParseError | UsageError):
        return str(exc), EXIT_USAGE
    if isinstance(exc, APIStatusError):
        return _status_message(exc), EXIT_API
    if isinstance(exc, APIError):
        return _transport_message(exc, server), EXIT_API
    if isinstance(exc, PaginationError):
        return (
            f"{exc} This is a fault on the API's side: try again, or narrow the filters.",
            EXIT_API,
        )
    if _lease_conflict(exc):
        return str(exc), EXIT_BUSY
    return str(exc), EXIT_API


def _lease_conflict(exc: TicketTailorError) -> bool:
    # Only a watch raises it, so its module is loaded whenever this can be true.
    state = sys.modules.get("tickettailor.watch.state")
    return state is not None and isinstance(exc, state.LeaseError)


def _where(exc: APIError) -> str:
    request = exc.request
    return request.url.path if request is not None else "the API"


def _list_command(exc: APIError) -> str:
    """The command listing what the failed request asked for: ``events list`` for
    ``/v1/events/ev_1`` (``orders list`` when the path says nothing)."""
    request = exc.request
    parts = request.url.path.split("/") if request is not None else []
    resource = parts[2] if len(parts) > 2 and parts[1] == "v1" and parts[2] else "orders"
    return f"{resource.replace('_', '-')} list"


def _brief(text: str, limit: int = 160) -> str:
    """The API's message, shortened, without a final full stop (we add our own)."""
    text = " ".join(text.split()).rstrip(".")
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _host(exc: APIError, server: str | None = None) -> str:
    request = exc.request
    if request is None:
        return server or "the API"
    url = request.url
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{url.host}{port}"


def _status_message(exc: APIStatusError) -> str:
    from tickettailor import (
        BadRequestError,
        ConflictError,
        ForbiddenError,
        NotFoundError,
        RateLimitError,
        ServerError,
    )

    status = exc.status_code
    if isinstance(exc, ForbiddenError):
        return (
            f"The API key was refused ({status}) for {_where(exc)}: it is wrong, deleted, or "
            "lacks the permission for this resource. Check it in Box Office Settings > API "
            "and run `tickettailor connect` again."
        )
    if isinstance(exc, RateLimitError):
        return _rate_limit_message(exc)
    if isinstance(exc, NotFoundError):
        return (
            f"Not found ({status}): {_where(exc)} does not exist in this box office. "
            f"Check the id (`tickettailor {_list_command(exc)}` shows them) or the path."
        )
    if isinstance(exc, BadRequestError):
        return f"The API rejected the request ({_code(exc)}): {_details(exc)}. Fix it and retry."
    if isinstance(exc, ConflictError):
        return (
            f"The API refused the change ({_code(exc)}): {_brief(exc.message)}. "
            "Something still depends on it; deal with that first."
        )
    if isinstance(exc, ServerError):
        return (
            f"Ticket Tailor failed on its side ({status}) for {_where(exc)}: "
            f"{_brief(exc.message, 100)}. Try again in a few minutes."
        )
    return f"The API answered {_code(exc)} for {_where(exc)}: {_brief(exc.message)}."


def _code(exc: APIStatusError) -> str:
    return f"{exc.status_code} {exc.error_code}" if exc.error_code else str(exc.status_code)


def _details(exc: APIStatusError) -> str:
    text = _brief(exc.message)
    fields = []
    for item in exc.errors:
        messages = "; ".join(str(m) for m in item.get("messages") or [])
        fields.append(f"{item.get('field', '?')}: {messages}")
    return f"{text} ({', '.join(fields)})" if fields else text


def _rate_limit_message(exc: RateLimitError) -> str:
    # The client counts its tries and waits on the error (on its clock: virtual in tests).
    tries, waited = exc.attempts, round(exc.waited)
    retry = (
        f"try again in {round(exc.retry_after)} s"
        if exc.retry_after is not None
        else "try again later"
    )
    return (
        f"Rate limited by Ticket Tailor (429): waited {waited} s, gave up after {tries} "
        f"{'try' if tries == 1 else 'tries'}; {retry}, or make fewer requests."
    )


def _reason(exc: APIError) -> str:
    """``": Connection refused"``: the network's own words, when it said any."""
    reason = str(getattr(exc, "reason", "") or "")
    return f": {_brief(reason)}" if reason.strip() else ""


def _transport_message(exc: APIError, server: str | None) -> str:
    from tickettailor import (
        APIConnectionError,
        APITimeoutError,
        MalformedResponseError,
    )

    if isinstance(exc, APITimeoutError):
        return (
            f"No answer from {_host(exc, server)} in time: check your network connection, "
            "or try again later."
        )
    if isinstance(exc, APIConnectionError):
        return (
            f"Could not connect to {_host(exc, server)}{_reason(exc)}. This is a network "
            "problem, not a bad key: check your connection and --base-url."
        )
    if isinstance(exc, MalformedResponseError):
        status = f" ({exc.status_code})" if exc.status_code else ""
        return (
            f"The server at {_host(exc, server)} sent a reply that is not the API's JSON{status}: "
            "check that --base-url points at the API, or try again later."
        )
    return f"{_brief(exc.message)}."


# -- command-line mistakes (click's errors) in the same one-line style ---------------------

# The option parser's (pydantic's) phrases, in our words.
_PHRASES = (
    (re.compile(r"Value error, "), ""),
    (re.compile(r"Input should be a valid integer(, unable to parse string as an integer)?"),
     "must be a whole number"),
    (re.compile(r"Input should be a valid number(, unable to parse string as a number)?"),
     "must be a number"),
    (re.compile(r"Input should be greater than or equal to (\S+)"), r"must be \1 or more"),
    (re.compile(r"Input should be less than or equal to (\S+)"), r"must be \1 or less"),
    (re.compile(r"Input should be greater than (\S+)"), r"must be more than \1"),
    (re.compile(r"Input should be less than (\S+)"), r"must be less than \1"),
    (re.compile(r"Invalid value for '([^']+)'(?: / '[^']+')*(?: \(env var: '[^']+'\))?: "),
     r"\1: "),
)  # fmt: skip


def usage_line(message: str, command_path: str | None) -> str:
    """A command-line mistake as one line: what is wrong, and where help is."""
    text = " ".join(message.split())
    for pattern, words in _PHRASES:
        text = pattern.sub(words, text)
    text = text.rstrip(".")
    where = f" (see `{command_path} --help`)" if command_path else ""
    return f"{text}{where}."
