"""Pure: the Twilio fake's settings, checked once when it is built."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from notify.twilio_fake.state import E164, MAX_RECORDS

# Twilio's documented test number that always succeeds; stands in for alertdesk's own number.
DEFAULT_PHONE_NUMBER = "+15005550006"


@dataclass(frozen=True, kw_only=True)
class FakeSettings:
    """Who the fake accepts requests from, and where it sends inbound SMS.

    `account_sid`/`auth_token` must match alertdesk's `TwilioConfig`: REST calls are checked
    against them and every webhook request is signed with the token. `phone_number` is
    alertdesk's number, the `To` of inbound SMS.
    """

    account_sid: str
    auth_token: str = field(repr=False)
    phone_number: str = DEFAULT_PHONE_NUMBER
    sms_webhook: str | None = None
    callback_timeout_s: float = 5.0
    callback_tries: int = 3
    callback_backoff_s: float = 0.5
    max_records: int = MAX_RECORDS

    def __post_init__(self) -> None:
        if not self.account_sid.startswith("AC"):
            raise ValueError(f"FakeSettings.account_sid must start with 'AC', got {self.account_sid!r}")
        if not self.auth_token:
            raise ValueError("FakeSettings.auth_token is empty")
        if not E164.fullmatch(self.phone_number):
            raise ValueError(f"FakeSettings.phone_number must be E.164 like '+15005550006', got {self.phone_number!r}")
        if self.sms_webhook is not None:
            parts = urlsplit(self.sms_webhook)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise ValueError(f"FakeSettings.sms_webhook must be an http(s) URL, got {self.sms_webhook!r}")
        if self.callback_timeout_s <= 0 or self.callback_tries < 1 or self.callback_backoff_s < 0:
            raise ValueError(
                "FakeSettings needs callback_timeout_s > 0, callback_tries >= 1, callback_backoff_s >= 0; got "
                f"{self.callback_timeout_s!r}, {self.callback_tries!r}, {self.callback_backoff_s!r}"
            )
        if self.max_records < 1:
            raise ValueError(f"FakeSettings.max_records must be at least 1, got {self.max_records!r}")
