"""The HTTP fake of Twilio: Messages and Calls REST API, signed webhooks back, and a control API.

See docs/twilio-fake.md. Start it in-process with `TwilioFake(FakeSettings(...))`, or run
`python -m notify.twilio_fake`.
"""
from __future__ import annotations

from notify.twilio_fake.server import TwilioFake
from notify.twilio_fake.settings import FakeSettings

__all__ = ["FakeSettings", "TwilioFake"]
