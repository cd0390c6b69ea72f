"""The action server's entry point: rasa-sdk's server, answering only calls that carry Rasa's secret.

rasa-sdk runs any action for any tracker it is sent. Here every request but `/health` must carry
`Authorization: Bearer <ACTION_SERVER_SECRET>`, which only the Rasa server has (endpoints.yml),
or it gets 401. Without the secret or a valid bank-data key (outside development mode) the server
does not start.

    python -m actions.server --port 5055 [--host 127.0.0.1]
"""

from __future__ import annotations

import argparse
import hmac
import logging
import os
import sys
from functools import partial

from rasa_sdk.endpoint import create_app_for_serve
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.utils import number_of_sanic_workers
from sanic import Sanic, response
from sanic.worker.loader import AppLoader

from billing_core.runtime import BillingRuntime
from billing_core.secrets import MissingSecret, secret
from billing_core.settings import Settings
from billing_core.startup import EX_CONFIG

log = logging.getLogger(__name__)
OPEN_PATHS = {"/health"}


def bearer_matches(header: str | None, expected: str) -> bool:
    supplied = (header or "").removeprefix("Bearer ").strip()
    return bool(supplied) and hmac.compare_digest(supplied.encode(), expected.encode())


def guarded_app(executor: ActionExecutor, expected: str) -> Sanic:
    app = create_app_for_serve(executor, cors_origins=[])

    @app.on_request
    async def require_rasa(request):  # type: ignore[no-untyped-def]
        if request.path in OPEN_PATHS:
            return None
        if not bearer_matches(request.headers.get("authorization"), expected):
            return response.json({"error": "unauthorized"}, status=401)
        return None

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m actions.server")
    parser.add_argument("--port", type=int, default=5055)
    env = dict(os.environ)  # this process's one reading of its environment
    parser.add_argument("--host", default=env.get("ACTION_SERVER_HOST", "127.0.0.1"))
    args = parser.parse_args(argv)
    try:
        expected = secret("ACTION_SERVER_SECRET", env)
        # Refuses a missing or invalid bank-data key. Each Sanic worker (a process of its own)
        # starts its runtime, reading its settings once, at its first action (actions.billing).
        BillingRuntime.start(Settings.from_env(env)).engine.dispose()
    except MissingSecret as exc:
        print(f"error: action server not started: {exc}", file=sys.stderr)
        return EX_CONFIG
    logging.basicConfig(level=logging.INFO)
    executor = ActionExecutor()
    executor.register_package("actions")
    loader = AppLoader(factory=partial(guarded_app, executor, expected))
    app = loader.load()
    # ACTION_SERVER_SANIC_WORKERS, as rasa-sdk's own entry point reads it (default 1).
    app.prepare(host=args.host, port=args.port, workers=number_of_sanic_workers(), access_log=False)
    log.info("action server on http://%s:%s", args.host, args.port)
    Sanic.serve(primary=app, app_loader=loader)
    return 0


if __name__ == "__main__":
    sys.exit(main())
