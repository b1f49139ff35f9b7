"""Benchmarks of alertdesk against its targets and Prometheus Alertmanager (`alertdesk bench`, docs/benchmarks.md)."""
