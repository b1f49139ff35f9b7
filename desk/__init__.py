"""The service desk web UI: server-rendered pages (jinja2, htmx) over the incidents, for people on shift."""
