"""What tests need from the machine, and one way to say it is missing.

A test that needs a program or service the machine lacks skips with `missing prerequisite: …`
naming what to install. `.ci/run` sets ALERTDESK_TEST_NO_SKIP=1, and tests/conftest.py turns
exactly those skips into failures, so nothing silently skips in CI.
"""
from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest

MISSING = "missing prerequisite: "
NO_SKIP_ENV = "ALERTDESK_TEST_NO_SKIP"
POSTGRES_ENV = "ALERTDESK_TEST_POSTGRES_URL"


def skip_missing(what: str) -> NoReturn:
    """Skip the running test because `what` (a sentence saying what to install or set) is missing."""
    pytest.skip(MISSING + what)


def postgres_url() -> str:
    """The test PostgreSQL URL, or skip saying how to provide one."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        skip_missing(f"set {POSTGRES_ENV} to a PostgreSQL URL (e.g. postgresql://postgres@127.0.0.1:5432/test)")
    return url


def program(*names: str, install: str) -> str:
    """The path of the first of `names` on PATH, or skip saying which package to install."""
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    skip_missing(f"install {install} (provides {' or '.join(names)})")
