"""Pure: the TwiML documents alertdesk answers Twilio with (a page call, a spoken reply, an SMS reply).

Built with `xml.etree`, never by string formatting: an incident title is text from a monitored
device or a vendor's trap, and a title like `</Say><Dial>+1900…</Dial>` must be read out, not
obeyed. Characters XML cannot carry at all (NUL, most control characters) are dropped, because
one of them makes Twilio reject the whole document and the on-call engineer hears an error
message instead of the page.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
# Everything outside XML 1.0's Char production (and lone surrogates, which cannot be encoded).
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Twilio <Say> language and an Amazon Polly voice that speaks it.
_SPEECH = {"zh-CN": ("zh-CN", "Polly.Zhiyu"), "en": ("en-US", "Polly.Joanna")}
GATHER_TIMEOUT_SECONDS = 8


def _text(value: str) -> str:
    """`value` with the characters XML cannot hold removed."""
    return _NOT_XML.sub("", value)


def _speech(language: str) -> tuple[str, str]:
    """The Twilio language and voice for a person's language; anything not Chinese is English."""
    return _SPEECH["zh-CN"] if language.split("-")[0].lower() == "zh" else _SPEECH["en"]


def _say(parent: ET.Element, text: str, language: str) -> None:
    """Append `<Say language=… voice=…>text</Say>`."""
    twilio_language, voice = _speech(language)
    ET.SubElement(parent, "Say", {"language": twilio_language, "voice": voice}).text = _text(text)


def _document(response: ET.Element) -> str:
    """Serialise a `<Response>` with its XML declaration."""
    return _XML_DECLARATION + ET.tostring(response, encoding="unicode")


def gather_twiml(
    text: str, language: str, action_url: str, repeat: int = 2, *, goodbye: str = ""
) -> str:
    """A page call: say `text` `repeat` times while listening for one key, then say `goodbye`.

    Twilio POSTs the key to `action_url`; if none is pressed it falls through to the goodbye
    (pass the rendered `voice_no_input` template) and hangs up.

    Raises:
        ValueError: if `action_url` is not an absolute http(s) URL or `repeat` is below 1.
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    parts = urlsplit(action_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"gather action URL {action_url!r} must be an absolute http(s) URL")
    response = ET.Element("Response")
    gather = ET.SubElement(
        response,
        "Gather",
        {
            "numDigits": "1",
            "action": _text(action_url),
            "method": "POST",
            "timeout": str(GATHER_TIMEOUT_SECONDS),
        },
    )
    for _ in range(repeat):
        _say(gather, text, language)
    if goodbye:
        _say(response, goodbye, language)
    return _document(response)


def say_twiml(text: str, language: str) -> str:
    """Say `text` and hang up (the answer to a keypress: acknowledged, escalated)."""
    response = ET.Element("Response")
    _say(response, text, language)
    return _document(response)


def message_twiml(text: str) -> str:
    """Answer an inbound SMS with one SMS: `<Response><Message>text</Message></Response>`."""
    response = ET.Element("Response")
    ET.SubElement(response, "Message").text = _text(text)
    return _document(response)


def empty_twiml() -> str:
    """Do nothing (an inbound SMS that needs no answer, a status callback)."""
    return _document(ET.Element("Response"))
