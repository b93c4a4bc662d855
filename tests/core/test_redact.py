"""The one redaction every text goes through (issue 11 §2)."""

from __future__ import annotations

import base64
import logging

import pytest

from tickettailor._core.redact import MASK, RedactingFilter, excerpt, redact, register_secret

KEY = "sk_redact_1a2b3c/4d+5e"  # with characters that percent-encoding changes
BASIC = base64.b64encode(f"{KEY}:".encode()).decode()


@pytest.fixture(autouse=True)
def registered() -> None:
    register_secret(KEY)


@pytest.mark.parametrize(
    "form",
    [KEY, BASIC, BASIC.rstrip("="), base64.b64encode(KEY.encode()).decode(),
     "sk_redact_1a2b3c%2F4d%2B5e"],
)  # fmt: skip
def test_every_form_of_the_key_is_masked(form: str) -> None:
    assert redact(f"before {form} after") == f"before {MASK} after"


def test_an_excerpt_is_redacted_before_it_is_cut() -> None:
    text = "x" * 110 + KEY
    cut = excerpt(text, 120)
    assert KEY[:5] not in cut  # no half key left at the end
    assert len(cut) <= 120


def test_log_lines_are_redacted_by_the_filter(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger("tickettailor.test_redact")
    caplog.handler.addFilter(RedactingFilter())
    with caplog.at_level(logging.INFO, logger="tickettailor.test_redact"):
        logger.info("sent Authorization: Basic %s", BASIC)
    assert BASIC not in caplog.text
    assert MASK in caplog.text
