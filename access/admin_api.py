"""I/O: the admin API — `/api/users`, `/api/tokens`, `/api/audit` — and `/api/me` for anyone signed in.

A token's secret is in the answer to its creation only; the database keeps its hash. Errors:
404 unknown user or token, 409 a taken username or the last active admin, 422 bad input.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import sessionmaker

from access import store, token_store
from access.audit import AuditQuery, search
from access.dependencies import csrf_token, require
from access.models import ApiToken, User
from access.principal import Principal
from access.roles import Role
from streams.clock import Clock, format_instant

_T = TypeVar("_T")


class NewUser(BaseModel):
    """Body of POST /api/users."""

    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    role: Role = Role.VIEWER
    display_name: str = Field("", max_length=200)
    language: str | None = None


class UserPatch(BaseModel):
    """Body of PATCH /api/users/{username}: only the fields given change (`language: null` follows the browser)."""

    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    disabled: bool | None = None
    display_name: str | None = Field(None, max_length=200)
    language: str | None = None
    password: str | None = Field(None, min_length=1, max_length=1024)


class NewToken(BaseModel):
    """Body of POST /api/tokens."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    role: Role = Role.VIEWER


def user_json(user: User) -> dict[str, Any]:
    """A user as the API shows it (never the password hash)."""
    return {
        "username": user.username, "display_name": user.display_name, "role": user.role, "language": user.language,
        "disabled": user.disabled, "created_at": format_instant(user.created_at),
    }


def token_json(token: ApiToken) -> dict[str, Any]:
    """A token as the API lists it (never the secret)."""
    def instant(value: datetime | None) -> str | None:
        return format_instant(value) if value else None

    return {
        "id": token.id, "name": token.name, "role": token.role, "created_by": token.created_by,
        "created_at": format_instant(token.created_at), "last_used_at": instant(token.last_used_at),
        "revoked_at": instant(token.revoked_at), "active": token.revoked_at is None,
    }


def _answer(work: Callable[[], _T]) -> _T:
    """Run a store call, turning its refusals into HTTP answers."""
    try:
        return work()
    except store.NotFound as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    except store.Conflict as exc:
        raise HTTPException(status_code=409, detail=str(exc)) from None
    except store.AccessError as exc:
        raise HTTPException(status_code=422, detail=str(exc)) from None


def admin_router(sessions: sessionmaker, clock: Clock) -> APIRouter:
    """Users, tokens and the audit log for admins; `/api/me` for everyone signed in."""
    router = APIRouter(prefix="/api", tags=["access"])
    admin = Depends(require(Role.ADMIN))

    @router.get("/me")
    def me(request: Request, principal: Principal = Depends(require(Role.VIEWER))) -> dict[str, Any]:
        return {
            "username": principal.username, "display_name": principal.display_name, "role": principal.role.value,
            "language": principal.language, "via": principal.via, "csrf_token": csrf_token(request),
        }

    @router.get("/users", dependencies=[admin])
    def users() -> dict[str, Any]:
        with sessions() as session:
            return {"items": [user_json(user) for user in store.list_users(session=session)]}

    @router.post("/users", status_code=201, dependencies=[admin])
    def add_user(body: NewUser) -> dict[str, Any]:
        with sessions.begin() as session:
            return user_json(_answer(lambda: store.add_user(
                session=session, username=body.username, role=body.role.value, password=body.password,
                display_name=body.display_name, language=body.language, now=clock.now(),
            )))

    @router.patch("/users/{username}", dependencies=[admin])
    def change_user(username: str, body: UserPatch) -> dict[str, Any]:
        change = store.UserChange(
            role=body.role.value if body.role else None, disabled=body.disabled, display_name=body.display_name,
            language=body.language, clear_language="language" in body.model_fields_set and body.language is None,
            password=body.password,
        )
        with sessions.begin() as session:
            return user_json(_answer(lambda: store.update_user(session=session, username=username, change=change)))

    @router.get("/tokens", dependencies=[admin])
    def tokens() -> dict[str, Any]:
        with sessions() as session:
            return {"items": [token_json(token) for token in token_store.list_tokens(session=session)]}

    @router.post("/tokens", status_code=201)
    def create_token(body: NewToken, principal: Principal = admin) -> dict[str, Any]:
        with sessions.begin() as session:
            token, secret = _answer(lambda: token_store.create_token(
                session=session, name=body.name, role=body.role.value, created_by=principal.username, now=clock.now(),
            ))
            return {**token_json(token), "secret": secret}

    @router.delete("/tokens/{token_id}", dependencies=[admin])
    def revoke_token(token_id: int) -> dict[str, Any]:
        with sessions.begin() as session:
            return token_json(_answer(lambda: token_store.revoke_token(session=session, token_id=token_id, now=clock.now())))

    @router.get("/audit", dependencies=[admin])
    def audit(
        actor: str | None = None,
        path: str | None = Query(None, description="Path prefix, like /api/incidents."),
        since: datetime | None = Query(None, description="RFC 3339, inclusive."),
        until: datetime | None = Query(None, description="RFC 3339, exclusive."),
        limit: int = Query(100, ge=1, le=500),
        offset: int = Query(0, ge=0),
    ) -> dict[str, Any]:
        for name, value in (("since", since), ("until", until)):
            if value is not None and value.tzinfo is None:
                raise HTTPException(status_code=422, detail=f"{name} needs a timezone (Z or an offset)")
        query = AuditQuery(actor=actor, path_prefix=path, since=since, until=until, limit=limit, offset=offset)
        with sessions() as session:
            items, total = search(session=session, query=query)
        return {"items": items, "total": total, "limit": limit, "offset": offset}

    return router
