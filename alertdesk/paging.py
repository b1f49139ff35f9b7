"""I/O: composition of paging — the directory, the channels (console, Twilio SMS and voice, chat bots),
the pager agent, the timer loop and Twilio's webhooks — from the settings.

With no Twilio account and no paging file (the embedded default), SMS and calls go to the
bundled Twilio fake, started on the worker's loop, so `alertdesk up` shows a page texted, called
and acknowledged end to end without an account; its lines start with `[twilio-fake]`. With a
paging file but no account, SMS and voice are not configured at all: those pages are recorded
as not sent (unknown channel) and `alertdesk oncall check` says so — never a silent fake.
"""
from __future__ import annotations

import secrets
import socket
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Mapping

import faust
import httpx
from fastapi import APIRouter
from sqlalchemy.orm import sessionmaker

from alertdesk.paging_directory import paging_directory, public_url, uses_twilio_fake
from alertdesk.settings import Settings
from incidents.action_service import IncidentActions
from notify.channels.base import Channel
from notify.channels.chat_common import ChatBotChannel, ChatKind, parse_chat_bots
from notify.channels.console import ConsoleChannel
from notify.channels.dingtalk import DingTalkChannel
from notify.channels.feishu import FeishuChannel
from notify.channels.twilio_client import TwilioConfig
from notify.channels.twilio_sms import TwilioSmsChannel
from notify.channels.twilio_voice import TwilioVoiceChannel
from notify.channels.wecom import WeComChannel
from notify.dispatcher import Dispatcher, DispatchPolicy
from notify.message_text import MessageText
from notify.notices import Notices
from notify.pager_agent import register_pager
from notify.paging import Paging
from notify.timers import TimerLoop
from notify.twilio_fake.server import TwilioFake
from notify.twilio_fake.settings import FakeSettings
from notify.twilio_webhooks import TwilioWebhookConfig, twilio_router
from streams.app import StreamTopics
from streams.clock import Clock


@dataclass(frozen=True)
class PagingParts:
    """What the rest of the worker needs from paging: the HTTP routers to serve."""

    routers: tuple[APIRouter, ...]


def _twilio(settings: Settings, app: faust.App) -> TwilioConfig | None:
    """The Twilio account to use: the configured one, the bundled fake for the demo, or none."""
    if settings.twilio_account_sid:
        return TwilioConfig(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            from_number=settings.twilio_from_number,
            webhook_base_url=public_url(settings),
            api_base_url=settings.twilio_api_base_url,
        )
    if not uses_twilio_fake(settings):
        return None
    fake_settings = FakeSettings(
        account_sid="AC" + secrets.token_hex(16),
        auth_token=secrets.token_hex(16),
        sms_webhook=f"{public_url(settings)}/twilio/sms",
    )
    port = _free_port(settings.http_host)
    fake = TwilioFake(fake_settings)

    @app.task
    async def run_twilio_fake() -> None:
        await fake.start(host=settings.http_host, port=port)

    return TwilioConfig(
        account_sid=fake_settings.account_sid,
        auth_token=fake_settings.auth_token,
        from_number=fake_settings.phone_number,
        webhook_base_url=public_url(settings),
        api_base_url=f"http://{settings.http_host}:{port}",
    )


def _free_port(host: str) -> int:
    """A port nothing listens on now, so the channels can be built before the fake starts on it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def _channels(settings: Settings, twilio: TwilioConfig | None) -> Mapping[str, Channel]:
    """Every channel this worker can send through."""
    channels: dict[str, Channel] = {"console": ConsoleChannel(stream=sys.stdout)}
    if twilio is not None:
        channels["sms"] = TwilioSmsChannel(twilio, timeout_s=settings.page_send_timeout_s)
        channels["voice"] = TwilioVoiceChannel(twilio, timeout_s=settings.page_send_timeout_s)
    if settings.chat_bots:
        bots = parse_chat_bots(settings.chat_bots)
        for kind in ChatKind:
            channels[str(kind)] = _CHAT_CHANNELS[kind](bots, client=httpx.AsyncClient(timeout=settings.page_send_timeout_s))
    return channels


_CHAT_CHANNELS: Mapping[ChatKind, type[ChatBotChannel]] = {
    ChatKind.DINGTALK: DingTalkChannel,
    ChatKind.WECOM: WeComChannel,
    ChatKind.FEISHU: FeishuChannel,
}


def register_paging(
    app: faust.App,
    topics: StreamTopics,
    sessions: sessionmaker,
    clock: Clock,
    settings: Settings,
    actions: IncidentActions,
) -> PagingParts:
    """Add the pager agent and timer loop to `app`; return the routers to serve (Twilio's webhooks)."""
    directory = paging_directory(settings)
    text = MessageText(link_base=public_url(settings))
    paging = Paging(sessions, directory, text)
    twilio = _twilio(settings, app)
    channels = _channels(settings, twilio)
    grace = timedelta(seconds=settings.handoff_grace_s)
    dispatcher = Dispatcher(
        sessions,
        channels,
        DispatchPolicy(send_timeout_s=settings.page_send_timeout_s, rate_limits=directory.rate_limits, handoff_grace=grace),
        text,
    )
    notices = Notices(
        sessions,
        directory,
        text,
        handoff_grace=grace,
        remind_before_expiry=timedelta(seconds=settings.silence_remind_before_expiry_s),
        remind_open_after=timedelta(seconds=settings.silence_remind_open_after_s),
    )
    timers = TimerLoop(paging, dispatcher, clock, interval_s=settings.paging_tick_s, notices=notices)
    register_pager(app, topics, paging, timers, clock)

    @app.on_before_shutdown.connect
    async def close_channels(sender: faust.App, **kwargs: object) -> None:
        await dispatcher.aclose()
    routers: tuple[APIRouter, ...] = ()
    if twilio is not None:
        webhook = TwilioWebhookConfig(auth_token=twilio.auth_token, webhook_base_url=twilio.webhook_base_url)
        routers = (twilio_router(webhook, sessions=sessions, actions=actions, paging=paging, wake=timers.wake, clock=clock),)
    return PagingParts(routers=routers)
