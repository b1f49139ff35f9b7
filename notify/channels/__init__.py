"""Channels: the ways a page reaches a person — console, Twilio SMS and voice, chat group bots (DingTalk, WeCom, Feishu)."""
