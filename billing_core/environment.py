"""Reading the process environment: the one yes/no reading of a setting, and development mode.

Every process reads its environment once, when it starts, into its settings object
(billing_core.settings for the billing core and the action server, ivr.settings for the web app
and the SMS job); the code then reads that object, never os.environ.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

DEVELOPMENT_VAR = "HC_DEVELOPMENT"
YES_WORDS = frozenset({"1", "true", "yes", "on"})
NO_WORDS = frozenset({"0", "false", "no", "off"})


def flag(value: object, default: bool) -> bool:
    """A yes/no value: 1/true/yes/on or 0/false/no/off, in any case. None, empty or any other
    word gives `default`; a bool (from a Flask config) is taken as it is."""
    if isinstance(value, bool):
        return value
    word = str(value or "").strip().lower()
    if word in YES_WORDS:
        return True
    if word in NO_WORDS:
        return False
    return default


def env_flag(name: str, default: bool, env: Mapping[str, object] | None = None) -> bool:
    """The yes/no setting `name` of `env` (the process environment when None)."""
    return flag((os.environ if env is None else env).get(name), default)


def development_mode(env: Mapping[str, object] | None = None) -> bool:
    """`HC_DEVELOPMENT=1`: set by `make run` and the tests, never in production."""
    return env_flag(DEVELOPMENT_VAR, False, env)


def first_set(name: str, *sources: Mapping[str, Any]) -> Any:
    """The first value of `name` that is set (not None, not empty) in `sources`, in order; None
    when none is. The web app's settings look in its Flask config first, then the environment."""
    for source in sources:
        value = source.get(name)
        if value is not None and value != "":
            return value
    return None
