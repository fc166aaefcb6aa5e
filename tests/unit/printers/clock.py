"""Shared helpers for the printer tests: a fixed clock and timestamps relative to it."""

from __future__ import annotations

import datetime

NOW = datetime.datetime(2025, 5, 1, 12, 0, 0, tzinfo=datetime.UTC)


def ago(seconds: float) -> str:
    """The RFC 3339 text of the moment `seconds` before NOW."""
    moment = NOW - datetime.timedelta(seconds=seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
