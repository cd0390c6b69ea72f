"""Command-line jobs refuse to start without their secrets: one line on stderr, exit status 78."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps

from billing_core.secrets import MissingSecret

EX_CONFIG = 78  # sysexits: configuration error (cron and Kubernetes show it as a failed job)


def refuses_without_secrets(main: Callable[..., int]) -> Callable[..., int]:
    """Wrap a CLI's main(argv): a MissingSecret becomes `error: <setting> ...` and EX_CONFIG,
    not a traceback (an operator reads the setting's name, nothing else)."""

    @wraps(main)
    def wrapper(argv: list[str] | None = None) -> int:
        try:
            return main(argv)
        except MissingSecret as exc:
            print(f"error: {exc}", file=sys.stderr)
            return EX_CONFIG

    return wrapper
