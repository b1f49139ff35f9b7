"""A real `alertdesk up`: the first admin printed once, the CLI token, and the HTTP app's floor on the real routes."""
from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.e2e.harness import Pipeline, prometheus_alert, wait_for


def test_up_guards_the_api_and_prints_the_first_admin_once(tmp_path: Path) -> None:
    env = {
        "ALERTDESK_DATA_DIR": str(tmp_path / "var"),
        "ALERTDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'alertdesk.db'}",
        "ALERTDESK_LOG_LEVEL": "warning",
    }
    with Pipeline(tmp_path, env) as pipeline:
        password = pipeline.admin_password()
        assert (tmp_path / "var" / "cli-token").stat().st_mode & 0o077 == 0
        assert httpx.get(f"{pipeline.url}/api/incidents", timeout=10).status_code == 401
        assert httpx.get(f"{pipeline.url}/healthz", timeout=10).status_code == 200
        assert httpx.post(f"{pipeline.url}/api/v2/alerts", json=[prometheus_alert("UPSOnBattery")],
                          timeout=10).status_code == 200  # ingest keeps its own (here: open) auth
        [incident] = wait_for(pipeline.incidents, timeout=30, what="the incident")

        created = pipeline.post("/api/users", {"username": "vic", "password": "viewer-pass-1", "role": "viewer"})
        assert created.status_code == 201
        with httpx.Client(base_url=pipeline.url, timeout=10) as admin:
            signed_in = admin.post("/login", data={"username": "admin", "password": password}, follow_redirects=False)
            assert signed_in.status_code == 303
            assert admin.get("/api/me").json()["role"] == "admin"
        with httpx.Client(base_url=pipeline.url, timeout=10) as viewer:
            viewer.post("/login", data={"username": "vic", "password": "viewer-pass-1"}, follow_redirects=False)
            token = viewer.get("/api/me").json()["csrf_token"]
            assert viewer.get(f"/api/incidents/{incident['id']}").status_code == 200
            refused = viewer.post(f"/api/incidents/{incident['id']}/ack", json={"by": "vic"},
                                  headers={"X-CSRF-Token": token})
            assert refused.status_code == 403
        acked = pipeline.post(f"/api/incidents/{incident['id']}/ack", {"by": "admin"})
        assert acked.status_code == 200, acked.text
        audit = pipeline.get("/api/audit?path=/api/incidents").json()["items"]
        assert [(row["actor"], row["status"]) for row in audit] == [("token:cli (local)", 200), ("vic", 403)]

    with Pipeline(tmp_path, env) as again:
        assert not re.search(r"admin password:", again.output().split("alertdesk is starting")[-1])
        assert again.get("/api/incidents").status_code == 200
