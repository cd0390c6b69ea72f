"""The action server's one billing runtime (started lazily) and a helper to run services off the event loop."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import TypeVar

from billing_core.runtime import BillingRuntime
from billing_core.unit_of_work import UnitOfWork

T = TypeVar("T")

_runtime: BillingRuntime | None = None
_lock = threading.Lock()


def runtime() -> BillingRuntime:
    """The process-wide runtime; created on first use so importing actions does no I/O."""
    global _runtime
    if _runtime is None:
        with _lock:
            if _runtime is None:
                _runtime = BillingRuntime.start()
    return _runtime


def use_runtime(rt: BillingRuntime | None) -> None:
    """Point the actions at another runtime (tests use a temporary database)."""
    global _runtime
    _runtime = rt


def _in_uow(work: Callable[[UnitOfWork], T]) -> T:
    with runtime().uow() as uow:
        return work(uow)


async def call(work: Callable[[UnitOfWork], T]) -> T:
    """Run one unit of work in a worker thread: database calls must not block the event loop."""
    return await asyncio.to_thread(_in_uow, work)
