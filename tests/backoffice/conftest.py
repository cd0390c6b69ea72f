"""Back-office fixtures: the shared runtime plus a directory for origination files."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def ach_dir(tmp_path: Path) -> Path:
    return tmp_path / "ach"
