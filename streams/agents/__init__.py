"""Thin faust shells of the alert path: take the event, call the pure function, send what it returns."""
