"""I/O: the DingTalk (钉钉) group-bot channel: a text message to a custom robot's webhook.

A robot with 加签 (signing) enabled rejects unsigned posts: the query carries `timestamp`
(milliseconds) and `sign` = Base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")),
URL-encoded. DingTalk refuses a timestamp more than an hour from its clock, so a host with a
badly wrong clock sees every chat page fail with the vendor's signature error.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

import httpx

from notify.channels.chat_common import ChatBot, ChatBotChannel, ChatKind, ChatRequest


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """The robot signature for `timestamp_ms`, Base64 (the HTTP client URL-encodes it once)."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


class DingTalkChannel(ChatBotChannel):
    """Sends `{"msgtype": "text", "text": {"content": body}}` to a DingTalk robot."""

    kind = ChatKind.DINGTALK
    retryable_codes = frozenset({130101})  # "send too fast": more than 20 messages a minute

    def request(self, bot: ChatBot, body: str, now: datetime) -> ChatRequest:
        """The robot request; signed when the bot has a secret."""
        url = httpx.URL(bot.url)
        if bot.secret:
            timestamp_ms = int(now.timestamp() * 1000)
            url = url.copy_merge_params({"timestamp": str(timestamp_ms), "sign": dingtalk_sign(bot.secret, timestamp_ms)})
        return ChatRequest(url=url, payload={"msgtype": "text", "text": {"content": body}})
