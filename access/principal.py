"""Pure: who is making a request — a signed-in person or an API token — with the role they act with."""
from __future__ import annotations

from dataclasses import dataclass

from access.roles import Role

VIA_SESSION = "session"
VIA_TOKEN = "token"
#: The principal of every request when `auth_enabled = false` (a closed lab only, docs/security.md).
VIA_LAB = "lab"
LANGUAGES = ("zh-CN", "en")


@dataclass(frozen=True)
class Principal:
    """The acting user: `via` is "session" (browser cookie) or "token" (Authorization: Bearer)."""

    username: str
    role: Role
    display_name: str
    language: str | None
    via: str


#: Everyone is this admin when authentication is switched off.
LAB_PRINCIPAL = Principal(
    username="lab", role=Role.ADMIN, display_name="lab (auth disabled)", language=None, via=VIA_LAB
)


def check_language(language: str | None) -> str | None:
    """Accept zh-CN, en or None (follow the browser).

    Raises:
        ValueError: any other value.
    """
    if language is not None and language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)} or empty, not {language!r}")
    return language
