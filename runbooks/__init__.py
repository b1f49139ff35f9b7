"""Emergency runbooks: format, catalogue, triggers and executions (issue #7 builds this package)."""
