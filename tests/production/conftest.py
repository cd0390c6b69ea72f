"""The scaled-out stack once for this package: 2 Rasa servers, 2 action servers, 2 web apps, Postgres, Redis.

The two web apps are two Flask apps in this process, each with its own database pool and its own
Rasa server (as two gunicorn pods behind a load balancer would be); a call's turns alternate
between them. Tests that kill a component for good run last (see pytest_collection_modifyitems).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from billing_core.runtime import BillingRuntime
from billing_core.settings import Settings
from ivr.app import create_app
from ivr.config import ChannelSettings
from tests import twilio_mock
from tests.production.stack import MultiStack, StackError, start_multi, stop_multi
from tests.rasa_stack import require_rasa

TOKEN = "production-test-token"
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "destroys_stack: kills a stack component for good (last)")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Within this package only, move the tests that destroy part of the stack to its end."""
    here = Path(__file__).parent
    slots = [i for i, item in enumerate(items) if here in Path(item.path).parents]
    ours = sorted(
        (items[i] for i in slots),
        key=lambda item: item.get_closest_marker("destroys_stack") is not None,
    )
    for slot, item in zip(slots, ours, strict=True):
        items[slot] = item


@pytest.fixture(scope="package")  # torn down when this package is done: frees ~2 GB and CPU
def multi_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MultiStack]:
    model = require_rasa()
    try:
        stack = start_multi(tmp_path_factory.mktemp("multi-stack"), model, instances=2)
    except StackError as exc:
        if IN_CI:
            pytest.fail(f"the production stack could not start: {exc}")
        pytest.skip(f"the production stack could not start: {exc}")
    try:
        yield stack
    finally:
        stop_multi(stack)


def make_web(stack: MultiStack, rasa_url: str) -> Flask:
    runtime = BillingRuntime.start(
        Settings(database_url=stack.billing_url, bank_data_key_path=stack.key_file)
    )
    channels = ChannelSettings(
        twilio_auth_token=TOKEN, rasa_url=rasa_url, agent_number="+18776236765"
    )
    # The stack's own random secrets (Rasa channel, sender ids, ops token...), as the pods get them.
    web_secrets = {k: v for k, v in stack.secrets.items() if k != "TWILIO_AUTH_TOKEN"}
    return create_app({"TESTING": True, **web_secrets}, runtime=runtime, channels=channels)


@pytest.fixture(scope="package")
def web_apps(multi_stack: MultiStack) -> Iterator[list[Flask]]:
    apps = [make_web(multi_stack, inst.rasa_url) for inst in multi_stack.instances]
    yield apps
    for app in apps:
        app.extensions["billing"].engine.dispose()


@pytest.fixture(scope="package")
def twilio_api(multi_stack: MultiStack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Twilio's REST API mocked by Prism, at the address the stack's processes send texts to."""
    reason = twilio_mock.missing()
    if reason:
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    with twilio_mock.running_prism(log) as url:
        previous, multi_stack.twilio_api_url = multi_stack.twilio_api_url, url
        try:
            yield url
        finally:
            multi_stack.twilio_api_url = previous


@pytest.fixture
def clients(web_apps: list[Flask]) -> list:
    return [app.test_client() for app in web_apps]


@pytest.fixture
def billing(web_apps: list[Flask]) -> BillingRuntime:
    return web_apps[0].extensions["billing"]


@pytest.fixture
def client_with_outage(tmp_path):  # type: ignore[no-untyped-def]
    """A web app whose Rasa URL answers nothing (connection refused): every Rasa turn is an outage."""
    from datetime import UTC, datetime

    from billing_core.demo import load_demo_data
    from database import migrate
    from tests.conftest import make_runtime
    from tests.rasa_stack import free_port
    from tests.voice.helpers import Caller

    url = f"sqlite:///{tmp_path / 'billing.sqlite3'}"
    migrate(url)
    runtime = make_runtime(url, tmp_path)
    with runtime.uow() as uow:
        load_demo_data(uow, now=datetime.now(UTC))
    channels = ChannelSettings(
        twilio_auth_token=TOKEN, rasa_url=f"http://127.0.0.1:{free_port()}", rasa_timeout_seconds=1
    )
    app = create_app({"TESTING": True}, runtime=runtime, channels=channels)
    client = app.test_client()
    yield client, Caller(client, TOKEN)
    runtime.engine.dispose()
