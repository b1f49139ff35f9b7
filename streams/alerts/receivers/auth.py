"""Pure: per-source ingest authentication — parse the `ingest_auth` entries and check an `Authorization` header.

An entry is `SOURCE=bearer:TOKEN` or `SOURCE=basic:USER:PASSWORD`, where SOURCE is a receiver's
source name (`alertmanager`, `alertmanager-api`, `grafana`, `zabbix`, `generic`) or `*` for every
source without entries of its own. A source may have several entries (any one of them lets a
request in: rotate a token by adding the new one, moving senders over, then removing the old
one); entries for a source replace the `*` entries for it, they do not add to them. No entries
at all means no authentication, the embedded default on loopback.

Secrets are compared with `hmac.compare_digest` against every credential of the source, so the
time taken says nothing about how much of a token was right. Reasons never contain the secret.
"""
from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Iterable, Mapping

ANY_SOURCE = "*"
REALM = "alertdesk"


class Scheme(StrEnum):
    """How a sender proves who it is."""

    BEARER = "bearer"
    BASIC = "basic"


class AuthOutcome(StrEnum):
    """What the check of one request decided; the failures label `alertdesk_ingest_unauthorized_total`."""

    OPEN = "open"  # the source needs no credentials
    ACCEPTED = "accepted"
    MISSING = "missing"  # no Authorization header
    WRONG_SCHEME = "wrong_scheme"  # e.g. Basic where only Bearer is configured, or unreadable
    WRONG_CREDENTIALS = "wrong_credentials"

    @property
    def allowed(self) -> bool:
        """True when the request may go on."""
        return self in (AuthOutcome.OPEN, AuthOutcome.ACCEPTED)


@dataclass(frozen=True)
class Credential:
    """One accepted credential: a bearer token, or `user:password` for basic auth."""

    scheme: Scheme
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class IngestAuth:
    """The credentials each source accepts; a source with none is open."""

    rules: Mapping[str, tuple[Credential, ...]] = field(default_factory=dict)

    def credentials_for(self, source: str) -> tuple[Credential, ...]:
        """The credentials `source` accepts: its own entries, else the `*` entries, else none."""
        return self.rules.get(source) or self.rules.get(ANY_SOURCE, ())

    def check(self, source: str, authorization: str | None) -> AuthOutcome:
        """Decide whether a request to `source` with this `Authorization` header value may go on."""
        credentials = self.credentials_for(source)
        if not credentials:
            return AuthOutcome.OPEN
        if not authorization:
            return AuthOutcome.MISSING
        scheme, _, presented = authorization.strip().partition(" ")
        try:
            wanted = Scheme(scheme.lower())
            secret = _presented_secret(wanted, presented.strip())
        except (ValueError, binascii.Error):
            return AuthOutcome.WRONG_SCHEME
        candidates = [credential.secret for credential in credentials if credential.scheme is wanted]
        if not candidates:
            return AuthOutcome.WRONG_SCHEME
        # Compare with every candidate, not stopping at the first match: constant work per request.
        matched = False
        for candidate in candidates:
            matched |= hmac.compare_digest(candidate, secret)
        return AuthOutcome.ACCEPTED if matched else AuthOutcome.WRONG_CREDENTIALS

    def challenge(self, source: str) -> str:
        """The `WWW-Authenticate` value for a 401 answered to `source`."""
        schemes = sorted({credential.scheme for credential in self.credentials_for(source)})
        return ", ".join(
            f'Bearer realm="{REALM}"' if scheme is Scheme.BEARER else f'Basic realm="{REALM}", charset="UTF-8"'
            for scheme in schemes
        )


NO_AUTH = IngestAuth()


def parse_ingest_auth(entries: Iterable[str], *, sources: Iterable[str]) -> IngestAuth:
    """Build the per-source credentials from `ingest_auth` entries.

    Args:
        entries: `SOURCE=bearer:TOKEN` or `SOURCE=basic:USER:PASSWORD` strings.
        sources: the source names receivers serve; any other SOURCE (but `*`) is a typo.

    Returns:
        The credentials per source.

    Raises:
        ValueError: naming the entry by position and source (never its secret) and what is wrong.
    """
    known = set(sources)
    rules: dict[str, list[Credential]] = {}
    for position, entry in enumerate(entries, start=1):
        source, equals, spec = entry.strip().partition("=")
        source = source.strip()
        where = f"ingest_auth entry {position} (for {source or '?'!r})"
        if not equals or not source:
            raise ValueError(f"{where} must look like 'SOURCE=bearer:TOKEN' or 'SOURCE=basic:USER:PASSWORD'")
        if source != ANY_SOURCE and source not in known:
            raise ValueError(f"{where}: unknown source; known sources are {', '.join(sorted(known))} or '*'")
        rules.setdefault(source, []).append(_credential(spec.strip(), where))
    return IngestAuth({source: tuple(credentials) for source, credentials in rules.items()})


def _credential(spec: str, where: str) -> Credential:
    scheme, _, secret = spec.partition(":")
    if scheme.lower() == Scheme.BEARER:
        if not secret or any(char.isspace() for char in secret):
            raise ValueError(f"{where}: a bearer token must be non-empty and contain no whitespace")
        return Credential(Scheme.BEARER, secret.encode("utf-8"))
    if scheme.lower() == Scheme.BASIC:
        user, colon, password = secret.partition(":")
        if not user or not colon or not password:
            raise ValueError(f"{where}: basic auth must be 'basic:USER:PASSWORD' with a non-empty user and password")
        return Credential(Scheme.BASIC, f"{user}:{password}".encode("utf-8"))
    raise ValueError(f"{where}: the scheme must be 'bearer' or 'basic'")


def _presented_secret(scheme: Scheme, presented: str) -> bytes:
    if not presented:
        raise ValueError("no credentials after the scheme")
    if scheme is Scheme.BEARER:
        return presented.encode("utf-8")
    return base64.b64decode(presented.encode("ascii"), validate=True)
