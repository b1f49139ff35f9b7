"""I/O: how CLI commands call the running worker's API: its address, the headers it expects, its refusals.

Changes go through the worker, never straight to the database, because only the worker announces
them on `incidents.events`. Every such command says it comes from the CLI, signs with the API
token (`api_token` or <data_dir>/cli-token), and on a refusal prints the worker's reason and
exits 1, so an operator at the keyboard sees why and a script sees the failure.
"""
from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Optional

import httpx
import typer

from alertdesk.cli.common import api_auth_headers, settings_or_exit
from alertdesk.settings import Settings

DEFAULT_TIMEOUT_S = 10.0
UrlOption = typer.Option(None, "--url", help="The worker's API (default http://HTTP_HOST:HTTP_PORT of the settings).")

# A worker listening on every address is reached on the loopback.
_WILDCARD_HOSTS = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}


def worker_url(settings: Settings) -> str:
    """The worker's API of the settings."""
    host = _WILDCARD_HOSTS.get(settings.http_host, settings.http_host)
    return f"http://{host}:{settings.http_port}"


def call_worker(
    config: Optional[Path],
    url: Optional[str],
    method: str,
    path: str,
    body: dict[str, Any] | None = None,
    *,
    idempotent: bool = False,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> Any:
    """Send `method path` to the worker (`url`, else the settings' address) and return its JSON answer.

    Args:
        idempotent: send a fresh Idempotency-Key, one per invocation: should the worker answer 503
            after committing, its message names the key, and a retry with it changes nothing twice.
        timeout_s: how long to wait for the answer.

    Raises:
        typer.Exit: 1 when the worker cannot be reached or refuses (its reason printed on stderr).
    """
    from incidents.lifecycle_api import IDEMPOTENCY_HEADER, VIA_HEADER

    settings = settings_or_exit(config)
    base = (url or worker_url(settings)).rstrip("/")
    headers = {VIA_HEADER: "cli", **api_auth_headers(settings)}
    if idempotent:
        headers[IDEMPOTENCY_HEADER] = uuid.uuid4().hex
    try:
        response = httpx.request(method, base + path, json=body, headers=headers, timeout=timeout_s)
    except httpx.HTTPError as exc:
        typer.echo(f"cannot reach the worker at {base}: {exc} (is `alertdesk up` running? --url says where)", err=True)
        raise typer.Exit(1) from exc
    if response.status_code >= 400:
        typer.echo(f"refused ({response.status_code}): {refusal_reason(response)}", err=True)
        raise typer.Exit(1)
    return response.json()


def refusal_reason(response: httpx.Response) -> str:
    """The worker's error message: FastAPI's `detail`, a string or a list of field errors."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip() or response.reason_phrase
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if isinstance(detail, list):  # request validation: [{"loc": [...], "msg": ...}, ...]
        return "; ".join(f"{'.'.join(str(part) for part in item.get('loc', ()))}: {item.get('msg')}" for item in detail)
    return str(detail)
