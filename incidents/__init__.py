"""Incidents: the system of record (SQLAlchemy models, migrations), the incident writer, and the incident API."""
