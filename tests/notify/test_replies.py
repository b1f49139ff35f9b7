"""Inbound SMS replies: every accepted spelling, full-width input, short codes, and never an exception."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notify.replies import Reply, ReplyAction, parse_reply

ACK, RESOLVE, ESCALATE = ReplyAction.ACK, ReplyAction.RESOLVE, ReplyAction.ESCALATE


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("ACK 123", Reply(ACK, 123)),
        ("ack #123", Reply(ACK, 123)),
        ("Ack#123", Reply(ACK, 123)),
        ("A 123", Reply(ACK, 123)),
        ("ack123", Reply(ACK, 123)),
        ("acknowledge 7", Reply(ACK, 7)),
        ("  ACK 12.  ", Reply(ACK, 12)),
        ("RES 123", Reply(RESOLVE, 123)),
        ("resolve 123", Reply(RESOLVE, 123)),
        ("R 123", Reply(RESOLVE, 123)),
        ("ESC 123", Reply(ESCALATE, 123)),
        ("escalate #9", Reply(ESCALATE, 9)),
        ("E 9", Reply(ESCALATE, 9)),
        ("确认 123", Reply(ACK, 123)),
        ("确认123", Reply(ACK, 123)),
        ("解决 123", Reply(RESOLVE, 123)),
        ("升级 123", Reply(ESCALATE, 123)),
        ("ＡＣＫ　１２３", Reply(ACK, 123)),  # full-width letters, space and digits
        ("确认　＃１２", Reply(ACK, 12)),
        ("确认。", Reply(ACK)),
        ("ACK", Reply(ACK)),
        ("res", Reply(RESOLVE)),
        ("升级", Reply(ESCALATE)),
        ("1a", Reply(ACK, code="1")),
        ("1A", Reply(ACK, code="1")),
        ("12r", Reply(RESOLVE, code="12")),
        ("3 e", Reply(ESCALATE, code="3")),
        ("０１ａ", Reply(ACK, code="1")),
        ("HELP", Reply(ReplyAction.HELP)),
        ("?", Reply(ReplyAction.HELP)),
        ("？", Reply(ReplyAction.HELP)),
        ("帮助", Reply(ReplyAction.HELP)),
    ],
)
def test_accepted_replies(body, expected):
    assert parse_reply(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        "",
        "   ",
        "ok",
        "ack #",
        "ack 12 13",
        "ack -12",
        "1x",
        "收到",
        "STOP",
        "ack ١٢",  # Arabic-Indic digits are not ids
        "ack " + "9" * 19,  # longer than any id
        "9" * 19 + "a",
        "ack 12 please",
    ],
)
def test_anything_else_is_unknown(body):
    assert parse_reply(body) == Reply(ReplyAction.UNKNOWN)


ANY_TEXT = st.one_of(
    st.text(max_size=200),
    # lone surrogates, full-width forms, other scripts' digits, control characters
    st.text(alphabet=st.characters(categories=["Cs", "Lo", "Nd", "Nl", "Zs", "Lu", "Ll", "Po", "Cc"]), max_size=200),
    st.builds("".join, st.lists(st.sampled_from(["ack", "确认", "#", " ", "\u3000", "１", "9", "a", "r", "?", "。"]))),
)


@given(ANY_TEXT)
def test_never_raises(body):
    assert isinstance(parse_reply(body).action, ReplyAction)


@given(
    word=st.sampled_from(["ack", "ACK", "a", "确认", "res", "R", "解决", "esc", "升级"]),
    incident_id=st.integers(0, 10**17),
    space=st.sampled_from(["", " ", "  ", "\u3000", " #", "#"]),
)
def test_any_id_round_trips(word, incident_id, space):
    reply = parse_reply(f"{word}{space}{incident_id}")

    assert reply.incident_id == incident_id and reply.code is None and reply.action != ReplyAction.UNKNOWN
