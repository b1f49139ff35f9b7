"""Pure: read the TwiML alertdesk's webhooks answer with, the way a phone (or a handset) would experience it.

Only the verbs alertdesk uses are understood: `<Say>`, `<Gather>` (with nested `<Say>`), and
`<Message>` for SMS replies. Other verbs are skipped rather than rejected; a document that is not
`<Response>` XML is an error, as on Twilio, where the callee hears "an application error has
occurred".
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

MAX_TWIML_BYTES = 64 * 1024


class TwimlError(ValueError):
    """The webhook's answer is not TwiML a phone could play."""


@dataclass(frozen=True)
class Speech:
    """One `<Say>`: the words, and the language they were read in (None: Twilio's default, en-US)."""

    text: str
    language: str | None = None


@dataclass(frozen=True)
class Gather:
    """A `<Gather>`: where the pressed digits go. `action` None means back to the document's own URL."""

    action: str | None
    method: str
    num_digits: int | None


@dataclass(frozen=True)
class VoiceDocument:
    """What a call plays: the `<Say>`s up to and inside the first `<Gather>`, that gather, and what follows it.

    `after_gather` is heard only when nothing is pressed: a keypress sends the call to the
    gather's action instead, as on Twilio.
    """

    speech: tuple[Speech, ...]
    gather: Gather | None
    after_gather: tuple[Speech, ...] = ()


def _root(text: str) -> ET.Element:
    """Parse `text` and return its `<Response>` root, or raise saying what is wrong."""
    if len(text.encode("utf-8")) > MAX_TWIML_BYTES:
        raise TwimlError(f"TwiML is larger than {MAX_TWIML_BYTES} bytes")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise TwimlError(f"TwiML is not well-formed XML: {exc}; got {text[:80]!r}") from None
    if root.tag != "Response":
        raise TwimlError(f"TwiML root element is <{root.tag}>, expected <Response>")
    return root


def _speech(element: ET.Element) -> Speech:
    """The words of a `<Say>`, SSML children included, with whitespace collapsed."""
    return Speech(" ".join("".join(element.itertext()).split()), element.get("language"))


def read_voice(text: str) -> VoiceDocument:
    """Read a voice webhook's TwiML.

    Raises:
        TwimlError: if `text` is not well-formed `<Response>` XML or a `<Gather>` attribute is invalid.
    """
    root = _root(text)
    before: list[Speech] = []
    after: list[Speech] = []
    gather = None
    for element in root:
        if element.tag == "Gather" and gather is None:
            before.extend(_speech(say) for say in element.iter("Say"))
            gather = _gather(element)
        elif element.tag == "Say":
            (before if gather is None else after).append(_speech(element))
    return VoiceDocument(speech=tuple(before), gather=gather, after_gather=tuple(after))


def _gather(element: ET.Element) -> Gather:
    """A `<Gather>`'s attributes, checked."""
    num_digits = element.get("numDigits")
    if num_digits is not None and not num_digits.isdigit():
        raise TwimlError(f"<Gather numDigits> must be a positive integer, got {num_digits!r}")
    method = element.get("method", "POST").upper()
    if method not in ("GET", "POST"):
        raise TwimlError(f"<Gather method> must be GET or POST, got {method!r}")
    return Gather(element.get("action"), method, int(num_digits) if num_digits else None)


def read_messages(text: str) -> tuple[str, ...]:
    """The SMS replies in a messaging webhook's TwiML: each `<Message>`'s text (or its `<Body>`).

    An empty answer is no reply, as on Twilio.

    Raises:
        TwimlError: if `text` is not empty and not well-formed `<Response>` XML.
    """
    if not text.strip():
        return ()
    replies = []
    for message in _root(text).iter("Message"):
        body = message.find("Body")
        words = "".join((body if body is not None else message).itertext())
        replies.append(words.strip())
    return tuple(replies)
