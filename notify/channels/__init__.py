"""Channels: the ways a page reaches a person (console now; SMS and voice later)."""
