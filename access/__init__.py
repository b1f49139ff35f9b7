"""Who may do what: users, roles, web sessions, API tokens, CSRF and the audit log (docs/security.md)."""
