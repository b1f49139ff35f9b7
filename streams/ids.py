"""Pure: deterministic ids, shared by every stage so replays and rebuilds reproduce them.

It lives at the bottom of `streams/` because both `streams/alerts/` (dedupe's change ids) and
`streams/correlation/` (command ids) need it, and imports only point down.
"""
from __future__ import annotations

import hashlib


def deterministic_id(*parts: str) -> str:
    """Return a short, stable id for the given parts (same inputs, same id, on every worker)."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return digest[:24]
