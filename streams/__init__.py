"""Stream processing layer: the faust app factory, topics, agents of the alert path, broker management.

Knows nothing above it: settings are passed in, never imported from the composition root.
"""
