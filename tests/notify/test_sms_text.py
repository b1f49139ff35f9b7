"""SMS text: GSM-7 vs UCS-2, segment counts at the boundaries, trimming to a budget without losing the link."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notify.sms_text import encoding, fit_sms, segments

LINK = "https://desk.example.com/incidents/12"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "GSM-7"),
        ("UPS-1 on battery @ dc1: 3 alerts (£5, ¥6, é)", "GSM-7"),
        ("braces {} [] ~ | \\ ^ € count double", "GSM-7"),
        ("em dash — forces UCS-2", "UCS-2"),
        ("ellipsis…", "UCS-2"),
        ("机房A 温度过高", "UCS-2"),
        ("emoji 🔥", "UCS-2"),
        ("ç small c-cedilla is not in the basic set", "UCS-2"),
    ],
)
def test_encoding(text, expected):
    assert encoding(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 1),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("{" * 80, 1),  # each extension character is two septets
        ("{" * 81, 2),
        ("a" * 158 + "{", 1),  # 160 septets
        ("a" * 159 + "{", 2),
        ("中" * 70, 1),
        ("中" * 71, 2),
        ("中" * 134, 2),
        ("中" * 135, 3),
        ("🔥" * 35, 1),  # 70 UTF-16 code units
        ("🔥" * 36, 2),
        ("a" + "🔥" * 33 + "a", 1),  # 68 units: still one
        ("中" * 66 + "🔥" + "中" * 67, 3),  # the pair does not fit the first part's last unit
    ],
)
def test_segments(text, expected):
    assert segments(text) == expected


def test_escape_pair_is_never_split_across_parts():
    # 152 septets then "{" (2): a naive count says 154 = 2 parts of 153/1; the pair moves to part two.
    assert segments("a" * 152 + "{" + "a" * 152) == 3


def test_text_that_fits_is_returned_with_the_link():
    assert fit_sms("UPS-1 on battery", LINK) == f"UPS-1 on battery {LINK}"
    assert fit_sms("UPS-1 on battery") == "UPS-1 on battery"
    assert fit_sms("", LINK) == LINK


def test_long_gsm_text_is_trimmed_with_three_dots_to_stay_gsm7():
    result = fit_sms("UPS-1 on battery " * 30, LINK, max_segments=1)

    assert result.endswith(f"... {LINK}")
    assert encoding(result) == "GSM-7" and segments(result) == 1
    assert result.startswith("UPS-1 on battery UPS-1") and len(result) >= 155  # uses the segment, not 70 of it


def test_long_chinese_text_is_trimmed_with_an_ellipsis_keeping_as_much_as_fits():
    text = "机房A 温度过高，" * 40
    result = fit_sms(text, LINK, max_segments=2)

    assert result.endswith(f"… {LINK}") and segments(result) == 2
    kept = result.removesuffix(f"… {LINK}")
    assert text.startswith(kept)
    assert segments(f"{text[: len(kept) + 2].rstrip()}… {LINK}") == 3  # one more character would not fit


def test_trimming_never_splits_a_surrogate_pair():
    result = fit_sms("🔥" * 100, max_segments=1)

    assert result == "🔥" * 34 + "…"  # 68 + 1 = 69 code units; one more emoji would be 71
    result.encode("utf-16-le")  # no lone surrogate


def test_link_alone_too_long_is_a_configuration_error():
    with pytest.raises(ValueError, match="shorten the configured link base URL"):
        fit_sms("text", "https://x.example/" + "a" * 200, max_segments=1)


def test_budget_below_one_segment_is_an_error():
    with pytest.raises(ValueError, match="max_segments must be at least 1"):
        fit_sms("text", max_segments=0)


def test_link_that_leaves_no_room_for_text_is_sent_alone():
    link = "https://x.example/" + "a" * 142  # 160 characters
    assert fit_sms("some text", link, max_segments=1) == link


@given(text=st.text(max_size=600), link=st.sampled_from(["", LINK, "https://例子.example/事件/12"]), budget=st.integers(1, 4))
def test_fit_sms_always_fits_and_keeps_the_link(text, link, budget):
    result = fit_sms(text, link, max_segments=budget)

    assert segments(result) <= budget
    assert result.endswith(link)
    result.encode("utf-16-le")
