"""Checks X-Twilio-Signature with twilio's RequestValidator; a bad or missing one gets 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

from ivr.settings import web_settings


def public_url() -> str:
    """The URL Twilio signed: the configured public base URL replaces scheme and host (proxies)."""
    base = web_settings().channels.public_base_url
    if not base:
        return request.url
    path = request.full_path if request.query_string else request.path
    return base + path


def is_valid_twilio_request() -> bool:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    validator = RequestValidator(web_settings().channels.twilio_auth_token)
    params = request.form.to_dict() if request.method == "POST" else {}
    return validator.validate(public_url(), params, signature)


def twilio_signed(view: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not is_valid_twilio_request():
            current_app.logger.warning("rejected unsigned or forged request to %s", request.path)
            abort(403)
        return view(*args, **kwargs)

    return wrapper
