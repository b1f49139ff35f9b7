"""The Twilio fake over real HTTP: the official client against it, signed callbacks to a stand-in alertdesk.

Background scripts are awaited with `fake.settle()`, never with sleeps.
"""
from __future__ import annotations

import io
import re
from typing import AsyncIterator

import aiohttp
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from notify.channels.twilio_client import TwilioConfig, twilio_client
from notify.twilio_fake import FakeSettings, TwilioFake
from notify.twilio_fake.state import (
    Behaviour,
    CallOutcome,
    FakeState,
    Ledger,
    SmsOutcome,
    parse_behaviour,
    segment_count,
)
from notify.twilio_fake.twiml_reader import Gather, Speech, TwimlError, VoiceDocument, read_messages, read_voice
from tests.notify.twilio_webhooks import Webhooks

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "fake-auth-token"
ALERTDESK_NUMBER = "+15005550006"
PHONE = "+8613800000001"


@pytest.fixture
async def webhooks() -> AsyncIterator[Webhooks]:
    hooks = Webhooks(AUTH_TOKEN)
    await hooks.start()
    yield hooks
    await hooks.stop()


@pytest.fixture
def log() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
async def fake(webhooks: Webhooks, log: io.StringIO) -> AsyncIterator[TwilioFake]:
    settings = FakeSettings(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        phone_number=ALERTDESK_NUMBER,
        sms_webhook=f"{webhooks.url}/twilio/sms",
        callback_backoff_s=0.01,
    )
    async with TwilioFake(settings, log=log) as running:
        yield running


def config_for(fake: TwilioFake, webhooks: Webhooks, *, auth_token: str = AUTH_TOKEN) -> TwilioConfig:
    return TwilioConfig(
        account_sid=ACCOUNT_SID,
        auth_token=auth_token,
        from_number=ALERTDESK_NUMBER,
        webhook_base_url=webhooks.url,
        api_base_url=fake.url,
    )


@pytest.fixture
async def client(fake: TwilioFake, webhooks: Webhooks) -> AsyncIterator[Client]:
    twilio = twilio_client(config_for(fake, webhooks), timeout_s=5.0)
    yield twilio
    await twilio.http_client.close()


@pytest.fixture
async def control(fake: TwilioFake) -> AsyncIterator[aiohttp.ClientSession]:
    """A session on the fake's base URL, for the `/_fake` control API."""
    async with aiohttp.ClientSession(fake.url, timeout=aiohttp.ClientTimeout(total=10)) as session:
        yield session


async def script(control: aiohttp.ClientSession, **behaviour: object) -> None:
    async with control.post("/_fake/behaviour", json=behaviour) as response:
        assert response.status == 200, await response.text()


async def fake_json(control: aiohttp.ClientSession, path: str) -> dict:
    async with control.get(path) as response:
        assert response.status == 200
        return await response.json()


async def send_sms(client: Client, webhooks: Webhooks, to: str = PHONE, message_id: int = 7):
    return await client.messages.create_async(
        to=to,
        from_=ALERTDESK_NUMBER,
        body="CRITICAL UPS-1 on battery",
        status_callback=f"{webhooks.url}/twilio/status/{message_id}",
    )


async def place_call(client: Client, webhooks: Webhooks, to: str = PHONE, message_id: int = 8):
    return await client.calls.create_async(
        to=to,
        from_=ALERTDESK_NUMBER,
        url=f"{webhooks.url}/twilio/voice/{message_id}",
        method="POST",
        status_callback=f"{webhooks.url}/twilio/status/{message_id}",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
    )


# --- SMS -------------------------------------------------------------------------------------------


async def test_sms_is_accepted_then_reported_sent_and_delivered_with_valid_signatures(
    fake, client, webhooks, control, log
):
    message = await send_sms(client, webhooks)

    assert re.fullmatch(r"SM[0-9a-f]{32}", message.sid)
    assert (message.status, message.to, message.from_, message.num_segments) == ("queued", PHONE, ALERTDESK_NUMBER, "1")
    assert message.direction == "outbound-api" and message.date_created is not None
    await fake.settle()

    callbacks = webhooks.on("/twilio/status/7")
    assert [item.params["MessageStatus"] for item in callbacks] == ["sent", "delivered"]
    assert all(item.signed for item in callbacks)
    assert callbacks[0].params.items() >= {
        "MessageSid": message.sid,
        "AccountSid": ACCOUNT_SID,
        "From": ALERTDESK_NUMBER,
        "To": PHONE,
    }.items()
    fetched = await client.messages(message.sid).fetch_async()
    assert fetched.status == "delivered"
    (record,) = (await fake_json(control, "/_fake/messages"))["messages"]
    assert [step["status"] for step in record["history"]] == ["queued", "sent", "delivered"]
    assert [(c["http_status"], c["tries"]) for c in record["callbacks"]] == [(204, 1), (204, 1)]
    assert log.getvalue() == f"[twilio-fake] SMS to {PHONE}: CRITICAL UPS-1 on battery\n"


@pytest.mark.parametrize(
    ("outcome", "statuses", "error_code"),
    [("undelivered", ["sent", "undelivered"], "30003"), ("failed", ["failed"], "30008")],
)
async def test_scripted_sms_failures_report_twilio_error_codes(
    fake, client, webhooks, control, outcome, statuses, error_code
):
    await script(control, number=PHONE, sms=outcome)

    message = await send_sms(client, webhooks)
    await fake.settle()

    callbacks = webhooks.on("/twilio/status/7")
    assert [item.params["MessageStatus"] for item in callbacks] == statuses
    assert callbacks[-1].params["ErrorCode"] == error_code
    assert (await client.messages(message.sid).fetch_async()).error_code == int(error_code)


async def test_invalid_number_is_refused_with_21211(client, webhooks):
    with pytest.raises(TwilioRestException) as refused:
        await send_sms(client, webhooks, to="13800000001")

    assert (refused.value.status, refused.value.code) == (400, 21211)


async def test_wrong_auth_token_is_refused_with_401(fake, webhooks):
    intruder = twilio_client(config_for(fake, webhooks, auth_token="wrong"), timeout_s=5.0)
    try:
        with pytest.raises(TwilioRestException) as refused:
            await send_sms(intruder, webhooks)
    finally:
        await intruder.http_client.close()

    assert (refused.value.status, refused.value.code) == (401, 20003)


async def test_scripted_api_errors_answer_503_then_recover(fake, client, webhooks, control):
    await script(control, number="*", api_errors=2)

    for _ in range(2):
        with pytest.raises(TwilioRestException) as refused:
            await send_sms(client, webhooks)
        assert refused.value.status == 503
    message = await send_sms(client, webhooks)

    assert message.status == "queued"


async def test_unknown_sid_is_404(client):
    with pytest.raises(TwilioRestException) as missing:
        await client.messages("SM" + "0" * 32).fetch_async()

    assert (missing.value.status, missing.value.code) == (404, 20404)


# --- Calls -----------------------------------------------------------------------------------------


async def test_answered_call_reads_twiml_presses_digits_and_reports_progress(fake, client, webhooks, control, log):
    await script(control, number=PHONE, press="1")

    call = await place_call(client, webhooks)
    await fake.settle()

    assert re.fullmatch(r"CA[0-9a-f]{32}", call.sid) and call.status == "queued"
    assert all(item.signed for item in webhooks.received)
    statuses = [item.params["CallStatus"] for item in webhooks.on("/twilio/status/8")]
    assert statuses == ["initiated", "ringing", "in-progress", "completed"]
    (voice,) = webhooks.on("/twilio/voice/8")
    assert voice.params["CallSid"] == call.sid and voice.params["CallStatus"] == "in-progress"
    (gather,) = webhooks.on("/twilio/gather/8")
    assert gather.params["Digits"] == "1"
    assert webhooks.on("/twilio/status/8")[-1].params["CallDuration"] == "1"

    (record,) = (await fake_json(control, "/_fake/calls"))["calls"]
    assert record["speech"] == [
        {"text": "机房告警 incident 12", "language": "zh-CN"},
        {"text": "Press 1 to acknowledge.", "language": None},
    ]
    assert record["digits"] == "1"
    assert record["replies"] == [{"text": "Acknowledged. Thank you.", "language": None}]
    assert record["error"] is None
    assert (await client.calls(call.sid).fetch_async()).status == "completed"
    assert log.getvalue() == (
        f'[twilio-fake] CALL to {PHONE}: said "机房告警 incident 12 Press 1 to acknowledge."; pressed 1; '
        'heard back "Acknowledged. Thank you."\n'
    )


async def test_call_with_method_get_fetches_twiml_signed_over_the_query_string(fake, client, webhooks):
    call = await client.calls.create_async(
        to=PHONE, from_=ALERTDESK_NUMBER, url=f"{webhooks.url}/twilio/voice/8?lang=zh", method="GET"
    )
    await fake.settle()

    (voice,) = webhooks.on("/twilio/voice/8")
    assert voice.signed
    assert (voice.params["lang"], voice.params["CallSid"]) == ("zh", call.sid)


async def test_answered_call_without_scripted_keypress_plays_on_past_the_gather(fake, client, webhooks, control):
    await place_call(client, webhooks)
    await fake.settle()

    assert len(webhooks.on("/twilio/voice/8")) == 1
    assert webhooks.on("/twilio/gather/") == []
    (record,) = (await fake_json(control, "/_fake/calls"))["calls"]
    heard = [item["text"] for item in record["speech"]]
    assert heard == ["机房告警 incident 12", "Press 1 to acknowledge.", "Goodbye."]
    assert record["digits"] is None


@pytest.mark.parametrize("outcome", ["busy", "no-answer", "failed"])
async def test_unanswered_call_fetches_no_twiml_and_reports_the_outcome(fake, client, webhooks, control, outcome):
    await script(control, number=PHONE, call=outcome, press="1")

    await place_call(client, webhooks)
    await fake.settle()

    assert webhooks.on("/twilio/voice/") == []
    assert webhooks.on("/twilio/status/8")[-1].params["CallStatus"] == outcome


async def test_bad_twiml_is_recorded_as_the_calls_error(fake, client, webhooks, control):
    webhooks.voice_twiml = "<Speak>not twiml</Speak>"

    await place_call(client, webhooks)
    await fake.settle()

    (record,) = (await fake_json(control, "/_fake/calls"))["calls"]
    assert "expected <Response>" in record["error"]
    assert record["status"] == "completed"


# --- Callback delivery -----------------------------------------------------------------------------


async def test_callbacks_are_retried_on_5xx_and_each_status_recorded(fake, client, webhooks, control):
    webhooks.fail["/twilio/status/7"] = [500, 503]

    await send_sms(client, webhooks)
    await fake.settle()

    (record,) = (await fake_json(control, "/_fake/messages"))["messages"]
    assert [(c["http_status"], c["tries"], c["error"]) for c in record["callbacks"]] == [(204, 3, None), (204, 1, None)]


async def test_callbacks_stop_after_three_tries_when_alertdesk_is_down(fake, client, webhooks, control):
    await webhooks.stop()

    await send_sms(client, webhooks)
    await fake.settle()

    (record,) = (await fake_json(control, "/_fake/messages"))["messages"]
    first = record["callbacks"][0]
    assert (first["http_status"], first["tries"]) == (None, 3)
    assert "ClientConnectorError" in first["error"]


async def test_a_4xx_is_not_retried_and_a_wrong_signing_token_is_refused(webhooks, log):
    settings = FakeSettings(account_sid=ACCOUNT_SID, auth_token="another-token", callback_backoff_s=0.01)
    async with TwilioFake(settings, log=log) as fake:
        client = twilio_client(config_for(fake, webhooks, auth_token="another-token"), timeout_s=5.0)
        try:
            await send_sms(client, webhooks)
            await fake.settle()
        finally:
            await client.http_client.close()
        (record,) = list(fake.state.messages)

    assert [item.signed for item in webhooks.received] == [False, False]
    assert [(c.http_status, c.tries) for c in record.callbacks] == [(403, 1), (403, 1)]


# --- Inbound SMS and control API -------------------------------------------------------------------


async def test_inbound_sms_reaches_the_webhook_signed_and_returns_its_reply(fake, webhooks, control, log):
    async with control.post("/_fake/inbound", json={"from": PHONE, "body": "ACK 12"}) as response:
        answer = await response.json()

    assert response.status == 200
    assert (answer["webhook_status"], answer["replies"], answer["error"]) == (200, ["Incident 12 acknowledged"], None)
    (received,) = webhooks.on("/twilio/sms")
    assert received.signed
    assert received.params.items() >= {
        "From": PHONE,
        "To": ALERTDESK_NUMBER,
        "Body": "ACK 12",
        "AccountSid": ACCOUNT_SID,
        "MessageSid": answer["sid"],
    }.items()
    (record,) = (await fake_json(control, "/_fake/messages"))["messages"]
    assert (record["direction"], record["sid"]) == ("inbound", answer["sid"])
    assert log.getvalue() == f'[twilio-fake] SMS from {PHONE}: ACK 12 -> replied "Incident 12 acknowledged"\n'


async def test_inbound_sms_without_a_configured_webhook_is_409(log):
    async with TwilioFake(FakeSettings(account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN), log=log) as fake:
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{fake.url}/_fake/inbound", json={"from": PHONE, "body": "ACK"}) as response:
                assert response.status == 409
                assert "--sms-webhook" in (await response.json())["error"]


@pytest.mark.parametrize(
    ("payload", "complaint"),
    [
        ({"number": PHONE, "colour": "red"}, "unknown behaviour keys ['colour']"),
        ({"number": "138"}, "'number' must be an E.164 number"),
        ({"number": PHONE, "sms": "lost"}, "'sms' must be one of"),
        ({"number": PHONE, "press": "1a"}, "'press' must be"),
        ({"number": PHONE, "api_errors": -1}, "'api_errors' must be"),
    ],
)
async def test_bad_behaviour_is_a_400_naming_the_key(control, payload, complaint):
    async with control.post("/_fake/behaviour", json=payload) as response:
        assert response.status == 400
        assert complaint in (await response.json())["error"]


async def test_reset_forgets_records_and_scripts(fake, client, webhooks, control):
    await script(control, number=PHONE, sms="failed")
    await send_sms(client, webhooks)
    await fake.settle()

    async with control.post("/_fake/reset") as response:
        assert response.status == 200
    await send_sms(client, webhooks, message_id=9)
    await fake.settle()

    (record,) = (await fake_json(control, "/_fake/messages"))["messages"]
    assert record["status"] == "delivered"


async def test_listing_filters_by_destination(fake, client, webhooks, control):
    await send_sms(client, webhooks, to=PHONE)
    await send_sms(client, webhooks, to="+8613900000002")
    await fake.settle()

    listed = (await fake_json(control, f"/_fake/messages?to={PHONE.replace('+', '%2B')}"))["messages"]
    assert [record["to"] for record in listed] == [PHONE]


# --- Pure parts ------------------------------------------------------------------------------------


def test_ledger_keeps_only_the_newest_records():
    ledger: Ledger[int] = Ledger(limit=3)
    for number in range(5):
        ledger.add(f"SM{number}", number)

    assert list(ledger) == [2, 3, 4] and ledger.get("SM0") is None


def test_api_error_budget_is_per_number_with_wildcard_fallback():
    state = FakeState()
    state.set_behaviour("*", Behaviour(api_errors=1))
    state.set_behaviour(PHONE, Behaviour(api_errors=2, sms=SmsOutcome.FAILED))

    assert [state.take_api_error(PHONE) for _ in range(3)] == [True, True, False]
    assert [state.take_api_error("+8613900000002") for _ in range(2)] == [True, False]
    assert state.behaviour_for("+8613900000002").call is CallOutcome.COMPLETED


def test_parse_behaviour_reads_every_field():
    number, behaviour = parse_behaviour(
        {"number": PHONE, "sms": "undelivered", "call": "no-answer", "press": "4", "api_errors": 1, "api_delay_s": 2}
    )

    assert number == PHONE
    assert behaviour == Behaviour(
        sms=SmsOutcome.UNDELIVERED, call=CallOutcome.NO_ANSWER, press="4", api_errors=1, api_delay_s=2.0
    )


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("{" * 80, 1),  # extension characters take two septets
        ("{" * 81, 2),
        ("机" * 70, 1),  # UCS-2
        ("机" * 71, 2),
        ("机" * 135, 3),
    ],
)
def test_segment_count(body, segments):
    assert segment_count(body) == segments


def test_read_voice_splits_speech_at_the_first_gather():
    document = read_voice(
        '<Response><Say language="en-GB">Incident <emphasis>12</emphasis></Say>'
        '<Gather action="ack" method="get" numDigits="1"><Say>Press 1</Say></Gather>'
        "<Say>Goodbye</Say><Hangup/></Response>"
    )

    assert document.speech == (Speech("Incident 12", "en-GB"), Speech("Press 1"))
    assert document.gather == Gather("ack", "GET", 1)
    assert document.after_gather == (Speech("Goodbye"),)


def test_read_voice_without_gather_is_all_speech():
    document = read_voice("<Response><Say>one</Say><Pause/><Say>two</Say></Response>")

    assert document == VoiceDocument(speech=(Speech("one"), Speech("two")), gather=None)


@pytest.mark.parametrize(
    ("twiml", "complaint"),
    [
        ("<Response><Say>", "not well-formed"),
        ("<Speak/>", "expected <Response>"),
        ('<Response><Gather numDigits="x"/></Response>', "numDigits"),
    ],
)
def test_read_voice_rejects_what_twilio_could_not_play(twiml, complaint):
    with pytest.raises(TwimlError, match=complaint):
        read_voice(twiml)


def test_read_messages_reads_message_text_and_body_elements():
    assert read_messages("<Response><Message>one</Message><Message><Body>two</Body></Message></Response>") == (
        "one",
        "two",
    )
    assert read_messages("") == ()
