"""Receivers: accept, wrap in an envelope, produce to `alerts.raw`, answer honestly."""
