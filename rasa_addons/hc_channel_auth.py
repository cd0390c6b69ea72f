"""The gateway's request signature, as the Rasa server checks it (no Rasa import: testable anywhere).

`X-HC-Signature` is the hex HMAC-SHA256 of `<X-HC-Timestamp>.<raw body>` under the shared secret;
a request signed more than `max_skew_seconds` ago (or ahead) is refused too, so a captured request
cannot be replayed later. ivr/rasa_client.py signs; tests/security checks the two agree.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping

MAX_SKEW_SECONDS = 300


def signature(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def request_is_signed(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    max_skew_seconds: int = MAX_SKEW_SECONDS,
    now: float | None = None,
) -> bool:
    timestamp = headers.get("X-HC-Timestamp") or ""
    supplied = headers.get("X-HC-Signature") or ""
    if not timestamp.isdigit() or not supplied:
        return False
    now = time.time() if now is None else now
    if max_skew_seconds > 0 and abs(now - int(timestamp)) > max_skew_seconds:
        return False
    return hmac.compare_digest(supplied, signature(secret, timestamp, body))
