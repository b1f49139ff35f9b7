"""Password hashes, secrets and CSRF tokens (pure)."""
from __future__ import annotations

import pytest

from access.passwords import (
    check_password_rules,
    csrf_matches,
    csrf_token_for,
    hash_password,
    new_password,
    new_token_secret,
    secret_digest,
    verify_password,
)


def test_hash_verifies_and_names_its_parameters() -> None:
    encoded = hash_password("correct horse")
    assert encoded.startswith("scrypt$16384$8$1$")
    assert verify_password("correct horse", encoded)
    assert not verify_password("correct horsE", encoded)


def test_same_password_gets_a_different_salt() -> None:
    assert hash_password("same-password") != hash_password("same-password")


@pytest.mark.parametrize("encoded", ["", "plain", "bcrypt$1$2$3$4$5", "scrypt$x$8$1$AA$AA", "scrypt$16384$8$1$!!$AA"])
def test_malformed_hash_matches_nothing(encoded: str) -> None:
    assert not verify_password("anything", encoded)


def test_password_rules() -> None:
    check_password_rules("eight ch")
    with pytest.raises(ValueError, match="too short"):
        check_password_rules("seven c")
    with pytest.raises(ValueError, match="too long"):
        check_password_rules("x" * 1025)


def test_generated_secrets() -> None:
    assert len(new_password()) == 16 and new_password() != new_password()
    secret = new_token_secret()
    assert secret.startswith("adt_") and len(secret_digest(secret)) == 64


def test_csrf_token_depends_on_session_and_install_secret() -> None:
    token = csrf_token_for("session-a", "install-1")
    assert token == csrf_token_for("session-a", "install-1")
    assert token != csrf_token_for("session-b", "install-1")
    assert token != csrf_token_for("session-a", "install-2")
    assert csrf_matches(token, token)
    assert not csrf_matches("", token) and not csrf_matches(None, token) and not csrf_matches(token[:-1], token)
