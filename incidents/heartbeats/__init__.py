"""Heartbeats (dead-man's switch): monitoring sources ping alertdesk, and a source that goes quiet raises an alert."""
