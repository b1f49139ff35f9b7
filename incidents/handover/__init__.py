"""Shift handover (交接班): what the outgoing shift leaves to the incoming one, written and acknowledged."""
