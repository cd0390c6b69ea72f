"""A simulated caller whose webhooks a load balancer spreads over several web instances."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tests.voice.helpers import Caller


@dataclass
class RoundRobinCaller(Caller):
    """Each webhook goes to the next instance in `clients` (or to `pin` when set)."""

    clients: list[Any] = field(default_factory=list)
    served_by: list[int] = field(default_factory=list)
    pin: int | None = None
    last_seconds: float = 0.0

    def post(self, path: str, params: dict[str, str], *, signed: bool = True) -> Any:
        index = self.pin if self.pin is not None else len(self.served_by) % len(self.clients)
        self.served_by.append(index)
        self.client = self.clients[index]
        started = time.perf_counter()
        try:
            return super().post(path, params, signed=signed)
        finally:
            self.last_seconds = time.perf_counter() - started


def ops_get(client: Any, path: str) -> Any:
    """GET an operator-only endpoint (/metrics, /ready) with the app's OPS_TOKEN."""
    token = client.application.config["OPS_TOKEN"]
    return client.get(path, headers={"Authorization": f"Bearer {token}"})
