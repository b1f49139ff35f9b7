"""Console channel: one flushed line per page, numbered provider ids, failures as results."""
from __future__ import annotations

import io

from notify.channels.console import ConsoleChannel


async def test_writes_one_line_per_page():
    stream = io.StringIO()
    channel = ConsoleChannel(stream)

    first = await channel.send(recipient="on-call", body="[alertdesk] CRITICAL incident #12", timeout=1.0, message_id=1)
    second = await channel.send(recipient="ops", body="two\nlines", timeout=1.0, message_id=1)

    assert stream.getvalue().splitlines() == [
        "PAGE console -> on-call: [alertdesk] CRITICAL incident #12",
        "PAGE console -> ops: two lines",
    ]
    assert (first.ok, first.provider_id, first.error) == (True, "console-1", None)
    assert second.provider_id == "console-2"


async def test_defaults_to_stdout(capsys):
    await ConsoleChannel().send(recipient="on-call", body="hello", timeout=1.0, message_id=1)

    assert capsys.readouterr().out == "PAGE console -> on-call: hello\n"


async def test_closed_stream_is_a_failed_result():
    stream = io.StringIO()
    stream.close()

    result = await ConsoleChannel(stream).send(recipient="on-call", body="hello", timeout=1.0, message_id=1)

    assert not result.ok and result.provider_id is None
    assert result.error.startswith("console write failed")
