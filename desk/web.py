"""I/O: `desk_router`, the service desk UI on the worker's HTTP app: board, incident pages, language switch, static files.

Static files are a fixed list served by name (`/static/htmx.min.js`, `/static/desk.css`), so no
path from a request ever reaches the file system. The language switcher only sets the `lang`
cookie (a preference, not a change to anything), so it is a plain link rather than a form.
"""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import FileResponse, RedirectResponse
from sqlalchemy.orm import sessionmaker

from access.web import Principal, Role, require
from desk.board_routes import board_router
from desk.i18n import LANG_COOKIE, LANGUAGES
from desk.incident_routes import incident_router
from desk.new_incident_routes import new_incident_router
from desk.render import Pages
from incidents.action_service import IncidentActions
from streams.clock import Clock

STATIC_DIR = Path(__file__).parent / "static"
STATIC_FILES = {"htmx.min.js": "text/javascript", "desk.css": "text/css"}
LANG_COOKIE_MAX_AGE_S = 365 * 24 * 3600


def desk_router(*, sessions: sessionmaker, clock: Clock, actions: IncidentActions) -> APIRouter:
    """Return the router of every desk page; people's actions go through `actions`, time left is against `clock`."""
    pages = Pages(clock)
    router = APIRouter(include_in_schema=False)
    router.include_router(board_router(sessions, pages))
    router.include_router(new_incident_router(pages, actions))  # before /incidents/{id}: "new" is not an id
    router.include_router(incident_router(sessions, pages, actions))

    @router.get("/lang/{language}")
    def switch_language(
        language: str, next: str = "/", principal: Principal = Depends(require(Role.VIEWER))
    ) -> RedirectResponse:
        """Remember the chosen language in the `lang` cookie and go back (a user's own setting still wins)."""
        if language not in LANGUAGES:
            raise HTTPException(status_code=404, detail=f"language {language!r} is not one of {', '.join(LANGUAGES)}")
        response = RedirectResponse(_local(next), status_code=303)
        response.set_cookie(LANG_COOKIE, language, max_age=LANG_COOKIE_MAX_AGE_S, samesite="lax")
        return response

    @router.get("/static/{name}")
    def static(name: str) -> FileResponse:
        """One of the desk's own static files (open: the login page may use them too)."""
        if name not in STATIC_FILES:
            raise HTTPException(status_code=404, detail=f"no static file {name!r}")
        return FileResponse(
            STATIC_DIR / name, media_type=STATIC_FILES[name], headers={"Cache-Control": "public, max-age=3600"}
        )

    return router


def _local(target: str) -> str:
    """`target` when it is a path on this site, else the board: the switcher never sends anyone elsewhere."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"
