"""Prism, a mock of Twilio's REST API generated from Twilio's own OpenAPI spec, as a subprocess.

Prism validates each request (path, auth, form fields) against the spec and answers 2xx only for a
valid one. Used by the SMS contract tests and by the production drills' reminder job.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
# Vendored (tests/contracts/twilio-oai/README.md: tag, commit, MIT licence), so a clone tests alone.
SPEC = REPO / "tests" / "contracts" / "twilio-oai" / "twilio_api_v2010.yaml"
PRISM = REPO / "node_modules" / ".bin" / "prism"


class PrismUnavailable(RuntimeError):
    """Prism could not start; the message says why."""


def missing() -> str | None:
    if not SPEC.exists():
        return f"Twilio's OpenAPI spec not found at {SPEC} (vendored in tests/contracts/twilio-oai)"
    if not PRISM.exists():
        return f"Prism not installed at {PRISM}: run `npm ci` in the repo root"
    if shutil.which("node") is None:
        return "node is not on PATH (Prism needs Node.js)"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_prism(log_path: Path) -> Iterator[str]:
    """Prism on a free port for the duration; yields its base URL."""
    reason = missing()
    if reason:
        raise PrismUnavailable(reason)
    port = _free_port()
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(url, timeout=2)
                break
            except requests.RequestException:  # not listening yet, or too busy starting to answer
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise PrismUnavailable(
                        f"Prism did not start:\n{log_path.read_text()[-2000:]}"
                    ) from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
