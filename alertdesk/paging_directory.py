"""I/O: which paging directory a worker (and `alertdesk oncall`) uses — the paging files, or the embedded default.

Kept apart from `alertdesk/paging.py` so the CLI can answer "who is on call" without loading the
stream stack.
"""
from __future__ import annotations

from pathlib import Path

from alertdesk.settings import Settings, SettingsError
from notify.default_directory import default_directory
from notify.directory import Directory
from notify.directory_files import DirectoryError, load_directory

#: The embedded default's demo phone (China mobile numbering, not a real subscriber).
DEMO_PHONE = "+8613800138000"


def public_url(settings: Settings) -> str:
    """Where people and Twilio reach this worker."""
    return settings.public_url.rstrip("/") or f"http://{settings.http_host}:{settings.http_port}"


def uses_twilio_fake(settings: Settings) -> bool:
    """The embedded default's demo: no Twilio account and no paging file."""
    return not settings.twilio_account_sid and not settings.paging_files


def paging_directory(settings: Settings) -> Directory:
    """The paging file(s), or the default directory (with the demo phone when the fake runs).

    Raises:
        SettingsError: a paging file is missing or invalid (every problem listed).
    """
    if not settings.paging_files:
        return default_directory(demo_phone=DEMO_PHONE if uses_twilio_fake(settings) else None)
    try:
        return load_directory([Path(path) for path in settings.paging_files])
    except DirectoryError as exc:
        raise SettingsError(str(exc)) from None
