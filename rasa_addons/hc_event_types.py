"""Loaded into the Rasa server process (Python 3.11 env): event classes looked up by name, cached.

Rasa 3.6 turns every stored or received event back into an object with
`Event.resolve_by_type(name)`, which lists every subclass of Event (recursively, checking each with
`inspect.isabstract`) on every call: 0.03 ms an event, 95 % of deserialising one. The SQL tracker
store deserialises the whole conversation on every message (50-60 events by the end of a call),
and each action-server answer adds more: 1.5-2 ms of the Rasa server's CPU per message.

This remembers the class found for each name. A class defined later (anywhere under Event) clears
what was remembered, so the answer is always the one the full scan gives. Applied when Rasa
imports `rasa.shared.core.events` (hc_import_hooks); tests/rasa/test_event_types.py compares it
with the scan.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from hc_import_hooks import when_imported


def patch(module: ModuleType) -> None:
    event_class = module.Event
    scan = event_class.resolve_by_type
    if hasattr(scan, "scan") or "__init_subclass__" in vars(event_class):
        return  # patched already, or Rasa has its own hook there: leave the scan alone
    found: dict[str, Any] = {}

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        cls = found.get(type_name)
        if cls is None:
            cls = scan(type_name, default)
            if cls is not None and cls is not default:
                found[type_name] = cls
        return cls

    def __init_subclass__(cls: type, **kwargs: Any) -> None:
        found.clear()  # a new event class: look names up afresh
        super(event_class, cls).__init_subclass__(**kwargs)

    resolve_by_type.scan = scan  # the original, for tests
    event_class.resolve_by_type = staticmethod(resolve_by_type)
    event_class.__init_subclass__ = classmethod(__init_subclass__)


when_imported("rasa.shared.core.events", patch)
