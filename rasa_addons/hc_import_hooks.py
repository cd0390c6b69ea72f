"""Patch a Rasa module when Python first imports it, without importing it now.

The addons are imported at interpreter start-up by .pth lines (.venv-rasa and the Rasa image):
importing Rasa there would load TensorFlow into every Python started in the env, pip included.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any


class _PatchOnImport(importlib.abc.MetaPathFinder):
    """Applies `then` to the module `name` right after Python first executes it."""

    def __init__(self, name: str, then: Callable[[ModuleType], None]) -> None:
        self.name, self.then = name, then

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        execute, then = spec.loader.exec_module, self.then

        def exec_module(module: ModuleType) -> None:
            execute(module)
            then(module)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def when_imported(name: str, patch: Callable[[ModuleType], None]) -> None:
    """Run `patch(module)` once `name` is imported (now, if it already is)."""
    if name in sys.modules:
        patch(sys.modules[name])
    else:
        sys.meta_path.insert(0, _PatchOnImport(name, patch))
