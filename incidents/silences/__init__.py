"""Silences, maintenance windows and life-safety exceptions: tables, store, API, and the catalogue correlate reads."""
