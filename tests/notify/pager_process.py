"""I/O: one pager process for crash tests — the real timer loop and dispatcher, Twilio channels, one database.

    python -m tests.notify.pager_process --database-url URL --paging-file dc1.yaml \
        --twilio-url http://127.0.0.1:PORT --account-sid AC... --auth-token T --lease-s 3

It runs exactly what every worker runs for paging (`notify.timers.TimerLoop` over `Paging` and
`Dispatcher`, claiming rows with `FOR UPDATE SKIP LOCKED`) without the stream stack, so a test can
start two of them against one PostgreSQL and SIGKILL one mid-escalation. It prints
`pager ready` once the channels are built; SIGTERM stops it cleanly (closing the HTTP sessions).
"""
from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from datetime import timedelta
from pathlib import Path
from typing import Sequence

from incidents.db import create_db_engine, session_factory
from notify.channels.twilio_client import TwilioConfig
from notify.channels.twilio_sms import TwilioSmsChannel
from notify.channels.twilio_voice import TwilioVoiceChannel
from notify.directory_files import load_directory
from notify.dispatcher import Dispatcher, DispatchPolicy
from notify.paging import Paging
from notify.timers import TimerLoop
from streams.clock import SystemClock


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m tests.notify.pager_process")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--paging-file", required=True, type=Path)
    parser.add_argument("--twilio-url", required=True, help="the Twilio fake's base URL")
    parser.add_argument("--account-sid", required=True)
    parser.add_argument("--auth-token", required=True)
    parser.add_argument("--lease-s", type=float, default=60.0, help="how long a claimed message is held")
    parser.add_argument("--tick-s", type=float, default=0.1)
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> None:
    """Tick until SIGTERM; then close the channels' HTTP sessions."""
    engine = create_db_engine(args.database_url)
    sessions = session_factory(engine)
    directory = load_directory([args.paging_file])
    config = TwilioConfig(
        account_sid=args.account_sid,
        auth_token=args.auth_token,
        from_number="+15005550006",
        webhook_base_url="http://127.0.0.1:9",  # nobody listens: callbacks fail, sends do not
        api_base_url=args.twilio_url,
    )
    sms, voice = TwilioSmsChannel(config, timeout_s=10), TwilioVoiceChannel(config, timeout_s=10)
    policy = DispatchPolicy(lease=timedelta(seconds=args.lease_s), rate_limits=directory.rate_limits)
    dispatcher = Dispatcher(sessions, {"sms": sms, "voice": voice}, policy)
    loop = TimerLoop(Paging(sessions, directory), dispatcher, SystemClock(), interval_s=args.tick_s)
    stopping = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stopping.set)
    ticking = asyncio.create_task(loop.run_forever())
    print("pager ready", flush=True)
    try:
        await stopping.wait()
    finally:
        ticking.cancel()
        await asyncio.gather(ticking, return_exceptions=True)
        await sms.aclose()
        await voice.aclose()
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point."""
    asyncio.run(run(parse_args(argv)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
