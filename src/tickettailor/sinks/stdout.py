"""``-``: one compact JSON envelope per line on standard output, flushed each time."""

from __future__ import annotations

import contextlib
import sys
from typing import TextIO

from tickettailor.sinks._common import envelope_json
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.sink import SinkError

__all__ = ["StdoutSink"]


class StdoutSink:
    """Print each envelope as one JSON line. ``stream`` defaults to the current stdout."""

    name = "stdout"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def __repr__(self) -> str:
        return "StdoutSink()"

    def send(self, envelope: Envelope) -> None:
        line = envelope_json(envelope)
        # Looked up at each send, so redirection (and pytest's capture) is honoured.
        stream = self._stream or sys.stdout
        try:
            try:
                stream.write(line + "\n")
            except UnicodeEncodeError:
                # A terminal that cannot show the text still gets valid, escaped JSON.
                stream.write(envelope_json(envelope, ascii_only=True) + "\n")
            stream.flush()
        except (OSError, ValueError) as exc:  # ValueError: write to a closed file
            raise SinkError(f"cannot write to standard output: {exc}") from exc

    def close(self) -> None:
        stream = self._stream or sys.stdout
        with contextlib.suppress(OSError, ValueError):  # a closed stream has nothing to save
            stream.flush()
