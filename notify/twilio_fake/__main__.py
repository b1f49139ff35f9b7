"""I/O: `python -m notify.twilio_fake`: run the Twilio fake until Ctrl-C or SIGTERM.

    python -m notify.twilio_fake --port 0 --account-sid AC... --auth-token secret \
        --sms-webhook http://127.0.0.1:8080/twilio/sms
"""
from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Sequence

from notify.twilio_fake.server import TwilioFake
from notify.twilio_fake.settings import DEFAULT_PHONE_NUMBER, FakeSettings


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line, with the fake's settings."""
    parser = argparse.ArgumentParser(prog="python -m notify.twilio_fake", description="An HTTP fake of Twilio.")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on; 0 picks a free one (default 0)")
    parser.add_argument("--account-sid", required=True, help="the account sid alertdesk authenticates with (AC...)")
    parser.add_argument("--auth-token", required=True, help="the auth token: checks REST calls and signs webhooks")
    parser.add_argument("--phone-number", default=DEFAULT_PHONE_NUMBER, help="alertdesk's number (inbound SMS To)")
    parser.add_argument(
        "--sms-webhook", default=None, help="where inbound SMS are posted, e.g. http://127.0.0.1:8080/twilio/sms"
    )
    return parser.parse_args(argv)


async def serve(settings: FakeSettings, *, host: str, port: int) -> None:
    """Run the fake until SIGINT or SIGTERM, printing its URL first."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):  # a supervisor's SIGTERM stops it as cleanly as Ctrl-C
        loop.add_signal_handler(signum, stopping.set)
    fake = TwilioFake(settings)
    url = await fake.start(host=host, port=port)
    print(f"[twilio-fake] listening on {url} (account {settings.account_sid})", flush=True)
    try:
        await stopping.wait()
    finally:
        await fake.stop()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = parse_args(argv)
    try:
        settings = FakeSettings(
            account_sid=args.account_sid,
            auth_token=args.auth_token,
            phone_number=args.phone_number,
            sms_webhook=args.sms_webhook,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        asyncio.run(serve(settings, host=args.host, port=args.port))
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
