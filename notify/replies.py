"""Pure: what an inbound SMS asks for — acknowledge, resolve or escalate an incident, or help.

People answer pages half awake, on Chinese phone keyboards that produce full-width letters,
digits and spaces (`ＡＣＫ　１２`), so the body is NFKC-normalised first and case is ignored.
Accepted, with or without a `#` before the number and with or without the space:

* `ACK 12`, `A 12`, `确认 12`; `RES 12`, `RESOLVE 12`, `R 12`, `解决 12`; `ESC 12`,
  `ESCALATE 12`, `E 12`, `升级 12`.
* The same words alone (`ACK`, `确认`): the most recent page sent to that phone.
* A page's short code (GoAlert style): the number printed in the page plus a=ack, r=resolve,
  e=escalate (`1a`, `1r`); the number is the phone's, not the incident's.
* `HELP`, `?`, `帮助`.

Anything else is UNKNOWN, and the caller answers with usage rather than guessing: acting on the
wrong incident at 3 a.m. is worse than asking again.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class ReplyAction(StrEnum):
    """What an inbound SMS asks for."""

    ACK = "ack"
    RESOLVE = "resolve"
    ESCALATE = "escalate"
    HELP = "help"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Reply:
    """A parsed SMS: the action, and which incident — by id, by short code, or neither (latest page)."""

    action: ReplyAction
    incident_id: int | None = None
    code: str | None = None


_WORDS = {
    "ack": ReplyAction.ACK,
    "acknowledge": ReplyAction.ACK,
    "a": ReplyAction.ACK,
    "确认": ReplyAction.ACK,
    "res": ReplyAction.RESOLVE,
    "resolve": ReplyAction.RESOLVE,
    "r": ReplyAction.RESOLVE,
    "解决": ReplyAction.RESOLVE,
    "esc": ReplyAction.ESCALATE,
    "escalate": ReplyAction.ESCALATE,
    "e": ReplyAction.ESCALATE,
    "升级": ReplyAction.ESCALATE,
}
_CODE_LETTERS = {"a": ReplyAction.ACK, "r": ReplyAction.RESOLVE, "e": ReplyAction.ESCALATE}
_HELP = frozenset({"help", "?", "帮助"})

# ASCII digits only (after NFKC): `\d` would also take Arabic-Indic or Devanagari digits.
_COMMAND = re.compile(r"(?P<word>[a-z]+|确认|解决|升级)\s*(?:#?\s*(?P<number>[0-9]+))?")
_SHORT_CODE = re.compile(r"(?P<number>[0-9]+)\s*(?P<letter>[are])")
# Punctuation a phone keyboard or a polite person adds at the end: "ACK 12." "确认。"
_TRAILING = ".,!;:。，！；：~"
_MAX_DIGITS = 18  # fits a signed 64-bit id; a longer number is not one of ours


def parse_reply(body: str) -> Reply:
    """Parse an inbound SMS body into a `Reply`; never raises, anything unrecognised is UNKNOWN."""
    text = unicodedata.normalize("NFKC", body).strip().casefold().rstrip(_TRAILING).strip()
    if text in _HELP:
        return Reply(ReplyAction.HELP)
    if match := _SHORT_CODE.fullmatch(text):
        number = match["number"]
        if len(number) <= _MAX_DIGITS:
            return Reply(_CODE_LETTERS[match["letter"]], code=str(int(number)))
    elif (match := _COMMAND.fullmatch(text)) and match["word"] in _WORDS:
        number = match["number"]
        if number is None:
            return Reply(_WORDS[match["word"]])
        if len(number) <= _MAX_DIGITS:
            return Reply(_WORDS[match["word"]], incident_id=int(number))
    return Reply(ReplyAction.UNKNOWN)
