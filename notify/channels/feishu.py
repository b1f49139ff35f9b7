"""I/O: the Feishu (飞书) group-bot channel: a text message to a custom bot's webhook.

With 签名校验 enabled, the JSON body carries `timestamp` (seconds, as a string) and `sign` =
Base64(HMAC-SHA256(key=f"{timestamp}\\n{secret}", msg=b"")) — note the secret is in the key and
the message is empty, unlike DingTalk. Feishu refuses a timestamp more than an hour off.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from typing import Any

import httpx

from notify.channels.chat_common import ChatBot, ChatBotChannel, ChatKind, ChatRequest


def feishu_sign(secret: str, timestamp: int) -> str:
    """The bot signature for `timestamp` (seconds), Base64."""
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class FeishuChannel(ChatBotChannel):
    """Sends `{"msg_type": "text", "content": {"text": body}}` to a Feishu bot, signed when it has a secret."""

    kind = ChatKind.FEISHU
    retryable_codes = frozenset({9499})  # "too many requests"

    def request(self, bot: ChatBot, body: str, now: datetime) -> ChatRequest:
        """The bot request; the signature travels in the body."""
        payload: dict[str, Any] = {"msg_type": "text", "content": {"text": body}}
        if bot.secret:
            timestamp = int(now.timestamp())
            payload = {"timestamp": str(timestamp), "sign": feishu_sign(bot.secret, timestamp), **payload}
        return ChatRequest(url=httpx.URL(bot.url), payload=payload)
