"""The pager agent skips, before any database work, only kinds paging has no handler for."""
from __future__ import annotations

from notify import paging_events
from notify.pager_agent import UNPAGED_KINDS


def test_skipped_kinds_are_kinds_paging_ignores() -> None:
    assert UNPAGED_KINDS
    assert UNPAGED_KINDS.isdisjoint(paging_events._EVENT_HANDLERS)
