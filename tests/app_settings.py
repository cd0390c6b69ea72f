"""Tests that need other channel settings in a running app (as a restart with them would give)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import Flask

from ivr.settings import web_settings


def use_channels(app: Flask, **changes: Any) -> None:
    settings = web_settings(app)
    app.extensions["settings"] = replace(settings, channels=replace(settings.channels, **changes))
