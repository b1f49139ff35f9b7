"""I/O: REST API for silences (Alertmanager-like), maintenance windows and life-safety exceptions.

`POST/GET /api/silences`, `GET/DELETE /api/silences/{id}`; `POST/GET /api/maintenance`,
`GET/DELETE /api/maintenance/{id}`; `POST/GET /api/safety-exceptions`, `GET/DELETE
/api/safety-exceptions/{id}`, `POST /api/safety-exceptions/{id}/approve`. Who expires, cancels,
approves or revokes comes from the `X-Alertdesk-User` header or the body's `"by"`. Bad input is
answered 400 with the field named; unknown ids 404. Handlers are plain `def` (FastAPI's
threadpool) like the incident API; only the body is read by an async dependency.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Callable, TypeVar

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from incidents.silences import store
from incidents.silences.codec import (
    exception_from_json,
    exception_to_json,
    silence_from_json,
    silence_to_json,
    window_from_json,
    window_to_json,
)
from streams.alerts.maintenance import MaintenanceWindow, WindowState, next_occurrences, window_state
from streams.alerts.silences import SilenceState
from streams.clock import Clock, format_instant

USER_HEADER = "X-Alertdesk-User"
_T = TypeVar("_T")


async def json_body(request: Request) -> Any:
    """The request's JSON body ({} when empty); 400 when it is not JSON."""
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=f"body: not valid JSON: {exc}") from None


def silence_router(sessions: sessionmaker, clock: Clock) -> APIRouter:
    """Return the router serving silences, maintenance windows and safety exceptions."""
    router = APIRouter(prefix="/api", tags=["silences"])

    @router.post("/silences")
    def create_silence(body: Any = Depends(json_body)) -> dict[str, Any]:
        """Create a silence; answers `{"silenceID": ...}` as Alertmanager does, plus the silence."""
        now = clock.now()
        silence = _valid(lambda: silence_from_json(body, silence_id=str(uuid.uuid4()), now=now))
        _write(sessions, lambda session: store.add_silence(session=session, silence=silence))
        return {"silenceID": silence.id, "silence": silence_to_json(silence, now)}

    @router.get("/silences")
    def silences(state: str | None = None) -> list[dict[str, Any]]:
        """All silences, or those `active`, `pending` or `expired`."""
        wanted = _choice(state, SilenceState, "state")
        now = clock.now()
        with sessions() as session:
            found = store.list_silences(session=session, now=now, state=wanted)
        return [silence_to_json(silence, now) for silence in found]

    @router.get("/silences/{silence_id}")
    def silence(silence_id: str) -> dict[str, Any]:
        """One silence."""
        with sessions() as session:
            found = _found(store.get_silence(session=session, silence_id=silence_id), "silence", silence_id)
        return silence_to_json(found, clock.now())

    @router.delete("/silences/{silence_id}")
    def expire(silence_id: str, body: Any = Depends(json_body), user: str | None = Header(None, alias=USER_HEADER)):
        """Expire a silence now, recording who."""
        by, now = _who(user, body), clock.now()
        done = _write(
            sessions, lambda session: store.expire_silence(session=session, silence_id=silence_id, by=by, now=now)
        )
        return silence_to_json(_found(done, "silence", silence_id), now)

    @router.post("/maintenance")
    def create_window(body: Any = Depends(json_body)) -> dict[str, Any]:
        """Schedule a maintenance window (one-off or recurring)."""
        now = clock.now()
        window = _valid(lambda: window_from_json(body, window_id=str(uuid.uuid4()), now=now))
        _write(sessions, lambda session: store.add_window(session=session, window=window))
        return _window_json(window, now)

    @router.get("/maintenance")
    def windows(state: str | None = None) -> list[dict[str, Any]]:
        """All windows, or those `running`, `scheduled`, `finished` or `cancelled`."""
        wanted = _choice(state, WindowState, "state")
        now = clock.now()
        with sessions() as session:
            found = store.list_windows(session=session)
        return [_window_json(window, now) for window in found if wanted in (None, window_state(window, now))]

    @router.get("/maintenance/{window_id}")
    def window(window_id: str) -> dict[str, Any]:
        """One window with its next occurrences."""
        with sessions() as session:
            found = _found(store.get_window(session=session, window_id=window_id), "maintenance window", window_id)
        return _window_json(found, clock.now())

    @router.delete("/maintenance/{window_id}")
    def cancel(window_id: str, body: Any = Depends(json_body), user: str | None = Header(None, alias=USER_HEADER)):
        """Cancel a window now: a running occurrence ends, none follow."""
        by, now = _who(user, body), clock.now()
        done = _write(
            sessions, lambda session: store.cancel_window(session=session, window_id=window_id, by=by, now=now)
        )
        return _window_json(_found(done, "maintenance window", window_id), now)

    @router.post("/safety-exceptions")
    def request_exception(body: Any = Depends(json_body)) -> dict[str, Any]:
        """Request an exception; it mutes nothing until someone else approves it."""
        now = clock.now()
        exception = _valid(lambda: exception_from_json(body, exception_id=str(uuid.uuid4()), now=now))
        _write(sessions, lambda session: store.add_exception(session=session, exception=exception))
        return exception_to_json(exception, now)

    @router.get("/safety-exceptions")
    def exceptions() -> list[dict[str, Any]]:
        """All safety exceptions, newest first."""
        now = clock.now()
        with sessions() as session:
            return [exception_to_json(exception, now) for exception in store.list_exceptions(session=session)]

    @router.get("/safety-exceptions/{exception_id}")
    def exception(exception_id: str) -> dict[str, Any]:
        """One safety exception."""
        with sessions() as session:
            found = store.get_exception(session=session, exception_id=exception_id)
        return exception_to_json(_found(found, "safety exception", exception_id), clock.now())

    @router.post("/safety-exceptions/{exception_id}/approve")
    def approve(exception_id: str, body: Any = Depends(json_body), user: str | None = Header(None, alias=USER_HEADER)):
        """Approve an exception; 400 when the approver is the requester."""
        by, now = _who(user, body), clock.now()
        done = _write(
            sessions,
            lambda session: store.approve_exception(session=session, exception_id=exception_id, by=by, now=now),
        )
        return exception_to_json(_found(done, "safety exception", exception_id), now)

    @router.delete("/safety-exceptions/{exception_id}")
    def revoke(exception_id: str, body: Any = Depends(json_body), user: str | None = Header(None, alias=USER_HEADER)):
        """Revoke an exception now."""
        by, now = _who(user, body), clock.now()
        done = _write(
            sessions, lambda session: store.revoke_exception(session=session, exception_id=exception_id, by=by, now=now)
        )
        return exception_to_json(_found(done, "safety exception", exception_id), now)

    return router


def _window_json(window: MaintenanceWindow, now: datetime) -> dict[str, Any]:
    return {
        **window_to_json(window),
        "state": window_state(window, now).value,
        "next_occurrences": [
            {"starts_at": format_instant(start), "ends_at": format_instant(end)}
            for start, end in next_occurrences(window, now, 3)
        ],
    }


def _write(sessions: sessionmaker, change: Callable[[Session], _T]) -> _T:
    """Run `change` in one committed transaction; a ValueError from the domain becomes a 400."""
    with sessions() as session:
        result = _valid(lambda: change(session))
        session.commit()
    return result


def _valid(build: Callable[[], _T]) -> _T:
    try:
        return build()
    except ValueError as exc:
        raise HTTPException(status_code=400, detail=str(exc)) from None


def _who(header: str | None, body: Any) -> str:
    by = header or (body.get("by") if isinstance(body, dict) else None)
    if not isinstance(by, str) or not by.strip():
        raise HTTPException(status_code=400, detail=f'by: say who, in the {USER_HEADER} header or the body\'s "by"')
    return by.strip()


def _choice(value: str | None, choices: type[SilenceState] | type[WindowState], field: str):
    if value is None:
        return None
    try:
        return choices(value)
    except ValueError:
        raise HTTPException(status_code=400, detail=f"{field}: {value!r} is not one of {', '.join(choices)}") from None


def _found(value: _T | None, what: str, key: str) -> _T:
    if value is None:
        raise HTTPException(status_code=404, detail=f"{what} {key} not found")
    return value
