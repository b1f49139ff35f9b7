"""Pure: how many SMS segments a text costs, and trimming a page to a segment budget.

One character outside the GSM 03.38 alphabet (a Chinese character, an em dash, an emoji) turns
the whole message into UCS-2, which cuts a segment from 160 characters to 70. Carriers bill and
throttle per segment, and long concatenated messages arrive out of order or not at all on some
handsets, so the pager keeps a page within a small budget (two segments by default) and trims
the text, never the link or the reply instructions the template put before it.
"""
from __future__ import annotations

from typing import Literal

Encoding = Literal["GSM-7", "UCS-2"]

# GSM 03.38 default alphabet, in code order 0x00-0x7F; 0x1B (escape) is left out because it
# only introduces the extension table and never stands for a character of its own.
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Extension table: each costs two septets (escape + code).
_GSM_EXTENSION = frozenset("\f^{}\\[~]|€")

_GSM_SINGLE, _GSM_PART = 160, 153  # septets; a part loses 7 to the concatenation header
_UCS2_SINGLE, _UCS2_PART = 70, 67  # UTF-16 code units

_ELLIPSIS_GSM = "..."  # "…" is not in GSM-7: trimming with it would switch the page to UCS-2
_ELLIPSIS_UCS2 = "…"


def encoding(text: str) -> Encoding:
    """`"GSM-7"` when every character is in the GSM 03.38 basic or extension table, else `"UCS-2"`."""
    return "GSM-7" if all(ch in _GSM_BASIC or ch in _GSM_EXTENSION for ch in text) else "UCS-2"


def _costs(text: str, enc: Encoding) -> list[int]:
    """What each character costs: septets for GSM-7, UTF-16 code units for UCS-2 (emoji cost 2)."""
    if enc == "GSM-7":
        return [2 if ch in _GSM_EXTENSION else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def segments(text: str) -> int:
    """How many SMS segments `text` is sent as (an empty text still costs one).

    A character is never split across two parts: an extension character's escape pair, or an
    emoji's surrogate pair, moves whole to the next part, as handsets require.
    """
    enc = encoding(text)
    single, part = (_GSM_SINGLE, _GSM_PART) if enc == "GSM-7" else (_UCS2_SINGLE, _UCS2_PART)
    costs = _costs(text, enc)
    if sum(costs) <= single:
        return 1
    count, used = 1, 0
    for cost in costs:
        if used + cost > part:
            count, used = count + 1, 0
        used += cost
    return count


def fit_sms(text: str, link: str = "", max_segments: int = 2) -> str:
    """`text` and then `link` (space-separated) in at most `max_segments`, trimming only the text.

    The text is cut at a character boundary (a surrogate pair is one Python character, so it is
    never split) and marked with an ellipsis: "..." while the result is GSM-7, "…" when it is
    UCS-2 anyway, so trimming never costs the message its cheaper encoding.

    Raises:
        ValueError: if `max_segments` is below 1, or the link alone does not fit the budget
            (a configuration problem: the link base URL is too long).
    """
    if max_segments < 1:
        raise ValueError(f"max_segments must be at least 1, got {max_segments}")
    if segments(link) > max_segments:
        raise ValueError(
            f"link of {len(link)} characters does not fit in {max_segments} SMS segment(s); "
            "shorten the configured link base URL"
        )
    tail = f" {link}" if link else ""
    whole = f"{text}{tail}" if text else link
    if segments(whole) <= max_segments:
        return whole
    # On a tie "…" wins (listed first): it is one character where "..." is three.
    kept, trimmed = max(
        (_longest_fitting_prefix(text, ellipsis, tail, max_segments) for ellipsis in (_ELLIPSIS_UCS2, _ELLIPSIS_GSM)),
        key=lambda found: found[0],
    )
    return trimmed if kept >= 0 else link


def _longest_fitting_prefix(text: str, ellipsis: str, tail: str, max_segments: int) -> tuple[int, str]:
    """`(n, text[:n] + ellipsis + tail)` for the largest n within budget; n = -1 if even 0 does not fit.

    Segment counts never shrink as the prefix grows (inserting a character never lets a message
    be split into fewer parts), so a binary search over n finds it.
    """

    def candidate(n: int) -> str:
        return f"{text[:n].rstrip()}{ellipsis}{tail}"

    low, high = 0, len(text)
    if segments(candidate(low)) > max_segments:
        return -1, ""
    while low < high:
        middle = (low + high + 1) // 2
        if segments(candidate(middle)) <= max_segments:
            low = middle
        else:
            high = middle - 1
    return low, candidate(low)
