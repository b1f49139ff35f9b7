"""TwiML: well-formed documents Twilio (and our fake) can read back, with hostile text kept as text."""
from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from notify.twilio_fake.twiml_reader import read_voice
from notify.twiml import empty_twiml, gather_twiml, message_twiml, say_twiml

ACTION = "https://alertdesk.example/twilio/voice/gather?message=42"
HOSTILE = 'UPS </Say><Dial>+19005550100</Dial><Say> & "quotes" \x00\x1b'


def parse(document: str) -> ET.Element:
    assert document.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(document)


def test_gather_says_the_text_twice_then_goodbye():
    root = parse(gather_twiml("事件 12，优先级 P1", "zh-CN", ACTION, goodbye="未收到按键，再见。"))

    assert root.tag == "Response"
    gather = root.find("Gather")
    assert gather.attrib == {"numDigits": "1", "action": ACTION, "method": "POST", "timeout": "8"}
    says = gather.findall("Say")
    assert [say.text for say in says] == ["事件 12，优先级 P1"] * 2
    assert {(say.get("language"), say.get("voice")) for say in says} == {("zh-CN", "Polly.Zhiyu")}
    assert [child.tag for child in root] == ["Gather", "Say"]
    assert root.find("Say").text == "未收到按键，再见。"


def test_gather_without_goodbye_and_repeat_once():
    root = parse(gather_twiml("Incident 12", "en", ACTION, repeat=1))

    assert [child.tag for child in root] == ["Gather"]
    (say,) = root.find("Gather").findall("Say")
    assert (say.get("language"), say.get("voice")) == ("en-US", "Polly.Joanna")


@pytest.mark.parametrize(("language", "twilio"), [("zh-CN", "zh-CN"), ("zh", "zh-CN"), ("en", "en-US"), ("fr", "en-US")])
def test_language_mapping(language, twilio):
    assert parse(say_twiml("hi", language)).find("Say").get("language") == twilio


def test_the_twilio_fake_reads_our_gather_like_a_phone():
    document = read_voice(gather_twiml("事件 12", "zh-CN", ACTION, goodbye="再见"))

    assert [speech.text for speech in document.speech] == ["事件 12", "事件 12"]
    assert [speech.text for speech in document.after_gather] == ["再见"]
    assert (document.gather.action, document.gather.method, document.gather.num_digits) == (ACTION, "POST", 1)


def test_hostile_title_is_escaped_and_control_characters_dropped():
    for document in (gather_twiml(HOSTILE, "en", ACTION), say_twiml(HOSTILE, "en"), message_twiml(HOSTILE)):
        root = parse(document)
        assert root.find(".//Dial") is None
        texts = [element.text for element in root.iter() if element.text]
        assert 'UPS </Say><Dial>+19005550100</Dial><Say> & "quotes" ' in texts


def test_hostile_action_url_stays_an_attribute():
    url = 'https://x.example/g?a="><Dial>1</Dial>'
    root = parse(gather_twiml("hi", "en", url))

    assert root.find("Gather").get("action") == url and root.find(".//Dial") is None


def test_lone_surrogate_is_dropped_rather_than_breaking_the_document():
    assert parse(message_twiml("ok \ud800 ok")).find("Message").text == "ok  ok"


def test_message_and_empty():
    assert parse(message_twiml("已确认 #12")).find("Message").text == "已确认 #12"
    root = parse(empty_twiml())
    assert root.tag == "Response" and len(root) == 0


@pytest.mark.parametrize("url", ["/relative/path", "ftp://x.example/g", "javascript:alert(1)", ""])
def test_action_must_be_an_absolute_http_url(url):
    with pytest.raises(ValueError, match="must be an absolute http"):
        gather_twiml("hi", "en", url)


def test_repeat_must_be_positive():
    with pytest.raises(ValueError, match="repeat must be at least 1"):
        gather_twiml("hi", "en", ACTION, repeat=0)
