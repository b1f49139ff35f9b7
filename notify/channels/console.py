"""I/O: the console channel, the embedded default's pager: one line per page on a text stream.

An operator watching `alertdesk up` sees who would have been paged and with what text; the
outbox row records the same page with the provider id printed here.
"""
from __future__ import annotations

import itertools
import sys
from typing import TextIO

from notify.channels.base import SendResult


class ConsoleChannel:
    """Writes `PAGE console -> <recipient>: <body>` lines, flushed, to a stream (stdout by default)."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        # Resolved at construction, not import, so a redirected sys.stdout is honoured.
        self._stream = stream if stream is not None else sys.stdout
        self._numbers = itertools.count(1)

    async def send(self, *, recipient: str, body: str, timeout: float, message_id: int) -> SendResult:
        """Print one line for the page; a closed or broken stream is a failed result."""
        line = f"PAGE {self.name} -> {recipient}: {' '.join(body.splitlines())}\n"
        try:
            self._stream.write(line)
            self._stream.flush()
        except (OSError, ValueError) as exc:
            return SendResult(ok=False, error=f"console write failed: {exc}")
        return SendResult(ok=True, provider_id=f"{self.name}-{next(self._numbers)}")
