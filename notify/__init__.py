"""Notification: who is paged, through which channel, with what text; the outbox that makes pages durable."""
