"""Label matchers: Alertmanager semantics, amtool syntax, parse errors, and parse(format(m)) == m."""
from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.alerts.matchers import MAX_REGEX_CHARS, Matcher, MatchOp, format_matcher, parse_matcher

UPS = {"alertname": "UPSOnBattery", "site": "dc1", "机房": "上海一号"}


@pytest.mark.parametrize(
    ("text", "labels", "expected"),
    [
        ('alertname="UPSOnBattery"', UPS, True),
        ('alertname="UPS"', UPS, False),
        ('alertname!="UPS"', UPS, True),
        ('alertname=~"UPS.*"', UPS, True),
        # Fully anchored: a regex matching only part of the value does not match.
        ('alertname=~"UPS"', UPS, False),
        ('alertname=~"Battery"', UPS, False),
        ('alertname=~"UPS|Battery"', UPS, False),
        ('alertname!~"UPS"', UPS, True),
        ('alertname!~"UPS.+"', UPS, False),
        # A missing label is the empty string.
        ('team=""', UPS, True),
        ('team!="db"', UPS, True),
        ('team="db"', UPS, False),
        ('team=~".*"', UPS, True),
        ('team=~".+"', UPS, False),
        ('team!~".+"', UPS, True),
        # Chinese names and values.
        ('"机房"="上海一号"', UPS, True),
        ('"机房"=~"上海.*"', UPS, True),
        ('"机房"!~"北京.*"', UPS, True),
        ('"机房"="北京"', UPS, False),
    ],
)
def test_matcher_semantics(text, labels, expected):
    assert parse_matcher(text).matches(labels) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('alertname=~"UPS.*"', Matcher("alertname", MatchOp.REGEX, "UPS.*")),
        ("site=dc1", Matcher("site", MatchOp.EQUAL, "dc1")),
        ("  site  !=  dc1  ", Matcher("site", MatchOp.NOT_EQUAL, "dc1")),
        ("alertname=~UPS.*", Matcher("alertname", MatchOp.REGEX, "UPS.*")),
        ("alertname!~Temp.*", Matcher("alertname", MatchOp.NOT_REGEX, "Temp.*")),
        ('team=""', Matcher("team", MatchOp.EQUAL, "")),
        ("team=", Matcher("team", MatchOp.EQUAL, "")),
        ('summary="say \\"hi\\"\\n"', Matcher("summary", MatchOp.EQUAL, 'say "hi"\n')),
        ('path="C:\\\\temp"', Matcher("path", MatchOp.EQUAL, "C:\\temp")),
        # An unknown escape is kept as written, so a regex escape needs no doubling.
        ('instance=~"10\\.0\\..*"', Matcher("instance", MatchOp.REGEX, r"10\.0\..*")),
        ('"机房"="甲"', Matcher("机房", MatchOp.EQUAL, "甲")),
        ("room=机房A", Matcher("room", MatchOp.EQUAL, "机房A")),
        ("value==3", Matcher("value", MatchOp.EQUAL, "=3")),
    ],
)
def test_parse_accepts_amtool_syntax(text, expected):
    assert parse_matcher(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "matcher is empty"),
        ("   ", "matcher is empty"),
        ("=dc1", "expected a label name at the start"),
        ("site", "expected an operator (=, !=, =~, !~) after label name 'site'"),
        ("site<dc1", "expected an operator"),
        ('site="dc1', "a quoted string is not closed"),
        ('"site=dc1', "a quoted string is not closed"),
        ('site="dc1" extra', "unexpected 'extra' after the quoted value"),
        ('site=dc"1', "a bare value must not contain"),
        ('alertname=~"UPS("', "invalid regex 'UPS('"),
        ('""=x', "label name is empty"),
    ],
)
def test_parse_errors_say_what_is_wrong(text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        parse_matcher(text)


def test_regexes_are_bounded():
    Matcher("alertname", MatchOp.REGEX, "a" * MAX_REGEX_CHARS)
    with pytest.raises(ValueError, match=f"longer than {MAX_REGEX_CHARS}"):
        Matcher("alertname", MatchOp.REGEX, "a" * (MAX_REGEX_CHARS + 1))


def test_an_unknown_operator_is_refused():
    with pytest.raises(ValueError, match="operator '==' is not one of"):
        Matcher("site", "==", "dc1")


def test_the_regex_is_compiled_once_and_not_part_of_equality():
    first, second = Matcher("a", MatchOp.REGEX, "x.*"), Matcher("a", MatchOp.REGEX, "x.*")
    assert first == second and hash(first) == hash(second)
    assert first._pattern is not None and first._pattern.pattern == "x.*"


def test_format_quotes_names_that_need_it():
    assert format_matcher(Matcher("site", MatchOp.NOT_EQUAL, "dc1")) == 'site!="dc1"'
    assert format_matcher(Matcher("机房 名", MatchOp.EQUAL, 'a"b\\c')) == '"机房 名"="a\\"b\\\\c"'


_values = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
_ops = st.sampled_from(list(MatchOp))


@given(name=_values.filter(bool), op=_ops, value=_values)
def test_parse_of_format_round_trips(name, op, value):
    try:
        matcher = Matcher(name, op, value)
    except ValueError:
        return  # not a valid regex: nothing to round-trip
    assert parse_matcher(format_matcher(matcher)) == matcher
