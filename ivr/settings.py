"""The settings of each ivr process, read from the environment once, when it starts.

The web app's `WebSettings` is made by create_app (its Flask config first, then one snapshot of
the environment) and kept in app.extensions["settings"]: code reads `web_settings().channels`,
`.chat`, ... from there. The SMS job (`python -m ivr.sms`) makes one `SmsJobSettings`. Neither
reads os.environ again; each section is a frozen dataclass with its own defaults.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from billing_core.settings import Settings
from ivr.chat.settings import ChatSettings
from ivr.config import ChannelSettings
from ivr.ops.settings import OpsSettings
from ivr.outcomes.settings import OutcomeSettings
from ivr.sms.reminder_settings import ReminderSettings


@dataclass(frozen=True)
class WebSettings:
    billing: Settings
    channels: ChannelSettings  # Twilio, Rasa, agents, logging
    chat: ChatSettings
    outcomes: OutcomeSettings
    ops: OpsSettings

    @classmethod
    def load(
        cls,
        config: Mapping[str, Any],
        env: dict[str, str],
        *,
        billing: Settings | None = None,
        channels: ChannelSettings | None = None,
    ) -> WebSettings:
        """Every section from `config` and one snapshot `env`; `billing` and `channels` given
        (a test's runtime, hand-made channel settings) are taken as they are."""
        return cls(
            billing=billing or Settings.from_env(env),
            channels=channels or ChannelSettings.from_env(env),
            chat=ChatSettings.load(config, env),
            outcomes=OutcomeSettings.load(config, env),
            ops=OpsSettings.load(config, env),
        )


def web_settings(app: Flask | None = None) -> WebSettings:
    """The running web app's settings (the current app's when `app` is None)."""
    return (app or current_app).extensions["settings"]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class SmsJobSettings:
    billing: Settings
    channels: ChannelSettings
    reminders: ReminderSettings

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmsJobSettings:
        env = dict(os.environ if env is None else env)
        return cls(
            billing=Settings.from_env(env),
            channels=ChannelSettings.from_env(env),
            reminders=ReminderSettings.from_env(env),
        )
