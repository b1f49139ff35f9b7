"""Pure: password hashes (scrypt), secrets for sessions and API tokens, and CSRF tokens.

A password hash carries its own parameters ("scrypt$n$r$p$salt$hash"), so the cost can be raised
later without breaking stored hashes. Session ids and API token secrets are long random values,
so a plain SHA-256 of them is enough to store; only the hash ever reaches the database.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
KEY_BYTES = 32
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
TOKEN_PREFIX = "adt_"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_password_rules(password: str) -> None:
    """Refuse a password that is too short or absurdly long (scrypt would hash megabytes).

    Raises:
        ValueError: with the rule broken.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password too short: at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"password too long: at most {MAX_PASSWORD_LENGTH} characters")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """Hash `password` with scrypt and a random salt; the result names its parameters."""
    salt = salt if salt is not None else secrets.token_bytes(SALT_BYTES)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=KEY_BYTES)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, encoded: str) -> bool:
    """True when `password` matches the stored hash; a malformed hash matches nothing."""
    try:
        scheme, n, r, p, salt, key = encoded.split("$")
        if scheme != "scrypt" or len(password) > MAX_PASSWORD_LENGTH:
            return False
        expected = _unb64(key)
        actual = hashlib.scrypt(
            password.encode("utf-8"), salt=_unb64(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected),
            maxmem=256 * 1024 * 1024,
        )
    except ValueError:
        return False
    return hmac.compare_digest(actual, expected)


def new_password() -> str:
    """A random password for a first admin or a reset, typed by a person once (no look-alike characters)."""
    alphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(16))


def new_session_id() -> str:
    """The random value a session cookie carries."""
    return secrets.token_urlsafe(32)


def new_token_secret() -> str:
    """The secret of an API token, shown once; the prefix makes a leaked one easy to recognise."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def new_install_secret() -> str:
    """The per-install key CSRF tokens are derived with."""
    return secrets.token_urlsafe(48)


def secret_digest(secret: str) -> str:
    """What is stored for a session id or a token secret: its SHA-256, hex."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def csrf_token_for(session_id: str, install_secret: str) -> str:
    """The CSRF token of a session: HMAC-SHA256 of its id with the install's secret (nothing to store)."""
    return _b64(hmac.new(install_secret.encode("utf-8"), session_id.encode("utf-8"), hashlib.sha256).digest())


def csrf_matches(given: str | None, expected: str) -> bool:
    """True when the token a request carried is the session's, compared in constant time."""
    return bool(given) and hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
