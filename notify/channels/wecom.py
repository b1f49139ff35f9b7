"""I/O: the WeCom (企业微信) group-bot channel: a text message to the bot's webhook.

The bot's URL carries its `key`, which is the only credential (WeCom group bots are not signed),
so the URL is treated as a secret. WeCom takes at most 20 messages a minute per bot.
"""
from __future__ import annotations

from datetime import datetime

import httpx

from notify.channels.chat_common import ChatBot, ChatBotChannel, ChatKind, ChatRequest


class WeComChannel(ChatBotChannel):
    """Sends `{"msgtype": "text", "text": {"content": body}}` to a WeCom group bot."""

    kind = ChatKind.WECOM
    retryable_codes = frozenset({45009})  # API call frequency over the limit

    def request(self, bot: ChatBot, body: str, now: datetime) -> ChatRequest:
        """The bot request (unsigned: the key in the URL authorises it)."""
        return ChatRequest(url=httpx.URL(bot.url), payload={"msgtype": "text", "text": {"content": body}})
